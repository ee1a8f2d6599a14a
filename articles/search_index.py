"""The Tantivy search index: BM25 top-k of a search without scoring every match in PostgreSQL, which stays the truth.

One document per article: its id, title and text in the fields of its language's configuration (each with that
language's analyzer, so an article is matched only with the query parsed in its own language, as articles.search
does in PostgreSQL), its projects (visibility), outlet, language code and publication time (the API list's filters,
applied inside the index so that its top k stay the list's top k). The index is a disposable copy: it lives in a
folder (NEWSARCHIVE_SEARCH_INDEX) as one generation directory named by a token that PostgreSQL also holds
(SearchIndexState); a search uses the index only when the two tokens agree, otherwise the GIN path. Every write that
matters to it lands in a queue table through triggers (migration articles 0008) and the job `update_search_index`
applies it (articles.tasks); `rebuild_search_index` makes a new generation from the table.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

from articles.search import ALL_CONFIGS, CONFIGS, config_for

try:
    import tantivy
except ImportError:  # pragma: no cover - the GIN path serves then
    tantivy = None

MARKER = "current.json"
SCHEMA_VERSION = 2  # a generation made with another schema is not used (the GIN path answers until a rebuild)
SAMPLES = 64  # each document's `sample` is its id modulo this: 1/64 of the index, for estimating a count
PHRASE_SAMPLED_ABOVE = 20_000  # twice the exact-count limit: a phrase estimated above is ranked by its words
TITLE_BOOST = 2.5  # PostgreSQL's weights: A (title) 1.0, B (text) 0.4
MAX_CANDIDATES = 100_000  # deeper than this, a page comes from the GIN path
ADVISORY_LOCK = 0x5EA2C4  # held by a rebuild; the job waits on it
STEMMERS = {config: config for config in CONFIGS.values()}  # the Snowball names are the configurations' names


def enabled() -> bool:
    return tantivy is not None and settings.NEWSARCHIVE_SEARCH_ENGINE == "tantivy"


def root() -> Path:
    return Path(settings.NEWSARCHIVE_SEARCH_INDEX)


def analyzer(config: str):
    """Simple word splitting (Unicode letters and digits), lowercase, the language's Snowball stemmer."""
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(60))
    builder = builder.filter(tantivy.Filter.lowercase())
    if config in STEMMERS:
        builder = builder.filter(tantivy.Filter.stemmer(STEMMERS[config]))
    return builder.build()


# The definite article (with a leading conjunction or preposition) before a word of three letters or more. Tantivy's
# Arabic stemmer (an older Snowball than PostgreSQL's) stems المفاوضات and مفاوضات apart; without the article first,
# they meet. Applied to the text indexed and to the query alike.
_ARABIC_ARTICLE = re.compile(r"\b(?:[وفبك]?ال|لل)(?=\w{3,})")


def prepared(config: str, text: str) -> str:
    """`text` as the analyzer of `config` is given it."""
    return _ARABIC_ARTICLE.sub("", text) if config == "arabic" else text


