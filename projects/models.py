"""Projects: a collection of archived articles and a team whose members have a role in it."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models


class Project(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    articles = models.ManyToManyField("articles.Article", blank=True, related_name="projects")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="projects")
    training = models.BooleanField(
        default=False,
        help_text="Training: a coder who submits an article sees their score against the gold coding (hidden before)",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        # The tables keep the names they had when projects lived in annotations/ (a state-only move, see
        # projects/migrations/0001_initial.py); the articles link table follows as annotations_project_articles.
        db_table = "annotations_project"

    def __str__(self) -> str:
        return self.name


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Membership(models.Model):
    class Role(models.TextChoices):
        ANNOTATOR = "annotator", "Annotator"
        REVIEWER = "reviewer", "Reviewer"
        ADMIN = "admin", "Project admin"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.ANNOTATOR)

    class Meta:
        db_table = "annotations_membership"
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.project} ({self.role})"
