"""Forms of the coding app's screens and admin: assigning articles to coders (the rules are in services)."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model

from articles.selectors import matching_ids
from projects.models import Membership, Project


class AssignArticlesForm(forms.Form):
    """Which articles (ids, or a search) go to how many of which coders."""

    articles = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Article ids, e.g. 12 13 14"}),
        help_text="Article ids separated by spaces or commas",
    )
    search = forms.CharField(
        required=False, max_length=300, help_text='Or a search, as in the article list: "exact phrase", or, -not'
    )
    coders = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    k = forms.IntegerField(min_value=1, initial=2, label="Coders per article")

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        members = Membership.objects.filter(project=project).select_related("user").order_by("user__username")
        self.fields["coders"].choices = [(str(m.user_id), f"{m.user.get_username()} ({m.role})") for m in members]

    def clean_articles(self) -> list[int]:
        raw = self.cleaned_data["articles"]
        parts = [p for p in re.split(r"[\s,;]+", raw) if p]
        bad = [p for p in parts if not p.isdigit() or not p.isascii()]
        if bad:
            raise forms.ValidationError(f"Not article ids: {', '.join(bad[:10])}.")
        return [int(p) for p in parts]

    def clean(self) -> dict:
        data = super().clean()
        ids, query = data.get("articles") or [], (data.get("search") or "").strip()
        if "articles" not in data:
            return data
        if bool(ids) == bool(query):
            raise forms.ValidationError("Give either article ids or a search, not both.")
        if query:
            ids = matching_ids(self.project.articles.all(), query, project=self.project.pk)
            if not ids:
                self.add_error("search", "No article of this project matches this search.")
        data["article_ids"] = ids
        data["coder_ids"] = [int(c) for c in data.get("coders", [])]
        return data


class AdminAssignForm(forms.Form):
    """The admin action's form: the project the selected articles are assigned in, the coders, k."""

    project = forms.ModelChoiceField(queryset=Project.objects.all())
    coders = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.filter(memberships__isnull=False).distinct().order_by("username"),
        widget=forms.CheckboxSelectMultiple,
    )
    k = forms.IntegerField(min_value=1, initial=2, label="Coders per article")
