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
import hashlib
import io
import json
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db import connection, connections
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django.db.models import Exists, OuterRef, Q, QuerySet

from annotations.cache import span_arrays
from annotations.jsonl_format import EXPORT_FORMAT
from annotations.models import Actor, ActorLink, Annotation, ArticleExportLine, Claim
from annotations.permissions import annotation_scope
from annotations.serializers import CLAIM_ROW_VALUES, claim_dicts_from_rows
from articles.models import Article
from newsarchive.rendering import iso
from projects.models import Membership, Project

JSONL_CHUNK = 500
JSONL_WORKERS = 2
CLAIMS_CHUNK = 2000
REFRESH_BATCH = 500
WEB_ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
WEB_ANNOTATION_CONTENT_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
WEB_ANNOTATION_PAGE_SIZE = 500
WIKIDATA = "http://www.wikidata.org/entity/"


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
# PostgreSQL writes each line whole: the article's fields with json_build_object, and its spans as the
# concatenation of their pre-serialised export JSON (annotations.cache), so Python only passes text through.
# One query per chunk of articles; the spans come from the ORM's scoped queryset, so the permission rules
# are those of `annotation_scope` exactly.

ISO = """'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'"""

JSONL_SQL = """
WITH relation_arrays AS (
    SELECT r.article_id, json_agg(json_build_object(
        'id', r.id, 'source', r.source_id, 'target', r.target_id, 'kind', r.kind, 'annotator', u.username,
        'note', r.note, 'created_at', to_char(r.created_at AT TIME ZONE 'UTC', {iso})) ORDER BY r.id)::text AS json
    FROM annotations_relation r JOIN auth_user u ON u.id = r.annotator_id
    WHERE r.article_id = ANY(%s) AND r.source_id IN ({visible}) AND r.target_id IN ({visible})
    GROUP BY r.article_id
)
-- concat() allocates each line once (a chain of || copies it again at every step).
SELECT a.id, concat(
    '{{"format" : ', to_json(%s::text),
    ', "id" : ', a.id,
    ', "title" : ', to_json(a.title),
    ', "byline" : ', to_json(a.byline),
    ', "url" : ', to_json(a.url),
    ', "canonical_url" : ', to_json(a.canonical_url),
    ', "published_at" : ', COALESCE(to_json(to_char(a.published_at AT TIME ZONE 'UTC', {iso}))::text, 'null'),
    ', "language" : ', to_json(a.language),
    ', "lead" : ', to_json(a.lead),
    ', "text" : ', to_json(a.text),
    ', "text_sha256" : ', to_json(a.text_sha256),
    ', "metadata" : ', a.metadata,
    ', "created_at" : ', to_json(to_char(a.created_at AT TIME ZONE 'UTC', {iso})),
    ', "supersedes" : ', COALESCE(a.supersedes_id::text, 'null'),
    ', "duplicate_of" : ', COALESCE(a.duplicate_of_id::text, 'null'),
    ', "outlet" : ', CASE WHEN o.id IS NULL THEN 'null' ELSE json_build_object(
        'name', o.name, 'domain', o.domain, 'kind', o.kind, 'country', o.country, 'language', o.language
    )::text END,
    ', "projects" : ', COALESCE((
        SELECT json_agg(p.slug ORDER BY p.slug) FROM annotations_project_articles pa
        JOIN annotations_project p ON p.id = pa.project_id
        WHERE pa.article_id = a.id {projects})::text, '[]'),
    ', "snapshot" : ', left(json_build_object(
        'sha256', sn.sha256, 'size', sn.size, 'content_type', sn.content_type, 'encoding', sn.encoding,
        'source_url', sn.source_url, 'filename', sn.filename, 'http_headers', sn.http_headers,
        'captured_at', to_char(sn.captured_at AT TIME ZONE 'UTC', {iso}))::text, -1),
    -- base64 needs no JSON escaping: spliced in as it is, inside the snapshot object
    ', "raw_base64" : ', CASE WHEN %s THEN '"' || replace(encode(sn.raw, 'base64'), E'\\n', '') || '"' ELSE 'null' END,
    '}}, "annotations" : [', sa.json, '], "relations" : ', COALESCE(ra.json, '[]'), '}}'
)
FROM articles_article a
JOIN articles_snapshot sn ON sn.id = a.snapshot_id
LEFT JOIN articles_outlet o ON o.id = a.outlet_id
LEFT JOIN ({span_arrays}) AS sa (id, json) ON sa.id = a.id
LEFT JOIN relation_arrays ra ON ra.article_id = a.id
WHERE a.id = ANY(%s)
"""


