"""`load_export` merges (issue 9, item 7): spans by UUID (added, newer applied, conflicts reported with exit 1),
actors by Wikidata id, UUID, name and kind with their aliases merged, projects, memberships and submissions."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations import services
from annotations.models import Actor, ActorLink, Annotation, Assignment, Label, Relation
from articles.models import Article, Outlet, Snapshot
from projects.models import Membership, Project
from tests.api.test_exports import TEXT, coded, span  # noqa: F401  (the fixture)


def export_to(path):
    call_command("export", "jsonl", "-o", str(path), stderr=io.StringIO())


def load(path):
    out, err = io.StringIO(), io.StringIO()
    call_command("load_export", str(path), stdout=out, stderr=err)
    return out.getvalue()


def empty_database():
    Annotation.objects.all().delete()
    Assignment.objects.all().delete()
    Project.articles.through.objects.all().delete()
    Article.objects.all().delete()
    Snapshot.objects.all().delete()
    Outlet.objects.all().delete()
    Actor.objects.all().delete()
    Project.objects.all().delete()
    get_user_model().objects.all().delete()


def test_a_later_export_loaded_after_an_earlier_one_adds_the_new_span(coded, tmp_path, reviewer, project):  # noqa: F811
    services.submit_article(project=project, article=coded, annotator=reviewer)
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    export_to(first)
    start, end = span(TEXT, "Putin")
    new = services.create_annotation(
        project=project, article=coded, label=project.labels.get(kind=Label.Kind.ACTOR), annotator=reviewer,
        start=start, end=end,
    )  # fmt: skip
    export_to(second)
    uuids = set(Annotation.objects.values_list("uuid", flat=True))
    project.name, project.description = "Libya 2020", "Haftar's offensive"
    project.save()
    export_to(second)
    empty_database()
    assert "1 articles loaded (0 already there), 4 annotations added" in load(first)
    summary = load(second)
    assert "0 articles loaded (1 already there), 1 annotations added, 0 updated" in summary
    assert "0 conflicts" in summary
    assert set(Annotation.objects.values_list("uuid", flat=True)) == uuids
    assert Annotation.objects.get(uuid=new.uuid).quote == "Putin"
    restored = Project.objects.get()
    assert Membership.objects.filter(project=restored).count() == 2
    assert Assignment.objects.get(annotator__username="reviewer").status == "submitted"


def test_a_newer_version_of_a_span_is_applied_and_an_older_one_ignored(coded, tmp_path):  # noqa: F811
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    export_to(old)
    claim = Annotation.objects.get(label__kind="claim")
    services.update_annotation(claim, note="checked against the Kremlin readout", status="accepted")
    export_to(new)
    Annotation.objects.filter(pk=claim.pk).update(note="to check", status="submitted", updated_at="2000-01-01T00:00Z")
    assert "1 updated" in load(new)
    claim.refresh_from_db()
    assert (claim.note, claim.status) == ("checked against the Kremlin readout", "accepted")
    assert "0 updated" in load(old)  # the older file changes nothing
    claim.refresh_from_db()
    assert claim.note == "checked against the Kremlin readout"


def test_conflicts_are_reported_and_exit_1(coded, tmp_path):  # noqa: F811
    path = tmp_path / "corpus.jsonl"
    export_to(path)
    claim = Annotation.objects.get(label__kind="claim")
    line = json.loads(path.read_text())
    for item in line["annotations"]:
        if item["uuid"] == str(claim.uuid):
            item["note"] = "edited elsewhere at the same moment"
    path.write_text(json.dumps(line) + "\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 conflict"):
        call_command("load_export", str(path), stdout=io.StringIO(), stderr=err)
    assert f"conflict: span {claim.uuid}" in err.getvalue()
    claim.refresh_from_db()
    assert claim.note == "to check"  # nothing lost


def test_an_incoming_alias_and_wikidata_id_are_merged_into_the_existing_actor(coded, tmp_path):  # noqa: F811
    path = tmp_path / "corpus.jsonl"
    putin = Actor.objects.get(name="Vladimir Putin")
    services.add_alias(actor=putin, name="President Putin")
    Actor.objects.filter(pk=putin.pk).update(wikidata_qid="Q7747", description="President of Russia")
    export_to(path)
    # Here, the same actor under another UUID, without the alias, Wikidata id and description.
    Actor.objects.filter(pk=putin.pk).update(
        wikidata_qid="", description="", uuid="00000000-0000-4000-8000-000000000001"
    )
    putin.aliases.all().delete()
    out = load(path)
    putin.refresh_from_db()
    assert putin.wikidata_qid == "Q7747" and putin.description == "President of Russia"
    assert list(putin.aliases.values_list("name", flat=True)) == ["President Putin"]
    assert "merged: actor 'Vladimir Putin': alias 'President Putin', Wikidata id Q7747, description" in out
    assert Actor.objects.filter(name="Vladimir Putin").count() == 1
    assert ActorLink.objects.filter(actor=putin).count() == 1 and Annotation.objects.count() == 4  # no duplicates
    assert Relation.objects.count() == 1


def test_actors_are_matched_by_wikidata_id_before_their_name(coded, tmp_path):  # noqa: F811
    path = tmp_path / "corpus.jsonl"
    export_to(path)
    Actor.objects.filter(name="Khalifa Haftar").update(
        name="Khalifa Belqasim Haftar", uuid="00000000-0000-4000-8000-000000000002"
    )
    out = load(path)
    haftar = Actor.objects.get(wikidata_qid="Q1138963")
    assert haftar.name == "Khalifa Belqasim Haftar"
    assert "Khalifa Haftar" in haftar.aliases.values_list("name", flat=True)
    assert "merged: actor 'Khalifa Belqasim Haftar': alias 'Khalifa Haftar'" in out
