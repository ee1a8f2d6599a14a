"""Print the end-to-end import rate (articles/s) beside the raw extraction rate of the same pages.

Usage: python bench/import.py [--data DIR] [--copies N] [--jobs 1 2] [--segments 4]

The 91 sample pages are repeated (22 copies by default: 2,002 pages), each copy made distinct in its bytes
(an HTML comment with the copy number) and in its text (a sentence naming the copy, put inside the article text
longest paragraph), and written to a temporary folder as .html.gz. For each --jobs value, in the same run,
alternating over --segments parts of the corpus so that a change in the machine's load hits both alike:

- raw extraction: `extract()` over the same gzipped bytes, already in memory, in that many processes;
- end to end: `run_import()` of the folders (what `manage.py import_articles DIR --jobs N` does: read,
  extract, archive snapshots and articles, record the batch), starting from an empty archive.

The database is `<name of DATABASE_URL's database>_bench_import` (or of the embedded server's), dropped and
created by this script. Target: end to end at least 80% of the raw extraction rate at the same parallelism.

Wall-clock rates move with whatever else the machine runs; the Python CPU milliseconds per page (this process
and its worker processes; PostgreSQL's own work is not counted) move less, and show what the import adds to
extraction on the Python side.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import multiprocessing
import os
import re
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "extraction-benchmark"
PARAGRAPH = re.compile(rb"<p[\s>].*?</p>", re.IGNORECASE | re.DOTALL)


def bench_database_url() -> str:
    """A fresh database beside the configured one, so the bench never touches real data."""
    from api import recreate_database

    from newsarchive.db import database_url

    parts = urlsplit(database_url())
    url = urlunsplit(parts._replace(path=f"/{parts.path.lstrip('/') or 'newsarchive'}_bench_import"))
    recreate_database(url)
    return url


def split_point(html: bytes) -> tuple[str, str, str]:
    """The page decoded and cut right after text that the extractor keeps, so a sentence put there is extracted."""
    from articles.extraction import ExtractionError, extract

    try:
        article = extract(html)
    except ExtractionError:
        article = None
    encoding = (article.encoding if article else "") or "utf-8"
    decoded = html.decode(encoding, errors="surrogateescape")
    probe = " Probe sentence for the import benchmark."
    paragraphs = sorted(article.text.split("\n\n"), key=len, reverse=True) if article else []
    for paragraph in paragraphs[:10]:
        for length in (40, 25, 15):
            tail = paragraph.strip()[-length:]
            at = decoded.find(tail) if len(tail) >= 10 else -1
            if at >= 0:
                cut = at + len(tail)
                candidate = (decoded[:cut] + probe + decoded[cut:]).encode(encoding, errors="surrogateescape")
                if probe.strip() in extract(candidate).text:
                    return decoded[:cut], decoded[cut:], encoding
                break
    # No such place found: the longest <p>, which the extractor usually keeps.
    paragraphs_html = list(PARAGRAPH.finditer(html))
    if paragraphs_html:
        cut = max(paragraphs_html, key=lambda match: match.end() - match.start()).end() - len(b"</p>")
    else:
        cut = len(html)
    return html[:cut].decode("latin-1"), html[cut:].decode("latin-1"), "latin-1"


def make_copy(parts: tuple[str, str, str], copy: int) -> bytes:
    """A copy with a sentence naming it inside the article text, and a comment with its number at the end."""
    before, after, encoding = parts
    sentence = f" This is copy {copy} of the page, made for the import benchmark."
    html = (before + sentence + after).encode(encoding, errors="surrogateescape")
    return html + f"\n<!-- benchmark copy {copy} -->\n".encode()


def write_corpus(pages: list[Path], copies: int, folder: Path) -> list[bytes]:
    """Write the repeated pages as .html.gz files; return their bytes in import order."""
    parts = [split_point(gzip.decompress(page.read_bytes())) for page in pages]
    corpus = []
    for copy in range(copies):
        sub = folder / f"copy-{copy:03d}"
        sub.mkdir()
        for page, page_parts in zip(pages, parts, strict=True):
            raw = gzip.compress(make_copy(page_parts, copy), compresslevel=6, mtime=0)
            (sub / page.name).write_bytes(raw)
            corpus.append(raw)
    return corpus


def _extract_length(raw: bytes) -> int:
    from articles.extraction import ExtractionError, extract

    try:
        return len(extract(raw).text)
    except ExtractionError:
        return -1


def cpu_seconds() -> float:
    """CPU time of this process (all its threads) and of its finished children (the worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def raw_extraction_seconds(corpus: list[bytes], jobs: int) -> tuple[float, float, int]:
    """Wall and CPU seconds of extract() alone over in-memory bytes in `jobs` processes, and its failures."""
    cpu = cpu_seconds()
    started = time.perf_counter()
    if jobs == 1:
        lengths = [_extract_length(raw) for raw in corpus]
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            lengths = list(pool.map(_extract_length, corpus, chunksize=4))
    wall = time.perf_counter() - started
    return wall, cpu_seconds() - cpu, sum(1 for length in lengths if length < 0)


def empty_archive() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE articles_article, articles_snapshot, articles_outlet, articles_importbatch "
            "RESTART IDENTITY CASCADE"
        )
        cursor.execute("VACUUM ANALYZE")


