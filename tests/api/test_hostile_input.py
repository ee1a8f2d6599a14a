"""Hostile and broken bodies (issue 11): a clear 4xx naming the field, never a 500, and nothing written."""

import json

import pytest

from annotations.models import Actor, ActorAlias, Annotation, Relation
from tests.api.conftest import body
from tests.api.test_bad_input import field_errors


def post_json(client, path, data):
    """POST a body as raw JSON text (so that lone surrogates and deep nesting reach the server as sent)."""
    text = data if isinstance(data, str) else json.dumps(data)
    return client.post(path, text, content_type="application/json")


def span_fields(annotation):
    annotation.refresh_from_db()
    return annotation.note, annotation.attributes, annotation.start, annotation.end, annotation.label_id


@pytest.mark.parametrize(
    ("attributes", "found"),
    [
        ({"certainty": "high\u0000"}, "value at attributes.certainty contains a NUL"),
        ({"cert\u0000ainty": "high"}, 'key "cert\\u0000ainty" at attributes contains a NUL'),
        ({"nested": [{"deep": "\u0000"}]}, "value at attributes.nested[0].deep contains a NUL"),
        ({"certainty": "\ud800"}, "value at attributes.certainty contains a lone surrogate"),
    ],
)
def test_unstorable_text_in_attributes_is_refused_by_name(as_annotator, project, article, attributes, found):
    response = post_json(as_annotator, "/api/annotations/", body(project, article, attributes=attributes))
    assert found in field_errors(response, "attributes")
    assert not Annotation.objects.exists()


def test_unstorable_text_in_a_patch_changes_nothing(as_annotator, actor_span):
    before = span_fields(actor_span)
    path = f"/api/annotations/{actor_span.pk}/"
    response = as_annotator.patch(path, {"attributes": {"x": "a\u0000b"}, "note": "kept?"}, format="json")
    assert "NUL" in field_errors(response, "attributes")
    response = as_annotator.patch(path, {"note": "a\u0000b"}, format="json")
    assert "Null characters are not allowed" in field_errors(response, "note")
    assert span_fields(actor_span) == before


def test_nul_in_a_note_is_refused_by_name(as_annotator, project, article, actor_span):
    response = post_json(as_annotator, "/api/annotations/", body(project, article, note="see\u0000here", start=0))
    assert "Null characters are not allowed" in field_errors(response, "note")
    relation = {"source": actor_span.pk, "target": actor_span.pk, "kind": "about", "note": "\u0000"}
    assert "Null characters" in field_errors(post_json(as_annotator, "/api/relations/", relation), "note")
    assert Annotation.objects.count() == 1
    assert not Relation.objects.exists()


JSON_ENDPOINTS = [
    "/api/annotations/",
    "/api/relations/",
    "/api/actors/",
    "/api/actors/{actor}/aliases/",
    "/api/articles/{article}/submit/",
    "/api/imports/",
]


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
@pytest.mark.parametrize("depth", [65, 5_000])
def test_deeply_nested_json_is_a_400_on_every_json_endpoint(as_admin, article, haftar, path, depth):
    nested = "[" * depth + "]" * depth
    for text in (nested, '{"name": ' + nested + "}"):
        response = post_json(as_admin, path.format(actor=haftar.pk, article=article.pk), text)
        assert response.status_code == 400, response.content
        assert "nested more than 64 levels deep" in response.json()["detail"]
    assert not Annotation.objects.exists()
    assert Actor.objects.count() == 1
    assert not ActorAlias.objects.exists()


def test_sixty_four_levels_of_attributes_are_accepted(as_annotator, project, article):
    attributes = {"a": json.loads("[" * 62 + "]" * 62)}  # the body, attributes and "a" make 64 levels
    response = post_json(as_annotator, "/api/annotations/", body(project, article, attributes=attributes))
    assert response.status_code == 201, response.content
    assert Annotation.objects.get().attributes == attributes


def test_body_larger_than_the_cap_is_413_and_writes_nothing(as_annotator, project, article, settings):
    settings.NEWSARCHIVE_API_MAX_BODY_BYTES = 10_000
    response = post_json(
        as_annotator, "/api/annotations/", body(project, article, note="x" * 9_000) | {"p": "y" * 2000}
    )
    assert response.status_code == 413
    assert "at most 10,000 bytes" in response.json()["detail"]
    assert not Annotation.objects.exists()


def test_invalid_utf8_body_is_a_parse_error(as_annotator):
    response = as_annotator.post("/api/annotations/", b'{"note": "\xff"}', content_type="application/json")
    assert response.status_code == 400
    assert "not valid utf-8" in response.json()["detail"]
    assert not Annotation.objects.exists()


