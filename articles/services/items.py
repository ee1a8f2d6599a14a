"""Importing one page, text or URL now, in this process: its result, or a ValidationError if it failed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from articles.importers import DEFAULT_MAX_BYTES, ImportItem, prepare_item, text_item, url_item
from articles.models import ImportBatch
from articles.services.archive import store_prepared
from articles.services.results import FAILED, ItemResult
from projects.models import Project


def import_max_bytes() -> int:
    """The size cap of one imported file, page or record (NEWSARCHIVE_IMPORT_MAX_BYTES)."""
    return int(getattr(settings, "NEWSARCHIVE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


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
