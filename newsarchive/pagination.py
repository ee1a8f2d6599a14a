"""Keyset (cursor) pagination for every API list: each row exactly once, in a stable order, over any corpus size.

The cursor holds the complete sort key of the row it stops at (every ordering field, the last one unique), so the
next page is `WHERE (key) after (cursor key)` — no offsets, however many rows share a rank. Floats (search ranks and
similarities are 4-byte `real`s) travel as the exact text PostgreSQL wrote and go back as untyped literals, so they
are compared as the column's own type: a row never compares below its own position.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from django.db import DataError
from django.db.models import F, FloatField, Q
from django.db.models.expressions import RawSQL
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

INVALID = {"cursor": ["Invalid cursor: use the next/previous links as they are."]}


class Float:
    """A float from a cursor, kept as the text the database wrote. It goes back as an untyped literal, which
    PostgreSQL reads as the column's own type: a 4-byte `real` rank compares equal to itself, never below."""

    def __init__(self, text: str) -> None:
        float(text)  # refuse anything that is not a number
        self.text = text


def _encode_value(value: Any) -> Any:
    if isinstance(value, float):
        # psycopg2 parsed the database's shortest text of the value: repr gives that text back.
        return {"f": repr(value)}
    if isinstance(value, Float):
        return {"f": value.text}
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if value is None or isinstance(value, int | str):
        return value
    raise TypeError(f"cannot keep {type(value).__name__} in a cursor")


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"f"} and isinstance(value["f"], str):
        return Float(value["f"])
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        return datetime.fromisoformat(value["t"])
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("bad cursor value")
    return value


def after(ordering: tuple[str, ...], position: list[Any]) -> Q:
    """Rows strictly after `position` in `ordering` (fields with a leading '-' descend)."""
    condition = Q(pk__in=[])
    equal = Q()
    for field, value in zip(ordering, position, strict=True):
        name = field.lstrip("-")
        if isinstance(value, Float):
            value = RawSQL("%s", [value.text], output_field=FloatField())
        lookup = "lt" if field.startswith("-") else "gt"
        condition |= equal & Q(**{f"{name}__{lookup}": value})
        equal &= Q(**{name: value})
    return condition


def _flip(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


class CorpusCursorPagination(BasePagination):
    """`?page_size=` up to 500 (larger requests are capped, not refused); `?cursor=` from `next`/`previous`.

    A view may order by something else than `-id` (a search rank, a similarity) by defining
    `cursor_ordering(request)`; its last field must be unique (the id). A filter may re-anchor the cursor's
    position (same fields, new values) by setting `request.cursor_position` (the search index: scores move). A view
    may add top-level fields to a page (a hit count) by setting `extra` on the paginator before
    `get_paginated_response`.
    """

    page_size = 100
    max_page_size = 500
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    ordering = ("-id",)

    def get_ordering(self, request, queryset, view):
        custom = getattr(view, "cursor_ordering", None)
        ordering = custom(request) if custom is not None else None
        return tuple(ordering or self.ordering)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        digits = raw.isascii() and raw.isdigit()  # str.isdigit() alone also takes '²', which int() refuses
        size = int(raw) if digits and len(raw) < 20 else (10**9 if digits else 0)
        if size < 1:
            raise ValidationError({"page_size": [f"page_size must be a whole number from 1 to {self.max_page_size}."]})
        return min(size, self.max_page_size)

    def decode_cursor(self, request, ordering: tuple[str, ...]) -> tuple[list[Any], bool] | None:
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4)))
            position, reverse = data["p"], data.get("r", False)
            if not isinstance(position, list) or len(position) != len(ordering) or not isinstance(reverse, bool):
                raise ValueError("bad cursor shape")
            return [_decode_value(value) for value in position], reverse
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error, OverflowError):
            raise ValidationError(INVALID) from None

    def encode_cursor(self, position: list[Any], *, reverse: bool) -> str:
        data = {"p": [_encode_value(value) for value in position]}
        if reverse:
            data["r"] = True
        token = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = remove_query_param(request.build_absolute_uri(), self.cursor_query_param)
        size = self.get_page_size(request)
        ordering = self.get_ordering(request, queryset, view)
        cursor = self.decode_cursor(request, ordering)
        anchored = getattr(request, "cursor_position", None)
        if cursor is not None and anchored is not None:
            cursor = (anchored, cursor[1])  # a filter re-anchored the position (articles.filters: search index)
        reverse = cursor is not None and cursor[1]
        walk = tuple(_flip(field) for field in ordering) if reverse else ordering
        page_queryset = queryset.order_by(*(_order_expression(field) for field in walk))
        if cursor is not None:
            page_queryset = page_queryset.filter(after(walk, cursor[0]))
        if cursor is None:
            rows = list(page_queryset[: size + 1])  # any error here is not the cursor's
        else:
            try:
                rows = list(page_queryset[: size + 1])
            except (ValueError, TypeError, DataError):
                # A cursor whose position does not fit the ordering fields (hand-made or tampered with).
                raise ValidationError(INVALID) from None
        more = len(rows) > size
        rows = rows[:size]
        if reverse:
            rows.reverse()
        self.ordering_fields = ordering
        here = cursor[0] if cursor is not None else None
        first = self._position(rows[0]) if rows else here
        last = self._position(rows[-1]) if rows else here
        self.next_link = self.previous_link = None
        if last is not None and ((more and not reverse) or (reverse and cursor is not None)):
            self.next_link = self.encode_cursor(last, reverse=False)
        if first is not None and ((more and reverse) or (not reverse and cursor is not None)):
            self.previous_link = self.encode_cursor(first, reverse=True)
        return rows

    def _position(self, row: Any) -> list[Any]:
        names = [field.lstrip("-") for field in self.ordering_fields]
        if isinstance(row, dict):
            return [row[name] for name in names]
        return [getattr(row, name) for name in names]

    def get_paginated_response(self, data):
        extra = getattr(self, "extra", None) or {}
        return Response({**extra, "next": self.next_link, "previous": self.previous_link, "results": data})

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "count": {"type": "integer", "description": "Article lists: rows in the list (see count_is_estimate)"},
                "count_is_estimate": {
                    "type": "boolean",
                    "description": "Article lists: true when the list has over 10,000 rows and count is estimated",
                },
                "next": link,
                "previous": link,
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The position from a `next`/`previous` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, up to {self.max_page_size}.",
                "schema": {"type": "integer"},
            },
        ]


def _order_expression(field: str):
    return F(field[1:]).desc() if field.startswith("-") else F(field).asc()


def requested_window(request, ordering: tuple[str, ...]) -> tuple[list[Any] | None, bool, int]:
    """The cursor position (None on the first page), direction and page size that CorpusCursorPagination will read
    from this request: for a list that must fetch its candidate rows before paging (a search-index window)."""
    paginator = CorpusCursorPagination()
    cursor = paginator.decode_cursor(request, ordering)
    size = paginator.get_page_size(request)
    return (None, False, size) if cursor is None else (cursor[0], cursor[1], size)


def cursor_float(value: Any) -> float:
    """A float position value of a cursor as a Python float (exact for what the database or the index wrote)."""
    return float(value.text) if isinstance(value, Float) else float(value)
