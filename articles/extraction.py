"""Pure extraction: raw bytes (plus URL and headers when known) in, ExtractedArticle out.

No database, no network. Everything the importer stores about a page's content comes from here.
"""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import gzip
import json
import re
import unicodedata
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import lxml.html
import trafilatura
from htmldate import find_date
from lxml import etree

MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024

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
WHITESPACE = re.compile(r"\s+")
ENDS_SENTENCE = re.compile(r"[.!?:;\"\u201d'\u00bb)\u2026]$")
WORD = re.compile(r"\w+")
# Separators between a headline and a site name: bar, hyphen, en and em dash, colon, tilde, dots, guillemet.
SEPARATOR_CHARS = "|\\-\u2013\u2014:~\u00b7\u2022\u00bb/"
TITLE_SEPARATORS = re.compile(rf"\s+(?:[{SEPARATOR_CHARS}]|::)\s+")


def any_of(*patterns: str) -> str:
    return "(?:" + "|".join(patterns) + ")"


# Whole lines that are page furniture, never article text (checked on plain text and extracted HTML).
BOILERPLATE_LINE = re.compile(
    "^"
    + any_of(
        r"skip to (?:main )?(?:content|navigation)|jump to navigation|main menu|menu|search|home|back to top|top",
        r"advertisement|advertising|sponsored(?: content)?|ad|story continues below(?: advertisement)?",
        r"continue reading(?: below)?|read more|more|see more|show more|load more|view comments",
        r"share|share this(?: article| story| page)?|share on \w+|tweet|email|print|comments?|\d+ comments?",
        r"leave a (?:comment|reply)|tell us what you think.*|don'?t miss|you may also like|recommended(?: for you)?",
        r"related(?: articles| stories| content| news| posts)?|trending(?: now)?|most (?:read|popular|viewed).{0,30}",
        r"(?:[\w' ]{0,30} )?newsletters?|something to consider|sign up|subscribe(?: now)?|log ?in|sign in|register",
        r"\[\w+\]|image|photo|video|watch|listen|close|cookies?|accept(?: all)?(?: cookies)?",
    )
    + r"[\s.:!>|\u00bb\u203a]*$",
    re.IGNORECASE,
)
# Lines that introduce a link to another story ("Related: ...", "READ MORE: ...").
TEASER_PREFIX = re.compile(
    "^"
    + any_of(
        r"related(?: articles?| stories| coverage| content)?|see (?:more|also)|read (?:more|also|next)|also(?: read)?",
        r"more(?: on this| from \w+)?|recommended|watch|listen|don'?t miss|further reading|suggested|trending",
        r"previously|in other news|click here",
    )
    + r"\s*[:|\u00bb]",
    re.IGNORECASE,
)
# Promotion, subscription, sharing and legal phrases; only looked for in short paragraphs.
PROMO_PHRASE = re.compile(
    any_of(
        r"\u00a9|\(c\) \d{4}|^copyright\b|\bcopyright \d{4}|\ball rights reserved",
        r"\[/\w+\]",  # a WordPress shortcode left in the text
        r"\bsubscribe (?:to|now|today|for)|\b(?:our|daily|weekly|free) newsletters?|\bnewsletter sign",
        r"\bsign up (?:for|to|now)|\bsubscribers? only|\blog in to",
        r"\bfollow (?:us|me|him|her|them) (?:on|at|@)|\bfollow \S+ (?:on|at) (?:twitter|facebook|instagram|youtube)",
        r"\bfollow \S+ full coverage|\bget (?:unlimited )?access to|\bget the latest (?:news|updates|headlines)",
        r"\bjoin \w+ ?plus\b|\bjoin (?:now|today)|\bif you (?:enjoyed|liked|value) (?:this|our|reading)",
        r"\bclick here|\btap here|\bdownload (?:our|the) app|\bfiled under|\btagged with",
        r"\b(?:use|uses|accept|about) cookies|\bprivacy policy|\bterms of (?:use|service)|\bhave a (?:news )?tip\b",
        r"\bsend us (?:a|your) (?:tip|story)|\bshare this (?:article|story|post|page)|\bshare on (?:facebook|twitter)",
        r"\brepublish|\bfill out this form|\bsupport (?:our|independent) journalism",
        r"\blisten (?:live|now|to (?:the|our) (?:podcast|show|episode)|to \S+ live)|\bwatch (?:the )?video\b",
        r"\bwatch now|\bthis article (?:was|is) (?:updated|originally)",
    ),
    re.IGNORECASE,
)
# Short lines about the article rather than of it: update notes, reading time, credits, sources.
ARTICLE_INFO_LINE = re.compile(
    any_of(
        r"^(?:(?:last )?updated|published|posted)\b:?\s*(?:at|on|\d)",
        r"^(?:sources?|photos?|images?|credits?|picture)\s*:|^\w+\s?:$",
        r"^(?:(?:additional )?reporting|editing|writing|compiled|produced) by\b",
        r"\b(?:min(?:ute)?s? read|reading time|read time|tempo de leitura|lesezeit|temps de lecture)\b",
    ),
    re.IGNORECASE,
)
# A time or a numeric date in a short line without a sentence ending: a dateline, not a sentence.
DATE_OR_TIME = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b")
# "By ", "Author: " before a byline, and the date often printed after it.
BYLINE_LABEL = re.compile(r"^(?:(?:written |words |reporting )?by|von|par|por|di|door|\w+\s?:)\s+", re.IGNORECASE)
BYLINE_TAIL = re.compile(r"\s*[|,]?\s*\b(?:published|updated|posted|last updated)\b.*$", re.IGNORECASE)
ARTICLE_TYPES = re.compile(r"(?:Article|BlogPosting|Posting|Report|Story|NewsArticle)$")
DATE_META_NAMES = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "dcterms.date",
    "date",
    "article.published",
    "originalpublicationdate",
)


