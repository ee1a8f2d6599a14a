"""The browser tests' live server is watched too: a traceback it logs fails the test (tests/tracebacks.py)."""

import urllib.error
import urllib.request

import pytest
from django.urls import path

from tests import tracebacks


def broken(request):
    raise RuntimeError("broken view")


urlpatterns = [path("broken/", broken)]


def test_a_traceback_of_the_live_server_is_collected(live_server, settings):
    settings.ROOT_URLCONF = __name__
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{live_server.url}/broken/", timeout=10)
    assert error.value.code == 500
    found = tracebacks.COLLECTOR.take()
    assert any("RuntimeError: broken view" in text for _, text in found)
