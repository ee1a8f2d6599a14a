"""Background imports: a submission stored in the database and queued, run later by a job worker, and the
import of a worker that died marked failed with what it had written."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import IO

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from articles.importers import iter_submission
from articles.models import ImportBatch, ImportUpload
from articles.services.batch import run_import
from articles.services.items import import_max_bytes
from articles.services.results import FAILED, ItemResult
from projects.models import Project

IMPORT_TASK = "articles.import_batch"


@transaction.atomic
def queue_import(
    *,
    files: Iterable[tuple[str, IO[bytes]]] = (),
    urls: Iterable[str] = (),
    text: str = "",
    title: str = "",
    project: Project | None = None,
    user: AbstractBaseUser | None = None,
    source: str = "",
    channel: str = "api",
) -> ImportBatch:
    """Store what was sent (uploads as bytes, in the database: the worker may run on another machine) as a
    queued batch and enqueue its job, in one transaction: a batch is never queued without its job."""
    batch = ImportBatch.objects.create(
        created_by=user if user is not None and user.is_authenticated else None,
        project=project,
        source=source[:10000],
        channel=channel,
        status=ImportBatch.Status.QUEUED,
        pending={"urls": [str(url) for url in urls], "text": text, "title": title},
    )
    for position, (name, stream) in enumerate(files):
        ImportUpload.objects.create(batch=batch, position=position, name=name[:500], data=stream.read())
    from articles.tasks import import_batch  # the task module imports this one

    # procrastinate's Django connector writes the job through this connection, so inside this transaction.
    import_batch.defer(batch_id=batch.pk)
    return batch


def run_queued_import(*, batch_id: int) -> ImportBatch | None:
    """Run a queued batch (in a job worker); a batch that is no longer queued is left alone."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.status != ImportBatch.Status.QUEUED:
            return batch
        batch.status = ImportBatch.Status.RUNNING
        batch.save(update_fields=["status"])
    pending = batch.pending or {}
    uploads = list(batch.uploads.order_by("position").values_list("name", "data"))
    files = [(name, io.BytesIO(bytes(data)), len(data)) for name, data in uploads]
    items = iter_submission(
        files=files,
        urls=pending.get("urls", []),
        text=pending.get("text", ""),
        title=pending.get("title", ""),
        max_bytes=import_max_bytes(),
    )
    # One extraction process: a job worker runs jobs in threads, and forking a threaded process is unsafe.
    batch = run_import(items=items, project=batch.project, user=batch.created_by, batch=batch, jobs=1)
    _forget_submission(batch)
    return batch


def fail_stalled_imports(*, seconds_since_heartbeat: float) -> list[int]:
    """Mark failed the imports whose worker stopped sending heartbeats (killed, machine gone); returns their ids.

    Their job is finished as failed, and the batch keeps the items already written with a last row saying why.
    """
    from procrastinate.contrib.django.models import ProcrastinateJob

    since = timezone.now() - dt.timedelta(seconds=seconds_since_heartbeat)
    stalled = ProcrastinateJob.objects.filter(status="doing", task_name=IMPORT_TASK).filter(
        Q(worker__isnull=True) | Q(worker__last_heartbeat__lt=since)
    )
    failed = []
    for job in stalled:
        batch_id = job.args.get("batch_id")
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT procrastinate_finish_job_v1(%s, 'failed', false)", [job.id])
            batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
            if batch is None or batch.status not in (ImportBatch.Status.RUNNING, ImportBatch.Status.QUEUED):
                continue
            written = len(batch.items)
            done = "no item was stored" if not written else f"the {written} items above were handled as listed"
            message = (
                f"the import stopped here: the job worker running it stopped (no heartbeat for "
                f"{seconds_since_heartbeat:.0f} s); {done}"
            )
            batch.items = [*batch.items, ItemResult(item="(import)", outcome=FAILED, message=message).as_dict()]
            batch.failed += 1
            batch.status = ImportBatch.Status.FAILED
            batch.finished_at = timezone.now()
            batch.save()
            _forget_submission(batch)
            failed.append(batch.pk)
    return failed


def _forget_submission(batch: ImportBatch) -> None:
    """The stored uploads and text are no longer needed: what was archived is in the snapshots."""
    ImportUpload.objects.filter(batch=batch).delete()
    ImportBatch.objects.filter(pk=batch.pk).update(pending={})
