"""Shop thresholds for the metrics (``params/shop.yaml``, METRICS.md).

Resolution, last wins:

1. the defaults built into this module (:data:`DEFAULTS`), so the library works without a file;
2. the values in ``params/shop.yaml`` (or the ``path`` given);
3. keyword overrides (``load_shop_params(slow_gap_s=90)``), e.g. from the CLI's
   ``--param key=value`` parsed by :func:`parse_overrides`.

An unknown key, in the file or in the overrides, is an error that lists the known keys.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from csops_lib.settings.paths import ROOT

#: every known key with its default and a one-line meaning (the same comments as shop.yaml)
PARAM_DOCS: dict[str, tuple[Any, str]] = {
    "slow_gap_s": (120, "an answer slower than this many seconds is a slow response (慢响应)"),
    "slow_times": (3, "a session is slow when it has MORE than this many slow responses"),
    "long_wait_s": (1200, "a session is long (长接待) when a turn waited more than this (s)"),
    "concurrency_window_s": (120, "max_concurrent counts customers within ± this many seconds"),
    "followup_days": (3, "inquiry / attribution window: session start to end of day D + this"),
    "after_sales_lookback_days": (15, "no category: after-sales if paid in these days before"),
    "sla_answer_s": (180, "within_3min_rate: a turn answered within this many seconds"),
    "sla_hours": ([8, 24], "within_3min_rate counts turns starting in [from, to) o'clock"),
    "platform_hours": ([8, 23], "platform_avg_response_s counts turns in [from, to) o'clock"),
    "platform_cap_s": (600, "platform_avg_response_s caps each wait (and unanswered) at this"),
    "amount_return_base": ("gross", "amount_return_rate denominator: gross (sales + refunded) "
                                    "or sales (net paid amount)"),
    "as_of": (None, "data cut-off for provisional conversion; null = latest timestamp in data"),
    "data_dir": (None, "history store folder (read by csops_lib.settings.paths); null = demo store"),
}

#: the built-in defaults
DEFAULTS: dict[str, Any] = {k: v[0] for k, v in PARAM_DOCS.items()}

_INT_KEYS = ("slow_gap_s", "slow_times", "long_wait_s", "concurrency_window_s", "followup_days",
             "after_sales_lookback_days", "sla_answer_s", "platform_cap_s")


class ParamError(ValueError):
    """An unknown or invalid shop parameter."""


def default_path() -> Path:
    """``params/shop.yaml`` at the project root."""
    return ROOT / "params" / "shop.yaml"


def _check_keys(keys: Iterable[str], where: str) -> None:
    unknown = sorted(set(keys) - set(DEFAULTS))
    if unknown:
        raise ParamError(f"unknown shop parameter(s) {', '.join(unknown)} in {where}; "
                         f"known keys: {', '.join(DEFAULTS)}")


def _validate(params: dict[str, Any]) -> dict[str, Any]:
    for key in _INT_KEYS:
        value = params[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ParamError(f"shop parameter {key} must be a non-negative number, got {value!r}")
    for key in ("sla_hours", "platform_hours"):
        value = params[key]
        if (not isinstance(value, (list, tuple)) or len(value) != 2
                or not all(isinstance(v, (int, float)) for v in value)
                or not 0 <= value[0] < value[1] <= 24):
            raise ParamError(f"shop parameter {key} must be [from_hour, to_hour] with "
                             f"0 <= from < to <= 24, got {value!r}")
        params[key] = list(value)
    if params["amount_return_base"] not in ("gross", "sales"):
        raise ParamError("shop parameter amount_return_base must be 'gross' or 'sales', got "
                         f"{params['amount_return_base']!r}")
    return params


def load_shop_params(path: str | Path | None = None, **overrides: Any) -> dict[str, Any]:
    """The shop thresholds: built-in defaults ← ``path`` (default ``params/shop.yaml``) ← overrides.

    A missing file is fine (defaults are used); an explicit ``path`` that does not exist is an
    error. Unknown keys raise :class:`ParamError` listing the known keys. Overrides whose value
    is ``None`` are ignored, so callers can pass optional arguments straight through.
    """
    params = dict(DEFAULTS)
    file = Path(path) if path is not None else default_path()
    if file.exists():
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        if not isinstance(data, Mapping):
            raise ParamError(f"{file}: expected a mapping of key: value, got {type(data).__name__}")
        _check_keys(data, str(file))
        params.update(data)
    elif path is not None:
        raise FileNotFoundError(f"shop parameter file {file} does not exist")
    overrides = {k: v for k, v in overrides.items() if v is not None}
    _check_keys(overrides, "overrides")
    params.update(overrides)
    return _validate(params)


def resolve_params(params: Mapping[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """``params`` (``None`` → :func:`load_shop_params`) with per-call ``overrides`` applied.

    Used by every metric function taking ``params=None, **overrides``.
    """
    if params is None:
        return load_shop_params(**overrides)
    merged = dict(DEFAULTS)
    _check_keys(params, "params")
    merged.update(params)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    _check_keys(overrides, "overrides")
    merged.update(overrides)
    return _validate(merged)


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """``["slow_gap_s=90", "sla_hours=[9, 24]"]`` → ``{"slow_gap_s": 90, "sla_hours": [9, 24]}``.

    Values are typed as YAML (``90`` int, ``0.5`` float, ``true`` bool, ``[8, 24]`` list,
    ``null`` None, anything else a string). Keys are not checked here (the CLI also passes
    report parameters through it); :func:`load_shop_params` checks shop keys.
    """
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParamError(f"expected key=value, got {item!r}")
        try:
            out[key] = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError:
            out[key] = value
    return out
