"""Decompression bombs (issue 11): every decompressor streams under the size cap and stops at it.

The import runs in a subprocess whose peak resident memory (VmHWM) is measured: a gzip member, a JSON Lines
line, a WARC record and a fetched page that each inflate to 1 GiB must fail alone, with a message naming the cap,
while the good items beside them are imported, and the process must stay far below the gigabyte.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from django.conf import settings

from articles.models import Article, ImportBatch, Snapshot
from tests.articles.bombs import MiB, warc_response_head, write_gzip_member
from tests.localhttp import serving

ROOT = Path(__file__).resolve().parents[2]
GiB = 1024 * MiB
CAP = 20 * MiB
PEAK_GROWTH_LIMIT = 200 * MiB
PARAGRAPH = "Shelling hit the central market of the city on Tuesday morning, local officials said, killing four. "

DRIVER = """
import io, json, os, sys
import django
django.setup()
from django.core.management import call_command
from django.core.management.base import CommandError

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024

baseline = status("VmRSS")
out = io.StringIO()
try:
    call_command("import_articles", *sys.argv[1:], "--jobs", "1", stdout=out, stderr=io.StringIO())
except CommandError as error:
    print(f"exit: {error}", file=sys.stderr)
print(json.dumps({"baseline": baseline, "peak": status("VmHWM"), "summary": out.getvalue()}))
"""


def good_page(title: str) -> bytes:
    paragraph = f"{title}: {PARAGRAPH}"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1><p>{paragraph * 3}</p><p>{paragraph * 2}</p></article></body></html>"
    ).encode()


def build_bombs(folder: Path) -> dict[str, Path]:
    """A page whose second gzip member is 1 GiB, a JSON Lines file with a 1 GiB line, a WARC with a 1 GiB record."""
    page = folder / "bomb.html.gz"
    with page.open("wb") as out:
        out.write(gzip.compress(good_page("Harmless first member")[: -len(b"</html>")]))
        write_gzip_member(out, fill=b" ", size=GiB, tail=b"</html>")

    feed = folder / "feed.jsonl.gz"
    first = json.dumps({"url": "https://wire.example.com/1", "text": "Talks resumed in Geneva.", "title": "Geneva"})
    last = json.dumps({"url": "https://wire.example.com/3", "text": "A ceasefire was announced.", "title": "Truce"})
    with feed.open("wb") as out:
        write_gzip_member(
            out,
            head=(first + '\n{"url": "https://wire.example.com/2", "title": "Huge", "text": "').encode(),
            fill=b"a",
            size=GiB,
            tail=('"}\n' + last + "\n").encode(),
        )

    warc = folder / "crawl.warc.gz"
    with warc.open("wb") as out:
        write_gzip_member(
            out,
            head=warc_response_head("https://huge.example.com/", payload_size=GiB),
            fill=b" ",
            size=GiB,
            tail=b"\r\n\r\n",
        )
        small = good_page("Small record after the huge one")
        out.write(
            gzip.compress(
                warc_response_head("https://small.example.com/", payload_size=len(small)) + small + b"\r\n\r\n"
            )
        )
    return {"page": page, "feed": feed, "warc": warc}


class BombServer(BaseHTTPRequestHandler):
    """Answers every request with a 1 MB gzip body that inflates to 1 GiB, sent as Content-Encoding: gzip."""

    body = b""  # set by the test: built once, about 1 MB

    def do_GET(self):
        body = self.body
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.django_db(transaction=True)
def test_decompression_bombs_fail_alone_at_the_cap_in_bounded_memory(tmp_path):
    files = build_bombs(tmp_path)
    good = tmp_path / "good.html"
    good.write_bytes(good_page("A good page beside the bombs"))
    assert sum(path.stat().st_size for path in files.values()) < 5 * MiB  # what the hostile user uploads

    bomb = io.BytesIO()
    write_gzip_member(bomb, head=b"<html><body>", fill=b" ", size=GiB, tail=b"</body></html>")
    BombServer.body = bomb.getvalue()
    with serving(BombServer) as base:
        database = settings.DATABASES["default"]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "newsarchive.settings",
            "DATABASE_URL": f"postgresql://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "NEWSARCHIVE_IMPORT_MAX_BYTES": str(CAP),
            "NEWSARCHIVE_FETCH_MAX_BYTES": str(CAP),
            "NEWSARCHIVE_FETCH_ALLOWED_ADDRESSES": "127.0.0.1",
        }
        arguments = [str(good), *(str(path) for path in files.values()), f"{base}/bomb"]
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    growth = report["peak"] - report["baseline"]
    print(f"peak resident memory grew by {growth / MiB:.0f} MB while inflating 4 x 1 GiB")
    assert growth < PEAK_GROWTH_LIMIT, f"peak memory grew by {growth / MiB:.0f} MB"

    items = {row["item"]: row for row in ImportBatch.objects.get().items}
    assert items[str(good)]["outcome"] == "imported"
    assert items[str(files["page"])]["message"] == "file is larger than the 20 MB import limit once decompressed"
    assert items[f"{files['feed']} line 2"]["message"] == "line 2: the line is larger than the 20 MB import limit"
    assert [items[f"{files['feed']} line {n}"]["outcome"] for n in (1, 3)] == ["imported", "imported"]
    huge_record = items[f"{files['warc']} record 1 https://huge.example.com/"]
    assert huge_record["message"] == "the record is larger than the 20 MB import limit"
    assert items[f"{files['warc']} record 2 https://small.example.com/"]["outcome"] == "imported"
    assert items[f"{base}/bomb"]["message"] == f"the page at {base}/bomb is larger than the 20 MB limit"
    # Nothing of a bomb was written; the four good items were.
    assert Snapshot.objects.count() == Article.objects.count() == 4
    assert not Article.objects.filter(url__in=["https://wire.example.com/2", "https://huge.example.com/"]).exists()
