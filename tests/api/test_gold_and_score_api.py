"""The gold layer through the API (curators accept spans into it, write it, and `annotator=gold` selects it) and
GET /api/projects/<id>/score/ (who may see a score, hidden until submitting in training mode, bad input)."""

import json

import pytest

from annotations import services
from annotations.gold import GOLD_USERNAME, gold_user
from annotations.models import Annotation, Label
from projects.models import Membership
from tests.api.conftest import client_for
from tests.factories import ArticleFactory, label

# "Khalifa Haftar thanked Vladimir Putin, the Kremlin said on Friday."
HAFTAR, PUTIN, KREMLIN = (0, 14), (23, 37), (39, 50)


def span(project, article, user, kind, extent, **extra):
    return services.create_annotation(
        project=project,
        article=article,
        label=label(project, kind),
        annotator=user,
        start=extent[0],
        end=extent[1],
        **extra,
    )


def accept(client, project, annotation):
    return client.post(f"/api/projects/{project.pk}/gold/", {"annotation": annotation.pk}, format="json")


def test_a_reviewer_accepts_a_coders_span_with_its_actors_into_gold(project, article, annotator, reviewer, haftar):
    coded = span(project, article, annotator, Label.Kind.ACTOR, HAFTAR, actors=[haftar])
    response = accept(client_for(reviewer), project, coded)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["start"], body["end"], body["quote"]) == (0, 14, "Khalifa Haftar")
    stored = Annotation.objects.get(pk=body["id"])
    assert stored.annotator.username == GOLD_USERNAME and stored.status == Annotation.Status.ACCEPTED
    assert list(stored.actors.all()) == [haftar]
    coded.refresh_from_db()
    assert coded.status == Annotation.Status.ACCEPTED
    assert not gold_user().has_usable_password() and not gold_user().is_active


def test_accepting_another_coders_version_replaces_the_overlapping_gold_span(project, article, annotator, reviewer):
    other = Membership.objects.create(project=project, user=type(annotator).objects.create(username="other")).user
    first = span(project, article, annotator, Label.Kind.ACTOR, (0, 7))
    second = span(project, article, other, Label.Kind.ACTOR, HAFTAR)
    accept(client_for(reviewer), project, first)
    accept(client_for(reviewer), project, second)
    gold = Annotation.objects.filter(annotator__username=GOLD_USERNAME)
    assert [(g.start, g.end) for g in gold] == [HAFTAR]


def test_a_claim_is_accepted_with_its_claim_fields_and_its_source_points_at_the_gold_twin(
    project, article, annotator, reviewer, haftar
):
    source = span(
        project,
        article,
        annotator,
        Label.Kind.SOURCE,
        KREMLIN,
        source={"kind": "organization_statement", "cue": "said"},
    )
    claim = span(
        project,
        article,
        annotator,
        Label.Kind.CLAIM,
        (0, 37),
        claim={"claimant": haftar, "source_annotation": source, "stance": "", "speech": "indirect", "about": [haftar]},
    )
    client = client_for(reviewer)
    gold_source = accept(client, project, source).json()
    gold_claim = Annotation.objects.get(pk=accept(client, project, claim).json()["id"])
    assert gold_claim.claim.claimant == haftar and gold_claim.claim.speech == "indirect"
    assert gold_claim.claim.source_annotation_id == gold_source["id"]
    assert list(gold_claim.claim.about.all()) == [haftar]
    assert Annotation.objects.get(pk=gold_source["id"]).source.cue == "said"


def test_only_curators_accept_into_gold(project, article, annotator, as_annotator, as_outsider):
    coded = span(project, article, annotator, Label.Kind.ACTOR, HAFTAR)
    response = accept(as_annotator, project, coded)
    assert response.status_code == 403
    assert "Only reviewers and project admins curate" in response.json()["detail"]
    assert accept(as_outsider, project, coded).status_code == 404
    assert not Annotation.objects.filter(annotator__username=GOLD_USERNAME).exists()
    coded.refresh_from_db()
    assert coded.status == Annotation.Status.DRAFT


