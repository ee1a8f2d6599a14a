"""Input that must be stored exactly or refused clearly (issue 11), and import messages that leak nothing.

Each case checks the message and that nothing was lost or half-written.
"""

from __future__ import annotations

import gzip
import io
import json
import unicodedata
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.test import APIClient

from articles.importers import iter_sources
from articles.models import Article, ImportBatch, Snapshot
from articles.services import DUPLICATE, FAILED, IMPORTED, SYNDICATED_COPY, batch_results, import_text, run_import
from projects.models import Membership
from tests.articles.bombs import MiB, write_gzip_member
from tests.articles.test_import_services import make_warc
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

PARAGRAPH = "Shelling hit the central market of the city on Tuesday morning, local officials said, killing four. "


def import_paths(*paths: Path) -> ImportBatch:
    return run_import(items=iter_sources([str(path) for path in paths]), jobs=1)


def page(title: str, body: str, *, charset: str = "utf-8") -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="{charset}"><title>{title}</title></head>'
        f"<body><article><h1>{title}</h1><p>{body}</p><p>{PARAGRAPH * 2}</p></article></body></html>"
    )


# --- pasted text is stored exactly --------------------------------------------------------------------------

PASTED = "  \r\n  Ceasefire talks resume\r\n\r\nThe mediators met\tin Geneva.\rA lone CR stays.\r\n\r\n"
STORED = "  \n  Ceasefire talks resume\n\nThe mediators met\tin Geneva.\rA lone CR stays.\n\n"


@pytest.mark.django_db
def test_pasted_text_is_stored_exactly_except_crlf_which_becomes_lf():
    result = import_text(text=PASTED, title="Talks")

    article = Article.objects.get(pk=result.article_id)
    assert article.text == STORED
    assert article.text.index("Ceasefire") == 5  # leading whitespace kept: offsets count from what was sent
    assert article.text.endswith("\n\n")  # the final newlines are kept
    assert bytes(article.snapshot.raw) == PASTED.encode()  # the snapshot is what was sent


def test_pasted_text_through_the_api_and_the_import_page_is_stored_exactly(client, project, project_admin):
    api = APIClient()
    api.force_authenticate(project_admin)
    response = api.post("/api/imports/", {"project": project.pk, "text": PASTED, "title": "Talks"}, format="json")
    assert response.status_code == 201
    assert Article.objects.get(pk=response.json()["items"][0]["article"]).text == STORED

    client.force_login(project_admin)
    other = PASTED.replace("Geneva", "Vienna")
    response = client.post("/import/", {"project": project.pk, "text": other, "title": "Talks", "urls": ""})
    assert response.status_code == 200
    assert Article.objects.get(title="Talks", text__contains="Vienna").text == STORED.replace("Geneva", "Vienna")


@pytest.mark.django_db
def test_pasted_text_of_only_whitespace_is_refused_and_nothing_is_written():
    with pytest.raises(Exception, match="the text is empty"):
        import_text(text=" \r\n\t\n ", title="Nothing")
    assert Snapshot.objects.count() == Article.objects.count() == 0


@pytest.mark.django_db
def test_text_file_keeps_its_exact_bytes_and_its_article_text_changes_only_as_documented(tmp_path):
    """README "Importing": a .txt file's article text is read as paragraphs; each change is listed there."""
    decomposed = unicodedata.normalize("NFD", "Bengh\u00e1zi")
    raw = (
        f"Fighting near {decomposed} resumes\r\n"
        "\r\n"
        "Forces loyal to the eastern\tcommander advanced on the city\r\n"
        "overnight, residents said.\r\n"
    ).encode()
    path = tmp_path / "story.txt"
    path.write_bytes(raw)

    article = Article.objects.get(pk=batch_results(import_paths(path))[0].article_id)

    assert bytes(article.snapshot.raw) == raw
    assert article.title == "Fighting near Bengh\u00e1zi resumes"  # NFC
    assert article.text == (
        "Fighting near Bengh\u00e1zi resumes\n\n"
        # tab -> space, the hard-wrapped line joined to its paragraph
        "Forces loyal to the eastern commander advanced on the city overnight, residents said."
    )


