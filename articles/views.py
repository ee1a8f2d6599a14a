"""The Import page and POST /api/imports/: both hand what was sent to the import service and list each result."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from articles.forms import ImportForm
from articles.importers import count_submission_items, iter_submission
from articles.models import ImportBatch
from articles.services import batch_results, import_max_bytes, outcome_counts, run_import
from articles.services.queued import queue_import
from newsarchive.parsers import ImportJSONParser
from projects.models import Project
from projects.roles import can_import, project_role


def _describe(files: list, urls: list[str], text: str) -> str:
    parts = [f"upload {uploaded.name}" for uploaded in files]
    parts += [url.strip() for url in urls if url.strip()]
    if text.strip():
        parts.append("pasted text")
    return ", ".join(parts)


def _in_background(*, files: list, urls: list[str], text: str, asked: bool) -> bool:
    """Asked for, or more items than a web request should hold a worker for."""
    if asked:
        return True
    limit = settings.NEWSARCHIVE_FOREGROUND_IMPORT_ITEMS
    counted = count_submission_items(
        files=[(uploaded.name, uploaded, uploaded.size) for uploaded in files], urls=urls, text=text, limit=limit + 1
    )
    return counted > limit


def _queue(*, request: HttpRequest, files: list, urls: list[str], text: str, title: str, project, channel: str):
    return queue_import(
        files=[(uploaded.name, uploaded) for uploaded in files],
        urls=urls,
        text=text,
        title=title,
        project=project,
        user=request.user,
        source=_describe(files, urls, text),
        channel=channel,
    )


def may_see_batch(user, batch: ImportBatch) -> bool:
    """Its importer, superusers, and the admins of its project see an import batch."""
    if user.is_superuser or (batch.created_by_id is not None and batch.created_by_id == user.pk):
        return True
    return batch.project_id is not None and project_role(user, batch.project_id) == "admin"


def batch_status(batch: ImportBatch) -> dict:
    """A batch's state for its status page and API: status, counts so far and, once finished, every result."""
    results = batch_results(batch)
    finished = batch.status in (ImportBatch.Status.DONE, ImportBatch.Status.FAILED)
    return {
        "batch": batch.pk,
        "status": batch.status,
        "processed": len([r for r in results if r.item != "(import)"]),
        "counts": outcome_counts(results),
        "started_at": batch.started_at,
        "finished_at": batch.finished_at,
        "items": [result.as_dict() for result in results] if finished else None,
    }


def _run(*, request: HttpRequest, files: list, urls: Iterable[str], text: str, title: str, project, channel: str):
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
            urls = _lines([data["urls"]])
            if _in_background(files=data["files"], urls=urls, text=data["text"], asked=data.get("background", False)):
                batch = _queue(
                    request=request,
                    files=data["files"],
                    urls=urls,
                    text=data["text"],
                    title=data["title"],
                    project=project,
                    channel="web",
                )
                return redirect(f"/import/?batch={batch.pk}")
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
        wanted = request.GET.get("batch", "")
        if wanted.isascii() and wanted.isdigit() and len(wanted) < 19:
            batch = ImportBatch.objects.filter(pk=int(request.GET["batch"])).select_related("project").first()
            if batch is None or not may_see_batch(request.user, batch):
                raise Http404("No such import.")
            rows = [(result, article_link(result.article_id, batch.project)) for result in batch_results(batch)]
    counts = outcome_counts(result for result, _ in rows) if rows else outcome_counts([])
    finished = batch is not None and batch.status in (ImportBatch.Status.DONE, ImportBatch.Status.FAILED)
    return render(
        request,
        "articles/import.html",
        {"form": form, "batch": batch, "rows": rows, "counts": counts, "finished": finished},
    )


def _lines(urls: Iterable[str]) -> list[str]:
    return [line for chunk in urls for line in str(chunk).splitlines()]


# --- API --------------------------------------------------------------------------------------------------


class ImportSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="Saved pages, text files, WARC, JSON Lines"
    )
    urls = serializers.CharField(required=False, help_text="URLs, one per line (or several urls fields)")
    text = serializers.CharField(required=False, help_text="A pasted text, stored as is")
    title = serializers.CharField(required=False, help_text="The title of the pasted text (required with text)")
    project = serializers.CharField(required=False, help_text="Project id or slug (required unless staff)")
    background = serializers.BooleanField(
        required=False, help_text="Run as a background job (always, for more than 20 items): answers 202"
    )


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


class ImportQueuedSerializer(serializers.Serializer):
    batch = serializers.IntegerField(help_text="The import batch; GET /api/imports/{batch}/ reports its progress")
    status = serializers.ChoiceField(choices=["queued"])
    url = serializers.CharField(help_text="Where its status is")


class ImportStatusSerializer(serializers.Serializer):
    batch = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["queued", "running", "done", "failed"])
    processed = serializers.IntegerField(help_text="Items handled so far")
    counts = ImportCountsSerializer(help_text="Outcomes so far")
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    items = ImportItemResultSerializer(many=True, allow_null=True, help_text="Every result, once done or failed")


class CanImport(permissions.BasePermission):
    message = "Only project admins and staff import articles."

    def has_permission(self, request, view) -> bool:
        return can_import(request.user)


class ImportViewSet(viewsets.ViewSet):
    """Import articles: uploaded files, URLs or a pasted text; answers what came of each item."""

    permission_classes = [permissions.IsAuthenticated, CanImport]
    parser_classes = [MultiPartParser, FormParser, ImportJSONParser]
    lookup_value_regex = "[0-9]+"

    def get_permissions(self):
        # Reading an import's status needs no right to import: whoever may not see it gets 404, like every detail.
        if self.action == "retrieve":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        request={"multipart/form-data": ImportSerializer, "application/json": ImportSerializer},
        responses={
            201: ImportResultSerializer,
            202: ImportQueuedSerializer,
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
        background = data.get("background", False)
        if isinstance(background, str):
            background = background.strip().lower() in {"1", "true", "yes", "on"}
        elif not isinstance(background, bool):
            raise ValidationError({"background": "Must be true or false."})
        urls = _lines(urls)
        if _in_background(files=files, urls=urls, text=text, asked=background):
            batch = _queue(
                request=request, files=files, urls=urls, text=text, title=title, project=project, channel="api"
            )
            body = {"batch": batch.pk, "status": batch.status, "url": f"/api/imports/{batch.pk}/"}
            return Response(body, status=status.HTTP_202_ACCEPTED)
        batch = _run(request=request, files=files, urls=urls, text=text, title=title, project=project, channel="api")
        results = batch_results(batch)
        body = {
            "batch": batch.pk,
            "counts": outcome_counts(results),
            "items": [result.as_dict() for result in results],
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The import's id")],
        responses={
            200: ImportStatusSerializer,
            404: OpenApiResponse(description="No such import, or not one of yours"),
        },
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        """An import's status (queued, running, done, failed), its counts so far and, once finished, its results."""
        batch = ImportBatch.objects.filter(pk=int(pk)).first() if str(pk).isascii() and str(pk).isdigit() else None
        if batch is None or not may_see_batch(request.user, batch):
            raise Http404("No such import.")
        return Response(batch_status(batch))

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
