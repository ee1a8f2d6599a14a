"""Exports of the coded corpus, used by both the API (`/api/exports/...`) and `manage.py export`.

- JSON Lines: one article per line with its metadata, text, snapshot (sha256 and, by default, the archived
  bytes in base64) and its annotations with their details and relations. PostgreSQL builds each line
  (`json_build_object` / `json_agg`) in chunks of articles taken in id order, so Python only passes text
  through: that is what makes ~10,000 articles/s possible. `annotations.loading.load_export` reads it back.
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
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from annotations.models import ActorLink, Annotation, Claim, Membership
from annotations.serializers import CLAIM_ROW_VALUES, claim_dicts_from_rows, iso
from articles.models import Article

JSONL_CHUNK = 500
CLAIMS_CHUNK = 2000
WEB_ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
WEB_ANNOTATION_CONTENT_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
WEB_ANNOTATION_PAGE_SIZE = 500
WIKIDATA = "http://www.wikidata.org/entity/"
EXPORT_FORMAT = "newsarchive-jsonl/1"


# What `permissions.annotation_scope` says, in SQL: spans of projects the user oversees, or their own.
_VISIBLE_SPANS = (
    "({a}.project_id IN (SELECT project_id FROM annotations_membership WHERE user_id = %s AND role IN (%s, %s))"
    " OR ({a}.annotator_id = %s AND {a}.project_id IN"
    " (SELECT project_id FROM annotations_membership WHERE user_id = %s)))"
)


@dataclass(frozen=True)
class Scope:
    """Whose annotations an export holds: all of them (user_id None), or those one user may see."""

    user_id: int | None = None
    project_id: int | None = None

    def sql(self, alias: str) -> tuple[str, list[Any]]:
        """A SQL condition on the annotation table aliased `alias`, with its parameters."""
        conditions, params = [], []
        if self.user_id is not None:
            conditions.append(_VISIBLE_SPANS.format(a=alias))
            params += [self.user_id, Membership.Role.REVIEWER, Membership.Role.ADMIN, self.user_id, self.user_id]
        if self.project_id is not None:
            conditions.append(f"{alias}.project_id = %s")
            params.append(self.project_id)
        return (" AND ".join(conditions) or "TRUE"), params

    def project_sql(self, alias: str) -> tuple[str, list[Any]]:
        """A SQL condition on a project id column: the projects the export may name."""
        conditions, params = [], []
        if self.user_id is not None:
            conditions.append(f"{alias} IN (SELECT project_id FROM annotations_membership WHERE user_id = %s)")  # noqa: S608
            params.append(self.user_id)
        if self.project_id is not None:
            conditions.append(f"{alias} = %s")
            params.append(self.project_id)
        return (" AND ".join(conditions) or "TRUE"), params


def scope_for(user: Any, project_id: int | None = None) -> Scope:
    """The export scope of a user: everything for superusers (and commands), their projects' spans otherwise."""
    if user is None or getattr(user, "is_superuser", False):
        return Scope(None, project_id)
    return Scope(user.pk, project_id)


# --- JSON Lines ---------------------------------------------------------------------------------------------

_ACTOR_JSON = (
    "json_build_object('id', {a}.id, 'name', {a}.name, 'kind', {a}.kind, 'country', {a}.country,"
    " 'acled_inter', {a}.acled_inter, 'wikidata_qid', {a}.wikidata_qid, 'cameo_code', {a}.cameo_code,"
    " 'aliases', COALESCE((SELECT json_agg(al.name ORDER BY al.name) FROM annotations_actoralias al"
    " WHERE al.actor_id = {a}.id), '[]'::json))"
)

