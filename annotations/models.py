"""Coding: the codebooks of projects, the shared actor registry, annotations (spans) and their details."""

from __future__ import annotations

import uuid

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.functions import RandomUUID
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Now

# The row version PostgreSQL keeps (migration 0010_version_triggers): a BEFORE UPDATE trigger adds 1 on every write
# that changes the row (caches excepted), raw SQL included; the API sends it as the ETag and checks If-Match.
VERSION_HELP = "Kept by PostgreSQL: one more on every write (the API's ETag)"


def version_field() -> models.BigIntegerField:
    return models.BigIntegerField(db_default=1, editable=False, help_text=VERSION_HELP)


def tracked(**kwargs):
    """History kept by PostgreSQL (django-pghistory triggers): every insert, update and delete of the row."""
    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **kwargs)


@tracked()
class Label(models.Model):
    """One entry of a project's codebook. CLAIM, ACTOR and SOURCE exist in every project."""

    class Kind(models.TextChoices):
        CLAIM = "claim", "Claim"
        ACTOR = "actor", "Actor"
        SOURCE = "source", "Source"
        CUSTOM = "custom", "Custom"

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=50)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CUSTOM)
    colour = models.CharField(max_length=7, default="#888888", help_text="#rrggbb")
    shortcut = models.CharField(max_length=1, blank=True, help_text="One key, e.g. c")
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    version = version_field()

    class Meta:
        ordering = ["project", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="label_name_unique_in_project"),
            models.UniqueConstraint(
                fields=["project", "shortcut"], condition=~Q(shortcut=""), name="label_shortcut_unique_in_project"
            ),
            models.UniqueConstraint(
                fields=["project", "kind"], condition=~Q(kind="custom"), name="label_core_kind_once_per_project"
            ),
            models.CheckConstraint(condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="label_colour_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.project})"


class CodebookVersion(models.Model):
    """A project's codebook as it was: made by PostgreSQL (migration 0012) whenever a label's name, kind, colour,
    shortcut or description changes, or a label is added or removed. `labels` is the whole codebook then."""

    # The foreign key is migration 0012's own, ON DELETE CASCADE: a label trigger may add a version while the
    # project's labels are being deleted with it.
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, db_constraint=False, related_name="codebook_versions"
    )
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(db_default=Now())
    # Who: the user the app names in the transaction (annotations.services.acting_as); NULL for raw SQL.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    labels = models.JSONField(default=list, help_text="[{id, name, kind, colour, shortcut, description}]")

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="codebook_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project} codebook v{self.number}"


