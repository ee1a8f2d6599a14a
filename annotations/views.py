"""The annotator's screens: projects, a project's article list, the annotation workspace, snapshot download.

Writes happen through the REST API (the same endpoints scripts use); these views only read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET

from annotations.gold import GOLD_USERNAME
from annotations.models import (
    Actor,
    ActorAlias,
    ActorLink,
    Annotation,
    Assignment,
    Claim,
    ClaimAbout,
    Label,
    Relation,
    SourceAttribution,
)
from annotations.permissions import sees_all_annotations
from annotations.services import CLAIM_FIELDS
from annotations.suggestions import suggest_mentions
from articles import search_index
from articles.models import TITLE_SORT_KEY, Article, Outlet, ProjectFacet, Snapshot
from articles.selectors import (
    IndexHits,
    articles_naming_in_postgres,
    count_hits,
    count_label,
    escape_snippet,
    id_in,
    ids_naming,
    search_articles,
    two_figures,
)
from projects.models import Membership, Project
from projects.roles import project_role, visible_projects

PAGE_SIZE = 50
# Each ordering ends with the id, so that it is total: page N never repeats or skips a row of page N-1. Each has
# its index (articles.models.Article.Meta.indexes): the title sort is by the title's first 200 characters, the
# outlet sort by the outlet's name as the database copies it onto the article.
SORTS = {
    "newest": ("-published_at", "-id"),
    "oldest": ("published_at", "id"),
    "title": (TITLE_SORT_KEY.asc(), "id"),
    "outlet": ("outlet_name", "-published_at", "-id"),
    "added": ("-created_at", "-id"),
}


SORT_CHOICES = [
    ("relevance", "Relevance"),
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("title", "Title"),
    ("outlet", "Outlet"),
    ("added", "Recently added"),
]


class BoundedCountPaginator(Paginator):
    """Page numbers over a count that stops being exact past 10,000 hits (articles.selectors.count_hits)."""

    count_is_estimate = False

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, IndexHits):  # the index counts its hits cheaply (articles.selectors)
            count = self.object_list.count()
            self.count_is_estimate = self.object_list.count_is_estimate
            return two_figures(count) if self.count_is_estimate else count
        count, self.count_is_estimate = count_hits(self.object_list)
        return count


def _member_project(request: HttpRequest, project_id: int) -> tuple[Project, str]:
    """The project and the user's role in it; 404 for non-members so that projects are not discoverable."""
    project = get_object_or_404(Project, pk=project_id)
    role = project_role(request.user, project)
    if role is None:
        raise Http404("No such project.")
    return project, role


def _id_param(value: str) -> int | None:
    """A whole-number id from the query string ('²' passes str.isdigit() but not int(); ids fit a bigint)."""
    if value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def _nul_in_params(request: HttpRequest) -> bool:
    """PostgreSQL text cannot hold NUL, so a filter value with one could only fail in the database."""
    return any("\x00" in value for _, values in request.GET.lists() for value in values)


def _actor_mentions(project: Project, actor: Actor, user, role: str) -> QuerySet:
    """Ids of the articles where a span the user may see links the actor: annotators see their own spans only,
    reviewers and project admins everyone's (as in the API's `mentions_actor`)."""
    links = ActorLink.objects.filter(actor=actor, annotation__project=project)
    if not sees_all_annotations(role):
        links = links.filter(annotation__annotator=user)
    return links.values("annotation__article_id")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    """The user's projects with their article counts and the user's own progress."""
    my_submitted = Assignment.objects.filter(
        project=OuterRef("pk"), annotator=request.user, status=Assignment.Status.SUBMITTED
    )
    projects = (
        visible_projects(request.user)
        .distinct()
        .annotate(
            article_count=Count("articles", distinct=True),
            submitted_count=Coalesce(
                Subquery(
                    my_submitted.values("project").annotate(n=Count("id")).values("n"), output_field=IntegerField()
                ),
                Value(0),
            ),
        )
        .order_by("name")
    )
    return render(request, "annotations/project_list.html", {"projects": projects})


