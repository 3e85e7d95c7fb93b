"""Read the exports a shop already has (xlsx, csv; Chinese or English headers) into the
canonical tables of DATA.md, quarantining every row that cannot be loaded.

`load(path, table=None)` → (DataFrame, LoadReport); `load_many(paths, table)`.

Modules: `core` (load, load_many, LoadReport, the quarantine), `grid` (reading a file into
text cells, finding the header row and the table, mapping headers to columns), `values`
(parsing amounts, rates, durations, dates, ids, provinces ...), `errors` (LoadError,
MissingColumnError), `call_sheets` (a filled callback call sheet read back).
"""
from csops_lib.loaders.core import (
    QUARANTINE_COLUMNS,
    LoadError,
    LoadReport,
    MissingColumnError,
    UnexpectedLoadError,
    load,
    load_many,
)

__all__ = ["QUARANTINE_COLUMNS", "LoadError", "LoadReport", "MissingColumnError",
           "UnexpectedLoadError", "load", "load_many"]
