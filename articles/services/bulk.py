"""Bulk writes of a chunk: ids taken up front, snapshots by binary COPY, outlets and project links in one query each."""

from __future__ import annotations

import datetime as dt
import io
import json
import struct
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.db import connection
from django.utils import timezone

from articles.importers import PreparedItem
from articles.models import Article, Outlet, Snapshot
from projects.models import Project


def add_to_project(project: Project | None, article_ids: Iterable[int | None]) -> None:
    """Put the articles in the project (an already archived page a researcher imports belongs there too)."""
    if project is None:
        return
    through = Project.articles.through
    links = [through(project_id=project.pk, article_id=article_id) for article_id in set(article_ids) if article_id]
    if links:
        through.objects.bulk_create(links, ignore_conflicts=True)


def reserve_ids(model: type[Article] | type[Snapshot], count: int) -> list[int]:
    """Take ids from the table's sequence up front, so rows of one chunk can point at each other."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


_PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_SNAPSHOT_COLUMNS = (
    "id",
    "raw",
    "sha256",
    "size",
    "content_type",
    "encoding",
    "source_url",
    "filename",
    "http_headers",
    "captured_at",
    "imported_at",
    "import_batch",
)


def insert_snapshots(snapshots: list[Snapshot]) -> None:
    """Insert snapshots (ids given) with a binary COPY.

    As SQL literals the archived bytes travel as hex text that PostgreSQL has to parse back: for 200 KB pages
    that costs more than everything else an import writes. Binary COPY sends them as they are. The table's
    constraints (sha256 and size match the bytes, sha256 unique) hold for COPY as for INSERT.
    """
    with connection.cursor() as cursor:
        driver_cursor = getattr(cursor, "cursor", None)
        copy_expert = getattr(driver_cursor, "copy_expert", None)  # psycopg2
        copy = getattr(driver_cursor, "copy", None)  # psycopg 3
        if copy_expert is None and copy is None:  # another driver: the ordinary way
            Snapshot.objects.bulk_create(snapshots)
            return
        fields = [Snapshot._meta.get_field(name) for name in _SNAPSHOT_COLUMNS]
        data = io.BytesIO()
        data.write(_COPY_SIGNATURE)
        for snapshot in snapshots:
            data.write(struct.pack("!h", len(fields)))
            for field in fields:
                data.write(_copy_value(getattr(snapshot, field.attname)))
        data.write(struct.pack("!h", -1))
        data.seek(0)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        table = connection.ops.quote_name(Snapshot._meta.db_table)
        statement = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT binary)"
        with connection.wrap_database_errors:  # the driver's errors become Django's, as for any query
            if copy_expert is not None:
                copy_expert(statement, data)
            else:
                with copy(statement) as stream:
                    stream.write(data.getvalue())


def _copy_value(value: Any) -> bytes:
    """One field in PostgreSQL's binary COPY format (bytea, text, bigint, jsonb, timestamptz or NULL)."""
    if value is None:
        return struct.pack("!i", -1)
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
    elif isinstance(value, bool):
        raise TypeError("no boolean columns are copied")
    elif isinstance(value, int):
        return struct.pack("!iq", 8, value)
    elif isinstance(value, dt.datetime):
        delta = aware(value) - _PG_EPOCH
        return struct.pack("!iq", 8, (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)
    elif isinstance(value, dict):
        data = b"\x01" + json.dumps(value, ensure_ascii=False).encode("utf-8")  # jsonb: version 1, then the text
    else:
        data = str(value).encode("utf-8")
    return struct.pack("!i", len(data)) + data


def outlet_domain(item: PreparedItem) -> str:
    """The item's outlet as a domain: the page's own, else its URL's or its canonical URL's host, without www."""
    domain = item.article.outlet_domain or _host(item.url) or _host(item.article.canonical_url)
    return domain.lower().removeprefix("www.")[:253]


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def outlet_ids(items: list[PreparedItem]) -> dict[str, int]:
    """The outlet of each domain, created when it is new (by name from the page, or the domain)."""
    names: dict[str, str] = {}
    for item in items:
        domain = outlet_domain(item)
        if domain:
            names.setdefault(domain, (item.article.outlet_name or domain)[:200])
    if not names:
        return {}
    found = dict(Outlet.objects.filter(domain__in=names).values_list("domain", "id"))
    missing = [domain for domain in names if domain not in found]
    if missing:
        Outlet.objects.bulk_create(
            [Outlet(domain=domain, name=names[domain]) for domain in missing], ignore_conflicts=True
        )
        found.update(Outlet.objects.filter(domain__in=missing).values_list("domain", "id"))
    return found


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """The time itself, a naive one taken as UTC."""
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, dt.UTC)
