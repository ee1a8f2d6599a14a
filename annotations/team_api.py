"""API of a project's team work: assignments of articles to coders, and agreement between the coders.

Agreement: reviewers and project admins of the project (and superusers) may read it; an annotator of the
project gets 403 (they know the project exists, but not the others' codings); anyone else gets 404.
Assignments: project admins assign; every member lists them (annotators only their own); others get 404.
"""

from __future__ import annotations

import csv
import io
from itertools import combinations
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import permissions, services
from annotations.agreement import Agreement, paused_gc
from annotations.api import CSVRenderer
from annotations.models import Assignment
from annotations.selectors import agreement_study
from articles.selectors import matching_ids
from newsarchive.rendering import ERRORS, RENDERERS, FastJSONRenderer
from projects import roles
from projects.models import Membership, Project

MAX_ID = 2**63 - 1
PROJECT_ID = OpenApiParameter("project_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Project id")
ANNOTATORS = OpenApiParameter(
    "annotators", OpenApiTypes.STR, required=True, description="Two or more user ids, comma-separated: 3,5,8"
)
ARTICLE = OpenApiParameter("article", OpenApiTypes.INT, description="Only this article of the project")
FORMAT = OpenApiParameter(
    "format", OpenApiTypes.STR, enum=["json", "csv"], description="csv: per article and per coder pair"
)
CSV_COLUMNS = ["article", "annotators", "label", "f1_exact", "f1_overlap", "kappa_tokens", "alpha_tokens"]


class LabelFiguresSerializer(serializers.Serializer):
    f1_exact = serializers.FloatField(allow_null=True)
    f1_overlap = serializers.FloatField(allow_null=True)
    kappa_tokens = serializers.FloatField(allow_null=True)
    alpha_tokens = serializers.FloatField(allow_null=True)


class OverallFiguresSerializer(serializers.Serializer):
    f1_exact = serializers.FloatField(allow_null=True)
    f1_overlap = serializers.FloatField(allow_null=True)
    alpha_tokens = serializers.FloatField(allow_null=True)


@extend_schema_serializer(many=False)  # one object, though `list` answers it
class AgreementSerializer(serializers.Serializer):
    """The schema of the agreement answer (documentation only: the figures come from annotations.agreement)."""

    annotators = serializers.ListField(child=serializers.IntegerField())
    articles = serializers.IntegerField()
    labels = serializers.DictField(child=LabelFiguresSerializer())
    overall = OverallFiguresSerializer()


def overseen_project(request: Request, project_id: int) -> Project:
    """The project if the user reviews or administers it; 403 for its annotators, 404 for everyone else."""
    project = roles.visible_projects(request.user).filter(pk=project_id).first()
    if project is None:
        raise NotFound("Not found in your projects.")
    if not permissions.can_review(request.user, project):
        raise PermissionDenied("Only reviewers and project admins see the agreement between coders.")
    return project


def parse_annotators(project: Project, raw: str | None) -> list[int]:
    """The listed coder ids, in the order given: at least two, distinct, each a member of the project."""
    if not raw or not raw.strip():
        raise ValidationError({"annotators": ["List two or more user ids, comma-separated: ?annotators=3,5"]})
    ids = []
    for part in raw.split(","):
        part = part.strip()
        if not part.isdigit() or not part.isascii() or int(part) > MAX_ID:
            raise ValidationError({"annotators": [f"{part!r} is not a user id (a whole number)."]})
        ids.append(int(part))
    if len(set(ids)) != len(ids):
        raise ValidationError({"annotators": ["Each annotator may be listed once."]})
    if len(ids) < 2:
        raise ValidationError({"annotators": ["Agreement needs at least two annotators."]})
    members = set(Membership.objects.filter(project=project, user_id__in=ids).values_list("user_id", flat=True))
    strangers = [i for i in ids if i not in members]
    if strangers:
        listed = ", ".join(str(i) for i in strangers)
        raise ValidationError({"annotators": [f"Not members of this project: {listed}."]})
    return ids


