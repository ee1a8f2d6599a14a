"""Following `next` visits every row exactly once, in the list's own order, however many rows tie on the sort key."""

import pytest
from django.db import connection

from tests.bulk import bulk_articles
from tests.factories import ActorFactory

# The articles' vector as the GIN index holds it (articles.search.article_vector, for English articles; no column).
VECTORS = (
    "(SELECT id, setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', text), 'B')"
    " AS search FROM articles_article) AS articles_article"
)


def walk(client, url, params):
    """Every id that following `next` from the first page yields, in order, and the number of pages."""
    ids, pages = [], 0
    while url:
        data = client.get(url, params).json()
        ids += [item["id"] for item in data["results"]]
        url, params, pages = data["next"], None, pages + 1
        assert pages < 1000, "the cursor does not advance"
    return ids, pages


def walk_back(client, url):
    ids = []
    while url:
        data = client.get(url).json()
        ids = [item["id"] for item in data["results"]] + ids
        url = data["previous"]
    return ids


@pytest.mark.django_db
def test_search_with_thousands_of_equal_ranks_pages_through_every_hit_once(as_reviewer, project):
    ids = bulk_articles(project, 2500)
    bulk_articles(project, 300, text="Weather report: sunny.", title="Weather")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT ts_rank(search, websearch_to_tsquery('english', 'ceasefire')))"  # noqa: S608
            f" FROM {VECTORS} WHERE id = ANY(%s)",
            [ids],
        )
        assert cursor.fetchone()[0] == 1  # one rank shared by all 2,500 hits
    seen, pages = walk(as_reviewer, "/api/articles/", {"search": "ceasefire", "project": project.pk, "page_size": 100})
    assert seen == sorted(ids, reverse=True)  # rank ties broken by id, descending
    assert pages == 25


@pytest.mark.django_db
def test_search_paging_follows_rank_then_id_across_distinct_ranks(as_reviewer, project):
    """Hits of several ranks, each shared by many: the walk equals one unpaginated ORDER BY rank DESC, id DESC."""
    for repeat in range(1, 6):
        bulk_articles(project, 150, text="Geneva. " + "ceasefire talks " * repeat, title=f"Talks {repeat}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {VECTORS} WHERE search @@ websearch_to_tsquery('english', 'ceasefire')"  # noqa: S608
            " ORDER BY ts_rank(search, websearch_to_tsquery('english', 'ceasefire')) DESC, id DESC"
        )
        expected = [row[0] for row in cursor.fetchall()]
    seen, _ = walk(as_reviewer, "/api/articles/", {"search": "ceasefire", "page_size": 37})
    assert seen == expected and len(expected) == 750


@pytest.mark.django_db
def test_previous_links_walk_back_over_the_same_rows(as_reviewer, project):
    bulk_articles(project, 420)
    forward, _ = walk(as_reviewer, "/api/articles/", {"search": "ceasefire", "page_size": 50})
    url = "/api/articles/?search=ceasefire&page_size=50"
    while True:  # to the last page
        data = as_reviewer.get(url).json()
        if not data["next"]:
            break
        url = data["next"]
    assert walk_back(as_reviewer, url) == forward


@pytest.mark.django_db
def test_plain_article_list_pages_by_id(as_reviewer, project):
    ids = bulk_articles(project, 1200)
    seen, _ = walk(as_reviewer, "/api/articles/", {"page_size": 500})
    assert seen == sorted(ids, reverse=True)


@pytest.mark.django_db
def test_actor_search_with_equal_similarities_pages_through_every_match_once(as_reviewer):
    actors = [ActorFactory(name=f"Wagner unit {n:03d}") for n in range(120)]
    seen, _ = walk(as_reviewer, "/api/actors/", {"q": "Wagner unit", "page_size": 7})
    assert sorted(seen) == sorted(a.pk for a in actors) and len(seen) == len(set(seen))
    names, _ = walk(as_reviewer, "/api/actors/", {"page_size": 9})
    assert len(names) == len(set(names)) >= 120
