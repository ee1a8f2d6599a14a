"""The embedded PostgreSQL server used when DATABASE_URL is unset, and creating a missing database.

Run as a script for the Makefile: ``python -m newsarchive.db start|stop|status|ensure``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
EMBEDDED_DATA_DIR = Path(os.environ.get("NEWSARCHIVE_PGDATA", BASE_DIR / ".pgdata"))
DEFAULT_DATABASE = "newsarchive"


def _repair_pid_bookkeeping(datadir: Path) -> None:
    """Drop pgserver's handle list when a killed process left it empty or unreadable."""
    handles = datadir / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        json.loads(handles.read_text() or "x")
    except (ValueError, OSError):
        handles.unlink(missing_ok=True)


def _postmaster_pid(datadir: Path) -> int | None:
    """The running postmaster's PID from postmaster.pid, or None when absent, empty or stale."""
    pidfile = datadir / "postmaster.pid"
    try:
        first_line = pidfile.read_text().splitlines()[0]
        pid = int(first_line.strip())
        os.kill(pid, 0)
    except (OSError, IndexError, ValueError):
        return None
    return pid


def start_embedded(database: str = DEFAULT_DATABASE) -> str:
    """Start (or reuse) the embedded server, create `database` when missing, and return its URL."""
    import warnings

    # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; the fallback it picks is fine.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    import pgserver  # imported here: only the embedded path needs it

    EMBEDDED_DATA_DIR.mkdir(parents=True, exist_ok=True)
    _repair_pid_bookkeeping(EMBEDDED_DATA_DIR)
    if _postmaster_pid(EMBEDDED_DATA_DIR) is None:
        (EMBEDDED_DATA_DIR / "postmaster.pid").unlink(missing_ok=True)
    server = pgserver.get_server(EMBEDDED_DATA_DIR, cleanup_mode=None)
    url = server.get_uri(database)
    ensure_database(url)
    return url


def stop_embedded() -> bool:
    """Stop the embedded server by SIGINT to its postmaster; True when one was running."""
    pid = _postmaster_pid(EMBEDDED_DATA_DIR)
    if pid is None:
        return False
    os.kill(pid, signal.SIGINT)
    for _ in range(100):
        if _postmaster_pid(EMBEDDED_DATA_DIR) is None:
            break
        time.sleep(0.1)
    (EMBEDDED_DATA_DIR / ".handle_pids.json").unlink(missing_ok=True)
    return True


def ensure_database(url: str) -> None:
    """Create the database named in `url` when it does not exist yet."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    connection = psycopg2.connect(maintenance)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


_socket_dir: str | None = None


def embedded_socket_dir() -> str:
    """The embedded server's socket folder, starting the server (once per process) when it is not running."""
    global _socket_dir
    if _socket_dir is None:
        _socket_dir = parse_qs(urlsplit(start_embedded()).query)["host"][0]
    return _socket_dir


def database_settings() -> dict:
    """Django's DATABASES["default"]: DATABASE_URL, or the embedded server, which starts at the first connection."""
    import dj_database_url

    if os.environ.get("DATABASE_URL"):
        return dict(dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60))
    return dict(
        dj_database_url.parse(
            f"postgresql://postgres@/{DEFAULT_DATABASE}", engine="newsarchive.embedded", conn_max_age=60
        )
    )


def database_url() -> str:
    """DATABASE_URL when set, otherwise the embedded server's URL (started on demand)."""
    return os.environ.get("DATABASE_URL") or start_embedded()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        print(f"embedded PostgreSQL running: {start_embedded()}")
    elif command == "stop":
        print("embedded PostgreSQL stopped" if stop_embedded() else "embedded PostgreSQL was not running")
    elif command == "ensure":
        url = database_url()
        if os.environ.get("DATABASE_URL"):
            ensure_database(url)
        parts = urlsplit(url)
        where = f"{parts.hostname}:{parts.port or 5432}" if parts.hostname else f"embedded, {EMBEDDED_DATA_DIR}"
        print(f"database {parts.path.lstrip('/')} ready ({where})")
    elif command == "status":
        pid = _postmaster_pid(EMBEDDED_DATA_DIR)
        print(f"embedded PostgreSQL: {f'running, pid {pid}' if pid else 'not running'}")
    else:
        print("usage: python -m newsarchive.db start|stop|status|ensure", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
