"""Bad input answers 400 (or 403/404) naming the field, and writes nothing."""

import pytest

from annotations.models import Actor, Annotation, Label
from tests.api.conftest import body
from tests.factories import ArticleFactory, ProjectFactory, label


@pytest.fixture
def post(as_annotator):
    def post(data, **kwargs):
        response = as_annotator.post("/api/annotations/", data, format="json", **kwargs)
        assert not Annotation.objects.exists()
        return response

    return post


def field_errors(response, field):
    assert response.status_code == 400, response.content
    data = response.json()
    assert field in data, data
    return " ".join(str(message) for message in (data[field] if isinstance(data[field], list) else [data[field]]))


def test_offsets_out_of_range(post, project, article):
    message = field_errors(post(body(project, article, start=0, end=10_000, quote=None) | {"quote": "x"}), "end")
    assert "beyond the article text" in message


def test_negative_start(post, project, article):
    assert "greater than or equal to 0" in field_errors(post(body(project, article, start=-1)), "start")


def test_start_not_before_end(post, project, article):
    data = body(project, article, start=14, end=14)
    data.pop("quote")
    assert "greater than start" in field_errors(post(data), "end")


def test_quote_mismatch(post, project, article):
    assert "does not match" in field_errors(post(body(project, article, quote="Vladimir Putin")), "quote")


def test_label_of_another_project(post, project, article, annotator):
    other = ProjectFactory()
    other.memberships.create(user=annotator, role="annotator")
    data = body(project, article) | {"label": label(other, Label.Kind.ACTOR).pk}
    assert "not in the codebook" in field_errors(post(data), "label")


def test_label_of_a_project_one_is_not_in(post, project, article):
    data = body(project, article) | {"label": label(ProjectFactory(), Label.Kind.ACTOR).pk}
    assert "does not exist" in field_errors(post(data), "label")


def test_article_outside_the_project(post, project, annotator):
    assert "does not exist" in field_errors(post(body(project, ArticleFactory())), "article")
    other = ProjectFactory()
    other.memberships.create(user=annotator, role="annotator")
    elsewhere = ArticleFactory()
    other.articles.add(elsewhere)
    assert "not in project" in field_errors(post(body(project, elsewhere)), "article")


def test_unknown_actor_id(post, project, article):
    response = post(body(project, article, actors=[987654]))
    assert response.status_code == 400
    assert "987654" in str(response.json()["actors"])


def test_actor_on_a_claim_span(post, project, article):
    actor = Actor.objects.create(name="Someone", kind="person")
    data = body(project, article, Label.Kind.CLAIM, actors=[actor.pk])
    assert "does not link to actors" in field_errors(post(data), "actors")


def test_claim_details_on_an_actor_span(post, project, article):
    assert "Only CLAIM spans" in field_errors(post(body(project, article, claim={"speech": "indirect"})), "claim")


def test_malformed_json(as_annotator):
    response = as_annotator.post("/api/annotations/", '{"project": 1, ', content_type="application/json")
    assert not Annotation.objects.exists()
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_wrong_content_type(as_annotator):
    response = as_annotator.post("/api/annotations/", b"project=1", content_type="text/plain")
    assert response.status_code == 415
    assert not Annotation.objects.exists()


def test_absurd_page_size_is_capped(as_annotator):
    response = as_annotator.get("/api/actors/?page_size=100000000000000000000000")
    assert response.status_code == 200
    assert "page_size" in field_errors(as_annotator.get("/api/actors/?page_size=-5"), "page_size")
    assert field_errors(as_annotator.get("/api/actors/?page_size=lots"), "page_size")


def test_page_size_caps_at_500(as_annotator):
    Actor.objects.bulk_create(Actor(name=f"Actor {n}", kind="group") for n in range(501))
    response = as_annotator.get("/api/actors/?page_size=100000")
    assert len(response.json()["results"]) == 500
    assert response.json()["next"]


def test_invalid_cursor(as_annotator):
    assert field_errors(as_annotator.get("/api/annotations/?cursor=cD1hYmM%3D"), "cursor")  # p=abc


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/annotations/?status=finished", "status"),
        ("/api/annotations/?article=999999", "article"),
        ("/api/annotations/?label=abc", "label"),
        ("/api/annotations/?created_after=yesterday", "created_after"),
        ("/api/articles/?outlet=999999", "outlet"),
        ("/api/articles/?has_label=NOPE", "has_label"),
        ("/api/articles/?annotation_status=x", "annotation_status"),
        ("/api/articles/?published_after=2020-13-45", "published_after"),
        ("/api/articles/?include=everything", "include"),
        ("/api/claims/?stance=angry", "stance"),
        ("/api/exports/jsonl/?raw=perhaps", "raw"),
        ("/api/exports/web-annotation/?page=0", "page"),
    ],
)
def test_unknown_filter_values(as_annotator, article, path, field):
    assert field_errors(as_annotator.get(path), field)


@pytest.mark.parametrize(
    "query",
    ["'", '"unbalanced', "a & b | !c", "a:* <-> b", "'; DROP TABLE articles_article; --", "-", "OR", "(((", "\\"],
)
def test_tsquery_and_sql_metacharacters_in_search(as_annotator, article, query):
    response = as_annotator.get("/api/articles/", {"search": query})
    assert response.status_code == 200


def test_null_character_in_search(as_annotator, article):
    assert field_errors(as_annotator.get("/api/articles/", {"search": "a\x00b"}), "search")


def test_over_long_strings(post, as_annotator, project, article):
    assert "no more than" in field_errors(post(body(project, article, note="x" * 20_000)), "note")
    assert "at most 500" in field_errors(as_annotator.get("/api/articles/", {"search": "war " * 500}), "search")
    response = as_annotator.post("/api/actors/", {"name": "x" * 301, "kind": "person"}, format="json")
    assert "no more than" in field_errors(response, "name")
    assert not Actor.objects.exists()


def test_patch_with_bad_offsets_changes_nothing(as_annotator, actor_span):
    response = as_annotator.patch(f"/api/annotations/{actor_span.pk}/", {"end": 9999}, format="json")
    assert "beyond" in field_errors(response, "end")
    actor_span.refresh_from_db()
    assert (actor_span.start, actor_span.end) == (0, 14)


def test_relation_across_articles(as_annotator, project, annotator, actor_span):
    from annotations import services

    other_article = ArticleFactory()
    project.articles.add(other_article)
    other = services.create_annotation(
        project=project, article=other_article, label=actor_span.label, annotator=annotator, start=0, end=7
    )
    response = as_annotator.post(
        "/api/relations/", {"source": actor_span.pk, "target": other.pk, "kind": "about"}, format="json"
    )
    assert "same article" in field_errors(response, "target")


def test_non_numeric_ids_are_404(as_annotator):
    assert as_annotator.get("/api/annotations/abc/").status_code == 404
    assert as_annotator.get("/api/articles/1.5/").status_code == 404
