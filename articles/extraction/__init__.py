"""Pure extraction: raw bytes (plus URL and headers when known) in, ExtractedArticle out.

No database, no network. Everything the importer stores about a page's content comes from here:
decoding.py turns bytes into text, text.py reads plain-text files, html.py reads pages (metadata.py,
titles.py, language.py and body.py do the parts; body.py asks the voters.py extractors and combine.py weighs
their votes), boilerplate.py knows page furniture, common.py holds what they share.
"""

from __future__ import annotations

from collections.abc import Mapping

from articles.extraction.common import ExtractedArticle, ExtractionError, normalize_text
from articles.extraction.decoding import decode_bytes, gunzip_if_needed, is_html, reject_binary
from articles.extraction.html import extract_html
from articles.extraction.text import extract_text_file
from articles.extraction.titles import strip_site_name

__all__ = [
    "ExtractedArticle",
    "ExtractionError",
    "decode_bytes",
    "extract",
    "extract_html",
    "extract_text_file",
    "gunzip_if_needed",
    "is_html",
    "normalize_text",
    "reject_binary",
    "strip_site_name",
]


def extract(
    raw: bytes,
    *,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    filename: str | None = None,
) -> ExtractedArticle:
    """Turn a saved page or text file (possibly gzipped) into an article, or raise ExtractionError."""
    headers = {key.lower(): value for key, value in (headers or {}).items()}
    raw = gunzip_if_needed(raw)
    if not raw.strip():
        raise ExtractionError("empty file")
    reject_binary(raw)
    text, encoding = decode_bytes(raw, headers)
    # PostgreSQL text cannot hold NUL, and a browser shows none: a stray NUL is dropped (the snapshot keeps it).
    text = text.replace("\x00", "")
    if is_html(text, content_type=headers.get("content-type", ""), filename=filename):
        return extract_html(text, url=url, encoding=encoding)
    return extract_text_file(text, url=url, encoding=encoding)
