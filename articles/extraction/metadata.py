"""Metadata of an HTML page: byline, dates, outlet, canonical URL and lead, from meta tags and JSON-LD."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import lxml.html
from htmldate import find_date

from articles.extraction.common import WORD, normalize_text

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
    """Every JSON-LD object on the page, including those in lists and @graph; broken scripts are skipped."""
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
    # Some sites put HTML entities ("&#8216;") into JSON-LD strings.
    return normalize_text(html.unescape(str(value))) if isinstance(value, str | int | float) else ""


def first_text(tree: lxml.html.HtmlElement, xpath: str) -> str:
    """The first non-empty normalised text among the elements or attribute values an XPath selects."""
    for element in tree.xpath(xpath):
        text = normalize_text(element.text_content() if hasattr(element, "text_content") else str(element))
        if text:
            return text
    return ""


def canonical_url(tree: lxml.html.HtmlElement, meta: dict[str, str], url: str | None) -> str:
    """The absolute http(s) URL from <link rel=canonical> or og:url, else the URL the page came from."""
    href = first_text(tree, '//link[translate(@rel, "CANONICAL", "canonical")="canonical"]/@href')
    href = href or meta.get("og:url", "")
    if not href:
        return url or ""
    absolute = urljoin(url or "", href)
    return absolute if urlsplit(absolute).scheme in {"http", "https"} else (url or "")


def domain_of(url: str | None) -> str:
    """The URL's lower-cased host without "www."; "" when there is none."""
    host = (urlsplit(url or "").hostname or "").lower()
    return host.removeprefix("www.")


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
    """The outlet's name from og:site_name, the JSON-LD publisher or application-name."""
    return normalize_text(
        meta.get("og:site_name") or ld_string(article_ld.get("publisher")) or meta.get("application-name") or ""
    )
