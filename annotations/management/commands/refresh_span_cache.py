"""`manage.py refresh_span_cache [--project SLUG]`: fill the pre-serialised JSON of spans and export lines."""

from django.core.management.base import BaseCommand, CommandError

from annotations.cache import refresh_span_cache
from annotations.exports import refresh_export_lines
from annotations.models import Annotation
from projects.models import Project


class Command(BaseCommand):
    help = (
        "Fill the empty JSON caches of annotations (annotations/cache.py) and the articles' export lines "
        "(annotations/exports.py); safe to run at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", help="Project slug: only its spans")

    def handle(self, *args, **options):
        spans = Annotation.objects.all()
        articles = None
        if options["project"]:
            project = Project.objects.filter(slug=options["project"]).first()
            if project is None:
                raise CommandError(f"No project with slug {options['project']!r}.")
            spans = spans.filter(project=project)
            articles = project.articles.all()
        filled = refresh_span_cache(spans)
        self.stdout.write(f"{filled} annotations refreshed")
        lines = refresh_export_lines(articles)
        if options["verbosity"] > 1:
            self.stdout.write(f"{lines} articles' JSON Lines lines refreshed")
