"""Smoke tests of `manage.py import_articles` and `manage.py extract` with call_command on the sample files."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, OutputWrapper

from articles.management.commands.import_articles import ProgressBar
from articles.models import Article, ImportBatch, Snapshot
from articles.services import FAILED, IMPORTED, ItemResult
from tests.factories import UserFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"
JPOST = FIXTURES / "jpost-berlin-stabbing.html.gz"
LIBYA = FIXTURES / "libya-haftar-putin.txt"


def run(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(*args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


@pytest.mark.django_db
def test_import_articles_imports_a_folder_into_a_project_and_prints_a_summary(tmp_path, project):
    shutil.copy(JPOST, tmp_path / "jpost.html.gz")
    shutil.copy(LIBYA, tmp_path / "libya.txt")
    UserFactory(username="coder")

    out, _ = run("import_articles", str(tmp_path), "--project", project.slug, "--user", "coder", "--jobs", "1")

    batch = ImportBatch.objects.get()
    assert f"Import batch {batch.pk}: 2 items" in out
    assert re.search(r"^  imported +2$", out, re.MULTILINE)
    assert re.search(r"^  failed +0$", out, re.MULTILINE)
    assert batch.created_by.username == "coder"
    assert batch.channel == "command"
    assert batch.source == str(tmp_path)
    assert project.articles.count() == 2


@pytest.mark.django_db
def test_import_articles_exits_with_status_1_and_lists_failures_when_an_item_fails(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")

    with pytest.raises(CommandError, match="1 of 2 items failed") as failure:
        run("import_articles", str(JPOST), str(empty), "--jobs", "2")

    assert failure.value.returncode == 1
    assert Article.objects.count() == 1
    assert ImportBatch.objects.get().items[1]["message"] == "empty file"


@pytest.mark.django_db
def test_import_articles_prints_failed_items_with_their_reason(tmp_path, capsys):
    urls = tmp_path / "urls.txt"
    urls.write_text("# nothing to fetch\nnot-a-url\n")
    stdout = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_articles", "--urls", str(urls), "--jobs", "1", stdout=stdout, stderr=io.StringIO())

    assert f"{urls} line 2: not an http(s) URL: 'not-a-url'" in stdout.getvalue()


@pytest.mark.django_db
def test_import_articles_refuses_an_unknown_project():
    with pytest.raises(CommandError, match="No project with slug or id 'nope'"):
        run("import_articles", str(JPOST), "--project", "nope")

    assert ImportBatch.objects.count() == 0


@pytest.mark.django_db
def test_extract_prints_one_json_object_per_file_and_writes_nothing():
    out, _ = run("extract", str(JPOST), str(LIBYA), "--jsonl")

    lines = out.strip().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert set(first) == {"file", "title", "byline", "published_at", "language", "outlet", "canonical_url", "text"}
    assert first["title"] == "Son of former German president stabbed to death in Berlin"
    assert first["published_at"].startswith("2019-11-20T")
    assert json.loads(lines[1])["file"] == str(LIBYA)
    assert Snapshot.objects.count() == Article.objects.count() == ImportBatch.objects.count() == 0


@pytest.mark.django_db
def test_extract_without_jsonl_prints_indented_json_and_fails_on_a_bad_file():
    stdout = io.StringIO()

    with pytest.raises(CommandError, match="1 of 2 files could not be extracted"):
        call_command("extract", str(LIBYA), str(FIXTURES / "report.pdf"), stdout=stdout)

    decoder = json.JSONDecoder()
    text = stdout.getvalue()
    first, end = decoder.raw_decode(text)
    second, _ = decoder.raw_decode(text[end:].lstrip())
    assert text.startswith('{\n  "file": ')
    assert first["title"].startswith("Haftar thanks")
    assert second == {"file": str(FIXTURES / "report.pdf"), "error": second["error"]}
    assert "binary file (PDF)" in second["error"]
    assert Snapshot.objects.count() == 0


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_redraws_one_line_on_a_terminal():
    terminal = _Terminal()
    bar = ProgressBar(OutputWrapper(terminal), total=2)
    bar.update(ItemResult("a.html", IMPORTED, "archived as article 1", 1))
    bar.update(ItemResult("b.html", FAILED, "empty file"))
    bar.close()

    shown = terminal.getvalue()
    assert shown.startswith("\r[")
    assert shown.rstrip("\n").rsplit("\r", 1)[1].startswith("[" + "#" * 30 + "] 2/2 100%")
    assert "1 failed" in shown
    assert shown.count("\n") == 1


def test_progress_bar_stays_quiet_when_not_on_a_terminal():
    log = io.StringIO()
    bar = ProgressBar(OutputWrapper(log), total=None)
    for number in range(1000):
        bar.update(ItemResult(f"{number}.html", IMPORTED, "archived", number))
    bar.close()

    assert log.getvalue().startswith("1000 items ")
    assert log.getvalue().count("\n") == 1
