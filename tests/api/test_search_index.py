# ruff: noqa: RUF001 -- Cyrillic text on purpose
"""The API list's searches through the Tantivy index (articles.search_index): per-language matching, the web-search
syntax, visibility and filters inside the index, exactly-once paging over thousands of equal scores, edits applied
by a real job worker, deletes never shown, and the GIN path whenever the index is missing or marked stale."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from procrastinate.contrib.django import app

from annotations import services
from annotations.models import Label
from articles import search_index
from articles.models import Article, SearchIndexQueue
from articles.selectors import two_figures
from tests.api.conftest import client_for
from tests.api.test_paging import walk, walk_back
from tests.bulk import bulk_articles
from tests.factories import (
    ArticleFactory,
    MembershipFactory,
    OutletFactory,
    ProjectFactory,
    UserFactory,
    label,
)


@pytest.fixture
def index_folder(tmp_path):
    with override_settings(NEWSARCHIVE_SEARCH_INDEX=tmp_path / "index", NEWSARCHIVE_SEARCH_ENGINE="tantivy"):
        yield tmp_path / "index"


def rebuild() -> None:
    out, progress = io.StringIO(), io.StringIO()
    call_command("rebuild_search_index", "--batch", "1000", stdout=out, stderr=progress)
    assert "Search index " in out.getvalue() and " built in " in out.getvalue()
    total = Article.objects.count()
    assert total == 0 or f"{total:,} / {total:,} articles" in progress.getvalue()
    assert search_index.ready_index() is not None


def run_jobs() -> None:
    """A real procrastinate worker, in this process, until the queue is empty (as `make worker` runs it)."""
    with app.replace_connector(app.connector.get_worker_connector()) as worker_app:
        worker_app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False, concurrency=1)


def titles(client, **params):
    response = client.get("/api/articles/", params)
    assert response.status_code == 200, response.content
    return sorted(item["title"] for item in response.json()["results"])


def hidden_from_the_index(project, title: str, text: str) -> Article:
    """An article the index has not heard of yet (the job has not run): the GIN path would find it, the index not."""
    article = ArticleFactory(title=title, text=text)
    project.articles.add(article)
    return article


@pytest.fixture
def multilingual(project, index_folder):
    articles = [
        ArticleFactory(language="ru", title="Переговоры", text="Переговоры о прекращении войны продолжились в Женеве."),
        ArticleFactory(language="ar", title="مفاوضات", text="استؤنفت المفاوضات في جنيف يوم الجمعة."),
        ArticleFactory(language="en", title="Talks", text="The negotiators were talking about the wars in Geneva."),
        ArticleFactory(language="uk", title="Перемовини", text="Перемовини про припинення війни."),
        ArticleFactory(language="fr-CA", title="Pourparlers", text="Les négociations continuent à Genève."),
    ]
    project.articles.add(*articles)
    rebuild()
    hidden_from_the_index(project, "Unindexed", "The wars and the negotiators, Переговоры войны, مفاوضات")
    return articles


def test_each_article_is_matched_in_its_own_language(as_reviewer, multilingual):
    assert titles(as_reviewer, search="войнам") == ["Переговоры"]
    assert titles(as_reviewer, search="переговорах") == ["Переговоры"]
    assert titles(as_reviewer, search='"прекращение войны"') == ["Переговоры"]
    assert titles(as_reviewer, search="مفاوضات") == ["مفاوضات"]
    assert titles(as_reviewer, search="المفاوضات") == ["مفاوضات"]
    assert titles(as_reviewer, search="war") == ["Talks"]
    assert titles(as_reviewer, search="talk") == ["Talks"]
    assert titles(as_reviewer, search="négociation") == ["Pourparlers"]
    assert titles(as_reviewer, search="війни") == ["Перемовини"]
    assert titles(as_reviewer, search="війна") == []


def test_a_query_can_name_its_language(as_reviewer, multilingual):
    assert titles(as_reviewer, search="войнам", search_language="ru") == ["Переговоры"]
    assert titles(as_reviewer, search="war", search_language="ru") == []
    assert titles(as_reviewer, search="wars", search_language="en") == ["Talks"]


def test_web_search_syntax_phrases_or_and_exclusions(as_reviewer, project, index_folder):
    for title, text in [
        ("Ceasefire talks", "The ceasefire talks in Geneva stalled. Ceasefire ceasefire."),
        ("Markets", "A ceasefire was mentioned once <b>in passing</b> among market news, 3 < 4."),
        ("Weather", "Rain in Benghazi."),
    ]:
        project.articles.add(ArticleFactory(title=title, text=text))
    rebuild()
    response = as_reviewer.get("/api/articles/", {"search": "ceasefire -weather"})
    results = response.json()["results"]
    assert [item["title"] for item in results] == ["Ceasefire talks", "Markets"]
    assert results[0]["rank"] > results[1]["rank"]
    assert "<mark>" in results[0]["snippet"]
    assert "<" not in results[1]["snippet"].replace("<mark>", "").replace("</mark>", "")
    assert titles(as_reviewer, search='"talks in Geneva"') == ["Ceasefire talks"]
    assert titles(as_reviewer, search='"Geneva talks"') == []
    assert titles(as_reviewer, search="Benghazi OR Geneva") == ["Ceasefire talks", "Weather"]
    assert titles(as_reviewer, search="rain ceasefire OR market") == ["Markets"]
    assert titles(as_reviewer, search="-ceasefire") == ["Weather"]
    assert titles(as_reviewer, search="ceasefire -talks -market") == []


def test_visibility_and_the_lists_filters_apply_inside_the_index(project, reviewer, index_folder):
    other = ProjectFactory()
    outlet, elsewhere = OutletFactory(), OutletFactory()
    mine = ArticleFactory(title="Mine", text="Ceasefire in Tripoli.", outlet=outlet, language="en")
    theirs = ArticleFactory(title="Theirs", text="Ceasefire in Tripoli.", outlet=outlet)
    project.articles.add(mine)
    other.articles.add(theirs)
    project.articles.add(ArticleFactory(title="Elsewhere", text="Ceasefire.", outlet=elsewhere, language="en-GB"))
    Article.objects.filter(title="Elsewhere").update(published_at="2020-01-01T00:00:00Z")
    rebuild()
    client = client_for(reviewer)
    assert titles(client, search="ceasefire") == ["Elsewhere", "Mine"]
    assert titles(client, search="ceasefire", project=project.pk) == ["Elsewhere", "Mine"]
    assert titles(client, search="ceasefire", outlet=outlet.pk) == ["Mine"]
    assert titles(client, search="ceasefire", language="en-GB") == ["Elsewhere"]
    assert titles(client, search="ceasefire", published_before="2021-01-01T00:00:00Z") == ["Elsewhere"]
    assert titles(client, search="ceasefire", published_after="2021-01-01T00:00:00Z") == ["Mine"]
    MembershipFactory(project=other, user=UserFactory(username="both"))
    assert titles(client_for(UserFactory(username="nobody")), search="ceasefire") == []
    assert titles(client_for(UserFactory(username="root", is_superuser=True)), search="ceasefire") == [
        "Elsewhere",
        "Mine",
        "Theirs",
    ]
    assert client.get("/api/articles/", {"search": "ceasefire"}).json()["count"] == 2


def test_thousands_of_equal_scores_page_exactly_once_like_one_unpaginated_query(as_reviewer, project, index_folder):
    ids = bulk_articles(project, 2500)
    bulk_articles(project, 300, text="Weather report: sunny.", title="Weather")
    for repeat in range(1, 4):
        bulk_articles(project, 100, text="Geneva. " + "ceasefire talks " * repeat, title=f"Talks {repeat}")
    rebuild()
    index = search_index.ready_index()
    everything = index.searcher().search(
        search_index.build_query(index, "ceasefire", language=None, filters=search_index.Filters()), 100_000
    )
    found = index.searcher().fast_field_values("id", [address for _, address in everything.hits])
    expected = [
        article_id for _, article_id in sorted(zip([s for s, _ in everything.hits], found, strict=True), reverse=True)
    ]
    assert len(expected) == 2800 and len({score for score, _ in everything.hits}) == 4  # 2,500 share one score
    assert set(ids) <= set(expected)
    seen, pages = walk(as_reviewer, "/api/articles/", {"search": "ceasefire", "project": project.pk, "page_size": 100})
    assert seen == expected and pages == 28
    seen, _ = walk(as_reviewer, "/api/articles/", {"search": "ceasefire", "page_size": 37})
    assert seen == expected
    url = "/api/articles/?search=ceasefire&page_size=300"
    while True:
        data = as_reviewer.get(url).json()
        if not data["next"]:
            break
        url = data["next"]
    assert walk_back(as_reviewer, url) == expected
    first = as_reviewer.get("/api/articles/", {"search": "ceasefire"}).json()
    assert (first["count"], first["count_is_estimate"]) == (2800, False)


@pytest.mark.django_db(transaction=True)
def test_imports_edits_and_link_changes_reach_the_index_through_the_job_and_deletes_never_show(
    project, reviewer, index_folder
):
    client = client_for(reviewer)
    rebuild()
    talks = ArticleFactory(title="Talks", text="The negotiators met in Geneva.")
    project.articles.add(talks)
    assert SearchIndexQueue.objects.exists()  # queued by the triggers, with its job
    run_jobs()
    assert not SearchIndexQueue.objects.exists()
    assert titles(client, search="negotiators") == ["Talks"]
    Article.objects.filter(pk=talks.pk).update(text="A ceasefire was agreed.")
    assert titles(client, search="ceasefire") == []  # the index has not heard yet: it says so until the job runs
    run_jobs()
    assert titles(client, search="ceasefire") == ["Talks"]
    assert titles(client, search="negotiators") == []
    with connection.cursor() as cursor:  # raw SQL is covered by the triggers too
        cursor.execute(
            "UPDATE articles_article SET language = 'ru', text = 'Переговоры войны' WHERE id = %s", [talks.pk]
        )
    run_jobs()
    assert titles(client, search="войнам") == ["Talks"]
    project.articles.remove(talks)
    assert titles(client, search="войнам") == []  # re-checked against PostgreSQL before the job runs
    run_jobs()
    assert titles(client, search="войнам") == []
    project.articles.add(talks)
    run_jobs()
    assert titles(client, search="войнам") == ["Talks"]
    project.articles.remove(talks)
    Article.objects.filter(pk=talks.pk).delete()
    assert titles(client, search="войнам") == []  # deleted: never shown, even before the job
    run_jobs()
    index = search_index.ready_index()
    assert index.searcher().num_docs == 0


@pytest.mark.django_db(transaction=True)
def test_the_gin_path_answers_when_the_index_is_missing_stale_or_turned_off(project, reviewer, index_folder):
    client = client_for(reviewer)
    project.articles.add(ArticleFactory(title="Talks", text="The negotiators met in Geneva."))
    assert search_index.ready_index() is None  # never built
    assert titles(client, search="negotiators") == ["Talks"]
    rebuild()
    hidden_from_the_index(project, "Later", "More negotiators.")
    assert titles(client, search="negotiators") == ["Talks"]  # the index answers
    call_command("rebuild_search_index", "--disable", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert search_index.ready_index() is None
    assert titles(client, search="negotiators") == ["Later", "Talks"]  # PostgreSQL answers
    rebuild()
    assert titles(client, search="negotiators") == ["Later", "Talks"]
    with override_settings(NEWSARCHIVE_SEARCH_ENGINE="postgres"):
        assert search_index.ready_index() is None
        assert titles(client, search="negotiators") == ["Later", "Talks"]
    with override_settings(NEWSARCHIVE_SEARCH_INDEX=index_folder.parent / "elsewhere"):
        assert search_index.ready_index() is None  # a folder whose token is not this database's
    marker = index_folder / search_index.MARKER
    older = {**json.loads(marker.read_text()), "schema": search_index.SCHEMA_VERSION - 1}
    marker.write_text(json.dumps(older))  # a generation an older release made, with another schema
    assert search_index.ready_index() is None
    assert titles(client, search="negotiators") == ["Later", "Talks"]
    rebuild()
    assert json.loads(marker.read_text())["schema"] == search_index.SCHEMA_VERSION


def code_a_source(project, coder, article_ids: list[int]) -> None:
    """A submitted SOURCE span on each of these articles (what `has_label=SOURCE` finds)."""
    source = label(project, Label.Kind.SOURCE)
    for article in Article.objects.filter(pk__in=article_ids):
        services.create_annotation(
            project=project, article=article, label=source, annotator=coder, start=0, end=4, status="submitted"
        )


def test_a_span_filter_keeps_the_index_ranking_with_postgresql_checking_each_hit_and_the_count(
    as_reviewer, project, reviewer, index_folder
):
    """Span filters are PostgreSQL's (the index knows nothing of spans): the index ranks, each hit of a window and
    the count pass PostgreSQL's check, and paging stays exactly-once."""
    talks = bulk_articles(project, 300, title="Ceasefire talks")
    for repeat in range(1, 4):
        talks += bulk_articles(project, 20, text="Geneva. " + "ceasefire talks " * repeat, title=f"Talks {repeat}")
    coded = talks[::7]
    code_a_source(project, reviewer, coded)
    rebuild()
    later = hidden_from_the_index(project, "Later", "More ceasefire talks.")
    code_a_source(project, reviewer, [later.pk])
    params = {"search": "ceasefire", "has_label": "SOURCE", "page_size": 10}
    seen, pages = walk(as_reviewer, "/api/articles/", params)
    everything, _ = walk(as_reviewer, "/api/articles/", {"search": "ceasefire", "page_size": 100})
    assert seen == [article_id for article_id in everything if article_id in set(coded)]  # the index's order
    assert pages == 6 and later.pk not in seen  # the index has not heard of it yet, as without the span filter
    first = as_reviewer.get("/api/articles/", params).json()
    assert (first["count"], first["count_is_estimate"]) == (len(coded), False)
    english = as_reviewer.get("/api/articles/", {**params, "search_language": "en"}).json()
    assert english["count"] == len(coded)
    assert as_reviewer.get("/api/articles/", {**params, "search_language": "ru"}).json()["count"] == 0
    with override_settings(NEWSARCHIVE_SEARCH_ENGINE="postgres"):  # PostgreSQL alone: the same hits, and `later`
        gin, _ = walk(as_reviewer, "/api/articles/", params)
    assert sorted(gin) == sorted([*coded, later.pk])


