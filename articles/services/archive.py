"""One item's archive semantics, a chunk at a time: the same bytes are a duplicate, a new text at a known URL a new
version (supersedes), a known text at another URL a syndicated copy (duplicate_of); anything else is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from articles.importers import PreparedItem, error_text
from articles.models import Article, ImportBatch, Snapshot
from articles.services.bulk import add_to_project, aware, insert_snapshots, outlet_domain, outlet_ids, reserve_ids
from articles.services.results import DUPLICATE, FAILED, IMPORTED, NEW_VERSION, SYNDICATED_COPY, ItemResult
from articles.visibility import visible_articles
from projects.models import Project


def store_prepared(
    *,
    prepared: list[PreparedItem],
    batch: ImportBatch | None,
    project: Project | None,
    viewer: AbstractBaseUser | None = None,
) -> list[ItemResult]:
    """Store a chunk of prepared items in one transaction; if the database refuses it, store them one by one.

    The messages name an earlier article (the one a duplicate, copy or new version relates to) only when the
    `viewer` may see it; None is the operator at the command line, who sees everything.
    """
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
                stored = _store(todo, batch=batch, project=project, viewer=viewer)
        except Exception:  # the database refused something in the chunk: find which item, one at a time
            stored = {}
            for index, item in todo:
                stored.update(_store_one(index, item, batch=batch, project=project, viewer=viewer))
        for index, result in stored.items():
            results[index] = result
    return [result for result in results if result is not None]


def _store_one(
    index: int,
    item: PreparedItem,
    *,
    batch: ImportBatch | None,
    project: Project | None,
    viewer: AbstractBaseUser | None,
) -> dict:
    try:
        with transaction.atomic():
            return _store([(index, item)], batch=batch, project=project, viewer=viewer)
    except IntegrityError as error:
        existing = Article.objects.filter(snapshot__sha256=item.sha256).order_by("id").values_list("id", flat=True)
        if existing:
            # Someone else archived the same bytes between our check and our write.
            with transaction.atomic():
                add_to_project(project, [existing[0]])
            seen = _visible({existing[0]}, viewer)
            return {index: _duplicate_result(item, existing[0], visible=existing[0] in seen)}
        return {index: ItemResult(item=item.label, outcome=FAILED, message=_database_message(error))}
    except DatabaseError as error:
        return {index: ItemResult(item=item.label, outcome=FAILED, message=_database_message(error))}
    except Exception as error:  # one bad item never stops the batch
        message = f"unexpected error: {type(error).__name__}: {error_text(error)}"
        return {index: ItemResult(item=item.label, outcome=FAILED, message=message)}


def _database_message(error: Exception) -> str:
    return f"the database refused it: {error_text(error)}"


def _visible(article_ids: set[int], viewer: AbstractBaseUser | None) -> set[int]:
    """Which of these articles the viewer may see (staff and the command line: all of them)."""
    if viewer is None or viewer.is_staff or not article_ids:
        return set(article_ids)
    return set(visible_articles(viewer).filter(pk__in=article_ids).values_list("pk", flat=True))


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
    todo: list[tuple[int, PreparedItem]],
    *,
    batch: ImportBatch | None,
    project: Project | None,
    viewer: AbstractBaseUser | None,
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

    outcomes: dict[int, _Outcome] = {}
    fresh: list[tuple[int, PreparedItem]] = []
    first_in_chunk: dict[str, int] = {}
    repeated: list[tuple[int, PreparedItem]] = []
    for index, item in todo:
        if item.sha256 in first_in_chunk:
            repeated.append((index, item))
        elif item.sha256 in known_bytes:
            outcomes[index] = _Outcome(DUPLICATE, known_bytes[item.sha256])
        else:
            first_in_chunk[item.sha256] = index
            fresh.append((index, item))
    if fresh:
        _create_articles(fresh, outcomes, batch=batch)
    for index, item in repeated:
        outcomes[index] = _Outcome(DUPLICATE, outcomes[first_in_chunk[item.sha256]].article_id)
    # An already archived page is linked into the project it is imported into: the archive is shared and keeps
    # each page once, and the project's coders need it (README, Decisions).
    add_to_project(project, [outcome.article_id for outcome in outcomes.values()])
    related = {outcome.related_id for outcome in outcomes.values() if outcome.related_id is not None}
    seen = _visible(related | {o.article_id for o in outcomes.values() if o.kind == DUPLICATE and o.article_id}, viewer)
    items = dict(todo)
    return {index: _result(items[index], outcome, seen) for index, outcome in outcomes.items()}


def _create_articles(
    fresh: list[tuple[int, PreparedItem]], outcomes: dict[int, _Outcome], *, batch: ImportBatch | None
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

    outlets = outlet_ids([item for _, item in fresh])
    article_ids = reserve_ids(Article, len(fresh))
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
        for (_, item), snapshot_id in zip(fresh, reserve_ids(Snapshot, len(fresh)), strict=True)
    ]
    insert_snapshots(snapshots)

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
                outlet_id=outlets.get(outlet_domain(item)),
                url=item.url,
                canonical_url=extracted.canonical_url,
                title=extracted.title or _fallback_title(item),
                byline=extracted.byline[:500],
                published_at=aware(extracted.published_at),
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
        if supersedes is not None:
            outcomes[index] = _Outcome(NEW_VERSION, article_id, related_id=supersedes)
        elif same_text is not None:
            outcomes[index] = _Outcome(SYNDICATED_COPY, article_id, related_id=same_text[0], related_url=same_text[1])
        else:
            outcomes[index] = _Outcome(IMPORTED, article_id)
        for key in identity[index]:
            latest_by_url[key] = (article_id, item.text_sha256)
        first_by_text.setdefault(item.text_sha256, (article_id, item.url or extracted.canonical_url))
    Article.objects.bulk_create(articles)


@dataclass(frozen=True)
class _Outcome:
    """What happened to one item, before it is told: the article, and the earlier article it relates to."""

    kind: str
    article_id: int | None
    related_id: int | None = None
    related_url: str = ""


def _result(item: PreparedItem, outcome: _Outcome, seen: set[int]) -> ItemResult:
    """The item's result; an earlier article is named only when the importer may see it."""
    article_id, related = outcome.article_id, outcome.related_id
    if outcome.kind == DUPLICATE:
        return _duplicate_result(item, article_id, visible=article_id in seen)
    if outcome.kind == NEW_VERSION:
        earlier = f"article {related}" if related in seen else "an article already archived"
        message = f"new version of {earlier} (same URL, different text), archived as article {article_id}"
    elif outcome.kind == SYNDICATED_COPY:
        if related in seen:
            where = f" at {outcome.related_url}" if outcome.related_url else ""
            earlier = f"article {related}{where}"
        else:
            earlier = "an article already archived"
        message = f"same text as {earlier}: archived as article {article_id}, marked as a copy of it (syndicated)"
    else:
        message = f"archived as article {article_id}"
    return ItemResult(item=item.label, outcome=outcome.kind, message=message, article_id=article_id)


def _duplicate_result(item: PreparedItem, article_id: int | None, *, visible: bool) -> ItemResult:
    if article_id is None:
        return ItemResult(item=item.label, outcome=DUPLICATE, message="already archived (the same bytes)")
    if not visible:
        # Linked into no project the importer can see (imported without one): no id, nothing to look up.
        message = "already archived (the same bytes); nothing new was stored"
        return ItemResult(item=item.label, outcome=DUPLICATE, message=message)
    message = f"already archived as article {article_id} (the same bytes); nothing new was stored"
    return ItemResult(item=item.label, outcome=DUPLICATE, message=message, article_id=article_id)


def _fallback_title(item: PreparedItem) -> str:
    first_line = item.article.text.strip().split("\n", 1)[0]
    return first_line[:200] or item.filename or item.url or "(untitled)"


def _metadata(item: PreparedItem) -> dict[str, Any]:
    metadata = dict(item.article.metadata or {})
    if item.source:
        metadata["import"] = dict(item.source)
    return metadata
