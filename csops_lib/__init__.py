"""csops_lib: loaders, metrics and reports for e-commerce customer-service teams.

`csops_lib.load(path, table)` → (canonical DataFrame, LoadReport); `csops_lib.kpis(store,
date_from, date_to, by=…, per=…)` → the KPI table of a period (= `csops kpis --store`). The package is layered,
each layer importing only from those before it (docs/ARCHITECTURE.md):
`settings` → `schema` → `loaders` → `store` → `metrics` → `reports` → `render` → `runner` →
`cli`; `demo` and `dask_engine` beside.
"""
__version__ = "0.1.0"

__all__ = ["kpis", "load", "load_many", "__version__"]


def __getattr__(name):  # lazy, so `csops --help` does not import pandas and pandera
    if name in ("load", "load_many"):
        from csops_lib import loaders  # lazy: `csops --help` must not import pandas

        return getattr(loaders, name)
    if name == "kpis":
        from csops_lib.reports import kpis  # lazy: `csops --help` must not import pandas

        return kpis.kpis
    raise AttributeError(f"module 'csops_lib' has no attribute {name!r}")