def test_import_project_with_a_nul_is_refused_by_name(as_admin):
    data = {"text": "A pasted text.", "title": "Title", "project": "1\u0000"}
    response = post_json(as_admin, "/api/imports/", data)
    assert "NUL" in field_errors(response, "project")
    from articles.models import Article, ImportBatch

    assert not Article.objects.exists()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("accept", ["text/html", "application/json; indent=2", "application/json; indent=0", "*/*"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/annotations/",
        "/api/annotations/{span}/",
        "/api/articles/?include=annotations",
        "/api/articles/{article}/?include=annotations",
    ],
)
def test_browsable_api_and_indented_json_render_spans(as_annotator, actor_span, accept, path):
    response = as_annotator.get(path.format(span=actor_span.pk, article=actor_span.article_id), HTTP_ACCEPT=accept)
    assert response.status_code == 200, response.content[:2000]
    if accept == "text/html":
        assert b"Khalifa Haftar" in response.content
        assert b"<html" in response.content
    else:
        data = json.loads(response.content)
        spans = data.get("results", data)
        assert "Khalifa Haftar" in json.dumps(spans)
    if "indent=2" in accept:
        assert b'\n  "' in response.content


def test_indented_json_equals_the_compact_answer(as_annotator, actor_span):
    compact = as_annotator.get("/api/articles/?include=annotations").json()
    indented = as_annotator.get("/api/articles/?include=annotations", HTTP_ACCEPT="application/json; indent=4")
    assert json.loads(indented.content) == compact


# --- ids must be whole numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "fraction"), [("label", 0.7), ("article", 0.99), ("project", 0.0), ("label", "true")]
)
def test_non_integer_ids_of_a_span_are_refused_by_name(as_annotator, project, article, field, fraction):
    data = body(project, article)
    data[field] = True if fraction == "true" else data[field] + fraction  # label 2.7, article 1.99, project 1.0
    response = post_json(as_annotator, "/api/annotations/", data)
    assert f"An id is a whole number, not {json.dumps(data[field])}." in field_errors(response, field)
    assert not Annotation.objects.exists()


def test_float_ids_in_lists_and_claims_are_refused(as_annotator, project, article, haftar, actor_span):
    response = post_json(as_annotator, "/api/annotations/", body(project, article, actors=[haftar.pk + 0.9]))
    assert "whole number" in str(response.json()["actors"])
    assert response.status_code == 400
    from annotations.models import Label
    from tests.factories import label

    claim = body(project, article, kind=Label.Kind.CLAIM) | {
        "claim": {"claimant": haftar.pk + 0.5, "about": [haftar.pk + 0.1], "claimant_mention": actor_span.pk + 0.2}
    }
    errors = post_json(as_annotator, "/api/annotations/", claim).json()["claim"]
    assert set(errors) == {"claimant", "about", "claimant_mention"}
    assert "whole number" in str(errors["claimant"])
    assert Annotation.objects.count() == 1
    assert label(project, Label.Kind.CLAIM).annotations.count() == 0


def test_float_relation_ends_are_refused(as_annotator, actor_span):
    response = post_json(
        as_annotator, "/api/relations/", {"source": actor_span.pk + 0.9, "target": actor_span.pk, "kind": "about"}
    )
    assert "whole number, not" in field_errors(response, "source")
    assert not Relation.objects.exists()


def test_float_offsets_and_submit_project_are_refused(as_annotator, project, article, actor_span):
    response = post_json(as_annotator, "/api/annotations/", body(project, article, start=0.0, end=7))
    assert "whole number" in field_errors(response, "start")
    response = as_annotator.patch(f"/api/annotations/{actor_span.pk}/", {"end": 7.5}, format="json")
    assert "whole number" in field_errors(response, "end")
    response = post_json(as_annotator, f"/api/articles/{article.pk}/submit/", {"project": project.pk + 0.0})
    assert "whole number" in field_errors(response, "project")
    actor_span.refresh_from_db()
    assert (actor_span.end, actor_span.status, Annotation.objects.count()) == (14, "draft", 1)


# --- unknown keys --------------------------------------------------------------------------------------------


def test_unknown_keys_of_a_span_claim_or_source_are_refused_by_name(as_annotator, project, article):
    from annotations.models import Label

    response = post_json(as_annotator, "/api/annotations/", body(project, article, colour="red"))
    assert "Unknown field 'colour'" in field_errors(response, "colour")
    claim = body(project, article, kind=Label.Kind.CLAIM, claim={"stance": "neutral", "claimaint": 3})
    errors = post_json(as_annotator, "/api/annotations/", claim).json()
    assert "Unknown field 'claimaint'" in str(errors["claim"]["claimaint"])
    source = body(project, article, kind=Label.Kind.SOURCE, source={"kind": "document", "anonimity": "named"})
    errors = post_json(as_annotator, "/api/annotations/", source).json()
    assert "Unknown field 'anonimity'" in str(errors["source"]["anonimity"])
    assert not Annotation.objects.exists()


