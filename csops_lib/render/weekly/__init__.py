"""The weekly (and monthly) review's view: :class:`WeeklyView` (see ``view.py``)."""
from csops_lib.render.weekly.view import WeeklyView

__all__ = ["WeeklyView"]
