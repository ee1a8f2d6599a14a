"""Filters shared by the apps' FilterSets."""

from __future__ import annotations

from datetime import UTC, datetime

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 datetime, converted to UTC: PostgreSQL refuses UTC offsets beyond ±15:59 that Python accepts
    (`+18:31`), so a query must never carry the offset as sent."""

    def to_python(self, value: object) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError as error:
            raise forms.ValidationError("This date and time is out of range.", code="invalid") from error


class UTCIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField
