"""Intercoder agreement, pure: article texts and each coder's spans in, the figures out (no database).

The definitions are those of issue 10 and the README:

- `f1_exact`: spans as (article, label, start, end); for a pair of coders 2|A∩B| / (|A|+|B|).
- `f1_overlap`: P = share of A's spans that overlap a same-label span of B, R = the same from B's side,
  F1 = 2PR/(P+R).
- tokens are the maximal runs of `\\w` (Python `re`, Unicode) of each text; a token is inside a span when they
  overlap. `kappa_tokens` is Cohen's kappa of two coders' inside/outside vectors; `alpha_tokens` is
  Krippendorff's alpha (nominal) over coders x tokens with the same values, and in `overall` each token's value
  is the set of labels covering it. A coder who did not code an article has no value for its tokens (missing).
- with more than two coders, f1 and kappa are means over the pairs where they are defined; alpha takes all
  coders at once. A pair counts only the articles both of its coders coded.
- an undefined figure is None: f1 when neither coder has a span, kappa when neither vector varies (or there are
  no tokens), alpha when no token has two values or the pairable values do not vary.

Token figures are computed from runs of tokens with the same coding state (a sweep over span boundaries), never
token by token, so a project of 1,000 articles x 3 coders x 50 spans takes a fraction of a second.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import combinations

TOKEN = re.compile(r"\w+")


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a study is read, prepared and computed.

    A project's study builds some 10^5 small tuples, sets and lists, and each burst of allocations sets off a
    generation-2 collection that walks the whole heap: half the CPU time of the agreement request went there.
    These structures hold no reference cycles, so reference counting frees them all the same."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


Coder = Hashable
ArticleKey = Hashable
SpanTuple = tuple[str, int, int]  # label, start, end (code points, end exclusive)

PAIR_FIGURES = ("f1_exact", "f1_overlap", "kappa_tokens")


def token_bounds(text: str) -> tuple[list[int], list[int]]:
    """The start and end offsets of the text's tokens (maximal runs of \\w), in order."""
    starts: list[int] = []
    ends: list[int] = []
    for match in TOKEN.finditer(text):
        starts.append(match.start())
        ends.append(match.end())
    return starts, ends


def _overlapping(spans: Iterable[tuple[int, int]], union: tuple[list[int], list[int]]) -> int:
    """How many of the spans overlap the union (given as its sorted starts and ends)."""
    starts, ends = union
    size = len(starts)
    count = 0
    for start, end in spans:
        # The first union interval ending after `start` overlaps [start, end) iff it begins before `end`.
        i = bisect_right(ends, start)
        if i < size and starts[i] < end:
            count += 1
    return count


@dataclass(slots=True)
class _LabelCoding:
    """One coder's spans of one label in one article, with the unions the figures need."""

    spans: set[tuple[int, int]]
    chars: tuple[list[int], list[int]]  # union of the spans in code points: starts, ends
    tokens: list[tuple[int, int]]  # union of the token index ranges the spans cover


def _prepare(spans: set[tuple[int, int]], starts: list[int], ends: list[int]) -> _LabelCoding:
    """A coder's spans of one label in one article, with their union in code points and in token indexes."""
    ordered = sorted(spans)
    char_starts: list[int] = []
    char_ends: list[int] = []
    low, high = ordered[0]
    for start, end in ordered:
        if start <= high:
            if end > high:
                high = end
        else:
            char_starts.append(low)
            char_ends.append(high)
            low, high = start, end
    char_starts.append(low)
    char_ends.append(high)
    # A token is covered when it overlaps the union; the unions' token ranges come in order, so merge as we go.
    tokens: list[tuple[int, int]] = []
    for start, end in zip(char_starts, char_ends, strict=True):
        first, stop = bisect_right(ends, start), bisect_left(starts, end)
        if first < stop:
            if tokens and first <= tokens[-1][1]:
                if stop > tokens[-1][1]:
                    tokens[-1] = (tokens[-1][0], stop)
            else:
                tokens.append((first, stop))
    return _LabelCoding(spans=spans, chars=(char_starts, char_ends), tokens=tokens)


