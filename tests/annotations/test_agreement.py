"""Agreement figures against the reference implementations: krippendorff.alpha and sklearn's cohen_kappa_score.

Codings are generated (seeded): several labels, spans that coders share exactly, shift, relabel or miss, and
for alpha also articles some coders did not code. The references are fed token by token, as the definitions say.
"""

import math
import random
import re
from itertools import combinations

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotations.agreement import Agreement

LABELS = ["ACTOR", "CLAIM", "SOURCE", "EVENT"]
WORDS = ["Haftar", "said", "Putin", "the", "Kremlin", "تحدث", "forces", "Tripoli", "é", "on", "Friday", "1,200", "—"]


def make_text(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(0, 60))]
    return " ".join(words) + rng.choice(["", ".", " !", "  "])


def random_span(rng: random.Random, text: str) -> tuple[str, int, int]:
    start = rng.randrange(len(text))
    end = min(len(text), start + rng.randint(1, 25))
    return rng.choice(LABELS), start, end


def make_study(seed: int, coders: int, articles: int = 6, missing: float = 0.0):
    """Texts and codings: a shared base coding per article, each coder keeps, moves, relabels or drops its spans."""
    rng = random.Random(seed)
    texts = {}
    for a in range(articles):
        text = make_text(rng)
        texts[a] = text if text.strip() else "x"
    codings = {c: {} for c in range(coders)}
    for article, text in texts.items():
        base = [random_span(rng, text) for _ in range(rng.randint(0, 8))]
        for coder in codings:
            if rng.random() < missing:
                continue
            spans = []
            for label, start, end in base:
                roll = rng.random()
                if roll < 0.55:
                    spans.append((label, start, end))
                elif roll < 0.7:
                    spans.append((label, max(0, start - rng.randint(0, 3)), end))
                elif roll < 0.8:
                    spans.append((rng.choice(LABELS), start, end))
            spans += [random_span(rng, text) for _ in range(rng.randint(0, 3))]
            codings[coder][article] = spans
    return texts, codings


# --- straightforward references --------------------------------------------------------------------------


def tokens(text):
    return [m.span() for m in re.finditer(r"\w+", text)]


def token_values(text, spans):
    """Per token, the set of labels of the spans overlapping it."""
    return [frozenset(label for label, s, e in spans if ts < e and s < te) for ts, te in tokens(text)]


def reference_f1_exact(texts, codings, a, b, label=None):
    sa, sb = set(), set()
    for article in texts:
        if article in codings[a] and article in codings[b]:
            sa |= {(article, *s) for s in codings[a][article] if label in (None, s[0])}
            sb |= {(article, *s) for s in codings[b][article] if label in (None, s[0])}
    if not sa and not sb:
        return None
    return 2 * len(sa & sb) / (len(sa) + len(sb))


def reference_f1_overlap(texts, codings, a, b, label=None):
    sa, sb = set(), set()
    for article in texts:
        if article in codings[a] and article in codings[b]:
            sa |= {(article, *s) for s in codings[a][article] if label in (None, s[0])}
            sb |= {(article, *s) for s in codings[b][article] if label in (None, s[0])}
    if not sa and not sb:
        return None
    if not sa or not sb:
        return 0.0

    def hits(x, y):
        return sum(any(ya == xa and yl == xl and ys < xe and xs < ye for ya, yl, ys, ye in y) for xa, xl, xs, xe in x)

    p, r = hits(sa, sb) / len(sa), hits(sb, sa) / len(sb)
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def reference_kappa(texts, codings, a, b, label):
    va, vb = [], []
    for article, text in texts.items():
        if article in codings[a] and article in codings[b]:
            va += [int(label in v) for v in token_values(text, codings[a][article])]
            vb += [int(label in v) for v in token_values(text, codings[b][article])]
    if not va:
        return None
    with np.errstate(all="ignore"):
        value = cohen_kappa_score(va, vb)
    return None if math.isnan(value) else float(value)


def reference_alpha(texts, codings, coders, label=None):
    """krippendorff.alpha over coders x tokens; in overall each distinct label set is mapped to an integer code."""
    codes: dict = {}
    rows = []
    for coder in coders:
        row = []
        for article, text in texts.items():
            n = len(tokens(text))
            if article not in codings[coder]:
                row += [np.nan] * n
                continue
            for value in token_values(text, codings[coder][article]):
                row.append(float(label in value) if label else float(codes.setdefault(value, len(codes))))
        rows.append(row)
    data = np.array(rows, dtype=float)
    try:
        with np.errstate(all="ignore"):
            value = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    except ValueError:  # fewer than two values in the domain, or no unit with two values
        return None
    return None if math.isnan(value) else float(value)


def mean(values):
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def assert_close(got, expected, what):
    if expected is None:
        assert got is None, f"{what}: expected null, got {got}"
    else:
        assert got is not None, f"{what}: got null, expected {expected}"
        assert abs(got - expected) <= 1e-9, f"{what}: {got} != {expected}"


