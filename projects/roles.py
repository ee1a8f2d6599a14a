"""Who is in which project with which role, and who may import: the role rules that need no spans."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, QuerySet, Value

from projects.models import Membership, Project


def project_role(user: AbstractBaseUser | AnonymousUser, project: Project | int) -> str | None:
    """The user's role in the project (annotator, reviewer, admin), 'admin' for superusers, None otherwise."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Membership.Role.ADMIN
    if getattr(project, "role_of_user", None) == user.pk:
        return project.member_role  # looked up with the project (with_member_role): no second query
    project_id = project if isinstance(project, int) else project.pk
    return Membership.objects.filter(project_id=project_id, user=user).values_list("role", flat=True).first()


def visible_projects(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Project]:
    """The projects a user is a member of (all of them for superusers)."""
    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user)


def with_member_role(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Project]:
    """`visible_projects` whose rows carry the user's role (read by `project_role` instead of querying again)."""
    projects = visible_projects(user)
    if not user.is_authenticated or user.is_superuser:
        return projects
    return projects.annotate(member_role=F("memberships__role"), role_of_user=Value(user.pk))


def member_project_ids(user: AbstractBaseUser | AnonymousUser, *, overseen_only: bool = False) -> QuerySet:
    """A subquery of the ids of the user's projects (only those they review or administer, if asked)."""
    memberships = Membership.objects.filter(user_id=user.pk)
    if overseen_only:
        memberships = memberships.filter(role__in=[Membership.Role.REVIEWER, Membership.Role.ADMIN])
    return memberships.values("project_id")


def can_import(user: AbstractBaseUser | AnonymousUser, project: Project | int | None = None) -> bool:
    """Staff import anywhere; project admins import into their projects."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    if project is None:
        return Membership.objects.filter(user=user, role=Membership.Role.ADMIN).exists()
    return project_role(user, project) == Membership.Role.ADMIN


def importable_projects(user: AbstractBaseUser) -> QuerySet[Project]:
    """The projects a user may import into: all for staff, those they administer for others."""
    if user.is_staff:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user, memberships__role=Membership.Role.ADMIN)
