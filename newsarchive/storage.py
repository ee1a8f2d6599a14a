"""Static files storage: whitenoise's hashed and compressed files, gzip only, compressing each hashed file once."""

from __future__ import annotations

import os

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class OnceCompressor(Compressor):
    """gzip beside each file, skipped when it is already there.

    Hashed names are content addresses and gzip is written without a timestamp, so an existing .gz of a hashed
    file is already right: a `collectstatic` with nothing changed compresses nothing. No brotli: at its maximum
    level it took over a minute of CPU for the Swagger UI and Redoc bundles on a 2-core machine, for ~20% fewer
    bytes than gzip on pages that are rarely opened.
    """

    def __init__(self, **kwargs):
        super().__init__(**{**kwargs, "use_brotli": False})

    def compress(self, path):
        if os.path.exists(path + ".gz"):
            return [path + ".gz"]
        return super().compress(path)

    def write_data(self, path, data, suffix, stat_result):
        # Write beside and rename, so an interrupted run never leaves a truncated .gz that the check above trusts.
        filename = path + suffix
        partial = filename + ".partial"
        with open(partial, "wb") as out:
            out.write(data)
        os.utime(partial, (stat_result.st_atime, stat_result.st_mtime))
        os.replace(partial, filename)
        return filename


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Only the hashed names are kept (what every page links to) and compressed.

    The annotator's ES modules import each other by relative URL: those imports are rewritten to the hashed
    names too, so a module and its imports are cached for a year together and change together.
    """

    keep_only_hashed_files = True
    support_js_module_import_aggregation = True

    def create_compressor(self, **kwargs):
        return OnceCompressor(**kwargs)
