"""Settings of the agent profile (客服个人档案): defaults defined here ONCE;
``params/agent_profile.yaml`` (optional) holds overrides; the notebook's ``parameters`` cell
repeats these defaults for papermill (tests/settings/test_notebook_parameters.py keeps them
equal). The agent, the period, the data folder and the language come from the runner."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from csops_lib.settings.base import Settings


class AgentProfileSettings(Settings):
    """The agent profile's own settings (notebooks/agent_profile.ipynb)."""

    FILE: ClassVar[str | None] = "agent_profile.yaml"

    scheme: str = Field("", description="KPI scheme of params/kpi_schemes.yaml "
                                        "(empty: the shop's scheme)")
    promo_mode: Literal["auto", "on", "off"] = Field(
        "auto", description="auto (on when the period lies within a promo) | on | off")
    scores_file: str = Field("", description="a supervisor score sheet 主管评分.xlsx "
                                             "(empty: the scores in the store)")
    trend_weeks: int = Field(8, ge=1, description="weeks of history in the trend chart "
                                                  "(the period's week included)")
    gap: float = Field(0.10, gt=0, description="relative difference from the team median "
                                               "that counts as a strength / gap")
    training_pass: float = Field(80.0, ge=0, description="a new agent's assessment below "
                                                         "this in week two is flagged")
    min_count_diff: int = Field(5, ge=0, description="counts (e.g. slow sessions) must "
                                                     "differ from the median by this many")
    max_rows: int = Field(40, ge=1, description="rows listed in the review tables "
                                                "(the caption gives the total)")


MODEL = AgentProfileSettings
