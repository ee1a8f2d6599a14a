"""The archive: outlets, the exact imported bytes (snapshots), extracted articles and import batches."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Left

from articles.search import RegConfigField, article_config, article_vector


class Outlet(models.Model):
    class Kind(models.TextChoices):
        WIRE_AGENCY = "wire_agency", "Wire agency"
        NEWSPAPER = "newspaper", "Newspaper"
        BROADCASTER = "broadcaster", "Broadcaster"
        ONLINE = "online", "Online outlet"
        GOVERNMENT = "government", "Government"
        NGO = "ngo", "NGO / IGO"
        BLOG = "blog", "Blog"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True, help_text="Site domain without www, e.g. reuters.com")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    country = models.CharField(max_length=3, blank=True, help_text="ISO 3166 alpha-3")
    language = models.CharField(max_length=35, blank=True, help_text="BCP-47, e.g. en, ar, fr-CA")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["domain"], condition=~Q(domain=""), name="outlet_domain_unique"),
            models.CheckConstraint(
                condition=Q(country="") | Q(country__regex=r"^[A-Z]{3}$"), name="outlet_country_iso3"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.domain


class ImportBatch(models.Model):
    """One run of an import (command, upload, API call): who, when, from what, and what came of each item."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Done with failures"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_batches"
    )
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="import_batches"
    )
    source = models.TextField(help_text="What was imported: paths, URLs, 'upload', 'api'")
    channel = models.CharField(max_length=20, default="command", help_text="command, web, api")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    new_versions = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    items = models.JSONField(default=list, blank=True, help_text="Per-item results: item, outcome, message, article")
    pending = models.JSONField(
        default=dict, blank=True, help_text="A queued import's URLs and pasted text, until its job has run"
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"Import #{self.pk} ({self.started_at:%Y-%m-%d %H:%M})"


class ImportUpload(models.Model):
    """A file sent for a background import, kept in the database until the job has read it.

    The job may run on another machine, so an upload cannot wait in a temporary file.
    """

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="uploads")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=500)
    data = models.BinaryField()

    class Meta:
        ordering = ["batch", "position"]

    def __str__(self) -> str:
        return self.name


class Snapshot(models.Model):
    """The exact bytes that were imported. Never modified (a trigger refuses it), never stored twice."""

    raw = models.BinaryField()
    sha256 = models.CharField(max_length=64, unique=True, editable=False)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=200, blank=True)
    encoding = models.CharField(max_length=50, blank=True, help_text="Detected character encoding")
    source_url = models.URLField(max_length=2000, blank=True)
    filename = models.CharField(max_length=500, blank=True)
    http_headers = models.JSONField(default=dict, blank=True)
    captured_at = models.DateTimeField(help_text="When the bytes were captured (WARC date, fetch time, import time)")
    imported_at = models.DateTimeField(auto_now_add=True)
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="snapshots"
    )

    class Meta:
        ordering = ["-imported_at"]
        constraints = [
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="snapshot_sha256_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.sha256[:12]} {self.source_url or self.filename}"


# The title sort's key: a prefix, so that the index entry fits a btree page whatever the title's length.
TITLE_SORT_KEY = Left("title", 200)


# History of an article's metadata (not its text, which never changes once coded, nor the search vector).
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    fields=["url", "canonical_url", "title", "byline", "published_at", "language", "lead", "metadata", "outlet"],
    model_name="ArticleEvent",
)
class Article(models.Model):
    """What was extracted from a snapshot. `text` is what every annotation points into."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="articles")
    outlet = models.ForeignKey(Outlet, null=True, blank=True, on_delete=models.PROTECT, related_name="articles")
    # The outlet's name, kept by the database (migration articles 0008) for the browser list's outlet sort index.
    outlet_name = models.CharField(max_length=200, null=True, blank=True, editable=False)
    url = models.URLField(max_length=2000, blank=True, help_text="The URL the page was fetched from or saved at")
    canonical_url = models.URLField(max_length=2000, blank=True)
    title = models.TextField()
    byline = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=35, blank=True, help_text="BCP-47")
    lead = models.TextField(blank=True)
    text = models.TextField()
    text_sha256 = models.CharField(
        max_length=64, db_index=True, help_text="sha256 of the normalised text, to recognise syndicated copies"
    )
    metadata = models.JSONField(default=dict, blank=True)
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        help_text="The earlier version of the same URL that this article replaces",
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        help_text="The first article with the same text (a syndicated copy)",
    )
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The text search configuration of the article's language (articles.search). Title + text indexed with it are not
    # stored: a GIN index on the expression (below) serves the PostgreSQL search path and whole-word lookups; the
    # Tantivy index (articles.search_index) ranks.
    search_config = models.GeneratedField(expression=article_config(), output_field=RegConfigField(), db_persist=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            GinIndex(article_vector(), name="article_search_gin"),
            models.Index(fields=["canonical_url"], name="article_canonical_url_idx"),
            models.Index(fields=["url"], name="article_url_idx"),
            models.Index(fields=["language"], name="article_language_idx"),
            # The browser list's sorts (annotations.views.SORTS), each ending with the id, read from an index.
            models.Index(fields=["published_at", "id"], name="article_published_id_idx"),
            models.Index(TITLE_SORT_KEY, "id", name="article_title_sort_idx"),
            models.Index(fields=["outlet_name", "-published_at", "-id"], name="article_outlet_sort_idx"),
            models.Index(fields=["created_at", "id"], name="article_added_idx"),
            models.Index(fields=["outlet", "published_at", "id"], name="article_outlet_published_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="article_text_not_empty"),
            models.CheckConstraint(
                condition=Q(duplicate_of__isnull=True) | ~Q(duplicate_of=models.F("id")),
                name="article_not_own_duplicate",
            ),
        ]

    def __str__(self) -> str:
        return self.title[:120]


class ProjectFacet(models.Model):
    """How many of a project's articles have each outlet and language: the article list's filter choices, read
    from this small table instead of a scan per page. Kept by triggers on the project-article links and on articles
    (migration articles 0004), so raw SQL keeps it right too; never written from Python."""

    class Kind(models.TextChoices):
        OUTLET = "outlet", "Outlet"
        LANGUAGE = "language", "Language"

    project_id = models.BigIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=35, help_text="The outlet id or the language code")
    articles = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project_id", "kind", "value"], name="project_facet_unique")]

    def __str__(self) -> str:
        return f"project {self.project_id} {self.kind} {self.value}: {self.articles}"


class SearchIndexQueue(models.Model):
    """Articles whose search-index document may be out of date: written by triggers (migration articles 0008) on
    every insert, delete or change of an article's indexed fields and of its project links; emptied by the job
    that updates the index (articles.search_index, articles.tasks). Never written from Python."""

    article_id = models.BigIntegerField()
    queued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"article {self.article_id}"


class SearchIndexState(models.Model):
    """One row: the token of the search index generation built from this database (empty: none, or marked stale).
    A search uses the index only when the index folder's current generation carries the same token."""

    token = models.CharField(max_length=32, blank=True)
    built_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.token or "no search index"
