"""Registry suggestions: where the text names a registry actor (by its name or an alias), as code-point spans.

Pure: text and names in, spans out. No database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple


class Suggestion(NamedTuple):
    start: int
    end: int
    actor_id: int
    matched_name: str


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


_QUALIFIER = re.compile(r"^(.*?\S)\s*\([^()]*\)$")


def surface_name(name: str) -> str:
    """The name as an article would write it: a registry qualifier in brackets is dropped.

    "Germany (Federal Government)" -> "Germany"; "Government of National Accord (GNA)" -> "Government of
    National Accord" (its abbreviation is an alias of its own).
    """
    match = _QUALIFIER.match(name.strip())
    return match.group(1) if match else name


def _is_word_char(char: str) -> bool:
    # Letters, digits and combining marks (Arabic vowel signs, accents typed as marks) belong to a word.
    return unicodedata.category(char)[0] in "LNM"


def compile_names(names: Iterable[tuple[int, str]]) -> tuple[re.Pattern[str] | None, dict[str, int]]:
    """One case-insensitive alternation over all names, longest first, and the actor of each name.

    When two actors share a name, the first one given keeps it.
    """
    by_key: dict[str, int] = {}
    for actor_id, name in names:
        key = _key(name)
        if key and key not in by_key:
            by_key[key] = actor_id
    if not by_key:
        return None, by_key
    # Whitespace inside a name matches any run of whitespace in the text.
    alternatives = sorted(by_key, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(part) for part in key.split(" ")) for key in alternatives)
    # A lookahead so that every start position is tried: overlapping candidates are resolved below.
    return re.compile(rf"(?=({body}))", re.IGNORECASE), by_key


def suggest_mentions(
    text: str,
    names: Iterable[tuple[int, str]],
    *,
    aliases: Iterable[tuple[int, str]] = (),
    skip: Iterable[tuple[int, int]] = (),
) -> list[Suggestion]:
    """Whole-word, case-insensitive matches of actors' names and aliases; the longest wins where matches overlap.

    `names` (canonical, see `surface_name`) and `aliases` are (actor_id, name) pairs; `skip` holds the
    (start, end) spans the annotator already has. One exception to longest-wins: inside a longer alias of the same actor
    ("Russian President Vladimir Putin"), the actor's canonical name ("Vladimir Putin") is the mention.
    """
    names = [(actor_id, surface_name(name)) for actor_id, name in names]
    canonical = {(actor_id, _key(name)) for actor_id, name in names}
    pattern, by_key = compile_names([*names, *aliases])
    if pattern is None:
        return []
    candidates: list[Suggestion] = []
    for match in pattern.finditer(text):
        start, end = match.start(1), match.end(1)
        if start == end:
            continue
        if start > 0 and _is_word_char(text[start - 1]):
            continue
        if end < len(text) and _is_word_char(text[end]):
            continue
        matched = match.group(1)
        actor_id = by_key.get(_key(matched))
        if actor_id is None:
            continue
        candidates.append(Suggestion(start, end, actor_id, matched))
    canonical_spans = [s for s in candidates if (s.actor_id, _key(s.matched_name)) in canonical]
    candidates = [
        s
        for s in candidates
        if not any(
            c.actor_id == s.actor_id and s.start <= c.start and c.end <= s.end and c != s for c in canonical_spans
        )
    ]
    candidates.sort(key=lambda s: (-(s.end - s.start), s.start))
    taken: list[tuple[int, int]] = []
    chosen: list[Suggestion] = []
    for candidate in candidates:
        if any(candidate.start < end and start < candidate.end for start, end in taken):
            continue
        taken.append((candidate.start, candidate.end))
        chosen.append(candidate)
    skipped = set(skip)
    return sorted((s for s in chosen if (s.start, s.end) not in skipped), key=lambda s: s.start)
