"""Exports of the coded corpus, used by both the API (`/api/exports/...`) and `manage.py export`.

- JSON Lines: one article per line with its metadata, text, snapshot (sha256 and, by default, the archived
  bytes in base64) and its annotations with their details and relations, streamed in chunks of articles taken
  in id order. `annotations.loading.load_export` reads it back.
- CSV of claims, one row per claim.
- W3C Web Annotation (JSON-LD): an AnnotationCollection whose AnnotationPages hold one Annotation per span,
  with a TextQuoteSelector and a TextPositionSelector (code points, as the model says).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import orjson
from django.db.models import F, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast

from annotations.models import (
    Actor,
    ActorAlias,
    ActorLink,
    Annotation,
    Claim,
    ClaimAbout,
    Membership,
    Project,
    Relation,
    SourceAttribution,
)
from annotations.permissions import annotation_scope
from annotations.serializers import CLAIM_ROW_VALUES, IsoUTC, claim_dicts_from_rows, iso
from articles.models import Article

JSONL_CHUNK = 500
CLAIMS_CHUNK = 2000
WEB_ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
WEB_ANNOTATION_CONTENT_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
WEB_ANNOTATION_PAGE_SIZE = 500
WIKIDATA = "http://www.wikidata.org/entity/"
EXPORT_FORMAT = "newsarchive-jsonl/1"


@dataclass(frozen=True)
class Scope:
    """Whose annotations an export holds: all of them (user_id None), or those one user may see."""

    user_id: int | None = None
    project_id: int | None = None

    def q(self) -> Q:
        """The filter on Annotation: what `permissions.annotation_scope` gives for this user."""
        if self.user_id is None:
            return Q()
        return annotation_scope(SimpleNamespace(is_authenticated=True, is_superuser=False, pk=self.user_id))


def scope_for(user: Any, project_id: int | None = None) -> Scope:
    """The export scope of a user: everything for superusers (and commands), their projects' spans otherwise."""
    if user is None or getattr(user, "is_superuser", False):
        return Scope(None, project_id)
    return Scope(user.pk, project_id)


# --- JSON Lines ---------------------------------------------------------------------------------------------
#
# Each chunk of articles costs eight plain queries whose rows are tuples (timestamps and JSON columns come as
# text from PostgreSQL, so no Python parsing); every actor of the registry is serialised once and reused as an
# orjson Fragment; each line is one orjson.dumps. Building the JSON in PostgreSQL (json_build_object) was ~3x
# slower per span.


def _base64(field: str) -> Func:
    return Func(F(field), template="translate(encode(%(expressions)s, 'base64'), E'\\n', '')", output_field=TextField())


def _text(field: str) -> Cast:
    return Cast(field, TextField())


class _Actors:
    """Registry entries as pre-serialised JSON, loaded as the export meets them."""

    def __init__(self) -> None:
        self.json: dict[int, orjson.Fragment] = {}

    def load(self, actor_ids: Iterable[int]) -> None:
        missing = {actor_id for actor_id in actor_ids if actor_id not in self.json}
        if not missing:
            return
        aliases: dict[int, list[str]] = defaultdict(list)
        for actor_id, name in (
            ActorAlias.objects.filter(actor_id__in=missing).order_by("name").values_list("actor_id", "name")
        ):
            aliases[actor_id].append(name)
        fields = ("id", "name", "kind", "country", "acled_inter", "wikidata_qid", "cameo_code")
        for row in Actor.objects.filter(pk__in=missing).values_list(*fields):
            entry = dict(zip(fields, row, strict=True))
            entry["aliases"] = aliases.get(row[0], [])
            self.json[row[0]] = orjson.Fragment(orjson.dumps(entry))

    def __getitem__(self, actor_id: int | None) -> orjson.Fragment | None:
        return None if actor_id is None else self.json[actor_id]


