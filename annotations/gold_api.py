"""API of the gold layer: scoring a coder against gold (or another coder), and curators accepting spans into gold.

Score: reviewers and project admins score anyone; a coder scores only themselves, only in a training project, and
only on the articles they submitted (so the reference stays hidden until then); others get 404.
Gold: reviewers and project admins accept a coder's span into the project's gold layer.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import gold, permissions
from annotations.agreement import paused_gc
from annotations.api import span_json
from annotations.models import Annotation
from annotations.selectors import score_study
from annotations.team_api import MAX_ID, PROJECT_ID, parse_article
from newsarchive.rendering import ERRORS, RENDERERS
from projects import roles
from projects.models import Membership, Project

GOLD = "gold"


class RatesSerializer(serializers.Serializer):
    precision = serializers.FloatField(allow_null=True)
    recall = serializers.FloatField(allow_null=True)
    f1 = serializers.FloatField(allow_null=True)


class ScoreFiguresSerializer(serializers.Serializer):
    spans = serializers.IntegerField(help_text="The coder's spans")
    reference_spans = serializers.IntegerField()
    exact = RatesSerializer()
    overlap = RatesSerializer()


class DifferenceSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    label = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    quote = serializers.CharField()
    kind = serializers.ChoiceField(choices=["missed", "extra", "boundary", "label"])
    side = serializers.ChoiceField(choices=["coder", "reference"], help_text="Whose span this is")


@extend_schema_serializer(many=False)  # one object, though `list` answers it
class ScoreSerializer(serializers.Serializer):
    """The schema of the score answer (documentation only: the figures come from annotations.agreement)."""

    annotator = serializers.IntegerField()
    reference = serializers.CharField(help_text='"gold" or a user id')
    articles = serializers.IntegerField()
    labels = serializers.DictField(child=ScoreFiguresSerializer())
    overall = ScoreFiguresSerializer()
    differences = DifferenceSerializer(many=True)


def _user_id(raw: str, field: str) -> int:
    if not raw.isdigit() or not raw.isascii() or int(raw) > MAX_ID:
        raise ValidationError({field: [f"{raw!r} is not a user id (a whole number)."]})
    return int(raw)


class ScoreViewSet(viewsets.ViewSet):
    """A coder's precision, recall and F1 against gold or another coder, per label, exact and overlap."""

    renderer_classes = RENDERERS

    @extend_schema(
        parameters=[
            PROJECT_ID,
            OpenApiParameter("annotator", OpenApiTypes.INT, description="The coder scored (default: you)"),
            OpenApiParameter("reference", OpenApiTypes.STR, description='"gold" (default) or a user id'),
            OpenApiParameter("article", OpenApiTypes.INT, description="Only this article of the project"),
        ],
        responses={200: ScoreSerializer, **ERRORS},
    )
    def list(self, request: Request, project_id: str) -> Response:
        project: Project | None = roles.visible_projects(request.user).filter(pk=int(project_id)).first()
        if project is None:
            raise NotFound("Not found in your projects.")
        params = request.query_params
        annotator = _user_id(params["annotator"], "annotator") if params.get("annotator") else request.user.pk
        reference_raw = params.get("reference") or GOLD
        curator = permissions.can_review(request.user, project)
        if not curator:
            if annotator != request.user.pk:
                raise PermissionDenied("Only reviewers and project admins see another coder's score.")
            if not project.training:
                raise PermissionDenied("Coders see their score against gold only in training projects.")
            if reference_raw != GOLD:
                raise PermissionDenied("Coders are scored against gold only.")
        if reference_raw == GOLD:
            reference = gold.gold_user_id() or 0  # no gold anywhere yet: nobody's spans, all figures empty
        else:
            reference = _user_id(reference_raw, "reference")
            if not Membership.objects.filter(project=project, user_id=reference).exists():
                raise ValidationError({"reference": [f"User {reference} is not a member of this project."]})
        if annotator != request.user.pk and not Membership.objects.filter(project=project, user_id=annotator).exists():
            raise ValidationError({"annotator": [f"User {annotator} is not a member of this project."]})
        article_id = parse_article(project, params.get("article"))
        with paused_gc():
            study = score_study(
                project_id=project.pk, annotator_id=annotator, reference_id=reference, article_id=article_id
            )
        answer: dict[str, Any] = {"annotator": annotator, "reference": GOLD if reference_raw == GOLD else reference}
        answer.update(study.score(annotator, reference))
        differences = study.differences(annotator, reference)
        for d in differences:
            d["quote"] = study.texts[d["article"]][d["start"] : d["end"]]
        answer["differences"] = differences
        return Response(answer)


class AcceptSerializer(serializers.Serializer):
    annotation = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="A coder's span to take")


class GoldViewSet(viewsets.ViewSet):
    """The project's gold layer: a curator accepts a coder's span (with its details) into it."""

    renderer_classes = RENDERERS

    @extend_schema(parameters=[PROJECT_ID], request=AcceptSerializer, responses={201: OpenApiTypes.OBJECT, **ERRORS})
    def create(self, request: Request, project_id: str) -> Response:
        project = roles.visible_projects(request.user).filter(pk=int(project_id)).first()
        if project is None:
            raise NotFound("Not found in your projects.")
        if not permissions.can_review(request.user, project):
            raise PermissionDenied("Only reviewers and project admins curate the gold coding.")
        body = AcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        annotation = (
            Annotation.objects.filter(project=project, pk=body.validated_data["annotation"])
            .select_related("project", "article", "label")
            .first()
        )
        if annotation is None:
            raise ValidationError({"annotation": ["No span of this project has that id."]})
        copied = gold.accept_into_gold(annotation=annotation)
        return Response(span_json(Annotation.objects.filter(pk=copied.pk)), status=status.HTTP_201_CREATED)
