"""Parameters on their way from the command line to a notebook."""
from csops_lib import report


def test_yaml_dates_in_overrides_reach_the_notebook_as_iso_text():
    from csops_lib.params import parse_overrides

    overrides = parse_overrides(["date_from=2026-11-02", "date_to=2026-11-15", "agent=小美"])
    params = report.report_params("agent", overrides)
    assert params["date_from"] == "2026-11-02" and params["date_to"] == "2026-11-15"
