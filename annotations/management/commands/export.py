"""`manage.py export {jsonl,claims-csv,web-annotation} [filters] [-o FILE]`: the API's exports, to a file."""

import sys
from types import SimpleNamespace

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from annotations import exports
from annotations.article_filters import ArticleFilter
from annotations.filters import AnnotationFilter, ClaimFilter
from annotations.models import Annotation, Claim
from articles.models import Article
from projects.models import Project

EVERYONE = SimpleNamespace(is_authenticated=True, is_superuser=True, pk=None)


class Command(BaseCommand):
    help = (
        "Export the corpus: jsonl (articles with snapshots and annotations), claims-csv, or web-annotation "
        "(W3C JSON-LD). Filters are those of the API lists, e.g. --filter language=en --filter "
        "published_after=2020-01-01T00:00:00Z."
    )

    def add_arguments(self, parser):
        parser.add_argument("format", choices=["jsonl", "claims-csv", "web-annotation"])
        parser.add_argument("-o", "--output", help="File to write (default: standard output)")
        parser.add_argument("--project", help="Project slug: its articles and its spans only")
        parser.add_argument(
            "--filter", action="append", default=[], metavar="NAME=VALUE", help="A filter of the API list"
        )
        parser.add_argument("--no-raw", action="store_true", help="jsonl: leave out the snapshots' bytes")
        parser.add_argument("--base-url", default="http://localhost:8000/", help="web-annotation: IRIs start so")

    def handle(self, *args, **options):
        params = QueryDict(mutable=True)
        for item in options["filter"]:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter takes NAME=VALUE, not {item!r}")
            params.appendlist(name, value)
        project = None
        if options["project"]:
            project = Project.objects.filter(slug=options["project"]).first()
            if project is None:
                raise CommandError(f"No project with slug {options['project']!r}.")
            params["project"] = str(project.pk)
        request = SimpleNamespace(user=EVERYONE, query_params=params)
        kind = options["format"]
        if kind == "jsonl":
            articles = self._filtered(ArticleFilter, params, Article.objects.all(), request)
            annotator_id, status = ArticleFilter.span_selection(params)
            scope = exports.Scope(None, project.pk if project else None, annotator_id, status)
            chunks = exports.jsonl_lines(articles, scope, include_raw=not options["no_raw"])
        elif kind == "claims-csv":
            chunks = exports.claims_csv(self._filtered(ClaimFilter, params, Claim.objects.all(), request))
        else:
            annotations = self._filtered(AnnotationFilter, params, Annotation.objects.all(), request)
            chunks = exports.web_annotation_document(
                annotations, base_url=options["base_url"], label="newsarchive spans"
            )
        if options["output"]:
            with open(options["output"], "wb") as out:
                exports.write_all(chunks, out)
            self.stderr.write(f"Wrote {options['output']}")
        else:
            self.stdout.flush()
            exports.write_all(chunks, getattr(self.stdout, "buffer", None) or sys.stdout.buffer)

    def _filtered(self, filterset_class, params, queryset, request):
        filterset = filterset_class(params, queryset=queryset, request=request)
        if not filterset.is_valid():
            raise CommandError(f"Bad filter: {dict(filterset.errors)}")
        return filterset.qs
