"""API shapes of the archive. Article lists are built as dicts from `.values()` (`article_dict`);
`annotations.article_api.ArticleSerializer` documents those dicts (and the embedded spans) in the schema."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from articles.models import Outlet
from newsarchive.rendering import iso

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


class OutletSerializer(serializers.ModelSerializer):
    class Meta:
        model = Outlet
        fields = ["id", "name", "domain", "kind", "country", "language"]
