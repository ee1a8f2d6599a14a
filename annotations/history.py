"""The history of spans as the API shows it: events that PostgreSQL recorded (django-pghistory triggers).

`SpanEvent` (a view, migration 0011_span_history) gathers the events of a span, its details and relations,
with the row before each change, so that an event lists the fields it changed, before and after.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import permissions
from annotations.models import Annotation, SpanEvent
from projects.models import Membership
from projects.roles import project_role

# Columns that every snapshot carries but that say nothing about the change.
QUIET = {"updated_at", "version"}


def span_events(span_id: int) -> QuerySet[SpanEvent]:
    return SpanEvent.objects.filter(span_id=span_id)


def may_see_span_history(user: AbstractBaseUser | AnonymousUser, span_id: int) -> bool:
    """Whoever may see the span; for a deleted span, whoever could see it when it was deleted."""
    if not user.is_authenticated:
        return False
    if Annotation.objects.filter(permissions.annotation_scope(user), pk=span_id).exists():
        return True
    last = SpanEvent.objects.filter(span_id=span_id, model="annotation", event="delete").order_by("-event_id").first()
    if last is None:
        return False
    if user.is_superuser:
        return True
    role = project_role(user, last.data.get("project_id"))
    if role in (Membership.Role.REVIEWER, Membership.Role.ADMIN):
        return True
    return role is not None and last.data.get("annotator_id") == user.pk


def changes(event: SpanEvent) -> dict[str, dict[str, Any]]:
    """{field: {"before": ..., "after": ...}} of one event (every field for an insert or a delete)."""
    if event.event == "insert":
        before, after = {}, event.data
    elif event.event == "delete":
        before, after = event.data, {}
    else:
        before, after = event.previous or {}, event.data
    fields = sorted(set(before) | set(after))
    return {
        field: {"before": before.get(field), "after": after.get(field)}
        for field in fields
        if before.get(field) != after.get(field) and (field not in QUIET or event.event != "update")
    }


def event_dict(event: SpanEvent) -> dict[str, Any]:
    context = event.context or {}
    return {
        "id": event.key,
        "span": event.span_id,
        "model": event.model,
        "object": event.object_id,
        "event": event.event,
        "at": event.created_at.isoformat().replace("+00:00", "Z"),
        "user": context.get("user"),
        "username": event.username,
        "via": context.get("via") or ("database" if event.context is None else "unknown"),
        "changes": changes(event),
    }


def paginated_events(view: Any, request: Request, events: QuerySet[SpanEvent]) -> Response:
    view.cursor_ordering = lambda request: ("created_at", "event_id", "key")
    page = view.paginate_queryset(events)
    return view.get_paginated_response([event_dict(event) for event in page])


class HistoryEventSerializer(serializers.Serializer):
    """One recorded change of a span or of one of its details or relations (read)."""

    id = serializers.CharField(help_text="model:event id")
    span = serializers.IntegerField()
    model = serializers.ChoiceField(
        choices=["annotation", "source", "claim", "actor_link", "claim_about", "relation"],
        help_text="Which row changed: the span, or one of its details or relations",
    )
    object = serializers.IntegerField(help_text="Id of the row that changed")
    event = serializers.ChoiceField(choices=["insert", "update", "delete"])
    at = serializers.DateTimeField()
    user = serializers.IntegerField(allow_null=True, help_text="Who (the app user), when known")
    username = serializers.CharField(allow_null=True)
    via = serializers.CharField(help_text="api, admin, web, import, load, demo, command; database: raw SQL")
    changes = serializers.DictField(help_text='{field: {"before": ..., "after": ...}}')


class HistoryPageSerializer(serializers.Serializer):
    """A page of a span's history (cursor pagination, like every list)."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HistoryEventSerializer(many=True)
