"""The Agreement page: figures, plots as inline SVG (no script), disagreements linking into the article."""

import re

import pytest

from annotations import services
from annotations.models import Label
from projects.models import Membership
from tests.factories import ArticleFactory, MembershipFactory, UserFactory, label


@pytest.fixture
def coded(project):
    """Two coders who submitted one article: one span alike, one with other boundaries, one only one of them made."""
    a = MembershipFactory(project=project, user=UserFactory(username="amira"), role=Membership.Role.ANNOTATOR).user
    b = MembershipFactory(project=project, user=UserFactory(username="bo<b>"), role=Membership.Role.ANNOTATOR).user
    article = ArticleFactory(title="Haftar meets Putin")
    project.articles.add(article)
    actor, source = label(project, Label.Kind.ACTOR), label(project, Label.Kind.SOURCE)
    for coder in (a, b):
        services.create_annotation(project=project, article=article, label=actor, annotator=coder, start=0, end=14)
    services.create_annotation(project=project, article=article, label=actor, annotator=a, start=23, end=37)
    services.create_annotation(project=project, article=article, label=actor, annotator=b, start=31, end=37)
    services.create_annotation(project=project, article=article, label=source, annotator=a, start=39, end=50)
    for coder in (a, b):
        services.submit_article(project=project, article=article, annotator=coder)
    return a, b, article


def test_agreement_page_shows_figures_plots_and_disagreements(client, project, reviewer, coded):
    a, b, article = coded
    client.force_login(reviewer)
    response = client.get(f"/projects/{project.pk}/agreement/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<strong id="article-count">1</strong>' in html
    assert html.count("<svg") == 2
    assert "<script>" not in html and "<script " not in html.split("</main>")[0]
    assert " style=" not in html.split('<main id="main">')[1]
    assert "bo&lt;b&gt;" in html and "bo<b>" not in html  # names are escaped in the SVG and the tables
    links = re.findall(rf'href="/projects/{project.pk}/articles/{article.pk}/curate/#span-(\d+)-(\d+)"', html)
    assert sorted(links) == [("23", "37"), ("31", "37"), ("39", "50")]
    assert "boundary" in html and "only some" in html
    assert f"/api/projects/{project.pk}/agreement/?annotators={a.pk},{b.pk}&amp;format=csv" in html


def test_agreement_page_with_chosen_coders_and_metric(client, project, project_admin, coded):
    a, b, _ = coded
    client.force_login(project_admin)
    response = client.get(f"/projects/{project.pk}/agreement/?annotator={a.pk}&annotator={b.pk}&metric=f1_exact")
    assert response.status_code == 200
    assert "F1, exact spans (all labels)" in response.content.decode()


def test_agreement_page_refuses_strangers_and_needs_two_coders(client, project, annotator, outsider, reviewer, coded):
    client.force_login(annotator)
    assert client.get(f"/projects/{project.pk}/agreement/").status_code == 403
    client.force_login(outsider)
    assert client.get(f"/projects/{project.pk}/agreement/").status_code == 404
    client.force_login(reviewer)
    response = client.get(f"/projects/{project.pk}/agreement/?annotator={coded[0].pk}")
    assert "Choose at least two coders who have submitted articles." in response.content.decode()
    response = client.get(f"/projects/{project.pk}/agreement/?annotator={outsider.pk}&annotator={coded[0].pk}")
    assert f"&#x27;{outsider.pk}&#x27; is not a member of this project." in response.content.decode()


def test_project_page_links_to_agreement_for_reviewers_only(client, project, annotator, reviewer):
    client.force_login(reviewer)
    assert f'href="/projects/{project.pk}/agreement/"' in client.get(f"/projects/{project.pk}/").content.decode()
    client.force_login(annotator)
    assert f'href="/projects/{project.pk}/agreement/"' not in client.get(f"/projects/{project.pk}/").content.decode()
