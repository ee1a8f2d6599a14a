"""The curation screen: curators only, with every coder's spans and the gold layer embedded, in a fixed number of
queries."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import services
from annotations.gold import accept_into_gold
from annotations.models import Label
from projects.models import Membership
from tests.factories import UserFactory, label


def url(project, article):
    return f"/projects/{project.pk}/articles/{article.pk}/curate/"


def embedded(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="workspace-data" type="application/json">') + len(
        '<script id="workspace-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.fixture
def two_coders(project, article):
    actor = label(project, Label.Kind.ACTOR)
    coders = []
    for name, extent in (("zed", (0, 14)), ("amy", (0, 7))):
        user = Membership.objects.create(project=project, user=UserFactory(username=name)).user
        services.create_annotation(
            project=project, article=article, label=actor, annotator=user, start=extent[0], end=extent[1]
        )
        coders.append(user)
    return coders


def test_a_curator_sees_every_coder_and_the_gold_layer(client, project, article, reviewer, two_coders):
    accept_into_gold(annotation=two_coders[0].annotations.get())
    client.force_login(reviewer)
    response = client.get(url(project, article))
    assert response.status_code == 200
    data = embedded(response)
    assert [c["name"] for c in data["curation"]["coders"]] == ["amy", "zed"]  # alphabetical: coder 1, 2, ...
    assert sorted((s["start"], s["end"]) for s in data["curation"]["spans"]) == [(0, 7), (0, 14)]
    assert [(a["start"], a["end"], a["status"]) for a in data["annotations"]] == [(0, 14, "accepted")]
    assert data["layer"] == "gold" and data["suggestions"] == []
    assert 'src="/static/annotator/curation.js"' in response.content.decode()


def test_annotators_and_strangers_cannot_curate(client, project, article, annotator, outsider, two_coders):
    client.force_login(annotator)
    assert client.get(url(project, article)).status_code == 403
    client.force_login(outsider)
    assert client.get(url(project, article)).status_code == 404


def test_the_curation_screen_costs_a_fixed_number_of_queries(client, project, article, reviewer, two_coders):
    client.force_login(reviewer)
    client.get(url(project, article))
    with CaptureQueriesContext(connection) as few:
        client.get(url(project, article))
    third = Membership.objects.create(project=project, user=UserFactory(username="cy")).user
    for start, end in ((0, 7), (8, 14), (23, 37)):
        services.create_annotation(
            project=project,
            article=article,
            label=label(project, Label.Kind.ACTOR),
            annotator=third,
            start=start,
            end=end,
        )
    with CaptureQueriesContext(connection) as more:
        client.get(url(project, article))
    assert len(more) == len(few)


def test_the_workspace_links_curators_to_curation(client, project, article, reviewer, annotator):
    link = f'href="{url(project, article)}"'
    client.force_login(reviewer)
    assert link in client.get(f"/projects/{project.pk}/articles/{article.pk}/").content.decode()
    client.force_login(annotator)
    assert link not in client.get(f"/projects/{project.pk}/articles/{article.pk}/").content.decode()