@tracked()
class Actor(models.Model):
    """One entry of the shared registry: a person, state, armed group, party, IGO, medium or collective."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        STATE = "state", "State"
        ARMED_GROUP = "armed_group", "Armed group"
        GROUP = "group", "Group (other)"
        POLITICAL_PARTY = "political_party", "Political party"
        ORGANIZATION = "organization", "Organisation"
        IGO = "igo", "Intergovernmental organisation"
        MEDIA = "media_organization", "Media organisation"
        COLLECTIVE = "collective", "Collective"
        ANONYMOUS = "anonymous_collective", "Anonymous / unnamed"
        UNRESOLVED = "unresolved_collective", "Unresolved"

    class Inter(models.IntegerChoices):
        # ACLED's actor-type ("inter") codes.
        STATE_FORCES = 1, "1 State forces"
        REBEL_GROUPS = 2, "2 Rebel groups"
        POLITICAL_MILITIAS = 3, "3 Political militias"
        IDENTITY_MILITIAS = 4, "4 Identity militias"
        RIOTERS = 5, "5 Rioters"
        PROTESTERS = 6, "6 Protesters"
        CIVILIANS = 7, "7 Civilians"
        EXTERNAL_OTHER = 8, "8 External/Other forces"

    # Stable across databases (exports and load_export); db_default so that raw SQL inserts get one too.
    uuid = models.UUIDField(default=uuid.uuid4, db_default=RandomUUID(), unique=True, editable=False)
    name = models.CharField(max_length=300, help_text="Canonical name")
    kind = models.CharField(max_length=25, choices=Kind.choices)
    acled_inter = models.PositiveSmallIntegerField(null=True, blank=True, choices=Inter.choices)
    country = models.CharField(max_length=3, blank=True, help_text="ISO 3166 alpha-3")
    wikidata_qid = models.CharField(max_length=20, blank=True, help_text="e.g. Q7747")
    cameo_code = models.CharField(max_length=20, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="Affiliation: the organisation or state this actor belongs to",
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = version_field()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="actor_name_unique_ci"),
            models.CheckConstraint(
                condition=Q(country="") | Q(country__regex=r"^[A-Z]{3}$"), name="actor_country_iso3"
            ),
            models.CheckConstraint(
                condition=Q(wikidata_qid="") | Q(wikidata_qid__regex=r"^Q[1-9][0-9]*$"), name="actor_wikidata_qid"
            ),
            models.CheckConstraint(
                condition=Q(acled_inter__isnull=True) | Q(acled_inter__gte=1, acled_inter__lte=8),
                name="actor_inter_1_8",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="actor_not_own_parent"),
        ]
        indexes = [GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="actor_name_trgm")]

    def __str__(self) -> str:
        return self.name


@tracked()
class ActorAlias(models.Model):
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=300)
    version = version_field()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "actor aliases"
        constraints = [models.UniqueConstraint("actor", Lower("name"), name="alias_unique_per_actor_ci")]
        indexes = [GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="alias_name_trgm")]

    def __str__(self) -> str:
        return self.name


@tracked(exclude=["cached_json", "cached_export_json"])
class Annotation(models.Model):
    """One span of one article by one annotator. Offsets count Unicode code points; end is exclusive."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    uuid = models.UUIDField(default=uuid.uuid4, db_default=RandomUUID(), unique=True, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="annotations")
    article = models.ForeignKey("articles.Article", on_delete=models.PROTECT, related_name="annotations")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="annotations")
    # The codebook version the span was last changed under: set by a trigger (migration 0012) on every change,
    # unless the writer names one (load_export restoring a span).
    codebook_version = models.ForeignKey(
        CodebookVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="annotations", editable=False
    )
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    note = models.TextField(blank=True)
    actors = models.ManyToManyField(Actor, through="ActorLink", blank=True, related_name="annotations")
    attributes = models.JSONField(default=dict, blank=True, help_text="Further coding attributes of the span")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = version_field()
    # The last accept/reject: who and when (cleared when an edit sends the span back to review).
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="reviewed_annotations"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Pre-serialised JSON kept by PostgreSQL (see annotations/cache.py): the API representation and the JSON
    # Lines export's. Triggers set them to NULL when the span or anything shown in them changes; readers fall
    # back to computing them (newsarchive_annotation_json / newsarchive_annotation_export_json).
    cached_json = models.TextField(null=True, blank=True, editable=False)
    cached_export_json = models.TextField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["article", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=models.F("end")), name="annotation_start_before_end"
            ),
            # One coder marks the same text with the same label once (the label implies the project).
            models.UniqueConstraint(
                fields=["article", "annotator", "start", "end", "label"], name="annotation_unique_per_coder"
            ),
        ]
        indexes = [
            models.Index(fields=["article", "annotator", "start"], name="annotation_article_annotator"),
            models.Index(fields=["project", "status"], name="annotation_project_status"),
        ]

    def __str__(self) -> str:
        return f"{self.label.name}: {self.quote[:60]}"


@tracked()
class ActorLink(models.Model):
    """An annotation resolved to a registry actor: the actor an ACTOR span mentions, or a SOURCE's actor."""

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="actor_links")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["annotation", "actor"], name="actor_link_unique")]

    def __str__(self) -> str:
        return f"{self.annotation_id} -> {self.actor}"


