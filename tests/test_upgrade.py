"""A database of the release before projects/ existed, with the demo coding, migrates to this one intact.

The fixture holds that release's data (tests/fixtures/upgrade/README.md says how it was made). The test builds
a scratch database with that release's migrations, loads the data, runs `manage.py migrate` as an upgrade
would, and reads the result back through the ORM of this release, all in subprocesses with DATABASE_URL set.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg2
import pytest
from django.db import connection
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "upgrade" / "demo-before-projects.sql.gz"

# The previous release: our apps at these migrations, Django's own apps at their latest.
PREVIOUS_RELEASE = textwrap.dedent(
    """
    from django.core.management import call_command
    call_command("migrate", "annotations", "0006_annotation_json_plpgsql", verbosity=0)
    call_command("migrate", "articles", "0002_snapshot_lz4", verbosity=0)
    for app in ("contenttypes", "auth", "admin", "sessions", "authtoken"):
        call_command("migrate", app, verbosity=0)
    """
)

# What the upgraded database says, read through this release's models.
REPORT = textwrap.dedent(
    """
    import json
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from annotations.models import (
        ActorLink, Annotation, Assignment, Claim, ClaimAbout, Label, Relation, SourceAttribution,
    )
    from annotations.services import create_project
    from articles.models import Article, ImportBatch
    from projects.models import Membership, Project

    project = Project.objects.get(slug="libya-demo")
    users = get_user_model().objects
    article = Article.objects.get()
    spans = Annotation.objects.order_by("id")
    # Writes work after the upgrade too: a new project with its codebook, holding the demo article.
    other = create_project(name="After the upgrade", slug="after-upgrade")
    other.articles.add(article)
    print(json.dumps({
        "spans": [
            [a.id, a.start, a.end, a.quote, a.label.name, a.label.project.slug, a.project.slug, a.annotator.username,
             a.status, a.quote == article.text[a.start:a.end]]
            for a in spans.select_related("label__project", "project", "annotator")
        ],
        "details": {
            "actor_links": ActorLink.objects.count(), "sources": SourceAttribution.objects.count(),
            "claims": Claim.objects.count(), "claim_about": ClaimAbout.objects.count(),
            "relations": Relation.objects.count(),
        },
        "project": [project.pk, project.name, sorted(project.articles.values_list("pk", flat=True))],
        "memberships": sorted([m.user.username, m.role] for m in project.memberships.select_related("user")),
        "members": sorted(project.members.values_list("username", flat=True)),
        "labels": sorted([label.name, label.kind] for label in project.labels.all()),
        "assignments": [[a.annotator.username, a.project.slug, a.status] for a in Assignment.objects.all()],
        "import_batch_project": [batch.project.slug for batch in ImportBatch.objects.all()],
        "content_types": {
            model.__name__: [ct.pk, ct.app_label]
            for model, ct in ContentType.objects.get_for_models(Project, Membership).items()
        },
        "old_content_types": list(ContentType.objects.filter(app_label="annotations", model__in=[
            "project", "membership"]).values_list("model", flat=True)),
        "curator_may_change_project": users.get(username="curator").has_perm("projects.change_project"),
        "reviewer_may_change_membership": users.get(username="reviewer").has_perm("projects.change_membership"),
        "log_entry": str(LogEntry.objects.get().get_edited_object()),
        "new_project_labels": sorted(Label.objects.filter(project=other).values_list("kind", flat=True)),
        "article_projects": sorted(article.projects.values_list("slug", flat=True)),
    }))
    """
)


def _database_url(settings: dict, name: str) -> str:
    """A URL for database `name` on the server of the test database (TCP, or the embedded server's socket)."""
    user, password = settings.get("USER") or "", settings.get("PASSWORD") or ""
    host, port = settings.get("HOST") or "", settings.get("PORT") or ""
    if not host or host.startswith("/"):
        query = "&".join(part for part in (f"host={host}" if host else "", f"port={port}" if port else "") if part)
        return f"postgresql://{user}:{password}@/{name}" + (f"?{query}" if query else "")
    return f"postgresql://{user}:{password}@{host}{f':{port}' if port else ''}/{name}"


def _connect(settings: dict, name: str):
    params = {"dbname": name, "user": settings.get("USER") or None, "password": settings.get("PASSWORD") or None}
    params |= {"host": settings.get("HOST") or None, "port": settings.get("PORT") or None}
    return psycopg2.connect(**{key: value for key, value in params.items() if value is not None})


def _manage(url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _sql_rows(settings: dict, name: str, query: str) -> list[tuple]:
    with _connect(settings, name) as db, db.cursor() as cursor:
        cursor.execute(query)
        rows = cursor.fetchall()
    db.close()
    return rows


@pytest.fixture
def scratch_database(django_db_setup, django_db_blocker):
    """An empty database beside the test database, dropped afterwards; its name and URL."""
    settings = dict(connection.settings_dict)
    name = f"{settings['NAME']}_upgrade"
    try:
        admin = _connect(settings, "postgres")
    except psycopg2.Error as error:
        pytest.skip(f"cannot reach the test database's server to create a scratch database: {error}")
    admin.autocommit = True

    def drop() -> None:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    drop()  # left over from an interrupted run
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg2.errors.InsufficientPrivilege as error:
        admin.close()
        pytest.skip(f"the test database's user may not create a scratch database: {error}")
    try:
        yield settings, name, _database_url(settings, name)
    finally:
        drop()
        admin.close()


SPANS_BEFORE = """
    SELECT a.id, a.start, a."end", a.quote, l.name, lp.slug, p.slug, u.username, a.status,
           a.quote = substr(art.text, a.start + 1, a."end" - a.start)
    FROM annotations_annotation a
    JOIN annotations_label l ON l.id = a.label_id
    JOIN annotations_project lp ON lp.id = l.project_id
    JOIN annotations_project p ON p.id = a.project_id
    JOIN auth_user u ON u.id = a.annotator_id
    JOIN articles_article art ON art.id = a.article_id
    ORDER BY a.id
"""


DETAILS_BEFORE = """
    SELECT (SELECT count(*) FROM annotations_actorlink), (SELECT count(*) FROM annotations_sourceattribution),
           (SELECT count(*) FROM annotations_claim), (SELECT count(*) FROM annotations_claimabout),
           (SELECT count(*) FROM annotations_relation)
"""


def test_database_of_previous_release_keeps_the_demo_coding_after_migrate(scratch_database):
    settings, name, url = scratch_database
    _manage(url, "shell", "--no-imports", "-c", PREVIOUS_RELEASE)
    with _connect(settings, name) as db, db.cursor() as cursor:
        # migrate made content types and permissions of its own; the old release's rows (and ids) replace them.
        cursor.execute("TRUNCATE django_content_type, auth_permission RESTART IDENTITY CASCADE")
        with gzip.open(FIXTURE, "rt", encoding="utf-8") as dump:
            cursor.execute(dump.read())
    db.close()
    spans_before = [list(row) for row in _sql_rows(settings, name, SPANS_BEFORE)]
    content_types_before = dict(
        _sql_rows(
            settings,
            name,
            "SELECT model, id FROM django_content_type "
            "WHERE app_label = 'annotations' AND model IN ('project', 'membership')",
        )
    )
    details_before = dict(
        zip(
            ["actor_links", "sources", "claims", "claim_about", "relations"],
            _sql_rows(settings, name, DETAILS_BEFORE)[0],
            strict=True,
        )
    )
    [project_before] = _sql_rows(settings, name, "SELECT id, name FROM annotations_project")
    [(article_before,)] = _sql_rows(settings, name, "SELECT article_id FROM annotations_project_articles")
    assert len(spans_before) == 88
    assert set(content_types_before) == {"project", "membership"}

    _manage(url, "migrate", "--noinput")
    report = json.loads(_manage(url, "shell", "--no-imports", "-c", REPORT).strip().splitlines()[-1])

    assert report["spans"] == spans_before  # same ids, offsets, quotes, labels, projects, annotators, statuses
    assert all(span[-1] for span in report["spans"])  # every quote is still the text between its offsets
    assert (
        report["details"]
        == details_before
        == {
            "actor_links": 71,
            "sources": 12,
            "claims": 18,
            "claim_about": 25,
            "relations": 23,
        }
    )
    assert report["project"] == [*project_before, [article_before]]
    assert report["memberships"] == [["curator", "admin"], ["demo-annotator", "annotator"], ["reviewer", "reviewer"]]
    assert report["members"] == ["curator", "demo-annotator", "reviewer"]
    assert report["labels"] == [["ACTOR", "actor"], ["CLAIM", "claim"], ["SOURCE", "source"]]
    assert report["assignments"] == [["demo-annotator", "libya-demo", "submitted"]]
    assert report["import_batch_project"] == ["libya-demo"]
    # The content types were renamed in place: permissions, group rights and the admin log still point at them.
    assert report["content_types"] == {
        "Project": [content_types_before["project"], "projects"],
        "Membership": [content_types_before["membership"], "projects"],
    }
    assert report["old_content_types"] == []
    assert report["curator_may_change_project"] is True
    assert report["reviewer_may_change_membership"] is True
    assert report["log_entry"] == "Libya demo"
    assert report["new_project_labels"] == ["actor", "claim", "source"]
    assert report["article_projects"] == ["after-upgrade", "libya-demo"]
