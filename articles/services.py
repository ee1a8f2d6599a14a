"""Writes of the archive: storing imported pages as snapshots and articles, and running whole imports.

Reading and extraction are pure (articles/importers.py) and run in worker processes; everything that touches
the database happens here, in the main process (in a writer thread with its own connection when the caller is
not inside a transaction), one chunk of items per transaction with a fixed number of queries. A chunk that the
database refuses is retried item by item, so one bad item never stops the batch and never leaves a snapshot
without its article.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import json
import multiprocessing
import os
import queue
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from annotations.models import Project
from articles.importers import (
    DEFAULT_MAX_BYTES,
    ImportItem,
    PreparedItem,
    prepare_item,
    text_item,
    url_item,
)
from articles.models import Article, ImportBatch, Outlet, Snapshot

IMPORTED = "imported"
DUPLICATE = "duplicate"
NEW_VERSION = "new_version"
SYNDICATED_COPY = "syndicated_copy"
FAILED = "failed"
OUTCOMES = (IMPORTED, NEW_VERSION, SYNDICATED_COPY, DUPLICATE, FAILED)
OUTCOME_LABELS = {
    IMPORTED: "Imported",
    NEW_VERSION: "New version",
    SYNDICATED_COPY: "Syndicated copy",
    DUPLICATE: "Duplicate",
    FAILED: "Failed",
}

CHUNK_ITEMS = 64
CHUNK_BYTES = 16 * 1024 * 1024

Progress = Callable[["ItemResult"], None]


@dataclass(frozen=True)
class ItemResult:
    """What came of one imported item: its outcome, a message for the researcher, and the article."""

    item: str
    outcome: str
    message: str
    article_id: int | None = None

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "outcome": self.outcome, "message": self.message, "article": self.article_id}


def import_max_bytes() -> int:
    """The size cap of one imported file, page or record (NEWSARCHIVE_IMPORT_MAX_BYTES)."""
    return int(getattr(settings, "NEWSARCHIVE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


# --- one item ----------------------------------------------------------------------------------------------


def archive_item(*, item: ImportItem, batch: ImportBatch | None = None, project: Project | None = None) -> ItemResult:
    """Read, extract and store one item in this process; a failure is returned as a failed result, not raised."""
    prepared = prepare_item(item, max_bytes=import_max_bytes())
    return store_prepared(prepared=[prepared], batch=batch, project=project)[0]


def _raise_if_failed(result: ItemResult) -> ItemResult:
    if result.outcome == FAILED:
        raise ValidationError(f"{result.item}: {result.message}")
    return result


def import_html(
    *,
    raw: bytes,
    url: str = "",
    headers: Mapping[str, str] | None = None,
    filename: str = "",
    captured_at: dt.datetime | None = None,
    project: Project | None = None,
    batch: ImportBatch | None = None,
) -> ItemResult:
    """Archive a saved page or text file and store its article; the same bytes again are not stored twice."""
    headers = {key.lower(): value for key, value in (headers or {}).items()}
    item = ImportItem(
        label=filename or url or "page",
        raw=raw,
        url=url,
        filename=filename,
        headers=headers,
        content_type=headers.get("content-type", "").split(";")[0].strip().lower(),
        captured_at=captured_at,
    )
    return _raise_if_failed(archive_item(item=item, batch=batch, project=project))


def import_text(
    *,
    text: str,
    title: str,
    url: str = "",
    project: Project | None = None,
    batch: ImportBatch | None = None,
    **fields: Any,
) -> ItemResult:
    """Archive a text given as is (pasted, or from another tool) under its title; the text is not rewritten."""
    if not (title or "").strip():
        raise ValidationError({"title": "A pasted text needs its title."})
    item = text_item(text=text, title=title, url=url, **fields)
    return _raise_if_failed(archive_item(item=item, batch=batch, project=project))


def import_url(*, url: str, project: Project | None = None, batch: ImportBatch | None = None) -> ItemResult:
    """Fetch a web page, archive it and store its article."""
    return _raise_if_failed(archive_item(item=url_item(url), batch=batch, project=project))


# --- whole imports -----------------------------------------------------------------------------------------


def run_import(
    *,
    items: Iterable[ImportItem],
    project: Project | None = None,
    user: AbstractBaseUser | None = None,
    source: str = "",
    channel: str = "command",
    jobs: int | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Import every item (extraction in `jobs` worker processes), recording the run and each item's result."""
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

    chunks = _chunks(prepare_all(items, jobs=jobs, max_bytes=import_max_bytes()))
    completed = False
    try:
        if connection.in_atomic_block:
            # What this transaction wrote (the batch, perhaps the project) is invisible to another connection.
            for chunk in chunks:
                stored(store_prepared(prepared=chunk, batch=batch, project=project))
        else:
            _store_in_background(chunks, batch=batch, project=project, stored=stored)
        completed = True
    finally:
        _finish_batch(batch, results, completed=completed)
    return batch


