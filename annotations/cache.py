"""The pre-serialised JSON of annotations that PostgreSQL keeps (migration 0004_span_cache).

`Annotation.cached_json` is the API representation of a span, `cached_export_json` the span as the JSON Lines
export writes it. Triggers set both to NULL whenever the span, one of its details, its label, project or
annotator, or (for the export) a registry actor it shows changes; readers take
`COALESCE(cached, newsarchive_..._json(id))`, so a stale cache is never served. Filling them is a refresh:
`refresh_span_cache()` here, run by `manage.py refresh_span_cache` (e.g. from cron) and before an export.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Func, Q, QuerySet, TextField

from annotations.models import Annotation

REFRESH_BATCH = 5000


class SpanJSON(Func):
    """The API representation of the span as JSON text: its cache, or computed when the cache is empty."""

    template = "COALESCE(%(table)s.cached_json, newsarchive_annotation_json(%(table)s.id))"
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(table=Annotation._meta.db_table)


class ExportJSON(Func):
    """The span as the JSON Lines export writes it, as JSON text: its cache, or computed when empty."""

    template = "COALESCE(%(table)s.cached_export_json, newsarchive_annotation_export_json(%(table)s.id))"
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(table=Annotation._meta.db_table)


def span_json_sql(alias: str) -> str:
    """SQL for the API representation of the span row `alias` (cache or computed)."""
    return f"COALESCE({alias}.cached_json, newsarchive_annotation_json({alias}.id))"


def export_json_sql(alias: str) -> str:
    """SQL for the export representation of the span row `alias` (cache or computed)."""
    return f"COALESCE({alias}.cached_export_json, newsarchive_annotation_export_json({alias}.id))"


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