@login_required
@require_GET
def article_list(request: HttpRequest, project_id: int) -> HttpResponse:
    """A project's articles: full-text search, filters, sorting, pagination and the user's progress on each."""
    project, role = _member_project(request, project_id)
    if _nul_in_params(request):
        return HttpResponseBadRequest("A search or filter value may not contain a NUL (\\u0000) character.")
    params = request.GET
    query = params.get("q", "").strip()
    articles = project.articles.all()

    outlet = _id_param(params.get("outlet", ""))
    if outlet is not None:
        articles = articles.filter(outlet_id=outlet)
    language = params.get("language", "")
    if language:
        articles = articles.filter(language=language)
    # Days in the current time zone as a range of instants, which the published_at index answers (a `__date`
    # lookup converts every row's value first).
    date_from, date_to = _parse_date(params.get("from", "")), _parse_date(params.get("to", ""))
    if date_from:
        articles = articles.filter(published_at__gte=_day_start(date_from))
    if date_to and date_to < date.max:
        articles = articles.filter(published_at__lt=_day_start(date_to + timedelta(days=1)))

    mine = Assignment.objects.filter(project=project, article=OuterRef("pk"), annotator=request.user)
    status = params.get("status", "")
    if status == "not_started":
        articles = articles.exclude(Exists(mine))
    elif status in (Assignment.Status.IN_PROGRESS, Assignment.Status.SUBMITTED):
        articles = articles.filter(Exists(mine.filter(status=status)))

    actor = None
    actor_id = _id_param(params.get("actor", ""))
    if actor_id is not None:
        actor = Actor.objects.filter(pk=actor_id).first()
    if actor is not None:
        names = [actor.name, *actor.aliases.values_list("name", flat=True)]
        # Coded mentions the user may see (the spans' actor links, indexed) or the name/aliases as whole words
        # (the search index).
        mentioned = _actor_mentions(project, actor, request.user, role)
        named = ids_naming(names, project=project.pk)
        if named is not None:  # both sets of ids in hand: one array the planner can count (articles.selectors.id_in)
            coded = mentioned.values_list("annotation__article_id", flat=True)
            articles = articles.filter(id_in(set(named).union(coded)))
        else:
            articles = articles.filter(pk__in=mentioned.union(articles_naming_in_postgres(names)))

    # "Relevance" is the form's default choice, so a query typed into the form is ranked; without a query there is
    # nothing to rank by and it means newest first.
    sort = params.get("sort") or "relevance"
    if sort not in SORTS:
        sort = "relevance"
    # Reviewers and admins see every coder's spans counted, annotators their own; the list says which.
    oversees = role in (Membership.Role.REVIEWER, Membership.Role.ADMIN)
    counted = Annotation.objects.filter(project=project, article=OuterRef("pk"))
    if not oversees:
        counted = counted.filter(annotator=request.user)
    else:
        counted = counted.exclude(annotator__username=GOLD_USERNAME)  # gold is the adjudicated layer, not a coder
    my_spans = counted.values("article").annotate(n=Count("id")).values("n")

    def finish(rows: QuerySet[Article]) -> QuerySet[Article]:
        rows = rows.select_related("outlet").annotate(
            my_spans=Coalesce(Subquery(my_spans, output_field=IntegerField()), Value(0)),
            my_status=Subquery(mine.values("status")[:1]),
        )
        return rows.defer("text", "lead", "metadata")

    index = search_index.ready_index() if query and sort == "relevance" else None
    if index is not None:
        # Ranked by the Tantivy index, which holds the project, outlet, language and dates (articles.search_index);
        # the progress status and "mentions actor" are PostgreSQL's say on each hit, and on the count.
        filters = search_index.Filters(
            project=project.pk,
            outlet=outlet,
            language=language or None,
            published_after=_day_start(date_from) if date_from else None,
            published_before=_day_start(date_to + timedelta(days=1)) if date_to and date_to < date.max else None,
        )
        checked = bool(status) or actor is not None
        listed: Any = IndexHits(index, articles, query, filters, finish, checked=checked)
    else:
        if query:
            articles = search_articles(articles, query)
        if sort in SORTS:
            articles = articles.order_by(*SORTS[sort])
        elif not query:
            articles = articles.order_by(*SORTS["newest"])
        listed = finish(articles)

    paginator = BoundedCountPaginator(listed, PAGE_SIZE)
    page = paginator.get_page(params.get("page"))
    rows = []
    for article in page.object_list:
        snippet = getattr(article, "snippet", None)
        rows.append(
            {
                "article": article,
                "snippet": escape_snippet(snippet) if snippet else "",
                "status": article.my_status or "not_started",
            }
        )
    # The choices come from the small facet table the database keeps (articles.models.ProjectFacet), not a scan.
    facets = ProjectFacet.objects.filter(project_id=project.pk)
    outlet_ids = [int(v) for v in facets.filter(kind=ProjectFacet.Kind.OUTLET).values_list("value", flat=True)]
    outlets = Outlet.objects.filter(pk__in=outlet_ids).order_by("name")
    languages = sorted(facets.filter(kind=ProjectFacet.Kind.LANGUAGE).values_list("value", flat=True))
    keep = params.copy()
    keep.pop("page", None)
    queue = Assignment.objects.filter(project=project, annotator=request.user).aggregate(
        open=Count("id", filter=Q(status=Assignment.Status.IN_PROGRESS)),
        submitted=Count("id", filter=Q(status=Assignment.Status.SUBMITTED)),
    )
    context = {
        "queue": queue,
        "project": project,
        "role": role,
        "span_count_of": "all coders" if oversees else "yours",
        "rows": rows,
        "page": page,
        "total": page.paginator.count,
        "total_label": count_label(page.paginator.count, paginator.count_is_estimate),
        "count_is_estimate": paginator.count_is_estimate,
        "query": query,
        "outlets": outlets,
        "languages": languages,
        "actor": actor,
        "sort": sort,
        "params": params,
        "querystring": keep.urlencode(),
        "has_articles": project.articles.exists(),
        "filtered": any(params.get(k) for k in ("q", "outlet", "language", "from", "to", "status", "actor")),
        "statuses": [
            ("not_started", "Not started"),
            ("in_progress", "In progress"),
            ("submitted", "Submitted"),
        ],
        "sorts": SORT_CHOICES,
    }
    return render(request, "annotations/article_list.html", context)


