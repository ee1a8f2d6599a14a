"""Which text search configuration an article's language gets, and the expressions that index and query with it.

Every article is indexed with its own language's stemmer and stop words (`simple` where PostgreSQL has none, as
for Ukrainian). Its vector also holds one marker lexeme naming that configuration (" english"; the space keeps any
parsed word from ever equalling it), so one tsquery can ask "this query parsed as English, in English articles, or
parsed as Russian, in Russian articles, ...": a single index scan, usable for top-k ordering too.
"""

from __future__ import annotations

from django.contrib.postgres.search import (
    SearchConfig,
    SearchQuery,
    SearchQueryCombinable,
    SearchQueryField,
    SearchVector,
    SearchVectorCombinable,
    SearchVectorField,
)
from django.db import models
from django.db.models import Case, Func, Value, When
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

# Stock PostgreSQL (15 on Debian, 18 embedded) ships these Snowball stemmers; anything else is indexed `simple`.
CONFIGS = {
    "en": "english",
    "ar": "arabic",
    "ru": "russian",
    "fr": "french",
    "es": "spanish",
    "de": "german",
    "tr": "turkish",
}
SIMPLE = "simple"
ALL_CONFIGS = (*CONFIGS.values(), SIMPLE)


def config_for(language: str) -> str:
    """The configuration of a BCP-47 code: its primary subtag decides ("pt-BR" -> pt)."""
    return CONFIGS.get(language.split("-")[0].strip().lower(), SIMPLE)


def _primary_subtag():
    return Lower(Func("language", Value("-"), Value(1), function="split_part", output_field=models.TextField()))


def _by_language(value) -> Case:
    """CASE over the article's primary language subtag; each branch a constant, so the whole stays IMMUTABLE."""
    return Case(
        *[When(Exact(_primary_subtag(), Value(code)), then=value(config)) for code, config in CONFIGS.items()],
        default=value(SIMPLE),
        output_field=models.TextField(),
    )


def article_config():
    """The article's configuration as a regconfig."""
    return _by_language(SearchConfig)


def marker(config: str) -> str:
    return f" {config}"


class RegConfigField(models.Field):
    """A PostgreSQL regconfig (a text search configuration); reads as its name."""

    def db_type(self, connection):
        return "regconfig"


class LanguageMarker(SearchVectorCombinable, Func):
    """A one-lexeme tsvector naming the article's configuration."""

    function = "array_to_tsvector"
    template = "%(function)s(ARRAY[%(expressions)s])"
    output_field = SearchVectorField()

    def __init__(self):
        super().__init__(_by_language(lambda config: Value(marker(config))))


def article_vector():
    """Title (weight A) and text (B), each once, with the article's configuration, plus the language marker."""
    config = article_config()
    return (
        SearchVector("title", weight="A", config=config)
        + SearchVector("text", weight="B", config=config)
        + LanguageMarker()
    )


class MarkerQuery(SearchQueryCombinable, Func):
    """The tsquery of one marker lexeme, cast as it is (to_tsquery would stem it)."""

    template = "%(expressions)s::tsquery"
    output_field = SearchQueryField()

    def __init__(self, config: str):
        super().__init__(Value(f"'{marker(config)}'"))


def match_query(text: str, *, language: str | None = None, search_type: str = "websearch") -> SearchQuery:
    """The tsquery matching `text` in each article parsed with the article's own configuration; with `language`,
    only articles of that language's configuration, the text parsed with it."""
    configs = [config_for(language)] if language else ALL_CONFIGS
    combined = None
    for config in configs:
        part = SearchQuery(text, search_type=search_type, config=config) & MarkerQuery(config)
        combined = part if combined is None else combined | part
    return combined


def own_config_query(text: str, *, search_type: str = "websearch") -> SearchQuery:
    """The query parsed with the row's own configuration: for ranking and snippets (no marker in it)."""
    return SearchQuery(text, search_type=search_type, config=models.F("search_config"))
