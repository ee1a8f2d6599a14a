"""The guard of tests/conftest.py sees a server traceback (so that a suite with one cannot pass)."""

import logging

from tests import tracebacks


def test_a_logged_server_traceback_is_collected_with_its_test(request):
    collector = tracebacks.install()
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError:
        logging.getLogger("django.request").exception("Internal Server Error: /api/x/")
    logging.getLogger("django.request").warning("Not Found: /api/y/")  # no traceback: not collected
    found = collector.take()  # taken here, so this test itself does not fail
    assert [test for test, _ in found] == [request.node.nodeid]
    assert "ZeroDivisionError: boom" in found[0][1]
    assert "Internal Server Error: /api/x/" in found[0][1]


def test_a_500_from_a_view_is_collected(client, admin_user, settings):
    """A real unhandled exception in a view reaches the collector through Django's own logging."""
    from django.urls import path

    def broken(request):
        raise RuntimeError("broken view")

    settings.ROOT_URLCONF = __name__
    globals()["urlpatterns"] = [path("broken/", broken)]
    client.raise_request_exception = False
    assert client.get("/broken/").status_code == 500
    found = tracebacks.COLLECTOR.take()
    assert len(found) == 1 and "RuntimeError: broken view" in found[0][1]


def test_a_database_refusal_is_a_logged_400(rf):
    """The API's safety net: a DataError that validation missed answers 400, and its traceback fails the suite."""
    from django.db import DataError

    from newsarchive.exceptions import api_exception_handler

    try:
        raise DataError("unsupported Unicode escape sequence\nDETAIL: \\u0000 cannot be converted to text.")
    except DataError as error:
        response = api_exception_handler(error, {"request": rf.get("/api/x/"), "view": None})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["The database refused a value: unsupported Unicode escape sequence."]}
    found = tracebacks.COLLECTOR.take()
    assert len(found) == 1 and "DataError: unsupported Unicode escape sequence" in found[0][1]
