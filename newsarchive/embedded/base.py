"""Django's PostgreSQL backend, starting the embedded server (newsarchive/db.py) when a connection is first opened.

Settings only name the database; a command that never queries (`extract`, `help`) never starts a server.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base as postgresql

from newsarchive import db


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        params["host"] = db.embedded_socket_dir()
        return params
