"""Exports of the coded corpus, used by both the API (`/api/exports/...`) and `manage.py export`.

- JSON Lines: one article per line with its metadata, text, snapshot (sha256 and, by default, the archived
  bytes in base64) and its annotations with their details and relations, streamed in chunks of articles taken
  in id order. `annotations.loading.load_export` reads it back.
- CSV of claims, one row per claim, with offsets, the claimant mention, the article's URLs and snapshot sha256.
- W3C Web Annotation (JSON-LD): an AnnotationCollection whose AnnotationPages hold one Annotation per span,
  with a TextQuoteSelector and a TextPositionSelector (code points, as the model says), then one `linking`
  Annotation per relation.

`annotator` and `status` select the spans themselves in all three (Scope, the filters); each span names the
codebook version it was last changed under and its label as that version had it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import deque
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
from annotations.models import (
    Actor,
    ActorLink,
    Annotation,
    ArticleExportLine,
    Claim,
    ClaimAbout,
    Label,
    Relation,
    SourceAttribution,
)
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
    """Whose annotations an export holds: all of them (user_id None), or those one user may see; and of those,
    only one annotator's and only those of one status when asked (`?annotator=`, `?status=` select spans)."""

    user_id: int | None = None
    project_id: int | None = None
    annotator_id: int | None = None
    status: str | None = None

    def q(self) -> Q:
        """The filter on Annotation: what `permissions.annotation_scope` gives for this user, narrowed."""
        condition = Q()
        if self.user_id is not None:
            condition &= annotation_scope(SimpleNamespace(is_authenticated=True, is_superuser=False, pk=self.user_id))
        if self.annotator_id is not None:
            condition &= Q(annotator_id=self.annotator_id)
        if self.status is not None:
            condition &= Q(status=self.status)
        return condition

    @property
    def selects_spans(self) -> bool:
        return self.annotator_id is not None or self.status is not None


def scope_for(
    user: Any, project_id: int | None = None, *, annotator_id: int | None = None, status: str | None = None
) -> Scope:
    """The export scope of a user: everything for superusers (and commands), their projects' spans otherwise."""
    if user is None or getattr(user, "is_superuser", False):
        return Scope(None, project_id, annotator_id, status)
    return Scope(user.pk, project_id, annotator_id, status)


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
    ', "project_details" : ', COALESCE((
        SELECT json_agg(json_build_object(
            'slug', p.slug, 'name', p.name, 'description', p.description,
            'memberships', COALESCE((
                SELECT json_agg(json_build_object('username', mu.username, 'role', m.role) ORDER BY mu.username)
                FROM annotations_membership m JOIN auth_user mu ON mu.id = m.user_id WHERE m.project_id = p.id),
                '[]'::json),
            'codebook_versions', COALESCE((
                SELECT json_agg(json_build_object(
                    'number', v.number, 'created_at', to_char(v.created_at AT TIME ZONE 'UTC', {iso}),
                    'created_by', vu.username, 'labels', v.labels) ORDER BY v.number)
                FROM annotations_codebookversion v LEFT JOIN auth_user vu ON vu.id = v.created_by_id
                WHERE v.project_id = p.id), '[]'::json)
        ) ORDER BY p.slug) FROM annotations_project_articles pa
        JOIN annotations_project p ON p.id = pa.project_id
        WHERE pa.article_id = a.id {projects})::text, '[]'),
    ', "assignments" : ', COALESCE((
        SELECT json_agg(json_build_object(
            'project', p.slug, 'annotator', au.username, 'status', s.status,
            'submitted_at', to_char(s.submitted_at AT TIME ZONE 'UTC', {iso})) ORDER BY p.slug, au.username)
        FROM annotations_assignment s JOIN annotations_project p ON p.id = s.project_id
        JOIN auth_user au ON au.id = s.annotator_id
        WHERE s.article_id = a.id {assignments})::text, '[]'),
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
    # An assignment is shown with its project; an export of one annotator's spans shows only their assignments.
    assignments = projects.replace("pa.project_id", "s.project_id")
    assignment_params = list(project_params)
    if scope.annotator_id is not None:
        assignments += " AND s.annotator_id = %s"
        assignment_params.append(scope.annotator_id)
    sql = JSONL_SQL.format(
        iso=ISO, visible=visible_sql, projects=projects, assignments=assignments, span_arrays=arrays_sql
    )
    params = [
        article_ids, *visible_params, *visible_params, EXPORT_FORMAT, *project_params, *project_params,
        *assignment_params, raw, *arrays_params, article_ids,
    ]  # fmt: skip
    return sql, params


