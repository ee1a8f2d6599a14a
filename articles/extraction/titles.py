"""The headline of an HTML page: the article's own title, without site or section names, never a menu word or date."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

import lxml.html

from articles.extraction.boilerplate import BOILERPLATE_LINE
from articles.extraction.common import WORD, normalize_text, same_words
from articles.extraction.metadata import first_text, ld_string

# Separators between a headline and a site name: bar, hyphen, en and em dash, colon, tilde, dots, guillemet.
SEPARATOR_CHARS = "|\\-\u2013\u2014:~\u00b7\u2022\u00bb/"
TITLE_SEPARATORS = re.compile(rf"\s+(?:[{SEPARATOR_CHARS}]|::)\s+")
# UTF-8 read as windows-1252: "Ã©" for "é", "â€™" for "'".
MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf\u2018-\u203a\u0152-\u017e]|\u00e2\u20ac")
DATE_WORDS = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*"
    r"|\d+(?:st|nd|rd|th)?|[ap]m|at|on|of|updated|published|posted|gmt|utc|[a-z]{1,2}t",
    re.IGNORECASE,
)
# Labels of a host name that are not the outlet's name.
GENERIC_HOST_LABELS = {"www", "com", "co", "org", "net", "gov", "ac", "edu", "news", "m", "mobile", "amp"}


def compact(text: str) -> str:
    """The text's words lower-cased and run together, to compare names spelled differently ("BBC News", "bbc")."""
    return "".join(WORD.findall(text)).lower()


def names_site(part: str, site_names: list[str]) -> bool:
    """True when a title part is the site's name, or a piece of it ("BBC News" for "BBC", "Live Science")."""
    squeezed = compact(part)
    if len(squeezed) < 3:
        return False
    words = len(WORD.findall(part))
    for name in site_names:
        name_squeezed = compact(name)
        if not name_squeezed:
            continue
        if squeezed in name_squeezed:
            return True
        # The name plus a word or two ("Al Jazeera English", "Reuters.com"); not a headline that mentions it.
        if name_squeezed in squeezed and words <= len(WORD.findall(name)) + 2:
            return True
    return False


def strip_site_name(title: str, site_names: list[str]) -> str:
    """Remove trailing (or leading) site and section names: "Headline | World | Site" becomes "Headline"."""
    while separators := list(TITLE_SEPARATORS.finditer(title)):
        head, last = title[: separators[-1].start()], title[separators[-1].end() :]
        first, rest = title[: separators[0].start()], title[separators[0].end() :]
        if names_site(last, site_names):
            title = head
        elif names_site(first, site_names):
            title = rest
        # An unknown short last part after a long headline is a site or section name too.
        elif len(WORD.findall(last)) <= 3 and len(WORD.findall(head)) >= 5:
            title = head
        else:
            break
    return title


def host_name(url: str | None) -> str:
    """The outlet's label in a host name: "cnn" for edition.cnn.com, "bbc" for www.bbc.co.uk; none for an IP address
    (its numbers name no outlet, and "0" of 127.0.0.1 would pass for the site name of "Page 0")."""
    host = (urlsplit(url or "").hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        return ""
    except ValueError:
        pass
    labels = [label for label in host.split(".")[:-1] if label]
    labels = [label for label in labels if label not in GENERIC_HOST_LABELS]
    return labels[-1] if labels else ""


def repair_mojibake(text: str) -> str:
    """UTF-8 that was read as windows-1252 somewhere before the page was saved ("CafÃ©"), read back as UTF-8."""
    if not MOJIBAKE.search(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return text


def is_date(text: str) -> bool:
    """True when a text is only a date or time ("November 19, 2019", "19.11.2019 10:32")."""
    return bool(WORD.findall(text)) and all(DATE_WORDS.fullmatch(word) for word in WORD.findall(text))


def is_headline(text: str, site_names: list[str]) -> bool:
    """False for what a page puts where a headline could be: its own name, a menu word, a date."""
    words = WORD.findall(text)
    if not words or not any(character.isalpha() for character in text):
        return False
    if names_site(text, site_names) or is_date(text) or BOILERPLATE_LINE.match(text):
        return False
    # A single word in capitals ("LANGUAGES", "MENU") is a navigation label.
    return not (len(words) == 1 and text.isupper())


def raw_titles(tree: lxml.html.HtmlElement, meta: dict[str, str], article_ld: dict) -> list[str]:
    """The page's headline candidates as written: JSON-LD headline, og:title, twitter:title, <title>."""
    values = (
        ld_string(article_ld.get("headline")),
        meta.get("og:title", ""),
        meta.get("twitter:title", ""),
        first_text(tree, "//title"),
    )
    return [text for text in (normalize_text(repair_mojibake(value)) for value in values) if text]


def site_names_of(meta: dict[str, str], article_ld: dict, url: str | None) -> list[str]:
    """The outlet's names as the page gives them: og:site_name, application-name, publisher, host names."""
    names = [
        meta.get("og:site_name", ""),
        meta.get("application-name", ""),
        meta.get("twitter:site", "").lstrip("@"),
        ld_string(article_ld.get("publisher")),
        host_name(meta.get("og:url")),
        host_name(url),
    ]
    # Some pages put the headline into application-name or twitter:site; an outlet's name is short.
    return [name for name in names if name and len(WORD.findall(name)) <= 6]


def article_title(tree: lxml.html.HtmlElement, meta: dict[str, str], article_ld: dict, url: str | None = None) -> str:
    """The headline: the h1 that JSON-LD, og:title or <title> agree with, else the first of those that is one."""
    site_names = site_names_of(meta, article_ld, url)
    candidates = [
        stripped
        for value in raw_titles(tree, meta, article_ld)
        if is_headline(stripped := strip_site_name(value, site_names), site_names)
    ]
    headings = [
        heading
        for heading in (normalize_text(repair_mojibake(h.text_content())) for h in tree.xpath("//h1")[:5])
        if is_headline(heading, site_names)
    ]
    for heading in headings:
        if any(same_words(heading, candidate) for candidate in candidates):
            return heading
    if candidates:
        return candidates[0]
    return headings[0] if headings else ""
