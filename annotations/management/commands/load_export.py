"""`manage.py load_export FILE`: recreate the articles and annotations of a JSON Lines export."""

from django.core.management.base import BaseCommand, CommandError

from annotations.loading import load_export
from newsarchive.history import command_context


class Command(BaseCommand):
    help = "Load a JSON Lines export (manage.py export jsonl) into this database; what exists already is reused."

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
            f"{result.annotations} annotations, {result.relations} relations."
        )
        for error in result.errors:
            self.stderr.write(error)
        if result.errors:
            raise CommandError(f"{len(result.errors)} line(s) could not be loaded.")