def test_a_queue_no_worker_applies_makes_searches_take_the_gin_path(as_reviewer, project, index_folder):
    rebuild()
    hidden_from_the_index(project, "Later", "More negotiators.")
    assert titles(as_reviewer, search="negotiators") == []  # queued a moment ago: the worker has time
    SearchIndexQueue.objects.update(queued_at=timezone.now() - timedelta(seconds=31))
    assert search_index.ready_index() is None
    assert titles(as_reviewer, search="negotiators") == ["Later"]


def test_the_browser_list_ranks_through_the_index_with_its_filters_and_page_numbers(client, project, index_folder):
    annotator = MembershipFactory(project=project, user=UserFactory(username="coder")).user
    talks = bulk_articles(project, 120, title="Ceasefire talks")
    project.articles.add(
        ArticleFactory(title="Berlin ceasefire", text="Ceasefire ceasefire in Berlin.", language="de"),
        ArticleFactory(title="Old ceasefire", text="A ceasefire, long ago.", published_at="2001-05-01T10:00:00Z"),
    )
    ProjectFactory().articles.add(ArticleFactory(title="Elsewhere ceasefire", text="Ceasefire."))
    rebuild()
    hidden_from_the_index(project, "Unindexed ceasefire", "A ceasefire the index has not heard of.")
    client.force_login(annotator)
    url = f"/projects/{project.pk}/"
    pages = [client.get(url, {"q": "ceasefire", "page": number}).content.decode() for number in (1, 2, 3)]
    assert "122 articles match" in pages[0] and "<mark>" in pages[0]
    listed = [int(found) for page in pages for found in re.findall(r'data-href="/projects/\d+/articles/(\d+)/"', page)]
    assert len(listed) == len(set(listed)) == 122  # every hit once over the three pages
    assert listed[:2] != talks[:2] and listed[2:] == sorted(talks, reverse=True)  # two best, then ties by id
    assert not any("Unindexed" in page or "Elsewhere" in page for page in pages)
    german = client.get(url, {"q": "ceasefire", "language": "de"}).content.decode()
    assert "Berlin ceasefire" in german and "Old ceasefire" not in german
    old = client.get(url, {"q": "ceasefire", "from": "2001-05-01", "to": "2001-05-01"}).content.decode()
    assert "Old ceasefire" in old and "Berlin ceasefire" not in old


