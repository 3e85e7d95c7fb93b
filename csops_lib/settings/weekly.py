"""The weekly (and monthly) review's settings: defaults here, overrides in params/weekly.yaml,
then the command line (``csops report weekly --param top_questions=20``).

The period (``week`` / ``month`` / ``period``), ``lang``, ``data_dir`` and ``xlsx_path`` are
filled by the runner and the command line (:data:`csops_lib.runner.RUNNER_PARAMETERS`), not
settings.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from csops_lib.settings.base import Settings


class WeeklySettings(Settings):
    """Settings of notebooks/weekly_review.ipynb (its ``parameters`` cell repeats these
    defaults for papermill)."""

    FILE: ClassVar[str | None] = "weekly.yaml"

    top_provinces: int = Field(10, gt=0, description="how many provinces the regions "
                                                     "section shows")
    top_questions: int = Field(15, gt=0, description="how many frequent customer questions "
                                                     "the questions section shows")
    outlier_k: float = Field(2.0, gt=0, description="the ranking marks an agent whose slow or "
                                                    "long sessions share is above the team "
                                                    "median + k robust SDs; this is k")
    outlier_min_gap: float = Field(0.01, ge=0, description="the smallest gap above the median "
                                                          "that marks an agent, as a fraction "
                                                          "(0.01: one point)")
    outlier_min_sessions: int = Field(20, ge=0, description="agents with fewer sessions are "
                                                           "not judged")