def parse_article(project: Project, raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not raw.isascii() or int(raw) > MAX_ID:
        raise ValidationError({"article": ["An article id is a whole number."]})
    if not project.articles.filter(pk=int(raw)).exists():
        raise ValidationError({"article": [f"Article {raw} is not in this project."]})
    return int(raw)


def agreement_csv(study: Agreement, coders: list[int]) -> str:
    """Per article and for all articles ("all"), for all coders and for each pair: every figure of every label."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    groups = [coders, *([list(pair) for pair in combinations(coders, 2)] if len(coders) > 2 else [])]
    scopes: list[tuple[str, list]] = [("all", list(study.texts))] + [(str(a), [a]) for a in study.texts]

    def cell(value: float | None) -> str:
        return "" if value is None else repr(value)

    for scope, articles in scopes:
        for group in groups:
            result = study.figures(group, articles)
            who = " ".join(str(c) for c in group)
            for label, figures in result["labels"].items():
                writer.writerow([scope, who, label, *(cell(figures[k]) for k in CSV_COLUMNS[3:])])
            overall = result["overall"]
            writer.writerow(
                [
                    scope,
                    who,
                    "(overall)",
                    cell(overall["f1_exact"]),
                    cell(overall["f1_overlap"]),
                    "",
                    cell(overall["alpha_tokens"]),
                ]
            )
    return out.getvalue()


class AgreementViewSet(viewsets.ViewSet):
    """Agreement between coders over the articles each of them has submitted (see the README for the metrics)."""

    renderer_classes = [FastJSONRenderer, CSVRenderer]

    @extend_schema(
        parameters=[PROJECT_ID, ANNOTATORS, ARTICLE, FORMAT],
        responses={
            200: AgreementSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV per article and coder pair"),
            **ERRORS,
        },
    )
    def list(self, request: Request, project_id: str) -> Any:
        project = overseen_project(request, int(project_id))
        coders = parse_annotators(project, request.query_params.get("annotators"))
        article_id = parse_article(project, request.query_params.get("article"))
        with paused_gc():
            study = agreement_study(project_id=project.pk, annotator_ids=coders, article_id=article_id)
            if request.accepted_renderer.format == "csv":
                response = HttpResponse(agreement_csv(study, coders), content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="agreement-project-{project.pk}.csv"'
                return response
            return Response(study.figures(coders))


# --- assignments ------------------------------------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    annotator_name = serializers.CharField(source="annotator.username", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "article", "annotator", "annotator_name", "status", "submitted_at", "updated_at"]


class AssignRequestSerializer(serializers.Serializer):
    articles = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=100_000
    )
    search = serializers.CharField(required=False, max_length=300, help_text="Web-search syntax, as the article list")
    coders = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=1000)
    k = serializers.IntegerField(help_text="Coders per article")

    def validate(self, data: dict) -> dict:
        if ("articles" in data) == ("search" in data):
            raise serializers.ValidationError({"articles": ["Give either article ids or a search, not both."]})
        return data


class AssignedSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="New assignments")
    complete = serializers.IntegerField(help_text="Articles that already had k of these coders")
    assignments = serializers.ListField(child=serializers.DictField(child=serializers.IntegerField()))
    load = serializers.DictField(child=serializers.IntegerField(), help_text="Open assignments per coder id")


class AssignmentViewSet(viewsets.GenericViewSet):
    """A project's assignments: who codes which article (`?annotator=`, `?status=`); project admins assign."""

    serializer_class = AssignmentSerializer
    renderer_classes = RENDERERS

    def member_project(self) -> tuple[Project, str]:
        project = roles.visible_projects(self.request.user).filter(pk=int(self.kwargs["project_id"])).first()
        role = roles.project_role(self.request.user, project) if project is not None else None
        if role is None:
            raise NotFound("Not found in your projects.")
        return project, role

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema is built without a project
            return Assignment.objects.none()
        project, role = self.member_project()
        queryset = Assignment.objects.filter(project=project).select_related("annotator")
        if not permissions.sees_all_annotations(role):
            queryset = queryset.filter(annotator=self.request.user)
        params = self.request.query_params
        annotator = params.get("annotator", "")
        if annotator.isascii() and annotator.isdigit() and int(annotator) <= MAX_ID:
            queryset = queryset.filter(annotator_id=int(annotator))
        if params.get("status") in Assignment.Status.values:
            queryset = queryset.filter(status=params["status"])
        return queryset

    def cursor_ordering(self, request: Request) -> tuple[str, ...]:
        return ("id",)

    @extend_schema(
        parameters=[
            PROJECT_ID,
            OpenApiParameter("annotator", OpenApiTypes.INT, description="Only this coder's"),
            OpenApiParameter("status", OpenApiTypes.STR, enum=Assignment.Status.values),
        ],
        responses={200: AssignmentSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, project_id: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AssignmentSerializer(page, many=True).data)

    @extend_schema(
        parameters=[PROJECT_ID], request=AssignRequestSerializer, responses={201: AssignedSerializer, **ERRORS}
    )
    def create(self, request: Request, project_id: str) -> Response:
        """Give articles (ids, or those matching a search) to k of the coders each, balanced by open load."""
        project, role = self.member_project()
        if role != Membership.Role.ADMIN:
            raise PermissionDenied("Only project admins assign articles.")
        body = AssignRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "search" in data:
            article_ids = matching_ids(project.articles.all(), data["search"], project=project.pk)
            if not article_ids:
                raise ValidationError({"search": ["No article of this project matches this search."]})
        else:
            article_ids = data["articles"]
        result = services.assign_articles(project=project, article_ids=article_ids, coders=data["coders"], k=data["k"])
        answer = {
            "created": len(result.created),
            "complete": result.complete,
            "assignments": [{"article": a, "annotator": c} for a, c in result.created],
            "load": {str(c): n for c, n in result.load.items()},
        }
        return Response(answer, status=status.HTTP_201_CREATED)
