"""`make run` exactly as a newcomer runs it, in a real browser: styled pages, a working workspace, offline docs,
nothing loaded from another origin and no Content-Security-Policy violation on any screen.

The server is `make run` itself (not Django's live test server) with its default environment, except PORT (a
free port), DATABASE_URL (a scratch database, dropped afterwards) and where ensure_admin keeps the password it
prints. It is started once for this module and its process group is stopped at the end.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from psycopg2 import sql

from newsarchive.db import database_url

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 420  # seconds: a first run migrates a fresh database and loads the demo on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def drop_database(url: str) -> None:
    parts = urlsplit(url)
    connection = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            name = sql.Identifier(parts.path.lstrip("/"))
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    finally:
        connection.close()


def wait_until_answering(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    pytest.fail(f"make run did not answer within {START_TIMEOUT} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def make_run(tmp_path_factory):
    """`make run` on a free port and a scratch database; yields (base URL, username, password)."""
    tmp = tmp_path_factory.mktemp("make-run")
    parts = urlsplit(database_url())
    scratch = urlunsplit(parts._replace(path=f"{parts.path}_makerun"))
    drop_database(scratch)  # a fresh first run, even after an interrupted one
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "HOST"}
    }
    env.update(
        PORT=str(port),
        DATABASE_URL=scratch,
        NEWSARCHIVE_ADMIN_CREDENTIALS_FILE=str(tmp / "admin-credentials"),
    )
    log = tmp / "make-run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "run"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/accounts/login/", process, log)
        output = log.read_text()
        assert f"Serving on {base}/" in output
        username, password = (tmp / "admin-credentials").read_text().split()
        assert f"as {username!r} with password {password!r}" in output  # what make run printed
        yield base, username, password
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        drop_database(scratch)


@pytest.fixture
def watched_page(page, make_run):
    """The page, recording every request's URL and every CSP violation (console and securitypolicyviolation)."""
    requests, violations = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.expose_function("reportCspViolation", lambda text: violations.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => window.reportCspViolation("
        "`${e.violatedDirective} blocked ${e.blockedURI} in ${e.sourceFile}:${e.lineNumber}`));"
    )
    return page, requests, violations


def settle(page):
    """Let a screen finish loading and fetch what it fetches after rendering (fonts, icons, lazy requests)."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(1500)


def log_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_make_run_serves_styled_pages_and_a_working_workspace(make_run, watched_page):
    base, username, password = make_run
    page, _, violations = watched_page
    log_in(page, base, username, password)
    # base.css applies: the header is sticky (it is static without the stylesheet).
    assert page.eval_on_selector(".site-header", "el => getComputedStyle(el).position") == "sticky"
    page.click("text=Libya demo")
    page.click(".article-title")
    page.wait_for_selector("#doc[data-ready=true]", timeout=30_000)
    text = page.inner_text("#doc")
    assert "Loading the text" not in text
    assert "Haftar" in text and "Putin" in text
    assert page.eval_on_selector("#workspace", "el => getComputedStyle(el).display") == "grid"
    assert page.locator("#palette button").count() >= 3
    assert not violations


SCREENS = [
    # (path, what shows it is rendered)
    ("/", "text=Your projects"),
    ("/import/", "text=Import articles"),
    ("/account/token/", "text=Your API token"),
    ("/admin/", "#site-name"),
    ("/admin/articles/article/", "#result_list"),
    ("/admin/annotations/annotation/", "#result_list"),
    ("/admin/annotations/actor/add/", "#actor_form"),
    ("/api/docs/", ".swagger-ui .info .title"),
    ("/api/redoc/", "text=newsarchive API"),
    ("/api/projects/", "text=Project List"),
]


def test_no_screen_loads_from_another_origin_or_violates_the_csp(make_run, watched_page):
    base, username, password = make_run
    page, requests, violations = watched_page
    page.goto(f"{base}/accounts/login/")
    settle(page)
    log_in(page, base, username, password)
    page.click("text=Libya demo")
    settle(page)
    list_url = page.url
    page.click(".article-title")
    page.wait_for_selector("#doc[data-ready=true]", timeout=30_000)
    settle(page)
    for path, rendered in SCREENS:
        page.goto(f"{base}{path}")
        page.wait_for_selector(rendered, timeout=30_000)
        settle(page)
    visited = {urlsplit(url).path for url in requests}
    assert {"/accounts/login/", urlsplit(list_url).path, "/api/docs/", "/api/redoc/"} <= visited
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in url for url in requests)
    assert any("/static/drf_spectacular_sidecar/redoc/" in url for url in requests)
    foreign = [url for url in requests if not url.startswith(f"{base}/") and not url.startswith(("data:", "blob:"))]
    assert foreign == []
    assert violations == []