_END = object()


def _store_in_background(
    chunks: Iterable[list[PreparedItem]],
    *,
    batch: ImportBatch,
    project: Project | None,
    stored: Callable[[list[ItemResult]], None],
) -> None:
    """Write chunks in a thread with its own connection, so PostgreSQL works while the next chunk is extracted.

    `stored` is called in this thread with each chunk's results. At most two chunks wait, so memory stays flat.
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
                done.put(store_prepared(prepared=chunk, batch=batch, project=project))
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

    writer = threading.Thread(target=write, name="import-writer", daemon=True)
    writer.start()
    try:
        for chunk in itertools.chain(chunks, [None]):
            while True:
                collect(wait=False)
                if ended:
                    raise RuntimeError("the import's writer stopped unexpectedly")
                try:
                    todo.put(chunk, timeout=0.1)
                    break
                except queue.Full:
                    continue
        collect(wait=True)
    finally:
        stop.set()
        writer.join()
        if not ended:
            # Interrupted: what the writer had already stored still goes on the batch's record.
            with contextlib.suppress(BaseException):
                collect(wait=True)


def batch_results(batch: ImportBatch) -> list[ItemResult]:
    """The per-item results recorded on a batch."""
    return [
        ItemResult(item=row["item"], outcome=row["outcome"], message=row["message"], article_id=row.get("article"))
        for row in batch.items
    ]


def outcome_counts(results: Iterable[ItemResult]) -> dict[str, int]:
    """How many items ended in each outcome (every outcome listed, zeros included)."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for result in results:
        counts[result.outcome] += 1
    return counts


def _finish_batch(batch: ImportBatch, results: list[ItemResult], *, completed: bool) -> None:
    counts = outcome_counts(results)
    batch.imported = counts[IMPORTED] + counts[SYNDICATED_COPY]
    batch.duplicates = counts[DUPLICATE]
    batch.new_versions = counts[NEW_VERSION]
    batch.failed = counts[FAILED]
    batch.items = [result.as_dict() for result in results]
    if not completed:
        stopped = ItemResult(item="(import)", outcome=FAILED, message="the import stopped here")
        batch.items.append(stopped.as_dict())
    batch.status = ImportBatch.Status.DONE if completed and not counts[FAILED] else ImportBatch.Status.FAILED
    batch.finished_at = timezone.now()
    batch.save()


def _chunks(prepared: Iterable[PreparedItem]) -> Iterator[list[PreparedItem]]:
    chunk: list[PreparedItem] = []
    size = 0
    for item in prepared:
        chunk.append(item)
        size += len(item.raw)
        if len(chunk) >= CHUNK_ITEMS or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
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


# --- storing prepared items ----------------------------------------------------------------------------------


def store_prepared(
    *, prepared: list[PreparedItem], batch: ImportBatch | None, project: Project | None
) -> list[ItemResult]:
    """Store a chunk of prepared items in one transaction; if the database refuses it, store them one by one."""
    results: list[ItemResult | None] = [None] * len(prepared)
    todo: list[tuple[int, PreparedItem]] = []
    for index, item in enumerate(prepared):
        if item.error or item.article is None:
            results[index] = ItemResult(item=item.label, outcome=FAILED, message=item.error or "nothing to import")
        else:
            todo.append((index, item))
    if todo:
        try:
            with transaction.atomic():
                stored = _store(todo, batch=batch, project=project)
        except Exception:  # the database refused something in the chunk: find which item, one at a time
            stored = {}
            for index, item in todo:
                stored.update(_store_one(index, item, batch=batch, project=project))
        for index, result in stored.items():
            results[index] = result
    return [result for result in results if result is not None]


