"""The Import page's form: files, URLs and a pasted text, into one of the projects the user administers."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import AbstractBaseUser

from projects.models import Project
from projects.roles import importable_projects


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type=file multiple>."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("allow_empty_file", True)  # the import reports an empty file like any other bad item
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class ImportForm(forms.Form):
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(),
        required=False,
        help_text="The imported articles are added to this project.",
    )
    files = MultipleFileField(
        required=False,
        label="Files",
        help_text="Saved pages (.html, .htm), text files (.txt), gzipped or not; WARC and JSON Lines files.",
    )
    urls = forms.CharField(
        required=False,
        label="URLs",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One web address per line.",
    )
    title = forms.CharField(required=False, label="Title of the pasted text", max_length=1000)
    text = forms.CharField(
        required=False,
        label="Pasted text",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="The article's text; it is stored exactly as pasted.",
    )

    background = forms.BooleanField(
        required=False,
        label="Run in the background",
        help_text="Uploads of more than 20 items always do: this page then shows the progress.",
    )

    def __init__(self, *args, user: AbstractBaseUser, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = importable_projects(user)
        if not user.is_staff:
            self.fields["project"].required = True
            self.fields["project"].empty_label = None

    def clean(self):
        data = super().clean()
        has_text = bool((data.get("text") or "").strip())
        if not data.get("files") and not (data.get("urls") or "").strip() and not has_text:
            raise forms.ValidationError("Choose files, enter URLs or paste a text to import.")
        if has_text and not (data.get("title") or "").strip():
            self.add_error("title", "A pasted text needs its title.")
        return data