class ExtractionError(ValueError):
    """The input cannot become an article (empty, binary, no article text...); the message says why."""


@dataclass(frozen=True)
class ExtractedArticle:
    title: str
    text: str
    byline: str = ""
    published_at: dt.datetime | None = None
    language: str = ""
    outlet_name: str = ""
    outlet_domain: str = ""
    canonical_url: str = ""
    lead: str = ""
    encoding: str = ""
    content_type: str = ""
    metadata: dict = field(default_factory=dict)


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
    if is_html(text, content_type=headers.get("content-type", ""), filename=filename):
        return extract_html(text, url=url, encoding=encoding)
    return extract_text_file(text, url=url, encoding=encoding)


def gunzip_if_needed(raw: bytes) -> bytes:
    """Decompress gzip data (saved pages are often stored compressed); other bytes pass unchanged."""
    if raw[:2] != b"\x1f\x8b":
        return raw
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, MAX_DECOMPRESSED_BYTES)
    except zlib.error as error:
        raise ExtractionError(f"truncated or corrupt gzip data: {error}") from error
    if inflater.unconsumed_tail:
        raise ExtractionError(f"gzip data decompresses to more than {MAX_DECOMPRESSED_BYTES // 2**20} MB")
    if not inflater.eof:
        raise ExtractionError("truncated or corrupt gzip data: the stream ends before its end marker")
    if inflater.unused_data[:2] == b"\x1f\x8b":
        # Concatenated gzip members are legal; let the standard library handle that rare case.
        try:
            data = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise ExtractionError(f"truncated or corrupt gzip data: {error}") from error
    return data


def reject_binary(raw: bytes) -> None:
    """Raise ExtractionError when the bytes are a known binary format rather than a page or text."""
    head = raw[:16].lstrip()
    for signature, kind in BINARY_SIGNATURES:
        if head.startswith(signature):
            raise ExtractionError(f"the file looks like a binary file ({kind}), not a web page or text")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or looks_like_bomless_utf16(raw):
        return
    sample = raw[:65536]
    if b"\x00" in sample:
        raise ExtractionError("the file looks like a binary file (it contains NUL bytes), not a web page or text")
    controls = sum(sample.count(bytes([byte])) for byte in (*range(1, 9), 14, 15, *range(16, 27), *range(28, 32)))
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


