"""The archive's filters: outlets, and articles by search (ranked full-text), project, outlet, language, date."""

from __future__ import annotations

import re

import django_filters
from django.db.models import Exists, OuterRef
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from articles.models import Article, Outlet
from articles.search import CONFIGS
from articles.selectors import rank_expression, search_articles
from newsarchive.filters import UTCIsoDateTimeFilter
from projects import roles
from projects.models import Project

MAX_SEARCH = 500
NEGATED_TERM = re.compile(r'(?:^|\s)-(?:"[^"]*"?|\S+)')


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.ModelChoiceFilter):
    """An object id (documented as an integer even when a method does the filtering)."""


def _projects(request):
    return roles.visible_projects(request.user) if request is not None else Project.objects.none()


class ArchiveArticleFilter(django_filters.FilterSet):
    """The archive's filters of articles; annotations.article_filters.ArticleFilter adds those about spans."""

    search = django_filters.CharFilter(
        method="filter_search",
        max_length=MAX_SEARCH,
        help_text='Web-search syntax: "exact phrase", OR, -exclude. Results come best first with a snippet.',
    )
    search_language = django_filters.ChoiceFilter(
        choices=[(code, f"{code} ({config})") for code, config in CONFIGS.items()],
        method="filter_nothing",
        help_text="Parse `search` in this language (its stemming and stop words) and search only articles in it. "
        "Without it, each article is matched with the query parsed in the article's own language.",
    )
    project = IdFilter(queryset=_projects, method="filter_project", help_text="Project id")
    outlet = IdFilter(queryset=Outlet.objects.all(), help_text="Outlet id")
    language = django_filters.CharFilter(max_length=35, help_text="BCP-47 code, e.g. en")
    published_after = UTCIsoDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = UTCIsoDateTimeFilter(field_name="published_at", lookup_expr="lt")

    class Meta:
        model = Article
        fields = ["search", "search_language", "project", "outlet", "language", "published_after", "published_before"]

    def filter_search(self, queryset, name, value):
        if not value.strip():
            return queryset
        language = self.form.cleaned_data.get("search_language") or None
        queryset = search_articles(queryset, value, language=language)
        # ts_rank scores any query with a negation (-word) as ~0 for every row: rank by its positive part.
        positive = NEGATED_TERM.sub(" ", value).strip()
        if positive and positive != value.strip():
            queryset = queryset.annotate(rank=rank_expression(positive))
        return queryset

    def filter_nothing(self, queryset, name, value):
        return queryset  # read by filter_search

    def filter_project(self, queryset, name, value):
        return queryset.filter(
            Exists(Project.articles.through.objects.filter(article_id=OuterRef("pk"), project=value))
        )


class OutletFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Outlet.Kind.choices)
    country = django_filters.CharFilter(max_length=3)
    domain = django_filters.CharFilter(max_length=253)

    class Meta:
        model = Outlet
        fields = ["kind", "country", "domain"]
