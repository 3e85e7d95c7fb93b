"""Where the data lives: a configured store, or the bundled demo shop built on first use.

Resolution order for the store folder:
1. the `CSOPS_DATA_DIR` environment variable;
2. `data_dir` in `params/shop.yaml` (relative to the project root);
3. the demo store `data/demo/store` (built by `csops_lib.demo.build.ensure_demo_store`).
"""
from __future__ import annotations

import os
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = ROOT / "data" / "demo"
DEMO_STORE = DEMO_DIR / "store"


def project_root() -> Path:
    """The repository root (holds notebooks/, params/, outputs/)."""
    return ROOT


def configured_data_dir() -> Path | None:
    """The store folder the user configured, or None when none is configured."""
    env = os.environ.get("CSOPS_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    shop = ROOT / "params" / "shop.yaml"
    if shop.exists():
        value = (yaml.safe_load(shop.read_text(encoding="utf-8")) or {}).get("data_dir")
        if value:
            path = Path(value).expanduser()
            return path if path.is_absolute() else (ROOT / path).resolve()
    return None


def data_dir() -> Path:
    """The store to report on: the configured one, else the demo store folder.

    No side effect: the demo store is built by `csops_lib.demo.build.ensure_demo_store`
    (the runner and the CLI call it), never by reading a setting.
    """
    configured = configured_data_dir()
    if configured is not None:
        if not configured.exists():
            raise FileNotFoundError(
                f"data_dir {configured} does not exist: ingest exports with "
                f"`csops ingest FILE… --store {configured}` or unset data_dir to use the demo"
            )
        return configured
    return DEMO_STORE
