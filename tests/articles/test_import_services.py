"""The import pipeline on real sample pages: archive semantics, every bad input of issue 3, and the readers.

Only the outside network is replaced, by an HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from articles.importers import iter_sources, iter_url_list, normalised_text_sha256, prepare_item, text_item
from articles.models import Article, ImportBatch, Outlet, Snapshot
from articles.services import (
    DUPLICATE,
    FAILED,
    IMPORTED,
    NEW_VERSION,
    SYNDICATED_COPY,
    batch_results,
    import_html,
    import_text,
    import_url,
    run_import,
)
from tests.factories import UserFactory
from tests.localhttp import serving

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"
JPOST = FIXTURES / "jpost-berlin-stabbing.html.gz"
SLASHGEAR = FIXTURES / "slashgear-audi.html.gz"
COMWRAP = FIXTURES / "comwrap-dmexco.html.gz"

PARAGRAPHS = [
    "Shelling hit the central market of the city on Tuesday morning, local officials said, killing at least four.",
    "The regional governor said air defences had intercepted several drones overnight, but debris hit a school.",
    "Neither side's claims could be independently verified by reporters in the area on Tuesday evening.",
]


def page(title: str, paragraphs: list[str], *, canonical: str = "", comment: str = "") -> bytes:
    """A small news page that the extractor accepts."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{link}</head>'
        f'<body><nav><a href="/">Home</a></nav><article><h1>{title}</h1>{body}</article>'
        f"<footer>Copyright</footer>{comment}</body></html>"
    ).encode()


def archive_counts() -> tuple[int, int, int]:
    return Snapshot.objects.count(), Article.objects.count(), Outlet.objects.count()


def import_paths(*paths: Path | str, **kwargs) -> ImportBatch:
    return run_import(items=iter_sources([str(path) for path in paths]), jobs=kwargs.pop("jobs", 1), **kwargs)


def only_result(batch: ImportBatch):
    (result,) = batch_results(batch)
    return result


# --- archive semantics -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_saved_page_is_archived_with_its_exact_bytes_and_extracted_article():
    batch = import_paths(JPOST)

    result = only_result(batch)
    assert result.outcome == IMPORTED
    article = Article.objects.get(pk=result.article_id)
    assert article.title == "Son of former German president stabbed to death in Berlin"
    assert "Fritz von Weizsaecker" in article.text or "Weizs" in article.text
    assert article.canonical_url.startswith("https://www.jpost.com/")
    assert article.outlet.domain == "jpost.com"
    assert article.text_sha256 == normalised_text_sha256(article.text)
    snapshot = article.snapshot
    assert bytes(snapshot.raw) == gzip.decompress(JPOST.read_bytes())
    assert snapshot.size == len(bytes(snapshot.raw))
    assert snapshot.filename == JPOST.name
    assert abs(snapshot.imported_at - timezone.now()) < dt.timedelta(minutes=5)
    assert snapshot.import_batch == batch == article.import_batch


@pytest.mark.django_db
def test_reimport_of_same_bytes_is_a_duplicate_and_creates_nothing():
    first = only_result(import_paths(SLASHGEAR))
    before = archive_counts()

    again = only_result(import_paths(SLASHGEAR))

    assert again.outcome == DUPLICATE
    assert again.article_id == first.article_id
    assert f"already archived as article {first.article_id}" in again.message
    assert archive_counts() == before


@pytest.mark.django_db
def test_same_bytes_twice_in_one_import_are_stored_once(tmp_path):
    copy = tmp_path / "copy-of-slashgear.html.gz"
    shutil.copy(SLASHGEAR, copy)

    batch = import_paths(SLASHGEAR, copy)

    first, second = batch_results(batch)
    assert (first.outcome, second.outcome) == (IMPORTED, DUPLICATE)
    assert second.article_id == first.article_id
    assert Snapshot.objects.count() == 1


