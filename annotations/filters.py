"""Filters of the coding app's API lists (and of the exports, which filter like the lists).

Ids that match nothing the user can see answer 400 naming the parameter, not an empty list.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from annotations.gold import GOLD_USERNAME, gold_user_id
from annotations.models import Actor, Annotation, Claim, Label, Relation
from articles.models import Article
from articles.visibility import visible_articles
from newsarchive.filters import UTCIsoDateTimeFilter
from projects import roles


def _projects(request):
    return roles.visible_projects(request.user) if request is not None else Label.objects.none()


def _articles(request):
    return visible_articles(request.user) if request is not None else Article.objects.none()


def _labels(request):
    if request is None:
        return Label.objects.none()
    return Label.objects.filter(project__in=roles.visible_projects(request.user))


class AnnotatorField(forms.ModelChoiceField):
    """A user id, or `gold` for the gold layer (the system user whose spans are each project's gold coding)."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip().lower() == GOLD_USERNAME:
            found = gold_user_id()
            if found is None:
                raise forms.ValidationError("No project has a gold coding yet.", code="invalid_choice")
            value = str(found)
        return super().to_python(value)


@extend_schema_field(OpenApiTypes.STR)
class AnnotatorFilter(django_filters.ModelChoiceFilter):
    """Filter by annotator: a user id, or `gold`."""

    field_class = AnnotatorField


GOLD_HELP = "User id, or gold: the gold coding (see the README)"


class AnnotationFilter(django_filters.FilterSet):
    project = django_filters.ModelChoiceFilter(queryset=_projects, help_text="Project id")
    article = django_filters.ModelChoiceFilter(queryset=_articles, help_text="Article id")
    label = django_filters.ModelChoiceFilter(queryset=_labels, help_text="Label id")
    label_kind = django_filters.ChoiceFilter(field_name="label__kind", choices=Label.Kind.choices)
    actor = django_filters.ModelChoiceFilter(
        queryset=Actor.objects.all(), field_name="actor_links__actor", distinct=False, help_text="Linked actor id"
    )
    annotator = AnnotatorFilter(queryset=get_user_model().objects.all(), help_text=GOLD_HELP)
    status = django_filters.ChoiceFilter(choices=Annotation.Status.choices)
    created_after = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Annotation
        fields = [
            "project",
            "article",
            "label",
            "label_kind",
            "actor",
            "annotator",
            "status",
            "created_after",
            "created_before",
        ]


class ClaimFilter(django_filters.FilterSet):
    """The flat claims view and the claims CSV: the same filters as annotations, on the claim's span."""

    project = django_filters.ModelChoiceFilter(queryset=_projects, field_name="annotation__project")
    article = django_filters.ModelChoiceFilter(queryset=_articles, field_name="annotation__article")
    claimant = django_filters.ModelChoiceFilter(queryset=Actor.objects.all())
    about = django_filters.ModelChoiceFilter(queryset=Actor.objects.all(), field_name="about_links__actor")
    annotator = AnnotatorFilter(
        queryset=get_user_model().objects.all(), field_name="annotation__annotator", help_text=GOLD_HELP
    )
    status = django_filters.ChoiceFilter(choices=Annotation.Status.choices, field_name="annotation__status")
    stance = django_filters.ChoiceFilter(choices=Claim.Stance.choices)
    speech = django_filters.ChoiceFilter(choices=Claim.Speech.choices)
    verdict = django_filters.ChoiceFilter(choices=Claim.Verdict.choices)
    published_after = UTCIsoDateTimeFilter(field_name="annotation__article__published_at", lookup_expr="gte")
    published_before = UTCIsoDateTimeFilter(field_name="annotation__article__published_at", lookup_expr="lt")
    created_after = UTCIsoDateTimeFilter(field_name="annotation__created_at", lookup_expr="gte")
    created_before = UTCIsoDateTimeFilter(field_name="annotation__created_at", lookup_expr="lt")

    class Meta:
        model = Claim
        fields = [
            "project",
            "article",
            "claimant",
            "about",
            "annotator",
            "status",
            "stance",
            "speech",
            "verdict",
            "published_after",
            "published_before",
            "created_after",
            "created_before",
        ]


class RelationFilter(django_filters.FilterSet):
    article = django_filters.ModelChoiceFilter(queryset=_articles, help_text="Article id")
    project = django_filters.ModelChoiceFilter(queryset=_projects, field_name="source__project")
    kind = django_filters.ChoiceFilter(choices=Relation.Kind.choices)

    class Meta:
        model = Relation
        fields = ["article", "project", "kind"]


class LabelFilter(django_filters.FilterSet):
    project = django_filters.ModelChoiceFilter(queryset=_projects, help_text="Project id")
    kind = django_filters.ChoiceFilter(choices=Label.Kind.choices)

    class Meta:
        model = Label
        fields = ["project", "kind"]


class ActorFilter(django_filters.FilterSet):
    """`?q=` is handled by the view (fuzzy search, best first); these narrow the list further."""

    kind = django_filters.ChoiceFilter(choices=Actor.Kind.choices)
    country = django_filters.CharFilter(max_length=3)
    wikidata_qid = django_filters.CharFilter(max_length=20)

    class Meta:
        model = Actor
        fields = ["kind", "country", "wikidata_qid"]
