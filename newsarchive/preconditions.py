"""ETags and If-Match for every mutable API resource: the row version that PostgreSQL keeps.

An ETag is weak, `W/"<version>"`: the version changes on every write of the row, but the JSON of a row also
shows names of other rows (a label's name, an annotator's username) that may change without it. `If-Match`
compares versions (weak comparison, RFC 9110 §13.1.1 allows none, so we document ours): `W/"7"`, `"7"` and
`*` are understood, several tags may be sent separated by commas. A stale one answers 412 with the current
representation and its ETag; a malformed one answers 400.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

_TAG = re.compile(r'^\s*(?:W/)?"(\d{1,18})"\s*$')


def etag(version: int) -> str:
    return f'W/"{version}"'


def if_match(request: Request) -> set[int] | None:
    """The versions the client's If-Match accepts; None when it sent none (or `*`)."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    versions = set()
    for part in raw.split(","):
        found = _TAG.match(part)
        if found is None:
            raise ValidationError(
                {"If-Match": [f'If-Match is an ETag this API sent, such as W/"3"; got {raw[:100]!r}.']}
            )
        versions.add(int(found.group(1)))
    return versions


def stale(request: Request, version: int) -> bool:
    """Whether the request's If-Match names another version than the stored one."""
    wanted = if_match(request)
    return wanted is not None and version not in wanted


def precondition_failed(current: Any, version: int) -> Response:
    """412: somebody else changed the resource since the client read it; here is what it is now."""
    return Response(current, status=412, headers={"ETag": etag(version)})


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = etag(version)
    return response
