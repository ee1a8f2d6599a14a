"""Every GET operation of the schema with hostile query-string values and every Accept header: never a 500.

Deterministic and in-process (the test client), beside the schemathesis runs of test_schema_fuzz.py. A server
traceback logged on the way fails the test too (tests/conftest.py).
"""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.api.conftest import client_for

# NUL (PostgreSQL text cannot hold it), a digit str.isdigit() takes but int() refuses, an id past bigint, a fraction,
# and an over-long value.
HOSTILE_VALUES = ["a\x00b", "\u00b2", "9" * 25, "1.5", "x" * 600]
ACCEPTS = [
    "text/html",
    "application/json; indent=2",
    "application/json; indent=banana",
    "*/*",
    "application/xml",
    "text/csv",
    "application/x-ndjson",
    "application/ld+json",
]


def get_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation is None or path.startswith("/api/schema"):
            continue
        params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        yield path, params


@pytest.fixture
def as_coder(annotator, actor_span):
    return client_for(annotator)


def concrete(path, actor_span):
    ids = {"id": actor_span.pk}
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), actor_span.pk)), path)


def test_hostile_query_strings_on_every_get_operation(as_coder, actor_span):
    failures = []
    for path, params in get_operations():
        url = concrete(path, actor_span)
        for name in [*params, "include", "format", "cursor"]:
            for value in HOSTILE_VALUES:
                response = as_coder.get(url, {name: value})
                if response.status_code == 200 and response.streaming:
                    b"".join(response.streaming_content)  # an export fails while streaming, if at all
                if response.status_code >= 500:
                    failures.append((url, name, value, response.status_code))
    assert not failures


# Endpoints that answer a member without the role 403 by design (docs/api.md): agreement and scores are for
# reviewers and project admins.
ROLE_RESTRICTED = {"/api/projects/{project_id}/agreement/", "/api/projects/{project_id}/score/"}


def test_every_accept_header_on_every_get_operation(as_coder, actor_span):
    failures = []
    for path, _ in get_operations():
        url = concrete(path, actor_span)
        allowed = (200, 400, 404, 406, 403) if path in ROLE_RESTRICTED else (200, 400, 404, 406)
        for accept in ACCEPTS:
            response = as_coder.get(url, HTTP_ACCEPT=accept)
            if response.status_code >= 500 or response.status_code not in allowed:
                failures.append((url, accept, response.status_code))
            if response.status_code == 200 and response.streaming:
                b"".join(response.streaming_content)
    assert not failures
