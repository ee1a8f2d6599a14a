"""Every endpoint x every role: anonymous, outsider, annotator, reviewer, project admin."""

import pytest
from rest_framework.test import APIClient

from annotations import services
from annotations.models import Annotation, Label
from tests.factories import ActorFactory, label

ROLES = ["anonymous", "outsider", "annotator", "reviewer", "project_admin"]


def expect(anonymous, outsider, annotator, reviewer, project_admin):
    return dict(zip(ROLES, [anonymous, outsider, annotator, reviewer, project_admin], strict=True))


# method, path (formatted with the `world` ids), body, expected status per role
MATRIX = [
    ("get", "/api/projects/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/projects/{project}/", None, expect(401, 404, 200, 200, 200)),
    ("get", "/api/labels/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/labels/{label}/", None, expect(401, 404, 200, 200, 200)),
    ("get", "/api/articles/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/articles/{article}/?include=annotations", None, expect(401, 404, 200, 200, 200)),
    ("post", "/api/articles/{article}/submit/", {"project": "{project}"}, expect(401, 404, 200, 200, 200)),
    ("get", "/api/outlets/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/outlets/{outlet}/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/actors/?q=haftar", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/actors/{actor}/", None, expect(401, 200, 200, 200, 200)),
    ("post", "/api/actors/", {"name": "New actor", "kind": "group"}, expect(401, 403, 201, 201, 201)),
    ("post", "/api/actors/{actor}/aliases/", {"name": "Another name"}, expect(401, 403, 201, 201, 201)),
    ("get", "/api/annotations/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/annotations/{span}/", None, expect(401, 404, 200, 200, 200)),
    ("get", "/api/annotations/{other_span}/", None, expect(401, 404, 404, 200, 200)),
    ("post", "/api/annotations/", "new_span", expect(401, 400, 201, 201, 201)),
    ("patch", "/api/annotations/{span}/", {"note": "changed"}, expect(401, 404, 200, 403, 200)),
    ("patch", "/api/annotations/{span}/", {"status": "accepted"}, expect(401, 404, 403, 200, 200)),
    ("patch", "/api/annotations/{span}/", {"status": "submitted"}, expect(401, 404, 200, 400, 200)),
    ("delete", "/api/annotations/{span}/", None, expect(401, 404, 204, 403, 204)),
    ("get", "/api/relations/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/relations/{relation}/", None, expect(401, 404, 200, 200, 200)),
    (
        "post",
        "/api/relations/",
        {"source": "{span}", "target": "{span2}", "kind": "about"},
        expect(401, 400, 201, 403, 201),
    ),
    ("delete", "/api/relations/{relation}/", None, expect(401, 404, 204, 403, 204)),
    ("get", "/api/claims/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/claims/{claim}/", None, expect(401, 404, 200, 200, 200)),
    ("get", "/api/exports/jsonl/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/exports/claims-csv/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/exports/web-annotation/", None, expect(401, 200, 200, 200, 200)),
]


@pytest.fixture
def world(project, article, annotator, reviewer, project_admin, outsider):
    actor = ActorFactory(name="Khalifa Haftar")
    actor_label = label(project, Label.Kind.ACTOR)
    span = services.create_annotation(
        project=project, article=article, label=actor_label, annotator=annotator, start=0, end=14, actors=[actor]
    )
    span2 = services.create_annotation(
        project=project, article=article, label=actor_label, annotator=annotator, start=23, end=37
    )
    other_span = services.create_annotation(
        project=project, article=article, label=actor_label, annotator=project_admin, start=23, end=37
    )
    claim = services.create_annotation(
        project=project,
        article=article,
        label=label(project, Label.Kind.CLAIM),
        annotator=annotator,
        start=0,
        end=37,
        claim={"claimant": actor},
    )
    relation = services.create_relation(source=claim, target=span, kind="claimant", annotator=annotator)
    users = {
        "anonymous": None,
        "outsider": outsider,
        "annotator": annotator,
        "reviewer": reviewer,
        "project_admin": project_admin,
    }
    ids = {
        "project": project.pk,
        "label": actor_label.pk,
        "article": article.pk,
        "outlet": article.outlet_id,
        "actor": actor.pk,
        "span": span.pk,
        "span2": span2.pk,
        "other_span": other_span.pk,
        "claim": claim.pk,
        "relation": relation.pk,
    }
    new_span = {"project": project.pk, "article": article.pk, "label": actor_label.pk, "start": 0, "end": 7}
    return users, ids, new_span


def fill(value, ids):
    if isinstance(value, str):
        return int(value.format(**ids)) if value.startswith("{") else value.format(**ids)
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    return value


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(world, role):
    users, ids, new_span = world
    client = APIClient()
    if users[role] is not None:
        client.force_authenticate(users[role])
    failures = []
    for method, path, body, expected in MATRIX:
        data = new_span if body == "new_span" else fill(body, ids)
        response = getattr(client, method)(path.format(**ids), data, format="json")
        if response.status_code != expected[role]:
            failures.append(f"{method.upper()} {path} {body}: {response.status_code} != {expected[role]}")
        if response.status_code == 401:
            assert response["WWW-Authenticate"] == "Token"
        # Deletions and status changes are undone so that every row sees the same world.
        if method == "delete" and response.status_code == 204:
            users, ids, new_span = _recreate(world, ids, path)
        if method == "patch" and response.status_code == 200:
            Annotation.objects.filter(pk=ids["span"]).update(status="draft", note="")
    assert not failures, "\n".join(failures)


def _recreate(world, ids, path):
    from annotations.models import Relation

    users, _, new_span = world
    if "relations" in path:
        relation = Relation.objects.create(
            article_id=ids["article"],
            source_id=ids["claim"],
            target_id=ids["span"],
            kind="claimant",
            annotator=users["annotator"],
        )
        return users, {**ids, "relation": relation.pk}, new_span
    source = Annotation.objects.get(pk=ids["span2"])
    span = services.create_annotation(
        project=source.project,
        article=source.article,
        label=source.label,
        annotator=users["annotator"],
        start=0,
        end=14,
    )
    relation = Relation.objects.create(
        article_id=ids["article"],
        source_id=ids["claim"],
        target_id=span.pk,
        kind="claimant",
        annotator=users["annotator"],
    )
    return users, {**ids, "span": span.pk, "relation": relation.pk}, new_span


def test_session_auth_enforces_csrf(client, annotator, project, article):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(annotator)
    body = {
        "project": project.pk,
        "article": article.pk,
        "label": label(project, Label.Kind.ACTOR).pk,
        "start": 0,
        "end": 7,
    }
    response = browser.post("/api/annotations/", body, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Annotation.objects.exists()


def test_token_auth_for_scripts(annotator):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=annotator)
    client = APIClient()
    assert client.get("/api/projects/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    assert client.get("/api/projects/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_schema_and_docs_are_public():
    client = APIClient()
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
