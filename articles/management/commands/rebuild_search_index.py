"""Rebuild the Tantivy search index from the article table (or mark it stale, so searches take the GIN path)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from articles import search_index


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000, help="Articles per index commit (default 5000)")
        parser.add_argument(
            "--disable", action="store_true", help="Only mark the index stale: searches use PostgreSQL until a rebuild"
        )

    def handle(self, *args, batch: int, disable: bool, **options):
        if disable:
            search_index.disable()
            self.stdout.write("Search index marked stale: searches use PostgreSQL's GIN index.")
            return
        if search_index.tantivy is None:
            raise CommandError("The tantivy package is not installed (pip install -r requirements.txt).")
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-9)
            self.stderr.write(f"\r{done:,} / {total:,} articles ({rate:,.0f}/s)", ending="")
            self.stderr.flush()

        token = search_index.rebuild(batch=batch, progress=progress)
        elapsed = time.monotonic() - started
        self.stderr.write("")
        self.stdout.write(
            f"Search index {token} built in {elapsed:.1f} s at {search_index.root()}: "
            f"{search_index.size_on_disk() / 1e6:,.1f} MB."
        )
