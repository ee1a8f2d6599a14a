"""The embedded PostgreSQL helper survives what a killed process leaves behind."""

import json

from newsarchive import db


def test_empty_handle_file_is_dropped(tmp_path):
    (tmp_path / ".handle_pids.json").write_text("")
    db._repair_pid_bookkeeping(tmp_path)
    assert not (tmp_path / ".handle_pids.json").exists()


def test_readable_handle_file_is_kept(tmp_path):
    (tmp_path / ".handle_pids.json").write_text(json.dumps([123]))
    db._repair_pid_bookkeeping(tmp_path)
    assert (tmp_path / ".handle_pids.json").exists()


def test_stale_postmaster_pid_counts_as_not_running(tmp_path):
    (tmp_path / "postmaster.pid").write_text("999999999\n/tmp\n")
    assert db._postmaster_pid(tmp_path) is None
    (tmp_path / "postmaster.pid").write_text("")
    assert db._postmaster_pid(tmp_path) is None


def test_extract_without_database_url_starts_no_database(tmp_path):
    """`extract` needs no database: with DATABASE_URL unset it must not start (nor create) the embedded server."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    page = tmp_path / "page.html"
    body = "Shelling hit the central market of the city on Tuesday morning, local officials said. " * 3
    page.write_text(f"<html><head><title>Market shelled</title></head><body><article><p>{body}</p></article></body>")
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["NEWSARCHIVE_PGDATA"] = str(pgdata)

    try:
        done = subprocess.run(
            [sys.executable, "manage.py", "extract", "--jsonl", str(page)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        preview = json.loads(done.stdout)
        assert preview["title"] == "Market shelled"
        assert preview["text"] == body.strip()
        assert list(pgdata.iterdir()) == []  # no initdb, no postmaster.pid: nothing was started
    finally:
        if (pgdata / "postmaster.pid").exists():  # the bug came back: do not leave a server running
            subprocess.run([sys.executable, "-m", "newsarchive.db", "stop"], cwd=root, env=env, timeout=60)