def listed_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-href="/projects/\d+/articles/(\d+)/"', page)]


def test_the_browser_list_rechecks_the_index_hits_against_progress_and_mentions(client, project, index_folder):
    """Filters only PostgreSQL holds (the user's progress, "mentions actor") keep the ranking of the index: each hit
    is PostgreSQL's to pass, and so is the count."""
    annotator = MembershipFactory(project=project, user=UserFactory(username="coder")).user
    talks = bulk_articles(project, 120, title="Ceasefire talks")
    haftar = services.create_actor(name="Khalifa Haftar", kind="person")
    named = ArticleFactory(title="Ceasefire in Tripoli", text="A ceasefire, said Khalifa Haftar on Monday.")
    project.articles.add(named)
    rebuild()
    hidden_from_the_index(project, "Unindexed ceasefire", "A ceasefire the index has not heard of.")
    for article in Article.objects.filter(pk__in=talks[:30]):
        services.submit_article(project=project, article=article, annotator=annotator)
    client.force_login(annotator)
    url = f"/projects/{project.pk}/"

    done = client.get(url, {"q": "ceasefire", "status": "submitted"}).content.decode()
    assert "30 articles match" in done
    assert listed_ids(done) == sorted(talks[:30], reverse=True)  # equal scores: by id

    started = [client.get(url, {"q": "ceasefire", "status": "not_started", "page": n}).content.decode() for n in (1, 2)]
    assert "91 articles match" in started[0]  # 90 talks and the named one; the unindexed article is not a hit yet
    ids = listed_ids(started[0]) + listed_ids(started[1])
    assert len(ids) == len(set(ids)) == 91 and set(ids) == {*talks[30:], named.pk}
    assert not any("Unindexed" in page for page in started)

    mentions = client.get(url, {"q": "ceasefire", "actor": haftar.pk}).content.decode()
    assert "1 article matches" in mentions
    assert listed_ids(mentions) == [named.pk]
    nothing = client.get(url, {"q": "ceasefire", "actor": haftar.pk, "status": "submitted"}).content.decode()
    assert listed_ids(nothing) == []