@tracked()
class SourceAttribution(models.Model):
    """Where a piece of information comes from: the details of a SOURCE span (its actors are its ActorLinks)."""

    class Kind(models.TextChoices):
        NAMED_PERSON = "named_person", "Named person"
        ORGANIZATION = "organization_statement", "Organisation"
        NEWS_AGENCY = "news_agency", "News agency"
        OFFICIAL_STATEMENT = "official_statement", "Official statement"
        GOVERNMENT_REPORT = "government_report", "Government report"
        PARTY_STATEMENT = "party_statement", "Party to the conflict"
        DOCUMENT = "document", "Document"
        LETTER = "letter", "Letter"
        SOCIAL_MEDIA = "social_media_post", "Social-media post"
        ANONYMOUS = "anonymous_officials", "Anonymous officials"
        HEDGE = "unattributed_hedge", "Unattributed hedge (reportedly)"
        OTHER = "other", "Other"

    class Anonymity(models.TextChoices):
        NAMED = "named", "Named"
        NAMED_COLLECTIVE = "named_collective", "Named collective"
        ANONYMOUS = "anonymous", "Anonymous individual"
        ANONYMOUS_GROUP = "anonymous_group", "Anonymous group"
        UNATTRIBUTED = "unattributed", "Unattributed"

    annotation = models.OneToOneField(Annotation, on_delete=models.CASCADE, primary_key=True, related_name="source")
    kind = models.CharField(max_length=25, choices=Kind.choices, blank=True)
    anonymity = models.CharField(max_length=20, choices=Anonymity.choices, blank=True)
    cue = models.CharField(max_length=100, blank=True, help_text="said, tweeted, according to ...")
    channel = models.CharField(max_length=200, blank=True, help_text="letter, press conference, X/Twitter ...")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.annotation.quote[:60]}"


@tracked()
class Claim(models.Model):
    """The details of a CLAIM span: who claimed what, through which source, reported how."""

    class Speech(models.TextChoices):
        DIRECT_QUOTE = "direct_quote", "Direct quote"
        PARTIAL_QUOTE = "partial_quote", "Partial quote"
        INDIRECT = "indirect", "Indirect (reported speech)"
        HEDGED = "hedged_unattributed", "Hedged (reportedly, allegedly)"
        HEADLINE = "headline", "Headline"
        AUTHORIAL = "authorial", "The outlet's own voice"

    class Stance(models.TextChoices):
        SUPPORTIVE = "supportive_of_target", "Supportive"
        CRITICAL = "critical_of_target", "Critical"
        ACCUSATION = "accusation", "Accusation"
        DENIAL = "denial", "Denial"
        NEUTRAL = "neutral", "Neutral"

    class Verdict(models.TextChoices):
        # ClaimReview-style ratings.
        UNVERIFIED = "unverified", "Unverified"
        TRUE = "true", "True"
        MOSTLY_TRUE = "mostly_true", "Mostly true"
        MIXED = "mixed", "Mixed"
        MOSTLY_FALSE = "mostly_false", "Mostly false"
        FALSE = "false", "False"
        MISLEADING = "misleading", "Misleading"
        UNPROVEN = "unproven", "Unproven"

    annotation = models.OneToOneField(Annotation, on_delete=models.CASCADE, primary_key=True, related_name="claim")
    claimant = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="claims_made")
    claimant_is_outlet = models.BooleanField(default=False, help_text="The outlet's own voice")
    claimant_mention = models.ForeignKey(
        Annotation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims_as_claimant",
        help_text="The ACTOR span naming the claimant",
    )
    source_annotation = models.ForeignKey(
        Annotation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims_sourced",
        help_text="The SOURCE span this claim is attributed to",
    )
    speech = models.CharField(max_length=25, choices=Speech.choices, blank=True)
    claim_date = models.DateField(null=True, blank=True)
    about = models.ManyToManyField(Actor, through="ClaimAbout", blank=True, related_name="claims_about")
    stance = models.CharField(max_length=25, choices=Stance.choices, blank=True)
    verdict = models.CharField(max_length=15, choices=Verdict.choices, default=Verdict.UNVERIFIED)
    topic = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.annotation.quote[:80]


