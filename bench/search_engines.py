"""Print top-20 search speed through PostgreSQL's GIN path and through the Tantivy index, on the same corpus.

Usage: python bench/search_engines.py --database-url URL [--articles 30000] [--runs 30] [--budget 20] [--fresh]
       [--check-hits] (also compare both engines' hits of every class, id by id)

The corpus is bench/scale.py's (its vocabulary, Zipf draws and languages), loaded here with COPY into one project
when the database holds fewer articles than asked. Both engines answer as the API list does for a project member:
the GIN path is `articles.selectors.search_articles` over the member's visible articles (match through the
expression index, ts_rank recomputed per hit, sorted, 20 taken); the Tantivy path is `articles.search_index.window`
(BM25 top 20 inside the index with the visibility filter, ids re-checked in PostgreSQL). Prints p50/p95 in ms per
query class, the index sizes per article beside the text's, the Tantivy build rate and the load average. In-process
(no HTTP), warm (every query runs once first). Never run as a test.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from api import _copy, bench_database_url, recreate_database, setup_django  # noqa: E402
from scale import LANGUAGES, VOCABULARY, article_text, percentile, vocabulary, zipf_weights  # noqa: E402


def load(count: int, seed: int = 7) -> tuple[int, dict]:
    """COPY the corpus in (topping up to `count`); the project id and the query of each class."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from annotations import services
    from articles.models import Article, Outlet
    from projects.models import Project

    rng = random.Random(seed)
    vocab = {code: vocabulary(code, rng) for code, _ in LANGUAGES}
    cumulative = zipf_weights(VOCABULARY)
    en, ru, ar = vocab["en"], vocab["ru"], vocab["ar"]
    queries = {
        "common": (en[0], None),
        "mid": (en[300], None),
        "rare": (en[15000], None),
        "phrase": (f'"{en[1]} {en[2]}"', None),
        "two terms": (f"{en[5]} {en[400]}", None),
        **{f"lang {code}": (vocab[code][100], None) for code in ("ru", "ar", "fr", "es", "de", "tr", "uk")},
        "ru inflected": (ru[100] + "ами", None),
        "ar named": (ar[100], "ar"),
    }
    project = Project.objects.filter(slug="engines-corpus").first()
    if project is None:
        admin, _ = get_user_model().objects.get_or_create(username="engines-admin")
        project = services.create_project(name="Engines corpus", slug="engines-corpus", created_by=admin)
    have = Article.objects.count()
    if have >= count:
        return project.pk, queries
    outlets = list(Outlet.objects.filter(domain__endswith=".engines.example")) or [
        Outlet.objects.create(name=f"Outlet {n}", domain=f"o{n}.engines.example") for n in range(40)
    ]
    codes, shares = [code for code, _ in LANGUAGES], [share for _, share in LANGUAGES]
    rng = random.Random(seed * 1_000_003 + have)  # a top-up draws new articles, not the first ones again
    now = "2025-01-01T00:00:00Z"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('article_search_gin'::regclass)")
        definition = cursor.fetchone()[0]
        cursor.execute("DROP INDEX article_search_gin")  # built once at the end, sorted: much faster
        cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM articles_snapshot")
        snapshot_id = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM articles_article")
        article_id = cursor.fetchone()[0]
        for first in range(have, count, 2000):
            snapshots, rows, links = [], [], []
            for n in range(first, min(first + 2000, count)):
                language = rng.choices(codes, weights=shares)[0]
                title, text = article_text(rng, vocab[language], cumulative, language)
                raw = f"engines {n} {rng.random()}".encode()
                published = f"20{rng.randint(15, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T12:00:00Z"
                snapshots.append((snapshot_id, "\\x" + raw.hex(), hashlib.sha256(raw).hexdigest(), len(raw),
                                  "text/plain", "utf-8", "", "", "{}", now, now))  # fmt: skip
                rows.append((article_id, snapshot_id, rng.choice(outlets).pk, "", "", title, "", published,
                             language, "", text, hashlib.sha256(text.encode()).hexdigest(), "{}", now))  # fmt: skip
                links.append((project.pk, article_id))
                snapshot_id += 1
                article_id += 1
            _copy(cursor, "articles_snapshot",
                  ["id", "raw", "sha256", "size", "content_type", "encoding", "source_url", "filename",
                   "http_headers", "captured_at", "imported_at"], snapshots)  # fmt: skip
            _copy(cursor, "articles_article",
                  ["id", "snapshot_id", "outlet_id", "url", "canonical_url", "title", "byline", "published_at",
                   "language", "lead", "text", "text_sha256", "metadata", "created_at"], rows)  # fmt: skip
            _copy(cursor, "annotations_project_articles", ["project_id", "article_id"], links)
            print(f"  {min(first + 2000, count):,} articles", file=sys.stderr)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        gin_started = time.perf_counter()
        cursor.execute(definition)
        print(f"GIN expression index built in {time.perf_counter() - gin_started:.1f} s", file=sys.stderr)
        for table in ("articles_snapshot", "articles_article"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608
        # The triggers queued the load for the index job; the rebuild below reads the table instead.
        cursor.execute("DELETE FROM articles_searchindexqueue")
        cursor.execute("DELETE FROM procrastinate_jobs WHERE task_name = 'articles.update_search_index'")
    print(f"loaded {count - have:,} articles at {(count - have) / (time.perf_counter() - started):,.0f}/s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return project.pk, queries


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

    project, queries = load(args.articles)
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
