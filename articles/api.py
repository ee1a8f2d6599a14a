"""API of the archive: outlets (the article list, which embeds spans, is annotations.article_api)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.request import Request

from articles.filters import OutletFilter
from articles.models import Outlet
from articles.serializers import OutletSerializer
from newsarchive.rendering import ERRORS, RENDERERS


@extend_schema_view(list=extend_schema(responses={200: OutletSerializer(many=True), **ERRORS}))
class OutletViewSet(viewsets.ReadOnlyModelViewSet):
    """Publishers (a shared registry, edited in the admin)."""

    serializer_class = OutletSerializer
    renderer_classes = RENDERERS
    lookup_value_regex = "[0-9]+"
    filterset_class = OutletFilter
    queryset = Outlet.objects.all()

    def cursor_ordering(self, request: Request) -> tuple[str, ...]:
        return ("id",)
