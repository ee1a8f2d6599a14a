"""Lists: a fixed number of queries whatever the page size, filters, search, pagination; the token page."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from annotations import services
from annotations.models import Label
from tests.factories import ActorFactory, ArticleFactory, OutletFactory, label


def coded_articles(project, annotator, count):
    actor = ActorFactory()
    actor_label, claim_label = label(project, Label.Kind.ACTOR), label(project, Label.Kind.CLAIM)
    for _ in range(count):
        article = ArticleFactory()
        project.articles.add(article)
        services.create_annotation(
            project=project, article=article, label=actor_label, annotator=annotator, start=0, end=14, actors=[actor]
        )
        services.create_annotation(
            project=project,
            article=article,
            label=claim_label,
            annotator=annotator,
            start=0,
            end=37,
            claim={"claimant": actor, "about": [actor]},
        )


def count_queries(client, path, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response.json()


def test_listing_articles_with_annotations_costs_the_same_queries_for_5_and_50(
    as_reviewer, project, annotator, django_assert_max_num_queries
):
    coded_articles(project, annotator, 5)
    small, data = count_queries(as_reviewer, "/api/articles/?include=annotations&page_size=5", None)
    assert len(data["results"]) == 5 and len(data["results"][0]["annotations"]) == 2
    coded_articles(project, annotator, 45)
    large, data = count_queries(as_reviewer, "/api/articles/?include=annotations&page_size=50", None)
    assert len(data["results"]) == 50
    assert small == large
    # ?project= adds its own lookups (the filter's and the embedding's), a fixed two.
    with django_assert_max_num_queries(small + 2):
        as_reviewer.get(f"/api/articles/?include=annotations&page_size=50&project={project.pk}")


def test_listing_annotations_and_claims_costs_fixed_queries(as_reviewer, project, annotator):
    coded_articles(project, annotator, 3)
    small, _ = count_queries(as_reviewer, "/api/annotations/?page_size=2", None)
    large, data = count_queries(as_reviewer, "/api/annotations/?page_size=6", None)
    assert small == large and len(data["results"]) == 6
    small, _ = count_queries(as_reviewer, "/api/claims/?page_size=1", None)
    large, data = count_queries(as_reviewer, "/api/claims/?page_size=3", None)
    assert small == large and len(data["results"]) == 3


def test_cursor_pagination_walks_every_article_once(as_reviewer, project, annotator):
    coded_articles(project, annotator, 7)
    seen, url = [], "/api/articles/?page_size=3"
    while url:
        data = as_reviewer.get(url).json()
        seen += [item["id"] for item in data["results"]]
        url = data["next"]
    assert len(seen) == len(set(seen)) == 7


def test_article_filters(as_reviewer, project, annotator, reviewer):
    coded_articles(project, annotator, 2)
    outlet = OutletFactory()
    other = ArticleFactory(
        outlet=outlet,
        language="fr",
        published_at=datetime(2019, 5, 1, tzinfo=UTC),
        title="Tripoli",
        text="Les forces de Haftar avancent vers Tripoli.",
    )
    project.articles.add(other)
    services.create_annotation(
        project=project,
        article=other,
        label=label(project, Label.Kind.SOURCE),
        annotator=reviewer,
        start=0,
        end=10,
        status="submitted",
    )

    def ids(query):
        response = as_reviewer.get(f"/api/articles/?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["results"]]

    assert ids(f"outlet={outlet.pk}") == [other.pk]
    assert ids("language=fr") == [other.pk]
    assert ids("published_before=2020-01-01T00:00:00Z") == [other.pk]
    assert other.pk not in ids("published_after=2020-01-01T00:00:00Z")
    assert ids("has_label=SOURCE") == [other.pk]
    assert len(ids("has_label=claim")) == 2
    assert ids("annotation_status=submitted") == [other.pk]
    assert ids(f"annotator={reviewer.pk}") == [other.pk]
    assert len(ids(f"annotator={annotator.pk}&project={project.pk}")) == 2
    actor_id = as_reviewer.get("/api/annotations/?label_kind=actor").json()["results"][0]["actors"][0]
    assert len(ids(f"mentions_actor={actor_id}")) == 2


def test_annotation_filters(as_reviewer, project, annotator, reviewer):
    coded_articles(project, annotator, 2)

    def count(query):
        response = as_reviewer.get(f"/api/annotations/?{query}")
        assert response.status_code == 200, response.content
        return len(response.json()["results"])

    claim_label = label(project, Label.Kind.CLAIM)
    assert count(f"label={claim_label.pk}") == 2
    assert count(f"annotator={annotator.pk}") == 4
    assert count(f"annotator={reviewer.pk}") == 0
    assert count("status=draft") == 4
    assert count("created_after=2000-01-01T00:00:00Z&created_before=2100-01-01T00:00:00Z") == 4
    actor_id = as_reviewer.get("/api/annotations/?label_kind=actor").json()["results"][0]["actors"][0]
    assert count(f"actor={actor_id}") == 2


def test_search_is_ranked_with_a_highlighted_snippet(as_reviewer, project):
    for title, text in [
        ("Ceasefire talks", "The ceasefire talks in Geneva stalled. Ceasefire ceasefire."),
        ("Markets", "A ceasefire was mentioned once <b>in passing</b> among market news, 3 < 4."),
        ("Weather", "Rain in Benghazi."),
    ]:
        project.articles.add(ArticleFactory(title=title, text=text))
    response = as_reviewer.get("/api/articles/", {"search": "ceasefire -weather"})
    results = response.json()["results"]
    assert [item["title"] for item in results] == ["Ceasefire talks", "Markets"]
    assert results[0]["rank"] >= results[1]["rank"]
    assert "<mark>" in results[0]["snippet"]
    assert "<" not in results[1]["snippet"].replace("<mark>", "").replace("</mark>", "")
    assert [
        i["title"] for i in as_reviewer.get("/api/articles/", {"search": '"talks in Geneva"'}).json()["results"]
    ] == ["Ceasefire talks"]
    both = as_reviewer.get("/api/articles/", {"search": "Benghazi OR Geneva", "page_size": 1}).json()
    assert len(both["results"]) == 1 and both["next"]
    second = as_reviewer.get(both["next"]).json()
    assert {both["results"][0]["title"], second["results"][0]["title"]} == {"Ceasefire talks", "Weather"}


def test_token_page_creates_and_revokes(client, annotator):
    client.force_login(annotator)
    assert "no API token" in client.get("/account/token/").content.decode()
    page = client.post("/account/token/", {"action": "create"}).content.decode()
    key = Token.objects.get(user=annotator).key
    assert key in page
    client.post("/account/token/", {"action": "revoke"})
    assert not Token.objects.filter(user=annotator).exists()


def test_token_page_needs_login(client):
    assert client.get("/account/token/").status_code == 302


def test_api_token_command(annotator):
    out = io.StringIO()
    call_command("api_token", "annotator", stdout=out)
    assert out.getvalue().strip() == Token.objects.get(user=annotator).key
    call_command("api_token", "annotator", "--revoke", stdout=io.StringIO())
    assert not Token.objects.exists()


@pytest.mark.parametrize("kind", ["jsonl", "claims-csv", "web-annotation"])
def test_export_command(project, annotator, kind, tmp_path):
    coded_articles(project, annotator, 2)
    path = tmp_path / "out"
    call_command("export", kind, "--project", project.slug, "-o", str(path), stderr=io.StringIO())
    text = path.read_text()
    assert {"jsonl": '"annotations"', "claims-csv": "claim_text", "web-annotation": "AnnotationCollection"}[
        kind
    ] in text


def test_api_token_command_says_when_it_replaces_a_key(annotator):
    first, err = io.StringIO(), io.StringIO()
    call_command("api_token", "annotator", stdout=first, stderr=err)
    assert err.getvalue() == ""
    second = io.StringIO()
    call_command("api_token", "annotator", stdout=second, stderr=err)
    assert second.getvalue().strip() == Token.objects.get(user=annotator).key != first.getvalue().strip()
    assert "The earlier token of annotator was replaced: scripts using it must change." in err.getvalue()
