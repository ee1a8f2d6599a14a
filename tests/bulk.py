"""Many articles in one statement (INSERT ... SELECT over generate_series), for tests that need thousands of rows."""

from __future__ import annotations

from django.db import connection


def bulk_articles(
    project,
    count: int,
    *,
    text: str = "Ceasefire talks in Geneva resumed on Friday.",
    title: str = "Ceasefire talks",
    language: str = "en",
    outlets: list | None = None,
    days: int = 3,
) -> list[int]:
    """`count` articles in `project` sharing `text` and `title` (so equal search ranks), spread over `days` dates
    and round-robin over `outlets`; their ids, ascending."""
    outlet_ids = [outlet.pk for outlet in outlets] if outlets else [None]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH snapshots AS (
                INSERT INTO articles_snapshot (raw, sha256, size, content_type, encoding, source_url, filename,
                                               http_headers, captured_at, imported_at)
                SELECT convert_to(page, 'UTF8'), encode(sha256(convert_to(page, 'UTF8')), 'hex'),
                       octet_length(convert_to(page, 'UTF8')), 'text/plain', 'utf-8', '', '', '{}', now(), now()
                FROM (SELECT n, 'bulk page ' || n || ' ' || gen_random_uuid() AS page
                      FROM generate_series(1, %(count)s) AS n) AS pages
                RETURNING id
            ), numbered AS (
                SELECT id AS snapshot_id, row_number() OVER (ORDER BY id) AS n FROM snapshots
            ), articles AS (
                INSERT INTO articles_article (snapshot_id, outlet_id, url, canonical_url, title, byline, published_at,
                                              language, lead, text, text_sha256, metadata, created_at)
                SELECT snapshot_id, (%(outlets)s::bigint[])[1 + n %% cardinality(%(outlets)s::bigint[])],
                       '', '', %(title)s, '', timestamptz '2024-01-01' + (n %% %(days)s) * interval '1 day',
                       %(language)s, '', %(text)s, encode(sha256(convert_to(%(text)s, 'UTF8')), 'hex'), '{}',
                       timestamptz '2024-06-01' + (n %% 5) * interval '1 hour'
                FROM numbered
                RETURNING id
            ), linked AS (
                INSERT INTO annotations_project_articles (project_id, article_id)
                SELECT %(project)s, id FROM articles RETURNING article_id
            )
            SELECT article_id FROM linked ORDER BY article_id
            """,
            {
                "count": count,
                "outlets": outlet_ids,
                "title": title,
                "language": language,
                "text": text,
                "days": days,
                "project": project.pk,
            },
        )
        return [row[0] for row in cursor.fetchall()]
