"""Non-trivial reads of the archive: ranked full-text search with highlighted snippets."""

from __future__ import annotations

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import F, QuerySet

from articles.models import Article

SEARCH_CONFIG = "english"
HEADLINE_OPTIONS = {
    "start_sel": "<mark>",
    "stop_sel": "</mark>",
    "max_words": 35,
    "min_words": 15,
    "max_fragments": 2,
    "fragment_delimiter": " … ",
}


def search_articles(queryset: QuerySet[Article], query: str, *, snippets: bool = True) -> QuerySet[Article]:
    """Articles matching a web-search query (quotes, OR, -word), best first, with `rank` and `snippet`.

    `websearch_to_tsquery` never raises on odd input, so any user text is safe here. The snippet is
    HTML in which only <mark> is markup: the text is escaped first (see `escape_snippet`).
    """
    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    queryset = queryset.filter(search=search_query).annotate(rank=SearchRank(F("search"), search_query))
    if snippets:
        queryset = queryset.annotate(
            snippet=SearchHeadline("text", search_query, config=SEARCH_CONFIG, **HEADLINE_OPTIONS)
        )
    return queryset.order_by("-rank", "-published_at", "-id")


def escape_snippet(snippet: str) -> str:
    """Escape a ts_headline snippet for HTML while keeping its <mark> highlights."""
    from django.utils.html import escape

    escaped = escape(snippet)
    return escaped.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")
