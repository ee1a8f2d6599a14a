"""The archive's background jobs (procrastinate): running a queued import, failing those whose worker died, and
keeping the search index in step."""

from __future__ import annotations

from django.conf import settings
from procrastinate.contrib.django import app

from articles import search_index
from articles.services.queued import IMPORT_TASK, fail_stalled_imports, run_queued_import


@app.task(name=IMPORT_TASK)
def import_batch(batch_id: int) -> None:
    """Run one queued import batch."""
    run_queued_import(batch_id=batch_id)


@app.periodic(cron="* * * * *", periodic_id="fail-stalled-imports")
@app.task(name="articles.fail_stalled_imports", queueing_lock="articles.fail_stalled_imports")
def fail_stalled_imports_task(timestamp: int) -> None:
    """Every minute: an import whose worker stopped sending heartbeats ends failed, never "running" forever."""
    fail_stalled_imports(seconds_since_heartbeat=settings.NEWSARCHIVE_JOB_STALLED_AFTER)


@app.task(
    name="articles.update_search_index", queueing_lock="articles.update_search_index", lock="articles.search_index"
)
def update_search_index() -> None:
    """Apply the queued article changes to the search index (queued, with this job, by triggers: migration 0008)."""
    search_index.drain()