def registry_suggestions(text: str, *, skip: set[tuple[int, int]]) -> list[dict]:
    """Mentions of registry actors (names and aliases) in the text, minus spans already coded as ACTOR."""
    registry = list(Actor.objects.values_list("id", "name"))
    aliases = list(ActorAlias.objects.values_list("actor_id", "name"))
    found = suggest_mentions(text, registry, aliases=aliases, skip=skip)
    return [{"start": s.start, "end": s.end, "actor": s.actor_id, "name": s.matched_name} for s in found]


def _choices(choices) -> list[list[str]]:
    return [[value, label] for value, label in choices]


def coded_spans(*, project: Project, article: Article, annotator_ids: list[int] | None) -> tuple[list[dict], set[int]]:
    """These annotators' spans of the article (every coder's, gold aside, when `annotator_ids` is None) with details
    (actors, source, claim), in text order, and the ids of the actors they reference; a fixed number of queries
    however many spans."""
    spans = Annotation.objects.filter(project=project, article=article)
    if annotator_ids is not None:
        spans = spans.filter(annotator_id__in=annotator_ids)
    else:
        spans = spans.exclude(annotator__username=GOLD_USERNAME)  # every coder: gold has the curation screen
    annotations = list(
        spans.order_by("start", "end", "id").values(
            "id", "annotator_id", "label_id", "start", "end", "quote", "status", "note", "attributes", "version"
        )
    )
    # The details are read with the spans' query as a subquery (a join in PostgreSQL), not a list of thousands of ids.
    ids = spans.values("id")
    actors_of: dict[int, list[int]] = {}
    for annotation_id, actor_id in ActorLink.objects.filter(annotation_id__in=ids).values_list(
        "annotation_id", "actor_id"
    ):
        actors_of.setdefault(annotation_id, []).append(actor_id)
    sources = {
        row.pop("annotation_id"): row
        for row in SourceAttribution.objects.filter(annotation_id__in=ids).values(
            "annotation_id", "kind", "anonymity", "cue", "channel"
        )
    }
    claims = {
        row.pop("annotation_id"): row
        for row in Claim.objects.filter(annotation_id__in=ids).values("annotation_id", *CLAIM_FIELDS)
    }
    about_of: dict[int, list[int]] = {}
    for claim_id, actor_id in ClaimAbout.objects.filter(claim_id__in=ids).values_list("claim_id", "actor_id"):
        about_of.setdefault(claim_id, []).append(actor_id)
    referenced: set[int] = set()
    for annotation in annotations:
        annotation_id = annotation["id"]
        annotation["label"] = annotation.pop("label_id")
        annotation["annotator"] = annotation.pop("annotator_id")
        annotation["actors"] = actors_of.get(annotation_id, [])
        annotation["source"] = sources.get(annotation_id)
        claim = claims.get(annotation_id)
        if claim is not None:
            claim["about"] = about_of.get(annotation_id, [])
            claim["claim_date"] = claim["claim_date"].isoformat() if claim["claim_date"] else None
            referenced.update(claim["about"])
            if claim["claimant"]:
                referenced.add(claim["claimant"])
        annotation["claim"] = claim
        referenced.update(annotation["actors"])
    return annotations, referenced


