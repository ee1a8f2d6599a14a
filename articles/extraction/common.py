"""What every stage of extraction shares: the result, the error and the normal form of text."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

WHITESPACE = re.compile(r"\s+")
ENDS_SENTENCE = re.compile(r"[.!?:;\"\u201d'\u00bb)\u2026]$")
WORD = re.compile(r"\w+")


class ExtractionError(ValueError):
    """The input cannot become an article (empty, binary, no article text...); the message says why."""


@dataclass(frozen=True)
class ExtractedArticle:
    """A page's article text and metadata as extraction found them; nothing is stored yet."""

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


def normalize_text(text: str) -> str:
    """NFC, single spaces, no invisible characters: the form every stored paragraph takes."""
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "").replace("\u200b", "")
    return WHITESPACE.sub(" ", text).strip()


def same_words(first: str, second: str) -> bool:
    """True when both texts have the same words in the same order, case and punctuation aside."""
    return bool(first) and [w.lower() for w in WORD.findall(first)] == [w.lower() for w in WORD.findall(second)]
