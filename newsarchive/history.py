"""Who changed what, through which door: the pghistory context of requests and commands.

PostgreSQL records every write of a tracked row (django-pghistory triggers); the context attached to it says
who (`user`, the app user's id) and through what (`via`: api, admin, web, import, load, demo, command). A
write made without any context (raw SQL in psql, a migration) is recorded with no context: the history shows
it as "database".
"""

from __future__ import annotations

from typing import Any

import pghistory
import pghistory.middleware


def via_of_path(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "web"


class HistoryMiddleware(pghistory.middleware.HistoryMiddleware):
    """pghistory's middleware (user, url; the user is updated once DRF authenticates a token) plus `via`."""

    def get_context(self, request: Any) -> dict[str, Any]:
        return {**super().get_context(request), "via": via_of_path(request.path)}


def command_context(via: str, user: Any = None, **extra: Any) -> pghistory.context:
    """The context of a management command's writes (`with command_context("import", user): ...`)."""
    return pghistory.context(via=via, user=getattr(user, "pk", user), **extra)
