"""Writes of the coding app: projects and codebooks, actors, annotations and their details, relations, assignments.

Every rule that protects the data is checked here (and again by PostgreSQL); views, the admin, commands
and the browser UI call these functions and repeat none of it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from annotations.graphemes import splits_grapheme
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
from annotations.tokens import keep_tokens
from articles.models import Article
from projects.models import Membership, Project

CONTEXT_LENGTH = 32

CORE_LABELS = [
    # name, kind, colour, shortcut
    ("CLAIM", Label.Kind.CLAIM, "#e4572e", "c"),
    ("ACTOR", Label.Kind.ACTOR, "#2e86ab", "a"),
    ("SOURCE", Label.Kind.SOURCE, "#7a9e3d", "s"),
]

SOURCE_FIELDS = ("kind", "anonymity", "cue", "channel")
CLAIM_FIELDS = (
    "claimant",
    "claimant_is_outlet",
    "claimant_mention",
    "source_annotation",
    "speech",
    "claim_date",
    "stance",
    "verdict",
    "topic",
)


def ensure_core_labels(project: Project) -> None:
    """Give the project the CLAIM, ACTOR and SOURCE labels it does not have yet."""
    existing = set(project.labels.exclude(kind=Label.Kind.CUSTOM).values_list("kind", flat=True))
    # One INSERT: the codebook trigger (migration 0012) makes one version per statement, not one per label.
    Label.objects.bulk_create(
        Label(project=project, name=name, kind=kind, colour=colour, shortcut=shortcut, order=order)
        for order, (name, kind, colour, shortcut) in enumerate(CORE_LABELS)
        if kind not in existing
    )


def acting_as(user: AbstractBaseUser | None) -> None:
    """Name the user behind the writes of the current transaction, for what PostgreSQL records itself (the
    codebook versions of migration 0012). Transaction-local: it ends with the transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('newsarchive.user_id', %s, true)", [str(user.pk) if user and user.pk else ""])


@transaction.atomic
def create_project(
    *, name: str, slug: str = "", description: str = "", created_by: AbstractBaseUser | None = None
) -> Project:
    """Create a project with its core codebook; its creator becomes its admin."""
    project = Project.objects.create(name=name, slug=slug or slugify(name)[:100], description=description)
    ensure_core_labels(project)
    if created_by is not None:
        Membership.objects.create(project=project, user=created_by, role=Membership.Role.ADMIN)
    return project


# --- actors -----------------------------------------------------------------------------------------------


def _clean_name(name: str, *, field: str = "name") -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({field: "A name is required."})
    return name


# pg_advisory_xact_lock(class, key): the class keeps these locks apart from any other advisory lock.
_NAME_LOCK_CLASS = 1_1001


