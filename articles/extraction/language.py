"""The language of an article: declared by the page (as BCP-47), else guessed from its text."""

from __future__ import annotations

import re

import lxml.html

from articles.extraction.common import WORD


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
    """A language tag in BCP-47 form (pt_br becomes pt-BR); "" when the value is not one."""
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
