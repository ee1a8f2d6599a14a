"""Print how fast GET /api/projects/<id>/agreement/ answers for 1,000 articles x 3 coders x 50 spans.

Usage: python bench/agreement.py [--database-url URL] [--articles 1000] [--coders 3] [--per-article 50]
                                 [--runs 7] [--fresh]

The corpus (articles of ~4 KB as in bench/api.py; each coder's spans start from one shared set per article and
are kept, shifted, relabelled or dropped, plus a few of their own, so about 50 per coder) is written with COPY
into its own database, `<DATABASE_URL's database>_bench_agreement` unless --database-url names one, and kept
between runs (--fresh rebuilds it). Every coder has submitted every article. Requests go through the whole
Django/DRF stack in process (test client, token auth). Target: < 2 s.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import api as api_bench  # bench/api.py: the corpus helpers


def bench_database_url(explicit: str | None) -> str:
    from newsarchive.db import database_url, ensure_database

    if explicit:
        url = explicit
    else:
        parts = urlsplit(database_url())
        url = urlunsplit(parts._replace(path=f"/{parts.path.lstrip('/') or 'newsarchive'}_bench_agreement"))
    if url.startswith("postgresql://") and "host=" not in url:
        ensure_database(url)
    return url


def generate(articles: int, coders: int, per_article: int, seed: int = 1) -> None:
    """Write the corpus with COPY: a project, its coders, articles, each coder's spans and submitted assignments."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from annotations import services
    from annotations.models import Label
    from projects.models import Membership

    rng = random.Random(seed)
    users = get_user_model()
    admin, _ = users.objects.get_or_create(username="bench-admin")
    project = services.create_project(name="Agreement bench", slug="agreement-bench", created_by=admin)
    coder_ids = []
    for n in range(coders):
        user, _ = users.objects.get_or_create(username=f"bench-coder-{n}")
        Membership.objects.create(project=project, user=user, role=Membership.Role.ANNOTATOR)
        coder_ids.append(user.pk)
    Label.objects.create(project=project, name="EVENT", kind=Label.Kind.CUSTOM, colour="#336699", order=9)
    labels = list(Label.objects.filter(project=project).values_list("pk", flat=True))
    now = timezone.now().isoformat()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        snapshot_id = api_bench._next_id(cursor, "articles_snapshot")
        article_id = api_bench._next_id(cursor, "articles_article")
        annotation_id = api_bench._next_id(cursor, "annotations_annotation")
        snapshots, rows, members, spans, assignments = [], [], [], [], []
        for n in range(articles):
            text = api_bench._article_text(rng, 4000)
            raw = f"<html><body><h1>Agreement bench {n}</h1><p>{text}</p></body></html>".encode()
            snapshots.append(
                (snapshot_id, "\\x" + raw.hex(), hashlib.sha256(raw).hexdigest(), len(raw), "text/html", "utf-8",
                 f"https://agreement.bench.example/{n}", "", "{}", now, now)
            )  # fmt: skip
            rows.append(
                (article_id, snapshot_id, None, f"https://agreement.bench.example/{n}", "", f"Agreement bench {n}",
                 "", None, "en", "", text, hashlib.sha256(text.encode()).hexdigest(), "{}", now)
            )  # fmt: skip
            members.append((project.pk, article_id))
            base = [(rng.choice(labels), s, e) for s, e in api_bench._spans(rng, text, per_article)]
            for coder in coder_ids:
                coded = []
                for label, start, end in base:
                    roll = rng.random()
                    if roll < 0.7:
                        coded.append((label, start, end))
                    elif roll < 0.82:
                        coded.append((label, max(0, start - rng.randint(1, 6)), end))
                    elif roll < 0.9:
                        coded.append((rng.choice(labels), start, end))
                coded += [(rng.choice(labels), s, e) for s, e in api_bench._spans(rng, text, per_article - len(coded))]
                coded = list(dict.fromkeys(coded))  # a coder marks the same offsets with one label once
                for label, start, end in coded:
                    spans.append(
                        (annotation_id, project.pk, article_id, label, coder, start, end, text[start:end],
                         text[max(0, start - 32):start], text[end:end + 32], "submitted", "", "{}", now, now)
                    )  # fmt: skip
                    annotation_id += 1
                assignments.append((project.pk, article_id, coder, "submitted", now, now))
            snapshot_id += 1
            article_id += 1
        api_bench._copy(cursor, "articles_snapshot",
                        ["id", "raw", "sha256", "size", "content_type", "encoding", "source_url", "filename",
                         "http_headers", "captured_at", "imported_at"], snapshots)  # fmt: skip
        api_bench._copy(cursor, "articles_article",
                        ["id", "snapshot_id", "outlet_id", "url", "canonical_url", "title", "byline", "published_at",
                         "language", "lead", "text", "text_sha256", "metadata", "created_at"], rows)  # fmt: skip
        api_bench._copy(cursor, "annotations_project_articles", ["project_id", "article_id"], members)
        api_bench._copy(cursor, "annotations_annotation",
                        ["id", "project_id", "article_id", "label_id", "annotator_id", "start", "end", "quote",
                         "prefix", "suffix", "status", "note", "attributes", "created_at", "updated_at"],
                        spans)  # fmt: skip
        api_bench._copy(cursor, "annotations_assignment",
                        ["project_id", "article_id", "annotator_id", "status", "submitted_at", "updated_at"],
                        assignments)  # fmt: skip
        for table in ("articles_snapshot", "articles_article", "annotations_annotation"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"corpus of {len(spans):,} spans generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def measure(runs: int) -> None:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from annotations.agreement import paused_gc
    from annotations.models import Annotation
    from annotations.selectors import agreement_study, submitted_by_all
    from annotations.tokens import texts_and_tokens
    from projects.models import Membership, Project

    project = Project.objects.get(slug="agreement-bench")
    admin = get_user_model().objects.get(username="bench-admin")
    token, _ = Token.objects.get_or_create(user=admin)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}", SERVER_NAME="localhost")
    coders = list(
        Membership.objects.filter(project=project, role=Membership.Role.ANNOTATOR)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    spans = Annotation.objects.filter(project=project).count()
    url = f"/api/projects/{project.pk}/agreement/?annotators={','.join(map(str, coders))}"
    body = client.get(url).json()
    print(f"corpus: {body['articles']:,} articles submitted by {len(coders)} coders, {spans:,} spans")
    timings, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200, response.content
    with paused_gc():  # as the endpoint does
        started = time.perf_counter()
        study = agreement_study(project_id=project.pk, annotator_ids=coders)
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        article_ids = sorted(submitted_by_all(project_id=project.pk, annotator_ids=coders))
        texts_and_tokens(article_ids)
        read = time.perf_counter() - started
        started = time.perf_counter()
        study.figures(coders)
        computed = time.perf_counter() - started
    print(
        f"GET agreement: median {statistics.median(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms "
        f"over {runs} runs (target < 2000 ms), this process's CPU {statistics.median(cpu) * 1000:.0f} ms; "
        f"load average {os.getloadavg()[0]:.1f}; of one run: texts and kept token bounds {read * 1000:.0f} ms, "
        f"reading them and the spans (grouped by PostgreSQL) and preparing {loaded * 1000:.0f} ms, "
        f"figures {computed * 1000:.0f} ms"
    )
    overall = body["overall"]
    print(f"overall: f1_exact {overall['f1_exact']:.3f}, f1_overlap {overall['f1_overlap']:.3f}, "
          f"alpha_tokens {overall['alpha_tokens']:.3f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--coders", type=int, default=3)
    parser.add_argument("--per-article", type=int, default=50)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the corpus")
    args = parser.parse_args()

    url = bench_database_url(args.database_url)
    if args.fresh:
        api_bench.recreate_database(url)
    api_bench.setup_django(url)
    from projects.models import Project

    if not Project.objects.filter(slug="agreement-bench").exists():
        generate(args.articles, args.coders, args.per_article)
    measure(args.runs)


if __name__ == "__main__":
    main()
