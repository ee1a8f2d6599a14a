"""`annotator=` and `status=` select the spans themselves, not only the articles: in the three exports and the
article list with `include=annotations` (issue 9, item 4)."""

import csv
import io
import json

import pytest

from annotations import services
from annotations.cache import refresh_span_cache
from annotations.exports import refresh_export_lines
from annotations.models import Label
from tests.api.conftest import client_for
from tests.factories import ArticleFactory, label

TEXT = "Khalifa Haftar said the Kremlin backed him, a spokesman claimed on Friday."


@pytest.fixture
def two_coders(project, annotator, reviewer):
    """One article coded by two people: the annotator's two spans (one submitted) and the reviewer's three."""
    article = ArticleFactory(text=TEXT)
    project.articles.add(article)
    actor, claim = label(project, Label.Kind.ACTOR), label(project, Label.Kind.CLAIM)
    spans = {}
    for who, quote, kind, status in [
        (annotator, "Khalifa Haftar", actor, "draft"),
        (annotator, "the Kremlin backed him", claim, "submitted"),
        (reviewer, "Haftar", actor, "draft"),
        (reviewer, "Kremlin", actor, "submitted"),
        (reviewer, "a spokesman", actor, "draft"),
    ]:
        start = TEXT.index(quote)
        spans[(who.username, quote)] = services.create_annotation(
            project=project, article=article, label=kind, annotator=who, start=start, end=start + len(quote),
            status=status,
        )  # fmt: skip
    spans["relation"] = services.create_relation(
        source=spans[("annotator", "the Kremlin backed him")],
        target=spans[("reviewer", "Kremlin")],
        kind="about",
        annotator=reviewer,
    )
    return article, spans


def jsonl(client, query):
    response = client.get(f"/api/exports/jsonl/?raw=false&{query}")
    assert response.status_code == 200
    return [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]


@pytest.mark.parametrize("cached", [False, True])
def test_jsonl_annotator_filter_exports_only_their_spans(two_coders, staff, annotator, reviewer, cached):
    if cached:
        refresh_span_cache()
        refresh_export_lines()
    client = client_for(staff)
    (line,) = jsonl(client, f"annotator={annotator.pk}")
    assert sorted(a["quote"] for a in line["annotations"]) == ["Khalifa Haftar", "the Kremlin backed him"]
    assert {a["annotator_id"] for a in line["annotations"]} == {annotator.pk}
    assert line["relations"] == []  # its other end is the reviewer's
    (line,) = jsonl(client, f"annotator={reviewer.pk}")
    assert len(line["annotations"]) == 3 and {a["annotator"] for a in line["annotations"]} == {"reviewer"}
    (line,) = jsonl(client, "status=submitted")
    assert sorted(a["quote"] for a in line["annotations"]) == ["Kremlin", "the Kremlin backed him"]
    assert len(line["relations"]) == 1
    (line,) = jsonl(client, f"status=draft&annotator={reviewer.pk}")
    assert sorted(a["quote"] for a in line["annotations"]) == ["Haftar", "a spokesman"]
    # The older name of the filter selects spans too; unfiltered, everything is there.
    (line,) = jsonl(client, "annotation_status=submitted")
    assert len(line["annotations"]) == 2
    (line,) = jsonl(client, "")
    assert len(line["annotations"]) == 5 and len(line["relations"]) == 1


def test_jsonl_filter_leaves_out_articles_without_such_spans(two_coders, staff, project, outsider):
    other = ArticleFactory()
    project.articles.add(other)
    assert [line["id"] for line in jsonl(client_for(staff), "status=accepted")] == []


def test_article_list_embeds_only_the_selected_spans(two_coders, as_reviewer, annotator, project):
    refresh_span_cache()
    refresh_export_lines()
    article, _ = two_coders
    url = f"/api/articles/?include=annotations&project={project.pk}"
    response = as_reviewer.get(f"{url}&annotator={annotator.pk}")
    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert {a["annotator"] for a in item["annotations"]} == {annotator.pk} and len(item["annotations"]) == 2
    (item,) = as_reviewer.get(f"{url}&status=submitted").json()["results"]
    assert sorted(a["quote"] for a in item["annotations"]) == ["Kremlin", "the Kremlin backed him"]
    detail = as_reviewer.get(f"/api/articles/{article.pk}/?include=annotations&annotator={annotator.pk}").json()
    assert len(detail["annotations"]) == 2
    (item,) = as_reviewer.get(url).json()["results"]
    assert len(item["annotations"]) == 5


def test_bad_span_selection_is_refused_with_its_reason(two_coders, as_reviewer):
    article, _ = two_coders
    response = as_reviewer.get(f"/api/articles/{article.pk}/?include=annotations&annotator=abc")
    assert response.status_code == 400 and "whole number" in json.dumps(response.json())
    response = as_reviewer.get(f"/api/articles/{article.pk}/?include=annotations&status=done")
    assert response.status_code == 400 and "Unknown status 'done'" in json.dumps(response.json())


def test_claims_csv_and_web_annotation_select_spans(two_coders, staff, annotator, reviewer):
    client = client_for(staff)
    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(client.get(f"/api/exports/claims-csv/?annotator={reviewer.pk}").streaming_content).decode()
            )
        )
    )
    assert rows == []
    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(
                    client.get(f"/api/exports/claims-csv/?annotator={annotator.pk}&status=submitted").streaming_content
                ).decode()
            )
        )
    )
    assert [row["claim_text"] for row in rows] == ["the Kremlin backed him"]
    collection = client.get(f"/api/exports/web-annotation/?annotator={annotator.pk}").json()
    items = collection["first"]["items"]
    assert collection["total"] == 2 and {item["creator"]["nickname"] for item in items} == {"annotator"}
    collection = client.get("/api/exports/web-annotation/?status=submitted").json()
    kinds = [item["motivation"] for item in collection["first"]["items"]]
    assert collection["total"] == 3 and kinds.count("linking") == 1