LINE_RECIPE = hashlib.sha256(f"{EXPORT_FORMAT}\n{JSONL_SQL}".encode()).hexdigest()[:16]


def _line_sql(article_ids: list[int], scope: Scope, raw: bool) -> tuple[str, list[Any]]:
    """The query of the JSON Lines of some articles: rows of (article id, line)."""
    spans = Annotation.objects.filter(scope.q())
    if scope.project_id is not None:
        spans = spans.filter(project_id=scope.project_id)
    arrays_sql, arrays_params = span_arrays(spans, article_ids, export=True).query.sql_with_params()
    visible = spans.filter(article_id__in=article_ids).order_by().values("id")
    visible_sql, visible_params = visible.query.sql_with_params()
    projects, project_params = "", []
    if scope.user_id is not None:
        projects += " AND pa.project_id IN (SELECT project_id FROM annotations_membership WHERE user_id = %s)"
        project_params.append(scope.user_id)
    if scope.project_id is not None:
        projects += " AND pa.project_id = %s"
        project_params.append(scope.project_id)
    sql = JSONL_SQL.format(iso=ISO, visible=visible_sql, projects=projects, span_arrays=arrays_sql)
    params = [
        article_ids, *visible_params, *visible_params, EXPORT_FORMAT, *project_params, raw, *arrays_params,
        article_ids,
    ]  # fmt: skip
    return sql, params


def _stored_lines_sql(article_ids: list[int], scope: Scope, raw: bool) -> tuple[str, list[Any]] | None:
    """The query of the stored lines (ArticleExportLine) that are exactly what this scope's export writes.

    A stored line holds every span, relation (between two of its spans) and project link of its article: it
    serves a user only where they see all of them (conservatively: they review or administer the projects of
    all its spans, and are a member of every project it is linked to), never an export narrowed to a project.
    """
    if scope.project_id is not None:
        return None
    column = "line_raw" if raw else "line"
    lines = ArticleExportLine.objects.filter(article_id__in=article_ids, recipe=LINE_RECIPE).exclude(
        **{f"{column}__isnull": True}
    )
    if scope.user_id is not None:
        memberships = Membership.objects.filter(user_id=scope.user_id)
        overseen = memberships.filter(role__in=[Membership.Role.REVIEWER, Membership.Role.ADMIN])
        lines = lines.filter(span_projects__contained_by=list(overseen.values_list("project_id", flat=True)))
        other_projects = Project.articles.through.objects.filter(article_id__in=article_ids).exclude(
            project_id__in=memberships.values("project_id")
        )
        lines = lines.exclude(article_id__in=other_projects.order_by().values("article_id"))
    return lines.order_by().values_list("article_id", column).query.sql_with_params()


def _text_as_bytes(cursor: Any) -> None:
    """Make this driver cursor return text columns as bytes (psycopg 3 or psycopg2, whichever Django uses)."""
    if is_psycopg3:
        from psycopg.adapt import Loader

        class BytesLoader(Loader):
            def load(self, data: Any) -> bytes:
                return bytes(data)

        for name in ("text", "varchar", "bpchar", "name"):
            cursor.adapters.register_loader(name, BytesLoader)
    else:
        import psycopg2.extensions

        psycopg2.extensions.register_type(psycopg2.extensions.BYTES, cursor)


def _jsonl_chunk(article_ids: list[int], scope: Scope, raw: bool) -> bytes:
    """The JSON Lines of some articles (their ids in order), as bytes: stored lines, the others written live."""
    stored = _stored_lines_sql(article_ids, scope, raw)
    with connection.cursor() as cursor:
        # The lines pass through as bytes, never decoded into Python strings.
        _text_as_bytes(cursor.cursor)
        rows = []
        if stored is not None:
            cursor.execute(*stored)
            rows = cursor.fetchall()
        if len(rows) < len(article_ids):
            found = {article_id for article_id, _ in rows}
            cursor.execute(*_line_sql([i for i in article_ids if i not in found], scope, raw))
            rows += cursor.fetchall()
    rows.sort()  # here: ordering the wide rows made PostgreSQL sort them on disk
    rows.append((None, b""))
    return b"\n".join(line for _, line in rows)


