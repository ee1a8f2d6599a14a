"""The browser's article list at scale: each sort and filter has an index that yields its order, the outlet name the
outlet sort reads stays in step with the outlet, and the date filter keeps its day boundaries."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from annotations.models import Assignment
from annotations.views import SORT_CHOICES, SORTS
from articles.models import Article
from tests.bulk import bulk_articles
from tests.factories import ArticleFactory, OutletFactory

FILTERS = {
    "none": {},
    "outlet": "outlet",
    "language": {"language": "en"},
    "dates": {"from": "2024-01-01", "to": "2024-01-02"},
    "status not started": {"status": "not_started"},
    "status submitted": {"status": "submitted"},
}


def _page_query(client, project, params) -> str:
    """The SQL of the list's page of articles, as the view ran it."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/projects/{project.pk}/", params).status_code == 200
    pages = [q["sql"] for q in captured.captured_queries if '"my_spans"' in q["sql"] and "LIMIT" in q["sql"]]
    assert len(pages) == 1, pages
    return pages[0]


def test_every_sort_the_form_offers_is_defined():
    assert {value for value, _ in SORT_CHOICES} == {*SORTS, "relevance"}


@pytest.mark.django_db
@pytest.mark.parametrize("sort", [*SORTS])
@pytest.mark.parametrize("filtered", [*FILTERS])
def test_each_sort_and_filter_reads_its_order_from_an_index(client, annotator, project, sort, filtered):
    """With sorting priced out of reach (enable_sort off), the planner still finds a plan without a Sort node: an
    index yields each sort's whole order (id included) under each filter. On a small corpus the planner would
    otherwise happily sort; the figures at scale are the bench's (bench/scale.py)."""
    outlets = [OutletFactory(name="Beta"), OutletFactory(name="Alpha")]
    ids = bulk_articles(project, 200, outlets=outlets, days=4)
    Assignment.objects.bulk_create(
        Assignment(project=project, article_id=pk, annotator=annotator, status=Assignment.Status.SUBMITTED)
        for pk in ids[::10]
    )
    client.force_login(annotator)
    params = {"outlet": outlets[0].pk} if FILTERS[filtered] == "outlet" else dict(FILTERS[filtered])
    sql = _page_query(client, project, {**params, "sort": sort})
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Sort" not in plan, plan


@pytest.mark.django_db
def test_the_outlet_name_follows_renames_and_moves_whatever_the_writer_sends():
    reuters, tass = OutletFactory(name="Reuters"), OutletFactory(name="TASS")
    article = ArticleFactory(outlet=reuters)
    assert Article.objects.get(pk=article.pk).outlet_name == "Reuters"
    reuters.name = "Thomson Reuters"
    reuters.save()
    assert Article.objects.get(pk=article.pk).outlet_name == "Thomson Reuters"
    Article.objects.filter(pk=article.pk).update(outlet=tass)
    assert Article.objects.get(pk=article.pk).outlet_name == "TASS"
    Article.objects.filter(pk=article.pk).update(outlet_name="Forged")
    assert Article.objects.get(pk=article.pk).outlet_name == "TASS"
    Article.objects.filter(pk=article.pk).update(outlet=None)
    assert Article.objects.get(pk=article.pk).outlet_name is None


@pytest.mark.django_db
def test_the_outlet_sort_follows_a_rename(client, annotator, project):
    first, second = OutletFactory(name="Alpha"), OutletFactory(name="Beta")
    a, b = ArticleFactory(outlet=first), ArticleFactory(outlet=second)
    project.articles.add(a, b)
    client.force_login(annotator)
    listed = client.get(f"/projects/{project.pk}/", {"sort": "outlet"}).content.decode()
    assert listed.index(f"/articles/{a.pk}/") < listed.index(f"/articles/{b.pk}/")
    first.name = "Zulu"
    first.save()
    listed = client.get(f"/projects/{project.pk}/", {"sort": "outlet"}).content.decode()
    assert listed.index(f"/articles/{b.pk}/") < listed.index(f"/articles/{a.pk}/")


@pytest.mark.django_db
def test_the_date_filter_keeps_whole_days(client, annotator, project):
    """`from` and `to` are whole days in the current time zone (UTC here), both included."""
    instants = {
        "before": datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
        "first": datetime(2024, 3, 1, 0, 0, tzinfo=UTC),
        "last": datetime(2024, 3, 2, 23, 59, 59, 999999, tzinfo=UTC),
        "after": datetime(2024, 3, 3, 0, 0, tzinfo=UTC),
    }
    articles = {name: ArticleFactory(published_at=when) for name, when in instants.items()}
    project.articles.add(*articles.values())
    client.force_login(annotator)
    listed = client.get(f"/projects/{project.pk}/", {"from": "2024-03-01", "to": "2024-03-02"}).content.decode()
    shown = {name for name, article in articles.items() if f"/articles/{article.pk}/" in listed}
    assert shown == {"first", "last"}
    assert client.get(f"/projects/{project.pk}/", {"to": "9999-12-31"}).status_code == 200
