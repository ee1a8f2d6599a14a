"""Print top-20 search speed through PostgreSQL's GIN path and through the Tantivy index, on the same corpus.

Usage: python bench/search_engines.py --database-url URL [--articles 30000] [--runs 30] [--budget 20] [--fresh]
       [--load-workers N]
       [--check-hits] (also compare both engines' hits of every class, id by id)

The corpus is bench/scale.py's (`scale.corpus`: built by its loader, bench/scale_corpus.py, the first time a
database is used, then kept; --fresh starts again). Both engines answer as the API list does for a project member:
the GIN path is `articles.selectors.search_articles` over the member's visible articles (match through the
expression index, ts_rank recomputed per hit, sorted, 20 taken); the Tantivy path is `articles.search_index.window`
(BM25 top 20 inside the index with the visibility filter, ids re-checked in PostgreSQL). Prints p50/p95 in ms per
query class, the index sizes per article beside the text's, the Tantivy build rate and the load average. In-process
(no HTTP), warm (every query runs once first). Never run as a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from api import bench_database_url, recreate_database, setup_django  # noqa: E402
from scale import percentile  # noqa: E402


def load(count: int, url: str, workers: int | None) -> tuple[int, dict]:
    """bench/scale.py's corpus of this database (built by its loader the first time); the project id and the query
    of each class as (text, language)."""
    import scale

    state = scale.corpus(count, url, workers=workers)
    queries = {
        name: tuple(query) if isinstance(query, list) else (query, None) for name, query in state["queries"].items()
    }
    return state["project"], queries


def sizes(index_bytes: int) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), avg(octet_length(text) + octet_length(title)), avg(pg_column_size(text)),"
            " pg_relation_size('article_search_gin'), pg_total_relation_size('articles_article') FROM articles_article"
        )
        n, text, stored, gin, total = (float(value) for value in cursor.fetchone())
    return {
        "articles": int(n),
        "text bytes/article": round(text),
        "text stored (compressed) bytes/article": round(stored),
        "GIN expression index bytes/article": round(gin / n),
        "Tantivy index bytes/article": round(index_bytes / n),
        "search structures (GIN + Tantivy) / text": round((gin + index_bytes) / n / text, 2),
        "articles table total bytes/article": round(total / n),
    }


def explain(query: str, project: int) -> str:
    from django.db import connection

    from articles.models import Article
    from articles.selectors import search_articles

    queryset = search_articles(Article.objects.filter(projects=project), query, snippets=False)[:20]
    sql, params = queryset.values_list("pk", flat=True).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return "uses article_search_gin" if "article_search_gin" in plan else "DOES NOT use the index:\n" + plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--articles", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--budget", type=float, default=20, help="seconds per class and engine (past --min-runs)")
    parser.add_argument("--min-runs", type=int, default=5)
    parser.add_argument("--check-hits", action="store_true", help="also compare every class's hits id by id")
    parser.add_argument("--load-workers", type=int, help="processes generating the corpus (default: cores + 1)")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the bench database first")
    parser.add_argument("--index", help="the index folder (default: a temporary one)")
    args = parser.parse_args()
    url = bench_database_url(args.database_url)
    if args.fresh:
        recreate_database(url)
    folder = args.index or tempfile.mkdtemp(prefix="newsarchive-engines-")
    os.environ["NEWSARCHIVE_SEARCH_INDEX"] = folder
    os.environ["NEWSARCHIVE_SEARCH_ENGINE"] = "tantivy"
    setup_django(url)
    from articles import search_index
    from articles.models import Article
    from articles.selectors import search_articles

    project, queries = load(args.articles, url, args.load_workers)
    n = Article.objects.count()
    started = time.perf_counter()
    search_index.rebuild(batch=5000)
    built = time.perf_counter() - started
    print(f"Tantivy index: {n:,} articles in {built:.1f} s ({n / built:,.0f} articles/s), {folder}")
    index = search_index.ready_index()
    assert index is not None
    visible = Article.objects.filter(projects=project)
    filters = search_index.Filters(projects={project})

    def gin(query, language):
        return list(search_articles(visible, query, language=language, snippets=False).values_list("pk", "rank")[:20])

    def tantivy(query, language):
        return search_index.window(
            index,
            query,
            language=language,
            filters=filters,
            size=20,
            alive=lambda ids: set(visible.filter(pk__in=ids).values_list("pk", flat=True)),
        ).hits

    print(f"GIN path plan (rare): {explain(queries['rare'][0], project)}")
    print(f"{'class':<14} {'hits':>7} | {'GIN p50':>8} {'p95':>8} | {'Tantivy p50':>11} {'p95':>8}  (ms)")
    for name, (query, language) in queries.items():
        hits = search_index.window(
            index, query, language=language, filters=filters, size=20, alive=lambda ids: set(ids)
        ).count
        timings, runs = {}, {}
        for engine, run in (("gin", gin), ("tantivy", tantivy)):
            run(query, language)  # warm
            values = []
            while len(values) < args.runs and (len(values) < args.min_runs or sum(values) < args.budget * 1000):
                started = time.perf_counter()
                run(query, language)
                values.append((time.perf_counter() - started) * 1000)
            runs[engine] = len(values)
            timings[engine] = (statistics.median(values), percentile(values, 0.95))
        print(
            f"{name:<14} {hits:>7} | {timings['gin'][0]:>8.1f} {timings['gin'][1]:>8.1f} |"
            f" {timings['tantivy'][0]:>11.1f} {timings['tantivy'][1]:>8.1f}"
            + (f"  (GIN: {runs['gin']} runs)" if runs["gin"] < runs["tantivy"] else "")
        )
    if args.check_hits:
        from articles.search import match_query
        from articles.selectors import with_vector

        for name, (query, language) in queries.items():
            gin_ids = set(
                with_vector(visible).filter(search=match_query(query, language=language)).values_list("pk", flat=True)
            )
            found = index.searcher().search(
                search_index.build_query(index, query, language=language, filters=filters), 10_000_000
            )
            index_ids = set(index.searcher().fast_field_values("id", [address for _, address in found.hits]))
            verdict = "same hits" if gin_ids == index_ids else f"DIFFER: {len(gin_ids ^ index_ids)} ids in one only"
            print(f"{name:<14} GIN {len(gin_ids):>7} Tantivy {len(index_ids):>7}: {verdict}")
    for key, value in sizes(search_index.size_on_disk()).items():
        print(f"{key}: {value:,}")
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
