"""The archive's filters: outlets, and articles by search (ranked full-text), project, outlet, language, date."""

from __future__ import annotations

import math
import re

import django_filters
from django.db.models import Exists, OuterRef
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from articles import search_index
from articles.models import Article, Outlet
from articles.search import CONFIGS
from articles.selectors import (
    EXACT_COUNT_LIMIT,
    IndexHits,
    id_in,
    rank_expression,
    ranked_articles,
    search_articles,
    two_figures,
)
from newsarchive.filters import UTCIsoDateTimeFilter
from newsarchive.pagination import cursor_float, requested_window
from projects import roles
from projects.models import Project
from projects.roles import member_project_ids

MAX_SEARCH = 500
# The filters that the search index applies itself; any other (a subclass's: the span filters) is PostgreSQL's to
# check on each hit of the index's windows, and on the count.
INDEXED_FILTERS = {"search", "search_language", "project", "outlet", "language", "published_after", "published_before"}
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

    def filter_queryset(self, queryset):
        """Every other filter first, the search last: the index path re-checks its hits against the queryset the
        search is given, which must then hold every filter."""
        data = self.form.cleaned_data
        for name in sorted(data, key=lambda name: name == "search"):
            queryset = self.filters[name].filter(queryset, data[name])
        return queryset

    def filter_search(self, queryset, name, value):
        if not value.strip():
            return queryset
        language = self.form.cleaned_data.get("search_language") or None
        ranked = self.ranked_by_index(queryset, value, language)
        if ranked is not None:
            return ranked
        queryset = search_articles(queryset, value, language=language)
        # ts_rank scores any query with a negation (-word) as ~0 for every row: rank by its positive part.
        positive = NEGATED_TERM.sub(" ", value).strip()
        if positive and positive != value.strip():
            queryset = queryset.annotate(rank=rank_expression(positive))
        return queryset

    def ranked_by_index(self, queryset, value, language):
        """The page's rows from the Tantivy index (articles.search_index), or None for the GIN path: when the index is
        not ready, when the request is not a paged API list, or when the page lies deeper than the index serves. The
        index's ids are re-checked against `queryset` (visibility, existence, and every filter the index does not
        hold, e.g. a subclass's span filters), so a deleted or hidden article never shows, even before the job has
        updated the index; with such a filter the count is PostgreSQL's too (`IndexHits`' checked count)."""
        request = self.request
        view = getattr(request, "parser_context", None) and request.parser_context.get("view")
        if view is None or getattr(view, "pagination_class", None) is None:
            return None  # not a paged API list (an export needs every hit): the GIN path
        unindexed = {key for key, given in self.form.cleaned_data.items() if given not in (None, "")} - INDEXED_FILTERS
        index = search_index.ready_index()
        if index is None:
            return None
        data, user = self.form.cleaned_data, request.user
        filters = search_index.Filters(
            projects=None if user.is_superuser else set(member_project_ids(user).values_list("project_id", flat=True)),
            project=data["project"].pk if data.get("project") else None,
            outlet=data["outlet"].pk if data.get("outlet") else None,
            language=data.get("language") or None,
            published_after=data.get("published_after"),
            published_before=data.get("published_before"),
        )
        position, reverse, size = requested_window(request, ("-rank", "-id"))
        if position is not None:
            try:
                position = (cursor_float(position[0]), position[1])
            except (ValueError, TypeError):
                return None  # a tampered cursor: the paginator refuses it
            article_id = position[1]
            if not isinstance(article_id, int) or isinstance(article_id, bool) or not math.isfinite(position[0]):
                return None
            if not -(2**63) <= article_id < 2**63:
                return None
        window = search_index.window(
            index,
            value,
            language=language,
            filters=filters,
            size=size,
            position=position,
            reverse=reverse,
            alive=lambda ids: set(queryset.filter(id_in(ids)).values_list("pk", flat=True)),
        )
        if window is None:
            return None
        if window.position is not None:
            request.cursor_position = list(window.position)  # the paginator walks on from the re-anchored row
        if unindexed:
            hits = IndexHits(index, queryset, value, filters, checked=True, language=language)
            count, estimate = hits.count(), hits.count_is_estimate
        else:
            count, estimate = window.count, window.estimated or window.count > EXACT_COUNT_LIMIT
        request.search_count = (two_figures(count) if estimate else count, estimate)
        return ranked_articles(queryset, value, window.hits)

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
