"""Exports researchers can trace (issue 9, item 8): the claims CSV's offsets, mention, URLs, hash and times;
the W3C export's archived target, creator IRI, claim and source bodies and linking relations."""

import csv
import io

from django.test import Client

from annotations.models import Annotation, Relation
from tests.api.conftest import client_for
from tests.api.test_exports import TEXT, coded  # noqa: F401  (the fixture)


def claims_rows(client, query=""):
    response = client.get(f"/api/exports/claims-csv/{query}")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_claims_csv_traces_each_claim_to_its_text_article_and_snapshot(coded, staff, annotator):  # noqa: F811
    coded.canonical_url = "https://example.org/canonical"
    coded.save()
    text = claims_rows(client_for(staff))
    assert not text.startswith("\ufeff")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    claim = Annotation.objects.get(label__kind="claim")
    assert TEXT[int(row["claim_start"]) : int(row["claim_end"])] == row["claim_text"] == claim.quote
    assert row["claimant_mention_text"] == "Khalifa Haftar"
    assert TEXT[int(row["claimant_mention_start"]) : int(row["claimant_mention_end"])] == "Khalifa Haftar"
    assert row["article_url"] == "https://example.org/a"
    assert row["article_canonical_url"] == "https://example.org/canonical"
    assert row["snapshot_sha256"] == coded.snapshot.sha256
    assert row["annotator"] == "annotator" and row["annotator_id"] == str(annotator.pk)
    assert row["status"] == "submitted" and row["claim_uuid"] == str(claim.uuid)
    assert row["created_at"].endswith("Z") and row["updated_at"].endswith("Z")
    assert row["codebook_version"] == "1"
    assert row["reviewer"] == "" and row["reviewed_at"] == ""


def test_claims_csv_with_bom_for_spreadsheets(coded, staff):  # noqa: F811
    text = claims_rows(client_for(staff), "?bom=1")
    assert text.startswith("\ufeffclaim_id,")
    response = client_for(staff).get("/api/exports/claims-csv/?bom=maybe")
    assert response.status_code == 400 and response.json() == {"bom": ["bom is true or false."]}


def test_web_annotation_targets_the_published_page_with_the_archived_snapshot(coded, staff, annotator):  # noqa: F811
    items = client_for(staff).get("/api/exports/web-annotation/?page=1").json()["items"]
    spans = [item for item in items if item["motivation"] != "linking"]
    assert len(spans) == 4
    target = spans[0]["target"]
    assert target["source"] == "https://example.org/a"  # no canonical URL: the URL
    assert target["state"] == {
        "type": "TimeState",
        "cachedSource": f"http://testserver/snapshots/{coded.snapshot_id}/",
        "sourceDate": coded.snapshot.captured_at.isoformat().replace("+00:00", "Z"),
    }
    mine = [item for item in spans if item["creator"]["nickname"] == "annotator"]
    assert {item["creator"]["id"] for item in mine} == {f"urn:newsarchive:user:{annotator.pk}"}
    assert all(item["canonical"].startswith("urn:uuid:") for item in spans)
    # The snapshot link downloads the archived bytes.
    browser = Client()
    browser.force_login(staff)
    download = browser.get(f"/snapshots/{coded.snapshot_id}/")
    assert download.status_code == 200 and download.content == ("<p>" + TEXT + "</p>").encode()


def test_web_annotation_has_claim_and_source_details_and_linking_relations(coded, staff):  # noqa: F811
    items = client_for(staff).get("/api/exports/web-annotation/?page=1").json()["items"]
    claim_id = Annotation.objects.get(label__kind="claim").pk
    source_id = Annotation.objects.get(label__kind="source").pk
    claim = next(item for item in items if item["id"].endswith(f"/annotations/{claim_id}/"))
    values = {body["value"] for body in claim["body"] if body["type"] == "TextualBody"}
    assert {"CLAIM", "speech: indirect", "stance: supportive_of_target", "to check"} <= values
    claimant = [body for body in claim["body"] if body.get("role") == "claimant" and body["type"] == "SpecificResource"]
    assert claimant[0]["source"] == "http://www.wikidata.org/entity/Q1138963"
    about = [body for body in claim["body"] if body.get("role") == "about" and body["type"] == "SpecificResource"]
    assert about[0]["source"].endswith("/api/actors/" + str(about[0]["source"].rstrip("/").rsplit("/", 1)[1]) + "/")
    links = {body["role"]: body["source"] for body in claim["body"] if body.get("purpose") == "linking"}
    assert links["source_annotation"].endswith(f"/api/annotations/{source_id}/")
    source = next(item for item in items if item["id"].endswith(f"/annotations/{source_id}/"))
    values = {body["value"] for body in source["body"] if body["type"] == "TextualBody"}
    assert {"source_kind: official_statement", "source_anonymity: named_collective", "source_cue: said"} <= values
    (relation,) = [item for item in items if item["motivation"] == "linking"]
    stored = Relation.objects.get()
    assert relation["target"] == [
        f"http://testserver/api/annotations/{stored.source_id}/",
        f"http://testserver/api/annotations/{stored.target_id}/",
    ]
    assert relation["body"][0]["value"] == "attributed_to"
    collection = client_for(staff).get("/api/exports/web-annotation/").json()
    assert collection["total"] == 5


def test_web_annotation_file_export_holds_spans_then_relations(coded, tmp_path):  # noqa: F811
    import json

    from django.core.management import call_command

    path = tmp_path / "w3c.jsonld"
    call_command("export", "web-annotation", "-o", str(path), stderr=io.StringIO())
    document = json.loads(path.read_text())
    items = document["first"]["items"]
    assert document["total"] == len(items) == 5
    assert [item["motivation"] for item in items][-1] == "linking"
