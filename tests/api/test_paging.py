"""Following `next` visits every row exactly once, in the list's own order, however many rows tie on the sort key."""

import pytest
from django.db import connection
from django.db.models import F

from articles import search, selectors
from articles.models import Article
from tests.bulk import bulk_articles
from tests.factories import ActorFactory


@pytest.fixture(params=["rum", "gin"])
def search_path(request, db, monkeypatch):
    """Each search test runs on the RUM path (where the server has RUM, as Debian's) and on the GIN path (as on
    the embedded server)."""
    if request.param == "rum" and not search.use_rum():
        pytest.skip("this PostgreSQL has no RUM index (postgresql-15-rum)")
    if request.param == "gin":
        monkeypatch.setattr(selectors, "use_rum", lambda: False)
    return request.param


def unpaginated(text, path):
    """The ids of one unpaginated query in the order the API promises: rank (RUM distance or ts_rank), then id."""
    if path == "rum":
        matches = Article.objects.filter(search=search.match_query(text))
        ordered = matches.annotate(d=search.RumDistance(F("search"), search.order_query(text))).order_by("d", "-id")
        return list(ordered.values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM articles_article WHERE search @@ websearch_to_tsquery('english', %s)"
            " ORDER BY ts_rank(search, websearch_to_tsquery('english', %s)) DESC, id DESC",
            [text, text],
        )
        return [row[0] for row in cursor.fetchall()]


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


def test_search_with_thousands_of_equal_ranks_pages_through_every_hit_once(as_reviewer, project, search_path):
    ids = bulk_articles(project, 2500)
    bulk_articles(project, 300, text="Weather report: sunny.", title="Weather")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT ts_rank(search, websearch_to_tsquery('english', 'ceasefire'))) FROM articles_article"
            " WHERE id = ANY(%s)",
            [ids],
        )
        assert cursor.fetchone()[0] == 1  # one rank shared by all 2,500 hits
    seen, pages = walk(as_reviewer, "/api/articles/", {"search": "ceasefire", "project": project.pk, "page_size": 100})
    assert seen == sorted(ids, reverse=True) == unpaginated("ceasefire", search_path)  # ties broken by id
    assert pages == 25


def test_search_paging_follows_rank_then_id_across_distinct_ranks(as_reviewer, project, search_path):
    """Hits of several ranks, each shared by many: the walk equals one unpaginated query in rank, then id order."""
    for repeat in range(1, 6):
        bulk_articles(project, 150, text="Geneva. " + "ceasefire talks " * repeat, title=f"Talks {repeat}")
    expected = unpaginated("ceasefire", search_path)
    seen, _ = walk(as_reviewer, "/api/articles/", {"search": "ceasefire", "page_size": 37})
    assert seen == expected and len(expected) == 750
    best = as_reviewer.get("/api/articles/", {"search": "ceasefire", "page_size": 1}).json()["results"][0]
    assert best["title"] == "Talks 5"  # the most occurrences first, on either path


def test_previous_links_walk_back_over_the_same_rows(as_reviewer, project, search_path):
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
