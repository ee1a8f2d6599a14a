"""Archived bytes are compressed with lz4 where the server has it, and read back unchanged."""

from django.db import connection

from tests.factories import SnapshotFactory


def test_archived_bytes_use_lz4_where_available_and_read_back_exactly(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        lz4_available = cursor.fetchone()[0]
        cursor.execute(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = 'articles_snapshot'::regclass AND attname = 'raw'"
        )
        compression = cursor.fetchone()[0]
    assert compression == ("l" if lz4_available else "")
    raw = bytes(range(256)) * 4000  # ~1 MB: large enough to be compressed out of line
    snapshot = SnapshotFactory(raw=raw)
    snapshot.refresh_from_db()
    assert bytes(snapshot.raw) == raw
