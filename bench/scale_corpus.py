# ruff: noqa: RUF001, SIM905 -- Cyrillic and Arabic syllables on purpose
"""The scale bench's corpus: multilingual generated articles, generated and written with COPY by parallel workers.

Worker processes (one more than the cores by default) each generate a chunk (numpy draws, a precomputed inflected
vocabulary per language; the chunk seeded by its position, so the corpus does not depend on the number of workers)
and COPY it on their own connection, through the tables' own triggers (invariants, history, facets, export lines):
the database's share of the work (the generated search column, TOAST) runs on every core. The non-unique indexes
of `articles_article` are dropped during the load and built again after it (one sorted build each instead of one
entry per row), with `maintenance_work_mem` raised for that.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import sys
import time

import numpy as np

LANGUAGES = [("en", 50), ("ru", 15), ("ar", 10), ("fr", 8), ("es", 7), ("de", 5), ("tr", 3), ("uk", 2)]
SYLLABLES = {
    "latin": "ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru sa se si so "
    "su ta te ti to tu va ve vi vo za ze zi zo tra tre tri pro pre gra gre ster ment tion".split(),
    "cyrillic": "ба бе би бо бу ка ке ки ко ку ла ле ли ло лу ма ме ми мо му на не ни но ну ра ре ри ро ру са се си со "
    "су та те ти то ту ва ве ви во за зе зи зо тра тре при про гра ство ние ция".split(),
    "arabic": "با بي بو تا تي تو سا سي سو لا لي لو ما مي مو نا ني نو را ري رو كا كي كو ها هي هو فا في فو قا قي قو "
    "عا عي عو".split(),
}
SCRIPT = {"ru": "cyrillic", "uk": "cyrillic", "ar": "arabic"}
ENDINGS = {"ru": ["", "а", "ы", "ом", "ами", "ах"], "uk": ["", "а", "и"], "ar": ["", "ات", "ون"], "en": ["", "s"]}
VOCABULARY = 20_000
CHUNK = 2_000
MENTION = "Wagner Group fighters were seen. "

ARTICLE_COLUMNS = ["id", "snapshot_id", "outlet_id", "url", "canonical_url", "title", "byline", "published_at",
                   "language", "lead", "text", "text_sha256", "metadata", "created_at"]  # fmt: skip
SNAPSHOT_COLUMNS = ["id", "raw", "sha256", "size", "content_type", "encoding", "source_url", "filename",
                    "http_headers", "captured_at", "imported_at"]  # fmt: skip
ANNOTATION_COLUMNS = ["id", "project_id", "article_id", "label_id", "annotator_id", "start", "end", "quote", "prefix",
                      "suffix", "status", "note", "attributes", "created_at", "updated_at"]  # fmt: skip


def vocabulary(language: str, rng: random.Random) -> list[str]:
    syllables, words, seen = SYLLABLES[SCRIPT.get(language, "latin")], [], set()
    while len(words) < VOCABULARY:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


# Set in the parent before the workers fork: the vocabularies and the ids the rows refer to.
_SETUP: dict = {}


def _prepare(seed: int, context: dict) -> dict[str, list[str]]:
    rng = random.Random(seed)
    vocab = {code: vocabulary(code, rng) for code, _ in LANGUAGES}
    weights = 1 / np.arange(1, VOCABULARY + 1)
    _SETUP.clear()
    _SETUP.update(
        context,
        seed=seed,
        vocab={code: np.array(words, dtype=object) for code, words in vocab.items()},
        inflected={
            code: np.array([w + e for w in words for e in ENDINGS.get(code, [""])], dtype=object)
            for code, words in vocab.items()
        },
        cumulative=np.cumsum(weights) / weights.sum(),
        shares=np.array([share for _, share in LANGUAGES], dtype=float) / sum(s for _, s in LANGUAGES),
    )
    return vocab


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def _sentence(tokens: list[str]) -> str:
    line = " ".join(tokens)
    return line[0].upper() + line[1:] + "."


def build_chunk(first: int) -> tuple[int, dict[str, str]]:
    """Rows `first`..`first + CHUNK` (capped at the corpus size) as COPY text per table."""
    s = _SETUP
    count = min(CHUNK, s["count"] - first)
    rng = np.random.default_rng([s["seed"], first])
    codes = [code for code, _ in LANGUAGES]
    languages = rng.choice(len(codes), size=count, p=s["shares"])
    lengths = rng.integers(450, 601, size=count)
    total = int(lengths.sum())
    words = np.searchsorted(s["cumulative"], rng.random(total) * s["cumulative"][-1])
    words = np.minimum(words, VOCABULARY - 1)
    ending_draw, topic_draw, topic_pick = rng.random(total), rng.random(total), rng.integers(0, 5, size=total)
    topics = rng.integers(50, 3001, size=(count, 5))
    title_picks = np.argsort(rng.random((count, 5)), axis=1)[:, :3]
    mentions = rng.random(count) < 0.05
    outlets = rng.integers(0, len(s["outlets"]), size=count)
    years, months = rng.integers(15, 25, size=count), rng.integers(1, 13, size=count)
    days = rng.integers(1, 29, size=count)
    now = s["now"]
    articles, snapshots, links, spans, actor_links = [], [], [], [], []
    offset = 0
    for n in range(count):
        index = first + n
        code = codes[languages[n]]
        endings = len(ENDINGS.get(code, [""]))
        span = slice(offset, offset + int(lengths[n]))
        offset = span.stop
        topic = s["vocab"][code][topics[n]]
        chosen = words[span] * endings + (ending_draw[span] * endings).astype(np.int64)
        tokens = s["inflected"][code][chosen]
        replace = topic_draw[span] < 0.03
        tokens[replace] = topic[topic_pick[span][replace]]
        tokens = tokens.tolist()
        sentences = [_sentence(tokens[i : i + 15]) for i in range(0, len(tokens), 15)]
        text = "\n\n".join(" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5))
        title = _sentence(list(topic[title_picks[n]]))[:-1]
        article_id, snapshot_id = s["article_id"] + index, s["snapshot_id"] + index
        if mentions[n]:
            text = MENTION + text
            annotation_id = s["annotation_id"] + index
            spans.append(f"{annotation_id}\t{s['project']}\t{article_id}\t{s['label']}\t{s['coder']}\t0\t12\t"
                         f"Wagner Group\t\t{text[12:44]}\tdraft\t\t{{}}\t{now}\t{now}\n")  # fmt: skip
            actor_links.append(f"{annotation_id}\t{s['actor']}\n")
        raw = f"scale {index}".encode()
        published = f"20{years[n]}-{months[n]:02d}-{days[n]:02d}T12:00:00Z"
        snapshots.append(f"{snapshot_id}\t\\\\x{raw.hex()}\t{hashlib.sha256(raw).hexdigest()}\t{len(raw)}\t"
                         f"text/plain\tutf-8\t\t\t{{}}\t{now}\t{now}\n")  # fmt: skip
        articles.append(f"{article_id}\t{snapshot_id}\t{s['outlets'][outlets[n]]}\t\t\t{_escape(title)}\t\t"
                        f"{published}\t{code}\t\t{_escape(text)}\t{hashlib.sha256(text.encode()).hexdigest()}\t"
                        f"{{}}\t{now}\n")  # fmt: skip
        links.append(f"{s['project']}\t{article_id}\n")
    return count, {
        "snapshots": "".join(snapshots),
        "articles": "".join(articles),
        "links": "".join(links),
        "spans": "".join(spans),
        "actor_links": "".join(actor_links),
    }


def _copy(cursor, table: str, columns: list[str], data: str) -> None:
    if not data:
        return
    quoted = ", ".join(f'"{column}"' for column in columns)
    with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as stream:
        stream.write(data)


_CONNECTION = []


def load_chunk(first: int) -> tuple[int, float, float]:
    """Generate one chunk and COPY it in on this worker's own connection, in one transaction: the heavy tables
    (snapshots, articles: their generated search column) in parallel with the other workers, then the project
    links and spans one worker at a time (an advisory lock), so that the facet triggers' row locks never deadlock.
    Returns the rows, the generation seconds and the COPY seconds."""
    import psycopg

    started = time.perf_counter()
    written, chunk = build_chunk(first)
    generated = time.perf_counter()
    if not _CONNECTION:
        _CONNECTION.append(psycopg.connect(_SETUP["url"]))
    connection = _CONNECTION[0]
    with connection.transaction(), connection.cursor() as cursor:
        _copy(cursor, "articles_snapshot", SNAPSHOT_COLUMNS, chunk["snapshots"])
        _copy(cursor, "articles_article", ARTICLE_COLUMNS, chunk["articles"])
        cursor.execute("SELECT pg_advisory_xact_lock(1313)")
        _copy(cursor, "annotations_project_articles", ["project_id", "article_id"], chunk["links"])
        _copy(cursor, "annotations_annotation", ANNOTATION_COLUMNS, chunk["spans"])
        _copy(cursor, "annotations_actorlink", ["annotation_id", "actor_id"], chunk["actor_links"])
    return written, generated - started, time.perf_counter() - generated


def _deferrable_indexes(cursor) -> list[tuple[str, str]]:
    """Secondary indexes of the article table that no constraint needs during the load (not unique): name and
    definition, so they can be dropped and built again whatever the search storage is at the time. (Keeping the
    GIN index with a 256 MB pending list instead: 537 vs 970 articles/s in, and a GIN index 5x larger.)"""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = 'articles_article'::regclass AND NOT x.indisunique AND NOT x.indisprimary"
    )
    return cursor.fetchall()


def load(count: int, *, url: str, seed: int, context: dict, workers: int | None = None) -> dict:
    """COPY `count` articles in with `workers` processes, each generating and writing its chunks; returns the
    vocabularies and the timings."""
    import psycopg

    vocab = _prepare(seed, {**context, "count": count, "url": url})
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection, connection.cursor() as cursor:
        for table, key in (("articles_article", "article_id"), ("articles_snapshot", "snapshot_id"),
                           ("annotations_annotation", "annotation_id")):  # fmt: skip
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 (constant names)
            _SETUP[key] = cursor.fetchone()[0]
        indexes = _deferrable_indexes(cursor)
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        try:
            generating = copying = 0.0
            done = 0
            # One more worker than cores: while one generates its next chunk, the others' servers keep every core.
            with multiprocessing.get_context("fork").Pool(workers or (os.cpu_count() or 1) + 1) as pool:
                for written, generation, copy in pool.imap_unordered(load_chunk, range(0, count, CHUNK)):
                    generating, copying, done = generating + generation, copying + copy, done + written
                    if done % 20_000 < CHUNK or done == count:
                        rate = done / (time.perf_counter() - started)
                        print(f"  {done:,} articles in ({rate:,.0f}/s)", file=sys.stderr)
            timings["rows in (s)"] = time.perf_counter() - started
            timings["workers generating (s, summed)"] = generating
            timings["workers in COPY (s, summed)"] = copying
        finally:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for name, definition in indexes:
                index_started = time.perf_counter()
                cursor.execute(definition)
                timings[f"index {name} (s)"] = time.perf_counter() - index_started
        for table in ("articles_snapshot", "articles_article", "annotations_annotation"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608
    timings["total (s)"] = time.perf_counter() - started
    return {"vocab": vocab, "timings": timings}