def _lock_names(*names: str) -> None:
    """Serialise, until the transaction ends, every registry write of these names (any case) as an actor's name or
    an alias: the name rules below span two tables, which no unique constraint can, so two concurrent writes of
    one name must not both pass the check before either is committed. Locks are taken in one order (no deadlock)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, key) FROM"
            " (SELECT DISTINCT hashtext(lower(name)) AS key FROM unnest(%s::text[]) AS name ORDER BY key) AS keys",
            [_NAME_LOCK_CLASS, list(names)],
        )


def _name_taken_error(name: str, *, actor: Actor | None, as_alias: bool) -> str | None:
    """Why `name` cannot be added to the registry (as a new actor's name, or as an alias of `actor`), if it cannot:
    canonical names are unique (any case), and no actor's name or alias may be another actor's canonical name.
    Aliases may be shared: "the Haftars" can name more than one actor."""
    named = Actor.objects.filter(name__iexact=name).first()
    if named is not None and (actor is None or named.pk != actor.pk):
        return f"{name!r} is the name of another actor in the registry ({named.name!r}, id {named.pk})."
    if named is not None and as_alias:
        return f"{name!r} is already the name of {named.name!r}."
    if as_alias and actor is not None and actor.aliases.filter(name__iexact=name).exists():
        return f"{name!r} is already an alias of {actor.name!r}."
    if not as_alias:
        alias = ActorAlias.objects.filter(name__iexact=name).select_related("actor").first()
        if alias is not None:
            return f"{name!r} is an alias of {alias.actor.name!r} (id {alias.actor_id}): use that actor or rename."
    return None


@transaction.atomic
def create_actor(
    *,
    name: str,
    kind: str,
    country: str = "",
    aliases: Iterable[str] = (),
    acled_inter: int | None = None,
    wikidata_qid: str = "",
    cameo_code: str = "",
    parent: Actor | None = None,
    description: str = "",
) -> Actor:
    """Add an actor to the shared registry, refusing a name (or alias) that another actor already has."""
    name = _clean_name(name)
    aliases = [_clean_name(alias, field="aliases") for alias in aliases]
    _lock_names(name, *aliases)
    if Actor.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"An actor named {name!r} is already in the registry."})
    error = _name_taken_error(name, actor=None, as_alias=False)
    if error:
        raise ValidationError({"name": error})
    actor = Actor(
        name=name,
        kind=kind,
        country=(country or "").upper(),
        acled_inter=acled_inter,
        wikidata_qid=wikidata_qid or "",
        cameo_code=cameo_code or "",
        parent=parent,
        description=description,
    )
    actor.full_clean(validate_constraints=False)
    actor.save()
    for alias in aliases:
        error = _name_taken_error(alias, actor=actor, as_alias=True)
        if error and not (alias.lower() == name.lower() or actor.aliases.filter(name__iexact=alias).exists()):
            raise ValidationError({"aliases": error})
        if not error:  # the actor's own name or an alias listed twice adds nothing
            ActorAlias.objects.create(actor=actor, name=alias)
    return actor


@transaction.atomic
def add_alias(*, actor: Actor, name: str) -> ActorAlias:
    """Record another name of the actor, refusing one it already has and another actor's name (any case)."""
    name = _clean_name(name)
    _lock_names(name)
    error = _name_taken_error(name, actor=actor, as_alias=True)
    if error:
        raise ValidationError({"name": error})
    try:
        with transaction.atomic():
            return ActorAlias.objects.create(actor=actor, name=name)
    except IntegrityError as exc:  # written past the lock (raw SQL): still a clear message
        raise ValidationError({"name": f"{name!r} is already an alias of {actor.name!r}."}) from exc


def _keep_alias(actor: Actor, name: str) -> None:
    """Record a name of a merged actor as an alias of the one kept, unless it already is one of its names."""
    if name.lower() != actor.name.lower() and not actor.aliases.filter(name__iexact=name).exists():
        ActorAlias.objects.create(actor=actor, name=name)


@transaction.atomic
def merge_actors(*, keep: Actor, others: Iterable[Actor]) -> Actor:
    """Fold duplicate actors into `keep`: their mentions, claims and aliases move over, their names become aliases."""
    others = [other for other in others if other.pk != keep.pk]
    other_ids = [other.pk for other in others]
    if not other_ids:
        return keep
    keep_review()  # the same entity under one name: no span's coding changes
    kept_links = set(ActorLink.objects.filter(actor=keep).values_list("annotation_id", flat=True))
    ActorLink.objects.filter(actor_id__in=other_ids, annotation_id__in=kept_links).delete()
    for link in ActorLink.objects.filter(actor_id__in=other_ids).order_by("id"):
        if link.annotation_id in kept_links:
            link.delete()
        else:
            kept_links.add(link.annotation_id)
            link.actor = keep
            link.save(update_fields=["actor"])
    kept_about = set(ClaimAbout.objects.filter(actor=keep).values_list("claim_id", flat=True))
    for about in ClaimAbout.objects.filter(actor_id__in=other_ids).order_by("id"):
        if about.claim_id in kept_about:
            about.delete()
        else:
            kept_about.add(about.claim_id)
            about.actor = keep
            about.save(update_fields=["actor"])
    Claim.objects.filter(claimant_id__in=other_ids).update(claimant=keep)
    Actor.objects.filter(parent_id__in=other_ids).exclude(pk=keep.pk).update(parent=keep)
    if keep.parent_id in other_ids:
        keep.parent = None
        keep.save(update_fields=["parent"])
    _lock_names(*(name for other in others for name in (other.name, *other.aliases.values_list("name", flat=True))))
    for other in others:
        for alias in other.aliases.all():
            _keep_alias(keep, alias.name)
        other.delete()
        _keep_alias(keep, other.name)
    return keep


# --- annotations ------------------------------------------------------------------------------------------


def span_context(text: str, start: int, end: int) -> tuple[str, str]:
    """The ~32 characters before and after a span, for re-anchoring it (W3C TextQuoteSelector)."""
    return text[max(0, start - CONTEXT_LENGTH) : start], text[end : end + CONTEXT_LENGTH]


def _check_span(article: Article, start: Any, end: Any, quote: str | None) -> tuple[int, int, str]:
    if isinstance(start, bool) or not isinstance(start, int):
        raise ValidationError({"start": "start must be a whole number of characters (code points)."})
    if isinstance(end, bool) or not isinstance(end, int):
        raise ValidationError({"end": "end must be a whole number of characters (code points)."})
    length = len(article.text)
    if start < 0:
        raise ValidationError({"start": f"start {start} is negative."})
    if start >= end:
        raise ValidationError({"end": f"end ({end}) must be greater than start ({start})."})
    if end > length:
        raise ValidationError({"end": f"end {end} is beyond the article text ({length} characters)."})
    for field, offset in (("start", start), ("end", end)):
        cut = splits_grapheme(article.text, offset)
        if cut is not None:
            message = f"{field} {offset} splits the character {cut!r} (one grapheme cluster): move it before or after."
            raise ValidationError({field: message})
    actual = article.text[start:end]
    if quote is not None and quote != actual:
        raise ValidationError({"quote": f"quote does not match the article text at [{start}, {end}): {actual!r}."})
    return start, end, actual


def _check_label(project: Project, label: Label) -> None:
    if label.project_id != project.pk:
        raise ValidationError({"label": f"Label {label.name!r} is not in the codebook of project {project.name!r}."})


def _check_actors(actors: Iterable[Actor], label: Label) -> list[Actor]:
    actors = list(dict.fromkeys(actors))
    if actors and label.kind not in (Label.Kind.ACTOR, Label.Kind.SOURCE):
        raise ValidationError({"actors": f"A {label.name} span does not link to actors (ACTOR and SOURCE spans do)."})
    return actors


def _apply_source(annotation: Annotation, source: Mapping[str, Any] | None) -> None:
    attribution, _ = SourceAttribution.objects.get_or_create(annotation=annotation)
    if source:
        unknown = set(source) - set(SOURCE_FIELDS)
        if unknown:
            raise ValidationError({"source": f"Unknown source field(s): {', '.join(sorted(unknown))}."})
        for field, value in source.items():
            setattr(attribution, field, value or "")
        try:
            attribution.full_clean(exclude=["annotation"])
        except ValidationError as error:
            raise ValidationError({"source": error.messages}) from error
        attribution.save()


def _apply_claim(annotation: Annotation, claim: Mapping[str, Any] | None) -> None:
    details, _ = Claim.objects.get_or_create(annotation=annotation)
    if not claim:
        return
    claim = dict(claim)
    about = claim.pop("about", None)
    unknown = set(claim) - set(CLAIM_FIELDS)
    if unknown:
        raise ValidationError({"claim": f"Unknown claim field(s): {', '.join(sorted(unknown))}."})
    for field in ("claimant_mention", "source_annotation"):
        span = claim.get(field)
        if span is not None and span.article_id != annotation.article_id:
            raise ValidationError({"claim": f"{field} must be a span of the same article."})
    if claim.get("claimant_mention") is not None and claim["claimant_mention"].label.kind != Label.Kind.ACTOR:
        raise ValidationError({"claim": "claimant_mention must be an ACTOR span."})
    if claim.get("source_annotation") is not None and claim["source_annotation"].label.kind != Label.Kind.SOURCE:
        raise ValidationError({"claim": "source_annotation must be a SOURCE span."})
    for field, value in claim.items():
        if field in ("speech", "stance", "topic") and value is None:
            value = ""
        if field == "verdict" and not value:
            value = Claim.Verdict.UNVERIFIED
        setattr(details, field, value)
    try:
        details.full_clean(exclude=["annotation", "claimant", "claimant_mention", "source_annotation"])
    except ValidationError as error:
        raise ValidationError({"claim": error.messages}) from error
    details.save()
    if about is not None:
        ClaimAbout.objects.filter(claim=details).delete()
        ClaimAbout.objects.bulk_create(ClaimAbout(claim=details, actor=actor) for actor in dict.fromkeys(about))


def _sync_details(
    annotation: Annotation,
    *,
    source: Mapping[str, Any] | None,
    claim: Mapping[str, Any] | None,
    new: bool = False,
) -> None:
    """Keep exactly the detail row the label kind calls for (SourceAttribution or Claim).

    A span just created (`new`) has no detail rows yet, so there is nothing to remove.
    """
    kind = annotation.label.kind
    if source is not None and kind != Label.Kind.SOURCE:
        raise ValidationError({"source": f"Only SOURCE spans carry a source attribution, not {annotation.label.name}."})
    if claim is not None and kind != Label.Kind.CLAIM:
        raise ValidationError({"claim": f"Only CLAIM spans carry claim details, not {annotation.label.name}."})
    if kind == Label.Kind.SOURCE:
        _apply_source(annotation, source)
    elif not new:
        SourceAttribution.objects.filter(annotation=annotation).delete()
    if kind == Label.Kind.CLAIM:
        _apply_claim(annotation, claim)
    elif not new:
        Claim.objects.filter(annotation=annotation).delete()


def _set_actors(annotation: Annotation, actors: list[Actor]) -> None:
    ActorLink.objects.filter(annotation=annotation).exclude(actor__in=actors).delete()
    present = set(ActorLink.objects.filter(annotation=annotation).values_list("actor_id", flat=True))
    ActorLink.objects.bulk_create(ActorLink(annotation=annotation, actor=a) for a in actors if a.pk not in present)


def _refuse_duplicate_span(function: Callable[..., Annotation]) -> Callable[..., Annotation]:
    """Around a span write's transaction: PostgreSQL's refusal of a second identical span (one coder, one label,
    the same offsets: constraint annotation_unique_per_coder) becomes a clear 400. Checked by the database alone, so
    that two concurrent requests cannot both pass, and without a query of its own."""

    @functools.wraps(function)
    def write(*args: Any, **kwargs: Any) -> Annotation:
        try:
            return function(*args, **kwargs)
        except IntegrityError as exc:
            if "annotation_unique_per_coder" not in str(exc):
                raise
            message = "You already marked this text with this label (a span with the same start, end and label)."
            raise ValidationError({"non_field_errors": message}) from exc

    return write


@_refuse_duplicate_span
@transaction.atomic
def create_annotation(
    *,
    project: Project,
    article: Article,
    label: Label,
    annotator: AbstractBaseUser,
    start: int,
    end: int,
    quote: str | None = None,
    note: str = "",
    actors: Iterable[Actor] = (),
    source: Mapping[str, Any] | None = None,
    claim: Mapping[str, Any] | None = None,
    attributes: Mapping[str, Any] | None = None,
    status: str = Annotation.Status.DRAFT,
    assign: bool = True,
) -> Annotation:
    """Store one span of an article; offsets are code points, and the quote must be the text at them.

    The annotator gets the article as an assignment (`assign`), except the gold layer, which nobody is assigned.
    """
    _check_label(project, label)
    start, end, quote = _check_span(article, start, end, quote)
    actors = _check_actors(actors, label)
    prefix, suffix = span_context(article.text, start, end)
    annotation = Annotation.objects.create(
        project=project,
        article=article,
        label=label,
        annotator=annotator,
        start=start,
        end=end,
        quote=quote,
        prefix=prefix,
        suffix=suffix,
        note=note or "",
        attributes=dict(attributes or {}),
        status=status,
        reviewed_by=annotator if status in REVIEW_STATUSES else None,
        reviewed_at=timezone.now() if status in REVIEW_STATUSES else None,
    )
    if actors:
        ActorLink.objects.bulk_create(ActorLink(annotation=annotation, actor=actor) for actor in actors)
    _sync_details(annotation, source=source, claim=claim, new=True)
    # One INSERT ... ON CONFLICT DO NOTHING rather than get_or_create's SELECT (and savepoint + INSERT).
    if assign:
        Assignment.objects.bulk_create(
            [Assignment(project=project, article=article, annotator=annotator)], ignore_conflicts=True
        )
    return annotation


_UNSET: Any = object()


REVIEW_STATUSES = (Annotation.Status.ACCEPTED, Annotation.Status.REJECTED)


def keep_review() -> None:
    """Writes in this transaction leave reviewed spans reviewed (registry clean-ups, cascades of a delete).

    Otherwise PostgreSQL sends an accepted or rejected span back to review when its offsets, label or details
    change (migration 0010_version_triggers).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('newsarchive.keep_review', 'on', true)")


@_refuse_duplicate_span
@transaction.atomic
def update_annotation(
    annotation: Annotation,
    *,
    label: Label | None = None,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    note: str | None = None,
    status: str | None = None,
    actors: Iterable[Actor] | None = None,
    source: Mapping[str, Any] | None = None,
    claim: Mapping[str, Any] | None = None,
    attributes: Mapping[str, Any] | None = None,
    by: AbstractBaseUser | None = None,
) -> Annotation:
    """Change a span's label, boundaries, note, status, actors or details; the same rules as creating it.

    Only the columns named are written (an UPDATE of those columns), so that two people changing different
    fields of one span at once both keep their change. Accepting or rejecting records `by` and the time.
    Changing the offsets, label or details of a reviewed span sends it back to `submitted` (PostgreSQL does
    it); `annotation.review_reset` then says so.
    """
    article = annotation.article
    status_before = annotation.status
    changed: list[str] = []
    if label is not None:
        _check_label(annotation.project, label)
        annotation.label = label
        changed.append("label")
    if start is not None or end is not None or quote is not None:
        new_start = annotation.start if start is None else start
        new_end = annotation.end if end is None else end
        annotation.start, annotation.end, annotation.quote = _check_span(article, new_start, new_end, quote)
        annotation.prefix, annotation.suffix = span_context(article.text, annotation.start, annotation.end)
        changed += ["start", "end", "quote", "prefix", "suffix"]
    if note is not None:
        annotation.note = note
        changed.append("note")
    if status is not None and status not in Annotation.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    if attributes is not None:
        annotation.attributes = dict(attributes)
        changed.append("attributes")
    if changed:
        annotation.save(update_fields=[*changed, "updated_at"])
    if actors is not None:
        _set_actors(annotation, _check_actors(actors, annotation.label))
    elif label is not None and annotation.label.kind not in (Label.Kind.ACTOR, Label.Kind.SOURCE):
        ActorLink.objects.filter(annotation=annotation).delete()
    _sync_details(annotation, source=source, claim=claim)
    # The status last: an edit of offsets or details in the same request must not undo an accept.
    stored_status = Annotation.objects.filter(pk=annotation.pk).values_list("status", flat=True).get()
    if status is not None and (status != status_before or stored_status != status):
        review = status in REVIEW_STATUSES
        annotation.status = status
        annotation.reviewed_by = by if review else None
        annotation.reviewed_at = timezone.now() if review else None
        annotation.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
        stored_status = status
    annotation.status = stored_status
    annotation.review_reset = status is None and status_before in REVIEW_STATUSES and stored_status != status_before
    return annotation


def dependent_work(annotation: Annotation) -> dict[str, list[dict[str, Any]]]:
    """What other annotators' work points at this span: relations to or from it, claims naming it as their
    claimant mention or source span. Deleting the span would remove or empty them."""
    others = ~Q(annotator_id=annotation.annotator_id)
    relations = (
        Relation.objects.filter(Q(source=annotation) | Q(target=annotation))
        .filter(others)
        .select_related("annotator")
        .order_by("id")
    )
    claims = (
        Claim.objects.filter(Q(claimant_mention=annotation) | Q(source_annotation=annotation))
        .exclude(annotation__annotator_id=annotation.annotator_id)
        .select_related("annotation__annotator")
        .order_by("annotation_id")
    )
    found: dict[str, list[dict[str, Any]]] = {}
    if relations:
        found["relations"] = [
            {
                "id": r.pk,
                "kind": r.kind,
                "source": r.source_id,
                "target": r.target_id,
                "annotator": r.annotator.username,
            }
            for r in relations
        ]
    if claims:
        found["claims"] = [
            {
                "id": c.pk,
                "field": "claimant_mention" if c.claimant_mention_id == annotation.pk else "source_annotation",
                "annotator": c.annotation.annotator.username,
            }
            for c in claims
        ]
    return found


@transaction.atomic
def delete_annotation(annotation: Annotation) -> None:
    """Remove a span with its details and relations (claims that pointed at it keep their other fields).

    Callers check `dependent_work` first: the API refuses to destroy others' work unless confirmed.
    """
    annotation.delete()


@transaction.atomic
def create_relation(
    *, source: Annotation, target: Annotation, kind: str, annotator: AbstractBaseUser, note: str = ""
) -> Relation:
    """Link two annotations of one article with a typed relation."""
    if source.article_id != target.article_id:
        raise ValidationError({"target": "A relation must link two annotations of the same article."})
    if source.pk == target.pk:
        raise ValidationError({"target": "A relation must link two different annotations."})
    if kind not in Relation.Kind.values:
        raise ValidationError({"kind": f"Unknown relation kind {kind!r}."})
    relation, _ = Relation.objects.get_or_create(
        source=source,
        target=target,
        kind=kind,
        defaults={"article_id": source.article_id, "annotator": annotator, "note": note},
    )
    return relation


@transaction.atomic
def submit_article(*, project: Project, article: Article, annotator: AbstractBaseUser) -> Assignment:
    """Mark an annotator's work on an article as done: their draft spans become submitted."""
    assignment, _ = Assignment.objects.get_or_create(project=project, article=article, annotator=annotator)
    assignment.status = Assignment.Status.SUBMITTED
    assignment.submitted_at = timezone.now()
    assignment.save(update_fields=["status", "submitted_at", "updated_at"])
    Annotation.objects.filter(
        project=project, article=article, annotator=annotator, status=Annotation.Status.DRAFT
    ).update(status=Annotation.Status.SUBMITTED, updated_at=timezone.now())
    keep_tokens([article.pk])  # agreement can count this article from now on: its tokens are ready for it
    return assignment


# --- assignments ------------------------------------------------------------------------------------------


@dataclasses.dataclass
class AssignmentResult:
    """What `assign_articles` did: the new (article, coder) pairs and each coder's open load afterwards."""

    created: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    complete: int = 0  # articles that already had k of the chosen coders
    load: dict[int, int] = dataclasses.field(default_factory=dict)


def _listed(values: Iterable[int]) -> str:
    return ", ".join(str(v) for v in values)


@transaction.atomic
def assign_articles(*, project: Project, article_ids: Iterable[int], coders: Iterable[int], k: int) -> AssignmentResult:
    """Give each article to k of the coders, the least loaded first; an article keeps the coders it already has.

    Load is a coder's open (in-progress) assignments in the project, counted as the articles are handed out,
    ties going to the coder listed first, so the team's queues stay within one article of each other.
    """
    article_ids = list(dict.fromkeys(article_ids))
    coders = list(coders)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValidationError({"k": ["k, the number of coders per article, is a whole number of at least 1."]})
    if not coders:
        raise ValidationError({"coders": ["Choose at least one coder."]})
    if len(set(coders)) != len(coders):
        raise ValidationError({"coders": ["Each coder may be listed once."]})
    members = set(Membership.objects.filter(project=project, user_id__in=coders).values_list("user_id", flat=True))
    strangers = [c for c in coders if c not in members]
    if strangers:
        raise ValidationError({"coders": [f"Not members of this project: {_listed(strangers)}."]})
    if k > len(coders):
        raise ValidationError({"k": [f"k is {k} but only {len(coders)} coder(s) were chosen."]})
    if not article_ids:
        raise ValidationError({"articles": ["Choose at least one article."]})
    in_project = set(project.articles.filter(pk__in=article_ids).values_list("pk", flat=True))
    outside = [a for a in article_ids if a not in in_project]
    if outside:
        raise ValidationError({"articles": [f"Not in this project: {_listed(outside[:20])}."]})

    # Lock the project's assignment rows of these coders so two admins assigning at once see each other's work.
    existing = list(
        Assignment.objects.select_for_update()
        .filter(project=project, annotator_id__in=coders)
        .values_list("article_id", "annotator_id", "status")
    )
    has: dict[int, set[int]] = {}
    load = dict.fromkeys(coders, 0)
    for article_id, coder, status in existing:
        has.setdefault(article_id, set()).add(coder)
        if status == Assignment.Status.IN_PROGRESS:
            load[coder] += 1
    order = {coder: i for i, coder in enumerate(coders)}
    result = AssignmentResult()
    for article_id in article_ids:
        assigned = has.get(article_id, set())
        need = k - len(assigned)
        if need <= 0:
            result.complete += 1
            continue
        chosen = sorted((c for c in coders if c not in assigned), key=lambda c: (load[c], order[c]))[:need]
        for coder in chosen:
            load[coder] += 1
            result.created.append((article_id, coder))
    Assignment.objects.bulk_create(
        [Assignment(project=project, article_id=a, annotator_id=c) for a, c in result.created], ignore_conflicts=True
    )
    result.load = load
    return result
