"""The coding's background jobs (procrastinate): the periodic refresh of the span JSON caches."""

from __future__ import annotations

from procrastinate.contrib.django import app

from annotations.cache import refresh_span_cache
from annotations.exports import refresh_export_lines
from annotations.models import Annotation


@app.periodic(cron="*/5 * * * *", periodic_id="refresh-span-cache")
@app.task(name="annotations.refresh_span_cache", queueing_lock="annotations.refresh_span_cache")
def refresh_span_cache_task(timestamp: int) -> None:
    """Every five minutes, on the job queue (no cron): fill the span and export-line caches that writes emptied."""
    refresh_span_cache(Annotation.objects.all())
    refresh_export_lines(None)
