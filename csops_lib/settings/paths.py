"""Where the data lives: a configured store, or the bundled demo shop built on first use.

Resolution order for the store folder:
1. the `CSOPS_DATA_DIR` environment variable;
2. `data_dir` in `params/shop.yaml` (relative to the project root);
3. the demo store `data/demo/store` (built by `csops_lib.demo.build.ensure_demo_store`).
:func:`resolve_store` applies it to a notebook's or the command line's ``data_dir`` (empty:
this order; a relative folder: from the current folder, else from the project root).

Where reports go: everything a report writes stays under `outputs/` (or the runner's
``out_root``). A folder or file name built from data or the command line goes through
:func:`safe_name` (one path component, never ``..``), and every path is checked by
:func:`inside_outputs` before anything is written.
"""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = ROOT / "data" / "demo"
DEMO_STORE = DEMO_DIR / "store"
#: the demo shop's default length in weeks (``csops demo``, ``make demo``, the store built on
#: first use): 22 weeks cover the four full months before the last day whatever the day, so
#: the monthly report has its previous month and a full 3-month average (18 weeks would
#: leave only two earlier full months when the demo ends late in a month)
DEMO_WEEKS = 22

#: a file or folder name is cut to this many bytes of UTF-8 (file systems allow 255)
NAME_MAX_BYTES = 120
#: characters never kept in a name: separators and what Windows refuses (``<>:"/\|?*``)
_UNSAFE_CHARS = frozenset('<>:"/\\|?*')
#: names Windows reserves for devices, whatever the extension
_DEVICES = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)")


class UnsafePathError(ValueError):
    """A path that would leave the outputs folder; the message is one line naming it."""


def project_root() -> Path:
    """The repository root (holds notebooks/, params/, outputs/)."""
    return ROOT


def outputs_dir() -> Path:
    """The folder every report and workbook is written under: ``CSOPS_OUTPUTS_DIR`` when set,
    else ``<project root>/outputs``."""
    env = os.environ.get("CSOPS_OUTPUTS_DIR", "").strip()
    return Path(env).expanduser().resolve() if env else ROOT / "outputs"


def safe_name(text, *, default: str = "_", max_bytes: int = NAME_MAX_BYTES) -> str:
    """``text`` (a promo, an agent, a period from data or the command line) as ONE safe path
    component: path separators, the characters Windows refuses, control and format characters
    (NUL, newlines, bidi overrides) become ``_``; leading dots and spaces (``..``, hidden
    files) and trailing dots and spaces are dropped; cut to ``max_bytes`` of UTF-8.

    A name that needed no change is returned as is (``double11``, ``小美_2026-W47``); a changed
    one gets 8 hex digits of the original's SHA-1, so two different unsafe names never share a
    folder (``../../x`` → ``_.._x-9b6e2ab4``). Never empty, ``.`` or ``..``.
    """
    raw = str(text)
    name = "".join("_" if ch in _UNSAFE_CHARS or unicodedata.category(ch) in ("Cc", "Cf",
                                                                              "Zl", "Zp")
                   else ch for ch in unicodedata.normalize("NFC", raw))
    name = name.strip(" .")
    if _DEVICES.match(name):
        name = "_" + name
    cut = name.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore").rstrip(" .")
    if cut == raw and raw:
        return raw
    digest = hashlib.sha1(raw.encode("utf-8", errors="surrogatepass")).hexdigest()[:8]
    return f"{cut or default}-{digest}"


def inside_outputs(path: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """``path`` resolved (symbolic links and ``..`` followed), checked to lie inside ``root``
    (default :func:`outputs_dir`); raises :class:`UnsafePathError` otherwise. Relative paths
    are taken from the current folder, as the command line gives them."""
    base = Path(root if root is not None else outputs_dir()).expanduser().resolve()
    text = os.fspath(path)
    if "\0" in text:
        raise UnsafePathError(f"{text!r}: a path cannot contain a NUL character")
    resolved = Path(text).expanduser().resolve()
    if resolved != base and base not in resolved.parents:
        raise UnsafePathError(f"{text}: outside the outputs folder {base}; "
                              f"reports write only there (give a path inside it)")
    return resolved


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


def resolve_store(folder: str | os.PathLike | None = "") -> Path:
    """The store a report reads, as an absolute path: ``folder`` when given, else the
    configured store (:func:`data_dir`: ``CSOPS_DATA_DIR``, ``params/shop.yaml``), else the
    demo store. The one place a notebook's ``data_dir`` parameter is resolved (the runner
    and every notebook call it), so a notebook runs the same from the project root (papermill)
    and from ``notebooks/`` (JupyterLab).

    A relative ``folder`` is taken from the current folder when it is there, else from the
    project root (``data/demo/store`` works from ``notebooks/``). A folder that does not
    exist raises :class:`FileNotFoundError` in one line saying how to make it.
    """
    text = "" if folder is None else os.fspath(folder).strip()
    if not text:
        path = data_dir()
    else:
        path = Path(text).expanduser()
        if not path.is_absolute() and not path.exists() and (ROOT / path).exists():
            path = ROOT / path
        path = path.resolve()
    if not path.is_dir():
        if path == DEMO_STORE.resolve():
            raise FileNotFoundError(
                f"the demo store {path} is not built yet: run `make demo` (or `csops demo`), "
                f"or give data_dir the store `csops ingest` wrote")
        raise FileNotFoundError(f"data_dir {path}: no such folder (a store written by "
                                f"`csops ingest FILE… --store {text or path}`)")
    return path