@pytest.mark.django_db
def test_same_url_with_different_text_becomes_a_new_version_that_supersedes_the_old():
    url = "https://news.example.org/world/market-shelled"
    old = import_html(raw=page("Market shelled", PARAGRAPHS), url=url)

    new = import_html(raw=page("Market shelled, six dead", [*PARAGRAPHS, "The toll rose to six."]), url=url)

    assert old.outcome == IMPORTED
    assert new.outcome == NEW_VERSION
    assert f"new version of article {old.article_id}" in new.message
    article = Article.objects.get(pk=new.article_id)
    assert article.supersedes_id == old.article_id
    assert article.duplicate_of_id is None
    assert Article.objects.count() == 2


@pytest.mark.django_db
def test_new_version_is_recognised_by_canonical_url_when_saved_without_url():
    canonical = "https://news.example.org/world/market-shelled"
    old = import_html(raw=page("Market shelled", PARAGRAPHS, canonical=canonical), filename="saved.html")

    new = import_html(
        raw=page("Market shelled", [*PARAGRAPHS, "The toll rose to six."], canonical=canonical), filename="later.html"
    )

    assert new.outcome == NEW_VERSION
    assert Article.objects.get(pk=new.article_id).supersedes_id == old.article_id


@pytest.mark.django_db
def test_same_text_under_another_url_is_archived_as_a_syndicated_copy():
    wire = import_html(raw=page("Market shelled", PARAGRAPHS), url="https://wire.example.com/story/1")

    copy = import_html(
        raw=page("Market shelled - Daily Example", PARAGRAPHS, comment="<!-- ad slot -->"),
        url="https://daily.example.net/world/market-shelled",
    )

    assert copy.outcome == SYNDICATED_COPY
    assert f"same text as article {wire.article_id}" in copy.message
    article = Article.objects.get(pk=copy.article_id)
    assert article.duplicate_of_id == wire.article_id
    assert article.supersedes_id is None
    assert Snapshot.objects.count() == 2  # still archived: the copy's own bytes are kept


@pytest.mark.django_db
def test_copies_differing_only_in_case_and_spacing_count_as_the_same_text():
    import_text(text="Troops  entered the town.\n\nResidents fled.", title="A", url="https://a.example/1")

    result = import_text(text="troops entered the town. residents fled.", title="B", url="https://b.example/2")

    assert result.outcome == SYNDICATED_COPY


@pytest.mark.django_db
def test_home_page_canonical_url_does_not_make_unrelated_pages_versions_of_each_other():
    home = "https://news.example.org/"
    import_html(raw=page("First story", PARAGRAPHS, canonical=home), filename="a.html")

    other = import_html(raw=page("Second story", ["A different report about talks in Geneva."] * 2, canonical=home))

    assert other.outcome == IMPORTED


@pytest.mark.django_db
def test_imported_articles_and_duplicates_are_added_to_the_project(project):
    first = import_paths(JPOST, project=project)
    import_paths(JPOST, SLASHGEAR, project=project)

    ids = set(project.articles.values_list("id", flat=True))
    assert only_result(first).article_id in ids
    assert len(ids) == 2


@pytest.mark.django_db
def test_import_batch_records_who_when_source_counts_and_each_item(tmp_path):
    user = UserFactory(username="researcher")
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")

    batch = import_paths(JPOST, JPOST, empty, user=user, source="three files")

    batch.refresh_from_db()
    assert batch.created_by == user
    assert batch.source == "three files"
    assert batch.finished_at is not None
    assert (batch.imported, batch.duplicates, batch.new_versions, batch.failed) == (1, 1, 0, 1)
    assert batch.status == ImportBatch.Status.FAILED
    assert [row["outcome"] for row in batch.items] == [IMPORTED, DUPLICATE, FAILED]
    assert batch.items[2] == {"item": str(empty), "outcome": FAILED, "message": "empty file", "article": None}