def schema():
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    for config in ALL_CONFIGS:
        builder.add_text_field(f"title_{config}", tokenizer_name=f"na_{config}", index_option="position")
        builder.add_text_field(f"text_{config}", tokenizer_name=f"na_{config}", index_option="position")
    builder.add_text_field("config", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("projects", indexed=True)
    builder.add_integer_field("outlet", indexed=True)
    builder.add_text_field("language", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("published", indexed=True, fast=True)  # microseconds since the epoch
    builder.add_integer_field("sample", indexed=True)  # id % SAMPLES
    return builder.build()


_analyzers: dict[str, object] = {}


def _analyzer(config: str):
    if config not in _analyzers:
        _analyzers[config] = analyzer(config)
    return _analyzers[config]


def _open(directory: Path):
    index = tantivy.Index(schema(), path=str(directory), reuse=True)
    for config in ALL_CONFIGS:
        index.register_tokenizer(f"na_{config}", _analyzer(config))
    return index


# Marker and token: which generation is current, and whether PostgreSQL agrees.


def current_token() -> str | None:
    """The generation named by the folder's marker, or None (also when it was made with another schema)."""
    try:
        marker = json.loads((root() / MARKER).read_text())
        return marker["token"] if marker.get("schema") == SCHEMA_VERSION else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def database_token() -> str | None:
    """The token of the generation this database was indexed into; None when there is none, or when the queue's
    oldest entry has waited longer than NEWSARCHIVE_SEARCH_INDEX_MAX_LAG seconds (no job worker is applying it, so
    the index is behind: searches take the GIN path until it catches up)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT token, (SELECT now() - queued_at FROM articles_searchindexqueue ORDER BY id LIMIT 1)"
            " FROM articles_searchindexstate WHERE id = 1"
        )
        row = cursor.fetchone()
    if row is None or not row[0]:
        return None
    token, lag = row
    if lag is not None and lag.total_seconds() > settings.NEWSARCHIVE_SEARCH_INDEX_MAX_LAG:
        return None
    return token


_opened: dict[str, object] = {}


def ready_index():
    """The current generation's index when it is enabled, present and the one PostgreSQL knows; else None."""
    if not enabled():
        return None
    token = current_token()
    if token is None or token != database_token():
        return None
    key = str(root() / token)
    index = _opened.get(key)
    if index is None:
        if not (root() / token).is_dir():
            return None
        _opened.clear()  # an older generation, replaced by a rebuild
        index = _opened[key] = _open(root() / token)
    index.reload()
    return index


# Documents.


@dataclass(frozen=True)
class Row:
    id: int
    title: str
    text: str
    language: str
    outlet_id: int | None
    published_at: datetime | None
    projects: list[int]


ROW_SQL = """
SELECT a.id, a.title, a.text, a.language, a.outlet_id, a.published_at,
       coalesce((SELECT array_agg(l.project_id) FROM annotations_project_articles l WHERE l.article_id = a.id), '{}')
FROM articles_article a
"""


def rows(where: str, params: Iterable) -> list[Row]:
    with connection.cursor() as cursor:
        cursor.execute(ROW_SQL + where, list(params))
        return [Row(*values) for values in cursor.fetchall()]


def _micros(moment: datetime) -> int:
    return round(moment.timestamp() * 1_000_000)


def document(row: Row):
    config = config_for(row.language)
    values: dict[str, object] = {
        "id": row.id,
        f"title_{config}": prepared(config, row.title),
        f"text_{config}": prepared(config, row.text),
        "config": config,
        "language": row.language,
        "sample": row.id % SAMPLES,
    }
    doc = tantivy.Document(**values)
    for project in row.projects:
        doc.add_integer("projects", project)
    if row.outlet_id is not None:
        doc.add_integer("outlet", row.outlet_id)
    if row.published_at is not None:
        doc.add_integer("published", _micros(row.published_at))
    return doc


def new_writer(index):
    return index.writer(heap_size=settings.NEWSARCHIVE_SEARCH_INDEX_HEAP, num_threads=1)


def apply(writer, article_ids: Collection[int]) -> int:
    """Make the index say what PostgreSQL says of these articles: each deleted, then added again if it exists."""
    for article_id in article_ids:
        writer.delete_documents_by_term("id", article_id)
    present = rows("WHERE a.id = ANY(%s)", [list(article_ids)])
    for row in present:
        writer.add_document(document(row))
    return len(present)


def new_generation() -> tuple[str, object]:
    token = uuid.uuid4().hex
    directory = root() / token
    directory.mkdir(parents=True)
    return token, _open(directory)


def publish(token: str) -> None:
    """Make `token` the current generation (marker first, then PostgreSQL) and remove older generations."""
    from articles.models import SearchIndexState

    marker = root() / MARKER
    temporary = root() / f".{MARKER}.{token}"
    temporary.write_text(json.dumps({"token": token, "schema": SCHEMA_VERSION}))
    os.replace(temporary, marker)
    SearchIndexState.objects.update_or_create(pk=1, defaults={"token": token})
    for entry in root().iterdir():
        if entry.is_dir() and entry.name != token:
            shutil.rmtree(entry, ignore_errors=True)  # open readers keep their mapped files until they reload


def disable() -> None:
    """Mark the index stale: every search takes the GIN path until the next rebuild."""
    from articles.models import SearchIndexState

    SearchIndexState.objects.filter(pk=1).update(token="")


# Queries: the web-search syntax of websearch_to_tsquery ("phrase", OR, -word), per language.

_WORD = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Item:
    text: str
    negated: bool


def parse(text: str) -> list[list[Item]]:
    """Groups joined by OR, each a conjunction of (possibly negated) words and phrases: 'a b OR c' is (a & b) | c,
    as websearch_to_tsquery reads it."""
    groups: list[list[Item]] = [[]]
    for match in _WORD.finditer(text):
        negation, phrase, word = match.groups()
        if word is not None and word.lower() == "or":
            if groups[-1]:
                groups.append([])
            continue
        if word is not None:
            negated = word.startswith("-") and len(word) > 1
            groups[-1].append(Item(word[1:] if negated else word, negated))
        else:
            groups[-1].append(Item(phrase, bool(negation)))
    return [group for group in groups if group]


def _field_query(index_schema, field: str, tokens: list[str]):
    if len(tokens) == 1:
        return tantivy.Query.term_query(index_schema, field, tokens[0])
    return tantivy.Query.phrase_query(index_schema, field, tokens)


def _item_query(index_schema, config: str, tokens: list[str]):
    title = tantivy.Query.boost_query(_field_query(index_schema, f"title_{config}", tokens), TITLE_BOOST)
    text = _field_query(index_schema, f"text_{config}", tokens)
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, title), (tantivy.Occur.Should, text)])


