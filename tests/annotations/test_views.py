"""The annotator's screens: who may see what, what the workspace embeds, list filters, snapshot download."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from annotations import services
from annotations.models import Actor, ActorAlias, Assignment, Label
from articles import search_index
from tests.factories import ArticleFactory, MembershipFactory, UserFactory


def workspace_url(project, article):
    return f"/projects/{project.pk}/articles/{article.pk}/"


def embedded(response):
    html = response.content.decode()
    start = html.index('<script id="workspace-data" type="application/json">') + len(
        '<script id="workspace-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def span(project, article, user, kind, start, end, **kwargs):
    return services.create_annotation(
        project=project,
        article=article,
        label=project.labels.get(kind=kind),
        annotator=user,
        start=start,
        end=end,
        **kwargs,
    )


@pytest.mark.parametrize("path", ["/", "/projects/{p}/", "/projects/{p}/articles/{a}/", "/snapshots/{s}/"])
def test_anonymous_users_are_sent_to_log_in(client, project, article, path):
    response = client.get(path.format(p=project.pk, a=article.pk, s=article.snapshot_id))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "path",
    [
        "/projects/{p}/",
        "/projects/{p}/articles/{a}/",
        "/projects/{p}/articles/{a}/suggestions.json",
        "/snapshots/{s}/",
    ],
)
def test_non_members_get_404(client, outsider, project, article, path):
    client.force_login(outsider)
    assert client.get(path.format(p=project.pk, a=article.pk, s=article.snapshot_id)).status_code == 404


def test_an_article_of_another_project_is_not_found_through_this_one(client, annotator, project):
    other = ArticleFactory()
    client.force_login(annotator)
    assert client.get(workspace_url(project, other)).status_code == 404


def test_project_list_shows_my_projects_or_an_empty_state(client, annotator, project, article, outsider):
    client.force_login(annotator)
    response = client.get("/")
    assert project.name in response.content.decode()
    client.force_login(outsider)
    assert "No projects yet" in client.get("/").content.decode()


def test_workspace_embeds_only_my_own_spans_with_their_details(client, annotator, project, article):
    other = MembershipFactory(project=project, user=UserFactory(username="other")).user
    haftar = Actor.objects.create(name="Khalifa Haftar", kind=Actor.Kind.PERSON)
    mine = span(project, article, annotator, Label.Kind.ACTOR, 0, 14, actors=[haftar])
    claim = span(project, article, annotator, Label.Kind.CLAIM, 0, 37, claim={"claimant": haftar, "about": [haftar]})
    span(project, article, other, Label.Kind.ACTOR, 23, 37)
    client.force_login(annotator)
    data = embedded(client.get(workspace_url(project, article)))

    assert data["article"]["text"] == article.text
    assert data["article"]["snapshot"] == article.snapshot_id
    assert {a["id"] for a in data["annotations"]} == {mine.pk, claim.pk}
    by_id = {a["id"]: a for a in data["annotations"]}
    assert by_id[mine.pk]["actors"] == [haftar.pk]
    assert by_id[claim.pk]["claim"]["claimant"] == haftar.pk
    assert by_id[claim.pk]["claim"]["about"] == [haftar.pk]
    assert [label["shortcut"] for label in data["labels"]] == ["c", "a", "s"]
    assert any(actor["id"] == haftar.pk for actor in data["actors"])
    assert data["csrf"]


def test_workspace_suggests_registry_names_but_not_spans_already_coded(client, annotator, project, article):
    haftar = Actor.objects.create(name="Khalifa Haftar", kind=Actor.Kind.PERSON)
    putin = Actor.objects.create(name="Vladimir Putin", kind=Actor.Kind.PERSON)
    ActorAlias.objects.create(
        actor=Actor.objects.create(name="Kremlin (administration)", kind="organization"), name="x"
    )
    span(project, article, annotator, Label.Kind.ACTOR, 0, 14, actors=[haftar])
    client.force_login(annotator)
    data = embedded(client.get(workspace_url(project, article)))
    found = [(s["start"], s["end"], s["actor"]) for s in data["suggestions"]]
    # "Khalifa Haftar thanked Vladimir Putin, the Kremlin said on Friday."
    assert (23, 37, putin.pk) in found
    assert (0, 14, haftar.pk) not in found
    assert any(article.text[s:e] == "Kremlin" for s, e, _ in found)
    again = client.get(workspace_url(project, article) + "suggestions.json").json()["results"]
    assert [(s["start"], s["end"], s["actor"]) for s in again] == found


def test_workspace_data_costs_a_fixed_number_of_queries(client, annotator, project, article):
    actor = Actor.objects.create(name="Khalifa Haftar", kind=Actor.Kind.PERSON)

    def add(i):  # distinct offsets: one coder cannot mark the same text with the same label twice
        span(project, article, annotator, Label.Kind.ACTOR, i % 10, 14 + i, actors=[actor])
        span(project, article, annotator, Label.Kind.CLAIM, i % 10, 37 + i, claim={"about": [actor]})
        span(project, article, annotator, Label.Kind.SOURCE, i % 10, 15 + i, source={"cue": "said"})

    add(0)
    client.force_login(annotator)
    with CaptureQueriesContext(connection) as few:
        client.get(workspace_url(project, article))
    for i in range(1, 30):
        add(i)
    with CaptureQueriesContext(connection) as many:
        assert client.get(workspace_url(project, article)).status_code == 200
    assert len(many) == len(few)


def test_text_that_looks_like_html_is_embedded_as_data_only(client, annotator, project):
    article = ArticleFactory(text="</script><script>alert(1)</script> <img src=x onerror=alert(2)>", title="<b>x</b>")
    project.articles.add(article)
    client.force_login(annotator)
    html = client.get(workspace_url(project, article)).content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_snapshot_is_a_sandboxed_download(client, annotator, project, article):
    client.force_login(annotator)
    response = client.get(f"/snapshots/{article.snapshot_id}/")
    assert response.status_code == 200
    assert response.content == bytes(article.snapshot.raw)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"


def test_article_list_searches_filters_and_shows_my_progress(client, annotator, project, article):
    berlin = ArticleFactory(text="Talks in Berlin about a ceasefire.", title="Berlin talks", language="de")
    project.articles.add(berlin)
    span(project, article, annotator, Label.Kind.ACTOR, 0, 14)
    client.force_login(annotator)

    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "Berlin talks" in page and article.title in page
    assert "1 span" in page and "In progress" in page

    found = client.get(f"/projects/{project.pk}/", {"q": "ceasefire"}).content.decode()
    assert "Berlin talks" in found and article.title not in found
    assert "<mark>ceasefire</mark>" in found

    assert article.title not in client.get(f"/projects/{project.pk}/", {"language": "de"}).content.decode()
    started = client.get(f"/projects/{project.pk}/", {"status": "not_started"}).content.decode()
    assert "Berlin talks" in started and article.title not in started
    services.submit_article(project=project, article=article, annotator=annotator)
    submitted = client.get(f"/projects/{project.pk}/", {"status": "submitted"}).content.decode()
    assert article.title in submitted and "Berlin talks" not in submitted
    assert Assignment.objects.get().status == "submitted"


def test_article_list_filters_by_a_mentioned_actor_and_dates(client, annotator, project, article):
    putin = Actor.objects.create(name="Vladimir Putin", kind=Actor.Kind.PERSON)
    other = ArticleFactory(text="Nothing about him.", title="Other news")
    project.articles.add(other)
    client.force_login(annotator)
    page = client.get(f"/projects/{project.pk}/", {"actor": putin.pk}).content.decode()
    assert article.title in page and "Other news" not in page
    none = client.get(f"/projects/{project.pk}/", {"from": "2999-01-01"}).content.decode()
    assert "No article matches" in none


def test_an_empty_project_points_to_import(client, annotator, project):
    client.force_login(annotator)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "This project has no articles yet" in page
    assert f"/import/?project={project.pk}" in page


@pytest.fixture(params=["postgres", "tantivy"])
def names_through(request, tmp_path):
    """ "Mentions actor" answered with the name matches from PostgreSQL's GIN index, or from the Tantivy index (ids
    in hand, one array); call the fixture once the articles exist."""
    with override_settings(NEWSARCHIVE_SEARCH_INDEX=tmp_path / "index", NEWSARCHIVE_SEARCH_ENGINE=request.param):

        def ready() -> None:
            if request.param == "tantivy":
                call_command("rebuild_search_index", stdout=io.StringIO(), stderr=io.StringIO())
                assert search_index.ready_index() is not None
            else:
                assert search_index.ready_index() is None

        yield ready


def test_mentions_actor_matches_whole_words_of_names_and_aliases_not_substrings(
    client, annotator, project, names_through
):
    wagner = Actor.objects.create(name="Wagner Group", kind=Actor.Kind.GROUP)
    wagner.aliases.create(name="PMC Wagner")
    named = ArticleFactory(text="Fighters of the Wagner Group were seen.", title="Named")
    aliased = ArticleFactory(text="Он сказал, что PMC Wagner ушла.", title="Aliased", language="ru")
    inflected = ArticleFactory(text="The Wagner groups left.", title="Inflected")
    substring = ArticleFactory(text="Wagnergroup fans met in Bayreuth.", title="Substring")
    apart = ArticleFactory(text="Wagner said the group left.", title="Apart")
    gone = ArticleFactory(text="The Wagner Group again.", title="Deleted")
    project.articles.add(named, aliased, inflected, substring, apart, gone)
    names_through()
    gone.delete()  # before the index hears of it: never listed
    client.force_login(annotator)
    page = client.get(f"/projects/{project.pk}/", {"actor": wagner.pk}).content.decode()
    assert all(title in page for title in ("Named", "Aliased", "Inflected"))
    assert "Substring" not in page and "Apart" not in page and "Deleted" not in page
    assert "3 articles match" in page


def test_mentioned_actor_filter_shows_an_annotator_only_their_own_links(
    client, annotator, reviewer, project, names_through
):
    """Another coder's link must not tell an annotator which articles mention an actor (issue 11)."""
    haftar = Actor.objects.create(name="Khalifa Haftar", kind=Actor.Kind.PERSON)
    theirs = ArticleFactory(text="The field marshal spoke.", title="Theirs")
    mine = ArticleFactory(text="The commander spoke.", title="Mine")
    named = ArticleFactory(text="Khalifa Haftar spoke.", title="Named")
    project.articles.add(theirs, mine, named)
    names_through()
    other = MembershipFactory(project=project, user=UserFactory(username="other")).user
    span(project, theirs, other, Label.Kind.ACTOR, 0, 17, actors=[haftar])
    span(project, mine, annotator, Label.Kind.ACTOR, 0, 13, actors=[haftar])
    url = f"/projects/{project.pk}/"

    client.force_login(annotator)
    page = client.get(url, {"actor": haftar.pk}).content.decode()
    assert "Mine" in page and "Named" in page and "Theirs" not in page
    client.force_login(other)
    page = client.get(url, {"actor": haftar.pk}).content.decode()
    assert "Theirs" in page and "Named" in page and "Mine" not in page
    client.force_login(reviewer)
    page = client.get(url, {"actor": haftar.pk}).content.decode()
    assert "Theirs" in page and "Mine" in page and "Named" in page


