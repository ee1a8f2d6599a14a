"""Background imports on the job queue: 202 and status from the API, the Import page's progress, the command's
--background, and a job whose worker is killed ending failed with what it wrote. A real procrastinate worker runs
in a subprocess against the test database."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from procrastinate.contrib.django.models import ProcrastinateJob
from rest_framework.test import APIClient

from articles.models import Article, ImportBatch, ImportUpload
from articles.services.queued import fail_stalled_imports
from tests.factories import UserFactory
from tests.localhttp import serving

ROOT = Path(__file__).resolve().parent.parent.parent
FAST_PAGES = 64  # one chunk of the import: recorded on the batch as soon as it is written


def page(number: int) -> bytes:
    words = " ".join(f"word{number}x{i}" for i in range(60))
    return (
        f"<html><head><title>Background page {number}</title></head><body><article><h1>Background page {number}"
        f"</h1><p>The militia said on Monday that page {number} was written for a background import test. {words}."
        f"</p><p>A second paragraph of page {number} says more about the clashes near the port city.</p>"
        f"</article></body></html>"
    ).encode()


class Pages(BaseHTTPRequestHandler):
    """/fast/N answers at once; /slow/N waits until the test releases it (the worker is mid-import meanwhile)."""

    release = threading.Event()

    def do_GET(self) -> None:
        kind, number = self.path.strip("/").split("/")
        if kind == "slow":
            self.release.wait(timeout=60)
        body = page(int(number))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def job_worker():
    """A procrastinate worker process on the test database, as `make worker` runs it; stopped (or killed) after."""
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "NEWSARCHIVE_FETCH_ALLOWED_ADDRESSES": "127.0.0.1",
        "NEWSARCHIVE_JOB_HEARTBEAT": "0.5",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker", "--concurrency", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(predicate, *, timeout: float = 90, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def importer(transactional_db, project, project_admin):
    client = APIClient()
    client.force_authenticate(project_admin)
    return client


def status_of(client: APIClient, batch: int) -> dict:
    response = client.get(f"/api/imports/{batch}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_background_api_import_answers_202_then_reports_queued_running_done_and_every_result(importer, project):
    with serving(Pages) as base:
        Pages.release.clear()
        urls = [f"{base}/fast/{n}" for n in range(FAST_PAGES)] + [f"{base}/slow/{n}" for n in range(64, 67)]

        response = importer.post(
            "/api/imports/", {"urls": urls, "project": project.slug, "background": True}, format="json"
        )

        assert response.status_code == 202, response.content
        body = response.json()
        assert body == {"batch": body["batch"], "status": "queued", "url": f"/api/imports/{body['batch']}/"}
        batch = body["batch"]
        queued = status_of(importer, batch)
        assert queued["status"] == "queued" and queued["processed"] == 0 and queued["items"] is None
        assert ImportBatch.objects.get(pk=batch).pending["urls"] == urls  # stored for a worker anywhere

        with job_worker():
            running = wait_for(
                lambda: (state := status_of(importer, batch))["processed"] >= FAST_PAGES and state,
                what="the first chunk",
            )
            assert running["status"] == "running", running
            assert running["counts"]["imported"] == FAST_PAGES and running["items"] is None
            Pages.release.set()
            done = wait_for(lambda: (state := status_of(importer, batch))["status"] == "done" and state, what="done")

    assert done["processed"] == 67 and done["counts"]["imported"] == 67 and done["counts"]["failed"] == 0
    assert [item["item"] for item in done["items"]] == urls
    assert all(item["outcome"] == "imported" and item["article"] for item in done["items"])
    assert project.articles.count() == 67 == Article.objects.count()
    assert ImportBatch.objects.get(pk=batch).pending == {}  # the stored submission is let go once run


def test_an_upload_of_more_than_20_items_runs_in_the_background_without_being_asked(importer, project):
    lines = "\n".join(
        json.dumps({"url": f"https://example.org/{n}", "title": f"Item {n}", "text": f"Text number {n}."})
        for n in range(21)
    )
    upload = SimpleUploadedFile("feed.jsonl", lines.encode())

    response = importer.post("/api/imports/", {"files": [upload], "project": project.slug}, format="multipart")

    assert response.status_code == 202, response.content
    batch = ImportBatch.objects.get(pk=response.json()["batch"])
    assert batch.status == "queued"
    assert [(u.name, bytes(u.data)) for u in ImportUpload.objects.filter(batch=batch)] == [
        ("feed.jsonl", lines.encode())
    ]
    assert ProcrastinateJob.objects.filter(task_name="articles.import_batch", args={"batch_id": batch.pk}).exists()
    assert Article.objects.count() == 0  # nothing imported inside the request

    with job_worker():
        wait_for(lambda: status_of(importer, batch.pk)["status"] == "done", what="done")
    assert Article.objects.count() == 21
    assert not ImportUpload.objects.filter(batch=batch).exists()


def test_twenty_items_still_import_in_the_request(importer, project):
    urls = [f"not a url {n}" for n in range(20)]

    response = importer.post("/api/imports/", {"urls": urls, "project": project.slug}, format="json")

    assert response.status_code == 201
    assert len(response.json()["items"]) == 20


def test_a_bad_background_flag_is_refused_and_nothing_is_queued(importer, project):
    jobs = ProcrastinateJob.objects.count()  # the job tables are not emptied between tests

    response = importer.post(
        "/api/imports/", {"urls": ["https://example.org/"], "project": project.slug, "background": 3}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"background": ["Must be true or false."]}
    assert not ImportBatch.objects.exists()
    assert ProcrastinateJob.objects.count() == jobs


def test_another_users_import_status_is_404(importer, project):
    batch = importer.post(
        "/api/imports/", {"urls": ["https://example.org/"], "project": project.slug, "background": True}, format="json"
    ).json()["batch"]
    other = APIClient()
    other.force_authenticate(UserFactory(username="other-importer", is_staff=True))

    assert other.get(f"/api/imports/{batch}/").status_code == 404
    assert other.get(f"/api/imports/{batch + 1000}/").status_code == 404


def test_a_job_whose_worker_is_killed_ends_failed_with_the_items_it_wrote(importer, project):
    with serving(Pages) as base:
        Pages.release.clear()
        urls = [f"{base}/fast/{n}" for n in range(FAST_PAGES)] + [f"{base}/slow/{n}" for n in range(64, 70)]
        batch = importer.post(
            "/api/imports/", {"urls": urls, "project": project.slug, "background": True}, format="json"
        ).json()["batch"]
        with job_worker() as worker:
            wait_for(lambda: status_of(importer, batch)["processed"] >= FAST_PAGES, what="the first chunk")
            worker.send_signal(signal.SIGKILL)  # the machine went away mid-import
            worker.wait()
        Pages.release.set()

    assert status_of(importer, batch)["status"] == "running"
    time.sleep(2.5)  # no heartbeat since the kill
    assert fail_stalled_imports(seconds_since_heartbeat=2) == [batch]

    state = status_of(importer, batch)
    assert state["status"] == "failed"
    assert state["processed"] == FAST_PAGES and state["counts"]["imported"] == FAST_PAGES
    last = state["items"][-1]
    assert last["item"] == "(import)" and last["outcome"] == "failed"
    assert last["message"] == (
        "the import stopped here: the job worker running it stopped (no heartbeat for 2 s); "
        f"the {FAST_PAGES} items above were handled as listed"
    )
    assert [item["item"] for item in state["items"][:-1]] == urls[:FAST_PAGES]
    assert Article.objects.count() == FAST_PAGES  # what was written stays, and is listed
    assert ProcrastinateJob.objects.get(args={"batch_id": batch}).status == "failed"
    assert fail_stalled_imports(seconds_since_heartbeat=2) == []  # once


def test_the_import_page_queues_a_big_upload_shows_its_progress_then_its_results(transactional_db, client, project):
    admin = UserFactory(username="page-admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    lines = "\n".join(
        json.dumps({"url": f"https://example.org/p{n}", "title": f"Page item {n}", "text": f"Body {n}."})
        for n in range(25)
    )

    response = client.post(
        "/import/", {"project": project.pk, "files": [SimpleUploadedFile("many.jsonl", lines.encode())]}
    )

    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/import/?batch={batch.pk}"
    progress = client.get(response["Location"]).content.decode()
    assert f'data-status-url="/api/imports/{batch.pk}/"' in progress
    # The script's name carries its content hash when static files are collected (whitenoise's manifest).
    assert re.search(r'type="module" src="/static/articles/import-progress(\.[0-9a-f]+)?\.js"', progress)
    assert "<script>" not in progress  # no inline script (CSP)

    with job_worker():
        wait_for(lambda: ImportBatch.objects.get().status == "done", what="done")
    results = client.get(response["Location"]).content.decode()
    assert f"Results of import {batch.pk}" in results and not re.search(r"import-progress(\.[0-9a-f]+)?\.js", results)
    assert results.count("Imported</td>") == 25


def test_the_command_with_background_stores_the_files_and_queues_them(transactional_db, project, tmp_path):
    (tmp_path / "a.html").write_bytes(page(1))
    (tmp_path / "b.html").write_bytes(page(2))
    out = __import__("io").StringIO()

    call_command("import_articles", str(tmp_path), "--project", project.slug, "--background", stdout=out)

    batch = ImportBatch.objects.get()
    assert out.getvalue().startswith(f"Import batch {batch.pk} queued: 2 files, 0 URL lines.")
    assert batch.status == "queued" and batch.channel == "command"
    assert [u.name for u in batch.uploads.all()] == [str(tmp_path / "a.html"), str(tmp_path / "b.html")]
    assert Article.objects.count() == 0
    with job_worker():
        wait_for(lambda: ImportBatch.objects.get().status == "done", what="done")
    assert sorted(project.articles.values_list("title", flat=True)) == ["Background page 1", "Background page 2"]
