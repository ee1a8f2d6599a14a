"""The browser's article list: its pages together hold every matching article once, in each sort's order."""

import re

import pytest

from annotations.views import SORTS
from tests.bulk import bulk_articles
from tests.factories import OutletFactory

ROW = re.compile(r'data-href="/projects/\d+/articles/(\d+)/"')


def all_pages(client, project, params):
    ids, page = [], 1
    while True:
        html = client.get(f"/projects/{project.pk}/", {**params, "page": page}).content.decode()
        ids += [int(found) for found in ROW.findall(html)]
        if 'rel="next"' not in html:
            return ids
        page += 1


@pytest.mark.django_db
@pytest.mark.parametrize("sort", [*SORTS, "relevance"])
def test_every_sort_pages_through_each_article_once_in_its_order(client, annotator, project, sort):
    """130 articles that tie on date, title, outlet and rank: each sort's pages equal one unpaginated query."""
    outlets = [OutletFactory(name="Same name"), OutletFactory(name="Same name"), OutletFactory(name="Another")]
    bulk_articles(project, 130, outlets=outlets, days=2)
    client.force_login(annotator)
    params = {"sort": sort, "q": "ceasefire"} if sort == "relevance" else {"sort": sort}
    ordering = SORTS.get(sort, ("-published_at", "-id"))  # equal ranks: relevance falls back to date, then id
    expected = list(project.articles.order_by(*ordering).values_list("id", flat=True))
    assert all_pages(client, project, params) == expected