# --- binaries, charsets, WARC -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_saved_page_with_one_stray_nul_is_imported_and_keeps_its_bytes(tmp_path):
    html = page("Market shelled", PARAGRAPH * 30)
    filler = "".join(f"<p>Paragraph {n}: {PARAGRAPH}</p>" for n in range(600))
    raw = html.replace("</article>", f"</article><aside>{filler}</aside>").encode()
    middle = raw.index(b"killing four.") + 5
    raw = raw[:middle] + b"\x00" + raw[middle:]
    assert len(raw) > 69_000
    path = tmp_path / "saved.html"
    path.write_bytes(raw)

    result = batch_results(import_paths(path))[0]

    assert result.outcome == IMPORTED, result.message
    article = Article.objects.get(pk=result.article_id)
    assert "\x00" not in article.text and "killing four." in article.text
    assert bytes(article.snapshot.raw) == raw


@pytest.mark.django_db
def test_file_with_many_nul_bytes_is_still_refused_as_binary(tmp_path):
    path = tmp_path / "data.html"
    path.write_bytes(b"<html><body>" + b"text\x00" * 1000)

    result = batch_results(import_paths(path))[0]

    assert (result.outcome, result.message) == (
        FAILED,
        "the file looks like a binary file (it contains NUL bytes), not a web page or text",
    )
    assert Snapshot.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("declared", ["iso-8859-1", "windows-1252", "latin1"])
def test_utf8_page_declaring_a_latin_charset_is_read_as_utf8(tmp_path, declared):
    path = tmp_path / "page.html"
    path.write_bytes(
        page("Talks", f"They\u2019ve agreed, the caf\u00e9 owners said. {PARAGRAPH}", charset=declared).encode()
    )

    article = Article.objects.get(pk=batch_results(import_paths(path))[0].article_id)

    assert "They\u2019ve agreed, the caf\u00e9 owners said." in article.text
    assert "\u00e2\u20ac" not in article.text  # no mojibake
    assert article.snapshot.encoding == "utf-8"


@pytest.mark.django_db
def test_windows_1252_page_declaring_iso_8859_1_is_still_read_as_windows_1252(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(page("Talks", f"They\u2019ve agreed. {PARAGRAPH}", charset="iso-8859-1").encode("cp1252"))

    article = Article.objects.get(pk=batch_results(import_paths(path))[0].article_id)

    assert "They\u2019ve agreed." in article.text
    assert article.snapshot.encoding == "windows-1252"


@pytest.mark.django_db
def test_warc_gzipped_as_one_stream_is_read(tmp_path):
    plain = make_warc(tmp_path / "crawl.warc", gzipped=False).read_bytes()
    whole = tmp_path / "crawl-gzip.warc.gz"
    whole.write_bytes(gzip.compress(plain))  # what `gzip crawl.warc` makes

    results = batch_results(import_paths(whole))

    assert [r.outcome for r in results] == [IMPORTED, FAILED, IMPORTED]
    assert results[1].message == "the archived response is HTTP 404 Not Found, not a page"
    assert [r.item.split()[-1] for r in results] == [
        "https://www.jpost.com/a",
        "https://www.jpost.com/gone",
        "https://www.slashgear.com/b",
    ]
    assert Snapshot.objects.count() == Article.objects.count() == 2


@pytest.mark.django_db
def test_truncated_warc_gzipped_as_one_stream_keeps_the_records_before_the_damage(tmp_path):
    plain = make_warc(tmp_path / "crawl.warc", gzipped=False).read_bytes()
    damaged = tmp_path / "damaged.warc.gz"
    damaged.write_bytes(gzip.compress(plain)[:-3000])

    results = batch_results(import_paths(damaged))

    assert [r.outcome for r in results] == [IMPORTED, FAILED, FAILED]
    assert results[-1].message.startswith("malformed WARC: ")
    assert results[-1].message.endswith("(the 4 records before it were read)")
    assert Snapshot.objects.count() == Article.objects.count() == 1


MALFORMED_WARCS = {
    "header-only.warc": b"WARC/1.0\r\n\r\n",
    "bad-length.warc": b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: many\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
    "random.warc": bytes(range(256)) * 4,
    "garbage.warc.gz": gzip.compress(b"not a web archive at all\n" * 10),
    "corrupt.warc.gz": b"\x1f\x8b\x08\x00" + b"\xff" * 100,
    "empty.warc": b"",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MALFORMED_WARCS))
