"""Filters of the article list and the corpus exports: the archive's, plus those about the spans you may see."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q

from annotations import gold, permissions
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
    status = django_filters.ChoiceFilter(
        choices=Annotation.Status.choices,
        method="filter_annotation_status",
        help_text="Articles with such spans; with include=annotations (and in exports) only such spans",
    )
    annotator = AnnotatorFilter(
        queryset=get_user_model().objects.all(),
        method="filter_annotator",
        help_text="User id, or gold (see the README): articles they coded; with include=annotations (and in exports) "
        "only their spans",
    )

    class Meta:
        model = Article
        fields = [
            *ArchiveArticleFilter.Meta.fields,
            "has_label",
            "mentions_actor",
            "annotation_status",
            "status",
            "annotator",
        ]

    @staticmethod
    def span_selection(params) -> tuple[int | None, str | None]:
        """The (annotator id, status) of a query that this filter has accepted: they select the spans themselves
        (embedded or exported), not only the articles. Read from the parameters, costing no query."""
        annotator = (params.get("annotator") or "").strip()
        status = params.get("status") or params.get("annotation_status") or None
        if annotator == "gold":
            gold_id = gold.gold_user_id()
            if gold_id is None:
                raise ValidationError({"annotator": "No project has a gold coding yet."})
            annotator = str(gold_id)
        if annotator and not (annotator.isascii() and annotator.isdigit()):
            raise ValidationError({"annotator": "A user id is a whole number, or gold."})
        if status is not None and status not in Annotation.Status.values:
            choices = ", ".join(Annotation.Status.values)
            raise ValidationError({"status": f"Unknown status {status!r}: one of {choices}."})
        return (int(annotator) if annotator else None), status

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