_JSONL_SQL = """
WITH arts AS MATERIALIZED (
    SELECT a.* FROM articles_article a
    WHERE a.id IN ({article_ids}) AND a.id > %s
    ORDER BY a.id LIMIT %s
),
anns AS MATERIALIZED (
    SELECT an.* FROM annotations_annotation an WHERE an.article_id IN (SELECT id FROM arts) AND {scope}
),
annjson AS (
    SELECT an.article_id, json_agg(json_build_object(
        'id', an.id, 'project', p.slug, 'label', lb.name, 'label_kind', lb.kind, 'label_colour', lb.colour,
        'annotator', u.username, 'status', an.status, 'start', an.start, 'end', an."end",
        'quote', an.quote, 'prefix', an.prefix, 'suffix', an.suffix, 'note', an.note,
        'attributes', an.attributes, 'created_at', an.created_at, 'updated_at', an.updated_at,
        'actors', COALESCE(links.actors, '[]'::json),
        'source', CASE WHEN sa.annotation_id IS NULL THEN NULL ELSE json_build_object(
            'kind', sa.kind, 'anonymity', sa.anonymity, 'cue', sa.cue, 'channel', sa.channel) END,
        'claim', CASE WHEN c.annotation_id IS NULL THEN NULL ELSE json_build_object(
            'claimant', CASE WHEN cl.id IS NULL THEN NULL ELSE {actor_cl} END,
            'claimant_is_outlet', c.claimant_is_outlet, 'claimant_mention', c.claimant_mention_id,
            'source_annotation', c.source_annotation_id, 'speech', c.speech, 'claim_date', c.claim_date,
            'about', COALESCE(abouts.about, '[]'::json), 'stance', c.stance, 'verdict', c.verdict,
            'topic', c.topic) END
    ) ORDER BY an.start, an."end", an.id) AS items
    FROM anns an
    JOIN annotations_project p ON p.id = an.project_id
    JOIN annotations_label lb ON lb.id = an.label_id
    JOIN auth_user u ON u.id = an.annotator_id
    LEFT JOIN annotations_sourceattribution sa ON sa.annotation_id = an.id
    LEFT JOIN annotations_claim c ON c.annotation_id = an.id
    LEFT JOIN annotations_actor cl ON cl.id = c.claimant_id
    LEFT JOIN LATERAL (
        SELECT json_agg({actor_ac} ORDER BY l.id) AS actors
        FROM annotations_actorlink l JOIN annotations_actor ac ON ac.id = l.actor_id
        WHERE l.annotation_id = an.id
    ) links ON TRUE
    LEFT JOIN LATERAL (
        SELECT json_agg({actor_ac} ORDER BY ca.id) AS about
        FROM annotations_claimabout ca JOIN annotations_actor ac ON ac.id = ca.actor_id
        WHERE ca.claim_id = c.annotation_id
    ) abouts ON TRUE
    GROUP BY an.article_id
),
rels AS (
    SELECT r.article_id, json_agg(json_build_object(
        'id', r.id, 'source', r.source_id, 'target', r.target_id, 'kind', r.kind, 'annotator', u.username,
        'note', r.note, 'created_at', r.created_at) ORDER BY r.id) AS items
    FROM annotations_relation r
    JOIN auth_user u ON u.id = r.annotator_id
    JOIN annotations_annotation an ON an.id = r.source_id
    JOIN annotations_annotation an_target ON an_target.id = r.target_id
    WHERE r.article_id IN (SELECT id FROM arts) AND {scope} AND {scope_target}
    GROUP BY r.article_id
),
projs AS (
    SELECT pa.article_id, json_agg(p.slug ORDER BY p.slug) AS slugs
    FROM annotations_project_articles pa
    JOIN annotations_project p ON p.id = pa.project_id
    WHERE pa.article_id IN (SELECT id FROM arts) AND {project_scope}
    GROUP BY pa.article_id
)
SELECT arts.id, json_build_object(
    'format', %s, 'id', arts.id, 'title', arts.title, 'byline', arts.byline, 'url', arts.url,
    'canonical_url', arts.canonical_url, 'published_at', arts.published_at, 'language', arts.language,
    'lead', arts.lead, 'text', arts.text, 'text_sha256', arts.text_sha256, 'metadata', arts.metadata,
    'created_at', arts.created_at, 'supersedes', arts.supersedes_id, 'duplicate_of', arts.duplicate_of_id,
    'outlet', CASE WHEN o.id IS NULL THEN NULL ELSE json_build_object(
        'name', o.name, 'domain', o.domain, 'kind', o.kind, 'country', o.country, 'language', o.language) END,
    'projects', COALESCE(projs.slugs, '[]'::json),
    'snapshot', json_build_object(
        'sha256', s.sha256, 'size', s.size, 'content_type', s.content_type, 'encoding', s.encoding,
        'source_url', s.source_url, 'filename', s.filename, 'http_headers', s.http_headers,
        'captured_at', s.captured_at, 'raw_base64', {raw}),
    'annotations', COALESCE(annjson.items, '[]'::json),
    'relations', COALESCE(rels.items, '[]'::json)
)::text
FROM arts
JOIN articles_snapshot s ON s.id = arts.snapshot_id
LEFT JOIN articles_outlet o ON o.id = arts.outlet_id
LEFT JOIN annjson ON annjson.article_id = arts.id
LEFT JOIN rels ON rels.article_id = arts.id
LEFT JOIN projs ON projs.article_id = arts.id
ORDER BY arts.id
"""


def jsonl_lines(
    articles: QuerySet[Article], scope: Scope, *, include_raw: bool = True, chunk: int = JSONL_CHUNK
) -> Iterator[str]:
    """The corpus as JSON Lines (one article per line, '\\n'-terminated), streamed in chunks of articles."""
    id_sql, id_params = articles.order_by().values("id").query.sql_with_params()
    scope_sql, scope_params = scope.sql("an")
    target_sql, target_params = scope.sql("an_target")
    project_sql, project_params = scope.project_sql("pa.project_id")
    raw = "translate(encode(s.raw, 'base64'), E'\\n', '')" if include_raw else "NULL"
    sql = _JSONL_SQL.format(
        article_ids=id_sql,
        scope=scope_sql,
        scope_target=target_sql,
        project_scope=project_sql,
        actor_ac=_ACTOR_JSON.format(a="ac"),
        actor_cl=_ACTOR_JSON.format(a="cl"),
        raw=raw,
    )
    last_id = 0
    while True:
        params = [
            *id_params, last_id, chunk, *scope_params, *scope_params, *target_params, *project_params, EXPORT_FORMAT
        ]  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            # The plan's estimated cost is high enough for PostgreSQL to JIT-compile it, which takes seconds.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not rows:
            return
        yield "".join(line + "\n" for _, line in rows)
        last_id = rows[-1][0]
        if len(rows) < chunk:
            return


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


def write_all(chunks: Iterable[str], out: Any) -> int:
    """Write streamed chunks to a text file; returns the number of characters written."""
    written = 0
    for text in chunks:
        out.write(text)
        written += len(text)
    return written
