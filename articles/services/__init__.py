"""Writes of the archive: storing imported pages as snapshots and articles, and running whole imports.

Reading and extraction are pure (articles/importers.py) and run in worker processes; everything that touches
the database happens here, in the main process (in a writer thread with its own connection when the caller is
not inside a transaction), one chunk of items per transaction with a fixed number of queries. A chunk that the
database refuses is retried item by item, so one bad item never stops the batch and never leaves a snapshot
without its article.

items.py imports one page, text or URL; batch.py runs whole imports; archive.py applies the archive's rules
(duplicate, new version, syndicated copy) to a chunk; bulk.py writes it; results.py holds the outcomes.
"""

from articles.services.batch import run_import
from articles.services.items import import_html, import_max_bytes, import_text, import_url
from articles.services.results import (
    DUPLICATE,
    FAILED,
    IMPORTED,
    NEW_VERSION,
    SYNDICATED_COPY,
    ItemResult,
    batch_results,
    outcome_counts,
)

__all__ = [
    "DUPLICATE",
    "FAILED",
    "IMPORTED",
    "NEW_VERSION",
    "SYNDICATED_COPY",
    "ItemResult",
    "batch_results",
    "import_html",
    "import_max_bytes",
    "import_text",
    "import_url",
    "outcome_counts",
    "run_import",
]
