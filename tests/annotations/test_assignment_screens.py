"""Assigning in the browser's project settings and in the admin; a coder's queue on the project page."""

import pytest

from annotations.models import Assignment
from projects.models import Membership
from tests.factories import ArticleFactory, MembershipFactory, UserFactory


@pytest.fixture
def team(project):
    return [
        MembershipFactory(project=project, user=UserFactory(username=f"coder{i}"), role=Membership.Role.ANNOTATOR).user
        for i in range(2)
    ]


@pytest.fixture
def articles(project):
    found = [ArticleFactory(title=f"Article {i}") for i in range(3)]
    project.articles.add(*found)
    return found


def test_admin_assigns_on_the_settings_page_and_sees_progress(client, project, project_admin, team, articles):
    client.force_login(project_admin)
    ids = " ".join(str(a.pk) for a in articles)
    response = client.post(
        f"/projects/{project.pk}/assignments/", {"articles": ids, "coders": [c.pk for c in team], "k": "2"}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "6 new assignments (0 articles already had enough coders)." in html
    assert Assignment.objects.filter(project=project).count() == 6
    assert html.count('<span class="badge status-in_progress">coder0</span>') == 3


@pytest.mark.parametrize(
    "data, message",
    [
        ({"articles": "1 x2", "k": "1"}, "Not article ids: x2."),
        ({"articles": "", "search": "", "k": "1"}, "Give either article ids or a search, not both."),
        ({"search": "xylophone", "k": "1"}, "No article of this project matches this search."),
        ({"articles": "{a}", "k": "3"}, "k is 3 but only 2 coder(s) were chosen."),
    ],
)
def test_bad_assignment_forms_say_why_and_write_nothing(client, project, project_admin, team, articles, data, message):
    client.force_login(project_admin)
    data = {key: value.format(a=articles[0].pk) for key, value in data.items()}
    response = client.post(f"/projects/{project.pk}/assignments/", {**data, "coders": [c.pk for c in team]})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Assignment.objects.exists()


def test_reviewers_see_progress_but_do_not_assign(client, project, reviewer, annotator, team, articles):
    client.force_login(reviewer)
    response = client.get(f"/projects/{project.pk}/assignments/")
    assert response.status_code == 200
    assert 'id="assign-form"' not in response.content.decode()
    assert client.post(f"/projects/{project.pk}/assignments/", {"articles": "1", "k": "1"}).status_code == 403
    client.force_login(annotator)
    assert client.get(f"/projects/{project.pk}/assignments/").status_code == 403


def test_a_coders_queue_on_the_project_page(client, project, team, articles):
    from annotations import services

    services.assign_articles(project=project, article_ids=[a.pk for a in articles], coders=[team[0].pk], k=1)
    services.submit_article(project=project, article=articles[0], annotator=team[0])
    client.force_login(team[0])
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert '<a href="?status=in_progress"><strong>2</strong> to do</a> · 1 submitted' in html
    listed = client.get(f"/projects/{project.pk}/?status=in_progress").content.decode()
    assert articles[1].title in listed and articles[2].title in listed and articles[0].title not in listed


def test_admin_action_assigns_selected_articles(admin_client, project, team, articles):
    changelist = "/admin/articles/article/"
    selected = [str(a.pk) for a in articles[:2]]
    page = admin_client.post(changelist, {"action": "assign_to_coders", "_selected_action": selected})
    assert page.status_code == 200
    assert "Assign articles to coders" in page.content.decode()
    response = admin_client.post(
        changelist,
        {
            "action": "assign_to_coders",
            "_selected_action": selected,
            "apply": "Assign",
            "project": project.pk,
            "coders": [c.pk for c in team],
            "k": "1",
        },
        follow=True,
    )
    assert "2 new assignments in" in response.content.decode()
    assert sorted(Assignment.objects.values_list("annotator__username", flat=True)) == ["coder0", "coder1"]