def _store_one(index: int, item: PreparedItem, *, batch: ImportBatch | None, project: Project | None) -> dict:
    try:
        with transaction.atomic():
            return _store([(index, item)], batch=batch, project=project)
    except IntegrityError as error:
        existing = Article.objects.filter(snapshot__sha256=item.sha256).order_by("id").values_list("id", flat=True)
        if existing:
            # Someone else archived the same bytes between our check and our write.
            return {index: _duplicate_result(item, existing[0])}
        return {index: ItemResult(item=item.label, outcome=FAILED, message=_database_message(error))}
    except DatabaseError as error:
        return {index: ItemResult(item=item.label, outcome=FAILED, message=_database_message(error))}
    except Exception as error:  # one bad item never stops the batch
        message = f"unexpected error: {type(error).__name__}: {error}"
        return {index: ItemResult(item=item.label, outcome=FAILED, message=message)}


def _database_message(error: Exception) -> str:
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return f"the database refused it: {first_line}"


def _identity_urls(url: str, canonical_url: str) -> set[str]:
    """The URLs that identify an article across versions; a canonical URL that names a site's home page does not."""
    urls = {url} if url else set()
    if canonical_url:
        try:
            parts = urlsplit(canonical_url)
        except ValueError:
            return urls
        if parts.path.strip("/") or parts.query:
            urls.add(canonical_url)
    return urls


def _store(
    todo: list[tuple[int, PreparedItem]], *, batch: ImportBatch | None, project: Project | None
) -> dict[int, ItemResult]:
    """Write a chunk (the caller holds the transaction) with a fixed number of queries, whatever its size."""
    # Archived bytes: the same sha256 already stored (or earlier in this chunk) is a duplicate, nothing written.
    known_bytes: dict[str, int | None] = {}
    for sha256, article_id in (
        Snapshot.objects.filter(sha256__in={item.sha256 for _, item in todo})
        .order_by("articles__id")
        .values_list("sha256", "articles__id")
    ):
        known_bytes.setdefault(sha256, article_id)

    results: dict[int, ItemResult] = {}
    fresh: list[tuple[int, PreparedItem]] = []
    first_in_chunk: dict[str, int] = {}
    repeated: list[tuple[int, PreparedItem]] = []
    for index, item in todo:
        if item.sha256 in first_in_chunk:
            repeated.append((index, item))
        elif item.sha256 in known_bytes:
            results[index] = _duplicate_result(item, known_bytes[item.sha256])
        else:
            first_in_chunk[item.sha256] = index
            fresh.append((index, item))
    if fresh:
        _create_articles(fresh, results, batch=batch)
    for index, item in repeated:
        results[index] = _duplicate_result(item, results[first_in_chunk[item.sha256]].article_id)
    _add_to_project(project, [result.article_id for result in results.values()])
    return results


