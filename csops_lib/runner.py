"""Run a report notebook with papermill and convert it to HTML with nbconvert (code hidden).

`render("weekly", {"week": "2026-W47"})`:
1. parameters = `params/<report>.yaml` ∪ overrides; unknown keys are rejected against the
   notebook's `parameters` cell (`papermill.inspect_notebook`), since papermill only warns,
   and the values of the report's settings model (`csops_lib.settings.<module>`, see
   :data:`SETTINGS_MODULES`) are validated before any kernel starts;
2. papermill executes the notebook (kernel `python3`, project root as working directory) into
   `outputs/<report>/<period>/.<report>.executed.ipynb`;
3. nbconvert's HTML exporter converts it (input hidden, `remove_cell`-tagged cells and stderr
   streams dropped) to a temporary file that is renamed over `<report>.html`, so a failed run
   never replaces the last good report (the executed notebook is kept for debugging).
"""
from __future__ import annotations

import datetime as dt
import importlib
import os
import time
from pathlib import Path
from typing import Any

import nbformat
import yaml
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

from csops_lib import periods, store
from csops_lib.demo.build import ensure_demo_store
from csops_lib.render.labels import label
from csops_lib.reports.agent_profile import UnknownAgentError, check_agent
from csops_lib.settings.base import Settings, SettingsError
from csops_lib.settings.paths import project_root

#: report name → notebook file in notebooks/
REPORTS = {
    "weekly": "weekly_review.ipynb",
    "daily": "daily_report.ipynb",
    "agent": "agent_profile.ipynb",
    "promo": "promo_retro.ipynb",
    "what_if": "what_if.ipynb",
}


#: report name → the module holding its tables (importing it registers its labels)
REPORT_MODULES = {
    "weekly": "csops_lib.reports.weekly",
    "daily": "csops_lib.reports.daily",
    "agent": "csops_lib.reports.agent_profile",
    "promo": "csops_lib.reports.promo",
    "what_if": "csops_lib.reports.what_if",
}


#: report name → its settings module under csops_lib.settings (the model of its parameters)
SETTINGS_MODULES = {
    "weekly": "weekly",
    "daily": "daily",
    "agent": "agent_profile",
    "promo": "promo",
    "what_if": "what_if",
}

#: notebook parameters the runner or the command line fills (data folder, language, the
#: period or subject, the workbook path): not settings, so absent from the settings models
RUNNER_PARAMETERS = {
    "weekly": {"data_dir", "lang", "week", "month", "period", "xlsx_path"},
    "daily": {"data_dir", "lang", "date", "xlsx_path"},
    "agent": {"data_dir", "lang", "agent", "week", "date_from", "date_to"},
    "promo": {"data_dir", "lang", "promo", "xlsx_path"},
    "what_if": {"data_dir", "lang", "week"},
}


def settings_model(report: str) -> type[Settings] | None:
    """The settings model of ``report`` (the :class:`Settings` subclass defined in its module
    under csops_lib.settings; a module-level ``MODEL`` names it when there are several), or
    ``None`` when the report has no settings module.

    Imported by name (importlib), as the report modules are: the runner dispatches on the
    report name and imports only the report it runs.
    """
    name = f"csops_lib.settings.{SETTINGS_MODULES[report]}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
    if isinstance(getattr(module, "MODEL", None), type):
        return module.MODEL
    models = [v for v in vars(module).values() if isinstance(v, type)
              and issubclass(v, Settings) and v.__module__ == name]
    models = [m for m in models if not any(o is not m and issubclass(o, m) for o in models)]
    if len(models) != 1:
        raise ReportError(f"{name}: expected one settings model, found "
                          f"{', '.join(m.__name__ for m in models) or 'none'} (set MODEL)")
    return models[0]


def html_title(report: str, params: dict[str, Any], period_label: str) -> str:
    """The HTML `<title>`: the report's name in its language, then the period or subject."""
    importlib.import_module(REPORT_MODULES[report])
    key = "wr_monthly_title" if report == "weekly" and params.get("month") else f"{report}_title"
    subject = "" if period_label == "default" else " " + period_label.replace("_", " ")
    return label(key, params.get("lang", "zh")) + subject


class ReportError(RuntimeError):
    """A report could not be produced; the message says why and where the log is."""


class DropStderr(Preprocessor):
    """Remove stderr streams and warnings from the outputs: the boss never sees them."""

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        return cell, resources


def notebook_path(report: str) -> Path:
    if report not in REPORTS:
        raise ReportError(f"unknown report {report!r}; known: {', '.join(sorted(REPORTS))}")
    return project_root() / "notebooks" / REPORTS[report]


def notebook_parameters(report: str) -> dict[str, Any]:
    """The notebook's `parameters` cell as papermill sees it (name → default, type, help)."""
    import papermill  # slow to import (jupyter client stack): only when a report runs

    return papermill.inspect_notebook(str(notebook_path(report)))


def check_settings(report: str, file_values: dict[str, Any], params: dict[str, Any],
                   where_file: str) -> None:
    """Validate the values of the report's settings model, first those of its YAML file
    (named ``where_file`` in the error), then with the overrides; a bad value raises
    :class:`ReportError` carrying the model's one-line message. The values reach the
    notebook as given (JSON)."""
    model = settings_model(report)
    if model is None:
        return
    fields = set(model.model_fields)
    try:
        model.validate_values({k: v for k, v in file_values.items() if k in fields}, where_file)
        model.validate_values({k: v for k, v in params.items() if k in fields}, "overrides")
    except SettingsError as exc:
        raise ReportError(f"report {report!r}: {exc}") from None


