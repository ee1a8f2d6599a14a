"""API of the coding app: projects, codebooks, the actor registry, annotations, relations and claims.

Every list is scoped to the requesting user's projects (a detail outside them is 404); every write goes
through `annotations.services`; the role rules are those of `projects.roles` and `annotations.permissions`.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from django.db import connection, transaction
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import exports, gold, history, permissions, services
from annotations.article_filters import ArticleFilter
from annotations.cache import SpanJSON
from annotations.filters import ActorFilter, AnnotationFilter, ClaimFilter, LabelFilter, RelationFilter
from annotations.models import Actor, ActorAlias, Annotation, Claim, Label, Relation
from annotations.selectors import search_actors
from annotations.serializers import (
    CLAIM_ROW_VALUES,
    ActorCreateSerializer,
    ActorSerializer,
    AliasSerializer,
    AnnotationSerializer,
    AnnotationWriteSerializer,
    ClaimRowSerializer,
    LabelSerializer,
    ProjectSerializer,
    RelationSerializer,
    claim_dicts,
    claim_dicts_from_rows,
    known_write_keys,
    service_arguments,
)
from articles.models import Article
from articles.visibility import visible_articles
from newsarchive import preconditions
from newsarchive.rendering import ERRORS, RENDERERS, FastJSONRenderer
from projects import roles
from projects.models import Membership, Project

ID = "[0-9]+"


def span_json(spans: QuerySet[Annotation]) -> orjson.Fragment | None:
    """The API representation of the (first) span of the queryset, as JSON made by PostgreSQL (one query)."""
    found = versioned_span_json(spans)
    return found[0] if found else None


def versioned_span_json(spans: QuerySet[Annotation]) -> tuple[orjson.Fragment, int] | None:
    """`span_json` with the span's version (its ETag)."""
    found = list(spans.order_by().annotate(span_json=SpanJSON()).values_list("span_json", "version")[:1])
    return (orjson.Fragment(found[0][0]), found[0][1]) if found else None


def _confirmed(request: Request) -> bool:
    value = request.query_params.get("confirm", "")
    if value in ("", "0", "false"):
        return False
    if value in ("1", "true"):
        return True
    raise ValidationError({"confirm": ["confirm is 1 (true) or 0 (false)."]})