def _jsonl_chunk(
    article_ids: list[int], scope_q: Q, member_of: Any, project_id: int | None, raw: bool, actors: _Actors
) -> bytes:
    """The JSON Lines of some articles (their ids in order), as bytes."""
    article_fields = (
        "id", "title", "byline", "url", "canonical_url", "published_iso", "language", "lead", "text",
        "text_sha256", "metadata_json", "created_iso", "supersedes_id", "duplicate_of_id",
        "outlet__name", "outlet__domain", "outlet__kind", "outlet__country", "outlet__language", "outlet_id",
        "snapshot__sha256", "snapshot__size", "snapshot__content_type", "snapshot__encoding",
        "snapshot__source_url", "snapshot__filename", "headers_json", "captured_iso", "raw_base64",
    )  # fmt: skip
    articles = (
        Article.objects.filter(pk__in=article_ids)
        .order_by("id")
        .annotate(
            published_iso=IsoUTC("published_at"),
            created_iso=IsoUTC("created_at"),
            captured_iso=IsoUTC("snapshot__captured_at"),
            metadata_json=_text("metadata"),
            headers_json=_text("snapshot__http_headers"),
            raw_base64=_base64("snapshot__raw") if raw else Value(None, output_field=TextField()),
        )
    )
    spans = Annotation.objects.filter(scope_q, article_id__in=article_ids)
    if project_id is not None:
        spans = spans.filter(project_id=project_id)
    span_fields = (
        "id", "article_id", "project__slug", "label__name", "label__kind", "label__colour", "annotator__username",
        "status", "start", "end", "quote", "prefix", "suffix", "note", "attributes_json", "created_iso",
        "updated_iso",
    )  # fmt: skip
    span_rows = list(
        spans.order_by("article_id", "start", "end", "id")
        .annotate(
            attributes_json=_text("attributes"), created_iso=IsoUTC("created_at"), updated_iso=IsoUTC("updated_at")
        )
        .values_list(*span_fields)
    )
    span_ids = {row[0] for row in span_rows}
    in_articles = {"annotation__article_id__in": article_ids}
    links: dict[int, list[int]] = defaultdict(list)
    for annotation_id, actor_id in (
        ActorLink.objects.filter(**in_articles).order_by("id").values_list("annotation_id", "actor_id")
    ):
        links[annotation_id].append(actor_id)
    sources = {
        row[0]: {"kind": row[1], "anonymity": row[2], "cue": row[3], "channel": row[4]}
        for row in SourceAttribution.objects.filter(**in_articles).values_list(
            "annotation_id", "kind", "anonymity", "cue", "channel"
        )
    }
    about: dict[int, list[int]] = defaultdict(list)
    for claim_id, actor_id in (
        ClaimAbout.objects.filter(claim__annotation__article_id__in=article_ids)
        .order_by("id")
        .values_list("claim_id", "actor_id")
    ):
        about[claim_id].append(actor_id)
    claim_rows = list(
        Claim.objects.filter(**in_articles)
        .annotate(date_text=_text("claim_date"))
        .values_list(
            "annotation_id", "claimant_id", "claimant_is_outlet", "claimant_mention_id", "source_annotation_id",
            "speech", "date_text", "stance", "verdict", "topic",
        )
    )  # fmt: skip
    actors.load(
        {a for ids in links.values() for a in ids}
        | {a for ids in about.values() for a in ids}
        | {row[1] for row in claim_rows if row[1] is not None}
    )
    claims = {
        row[0]: {
            "claimant": actors[row[1]],
            "claimant_is_outlet": row[2],
            "claimant_mention": row[3],
            "source_annotation": row[4],
            "speech": row[5],
            "claim_date": row[6],
            "about": [actors[a] for a in about.get(row[0], ())],
            "stance": row[7],
            "verdict": row[8],
            "topic": row[9],
        }
        for row in claim_rows
    }
    relations: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        Relation.objects.filter(article_id__in=article_ids)
        .order_by("id")
        .annotate(created_iso=IsoUTC("created_at"))
        .values_list("id", "article_id", "source_id", "target_id", "kind", "annotator__username", "note", "created_iso")
    ):
        if row[2] in span_ids and row[3] in span_ids:
            relations[row[1]].append(
                {"id": row[0], "source": row[2], "target": row[3], "kind": row[4], "annotator": row[5],
                 "note": row[6], "created_at": row[7]}
            )  # fmt: skip
    memberships = Project.articles.through.objects.filter(article_id__in=article_ids)
    if member_of is not None:
        memberships = memberships.filter(project_id__in=member_of)
    if project_id is not None:
        memberships = memberships.filter(project_id=project_id)
    projects: dict[int, list[str]] = defaultdict(list)
    for article_id, slug in memberships.order_by("project__slug").values_list("article_id", "project__slug"):
        projects[article_id].append(slug)
    by_article: dict[int, list[dict[str, Any]]] = defaultdict(list)
    no_actors: list[Any] = []
    for (
        id_, article_id, project, label, label_kind, colour, annotator, status, start, end, quote, prefix, suffix,
        note, attributes, created, updated,
    ) in span_rows:  # fmt: skip
        actor_ids = links.get(id_)
        by_article[article_id].append(
            {
                "id": id_, "project": project, "label": label, "label_kind": label_kind, "label_colour": colour,
                "annotator": annotator, "status": status, "start": start, "end": end, "quote": quote,
                "prefix": prefix, "suffix": suffix, "note": note,
                "attributes": orjson.Fragment(attributes), "created_at": created, "updated_at": updated,
                "actors": [actors[a] for a in actor_ids] if actor_ids else no_actors,
                "source": sources.get(id_), "claim": claims.get(id_),
            }
        )  # fmt: skip
    out = []
    for row in articles.values_list(*article_fields):
        (
            id_, title, byline, url, canonical_url, published, language, lead, text, text_sha256, metadata,
            created, supersedes, duplicate_of, outlet_name, outlet_domain, outlet_kind, outlet_country,
            outlet_language, outlet_id, sha256, size, content_type, encoding, source_url, filename, headers,
            captured, raw_base64,
        ) = row  # fmt: skip
        line = {
            "format": EXPORT_FORMAT, "id": id_, "title": title, "byline": byline, "url": url,
            "canonical_url": canonical_url, "published_at": published, "language": language, "lead": lead,
            "text": text, "text_sha256": text_sha256, "metadata": orjson.Fragment(metadata), "created_at": created,
            "supersedes": supersedes, "duplicate_of": duplicate_of,
            "outlet": None if outlet_id is None else {
                "name": outlet_name, "domain": outlet_domain, "kind": outlet_kind, "country": outlet_country,
                "language": outlet_language,
            },
            "projects": projects.get(id_, []),
            "snapshot": {
                "sha256": sha256, "size": size, "content_type": content_type, "encoding": encoding,
                "source_url": source_url, "filename": filename, "http_headers": orjson.Fragment(headers),
                "captured_at": captured, "raw_base64": raw_base64,
            },
            "annotations": by_article.get(id_, []),
            "relations": relations.get(id_, []),
        }  # fmt: skip
        out.append(orjson.dumps(line))
    out.append(b"")
    return b"\n".join(out)


