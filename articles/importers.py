"""The pure half of importing: readers that turn paths, uploads, WARC, JSON Lines and URL lists into items,
and `prepare_item`, which reads, fetches and extracts one item. No database here, so it runs in worker processes.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import unicodedata
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from django.utils.dateparse import parse_datetime
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from articles.extraction import ExtractedArticle, ExtractionError, extract, gunzip_if_needed
from articles.extraction.decoding import DecompressedTooLarge
from articles.fetching import FetchError, fetch_url

PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".txt")
WARC_SUFFIXES = (".warc",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
WARC_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
JSONL_FIELDS = frozenset(
    {"url", "html", "text", "title", "byline", "published_at", "language", "outlet", "canonical_url", "captured_at"}
)
JSONL_STRING_FIELDS = ("title", "byline", "language", "outlet", "canonical_url")
JSONL_DATE_FIELDS = ("published_at", "captured_at")
MAX_URL_LENGTH = 2000
# The columns' sizes (Article.byline, .language, .canonical_url; Outlet.name): a longer value is refused, not cut.
JSONL_FIELD_LIMITS = {"byline": 500, "language": 35, "outlet": 200, "canonical_url": MAX_URL_LENGTH}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


class ItemError(ValueError):
    """An item that cannot be imported; the message says why in a researcher's words."""


@dataclass(frozen=True)
class ImportItem:
    """One thing to import, as a reader found it. Paths and URLs are read or fetched later, in `prepare_item`."""

    label: str
    path: str = ""
    raw: bytes | None = None
    fetch: bool = False
    url: str = ""
    filename: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = ""
    captured_at: dt.datetime | None = None
    text: str | None = None  # text that is already an article's text (JSON Lines "text", pasted text)
    fields: Mapping[str, Any] = field(default_factory=dict)  # title, byline, ... given by the source
    error: str = ""  # the reader already knows this item cannot be imported


@dataclass(frozen=True)
class PreparedItem:
    """An item read and extracted, ready to be stored; or the reason it cannot be."""

    label: str
    error: str = ""
    raw: bytes = b""
    sha256: str = ""
    url: str = ""
    filename: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = ""
    captured_at: dt.datetime | None = None
    article: ExtractedArticle | None = None
    text_sha256: str = ""
    source: Mapping[str, Any] = field(default_factory=dict)  # how the item came in, kept in article.metadata


# --- sizes and hashes ---------------------------------------------------------------------------------------


def size_text(limit: int) -> str:
    """A byte count as researchers read it: '20 MB', '512 KB', '1000 bytes'."""
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    if limit >= 1024 and limit % 1024 == 0:
        return f"{limit // 1024} KB"
    return f"{limit} bytes"


def too_large(limit: int, *, what: str = "file", decompressed: bool = False) -> str:
    suffix = " once decompressed" if decompressed else ""
    return f"{what} is larger than the {size_text(limit)} import limit{suffix}"


def error_text(error: BaseException) -> str:
    """An exception as one non-empty line: its first line with text, else its type's name."""
    for line in str(error).splitlines():
        if line.strip():
            return line.strip()
    return type(error).__name__


def normalised_text_sha256(text: str) -> str:
    """sha256 of the text in NFC, casefolded, whitespace collapsed: equal for copies that differ only in layout."""
    normalised = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


# --- readers ------------------------------------------------------------------------------------------------


def kind_of(name: str) -> str:
    """'warc', 'jsonl' or 'page' from a file name (a .gz ending is looked through)."""
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    if lowered.endswith(WARC_SUFFIXES):
        return "warc"
    if lowered.endswith(JSONL_SUFFIXES):
        return "jsonl"
    return "page"


def is_importable_name(name: str) -> bool:
    """Whether a file met while walking a folder is one to import (pages, WARC, JSON Lines, gzipped or not)."""
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    return lowered.endswith(PAGE_SUFFIXES + WARC_SUFFIXES + JSONL_SUFFIXES)


def is_url(value: str) -> bool:
    return value.strip().lower().startswith(("http://", "https://"))


