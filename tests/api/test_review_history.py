"""Review that follows edits, the history PostgreSQL keeps (who, when, through what), and deletes that would
destroy others' work."""

import html
import re

from django.contrib.admin.sites import site
from django.db import connection
from django.test import Client
from django.urls import reverse

from annotations import services
from annotations.admin import AnnotationAdmin
from annotations.models import Annotation, Claim, Label, Relation
from projects.models import Membership
from tests.api.conftest import client_for
from tests.factories import MembershipFactory, UserFactory, label


def url(span):
    return f"/api/annotations/{span.pk}/"


def history(client, span, **params):
    response = client.get(f"{url(span)}history/", params)
    assert response.status_code == 200, response.content
    return response.json()


def make(project, article, user, kind, start, end, **kwargs):
    return services.create_annotation(
        project=project, article=article, label=label(project, kind), annotator=user, start=start, end=end, **kwargs
    )


# --- review follows edits ---------------------------------------------------------------------------------------


def test_accepting_records_reviewer_and_time(as_reviewer, reviewer, actor_span):
    response = as_reviewer.patch(url(actor_span), {"status": "accepted"}, format="json")
    assert response.status_code == 200
    assert response.json()["reviewed_by"] == reviewer.pk and response.json()["reviewed_at"]
    stored = Annotation.objects.get(pk=actor_span.pk)
    assert stored.reviewed_by == reviewer and stored.reviewed_at is not None


def test_moving_an_accepted_span_sends_it_back_to_review_and_says_so(as_reviewer, as_annotator, actor_span):
    as_reviewer.patch(url(actor_span), {"status": "accepted"}, format="json")
    response = as_annotator.patch(url(actor_span), {"start": 8, "end": 14}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted" and body["review_reset"] is True
    assert body["notice"] == "This span was accepted; the change sent it back to review (status: submitted)."
    assert body["reviewed_by"] is None
    assert Annotation.objects.get(pk=actor_span.pk).status == "submitted"


def test_a_note_does_not_reset_the_review_but_a_detail_does(as_reviewer, as_annotator, project, article, annotator):
    claim = make(project, article, annotator, Label.Kind.CLAIM, 15, 22)
    as_reviewer.patch(url(claim), {"status": "rejected"}, format="json")
    note = as_annotator.patch(url(claim), {"note": "why?"}, format="json").json()
    assert note["status"] == "rejected" and "review_reset" not in note
    detail = as_annotator.patch(url(claim), {"claim": {"topic": "thanks"}}, format="json").json()
    assert detail["status"] == "submitted" and detail["review_reset"] is True


def test_relabelling_an_accepted_span_in_raw_sql_resets_it_too(project, article, annotator, reviewer, actor_span):
    services.update_annotation(actor_span, status="accepted", by=reviewer)
    source = label(project, Label.Kind.SOURCE)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE annotations_annotation SET label_id = %s WHERE id = %s", [source.pk, actor_span.pk])
    stored = Annotation.objects.get(pk=actor_span.pk)
    assert stored.status == "submitted" and stored.reviewed_by is None


def test_admin_bulk_accept_records_the_reviewer(staff, actor_span):
    client = Client()
    client.force_login(staff)
    response = client.post(
        reverse("admin:annotations_annotation_changelist"),
        {"action": "mark_accepted", "_selected_action": [actor_span.pk]},
    )
    assert response.status_code == 302
    stored = Annotation.objects.get(pk=actor_span.pk)
    assert stored.status == "accepted" and stored.reviewed_by == staff and stored.reviewed_at is not None
    assert isinstance(site._registry[Annotation], AnnotationAdmin)


# --- history ------------------------------------------------------------------------------------------------------


def test_an_api_edit_is_recorded_with_who_how_and_before_after(as_annotator, annotator, actor_span):
    as_annotator.patch(url(actor_span), {"note": "first"}, format="json")
    as_annotator.patch(url(actor_span), {"note": "second"}, format="json")
    events = history(as_annotator, actor_span)["results"]
    span_events = [e for e in events if e["model"] == "annotation"]
    assert [e["event"] for e in span_events] == ["insert", "update", "update"]  # oldest first
    last = span_events[-1]
    assert last["changes"] == {"note": {"before": "first", "after": "second"}}
    assert last["user"] == annotator.pk and last["username"] == "annotator" and last["via"] == "api"
    # The actor link made with the span is there too.
    assert any(e["model"] == "actor_link" and e["event"] == "insert" for e in events)


def test_history_is_cursor_paginated(as_annotator, actor_span):
    for n in range(4):
        as_annotator.patch(url(actor_span), {"note": f"n{n}"}, format="json")
    first = history(as_annotator, actor_span, page_size=2)
    assert len(first["results"]) == 2 and first["next"]
    second = as_annotator.get(first["next"]).json()
    assert {e["id"] for e in first["results"]}.isdisjoint({e["id"] for e in second["results"]})


def test_an_admin_edit_is_recorded_as_the_admin_through_the_admin(staff, annotator, actor_span):
    client = Client()
    client.force_login(staff)
    change = reverse("admin:annotations_annotation_change", args=[actor_span.pk])
    page = client.get(change)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: (value.pk if hasattr(value, "pk") else ("" if value is None else value))
        for name, value in form.initial.items()
        if name in form.fields
    }
    data["attributes"] = "{}"
    data["note"] = "fixed by staff"
    for prefix in ("actor_links", "source", "claim"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update({"actor_links-TOTAL_FORMS": 1, "actor_links-INITIAL_FORMS": 1})
    link = actor_span.actor_links.get()
    data.update(
        {"actor_links-0-id": link.pk, "actor_links-0-annotation": actor_span.pk, "actor_links-0-actor": link.actor_id}
    )
    response = client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    stored = Annotation.objects.get(pk=actor_span.pk)
    assert stored.note == "fixed by staff" and stored.annotator == annotator  # the coder stays the coder
    last = [e for e in history(client_for(annotator), actor_span)["results"] if e["model"] == "annotation"][-1]
    assert last["username"] == "staff" and last["via"] == "admin"
    assert last["changes"]["note"] == {"before": "", "after": "fixed by staff"}


def test_a_raw_sql_edit_is_recorded_as_the_database(as_annotator, actor_span):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE annotations_annotation SET note = 'psql' WHERE id = %s", [actor_span.pk])
    last = history(as_annotator, actor_span)["results"][-1]
    assert last["via"] == "database" and last["user"] is None
    assert last["changes"]["note"] == {"before": "", "after": "psql"}


def test_a_deleted_span_keeps_its_history_for_who_could_see_it(as_annotator, as_outsider, actor_span, annotator):
    span_id = actor_span.pk
    assert as_annotator.delete(url(actor_span)).status_code == 204
    events = history(as_annotator, actor_span)["results"]
    deleted = [e for e in events if e["model"] == "annotation"][-1]
    assert deleted["event"] == "delete" and deleted["username"] == "annotator" and deleted["via"] == "api"
    assert deleted["changes"]["quote"] == {"before": "Khalifa Haftar", "after": None}
    assert as_outsider.get(f"/api/annotations/{span_id}/history/").status_code == 404
    other = MembershipFactory(project=actor_span.project, user=UserFactory(username="other")).user
    assert client_for(other).get(f"/api/annotations/{span_id}/history/").status_code == 404


def test_admin_shows_history(staff, actor_span, as_annotator):
    as_annotator.patch(url(actor_span), {"note": "seen in the admin"}, format="json")
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("admin:annotations_annotation_change", args=[actor_span.pk])).content.decode()
    link = re.search(r'<a href="([^"]+)" class="events-admin">', page)
    assert link, "the change form links to the span's events"
    events = client.get(html.unescape(link.group(1)))
    assert events.status_code == 200
    assert "seen in the admin" in events.content.decode()


