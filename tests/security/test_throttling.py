"""API floods: per-user and anonymous throttles set by NEWSARCHIVE_API_THROTTLE_RATES (from environment variables),
and failed token authentications counted per address."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from newsarchive.throttling import client_address


@pytest.fixture
def rates(settings):
    def _set(**rates):
        settings.NEWSARCHIVE_API_THROTTLE_RATES = {"anon": None, "user": None, "token_failures": None, **rates}

    return _set


def test_an_authenticated_flood_gets_429_with_retry_after(rates, annotator):
    rates(user="5/minute")
    client = APIClient()
    client.force_authenticate(annotator)
    statuses = [client.get("/api/projects/").status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429, 429]
    response = client.get("/api/projects/")
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()


def test_users_are_counted_apart(rates, annotator, reviewer):
    rates(user="2/minute")
    first, second = APIClient(), APIClient()
    first.force_authenticate(annotator)
    second.force_authenticate(reviewer)
    assert [first.get("/api/projects/").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/projects/").status_code == 200


def test_anonymous_clients_are_throttled_per_address(rates, db):
    rates(anon="2/minute")
    client = APIClient()
    statuses = [client.get("/api/docs/", REMOTE_ADDR="10.0.0.7").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/api/docs/", REMOTE_ADDR="10.0.0.8").status_code == 200


def test_failed_tokens_lock_the_address_out_even_with_a_valid_token(rates, annotator):
    rates(token_failures="3/hour")
    good = Token.objects.create(user=annotator).key
    client = APIClient()
    for attempt in range(3):
        response = client.get("/api/projects/", HTTP_AUTHORIZATION=f"Token wrong{attempt}", REMOTE_ADDR="10.0.0.9")
        assert response.status_code == 401
        assert response.json()["detail"] == "Invalid token."

    refused = client.get("/api/projects/", HTTP_AUTHORIZATION=f"Token {good}", REMOTE_ADDR="10.0.0.9")
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith(
        "Too many failed token authentications from this address; try again later. Expected available in"
    )
    assert int(refused["Retry-After"]) > 3500

    # The same token from another address works: only the guessing address is refused.
    assert client.get("/api/projects/", HTTP_AUTHORIZATION=f"Token {good}", REMOTE_ADDR="10.0.0.10").status_code == 200


def test_valid_tokens_are_not_counted(rates, annotator):
    rates(token_failures="2/hour")
    good = Token.objects.create(user=annotator).key
    client = APIClient()
    statuses = [client.get("/api/projects/", HTTP_AUTHORIZATION=f"Token {good}").status_code for _ in range(5)]
    assert statuses == [200] * 5


def test_client_address_behind_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    settings.NEWSARCHIVE_PROXY_COUNT = 0
    assert client_address(request) == "127.0.0.1"  # no proxy configured: a client's own header is ignored
    settings.NEWSARCHIVE_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.5"  # what our one proxy saw; the spoofable first entry is not used


def settings_from_environment(**env) -> str:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.NEWSARCHIVE_API_THROTTLE_RATES, sort_keys=True))"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsarchive.settings", **env}
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout.strip()


def test_rates_come_from_the_environment():
    assert settings_from_environment() == ('{"anon": "60/minute", "token_failures": "30/hour", "user": "100/second"}')
    assert settings_from_environment(
        NEWSARCHIVE_THROTTLE_ANON="10/minute",
        NEWSARCHIVE_THROTTLE_USER="off",
        NEWSARCHIVE_THROTTLE_TOKEN_FAILURES="5/hour",
    ) == ('{"anon": "10/minute", "token_failures": "5/hour", "user": null}')
    assert django_settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
