"""The API's JSON parser: DRF's, bounded in body size and nesting depth so hostile bodies get a 4xx, not a 500."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.utils import json

# No request body of ours nests deeper than a claim inside a span (3 levels) plus free `attributes`; 64 leaves room
# for any honest `attributes` while far below the ~1,000 levels at which Python's decoder raises RecursionError.
MAX_JSON_DEPTH = 64


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "request_too_large"


def json_depth_error(value: Any, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why `value` nests too deeply (None when it does not); iterative, so it cannot itself overflow the stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return f"JSON nested more than {limit} levels deep."
        stack.extend((child, depth + 1) for child in children)
    return None


class BoundedJSONParser(parsers.JSONParser):
    """DRF's JSON parser with a cap on the body's size (413) and on its nesting depth (400)."""

    max_bytes_setting = "NEWSARCHIVE_API_MAX_BODY_BYTES"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        limit = getattr(settings, self.max_bytes_setting)
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise RequestTooLarge(f"Request body too large: a JSON body is at most {limit:,} bytes.")
        encoding = parsers.get_encoding(parser_context)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as error:
            raise ParseError(f"JSON parse error - the body is not valid {encoding}: {error.reason}.") from error
        try:
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError as error:
            raise ParseError(f"JSON parse error - JSON nested more than {MAX_JSON_DEPTH} levels deep.") from error
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from error
        too_deep = json_depth_error(data)
        if too_deep:
            raise ParseError(f"JSON parse error - {too_deep}")
        return data


class ImportJSONParser(BoundedJSONParser):
    """JSON imports carry whole texts: their cap is the import size cap (plus room for the other fields)."""

    max_bytes_setting = "DATA_UPLOAD_MAX_MEMORY_SIZE"