def test_malformed_warc_fails_with_a_message_that_says_something(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(MALFORMED_WARCS[name])

    results = batch_results(import_paths(path))

    assert results and all(result.outcome == FAILED for result in results)
    for result in results:
        detail = result.message.removeprefix("malformed WARC:").strip()
        assert len(detail) > 3, result.message
    assert Snapshot.objects.count() == 0


# --- folders -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_folder_import_skips_file_links_that_point_outside_the_folder_and_says_so(tmp_path):
    folder, outside = tmp_path / "folder", tmp_path / "private"
    folder.mkdir()
    outside.mkdir()
    (folder / "story.html").write_text(page("Story", PARAGRAPH))
    (outside / "secret.html").write_text(page("Secret", "Not for the archive. " + PARAGRAPH))
    (folder / "escape.html").symlink_to(outside / "secret.html")
    (folder / "zlink.html").symlink_to(folder / "story.html")  # a link inside the folder is read as usual

    results = {Path(r.item).name: r for r in batch_results(import_paths(folder))}

    assert results["escape.html"].outcome == FAILED
    assert results["escape.html"].message == "skipped: a symbolic link to a file outside the folder"
    assert results["story.html"].outcome == IMPORTED
    assert results["zlink.html"].outcome == DUPLICATE
    assert not Article.objects.filter(title="Secret").exists()
    assert Snapshot.objects.count() == 1


# --- size caps through the API -------------------------------------------------------------------------------


@override_settings(NEWSARCHIVE_IMPORT_MAX_BYTES=MiB)
def test_api_upload_whose_later_gzip_member_or_line_inflates_past_the_cap_fails_alone(project, project_admin):
    bomb = io.BytesIO()
    bomb.write(gzip.compress(page("First member", PARAGRAPH).encode()[:-7]))
    write_gzip_member(bomb, fill=b" ", size=64 * MiB, tail=b"</html>")
    lines = io.BytesIO()
    good = json.dumps({"url": "https://wire.example.com/1", "title": "Geneva", "text": "Talks resumed in Geneva."})
    write_gzip_member(lines, head=(good + '\n{"text": "').encode(), fill=b"a", size=64 * MiB, tail=b'"}\n')
    api = APIClient()
    api.force_authenticate(project_admin)

    response = api.post(
        "/api/imports/",
        {
            "project": project.pk,
            "files": [
                SimpleUploadedFile("bomb.html.gz", bomb.getvalue()),
                SimpleUploadedFile("feed.jsonl.gz", lines.getvalue()),
                SimpleUploadedFile("fine.html", page("Fine", PARAGRAPH).encode()),
            ],
        },
        format="multipart",
    )

    assert response.status_code == 201
    items = {item["item"]: item for item in response.json()["items"]}
    assert items["bomb.html.gz"]["message"] == "file is larger than the 1 MB import limit once decompressed"
    assert items["feed.jsonl.gz line 2"]["message"] == "line 2: the line is larger than the 1 MB import limit"
    assert items["feed.jsonl.gz line 1"]["outcome"] == items["fine.html"]["outcome"] == IMPORTED
    assert Snapshot.objects.count() == project.articles.count() == 2


# --- messages name only what the importer may see --------------------------------------------------------------


@pytest.fixture
def two_projects(db):
    """Project A with its admin, project B with another admin who is no member of A."""
    project_a, project_b = ProjectFactory(), ProjectFactory()
    admin_a, admin_b = UserFactory(username="admin_a"), UserFactory(username="admin_b")
    MembershipFactory(project=project_a, user=admin_a, role=Membership.Role.ADMIN)
    MembershipFactory(project=project_b, user=admin_b, role=Membership.Role.ADMIN)
    return project_a, project_b, admin_a, admin_b


SECRET_URL = "https://confidential.example.org/leak"
TEXT = "Militia commanders met in Sirte on Monday.\n\nThe meeting was not announced."


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_same_text_in_another_project_says_already_archived_without_naming_the_article(two_projects):
    project_a, project_b, admin_a, admin_b = two_projects
    first = api_for(admin_a).post(
        "/api/imports/", {"project": project_a.pk, "urls": "", "text": TEXT, "title": "Sirte"}, format="json"
    )
    article_a = first.json()["items"][0]["article"]
    Article.objects.filter(pk=article_a).update(url=SECRET_URL)

    # The same words laid out differently: a syndicated copy, archived in B as B's own article.
    response = api_for(admin_b).post(
        "/api/imports/", {"project": project_b.pk, "text": TEXT.replace("\n\n", "\n"), "title": "Sirte"}, format="json"
    )

    (item,) = response.json()["items"]
    assert item["outcome"] == SYNDICATED_COPY
    assert item["message"] == (
        f"same text as an article already archived: archived as article {item['article']}, "
        "marked as a copy of it (syndicated)"
    )
    assert SECRET_URL not in response.content.decode() and f"article {article_a}" not in item["message"]
    assert list(project_b.articles.values_list("pk", flat=True)) == [item["article"]]
    assert not project_a.articles.filter(pk=item["article"]).exists()


def test_same_text_is_named_to_an_importer_who_may_see_the_earlier_article(two_projects):
    project_a, project_b, admin_a, admin_b = two_projects
    MembershipFactory(project=project_a, user=admin_b, role=Membership.Role.ANNOTATOR)
    first = api_for(admin_a).post("/api/imports/", {"project": project_a.pk, "text": TEXT, "title": "S"}, format="json")
    article_a = first.json()["items"][0]["article"]

    response = api_for(admin_b).post(
        "/api/imports/", {"project": project_b.pk, "text": TEXT.replace("\n\n", "\n"), "title": "S"}, format="json"
    )

    assert response.json()["items"][0]["message"].startswith(f"same text as article {article_a}:")


def test_identical_bytes_in_another_project_are_linked_there_and_named_only_once_visible(two_projects):
    """README Decisions: an already archived page imported into B is linked into B (the archive is shared)."""
    project_a, project_b, admin_a, admin_b = two_projects
    raw = page("Sirte meeting", PARAGRAPH).encode()
    first = api_for(admin_a).post(
        "/api/imports/", {"project": project_a.pk, "files": [SimpleUploadedFile("a.html", raw)]}, format="multipart"
    )
    article_a = first.json()["items"][0]["article"]

    response = api_for(admin_b).post(
        "/api/imports/", {"project": project_b.pk, "files": [SimpleUploadedFile("b.html", raw)]}, format="multipart"
    )

    (item,) = response.json()["items"]
    assert item["outcome"] == DUPLICATE
    assert item["message"] == f"already archived as article {article_a} (the same bytes); nothing new was stored"
    assert list(project_b.articles.values_list("pk", flat=True)) == [article_a]  # B's coders can now open it
    assert Snapshot.objects.count() == Article.objects.count() == 1
    # What B's admin can see of it is the page they uploaded: A's coding stays in A.
    listing = api_for(admin_b).get(f"/api/articles/{article_a}/?include=annotations").json()
    assert listing["annotations"] == []