def workspace_data(
    *,
    project: Project,
    article: Article,
    user,
    coder: int | str | None = None,
    suggest: bool = True,
    also_actors: Iterable[int] = (),
) -> dict:
    """Everything the workspace needs on load, in lean queries: the article, codebook, the user's own spans or (for
    reviewers: `coder` a user id or "all") another coder's or every coder's (`suggest`: with the registry's
    suggestions; `also_actors`: actors other spans on the page name)."""
    annotator_ids = None if coder == "all" else [int(coder) if coder is not None else user.pk]
    annotations, referenced = coded_spans(project=project, article=article, annotator_ids=annotator_ids)
    referenced.update(also_actors)
    ids = [a["id"] for a in annotations]
    relations = list(
        Relation.objects.filter(article=article, source_id__in=ids, target_id__in=ids).values(
            "id", "source", "target", "kind", "note", "version"
        )
    )

    labels = list(
        Label.objects.filter(project=project).values("id", "name", "kind", "colour", "shortcut", "description")
    )
    actor_labels = {label["id"] for label in labels if label["kind"] == Label.Kind.ACTOR}
    actor_spans = {(a["start"], a["end"]) for a in annotations if a["label"] in actor_labels}
    suggestions = registry_suggestions(article.text, skip=actor_spans) if suggest else []
    referenced.update(s["actor"] for s in suggestions)

    actors = list(Actor.objects.filter(pk__in=referenced).values("id", "name", "kind", "country"))
    alias_rows = ActorAlias.objects.filter(actor_id__in=referenced).values_list("actor_id", "name")
    alias_map: dict[int, list[str]] = {}
    for actor_id, name in alias_rows:
        alias_map.setdefault(actor_id, []).append(name)
    for actor in actors:
        actor["aliases"] = alias_map.get(actor["id"], [])

    assignment = Assignment.objects.filter(project=project, article=article, annotator=user).values("status").first()
    return {
        "project": {"id": project.pk, "name": project.name},
        "training": project.training,
        "article": {
            "id": article.pk,
            "title": article.title,
            "text": article.text,
            "outlet": article.outlet.name if article.outlet else "",
            "byline": article.byline,
            "url": article.url,
            "language": article.language,
            "published_at": article.published_at.isoformat() if article.published_at else None,
            "snapshot": article.snapshot_id,
        },
        "user": {"id": user.pk, "name": user.get_username()},
        "status": assignment["status"] if assignment else "not_started",
        "labels": labels,
        "annotations": annotations,
        "relations": relations,
        "actors": actors,
        "suggestions": suggestions,
        "choices": {
            "actor_kind": _choices(Actor.Kind.choices),
            "source_kind": _choices(SourceAttribution.Kind.choices),
            "anonymity": _choices(SourceAttribution.Anonymity.choices),
            "speech": _choices(Claim.Speech.choices),
            "stance": _choices(Claim.Stance.choices),
            "verdict": _choices(Claim.Verdict.choices),
            "relation_kind": _choices(Relation.Kind.choices),
        },
    }


