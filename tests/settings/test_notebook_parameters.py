"""Each report's settings model (csops_lib.settings.<module>) and its notebook's `parameters`
cell agree: the defaults papermill sees equal the model's defaults, and every notebook
parameter is a model field unless the runner or the command line fills it
(:data:`csops_lib.runner.RUNNER_PARAMETERS`)."""
import ast
import importlib.util

import papermill
import pytest

from csops_lib import runner

NOTEBOOKS = {
    "weekly": "weekly_review.ipynb",
    "daily": "daily_report.ipynb",
    "agent": "agent_profile.ipynb",
    "promo": "promo_retro.ipynb",
    "what_if": "what_if.ipynb",
}

#: notebook parameters that are not settings: filled by the runner (data_dir, the period
#: it resolves, xlsx_path) or the command line (lang, the subject: --agent, --promo)
FILLED_BY_RUNNER = {
    "weekly": {"data_dir", "lang", "week", "month", "period", "xlsx_path"},
    "daily": {"data_dir", "lang", "date", "xlsx_path"},
    "agent": {"data_dir", "lang", "agent", "week", "date_from", "date_to"},
    "promo": {"data_dir", "lang", "promo", "xlsx_path"},
    "what_if": {"data_dir", "lang", "week"},
}


def test_the_lists_agree_with_the_runner():
    assert {r: runner.REPORTS[r] for r in NOTEBOOKS} == NOTEBOOKS
    assert FILLED_BY_RUNNER == runner.RUNNER_PARAMETERS


def _model(report):
    module = f"csops_lib.settings.{runner.SETTINGS_MODULES[report]}"
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} does not exist yet (its report has no settings model)")
    model = runner.settings_model(report)
    assert model is not None, module
    return model


def _notebook_defaults(report):
    path = runner.project_root() / "notebooks" / NOTEBOOKS[report]
    cell = papermill.inspect_notebook(str(path))
    return {name: ast.literal_eval(p["default"]) for name, p in cell.items()}


@pytest.mark.parametrize("report", list(NOTEBOOKS))
def test_notebook_defaults_equal_model_defaults(report):
    model = _model(report)
    notebook = _notebook_defaults(report)
    defaults = model.defaults()
    absent = sorted(set(defaults) - set(notebook))
    assert not absent, f"{model.__name__} fields missing from the notebook's parameters: {absent}"
    differ = {k: (notebook[k], defaults[k]) for k in defaults if notebook[k] != defaults[k]}
    assert not differ, f"notebook default != {model.__name__} default (notebook, model): {differ}"


@pytest.mark.parametrize("report", list(NOTEBOOKS))
def test_model_has_every_notebook_setting(report):
    model = _model(report)
    notebook = _notebook_defaults(report)
    lacking = sorted(set(notebook) - set(model.model_fields) - FILLED_BY_RUNNER[report])
    assert not lacking, f"{model.__name__} lacks the notebook parameters {lacking}"


@pytest.mark.parametrize("report", list(NOTEBOOKS))
def test_runner_rejects_an_invalid_setting_before_any_kernel(report):
    model = _model(report)
    numeric = [n for n, f in model.model_fields.items() if f.annotation in (int, float)]
    if not numeric:
        pytest.skip(f"{model.__name__} has no numeric setting")
    with pytest.raises(runner.ReportError, match=rf"^report '{report}': overrides: {numeric[0]}: "):
        runner.report_params(report, {numeric[0]: "not a number"})
    with pytest.raises(runner.ReportError, match="unknown parameter"):
        runner.report_params(report, {"no_such_setting": 1})
