"""Print body-text F1 of articles.extraction (cross-validated over sites), each voter's F1, title accuracy, CPU time.

Usage: python bench/extraction.py [--data DIR] [--folds 5] [--worst N] [--fit]

The metric is the one described in the data set's README.md: \\w+ tokens, 4-token shingles with
counts, per-page normalised TP/FP/FN, mean precision and mean recall, F1 of the two means.

Every extractor (voter) runs once per page on the same decoded, cleaned DOM; their votes on the page's blocks
are combined with weights and a threshold. The headline figure is cross-validated: pages are grouped by site
(host name), the sites split into folds, and for each fold the weights and threshold are chosen on the other
folds only and scored on this one. `--fit` prints the weights chosen on all pages, to copy into
articles/extraction/body.py (WEIGHTS); the in-sample F1 of those is printed for comparison only.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import re
import statistics
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from articles.extraction import ExtractionError, decode_bytes, extract_html, gunzip_if_needed  # noqa: E402
from articles.extraction.body import WEIGHTS, BodyVotes, decide  # noqa: E402
from articles.extraction.combine import Weights  # noqa: E402
from articles.extraction.html import html_votes  # noqa: E402
from articles.extraction.voters import VOTERS  # noqa: E402

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "extraction-benchmark"
TOKEN = re.compile(r"\w+")
SHINGLE_SIZE = 4
THRESHOLD_GRID = tuple(round(0.3 + 0.025 * step, 3) for step in range(21))  # 0.300 ... 0.800
OURS_ONLY = Weights(voters={"ours": 1.0}, threshold=0.5)


@dataclass
class Page:
    page_id: str
    url: str
    raw: bytes
    truth: str

    @property
    def site(self) -> str:
        return (urlsplit(self.url).hostname or self.page_id).lower().removeprefix("www.")


def shingles(text: str) -> collections.Counter:
    tokens = TOKEN.findall(text)
    return (
        collections.Counter(tuple(tokens[i : i + SHINGLE_SIZE]) for i in range(max(1, len(tokens) - SHINGLE_SIZE + 1)))
        if tokens
        else collections.Counter()
    )


def page_precision_recall(predicted: str, truth: str) -> tuple[float | None, float | None]:
    """Per-page precision and recall on 4-token shingles; None where the benchmark skips the page."""
    pred, true = shingles(predicted), shingles(truth)
    if not pred and not true:
        return 1.0, 1.0
    tp = sum((pred & true).values())
    fp = sum(pred.values()) - tp
    fn = sum(true.values()) - tp
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return precision, recall


def f1_of(scores: list[tuple[float | None, float | None]]) -> tuple[float, float, float]:
    """(F1, precision, recall) of the per-page means, as the benchmark defines them."""
    precisions = [p for p, _ in scores if p is not None]
    recalls = [r for _, r in scores if r is not None]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def line(name: str, scores: list[tuple[float | None, float | None]], extra: str = "") -> str:
    f1, p, r = f1_of(scores)
    return f"{name:<34} F1 {f1:.4f}  precision {p:.4f}  recall {r:.4f}{extra}"


@dataclass
class PageVotes:
    """One page's title and every voter's say on its body."""

    page: Page
    votes: BodyVotes
    title: str


def voter_scores(pages: list[PageVotes], name: str) -> list[tuple[float | None, float | None]]:
    return [page_precision_recall("\n".join(item.votes.outputs.get(name, [])), item.page.truth) for item in pages]


def fit(pages: list[PageVotes]) -> Weights:
    """Weights from each voter's reliability on these pages (log-odds of its F1), then the best threshold."""
    voters = {}
    for name in VOTERS:
        f1 = min(f1_of(voter_scores(pages, name))[0], 0.999)
        voters[name] = round(math.log(f1 / (1 - f1)), 2) if f1 > 0.5 else 0.0
    best, best_f1 = THRESHOLD_GRID[0], -1.0
    for threshold in THRESHOLD_GRID:
        f1 = f1_of(body_scores(pages, Weights(voters=voters, threshold=threshold)))[0]
        if f1 > best_f1 + 1e-9:  # ties go to the lower threshold, tried first
            best, best_f1 = threshold, f1
    return Weights(voters=voters, threshold=best)


def folds_by_site(pages: list[PageVotes], count: int) -> list[list[PageVotes]]:
    """Sites (sorted, dealt round-robin) into `count` folds; all pages of a site land in the same fold."""
    sites = sorted({page.page.site for page in pages})
    fold_of = {site: index % count for index, site in enumerate(sites)}
    folds: list[list[PageVotes]] = [[] for _ in range(count)]
    for page in pages:
        folds[fold_of[page.page.site]].append(page)
    return folds


def body_scores(pages: list[PageVotes], weights: Weights) -> list[tuple[float | None, float | None]]:
    return [page_precision_recall("\n".join(decide(page.votes, weights)), page.page.truth) for page in pages]