def jsonl_lines(
    articles: QuerySet[Article], scope: Scope, *, include_raw: bool = True, chunk: int = JSONL_CHUNK
) -> Iterator[bytes]:
    """The corpus as JSON Lines (one article per line, UTF-8, '\\n'-terminated), streamed in chunks of articles."""
    scope_q = scope.q()
    member_of = None if scope.user_id is None else Membership.objects.filter(user_id=scope.user_id).values("project_id")
    ids = articles.order_by("id").values_list("id", flat=True)
    actors = _Actors()
    last_id = 0
    while True:
        article_ids = list(ids.filter(id__gt=last_id)[:chunk])
        if not article_ids:
            return
        yield _jsonl_chunk(article_ids, scope_q, member_of, scope.project_id, include_raw, actors)
        last_id = article_ids[-1]


# --- CSV of claims ------------------------------------------------------------------------------------------

CLAIM_COLUMNS = [
    "claim_id",
    "project",
    "article_id",
    "article_title",
    "outlet",
    "published_at",
    "claim_text",
    "claimant",
    "claimant_wikidata_qid",
    "claimant_is_outlet",
    "source_text",
    "source_kind",
    "speech",
    "stance",
    "verdict",
    "claim_date",
    "topic",
    "about",
    "annotator",
    "status",
]


