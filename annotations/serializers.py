"""API shapes of the coding app.

Reads of lists are not built by serializers: a page of 100 articles carries ~5,000 annotations. A span's
representation is JSON made (and cached) by PostgreSQL (annotations/cache.py), claims are plain dicts built
from `.values()` (`claim_dicts`). The read serializers below document exactly those shapes in the OpenAPI
schema (schemathesis checks that they agree); the write serializers check the types of a request body
before a service checks the rules.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef, QuerySet
from rest_framework import serializers

from annotations import permissions
from annotations.models import Actor, Annotation, Claim, ClaimAbout, Label, Relation, SourceAttribution
from articles.models import Article
from articles.visibility import visible_articles
from newsarchive.fields import AttributesField, RefuseUnknownKeys, WholeNumberField, WholeNumberKeyField
from newsarchive.rendering import iso
from projects import roles
from projects.models import Membership, Project

MAX_TEXT = 10_000
MAX_LIST = 200


# --- reads ----------------------------------------------------------------------------------------------------
#
# A span's API representation is made by PostgreSQL (newsarchive_annotation_json, cached per span: see
# annotations/cache.py); AnnotationSerializer below documents it.

CLAIM_ROW_VALUES = (
    "annotation_id",
    "annotation__project_id",
    "annotation__article_id",
    "annotation__article__title",
    "annotation__article__outlet_id",
    "annotation__article__outlet__name",
    "annotation__article__published_at",
    "annotation__annotator__username",
    "annotation__status",
    "annotation__quote",
    "claimant_id",
    "claimant__name",
    "claimant_is_outlet",
    "source_annotation_id",
    "source_annotation__quote",
    "source_annotation__source__kind",
    "speech",
    "stance",
    "verdict",
    "claim_date",
    "topic",
)


def claim_dicts(queryset: QuerySet[Claim]) -> list[dict[str, Any]]:
    """The flat claims view: one dict per claim, in two queries."""
    return claim_dicts_from_rows(list(queryset.values(*CLAIM_ROW_VALUES)))


def claim_dicts_from_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The flat claims view of rows of `Claim.objects.values(*CLAIM_ROW_VALUES)`."""
    about: dict[int, list[int]] = defaultdict(list)
    if rows:
        ids = [row["annotation_id"] for row in rows]
        for claim_id, actor_id in (
            ClaimAbout.objects.filter(claim_id__in=ids).order_by("id").values_list("claim_id", "actor_id")
        ):
            about[claim_id].append(actor_id)
    return [
        {
            "id": row["annotation_id"],
            "project": row["annotation__project_id"],
            "article": row["annotation__article_id"],
            "article_title": row["annotation__article__title"],
            "outlet": row["annotation__article__outlet_id"],
            "outlet_name": row["annotation__article__outlet__name"],
            "published_at": iso(row["annotation__article__published_at"]),
            "annotator_name": row["annotation__annotator__username"],
            "status": row["annotation__status"],
            "text": row["annotation__quote"],
            "claimant": row["claimant_id"],
            "claimant_name": row["claimant__name"],
            "claimant_is_outlet": row["claimant_is_outlet"],
            "source_annotation": row["source_annotation_id"],
            "source_text": row["source_annotation__quote"],
            "source_kind": row["source_annotation__source__kind"],
            "speech": row["speech"],
            "stance": row["stance"],
            "verdict": row["verdict"],
            "claim_date": iso(row["claim_date"]),
            "topic": row["topic"],
            "about": about.get(row["annotation_id"], []),
        }
        for row in rows
    ]


# --- reads: the schema of those dicts ---------------------------------------------------------------------


class SourceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SourceAttribution.Kind.choices, allow_blank=True)
    anonymity = serializers.ChoiceField(choices=SourceAttribution.Anonymity.choices, allow_blank=True)
    cue = serializers.CharField(allow_blank=True, max_length=100)
    channel = serializers.CharField(allow_blank=True, max_length=200)


class ClaimSerializer(serializers.Serializer):
    claimant = serializers.IntegerField(allow_null=True, help_text="Actor id")
    claimant_is_outlet = serializers.BooleanField()
    claimant_mention = serializers.IntegerField(allow_null=True, help_text="The ACTOR span naming the claimant")
    source_annotation = serializers.IntegerField(allow_null=True, help_text="The SOURCE span")
    speech = serializers.ChoiceField(choices=Claim.Speech.choices, allow_blank=True)
    claim_date = serializers.DateField(allow_null=True)
    about = serializers.ListField(child=serializers.IntegerField(), help_text="Actor ids")
    stance = serializers.ChoiceField(choices=Claim.Stance.choices, allow_blank=True)
    verdict = serializers.ChoiceField(choices=Claim.Verdict.choices)
    topic = serializers.CharField(allow_blank=True, max_length=100)


