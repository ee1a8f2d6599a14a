"""Filters of the article list and the corpus exports; `?search=` is ranked full-text search."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Exists, F, OuterRef, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from annotations import permissions
from annotations.models import Actor, Annotation, Label, Project
from articles.models import Article, Outlet
from articles.selectors import SEARCH_CONFIG, search_articles
from newsarchive.filters import UTCIsoDateTimeFilter

MAX_SEARCH = 500
NEGATED_TERM = re.compile(r'(?:^|\s)-(?:"[^"]*"?|\S+)')


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.ModelChoiceFilter):
    """An object id (documented as an integer even when a method does the filtering)."""


def _projects(request):
    return permissions.visible_projects(request.user) if request is not None else Project.objects.none()


class ArticleFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=MAX_SEARCH,
        help_text='Web-search syntax: "exact phrase", OR, -exclude. Results come best first with a snippet.',
    )
    project = IdFilter(queryset=_projects, method="filter_project", help_text="Project id")
    outlet = IdFilter(queryset=Outlet.objects.all(), help_text="Outlet id")
    language = django_filters.CharFilter(max_length=35, help_text="BCP-47 code, e.g. en")
    published_after = UTCIsoDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = UTCIsoDateTimeFilter(field_name="published_at", lookup_expr="lt")
    has_label = django_filters.CharFilter(
        method="filter_has_label", max_length=50, help_text="Label name, e.g. CLAIM: articles with such a span"
    )
    mentions_actor = IdFilter(
        queryset=Actor.objects.all(), method="filter_mentions_actor", help_text="Actor id linked from a span"
    )
    annotation_status = django_filters.ChoiceFilter(
        choices=Annotation.Status.choices, method="filter_annotation_status", help_text="Articles with such spans"
    )
    annotator = IdFilter(
        queryset=get_user_model().objects.all(), method="filter_annotator", help_text="User id: articles they coded"
    )

    class Meta:
        model = Article
        fields = [
            "search",
            "project",
            "outlet",
            "language",
            "published_after",
            "published_before",
            "has_label",
            "mentions_actor",
            "annotation_status",
            "annotator",
        ]

    def _with_annotations(self, queryset, condition: Q):
        """Articles having a span that the user can see and that meets the condition."""
        user = self.request.user if self.request is not None else None
        scope = permissions.annotation_scope(user) if user is not None else Q(pk__in=[])
        project = self.form.cleaned_data.get("project") if hasattr(self.form, "cleaned_data") else None
        if project is not None:
            condition &= Q(project=project)
        spans = Annotation.objects.filter(scope, condition, article_id=OuterRef("pk"))
        return queryset.filter(Exists(spans))

    def filter_search(self, queryset, name, value):
        if not value.strip():
            return queryset
        queryset = search_articles(queryset, value)
        # ts_rank scores any query with a negation (-word) as ~0 for every row: rank by its positive part.
        positive = NEGATED_TERM.sub(" ", value).strip()
        if positive and positive != value.strip():
            positive_query = SearchQuery(positive, search_type="websearch", config=SEARCH_CONFIG)
            queryset = queryset.annotate(rank=SearchRank(F("search"), positive_query))
        return queryset

    def filter_project(self, queryset, name, value):
        return queryset.filter(
            Exists(Project.articles.through.objects.filter(article_id=OuterRef("pk"), project=value))
        )

    def filter_has_label(self, queryset, name, value):
        if not Label.objects.filter(name__iexact=value).exists():
            raise forms.ValidationError({"has_label": f"No codebook has a label named {value!r}."})
        return self._with_annotations(queryset, Q(label__name__iexact=value))

    def filter_mentions_actor(self, queryset, name, value):
        return self._with_annotations(queryset, Q(actor_links__actor=value))

    def filter_annotation_status(self, queryset, name, value):
        return self._with_annotations(queryset, Q(status=value))

    def filter_annotator(self, queryset, name, value):
        return self._with_annotations(queryset, Q(annotator=value))


class OutletFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Outlet.Kind.choices)
    country = django_filters.CharFilter(max_length=3)
    domain = django_filters.CharFilter(max_length=253)

    class Meta:
        model = Outlet
        fields = ["kind", "country", "domain"]
