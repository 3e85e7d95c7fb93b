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
