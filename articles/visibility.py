"""Which archived articles a user may see: those of their projects (every article for superusers)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet

from articles.models import Article
from projects.models import Project
from projects.roles import member_project_ids


def visible_articles(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Article]:
    """Articles of the user's projects (every article for superusers)."""
    if not user.is_authenticated:
        return Article.objects.none()
    if user.is_superuser:
        return Article.objects.all()
    in_project = Project.articles.through.objects.filter(
        article_id=OuterRef("pk"), project_id__in=member_project_ids(user)
    )
    return Article.objects.filter(Exists(in_project))
