"""Who may see and change which spans: the coding's role rules that the API, the screens and the admin share.

The project rules without spans (roles, a user's projects, who may import) are `projects.roles`.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from annotations.gold import GOLD_USERNAME
from annotations.models import Annotation, Relation
from projects.models import Membership, Project
from projects.roles import member_project_ids, project_role


def sees_all_annotations(role: str | None) -> bool:
    """Reviewers and project admins see every annotator's work; annotators see only their own."""
    return role in (Membership.Role.REVIEWER, Membership.Role.ADMIN)


def visible_annotations(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Annotation]:
    """Annotations of the user's projects: their own, plus everyone's where they review or administer."""
    if not user.is_authenticated:
        return Annotation.objects.none()
    if user.is_superuser:
        return Annotation.objects.all()
    overseen = Membership.objects.filter(user=user, role__in=[Membership.Role.REVIEWER, Membership.Role.ADMIN]).values(
        "project_id"
    )
    member_of = Membership.objects.filter(user=user).values("project_id")
    return Annotation.objects.filter(project_id__in=member_of).filter(annotator=user) | Annotation.objects.filter(
        project_id__in=overseen
    )


def can_change_annotation(user: AbstractBaseUser | AnonymousUser, annotation: Annotation) -> bool:
    """Annotators change their own spans; project admins change any span of their project.

    Reviewers change status (accept/reject) through the review workflow, not the span itself.
    """
    role = project_role(user, annotation.project_id)
    if role is None:
        return False
    return annotation.annotator_id == user.pk or role == Membership.Role.ADMIN


def can_review(user: AbstractBaseUser | AnonymousUser, project: Project | int) -> bool:
    return project_role(user, project) in (Membership.Role.REVIEWER, Membership.Role.ADMIN)


# --- the API's scoping and write rules (the screens may use them too) -------------------------------------

REVIEW_STATUSES = (Annotation.Status.ACCEPTED, Annotation.Status.REJECTED)


def annotation_scope(user: AbstractBaseUser | AnonymousUser) -> Q:
    """A filter on Annotation equal to `visible_annotations`, for composing into other queries."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    return Q(project_id__in=member_project_ids(user, overseen_only=True)) | Q(
        project_id__in=member_project_ids(user), annotator_id=user.pk
    )


def can_annotate(user: AbstractBaseUser | AnonymousUser, project: Project | int) -> bool:
    """Any member of a project (annotator, reviewer, admin) may add spans of their own to it."""
    return project_role(user, project) is not None


def annotation_change_error(user: AbstractBaseUser | AnonymousUser, annotation: Annotation, fields: set[str]) -> str:
    """Why the user may not change these fields of the annotation ('' when they may).

    Owners change their own spans (but accept or reject only if they review); project admins change any
    span of their project; reviewers change the gold layer's spans, and only the status of other coders' spans,
    to accepted or rejected.
    """
    role = project_role(user, annotation.project_id)
    if role is None:
        return "You are not a member of this annotation's project."
    if role == Membership.Role.ADMIN:
        return ""
    if annotation.annotator_id == user.pk:
        return ""
    if role == Membership.Role.REVIEWER and annotation.annotator.get_username() == GOLD_USERNAME:
        return ""  # curators write the gold layer
    if role == Membership.Role.REVIEWER:
        if fields <= {"status"}:
            return ""
        return "Reviewers may change only the status (accepted/rejected) of another annotator's span."
    return "Annotators change only their own annotations."


def can_delete_relation(user: AbstractBaseUser | AnonymousUser, relation: Relation) -> bool:
    """The annotator who drew a relation removes it, or an admin of the project of its spans."""
    if relation.annotator_id == user.pk and user.is_authenticated:
        return True
    return project_role(user, relation.source.project_id) == Membership.Role.ADMIN


def may_change_dependent_work(user: AbstractBaseUser | AnonymousUser, annotation: Annotation, dependent: dict) -> bool:
    """Whether the user may also remove or change the others' work that depends on a span (project admins)."""
    if not dependent:
        return True
    return bool(user.is_superuser) or project_role(user, annotation.project_id) == Membership.Role.ADMIN


def dependent_work_message(dependent: dict, may_change_all: bool) -> str:
    """The refusal of a delete that would destroy others' work, listing that work."""
    parts = [
        f"relation {r['id']} ({r['kind']}, {r['source']} → {r['target']}) by {r['annotator']}"
        for r in dependent.get("relations", [])
    ]
    parts += [f"claim {c['id']} ({c['field']}) by {c['annotator']}" for c in dependent.get("claims", [])]
    message = "Other annotators' work depends on this span: " + "; ".join(parts) + "."
    if may_change_all:
        return (
            message + " Send the DELETE again with ?confirm=1 to delete it: the relations go, the claims lose the link."
        )
    return message + " Nothing was deleted; ask them or a project admin to remove those links first."