def created_span_json(pk: int) -> tuple[orjson.Fragment, int]:
    """What `versioned_span_json` gives for a span just written (same SQL expression, without a queryset)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(cached_json, newsarchive_annotation_json(id)), version"
            " FROM annotations_annotation WHERE id = %s",
            [pk],
        )
        found, version = cursor.fetchone()
        return orjson.Fragment(found), version


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """The projects you are a member of, with your role in each."""

    serializer_class = ProjectSerializer
    renderer_classes = RENDERERS
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Project]:
        user = self.request.user
        queryset = roles.visible_projects(user)
        if user.is_superuser:
            return queryset.annotate(my_role=Value(Membership.Role.ADMIN))
        role = Membership.objects.filter(project=OuterRef("pk"), user_id=user.pk).values("role")[:1]
        return queryset.annotate(my_role=Coalesce(Subquery(role), Value("")))

    def cursor_ordering(self, request: Request) -> tuple[str, ...]:
        return ("id",)


class LabelViewSet(viewsets.ReadOnlyModelViewSet):
    """The codebooks of your projects (`?project=`); sort by `order` for display."""

    serializer_class = LabelSerializer
    renderer_classes = RENDERERS
    filterset_class = LabelFilter
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Label]:
        return Label.objects.filter(project__in=roles.visible_projects(self.request.user))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        label = self.get_object()
        return preconditions.with_etag(Response(self.get_serializer(label).data), label.version)

    def cursor_ordering(self, request: Request) -> tuple[str, ...]:
        return ("id",)


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description='W/"<version>" from the ETag: refuse the write (412) if the resource changed since',
)
CONFIRM = OpenApiParameter("confirm", OpenApiTypes.BOOL, description="Delete even though others' work depends on it")
STALE = {412: OpenApiResponse(OpenApiTypes.OBJECT, description="If-Match is stale: the current representation")}
DEPENDENT = "Others' work depends on the span: {detail, dependent: {relations, claims}}; nothing deleted"

Q_PARAM = OpenApiParameter("q", OpenApiTypes.STR, description="Fuzzy search over names and aliases, best first")


@extend_schema_view(
    list=extend_schema(parameters=[Q_PARAM], responses={200: ActorSerializer(many=True), **ERRORS}),
    create=extend_schema(request=ActorCreateSerializer, responses={201: ActorSerializer, **ERRORS}),
)
class ActorViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The shared actor registry: readable by every user, extended by members of a project."""

    serializer_class = ActorSerializer
    renderer_classes = RENDERERS
    filterset_class = ActorFilter
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Actor]:
        queryset = Actor.objects.prefetch_related(Prefetch("aliases", queryset=ActorAlias.objects.order_by("name")))
        query = self.request.query_params.get("q", "")
        if self.action == "list" and query.strip():
            if len(query) > 300:
                raise ValidationError({"q": ["Search at most 300 characters."]})
            if "\x00" in query:
                raise ValidationError({"q": ["A search has no NUL (\\u0000) character."]})
            return search_actors(query, queryset)
        return queryset

    def cursor_ordering(self, request: Request) -> tuple[str, ...]:
        if request.query_params.get("q", "").strip():
            return ("-similarity", "id")
        return ("name", "id")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = self.get_object()
        return preconditions.with_etag(Response(self.get_serializer(actor).data), actor.version)

    def _require_member(self) -> None:
        user = self.request.user
        if not (user.is_staff or user.is_superuser or Membership.objects.filter(user_id=user.pk).exists()):
            raise PermissionDenied("Only members of a project add to the actor registry.")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._require_member()
        body = ActorCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actor = services.create_actor(**body.validated_data)
        actor = self.get_queryset().get(pk=actor.pk)
        return Response(ActorSerializer(actor).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AliasSerializer, responses={201: AliasSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def aliases(self, request: Request, pk: str | None = None) -> Response:
        """Record another name of the actor; one it already has, or another actor's name, is refused (400)."""
        self._require_member()
        actor = self.get_object()
        if preconditions.stale(request, actor.version):
            return preconditions.precondition_failed(ActorSerializer(actor).data, actor.version)
        body = AliasSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        alias = services.add_alias(actor=actor, name=body.validated_data["name"])
        response = Response({"id": alias.pk, "name": alias.name}, status=status.HTTP_201_CREATED)
        return preconditions.with_etag(response, Actor.objects.values_list("version", flat=True).get(pk=actor.pk))


@extend_schema_view(
    list=extend_schema(responses={200: AnnotationSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(responses={200: AnnotationSerializer, **ERRORS}),
    create=extend_schema(request=AnnotationWriteSerializer, responses={201: AnnotationSerializer, **ERRORS}),
    partial_update=extend_schema(
        parameters=[IF_MATCH],
        request=AnnotationWriteSerializer,
        responses={200: AnnotationSerializer, **ERRORS, **STALE},
    ),
    destroy=extend_schema(
        parameters=[IF_MATCH, CONFIRM],
        responses={204: None, **ERRORS, **STALE, 409: OpenApiResponse(OpenApiTypes.OBJECT, description=DEPENDENT)},
    ),
)
class AnnotationViewSet(viewsets.ModelViewSet):
    """Spans: annotators see and change their own; reviewers and project admins see all of their projects."""

    serializer_class = AnnotationWriteSerializer
    renderer_classes = RENDERERS
    filterset_class = AnnotationFilter
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Annotation]:
        return Annotation.objects.filter(permissions.annotation_scope(self.request.user))

    def cursor_ordering(self, request: Request) -> tuple[str, ...]:
        return ("id",)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.annotate(span_json=SpanJSON()).values("id", "span_json"))
        return self.get_paginated_response([orjson.Fragment(row["span_json"]) for row in page])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = versioned_span_json(self.get_queryset().filter(pk=int(self.kwargs["pk"])))
        if found is None:
            raise NotFound("Not found in your projects.")
        return preconditions.with_etag(Response(found[0]), found[1])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        context = {**self.get_serializer_context(), "known_keys": known_write_keys(request.user, request.data)}
        body = AnnotationWriteSerializer(data=request.data, context=context)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        project = data["project"]
        if not permissions.can_annotate(request.user, project):
            raise PermissionDenied("You are not a member of this project.")
        if data.get("status") in permissions.REVIEW_STATUSES and not permissions.can_review(request.user, project):
            raise PermissionDenied("Only reviewers and project admins accept or reject spans.")
        annotator, assign = request.user, True
        if data.get("layer") == "gold":
            if not permissions.can_review(request.user, project):
                raise PermissionDenied("Only reviewers and project admins curate the gold coding.")
            annotator, assign = gold.gold_user(), False
        annotation = services.create_annotation(
            project=project, article=data["article"], annotator=annotator, assign=assign, **service_arguments(data)
        )
        found, version = created_span_json(annotation.pk)
        return preconditions.with_etag(Response(found, status=201), version)

    def _locked(self) -> Annotation:
        """The span, its row locked until the request's transaction ends (so If-Match and the write are one)."""
        queryset = self.get_queryset().select_related("project", "article", "label", "annotator")
        return get_object_or_404(queryset.select_for_update(of=("self",)), pk=int(self.kwargs["pk"]))

    def _current(self, annotation: Annotation) -> Response:
        found = versioned_span_json(Annotation.objects.filter(pk=annotation.pk))
        return preconditions.precondition_failed(found[0], found[1])

    @transaction.atomic
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotation = self._locked()
        if preconditions.stale(request, annotation.version):
            return self._current(annotation)
        body = AnnotationWriteSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        for field in ("project", "article"):
            if field in data and data.pop(field).pk != getattr(annotation, f"{field}_id"):
                raise ValidationError({field: [f"An annotation cannot move to another {field}."]})
        error = permissions.annotation_change_error(request.user, annotation, set(data))
        if error:
            raise PermissionDenied(error)
        new_status = data.get("status")
        if new_status is not None and new_status != annotation.status:
            reviewer = permissions.can_review(request.user, annotation.project_id)
            if new_status in permissions.REVIEW_STATUSES and not reviewer:
                raise PermissionDenied("Only reviewers and project admins accept or reject spans.")
            others = annotation.annotator_id != request.user.pk
            admin = roles.project_role(request.user, annotation.project_id) == Membership.Role.ADMIN
            if others and not admin and new_status not in permissions.REVIEW_STATUSES:
                raise ValidationError({"status": ["Reviewers set another annotator's span to accepted or rejected."]})
        was = annotation.status
        annotation = services.update_annotation(annotation, by=request.user, **service_arguments(data))
        body_json, version = versioned_span_json(Annotation.objects.filter(pk=annotation.pk))
        if annotation.review_reset:
            body_json = {
                **orjson.loads(orjson.dumps(body_json)),
                "review_reset": True,
                "notice": f"This span was {was}; the change sent it back to review (status: submitted).",
            }
        return preconditions.with_etag(Response(body_json), version)

    @transaction.atomic
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotation = self._locked()
        error = permissions.annotation_change_error(request.user, annotation, {"__delete__"})
        if error:
            raise PermissionDenied(error)
        if preconditions.stale(request, annotation.version):
            return self._current(annotation)
        dependent = services.dependent_work(annotation)
        if dependent:
            may_change_all = permissions.may_change_dependent_work(request.user, annotation, dependent)
            if not (may_change_all and _confirmed(request)):
                return Response(
                    {
                        "detail": permissions.dependent_work_message(dependent, may_change_all),
                        "dependent": dependent,
                    },
                    status=status.HTTP_409_CONFLICT,
                )
        services.delete_annotation(annotation)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: history.HistoryPageSerializer, **ERRORS})
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every recorded change of the span and its details, oldest first (also for a deleted span you could see)."""
        span_id = int(pk)
        if not history.may_see_span_history(request.user, span_id):
            raise NotFound("Not found in your projects.")
        return history.paginated_events(self, request, history.span_events(span_id))


@extend_schema_view(
    create=extend_schema(responses={201: RelationSerializer, **ERRORS}),
    destroy=extend_schema(parameters=[IF_MATCH], responses={204: None, **ERRORS, **STALE}),
)
class RelationViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """Typed links between two spans of one article."""

    serializer_class = RelationSerializer
    renderer_classes = RENDERERS
    filterset_class = RelationFilter
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Relation]:
        visible = Annotation.objects.filter(permissions.annotation_scope(self.request.user))
        return Relation.objects.filter(source__in=visible, target__in=visible).select_related("source")

    def cursor_ordering(self, request: Request) -> tuple[str, ...]:
        return ("id",)

    def perform_create(self, serializer: RelationSerializer) -> None:
        source, target = serializer.validated_data["source"], serializer.validated_data["target"]
        error = permissions.annotation_change_error(self.request.user, source, {"relation"})
        if error:
            raise PermissionDenied(error)
        if source.project_id != target.project_id:
            raise ValidationError({"target": ["A relation must link two spans of the same project."]})
        serializer.instance = services.create_relation(
            source=source,
            target=target,
            kind=serializer.validated_data["kind"],
            note=serializer.validated_data.get("note", ""),
            annotator=self.request.user,
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        relation = self.get_object()
        return preconditions.with_etag(Response(self.get_serializer(relation).data), relation.version)

    @transaction.atomic
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        relation = get_object_or_404(self.get_queryset().select_for_update(of=("self",)), pk=int(self.kwargs["pk"]))
        if not permissions.can_delete_relation(self.request.user, relation):
            raise PermissionDenied("Only the annotator who drew a relation, or a project admin, removes it.")
        if preconditions.stale(request, relation.version):
            return preconditions.precondition_failed(self.get_serializer(relation).data, relation.version)
        relation.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(responses={200: ClaimRowSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(responses={200: ClaimRowSerializer, **ERRORS}),
)
class ClaimViewSet(viewsets.ReadOnlyModelViewSet):
    """Claims, flat: text, claimant, source, speech, stance, article, outlet, date (read-only)."""

    serializer_class = ClaimRowSerializer
    renderer_classes = RENDERERS
    filterset_class = ClaimFilter
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Claim]:
        visible = Annotation.objects.filter(permissions.annotation_scope(self.request.user))
        return Claim.objects.filter(annotation__in=visible)

    def cursor_ordering(self, request: Request) -> tuple[str, ...]:
        return ("annotation_id",)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values(*CLAIM_ROW_VALUES))
        return self.get_paginated_response(claim_dicts_from_rows(page))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = claim_dicts(self.get_queryset().filter(pk=int(self.kwargs["pk"])))
        if not found:
            raise NotFound("Not found in your projects.")
        return Response(found[0])


# --- exports ------------------------------------------------------------------------------------------------


class _TextRenderer(BaseRenderer):
    """Lets a client ask for an export's media type; error bodies are still JSON."""

    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return json.dumps(data).encode() if data is not None else b""


