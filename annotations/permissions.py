"""Who may do what in a project: one place for the role rules that the API, the screens and the admin share."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from annotations.models import Annotation, Membership, Project


def project_role(user: AbstractBaseUser | AnonymousUser, project: Project | int) -> str | None:
    """The user's role in the project (annotator, reviewer, admin), 'admin' for superusers, None otherwise."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Membership.Role.ADMIN
    project_id = project if isinstance(project, int) else project.pk
    return Membership.objects.filter(project_id=project_id, user=user).values_list("role", flat=True).first()


def visible_projects(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Project]:
    """The projects a user is a member of (all of them for superusers)."""
    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user)


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


def can_import(user: AbstractBaseUser | AnonymousUser, project: Project | int | None = None) -> bool:
    """Staff import anywhere; project admins import into their projects."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    if project is None:
        return Membership.objects.filter(user=user, role=Membership.Role.ADMIN).exists()
    return project_role(user, project) == Membership.Role.ADMIN
