"""The gold layer: the system user whose spans are each project's adjudicated (or reference) coding, and its writes.

Gold is a coding like any other, by one user named `gold` (unusable password, inactive, member of no project), so
history, exports and the API treat it unchanged; a span's project says whose gold it is. Curators (reviewers and
project admins) write it; nobody is assigned it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from annotations import services
from annotations.models import Annotation, Claim, Label

GOLD_USERNAME = "gold"


def gold_user() -> AbstractBaseUser:
    """The user whose spans are the gold layer, created on first use (it can never log in)."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=GOLD_USERNAME).first()
    if user is None:
        user = user_model(username=GOLD_USERNAME, is_active=False)
        user.set_unusable_password()
        user.save()
    return user


def gold_user_id() -> int | None:
    """The gold user's id, or None before any gold exists."""
    return get_user_model().objects.filter(username=GOLD_USERNAME).values_list("pk", flat=True).first()


def _gold_twin(annotation: Annotation | None, gold_id: int) -> Annotation | None:
    """The gold span with the same label and extent as a coder's span (what a claim's link points to in gold)."""
    if annotation is None:
        return None
    return Annotation.objects.filter(
        project_id=annotation.project_id,
        article_id=annotation.article_id,
        annotator_id=gold_id,
        label_id=annotation.label_id,
        start=annotation.start,
        end=annotation.end,
    ).first()


@transaction.atomic
def accept_into_gold(*, annotation: Annotation) -> Annotation:
    """Copy a coder's span with its details (actors, source, claim) into the gold layer, replacing the gold spans
    of the same label that overlap it; the coder's span becomes accepted."""
    # Gold is accepted by definition: writing its details must not send it back to review (migration 0010's trigger).
    services.keep_review()
    gold = gold_user()
    if annotation.annotator_id == gold.pk:
        return annotation
    Annotation.objects.filter(
        project_id=annotation.project_id,
        article_id=annotation.article_id,
        annotator=gold,
        label_id=annotation.label_id,
        start__lt=annotation.end,
        end__gt=annotation.start,
    ).delete()
    source = claim = None
    kind = annotation.label.kind
    if kind == Label.Kind.SOURCE and hasattr(annotation, "source"):
        attribution = annotation.source
        source = {field: getattr(attribution, field) for field in services.SOURCE_FIELDS}
    if kind == Label.Kind.CLAIM:
        found = Claim.objects.filter(annotation=annotation).first()
        if found is not None:
            claim = {field: getattr(found, field) for field in services.CLAIM_FIELDS}
            # Links to other spans point at their gold twins (none yet: accept those first, or link later).
            claim["claimant_mention"] = _gold_twin(found.claimant_mention, gold.pk)
            claim["source_annotation"] = _gold_twin(found.source_annotation, gold.pk)
            claim["about"] = list(found.about.all())
    copied = services.create_annotation(
        project=annotation.project,
        article=annotation.article,
        label=annotation.label,
        annotator=gold,
        start=annotation.start,
        end=annotation.end,
        quote=annotation.quote,
        note=annotation.note,
        actors=list(annotation.actors.all()),
        source=source,
        claim=claim,
        attributes={**annotation.attributes, "accepted_from": annotation.pk},
        status=Annotation.Status.ACCEPTED,
        assign=False,
    )
    if annotation.status != Annotation.Status.ACCEPTED:
        services.update_annotation(annotation, status=Annotation.Status.ACCEPTED)
    return copied
