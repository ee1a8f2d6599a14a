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
    """Hashed and compressed names for what pages link to; the plain names are kept beside them.

    The workspace's ES modules import one another by relative URL and some import each other in a cycle
    (static/annotator/workspace.js says why that is safe). Rewriting those imports to hashed names cannot converge
    on a cycle (a module's hash depends on its imports' hashes), so the imports are left as they are and the
    workspace loads its modules by their plain names, which whitenoise serves with a short cache lifetime.
    """

    keep_only_hashed_files = False
    support_js_module_import_aggregation = False

    def create_compressor(self, **kwargs):
        return OnceCompressor(**kwargs)