def test_a_walk_goes_on_exactly_once_while_the_index_changes_under_it(as_reviewer, project, index_folder):
    """BM25 uses corpus statistics: every commit (here: more articles without the term) moves every score. The
    cursor is re-anchored on its row's score now, so the walk neither repeats nor skips a row."""
    for repeat in range(1, 4):
        bulk_articles(project, 200, text="Geneva. " + "ceasefire talks " * repeat, title=f"Talks {repeat}")
    rebuild()
    first = as_reviewer.get("/api/articles/", {"search": "ceasefire", "page_size": 50}).json()
    expected = [item["id"] for item in first["results"]]
    rest, _ = walk(as_reviewer, first["next"], None)
    expected += rest
    assert len(expected) == len(set(expected)) == 600
    url, seen, step = "/api/articles/?search=ceasefire&page_size=50", [], 0
    while url:
        data = as_reviewer.get(url).json()
        seen += [item["id"] for item in data["results"]]
        url, step = data["next"], step + 1
        bulk_articles(project, 40 * step, text="Weather report: sunny. " * step, title="Weather")
        search_index.drain()  # what the job does
    assert seen == expected


def test_a_name_match_on_the_gin_path_reads_the_index_not_each_outer_row(project):
    """ "Mentions actor" nests the name match in the list's query: it must use the GIN index once, not rescan the
    articles for every row of the list (Django left the vector expression reading the outer row's columns)."""
    from django.db import transaction

    from articles.selectors import articles_naming

    assert search_index.ready_index() is None  # no index folder here: the GIN path
    named = ArticleFactory(title="Report", text="Fighters of the Wagner Group were seen near the airport.")
    project.articles.add(named, ArticleFactory(title="Other", text="Wagner composed operas; a group sang."))
    listed = project.articles.filter(pk__in=articles_naming(["Wagner Group"])).values("pk")
    assert list(listed.values_list("pk", flat=True)) == [named.pk]
    sql, params = listed.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "SubPlan" not in plan  # a correlated subquery, evaluated per outer row, shows as one


