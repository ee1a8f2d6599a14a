"""Non-trivial reads of the archive: ranked full-text search with highlighted snippets, and bounded hit counts."""

from __future__ import annotations

import json
from collections.abc import Collection

from django.contrib.postgres.search import SearchHeadline, SearchRank
from django.db import connection
from django.db.models import F, FloatField, Lookup, QuerySet
from django.db.models.expressions import RawSQL

from articles.models import Article
from articles.search import article_vector, match_query, own_config_query

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
    queryset = with_vector(queryset).filter(search=match_query(query, language=language))
    queryset = queryset.annotate(rank=rank_expression(query))
    if snippets:
        queryset = queryset.annotate(snippet=SearchHeadline("text", own, config=F("search_config"), **HEADLINE_OPTIONS))
    return queryset.order_by("-rank", "-published_at", "-id")


def matching_ids(queryset: QuerySet[Article], query: str, *, project: int | None = None) -> list[int]:
    """The ids of every article of `queryset` that the search matches, best first (what "assign from a search"
    hands out): from the Tantivy index re-checked in PostgreSQL when it is ready and holds them all (restricted to
    `project` inside the index), else ranked on the GIN path, which reads every hit's text."""
    from articles import search_index

    index = search_index.ready_index()
    ids = None
    if index is not None:
        ids = search_index.every_hit(index, query, filters=search_index.Filters(project=project))
    if ids is None:
        return list(search_articles(queryset, query, snippets=False).values_list("pk", flat=True))
    present = set(queryset.filter(id_in(ids)).values_list("pk", flat=True))
    return [article_id for article_id in ids if article_id in present]


def ranked_articles(
    queryset: QuerySet[Article], query: str, hits: list[tuple[int, float]], *, snippets: bool = True
) -> QuerySet[Article]:
    """The rows of a search-index window (articles.search_index.window): only these ids, each with the index's
    score as `rank` (a float8 holding Tantivy's 4-byte score exactly), best first; snippets as `search_articles`."""
    ids = [article_id for article_id, _ in hits]
    scores = [score for _, score in hits]
    rank = RawSQL(
        "(SELECT u.score FROM unnest(%s::bigint[], %s::float8[]) AS u(id, score) WHERE u.id = articles_article.id)",
        (ids, scores),
        output_field=FloatField(),
    )
    queryset = queryset.filter(pk__in=ids).annotate(rank=rank)
    if snippets:
        queryset = queryset.annotate(
            snippet=SearchHeadline("text", own_config_query(query), config=F("search_config"), **HEADLINE_OPTIONS)
        )
    return queryset.order_by("-rank", "-id")


