"""The endpoints the browser workspace relies on (docs/api.md)."""

from annotations.models import Annotation, Label, Relation
from tests.api.conftest import body
from tests.factories import ActorFactory, label


def test_annotator_creates_a_span_as_themselves(as_annotator, project, article, annotator, haftar, reviewer):
    response = as_annotator.post(
        "/api/annotations/", body(project, article, actors=[haftar.pk], annotator=reviewer.pk), format="json"
    )
    assert response.status_code == 201, response.data
    data = response.json()
    assert data["annotator"] == annotator.pk
    assert data["quote"] == "Khalifa Haftar"
    assert data["label_kind"] == "actor"
    assert data["actors"] == [haftar.pk]
    assert data["suffix"].startswith(" thanked")
    assert data["source"] is None and data["claim"] is None


def test_claim_span_carries_its_claim(as_annotator, project, article, haftar, actor_span):
    text = article.text
    start = text.index("Khalifa")
    end = text.index(",")
    response = as_annotator.post(
        "/api/annotations/",
        {
            "project": project.pk,
            "article": article.pk,
            "label": label(project, Label.Kind.CLAIM).pk,
            "start": start,
            "end": end,
            "claim": {
                "claimant": haftar.pk,
                "claimant_mention": actor_span.pk,
                "speech": "indirect",
                "claim_date": "2020-01-03",
                "about": [haftar.pk],
                "stance": "neutral",
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    claim = response.json()["claim"]
    assert claim["claimant"] == haftar.pk
    assert claim["claimant_mention"] == actor_span.pk
    assert claim["claim_date"] == "2020-01-03"
    assert claim["about"] == [haftar.pk]
    assert claim["verdict"] == "unverified"


def test_source_span_carries_its_attribution(as_annotator, project, article):
    start = article.text.index("the Kremlin")
    response = as_annotator.post(
        "/api/annotations/",
        {
            "project": project.pk,
            "article": article.pk,
            "label": label(project, Label.Kind.SOURCE).pk,
            "start": start,
            "end": start + len("the Kremlin said"),
            "source": {"kind": "official_statement", "anonymity": "named_collective", "cue": "said"},
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.json()["source"] == {
        "kind": "official_statement",
        "anonymity": "named_collective",
        "cue": "said",
        "channel": "",
    }


def test_list_by_article_and_project(as_annotator, project, article, actor_span):
    response = as_annotator.get(f"/api/annotations/?article={article.pk}&project={project.pk}")
    assert response.status_code == 200
    data = response.json()
    assert [a["id"] for a in data["results"]] == [actor_span.pk]
    assert data["next"] is None


def test_owner_patches_and_deletes(as_annotator, actor_span):
    response = as_annotator.patch(
        f"/api/annotations/{actor_span.pk}/", {"note": "the field marshal", "end": 7, "quote": "Khalifa"}, format="json"
    )
    assert response.status_code == 200, response.data
    assert response.json()["quote"] == "Khalifa"
    assert response.json()["note"] == "the field marshal"
    assert as_annotator.delete(f"/api/annotations/{actor_span.pk}/").status_code == 204
    assert not Annotation.objects.filter(pk=actor_span.pk).exists()


def test_actor_search_over_aliases(as_annotator, haftar):
    haftar.aliases.create(name="Field Marshal Haftar")
    ActorFactory(name="Vladimir Putin")
    response = as_annotator.get("/api/actors/?q=haftar")
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["id"] == haftar.pk
    assert results[0]["aliases"] == ["Field Marshal Haftar"]
    assert results[0]["similarity"] > 0


def test_member_creates_actor_and_alias(as_annotator):
    response = as_annotator.post(
        "/api/actors/", {"name": "Libyan National Army", "kind": "armed_group", "aliases": ["LNA"]}, format="json"
    )
    assert response.status_code == 201, response.data
    actor_id = response.json()["id"]
    assert response.json()["aliases"] == ["LNA"]
    response = as_annotator.post(f"/api/actors/{actor_id}/aliases/", {"name": "Haftar's forces"}, format="json")
    assert response.status_code == 201
    assert response.json()["name"] == "Haftar's forces"


def test_labels_of_project(as_annotator, project):
    response = as_annotator.get(f"/api/labels/?project={project.pk}")
    assert response.status_code == 200
    assert {item["name"] for item in response.json()["results"]} == {"CLAIM", "ACTOR", "SOURCE"}


def test_relations_create_list_delete(as_annotator, project, article, annotator, actor_span):
    from annotations import services

    other = services.create_annotation(
        project=project, article=article, label=label(project, Label.Kind.ACTOR), annotator=annotator, start=23, end=37
    )
    response = as_annotator.post(
        "/api/relations/", {"source": actor_span.pk, "target": other.pk, "kind": "about"}, format="json"
    )
    assert response.status_code == 201, response.data
    relation_id = response.json()["id"]
    assert response.json()["article"] == article.pk
    listed = as_annotator.get(f"/api/relations/?article={article.pk}").json()["results"]
    assert [r["id"] for r in listed] == [relation_id]
    assert as_annotator.delete(f"/api/relations/{relation_id}/").status_code == 204
    assert not Relation.objects.exists()


def test_article_detail_with_annotations_and_submit(as_annotator, project, article, actor_span):
    response = as_annotator.get(f"/api/articles/{article.pk}/?include=annotations")
    assert response.status_code == 200
    data = response.json()
    assert data["text"] == article.text
    assert [a["id"] for a in data["annotations"]] == [actor_span.pk]
    response = as_annotator.post(f"/api/articles/{article.pk}/submit/", {"project": project.pk}, format="json")
    assert response.status_code == 200, response.data
    assert response.json()["status"] == "submitted"
    actor_span.refresh_from_db()
    assert actor_span.status == "submitted"