@dataclass
class _PairCounts:
    a_spans: int = 0
    b_spans: int = 0
    exact: int = 0
    a_overlapping: int = 0
    b_overlapping: int = 0

    def add(self, other: _PairCounts) -> None:
        self.a_spans += other.a_spans
        self.b_spans += other.b_spans
        self.exact += other.exact
        self.a_overlapping += other.a_overlapping
        self.b_overlapping += other.b_overlapping

    def f1_exact(self) -> float | None:
        total = self.a_spans + self.b_spans
        return None if total == 0 else 2 * self.exact / total

    def f1_overlap(self) -> float | None:
        if self.a_spans + self.b_spans == 0:
            return None
        if self.a_spans == 0 or self.b_spans == 0:
            return 0.0  # one coder marked nothing: nothing of theirs matches (as f1_exact says)
        precision = self.a_overlapping / self.a_spans
        recall = self.b_overlapping / self.b_spans
        if precision + recall == 0:
            return 0.0
        return 2 * precision * recall / (precision + recall)


def cohen_kappa(n11: float, n10: float, n01: float, n00: float) -> float | None:
    """Cohen's kappa of two binary vectors given their 2x2 table (None when neither varies or both are empty)."""
    total = n11 + n10 + n01 + n00
    a1, a0 = n11 + n10, n01 + n00
    b1, b0 = n11 + n01, n10 + n00
    expected_disagreement = (a1 * b0 + a0 * b1) / total if total else 0
    if expected_disagreement == 0:
        return None
    return 1 - (n10 + n01) / expected_disagreement


def krippendorff_nominal(units: Iterable[tuple[Counter, float]]) -> float | None:
    """Krippendorff's alpha, nominal, from units given as (count of each value, how many such units)."""
    disagreement = 0.0  # sum of the off-diagonal coincidences
    pairable: Counter = Counter()  # n_v: the values in units with at least two values
    for counts, weight in units:
        m = sum(counts.values())
        if m < 2:
            continue
        squares = sum(c * c for c in counts.values())
        disagreement += weight * (m * m - squares) / (m - 1)
        for value, c in counts.items():
            pairable[value] += weight * c
    n = sum(pairable.values())
    expected = n * n - sum(v * v for v in pairable.values())
    if expected == 0:
        return None
    return 1 - (n - 1) * disagreement / expected


