"""Print what 50 simulated annotators get from gunicorn with 2 workers, quiet and during a 2,000-page background import.

Usage: DATABASE_URL=... python bench/load.py [--users 50] [--seconds 60] [--workers 2] [--copies 22]

Loopback only, bounded in time (--seconds per phase) and in requests (--max-requests per annotator). Each
annotator (a thread with its own keep-alive connection and API token) loops: list the project's articles,
open one with its spans, create a span, edit its note; with a short think time between requests. Printed per
phase: requests/s, p50/p95 per request type, errors (any answer that is not 2xx; must be 0), and the resident
memory of each gunicorn worker. The second phase runs the same load while a job worker imports 2,000 distinct
pages (the extraction-benchmark samples repeated with a sentence naming each copy, as bench/import.py makes
them) as one background import; the goal is annotators' p95 within 2x of the quiet phase.

The database is `<DATABASE_URL's database>_bench_load`, dropped and created by this script.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import importlib
import io
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "extraction-benchmark"
ARTICLE_WORDS = ("ceasefire", "militia", "talks", "port", "shelling", "commander", "ministry", "aid", "convoy")


def bench_database_url() -> str:
    """A fresh database beside the configured one, so the bench never touches real data."""
    from api import recreate_database

    from newsarchive.db import database_url

    parts = urlsplit(database_url())
    url = urlunsplit(parts._replace(path=f"/{parts.path.lstrip('/') or 'newsarchive'}_bench_load"))
    recreate_database(url)
    return url


def make_fixtures(users: int) -> tuple[int, list[str], list[int], int]:
    """A project with 40 articles of ~600 words, `users` annotators with tokens: (project, tokens, articles, label)."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from annotations.services import create_project
    from projects.models import Membership
    from tests.factories import ArticleFactory

    rng = random.Random(1)
    project = create_project(name="Load test")
    articles = []
    for number in range(40):
        text = " ".join(rng.choice(ARTICLE_WORDS) for _ in range(600)) + f" Article {number}."
        article = ArticleFactory(title=f"Load article {number}", text=text)
        project.articles.add(article)
        articles.append(article.pk)
    tokens = []
    for number in range(users):
        user = get_user_model().objects.create_user(username=f"coder{number}")  # API tokens only
        Membership.objects.create(project=project, user=user, role=Membership.Role.ANNOTATOR)
        tokens.append(Token.objects.create(user=user).key)
    label = project.labels.get(kind="actor").pk
    return project.pk, tokens, articles, label


