"""The article list's outlet and language choices (ProjectFacet) follow every change, through the ORM or raw SQL."""

from django.db import connection

from articles.models import Article, ProjectFacet
from tests.bulk import bulk_articles
from tests.factories import ArticleFactory, OutletFactory, ProjectFactory


def facets(project):
    return {
        (kind, value): n
        for kind, value, n in ProjectFacet.objects.filter(project_id=project.pk).values_list(
            "kind", "value", "articles"
        )
    }


def test_facets_follow_links_edits_and_removals(project):
    reuters, tass = OutletFactory(name="Reuters"), OutletFactory(name="TASS")
    one = ArticleFactory(outlet=reuters, language="en")
    two = ArticleFactory(outlet=tass, language="ru")
    project.articles.add(one, two)
    assert facets(project) == {
        ("outlet", str(reuters.pk)): 1,
        ("outlet", str(tass.pk)): 1,
        ("language", "en"): 1,
        ("language", "ru"): 1,
    }
    other = ProjectFactory()
    other.articles.add(one)
    assert facets(other) == {("outlet", str(reuters.pk)): 1, ("language", "en"): 1}

    Article.objects.filter(pk=two.pk).update(outlet=reuters, language="en")
    assert facets(project) == {("outlet", str(reuters.pk)): 2, ("language", "en"): 2}
    project.articles.remove(one)
    assert facets(project) == {("outlet", str(reuters.pk)): 1, ("language", "en"): 1}
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM annotations_project_articles WHERE project_id = %s", [project.pk])
    assert facets(project) == {}
    assert facets(other) == {("outlet", str(reuters.pk)): 1, ("language", "en"): 1}


def test_bulk_links_are_counted_and_the_list_offers_them(client, annotator, project):
    outlets = [OutletFactory(name="Alpha"), OutletFactory(name="Beta")]
    bulk_articles(project, 301, outlets=outlets, language="ar")
    assert facets(project) == {
        ("outlet", str(outlets[0].pk)): 150,
        ("outlet", str(outlets[1].pk)): 151,
        ("language", "ar"): 301,
    }
    client.force_login(annotator)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert ">Alpha</option>" in page and ">Beta</option>" in page and "<option>ar</option>" in page
