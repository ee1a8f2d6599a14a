"""Print search and list speed at scale, measured through HTTP against gunicorn, on a generated multilingual corpus.

Usage: python bench/scale.py --database-url URL --articles 100000 [--runs 30] [--workers 2] [--load-workers N]
       [--fresh]

The corpus: N articles of ~3-4 KB in eight languages (en 50%, ru 15%, ar 10%, fr 8%, es 7%, de 5%, tr 3%, uk 2%),
each language with its own generated vocabulary drawn with a Zipf distribution, a few topic words per article
weighted up, 40 outlets, dates over ten years; 5% of the articles carry an ACTOR span linked to "Wagner Group"; the
coder has 2% of them submitted and 1% in progress. Written with COPY by cores + 1 processes (bench/scale_corpus.py;
the load rate is printed as rows in and with the index builds, with each step's time); then `manage.py
rebuild_search_index` builds the corpus's Tantivy index in bench/out/scale-index-<db>/ (NEWSARCHIVE_SEARCH_INDEX
overrides the folder; a kept corpus whose index is gone gets it rebuilt); ANALYZE, then every query class is run
once to warm the caches before timing. gunicorn serves the WSGI app with `--workers` processes; requests go over
HTTP with keep-alive, the API with a token, the browser list with a session. Prints p50/p95 per class, sizes per
article, load rate and the load average. Never run as a test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

import scale_corpus  # noqa: E402
from api import bench_database_url, recreate_database, setup_django  # noqa: E402


def generate(count: int, url: str, seed: int = 7, workers: int | None = None) -> dict:
    """Build the corpus (bench/scale_corpus.py); returns the words each query class uses and the load rates."""
    from django.contrib.auth import get_user_model
    from django.db import connection, connections

    from annotations import services
    from annotations.models import Label
    from articles.models import Outlet
    from projects.models import Membership

    user_model = get_user_model()
    admin, _ = user_model.objects.get_or_create(username="scale-admin")
    coder, _ = user_model.objects.get_or_create(username="scale-annotator")
    project = services.create_project(name="Scale corpus", slug="scale-corpus", created_by=admin)
    Membership.objects.create(project=project, user=coder, role=Membership.Role.ANNOTATOR)
    actor = services.create_actor(name="Wagner Group", kind="group", aliases=["PMC Wagner"])
    label = Label.objects.get(project=project, kind="actor").pk
    outlets = [Outlet.objects.create(name=f"Outlet {n}", domain=f"o{n}.scale.example") for n in range(40)]
    context = {
        "project": project.pk, "actor": actor.pk, "label": label, "coder": coder.pk,
        "outlets": [outlet.pk for outlet in outlets], "now": "2025-01-01T00:00:00Z",
    }  # fmt: skip
    connections.close_all()  # the loader forks its workers: none may inherit an open connection
    loaded = scale_corpus.load(count, url=url, seed=seed, context=context, workers=workers)
    timings = loaded["timings"]
    print(f"load: {json.dumps({k: round(v, 1) for k, v in timings.items()})}", file=sys.stderr)
    step = time.perf_counter()
    with connection.cursor() as cursor:  # the coder's queue: 2% submitted, 1% in progress
        cursor.execute(
            "INSERT INTO annotations_assignment (project_id, article_id, annotator_id, status, submitted_at,"
            " updated_at) SELECT %(project)s, article_id, %(coder)s,"
            " CASE WHEN article_id %% 100 < 2 THEN 'submitted' ELSE 'in_progress' END,"
            " CASE WHEN article_id %% 100 < 2 THEN now() END, now()"
            " FROM annotations_project_articles WHERE project_id = %(project)s AND article_id %% 100 < 3",
            {"project": project.pk, "coder": coder.pk},
        )
    timings["assignments (s)"] = time.perf_counter() - step
    analyze_started = time.perf_counter()
    with connection.cursor() as cursor:  # as autovacuum leaves a table after a bulk load: statistics, visibility map
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" SET random_page_cost = 1.1')
    timings["vacuum analyze (s)"] = time.perf_counter() - analyze_started
    timings.update(rebuild_search_index())
    vocab = loaded["vocab"]
    en, ru, ar = vocab["en"], vocab["ru"], vocab["ar"]
    return {
        "count": count,
        "load_rate": count / timings["rows in (s)"],
        "timings": timings,
        "project": project.pk,
        "actor": actor.pk,
        "outlet": outlets[3].pk,
        "queries": {
            "common": en[0],
            "mid": en[300],
            "rare": en[15000],
            "phrase": f'"{en[1]} {en[2]}"',
            "two terms": f"{en[5]} {en[400]}",
            **{f"lang {code}": vocab[code][100] for code in ("ru", "ar", "fr", "es", "de", "tr", "uk")},
            "ru inflected": ru[100] + "ами",
            "ar named": (ar[100], "ar"),
        },
    }


BUILD_STEPS = ("total (s)", "assignments (s)", "analyze (s)", "vacuum analyze (s)", "rebuild_search_index (s)")


def with_index_builds(state: dict, count: int) -> float:
    """Articles per second from the first row in to the last index built: the load with its deferred btree and GIN
    builds ("total"), the coder's queue, statistics and the Tantivy index."""
    seconds = sum(state.get("timings", {}).get(step, 0) for step in BUILD_STEPS)
    return count / seconds if seconds else 0


