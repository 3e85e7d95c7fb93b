"""Settings of the what-if analysis (假设分析): defaults defined here ONCE;
``params/what_if.yaml`` (optional) holds overrides; the notebook's ``parameters`` cell
repeats these defaults for papermill (tests/settings/test_notebook_parameters.py keeps them
equal). The base week, the data folder and the language come from the runner."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from csops_lib.settings.base import Settings


class WhatIfSettings(Settings):
    """The what-if analysis's own settings (notebooks/what_if.ipynb)."""

    FILE: ClassVar[str | None] = "what_if.yaml"

    uplift: float = Field(0.02, ge=0, description="inquiry conversion uplift (0.02 is +2 "
                                                  "percentage points in points mode)")
    uplift_mode: Literal["points", "relative"] = Field(
        "points", description="points (percentage points) | relative (0.1 is +10 %)")
    load_multiplier: float = Field(1.0, gt=0, description="forecast sessions per hour as a "
                                                          "multiple of the base week")
    aht_s: float = Field(0.0, ge=0, description="handling time per session in seconds "
                                                "(0: measured from the data)")
    concurrency: int = Field(3, gt=0, description="chats one agent holds at once")
    target_service_level: float = Field(0.8, gt=0, lt=1, description="share of sessions to "
                                                                     "answer within answer_within_s")
    answer_within_s: float = Field(30.0, gt=0, description="the service-level threshold (s)")
    max_occupancy: float = Field(0.85, gt=0, le=1, description="the highest share of time an "
                                                               "agent may be busy")
    shrinkage: float = Field(0.2, ge=0, lt=1, description="share of paid time off the chat "
                                                          "(breaks, training, meetings)")
    bonus_pool: float = Field(0.0, ge=0, description="bonus pool in yuan for the base week "
                                                     "(0: pool_per_week of kpi_schemes.yaml)")
    bonus_threshold: float = Field(-1.0, description="score above which points earn bonus "
                                                     "(negative: from kpi_schemes.yaml)")
    interactive: bool = Field(False, description="True in JupyterLab: sliders under each "
                                                 "section (needs ipywidgets)")

    def staffing_kwargs(self) -> dict:
        """The staffing calculator's arguments."""
        return {k: getattr(self, k) for k in (
            "load_multiplier", "aht_s", "concurrency", "target_service_level",
            "answer_within_s", "max_occupancy", "shrinkage")}


MODEL = WhatIfSettings