class Annotator(threading.Thread):
    def __init__(self, *, port, token, project, articles, label, until, max_requests, record, seed):
        super().__init__(daemon=True)
        self.port, self.token, self.project, self.articles, self.label = port, token, project, articles, label
        self.until, self.max_requests, self.record = until, max_requests, record
        self.rng = random.Random(seed)
        self.sent = 0

    def call(self, kind: str, method: str, path: str, body: dict | None = None) -> dict | None:
        headers = {"Authorization": f"Token {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            payload = response.read()
            ok = 200 <= response.status < 300
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            payload, ok = str(error).encode(), False
        self.record(kind, time.perf_counter() - started, ok, payload[:200] if not ok else b"")
        self.sent += 1
        return json.loads(payload) if ok and payload else None

    def think(self) -> None:
        time.sleep(self.rng.uniform(0.2, 0.6))

    def run(self) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while time.monotonic() < self.until and self.sent + 4 <= self.max_requests:
            self.call("list articles", "GET", f"/api/articles/?project={self.project}&page_size=20")
            self.think()
            article = self.rng.choice(self.articles)
            opened = self.call("open article", "GET", f"/api/articles/{article}/?include=annotations")
            self.think()
            if opened is None:
                continue
            words = opened["text"].split(" ")
            at = self.rng.randrange(0, len(words) - 2)
            start = len(" ".join(words[:at])) + (1 if at else 0)
            end = start + len(words[at])
            body = {"project": self.project, "article": article, "label": self.label, "start": start, "end": end}
            created = self.call("create span", "POST", "/api/annotations/", body)
            self.think()
            if created is not None:
                self.call("edit span", "PATCH", f"/api/annotations/{created['id']}/", {"note": "checked"})
                self.think()
        self.connection.close()


def worker_rss(master: int) -> list[float]:
    """Resident memory (MB) of each child of the gunicorn master."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def run_phase(name, *, port, tokens, project, articles, label, seconds, max_requests, master) -> dict:
    samples: dict[str, list[float]] = defaultdict(list)
    errors: list[tuple[str, bytes]] = []
    lock = threading.Lock()
    peak_rss: list[float] = []

    def record(kind, elapsed, ok, detail):
        with lock:
            samples[kind].append(elapsed)
            if not ok:
                errors.append((kind, detail))

    until = time.monotonic() + seconds
    threads = [
        Annotator(
            port=port,
            token=token,
            project=project,
            articles=articles,
            label=label,
            until=until,
            max_requests=max_requests,
            record=record,
            seed=i,
        )
        for i, token in enumerate(tokens)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
        time.sleep(0.02)  # annotators arrive over a second, not in one burst
    while any(thread.is_alive() for thread in threads):
        rss = worker_rss(master)
        peak_rss = [max(a, b) for a, b in zip(peak_rss, rss, strict=False)] if peak_rss else rss
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    total = sum(len(v) for v in samples.values())
    print(f"\n{name}: {len(tokens)} annotators, {total} requests in {elapsed:.1f} s = {total / elapsed:.1f} requests/s")
    print(f"  {'request':<14} {'n':>6} {'p50 ms':>8} {'p95 ms':>8}")
    p95s = {}
    for kind in ("list articles", "open article", "create span", "edit span"):
        values = sorted(samples[kind])
        if not values:
            continue
        p50 = statistics.median(values) * 1000
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))] * 1000
        p95s[kind] = p95
        print(f"  {kind:<14} {len(values):>6} {p50:>8.1f} {p95:>8.1f}")
    print(f"  errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print("  peak RSS per gunicorn worker: " + ", ".join(f"{mb:.0f} MB" for mb in peak_rss))
    return {"p95": p95s, "errors": len(errors), "rss": peak_rss, "rate": total / elapsed}


def queue_big_import(project_id: int, data: Path, copies: int) -> int:
    """Queue the samples, repeated `copies` times and made distinct as bench/import.py makes them, as one import."""
    from articles.services.queued import queue_import
    from projects.models import Project

    pages_bench = importlib.import_module("import")  # bench/import.py: a module name Python keeps as a keyword
    samples = sorted((data / "pages").glob("*.html.gz"))
    parts = [pages_bench.split_point(gzip.decompress(page.read_bytes())) for page in samples]
    files = [
        (f"copy-{copy:03d}-{page.name.removesuffix('.gz')}", io.BytesIO(pages_bench.make_copy(page_parts, copy)))
        for copy in range(copies)
        for page, page_parts in zip(samples, parts, strict=True)
    ]
    batch = queue_import(files=files, project=Project.objects.get(pk=project_id), source="bench/load.py", channel="api")
    print(f"\nqueued import batch {batch.pk}: {len(files)} distinct pages")
    return batch.pk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="Length of each phase")
    parser.add_argument("--max-requests", type=int, default=400, help="Per annotator and phase")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--copies", type=int, default=22, help="22 x 91 samples = 2,002 pages")
    parser.add_argument("--skip-import", action="store_true", help="Only the quiet phase")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    os.environ["DATABASE_URL"] = bench_database_url()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    project, tokens, articles, label = make_fixtures(args.users)
    from django.db import connection

    connection.close()

    env = {**os.environ, "DJANGO_DEBUG": "false"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "newsarchive.wsgi",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
        ],
        cwd=REPO_ROOT,
        env=env,
    )
    worker = None
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                probe.request("GET", "/accounts/login/")
                probe.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        print(
            f"gunicorn: {args.workers} workers on 127.0.0.1:{args.port}; {os.cpu_count()} cores; "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        common = {
            "port": args.port,
            "tokens": tokens,
            "project": project,
            "articles": articles,
            "label": label,
            "seconds": args.seconds,
            "max_requests": args.max_requests,
            "master": server.pid,
        }
        quiet = run_phase("quiet", **common)
        if args.skip_import:
            return 0 if quiet["errors"] == 0 else 1
        batch = queue_big_import(project, args.data, args.copies)
        connection.close()
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "procrastinate", "worker"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(5)  # the worker has started the import
        busy = run_phase("during the background import", **common)
        from articles.models import ImportBatch

        state = ImportBatch.objects.get(pk=batch)
        print(f"  import batch {batch}: {state.status}, {len(state.items)} items handled during the phase")
        print(
            "\np95 during the import / quiet: "
            + ", ".join(f"{kind} {busy['p95'][kind] / quiet['p95'][kind]:.2f}x" for kind in quiet["p95"])
        )
        return 0 if quiet["errors"] == 0 and busy["errors"] == 0 else 1
    finally:
        for process in (worker, server):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


if __name__ == "__main__":
    sys.exit(main())
