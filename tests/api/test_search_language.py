# ruff: noqa: RUF001 -- Cyrillic text on purpose
"""Each article is searched in its own language: inflected Arabic and Russian forms match, English stemming does
not leak into other languages, and `search_language` names the query's language."""

import pytest

from articles.models import Article
from articles.search import config_for
from tests.factories import ArticleFactory


def titles(client, **params):
    response = client.get("/api/articles/", params)
    assert response.status_code == 200, response.content
    return sorted(item["title"] for item in response.json()["results"])


@pytest.fixture
def multilingual(project):
    articles = [
        ArticleFactory(language="ru", title="Переговоры", text="Переговоры о прекращении войны продолжились в Женеве."),
        ArticleFactory(language="ar", title="مفاوضات", text="استؤنفت المفاوضات في جنيف يوم الجمعة."),
        ArticleFactory(language="en", title="Talks", text="The negotiators were talking about the wars in Geneva."),
        ArticleFactory(language="uk", title="Перемовини", text="Перемовини про припинення війни."),
        ArticleFactory(language="fr-CA", title="Pourparlers", text="Les négociations continuent à Genève."),
    ]
    project.articles.add(*articles)
    return articles


def test_each_article_gets_the_configuration_of_its_language(multilingual):
    configs = dict(Article.objects.values_list("title", "search_config"))
    assert configs == {
        "Переговоры": "russian",
        "مفاوضات": "arabic",
        "Talks": "english",
        "Перемовини": "simple",  # no Ukrainian stemmer in stock PostgreSQL
        "Pourparlers": "french",
    }
    assert config_for("pt-BR") == "simple" and config_for("EN-gb") == "english"


def test_russian_inflected_forms_match(as_reviewer, multilingual):
    assert titles(as_reviewer, search="войнам") == ["Переговоры"]  # войны / войнам: one stem
    assert titles(as_reviewer, search="переговорах") == ["Переговоры"]
    assert titles(as_reviewer, search='"прекращение войны"') == ["Переговоры"]  # a phrase, inflected


def test_arabic_forms_with_and_without_the_article_match(as_reviewer, multilingual):
    assert titles(as_reviewer, search="مفاوضات") == ["مفاوضات"]  # the text says المفاوضات
    assert titles(as_reviewer, search="المفاوضات") == ["مفاوضات"]


def test_english_stemming_stays_with_english_articles(as_reviewer, multilingual):
    assert titles(as_reviewer, search="war") == ["Talks"]  # wars -> war
    assert titles(as_reviewer, search="talk") == ["Talks"]
    assert titles(as_reviewer, search="négociation") == ["Pourparlers"]  # French stemming
    assert titles(as_reviewer, search="війни") == ["Перемовини"]  # simple: the exact word only
    assert titles(as_reviewer, search="війна") == []


def test_a_query_can_name_its_language(as_reviewer, multilingual):
    assert titles(as_reviewer, search="войнам", search_language="ru") == ["Переговоры"]
    assert titles(as_reviewer, search="war", search_language="ru") == []  # only Russian articles
    assert titles(as_reviewer, search="wars", search_language="en") == ["Talks"]


def test_an_unknown_search_language_is_refused(as_reviewer, multilingual):
    response = as_reviewer.get("/api/articles/", {"search": "war", "search_language": "xx"})
    assert response.status_code == 400
    assert "xx" in response.json()["search_language"][0]


def test_an_edited_article_is_found_by_its_new_words_and_a_deleted_one_never(as_reviewer, project, multilingual):
    talks = multilingual[2]
    Article.objects.filter(pk=talks.pk).update(text="A ceasefire was agreed.")
    assert titles(as_reviewer, search="ceasefire") == ["Talks"]
    assert titles(as_reviewer, search="negotiators") == []
    project.articles.remove(talks)
    Article.objects.filter(pk=talks.pk).delete()
    assert titles(as_reviewer, search="ceasefire") == []
