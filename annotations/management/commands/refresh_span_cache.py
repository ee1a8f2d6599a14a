"""`manage.py refresh_span_cache [--project SLUG]`: fill the annotations' pre-serialised JSON where it is empty."""

from django.core.management.base import BaseCommand, CommandError

from annotations.cache import refresh_span_cache
from annotations.models import Annotation, Project


class Command(BaseCommand):
    help = "Fill the empty JSON caches of annotations (see annotations/cache.py); safe to run at any time."

    def add_arguments(self, parser):
        parser.add_argument("--project", help="Project slug: only its spans")

    def handle(self, *args, **options):
        spans = Annotation.objects.all()
        if options["project"]:
            project = Project.objects.filter(slug=options["project"]).first()
            if project is None:
                raise CommandError(f"No project with slug {options['project']!r}.")
            spans = spans.filter(project=project)
        filled = refresh_span_cache(spans)
        self.stdout.write(f"{filled} annotations refreshed")
