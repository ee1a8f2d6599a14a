"""The Import page and POST /api/imports/: who may import, uploads, URLs and pasted text, per-item results."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from articles.models import Article, ImportBatch, Snapshot
from tests.factories import ProjectFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def upload(name: str, filename: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(filename or name, (FIXTURES / name).read_bytes())


# --- the Import page -----------------------------------------------------------------------------------------


def test_import_page_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get("/import/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["annotator", "reviewer", "outsider"])
def test_import_page_is_refused_to_users_who_administer_no_project(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get("/import/").status_code == 403
    assert client.post("/import/", {"urls": "https://example.org/a"}).status_code == 403
    assert ImportBatch.objects.count() == 0


def test_import_page_shows_the_form_with_labelled_fields_to_a_project_admin(client, project, project_admin):
    client.force_login(project_admin)

    response = client.get("/import/")

    assert response.status_code == 200
    html = response.content.decode()
    for field in ("project", "files", "urls", "title", "text"):
        assert f'for="id_{field}"' in html
    assert "multiple" in html
    assert f'<option value="{project.pk}"' in html


def test_uploading_files_imports_them_into_the_project_and_lists_each_result(client, project, project_admin):
    client.force_login(project_admin)

    response = client.post(
        "/import/",
        {
            "project": project.pk,
            "files": [upload("jpost-berlin-stabbing.html.gz"), upload("empty.html")],
            "urls": "",
            "title": "",
            "text": "",
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    article = Article.objects.get()
    assert f'href="/projects/{project.pk}/articles/{article.pk}/"' in html
    assert "jpost-berlin-stabbing.html.gz" in html
    assert "empty file" in html
    assert "1 imported" in html and "1 failed" in html
    assert list(project.articles.all()) == [article]
    batch = ImportBatch.objects.get()
    assert (batch.channel, batch.created_by, batch.project) == ("web", project_admin, project)


def test_pasting_a_text_with_its_title_imports_it_as_pasted(client, project, project_admin):
    client.force_login(project_admin)

    response = client.post(
        "/import/",
        {"project": project.pk, "title": "Talks resume", "text": "Talks resumed in Geneva.\r\n\r\nEnvoys met."},
    )

    assert response.status_code == 200
    article = Article.objects.get()
    assert (article.title, article.text) == ("Talks resume", "Talks resumed in Geneva.\n\nEnvoys met.")


def test_pasted_text_without_title_is_refused_and_nothing_is_stored(client, project, project_admin):
    client.force_login(project_admin)

    response = client.post("/import/", {"project": project.pk, "text": "Talks resumed in Geneva."})

    assert "A pasted text needs its title." in response.content.decode()
    assert Snapshot.objects.count() == ImportBatch.objects.count() == 0


def test_empty_import_form_says_what_to_give(client, project, project_admin):
    client.force_login(project_admin)

    response = client.post("/import/", {"project": project.pk})

    assert "Choose files, enter URLs or paste a text to import." in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_project_admin_cannot_import_into_a_project_they_do_not_administer(client, project_admin):
    other = ProjectFactory()
    client.force_login(project_admin)

    response = client.post("/import/", {"project": other.pk, "title": "T", "text": "Some text."})

    assert "Select a valid choice" in response.content.decode()
    assert Snapshot.objects.count() == 0


# --- POST /api/imports/ -----------------------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


def test_api_import_needs_authentication(api, db):
    response = api.post("/api/imports/", {"text": "Talks resumed.", "title": "Talks"})

    assert response.status_code == 401
    assert Snapshot.objects.count() == 0


def test_api_import_is_forbidden_to_a_member_who_is_not_a_project_admin(api, project, annotator):
    api.force_authenticate(annotator)

    response = api.post("/api/imports/", {"project": project.pk, "text": "Talks resumed.", "title": "Talks"})

    assert response.status_code == 403
    assert Snapshot.objects.count() == 0


def test_api_import_into_another_project_is_forbidden(api, project_admin):
    other = ProjectFactory()
    api.force_authenticate(project_admin)

    response = api.post("/api/imports/", {"project": other.slug, "text": "Talks resumed.", "title": "Talks"})

    assert response.status_code == 403
    assert Snapshot.objects.count() == 0


def test_api_import_answers_each_items_result(api, project, project_admin):
    api.force_authenticate(project_admin)

    response = api.post(
        "/api/imports/",
        {
            "project": project.slug,
            "files[]": [upload("slashgear-audi.html.gz"), upload("report.pdf")],
            "urls": "# none today\nnot a url",
            "title": "Talks resume",
            "text": "Talks resumed in Geneva on Monday.",
        },
        format="multipart",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["batch"] == ImportBatch.objects.get().pk
    assert body["counts"] == {"imported": 2, "new_version": 0, "syndicated_copy": 0, "duplicate": 0, "failed": 2}
    items = body["items"]
    assert [item["item"] for item in items] == ["slashgear-audi.html.gz", "report.pdf", "line 2", "pasted text"]
    assert [item["outcome"] for item in items] == ["imported", "failed", "failed", "imported"]
    assert "binary file (PDF)" in items[1]["message"]
    assert items[2]["message"] == "not an http(s) URL: 'not a url'"
    assert items[0]["article"] in set(project.articles.values_list("id", flat=True))


def test_api_import_of_the_same_file_again_reports_a_duplicate(api, project, project_admin):
    api.force_authenticate(project_admin)
    first = api.post("/api/imports/", {"project": project.pk, "files": [upload("slashgear-audi.html.gz")]})

    again = api.post("/api/imports/", {"project": project.pk, "files": [upload("slashgear-audi.html.gz")]})

    assert again.status_code == 201
    (item,) = again.json()["items"]
    assert item["outcome"] == "duplicate"
    assert item["article"] == first.json()["items"][0]["article"]
    assert Snapshot.objects.count() == 1


def test_api_import_with_nothing_to_import_is_a_bad_request(api, project, project_admin):
    api.force_authenticate(project_admin)

    response = api.post("/api/imports/", {"project": project.pk, "urls": " "})

    assert response.status_code == 400
    assert "Send files, urls or a text to import." in str(response.json())
    assert ImportBatch.objects.count() == 0


def test_api_import_accepts_json_with_a_list_of_urls_from_staff_without_project(api, staff):
    api.force_authenticate(staff)

    response = api.post("/api/imports/", {"urls": ["ftp://example.org/a"]}, format="json")

    assert response.status_code == 201
    (item,) = response.json()["items"]
    assert item["outcome"] == "failed"
    assert item["message"] == "not an http(s) URL: 'ftp://example.org/a'"


def test_api_import_schema_documents_the_request_and_response(api, staff):
    api.force_authenticate(staff)

    schema = api.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/imports/"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert "201" in operation["responses"]


def test_api_import_of_an_uploaded_warc_archives_each_page_record(api, project, project_admin):
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    html = gzip.decompress((FIXTURES / "slashgear-audi.html.gz").read_bytes())
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(
            "https://www.slashgear.com/a", "response", payload=io.BytesIO(html), http_headers=headers
        )
    )
    api.force_authenticate(project_admin)

    response = api.post(
        "/api/imports/",
        {"project": project.pk, "files": [SimpleUploadedFile("crawl.warc.gz", buffer.getvalue())]},
        format="multipart",
    )

    assert response.status_code == 201
    (item,) = response.json()["items"]
    assert item["item"] == "crawl.warc.gz record 1 https://www.slashgear.com/a"
    assert item["outcome"] == "imported"
    assert Article.objects.get().url == "https://www.slashgear.com/a"