def report_params(report: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """`params/<report>.yaml` merged with overrides, checked against the notebook's parameters
    (unknown keys) and the report's settings model (invalid values)."""
    path = project_root() / "params" / f"{report}.yaml"
    from_file = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}
    params = {**from_file, **(overrides or {})}
    # YAML reads `2026-11-02` as a date; notebook parameters are JSON, so dates go as ISO text
    params = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in params.items()}
    known = notebook_parameters(report)
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ReportError(
            f"unknown parameter(s) for report {report!r}: {', '.join(unknown)}; "
            f"the notebook takes: {', '.join(sorted(known))}"
        )
    check_settings(report, from_file, params, str(path))
    return params


def html_exporter() -> HTMLExporter:
    """nbconvert's HTML exporter configured for boss reports (no code, no prompts, no stderr)."""
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = ("remove_cell", "parameters", "injected-parameters")
    c.TagRemovePreprocessor.remove_input_tags = ("remove_input",)
    exporter = HTMLExporter(config=c, exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    exporter.register_preprocessor(DropStderr(), enabled=True)
    return exporter


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def render(report: str, overrides: dict[str, Any] | None = None, *,
           period_label: str, out_root: str | os.PathLike | None = None,
           progress: bool = True) -> Path:
    """Execute and convert one report; return the HTML path (see the module docstring)."""
    import papermill  # slow to import (jupyter client stack): only when a report runs

    root = project_root()
    out_dir = Path(out_root or root / "outputs") / report / period_label
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / f".{report}.executed.ipynb"
    html_path = out_dir / f"{report}.html"
    params = report_params(report, overrides)
    if "xlsx_path" in notebook_parameters(report) and not params.get("xlsx_path"):
        params["xlsx_path"] = str(out_dir / f"{report}.xlsx")  # the report's Excel workbook
    started = time.monotonic()
    try:
        papermill.execute_notebook(
            str(notebook_path(report)), str(executed), parameters=params,
            kernel_name="python3", cwd=str(root), progress_bar=progress, log_output=False,
        )
    except papermill.PapermillExecutionError as exc:
        raise ReportError(
            f"report {report!r} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}\n"
            f"the executed notebook is kept for debugging: {executed}\n"
            f"the last good report (if any) is untouched: {html_path}"
        ) from exc
    nb = nbformat.read(executed, as_version=4)
    nb.metadata["title"] = html_title(report, params, period_label)
    body, _ = html_exporter().from_notebook_node(nb, resources={"metadata": {"name": report}})
    _atomic_write(html_path, body)
    if progress:
        print(f"{report}: {time.monotonic() - started:.1f} s, "
              f"{html_path.stat().st_size / 1e6:.1f} MB, {dt.datetime.now():%H:%M:%S}",
              flush=True)
    return html_path


#: report name → (period kind, the notebook parameter that names the period); reports
#: without a calendar period (promo, what_if) are labelled by a parameter instead
PERIOD_PARAM = {"weekly": ("week", "week"), "daily": ("day", "date"),
                "agent": ("week", "week")}
#: reports labelled by a parameter: report → parameter whose value names the output folder
LABEL_PARAM = {"promo": "promo", "what_if": None}


def output_label(report: str, params: dict[str, Any], period_label: str | None) -> str:
    """The output folder name under outputs/<report>/: the period, prefixed for agent reports."""
    if report == "agent":
        if params.get("date_from") and params.get("date_to"):
            return f"{params.get('agent', 'agent')}_{params['date_from']}_{params['date_to']}"
        return f"{params.get('agent', 'agent')}_{period_label}"
    if report in LABEL_PARAM:
        key = LABEL_PARAM[report]
        return str(params.get(key) or "default") if key else "default"
    return str(period_label)


def run(report: str, overrides: dict[str, Any] | None = None, *, data_dir=None,
        out_root=None, progress: bool = True) -> Path:
    """Resolve the data folder and the period, then `render` the report; return the HTML path.

    The period parameter (e.g. `week`) defaults to the last complete period within the data,
    and is passed to the notebook resolved, so the notebook and the output path agree.
    """
    overrides = dict(overrides or {})
    notebook_path(report)  # an unknown report fails before any work
    folder = Path(data_dir) if data_dir else ensure_demo_store(progress=progress)
    label_ = None
    if report in PERIOD_PARAM:
        kind, key = PERIOD_PARAM[report]
        if overrides.get("period") == "month" or overrides.get("month"):
            kind, key = "month", "month"
        span = store.date_range(folder, "orders")
        period = periods.resolve(kind, overrides.get(key) or None,
                                 data_end=span[1] if span else None)
        overrides[key] = period.label
        label_ = period.label
    overrides["data_dir"] = str(folder)
    if report == "agent" and overrides.get("agent"):  # an unknown name fails before a kernel
        try:
            check_agent(folder, overrides["agent"])
        except UnknownAgentError as exc:
            raise ReportError(str(exc)) from exc
    return render(report, overrides, period_label=output_label(report, overrides, label_),
                  out_root=out_root, progress=progress)