def test_a_phrase_with_many_hits_is_ranked_by_its_words_and_still_pages_through_exactly_its_hits(
    as_reviewer, project, index_folder, monkeypatch
):
    phrase = bulk_articles(project, 700, text="Geneva. The ceasefire talks resumed.", title="Talks")
    stronger = bulk_articles(project, 150, text="Ceasefire talks. Ceasefire and talks, talks.", title="More")
    in_title = bulk_articles(project, 30, text="Nothing here.", title="Ceasefire talks")
    apart = bulk_articles(
        project, 400, text="The talks about a ceasefire failed; ceasefire, then talks.", title="Apart"
    )
    rebuild()
    hits = set(phrase + stronger + in_title)
    exact = walk(as_reviewer, "/api/articles/", {"search": '"ceasefire talks"', "page_size": 100})[0]
    assert sorted(exact) == sorted(hits)  # the exact path: the phrase's positions read for every article
    first = as_reviewer.get("/api/articles/", {"search": '"ceasefire talks"'}).json()
    assert (first["count"], first["count_is_estimate"]) == (880, False)

    monkeypatch.setattr(search_index, "PHRASE_SAMPLED_ABOVE", 0)
    index = search_index.ready_index()
    relaxed = search_index.build_query(
        index, '"ceasefire talks"', language=None, filters=search_index.Filters(), relaxed=True
    )
    everything = index.searcher().search(relaxed, 100_000)
    found = index.searcher().fast_field_values("id", [address for _, address in everything.hits])
    ranked = sorted(zip([score for score, _ in everything.hits], found, strict=True), reverse=True)
    assert {article_id for _, article_id in ranked} == hits | set(apart)  # the words alone match `apart` too
    expected = [article_id for _, article_id in ranked if article_id in hits]
    seen, pages = walk(as_reviewer, "/api/articles/", {"search": '"ceasefire talks"', "page_size": 70})
    assert seen == expected and pages == 13
    url = "/api/articles/?search=%22ceasefire+talks%22&page_size=300"
    while (data := as_reviewer.get(url).json())["next"]:
        url = data["next"]
    assert walk_back(as_reviewer, url) == expected
    first = as_reviewer.get("/api/articles/", {"search": '"ceasefire talks"'}).json()
    in_sample = sum(1 for article_id in hits if article_id % search_index.SAMPLES == 0)
    assert (first["count"], first["count_is_estimate"]) == (two_figures(in_sample * search_index.SAMPLES), True)
    assert titles(as_reviewer, search='"ceasefire resumed"') == []  # both words in 700 articles, never in a row
    Article.objects.filter(pk__in=stronger[:10]).delete()  # the index has not heard yet: never shown
    seen, _ = walk(as_reviewer, "/api/articles/", {"search": '"ceasefire talks"', "page_size": 100})
    assert seen == [article_id for article_id in expected if article_id not in set(stronger[:10])]