class AnnotationSerializer(serializers.Serializer):
    """One span (read). Offsets count Unicode code points; `end` is exclusive."""

    id = serializers.IntegerField()
    project = serializers.IntegerField()
    article = serializers.IntegerField()
    label = serializers.IntegerField()
    label_name = serializers.CharField()
    label_kind = serializers.ChoiceField(choices=Label.Kind.choices)
    annotator = serializers.IntegerField()
    annotator_name = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    quote = serializers.CharField()
    prefix = serializers.CharField(allow_blank=True)
    suffix = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=Annotation.Status.choices)
    note = serializers.CharField(allow_blank=True)
    actors = serializers.ListField(child=serializers.IntegerField(), help_text="Actor ids")
    attributes = serializers.DictField()
    source = SourceSerializer(allow_null=True, help_text="SOURCE spans only")
    claim = ClaimSerializer(allow_null=True, help_text="CLAIM spans only")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField(help_text='One more on every write; the ETag is W/"<version>"')
    reviewed_by = serializers.IntegerField(allow_null=True, help_text="Who accepted or rejected it last")
    reviewed_at = serializers.DateTimeField(allow_null=True)
    review_reset = serializers.BooleanField(
        required=False, help_text="PATCH only: the edit sent an accepted or rejected span back to review"
    )
    notice = serializers.CharField(required=False, help_text="PATCH only: what happened to the review")


class ClaimRowSerializer(serializers.Serializer):
    """One claim, flat: what was claimed, by whom, through which source, where and when."""

    id = serializers.IntegerField(help_text="The CLAIM annotation's id")
    project = serializers.IntegerField()
    article = serializers.IntegerField()
    article_title = serializers.CharField()
    outlet = serializers.IntegerField(allow_null=True)
    outlet_name = serializers.CharField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    annotator_name = serializers.CharField()
    status = serializers.ChoiceField(choices=Annotation.Status.choices)
    text = serializers.CharField(help_text="The claim as quoted in the article")
    claimant = serializers.IntegerField(allow_null=True)
    claimant_name = serializers.CharField(allow_null=True)
    claimant_is_outlet = serializers.BooleanField()
    source_annotation = serializers.IntegerField(allow_null=True)
    source_text = serializers.CharField(allow_null=True)
    source_kind = serializers.CharField(allow_null=True, allow_blank=True)
    speech = serializers.CharField(allow_blank=True)
    stance = serializers.CharField(allow_blank=True)
    verdict = serializers.CharField()
    claim_date = serializers.DateField(allow_null=True)
    topic = serializers.CharField(allow_blank=True)
    about = serializers.ListField(child=serializers.IntegerField())


class ProjectSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="Your role in the project")

    class Meta:
        model = Project
        fields = ["id", "name", "slug", "description", "training", "role", "created_at"]

    def get_role(self, project: Project) -> str | None:
        request = self.context.get("request")
        return roles.project_role(request.user, project) if request else None


class LabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Label
        fields = ["id", "project", "name", "kind", "colour", "shortcut", "description", "order", "version"]


class ActorSerializer(serializers.ModelSerializer):
    """An actor of the shared registry (read)."""

    aliases = serializers.SerializerMethodField()
    similarity = serializers.SerializerMethodField(help_text="With ?q=: how well the actor matched (0-1)")

    class Meta:
        model = Actor
        fields = [
            "id",
            "name",
            "kind",
            "country",
            "acled_inter",
            "wikidata_qid",
            "cameo_code",
            "parent",
            "description",
            "aliases",
            "similarity",
            "version",
        ]

    def get_aliases(self, actor: Actor) -> list[str]:
        return [alias.name for alias in actor.aliases.all()]

    def get_similarity(self, actor: Actor) -> float | None:
        return getattr(actor, "similarity", None)


class ActorCreateSerializer(RefuseUnknownKeys, serializers.Serializer):
    name = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=Actor.Kind.choices)
    country = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, allow_blank=True, max_length=3)
    aliases = serializers.ListField(child=serializers.CharField(max_length=300), required=False, max_length=MAX_LIST)
    acled_inter = serializers.ChoiceField(choices=Actor.Inter.choices, required=False, allow_null=True)
    wikidata_qid = serializers.RegexField(r"^Q[1-9][0-9]*$", required=False, allow_blank=True, max_length=20)
    cameo_code = serializers.CharField(required=False, allow_blank=True, max_length=20)
    parent = WholeNumberKeyField(queryset=Actor.objects.all(), required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)


class AliasSerializer(RefuseUnknownKeys, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=300)


