"""The curation screen: every coder's spans of an article side by side, and the gold layer the curator edits."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from annotations.gold import gold_user
from annotations.models import Annotation
from annotations.permissions import sees_all_annotations
from annotations.views import _member_project, coded_spans, workspace_data


@login_required
@require_GET
def curation(request: HttpRequest, project_id: int, article_id: int) -> HttpResponse:
    """The workspace on the project's gold layer, with one lane per coder of the article (curators only)."""
    project, role = _member_project(request, project_id)
    if not sees_all_annotations(role):
        raise PermissionDenied("Only reviewers and project admins curate the gold coding.")
    article = get_object_or_404(project.articles.select_related("outlet"), pk=article_id)
    gold = gold_user()
    coder_ids = set(
        Annotation.objects.filter(project=project, article=article)
        .exclude(annotator=gold)
        .values_list("annotator_id", flat=True)
        .distinct()
    )
    names = dict(get_user_model().objects.filter(pk__in=coder_ids).values_list("pk", "username"))
    coders = sorted(coder_ids, key=lambda pk: names[pk])
    spans, referenced = coded_spans(project=project, article=article, annotator_ids=coders)
    data = workspace_data(project=project, article=article, user=gold, suggest=False, also_actors=referenced)
    data["layer"] = "gold"
    data["csrf"] = get_token(request)
    data["urls"] = {"list": f"/projects/{project.pk}/", "snapshot": f"/snapshots/{article.snapshot_id}/"}
    data["curation"] = {
        "coders": [{"id": pk, "name": names[pk]} for pk in coders],
        "spans": spans,
    }
    context = {"project": project, "article": article, "data": data, "labels": data["labels"], "curation": True}
    return render(request, "annotations/workspace.html", context)