def iter_sources(sources: Iterable[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[ImportItem]:
    """Items from command-line arguments: URLs are fetched, files read, folders walked recursively."""
    for source in sources:
        if is_url(source):
            yield url_item(source)
        else:
            yield from iter_path(Path(source), max_bytes=max_bytes)


def url_item(url: str, *, label: str | None = None) -> ImportItem:
    url = url.strip()
    return ImportItem(label=label or url, url=url, fetch=True)


def iter_path(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[ImportItem]:
    """Items of one file, or of every importable file under a folder (sorted; hidden and *_files folders skipped)."""
    if path.is_dir():
        folder = path.resolve()
        for root, dirs, files in os.walk(path):
            # "Save page as, complete" puts the page's images, scripts and frames in a "<name>_files" folder.
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not d.endswith("_files"))
            for name in sorted(files):
                if not name.startswith(".") and is_importable_name(name):
                    file = Path(root) / name
                    if file.is_symlink() and not file.resolve().is_relative_to(folder):
                        # Importing a folder means what is in it: a link out of it could pull in any file.
                        message = "skipped: a symbolic link to a file outside the folder"
                        yield ImportItem(label=str(file), filename=name, error=message)
                        continue
                    yield from iter_file(file, max_bytes=max_bytes)
    elif path.is_file():
        yield from iter_file(path, max_bytes=max_bytes)
    else:
        yield ImportItem(label=str(path), filename=path.name, error="no such file or folder")


def iter_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[ImportItem]:
    """Items of one file: a page (read later, in a worker), or the records of a WARC or JSON Lines file."""
    label = str(path)
    kind = kind_of(path.name)
    try:
        size = path.stat().st_size
        if kind == "page":
            if size > max_bytes:
                yield ImportItem(label=label, filename=path.name, error=too_large(max_bytes))
            else:
                yield ImportItem(label=label, path=str(path), filename=path.name)
            return
        with path.open("rb") as stream:
            if kind == "warc":
                yield from iter_warc(stream, name=label, max_bytes=max_bytes)
            else:
                yield from iter_jsonl(stream, name=label, max_bytes=max_bytes)
    except OSError as error:
        yield ImportItem(label=label, filename=path.name, error=f"cannot read the file: {error.strerror or error}")


def iter_upload(name: str, stream: IO[bytes], *, size: int, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[ImportItem]:
    """Items of an uploaded file: a page, or the records of a WARC or JSON Lines file."""
    kind = kind_of(name)
    if kind == "warc":
        yield from iter_warc(stream, name=name, max_bytes=max_bytes)
    elif kind == "jsonl":
        yield from iter_jsonl(stream, name=name, max_bytes=max_bytes)
    elif size > max_bytes:
        yield ImportItem(label=name, filename=name, error=too_large(max_bytes))
    else:
        yield ImportItem(label=name, raw=stream.read(), filename=name)


def iter_url_list(lines: Iterable[str], *, name: str = "") -> Iterator[ImportItem]:
    """Items of a URL list: one URL per line; blank lines and lines starting with # are skipped."""
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if is_url(line):
            yield url_item(line)
        else:
            where = f"{name} line {number}" if name else f"line {number}"
            yield ImportItem(label=where, error=f"not an http(s) URL: {line[:200]!r}")


def text_item(*, text: str, title: str, url: str = "", label: str = "pasted text", **fields: Any) -> ImportItem:
    """An item whose text is given as is (pasted in the browser, or from another tool)."""
    return ImportItem(label=label, text=text, url=url.strip(), fields={"title": title, **fields})


def _open_maybe_gzip(stream: IO[bytes]) -> IO[bytes]:
    head = stream.read(2)
    stream.seek(-len(head), io.SEEK_CUR)
    return gzip.GzipFile(fileobj=stream) if head == b"\x1f\x8b" else stream


def _bounded_lines(source: IO[bytes], *, max_bytes: int) -> Iterator[tuple[bytes, bool]]:
    """(line, too_long) pairs; a line longer than `max_bytes` is skipped in pieces, never held whole in memory."""
    while line := source.readline(max_bytes + 1):
        if len(line) <= max_bytes or line.endswith(b"\n"):
            yield line, False
            continue
        # Read on to the line's end in small pieces and forget them: one 1 GB line costs 1 MB of memory.
        while (piece := source.readline(1024 * 1024)) and not piece.endswith(b"\n"):
            pass
        yield b"", True


def iter_jsonl(stream: IO[bytes], *, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[ImportItem]:
    """Items of a JSON Lines file: one object per line with url, html or text, and optional metadata."""
    number = 0
    try:
        source = _open_maybe_gzip(stream)
        for number, (line, too_long) in enumerate(_bounded_lines(source, max_bytes=max_bytes), start=1):
            if too_long:
                message = f"line {number}: {too_large(max_bytes, what='the line')}"
                yield ImportItem(label=f"{name} line {number}", error=message)
            elif line.strip():
                yield _jsonl_item(line, name=name, number=number, max_bytes=max_bytes)
    except (OSError, EOFError, zlib.error) as error:
        message = f"the file cannot be read further: {error_text(error)}"
        yield ImportItem(label=f"{name} line {number + 1}", error=message)


def _jsonl_item(line: bytes, *, name: str, number: int, max_bytes: int) -> ImportItem:
    """One line's item; anything wrong with the line (JSON, a field's type, size or value) fails this line alone."""
    try:
        return _jsonl_record_item(line, name=name, number=number, max_bytes=max_bytes)
    except ItemError as error:
        return ImportItem(label=f"{name} line {number}", error=f"line {number}: {error}")


def _jsonl_record_item(line: bytes, *, name: str, number: int, max_bytes: int) -> ImportItem:
    label = f"{name} line {number}"
    if len(line) > max_bytes:
        raise ItemError(too_large(max_bytes, what="the line"))
    try:
        record = json.loads(line)
    except UnicodeDecodeError:
        raise ItemError("not UTF-8 text") from None
    except RecursionError:
        raise ItemError("invalid JSON (nested too deeply)") from None
    except ValueError as error:
        raise ItemError(f"invalid JSON ({error})") from None
    if not isinstance(record, dict):
        raise ItemError("invalid JSON: expected an object with url and html or text")
    for key in ("html", "text", "url", *JSONL_STRING_FIELDS, *JSONL_DATE_FIELDS):
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise ItemError(f"{key} must be a string, not {_json_type(value)}")
        if isinstance(value, str) and "\x00" in value:
            raise ItemError(f"{key} contains a NUL character (\\u0000), which a text cannot hold")
    html, text = record.get("html"), record.get("text")
    if not html and not text:
        raise ItemError("neither html nor text is given")
    url = record.get("url") or ""
    if url and not is_url(url):
        raise ItemError(f"url is not an http(s) URL: {url[:200]!r}")
    fields: dict[str, Any] = {}
    for key in JSONL_STRING_FIELDS:
        value = record.get(key)
        if value is not None:
            fields[key] = value.strip()
    for key, limit in {"url": MAX_URL_LENGTH, **JSONL_FIELD_LIMITS}.items():
        value = url if key == "url" else fields.get(key, "")
        if len(value) > limit:
            raise ItemError(f"{key} is longer than {limit} characters ({len(value)})")
    if fields.get("canonical_url") and not is_url(fields["canonical_url"]):
        raise ItemError(f"canonical_url is not an http(s) URL: {fields['canonical_url'][:200]!r}")
    dates = {key: _jsonl_date(key, record[key]) for key in JSONL_DATE_FIELDS if record.get(key)}
    if "published_at" in dates:
        fields["published_at"] = dates["published_at"]
    unknown = sorted(set(record) - JSONL_FIELDS)
    if unknown:
        extra = {key: record[key] for key in unknown}
        if "\\u0000" in json.dumps(extra):
            raise ItemError(f"{_first_with_nul(extra)} contains a NUL character (\\u0000), which cannot be stored")
        fields["extra"] = extra
    if html:
        raw = html.encode("utf-8")
        if len(raw) > max_bytes:
            raise ItemError(too_large(max_bytes, what="the page"))
        return ImportItem(
            label=label,
            raw=raw,
            url=url,
            headers={"content-type": "text/html; charset=utf-8"},
            content_type="text/html",
            captured_at=dates.get("captured_at"),
            fields=fields,
        )
    if len(text.encode("utf-8")) > max_bytes:
        raise ItemError(too_large(max_bytes, what="the text"))
    return ImportItem(label=label, text=text, url=url, captured_at=dates.get("captured_at"), fields=fields)


def _jsonl_date(key: str, value: str) -> dt.datetime:
    """An ISO 8601 date and time that PostgreSQL can store; a well-formed but impossible date is refused too."""
    try:
        parsed = parse_datetime(value)
        if parsed is not None:
            parsed = _aware(parsed)
            parsed.astimezone(dt.UTC)  # 0001-01-01T00:00+01:00 does not exist in UTC
    except (ValueError, OverflowError) as error:
        raise ItemError(f"{key} is not a valid date and time: {value[:100]!r} ({error})") from None
    if parsed is None:
        raise ItemError(f"{key} is not an ISO 8601 date and time: {value[:100]!r}")
    return parsed


def _json_type(value: Any) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def _first_with_nul(extra: Mapping[str, Any]) -> str:
    for key, value in extra.items():
        if "\x00" in key or "\\u0000" in json.dumps(value):
            return key.replace("\x00", "\\u0000")
    return "a field"


def iter_warc(stream: IO[bytes], *, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[ImportItem]:
    """Items of a WARC (or WARC.gz): each HTML or text response record, with its URL, HTTP headers and date.

    warcio is lenient (it stops quietly at a damaged record), so the framing is checked here: a damaged file
    ends in one failed item that says where, after the records read before the damage. A WARC gzipped as one
    stream (`gzip crawl.warc`, rather than a member per record) is decompressed as it is read and then iterated.
    """
    read = _WarcProgress()
    try:
        start = stream.tell()
        if not stream.read(1):
            raise ItemError("the file is empty")
        stream.seek(start)
        try:
            yield from _warc_items(stream, name=name, max_bytes=max_bytes, read=read)
        except ArchiveLoadFailed as error:
            if "non-chunked gzip" not in str(error):
                raise
            stream.seek(start)
            whole = gzip.GzipFile(fileobj=stream, mode="rb")
            yield from _warc_items(whole, name=name, max_bytes=max_bytes, read=read, skip=read.good)
    except (ItemError, ArchiveLoadFailed, OSError, EOFError, zlib.error, ValueError, TypeError) as error:
        yield ImportItem(label=name, filename=Path(name).name, error=_warc_error(error, read.good))


@dataclass
class _WarcProgress:
    good: int = 0  # records read whole so far


def _warc_items(
    stream: IO[bytes], *, name: str, max_bytes: int, read: _WarcProgress, skip: int = 0
) -> Iterator[ImportItem]:
    records = ArchiveIterator(stream)
    end = stream.tell()
    for number, record in enumerate(records, start=1):
        if number <= skip:  # read already, before the file turned out to be gzipped as one stream
            records.read_to_end(record)
            end = records.get_record_offset() + (records.get_record_length() or 0)
            continue
        item = _warc_item(record, name=name, number=number, max_bytes=max_bytes)
        records.read_to_end(record)
        if record.raw_stream.limit:
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            raise ItemError(f"record {number} {url} is cut short: the file ends inside it".replace("  ", " "))
        read.good = number
        if item is not None:
            yield item
        end = records.get_record_offset() + (records.get_record_length() or 0)
    _check_warc_tail(stream, end=end)


def _warc_error(error: Exception, good: int) -> str:
    detail = error_text(error)
    if isinstance(error, ArchiveLoadFailed) and detail.startswith("Unknown archive format"):
        detail = "not a WARC file" if good == 0 else f"record {good + 1} is unreadable"
    if good == 0:
        return f"malformed WARC: {detail}"
    read = "the record before it was read" if good == 1 else f"the {good} records before it were read"
    return f"malformed WARC: {detail} ({read})"


def _warc_item(record: Any, *, name: str, number: int, max_bytes: int) -> ImportItem | None:
    headers = record.rec_headers
    if not headers.get_header("WARC-Type") or not (headers.protocol or "").startswith("WARC/"):
        raise ItemError("not a WARC file" if number == 1 else f"record {number} has no WARC header")
    if record.rec_type != "response" or record.http_headers is None:
        return None
    http = record.http_headers
    content_type = (http.get_header("Content-Type") or "").split(";")[0].strip().lower()
    if content_type not in WARC_CONTENT_TYPES:
        return None
    url = headers.get_header("WARC-Target-URI") or ""
    label = f"{name} record {number} {url}".rstrip()
    captured_at = _warc_date(headers.get_header("WARC-Date"))
    status = http.get_statuscode() or ""
    if not status.startswith("2"):
        if status.startswith("3"):
            return None  # a redirect is not a page
        return ImportItem(label=label, url=url, error=f"the archived response is HTTP {http.statusline}, not a page")
    payload = record.content_stream().read(max_bytes + 1)
    if len(payload) > max_bytes:
        return ImportItem(label=label, url=url, error=too_large(max_bytes, what="the record"))
    return ImportItem(
        label=label,
        raw=payload,
        url=url,
        filename=Path(name).name,
        headers={key.lower(): value for key, value in http.headers},
        content_type=content_type,
        captured_at=captured_at,
    )


def _warc_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value.replace("Z", "+00:00"))
    return _aware(parsed) if parsed else None


def _check_warc_tail(stream: IO[bytes], *, end: int) -> None:
    """Anything but blank lines after the last record means a damaged or concatenated-by-mistake file."""
    stream.seek(end)
    tail = stream.read(64 * 1024)
    if tail.strip(b"\r\n"):
        raise ItemError(f"unreadable data at byte {end}: not a WARC record")


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# --- preparing one item (runs in worker processes) -----------------------------------------------------------


def prepare_item(item: ImportItem, *, max_bytes: int = DEFAULT_MAX_BYTES) -> PreparedItem:
    """Read or fetch the item's bytes and extract its article; never raises, failures carry their reason."""
    if item.error:
        return PreparedItem(label=item.label, error=item.error, url=item.url)
    try:
        return _prepare(item, max_bytes=max_bytes)
    except (ItemError, ExtractionError, FetchError) as error:
        return PreparedItem(label=item.label, error=error_text(error), url=item.url)
    except Exception as error:  # one bad item never stops the batch
        message = f"unexpected error: {type(error).__name__}: {error_text(error)}"
        return PreparedItem(label=item.label, error=message, url=item.url)


def _prepare(item: ImportItem, *, max_bytes: int) -> PreparedItem:
    url, headers, content_type, captured_at = item.url, dict(item.headers), item.content_type, item.captured_at
    source: dict[str, Any] = {}
    if item.text is not None:
        article = _text_article(item)
        raw = item.text.encode("utf-8")
        content_type = "text/plain"
    else:
        if item.fetch:
            page = fetch_url(item.url, max_bytes=max_bytes)
            raw, url, headers, content_type, captured_at = (
                page.content,
                page.url,
                page.headers,
                page.content_type,
                page.fetched_at,
            )
            if page.url != page.requested_url:
                source["requested_url"] = page.requested_url
        elif item.path:
            raw = _read_file(Path(item.path), max_bytes=max_bytes)
        else:
            raw = item.raw or b""
        raw = _gunzip(raw, max_bytes=max_bytes)
        article = extract(raw, url=url or None, headers=headers, filename=_inner_name(item.filename))
        article = _apply_fields(article, item.fields)
    if len(raw) > max_bytes:
        raise ItemError(too_large(max_bytes))
    if len(article.canonical_url) > MAX_URL_LENGTH:
        article = replace(article, canonical_url="")  # found in the page, not given: a broken link is dropped
    if "extra" in item.fields:
        source["extra"] = item.fields["extra"]
    return PreparedItem(
        label=item.label,
        raw=raw,
        sha256=hashlib.sha256(raw).hexdigest(),
        url=url,
        filename=item.filename,
        headers=headers,
        content_type=content_type or article.content_type,
        captured_at=captured_at,
        article=article,
        text_sha256=normalised_text_sha256(article.text),
        source=source,
    )


def _read_file(path: Path, *, max_bytes: int) -> bytes:
    with path.open("rb") as stream:
        raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ItemError(too_large(max_bytes))
    return raw


def _gunzip(raw: bytes, *, max_bytes: int) -> bytes:
    """Saved pages are often gzipped: the archive keeps the page itself, so equal pages are equal bytes."""
    try:
        return gunzip_if_needed(raw, max_bytes=max_bytes)
    except DecompressedTooLarge:
        raise ItemError(too_large(max_bytes, decompressed=True)) from None


def _inner_name(filename: str) -> str | None:
    if not filename:
        return None
    return filename[:-3] if filename.lower().endswith(".gz") else filename


def _text_article(item: ImportItem) -> ExtractedArticle:
    # Stored exactly as given, with one change: CRLF becomes LF (browsers send a textarea's line breaks as CRLF
    # whatever was pasted). A lone CR is kept: it is rare and the researcher's own (a browser form already turns
    # it into CRLF). Nothing is stripped: spans count from the first character that was sent.
    text = (item.text or "").replace("\r\n", "\n")
    if not text.strip():
        raise ItemError("the text is empty")
    if "\x00" in text:
        raise ItemError("the text contains NUL characters, which a text cannot hold")
    fields = dict(item.fields)
    title = " ".join((fields.pop("title", "") or "").split()) or text.strip().split("\n", 1)[0][:200]
    host = _host(item.url or fields.get("canonical_url", ""))
    return _apply_fields(
        ExtractedArticle(title=title, text=text, outlet_domain=host, content_type="text/plain", encoding="utf-8"),
        fields,
    )


def _apply_fields(article: ExtractedArticle, fields: Mapping[str, Any]) -> ExtractedArticle:
    """What the source says about the article (JSON Lines metadata, a typed title) wins over what was extracted."""
    changes: dict[str, Any] = {}
    for key, attribute in (
        ("title", "title"),
        ("byline", "byline"),
        ("language", "language"),
        ("outlet", "outlet_name"),
        ("canonical_url", "canonical_url"),
        ("published_at", "published_at"),
    ):
        value = fields.get(key)
        if value:
            changes[attribute] = value
    return replace(article, **changes) if changes else article


def _host(url: str) -> str:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host.removeprefix("www.")


def iter_submission(
    *,
    files: Iterable[tuple[str, IO[bytes], int]] = (),
    urls: Iterable[str] = (),
    text: str = "",
    title: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[ImportItem]:
    """Items of what a researcher sent from the browser or the API: uploaded files, URLs, a pasted text."""
    for name, stream, size in files:
        yield from iter_upload(name, stream, size=size, max_bytes=max_bytes)
    yield from iter_url_list(urls)
    if text.strip():
        yield text_item(text=text, title=title)


def count_submission_items(
    *, files: Iterable[tuple[str, IO[bytes], int]] = (), urls: Iterable[str] = (), text: str = "", limit: int
) -> int:
    """How many items a submission holds, counting no further than `limit` (a WARC is read only that far);
    the uploaded streams are rewound for the import that follows."""
    files = list(files)
    items = iter_submission(files=files, urls=urls, text=text, title="-")
    count = 0
    try:
        for _ in items:
            count += 1
            if count >= limit:
                break
    finally:
        items.close()
        for _, stream, _ in files:
            stream.seek(0)
    return count