class RelationSerializer(RefuseUnknownKeys, serializers.ModelSerializer):
    serializer_related_field = WholeNumberKeyField

    class Meta:
        model = Relation
        fields = ["id", "article", "source", "target", "kind", "annotator", "note", "created_at", "version"]
        read_only_fields = ["id", "article", "annotator", "created_at", "version"]
        extra_kwargs = {"note": {"max_length": MAX_TEXT}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            visible = Annotation.objects.filter(permissions.annotation_scope(request.user))
            self.fields["source"].queryset = visible
            self.fields["target"].queryset = visible


# --- writes ----------------------------------------------------------------------------------------------


def _visible_labels(user: Any) -> QuerySet[Label]:
    return Label.objects.filter(project__in=roles.visible_projects(user))


def _visible_article_texts(user: Any) -> QuerySet[Article]:
    """The articles a user may annotate, with the ids of their projects (checked in `validate`, no second query)."""
    links = Project.articles.through.objects.filter(article_id=OuterRef("pk")).values("project_id")
    return visible_articles(user).annotate(in_projects=ArraySubquery(links))


def _visible_annotations(user: Any) -> QuerySet[Annotation]:
    return Annotation.objects.filter(permissions.annotation_scope(user))


class VisibleKeyField(WholeNumberKeyField):
    """A primary key looked up among what the requesting user may see: `scope(user)`, built only when used.

    (Building every scoped queryset up front cost a few ms per request, most of them for fields not sent.)
    """

    def __init__(self, scope: Any = None, **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        if request is None or self.scope is None:
            return super().get_queryset()
        return self.scope(request.user)

    def to_internal_value(self, data: Any) -> Any:
        # Already looked up, within the same scope, by `known_write_keys` (passed as context["known_keys"]).
        known = self.context.get("known_keys", {}).get(self.field_name)
        if known is not None and type(data) is int and data == known.pk:
            return known
        return super().to_internal_value(data)


_ARTICLE_FIELDS = list(Article._meta.concrete_fields)
_PROJECT_FIELDS = list(Project._meta.concrete_fields)
_LABEL_FIELDS = list(Label._meta.concrete_fields)


def _columns(alias: str, fields: list[Any]) -> str:
    return ", ".join(f'{alias}."{field.column}"' for field in fields)


_KNOWN_KEYS_SQL = f"""
SELECT {_columns("p", _PROJECT_FIELDS)}, m."role",
       {_columns("a", _ARTICLE_FIELDS)},
       ARRAY(SELECT pa."project_id" FROM "{Project.articles.through._meta.db_table}" pa WHERE pa."article_id" = a."id"),
       {_columns("l", _LABEL_FIELDS)}
FROM (SELECT 1) AS one
LEFT JOIN ("{Project._meta.db_table}" p JOIN "{Membership._meta.db_table}" m
           ON m."project_id" = p."id" AND m."user_id" = %(user)s) ON p."id" = %(project)s
LEFT JOIN "{Article._meta.db_table}" a ON a."id" = %(article)s AND EXISTS (
    SELECT 1 FROM "{Project.articles.through._meta.db_table}" pa JOIN "{Membership._meta.db_table}" ma
    ON ma."project_id" = pa."project_id" WHERE pa."article_id" = a."id" AND ma."user_id" = %(user)s)
LEFT JOIN "{Label._meta.db_table}" l ON l."id" = %(label)s AND EXISTS (
    SELECT 1 FROM "{Membership._meta.db_table}" ml WHERE ml."project_id" = l."project_id" AND ml."user_id" = %(user)s)
"""  # noqa: S608 (the models' table and column names; the values are parameters)


def _key(data: Any, name: str) -> int | None:
    value = data.get(name) if hasattr(data, "get") else None
    return value if type(value) is int and 0 < value < 2**63 else None


def _instance(model: Any, fields: list[Any], values: list[Any]) -> Any:
    if values[0] is None:
        return None
    converted = []
    for field, value in zip(fields, values, strict=True):
        expression = field.get_col(model._meta.db_table)
        for converter in connection.ops.get_db_converters(expression) + field.get_db_converters(connection):
            value = converter(value, expression, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


def known_write_keys(user: Any, data: Any) -> dict[str, Any]:
    """The project (with the user's role), article (with its projects' ids) and label
    of a span to create, looked up in one query within the scopes of the `AnnotationWriteSerializer` fields.

    Only whole-number keys are looked up; anything else (or anything not found) is left to the fields.
    """
    if not user.is_authenticated or user.is_superuser:
        return {}
    keys = {name: _key(data, name) for name in ("project", "article", "label")}
    if all(value is None for value in keys.values()):
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_KNOWN_KEYS_SQL, {**keys, "user": user.pk})
        row = list(cursor.fetchone())
    n_project, n_article = len(_PROJECT_FIELDS), len(_ARTICLE_FIELDS)
    project = _instance(Project, _PROJECT_FIELDS, row[:n_project])
    role = row[n_project]
    article_values = row[n_project + 1 : n_project + 1 + n_article]
    in_projects = row[n_project + 1 + n_article]
    article = _instance(Article, _ARTICLE_FIELDS, article_values)
    label = _instance(Label, _LABEL_FIELDS, row[n_project + 2 + n_article :])
    known: dict[str, Any] = {}
    if project is not None:
        project.member_role, project.role_of_user = role, user.pk
        known["project"] = project
    if article is not None:
        article.in_projects = in_projects
        known["article"] = article
    if label is not None:
        known["label"] = label
    return known


class SourceWriteSerializer(RefuseUnknownKeys, serializers.Serializer):
    kind = serializers.ChoiceField(choices=SourceAttribution.Kind.choices, allow_blank=True, required=False)
    anonymity = serializers.ChoiceField(choices=SourceAttribution.Anonymity.choices, allow_blank=True, required=False)
    cue = serializers.CharField(allow_blank=True, max_length=100, required=False)
    channel = serializers.CharField(allow_blank=True, max_length=200, required=False)


class ClaimWriteSerializer(RefuseUnknownKeys, serializers.Serializer):
    claimant = WholeNumberKeyField(queryset=Actor.objects.all(), allow_null=True, required=False)
    claimant_is_outlet = serializers.BooleanField(required=False)
    claimant_mention = VisibleKeyField(
        scope=_visible_annotations, queryset=Annotation.objects.all(), allow_null=True, required=False
    )
    source_annotation = VisibleKeyField(
        scope=_visible_annotations, queryset=Annotation.objects.all(), allow_null=True, required=False
    )
    speech = serializers.ChoiceField(choices=Claim.Speech.choices, allow_blank=True, required=False)
    claim_date = serializers.DateField(allow_null=True, required=False)
    about = serializers.ListField(
        child=WholeNumberKeyField(queryset=Actor.objects.all()), required=False, max_length=MAX_LIST
    )
    stance = serializers.ChoiceField(choices=Claim.Stance.choices, allow_blank=True, required=False)
    verdict = serializers.ChoiceField(choices=Claim.Verdict.choices, allow_blank=True, required=False)
    topic = serializers.CharField(allow_blank=True, max_length=100, required=False)


class AnnotationWriteSerializer(RefuseUnknownKeys, serializers.Serializer):
    """A span to store (POST) or the fields to change (PATCH); the annotator is always the requesting user.

    Keys of a span's read representation that cannot be written (its id, annotator, prefix ...) are ignored, so
    a client may send back what it read; any other unknown key is refused by name.
    """

    ignored_keys = frozenset(
        (
            "id",
            "label_name",
            "label_kind",
            "annotator",
            "annotator_name",
            "prefix",
            "suffix",
            "created_at",
            "updated_at",
            "version",
            "reviewed_by",
            "reviewed_at",
            "review_reset",
            "notice",
        )
    )

    project = VisibleKeyField(scope=roles.with_member_role, queryset=Project.objects.all())
    article = VisibleKeyField(scope=_visible_article_texts, queryset=Article.objects.all())
    label = VisibleKeyField(scope=_visible_labels, queryset=Label.objects.all())
    start = WholeNumberField(min_value=0, max_value=2**31 - 1, help_text="Code points, inclusive")
    end = WholeNumberField(min_value=1, max_value=2**31 - 1, help_text="Code points, exclusive")
    quote = serializers.CharField(
        required=False, trim_whitespace=False, max_length=1_000_000, help_text="Must equal text[start:end]"
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    status = serializers.ChoiceField(choices=Annotation.Status.choices, required=False)
    actors = serializers.ListField(
        child=WholeNumberKeyField(queryset=Actor.objects.all()),
        required=False,
        max_length=MAX_LIST,
        help_text="Actor ids (ACTOR and SOURCE spans)",
    )
    attributes = AttributesField(required=False, help_text="Free JSON object, at most 64 KB")
    source = SourceWriteSerializer(required=False, allow_null=True, help_text="SOURCE spans only")
    claim = ClaimWriteSerializer(required=False, allow_null=True, help_text="CLAIM spans only")
    layer = serializers.ChoiceField(
        choices=["gold"], required=False, help_text="gold: a curator's span of the project's gold coding (on creation)"
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        project, article = data.get("project"), data.get("article")
        if project is not None and article is not None:
            in_projects = getattr(article, "in_projects", None)  # looked up with the article (see above)
            if in_projects is not None:
                linked = project.pk in in_projects
            else:
                linked = project.articles.filter(pk=article.pk).exists()
            if not linked:
                message = f"Article {article.pk} is not in project {project.name!r}."
                raise serializers.ValidationError({"article": message})
        return data


def service_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """Validated request data as keyword arguments of create_annotation / update_annotation."""
    arguments = {key: value for key, value in data.items() if not (key in ("source", "claim") and value is None)}
    arguments.pop("project", None)
    arguments.pop("article", None)
    arguments.pop("layer", None)
    return arguments
