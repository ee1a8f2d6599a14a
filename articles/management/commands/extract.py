"""`manage.py extract FILE... [--jsonl]`: show what importing the files would store, without storing anything."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importers import is_url, iter_path, prepare_item
from articles.services import import_max_bytes


class Command(BaseCommand):
    help = (
        "Preview the import of saved pages and text files (.html, .htm, .txt, gzipped or not; folders too): "
        "print the article extracted from each as JSON. Nothing is written to the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="Files or folders to preview")
        parser.add_argument("--jsonl", action="store_true", help="One JSON object per line instead of indented JSON")

    def handle(self, *args, **options):
        max_bytes = import_max_bytes()
        failed = total = 0
        for name in options["files"]:
            if is_url(name):
                raise CommandError(f"{name}: extract previews files; import_articles fetches URLs")
            for item in iter_path(Path(name), max_bytes=max_bytes):
                prepared = prepare_item(item, max_bytes=max_bytes)
                total += 1
                if prepared.error:
                    failed += 1
                    preview = {"file": item.label, "error": prepared.error}
                else:
                    article = prepared.article
                    preview = {
                        "file": item.label,
                        "title": article.title,
                        "byline": article.byline,
                        "published_at": article.published_at.isoformat() if article.published_at else None,
                        "language": article.language,
                        "outlet": article.outlet_name or article.outlet_domain,
                        "canonical_url": article.canonical_url,
                        "text": article.text,
                    }
                indent = None if options["jsonl"] else 2
                self.stdout.write(json.dumps(preview, ensure_ascii=False, indent=indent))
        if failed:
            raise CommandError(f"{failed} of {total} files could not be extracted")
