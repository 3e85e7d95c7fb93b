"""The daily report's view (:class:`DailyView`), charts and anomaly sentences."""
from csops_lib.render.daily.view import DailyView, localize

__all__ = ["DailyView", "localize"]