@pytest.mark.django_db
def test_item_the_database_refuses_fails_alone_and_leaves_no_half_written_rows():
    too_long_url = "https://news.example.org/" + "a" * 2100
    items = [
        text_item(text="Troops entered the town at dawn.", title="Dawn", url="https://news.example.org/dawn"),
        text_item(text="Talks resumed in Geneva.", title="Geneva", url=too_long_url),
        text_item(text="A ceasefire was announced.", title="Ceasefire", url="https://news.example.org/ceasefire"),
    ]

    batch = run_import(items=items, jobs=1)

    outcomes = [result.outcome for result in batch_results(batch)]
    assert outcomes == [IMPORTED, FAILED, IMPORTED]
    assert batch_results(batch)[1].message.startswith("the database refused it:")
    assert Snapshot.objects.count() == Article.objects.count() == 2


@pytest.mark.django_db
def test_parallel_import_gives_the_same_results_as_one_process(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")

    batch = import_paths(JPOST, SLASHGEAR, empty, COMWRAP, JPOST, jobs=2)

    assert [r.outcome for r in batch_results(batch)] == [IMPORTED, IMPORTED, FAILED, IMPORTED, DUPLICATE]
    assert Snapshot.objects.count() == Article.objects.count() == 3


# --- pasted text ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pasted_text_is_stored_exactly_as_pasted_under_its_title():
    text = "GENEVA (Reuters) - Talks resumed on Monday.\r\n\r\n“We are hopeful,” an envoy said. 🕊️"

    result = import_text(text=text, title="  Talks resume in Geneva ")

    article = Article.objects.get(pk=result.article_id)
    assert article.title == "Talks resume in Geneva"
    assert article.text == "GENEVA (Reuters) - Talks resumed on Monday.\n\n“We are hopeful,” an envoy said. 🕊️"
    assert bytes(article.snapshot.raw) == text.encode("utf-8")


@pytest.mark.django_db
def test_pasted_text_without_title_is_refused():
    with pytest.raises(ValidationError, match="needs its title"):
        import_text(text="Some text.", title=" ")

    assert archive_counts() == (0, 0, 0)


# --- bad input (issue 3, point 8): the message, and nothing partial stored ------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.html", "empty file"),
        ("report.pdf", "the file looks like a binary file (PDF), not a web page or text"),
        ("photo.png", "the file looks like a binary file (PNG image), not a web page or text"),
        ("navigation-only.html", "no article text found in the page"),
        ("truncated.html.gz", "truncated or corrupt gzip data"),
    ],
)
def test_bad_file_fails_with_its_reason_and_stores_nothing(name, message):
    batch = import_paths(FIXTURES / name)

    result = only_result(batch)
    assert result.outcome == FAILED
    assert message in result.message
    assert result.article_id is None
    assert archive_counts() == (0, 0, 0)
    assert batch.failed == 1


@pytest.mark.django_db
def test_undeclared_windows_1251_text_is_decoded_right():
    result = only_result(import_paths(FIXTURES / "russian-cp1251-undeclared.txt"))

    assert result.outcome == IMPORTED
    article = Article.objects.get(pk=result.article_id)
    assert "Министерство обороны России" in article.text
    assert bytes(article.snapshot.raw) == (FIXTURES / "russian-cp1251-undeclared.txt").read_bytes()


@pytest.mark.django_db
def test_file_over_the_size_cap_fails_before_it_is_read(settings):
    settings.NEWSARCHIVE_IMPORT_MAX_BYTES = 1024

    result = only_result(import_paths(JPOST))

    assert result.outcome == FAILED
    assert result.message == "file is larger than the 1 KB import limit"
    assert archive_counts() == (0, 0, 0)


