"""Print body-text precision, recall, F1 and CPU time of articles.extraction on the sample pages.

Usage: python bench/extraction.py [--data DIR] [--baseline] [--worst N]

The metric is the one described in the data set's README.md: \\w+ tokens, 4-token shingles with
counts, per-page normalised TP/FP/FN, mean precision and mean recall, F1 of the two means.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from articles.extraction import ExtractionError, extract  # noqa: E402

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "extraction-benchmark"
TOKEN = re.compile(r"\w+")
SHINGLE_SIZE = 4


@dataclass
class PageScore:
    page_id: str
    url: str
    precision: float | None
    recall: float | None
    cpu_ms: float

    @property
    def f1(self) -> float:
        p, r = self.precision or 0.0, self.recall or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0


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


def run_ours(raw: bytes, url: str) -> str:
    try:
        return extract(raw, url=url).text
    except ExtractionError:
        return ""


def run_trafilatura_precision(raw: bytes, url: str) -> str:
    import trafilatura

    html = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    # include_comments=False reproduces the README's baseline figures (comments are not article text).
    return trafilatura.extract(html, url=url, favor_precision=True, include_comments=False) or ""


def score(pages: list[tuple[str, str, bytes, str]], extractor: Callable[[bytes, str], str]) -> list[PageScore]:
    scores = []
    for page_id, url, raw, truth in pages:
        started = time.process_time()
        predicted = extractor(raw, url)
        cpu_ms = (time.process_time() - started) * 1000
        precision, recall = page_precision_recall(predicted, truth)
        scores.append(PageScore(page_id, url, precision, recall, cpu_ms))
    return scores


def summary(name: str, scores: list[PageScore]) -> str:
    precisions = [s.precision for s in scores if s.precision is not None]
    recalls = [s.recall for s in scores if s.recall is not None]
    p, r = statistics.mean(precisions), statistics.mean(recalls)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    ms = statistics.median(s.cpu_ms for s in scores)
    return f"{name:<28} F1 {f1:.4f}  precision {p:.4f}  recall {r:.4f}  CPU {ms:.1f} ms/page (median)"


def load_pages(data: Path) -> list[tuple[str, str, bytes, str]]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        (page_id, item["url"], (data / "pages" / f"{page_id}.html.gz").read_bytes(), item["articleBody"])
        for page_id, item in sorted(truth.items())
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchmark directory")
    parser.add_argument("--baseline", action="store_true", help="also score trafilatura favor_precision")
    parser.add_argument("--worst", type=int, default=0, metavar="N", help="list the N worst pages by F1")
    args = parser.parse_args()

    if not (args.data / "ground-truth.json").is_file():
        sys.exit(f"benchmark data not found: {args.data} (expected ground-truth.json and pages/)")
    pages = load_pages(args.data)
    print(f"{len(pages)} pages from {args.data}")

    ours = score(pages, run_ours)
    print(summary("articles.extraction", ours))
    if args.baseline:
        print(summary("trafilatura favor_precision", score(pages, run_trafilatura_precision)))
    for page in sorted(ours, key=lambda s: s.f1)[: args.worst]:
        p, r = page.precision or 0.0, page.recall or 0.0
        print(f"  F1 {page.f1:.3f}  P {p:.3f}  R {r:.3f}  {page.page_id[:10]}  {page.url}")


if __name__ == "__main__":
    main()
