"""`manage.py import_articles PATH_OR_URL... [--project P] [--urls FILE] [--jobs N] [--user U] [--background]`:
archive articles, here with a progress bar, or as a job for the workers."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from articles.importers import (
    is_importable_name,
    is_url,
    iter_sources,
    iter_url_list,
    kind_of,
)
from articles.services import FAILED, ItemResult, import_max_bytes, outcome_counts, run_import
from articles.services.queued import queue_import
from newsarchive.history import command_context
from projects.models import Project

SUMMARY_ROWS = (
    ("imported", "imported"),
    ("syndicated_copy", "syndicated copy"),
    ("new_version", "new version"),
    ("duplicate", "duplicate"),
    ("failed", "failed"),
)


class Command(BaseCommand):
    help = (
        "Archive articles from saved pages and text files (.html .htm .xhtml .txt, gzipped or not), folders "
        "(recursively), WARC and WARC.gz files, JSON Lines (.jsonl, .ndjson) and URLs. Exit status 1 when an "
        "item failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="*", metavar="PATH_OR_URL", help="Files, folders or http(s) URLs")
        parser.add_argument("--project", help="Add the articles to this project (slug or id)")
        parser.add_argument(
            "--urls", action="append", default=[], metavar="FILE", help="A file of URLs, one per line (# comments)"
        )
        parser.add_argument(
            "--jobs", type=int, default=os.cpu_count() or 1, help="Extraction worker processes (default: cores)"
        )
        parser.add_argument("--user", help="Username recorded as the importer")
        parser.add_argument(
            "--background",
            action="store_true",
            help="Store the files in the database and queue the import for a job worker (make worker); "
            "prints the batch id to follow at /import/?batch=ID or GET /api/imports/ID/",
        )

    def handle(self, *args, **options):
        # Every write of the command is recorded in the history as made through `import`.
        with command_context("import"):
            return self._handle(*args, **options)

    def _handle(self, *args, **options):
        if not options["sources"] and not options["urls"]:
            raise CommandError("Give files, folders or URLs to import (or --urls FILE).")
        if options["jobs"] < 1:
            raise CommandError("--jobs must be at least 1.")
        project = _project(options["project"]) if options["project"] else None
        user = _user(options["user"]) if options["user"] else None
        for url_file in options["urls"]:
            if not Path(url_file).is_file():
                raise CommandError(f"--urls {url_file}: no such file")

        if options["background"]:
            self._queue(options["sources"], options["urls"], project=project, user=user)
            return
        items = self._items(options["sources"], options["urls"])
        bar = ProgressBar(self.stderr, total=_estimate(options["sources"], options["urls"]))
        started = time.monotonic()
        batch = run_import(
            items=items,
            project=project,
            user=user,
            source=" ".join(options["sources"] + [f"--urls {name}" for name in options["urls"]]),
            channel="command",
            jobs=options["jobs"],
            progress=bar.update,
        )
        bar.close()
        self._summary(batch, elapsed=time.monotonic() - started)
        if batch.failed:
            raise CommandError(f"{batch.failed} of {len(batch.items)} items failed.")

    def _queue(self, sources: list[str], url_files: list[str], *, project, user) -> None:
        urls = [source for source in sources if is_url(source)]
        for name in url_files:
            urls += Path(name).read_text(encoding="utf-8", errors="replace").splitlines()
        paths = _file_paths([source for source in sources if not is_url(source)])
        missing = [str(path) for path in paths if not path.is_file()]
        if missing:
            raise CommandError(f"No such file: {', '.join(missing)}")
        with contextlib.ExitStack() as stack:
            files = [(str(path), stack.enter_context(path.open("rb"))) for path in paths]
            batch = queue_import(
                files=files,
                urls=urls,
                project=project,
                user=user,
                source=" ".join(sources + [f"--urls {name}" for name in url_files]),
                channel="command",
            )
        self.stdout.write(
            f"Import batch {batch.pk} queued: {len(files)} files, {len([u for u in urls if u.strip()])} URL lines. "
            f"Follow it at /import/?batch={batch.pk} or GET /api/imports/{batch.pk}/ (a worker runs it: make worker)."
        )

    def _items(self, sources: list[str], url_files: list[str]):
        yield from iter_sources(sources, max_bytes=import_max_bytes())
        for name in url_files:
            with open(name, encoding="utf-8", errors="replace") as lines:
                yield from iter_url_list(lines, name=name)

    def _summary(self, batch, *, elapsed: float) -> None:
        rows = batch.items
        counts = outcome_counts(ItemResult(r["item"], r["outcome"], r["message"]) for r in rows)
        rate = f", {len(rows) / elapsed:.1f} items/s" if elapsed > 0 and rows else ""
        self.stdout.write(f"Import batch {batch.pk}: {len(rows)} items in {elapsed:.1f} s{rate}")
        for outcome, label in SUMMARY_ROWS:
            self.stdout.write(f"  {label:<16} {counts[outcome]:>7}")
        failures = [row for row in rows if row["outcome"] == FAILED]
        if failures:
            self.stdout.write("Failed:")
            for row in failures:
                self.stdout.write(f"  {row['item']}: {row['message']}")


def _project(value: str) -> Project:
    project = Project.objects.filter(slug=value).first()
    if project is None and value.isascii() and value.isdigit() and len(value) < 19:
        project = Project.objects.filter(pk=int(value)).first()
    if project is None:
        raise CommandError(f"No project with slug or id {value!r}.")
    return project


def _user(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user named {username!r}.")
    return user


def _file_paths(sources: list[str]) -> list[Path]:
    """The files of the given paths, folders walked as the foreground import walks them."""
    paths: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            folder = path.resolve()
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not d.endswith("_files"))
                found = [Path(root) / f for f in sorted(files) if not f.startswith(".") and is_importable_name(f)]
                # As in the foreground: a link out of the folder could pull in any file, so it is not sent.
                paths.extend(f for f in found if not f.is_symlink() or f.resolve().is_relative_to(folder))
        else:
            paths.append(path)
    return paths


def _estimate(sources: list[str], url_files: list[str]) -> int | None:
    """How many items there will be, when that is cheap to know (not for WARC files)."""
    total = 0
    paths: list[Path] = []
    for source in sources:
        if is_url(source):
            total += 1
            continue
        path = Path(source)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = [d for d in dirs if not d.startswith(".") and not d.endswith("_files")]
                paths.extend(Path(root) / f for f in files if not f.startswith(".") and is_importable_name(f))
        else:
            paths.append(path)
    for path in paths:
        kind = kind_of(path.name)
        if kind == "warc":
            return None
        if kind == "jsonl":
            if path.name.lower().endswith(".gz"):
                return None
            total += _count_lines(path)
        else:
            total += 1
    for name in url_files:
        total += _count_lines(Path(name), skip_comments=True)
    return total


def _count_lines(path: Path, *, skip_comments: bool = False) -> int:
    try:
        with path.open("rb") as stream:
            return sum(1 for line in stream if line.strip() and not (skip_comments and line.lstrip().startswith(b"#")))
    except OSError:
        return 1


class ProgressBar:
    """A one-line progress bar on a terminal; elsewhere a line every 1,000 items."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper, *, total: int | None = None) -> None:
        self.stream = stream
        self.total = total
        self.done = 0
        self.failed = 0
        self.started = time.monotonic()
        self.shown_at = 0.0
        self.tty = stream.isatty()

    def update(self, result: ItemResult) -> None:
        self.done += 1
        self.failed += result.outcome == FAILED
        now = time.monotonic()
        if self.tty and now - self.shown_at >= 0.1:
            self.shown_at = now
            self._write("\r" + self._line(now))
        elif not self.tty and self.done % 1000 == 0:
            self._write(self._line(now) + "\n")

    def close(self) -> None:
        if self.tty and self.done:
            self._write("\r" + self._line(time.monotonic()) + "\n")

    def _write(self, text: str) -> None:
        self.stream.write(text, style_func=str, ending="")  # plain text: stderr's default style is red
        self.stream.flush()

    def _line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = f"{self.done / elapsed:.1f}/s"
        failed = f", {self.failed} failed" if self.failed else ""
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = int(share * self.WIDTH)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            return f"[{bar}] {self.done}/{self.total} {share:4.0%} {rate}{failed}"
        return f"{self.done} items {rate}{failed}"
