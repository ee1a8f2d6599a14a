"""Combining several extractors: the page's own blocks, each extractor's vote on them, and the weighted decision."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from articles.extraction.common import normalize_text

TOKEN = re.compile(r"\w+")
SHINGLE = 4


@dataclass
class PageBlocks:
    """The page's visible text as blocks in document order, tokenised once for every extractor's alignment."""

    texts: list[str]
    starts: list[int]  # index of each block's first token in `tokens`
    tokens: list[str]
    shingles: dict[tuple[str, ...], list[int]] = field(default_factory=dict)  # 4-token shingle -> start positions
    whole_blocks: dict[tuple[str, ...], list[int]] = field(default_factory=dict)  # a block's tokens -> its starts

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> PageBlocks:
        """Blocks from lines of text (empty lines and lines without a word are left out)."""
        texts: list[str] = []
        starts: list[int] = []
        tokens: list[str] = []
        for line in lines:
            words = TOKEN.findall(line)
            if not words:
                continue
            texts.append(normalize_text(line))
            starts.append(len(tokens))
            tokens.extend(words)
        page = cls(texts, starts, tokens)
        for index, start in enumerate(starts):
            page.whole_blocks.setdefault(tuple(tokens[start : page.block_end(index)]), []).append(start)
        return page

    def block_end(self, index: int) -> int:
        return self.starts[index + 1] if index + 1 < len(self.starts) else len(self.tokens)

    def coverage(self, blocks: Sequence[str]) -> list[float]:
        """For each page block, the share of its tokens that an extractor's output blocks cover (0 to 1)."""
        covered = self.align(blocks)
        shares = []
        for index, start in enumerate(self.starts):
            end = self.block_end(index)
            shares.append(sum(covered[start:end]) / (end - start))
        return shares

    def align(self, blocks: Sequence[str]) -> bytearray:
        """Mark the page tokens an extractor's output reproduces, following its order where text repeats."""
        covered = bytearray(len(self.tokens))
        # Each output block as a whole where the page has it as a block (most are), else its shingles, with the
        # page positions where they occur.
        hits: list[tuple[int, list[int], int]] = []  # (offset in the output's tokens, page positions, length)
        offset = 0
        for block in blocks:
            words = TOKEN.findall(block)
            if found := self.whole_blocks.get(tuple(words)):
                hits.append((offset, found, len(words)))
            else:
                if not self.shingles:  # built on first need: most output blocks are whole page blocks
                    for start in range(len(self.tokens) - SHINGLE + 1):
                        self.shingles.setdefault(tuple(self.tokens[start : start + SHINGLE]), []).append(start)
                for position in range(len(words) - SHINGLE + 1):
                    if found := self.shingles.get(tuple(words[position : position + SHINGLE])):
                        hits.append((offset + position, found, SHINGLE))
            offset += len(words)
        # Text that occurs more than once on the page (a headline also in a teaser) is placed where the
        # extractor's neighbouring, unambiguous text is: after the previous match, else before the next unique one.
        next_unique: list[tuple[int, int] | None] = [None] * len(hits)
        upcoming = None
        for index in range(len(hits) - 1, -1, -1):
            if len(hits[index][1]) == 1:
                upcoming = (hits[index][0], hits[index][1][0])
            next_unique[index] = upcoming
        previous: tuple[int, int] | None = None
        for index, (at, found, size) in enumerate(hits):
            if len(found) == 1:
                position = found[0]
            else:
                if previous is not None:
                    expected = previous[1] + (at - previous[0])
                elif (anchor := next_unique[index]) is not None:
                    expected = anchor[1] - (anchor[0] - at)
                else:
                    expected = found[0]
                position = min(found, key=lambda start: abs(start - expected))
            covered[position : position + size] = b"\x01" * size
            previous = (at, position)
        return covered


@dataclass(frozen=True)
class Weights:
    """How much each extractor's vote counts, and the share of the total weight a block needs to be kept."""

    voters: Mapping[str, float]
    threshold: float

    def decided(self, shares: Mapping[str, list[float]], block_count: int) -> bool:
        """True when the voters not yet run could not change any block's fate, whatever they say."""
        total = sum(self.voters.values())
        missing = sum(weight for name, weight in self.voters.items() if name not in shares)
        if not missing:
            return True
        for index in range(block_count):
            score = sum(self.voters[name] * votes[index] for name, votes in shares.items() if name in self.voters)
            if score < self.threshold * total <= score + missing:
                return False
        return True

    def keep(self, shares: Mapping[str, list[float]], block_count: int) -> list[bool]:
        """Per block: does the weighted vote reach the threshold? (Voters not run count as not keeping it.)"""
        total = sum(self.voters.values()) or 1.0
        return [
            sum(weight * shares[name][index] for name, weight in self.voters.items() if name in shares)
            >= self.threshold * total
            for index in range(block_count)
        ]
