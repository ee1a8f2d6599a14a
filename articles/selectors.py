"""Non-trivial reads of the archive: ranked full-text search with highlighted snippets."""

from __future__ import annotations

from django.contrib.postgres.search import SearchHeadline, SearchRank
from django.db.models import F, QuerySet

from articles.models import Article
from articles.search import match_query, own_config_query

HEADLINE_OPTIONS = {
    "start_sel": "<mark>",
    "stop_sel": "</mark>",
    "max_words": 35,
    "min_words": 15,
    "max_fragments": 2,
    "fragment_delimiter": " … ",
}


def search_articles(
    queryset: QuerySet[Article], query: str, *, language: str | None = None, snippets: bool = True
) -> QuerySet[Article]:
    """Articles matching a web-search query (quotes, OR, -word), best first, with `rank` and `snippet`.

    Each article is matched with the query parsed in its own language (articles.search); with `language`, only
    articles of that language's configuration. `websearch_to_tsquery` never raises on odd input, so any user text
    is safe here. The snippet is HTML in which only <mark> is markup: the text is escaped first (`escape_snippet`).
    """
    own = own_config_query(query)
    queryset = queryset.filter(search=match_query(query, language=language)).annotate(rank=rank_expression(query))
    if snippets:
        queryset = queryset.annotate(snippet=SearchHeadline("text", own, config=F("search_config"), **HEADLINE_OPTIONS))
    return queryset.order_by("-rank", "-published_at", "-id")


def rank_expression(query: str) -> SearchRank:
    """ts_rank of the article's vector against the query parsed in the article's language."""
    return SearchRank(F("search"), own_config_query(query))


def escape_snippet(snippet: str) -> str:
    """Escape a ts_headline snippet for HTML while keeping its <mark> highlights."""
    from django.utils.html import escape

    escaped = escape(snippet)
    return escaped.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")
