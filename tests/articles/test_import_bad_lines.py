"""A bad JSON Lines line fails alone, whatever field is wrong, and every import tells truthfully what it stored.

Issue 11: `published_at` 2024-02-30 on line 71 of 72 gave a 500 after 64 articles were committed, and a
traceback at the command line. Each case here: 71 lines imported, line 71 failed with a message naming the line
and the field, nothing written for it; through the service, POST /api/imports/, the /import/ page and the command.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from rest_framework.test import APIClient

from articles.importers import iter_jsonl, iter_sources
from articles.models import Article, ImportBatch, Outlet, Snapshot
from articles.services import FAILED, IMPORTED, batch_results, run_import

BAD_LINE = 71


def line(number: int, **fields) -> dict:
    record = {
        "url": f"https://wire.example.com/{number}",
        "title": f"Report {number}",
        "text": f"Report {number}: talks resumed in Geneva on day {number}, the mediators said.",
    }
    record.update(fields)
    return record


def feed(bad: dict | str, *, total: int = 72) -> bytes:
    """`total` good lines, with line 71 replaced by `bad` (a record, or raw text for a line that is not JSON)."""
    lines = [json.dumps(line(number)) for number in range(1, total + 1)]
    lines[BAD_LINE - 1] = bad if isinstance(bad, str) else json.dumps(bad)
    return ("\n".join(lines) + "\n").encode()


BAD_FIELDS = [
    pytest.param(
        {"published_at": "2024-02-30T10:00:00"},
        "published_at is not a valid date and time: '2024-02-30T10:00:00' (day is out of range for month)",
        id="impossible-date",
    ),
    pytest.param(
        {"published_at": "yesterday"},
        "published_at is not an ISO 8601 date and time: 'yesterday'",
        id="not-a-date",
    ),
    pytest.param(
        {"captured_at": "0001-01-01T00:30:00+01:00"},
        "captured_at is not a valid date and time: '0001-01-01T00:30:00+01:00' (date value out of range)",
        id="date-before-year-1-in-utc",
    ),
    pytest.param({"captured_at": 20240301}, "captured_at must be a string, not a number", id="date-as-number"),
    pytest.param({"text": ["a"]}, "text must be a string, not a list", id="text-as-list"),
    pytest.param({"text": None, "html": {"body": "x"}}, "html must be a string, not an object", id="html-as-object"),
    pytest.param({"title": 5}, "title must be a string, not a number", id="title-as-number"),
    pytest.param({"outlet": ["Reuters"]}, "outlet must be a string, not a list", id="outlet-as-list"),
    pytest.param({"language": True}, "language must be a string, not true/false", id="language-as-bool"),
    pytest.param({"byline": "B" * 501}, "byline is longer than 500 characters (501)", id="byline-too-long"),
    pytest.param({"language": "x" * 36}, "language is longer than 35 characters (36)", id="language-too-long"),
    pytest.param({"outlet": "O" * 201}, "outlet is longer than 200 characters (201)", id="outlet-too-long"),
    pytest.param(
        {"url": "https://wire.example.com/" + "a" * 2000},
        "url is longer than 2000 characters (2025)",
        id="url-too-long",
    ),
    pytest.param(
        {"canonical_url": "https://wire.example.com/" + "c" * 2000},
        "canonical_url is longer than 2000 characters (2025)",
        id="canonical-url-too-long",
    ),
    pytest.param(
        {"url": "ftp://wire.example.com/71"}, "url is not an http(s) URL: 'ftp://wire.example.com/71'", id="url"
    ),
    pytest.param(
        {"canonical_url": "wire.example.com/71"},
        "canonical_url is not an http(s) URL: 'wire.example.com/71'",
        id="canonical-url-not-a-url",
    ),
    pytest.param(
        {"title": "Report\u0000 71"},
        "title contains a NUL character (\\u0000), which a text cannot hold",
        id="nul-in-title",
    ),
    pytest.param(
        {"note": {"k": "a\u0000b"}},
        "note contains a NUL character (\\u0000), which cannot be stored",
        id="nul-in-extra-field",
    ),
    pytest.param({"text": "", "html": ""}, "neither html nor text is given", id="no-text"),
]


def assert_line_71_failed_alone(batch: ImportBatch, message: str) -> None:
    results = batch_results(batch)
    assert len(results) == 72
    assert [result.outcome for result in results] == [IMPORTED] * 70 + [FAILED, IMPORTED]
    assert results[BAD_LINE - 1].message == f"line {BAD_LINE}: {message}"
    assert (batch.imported, batch.failed, batch.status) == (71, 1, ImportBatch.Status.FAILED)
    assert Snapshot.objects.count() == Article.objects.count() == 71
    assert not Article.objects.filter(title="Report 71").exists()
    assert Article.objects.filter(title="Report 72").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("fields", "message"), BAD_FIELDS)
def test_a_bad_field_on_line_71_fails_that_line_alone(tmp_path, fields, message):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(feed(line(BAD_LINE, **fields)))

    batch = run_import(items=iter_sources([str(path)]), jobs=1)

    assert_line_71_failed_alone(batch, message)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("[1, 2]", "invalid JSON: expected an object with url and html or text"),
        ("[" * 100_000 + "]" * 100_000, "invalid JSON (nested too deeply)"),
        ('{"url": "https://wire.example.com/71", "text": ', "invalid JSON (Expecting value"),
    ],
    ids=["not-an-object", "nested-100000-deep", "cut-short"],
)
def test_a_line_that_is_not_a_json_object_fails_alone(bad, message):
    batch = run_import(items=iter_jsonl(io.BytesIO(feed(bad)), name="feed.jsonl"), jobs=1)

    assert batch_results(batch)[BAD_LINE - 1].message.startswith(f"line {BAD_LINE}: {message}")
    assert Article.objects.filter(import_batch=batch).count() == 71


@pytest.mark.django_db
def test_an_outlet_never_seen_before_is_created_with_the_lines_name(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(feed(line(BAD_LINE, url="https://new-agency.example.net/71", outlet="New Agency")))

    batch = run_import(items=iter_sources([str(path)]), jobs=1)

    assert batch.failed == 0 and batch.imported == 72
    assert Article.objects.get(title="Report 71").outlet == Outlet.objects.get(domain="new-agency.example.net")
    assert Outlet.objects.get(domain="new-agency.example.net").name == "New Agency"


# --- the API, the Import page and the command -----------------------------------------------------------------

IMPOSSIBLE_DATE = line(BAD_LINE, published_at="2024-02-30T10:00:00")
IMPOSSIBLE_DATE_MESSAGE = (
    "line 71: published_at is not a valid date and time: '2024-02-30T10:00:00' (day is out of range for month)"
)


# 72 lines would run as a background job (tests/articles/test_background_imports.py): here the request runs them.
@override_settings(NEWSARCHIVE_FOREGROUND_IMPORT_ITEMS=100)
def test_api_import_of_json_lines_reports_every_line_when_line_71_has_an_impossible_date(project, project_admin):
    api = APIClient()
    api.force_authenticate(project_admin)
    upload = SimpleUploadedFile("feed.jsonl", feed(IMPOSSIBLE_DATE))

    response = api.post("/api/imports/", {"project": project.pk, "files": [upload]}, format="multipart")

    assert response.status_code == 201
    body = response.json()
    assert body["counts"]["imported"] == 71 and body["counts"]["failed"] == 1
    assert len(body["items"]) == 72
    assert body["items"][BAD_LINE - 1] == {
        "item": "feed.jsonl line 71",
        "outcome": "failed",
        "message": IMPOSSIBLE_DATE_MESSAGE,
        "article": None,
    }
    assert all(item["article"] for index, item in enumerate(body["items"]) if index != BAD_LINE - 1)
    assert project.articles.count() == Article.objects.count() == 71


# 72 lines would run as a background job (tests/articles/test_background_imports.py): here the request runs them.
@override_settings(NEWSARCHIVE_FOREGROUND_IMPORT_ITEMS=100)
def test_import_page_lists_every_line_when_line_71_has_an_impossible_date(client, project, project_admin):
    client.force_login(project_admin)
    upload = SimpleUploadedFile("feed.jsonl", feed(IMPOSSIBLE_DATE))

    response = client.post("/import/", {"project": project.pk, "files": [upload], "urls": "", "title": "", "text": ""})

    assert response.status_code == 200
    html = response.content.decode()
    assert "71 imported" in html and "1 failed" in html
    assert "line 71: published_at is not a valid date and time" in html
    assert project.articles.count() == Article.objects.count() == 71


@pytest.mark.django_db
def test_command_lists_line_71_and_exits_1_without_a_traceback(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(feed(IMPOSSIBLE_DATE))
    out = io.StringIO()

    with pytest.raises(CommandError, match="1 of 72 items failed") as failure:
        call_command("import_articles", str(path), "--jobs", "1", stdout=out, stderr=io.StringIO())

    assert failure.value.returncode == 1
    assert f"  {path} line 71: {IMPOSSIBLE_DATE_MESSAGE}" in out.getvalue()
    assert Article.objects.count() == 71


@pytest.mark.parametrize(
    ("field", "value"),
    [("text", ["a"]), ("title", {"t": 1}), ("project", 1.5), ("urls", [["https://a.example.com/"]])],
)
def test_api_import_refuses_a_field_that_is_not_a_string(project, project_admin, field, value):
    api = APIClient()
    api.force_authenticate(project_admin)
    body = {"project": project.slug, "text": "Talks resumed.", "title": "Talks", field: value}

    response = api.post("/api/imports/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Snapshot.objects.count() == 0 and ImportBatch.objects.count() == 0


# --- whatever happens, the import tells what it stored ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_import_that_breaks_midway_records_what_it_stored_and_where_it_stopped(tmp_path):
    """An input that breaks beyond one item (here a reader whose source fails) ends the batch, not the report."""
    path = tmp_path / "feed.jsonl"
    path.write_bytes(feed(line(BAD_LINE)))

    def items_then_a_broken_source():
        for number, item in enumerate(iter_sources([str(path)]), start=1):
            if number == BAD_LINE:
                raise OSError("the network share went away")
            yield item

    batch = run_import(items=items_then_a_broken_source(), jobs=1)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and batch.finished_at is not None
    assert len(batch.items) == 71
    assert [row["outcome"] for row in batch.items[:70]] == [IMPORTED] * 70
    assert batch.items[-1] == {
        "item": "(import)",
        "outcome": FAILED,
        "message": "the import stopped here (OSError: the network share went away); "
        "the 70 items above were handled as listed",
        "article": None,
    }
    assert (batch.imported, batch.failed) == (70, 1)
    assert Article.objects.count() == 70
    assert sorted(Article.objects.values_list("id", flat=True)) == sorted(row["article"] for row in batch.items[:70])