def refresh_export_lines(articles: QuerySet[Article] | None = None, *, batch: int = REFRESH_BATCH) -> int:
    """Store the complete lines (with and without snapshot bytes) of the articles that lack them; returns how many.

    A line is stored only if its row's version is still the one read when it was built (migration 0005).
    """
    current = ArticleExportLine.objects.filter(
        article_id=OuterRef("pk"), recipe=LINE_RECIPE, line__isnull=False, line_raw__isnull=False
    )
    ids = (articles if articles is not None else Article.objects.all()).filter(~Exists(current)).order_by("id")
    filled = last_id = 0
    while article_ids := list(ids.filter(id__gt=last_id).values_list("id", flat=True)[:batch]):
        for column, other, raw in (("line", "line_raw", False), ("line_raw", "line", True)):
            sql, params = _line_sql(article_ids, Scope(), raw)
            # With the first line, the spans' API JSON (what an article list embeds for who sees them all).
            arrays_sql, arrays_params = span_arrays(Annotation.objects.all(), article_ids).query.sql_with_params()
            spans = "sa.json" if column == "line" else "k.spans_json"
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO annotations_articleexportline AS c"  # noqa: S608
                    f" (article_id, version, recipe, span_projects, spans_json, {column})"
                    " SELECT built.id, COALESCE(k.version, 0), %s, ARRAY(SELECT DISTINCT s.project_id"
                    f" FROM annotations_annotation s WHERE s.article_id = built.id), {spans}, built.line"
                    f" FROM ({sql}) AS built (id, line) JOIN ({arrays_sql}) AS sa (id, json) ON sa.id = built.id"
                    " LEFT JOIN annotations_articleexportline k ON k.article_id = built.id"
                    " ON CONFLICT (article_id) DO UPDATE SET span_projects = EXCLUDED.span_projects,"
                    f" spans_json = EXCLUDED.spans_json, {column} = EXCLUDED.{column},"
                    f" {other} = CASE WHEN c.recipe = EXCLUDED.recipe THEN c.{other} END, recipe = EXCLUDED.recipe"
                    " WHERE c.version = EXCLUDED.version",
                    [LINE_RECIPE, *params, *arrays_params],
                )
                if raw:
                    filled += cursor.rowcount
        last_id = article_ids[-1]
    return filled


def _jsonl_chunk_in_thread(article_ids: list[int], scope: Scope, raw: bool) -> bytes:
    try:
        return _jsonl_chunk(article_ids, scope, raw)
    finally:
        connections.close_all()  # this worker thread's own connection


def jsonl_lines(
    articles: QuerySet[Article], scope: Scope, *, include_raw: bool = True, chunk: int = JSONL_CHUNK
) -> Iterator[bytes]:
    """The corpus as JSON Lines (one article per line, UTF-8, '\\n'-terminated), streamed in chunks of articles.

    PostgreSQL writes the next chunks on their own connections while this one is sent (one per core), except
    inside a transaction, whose uncommitted rows only its own connection sees.
    """
    ids = articles.order_by("id").values_list("id", flat=True)

    def id_chunks() -> Iterator[list[int]]:
        last_id = 0
        while article_ids := list(ids.filter(id__gt=last_id)[:chunk]):
            yield article_ids
            last_id = article_ids[-1]

    if connection.in_atomic_block:
        for article_ids in id_chunks():
            yield _jsonl_chunk(article_ids, scope, include_raw)
        return
    with ThreadPoolExecutor(max_workers=JSONL_WORKERS) as pool:
        pending: deque[Future[bytes]] = deque()
        for article_ids in id_chunks():
            pending.append(pool.submit(_jsonl_chunk_in_thread, article_ids, scope, include_raw))
            if len(pending) > JSONL_WORKERS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


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
