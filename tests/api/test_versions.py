"""Versions kept by PostgreSQL, ETags and If-Match (412), and PATCHes that write only the fields they name."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from annotations import services
from annotations.cache import refresh_span_cache
from annotations.models import Annotation, Label, Relation
from projects.models import Membership
from tests.api.conftest import client_for
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory, UserFactory, label


def url(span):
    return f"/api/annotations/{span.pk}/"


def version_of(span):
    return Annotation.objects.values_list("version", flat=True).get(pk=span.pk)


def test_get_sends_the_version_as_a_weak_etag(as_annotator, actor_span):
    response = as_annotator.get(url(actor_span))
    assert response.status_code == 200
    assert response["ETag"] == f'W/"{response.json()["version"]}"'


def test_patch_with_the_current_etag_writes_and_sends_the_next_one(as_annotator, actor_span):
    etag = as_annotator.get(url(actor_span))["ETag"]
    response = as_annotator.patch(url(actor_span), {"note": "checked"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    assert response.json()["note"] == "checked"
    assert response["ETag"] != etag
    assert response["ETag"] == f'W/"{version_of(actor_span)}"'


def test_stale_if_match_answers_412_with_the_current_span_and_writes_nothing(as_annotator, as_admin, actor_span):
    stale = as_annotator.get(url(actor_span))["ETag"]
    assert as_admin.patch(url(actor_span), {"note": "the admin's note"}, format="json").status_code == 200
    response = as_annotator.patch(url(actor_span), {"note": "mine"}, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert response.json()["note"] == "the admin's note"  # the current representation, to show the other change
    assert response["ETag"] == f'W/"{version_of(actor_span)}"'
    assert Annotation.objects.get(pk=actor_span.pk).note == "the admin's note"


def test_stale_if_match_on_delete_answers_412_and_keeps_the_span(as_annotator, actor_span):
    stale = as_annotator.get(url(actor_span))["ETag"]
    Annotation.objects.filter(pk=actor_span.pk).update(note="changed meanwhile")
    response = as_annotator.delete(url(actor_span), HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert response.json()["note"] == "changed meanwhile"
    assert Annotation.objects.filter(pk=actor_span.pk).exists()


def test_a_malformed_if_match_is_refused_and_nothing_changes(as_annotator, actor_span):
    response = as_annotator.patch(url(actor_span), {"note": "x"}, format="json", HTTP_IF_MATCH="version 3")
    assert response.status_code == 400
    assert "If-Match is an ETag this API sent" in response.json()["If-Match"][0]
    assert Annotation.objects.get(pk=actor_span.pk).note == ""


def test_if_match_accepts_strong_form_and_star(as_annotator, actor_span):
    version = version_of(actor_span)
    response = as_annotator.patch(url(actor_span), {"note": "a"}, format="json", HTTP_IF_MATCH=f'"{version}"')
    assert response.status_code == 200
    assert as_annotator.patch(url(actor_span), {"note": "b"}, format="json", HTTP_IF_MATCH="*").status_code == 200


def test_raw_sql_bumps_the_version_and_a_cache_refresh_does_not(actor_span):
    before = version_of(actor_span)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE annotations_annotation SET note = 'raw' WHERE id = %s", [actor_span.pk])
    assert version_of(actor_span) == before + 1
    refresh_span_cache()
    assert version_of(actor_span) == before + 1
    assert Annotation.objects.get(pk=actor_span.pk).cached_json is not None


def test_a_write_to_a_detail_row_bumps_its_span(project, article, annotator):
    claim = services.create_annotation(
        project=project, article=article, label=label(project, Label.Kind.CLAIM), annotator=annotator, start=15, end=22
    )
    before = version_of(claim)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE annotations_claim SET topic = 'energy' WHERE annotation_id = %s", [claim.pk])
    assert version_of(claim) == before + 1
    # ...and the span JSON (a cache kept by triggers) shows the new version and topic.
    response = client_for(annotator).get(url(claim)).json()
    assert response["version"] == before + 1 and response["claim"]["topic"] == "energy"


def test_relations_actors_and_labels_send_etags(as_annotator, actor_span, project, haftar, annotator):
    other = services.create_annotation(
        project=project,
        article=actor_span.article,
        label=label(project, Label.Kind.ACTOR),
        annotator=annotator,
        start=23,
        end=37,
    )
    relation = services.create_relation(source=actor_span, target=other, kind="coreference", annotator=annotator)
    response = as_annotator.get(f"/api/relations/{relation.pk}/")
    assert response["ETag"] == f'W/"{response.json()["version"]}"'
    actor = as_annotator.get(f"/api/actors/{haftar.pk}/")
    assert actor["ETag"] == 'W/"1"'
    # An alias is part of the actor: adding one makes a new version; a stale If-Match is refused.
    added = as_annotator.post(f"/api/actors/{haftar.pk}/aliases/", {"name": "Haftar"}, format="json")
    assert added.status_code == 201 and added["ETag"] == 'W/"2"'
    stale = as_annotator.post(
        f"/api/actors/{haftar.pk}/aliases/", {"name": "Field Marshal"}, format="json", HTTP_IF_MATCH='W/"1"'
    )
    assert stale.status_code == 412 and stale.json()["aliases"] == ["Haftar"]
    lab = as_annotator.get(f"/api/labels/{label(project, Label.Kind.ACTOR).pk}/")
    assert lab["ETag"] == f'W/"{lab.json()["version"]}"'
    # Deleting a relation with a stale If-Match is refused.
    Relation.objects.filter(pk=relation.pk).update(note="changed")
    gone = as_annotator.delete(f"/api/relations/{relation.pk}/", HTTP_IF_MATCH=response["ETag"])
    assert gone.status_code == 412 and Relation.objects.filter(pk=relation.pk).exists()


# --- two real connections at once ---------------------------------------------------------------------------


def _in_thread(target, results, index):
    def run():
        try:
            results[index] = target()
        except Exception as error:  # reported by the test
            results[index] = error
        finally:
            connections.close_all()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_of_different_fields_both_survive():
    project = ProjectFactory()
    article = ArticleFactory()
    project.articles.add(article)
    coder = MembershipFactory(project=project, user=UserFactory(username="coder")).user
    reviewer = MembershipFactory(project=project, user=UserFactory(username="rev"), role=Membership.Role.REVIEWER).user
    span = services.create_annotation(
        project=project, article=article, label=label(project, "actor"), annotator=coder, start=0, end=14
    )
    barrier = threading.Barrier(2, timeout=20)

    def coder_edits_note():
        mine = Annotation.objects.select_related("article", "project", "label").get(pk=span.pk)  # own connection
        barrier.wait()  # both have read the span before either writes
        services.update_annotation(mine, note="coder's note", by=coder)

    def reviewer_accepts():
        theirs = Annotation.objects.select_related("article", "project", "label").get(pk=span.pk)
        barrier.wait()
        services.update_annotation(theirs, status="accepted", by=reviewer)

    results = [None, None]
    threads = [_in_thread(coder_edits_note, results, 0), _in_thread(reviewer_accepts, results, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [None, None]
    stored = Annotation.objects.get(pk=span.pk)
    assert stored.note == "coder's note"
    assert stored.status == "accepted" and stored.reviewed_by == reviewer
    assert stored.version == 3  # created at 1, two writes


@pytest.mark.django_db(transaction=True)
def test_two_patches_with_the_same_if_match_one_wins_one_gets_412():
    project = ProjectFactory()
    article = ArticleFactory()
    project.articles.add(article)
    coder = MembershipFactory(project=project, user=UserFactory(username="coder")).user
    span = services.create_annotation(
        project=project, article=article, label=label(project, "actor"), annotator=coder, start=0, end=14
    )
    etag = f'W/"{version_of(span)}"'
    barrier = threading.Barrier(2, timeout=20)

    def patch(note):
        def send():
            client = Client()
            client.force_login(coder)
            barrier.wait()
            response = client.patch(url(span), data={"note": note}, content_type="application/json", HTTP_IF_MATCH=etag)
            return response.status_code, response.json()["note"]

        return send

    results = [None, None]
    threads = [_in_thread(patch("first"), results, 0), _in_thread(patch("second"), results, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(code for code, _ in results)
    assert codes == [200, 412], results
    winner = next(note for code, note in results if code == 200)
    loser_saw = next(note for code, note in results if code == 412)
    assert loser_saw == winner == Annotation.objects.get(pk=span.pk).note