def _create_articles(
    fresh: list[tuple[int, PreparedItem]], results: dict[int, ItemResult], *, batch: ImportBatch | None
) -> None:
    """Create the snapshots and articles of new bytes, linking new versions and syndicated copies."""
    # Earlier versions of the same URL, and earlier articles with the same text.
    identity = {index: _identity_urls(item.url, item.article.canonical_url) for index, item in fresh}
    all_urls = set().union(*identity.values())
    latest_by_url: dict[str, tuple[int, str]] = {}
    if all_urls:
        for article_id, url, canonical, text_sha256 in (
            Article.objects.filter(Q(url__in=all_urls) | Q(canonical_url__in=all_urls))
            .order_by("id")
            .values_list("id", "url", "canonical_url", "text_sha256")
        ):
            for key in _identity_urls(url, canonical):
                latest_by_url[key] = (article_id, text_sha256)
    first_by_text: dict[str, tuple[int, str]] = {}
    for article_id, text_sha256, url, canonical in (
        Article.objects.filter(text_sha256__in={item.text_sha256 for _, item in fresh})
        .order_by("-id")
        .values_list("id", "text_sha256", "url", "canonical_url")
    ):
        first_by_text[text_sha256] = (article_id, url or canonical)

    outlets = _outlet_ids([item for _, item in fresh])
    article_ids = _reserve_ids(Article, len(fresh))
    now = timezone.now()

    snapshots = [
        Snapshot(
            id=snapshot_id,
            raw=item.raw,
            sha256=item.sha256,
            size=len(item.raw),
            content_type=(item.content_type or item.article.content_type)[:200],
            encoding=item.article.encoding[:50],
            source_url=item.url,
            filename=item.filename[-500:],
            http_headers=dict(item.headers),
            captured_at=item.captured_at or now,
            imported_at=now,
            import_batch=batch,
        )
        for (_, item), snapshot_id in zip(fresh, _reserve_ids(Snapshot, len(fresh)), strict=True)
    ]
    _insert_snapshots(snapshots)

    articles = []
    for (index, item), snapshot, article_id in zip(fresh, snapshots, article_ids, strict=True):
        extracted = item.article
        supersedes = duplicate_of = None
        versions = [latest_by_url[key] for key in identity[index] if key in latest_by_url]
        if versions:
            previous_id, previous_text = max(versions)
            if previous_text != item.text_sha256:
                supersedes = previous_id
        same_text = first_by_text.get(item.text_sha256)
        if same_text is not None:
            duplicate_of = same_text[0]
        articles.append(
            Article(
                id=article_id,
                snapshot=snapshot,
                outlet_id=outlets.get(_outlet_domain(item)),
                url=item.url,
                canonical_url=extracted.canonical_url,
                title=extracted.title or _fallback_title(item),
                byline=extracted.byline[:500],
                published_at=_aware(extracted.published_at),
                language=extracted.language[:35],
                lead=extracted.lead,
                text=extracted.text,
                text_sha256=item.text_sha256,
                metadata=_metadata(item),
                supersedes_id=supersedes,
                duplicate_of_id=duplicate_of,
                import_batch=batch,
            )
        )
        results[index] = _stored_result(item, article_id, supersedes=supersedes, same_text=same_text)
        for key in identity[index]:
            latest_by_url[key] = (article_id, item.text_sha256)
        first_by_text.setdefault(item.text_sha256, (article_id, item.url or extracted.canonical_url))
    Article.objects.bulk_create(articles)


def _stored_result(
    item: PreparedItem, article_id: int, *, supersedes: int | None, same_text: tuple[int, str] | None
) -> ItemResult:
    if supersedes is not None:
        message = f"new version of article {supersedes} (same URL, different text), archived as article {article_id}"
        return ItemResult(item=item.label, outcome=NEW_VERSION, message=message, article_id=article_id)
    if same_text is not None:
        where = f" at {same_text[1]}" if same_text[1] else ""
        message = (
            f"same text as article {same_text[0]}{where}: archived as article {article_id}, "
            f"marked as a copy of it (syndicated)"
        )
        return ItemResult(item=item.label, outcome=SYNDICATED_COPY, message=message, article_id=article_id)
    message = f"archived as article {article_id}"
    return ItemResult(item=item.label, outcome=IMPORTED, message=message, article_id=article_id)


def _duplicate_result(item: PreparedItem, article_id: int | None) -> ItemResult:
    message = "already archived (the same bytes)"
    if article_id is not None:
        message = f"already archived as article {article_id} (the same bytes); nothing new was stored"
    return ItemResult(item=item.label, outcome=DUPLICATE, message=message, article_id=article_id)


def _add_to_project(project: Project | None, article_ids: Iterable[int | None]) -> None:
    """Put the articles in the project (an already archived page a researcher imports belongs there too)."""
    if project is None:
        return
    through = Project.articles.through
    links = [through(project_id=project.pk, article_id=article_id) for article_id in set(article_ids) if article_id]
    if links:
        through.objects.bulk_create(links, ignore_conflicts=True)