# --- deletes that would destroy others' work ---------------------------------------------------------------------


def test_deleting_a_span_another_coders_relation_points_at_is_refused(project, article, annotator, actor_span):
    colleague = MembershipFactory(project=project, user=UserFactory(username="colleague")).user
    admin = MembershipFactory(project=project, user=UserFactory(username="boss"), role=Membership.Role.ADMIN).user
    theirs = make(project, article, colleague, Label.Kind.ACTOR, 23, 37)
    relation = services.create_relation(source=theirs, target=actor_span, kind="coreference", annotator=colleague)
    claim = make(project, article, colleague, Label.Kind.CLAIM, 15, 22, claim={"claimant_mention": actor_span})
    response = client_for(annotator).delete(url(actor_span))
    assert response.status_code == 409
    body = response.json()
    assert body["dependent"]["relations"] == [
        {
            "id": relation.pk,
            "kind": "coreference",
            "source": theirs.pk,
            "target": actor_span.pk,
            "annotator": "colleague",
        }
    ]
    assert body["dependent"]["claims"] == [{"id": claim.pk, "field": "claimant_mention", "annotator": "colleague"}]
    assert body["detail"].startswith("Other annotators' work depends on this span: relation ")
    assert "Nothing was deleted" in body["detail"]
    assert Annotation.objects.filter(pk=actor_span.pk).exists()
    assert Relation.objects.filter(pk=relation.pk).exists()
    assert Claim.objects.get(pk=claim.pk).claimant_mention_id == actor_span.pk
    # confirm=1 does not help a coder who may not change the others' work.
    assert client_for(annotator).delete(url(actor_span) + "?confirm=1").status_code == 409
    # A project admin is told they may confirm, and then the delete goes through, recorded in the history.
    as_boss = client_for(admin)
    refused = as_boss.delete(url(actor_span))
    assert refused.status_code == 409 and "?confirm=1" in refused.json()["detail"]
    assert as_boss.delete(url(actor_span) + "?confirm=1").status_code == 204
    assert not Relation.objects.filter(pk=relation.pk).exists()
    assert Claim.objects.get(pk=claim.pk).claimant_mention_id is None
    events = history(as_boss, actor_span)["results"]
    gone = [e for e in events if e["model"] == "relation" and e["event"] == "delete"]
    assert gone and gone[0]["username"] == "boss"
    assert any(e["model"] == "annotation" and e["event"] == "delete" and e["username"] == "boss" for e in events)


def test_deleting_a_span_only_your_own_work_points_at_is_not_refused(project, article, annotator, actor_span):
    mine = make(project, article, annotator, Label.Kind.ACTOR, 23, 37)
    services.create_relation(source=mine, target=actor_span, kind="coreference", annotator=annotator)
    assert client_for(annotator).delete(url(actor_span)).status_code == 204