def header_charset(content_type: str) -> str | None:
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


def normalize_text(text: str) -> str:
    """NFC, single spaces, no invisible characters: the form every stored paragraph takes."""
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "").replace("\u200b", "")
    return WHITESPACE.sub(" ", text).strip()


# --- plain text -------------------------------------------------------------------------------------


def extract_text_file(text: str, *, url: str | None = None, encoding: str = "") -> ExtractedArticle:
    """Read a plain-text article: first meaningful line is the title, furniture lines are dropped."""
    paragraphs = text_paragraphs(text)
    if not paragraphs:
        raise ExtractionError("no article text found")
    body = "\n\n".join(paragraphs)
    return ExtractedArticle(
        title=paragraphs[0],
        text=body,
        lead=paragraphs[1] if len(paragraphs) > 1 else "",
        language=guess_language(body),
        outlet_domain=domain_of(url),
        canonical_url=url or "",
        encoding=encoding,
        content_type="text/plain",
    )


def text_paragraphs(text: str) -> list[str]:
    """Meaningful lines of a text file as paragraphs (hard-wrapped lines are joined back)."""
    lines = [normalize_text(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    paragraphs: list[str] = []
    for line in lines:
        if paragraphs and line and paragraphs[-1] and is_wrapped_continuation(paragraphs[-1], line):
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
    paragraphs = [line for line in paragraphs if line]
    keep = [not is_boilerplate(line) for line in paragraphs]
    for index in range(len(paragraphs) - 1):
        # A story title followed by "Read More »" is a link to another story.
        if re.fullmatch(r"read more\W*", paragraphs[index + 1], re.IGNORECASE):
            keep[index] = False
    kept = [line for line, wanted in zip(paragraphs, keep, strict=True) if wanted]
    return trim_tail(kept)


def is_wrapped_continuation(previous: str, line: str) -> bool:
    return not ENDS_SENTENCE.search(previous) and line[:1].islower()


def is_boilerplate(paragraph: str) -> bool:
    """Page furniture: navigation words, teasers, promotion and legal lines (short ones only)."""
    if BOILERPLATE_LINE.match(paragraph):
        return True
    words = len(WORD.findall(paragraph))
    if words == 0:
        return True
    if words <= 25 and TEASER_PREFIX.match(paragraph):
        return True
    if words <= 12 and ARTICLE_INFO_LINE.search(paragraph):
        return True
    if words <= 12 and DATE_OR_TIME.search(paragraph) and not ENDS_SENTENCE.search(paragraph):
        return True
    return words <= 40 and bool(PROMO_PHRASE.search(paragraph))


def is_publisher_note(paragraph: str) -> bool:
    return len(WORD.findall(paragraph)) <= 50 and bool(PROMO_PHRASE.search(paragraph))


def trim_tail(paragraphs: list[str]) -> list[str]:
    """Drop the publisher's footer: trailing paragraphs about the outlet, rights or republishing."""
    while paragraphs and (is_boilerplate(paragraphs[-1]) or is_publisher_note(paragraphs[-1])):
        paragraphs = paragraphs[:-1]
    return paragraphs


# --- HTML -------------------------------------------------------------------------------------------


def extract_html(html: str, *, url: str | None = None, encoding: str = "") -> ExtractedArticle:
    """Read an HTML page: metadata from meta tags and JSON-LD, body text without page furniture."""
    tree = parse_html(html)
    meta = meta_tags(tree)
    article_ld = json_ld_article(tree)
    canonical = canonical_url(tree, meta, url)
    title = article_title(tree, meta, article_ld)
    headings = [
        title,
        *raw_titles(tree, meta, article_ld),
        *(normalize_text(h.text_content()) for h in tree.iter("h1")),
    ]
    summaries = [meta.get(name, "") for name in ("description", "og:description", "twitter:description")]
    paragraphs = body_paragraphs(
        tree, url=url or canonical or None, headings=headings, summaries=summaries, article_ld=article_ld
    )
    if not paragraphs:
        raise ExtractionError("no article text found in the page")
    body = "\n\n".join(paragraphs)
    published_at, date_source = publication_date(tree, meta, article_ld, url)
    lead = article_lead(meta, title=title, paragraphs=paragraphs)
    metadata = {
        key: value
        for key, value in {
            "date_source": date_source,
            "section": meta.get("article:section", ""),
            "keywords": meta.get("keywords") or meta.get("news_keywords", ""),
            "image": meta.get("og:image", ""),
            "modified_at": ld_string(article_ld.get("dateModified")) or meta.get("article:modified_time", ""),
            "json_ld_type": ld_string(article_ld.get("@type")),
        }.items()
        if value
    }
    return ExtractedArticle(
        title=title or paragraphs[0],
        text=body,
        byline=article_byline(tree, meta, article_ld),
        published_at=published_at,
        language=page_language(tree, meta) or guess_language(body),
        outlet_name=outlet_name(meta, article_ld),
        outlet_domain=domain_of(canonical or url),
        canonical_url=canonical,
        lead=lead,
        encoding=encoding,
        content_type="text/html",
        metadata=metadata,
    )


def parse_html(html: str) -> lxml.html.HtmlElement:
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
    try:
        tree = lxml.html.fromstring(html.encode("utf-8", errors="replace"), parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError(f"the HTML cannot be parsed: {error}") from error
    if tree is None:
        raise ExtractionError("no article text found in the page")
    return tree


def meta_tags(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """<meta> contents by lower-cased name/property/itemprop/http-equiv; the first occurrence wins."""
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        content = (element.get("content") or "").strip()
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            key = (element.get(attribute) or "").strip().lower()
            if key and content and key not in found:
                found[key] = content
    return found


def json_ld_objects(tree: lxml.html.HtmlElement) -> Iterator[dict]:
    for script in tree.xpath('//script[contains(translate(@type, "JSON", "json"), "ld+json")]'):
        try:
            data = json.loads(script.text_content(), strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                if "@graph" in item:
                    stack.append(item["@graph"])


def json_ld_article(tree: lxml.html.HtmlElement) -> dict:
    """The page's JSON-LD article object (NewsArticle, BlogPosting...), or {} when there is none."""
    for item in json_ld_objects(tree):
        types = item.get("@type")
        types = types if isinstance(types, list) else [types]
        if any(isinstance(kind, str) and ARTICLE_TYPES.search(kind) for kind in types):
            return item
    return {}


def ld_string(value: object) -> str:
    """A JSON-LD value as text: names of objects, first of lists."""
    if isinstance(value, list):
        return ld_string(value[0]) if value else ""
    if isinstance(value, dict):
        return ld_string(value.get("name") or value.get("@value") or "")
    return normalize_text(str(value)) if isinstance(value, str | int | float) else ""


def first_text(tree: lxml.html.HtmlElement, xpath: str) -> str:
    for element in tree.xpath(xpath):
        text = normalize_text(element.text_content() if hasattr(element, "text_content") else str(element))
        if text:
            return text
    return ""


def canonical_url(tree: lxml.html.HtmlElement, meta: dict[str, str], url: str | None) -> str:
    href = first_text(tree, '//link[translate(@rel, "CANONICAL", "canonical")="canonical"]/@href')
    href = href or meta.get("og:url", "")
    if not href:
        return url or ""
    absolute = urljoin(url or "", href)
    return absolute if urlsplit(absolute).scheme in {"http", "https"} else (url or "")


def domain_of(url: str | None) -> str:
    host = (urlsplit(url or "").hostname or "").lower()
    return host.removeprefix("www.")


def same_words(first: str, second: str) -> bool:
    return bool(first) and [w.lower() for w in WORD.findall(first)] == [w.lower() for w in WORD.findall(second)]


def compact(text: str) -> str:
    return "".join(WORD.findall(text)).lower()


def names_site(part: str, site_names: list[str]) -> bool:
    """True when a title part is the site's name ("BBC News" for og:site_name "BBC", domain "bbc.com")."""
    part = compact(part)
    return bool(part) and any(name and (part in name or name in part) for name in map(compact, site_names))


def strip_site_name(title: str, site_names: list[str]) -> str:
    """Remove a trailing (or leading) site name from a <title>: "Headline | Site" becomes "Headline"."""
    separators = list(TITLE_SEPARATORS.finditer(title))
    if not separators:
        return title
    first, last = title[: separators[0].start()], title[separators[-1].end() :]
    if names_site(last, site_names):
        return title[: separators[-1].start()]
    if names_site(first, site_names):
        return title[separators[0].end() :]
    # An unknown short last part after a long headline is a site or section name too.
    if len(WORD.findall(last)) <= 3 and len(WORD.findall(title[: separators[-1].start()])) >= 5:
        return title[: separators[-1].start()]
    return title


def raw_titles(tree: lxml.html.HtmlElement, meta: dict[str, str], article_ld: dict) -> list[str]:
    """The page's headline candidates as written: og:title, JSON-LD headline, twitter:title, <title>."""
    values = (
        meta.get("og:title", ""),
        ld_string(article_ld.get("headline")),
        meta.get("twitter:title", ""),
        first_text(tree, "//title"),
    )
    return [text for text in map(normalize_text, values) if text]


def article_title(tree: lxml.html.HtmlElement, meta: dict[str, str], article_ld: dict) -> str:
    """The headline: h1 when og:title or JSON-LD agree with it, else og:title, JSON-LD headline, <title>."""
    site_names = [
        meta.get("og:site_name", ""),
        meta.get("application-name", ""),
        ld_string(article_ld.get("publisher")),
        domain_of(meta.get("og:url")).split(".")[0],
    ]
    candidates = [strip_site_name(value, site_names) for value in raw_titles(tree, meta, article_ld)]
    headings = [normalize_text(h.text_content()) for h in tree.xpath("//h1")[:5]]
    for heading in headings:
        if any(same_words(heading, candidate) for candidate in candidates):
            return heading
    if candidates:
        return candidates[0]
    return next((heading for heading in headings if heading), "")


def article_byline(tree: lxml.html.HtmlElement, meta: dict[str, str], article_ld: dict) -> str:
    """Author names from JSON-LD, meta author, rel=author or a byline element."""
    authors = article_ld.get("author") or article_ld.get("creator")
    names = [ld_string(author) for author in (authors if isinstance(authors, list) else [authors])]
    byline = ", ".join(dict.fromkeys(name for name in names if name and not name.startswith("http")))
    for candidate in (
        byline,
        meta.get("author", ""),
        meta.get("article:author", ""),
        meta.get("dc.creator", ""),
        meta.get("parsely-author", ""),
        first_text(tree, '//a[@rel="author"] | //*[@itemprop="author"]'),
        first_text(tree, '//*[contains(@class, "byline")] | //*[contains(@class, "author-name")]'),
    ):
        candidate = BYLINE_TAIL.sub("", BYLINE_LABEL.sub("", normalize_text(candidate)))
        if candidate and not candidate.startswith("http") and len(candidate) <= 200:
            return candidate
    return ""


def article_lead(meta: dict[str, str], *, title: str, paragraphs: list[str]) -> str:
    """The standfirst: meta or og description when it is about this article, else the first paragraph."""
    article_words = {word.lower() for word in WORD.findall(" ".join([title, *paragraphs[:5]]))}
    for candidate in (meta.get("og:description", ""), meta.get("description", "")):
        words = [word.lower() for word in WORD.findall(candidate)]
        # A site-wide description ("X features the latest news...") shares few words with the article.
        if words and sum(word in article_words for word in words) >= len(words) * 0.5:
            return normalize_text(candidate)
    return paragraphs[0]


def parse_datetime(value: str) -> dt.datetime | None:
    """An ISO-8601-ish date as an aware datetime; dates without a zone are taken as UTC."""
    value = value.strip()
    if not value:
        return None
    value = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value.replace(" ", "T", 1) if "T" not in value else value)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    # Placeholders such as 0001-01-01 are not dates.
    return parsed if 1900 < parsed.year < 2200 else None


def publication_date(
    tree: lxml.html.HtmlElement, meta: dict[str, str], article_ld: dict, url: str | None
) -> tuple[dt.datetime | None, str]:
    """Publication date and where it came from (json-ld, meta, time element, htmldate)."""
    if parsed := parse_datetime(ld_string(article_ld.get("datePublished") or article_ld.get("dateCreated"))):
        return parsed, "json-ld"
    for name in DATE_META_NAMES:
        if parsed := parse_datetime(meta.get(name, "")):
            return parsed, "meta"
    for value in tree.xpath("//time/@datetime")[:3]:
        if parsed := parse_datetime(str(value)):
            return parsed, "time"
    try:
        found = find_date(tree, url=url, original_date=True, extensive_search=False)
    except Exception:  # htmldate is a best-effort helper; a failure only means "no date"
        found = None
    if found and (parsed := parse_datetime(found)):
        return parsed, "htmldate"
    return None, ""


def outlet_name(meta: dict[str, str], article_ld: dict) -> str:
    return normalize_text(
        meta.get("og:site_name") or ld_string(article_ld.get("publisher")) or meta.get("application-name") or ""
    )


def page_language(tree: lxml.html.HtmlElement, meta: dict[str, str]) -> str:
    """Declared language as BCP-47 (en, pt-BR...) from <html lang>, content-language or og:locale."""
    for value in (
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        meta.get("content-language"),
        meta.get("og:locale"),
        meta.get("language"),
    ):
        if value and (tag := bcp47(value)):
            return tag
    return ""


def bcp47(value: str) -> str:
    match = re.match(r"^\s*([a-zA-Z]{2,3})(?:[-_]([a-zA-Z]{4}))?(?:[-_]([a-zA-Z]{2}|\d{3}))?\b", value)
    if not match:
        return ""
    language, script, region = match.groups()
    parts = [language.lower()]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts)


# A cheap language guess for pages that do not declare one: script first, then common words.
SCRIPT_LANGUAGES = (
    (re.compile(r"[\u0600-\u06ff]"), "ar"),
    (re.compile(r"[\u0590-\u05ff]"), "he"),
    (re.compile(r"[\u0370-\u03ff]"), "el"),
    (re.compile(r"[\u0e00-\u0e7f]"), "th"),
    (re.compile(r"[\uac00-\ud7af]"), "ko"),
    (re.compile(r"[\u3040-\u30ff]"), "ja"),
    (re.compile(r"[\u4e00-\u9fff]"), "zh"),
    (re.compile(r"[\u0400-\u04ff]"), "ru"),
)
COMMON_WORDS = {
    "en": {"the", "and", "of", "to", "in", "is", "that", "was", "for", "with"},
    "fr": {"le", "la", "les", "des", "et", "est", "une", "dans", "que", "pour"},
    "de": {"der", "die", "und", "das", "ist", "nicht", "ein", "mit", "den", "auf"},
    "es": {"el", "la", "los", "las", "y", "que", "en", "del", "por", "una"},
    "it": {"il", "di", "che", "della", "per", "una", "sono", "con", "non", "gli"},
    "pt": {"o", "os", "que", "do", "da", "em", "não", "uma", "para", "com"},
    "nl": {"de", "het", "een", "en", "van", "niet", "dat", "op", "zijn", "voor"},
    "id": {"yang", "dan", "di", "ini", "itu", "dengan", "untuk", "tidak", "dari", "dalam"},
    "tr": {"ve", "bir", "bu", "için", "ile", "da", "de", "olarak", "çok", "ama"},
}


def guess_language(text: str) -> str:
    """A rough BCP-47 guess from the script or the most frequent function words; "" when unsure."""
    sample = text[:5000]
    letters = [c for c in sample if c.isalpha()]
    if not letters:
        return ""
    for pattern, language in SCRIPT_LANGUAGES:
        if len(pattern.findall(sample)) > len(letters) * 0.3:
            if language == "ru" and re.search(r"[іїєґ]", sample):
                return "uk"
            return language
    words = [word.lower() for word in WORD.findall(sample)]
    scores = {language: sum(word in common for word in words) for language, common in COMMON_WORDS.items()}
    language, best = max(scores.items(), key=lambda item: item[1])
    return language if best >= max(3, len(words) * 0.08) else ""


# --- article body -----------------------------------------------------------------------------------

HIDDEN_XPATH = (
    '//*[@hidden or @aria-hidden="true" or contains(translate(@style, " ", ""), "display:none")'
    ' or contains(translate(@style, " ", ""), "visibility:hidden")]'
)
BREAKING_TAGS = {"p", "head", "item", "list", "quote", "code", "row", "table", "lb", "div", "body"}


def body_paragraphs(
    tree: lxml.html.HtmlElement, *, url: str | None, headings: list[str], summaries: list[str], article_ld: dict
) -> list[str]:
    """The article's paragraphs: trafilatura's main-text extraction, then paragraph-level filtering."""
    cleaned = prepare_tree(tree)
    document = trafilatura.bare_extraction(
        cleaned,
        url=url,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        include_links=False,  # trafilatura 2.3 loses text before a link in some layouts when True
        include_formatting=False,
        with_metadata=False,
    )
    blocks = body_blocks(document.body) if document is not None and document.body is not None else []
    page = PageContext(headings=headings, summaries=summaries, links=anchor_texts(cleaned))
    paragraphs = filter_paragraphs(blocks, page)
    if not paragraphs:
        paragraphs = json_ld_body(article_ld, page) or fallback_paragraphs(cleaned, page)
    return paragraphs


def prepare_tree(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """A copy of the page without hidden elements and hover cards, with embedded posts kept visible."""
    cleaned = copy.deepcopy(tree)
    for element in cleaned.xpath(HIDDEN_XPATH):
        if element.tag not in {"html", "body"} and element.getparent() is not None:
            element.drop_tree()
    # Innermost first, so that only the card goes and not the paragraph's own link around it.
    for container in reversed(cleaned.xpath("//p//span[.//a] | //p//div[.//a]")):
        links = container.xpath(".//a")
        link_text = sum(len(normalize_text(link.text_content())) for link in links)
        text = len(normalize_text(container.text_content()))
        # A hover card: several links (often with an image) tucked inside running text.
        is_card = len(links) >= 2 and text > 0 and link_text / text > 0.8
        if is_card and (container.xpath(".//img") or len(links) >= 3) and container.getparent() is not None:
            container.drop_tree()
    # A span that only wraps a link adds no text, but its class name ("link") can make extractors drop the link.
    for span in cleaned.xpath("//p//span[count(*) = 1 and a]"):
        if normalize_text(span.text_content()) == normalize_text(span[0].text_content()):
            span.drop_tag()
    # Embedded posts quoted by the article are article text; their widget classes make extractors drop them.
    for quote in cleaned.xpath('//blockquote[contains(@class, "twitter-tweet") or contains(@class, "-embed")]'):
        quote.attrib.pop("class", None)
        for ancestor in quote.iterancestors():
            if ancestor.tag in {"article", "main", "body"}:
                break
            if re.search(r"embed|social|twitter", ancestor.get("class") or ""):
                ancestor.attrib.pop("class", None)
    return cleaned


def anchor_texts(tree: lxml.html.HtmlElement) -> set[str]:
    """Texts of the page's links, to recognise paragraphs that are nothing but a link."""
    return {text for text in (normalize_text(a.text_content()) for a in tree.iter("a")) if text}


@dataclass(frozen=True)
class Block:
    text: str
    kind: str  # trafilatura's element name: p, head, item, quote, cell...


def body_blocks(body: etree._Element) -> list[Block]:
    """trafilatura's body (p, head, list/item, quote, table/row/cell, lb) as normalised text blocks."""
    blocks: list[tuple[str, list[str]]] = []

    def walk(element: etree._Element, parent_kind: str) -> None:
        breaking = element.tag in BREAKING_TAGS
        if breaking:
            blocks.append((element.tag, []))
        elif element.tag == "cell":
            blocks[-1][1].append(" | ")
        blocks[-1][1].append(element.text or "")
        for child in element:
            walk(child, element.tag if breaking and element.tag != "lb" else parent_kind)
        if breaking:
            blocks.append((parent_kind, []))
        blocks[-1][1].append(element.tail or "")

    blocks.append(("body", []))
    walk(body, "body")
    return [Block(text, kind) for kind, pieces in blocks if (text := normalize_text("".join(pieces)))]


@dataclass(frozen=True)
class PageContext:
    """What the page says elsewhere, to recognise furniture repeated inside the extracted body."""

    headings: list[str]
    summaries: list[str]
    links: set[str]


def filter_paragraphs(blocks: list[Block], page: PageContext) -> list[str]:
    """Drop furniture paragraphs: the repeated title or standfirst, link lists, teasers, promotion, legal lines."""
    kept: list[str] = []
    for index, block in enumerate(blocks):
        if index < 2 and not kept and is_page_heading(block, page):
            continue
        if is_link_only(block.text, page.links) or is_boilerplate(block.text):
            continue
        kept.append(block.text)
    return kept


def is_page_heading(block: Block, page: PageContext) -> bool:
    """The headline, or the standfirst set as a heading or without final punctuation, atop the body."""
    if any(same_words(block.text, heading) for heading in page.headings):
        return True
    is_standfirst = any(same_words(block.text, summary) for summary in page.summaries)
    return is_standfirst and (block.kind == "head" or not ENDS_SENTENCE.search(block.text))


def is_link_only(text: str, links: set[str]) -> bool:
    """A short paragraph that is exactly a link's text (a teaser), tags like "[VIDEO]" aside."""
    text = re.sub(r"\s*\[[A-Z ]+\]\W*$", "", text).strip(" |-\u2013\u2014\u00bb")
    return text in links and len(WORD.findall(text)) <= 25


def json_ld_body(article_ld: dict, page: PageContext) -> list[str]:
    """JSON-LD articleBody (plain text or HTML) as paragraphs, for pages whose markup yields nothing."""
    body = article_ld.get("articleBody")
    if not isinstance(body, str) or len(body) < 200:
        return []
    if re.search(r"<(?:p|br|div)\b", body):
        fragment = lxml.html.fragment_fromstring(body, create_parent="div")
        for line_break in fragment.iter("br"):
            line_break.tail = "\n" + (line_break.tail or "")
        lines = [element.text_content() for element in fragment.iter("p", "li", "h2", "h3")] or [
            fragment.text_content()
        ]
        body = "\n".join(lines)
    blocks = [Block(text, "p") for text in map(normalize_text, body.split("\n")) if text]
    return filter_paragraphs(blocks, page)


def fallback_paragraphs(tree: lxml.html.HtmlElement, page: PageContext) -> list[str]:
    """For pages too small for trafilatura: <p> text outside navigation, minus link-only paragraphs."""
    scope = (tree.xpath("//article") or tree.xpath("//main") or tree.xpath("//body") or [tree])[0]
    blocks = []
    for element in scope.xpath(".//p | .//h2 | .//h3 | .//blockquote[not(.//p)] | .//li[not(.//p)]"):
        if element.xpath("ancestor::nav | ancestor::header | ancestor::footer | ancestor::aside | ancestor::form"):
            continue
        if text := normalize_text(element.text_content()):
            blocks.append(Block(text, "head" if element.tag in {"h2", "h3"} else element.tag))
    paragraphs = filter_paragraphs(blocks, PageContext(page.headings, page.summaries, anchor_texts(scope)))
    if sum(len(WORD.findall(paragraph)) for paragraph in paragraphs) < 12:
        return []
    return paragraphs