def test_unknown_keys_in_a_patch_change_nothing(as_annotator, actor_span):
    before = span_fields(actor_span)
    response = as_annotator.patch(f"/api/annotations/{actor_span.pk}/", {"note": "x", "notes": "y"}, format="json")
    assert "Unknown field 'notes'" in field_errors(response, "notes")
    assert span_fields(actor_span) == before


def test_unknown_keys_of_actors_aliases_and_relations_are_refused(as_annotator, haftar, actor_span):
    response = post_json(as_annotator, "/api/actors/", {"name": "LNA", "kind": "armed_group", "alias": ["x"]})
    assert "Unknown field 'alias'" in field_errors(response, "alias")
    response = post_json(as_annotator, f"/api/actors/{haftar.pk}/aliases/", {"name": "Haftar", "actor": 2})
    assert "Unknown field" in field_errors(response, "actor")
    response = post_json(
        as_annotator,
        "/api/relations/",
        {"source": actor_span.pk, "target": actor_span.pk, "kind": "about", "type": "x"},
    )
    assert "Unknown field" in field_errors(response, "type")
    assert Actor.objects.count() == 1
    assert not ActorAlias.objects.exists()
    assert not Relation.objects.exists()


def test_a_span_read_back_can_be_sent_again(as_annotator, project, article, actor_span):
    """Read-only keys of the representation (id, annotator, prefix ...) are ignored, not refused."""
    read = as_annotator.get(f"/api/annotations/{actor_span.pk}/").json()
    response = as_annotator.patch(f"/api/annotations/{actor_span.pk}/", read | {"note": "again"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["note"] == "again"


# --- query strings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/actors/?q=a%00b", "q"),
        ("/api/actors/?page_size=%C2%B2", "page_size"),
        ("/api/exports/web-annotation/?page=%C2%B2", "page"),
        ("/api/articles/{article}/?include=annotations&project=%C2%B2", "project"),
        ("/api/articles/?project=%C2%B2", "project"),
        ("/api/annotations/?project=%00", "project"),
        ("/api/articles/?language=%00", "language"),
    ],
)
def test_odd_query_strings_name_the_parameter(as_annotator, article, path, field):
    assert field_errors(as_annotator.get(path.format(article=article.pk)), field)


def test_huge_ids_in_query_strings_are_not_errors(as_annotator, article):
    huge = "9" * 25
    assert as_annotator.get(f"/api/articles/{article.pk}/?include=annotations&project={huge}").status_code == 404
    assert as_annotator.get(f"/api/exports/jsonl/?project={huge}").status_code == 400
    assert as_annotator.get(f"/api/annotations/?article={huge}").status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/api/articles/?published_after={value}",
        "/api/claims/?published_before={value}",
        "/api/annotations/?created_after={value}",
        "/api/exports/jsonl/?published_after={value}",
    ],
)
def test_utc_offsets_postgresql_refuses_are_converted_to_utc(as_annotator, actor_span, path):
    """Found by the stateful fuzzing run: `+18:31` is valid ISO 8601 and Python, but beyond PostgreSQL's ±15:59."""
    response = as_annotator.get(path.format(value="2001-05-22T16:03:55%2B18:31"))
    assert response.status_code == 200
    if not response.streaming:  # 16:03:55+18:31 is 21:32:55 UTC the day before: every span and article is after it
        assert response.json()["results"] or "claims" in path
    out_of_range = as_annotator.get(path.format(value="0001-01-01T00:00:00%2B05:00"))
    assert "out of range" in field_errors(out_of_range, path.split("?")[1].split("=")[0])


def test_attributes_over_64_kb_are_refused(as_annotator, project, article, actor_span):
    big = {"comment": "x" * (64 * 1024)}
    response = post_json(
        as_annotator, "/api/annotations/", body(project, article, attributes=big, end=7, quote="Khalifa")
    )
    assert "attributes are at most 64 KB of JSON" in field_errors(response, "attributes")
    response = as_annotator.patch(f"/api/annotations/{actor_span.pk}/", {"attributes": big}, format="json")
    assert "at most 64 KB" in field_errors(response, "attributes")
    assert Annotation.objects.count() == 1
    actor_span.refresh_from_db()
    assert actor_span.attributes == {}
    fits = {"comment": "é" * 30_000}  # 60,000 bytes of UTF-8 in 30,000 characters
    response = post_json(
        as_annotator, "/api/annotations/", body(project, article, attributes=fits, end=7, quote="Khalifa")
    )
    assert response.status_code == 201, response.content
