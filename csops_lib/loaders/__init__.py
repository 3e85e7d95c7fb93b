"""Read the exports a shop already has (xlsx, csv; Chinese or English headers) into the
canonical tables of DATA.md, quarantining every row that cannot be loaded.

`load(path, table=None)` → (DataFrame, LoadReport); `load_many(paths, table)`.
"""
from csops_lib.loaders.core import (
    QUARANTINE_COLUMNS,
    LoadError,
    LoadReport,
    MissingColumnError,
    load,
    load_many,
)

__all__ = ["QUARANTINE_COLUMNS", "LoadError", "LoadReport", "MissingColumnError", "load",
           "load_many"]
