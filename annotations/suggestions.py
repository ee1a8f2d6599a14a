"""Registry suggestions: where the text names a registry actor (by its name or an alias), as code-point spans.

Pure: text and names in, spans out. No database.
"""

from __future__ import annotations

import bisect
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


_TOKEN = re.compile(r"[^\W_]+")


def _name_pattern(key: str) -> re.Pattern[str]:
    # Whitespace inside a name matches any run of whitespace in the text.
    return re.compile(r"\s+".join(re.escape(part) for part in key.split(" ")), re.IGNORECASE)


def compile_names(names: Iterable[tuple[int, str]]) -> tuple[dict[str, list[tuple[re.Pattern[str], int]]], list]:
    """Index the names by their first word (case-folded), so that the text is scanned once, word by word.

    When two actors share a name, the first one given keeps it. Names that do not begin with a letter
    or digit ("(AFP)") are returned apart, to be searched for directly.
    """
    by_key: dict[str, int] = {}
    for actor_id, name in names:
        key = _key(name)
        if key and key not in by_key:
            by_key[key] = actor_id
    by_first: dict[str, list[tuple[re.Pattern[str], int]]] = {}
    others: list[tuple[re.Pattern[str], int]] = []
    for key in sorted(by_key, key=len, reverse=True):
        first = _TOKEN.match(key)
        entry = (_name_pattern(key), by_key[key])
        if first is None:
            others.append(entry)
        else:
            by_first.setdefault(first.group(), []).append(entry)
    return by_first, others


def suggest_mentions(
    text: str,
    names: Iterable[tuple[int, str]],
    *,
    aliases: Iterable[tuple[int, str]] = (),
    skip: Iterable[tuple[int, int]] = (),
) -> list[Suggestion]:
    """Whole-word, case-insensitive matches of actors' names and aliases; the longest wins where matches overlap.

    `names` (canonical, see `surface_name`) and `aliases` are (actor_id, name) pairs; `skip` holds the
    (start, end) spans the annotator already has. One exception to longest-wins: inside a longer alias of
    the same actor ("Russian President Vladimir Putin"), its canonical name ("Vladimir Putin") is the mention.
    """
    names = [(actor_id, surface_name(name)) for actor_id, name in names]
    canonical = {(actor_id, _key(name)) for actor_id, name in names}
    by_first, others = compile_names([*names, *aliases])
    candidates: list[Suggestion] = []

    def consider(match: re.Match[str] | None, actor_id: int) -> None:
        if match is None or match.start() == match.end():
            return
        start, end = match.start(), match.end()
        if start > 0 and _is_word_char(text[start - 1]):
            return
        if end < len(text) and _is_word_char(text[end]):
            return
        candidates.append(Suggestion(start, end, actor_id, match.group()))

    if by_first:
        # The regex engine finds where a name's first word stands; Python looks only there.
        firsts = "|".join(re.escape(word) for word in sorted(by_first, key=len, reverse=True))
        starts = re.compile(rf"(?<![^\W_])(?:{firsts})(?![^\W_])", re.IGNORECASE)
        for token in starts.finditer(text):
            for pattern, actor_id in by_first.get(token.group().casefold(), ()):
                consider(pattern.match(text, token.start()), actor_id)
    for pattern, actor_id in others:
        for match in pattern.finditer(text):
            consider(match, actor_id)
    # Drop an alias match that contains the same actor's canonical name; then longest first, no overlaps.
    canonical_starts: dict[int, list[int]] = {}
    canonical_ends: dict[tuple[int, int], int] = {}
    for s in candidates:
        if (s.actor_id, _key(s.matched_name)) in canonical:
            canonical_starts.setdefault(s.actor_id, []).append(s.start)
            canonical_ends[(s.actor_id, s.start)] = max(canonical_ends.get((s.actor_id, s.start), 0), s.end)
    for starts in canonical_starts.values():
        starts.sort()

    def contains_canonical(s: Suggestion) -> bool:
        starts = canonical_starts.get(s.actor_id, [])
        i = bisect.bisect_left(starts, s.start)
        while i < len(starts) and starts[i] < s.end:
            end = canonical_ends[(s.actor_id, starts[i])]
            if end <= s.end and (starts[i], end) != (s.start, s.end):
                return True
            i += 1
        return False

    candidates = [s for s in candidates if not contains_canonical(s)]
    candidates.sort(key=lambda s: (-(s.end - s.start), s.start))
    occupied = bytearray(len(text))
    chosen: list[Suggestion] = []
    for candidate in candidates:
        if any(occupied[candidate.start : candidate.end]):
            continue
        occupied[candidate.start : candidate.end] = b"\x01" * (candidate.end - candidate.start)
        chosen.append(candidate)
    skipped = set(skip)
    return sorted((s for s in chosen if (s.start, s.end) not in skipped), key=lambda s: s.start)
