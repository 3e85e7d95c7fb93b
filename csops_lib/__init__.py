"""csops_lib: loaders, metrics and reports for e-commerce customer-service teams.

`csops_lib.load(path, table)` → (canonical DataFrame, LoadReport). Submodules: `io`, `schema`,
`store`, `metrics`, `demo`, `report`, `plots`, `labels`, `periods`, `privacy`.
"""
__version__ = "0.1.0"

__all__ = ["load", "load_many", "__version__"]


def __getattr__(name):  # lazy, so `csops --help` does not import pandas and pandera
    if name in ("load", "load_many"):
        from csops_lib import io

        return getattr(io, name)
    raise AttributeError(f"module 'csops_lib' has no attribute {name!r}")