def claims_csv(claims: QuerySet[Claim], *, chunk: int = CLAIMS_CHUNK) -> Iterator[str]:
    """One CSV row per claim (header first), streamed in chunks; `about` lists actor names separated by '; '."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CLAIM_COLUMNS)
    yield _drain(buffer)
    queryset = claims.order_by("annotation_id").values(
        *CLAIM_ROW_VALUES, "annotation__project__slug", "claimant__wikidata_qid"
    )
    last_id = 0
    while True:
        rows = list(queryset.filter(annotation_id__gt=last_id)[:chunk])
        if not rows:
            return
        items = claim_dicts_from_rows(rows)
        actor_names = _actor_names({actor for item in items for actor in item["about"]})
        for row, item in zip(rows, items, strict=True):
            writer.writerow(
                [
                    item["id"],
                    row["annotation__project__slug"],
                    item["article"],
                    item["article_title"],
                    item["outlet_name"] or "",
                    item["published_at"] or "",
                    item["text"],
                    item["claimant_name"] or "",
                    row["claimant__wikidata_qid"] or "",
                    "yes" if item["claimant_is_outlet"] else "",
                    item["source_text"] or "",
                    item["source_kind"] or "",
                    item["speech"],
                    item["stance"],
                    item["verdict"],
                    item["claim_date"] or "",
                    item["topic"],
                    "; ".join(actor_names[actor] for actor in item["about"]),
                    item["annotator_name"],
                    item["status"],
                ]
            )
        yield _drain(buffer)
        last_id = rows[-1]["annotation_id"]


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _actor_names(actor_ids: set[int]) -> dict[int, str]:
    from annotations.models import Actor

    return dict(Actor.objects.filter(pk__in=actor_ids).values_list("id", "name")) if actor_ids else {}


# --- W3C Web Annotation -------------------------------------------------------------------------------------


def web_annotation(row: dict[str, Any], actors: list[dict[str, Any]], base_url: str) -> dict[str, Any]:
    """One span as a W3C Web Annotation: label and linked actors as bodies, quote and position selectors."""
    base = base_url.rstrip("/")
    bodies: list[dict[str, Any]] = [
        {"type": "TextualBody", "value": row["label__name"], "purpose": "tagging", "format": "text/plain"}
    ]
    for actor in actors:
        qid = actor["actor__wikidata_qid"]
        bodies.append(
            {
                "type": "SpecificResource",
                "purpose": "identifying",
                "source": f"{WIKIDATA}{qid}" if qid else f"{base}/api/actors/{actor['actor_id']}/",
            }
        )
        bodies.append(
            {"type": "TextualBody", "value": actor["actor__name"], "purpose": "identifying", "format": "text/plain"}
        )
    if row["note"]:
        bodies.append({"type": "TextualBody", "value": row["note"], "purpose": "commenting", "format": "text/plain"})
    return {
        "@context": WEB_ANNOTATION_CONTEXT,
        "id": f"{base}/api/annotations/{row['id']}/",
        "type": "Annotation",
        "motivation": "identifying" if actors else "tagging",
        "creator": {"type": "Person", "nickname": row["annotator__username"]},
        "created": iso(row["created_at"]),
        "modified": iso(row["updated_at"]),
        "body": bodies,
        "target": {
            "source": f"{base}/api/articles/{row['article_id']}/",
            "type": "Text",
            "selector": [
                {"type": "TextQuoteSelector", "exact": row["quote"], "prefix": row["prefix"], "suffix": row["suffix"]},
                {"type": "TextPositionSelector", "start": row["start"], "end": row["end"]},
            ],
        },
    }


WEB_ANNOTATION_VALUES = (
    "id",
    "article_id",
    "annotator_id",
    "annotator__username",
    "label__name",
    "start",
    "end",
    "quote",
    "prefix",
    "suffix",
    "note",
    "created_at",
    "updated_at",
)


def web_annotations(annotations: QuerySet[Annotation], base_url: str) -> list[dict[str, Any]]:
    """The W3C Web Annotations of a (small) queryset of spans, in two queries."""
    rows = list(annotations.values(*WEB_ANNOTATION_VALUES))
    actors: dict[int, list[dict[str, Any]]] = defaultdict(list)
    links = ActorLink.objects.filter(annotation_id__in=[row["id"] for row in rows]).order_by("id")
    for link in links.values("annotation_id", "actor_id", "actor__name", "actor__wikidata_qid"):
        actors[link["annotation_id"]].append(link)
    return [web_annotation(row, actors.get(row["id"], []), base_url) for row in rows]


def web_annotation_page(
    annotations: QuerySet[Annotation], *, page: int, page_size: int, collection_url: str, base_url: str, total: int
) -> dict[str, Any]:
    """Page `page` (from 1) of the collection as an AnnotationPage."""
    ordered = annotations.order_by("id")
    items = web_annotations(ordered[(page - 1) * page_size : page * page_size], base_url)
    last = max(1, -(-total // page_size))
    data: dict[str, Any] = {
        "@context": WEB_ANNOTATION_CONTEXT,
        "id": _page_url(collection_url, page),
        "type": "AnnotationPage",
        "partOf": {"id": collection_url, "type": "AnnotationCollection", "total": total},
        "startIndex": (page - 1) * page_size,
        "items": items,
    }
    if page < last:
        data["next"] = _page_url(collection_url, page + 1)
    if page > 1:
        data["prev"] = _page_url(collection_url, page - 1)
    return data


def web_annotation_collection(
    annotations: QuerySet[Annotation], *, collection_url: str, base_url: str, page_size: int, label: str
) -> dict[str, Any]:
    """The AnnotationCollection, with its first page embedded and the last one linked."""
    total = annotations.count()
    last = max(1, -(-total // page_size))
    first = web_annotation_page(
        annotations, page=1, page_size=page_size, collection_url=collection_url, base_url=base_url, total=total
    )
    first.pop("@context")
    first.pop("partOf")
    return {
        "@context": WEB_ANNOTATION_CONTEXT,
        "id": collection_url,
        "type": "AnnotationCollection",
        "label": label,
        "total": total,
        "first": first,
        "last": _page_url(collection_url, last),
    }


def web_annotation_document(annotations: QuerySet[Annotation], *, base_url: str, label: str) -> Iterator[str]:
    """The whole collection as one JSON-LD document whose pages are all embedded (for files), streamed."""
    total = annotations.count()
    collection_url = f"{base_url.rstrip('/')}/api/exports/web-annotation/"
    head = {
        "@context": WEB_ANNOTATION_CONTEXT,
        "id": collection_url,
        "type": "AnnotationCollection",
        "label": label,
        "total": total,
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "first": {"id": ' + json.dumps(_page_url(collection_url, 1))
    yield ', "type": "AnnotationPage", "startIndex": 0, "items": ['
    last_id, first = 0, True
    while True:
        chunk = web_annotations(annotations.filter(id__gt=last_id).order_by("id")[:WEB_ANNOTATION_PAGE_SIZE], base_url)
        if not chunk:
            break
        for item in chunk:
            item.pop("@context")
            yield ("" if first else ", ") + json.dumps(item, ensure_ascii=False)
            first = False
        last_id = int(chunk[-1]["id"].rstrip("/").rsplit("/", 1)[1])
    yield "]}}\n"


def _page_url(collection_url: str, page: int) -> str:
    return f"{collection_url}{'&' if '?' in collection_url else '?'}page={page}"


def write_all(chunks: Iterable[str | bytes], out: Any) -> int:
    """Write streamed chunks (text or UTF-8 bytes) to a binary file; returns the number of bytes written."""
    written = 0
    for chunk in chunks:
        data = chunk.encode() if isinstance(chunk, str) else chunk
        out.write(data)
        written += len(data)
    return written
