"""The article list and detail with the spans you may see embedded (`?include=annotations`), and submit.

Where the archive meets the coding: registered on the router as `articles`; the article rows themselves are
the archive's (`articles.serializers.article_dict`).
"""

from __future__ import annotations

from typing import Any

import orjson
from django.db.models import Expression, QuerySet
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import permissions, services
from annotations.article_filters import ArticleFilter
from annotations.cache import span_array, stored_span_array
from annotations.models import Annotation
from annotations.serializers import AnnotationSerializer
from articles.models import Article
from articles.selectors import count_hits, escape_snippet
from articles.serializers import ARTICLE_VALUES, article_dict
from articles.visibility import visible_articles
from newsarchive.fields import RefuseUnknownKeys, WholeNumberField
from newsarchive.rendering import ERRORS, RENDERERS
from projects import roles
from projects.models import Project


class ArticleSerializer(serializers.Serializer):
    """An archived article; `text` is what annotation offsets (code points) point into."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    byline = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)
    canonical_url = serializers.CharField(allow_blank=True)
    published_at = serializers.DateTimeField(allow_null=True)
    language = serializers.CharField(allow_blank=True)
    lead = serializers.CharField(allow_blank=True)
    text = serializers.CharField()
    outlet = serializers.IntegerField(allow_null=True)
    outlet_name = serializers.CharField(allow_null=True)
    snapshot_sha256 = serializers.CharField(help_text="sha256 of the archived bytes")
    supersedes = serializers.IntegerField(allow_null=True)
    duplicate_of = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    rank = serializers.FloatField(required=False, help_text="With ?search=: relevance")
    snippet = serializers.CharField(
        required=False, allow_null=True, help_text="With ?search=: HTML-escaped text in which only <mark> is markup"
    )
    annotations = AnnotationSerializer(many=True, required=False, help_text="With ?include=annotations")


class SubmitSerializer(RefuseUnknownKeys, serializers.Serializer):
    project = WholeNumberField(min_value=1)


class SubmittedSerializer(serializers.Serializer):
    status = serializers.CharField()
    submitted_at = serializers.DateTimeField()


INCLUDE = OpenApiParameter(
    "include", OpenApiTypes.STR, enum=["annotations"], description="`annotations` embeds the spans you may see"
)


def visible_spans(request: Request, project: Project | None) -> QuerySet[Annotation]:
    """The spans an article list embeds: those the user may see (of `?project=` when given), and of those only
    the ones of `?annotator=` and `?status=` when given."""
    spans = Annotation.objects.filter(permissions.annotation_scope(request.user))
    annotator_id, status = ArticleFilter.span_selection(request.query_params)
    if annotator_id is not None:
        spans = spans.filter(annotator_id=annotator_id)
    if status is not None:
        spans = spans.filter(status=status)
    return spans if project is None else spans.filter(project=project)


def spans_json(request: Request, project: Project | None) -> Expression:
    """An article's embedded spans as JSON text: stored with its export line when that is exactly what this user
    sees (annotations.cache.stored_span_array), else aggregated from the spans' own cached JSON."""
    live = span_array(visible_spans(request, project))
    if any(ArticleFilter.span_selection(request.query_params)):
        return live  # a stored array holds every span
    stored = stored_span_array(request.user, None if project is None else project.pk)
    return live if stored is None else Coalesce(stored, live)


def embedded(spans_json: str | None) -> list[Any] | orjson.Fragment:
    """An article's spans as `span_array` gives them, ready for the response: PostgreSQL wrote the JSON (and
    cached each span's, annotations.cache); it goes out as it is, never parsed in Python."""
    return [] if spans_json is None else orjson.Fragment(f"[{spans_json}]")


def wants_annotations(request: Request) -> bool:
    include = request.query_params.get("include", "")
    parts = {part.strip() for part in include.split(",") if part.strip()}
    unknown = parts - {"annotations"}
    if unknown:
        raise ValidationError({"include": [f"Unknown include {', '.join(sorted(unknown))!r}: use 'annotations'."]})
    return "annotations" in parts


@extend_schema_view(
    list=extend_schema(parameters=[INCLUDE], responses={200: ArticleSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(parameters=[INCLUDE], responses={200: ArticleSerializer, **ERRORS}),
)
class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    """Articles of your projects, newest first (or best first with `?search=`)."""

    serializer_class = ArticleSerializer
    renderer_classes = RENDERERS
    lookup_value_regex = "[0-9]+"
    filterset_class = ArticleFilter

    def get_queryset(self) -> QuerySet[Article]:
        return visible_articles(self.request.user)

    def cursor_ordering(self, request: Request) -> tuple[str, ...]:
        if request.query_params.get("search", "").strip():
            return ("-rank", "-id")
        return ("-id",)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        include = wants_annotations(request)
        queryset = self.filter_queryset(self.get_queryset())
        searching = "rank" in queryset.query.annotations
        fields = (*ARTICLE_VALUES, "rank", "snippet") if searching else ARTICLE_VALUES
        if include:
            # The page's spans come in the page's own query, one correlated subquery per article.
            project = self.filterset_project(request)
            queryset, fields = queryset.annotate(spans_json=spans_json(request, project)), (*fields, "spans_json")
        # A search answered by the index counted its hits there (articles.filters); else count the rows.
        count, estimate = getattr(request, "search_count", None) or count_hits(queryset)
        self.paginator.extra = {"count": count, "count_is_estimate": estimate}
        page = self.paginate_queryset(queryset.values(*fields))
        items = [article_dict(row) for row in page]
        for item, row in zip(items, page, strict=True):
            if item.get("snippet") is not None:
                item["snippet"] = escape_snippet(item["snippet"])
            if include:
                item["annotations"] = embedded(row["spans_json"])
        return self.get_paginated_response(items)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        include = wants_annotations(request)
        queryset = self.get_queryset()
        fields = ARTICLE_VALUES
        if include:
            project = self.filterset_project(request)
            queryset, fields = queryset.annotate(spans_json=spans_json(request, project)), (*fields, "spans_json")
        row = get_object_or_404(queryset.values(*fields), pk=int(self.kwargs["pk"]))
        item = article_dict(row)
        if include:
            item["annotations"] = embedded(row["spans_json"])
        return Response(item)

    def filterset_project(self, request: Request) -> Project | None:
        raw = request.query_params.get("project")
        if not raw:
            return None
        if not (raw.isascii() and raw.isdigit()):
            raise ValidationError({"project": ["A project id is a whole number."]})
        return get_object_or_404(roles.visible_projects(request.user), pk=int(raw))

    @extend_schema(request=SubmitSerializer, responses={200: SubmittedSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Mark your work on this article in a project as done: your draft spans become submitted."""
        article = get_object_or_404(self.get_queryset(), pk=pk)
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        project = roles.visible_projects(request.user).filter(pk=body.validated_data["project"]).first()
        if project is None or not project.articles.filter(pk=article.pk).exists():
            raise ValidationError({"project": ["This article is not in that project of yours."]})
        assignment = services.submit_article(project=project, article=article, annotator=request.user)
        return Response(SubmittedSerializer(assignment).data)