@pytest.mark.parametrize(
    "query",
    [{"q": "a\x00b"}, {"language": "\x00"}, {"outlet": "a\x00"}, {"actor": "1\x00"}, {"sort": "\x00"}],
)
def test_article_list_refuses_nul_in_a_filter(client, annotator, project, article, query):
    client.force_login(annotator)
    response = client.get(f"/projects/{project.pk}/", query)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize("value", ["²", "99999999999999999999999", "-1", "1.5", "\u0661"])
def test_article_list_ignores_ids_that_are_not_whole_numbers(client, annotator, project, article, value):
    client.force_login(annotator)
    for name in ("outlet", "actor", "page"):
        response = client.get(f"/projects/{project.pk}/", {name: value})
        assert response.status_code == 200
        assert article.title in response.content.decode()


def test_a_query_typed_into_the_list_form_is_ranked_by_relevance(client, annotator, project):
    older = ArticleFactory(title="Ceasefire ceasefire talks", text="Ceasefire, ceasefire: the ceasefire holds.")
    newer = ArticleFactory(title="Market news", text="A word on a ceasefire, far down.")
    older.published_at = newer.published_at.replace(year=newer.published_at.year - 1)
    older.save(update_fields=["published_at"])
    project.articles.add(older, newer)
    client.force_login(annotator)

    form = client.get(f"/projects/{project.pk}/").content.decode()
    assert '<option value="relevance" selected>Relevance (newest without a search)</option>' in form
    assert form.index("Market news") < form.index("Ceasefire ceasefire talks")  # no query: newest first
    # The form sends its default choice with the query, as a browser does.
    found = client.get(f"/projects/{project.pk}/", {"q": "ceasefire", "sort": "relevance"}).content.decode()
    assert found.index("Ceasefire ceasefire talks") < found.index("Market news")
    assert '<option value="relevance" selected>Relevance</option>' in found


