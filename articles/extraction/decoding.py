"""Raw bytes to text: gzip, rejection of binary files, the charset (BOM, header, <meta>, detection), HTML or not."""

from __future__ import annotations

import codecs
import re
import zlib
from collections.abc import Mapping
from email.message import Message

import charset_normalizer

from articles.extraction.common import ExtractionError

MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"

# Signatures of files people upload by mistake instead of a saved page or a text.
BINARY_SIGNATURES = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG image"),
    (b"GIF8", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"PK\x03\x04", "ZIP archive or office document"),
    (b"\xd0\xcf\x11\xe0", "old Microsoft Office document"),
    (b"{\\rtf", "RTF document"),
    (b"7z\xbc\xaf", "7-Zip archive"),
    (b"Rar!", "RAR archive"),
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ", "xz archive"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
    (b"WARC/", "WARC archive"),
)
# C0 controls other than NUL, tab, newline, vertical tab, form feed, carriage return and escape.
CONTROL_BYTES = (*range(1, 9), 14, 15, *range(16, 27), *range(28, 32))
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
META_CHARSET = re.compile(
    rb"""<(?:meta[^>]+charset|\?xml[^>]+encoding)\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)
HTML_SNIFF = re.compile(
    r"<(?:!doctype\s+html|html|head|body|meta|title|article|div|p|br|span|a\s)[\s>/]|^\s*<!--", re.IGNORECASE
)


class DecompressedTooLarge(ExtractionError):
    """Compressed data that inflates past the size cap; inflating stopped at the cap."""


def gunzip_if_needed(raw: bytes, *, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """Decompress gzip data (saved pages are often stored compressed); other bytes pass unchanged.

    Every member of a multi-member file is inflated under the same cap, so a small file whose second member
    inflates to gigabytes stops at `max_bytes` (DecompressedTooLarge) instead of filling the memory.
    """
    if raw[:2] != GZIP_MAGIC:
        return raw
    data = bytearray()
    rest = raw
    while rest[:2] == GZIP_MAGIC:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            data += inflater.decompress(rest, max_bytes - len(data) + 1)  # +1: going past the cap shows
        except zlib.error as error:
            raise ExtractionError(f"truncated or corrupt gzip data: {error}") from error
        if len(data) > max_bytes or inflater.unconsumed_tail:
            raise DecompressedTooLarge(f"gzip data decompresses to more than {_size(max_bytes)}")
        if not inflater.eof:
            raise ExtractionError("truncated or corrupt gzip data: the stream ends before its end marker")
        rest = inflater.unused_data  # what follows is another member, or padding that gzip tools ignore too
    return bytes(data)


def _size(limit: int) -> str:
    return f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit} bytes"


def reject_binary(raw: bytes) -> None:
    """Raise ExtractionError when the bytes are a known binary format rather than a page or text."""
    head = raw[:16].lstrip()
    for signature, kind in BINARY_SIGNATURES:
        if head.startswith(signature):
            raise ExtractionError(f"the file looks like a binary file ({kind}), not a web page or text")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or looks_like_bomless_utf16(raw):
        return
    # Judged by the share of control bytes, not by one of them: a saved page with a stray NUL is still a page,
    # while binary data has NULs and other controls everywhere (random bytes: about 10 % controls, 0.4 % NULs).
    sample = raw[:65536]
    nuls = sample.count(0)
    controls = nuls + sum(sample.count(bytes([byte])) for byte in CONTROL_BYTES)
    if nuls > len(sample) * 0.01:
        raise ExtractionError("the file looks like a binary file (it contains NUL bytes), not a web page or text")
    if controls > len(sample) * 0.05:
        raise ExtractionError("the file looks like a binary file (many control bytes), not a web page or text")


def looks_like_bomless_utf16(raw: bytes) -> bool:
    """True for UTF-16 text without BOM: ASCII-range characters leave NULs in every other byte."""
    sample = raw[:4096]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    # Scripts outside Latin-1 (Arabic, Cyrillic...) leave NULs only after spaces, digits and punctuation.
    return min(even, odd) == 0 and max(even, odd) > len(sample) / 2 * 0.05


def decode_bytes(raw: bytes, headers: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Decode by BOM, HTTP charset, <meta> charset, UTF-8, then detection; return (text, encoding name)."""
    headers = {key.lower(): value for key, value in (headers or {}).items()}
    for bom, codec in BOMS:
        if raw.startswith(bom):
            # A BOM is stronger evidence than a (possibly stale) header.
            return raw.decode(codec, errors="replace").lstrip("\ufeff"), encoding_label(codec)
    candidates = [header_charset(headers.get("content-type", ""))]
    if match := META_CHARSET.search(raw[:8192]):
        candidates.append(match.group(1).decode("ascii"))
    for candidate in candidates:
        codec = lookup_codec(candidate)
        if codec is None:
            continue
        if codec not in ("utf-8", "utf_8") and is_multibyte_utf8(raw):
            # Valid UTF-8 with multi-byte sequences is almost never text in a legacy charset: the declaration
            # is stale (a CMS that switched to UTF-8 and kept <meta charset=iso-8859-1>), the bytes are not.
            return raw.decode("utf-8"), "utf-8"
        try:
            return raw.decode(codec), encoding_label(codec)
        except UnicodeDecodeError:
            continue
    if looks_like_bomless_utf16(raw):
        codec = "utf-16-le" if raw[1::2].count(0) > raw[0::2].count(0) else "utf-16-be"
        return raw.decode(codec, errors="replace"), encoding_label(codec)
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(raw).best()
    if best is not None:
        return str(best), encoding_label(best.encoding)
    return raw.decode("windows-1252", errors="replace"), "windows-1252"


def is_multibyte_utf8(raw: bytes) -> bool:
    """True when the bytes are valid UTF-8 and not plain ASCII."""
    if raw.isascii():
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def header_charset(content_type: str) -> str | None:
    """The charset parameter of a Content-Type header, or None."""
    if not content_type:
        return None
    message = Message()
    message["content-type"] = content_type
    return message.get_param("charset")


def lookup_codec(name: str | None) -> str | None:
    """Python codec for a declared charset; latin-1 and ASCII mean windows-1252 as browsers read them."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    if codec in {"latin-1", "iso8859-1", "ascii"}:
        return "cp1252"
    if codec.startswith("utf-16") or codec.startswith("utf-32"):
        return None  # a declared UTF-16 without BOM is almost always a stale declaration
    return codec


def encoding_label(codec: str) -> str:
    """The WHATWG-style name of a Python codec (windows-1256, iso-8859-2, utf-8...)."""
    name = codecs.lookup(codec).name
    if name.startswith("cp125"):
        return "windows-" + name[2:]
    if name.startswith("iso8859-"):
        return "iso-8859-" + name.split("-")[1]
    return {"latin-1": "iso-8859-1", "utf-8-sig": "utf-8", "mbcs": "windows-1252"}.get(name, name)


def is_html(text: str, *, content_type: str = "", filename: str | None = None) -> bool:
    """True when the input should be read as HTML: declared so, named so, or starting like markup."""
    content_type = content_type.lower()
    name = (filename or "").lower()
    if "text/plain" in content_type or name.endswith((".txt", ".text", ".md")):
        return False
    if "html" in content_type or name.endswith((".html", ".htm", ".xhtml")):
        return True
    return bool(HTML_SNIFF.search(text[:4096]))
