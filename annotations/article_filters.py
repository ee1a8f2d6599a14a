"""Filters of the article list and the corpus exports: the archive's, plus those about the spans you may see."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

from annotations import permissions
from annotations.filters import AnnotatorFilter
from annotations.models import Actor, Annotation, Label
from articles.filters import ArchiveArticleFilter, IdFilter
from articles.models import Article


class ArticleFilter(ArchiveArticleFilter):
    has_label = django_filters.CharFilter(
        method="filter_has_label", max_length=50, help_text="Label name, e.g. CLAIM: articles with such a span"
    )
    mentions_actor = IdFilter(
        queryset=Actor.objects.all(), method="filter_mentions_actor", help_text="Actor id linked from a span"
    )
    annotation_status = django_filters.ChoiceFilter(
        choices=Annotation.Status.choices, method="filter_annotation_status", help_text="Articles with such spans"
    )
    annotator = AnnotatorFilter(
        queryset=get_user_model().objects.all(),
        method="filter_annotator",
        help_text="User id, or gold: articles they coded (gold: that have gold spans; see the README)",
    )

    class Meta:
        model = Article
        fields = [
            *ArchiveArticleFilter.Meta.fields,
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
