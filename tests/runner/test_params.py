"""Parameters on their way from the command line to a notebook."""
import pytest

from csops_lib import runner


def test_yaml_dates_in_overrides_reach_the_notebook_as_iso_text():
    from csops_lib.settings.shop import parse_overrides

    overrides = parse_overrides(["date_from=2026-11-02", "date_to=2026-11-15", "agent=小美"])
    params = runner.report_params("agent", overrides)
    assert params["date_from"] == "2026-11-02" and params["date_to"] == "2026-11-15"


@pytest.mark.parametrize("name, params, period, expected", [
    ("weekly", {"lang": "zh"}, "2026-W47", "客服周报 2026-W47"),
    ("weekly", {"lang": "en", "month": "2026-10"}, "2026-10", "Customer-service monthly review 2026-10"),
    ("daily", {}, "2026-11-20", "客服日报 2026-11-20"),
    ("agent", {"lang": "en"}, "小美_2026-W47", "Agent profile 小美 2026-W47"),
    ("promo", {}, "double11", "大促复盘 double11"),
    ("what_if", {}, "default", "假设分析"),
])
def test_every_report_has_a_real_title(name, params, period, expected):
    assert runner.html_title(name, params, period) == expected