@login_required
@require_GET
def workspace(request: HttpRequest, project_id: int, article_id: int) -> HttpResponse:
    """The annotation workspace for one article of a project."""
    project, role = _member_project(request, project_id)
    article = get_object_or_404(project.articles.select_related("outlet"), pk=article_id)
    coders, coder = _coder_choice(request, project=project, article=article, role=role)
    data = workspace_data(project=project, article=article, user=request.user, coder=coder["value"])
    data["readonly"] = coder["value"] is not None
    data["coder"] = {"value": coder["value"], "label": coder["label"]}
    data["csrf"] = get_token(request)
    data["urls"] = {"list": f"/projects/{project.pk}/", "snapshot": f"/snapshots/{article.snapshot_id}/"}
    context = {
        "project": project,
        "article": article,
        "data": data,
        "labels": data["labels"],
        "coders": coders,
        "coder": coder,
        "can_curate": role in (Membership.Role.REVIEWER, Membership.Role.ADMIN),
    }
    return render(request, "annotations/workspace.html", context)


def _coder_choice(request: HttpRequest, *, project: Project, article: Article, role: str) -> tuple[list, dict]:
    """Whose spans the workspace shows. Annotators: their own. Reviewers and admins choose (?coder=ID or all),
    read-only for others' spans; without a choice they see every coder's spans when they have none of their own,
    so that the demo's admin sees the demo coding at once."""
    mine = {"value": None, "label": "your spans", "title": "Your spans"}
    if role not in (Membership.Role.REVIEWER, Membership.Role.ADMIN):
        return [], mine
    counts = (
        Annotation.objects.filter(project=project, article=article)
        .exclude(annotator__username=GOLD_USERNAME)
        .values("annotator_id", "annotator__username")
        .annotate(n=Count("id"))
        .order_by("annotator__username")
    )
    total = sum(row["n"] for row in counts)
    everyone = {"value": "all", "label": "all coders' spans", "title": "All coders' spans (read-only)"}
    others = [
        {
            "value": row["annotator_id"],
            "label": f"{row['annotator__username']}'s spans",
            "title": f"{row['annotator__username']}'s spans (read-only)",
            "n": row["n"],
        }
        for row in counts
        if row["annotator_id"] != request.user.pk
    ]
    own = next((row["n"] for row in counts if row["annotator_id"] == request.user.pk), 0)
    choices = [{**mine, "n": own}, {**everyone, "n": total}, *others]
    wanted = request.GET.get("coder", "")
    if wanted == "mine":
        return choices, choices[0]
    if wanted == "all" or (not wanted and not own and total):
        return choices, choices[1]
    chosen = next((choice for choice in others if str(choice["value"]) == wanted), None)
    return choices, chosen or choices[0]


@login_required
@require_GET
def suggestions_json(request: HttpRequest, project_id: int, article_id: int) -> HttpResponse:
    """The registry suggestions for the article (what the workspace embeds), for scripts and reloads."""
    project, _ = _member_project(request, project_id)
    article = get_object_or_404(project.articles, pk=article_id)
    skip = set(
        Annotation.objects.filter(
            project=project, article=article, annotator=request.user, label__kind=Label.Kind.ACTOR
        ).values_list("start", "end")
    )
    return JsonResponse({"results": registry_suggestions(article.text, skip=skip)})


@login_required
@require_GET
def snapshot_download(request: HttpRequest, snapshot_id: int) -> HttpResponse:
    """The archived bytes as a download, never rendered in our origin (sandboxed, no sniffing)."""
    snapshot = get_object_or_404(Snapshot, pk=snapshot_id)
    if not request.user.is_superuser:
        allowed = Article.objects.filter(snapshot=snapshot, projects__in=visible_projects(request.user)).exists()
        if not allowed:
            raise Http404("No such snapshot.")
    extension = {"text/html": "html", "text/plain": "txt", "application/warc": "warc"}.get(
        snapshot.content_type.split(";")[0].strip().lower(), "bin"
    )
    response = HttpResponse(bytes(snapshot.raw), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="snapshot-{snapshot.sha256[:12]}.{extension}"'
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
