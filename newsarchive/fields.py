"""Strict DRF fields shared by the API: whole-number ids, bounded free JSON, and bodies that refuse unknown keys."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

MAX_ATTRIBUTES_BYTES = 64 * 1024


def is_whole_number_id(data: Any) -> bool:
    """An id as JSON (an integer, not a float or a boolean) or as form data (a string of digits)."""
    if isinstance(data, bool):
        return False
    if isinstance(data, int):
        return True
    return isinstance(data, str) and data.isascii() and data.isdigit()


class WholeNumberKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key that must be a whole number: DRF's field would look up 2.7 (or true) as id 2 (or 1)."""

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "not_whole": "An id is a whole number, not {value}.",
    }

    def to_internal_value(self, data: Any) -> Any:
        if not is_whole_number_id(data):
            self.fail("not_whole", value=json.dumps(data) if _jsonable(data) else repr(data))
        return super().to_internal_value(data)


class WholeNumberField(serializers.IntegerField):
    """An integer that must be sent as one: DRF's IntegerField would take 5.0 (or "5.0") as 5."""

    default_error_messages = {
        **serializers.IntegerField.default_error_messages,
        "not_whole": "A whole number is required.",
    }

    def to_internal_value(self, data: Any) -> int:
        negative_digits = isinstance(data, str) and data.startswith("-") and is_whole_number_id(data[1:])
        if not (is_whole_number_id(data) or negative_digits):
            self.fail("not_whole")
        return super().to_internal_value(data)


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "a NUL (\\u0000) character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone surrogate (an unpaired \\ud800-\\udfff escape)"
    return None


class AttributesField(serializers.DictField):
    """Free coding attributes (a JSON object): text PostgreSQL can store, at most 64 KB of JSON."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        stack: list[tuple[Any, str]] = [(value, self.field_name or "attributes")]
        while stack:
            item, path = stack.pop()
            if isinstance(item, dict):
                for key, child in item.items():
                    problem = _bad_text(str(key))
                    if problem:
                        raise serializers.ValidationError(f"The key {json.dumps(key)} at {path} contains {problem}.")
                    stack.append((child, f"{path}.{key}"))
            elif isinstance(item, list):
                stack.extend((child, f"{path}[{index}]") for index, child in enumerate(item))
            elif isinstance(item, str):
                problem = _bad_text(item)
                if problem:
                    raise serializers.ValidationError(f"The value at {path} contains {problem}.")
        size = len(json.dumps(value, ensure_ascii=False).encode())
        if size > MAX_ATTRIBUTES_BYTES:
            raise serializers.ValidationError(
                f"attributes are at most {MAX_ATTRIBUTES_BYTES // 1024} KB of JSON; these are {size:,} bytes."
            )
        return value


class RefuseUnknownKeys:
    """Serializer mixin: a key that is not a field is refused by name instead of being dropped silently.

    `ignored_keys` are keys a client may send back from what it read (read-only parts of the representation).
    """

    ignored_keys: frozenset[str] = frozenset()

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            known = set(self.fields) | self.ignored_keys | {"csrfmiddlewaretoken"}
            unknown = sorted(str(key) for key in data if key not in known)
            if unknown:
                allowed = ", ".join(name for name, field in self.fields.items() if not field.read_only)
                raise serializers.ValidationError(
                    {key: [f"Unknown field {key!r}; the fields are: {allowed}."] for key in unknown}
                )
        return super().to_internal_value(data)
