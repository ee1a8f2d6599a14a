"""Print the API's speed on a generated corpus: article pages with annotations, creating a span, JSON Lines
export, full-text search.

Usage: python bench/api.py [--database-url URL] [--articles 10000] [--per-article 50] [--fresh] [--runs 30]

The corpus (N articles of ~4 KB, each with M annotations: 60% ACTOR spans linked to an actor, 20% SOURCE
spans with an attribution, 20% CLAIM spans with a claimant) is written with COPY into its own database,
`<DATABASE_URL's database>_bench_api` unless --database-url names one, and kept between runs (--fresh
rebuilds it). Before measuring, the spans' JSON caches are refreshed (`refresh_span_cache`, a no-op when they
are warm). Requests go through the whole Django/DRF stack in process (test client, token auth), without
a network hop. Targets: a page of 100 articles with their annotations <= 50 ms median with a query count
that does not grow with the page size; creating one annotation <= 20 ms median; export >= 5,000 articles/s.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

WORDS = (  # noqa: SIM905
    "the of and to in a is that for on with as was by said at from his it an were are which this be has have "
    "had not but after been its their they who more other two one over government forces military city "
    "killed attack strike troops fighting ceasefire talks minister president army rebels militia civilians "
    "officials reported according statement spokesman border offensive withdrawal sanctions humanitarian aid "
    "refugees displaced village province capital airport port oil field drone missile artillery shelling "
    "negotiations agreement united nations security council envoy ambassador embassy foreign ministry defence "
    "commander general colonel soldiers wounded casualties hospital school market bridge road convoy checkpoint "
    "election parliament coalition opposition protest demonstrators police arrested detained released prisoners "
    "hostages exchange weapons ammunition supply support accused denied claimed condemned warned threatened "
    "pledged announced confirmed rejected welcomed blamed responsibility investigation report evidence witnesses"
).split()
PLACES = "Tripoli Benghazi Sirte Misrata Aleppo Idlib Kharkiv Donetsk Mariupol Khartoum Darfur Gaza Sanaa Aden".split()  # noqa: SIM905
ACTORS = [
    "Khalifa Haftar", "Vladimir Putin", "Libyan National Army", "Government of National Accord", "Wagner Group",
    "United Nations", "Rapid Support Forces", "Sudanese Armed Forces", "Houthis", "Hamas", "Israel Defense Forces",
    "Ukrainian Armed Forces", "Russian Armed Forces", "Turkey", "Egypt", "United Arab Emirates", "Qatar",
    "European Union", "African Union", "Amnesty International",
]  # fmt: skip
SEARCHES = [
    "ceasefire", "Haftar", "drone strike", '"security council"', "Tripoli OR Benghazi", "ceasefire -talks",
    "humanitarian aid", "oil field", "Wagner", "prisoners exchange", "missile", '"foreign ministry" statement',
    "refugees displaced", "hospital shelling", "election -parliament", "Kharkiv", "Gaza OR Sanaa",
    "sanctions warned", "convoy checkpoint", "hostages", "artillery", "negotiations agreement", "ambassador",
    "protest police", "withdrawal", "accused denied", "Darfur", '"Rapid Support Forces"', "Aden port",
    "airport attack", "colonel", "investigation evidence", "Sirte -Misrata", "village", "bridge road",
    "defence minister", "casualties wounded", "coalition opposition", "Mariupol", "envoy talks",
    "supply weapons ammunition", "commander general", "civilians killed", "statement spokesman", "Idlib",
    "Khartoum OR Darfur", "embassy", "released detained", "responsibility", "xylophone",
]  # fmt: skip


def bench_database_url(explicit: str | None) -> str:
    """The bench's own database (created when missing), never the configured one."""
    from newsarchive.db import database_url, ensure_database

    if explicit:
        url = explicit
    else:
        parts = urlsplit(database_url())
        url = urlunsplit(parts._replace(path=f"/{parts.path.lstrip('/') or 'newsarchive'}_bench_api"))
    if url.startswith("postgresql://") and "host=" not in url:
        ensure_database(url)
    return url


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _esc(value: object) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def _copy(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_esc(value) for value in row) + "\n")
    buffer.seek(0)
    quoted = ", ".join(f'"{column}"' for column in columns)
    statement = f"COPY {table} ({quoted}) FROM STDIN"
    copy_expert = getattr(cursor, "copy_expert", None)  # psycopg2
    if copy_expert is not None:
        copy_expert(statement, buffer)
    else:  # psycopg 3, which Django uses when it is installed (procrastinate brings it)
        with cursor.copy(statement) as stream:
            stream.write(buffer.getvalue())


