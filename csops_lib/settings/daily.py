"""Settings of the daily report (``params/daily.yaml`` overrides these defaults; the shop's
thresholds, e.g. ``followup_days`` and the chase sheets' cap ``chase_per_agent``, are in
:mod:`csops_lib.settings.shop`).

The anomaly thresholds are defined here once; :mod:`csops_lib.metrics.anomalies` takes its
defaults from this model.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from csops_lib.settings.base import Settings


class DailySettings(Settings):
    """The daily report's own settings (the notebook's parameters cell repeats them). Hours
    and days keep the type given (``2`` stays ``2`` in sentences and the appendix)."""

    FILE: ClassVar[str | None] = "daily.yaml"

    remind_after_h: int | float = Field(2, ge=0)    # 催付: unpaid this many hours after creation
    remind_window_days: int | float = Field(3, gt=0)   # ... created within this many days before
    max_chases: int = Field(2, ge=1)             # 追单: chased fewer than this many times
    top_provinces: int = Field(10, ge=1)         # provinces shown (the rest summed as other)
    top_products: int = Field(10, ge=1)          # products shown (the rest summed as other)
    list_rows: int = Field(30, ge=1)             # rows of the reminder list in HTML
    chase_examples: int = Field(5, ge=0)         # masked chase examples shown (boss's report)
    # anomalies against the trailing four weeks (csops_lib.metrics.anomalies)
    anomaly_z: float = Field(2.0, gt=0)          # |z| from which a change counts
    anomaly_rel: float = Field(0.3, gt=0)        # relative change (volumes, times, counts)
    anomaly_pts: float = Field(0.05, gt=0)       # change of a rate, in fraction points
    anomaly_traffic_up: float = Field(0.2, gt=0)  # visitors this much above baseline ...
    anomaly_orders_flat: float = Field(0.05, ge=0)  # ... while orders moved at most this much
    anomaly_min_sessions: int = Field(20, ge=0)  # judge an agent / shop conversion from this
    anomaly_min_count: int = Field(3, ge=0)      # a count must change by at least this much
    anomaly_min_seconds: int | float = Field(30, ge=0)  # a time must change by this many seconds
    anomaly_min_days: int = Field(7, ge=1)       # trailing values needed for a baseline / z


#: the anomaly thresholds and their defaults (metrics.anomalies.DEFAULTS)
ANOMALY_DEFAULTS: dict[str, float] = {name: f.default for name, f
                                      in DailySettings.model_fields.items()
                                      if name.startswith("anomaly_")}