@tracked()
class ClaimAbout(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="about_links")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="about_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["claim", "actor"], name="claim_about_unique")]

    def __str__(self) -> str:
        return f"claim {self.claim_id} about {self.actor}"


@tracked()
class Relation(models.Model):
    """A typed link between two annotations of one article."""

    class Kind(models.TextChoices):
        CLAIMANT = "claimant", "Claimant"
        ATTRIBUTED_TO = "attributed_to", "Attributed to"
        ABOUT = "about", "About"
        RELAYS = "relays", "Relays"
        COREFERENCE = "coreference", "Coreference"
        SUPPORTS = "supports", "Supports"
        OPPOSES = "opposes", "Opposes"

    article = models.ForeignKey("articles.Article", on_delete=models.PROTECT, related_name="relations")
    source = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="relations_out")
    target = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="relations")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = version_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="relation_unique"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="relation_not_to_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class Assignment(models.Model):
    """One annotator's work on one article of a project: in progress until submitted."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="assignments")
    article = models.ForeignKey("articles.Article", on_delete=models.PROTECT, related_name="assignments")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "article", "annotator"], name="assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.annotator} on {self.article_id}: {self.status}"


class ArticleExportLine(models.Model):
    """An article's complete JSON Lines export line and its spans' API JSON, kept by PostgreSQL (migration 0005).

    Triggers bump `version` and empty the lines whenever anything the line shows changes, even by raw SQL;
    a refresh stores a line only if the version it read is still the row's (annotations.exports).
    """

    article = models.OneToOneField(
        "articles.Article", primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    version = models.BigIntegerField(default=0)
    recipe = models.CharField(max_length=64, blank=True)
    line = models.TextField(null=True, blank=True)
    line_raw = models.TextField(null=True, blank=True)
    # The projects of the article's spans when the lines were built: who oversees them all sees every span.
    span_projects = ArrayField(models.BigIntegerField(), null=True, blank=True)
    # All its spans' API JSON, as annotations.cache.span_array writes it for someone who sees them all.
    spans_json = models.TextField(null=True, blank=True)

    def __str__(self) -> str:
        return f"export line of {self.article_id} (v{self.version})"


class SpanEvent(models.Model):
    """One recorded change of a span, of one of its details or of a relation of it (a view, read-only).

    The rows are pghistory's events (annotations.history reads them); `previous` is the row before an update.
    """

    key = models.TextField(primary_key=True)
    span_id = models.BigIntegerField()
    model = models.TextField()
    object_id = models.BigIntegerField()
    event_id = models.BigIntegerField()
    event = models.TextField()
    created_at = models.DateTimeField()
    data = models.JSONField()
    previous = models.JSONField(null=True)
    context = models.JSONField(null=True)
    username = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = "annotations_span_events"

    def __str__(self) -> str:
        return f"{self.model} {self.event} of span {self.span_id}"


class TokenIndex(models.Model):
    """Where an article's tokens (maximal runs of \\w) start and end, as agreement counts them (annotations.tokens).

    A cache: computed once from the text and kept with the md5 of the text it was computed from, so a row for an
    older text is never used. PostgreSQL deletes the row with its article (migration 0014).
    """

    article = models.OneToOneField(
        "articles.Article", primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    text_md5 = models.CharField(max_length=32)
    # The starts, then the ends, as little-endian 32-bit integers (code point offsets).
    bounds = models.BinaryField()

    def __str__(self) -> str:
        return f"tokens of {self.article_id}"