@pytest.mark.django_db
def test_gzipped_file_over_the_size_cap_once_decompressed_fails(settings, tmp_path):
    settings.NEWSARCHIVE_IMPORT_MAX_BYTES = 20 * 1024
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(page("Big", PARAGRAPHS) + b" " * 100_000))

    result = only_result(import_paths(bomb))

    assert result.message == "file is larger than the 20 KB import limit once decompressed"
    assert archive_counts() == (0, 0, 0)


def test_size_cap_message_names_the_default_limit_in_megabytes():
    from articles.importers import too_large

    assert too_large(20 * 1024 * 1024) == "file is larger than the 20 MB import limit"


@pytest.mark.django_db
def test_missing_path_fails_with_its_reason():
    result = only_result(import_paths("/nonexistent/folder/page.html"))

    assert (result.outcome, result.message) == (FAILED, "no such file or folder")


# --- URLs, against a local server ----------------------------------------------------------------------------

JPOST_HTML = gzip.decompress(JPOST.read_bytes())


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/article":
            self._send(200, JPOST_HTML, "text/html; charset=utf-8")
        elif self.path == "/moved":
            self._redirect("/article")
        elif self.path == "/missing":
            self._send(404, b"<html><body>Not found</body></html>", "text/html")
        elif self.path == "/loop-a":
            self._redirect("/loop-b")
        elif self.path == "/loop-b":
            self._redirect("/loop-a")
        elif self.path == "/report.pdf":
            self._send(200, b"%PDF-1.7 not a web page", "application/pdf")
        elif self.path == "/slow":
            self.server.release.wait(5)
            self._send(200, b"<html>late</html>", "text/html")
        else:
            self._send(404, b"", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    with serving(_Handler) as url:
        yield url


@pytest.fixture
def local_network(settings):
    settings.NEWSARCHIVE_FETCH_ALLOWED_ADDRESSES = ["127.0.0.1"]
    settings.NEWSARCHIVE_FETCH_TIMEOUT = 0.5


@pytest.mark.django_db
def test_url_is_fetched_and_archived_with_its_headers_and_final_url(server, local_network):
    result = import_url(url=f"{server}/moved")

    assert result.outcome == IMPORTED
    article = Article.objects.get(pk=result.article_id)
    assert article.url == f"{server}/article"
    assert article.metadata["import"]["requested_url"] == f"{server}/moved"
    assert article.snapshot.http_headers["content-type"] == "text/html; charset=utf-8"
    assert bytes(article.snapshot.raw) == JPOST_HTML


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/slow", "timed out after 0.5 seconds"),
        ("/missing", "HTTP 404 Not Found"),
        ("/loop-a", "too many redirects"),
        ("/report.pdf", "unsupported content type application/pdf"),
    ],
)
def test_url_that_cannot_be_archived_fails_with_its_reason_and_stores_nothing(server, local_network, path, message):
    batch = run_import(items=iter_url_list([f"{server}{path}"]), jobs=1)

    result = only_result(batch)
    assert result.outcome == FAILED
    assert message in result.message
    assert archive_counts() == (0, 0, 0)
    with pytest.raises(ValidationError, match=message.split(" ")[0]):
        import_url(url=f"{server}{path}")
    assert archive_counts() == (0, 0, 0)


@pytest.mark.django_db
def test_url_on_a_private_address_is_refused_without_being_fetched(server, settings):
    settings.NEWSARCHIVE_FETCH_ALLOWED_ADDRESSES = []

    batch = run_import(items=iter_url_list([f"{server}/article", "http://10.0.0.1/admin"]), jobs=1)

    for result in batch_results(batch):
        assert result.outcome == FAILED
        assert result.message.startswith("refused:")
        assert "private" in result.message
    assert archive_counts() == (0, 0, 0)


@pytest.mark.django_db
def test_url_list_skips_comments_and_reports_lines_that_are_not_urls(server, local_network):
    lines = ["# sources for March", "", f"{server}/article", "not a url", f"{server}/missing"]

    batch = run_import(items=iter_url_list(lines, name="urls.txt"), jobs=1)

    results = batch_results(batch)
    assert [r.outcome for r in results] == [IMPORTED, FAILED, FAILED]
    assert results[1].item == "urls.txt line 4"
    assert results[1].message == "not an http(s) URL: 'not a url'"


