"""assign_articles and /api/projects/<id>/assignments/: k coders per article, balanced by open load."""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError

from annotations import services
from annotations.models import Assignment
from projects.models import Membership
from tests.api.conftest import client_for
from tests.factories import ArticleFactory, MembershipFactory, UserFactory


@pytest.fixture
def team(project):
    return [
        MembershipFactory(project=project, user=UserFactory(username=f"coder{i}"), role=Membership.Role.ANNOTATOR).user
        for i in range(3)
    ]


@pytest.fixture
def articles(project):
    found = [ArticleFactory(title=f"Ceasefire talks {i}" if i % 2 else f"Oil field {i}") for i in range(6)]
    project.articles.add(*found)
    return found


def test_each_article_gets_k_coders_and_loads_stay_balanced(project, team, articles):
    result = services.assign_articles(
        project=project, article_ids=[a.pk for a in articles], coders=[c.pk for c in team], k=2
    )
    assert len(result.created) == 12
    per_article = Counter(a for a, _ in result.created)
    assert set(per_article.values()) == {2}
    assert result.load == {c.pk: 4 for c in team}
    assert Assignment.objects.filter(project=project, status="in_progress").count() == 12


def test_current_load_is_taken_into_account_and_existing_coders_kept(project, team, articles):
    busy, free, other = team
    services.assign_articles(project=project, article_ids=[a.pk for a in articles[:3]], coders=[busy.pk], k=1)
    result = services.assign_articles(
        project=project, article_ids=[a.pk for a in articles], coders=[busy.pk, free.pk, other.pk], k=1
    )
    assert result.complete == 3  # the first three already have one of these coders
    assert sorted(Counter(c for _, c in result.created).items()) == sorted({free.pk: 2, other.pk: 1}.items())
    assert result.load == {busy.pk: 3, free.pk: 2, other.pk: 1}


def test_submitted_work_does_not_count_as_load(project, team, articles):
    a, b, _ = team
    services.assign_articles(project=project, article_ids=[articles[0].pk, articles[1].pk], coders=[a.pk], k=1)
    for article in articles[:2]:
        services.submit_article(project=project, article=article, annotator=a)
    result = services.assign_articles(project=project, article_ids=[articles[2].pk], coders=[b.pk, a.pk], k=1)
    assert result.created == [(articles[2].pk, b.pk)]  # tie at 0 open: the first listed
    assert result.load == {a.pk: 0, b.pk: 1}


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"k": 0}, "k", "k, the number of coders per article, is a whole number of at least 1."),
        ({"k": 4}, "k", "k is 4 but only 3 coder(s) were chosen."),
        ({"coders": []}, "coders", "Choose at least one coder."),
        ({"article_ids": []}, "articles", "Choose at least one article."),
    ],
)
def test_bad_assignments_are_refused_and_nothing_is_written(project, team, articles, change, field, message):
    arguments = {"project": project, "article_ids": [a.pk for a in articles], "coders": [c.pk for c in team], "k": 2}
    with pytest.raises(ValidationError) as error:
        services.assign_articles(**{**arguments, **change})
    assert error.value.message_dict == {field: [message]}
    assert not Assignment.objects.exists()


def test_strangers_and_foreign_articles_are_refused(project, team, articles, outsider):
    elsewhere = ArticleFactory()
    with pytest.raises(ValidationError) as error:
        services.assign_articles(project=project, article_ids=[articles[0].pk], coders=[team[0].pk, outsider.pk], k=1)
    assert error.value.message_dict == {"coders": [f"Not members of this project: {outsider.pk}."]}
    with pytest.raises(ValidationError) as error:
        services.assign_articles(project=project, article_ids=[elsewhere.pk], coders=[team[0].pk], k=1)
    assert error.value.message_dict == {"articles": [f"Not in this project: {elsewhere.pk}."]}
    assert not Assignment.objects.exists()


# --- API ----------------------------------------------------------------------------------------------------


def test_admin_assigns_from_a_search_through_the_api(project, team, articles, project_admin):
    url = f"/api/projects/{project.pk}/assignments/"
    response = client_for(project_admin).post(
        url, {"search": "ceasefire", "coders": [c.pk for c in team], "k": 2}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] == 6 and body["complete"] == 0
    matched = {a.pk for a in articles if "Ceasefire" in a.title}
    assert {item["article"] for item in body["assignments"]} == matched
    assert body["load"] == {str(c.pk): 2 for c in team}

    listed = client_for(project_admin).get(url).json()["results"]
    assert len(listed) == 6
    mine = client_for(team[0]).get(url).json()["results"]
    assert {item["annotator"] for item in mine} == {team[0].pk}
    assert len(mine) == 2


def test_assignment_api_permissions_and_bad_input(project, team, articles, project_admin, reviewer, outsider):
    url = f"/api/projects/{project.pk}/assignments/"
    body = {"articles": [articles[0].pk], "coders": [team[0].pk], "k": 1}
    assert client_for(None).post(url, body, format="json").status_code == 401
    assert client_for(outsider).post(url, body, format="json").status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    response = client_for(reviewer).post(url, body, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only project admins assign articles."
    admin = client_for(project_admin)
    response = admin.post(url, {**body, "search": "oil"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"articles": ["Give either article ids or a search, not both."]}
    response = admin.post(url, {"search": "xylophone", "coders": [team[0].pk], "k": 1}, format="json")
    assert response.json() == {"search": ["No article of this project matches this search."]}
    response = admin.post(url, {**body, "k": 2}, format="json")
    assert response.status_code == 400
    assert response.json() == {"k": ["k is 2 but only 1 coder(s) were chosen."]}
    assert not Assignment.objects.exists()
    assert admin.post(url, body, format="json").status_code == 201
