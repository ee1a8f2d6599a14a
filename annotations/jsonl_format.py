"""The JSON Lines corpus format: its name, written by annotations.exports and read by annotations.loading."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError

# Every line names it; a reader refuses lines of any other format (or version).
EXPORT_FORMAT = "newsarchive-jsonl/1"


def parse_line(line: str | bytes) -> dict[str, Any]:
    """One line of an export as a dict; invalid JSON raises ValueError, a line of another format ValidationError."""
    data = json.loads(line)
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ValidationError(f"not a {EXPORT_FORMAT} line")
    return data
