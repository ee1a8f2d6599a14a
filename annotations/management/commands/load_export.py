"""`manage.py load_export FILE`: recreate the articles and annotations of a JSON Lines export."""

from django.core.management.base import BaseCommand, CommandError

from annotations.loading import load_export
from newsarchive.history import command_context


class Command(BaseCommand):
    help = (
        "Load a JSON Lines export (manage.py export jsonl) into this database, merging: what exists is matched, "
        "newer spans applied, conflicts reported (exit status 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        # Every write of the command is recorded in the history as made through `load`.
        with command_context("load"):
            return self._handle(*args, **options)

    def _handle(self, *args, **options):
        try:
            with open(options["file"], encoding="utf-8") as lines:
                result = load_export(lines)
        except OSError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{result.articles} articles loaded ({result.existing_articles} already there), "
            f"{result.annotations} annotations added, {result.updated_annotations} updated, "
            f"{result.relations} relations added, {result.actors_added} actors added, "
            f"{len(result.merged)} merged, {len(result.conflicts)} conflicts."
        )
        for line in result.merged:
            self.stdout.write(f"merged: {line}")
        for line in result.restored:
            self.stdout.write(f"restored: {line}")
        for line in result.conflicts:
            self.stderr.write(f"conflict: {line}")
        for error in result.errors:
            self.stderr.write(error)
        if result.errors or result.conflicts:
            raise CommandError(
                f"{len(result.errors)} line(s) could not be loaded, {len(result.conflicts)} conflict(s)."
            )
