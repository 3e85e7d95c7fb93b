"""Shop thresholds for the metrics (``params/shop.yaml``, METRICS.md): :class:`ShopSettings`.

Resolution, last wins:

1. the defaults of :class:`ShopSettings` (:data:`DEFAULTS`), so the library works without a file;
2. the values in ``params/shop.yaml`` (or the ``path`` given);
3. keyword overrides (``load_shop_params(slow_gap_s=90)``), e.g. from the CLI's
   ``--param key=value`` parsed by :func:`parse_overrides`.

An unknown key, in the file or in the overrides, is an error that lists the known keys; every
error is a :class:`ParamError` (a :class:`~csops_lib.settings.base.SettingsError`) of one line.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import BeforeValidator, Field, field_validator

from csops_lib.settings.base import Settings, SettingsError
from csops_lib.settings.paths import ROOT


class ParamError(SettingsError):
    """An unknown or invalid shop parameter (one line)."""


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a non-negative whole number, not yes/no")
    return value


#: a count or a number of seconds/days: a non-negative whole number
Count = Annotated[int, BeforeValidator(_not_bool), Field(ge=0)]
#: a number of things, at least one
AtLeastOne = Annotated[int, BeforeValidator(_not_bool), Field(ge=1)]
#: [from_hour, to_hour) of the day
Hours = list[int | float]


class ShopSettings(Settings):
    """The shop's thresholds (METRICS.md); each field's description is its one-line meaning
    (the same comments as params/shop.yaml)."""

    FILE: ClassVar[str] = "shop.yaml"
    ERROR: ClassVar[type[SettingsError]] = ParamError

    slow_gap_s: Count = Field(
        120, description="an answer slower than this many seconds is a slow response (慢响应)")
    slow_times: Count = Field(
        3, description="a session is slow when it has MORE than this many slow responses")
    long_wait_s: Count = Field(
        1200, description="a session is long (长接待) when a turn waited more than this (s)")
    concurrency_window_s: Count = Field(
        120, description="max_concurrent counts customers within ± this many seconds")
    followup_days: Count = Field(
        3, description="inquiry / attribution window: session start to end of day D + this")
    after_sales_lookback_days: Count = Field(
        15, description="no category: after-sales if paid in these days before")
    sla_answer_s: Count = Field(
        180, description="within_3min_rate: a turn answered within this many seconds")
    sla_hours: Hours = Field(
        [8, 24], description="within_3min_rate counts turns starting in [from, to) o'clock")
    platform_hours: Hours = Field(
        [8, 23], description="platform_avg_response_s counts turns in [from, to) o'clock")
    platform_cap_s: Count = Field(
        600, description="platform_avg_response_s caps each wait (and unanswered) at this")
    amount_return_base: Literal["gross", "sales"] = Field(
        "gross", description="amount_return_rate denominator: gross (sales + refunded) "
                             "or sales (net paid amount)")
    chase_per_agent: AtLeastOne = Field(
        20, description="追单: customers on each agent's chase sheet per day (what one agent "
                        "can chase in a day; the most worth chasing first)")
    as_of: Any = Field(
        None, description="data cut-off for provisional conversion; null = latest timestamp "
                          "in data")
    data_dir: str | Path | None = Field(
        None, description="history store folder (read by csops_lib.settings.paths); "
                          "null = demo store")

    @field_validator("sla_hours", "platform_hours")
    @classmethod
    def _hour_range(cls, value: list) -> list:
        if len(value) != 2 or not 0 <= value[0] < value[1] <= 24:
            raise ValueError("must be [from_hour, to_hour] with 0 <= from < to <= 24")
        return value


#: every known key with its default and a one-line meaning (from the model's fields)
PARAM_DOCS: dict[str, tuple[Any, str]] = ShopSettings.docs()

#: the built-in defaults
DEFAULTS: dict[str, Any] = ShopSettings.defaults()


def default_path() -> Path:
    """``params/shop.yaml`` at the project root."""
    return ROOT / "params" / "shop.yaml"


def _given(overrides: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in overrides.items() if v is not None}


def load_shop_params(path: str | Path | None = None, **overrides: Any) -> dict[str, Any]:
    """The shop thresholds: built-in defaults ← ``path`` (default ``params/shop.yaml``) ← overrides.

    A missing file is fine (defaults are used); an explicit ``path`` that does not exist is an
    error. Unknown keys raise :class:`ParamError` listing the known keys. Overrides whose value
    is ``None`` are ignored, so callers can pass optional arguments straight through.
    """
    file = Path(path) if path is not None else default_path()
    if path is not None and not file.exists():
        raise FileNotFoundError(f"shop parameter file {file} does not exist")
    return ShopSettings.load(_given(overrides), path=file, where="overrides").as_dict()


def resolve_params(params: Mapping[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """``params`` (``None`` → :func:`load_shop_params`) with per-call ``overrides`` applied.

    Used by every metric function taking ``params=None, **overrides``.
    """
    if params is None:
        return load_shop_params(**overrides)
    ShopSettings.validate_values(params, "params")
    merged = {**params, **_given(overrides)}
    return ShopSettings.validate_values(merged, "overrides").as_dict()


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
