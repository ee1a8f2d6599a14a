"""Codebook versions (issue 9, item 5): PostgreSQL makes one whenever a project's labels change, spans keep the
version they were last changed under, and exports name the label as that version had it."""

import json

from django.db import connection, transaction
from django.test import Client

from annotations import exports, services
from annotations.models import Annotation, CodebookVersion, Label
from articles.models import Article
from tests.factories import ArticleFactory, label


def versions(project):
    return list(CodebookVersion.objects.filter(project=project).order_by("number"))


def exported_spans():
    lines = b"".join(exports.jsonl_lines(Article.objects.all(), exports.Scope(), include_raw=False))
    return {span["id"]: span for line in lines.splitlines() for span in json.loads(line)["annotations"]}


def test_a_new_project_starts_with_one_version_of_its_core_codebook(project):
    (first,) = versions(project)
    assert first.number == 1
    assert sorted(entry["name"] for entry in first.labels) == ["ACTOR", "CLAIM", "SOURCE"]


def test_renaming_a_label_never_rewrites_past_spans(project, article, annotator):
    actor = label(project, Label.Kind.ACTOR)
    old = services.create_annotation(project=project, article=article, label=actor, annotator=annotator, start=0, end=5)
    assert old.__class__.objects.get(pk=old.pk).codebook_version.number == 1
    actor.name = "PERSON"
    actor.save()
    assert [v.number for v in versions(project)] == [1, 2]
    assert {e["name"] for e in versions(project)[1].labels} == {"PERSON", "CLAIM", "SOURCE"}
    new = services.create_annotation(
        project=project, article=article, label=actor, annotator=annotator, start=6, end=10
    )
    spans = exported_spans()
    assert (spans[old.pk]["label"], spans[old.pk]["codebook_version"]) == ("ACTOR", 1)
    assert (spans[new.pk]["label"], spans[new.pk]["codebook_version"]) == ("PERSON", 2)
    # Changing the old span makes it a span of the current codebook.
    services.update_annotation(Annotation.objects.get(pk=old.pk), note="checked")
    spans = exported_spans()
    assert (spans[old.pk]["label"], spans[old.pk]["codebook_version"]) == ("PERSON", 2)


def test_every_kind_of_label_change_makes_a_version_even_by_raw_sql(project):
    actor = label(project, Label.Kind.ACTOR)
    changes = [
        lambda: Label.objects.filter(pk=actor.pk).update(colour="#000000"),
        lambda: Label.objects.filter(pk=actor.pk).update(shortcut="p"),
        lambda: Label.objects.filter(pk=actor.pk).update(description="People and groups"),
        lambda: Label.objects.create(project=project, name="EVENT", colour="#123456"),
        lambda: Label.objects.filter(project=project, name="EVENT").delete(),
        lambda: _sql("UPDATE annotations_label SET name = 'WHO' WHERE id = %s", actor.pk),
        lambda: _sql("UPDATE annotations_label SET kind = 'custom' WHERE id = %s", actor.pk),
    ]
    for number, change in enumerate(changes, start=2):
        change()
        assert versions(project)[-1].number == number
    # Reordering the palette, or saving unchanged, changes no meaning: no version.
    Label.objects.filter(pk=actor.pk).update(order=9)
    Label.objects.get(pk=actor.pk).save()
    assert len(versions(project)) == len(changes) + 1
    assert versions(project)[-1].created_by is None  # raw SQL names nobody


def test_the_admin_records_who_changed_the_codebook(project, staff):
    actor = label(project, Label.Kind.ACTOR)
    browser = Client()
    browser.force_login(staff)
    response = browser.post(
        f"/admin/annotations/label/{actor.pk}/change/",
        {"project": project.pk, "name": "PERSON", "kind": "actor", "colour": "#2e86ab", "shortcut": "a", "order": 1},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = versions(project)[-1]
    assert latest.number == 2 and latest.created_by == staff
    assert "PERSON" in {entry["name"] for entry in latest.labels}


def test_services_can_name_who_changes_the_codebook(project, staff):
    with transaction.atomic():
        services.acting_as(staff)
        Label.objects.create(project=project, name="EVENT", colour="#123456")
    assert versions(project)[-1].created_by == staff
    services.acting_as(None)
    Label.objects.create(project=project, name="PLACE", colour="#123456")
    assert versions(project)[-1].created_by is None


def test_deleting_a_project_deletes_its_versions(db):
    project = services.create_project(name="Short-lived")
    ArticleFactory()
    project.delete()
    assert not CodebookVersion.objects.filter(project_id=project.pk).exists()


def _sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