# --- titles ------------------------------------------------------------------------------------------


def title_words(text: str) -> list[str]:
    return [word.casefold() for word in TOKEN.findall(unicodedata.normalize("NFKC", text))]


def token_f1(first: str, second: str) -> float:
    a, b = collections.Counter(title_words(first)), collections.Counter(title_words(second))
    common = sum((a & b).values())
    if not common:
        return 0.0
    p, r = common / sum(a.values()), common / sum(b.values())
    return 2 * p * r / (p + r)


def load_pages(data: Path) -> list[Page]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Page(page_id, item["url"], (data / "pages" / f"{page_id}.html.gz").read_bytes(), item["articleBody"])
        for page_id, item in sorted(truth.items())
    ]


def timed_extract(page: Page, weights: Weights) -> tuple[str, str, float]:
    """(body, title, CPU ms) of the extractor as shipped, from bytes."""
    started = time.process_time()
    try:
        html, encoding = decode_bytes(gunzip_if_needed(page.raw))
        article = extract_html(html, url=page.url, encoding=encoding, weights=weights)
        text, title = article.text, article.title
    except ExtractionError:
        text, title = "", ""
    return text, title, (time.process_time() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchmark directory")
    parser.add_argument("--folds", type=int, default=5, help="folds of sites for cross-validation")
    parser.add_argument("--worst", type=int, default=0, metavar="N", help="list the N worst pages by F1")
    parser.add_argument("--fit", action="store_true", help="print the weights fitted on all pages")
    args = parser.parse_args()

    if not (args.data / "ground-truth.json").is_file():
        sys.exit(f"benchmark data not found: {args.data} (expected ground-truth.json and pages/)")
    pages = load_pages(args.data)
    print(f"{len(pages)} pages of {len({page.site for page in pages})} sites from {args.data}")

    # Every voter on every page, once.
    condensed = []
    for page in pages:
        html, _encoding = decode_bytes(gunzip_if_needed(page.raw))
        title, votes = html_votes(html, url=page.url)
        condensed.append(PageVotes(page, votes, title))
    for name in VOTERS:
        print(line(f"voter {name}", voter_scores(condensed, name)))

    # Cross-validation over sites: weights chosen on the other folds, scored on this one.
    held_out: list[tuple[float | None, float | None]] = []
    for index, fold in enumerate(folds_by_site(condensed, args.folds)):
        training = [page for page in condensed if page not in fold]
        weights = fit(training)
        held_out.extend(body_scores(fold, weights))
        chosen = " ".join(f"{name}={weight:g}" for name, weight in weights.voters.items())
        print(f"  fold {index + 1}: {len(fold)} pages, chose {chosen} threshold={weights.threshold:g}")
    print(line(f"COMBINED, {args.folds}-fold CV over sites", held_out))

    fitted = fit(condensed)
    print(line("combined, fitted on all (in-sample)", body_scores(condensed, fitted)))
    if args.fit:
        print(f"fitted on all pages: {fitted}")

    # The extractor as shipped (its WEIGHTS, skipping voters that could not change any block), and ours alone.
    shipped, alone = [], []
    for page in pages:
        shipped.append((page, *timed_extract(page, WEIGHTS)))
        alone.append(timed_extract(page, OURS_ONLY)[2])
    scores = [page_precision_recall(text, page.truth) for page, text, _title, _ms in shipped]
    ms = statistics.median(item[3] for item in shipped)
    print(line("shipped articles.extraction", scores, f"  CPU {ms:.1f} ms/page (median)"))
    print(f"{'our filters alone (no voting)':<34} CPU {statistics.median(alone):.1f} ms/page (median)")
    titles_file = Path(__file__).with_name("extraction_titles.json")
    references = json.loads(titles_file.read_text(encoding="utf-8"))
    exact = close = 0
    wrong = []
    for page, _text, title, _ms in shipped:
        reference = references[page.page_id]["headline"]
        exact += title_words(title) == title_words(reference)
        if token_f1(title, reference) >= 0.5:
            close += 1
        else:
            wrong.append(f"  title {title!r}, reference {reference!r}  {page.url}")
    print(
        f"titles against {titles_file.name}: exact (after normalisation) {exact}/{len(shipped)}, "
        f"token F1 >= 0.5 {close}/{len(shipped)}, clearly wrong {len(wrong)} ({len(wrong) / len(shipped):.1%})"
    )
    print("\n".join(wrong))
    if args.worst:
        ranked = sorted(zip(shipped, scores, strict=True), key=lambda item: f1_of([item[1]])[0])
        for (page, _text, _title, _ms), (p, r) in ranked[: args.worst]:
            print(f"  F1 {f1_of([(p, r)])[0]:.3f}  P {p or 0:.3f}  R {r or 0:.3f}  {page.page_id[:10]}  {page.url}")


if __name__ == "__main__":
    main()
