"""Server tracebacks during the tests: every one is a failure, even behind a response the test accepted.

A handler on the loggers through which Django reports an unhandled exception (`django.request` for the test
client and the live servers' views, `django.server` for the live servers themselves) and on `newsarchive.api`
(a database refusal turned into a 400: a gap in validation) keeps each ERROR record that carries a traceback.
tests/conftest.py fails the test during which one was logged, and the session if one came in between tests.
"""

from __future__ import annotations

import logging
import traceback

WATCHED_LOGGERS = ("django.request", "django.server", "newsarchive.api")


class TracebackCollector(logging.Handler):
    """Keeps the ERROR records that carry an exception, with the test that was running."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.current_test = "(between tests)"
        self.found: list[tuple[str, str]] = []
        self.stray: list[tuple[str, str]] = []  # logged between tests: reported when the session ends

    def emit(self, record: logging.LogRecord) -> None:
        if not record.exc_info or record.exc_info[0] is None:
            return
        text = "".join(traceback.format_exception(*record.exc_info))
        self.found.append((self.current_test, f"{record.name}: {record.getMessage()}\n{text}"))

    def take(self) -> list[tuple[str, str]]:
        found, self.found = self.found, []
        return found


COLLECTOR = TracebackCollector()


def install() -> TracebackCollector:
    """(Re-)attach the collector; called once Django has configured logging, which replaces handlers."""
    for name in WATCHED_LOGGERS:
        logger = logging.getLogger(name)
        if COLLECTOR not in logger.handlers:
            logger.addHandler(COLLECTOR)
    return COLLECTOR


def report(found: list[tuple[str, str]]) -> str:
    return "\n".join(f"--- server traceback logged during {test}:\n{text}" for test, text in found)
