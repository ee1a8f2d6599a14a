"""The token bounds agreement counts with, kept in PostgreSQL (`TokenIndex`) so that a text is tokenised once."""

from __future__ import annotations

import sys
from array import array

from django.db import connection

from annotations.agreement import token_bounds

Bounds = tuple[list[int], list[int]]

# Each article's text, the md5 of it, and its kept bounds when they were computed from that text (else NULL).
READ = """
SELECT a.id, a.text, a.digest, t.bounds
FROM (SELECT id, text, md5(text) AS digest FROM articles_article WHERE id = ANY(%s)) AS a
LEFT JOIN annotations_tokenindex t ON t.article_id = a.id AND t.text_md5 = a.digest
ORDER BY a.id
"""

WRITE = """
INSERT INTO annotations_tokenindex (article_id, text_md5, bounds)
SELECT * FROM unnest(%s::bigint[], %s::text[], %s::bytea[])
ON CONFLICT (article_id) DO UPDATE SET text_md5 = EXCLUDED.text_md5, bounds = EXCLUDED.bounds
"""


def _pack(starts: list[int], ends: list[int]) -> bytes:
    """The starts, then the ends, as little-endian 32-bit integers."""
    packed = array("i", starts + ends)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def _unpack(data: bytes) -> Bounds:
    values = array("i")
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    half = len(values) // 2
    return values[:half].tolist(), values[half:].tolist()


def texts_and_tokens(article_ids: list[int]) -> tuple[dict[int, str], dict[int, Bounds]]:
    """The texts of the articles and their token bounds: the kept ones where the text is still the one they were
    computed from (its md5), the others computed now and kept. One query when every article has its bounds kept."""
    texts: dict[int, str] = {}
    tokens: dict[int, Bounds] = {}
    ids, digests, packed = [], [], []
    with connection.cursor() as cursor:
        cursor.execute(READ, [list(article_ids)])
        for article_id, text, digest, kept in cursor.fetchall():
            texts[article_id] = text
            if kept is not None:
                tokens[article_id] = _unpack(bytes(kept))
                continue
            tokens[article_id] = token_bounds(text)
            ids.append(article_id)
            digests.append(digest)
            packed.append(_pack(*tokens[article_id]))
        if ids:
            cursor.execute(WRITE, [ids, digests, packed])
    return texts, tokens


def keep_tokens(article_ids: list[int]) -> None:
    """Compute and keep the token bounds of these articles where they are not kept yet (on submission)."""
    texts_and_tokens(article_ids)