def _tokens(config: str, text: str) -> list[str]:
    return [token for token in _analyzer(config).analyze(prepared(config, text)) if token]


def language_query(index_schema, groups: list[list[Item]], config: str, *, relaxed: bool = False):
    """The query parsed with `config`'s analyzer, matching only articles of that configuration (their words are in
    that configuration's fields); None when nothing of it is searchable. `relaxed`: each wanted phrase becomes its
    words, anywhere in the article (the ranking of `window`'s phrase path; exclusions stay exact)."""
    alternatives = []
    for group in groups:
        clauses = []
        positive = False
        for item in group:
            tokens = _tokens(config, item.text)
            if not tokens:
                continue
            positive = positive or not item.negated
            if relaxed and not item.negated and len(tokens) > 1:
                clauses.extend((tantivy.Occur.Must, _item_query(index_schema, config, [token])) for token in tokens)
                continue
            occur = tantivy.Occur.MustNot if item.negated else tantivy.Occur.Must
            clauses.append((occur, _item_query(index_schema, config, tokens)))
        if not clauses:
            continue
        if not positive:  # only exclusions: every article of the language but those
            everything = tantivy.Query.term_query(index_schema, "config", config)
            clauses.append((tantivy.Occur.Must, tantivy.Query.const_score_query(everything, 0.0)))
        alternatives.append((tantivy.Occur.Should, tantivy.Query.boolean_query(clauses)))
    return tantivy.Query.boolean_query(alternatives) if alternatives else None


@dataclass(frozen=True)
class Filters:
    """What the list is restricted to, applied inside the index. `projects` None: every article (a superuser)."""

    projects: Collection[int] | None = None
    project: int | None = None
    outlet: int | None = None
    language: str | None = None
    published_after: datetime | None = None
    published_before: datetime | None = None


def _configs(language: str | None) -> list[str]:
    return [config_for(language)] if language else list(ALL_CONFIGS)


