"""Plain-text articles: the first meaningful line is the title, furniture lines and the footer are dropped."""

from __future__ import annotations

import re

from articles.extraction.boilerplate import is_boilerplate, is_publisher_note
from articles.extraction.common import ENDS_SENTENCE, ExtractedArticle, ExtractionError, normalize_text
from articles.extraction.language import guess_language
from articles.extraction.metadata import domain_of


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
    """True when a line carries on the previous one: no sentence end before it, lower case at its start."""
    return not ENDS_SENTENCE.search(previous) and line[:1].islower()


def trim_tail(paragraphs: list[str]) -> list[str]:
    """Drop the publisher's footer: trailing paragraphs about the outlet, rights or republishing."""
    while paragraphs and (is_boilerplate(paragraphs[-1]) or is_publisher_note(paragraphs[-1])):
        paragraphs = paragraphs[:-1]
    return paragraphs