def rebuild_search_index() -> dict:
    """Build the Tantivy index of the corpus (`manage.py rebuild_search_index`), timed."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("rebuild_search_index")
    return {"rebuild_search_index (s)": time.perf_counter() - started}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


class Http:
    def __init__(self, port: int, headers: dict) -> None:
        self.port, self.headers = port, headers
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str) -> tuple[float, bytes]:
        started = time.perf_counter()
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {body[:300]!r}")
        return (time.perf_counter() - started) * 1000, body


def sizes() -> dict:
    """Bytes per article: the text, the GIN expression index, the Tantivy index (as bench/search_engines.py)."""
    import search_engines

    from articles import search_index

    return search_engines.sizes(search_index.size_on_disk())


def corpus(count: int, url: str, workers: int | None = None) -> dict:
    """The corpus of this database: built by `generate` the first time, then read back from its state file (the
    words of each query class, the load figures); bench/search_engines.py uses the same."""
    from projects.models import Project

    state_file = REPO_ROOT / f".bench-scale-{urlsplit(url).path.strip('/')}.json"
    if Project.objects.filter(slug="scale-corpus").exists() and state_file.exists():
        return json.loads(state_file.read_text())
    state = generate(count, url, workers=workers)
    state_file.write_text(json.dumps(state))
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8713)
    parser.add_argument("--load-workers", type=int, help="processes generating the corpus (default: cores + 1)")
    parser.add_argument("--fresh", action="store_true", help="drop the bench database and build the corpus again")
    args = parser.parse_args()
    url = bench_database_url(args.database_url)
    if args.fresh:
        recreate_database(url)
    bench_started = time.perf_counter()
    # The corpus's own Tantivy index, beside the other bench output (never the project's `.search-index/`).
    os.environ.setdefault(
        "NEWSARCHIVE_SEARCH_INDEX", str(REPO_ROOT / "bench" / "out" / f"scale-index-{urlsplit(url).path.strip('/')}")
    )
    setup_django(url)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    from articles import search_index

    state = corpus(args.articles, url, workers=args.load_workers)
    if search_index.ready_index() is None:  # a kept corpus whose index folder is gone: searches would use GIN
        state.setdefault("timings", {}).update(rebuild_search_index())
    print(json.dumps({
        "load articles/s (rows in)": round(state["load_rate"]),
        "load articles/s (with every index build)": round(with_index_builds(state, state.get("count", args.articles))),
        **{name: round(seconds, 1) for name, seconds in state.get("timings", {}).items()},
        "load average": round(os.getloadavg()[0], 1),
        **sizes(),
    }))  # fmt: skip
    print(f"step: corpus ready after {time.perf_counter() - bench_started:.0f} s", file=sys.stderr)

    user = get_user_model().objects.get(username="scale-annotator")
    token, _ = Token.objects.get_or_create(user=user)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "newsarchive.wsgi", "--workers", str(args.workers), "--bind",
         f"127.0.0.1:{args.port}", "--log-level", "warning"],
        cwd=REPO_ROOT, env=env,
    )  # fmt: skip
    try:
        time.sleep(4)
        api = Http(args.port, {"Authorization": f"Token {token.key}"})
        browser = Http(args.port, {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"})
        project = state["project"]
        classes: dict[str, tuple[Http, str]] = {}
        for name, query in state["queries"].items():
            text, language = query if isinstance(query, list | tuple) else (query, None)
            params = {"search": text, "page_size": 20, **({"search_language": language} if language else {})}
            classes[f"API search {name}"] = (api, "/api/articles/?" + urlencode(params))
        for name in ("common", "phrase"):  # a span filter: the index ranks, PostgreSQL checks each hit and counts
            params = {"search": state["queries"][name], "has_label": "ACTOR", "page_size": 20}
            classes[f"API search {name} + has_label"] = (api, "/api/articles/?" + urlencode(params))
        classes["API list page 1"] = (api, f"/api/articles/?project={project}&page_size=100")
        path = classes["API list page 1"][1]
        for _ in range(49):  # page 50, or the last page of a smaller corpus
            following = json.loads(api.get(path)[1])["next"]
            if following is None:
                break
            path = following.split(f":{args.port}", 1)[1]
        classes["API list page 50 (cursor)"] = (api, path)
        base = f"/projects/{project}/"
        filters = {
            "page 1": {},
            "page 50": {"page": 50},
            "search common": {"q": state["queries"]["common"]},
            "outlet": {"outlet": state["outlet"]},
            "language": {"language": "ar"},
            "dates": {"from": "2019-01-01", "to": "2019-03-31"},
            "status not started": {"status": "not_started"},
            "status submitted": {"status": "submitted"},
            "status in progress": {"status": "in_progress"},
            "mentions actor": {"actor": state["actor"]},
            "sort title": {"sort": "title"},
            "sort title page 50": {"sort": "title", "page": 50},
            "sort oldest": {"sort": "oldest"},
            "sort outlet": {"sort": "outlet"},
            "sort outlet page 50": {"sort": "outlet", "page": 50},
            "sort added": {"sort": "added"},
            "outlet + sort title": {"outlet": state["outlet"], "sort": "title"},
        }
        for name, params in filters.items():
            classes[f"browser list {name}"] = (browser, base + "?" + urlencode(params))
        step = time.perf_counter()
        for client, path in classes.values():  # warm
            client.get(path)
        print(f"step: warm-up {time.perf_counter() - step:.0f} s", file=sys.stderr)
        step = time.perf_counter()
        load = os.getloadavg()
        for name, (client, path) in classes.items():
            times = [client.get(path)[0] for _ in range(args.runs)]
            print(f"{name:40s} p50 {statistics.median(times):8.1f} ms   p95 {percentile(times, 0.95):8.1f} ms")
        print(f"load average before / after: {load[0]:.1f} / {os.getloadavg()[0]:.1f} (2 cores, shared)")
        whole = time.perf_counter() - bench_started
        print(f"step: measuring {time.perf_counter() - step:.0f} s; whole run {whole:.0f} s", file=sys.stderr)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