def with_vector(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """`search`: the article's vector, as the GIN index `article_search_gin` holds it (the same expression, so the
    planner uses the index for `search @@ query`); not stored, so ranking on this path recomputes it per hit."""
    return queryset.alias(search=article_vector())


class IndexHits:
    """A search answered by the Tantivy index, as a sequence for page-number paging (django.core.paginator): its
    length is the index's hit count; a slice is the rows of that window in exact (score, id) order, re-checked in
    PostgreSQL against `queryset` and passed through `finish` (the page's own annotations). A window deeper than
    the index serves (search_index.MAX_CANDIDATES) is empty."""

    def __init__(
        self,
        index,
        queryset: QuerySet[Article],
        query: str,
        filters,
        finish=lambda rows: rows,
        *,
        checked: bool = False,
        language: str | None = None,
    ) -> None:
        from articles import search_index

        self.index, self.queryset, self.query, self.filters, self.finish = index, queryset, query, filters, finish
        self.language = language
        if checked:
            self.hits, self.count_is_estimate = self._checked_count()
        else:
            first = search_index.window(index, query, language=language, filters=filters, size=0, alive=self._alive)
            self.hits = first.count if first is not None else 0
            self.count_is_estimate = first is not None and (first.estimated or self.hits > EXACT_COUNT_LIMIT)

    def _alive(self, ids: list[int]) -> set[int]:
        return set(self.queryset.filter(id_in(ids)).values_list("pk", flat=True))

    def _checked_count(self) -> tuple[int, bool]:
        """With filters only PostgreSQL holds (the browser list's progress status, "mentions actor", the API's span
        filters): exact up to EXACT_COUNT_LIMIT, an estimate beyond, without checking every hit. First the hits of
        the index's 1/64 sample are checked in PostgreSQL: above twice the limit, that times 64 is the estimate.
        Else the count is exact: with many hits (the sample says over MAX_CANDIDATES / 2) the index counts the
        search among the ids PostgreSQL passes, when there are at most MAX_CANDIDATES of them; else PostgreSQL
        counts the passing ones among the index's hits, when those are at most MAX_CANDIDATES; with more of both,
        the passing share of the index's best MAX_CANDIDATES scaled to all hits, as an estimate."""
        from articles import search_index

        options = {"filters": self.filters, "language": self.language}
        sampled = search_index.sampled_hits(self.index, self.query, **options)
        estimate = self.queryset.filter(id_in(sampled)).order_by().count() * search_index.SAMPLES if sampled else 0
        if estimate > 2 * EXACT_COUNT_LIMIT:
            return two_figures(estimate), True
        if len(sampled) * search_index.SAMPLES > search_index.MAX_CANDIDATES // 2:  # many hits: count among passing
            passing = list(self.queryset.order_by().values_list("pk", flat=True)[: search_index.MAX_CANDIDATES + 1])
            if len(passing) <= search_index.MAX_CANDIDATES:
                count = search_index.count_among(self.index, self.query, passing, **options)
                return count, count > EXACT_COUNT_LIMIT
        ids, total = search_index.candidates(self.index, self.query, **options)
        if not ids:
            return 0, False
        count = self.queryset.filter(id_in(ids)).order_by().count()
        if total > len(ids):
            return round(count * total / len(ids)), True
        return count, count > EXACT_COUNT_LIMIT

    def count(self) -> int:
        return self.hits

    def __len__(self) -> int:
        return self.hits

    def __getitem__(self, key: slice) -> list[Article]:
        from articles import search_index

        start, stop = key.start or 0, key.stop if key.stop is not None else self.hits
        if stop <= start:
            return []
        window = search_index.window(
            self.index, self.query, language=self.language, filters=self.filters, size=stop, alive=self._alive
        )
        if window is None:
            return []
        return list(self.finish(ranked_articles(self.queryset, self.query, window.hits[start:stop])))


def rank_expression(query: str) -> SearchRank:
    """ts_rank of the article's vector against the query parsed in the article's language (on a queryset passed
    through `with_vector`)."""
    return SearchRank(F("search"), own_config_query(query))


def escape_snippet(snippet: str) -> str:
    """Escape a ts_headline snippet for HTML while keeping its <mark> highlights."""
    from django.utils.html import escape

    escaped = escape(snippet)
    return escaped.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")


EXACT_COUNT_LIMIT = 10_000


def count_hits(queryset: QuerySet) -> tuple[int, bool]:
    """How many rows a list has: exact up to EXACT_COUNT_LIMIT (counting stops there), beyond it the planner's
    estimate rounded to two significant figures (the limit itself when the planner guesses lower: "over 10,000"),
    and whether it is an estimate."""
    rows = queryset.order_by().values("pk")
    counted = rows[: EXACT_COUNT_LIMIT + 1].count()
    if counted <= EXACT_COUNT_LIMIT:
        return counted, False
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    rounded = two_figures(estimate)
    return (rounded if rounded > EXACT_COUNT_LIMIT else EXACT_COUNT_LIMIT), True


def two_figures(number: int) -> int:
    digits = len(str(number))
    return round(number, -(digits - 2)) if digits > 2 else number


def count_label(count: int, estimate: bool) -> str:
    """'1,234', 'about 40,000' or 'over 10,000'."""
    if not estimate:
        return f"{count:,}"
    return f"over {count:,}" if count <= EXACT_COUNT_LIMIT else f"about {count:,}"


class _AnyOf(Lookup):
    """`lhs = ANY(rhs::bigint[])`, rhs an array literal ('{1,2,3}') passed as one string parameter: psycopg's own
    adaptation of a list of 50,000 ints costs ~23 ms each time the query is compiled, the string ~5 ms once; an
    ArrayField would prepare each element through the field (180 ms). Inlined by Django's client-side binding as a
    typed constant, so the planner knows the array's length."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, self.rhs]


def id_in(ids: Collection[int]) -> Lookup:
    """A filter `id = ANY(array)`: one parameter however many ids, and the planner knows how many (with an
    `IN (SELECT unnest(...))` subquery it does not, and joins every id before ordering)."""
    return _AnyOf(F("pk"), "{" + ",".join(str(int(article_id)) for article_id in ids) + "}")


def _phrases(names: list[str]) -> list[str]:
    names = [" ".join(name.replace('"', " ").split()) for name in names]
    return [name for name in names if name]


def ids_naming(names: list[str], *, project: int | None = None) -> list[int] | None:
    """The ids `articles_naming` means, from the Tantivy index; None when it is not ready or does not hold every
    hit within its window (then only `articles_naming`'s GIN path answers). Ids of articles that no longer exist
    may be among them (the index hears of a delete a moment later): use them to filter rows, not as rows."""
    from articles import search_index

    names = _phrases(names)
    if not names:
        return []
    index = search_index.ready_index()
    if index is None:
        return None
    text = " OR ".join(f'"{name}"' for name in names)
    ids, total = search_index.candidates(index, text, filters=search_index.Filters(project=project))
    return ids if total <= len(ids) else None


def articles_naming(names: list[str], *, project: int | None = None) -> QuerySet[Article]:
    """Ids of articles whose title or text holds one of `names` as whole words (a phrase, in the article's own
    language), found through a search index, never a substring scan of the texts: the Tantivy index when it is ready
    and holds every hit within its window (restricted to `project` if given), else PostgreSQL's GIN index."""
    names = _phrases(names)
    if not names:
        return Article.objects.none().values("pk")
    ids = ids_naming(names, project=project)
    if ids is not None:
        return Article.objects.filter(id_in(ids)).order_by().values("pk")
    return articles_naming_in_postgres(names)


def articles_naming_in_postgres(names: list[str]) -> QuerySet[Article]:
    """`articles_naming` through PostgreSQL's GIN index alone (when the Tantivy index cannot answer)."""
    names = _phrases(names)
    if not names:
        return Article.objects.none().values("pk")
    query = None
    for name in names:
        part = match_query(name, search_type="phrase")
        query = part if query is None else query | part
    # Compiled on its own and nested as SQL: Django does not relabel the vector expression's columns when the
    # queryset becomes a subquery, which then reads the outer row's columns (a correlated scan per outer row). The
    # phrase needs its positions, so PostgreSQL rechecks each candidate by recomputing its vector.
    inner = with_vector(Article.objects.all()).filter(search=query).order_by().values("pk")
    sql, params = inner.query.sql_with_params()
    return Article.objects.filter(pk__in=RawSQL(sql, params)).order_by().values("pk")  # noqa: S611 -- compiled by Django
