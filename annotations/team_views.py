"""The screens of a project's team work: assignments and progress, agreement between coders (plots, disagreements)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from annotations import charts, services
from annotations.agreement import paused_gc
from annotations.forms import AssignArticlesForm
from annotations.models import Assignment
from annotations.permissions import sees_all_annotations
from annotations.selectors import agreement_study, progress_by_article, progress_by_coder
from annotations.views import _member_project
from articles.models import Article
from projects.models import Membership

HEATMAP_METRICS = {
    "alpha_tokens": "Krippendorff's \u03b1 over tokens (all labels)",
    "f1_overlap": "F1, overlapping spans (all labels)",
    "f1_exact": "F1, exact spans (all labels)",
}
MAX_DISAGREEMENTS = 200


def _team(project) -> list[dict]:
    """The project's members with how many of its articles each has submitted, most submitted first."""
    members = (
        Membership.objects.filter(project=project)
        .select_related("user")
        .annotate(
            submitted=Count(
                "user__assignments",
                filter=Q(user__assignments__project=project, user__assignments__status=Assignment.Status.SUBMITTED),
            )
        )
        .order_by("-submitted", "user__username")
    )
    return [{"id": m.user_id, "name": m.user.get_username(), "role": m.role, "submitted": m.submitted} for m in members]


def _selected(request: HttpRequest, team: list[dict]) -> tuple[list[int], str]:
    """The coders asked for (?annotators=1,2 or repeated ?annotator=), else everyone who submitted something."""
    known = {member["id"] for member in team}
    raw = request.GET.getlist("annotator") or [p for p in request.GET.get("annotators", "").split(",") if p]
    if not raw:
        return [m["id"] for m in team if m["submitted"]], ""
    chosen = []
    for part in raw:
        part = part.strip()
        if not (part.isascii() and part.isdigit()) or int(part) not in known:
            return [], f"{part!r} is not a member of this project."
        if int(part) not in chosen:
            chosen.append(int(part))
    return chosen, ""


@login_required
@require_GET
def agreement_page(request: HttpRequest, project_id: int) -> HttpResponse:
    """Agreement between the chosen coders: figures per label, bars, a coder x coder heatmap, the disagreements."""
    project, role = _member_project(request, project_id)
    if not sees_all_annotations(role):
        raise PermissionDenied("Only reviewers and project admins see the agreement between coders.")
    team = _team(project)
    coders, error = _selected(request, team)
    metric = request.GET.get("metric", "alpha_tokens")
    if metric not in HEATMAP_METRICS:
        metric = "alpha_tokens"
    context = {
        "project": project,
        "team": team,
        "coders": coders,
        "error": error,
        "metric": metric,
        "metrics": HEATMAP_METRICS,
        "metric_name": HEATMAP_METRICS[metric],
        "annotators_param": ",".join(str(c) for c in coders),
    }
    if not error and len(coders) < 2:
        context["error"] = "Choose at least two coders who have submitted articles."
    if context["error"]:
        return render(request, "annotations/agreement.html", context)

    names = dict(get_user_model().objects.filter(pk__in=coders).values_list("pk", "username"))
    with paused_gc():
        study = agreement_study(project_id=project.pk, annotator_ids=coders)
        result = study.figures(coders)
        pairwise = study.pairwise(coders)
    heat = {(coders.index(a), coders.index(b)): figures["overall"][metric] for (a, b), figures in pairwise.items()}
    pair_rows = [
        {"a": names[a], "b": names[b], "labels": f["labels"], "overall": f["overall"]} for (a, b), f in pairwise.items()
    ]
    found = study.disagreements(coders)
    shown = found[:MAX_DISAGREEMENTS]
    titles = dict(Article.objects.filter(pk__in={d.article for d in shown}).values_list("pk", "title"))
    disagreements = [
        {
            "article": d.article,
            "title": titles.get(d.article, ""),
            "label": d.label,
            "start": d.start,
            "end": d.end,
            "quote": study.texts[d.article][d.start : d.end],
            "coders": [names[c] for c in d.coders],
            "missing": [names[c] for c in coders if c not in d.coders],
            "kind": d.kind,
        }
        for d in shown
    ]
    context.update(
        {
            "result": result,
            "names": [names[c] for c in coders],
            "bars": mark_safe(charts.label_bars(result["labels"])),  # escaped by annotations.charts
            "heatmap": mark_safe(  # escaped by annotations.charts
                charts.coder_heatmap([names[c] for c in coders], heat, title=HEATMAP_METRICS[metric])
            ),
            "pairs": pair_rows,
            "disagreements": disagreements,
            "disagreement_total": len(found),
            "figure_names": charts.FIGURE_NAMES,
        }
    )
    return render(request, "annotations/agreement.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def assignments_page(request: HttpRequest, project_id: int) -> HttpResponse:
    """Project settings for the team: progress per coder and per article; project admins assign articles here."""
    project, role = _member_project(request, project_id)
    if not sees_all_annotations(role):
        raise PermissionDenied("Only reviewers and project admins see the team's progress.")
    is_admin = role == Membership.Role.ADMIN
    form = AssignArticlesForm(request.POST or None, project=project) if is_admin else None
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied("Only project admins assign articles.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.assign_articles(
                    project=project, article_ids=data["article_ids"], coders=data["coder_ids"], k=data["k"]
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                messages.success(
                    request,
                    f"{len(result.created)} new assignment{'s' if len(result.created) != 1 else ''} "
                    f"({result.complete} article{'s' if result.complete != 1 else ''} already had enough coders).",
                )
                return redirect("assignments", project_id=project.pk)
    articles = project.articles.order_by("id").only("id", "title")
    page = Paginator(articles, 50).get_page(request.GET.get("page"))
    progress = progress_by_article(project_id=project.pk, article_ids=[a.pk for a in page.object_list])
    rows = [{"article": a, **progress[a.pk]} for a in page.object_list]
    context = {
        "project": project,
        "form": form,
        "coders": progress_by_coder(project_id=project.pk),
        "rows": rows,
        "page": page,
    }
    return render(request, "annotations/assignments.html", context, status=400 if form and form.errors else 200)