def _stored_lines_sql(article_ids: list[int], scope: Scope, raw: bool) -> tuple[str, list[Any]] | None:
    """The query of the stored lines (ArticleExportLine) that are exactly what this scope's export writes.

    A stored line holds every span, relation (between two of its spans) and project link of its article: it
    serves a user only where they see all of them (conservatively: they review or administer the projects of
    all its spans, and are a member of every project it is linked to), never an export narrowed to a project,
    an annotator or a status.
    """
    if scope.project_id is not None or scope.selects_spans:
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
    "claim_uuid",
    "project",
    "article_id",
    "article_title",
    "article_url",
    "article_canonical_url",
    "snapshot_sha256",
    "outlet",
    "published_at",
    "claim_text",
    "claim_start",
    "claim_end",
    "claimant",
    "claimant_wikidata_qid",
    "claimant_is_outlet",
    "claimant_mention_text",
    "claimant_mention_start",
    "claimant_mention_end",
    "source_text",
    "source_kind",
    "speech",
    "stance",
    "verdict",
    "claim_date",
    "topic",
    "about",
    "annotator",
    "annotator_id",
    "status",
    "reviewer",
    "reviewed_at",
    "created_at",
    "updated_at",
    "codebook_version",
]

CLAIM_CSV_VALUES = (
    "annotation__project__slug",
    "annotation__uuid",
    "annotation__start",
    "annotation__end",
    "annotation__annotator_id",
    "annotation__created_at",
    "annotation__updated_at",
    "annotation__codebook_version__number",
    "annotation__article__url",
    "annotation__article__canonical_url",
    "annotation__article__snapshot__sha256",
    "claimant__wikidata_qid",
    "claimant_mention__quote",
    "claimant_mention__start",
    "claimant_mention__end",
)

# Reviewer and review time are columns of Annotation that come with the review history change (issue 9); the
# exports read them wherever the model has them.
_ANNOTATION_COLUMNS = {field.attname for field in Annotation._meta.concrete_fields}
REVIEW_VALUES = tuple(
    value
    for column, value in (
        ("reviewed_by_id", "annotation__reviewed_by__username"),
        ("reviewed_at", "annotation__reviewed_at"),
    )
    if column in _ANNOTATION_COLUMNS
)

UTF8_BOM = "\ufeff"


