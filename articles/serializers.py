"""API shapes of the archive. Article lists are built as dicts from `.values()` (see `article_dicts`);
`ArticleSerializer` documents those dicts in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from annotations.serializers import AnnotationSerializer, iso
from articles.models import Outlet
from newsarchive.fields import RefuseUnknownKeys, WholeNumberField

ARTICLE_VALUES = (
    "id",
    "title",
    "byline",
    "url",
    "canonical_url",
    "published_at",
    "language",
    "lead",
    "text",
    "outlet_id",
    "outlet__name",
    "snapshot__sha256",
    "supersedes_id",
    "duplicate_of_id",
    "created_at",
)


def article_dict(row: dict[str, Any]) -> dict[str, Any]:
    """The API representation of a row of `Article.objects.values(*ARTICLE_VALUES)` (plus rank/snippet)."""
    item = {
        "id": row["id"],
        "title": row["title"],
        "byline": row["byline"],
        "url": row["url"],
        "canonical_url": row["canonical_url"],
        "published_at": iso(row["published_at"]),
        "language": row["language"],
        "lead": row["lead"],
        "text": row["text"],
        "outlet": row["outlet_id"],
        "outlet_name": row["outlet__name"],
        "snapshot_sha256": row["snapshot__sha256"],
        "supersedes": row["supersedes_id"],
        "duplicate_of": row["duplicate_of_id"],
        "created_at": iso(row["created_at"]),
    }
    if "rank" in row:
        item["rank"] = row["rank"]
        item["snippet"] = row.get("snippet")
    return item


class ArticleSerializer(serializers.Serializer):
    """An archived article; `text` is what annotation offsets (code points) point into."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    byline = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)
    canonical_url = serializers.CharField(allow_blank=True)
    published_at = serializers.DateTimeField(allow_null=True)
    language = serializers.CharField(allow_blank=True)
    lead = serializers.CharField(allow_blank=True)
    text = serializers.CharField()
    outlet = serializers.IntegerField(allow_null=True)
    outlet_name = serializers.CharField(allow_null=True)
    snapshot_sha256 = serializers.CharField(help_text="sha256 of the archived bytes")
    supersedes = serializers.IntegerField(allow_null=True)
    duplicate_of = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    rank = serializers.FloatField(required=False, help_text="With ?search=: relevance")
    snippet = serializers.CharField(
        required=False, allow_null=True, help_text="With ?search=: HTML-escaped text in which only <mark> is markup"
    )
    annotations = AnnotationSerializer(many=True, required=False, help_text="With ?include=annotations")


class SubmitSerializer(RefuseUnknownKeys, serializers.Serializer):
    project = WholeNumberField(min_value=1)


class SubmittedSerializer(serializers.Serializer):
    status = serializers.CharField()
    submitted_at = serializers.DateTimeField()


class OutletSerializer(serializers.ModelSerializer):
    class Meta:
        model = Outlet
        fields = ["id", "name", "domain", "kind", "country", "language"]