def test_assigning_from_a_search_hands_out_the_index_hits_and_the_gin_path_beyond_its_window(
    project, index_folder, monkeypatch
):
    admin = MembershipFactory(project=project, user=UserFactory(username="lead"), role="admin").user
    coder = MembershipFactory(project=project, user=UserFactory(username="coder")).user
    hits = bulk_articles(project, 40, title="Ceasefire talks")
    bulk_articles(project, 10, text="Weather report: sunny.", title="Weather")
    ProjectFactory().articles.add(ArticleFactory(title="Elsewhere", text="Ceasefire talks elsewhere."))
    gone = ArticleFactory(title="Gone", text="Ceasefire.")
    project.articles.add(gone)
    rebuild()
    gone.delete()  # the index has not heard yet: never handed out
    later = hidden_from_the_index(project, "Later", "A ceasefire the index has not heard of.")
    url = f"/api/projects/{project.pk}/assignments/"

    def assigned(search: str) -> list[int]:
        response = client_for(admin).post(url, {"search": search, "coders": [coder.pk], "k": 1}, format="json")
        assert response.status_code == 201, response.content
        return sorted(item["article"] for item in response.json()["assignments"])

    assert assigned("ceasefire") == sorted(hits)  # the index's hits in this project, re-checked in PostgreSQL
    monkeypatch.setattr(search_index, "MAX_CANDIDATES", 10)  # more hits than the index hands out: the GIN path
    assert assigned("ceasefire") == [later.pk]  # the rest are assigned already


