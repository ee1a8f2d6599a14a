"""The pre-serialised JSON of annotations that PostgreSQL keeps (migration 0004_span_cache).

`Annotation.cached_json` is the API representation of a span, `cached_export_json` the span as the JSON Lines
export writes it. Triggers set both to NULL whenever the span, one of its details, its label, project or
annotator, or (for the export) a registry actor it shows changes; readers take
`COALESCE(cached, newsarchive_..._json(id))`, so a stale cache is never served. Filling them is a refresh:
`refresh_span_cache()` here, run by `manage.py refresh_span_cache` (e.g. from cron) and before an export.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.aggregates import StringAgg
from django.db import connection
from django.db.models import BooleanField, F, Func, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from annotations.models import Annotation, ArticleExportLine
from articles.models import Article
from projects.models import Membership

REFRESH_BATCH = 5000


class SpanJSON(Coalesce):
    """The API representation of the span as JSON text: its cache, or computed when the cache is empty."""

    def __init__(self) -> None:
        computed = Func(F("id"), function="newsarchive_annotation_json", output_field=TextField())
        super().__init__(F("cached_json"), computed, output_field=TextField())


class ExportJSON(Coalesce):
    """The span as the JSON Lines export writes it, as JSON text: its cache, or computed when it is empty."""

    def __init__(self) -> None:
        computed = Func(F("id"), function="newsarchive_annotation_export_json", output_field=TextField())
        super().__init__(F("cached_export_json"), computed, output_field=TextField())


def span_array(spans: QuerySet[Annotation], *, export: bool = False) -> Subquery:
    """For an Article queryset: its spans among `spans` as comma-separated JSON texts (None when it has none).

    In the API's order (start, end, id). Each article's spans are aggregated in a correlated subquery, an index
    lookup of ~50 rows: grouping a whole page's spans at once made PostgreSQL sort them all (on disk).
    """
    json = ExportJSON() if export else SpanJSON()
    joined = (
        spans.filter(article_id=OuterRef("pk"))
        .order_by()
        .values("article_id")
        .annotate(json=StringAgg(json, ",", order_by=("start", "end", "id")))
        .values("json")
    )
    return Subquery(joined, output_field=TextField())


def stored_span_array(user: Any, project_id: int | None) -> Subquery | None:
    """For an Article queryset: the span array stored with its export line (annotations.exports), when it holds
    exactly what `span_array` gives for this user (and project): they review or administer the projects of all
    its spans (superusers: any), and with a project, all its spans are of that project. NULL otherwise.
    """
    if not user.is_authenticated:
        return None
    stored = ArticleExportLine.objects.filter(article_id=OuterRef("pk"), line__isnull=False)
    if project_id is not None:
        stored = stored.filter(span_projects__contained_by=[project_id])
    if not user.is_superuser:
        overseen = RawSQL(
            "span_projects <@ ARRAY(SELECT m.project_id FROM annotations_membership m"
            " WHERE m.user_id = %s AND m.role IN (%s, %s))",
            [user.pk, Membership.Role.REVIEWER, Membership.Role.ADMIN],
            output_field=BooleanField(),
        )
        stored = stored.filter(overseen)
    return Subquery(stored.values("spans_json")[:1], output_field=TextField())


def span_arrays(spans: QuerySet[Annotation], article_ids: list[int], *, export: bool = False) -> QuerySet:
    """`(article id, span_array(...))` for each of the articles."""
    articles = Article.objects.filter(pk__in=article_ids).order_by()
    return articles.annotate(spans=span_array(spans, export=export)).values_list("id", "spans")


def refresh_span_cache(spans: QuerySet[Annotation] | None = None, *, batch: int = REFRESH_BATCH) -> int:
    """Fill the empty caches of the given spans (all by default), in batches; returns how many were filled."""
    queryset = (spans if spans is not None else Annotation.objects.all()).filter(
        Q(cached_json__isnull=True) | Q(cached_export_json__isnull=True)
    )
    filled = 0
    last_id = 0
    while True:
        ids = list(queryset.filter(id__gt=last_id).order_by("id").values_list("id", flat=True)[:batch])
        if not ids:
            return filled
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE annotations_annotation SET"
                " cached_json = COALESCE(cached_json, newsarchive_annotation_json(id)),"
                " cached_export_json = COALESCE(cached_export_json, newsarchive_annotation_export_json(id))"
                " WHERE id = ANY(%s) AND (cached_json IS NULL OR cached_export_json IS NULL)",
                [ids],
            )
            filled += cursor.rowcount
        last_id = ids[-1]
