"""The Import page and POST /api/imports/: both hand what was sent to the import service and list each result."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from articles.forms import ImportForm
from articles.importers import iter_submission
from articles.services import batch_results, import_max_bytes, outcome_counts, run_import
from newsarchive.parsers import ImportJSONParser
from projects.models import Project
from projects.roles import can_import


def _describe(files: list, urls: list[str], text: str) -> str:
    parts = [f"upload {uploaded.name}" for uploaded in files]
    parts += [url.strip() for url in urls if url.strip()]
    if text.strip():
        parts.append("pasted text")
    return ", ".join(parts)


def _run(*, request: HttpRequest, files: list, urls: Iterable[str], text: str, title: str, project, channel: str):
    urls = [line for chunk in urls for line in str(chunk).splitlines()]
    items = iter_submission(
        files=[(uploaded.name, uploaded, uploaded.size) for uploaded in files],
        urls=urls,
        text=text,
        title=title,
        max_bytes=import_max_bytes(),
    )
    # One process in a request: the pages of one upload are few, and a web worker should not fork.
    return run_import(
        items=items,
        project=project,
        user=request.user,
        source=_describe(files, urls, text),
        channel=channel,
        jobs=1,
    )


def article_link(article_id: int | None, project: Project | None) -> str:
    """Where a researcher opens an imported article: its project's annotation screen, or the admin."""
    if article_id is None:
        return ""
    if project is not None:
        return f"/projects/{project.pk}/articles/{article_id}/"
    return f"/admin/articles/article/{article_id}/change/"


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload files, enter URLs or paste a text; the page then lists what came of each item."""
    if not can_import(request.user):
        raise PermissionDenied("Only project admins and staff import articles.")
    batch = None
    rows = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            project = data.get("project")
            batch = _run(
                request=request,
                files=data["files"],
                urls=[data["urls"]],
                text=data["text"],
                title=data["title"],
                project=project,
                channel="web",
            )
            rows = [(result, article_link(result.article_id, project)) for result in batch_results(batch)]
            form = ImportForm(user=request.user, initial={"project": project})
    else:
        form = ImportForm(user=request.user)
    counts = outcome_counts(result for result, _ in rows) if rows else {}
    return render(request, "articles/import.html", {"form": form, "batch": batch, "rows": rows, "counts": counts})


# --- API --------------------------------------------------------------------------------------------------


class ImportSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="Saved pages, text files, WARC, JSON Lines"
    )
    urls = serializers.CharField(required=False, help_text="URLs, one per line (or several urls fields)")
    text = serializers.CharField(required=False, help_text="A pasted text, stored as is")
    title = serializers.CharField(required=False, help_text="The title of the pasted text (required with text)")
    project = serializers.CharField(required=False, help_text="Project id or slug (required unless staff)")


class ImportItemResultSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="The file, record, line or URL")
    outcome = serializers.ChoiceField(choices=["imported", "new_version", "syndicated_copy", "duplicate", "failed"])
    message = serializers.CharField()
    article = serializers.IntegerField(allow_null=True)


class ImportCountsSerializer(serializers.Serializer):
    imported = serializers.IntegerField()
    new_version = serializers.IntegerField()
    syndicated_copy = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    failed = serializers.IntegerField()


class ImportResultSerializer(serializers.Serializer):
    batch = serializers.IntegerField(help_text="The import batch recording this run")
    counts = ImportCountsSerializer()
    items = ImportItemResultSerializer(many=True)


class CanImport(permissions.BasePermission):
    message = "Only project admins and staff import articles."

    def has_permission(self, request, view) -> bool:
        return can_import(request.user)


class ImportViewSet(viewsets.ViewSet):
    """Import articles: uploaded files, URLs or a pasted text; answers what came of each item."""

    permission_classes = [permissions.IsAuthenticated, CanImport]
    parser_classes = [MultiPartParser, FormParser, ImportJSONParser]

    @extend_schema(
        request={"multipart/form-data": ImportSerializer, "application/json": ImportSerializer},
        responses={
            201: ImportResultSerializer,
            400: OpenApiResponse(description="Nothing to import, a text without title, or an unknown project"),
            401: OpenApiResponse(description="Not logged in"),
            403: OpenApiResponse(description="Not an admin of the project (nor staff)"),
        },
        examples=[
            OpenApiExample(
                "Result",
                response_only=True,
                value={
                    "batch": 12,
                    "counts": {"imported": 1, "new_version": 0, "syndicated_copy": 0, "duplicate": 1, "failed": 1},
                    "items": [
                        {"item": "page.html", "outcome": "imported", "message": "archived as article 4", "article": 4},
                        {"item": "empty.txt", "outcome": "failed", "message": "empty file", "article": None},
                    ],
                },
            )
        ],
    )
    def create(self, request: Request) -> Response:
        data = request.data
        files = list(request.FILES.getlist("files")) + list(request.FILES.getlist("files[]"))
        urls = data.getlist("urls") if hasattr(data, "getlist") else data.get("urls") or []
        if isinstance(urls, str):
            urls = [urls]
        for name in ("text", "title", "project"):
            value = data.get(name)
            if name == "project" and isinstance(value, int) and not isinstance(value, bool):
                continue  # a project id as a JSON number
            if value is not None and not isinstance(value, str):
                raise ValidationError({name: "Must be a string." if name != "project" else "A project id or slug."})
        if not all(isinstance(url, str) for url in urls):
            raise ValidationError({"urls": "Must be a string or a list of strings."})
        text, title = data.get("text") or "", data.get("title") or ""
        if not files and not any(str(url).strip() for url in urls) and not text.strip():
            raise ValidationError("Send files, urls or a text to import.")
        if text.strip() and not title.strip():
            raise ValidationError({"title": "A pasted text needs its title."})
        project = self._project(request, str(data.get("project") or "").strip())
        batch = _run(request=request, files=files, urls=urls, text=text, title=title, project=project, channel="api")
        results = batch_results(batch)
        body = {
            "batch": batch.pk,
            "counts": outcome_counts(results),
            "items": [result.as_dict() for result in results],
        }
        return Response(body, status=status.HTTP_201_CREATED)

    def _project(self, request: Request, value: str) -> Project | None:
        if not value:
            if request.user.is_staff:
                return None
            raise ValidationError({"project": "Choose a project you administer (id or slug)."})
        if "\x00" in value:
            raise ValidationError({"project": "A project id or slug has no NUL (\\u0000) character."})
        project = Project.objects.filter(slug=value).first()
        if project is None and value.isascii() and value.isdigit():
            project = Project.objects.filter(pk=int(value)).first()
        if project is None:
            raise ValidationError({"project": f"No project with id or slug {value!r}."})
        if not can_import(request.user, project):
            raise PermissionDenied("Only the project's admins and staff import into it.")
        return project
