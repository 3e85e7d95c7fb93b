"""Build the demo shop the way real data arrives: exports written as files, then ingested."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from csops_lib import engine, store
from csops_lib.demo.generator import build_demo
from csops_lib.settings.paths import (
    DEMO_DIR,
    DEMO_STORE,
    DEMO_WEEKS,
    configured_data_dir,
    data_dir,
)


def build_demo_store(out_dir: str | Path = "data/demo", *, weeks: int = DEMO_WEEKS,
                     seed: int = 1, end=None, progress: bool = True) -> store.IngestResult:
    """Write the demo exports to `out_dir/exports` and ingest them into `out_dir/store`.

    The store is rebuilt from scratch in a temporary folder and swapped in at the end, so an
    interrupted build never leaves a half-made demo store behind.
    """
    out = Path(out_dir)
    exports = out / "exports"
    started = time.monotonic()
    if exports.exists():
        shutil.rmtree(exports)
    built = build_demo(exports, weeks=weeks, seed=seed, end=end, progress=progress)
    if progress:
        print(f"demo exports: {len(built['files'])} files in {exports} "
              f"({time.monotonic() - started:.1f} s)", flush=True)
    tmp_store = out / ".store.tmp"
    if tmp_store.exists():
        shutil.rmtree(tmp_store)
    result = engine.ingest(built["files"], tmp_store, progress=progress)
    final = out / "store"
    if final.exists():
        shutil.rmtree(final)
    tmp_store.rename(final)
    if progress:
        quarantined = sum(r.rows_quarantined for r in result.reports)
        print(f"demo store: {final} ({sum(result.rows_new.values()):,} rows, "
              f"{quarantined} rows set aside as totals/duplicates; "
              f"{time.monotonic() - started:.1f} s total)", flush=True)
    return result


def ensure_demo_store(*, progress: bool = True) -> Path:
    """The store to report on: the configured one (`settings.paths.data_dir`), else the demo
    store, built here on first use (a few minutes, once)."""
    if configured_data_dir() is None and not (DEMO_STORE / "orders").exists():
        if progress:
            print("no data configured: building the demo shop (a few minutes, once)…",
                  flush=True)
        build_demo_store(DEMO_DIR, progress=progress)
    return data_dir()
