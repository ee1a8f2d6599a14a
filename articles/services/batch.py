"""Whole imports: extraction in worker processes, a writer thread with its own connection, the batch's record."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils import timezone

from articles.importers import ImportItem, PreparedItem, error_text, prepare_item
from articles.models import ImportBatch
from articles.services.archive import store_prepared
from articles.services.items import import_max_bytes
from articles.services.results import (
    DUPLICATE,
    FAILED,
    IMPORTED,
    NEW_VERSION,
    SYNDICATED_COPY,
    ItemResult,
    outcome_counts,
)
from projects.models import Project

logger = logging.getLogger(__name__)

CHUNK_ITEMS = 64
CHUNK_BYTES = 16 * 1024 * 1024

Progress = Callable[[ItemResult], None]


def run_import(
    *,
    items: Iterable[ImportItem],
    project: Project | None = None,
    user: AbstractBaseUser | None = None,
    source: str = "",
    channel: str = "command",
    jobs: int | None = None,
    progress: Progress | None = None,
    batch: ImportBatch | None = None,
) -> ImportBatch:
    """Import every item (extraction in `jobs` worker processes), recording the run and each item's result.

    `batch` is a queued batch that a background job now runs; without it a new batch records the run.
    """
    if batch is None:
        batch = ImportBatch.objects.create(
            created_by=user if user is not None and user.is_authenticated else None,
            project=project,
            source=source[:10000],
            channel=channel,
        )
    results: list[ItemResult] = []

    def stored(chunk_results: list[ItemResult]) -> None:
        for result in chunk_results:
            results.append(result)
            if progress is not None:
                progress(result)

    written: list[ItemResult] = []

    def record(chunk_results: list[ItemResult]) -> None:
        # Right after each chunk's transaction, from the thread that wrote it: the status page shows progress
        # while the next items are read, and a killed worker's batch still lists what it wrote.
        written.extend(chunk_results)
        _record_progress(batch, written)

    chunks = _chunks(prepare_all(items, jobs=jobs, max_bytes=import_max_bytes()))
    completed = False
    stopped_by = ""
    try:
        if connection.in_atomic_block:
            # What this transaction wrote (the batch, perhaps the project) is invisible to another connection.
            for chunk in chunks:
                chunk_results = store_prepared(prepared=chunk, batch=batch, project=project, viewer=user)
                record(chunk_results)
                stored(chunk_results)
        else:
            _store_in_background(chunks, batch=batch, project=project, viewer=user, stored=stored, record=record)
        completed = True
    except Exception as error:
        # Something beyond one item's failure (an upload stream that broke, a bug): what was stored stays stored,
        # and the batch, the API and the command tell exactly which items that was and where the import stopped.
        stopped_by = f"{type(error).__name__}: {error_text(error)}"
        logger.error("import batch %s stopped after %s items: %s", batch.pk, len(results), stopped_by)
    finally:
        _finish_batch(batch, results, completed=completed, stopped_by=stopped_by)
    return batch


_END = object()


def _store_in_background(
    chunks: Iterable[list[PreparedItem]],
    *,
    batch: ImportBatch,
    project: Project | None,
    viewer: AbstractBaseUser | None,
    stored: Callable[[list[ItemResult]], None],
    record: Callable[[list[ItemResult]], None],
) -> None:
    """Write chunks in a thread with its own connection, so PostgreSQL works while the next chunk is extracted.

    `stored` is called in this thread with each chunk's results, `record` in the writer thread as soon as a chunk
    is written. At most two chunks wait, so memory stays flat.
    """
    todo: queue.Queue[list[PreparedItem] | None] = queue.Queue(maxsize=2)
    done: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()

    def write() -> None:
        try:
            while not stop.is_set():
                try:
                    chunk = todo.get(timeout=0.1)
                except queue.Empty:
                    continue
                if chunk is None:
                    break
                chunk_results = store_prepared(prepared=chunk, batch=batch, project=project, viewer=viewer)
                record(chunk_results)
                done.put(chunk_results)
        except BaseException as error:  # handed over to the calling thread, which raises it
            done.put(error)
        finally:
            connection.close()  # this thread's own connection
            done.put(_END)

    ended = False

    def collect(*, wait: bool) -> None:
        nonlocal ended
        while not ended:
            try:
                outcome = done.get(timeout=0.1) if wait else done.get_nowait()
            except queue.Empty:
                if wait:
                    continue
                return
            if outcome is _END:
                ended = True
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                stored(outcome)

    def put(chunk: list[PreparedItem] | None) -> None:
        while True:
            collect(wait=False)
            if ended:
                raise RuntimeError("the import's writer stopped unexpectedly")
            try:
                todo.put(chunk, timeout=0.1)
                return
            except queue.Full:
                continue

    writer = threading.Thread(target=write, name="import-writer", daemon=True)
    writer.start()
    try:
        try:
            for chunk in chunks:
                put(chunk)
        except Exception:
            # The input broke: the chunks read before the break are still stored and reported, then it goes on up.
            put(None)
            collect(wait=True)
            raise
        put(None)
        collect(wait=True)
    finally:
        stop.set()
        writer.join()
        if not ended:
            # Interrupted: what the writer had already stored still goes on the batch's record.
            with contextlib.suppress(BaseException):
                collect(wait=True)


def _record_progress(batch: ImportBatch, results: list[ItemResult]) -> None:
    """Put the counts and results so far on the batch: its status page shows them, and if the process dies
    (a killed job worker), the items already written stay listed."""
    counts = outcome_counts(results)
    ImportBatch.objects.filter(pk=batch.pk).update(
        imported=counts[IMPORTED] + counts[SYNDICATED_COPY],
        duplicates=counts[DUPLICATE],
        new_versions=counts[NEW_VERSION],
        failed=counts[FAILED],
        items=[result.as_dict() for result in results],
    )


def _finish_batch(batch: ImportBatch, results: list[ItemResult], *, completed: bool, stopped_by: str = "") -> None:
    counts = outcome_counts(results)
    batch.imported = counts[IMPORTED] + counts[SYNDICATED_COPY]
    batch.duplicates = counts[DUPLICATE]
    batch.new_versions = counts[NEW_VERSION]
    batch.failed = counts[FAILED]
    batch.items = [result.as_dict() for result in results]
    if not completed:
        done = "no item was stored" if not results else f"the {len(results)} items above were handled as listed"
        message = f"the import stopped here ({stopped_by or 'interrupted'}); {done}"
        batch.items.append(ItemResult(item="(import)", outcome=FAILED, message=message).as_dict())
        batch.failed += 1
    batch.status = ImportBatch.Status.DONE if completed and not counts[FAILED] else ImportBatch.Status.FAILED
    batch.finished_at = timezone.now()
    batch.save()


def _chunks(prepared: Iterable[PreparedItem]) -> Iterator[list[PreparedItem]]:
    chunk: list[PreparedItem] = []
    size = 0
    try:
        for item in prepared:
            chunk.append(item)
            size += len(item.raw)
            if len(chunk) >= CHUNK_ITEMS or size >= CHUNK_BYTES:
                yield chunk
                chunk, size = [], 0
    except Exception:
        if chunk:
            yield chunk  # items read before the input broke are stored and reported like any others
        raise
    if chunk:
        yield chunk


def prepare_all(items: Iterable[ImportItem], *, jobs: int | None, max_bytes: int) -> Iterator[PreparedItem]:
    """Prepared items in input order; extraction runs in `jobs` worker processes (1: in this process)."""
    jobs = jobs or os.cpu_count() or 1
    prepare = partial(prepare_item, max_bytes=max_bytes)
    if jobs <= 1:
        yield from map(prepare, items)
        return
    pool = _WorkerPool(prepare, jobs=jobs)
    # A bounded window of submitted items keeps memory flat on big folders and WARCs, and keeps the workers
    # busy while the main process writes a chunk.
    window = CHUNK_ITEMS * 2 + jobs * 2
    pending: deque[tuple[ImportItem, Future[PreparedItem]]] = deque()
    try:
        for item in items:
            pending.append((item, pool.submit(item)))
            if len(pending) >= window:
                yield pool.result(*pending.popleft(), pending)
        while pending:
            yield pool.result(*pending.popleft(), pending)
    finally:
        pool.shutdown()


class _WorkerPool:
    """Worker processes for extraction; a pool broken by a crashed worker is replaced, not the end of the import."""

    def __init__(self, prepare: Callable[[ImportItem], PreparedItem], *, jobs: int) -> None:
        self.prepare = prepare
        self.jobs = jobs
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # fork: workers inherit the loaded settings and code; they never touch the database connection.
        context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
        return ProcessPoolExecutor(max_workers=self.jobs, mp_context=context)

    def submit(self, item: ImportItem) -> Future[PreparedItem]:
        try:
            return self.executor.submit(self.prepare, item)
        except BrokenProcessPool:
            self._restart()
            return self.executor.submit(self.prepare, item)

    def result(
        self, item: ImportItem, future: Future[PreparedItem], pending: deque[tuple[ImportItem, Future[PreparedItem]]]
    ) -> PreparedItem:
        try:
            return future.result()
        except BrokenProcessPool:
            # A worker died (out of memory, a crash in a C library) on this item or one running beside it.
            # Run this item again alone on fresh workers: it fails only if it breaks them again.
            self._restart()
            try:
                prepared = self.executor.submit(self.prepare, item).result()
            except BrokenProcessPool:
                self._restart()
                prepared = PreparedItem(label=item.label, error="the extraction worker crashed on this item")
            self._resubmit(pending)
            return prepared
        except Exception as error:
            return PreparedItem(label=item.label, error=f"unexpected error: {type(error).__name__}: {error}")

    def _resubmit(self, pending: deque[tuple[ImportItem, Future[PreparedItem]]]) -> None:
        for index, (waiting, future) in enumerate(pending):
            if future.done() and not future.cancelled() and future.exception() is None:
                continue
            pending[index] = (waiting, self.executor.submit(self.prepare, waiting))

    def _restart(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