def claims_csv(claims: QuerySet[Claim], *, chunk: int = CLAIMS_CHUNK, bom: bool = False) -> Iterator[str]:
    """One CSV row per claim (header first), streamed in chunks; `about` lists actor names separated by '; '.

    With `bom`, the text starts with a UTF-8 byte order mark, by which spreadsheet programs recognise UTF-8.
    Offsets are code points into the article text, end exclusive, as everywhere.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CLAIM_COLUMNS)
    yield (UTF8_BOM if bom else "") + _drain(buffer)
    queryset = claims.order_by("annotation_id").values(*CLAIM_ROW_VALUES, *CLAIM_CSV_VALUES, *REVIEW_VALUES)
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
                    row["annotation__uuid"],
                    row["annotation__project__slug"],
                    item["article"],
                    item["article_title"],
                    row["annotation__article__url"],
                    row["annotation__article__canonical_url"],
                    row["annotation__article__snapshot__sha256"],
                    item["outlet_name"] or "",
                    item["published_at"] or "",
                    item["text"],
                    row["annotation__start"],
                    row["annotation__end"],
                    item["claimant_name"] or "",
                    row["claimant__wikidata_qid"] or "",
                    "yes" if item["claimant_is_outlet"] else "",
                    row["claimant_mention__quote"] or "",
                    _blank(row["claimant_mention__start"]),
                    _blank(row["claimant_mention__end"]),
                    item["source_text"] or "",
                    item["source_kind"] or "",
                    item["speech"],
                    item["stance"],
                    item["verdict"],
                    item["claim_date"] or "",
                    item["topic"],
                    "; ".join(actor_names[actor] for actor in item["about"]),
                    item["annotator_name"],
                    row["annotation__annotator_id"],
                    item["status"],
                    row.get("annotation__reviewed_by__username") or "",
                    iso(row.get("annotation__reviewed_at")) or "",
                    iso(row["annotation__created_at"]),
                    iso(row["annotation__updated_at"]),
                    _blank(row["annotation__codebook_version__number"]),
                ]
            )
        yield _drain(buffer)
        last_id = rows[-1]["annotation_id"]


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _actor_names(actor_ids: set[int]) -> dict[int, str]:
    return dict(Actor.objects.filter(pk__in=actor_ids).values_list("id", "name")) if actor_ids else {}


# --- W3C Web Annotation -------------------------------------------------------------------------------------
#
# A span targets the article where it was published (canonical URL, else URL) with a TimeState whose
# cachedSource is our archived snapshot (its download URL) and whose sourceDate is when it was captured. Its
# bodies: the label (tagging, named as in the span's codebook version), the linked actors (identifying:
# Wikidata IRIs where known, else our API URL), and the claim's or source's details (classifying text bodies
# "name: value", and the claim's actors with a `role`). A relation is a `linking` annotation with the two spans
# as its targets. The collection lists the spans (by id), then the relations between them (by id).


def user_iri(user_id: int) -> str:
    """An IRI for one of our users (there is no public user page to point at)."""
    return f"urn:newsarchive:user:{user_id}"


def _actor_bodies(actor_id: int, name: str, qid: str, base: str, role: str | None = None) -> list[dict[str, Any]]:
    iri = f"{WIKIDATA}{qid}" if qid else f"{base}/api/actors/{actor_id}/"
    resource: dict[str, Any] = {"type": "SpecificResource", "purpose": "identifying", "source": iri}
    text: dict[str, Any] = {"type": "TextualBody", "value": name, "purpose": "identifying", "format": "text/plain"}
    if role:
        resource["role"] = text["role"] = role
    return [resource, text]


def _detail_body(name: str, value: Any) -> dict[str, Any]:
    return {"type": "TextualBody", "value": f"{name}: {value}", "purpose": "classifying", "format": "text/plain"}


def web_annotation(row: dict[str, Any], details: dict[str, Any], base_url: str) -> dict[str, Any]:
    """One span as a W3C Web Annotation: label, actors and details as bodies, quote and position selectors."""
    base = base_url.rstrip("/")
    bodies: list[dict[str, Any]] = [
        {"type": "TextualBody", "value": details["label"], "purpose": "tagging", "format": "text/plain"}
    ]
    for actor in details["actors"]:
        bodies += _actor_bodies(actor["actor_id"], actor["actor__name"], actor["actor__wikidata_qid"], base)
    source = details.get("source")
    if source:
        bodies += [_detail_body(f"source_{key}", value) for key, value in source.items()]
    claim = details.get("claim")
    if claim:
        if claim["claimant_id"] is not None:
            bodies += _actor_bodies(
                claim["claimant_id"], claim["claimant__name"], claim["claimant__wikidata_qid"], base, "claimant"
            )
        if claim["claimant_is_outlet"]:
            bodies.append(_detail_body("claimant", "the outlet's own voice"))
        for key in ("claimant_mention_id", "source_annotation_id"):
            if claim[key] is not None:
                bodies.append(
                    {
                        "type": "SpecificResource",
                        "purpose": "linking",
                        "source": f"{base}/api/annotations/{claim[key]}/",
                        "role": key.removesuffix("_id"),
                    }
                )
        for key in ("speech", "stance", "verdict", "topic", "claim_date"):
            if claim[key]:
                bodies.append(_detail_body(key, claim[key].isoformat() if key == "claim_date" else claim[key]))
        for actor in claim["about"]:
            bodies += _actor_bodies(
                actor["actor_id"], actor["actor__name"], actor["actor__wikidata_qid"], base, "about"
            )
    if row["note"]:
        bodies.append({"type": "TextualBody", "value": row["note"], "purpose": "commenting", "format": "text/plain"})
    article_iri = row["article__canonical_url"] or row["article__url"] or f"{base}/api/articles/{row['article_id']}/"
    return {
        "@context": WEB_ANNOTATION_CONTEXT,
        "id": f"{base}/api/annotations/{row['id']}/",
        "canonical": f"urn:uuid:{row['uuid']}",
        "type": "Annotation",
        "motivation": "identifying" if details["actors"] else "tagging",
        "creator": {"id": user_iri(row["annotator_id"]), "type": "Person", "nickname": row["annotator__username"]},
        "created": iso(row["created_at"]),
        "modified": iso(row["updated_at"]),
        "body": bodies,
        "target": {
            "source": article_iri,
            "type": "Text",
            "state": {
                "type": "TimeState",
                "cachedSource": f"{base}/snapshots/{row['article__snapshot_id']}/",
                "sourceDate": iso(row["article__snapshot__captured_at"]),
            },
            "selector": [
                {"type": "TextQuoteSelector", "exact": row["quote"], "prefix": row["prefix"], "suffix": row["suffix"]},
                {"type": "TextPositionSelector", "start": row["start"], "end": row["end"]},
            ],
        },
    }


WEB_ANNOTATION_VALUES = (
    "id",
    "uuid",
    "article_id",
    "article__url",
    "article__canonical_url",
    "article__snapshot_id",
    "article__snapshot__captured_at",
    "annotator_id",
    "annotator__username",
    "label_id",
    "label__name",
    "codebook_version__labels",
    "start",
    "end",
    "quote",
    "prefix",
    "suffix",
    "note",
    "created_at",
    "updated_at",
)

CLAIM_DETAIL_VALUES = (
    "annotation_id",
    "claimant_id",
    "claimant__name",
    "claimant__wikidata_qid",
    "claimant_is_outlet",
    "claimant_mention_id",
    "source_annotation_id",
    "speech",
    "stance",
    "verdict",
    "topic",
    "claim_date",
)


def label_name_in_version(label_id: int, current: str, version_labels: list[dict[str, Any]] | None) -> str:
    """The label's name as the span's codebook version had it (renaming a label never rewrites the past)."""
    for entry in version_labels or []:
        if entry.get("id") == label_id:
            return entry.get("name") or current
    return current


def web_annotations(annotations: QuerySet[Annotation], base_url: str) -> list[dict[str, Any]]:
    """The W3C Web Annotations of a (small) queryset of spans, in five queries."""
    rows = list(annotations.values(*WEB_ANNOTATION_VALUES))
    ids = [row["id"] for row in rows]
    details: dict[int, dict[str, Any]] = {
        row["id"]: {
            "label": label_name_in_version(row["label_id"], row["label__name"], row["codebook_version__labels"]),
            "actors": [],
        }
        for row in rows
    }
    links = ActorLink.objects.filter(annotation_id__in=ids).order_by("id")
    for link in links.values("annotation_id", "actor_id", "actor__name", "actor__wikidata_qid"):
        details[link["annotation_id"]]["actors"].append(link)
    sources = SourceAttribution.objects.filter(annotation_id__in=ids, annotation__label__kind=Label.Kind.SOURCE)
    for source in sources.values("annotation_id", "kind", "anonymity", "cue", "channel"):
        details[source["annotation_id"]]["source"] = {k: v for k, v in source.items() if v and k != "annotation_id"}
    for claim in Claim.objects.filter(annotation_id__in=ids).values(*CLAIM_DETAIL_VALUES):
        details[claim["annotation_id"]]["claim"] = {**claim, "about": []}
    about = ClaimAbout.objects.filter(claim_id__in=ids).order_by("id")
    for link in about.values("claim_id", "actor_id", "actor__name", "actor__wikidata_qid"):
        details[link["claim_id"]]["claim"]["about"].append(link)
    return [web_annotation(row, details[row["id"]], base_url) for row in rows]


def relation_annotations(relations: QuerySet[Relation], base_url: str) -> list[dict[str, Any]]:
    """Relations as W3C `linking` annotations whose two targets are the spans they link (source first)."""
    base = base_url.rstrip("/")
    values = ("id", "source_id", "target_id", "kind", "note", "annotator_id", "annotator__username", "created_at")
    items = []
    for row in relations.values(*values):
        bodies: list[dict[str, Any]] = [
            {"type": "TextualBody", "value": row["kind"], "purpose": "tagging", "format": "text/plain"}
        ]
        if row["note"]:
            bodies.append(
                {"type": "TextualBody", "value": row["note"], "purpose": "commenting", "format": "text/plain"}
            )
        items.append(
            {
                "@context": WEB_ANNOTATION_CONTEXT,
                "id": f"{base}/api/relations/{row['id']}/",
                "type": "Annotation",
                "motivation": "linking",
                "creator": {
                    "id": user_iri(row["annotator_id"]),
                    "type": "Person",
                    "nickname": row["annotator__username"],
                },
                "created": iso(row["created_at"]),
                "body": bodies,
                "target": [
                    f"{base}/api/annotations/{row['source_id']}/",
                    f"{base}/api/annotations/{row['target_id']}/",
                ],
            }
        )
    return items


def relations_between(annotations: QuerySet[Annotation]) -> QuerySet[Relation]:
    """The relations both of whose ends are among the spans."""
    ids = annotations.order_by().values("id")
    return Relation.objects.filter(source_id__in=ids, target_id__in=ids).order_by("id")


def _collection_items(
    annotations: QuerySet[Annotation], offset: int, limit: int, base_url: str, span_total: int
) -> list[dict[str, Any]]:
    """Items offset .. offset+limit of the collection: the spans by id, then the relations between them by id."""
    items: list[dict[str, Any]] = []
    if offset < span_total:
        items = web_annotations(annotations.order_by("id")[offset : offset + limit], base_url)
    if len(items) < limit:
        start = max(0, offset - span_total)
        items += relation_annotations(relations_between(annotations)[start : start + limit - len(items)], base_url)
    return items


def web_annotation_page(
    annotations: QuerySet[Annotation], *, page: int, page_size: int, collection_url: str, base_url: str, total: int
) -> dict[str, Any]:
    """Page `page` (from 1) of the collection as an AnnotationPage; `total` counts spans and relations."""
    span_total = annotations.count()
    items = _collection_items(annotations, (page - 1) * page_size, page_size, base_url, span_total)
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


def web_annotation_total(annotations: QuerySet[Annotation]) -> int:
    """How many items the collection has: the spans and the relations between them."""
    return annotations.count() + relations_between(annotations).count()


def web_annotation_collection(
    annotations: QuerySet[Annotation], *, collection_url: str, base_url: str, page_size: int, label: str
) -> dict[str, Any]:
    """The AnnotationCollection, with its first page embedded and the last one linked."""
    total = web_annotation_total(annotations)
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
    total = web_annotation_total(annotations)
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
    first = True
    for chunks in (_span_chunks(annotations, base_url), _relation_chunks(annotations, base_url)):
        for chunk in chunks:
            for item in chunk:
                item.pop("@context")
                yield ("" if first else ", ") + json.dumps(item, ensure_ascii=False)
                first = False
    yield "]}}\n"


def _span_chunks(annotations: QuerySet[Annotation], base_url: str) -> Iterator[list[dict[str, Any]]]:
    last_id = 0
    while ids := list(
        annotations.filter(id__gt=last_id).order_by("id").values_list("id", flat=True)[:WEB_ANNOTATION_PAGE_SIZE]
    ):
        yield web_annotations(Annotation.objects.filter(id__in=ids).order_by("id"), base_url)
        last_id = ids[-1]


def _relation_chunks(annotations: QuerySet[Annotation], base_url: str) -> Iterator[list[dict[str, Any]]]:
    relations = relations_between(annotations)
    last_id = 0
    while ids := list(relations.filter(id__gt=last_id).values_list("id", flat=True)[:WEB_ANNOTATION_PAGE_SIZE]):
        yield relation_annotations(Relation.objects.filter(id__in=ids).order_by("id"), base_url)
        last_id = ids[-1]


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
