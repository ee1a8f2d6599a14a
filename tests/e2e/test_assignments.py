"""A project admin assigns articles to coders in the browser; a coder then finds them in their queue."""

from playwright.sync_api import expect

from annotations.models import Assignment
from projects.models import Membership
from tests.factories import ArticleFactory, MembershipFactory, UserFactory


def test_admin_assigns_articles_from_a_search_and_the_coder_sees_the_queue(
    live_server, page, login, project, project_admin
):
    coders = [
        MembershipFactory(project=project, user=UserFactory(username=name), role=Membership.Role.ANNOTATOR).user
        for name in ("amira", "bo")
    ]
    articles = [
        ArticleFactory(title=title, text=f"{title}. Khalifa Haftar thanked Vladimir Putin.")
        for title in ("Ceasefire in Tripoli", "Ceasefire talks stall", "Oil field reopens")
    ]
    project.articles.add(*articles)

    login(project_admin)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_role("link", name="Assignments & progress").click()
    page.get_by_label("Search").fill("ceasefire")
    for coder in coders:
        page.get_by_label(f"{coder.username} (annotator)").check()
    page.get_by_label("Coders per article").fill("1")
    page.get_by_role("button", name="Assign").click()

    expect(page.locator(".messages")).to_contain_text("2 new assignments (0 articles already had enough coders).")
    rows = page.locator("#progress-coders tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("1")
    assert Assignment.objects.filter(article__title__startswith="Ceasefire").count() == 2
    assert not Assignment.objects.filter(article__title__startswith="Oil").exists()

    mine = Assignment.objects.get(annotator=coders[0]).article
    login(coders[0])
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(page.locator("#queue")).to_contain_text("1 to do")
    page.locator("#queue a").click()
    expect(page.locator(".article-row")).to_have_count(1)
    expect(page.locator(".article-row")).to_contain_text(mine.title)