def _next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 (constant table names)
    return cursor.fetchone()[0]


def _article_text(rng: random.Random, target: int) -> str:
    paragraphs, size = [], 0
    while size < target:
        words = [
            rng.choice(PLACES) if roll < 0.04 else rng.choice(ACTORS) if roll < 0.08 else rng.choice(WORDS)
            for roll in (rng.random() for _ in range(rng.randint(40, 90)))
        ]
        paragraph = " ".join(words).capitalize() + "."
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def _spans(rng: random.Random, text: str, count: int) -> list[tuple[int, int]]:
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == " "]
    spans = []
    for start in sorted(rng.sample(starts, min(count, len(starts)))):
        end = start
        for _ in range(rng.randint(1, 4)):
            nxt = text.find(" ", end + 1)
            end = len(text) if nxt == -1 else nxt
        if end > start:
            spans.append((start, end))
    return spans


def generate(articles: int, per_article: int, seed: int = 1) -> None:
    """Write the corpus with COPY: outlets, snapshots, articles, a project, actors, spans and their details."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from annotations import services
    from annotations.models import Actor, Label
    from articles.models import Outlet
    from projects.models import Membership

    rng = random.Random(seed)
    user_model = get_user_model()
    annotators = []
    for n in range(5):
        user, _ = user_model.objects.get_or_create(username=f"bench-annotator-{n}")
        annotators.append(user)
    admin, _ = user_model.objects.get_or_create(username="bench-admin")
    project = services.create_project(name="Bench corpus", slug="bench-corpus", created_by=admin)
    for user in annotators:
        Membership.objects.create(project=project, user=user, role=Membership.Role.ANNOTATOR)
    labels = {label.kind: label.pk for label in Label.objects.filter(project=project)}
    outlets = [
        Outlet.objects.create(name=f"Bench outlet {n}", domain=f"outlet{n}.bench.example", kind="newspaper")
        for n in range(20)
    ]
    actor_ids = [
        services.create_actor(name=name, kind="group", aliases=[name.split()[-1] + " (alias)"]).pk for name in ACTORS
    ]
    actor_ids += [a.pk for a in Actor.objects.bulk_create(Actor(name=f"Actor {n}", kind="person") for n in range(480))]
    now = timezone.now().isoformat()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        snapshot_id, article_id = _next_id(cursor, "articles_snapshot"), _next_id(cursor, "articles_article")
        annotation_id = _next_id(cursor, "annotations_annotation")
        batch = 1000
        for first in range(0, articles, batch):
            snapshots, rows, members, spans, links, sources, claims = [], [], [], [], [], [], []
            for n in range(first, min(first + batch, articles)):
                text = _article_text(rng, 4000)
                raw = f"<html><body><h1>Bench article {n}</h1><p>{text}</p></body></html>".encode()
                published = f"20{rng.randint(15, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T12:00:00Z"
                snapshots.append(
                    (snapshot_id, "\\x" + raw.hex(), hashlib.sha256(raw).hexdigest(), len(raw), "text/html",
                     "utf-8", f"https://bench.example/{n}", "", "{}", now, now)
                )  # fmt: skip
                rows.append(
                    (article_id, snapshot_id, rng.choice(outlets).pk, f"https://bench.example/{n}", "",
                     f"Bench article {n}: {' '.join(rng.sample(WORDS, 6))}", "", published, "en", "", text,
                     hashlib.sha256(text.encode()).hexdigest(), "{}", now)
                )  # fmt: skip
                members.append((project.pk, article_id))
                coder = rng.choice(annotators).pk
                for start, end in _spans(rng, text, per_article):
                    roll = rng.random()
                    kind = "actor" if roll < 0.6 else "source" if roll < 0.8 else "claim"
                    spans.append(
                        (annotation_id, project.pk, article_id, labels[kind], coder, start, end, text[start:end],
                         text[max(0, start - 32):start], text[end:end + 32],
                         rng.choice(["draft", "submitted", "accepted"]), "", "{}", now, now)
                    )  # fmt: skip
                    if kind == "actor":
                        links.append((annotation_id, rng.choice(actor_ids)))
                    elif kind == "source":
                        sources.append((annotation_id, "official_statement", "named", "said", ""))
                    else:
                        claims.append(
                            (annotation_id, rng.choice(actor_ids), False, "indirect", "neutral", "unverified", "")
                        )
                    annotation_id += 1
                snapshot_id += 1
                article_id += 1
            _copy(cursor, "articles_snapshot",
                  ["id", "raw", "sha256", "size", "content_type", "encoding", "source_url", "filename",
                   "http_headers", "captured_at", "imported_at"], snapshots)  # fmt: skip
            _copy(cursor, "articles_article",
                  ["id", "snapshot_id", "outlet_id", "url", "canonical_url", "title", "byline", "published_at",
                   "language", "lead", "text", "text_sha256", "metadata", "created_at"], rows)  # fmt: skip
            _copy(cursor, "annotations_project_articles", ["project_id", "article_id"], members)
            _copy(cursor, "annotations_annotation",
                  ["id", "project_id", "article_id", "label_id", "annotator_id", "start", "end", "quote", "prefix",
                   "suffix", "status", "note", "attributes", "created_at", "updated_at"], spans)  # fmt: skip
            _copy(cursor, "annotations_actorlink", ["annotation_id", "actor_id"], links)
            _copy(cursor, "annotations_sourceattribution", ["annotation_id", "kind", "anonymity", "cue", "channel"],
                  sources)  # fmt: skip
            _copy(cursor, "annotations_claim",
                  ["annotation_id", "claimant_id", "claimant_is_outlet", "speech", "stance", "verdict", "topic"],
                  claims)  # fmt: skip
            print(f"  generated {min(first + batch, articles):,} articles", file=sys.stderr)
        for table in ("articles_snapshot", "articles_article", "annotations_annotation"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        # The corpus is in memory (or on SSD): with the default random_page_cost of 4, PostgreSQL scans whole
        # detail tables instead of looking up a page's few thousand rows by index. Recommended in production too.
        name = connection.settings_dict["NAME"]
        cursor.execute(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1')
        cursor.execute("SET random_page_cost = 1.1")
    print(f"corpus generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def refresh_caches() -> None:
    """Fill the spans' JSON caches (annotations/cache.py) as `manage.py refresh_span_cache` does in production
    (e.g. from cron): the figures below are those of a corpus whose caches are warm. Spans created during the
    measurements are served with their JSON computed on the fly, as any span not yet refreshed. Then each
    article's complete JSON Lines line is stored (annotations.exports.refresh_export_lines)."""
    from annotations.cache import refresh_span_cache
    from annotations.exports import refresh_export_lines

    started = time.perf_counter()
    filled = refresh_span_cache()
    print(f"span JSON caches refreshed: {filled:,} annotations in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    filled = refresh_export_lines()
    print(f"JSON Lines lines stored: {filled:,} articles in {time.perf_counter() - started:.1f} s")


def _timed(call, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def measure(runs: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from annotations.models import Annotation, Label
    from articles.models import Article
    from projects.models import Project

    admin = get_user_model().objects.get(username="bench-admin")
    project = Project.objects.get(slug="bench-corpus")
    token, _ = Token.objects.get_or_create(user=admin)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}", SERVER_NAME="localhost")
    total_articles = Article.objects.count()
    total_spans = Annotation.objects.count()
    print(f"corpus: {total_articles:,} articles, {total_spans:,} annotations")

    page = f"/api/articles/?include=annotations&page_size=100&project={project.pk}"
    client.get(page)
    list_ms = _timed(lambda: client.get(page), runs)
    body = client.get(page).json()
    spans_on_page = sum(len(item["annotations"]) for item in body["results"])
    counts = {}
    for size in (10, 100, 500):
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/api/articles/?include=annotations&page_size={size}&project={project.pk}")
        counts[size] = len(captured)
    second = body["next"]
    next_ms = _timed(lambda: client.get(second), max(5, runs // 3))
    print(
        f"list 100 articles with annotations ({spans_on_page:,} spans): median {statistics.median(list_ms):.1f} ms, "
        f"p95 {_p95(list_ms):.1f} ms; next page median {statistics.median(next_ms):.1f} ms"
    )
    print(f"  SQL queries per page: {counts[10]} (10 articles), {counts[100]} (100), {counts[500]} (500)")

    rng = random.Random(2)
    targets = list(Article.objects.order_by("?").values("id", "text")[:runs])
    label_id = Label.objects.get(project=project, kind="actor").pk
    created = []

    def create():
        article = targets[len(created) % len(targets)]
        start = rng.randrange(0, len(article["text"]) - 20)
        data = {"project": project.pk, "article": article["id"], "label": label_id, "start": start,
                "end": start + 12, "quote": article["text"][start : start + 12]}  # fmt: skip
        response = client.post("/api/annotations/", data, format="json")
        assert response.status_code == 201, response.content
        created.append(response.json()["id"])

    create_ms = _timed(create, runs)
    Annotation.objects.filter(pk__in=created).delete()
    print(f"create one annotation: median {statistics.median(create_ms):.1f} ms, p95 {_p95(create_ms):.1f} ms")

    for raw in (True, False):
        started = time.perf_counter()
        response = client.get(f"/api/exports/jsonl/?raw={'true' if raw else 'false'}")
        size = lines = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
        elapsed = time.perf_counter() - started
        print(
            f"JSON Lines export{'' if raw else ' without snapshot bytes'}: {lines:,} articles in {elapsed:.2f} s "
            f"= {lines / elapsed:,.0f} articles/s ({size / elapsed / 1e6:.0f} MB/s)"
        )

    search_ms, hits = [], []
    for query in SEARCHES:
        client.get("/api/articles/", {"search": query, "page_size": 20})
    for query in SEARCHES:
        started = time.perf_counter()
        response = client.get("/api/articles/", {"search": query, "page_size": 20})
        search_ms.append((time.perf_counter() - started) * 1000)
        hits.append(len(response.json()["results"]))
    print(
        f"full-text search, {len(SEARCHES)} queries (20 results, ranked, snippets): median "
        f"{statistics.median(search_ms):.1f} ms, p95 {_p95(search_ms):.1f} ms, max {max(search_ms):.1f} ms"
    )


def recreate_database(url: str) -> None:
    """Drop the bench database named by `url` and create it empty (for --fresh)."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    connection = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    connection.autocommit = True
    with connection.cursor() as cursor:
        name = parts.path.lstrip("/")
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--per-article", type=int, default=50)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--fresh", action="store_true", help="drop the generated corpus and build it again")
    args = parser.parse_args()
    url = bench_database_url(args.database_url)
    if args.fresh:
        recreate_database(url)
    setup_django(url)
    from projects.models import Project

    if not Project.objects.filter(slug="bench-corpus").exists():
        generate(args.articles, args.per_article)
    print(json.dumps({"database": urlsplit(url).path.lstrip("/")}))
    refresh_caches()
    measure(args.runs)


if __name__ == "__main__":
    main()