def end_to_end_seconds(folders: list[Path], jobs: int) -> tuple[float, float, dict[str, int]]:
    """Wall and CPU seconds run_import() takes to archive the folders' pages, and its outcome counts."""
    from articles.importers import iter_sources
    from articles.services import batch_results, outcome_counts, run_import

    cpu = cpu_seconds()
    started = time.perf_counter()
    batch = run_import(items=iter_sources([str(folder) for folder in folders]), jobs=jobs, source="bench")
    wall = time.perf_counter() - started
    return wall, cpu_seconds() - cpu, outcome_counts(batch_results(batch))


def measure(folder: Path, corpus: list[bytes], copies: int, jobs: int, segments: int) -> dict[str, float | str]:
    """Raw and end-to-end figures at one parallelism, alternating the two over segments so load changes hit both."""
    from articles.models import Article

    empty_archive()
    per_copy = len(corpus) // copies
    raw_wall = raw_cpu = e2e_wall = e2e_cpu = 0.0
    raw_failures = 0
    totals: dict[str, int] = {}
    bounds = [round(copies * part / segments) for part in range(segments + 1)]
    for first, last in itertools.pairwise(bounds):
        if first == last:
            continue
        wall, cpu, failures = raw_extraction_seconds(corpus[first * per_copy : last * per_copy], jobs)
        raw_wall, raw_cpu, raw_failures = raw_wall + wall, raw_cpu + cpu, raw_failures + failures
        wall, cpu, counts = end_to_end_seconds([folder / f"copy-{copy:03d}" for copy in range(first, last)], jobs)
        e2e_wall, e2e_cpu = e2e_wall + wall, e2e_cpu + cpu
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
    stored = Article.objects.count()
    totals["distinct texts"] = Article.objects.values("text_sha256").distinct().count()
    outcomes = ", ".join(f"{key} {value}" for key, value in totals.items() if value)
    if raw_failures:
        outcomes += f"; extraction failed on {raw_failures}"
    return {
        "raw_rate": len(corpus) / raw_wall,
        "e2e_rate": stored / e2e_wall,
        "raw_cpu_ms": raw_cpu / len(corpus) * 1000,
        "e2e_cpu_ms": e2e_cpu / stored * 1000,
        "outcomes": outcomes,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="The extraction-benchmark folder")
    parser.add_argument("--copies", type=int, default=22, help="Copies of each page (22 x 91 = 2,002 pages)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="Parallelism to measure")
    parser.add_argument(
        "--segments", type=int, default=4, help="Alternate raw and end-to-end runs over this many parts of the corpus"
    )
    args = parser.parse_args()

    pages = sorted((args.data / "pages").glob("*.html.gz"))
    if not pages:
        print(f"no pages in {args.data / 'pages'}", file=sys.stderr)
        return 2

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    os.environ["DATABASE_URL"] = bench_database_url()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)

    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = Path(tmp)
        corpus = write_corpus(pages, args.copies, folder)
        print(f"{len(corpus)} pages ({len(pages)} samples x {args.copies} copies), {os.cpu_count()} cores")
        print(
            f"{'jobs':>4}  {'raw extraction':>16}  {'end to end':>14}  {'ratio':>6}  "
            f"{'py CPU ms/page raw':>18}  {'end to end':>10}  outcomes"
        )
        for jobs in args.jobs:
            figures = measure(folder, corpus, args.copies, jobs, args.segments)
            ratio = figures["e2e_rate"] / figures["raw_rate"]
            print(
                f"{jobs:>4}  {figures['raw_rate']:>10.1f} pages/s  {figures['e2e_rate']:>7.1f} art./s  {ratio:>6.0%}  "
                f"{figures['raw_cpu_ms']:>18.1f}  {figures['e2e_cpu_ms']:>10.1f}  {figures['outcomes']}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