def test_a_checked_count_is_sampled_beyond_twice_the_limit_and_else_exact_by_the_cheaper_side(
    as_reviewer, project, reviewer, index_folder, monkeypatch
):
    """The count of a search with a filter only PostgreSQL holds: the 1/64 sample's passing hits times 64 when that
    is over twice the exact limit; else exact, counted by the index among the ids PostgreSQL passes (many hits) or
    by PostgreSQL among the index's hits (few)."""
    from articles import selectors

    talks = bulk_articles(project, 400, title="Ceasefire talks")
    bulk_articles(project, 100, text="Weather report: sunny.", title="Weather")
    coded = sorted({*talks[::7], next(i for i in talks if i % search_index.SAMPLES == 0)})
    code_a_source(project, reviewer, coded)
    rebuild()
    params = {"search": "ceasefire", "has_label": "SOURCE", "page_size": 10}

    def count():
        data = as_reviewer.get("/api/articles/", params).json()
        return data["count"], data["count_is_estimate"]

    counted_among = []
    real_count_among = search_index.count_among
    monkeypatch.setattr(
        search_index, "count_among", lambda *a, **k: counted_among.append(a[2]) or real_count_among(*a, **k)
    )
    assert count() == (len(coded), False)  # few hits: PostgreSQL counts the passing ones among them
    assert counted_among == []
    monkeypatch.setattr(search_index, "MAX_CANDIDATES", 420)  # now 400 hits are many (the sample says ~384 > 210):
    assert count() == (len(coded), False)  # the index counts the search among the ids PostgreSQL passes
    assert sorted(counted_among[0]) == coded
    monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 0)  # any sampled estimate is beyond twice the limit
    in_sample = sum(1 for article_id in coded if article_id % search_index.SAMPLES == 0)
    assert count() == (two_figures(in_sample * search_index.SAMPLES), True)


def test_exports_filtered_by_a_search_hold_every_hit_not_one_page_of_the_index(
    as_reviewer, project, reviewer, index_folder, tmp_path
):
    """An export has no pages: with the index ready, a search filter still exports every matching article (the
    index answered one window, 101 of the 130, until the search path asked whether the view pages)."""
    hits = bulk_articles(project, 130, title="Ceasefire talks")
    bulk_articles(project, 20, text="Weather report: sunny.", title="Weather")
    rebuild()
    response = as_reviewer.get("/api/exports/jsonl/", {"raw": "false", "search": "ceasefire"})
    assert response.status_code == 200
    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines() if line]
    assert sorted(line["id"] for line in lines) == hits
    output = tmp_path / "export.jsonl"
    call_command(
        "export", "jsonl", "--no-raw", "--filter", "search=ceasefire", "--output", str(output),
        stderr=io.StringIO(),
    )  # fmt: skip
    assert sorted(json.loads(line)["id"] for line in output.read_text().splitlines() if line) == hits
    assert as_reviewer.get("/api/articles/", {"search": "ceasefire"}).json()["count"] == 130  # the list: the index