def test_the_list_says_whose_spans_it_counts(client, annotator, reviewer, project, article):
    span(project, article, annotator, Label.Kind.ACTOR, 0, 14)
    client.force_login(annotator)
    assert "1 span (yours)" in client.get(f"/projects/{project.pk}/").content.decode()
    client.force_login(reviewer)
    assert "1 span (all coders)" in client.get(f"/projects/{project.pk}/").content.decode()


def test_a_reviewer_sees_every_coders_spans_read_only_and_annotators_only_their_own(
    client, annotator, reviewer, project, article
):
    mine = span(project, article, annotator, Label.Kind.ACTOR, 0, 14)
    client.force_login(reviewer)

    data = embedded(client.get(workspace_url(project, article)))
    assert [a["id"] for a in data["annotations"]] == [mine.pk]
    assert data["readonly"] is True and data["coder"]["value"] == "all"
    own = embedded(client.get(workspace_url(project, article), {"coder": "mine"}))
    assert own["annotations"] == [] and own["readonly"] is False
    one = embedded(client.get(workspace_url(project, article), {"coder": str(annotator.pk)}))
    assert [a["id"] for a in one["annotations"]] == [mine.pk] and one["coder"]["label"] == "annotator's spans"

    MembershipFactory(project=project, user=UserFactory(username="coder2"), role="annotator")
    client.force_login(project.memberships.get(user__username="coder2").user)
    theirs = embedded(client.get(workspace_url(project, article), {"coder": "all"}))
    assert theirs["annotations"] == [] and theirs["readonly"] is False  # annotators have no switcher