def _mean(values: Iterable[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def _ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def _score_figures(c: _PairCounts) -> dict:
    """Precision, recall and F1 of coder A against reference B from a pair's counts (None where undefined; F1 is
    the pair's f1_exact / f1_overlap, so 0 when only one side has spans)."""
    return {
        "spans": c.a_spans,
        "reference_spans": c.b_spans,
        "exact": {"precision": _ratio(c.exact, c.a_spans), "recall": _ratio(c.exact, c.b_spans), "f1": c.f1_exact()},
        "overlap": {
            "precision": _ratio(c.a_overlapping, c.a_spans),
            "recall": _ratio(c.b_overlapping, c.b_spans),
            "f1": c.f1_overlap(),
        },
    }


@dataclass
class Disagreement:
    """A span that not every coder of its article made exactly: who made it and what kind of difference it is."""

    article: ArticleKey
    label: str
    start: int
    end: int
    coders: list[Coder]
    kind: str  # "boundary" (others overlap it with the same label), "label" (same extent, other label), "only"


@dataclass
class Agreement:
    """Prepared codings of a set of articles; `figures` answers for any subset of coders and articles."""

    texts: Mapping[ArticleKey, str]
    # Per coder and article: (label, start, end) tuples, or a mapping label -> (start, end) pairs.
    codings: Mapping[Coder, Mapping[ArticleKey, Iterable[SpanTuple] | Mapping[str, Iterable[tuple[int, int]]]]]
    labels: Sequence[str] = ()
    # Per article, its token bounds as `token_bounds` gives them, where known (annotations.tokens keeps them).
    tokens: Mapping[ArticleKey, tuple[Sequence[int], Sequence[int]]] | None = None
    _token_counts: dict = field(default_factory=dict, init=False)
    _prepared: dict = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        known_labels = set(self.labels)
        extra_labels: set[str] = set()
        known_tokens = self.tokens or {}
        for article, text in self.texts.items():
            bounds = known_tokens.get(article)
            starts, ends = bounds if bounds is not None else token_bounds(text)
            self._token_counts[article] = len(starts)
            for coder, by_article in self.codings.items():
                spans = by_article.get(article)
                if spans is None:
                    continue  # not coded: missing, not "nothing marked"
                by_label: dict[str, set[tuple[int, int]]]
                if isinstance(spans, Mapping):  # already grouped by label (what the selectors read)
                    by_label = {label: set(extents) for label, extents in spans.items() if extents}
                else:
                    by_label = defaultdict(set)
                    for label, start, end in spans:
                        by_label[label].add((start, end))
                extra_labels.update(by_label.keys() - known_labels)
                self._prepared[(coder, article)] = {
                    label: _prepare(label_spans, starts, ends) for label, label_spans in by_label.items()
                }
        self.all_labels = [*self.labels, *sorted(extra_labels)]

    def coded(self, coder: Coder, article: ArticleKey) -> bool:
        return (coder, article) in self._prepared

    # --- figures -------------------------------------------------------------------------------------------

    def figures(self, coders: Sequence[Coder] | None = None, articles: Iterable[ArticleKey] | None = None) -> dict:
        """{"annotators", "articles", "labels": {label: figures}, "overall": figures} for these coders/articles."""
        coders = list(self.codings) if coders is None else list(coders)
        articles = list(self.texts) if articles is None else [a for a in articles if a in self.texts]
        pairs = list(combinations(coders, 2))
        label_counts = {pair: self._pair_counts(*pair, articles) for pair in pairs}
        states = self._token_states(coders, articles)

        labels = {}
        for label in self.all_labels:
            pair_figures = [self._pair_label_figures(label_counts[pair], states, coders, pair, label) for pair in pairs]
            labels[label] = {
                "f1_exact": _mean(f["f1_exact"] for f in pair_figures),
                "f1_overlap": _mean(f["f1_overlap"] for f in pair_figures),
                "kappa_tokens": _mean(f["kappa_tokens"] for f in pair_figures),
                "alpha_tokens": krippendorff_nominal(self._binary_units(states, label)),
            }
        overall_pairs = []
        for pair in pairs:
            total = _PairCounts()
            for counts in label_counts[pair].values():
                total.add(counts)
            overall_pairs.append(total)
        overall = {
            "f1_exact": _mean(c.f1_exact() for c in overall_pairs),
            "f1_overlap": _mean(c.f1_overlap() for c in overall_pairs),
            "alpha_tokens": krippendorff_nominal(
                (Counter(v for v in key if v is not None), weight) for key, weight in states.items()
            ),
        }
        counted = [a for a in articles if sum(self.coded(c, a) for c in coders) >= 2]
        return {"annotators": coders, "articles": len(counted), "labels": labels, "overall": overall}

    def _pair_counts(self, a: Coder, b: Coder, articles: Sequence[ArticleKey]) -> dict[str, _PairCounts]:
        """Per label, the span counts of a pair over the articles both coded."""
        counts: dict[str, _PairCounts] = defaultdict(_PairCounts)
        for article in articles:
            coding_a, coding_b = self._prepared.get((a, article)), self._prepared.get((b, article))
            if coding_a is None or coding_b is None:
                continue
            for label in coding_a.keys() | coding_b.keys():
                la, lb = coding_a.get(label), coding_b.get(label)
                c = counts[label]
                if la is not None:
                    c.a_spans += len(la.spans)
                if lb is not None:
                    c.b_spans += len(lb.spans)
                if la is not None and lb is not None:
                    # A span both made overlaps the other's union for certain: only the rest need looking up.
                    common = la.spans & lb.spans
                    c.exact += len(common)
                    c.a_overlapping += len(common) + _overlapping(la.spans - common, lb.chars)
                    c.b_overlapping += len(common) + _overlapping(lb.spans - common, la.chars)
        return counts

    def _token_states(self, coders: Sequence[Coder], articles: Sequence[ArticleKey]) -> Counter:
        """How many tokens have each coding state: per coder the set of labels covering it, or None if not coded."""
        label_bits = {label: 1 << i for i, label in enumerate(self.all_labels)}
        width = len(self.all_labels)
        masks: Counter = Counter()  # (coders present, labels of every coder as one bit mask) -> tokens
        for article in articles:
            present = [self._prepared.get((coder, article)) for coder in coders]
            if sum(p is not None for p in present) < 2:
                continue  # no token of it can be compared
            coded = sum(1 << i for i, p in enumerate(present) if p is not None)
            # Each (coder, label) union is disjoint and non-touching, so every boundary flips its bit once.
            flips: dict[int, int] = defaultdict(int)
            for index, coding in enumerate(present):
                if coding is None:
                    continue
                for label, label_coding in coding.items():
                    bit = label_bits[label] << (index * width)
                    for first, stop in label_coding.tokens:
                        flips[first] ^= bit
                        flips[stop] ^= bit
            state = previous = 0
            for position in sorted(flips):
                if position > previous:
                    masks[(coded, state)] += position - previous
                state ^= flips[position]
                previous = position
            total = self._token_counts[article]
            if total > previous:
                masks[(coded, state)] += total - previous
        states: Counter = Counter()
        for (coded, state), weight in masks.items():
            key = []
            for index in range(len(coders)):
                if not coded >> index & 1:
                    key.append(None)
                    continue
                bits = state >> (index * width)
                key.append(frozenset(label for i, label in enumerate(self.all_labels) if bits >> i & 1))
            states[tuple(key)] += weight
        return states

    @staticmethod
    def _binary_units(states: Counter, label: str):
        for key, weight in states.items():
            yield Counter(label in v for v in key if v is not None), weight

    @staticmethod
    def _pair_label_figures(
        counts: dict[str, _PairCounts], states: Counter, coders: Sequence[Coder], pair: tuple, label: str
    ) -> dict:
        c = counts.get(label, _PairCounts())
        ia, ib = coders.index(pair[0]), coders.index(pair[1])
        table = Counter()
        for key, weight in states.items():
            va, vb = key[ia], key[ib]
            if va is None or vb is None:
                continue
            table[(label in va, label in vb)] += weight
        kappa = cohen_kappa(table[(True, True)], table[(True, False)], table[(False, True)], table[(False, False)])
        return {"f1_exact": c.f1_exact(), "f1_overlap": c.f1_overlap(), "kappa_tokens": kappa}

    # --- scoring a coder against a reference ----------------------------------------------------------------

    def score(self, coder: Coder, reference: Coder, articles: Iterable[ArticleKey] | None = None) -> dict:
        """Per label and overall: the coder's precision, recall and F1 against the reference, exact and overlap.

        The same matching as the pair figures (`_pair_counts`, coder as A, reference as B): exact precision is the
        share of the coder's spans the reference has exactly, recall the share of the reference's the coder has;
        overlap precision the share of the coder's spans overlapping a same-label reference span, recall the same
        from the reference's side. Only the articles both coded count."""
        articles = list(self.texts) if articles is None else [a for a in articles if a in self.texts]
        counts = self._pair_counts(coder, reference, articles)
        labels = {label: _score_figures(counts.get(label, _PairCounts())) for label in self.all_labels}
        total = _PairCounts()
        for c in counts.values():
            total.add(c)
        scored = [a for a in articles if self.coded(coder, a) and self.coded(reference, a)]
        return {"articles": len(scored), "labels": labels, "overall": _score_figures(total)}

    def differences(self, coder: Coder, reference: Coder, articles: Iterable[ArticleKey] | None = None) -> list[dict]:
        """Where the coder differs from the reference: "missed" (a reference span the coder lacks), "extra" (a span
        the reference lacks), "boundary" or "label" (a near miss, on either side), in text order."""
        found = []
        for d in self.disagreements([coder, reference], articles):
            side = "reference" if d.coders == [reference] else "coder"
            kind = {"only": "missed" if side == "reference" else "extra"}.get(d.kind, d.kind)
            found.append(
                {"article": d.article, "label": d.label, "start": d.start, "end": d.end, "kind": kind, "side": side}
            )
        return found

    def pairwise(self, coders: Sequence[Coder] | None = None, articles: Iterable[ArticleKey] | None = None) -> dict:
        """The figures of every pair of coders, keyed by the pair (in the given order)."""
        coders = list(self.codings) if coders is None else list(coders)
        articles = list(self.texts) if articles is None else list(articles)
        return {pair: self.figures(list(pair), articles) for pair in combinations(coders, 2)}

    # --- disagreements -------------------------------------------------------------------------------------

    def disagreements(self, coders: Sequence[Coder] | None = None, articles: Iterable[ArticleKey] | None = None):
        """Every span that not all coders of its article made exactly, article by article, in text order."""
        coders = list(self.codings) if coders is None else list(coders)
        articles = list(self.texts) if articles is None else list(articles)
        found: list[Disagreement] = []
        for article in articles:
            codings = {c: self._prepared[(c, article)] for c in coders if (c, article) in self._prepared}
            if len(codings) < 2:
                continue
            holders: dict[tuple[str, int, int], list[Coder]] = defaultdict(list)
            for coder, coding in codings.items():
                for label, label_coding in coding.items():
                    for start, end in label_coding.spans:
                        holders[(label, start, end)].append(coder)
            extents: dict[tuple[int, int], set[str]] = defaultdict(set)
            for label, start, end in holders:
                extents[(start, end)].add(label)
            for (label, start, end), who in sorted(holders.items(), key=lambda item: (item[0][1], item[0][2])):
                if len(who) == len(codings):
                    continue
                others = [c for c in codings if c not in who]
                if len(extents[(start, end)]) > 1:
                    kind = "label"
                elif any(_overlapping([(start, end)], codings[c][label].chars) for c in others if label in codings[c]):
                    kind = "boundary"
                else:
                    kind = "only"
                found.append(Disagreement(article, label, start, end, who, kind))
        return found