def has_phrase(text: str, *, language: str | None = None) -> bool:
    """Whether the query wants a phrase (several words in a row, quoted or one hyphenated word) in some language."""
    return any(
        not item.negated and len(_tokens(config, item.text)) > 1
        for group in parse(text)
        for item in group
        for config in _configs(language)
    )


def build_query(index, text: str, *, language: str | None, filters: Filters, relaxed: bool = False):
    index_schema = index.schema
    groups = parse(text)
    parts = []
    for config in _configs(language):
        query = language_query(index_schema, groups, config, relaxed=relaxed)
        if query is not None:
            parts.append((tantivy.Occur.Should, query))
    if not parts:
        return None
    clauses = [(tantivy.Occur.Must, tantivy.Query.boolean_query(parts))]

    def only(query):
        clauses.append((tantivy.Occur.Must, tantivy.Query.const_score_query(query, 0.0)))

    if filters.projects is not None:
        if not filters.projects:
            return None
        only(tantivy.Query.term_set_query(index_schema, "projects", sorted(filters.projects)))
    if filters.project is not None:
        only(tantivy.Query.term_query(index_schema, "projects", filters.project))
    if filters.outlet is not None:
        only(tantivy.Query.term_query(index_schema, "outlet", filters.outlet))
    if filters.language is not None:
        only(tantivy.Query.term_query(index_schema, "language", filters.language))
    if filters.published_after is not None or filters.published_before is not None:
        low = None if filters.published_after is None else _micros(filters.published_after)
        high = None if filters.published_before is None else _micros(filters.published_before)
        only(
            tantivy.Query.range_query(
                index_schema, "published", tantivy.FieldType.Integer, low, high, True, high is None
            )
        )
    return tantivy.Query.boolean_query(clauses)


# Ranked windows: the rows of one page, in (score, id) order, exactly.


@dataclass(frozen=True)
class Window:
    hits: list[tuple[int, float]]  # (article id, score), best first: the page's candidates
    count: int  # documents matching in the index (estimated from a sample when `estimated`)
    position: tuple[float, int] | None = None  # the cursor re-anchored on its row's score now (see `window`)
    estimated: bool = False


def current_score(index, query, article_id: int) -> float | None:
    """The score the row `article_id` has now for `query` (None when it no longer matches): the same sum Tantivy
    makes in the whole search, plus an exact 0."""
    only = tantivy.Query.const_score_query(tantivy.Query.term_query(index.schema, "id", article_id), 0.0)
    anchored = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Must, only)])
    hits = index.searcher().search(anchored, 1, count=False).hits
    return hits[0][0] if hits else None


def _restricted(query, restriction):
    only = tantivy.Query.const_score_query(restriction, 0.0)
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Must, only)])


def _in_sample(index, query):
    """`query` restricted to the 1/SAMPLES of the index whose `sample` is 0 (the intersection is led by that term,
    so only those documents are tested)."""
    return _restricted(query, tantivy.Query.term_query(index.schema, "sample", 0))


def sampled_count(index, query) -> int:
    """How many documents match `query`, estimated from its hits in the sample."""
    return index.searcher().search(_in_sample(index, query), 1, count=True).count * SAMPLES


def matching(index, query, ids: list[int]) -> list[int]:
    """Those of `ids` whose documents match `query` (each one tested, no other)."""
    if not ids:
        return []
    searcher = index.searcher()
    only = tantivy.Query.term_set_query(index.schema, "id", ids)
    hits = searcher.search(_restricted(query, only), len(ids), count=False).hits
    return list(searcher.fast_field_values("id", [address for _, address in hits]))