def test_accepting_a_span_of_another_project_is_refused(project, article, reviewer, as_reviewer):
    elsewhere = Membership.objects.create(project=type(project).objects.create(name="B", slug="b"), user=reviewer)
    services.ensure_core_labels(elsewhere.project)
    other_article = ArticleFactory()
    elsewhere.project.articles.add(other_article)
    foreign = span(elsewhere.project, other_article, reviewer, Label.Kind.ACTOR, HAFTAR)
    response = accept(as_reviewer, project, foreign)
    assert response.status_code == 400
    assert response.json() == {"annotation": ["No span of this project has that id."]}
    assert not Annotation.objects.filter(annotator__username=GOLD_USERNAME).exists()


def test_a_curator_creates_and_adjusts_gold_spans_and_an_annotator_cannot(project, article, as_reviewer, as_annotator):
    body = {
        "project": project.pk,
        "article": article.pk,
        "label": label(project, Label.Kind.ACTOR).pk,
        "start": 0,
        "end": 7,
        "layer": "gold",
    }
    refused = as_annotator.post("/api/annotations/", body, format="json")
    assert refused.status_code == 403
    created = as_reviewer.post("/api/annotations/", body, format="json")
    assert created.status_code == 201, created.content
    gold_span = Annotation.objects.get(pk=created.json()["id"])
    assert gold_span.annotator.username == GOLD_USERNAME
    assert as_annotator.patch(f"/api/annotations/{gold_span.pk}/", {"end": 14}, format="json").status_code == 404
    moved = as_reviewer.patch(f"/api/annotations/{gold_span.pk}/", {"end": 14}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["quote"] == "Khalifa Haftar"
    assert not gold_span.article.assignments.filter(annotator__username=GOLD_USERNAME).exists()


def test_annotator_gold_selects_the_gold_coding_in_the_lists(project, article, annotator, reviewer, as_reviewer):
    missing = as_reviewer.get("/api/annotations/", {"annotator": "gold"})
    assert missing.status_code == 400
    assert missing.json() == {"annotator": ["No project has a gold coding yet."]}
    coded = span(project, article, annotator, Label.Kind.ACTOR, HAFTAR)
    span(project, article, annotator, Label.Kind.ACTOR, PUTIN)
    accept(as_reviewer, project, coded)
    plain = ArticleFactory()
    project.articles.add(plain)
    span(project, plain, annotator, Label.Kind.ACTOR, PUTIN)

    spans = as_reviewer.get("/api/annotations/", {"annotator": "gold", "project": project.pk}).json()["results"]
    assert [(s["start"], s["end"], s["annotator"]) for s in spans] == [(0, 14, gold_user().pk)]
    articles = as_reviewer.get("/api/articles/", {"annotator": "gold", "project": project.pk}).json()["results"]
    assert [a["id"] for a in articles] == [article.pk]
    assert as_reviewer.get("/api/annotations/", {"annotator": "GOLD"}).status_code == 200
    claims = as_reviewer.get("/api/claims/", {"annotator": "gold"})
    assert claims.status_code == 200 and claims.json()["results"] == []
    # The exports filter like the lists: the Web Annotation export of gold holds just the gold span.
    export = as_reviewer.get("/api/exports/web-annotation/", {"annotator": "gold", "project": project.pk})
    assert export.status_code == 200
    collection = json.loads(b"".join(export.streaming_content) if export.streaming else export.content)
    assert collection["total"] == 1
    assert [s["exact"] for s in collection["first"]["items"][0]["target"]["selector"] if "exact" in s] == [
        "Khalifa Haftar"
    ]


# --- score ---------------------------------------------------------------------------------------------------


@pytest.fixture
def gold_coding(project, article, reviewer):
    """Gold: ACTOR Haftar, ACTOR Putin, SOURCE the Kremlin."""
    curator = client_for(reviewer)
    for kind, extent in ((Label.Kind.ACTOR, HAFTAR), (Label.Kind.ACTOR, PUTIN), (Label.Kind.SOURCE, KREMLIN)):
        body = {
            "project": project.pk,
            "article": article.pk,
            "label": label(project, kind).pk,
            "start": extent[0],
            "end": extent[1],
            "layer": "gold",
        }
        assert curator.post("/api/annotations/", body, format="json").status_code == 201


def score(client, project, **params):
    return client.get(f"/api/projects/{project.pk}/score/", params)


def test_a_coder_in_training_sees_the_score_only_after_submitting(
    project, article, annotator, as_annotator, gold_coding
):
    project.training = True
    project.save()
    span(project, article, annotator, Label.Kind.ACTOR, HAFTAR)
    span(project, article, annotator, Label.Kind.ACTOR, (23, 31))  # "Vladimir": a boundary difference
    span(project, article, annotator, Label.Kind.CLAIM, (51, 55))  # extra
    before = score(as_annotator, project)
    assert before.status_code == 200
    assert before.json()["articles"] == 0 and before.json()["differences"] == []
    services.submit_article(project=project, article=article, annotator=annotator)
    body = score(as_annotator, project, article=article.pk).json()
    assert body["articles"] == 1 and body["reference"] == "gold" and body["annotator"] == annotator.pk
    actor = body["labels"]["ACTOR"]
    assert actor["exact"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert actor["overlap"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert body["labels"]["SOURCE"]["exact"] == {"precision": None, "recall": 0.0, "f1": 0.0}
    assert body["overall"]["exact"]["f1"] == pytest.approx(2 * 1 / (3 + 3))
    kinds = [(d["quote"], d["kind"], d["side"]) for d in body["differences"]]
    assert kinds == [
        ("Vladimir", "boundary", "coder"),
        ("Vladimir Putin", "boundary", "reference"),
        ("the Kremlin", "missed", "reference"),
        ("said", "extra", "coder"),
    ]


def test_outside_training_a_coder_gets_no_score_but_a_reviewer_does(
    project, article, annotator, as_annotator, as_reviewer, gold_coding
):
    span(project, article, annotator, Label.Kind.ACTOR, HAFTAR)
    services.submit_article(project=project, article=article, annotator=annotator)
    refused = score(as_annotator, project)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Coders see their score against gold only in training projects."
    body = score(as_reviewer, project, annotator=annotator.pk).json()
    assert body["labels"]["ACTOR"]["exact"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3)}


def test_score_refuses_bad_input_and_strangers(project, annotator, reviewer, as_annotator, as_reviewer, as_outsider):
    project.training = True
    project.save()
    assert score(as_outsider, project).status_code == 404
    other = score(as_annotator, project, annotator=reviewer.pk)
    assert other.status_code == 403
    assert other.json()["detail"] == "Only reviewers and project admins see another coder's score."
    assert score(as_annotator, project, reference=reviewer.pk).status_code == 403
    bad = score(as_reviewer, project, annotator="x1")
    assert bad.status_code == 400 and bad.json() == {"annotator": ["'x1' is not a user id (a whole number)."]}
    stranger = score(as_reviewer, project, annotator=annotator.pk, reference=999999)
    assert stranger.json() == {"reference": ["User 999999 is not a member of this project."]}
    no_article = score(as_reviewer, project, annotator=annotator.pk, article=999999)
    assert no_article.json() == {"article": ["Article 999999 is not in this project."]}


def test_a_reviewer_scores_one_coder_against_another(project, article, annotator, reviewer, as_reviewer):
    span(project, article, annotator, Label.Kind.ACTOR, HAFTAR)
    span(project, article, reviewer, Label.Kind.ACTOR, HAFTAR)
    services.submit_article(project=project, article=article, annotator=annotator)
    body = score(as_reviewer, project, annotator=annotator.pk, reference=reviewer.pk).json()
    assert body["reference"] == reviewer.pk
    assert body["overall"]["exact"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
