"""A bounded schemathesis pass against the live API: no server error, no response that contradicts the schema.

About a minute, plus a stateful run and two runs with other Accept headers. POST /api/imports/ is left out: it
fetches URLs, and fuzzing must not send traffic anywhere.
Set NEWSARCHIVE_SKIP_FUZZ=1 to skip it in a quick local run.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from annotations import services
from annotations.models import Label
from projects.models import Membership
from tests.factories import ActorFactory, ArticleFactory, ProjectFactory, UserFactory, label

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


SKIP_FUZZ = pytest.mark.skipif(os.environ.get("NEWSARCHIVE_SKIP_FUZZ") == "1", reason="NEWSARCHIVE_SKIP_FUZZ=1")
NO_SCHEMATHESIS = pytest.mark.skipif(not SCHEMATHESIS.exists(), reason="schemathesis is not installed")


def fuzzing_token(settings) -> str:
    """A project admin's token, with a coded article (an actor span, a claim, a relation) to fuzz around."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = UserFactory(username="fuzzer")
    project = ProjectFactory()
    Membership.objects.create(project=project, user=user, role=Membership.Role.ADMIN)
    article = ArticleFactory()
    project.articles.add(article)
    actor = ActorFactory(name="Khalifa Haftar", wikidata_qid="Q1138963")
    span = services.create_annotation(
        project=project,
        article=article,
        label=label(project, Label.Kind.ACTOR),
        annotator=user,
        start=0,
        end=14,
        actors=[actor],
    )
    claim = services.create_annotation(
        project=project,
        article=article,
        label=label(project, Label.Kind.CLAIM),
        annotator=user,
        start=0,
        end=37,
        claim={"claimant": actor, "claimant_mention": span, "about": [actor]},
    )
    services.create_relation(source=claim, target=span, kind="claimant", annotator=user)
    return Token.objects.create(user=user).key


def run_schemathesis(
    live_server, tmp_path, token: str, *options: str, schema: str | None = None
) -> subprocess.CompletedProcess:
    location = [f"{live_server.url}/api/schema/"] if schema is None else [schema, "--url", live_server.url]
    command = [
        str(SCHEMATHESIS),
        "run",
        *location,
        "--seed",
        "1",
        "--generation-database",
        "none",
        "--exclude-path-regex",
        "^/api/imports/",
        "-H",
        f"Authorization: Token {token}",
        "--no-color",
        *options,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False, cwd=tmp_path)


@SKIP_FUZZ
@NO_SCHEMATHESIS
def test_api_conforms_to_its_schema_under_fuzzing(live_server, settings, tmp_path):
    token = fuzzing_token(settings)
    result = run_schemathesis(
        live_server,
        tmp_path,
        token,
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--max-examples",
        "10",
        "--max-time",
        "60",
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "passed" in result.stdout


@SKIP_FUZZ
@NO_SCHEMATHESIS
def test_api_survives_stateful_sequences(live_server, settings, tmp_path):
    """Sequences of calls (create a span, then read, patch, relate and delete it ...) along the links schemathesis
    infers between operations: no server error."""
    token = fuzzing_token(settings)
    result = run_schemathesis(
        live_server, tmp_path, token, "--phases", "stateful", "--checks", "not_a_server_error", "--max-time", "45"
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Stateful" in result.stdout


@SKIP_FUZZ
@NO_SCHEMATHESIS
@pytest.mark.parametrize("accept", ["text/html", "application/json; indent=2"])
def test_api_survives_fuzzing_with_other_accept_headers(live_server, settings, tmp_path, accept):
    """The browsable API and indented JSON (both once answered 500 for span lists) under fuzzing. The schema is
    read beforehand: its own endpoint answers only YAML/JSON."""
    token = fuzzing_token(settings)
    schema = tmp_path / "schema.json"
    schema.write_bytes(Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    result = run_schemathesis(
        live_server,
        tmp_path,
        token,
        "-H",
        f"Accept: {accept}",
        "--phases",
        "examples,fuzzing",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        "5",
        "--max-time",
        "40",
        schema=str(schema),
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # Under load the time budget can end before a case is generated: no server error is what this run checks.
    assert "Loaded specification" in result.stdout