class JSONLinesRenderer(_TextRenderer):
    media_type = "application/x-ndjson"
    format = "jsonl"


class CSVRenderer(_TextRenderer):
    media_type = "text/csv"
    format = "csv"


class JSONLDRenderer(_TextRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


RAW = OpenApiParameter(
    "raw", OpenApiTypes.BOOL, description="Include each snapshot's archived bytes in base64 (default true)"
)
BOM = OpenApiParameter(
    "bom", OpenApiTypes.BOOL, description="Start with a UTF-8 byte order mark, for spreadsheet programs (default false)"
)
PAGE = OpenApiParameter("page", OpenApiTypes.INT, description="AnnotationPage number, from 1")


def _flag(request: Request, name: str, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise ValidationError({name: [f"{name} is true or false."]})


def _export_project(request: Request) -> int | None:
    raw = request.query_params.get("project")
    return int(raw) if raw and raw.isascii() and raw.isdigit() else None


class JSONLinesExportViewSet(viewsets.GenericViewSet):
    """The corpus as JSON Lines: one article per line with its snapshot, text and the spans you may see."""

    filterset_class = ArticleFilter
    pagination_class = None
    renderer_classes = [FastJSONRenderer, JSONLinesRenderer]

    def get_queryset(self) -> QuerySet[Article]:
        return visible_articles(self.request.user)

    @extend_schema(
        parameters=[RAW],
        responses={
            (200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR, description="One article per line"),
            **ERRORS,
        },
    )
    def list(self, request: Request) -> StreamingHttpResponse:
        articles = self.filter_queryset(self.get_queryset())
        include_raw = _flag(request, "raw", True)
        annotator_id, status = ArticleFilter.span_selection(request.query_params)
        scope = exports.scope_for(request.user, _export_project(request), annotator_id=annotator_id, status=status)
        response = StreamingHttpResponse(
            exports.jsonl_lines(articles, scope, include_raw=include_raw), content_type="application/x-ndjson"
        )
        response["Content-Disposition"] = 'attachment; filename="newsarchive.jsonl"'
        return response


class ClaimsCSVExportViewSet(viewsets.GenericViewSet):
    """Claims as CSV, one row per claim, filterable like /api/claims/."""

    filterset_class = ClaimFilter
    pagination_class = None
    renderer_classes = [FastJSONRenderer, CSVRenderer]

    def get_queryset(self) -> QuerySet[Claim]:
        visible = Annotation.objects.filter(permissions.annotation_scope(self.request.user))
        return Claim.objects.filter(annotation__in=visible)

    @extend_schema(
        parameters=[BOM],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV with a header"), **ERRORS},
    )
    def list(self, request: Request) -> StreamingHttpResponse:
        claims = self.filter_queryset(self.get_queryset())
        bom = _flag(request, "bom", False)
        response = StreamingHttpResponse(exports.claims_csv(claims, bom=bom), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="claims.csv"'
        return response


class WebAnnotationExportViewSet(viewsets.GenericViewSet):
    """Spans as W3C Web Annotations: an AnnotationCollection (`?page=N` for its AnnotationPages)."""

    filterset_class = AnnotationFilter
    pagination_class = None
    renderer_classes = [FastJSONRenderer, JSONLDRenderer]

    def get_queryset(self) -> QuerySet[Annotation]:
        return Annotation.objects.filter(permissions.annotation_scope(self.request.user))

    @extend_schema(
        parameters=[PAGE],
        responses={
            (200, "application/ld+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="AnnotationCollection, or AnnotationPage with ?page="
            ),
            **ERRORS,
        },
    )
    def list(self, request: Request) -> HttpResponse:
        annotations = self.filter_queryset(self.get_queryset())
        params = request.query_params.copy()
        page_raw = params.pop("page", [None])[-1]
        params.pop("format", None)
        base_url = request.build_absolute_uri("/")
        query = params.urlencode()
        collection_url = request.build_absolute_uri(request.path) + (f"?{query}" if query else "")
        size = exports.WEB_ANNOTATION_PAGE_SIZE
        if page_raw is None or page_raw == "":
            document = exports.web_annotation_collection(
                annotations, collection_url=collection_url, base_url=base_url, page_size=size, label="newsarchive spans"
            )
        else:
            if not (page_raw.isascii() and page_raw.isdigit()) or not 1 <= int(page_raw) <= 10**7:
                raise ValidationError({"page": ["page is a whole number from 1."]})
            total = exports.web_annotation_total(annotations)
            page = int(page_raw)
            if page > max(1, -(-total // size)):
                raise NotFound("No such page.")
            document = exports.web_annotation_page(
                annotations, page=page, page_size=size, collection_url=collection_url, base_url=base_url, total=total
            )
        return HttpResponse(json.dumps(document, ensure_ascii=False), content_type=exports.WEB_ANNOTATION_CONTENT_TYPE)