# --- folders, WARC, JSON Lines -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_folder_is_imported_recursively_skipping_companion_folders_and_other_files(tmp_path):
    (tmp_path / "week1" / "day2").mkdir(parents=True)
    shutil.copy(JPOST, tmp_path / "week1" / "jpost.html.gz")
    shutil.copy(FIXTURES / "libya-haftar-putin.txt", tmp_path / "week1" / "day2" / "libya.txt")
    (tmp_path / "week1" / "jpost_files").mkdir()
    (tmp_path / "week1" / "jpost_files" / "ad-frame.html").write_bytes(page("Ad", PARAGRAPHS))
    shutil.copy(FIXTURES / "photo.png", tmp_path / "week1" / "photo.png")

    batch = import_paths(tmp_path)

    items = [Path(result.item).name for result in batch_results(batch)]
    assert items == ["jpost.html.gz", "libya.txt"]
    assert batch.imported == 2


def _warc_record(writer: WARCWriter, url: str, payload: bytes, *, content_type: str, status: str = "200 OK"):
    http_headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    return writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(payload),
        http_headers=http_headers,
        warc_headers_dict={"WARC-Date": "2019-11-20T10:45:00Z"},
    )


def make_warc(path: Path, *, gzipped: bool) -> Path:
    """A small WARC as web-archiving tools write it: pages, an image, a request, a 404."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=gzipped)
        writer.write_record(
            _warc_record(writer, "https://www.jpost.com/a", JPOST_HTML, content_type="text/html; charset=utf-8")
        )
        writer.write_record(
            writer.create_warc_record(
                "https://www.jpost.com/a", "request", payload=io.BytesIO(b"GET /a HTTP/1.1\r\n\r\n")
            )
        )
        writer.write_record(
            _warc_record(writer, "https://www.jpost.com/logo.png", b"\x89PNG\r\n", content_type="image/png")
        )
        writer.write_record(
            _warc_record(
                writer,
                "https://www.jpost.com/gone",
                b"<html>gone</html>",
                content_type="text/html",
                status="404 Not Found",
            )
        )
        slashgear = gzip.decompress(SLASHGEAR.read_bytes())
        writer.write_record(_warc_record(writer, "https://www.slashgear.com/b", slashgear, content_type="text/html"))
    return path


@pytest.mark.django_db
@pytest.mark.parametrize("gzipped", [False, True])
def test_warc_response_records_are_archived_with_url_headers_and_capture_date(tmp_path, gzipped):
    warc = make_warc(tmp_path / ("crawl.warc.gz" if gzipped else "crawl.warc"), gzipped=gzipped)

    batch = import_paths(warc)

    results = batch_results(batch)
    assert [r.outcome for r in results] == [IMPORTED, FAILED, IMPORTED]
    assert results[1].message == "the archived response is HTTP 404 Not Found, not a page"
    article = Article.objects.get(pk=results[0].article_id)
    assert article.url == "https://www.jpost.com/a"
    assert article.snapshot.captured_at == dt.datetime(2019, 11, 20, 10, 45, tzinfo=dt.UTC)
    assert article.snapshot.http_headers["content-type"] == "text/html; charset=utf-8"
    assert bytes(article.snapshot.raw) == JPOST_HTML


@pytest.mark.django_db
@pytest.mark.parametrize("gzipped", [False, True])
def test_malformed_warc_fails_once_and_keeps_the_records_read_before(tmp_path, gzipped):
    whole = make_warc(tmp_path / "whole.warc", gzipped=gzipped).read_bytes()
    damaged = tmp_path / ("damaged.warc.gz" if gzipped else "damaged.warc")
    damaged.write_bytes(whole[:-2000])

    batch = import_paths(damaged)

    results = batch_results(batch)
    assert [r.outcome for r in results] == [IMPORTED, FAILED, FAILED]
    assert results[-1].item == str(damaged)
    assert results[-1].message.startswith("malformed WARC: record 5 https://www.slashgear.com/b is cut short")
    assert Snapshot.objects.count() == Article.objects.count() == 1


@pytest.mark.django_db
def test_file_that_is_not_a_warc_fails_with_a_clear_message(tmp_path):
    fake = tmp_path / "notes.warc"
    fake.write_text("These are my notes, not a web archive.\n")

    result = only_result(import_paths(fake))

    assert result.message == "malformed WARC: not a WARC file"
    assert archive_counts() == (0, 0, 0)


@pytest.mark.django_db
def test_json_lines_records_are_imported_and_bad_lines_fail_with_their_line_number(tmp_path):
    lines = [
        json.dumps(
            {
                "url": "https://www.jpost.com/a",
                "html": JPOST_HTML.decode("utf-8"),
                "title": "Weizsaecker's son killed",
                "published_at": "2019-11-20T10:43:00+02:00",
                "outlet": "The Jerusalem Post",
            }
        ),
        json.dumps({"url": "https://wire.example.com/1", "text": "Talks resumed in Geneva.", "language": "en"}),
        "",
        '{"url": "https://broken.example.com/", "text": ',
        json.dumps({"url": "https://empty.example.com/"}),
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")

    batch = import_paths(feed)

    results = batch_results(batch)
    assert [r.outcome for r in results] == [IMPORTED, IMPORTED, FAILED, FAILED]
    assert results[2].message.startswith("line 4: invalid JSON")
    assert results[3].message == "line 5: neither html nor text is given"
    first = Article.objects.get(pk=results[0].article_id)
    assert first.title == "Weizsaecker's son killed"
    assert first.published_at == dt.datetime(2019, 11, 20, 8, 43, tzinfo=dt.UTC)
    assert first.outlet.name == "The Jerusalem Post"
    second = Article.objects.get(pk=results[1].article_id)
    assert (second.text, second.title, second.language) == (
        "Talks resumed in Geneva.",
        "Talks resumed in Geneva.",
        "en",
    )
    assert Snapshot.objects.count() == 2


def _prepare_or_crash(item, **kwargs):
    """Stands in for a C library crashing a worker process on one page."""
    if item.label.endswith("crashes-the-worker.html"):
        os._exit(70)
    return prepare_item(item, **kwargs)


@pytest.mark.django_db
def test_a_crashed_worker_fails_only_its_item_and_the_import_goes_on(tmp_path, monkeypatch):
    crasher = tmp_path / "crashes-the-worker.html"
    crasher.write_bytes(page("Crash", PARAGRAPHS))
    monkeypatch.setattr("articles.services.batch.prepare_item", _prepare_or_crash)

    batch = import_paths(JPOST, crasher, SLASHGEAR, COMWRAP, jobs=2)

    results = batch_results(batch)
    assert [r.outcome for r in results] == [IMPORTED, FAILED, IMPORTED, IMPORTED]
    assert results[1].message == "the extraction worker crashed on this item"
    assert Snapshot.objects.count() == Article.objects.count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("jobs", [1, 2])
def test_import_outside_a_transaction_writes_from_a_background_thread_with_the_same_results(tmp_path, jobs):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    seen = []
    threads_before = threading.active_count()

    batch = import_paths(JPOST, SLASHGEAR, empty, JPOST, jobs=jobs, progress=lambda result: seen.append(result.outcome))

    assert seen == [IMPORTED, IMPORTED, FAILED, DUPLICATE]
    assert [r.outcome for r in batch_results(ImportBatch.objects.get(pk=batch.pk))] == seen
    assert Snapshot.objects.count() == Article.objects.count() == 2
    assert threading.active_count() == threads_before
