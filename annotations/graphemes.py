"""Grapheme cluster boundaries (Unicode UAX #29) of article text: a span may not cut a user-perceived character."""

from __future__ import annotations

import regex

_CLUSTER = regex.compile(r"\X")


def splits_grapheme(text: str, offset: int) -> str | None:
    """The grapheme cluster that `offset` (a code point index) cuts in two, or None when it lies on a boundary.

    Clusters are matched by the `regex` package's `\\X` from the start of the offset's line: a line feed always
    ends a cluster (UAX #29 GB4/GB5), so only that line is scanned, not the whole article.
    """
    if offset <= 0 or offset >= len(text):
        return None
    position = text.rfind("\n", 0, offset) + 1
    if position == offset:
        return None
    for match in _CLUSTER.finditer(text, position):
        if match.end() == offset:
            return None
        if match.end() > offset:
            return match.group()
    return None
