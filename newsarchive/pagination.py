"""Cursor pagination for every API list: stable iteration over a large corpus, page size capped at 500."""

from __future__ import annotations

from django.db import DataError
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class CorpusCursorPagination(CursorPagination):
    """`?page_size=` up to 500 (larger requests are capped, not refused); `?cursor=` from `next`/`previous`.

    A view may order by something else than `-id` (a search rank, a similarity) by defining
    `cursor_ordering(request)`; the first field is the cursor position, the others break ties.
    """

    page_size = 100
    max_page_size = 500
    page_size_query_param = "page_size"
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

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except (NotFound, UnicodeEncodeError):
            raise ValidationError({"cursor": ["Invalid cursor: use the next/previous links as they are."]}) from None

    def paginate_queryset(self, queryset, request, view=None):
        if not request.query_params.get(self.cursor_query_param):
            return super().paginate_queryset(queryset, request, view)  # any error here is not the cursor's
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, DataError):
            # A cursor whose position does not fit the ordering field (hand-made or tampered with).
            raise ValidationError({"cursor": ["Invalid cursor: use the next/previous links as they are."]}) from None
