"""The daily callback (回访) plan's settings (``csops callbacks``): defaults defined here ONCE;
``params/callbacks.yaml`` holds overrides; the command line overrides both."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from csops_lib.settings.base import Settings


class CallbackSettings(Settings):
    """Who calls whom on day D: the deals of D − ``lag_days``, ``calls_per_agent`` each."""

    FILE: ClassVar[str] = "callbacks.yaml"

    lag_days: int = Field(
        4, ge=0, description="call the customers of the deals paid this many days before "
                             "(May 5: May 1)")
    calls_per_agent: int = Field(
        3, ge=0, description="calls per agent on duty (roster role presale or both)")
    seed: int = Field(
        0, description="change to draw a different but still reproducible selection")


#: the built-in settings (the defaults of :func:`csops_lib.reports.callbacks.call_plan`)
DEFAULT = CallbackSettings()
