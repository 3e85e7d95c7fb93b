"""The promo retrospective's own settings (besides the shop thresholds of params/shop.yaml):
defaults defined here ONCE; ``params/promo.yaml`` holds overrides; the notebook's
``parameters`` cell repeats these defaults for papermill (a test keeps them equal)."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from csops_lib.settings.base import Settings


class PromoSettings(Settings):
    """Settings of the promo retrospective (notebooks/promo_retro.ipynb)."""

    FILE: ClassVar[str | None] = "promo.yaml"

    baseline_gap_days: int = Field(7, ge=1)          # baseline = the promo window this many days earlier
    wave_days: int = Field(3, ge=0)                  # after-sales wave: this many days after the promo
    concurrency: int = Field(4, gt=0)                # chats one agent holds at once
    aht_s: float = Field(0, ge=0)                    # mean handling time (s); 0 = from the data
    aht_cap_s: float = Field(1800, gt=0)             # with aht_s 0: each session's duration capped here
    target_service_level: float = Field(0.8, gt=0, lt=1)  # share answered within answer_within_s
    answer_within_s: int = Field(30, gt=0)           # the service-level answer time (s)
    max_occupancy: float = Field(0.85, gt=0, le=1)   # agents busy at most this share of the time
    shrinkage: float = Field(0.2, ge=0, lt=1)        # rostered time not available (breaks, meetings)
    load_growth: float = Field(1.0, gt=0)            # next promo's load relative to this one
    pk_by: Literal["sales", "orders"] = "sales"      # team PK on sales or orders
    top: int = Field(5, gt=0)                        # agents shown in the hourly leaderboard