def window(
    index,
    text: str,
    *,
    language: str | None,
    filters: Filters,
    size: int,
    position: tuple[float, int] | None = None,
    reverse: bool = False,
    alive: Callable[[list[int]], set[int]],
) -> Window | None:
    """The `size + 1` hits after `position` (before it when `reverse`) in the order (score descending, id
    descending), scores compared as Tantivy gives them (4-byte floats, exact in a Python float); None when the
    page lies deeper than MAX_CANDIDATES (the caller takes the GIN path).

    Tantivy's top-n breaks score ties by its own document order, not by id, so the n it returns are only known to
    hold every hit scoring above the n-th score (the floor): those, with `alive` (PostgreSQL's say on which ids
    exist and are visible) applied, are sorted by (score, id), and n grows until the window lies above the floor.

    A phrase of common words is costly to rank: every article holding its words has its positions read. When the
    phrase has many hits (more than PHRASE_SAMPLED_ABOVE, estimated from a sample), the window is ranked by the
    relaxed query (the phrase's words anywhere, which the index scores without reading positions and without
    visiting every match) and only its candidates are tested for the exact query, like `alive`; the count is the
    sample's estimate. Either way every hit of the exact query is in the order, exactly once.
    """
    exact = build_query(index, text, language=language, filters=filters)
    if exact is None:
        return Window([], 0, position)
    query, count, check = exact, None, alive
    if has_phrase(text, language=language):
        estimate = sampled_count(index, exact)
        if estimate > PHRASE_SAMPLED_ABOVE:
            query = build_query(index, text, language=language, filters=filters, relaxed=True)
            count = estimate

            def check(ids: list[int]) -> set[int]:
                exact_ids = matching(index, exact, ids)
                return alive(exact_ids) if exact_ids else set()

    if position is not None:
        # BM25 uses the corpus's statistics, so any commit since the cursor was made shifts every score a little:
        # the walk goes on from where its last row stands now, not from the score it had then.
        now = current_score(index, query, position[1])
        if query is not exact and current_score(index, exact, position[1]) is None:
            now = None  # it no longer holds the phrase
        position = position if now is None else (now, position[1])
    searcher = index.searcher()
    estimated = count is not None
    limit, checked = size + 1, {}
    while True:
        result = searcher.search(query, limit, count=count is None)
        if count is None:
            count = result.count
        scores = [score for score, _ in result.hits]
        ids = searcher.fast_field_values("id", [address for _, address in result.hits])
        exhausted = len(ids) < limit
        floor = -math.inf if exhausted else scores[-1]
        fresh = [article_id for article_id in ids if article_id not in checked]
        living = check(fresh) if fresh else set()
        checked.update((article_id, article_id in living) for article_id in fresh)
        known = sorted(
            ((score, article_id) for score, article_id in zip(scores, ids, strict=True) if checked[article_id]),
            reverse=True,
        )
        if reverse:
            assert position is not None
            before = [hit for hit in known if hit > position]
            if exhausted or floor < position[0]:
                hits = [(article_id, score) for score, article_id in before[-(size + 1) :]]
                return Window(hits, count, position, estimated)
        else:
            after = [hit for hit in known if position is None or hit < position]
            complete = [hit for hit in after if hit[0] > floor]
            if exhausted or len(complete) >= size + 1:
                hits = [(article_id, score) for score, article_id in complete[: size + 1]]
                return Window(hits, count, position, estimated)
        if limit >= MAX_CANDIDATES:
            return None
        limit = min(limit * 4, MAX_CANDIDATES)


def _best(index, query, *, count: bool = True) -> tuple[list[tuple[float, int]], int]:
    """The best MAX_CANDIDATES hits of `query` as (score, id), in Tantivy's order, and how many match (when
    `count`; else 0)."""
    searcher = index.searcher()
    result = searcher.search(query, MAX_CANDIDATES, count=count)
    ids = searcher.fast_field_values("id", [address for _, address in result.hits])
    return list(zip([score for score, _ in result.hits], ids, strict=True)), result.count or 0


def every_hit(index, text: str, *, filters: Filters) -> list[int] | None:
    """The ids of every hit, best first ((score, id) descending); None when there are more than MAX_CANDIDATES."""
    query = build_query(index, text, language=None, filters=filters)
    if query is None:
        return []
    hits, total = _best(index, query)
    return None if total > len(hits) else [article_id for _, article_id in sorted(hits, reverse=True)]


