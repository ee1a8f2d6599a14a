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
