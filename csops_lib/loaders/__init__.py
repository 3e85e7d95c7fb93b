"""Read the exports a shop already has (xlsx, csv; Chinese or English headers) into the
canonical tables of DATA.md, quarantining every row that cannot be loaded.

`load(path, table=None)` → (DataFrame, LoadReport); `load_many(paths, table)`.

Modules: `core` (load, load_many, LoadReport, the quarantine), `grid` (reading a file into
text cells, finding the header row and the table, mapping headers to columns), `values`
(parsing amounts, rates, durations, dates, ids, provinces ...), `errors` (LoadError,
MissingColumnError), `call_sheets` (a filled callback call sheet read back). The names
below are imported from their module on first use.
"""
from importlib import import_module

#: the package's names and the module defining each: imported on first use (PEP 562), so
#: the store's readers (``csops kpis``, the reports) never import the loaders they do not
#: call (0.15 s of every start); ``from csops_lib.loaders import load`` works as before
_WHERE = {"QUARANTINE_COLUMNS": "core", "LoadReport": "core", "load": "core",
          "load_many": "core", "LoadError": "errors", "MissingColumnError": "errors",
          "UnexpectedLoadError": "errors", "load_call_sheets": "call_sheets"}

__all__ = ["QUARANTINE_COLUMNS", "LoadError", "LoadReport", "MissingColumnError",
           "UnexpectedLoadError", "load", "load_call_sheets", "load_many"]


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'csops_lib.loaders' has no attribute {name!r}")
    value = getattr(import_module(f"csops_lib.loaders.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
