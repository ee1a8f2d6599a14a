"""What came of imported items: the outcomes, one item's result, and the results recorded on a batch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from articles.models import ImportBatch

IMPORTED = "imported"
DUPLICATE = "duplicate"
NEW_VERSION = "new_version"
SYNDICATED_COPY = "syndicated_copy"
FAILED = "failed"
OUTCOMES = (IMPORTED, NEW_VERSION, SYNDICATED_COPY, DUPLICATE, FAILED)
OUTCOME_LABELS = {
    IMPORTED: "Imported",
    NEW_VERSION: "New version",
    SYNDICATED_COPY: "Syndicated copy",
    DUPLICATE: "Duplicate",
    FAILED: "Failed",
}


@dataclass(frozen=True)
class ItemResult:
    """What came of one imported item: its outcome, a message for the researcher, and the article."""

    item: str
    outcome: str
    message: str
    article_id: int | None = None

    @property
    def outcome_label(self) -> str:
        """The outcome as the researcher reads it."""
        return OUTCOME_LABELS[self.outcome]

    def as_dict(self) -> dict[str, Any]:
        """The result as recorded on the batch."""
        return {"item": self.item, "outcome": self.outcome, "message": self.message, "article": self.article_id}


def batch_results(batch: ImportBatch) -> list[ItemResult]:
    """The per-item results recorded on a batch."""
    return [
        ItemResult(item=row["item"], outcome=row["outcome"], message=row["message"], article_id=row.get("article"))
        for row in batch.items
    ]


def outcome_counts(results: Iterable[ItemResult]) -> dict[str, int]:
    """How many items ended in each outcome (every outcome listed, zeros included)."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for result in results:
        counts[result.outcome] += 1
    return counts
