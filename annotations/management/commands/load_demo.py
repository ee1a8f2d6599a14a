from django.core.management.base import BaseCommand

from annotations.demo import load_demo
from newsarchive.history import command_context


class Command(BaseCommand):
    help = "Load the demo project: one article with its reference coding (88 spans) and 21 actors. Idempotent."

    def handle(self, *args, **options):
        # Every write of the command is recorded in the history as made through `demo`.
        with command_context("demo"):
            return self._handle(*args, **options)

    def _handle(self, *args, **options):
        result = load_demo()
        verb = "Loaded" if result.created else "Already loaded:"
        self.stdout.write(
            f"{verb} demo project {result.project.name!r} (/projects/{result.project.pk}/), "
            f"article #{result.article.pk} with {result.annotations} annotations."
        )