def sampled_hits(index, text: str, *, filters: Filters, language: str | None = None) -> list[int]:
    """The ids of every hit in the 1/SAMPLES of the index whose `sample` is 0 (at most MAX_CANDIDATES): how many of
    them pass a check PostgreSQL holds, times SAMPLES, estimates how many of all hits do."""
    query = build_query(index, text, language=language, filters=filters)
    if query is None:
        return []
    return [article_id for _, article_id in _best(index, _in_sample(index, query), count=False)[0]]


def count_among(index, text: str, ids: list[int], *, filters: Filters, language: str | None = None) -> int:
    """How many of the documents `ids` match the search (the index tests those only)."""
    query = build_query(index, text, language=language, filters=filters)
    if query is None or not ids:
        return 0
    only = tantivy.Query.term_set_query(index.schema, "id", ids)
    return index.searcher().search(_restricted(query, only), 1, count=True).count


def candidates(index, text: str, *, filters: Filters, language: str | None = None) -> tuple[list[int], int]:
    """The ids of the best MAX_CANDIDATES hits (in no useful order) and how many hits there are in all: what a
    list whose filters the index does not all hold counts its rows among."""
    query = build_query(index, text, language=language, filters=filters)
    if query is None:
        return [], 0
    hits, total = _best(index, query)
    return [article_id for _, article_id in hits], total


# Keeping it in step: the job drains the queue; a rebuild makes a new generation from the table.


class _Exclusive:
    """PostgreSQL's session lock that a rebuild holds and the job waits for (they never write the index together)."""

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK])

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK])


def drain(*, batch: int = 2000) -> int:
    """Apply every queued article to the current generation (without one, just empty the queue: the next rebuild
    reads the table). Returns how many queue entries were applied. Idempotent: each entry re-reads the article."""
    from django.db import transaction

    applied = 0
    with _Exclusive():
        token = current_token() if tantivy is not None else None
        directory = root() / token if token else None
        writer = new_writer(_open(directory)) if directory is not None and directory.is_dir() else None
        try:
            while True:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT id, article_id FROM articles_searchindexqueue ORDER BY id LIMIT %s"
                        " FOR UPDATE SKIP LOCKED",
                        [batch],
                    )
                    entries = cursor.fetchall()
                    if not entries:
                        break
                    if writer is not None:
                        apply(writer, sorted({article_id for _, article_id in entries}))
                        writer.commit()
                    cursor.execute(
                        "DELETE FROM articles_searchindexqueue WHERE id = ANY(%s)", [[entry for entry, _ in entries]]
                    )
                    applied += len(entries)
        finally:
            if writer is not None:
                writer.wait_merging_threads()
    return applied


def rebuild(*, batch: int = 5000, progress: Callable[[int, int], None] | None = None) -> str:
    """Index every article into a new generation, committing every `batch` articles, then make it current.
    Changes made meanwhile stay queued and the job applies them to the new generation after."""
    from django.db import transaction

    with _Exclusive():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM articles_searchindexqueue")  # what it held is in the table read below
            cursor.execute("SELECT count(*) FROM articles_article")
            total = cursor.fetchone()[0]
        token, index = new_generation()
        writer = new_writer(index)
        done, last = 0, 0
        while True:
            with transaction.atomic():
                batch_rows = rows("WHERE a.id > %s ORDER BY a.id LIMIT %s", [last, batch])
            if not batch_rows:
                break
            for row in batch_rows:
                writer.add_document(document(row))
            writer.commit()
            done, last = done + len(batch_rows), batch_rows[-1].id
            if progress is not None:
                progress(done, total)
        writer.wait_merging_threads()
        publish(token)
    return token


def size_on_disk() -> int:
    """Bytes of the current generation's files."""
    token = current_token()
    if token is None:
        return 0
    return sum(path.stat().st_size for path in (root() / token).rglob("*") if path.is_file())