def _reserve_ids(model: type[Article] | type[Snapshot], count: int) -> list[int]:
    """Take ids from the table's sequence up front, so rows of one chunk can point at each other."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


_PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_SNAPSHOT_COLUMNS = (
    "id",
    "raw",
    "sha256",
    "size",
    "content_type",
    "encoding",
    "source_url",
    "filename",
    "http_headers",
    "captured_at",
    "imported_at",
    "import_batch",
)


def _insert_snapshots(snapshots: list[Snapshot]) -> None:
    """Insert snapshots (ids given) with a binary COPY.

    As SQL literals the archived bytes travel as hex text that PostgreSQL has to parse back: for 200 KB pages
    that costs more than everything else an import writes. Binary COPY sends them as they are. The table's
    constraints (sha256 and size match the bytes, sha256 unique) hold for COPY as for INSERT.
    """
    with connection.cursor() as cursor:
        copy_expert = getattr(getattr(cursor, "cursor", None), "copy_expert", None)
        if copy_expert is None:  # not psycopg2: the ordinary way
            Snapshot.objects.bulk_create(snapshots)
            return
        fields = [Snapshot._meta.get_field(name) for name in _SNAPSHOT_COLUMNS]
        data = io.BytesIO()
        data.write(_COPY_SIGNATURE)
        for snapshot in snapshots:
            data.write(struct.pack("!h", len(fields)))
            for field in fields:
                data.write(_copy_value(getattr(snapshot, field.attname)))
        data.write(struct.pack("!h", -1))
        data.seek(0)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        table = connection.ops.quote_name(Snapshot._meta.db_table)
        with connection.wrap_database_errors:  # psycopg2's errors become Django's, as for any query
            copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT binary)", data)


def _copy_value(value: Any) -> bytes:
    """One field in PostgreSQL's binary COPY format (bytea, text, bigint, jsonb, timestamptz or NULL)."""
    if value is None:
        return struct.pack("!i", -1)
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
    elif isinstance(value, bool):
        raise TypeError("no boolean columns are copied")
    elif isinstance(value, int):
        return struct.pack("!iq", 8, value)
    elif isinstance(value, dt.datetime):
        delta = _aware(value) - _PG_EPOCH
        return struct.pack("!iq", 8, (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)
    elif isinstance(value, dict):
        data = b"\x01" + json.dumps(value, ensure_ascii=False).encode("utf-8")  # jsonb: version 1, then the text
    else:
        data = str(value).encode("utf-8")
    return struct.pack("!i", len(data)) + data


def _outlet_domain(item: PreparedItem) -> str:
    domain = item.article.outlet_domain or _host(item.url) or _host(item.article.canonical_url)
    return domain.lower().removeprefix("www.")[:253]


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _outlet_ids(items: list[PreparedItem]) -> dict[str, int]:
    """The outlet of each domain, created when it is new (by name from the page, or the domain)."""
    names: dict[str, str] = {}
    for item in items:
        domain = _outlet_domain(item)
        if domain:
            names.setdefault(domain, (item.article.outlet_name or domain)[:200])
    if not names:
        return {}
    found = dict(Outlet.objects.filter(domain__in=names).values_list("domain", "id"))
    missing = [domain for domain in names if domain not in found]
    if missing:
        Outlet.objects.bulk_create(
            [Outlet(domain=domain, name=names[domain]) for domain in missing], ignore_conflicts=True
        )
        found.update(Outlet.objects.filter(domain__in=missing).values_list("domain", "id"))
    return found


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, dt.UTC)


def _fallback_title(item: PreparedItem) -> str:
    first_line = item.article.text.strip().split("\n", 1)[0]
    return first_line[:200] or item.filename or item.url or "(untitled)"


def _metadata(item: PreparedItem) -> dict[str, Any]:
    metadata = dict(item.article.metadata or {})
    if item.source:
        metadata["import"] = dict(item.source)
    return metadata