def check_every_figure(texts, codings, coders):
    result = Agreement(texts, codings, labels=LABELS).figures(coders)
    pairs = list(combinations(coders, 2))
    for label in LABELS:
        got = result["labels"][label]
        assert_close(got["f1_exact"], mean(reference_f1_exact(texts, codings, a, b, label) for a, b in pairs), label)
        assert_close(
            got["f1_overlap"], mean(reference_f1_overlap(texts, codings, a, b, label) for a, b in pairs), label
        )
        assert_close(got["kappa_tokens"], mean(reference_kappa(texts, codings, a, b, label) for a, b in pairs), label)
        assert_close(got["alpha_tokens"], reference_alpha(texts, codings, coders, label), label)
    overall = result["overall"]
    assert_close(overall["f1_exact"], mean(reference_f1_exact(texts, codings, a, b) for a, b in pairs), "overall")
    assert_close(overall["f1_overlap"], mean(reference_f1_overlap(texts, codings, a, b) for a, b in pairs), "overall")
    assert_close(overall["alpha_tokens"], reference_alpha(texts, codings, coders), "overall")
    return result


@pytest.mark.parametrize("seed", range(12))
def test_double_codings_match_the_references(seed):
    texts, codings = make_study(seed, coders=2)
    check_every_figure(texts, codings, [0, 1])


@pytest.mark.parametrize("seed", range(8))
def test_triple_codings_match_the_references(seed):
    texts, codings = make_study(100 + seed, coders=3)
    check_every_figure(texts, codings, [0, 1, 2])


@pytest.mark.parametrize("seed", range(8))
def test_missing_codings_are_missing_values_for_alpha(seed):
    texts, codings = make_study(200 + seed, coders=3, articles=8, missing=0.3)
    assert any(len(c) < len(texts) for c in codings.values())
    check_every_figure(texts, codings, [0, 1, 2])


def test_larger_study_with_four_coders_matches_the_references():
    texts, codings = make_study(7, coders=4, articles=25)
    check_every_figure(texts, codings, [0, 1, 2, 3])


def test_identical_codings_agree_perfectly():
    text = "Khalifa Haftar thanked Vladimir Putin, the Kremlin said on Friday."
    spans = [("ACTOR", 0, 14), ("ACTOR", 23, 37), ("SOURCE", 39, 50)]
    result = Agreement({1: text}, {"a": {1: spans}, "b": {1: list(spans)}}, labels=["ACTOR", "SOURCE"]).figures()
    assert result["labels"]["ACTOR"] == {"f1_exact": 1.0, "f1_overlap": 1.0, "kappa_tokens": 1.0, "alpha_tokens": 1.0}
    assert result["overall"] == {"f1_exact": 1.0, "f1_overlap": 1.0, "alpha_tokens": 1.0}


def test_undefined_figures_are_none():
    text = "Khalifa Haftar thanked Vladimir Putin."
    result = Agreement({1: text}, {"a": {1: []}, "b": {1: []}}, labels=["ACTOR"]).figures()
    assert result["articles"] == 1
    assert result["labels"]["ACTOR"] == {
        "f1_exact": None,
        "f1_overlap": None,
        "kappa_tokens": None,
        "alpha_tokens": None,
    }
    assert result["overall"] == {"f1_exact": None, "f1_overlap": None, "alpha_tokens": None}


def test_one_coder_marking_nothing_scores_zero_f1():
    text = "Khalifa Haftar thanked Vladimir Putin."
    result = Agreement({1: text}, {"a": {1: [("ACTOR", 0, 14)]}, "b": {1: []}}, labels=["ACTOR"]).figures()
    assert result["labels"]["ACTOR"]["f1_exact"] == 0.0
    assert result["labels"]["ACTOR"]["f1_overlap"] == 0.0


def test_a_span_over_punctuation_covers_no_token():
    text = "Haftar -- Putin"
    result = Agreement({1: text}, {"a": {1: [("ACTOR", 7, 9)]}, "b": {1: []}}, labels=["ACTOR"]).figures()
    assert result["labels"]["ACTOR"]["kappa_tokens"] is None  # no token inside: neither vector varies
    assert result["labels"]["ACTOR"]["f1_exact"] == 0.0


def test_disagreements_name_their_kind():
    text = "Khalifa Haftar thanked Vladimir Putin, the Kremlin said on Friday."
    a = [("ACTOR", 0, 14), ("ACTOR", 23, 37), ("SOURCE", 39, 50), ("CLAIM", 51, 65)]
    b = [("ACTOR", 0, 14), ("ACTOR", 31, 37), ("ACTOR", 39, 50)]
    found = Agreement({1: text}, {"a": {1: a}, "b": {1: b}}).disagreements()
    kinds = {(d.label, d.start, d.end): (d.kind, d.coders) for d in found}
    assert kinds == {
        ("ACTOR", 23, 37): ("boundary", ["a"]),
        ("ACTOR", 31, 37): ("boundary", ["b"]),
        ("SOURCE", 39, 50): ("label", ["a"]),
        ("ACTOR", 39, 50): ("label", ["b"]),
        ("CLAIM", 51, 65): ("only", ["a"]),
    }
