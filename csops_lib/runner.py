"""Run a report notebook with papermill and convert it to HTML with nbconvert (code hidden).

`render("weekly", {"week": "2026-W47"})`:
1. parameters = `params/<report>.yaml` ∪ overrides; unknown keys are rejected against the
   notebook's `parameters` cell (`papermill.inspect_notebook`), since papermill only warns,
   the values of the report's settings model (`csops_lib.settings.<module>`, see
   :data:`SETTINGS_MODULES`) are validated, and every other value is checked against the
   type its notebook declares, the language against the catalog's, the period texts against
   the calendar, the agent and the promo against the store: all before any kernel starts,
   each a one-line :class:`ReportError`;
2. papermill executes the notebook (kernel `python3`, project root as working directory) into
   `.<name>.executed.ipynb` in the report's folder, with a timeout per cell
   (:data:`CELL_TIMEOUT_S`); the kernel talks over local IPC sockets (no TCP port) and its own
   messages go to `.<name>.kernel.log` beside it, never to the console;
3. nbconvert's HTML exporter converts it (input hidden, `remove_cell`-tagged cells and stderr
   streams dropped, no script, style or font from the network: the page opens offline) to a
   temporary file that is renamed over `<name>.html`, so a failed run never replaces the
   last good report (the executed notebook is kept for debugging).

Where a report goes (:func:`output_files`): ``outputs/<kind>/<label>/<kind>_<label>_<lang>``
with ``.html`` and ``.xlsx``, the name carrying the period and the language, so an English
copy never overwrites the Chinese one and a file sent on keeps saying what it is:

===========  ==================================================================
weekly       ``weekly/2026-W47/weekly_2026-W47_zh.html``
monthly      ``monthly/2026-10/monthly_2026-10_zh.html`` (weekly notebook, a month)
daily        ``daily/2026-11-20/daily_2026-11-20_zh.html``
agent        ``agent/小美_2026-W47/agent_小美_2026-W47_zh.html`` (or ``小美_<from>_<to>``)
promo        ``promo/double11/promo_double11_zh.html``
what_if      ``what_if/2026-W47/what_if_2026-W47_zh.html`` (the base week)
===========  ==================================================================

Every folder and file name built from data or the command line (a promo, an agent, a period)
is one safe path component (:func:`csops_lib.settings.paths.safe_name`) and every path written
is checked to lie inside the outputs folder (`outputs/` or ``out_root``), an ``xlsx_path``
given by the user included (:func:`csops_lib.settings.paths.inside_outputs`).
"""
# ruff: noqa: E402 (see the rfc3987_syntax line below)
from __future__ import annotations

import ast
import datetime as dt
import importlib
import logging
import math
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# nbformat's jsonschema imports ``rfc3987_syntax`` when it is installed (a JupyterLab
# dependency), which builds a parser at import: 1.5 s of every report run, for the "iri"
# format checks that notebook validation never makes. Marking it absent makes jsonschema
# skip those two checks (its documented behaviour without the package); nothing else here
# uses it. (So the imports below come after a statement: E402 is off for this file.)
sys.modules.setdefault("rfc3987_syntax", None)

import jinja2
import nbformat
import yaml
from jupyter_client.manager import AsyncKernelManager
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import Unicode, default
from traitlets.config import Config

from csops_lib import periods, store
from csops_lib.demo.build import ensure_demo_store
from csops_lib.metrics.promo import UnknownPromoError, promo_window
from csops_lib.render.labels import LANGS, label
from csops_lib.reports.agent_profile import UnknownAgentError, check_agent
from csops_lib.settings.base import Settings, SettingsError
from csops_lib.settings.paths import (
    UnsafePathError,
    inside_outputs,
    outputs_dir,
    project_root,
    resolve_store,
    safe_name,
)

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

#: seconds one notebook cell may run before the report is abandoned (so no parameter can hang
#: a run); ``CSOPS_CELL_TIMEOUT_S`` or ``csops report --timeout`` change it
CELL_TIMEOUT_S = 600
#: notebook parameters that name a period: parameter → the period kind its text must be
PERIOD_TEXTS = {"week": "week", "month": "month", "date": "day", "date_from": "day",
                "date_to": "day"}
#: the values a notebook parameter declared with a type accepts (papermill's type names)
PARAM_TYPES = {"int": ((int,), "a whole number"), "float": ((int, float), "a number"),
               "str": ((str,), "text"), "bool": ((bool,), "true or false")}


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


def cell_timeout() -> int:
    """Seconds a cell may run: ``CSOPS_CELL_TIMEOUT_S`` when set, else :data:`CELL_TIMEOUT_S`."""
    text = os.environ.get("CSOPS_CELL_TIMEOUT_S", "").strip()
    if not text:
        return CELL_TIMEOUT_S
    if not text.isdigit() or int(text) <= 0:
        raise ReportError(f"CSOPS_CELL_TIMEOUT_S: expected a whole number of seconds > 0, "
                          f"got {text!r}")
    return int(text)


class ReportKernelManager(AsyncKernelManager):
    """The report's kernel: local IPC sockets in a private folder on POSIX (no TCP port is
    opened, so ipykernel has no unencrypted transport to warn about) and the kernel process's
    own stdout/stderr in :attr:`kernel_log`, so none of its messages reaches the console."""

    kernel_log = Unicode("", config=True, help="file receiving the kernel's stdout/stderr")
    ipc_dir = Unicode("", config=True, help="folder of the IPC sockets (POSIX)")

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc" if os.name == "posix" and self.ipc_dir else "tcp"

    @default("ip")
    def _ip_default(self) -> str:
        if self.transport == "ipc":
            return os.path.join(self.ipc_dir, "k")  # short: socket paths are ~100 bytes at most
        return super()._ip_default()

    async def start_kernel(self, **kw: Any) -> None:
        if not self.kernel_log:
            return await super().start_kernel(**kw)
        with open(self.kernel_log, "ab") as log:  # the child keeps its own copy of the handle
            kw.setdefault("stdout", log)
            kw.setdefault("stderr", log)
            return await super().start_kernel(**kw)


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
    (unknown keys, declared types), the report's settings model (invalid values), the
    catalog's languages and the calendar (period texts)."""
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
    check_types(report, params, known, from_file, str(path))
    check_values(report, params)
    return params


def text_parameters(report: str) -> set[str]:
    """The notebook parameters declared as text (``agent: str``): the command line passes
    their values as typed, so an agent ``007`` stays ``"007"``."""
    return {k for k, v in notebook_parameters(report).items()
            if v.get("inferred_type_name") == "str"}


def check_types(report: str, params: dict[str, Any], known: dict[str, Any],
                file_values: dict[str, Any], where_file: str) -> None:
    """Each value has the type its notebook's `parameters` cell declares (``top: int = 5``:
    a whole number; a float: a finite number; ``lang: str``: text), else a one-line
    :class:`ReportError` naming the parameter and where it came from."""
    for key, value in params.items():
        declared = (known.get(key) or {}).get("inferred_type_name")
        if declared not in PARAM_TYPES:
            continue
        types, what = PARAM_TYPES[declared]
        ok = isinstance(value, types) and (declared == "bool" or not isinstance(value, bool))
        if ok and declared == "float" and not math.isfinite(value):
            ok, what = False, "a finite number"
        if not ok:
            where = where_file if key in file_values and file_values[key] == value \
                else "overrides"
            raise ReportError(f"report {report!r}: {where}: {key}: expected {what} "
                              f"(got {value!r})")


def check_values(report: str, params: dict[str, Any]) -> None:
    """The language is one of the catalog's, ``period`` is week or month, and each period
    text (``week``, ``month``, ``date``, ``date_from``, ``date_to``) names a real period;
    else a one-line :class:`ReportError`."""
    lang = params.get("lang", "zh")
    if lang not in LANGS:
        raise ReportError(f"report {report!r}: lang: {lang!r} is not available; "
                          f"use {' or '.join(LANGS)}")
    if params.get("period", "week") not in ("week", "month"):
        raise ReportError(f"report {report!r}: period: expected week or month "
                          f"(got {params['period']!r})")
    days = {}
    for key, kind in PERIOD_TEXTS.items():
        value = params.get(key)
        if value in (None, ""):
            continue
        try:
            days[key] = periods.resolve(kind, str(value))
        except ValueError as exc:
            raise ReportError(f"report {report!r}: {key}: {exc}") from None
    if "date_from" in days and "date_to" in days and days["date_from"].start > days["date_to"].start:
        raise ReportError(f"report {report!r}: date_from {params['date_from']} is after "
                          f"date_to {params['date_to']}")


#: nbconvert's lab template without anything fetched from the network: its head loads
#: require.js and MathJax from a CDN, and a module script imports mermaid from one; the reports
#: need none of them (no code, no widget, no formula), so these blocks are emptied, and so are
#: the outputs that would carry a script (JavaScript and widget views)
OFFLINE_TEMPLATE = "csops_offline.html.j2"
_OFFLINE_SOURCE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block data_javascript scoped -%}{%- endblock data_javascript -%}
{%- block data_widget_view scoped -%}{%- endblock data_widget_view -%}
"""
#: an element that would fetch from the network (script/link/img/iframe/source with an
#: http(s) or protocol-relative address) and CSS ``@import`` / ``url()`` of one
_EXTERNAL_TAG = re.compile(
    r"""<(script|link|img|iframe|source|embed|object)\b[^>]*?\b(src|href|data)\s*=\s*["']?"""
    r"""\s*(https?:)?//[^>]*>(\s*</\1\s*>)?""", re.IGNORECASE)
_EXTERNAL_CSS = re.compile(r"""(@import\s+)?url\(\s*["']?\s*(https?:)?//[^)]*\)\s*;?""",
                           re.IGNORECASE)


def external_references(body: str) -> list[str]:
    """The elements and CSS rules of ``body`` that would load something from the network
    (plain ``<a href>`` links excepted: they load nothing until clicked)."""
    return ([m.group(0) for m in _EXTERNAL_TAG.finditer(body)]
            + [m.group(0) for m in _EXTERNAL_CSS.finditer(body)])


def offline(body: str) -> str:
    """``body`` without any element or CSS rule that loads from the network (a safety net
    behind the offline template: what it missed is removed, never fetched)."""
    return _EXTERNAL_CSS.sub("", _EXTERNAL_TAG.sub("", body))


def html_exporter() -> HTMLExporter:
    """nbconvert's HTML exporter configured for boss reports (no code, no prompts, no stderr,
    nothing loaded from the network: :data:`OFFLINE_TEMPLATE`)."""
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = ("remove_cell", "parameters", "injected-parameters")
    c.TagRemovePreprocessor.remove_input_tags = ("remove_input",)
    # an output carrying both HTML and a script shows its HTML (the script is never written)
    c.NbConvertBase.display_data_priority = [
        "text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg", "text/plain"]
    exporter = HTMLExporter(config=c, template_name="lab", template_file=OFFLINE_TEMPLATE,
                            extra_loaders=[jinja2.DictLoader({OFFLINE_TEMPLATE: _OFFLINE_SOURCE})],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    exporter.register_preprocessor(DropStderr(), enabled=True)
    return exporter


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def output_kind(report: str, params: dict[str, Any]) -> str:
    """The name a report's outputs carry: ``monthly`` for the weekly notebook run on a month
    (it has its own folder, ``outputs/monthly/<month>/``), else the report's name."""
    return "monthly" if report == "weekly" and params.get("month") else report


def output_paths(report: str, period_label: str, out_root: str | os.PathLike | None = None,
                 *, kind: str | None = None) -> tuple[Path, Path]:
    """(the outputs folder, the report's own folder ``<root>/<kind>/<label>``; ``kind``
    defaults to ``report``): the label (a period, a promo or an agent from data or the
    command line) made one safe path component, and the folder checked to lie inside the
    outputs folder."""
    root = Path(out_root) if out_root is not None else outputs_dir()
    try:
        return root, inside_outputs(root / safe_name(kind or report) / safe_name(period_label),
                                    root)
    except UnsafePathError as exc:
        raise ReportError(f"report {report!r}: {exc}") from None


def output_name(kind: str, period_label: str, lang: str) -> str:
    """The file name (without suffix) of a report: ``<kind>_<label>_<lang>``, e.g.
    ``weekly_2026-W47_zh``, one safe path component (:func:`safe_name`)."""
    return safe_name(f"{kind}_{period_label}_{lang}")


def output_files(report: str, params: dict[str, Any], period_label: str,
                 out_root: str | os.PathLike | None = None) -> tuple[Path, Path, str]:
    """(the outputs folder, the report's folder, the file name without suffix) of a run
    with ``params`` (its ``lang`` and, for the weekly notebook, ``month``): see the module
    docstring for the names."""
    kind = output_kind(report, params)
    root, out_dir = output_paths(report, period_label, out_root, kind=kind)
    return root, out_dir, output_name(kind, period_label, str(params.get("lang") or "zh"))


def workbook_path(report: str, given, out_dir: Path, root: Path, *,
                  name: str | None = None) -> str:
    """The workbook the notebook writes: ``<out_dir>/<name>.xlsx`` (``name`` defaults to
    ``report``), or the ``xlsx_path`` the user gave, which must be an .xlsx file inside the
    outputs folder ``root``."""
    if given in (None, ""):
        return str(out_dir / f"{name or report}.xlsx")
    try:
        path = inside_outputs(str(given), root)
    except UnsafePathError as exc:
        raise ReportError(f"report {report!r}: xlsx_path: {exc}") from None
    if path.suffix.lower() != ".xlsx" or path.is_dir():
        raise ReportError(f"report {report!r}: xlsx_path: {given}: expected an .xlsx file")
    return str(path)


def execute(notebook: Path, executed: Path, params: dict[str, Any], *, timeout: int,
            log_path: Path, progress: bool = False) -> None:
    """Run ``notebook`` into ``executed`` with papermill: each cell at most ``timeout``
    seconds, the kernel on private IPC sockets (POSIX), and everything the kernel process and
    papermill's logger say written to ``log_path`` rather than the console. Raises
    papermill's or nbclient's exception when a cell fails or times out."""
    import papermill  # slow to import (jupyter client stack): only when a report runs

    sockets = tempfile.mkdtemp(prefix="csops-k") if os.name == "posix" else ""
    cfg = Config()
    cfg.ReportKernelManager.kernel_log = str(log_path)
    cfg.ReportKernelManager.ipc_dir = sockets
    logger = logging.getLogger("papermill")
    handler = logging.FileHandler(log_path, encoding="utf-8")
    saved = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False  # nbclient's "Timeout waiting…" lines go to the log, not stderr
    try:
        papermill.execute_notebook(
            str(notebook), str(executed), parameters=params, kernel_name="python3",
            cwd=str(project_root()), progress_bar=progress, log_output=False,
            execution_timeout=timeout, kernel_manager_class=ReportKernelManager, config=cfg)
    finally:
        logger.removeHandler(handler)
        logger.propagate = saved
        handler.close()
        if sockets:
            shutil.rmtree(sockets, ignore_errors=True)


def render(report: str, overrides: dict[str, Any] | None = None, *,
           period_label: str, out_root: str | os.PathLike | None = None,
           progress: bool = True, timeout: int | None = None) -> Path:
    """Execute and convert one report; return the HTML path (see the module docstring).
    Every parameter is checked, and every path, before the output folder is created."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError  # jupyter stack: lazy
    from papermill import PapermillExecutionError  # slow to import: only when a report runs

    params = report_params(report, overrides)
    root, out_dir, name = output_files(report, params, period_label, out_root)
    if "xlsx_path" in notebook_parameters(report):
        params["xlsx_path"] = workbook_path(report, params.get("xlsx_path"), out_dir, root,
                                            name=name)
    timeout = timeout or cell_timeout()
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / f".{name}.executed.ipynb"
    log_path = out_dir / f".{name}.kernel.log"
    html_path = out_dir / f"{name}.html"
    kept = (f"the executed notebook is kept for debugging: {executed}\n"
            f"the last good report (if any) is untouched: {html_path}")
    started = time.monotonic()
    try:
        execute(notebook_path(report), executed, params, timeout=timeout, log_path=log_path,
                progress=progress)
    except CellTimeoutError as exc:
        raise ReportError(f"report {report!r}: a cell ran longer than {timeout} s and was "
                          f"stopped (CSOPS_CELL_TIMEOUT_S or --timeout)\n{kept}") from exc
    except DeadKernelError as exc:
        raise ReportError(f"report {report!r}: the kernel died ({exc}); its log: "
                          f"{log_path}\n{kept}") from exc
    except PapermillExecutionError as exc:
        raise ReportError(
            f"report {report!r} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}\n"
            + kept) from exc
    nb = nbformat.read(executed, as_version=4)
    nb.metadata["title"] = html_title(report, params, period_label)
    body, _ = html_exporter().from_notebook_node(nb, resources={"metadata": {"name": report}})
    _atomic_write(html_path, offline(body))
    if log_path.exists() and not log_path.stat().st_size:
        log_path.unlink()  # the kernel said nothing: no empty log left behind
    if progress:
        print(f"{report}: {time.monotonic() - started:.1f} s, "
              f"{html_path.stat().st_size / 1e6:.1f} MB, {dt.datetime.now():%H:%M:%S}",
              flush=True)
    return html_path


#: report name → (period kind, the notebook parameter that names the period); the promo
#: retrospective, without a calendar period, is labelled by its promo instead
PERIOD_PARAM = {"weekly": ("week", "week"), "daily": ("day", "date"),
                "agent": ("week", "week"), "what_if": ("week", "week")}
#: reports labelled by a parameter: report → parameter whose value names the output folder
LABEL_PARAM = {"promo": "promo"}


def output_label(report: str, params: dict[str, Any], period_label: str | None) -> str:
    """The output folder name under outputs/<report>/: the period (a week, a month, a day),
    prefixed with the agent for agent reports (``小美_2026-W47``, ``小美_<from>_<to>``), or
    the promo's name."""
    if report == "agent":
        if params.get("date_from") and params.get("date_to"):
            return f"{params.get('agent', 'agent')}_{params['date_from']}_{params['date_to']}"
        return f"{params.get('agent', 'agent')}_{period_label}"
    if report in LABEL_PARAM:
        return str(params.get(LABEL_PARAM[report]) or "default")
    return str(period_label or "default")


def data_folder(data_dir=None, *, progress: bool = True) -> Path:
    """The store to report on, as an absolute path (the notebook runs in the project root,
    the user's relative path is taken from where they are): ``data_dir`` when given (it must
    be a folder), else the configured one, else the demo store (built on first use);
    :func:`csops_lib.settings.paths.resolve_store`. A one-line error otherwise."""
    try:
        if not data_dir:
            ensure_demo_store(progress=progress)
        return resolve_store(data_dir)
    except FileNotFoundError as exc:
        raise ReportError(str(exc)) from None


def check_subject(report: str, folder: Path, overrides: dict[str, Any]) -> None:
    """The agent (agent profile) and the promo (promo retrospective) exist in the store;
    the promo is resolved to its name (the latest promo when none is given), so the output
    folder is named after it. One-line :class:`ReportError` listing the known ones."""
    if report == "agent":
        if overrides.get("agent") in (None, ""):  # the file name says whom: the default's name
            given = report_params(report, overrides).get("agent")
            overrides["agent"] = given or ast.literal_eval(
                notebook_parameters(report)["agent"]["default"])
        try:
            check_agent(folder, str(overrides["agent"]))
        except UnknownAgentError as exc:
            raise ReportError(str(exc)) from exc
    if report == "promo":
        try:
            info = promo_window(store.read(folder, "promos"), overrides.get("promo") or None)
        except UnknownPromoError as exc:
            raise ReportError(str(exc)) from exc
        overrides["promo"] = info["name"]


def prepare(report: str, overrides: dict[str, Any] | None = None, *, data_dir=None,
            progress: bool = True) -> tuple[Path, dict[str, Any], str | None]:
    """(the store folder, the parameters with the period resolved and ``data_dir`` set, the
    period label): everything :func:`run` checks before a kernel starts — an unknown report,
    bad values, the period (default: the last complete one within the data), the agent or
    promo. A one-line :class:`ReportError` otherwise. ``csops send`` uses it to find a report
    already written for the same period."""
    overrides = dict(overrides or {})
    notebook_path(report)  # an unknown report fails before any work
    folder = data_folder(data_dir or overrides.get("data_dir") or None, progress=progress)
    check_values(report, overrides)  # period texts, language: before reading the store
    label_ = None
    try:  # a store in the old layout or damaged is one line naming it and the repair
        if report in PERIOD_PARAM:
            kind, key = PERIOD_PARAM[report]
            if overrides.get("period") == "month" or overrides.get("month"):
                kind, key = "month", "month"
            span = store.date_range(folder, "orders")
            try:
                period = periods.resolve(kind, overrides.get(key) or None,
                                         data_end=span[1] if span else None)
            except ValueError as exc:
                raise ReportError(f"report {report!r}: {key}: {exc}") from None
            overrides[key] = period.label
            label_ = period.label
        overrides["data_dir"] = str(folder)
        check_subject(report, folder, overrides)
    except store.StoreError as exc:
        raise ReportError(f"report {report!r}: {exc}") from None
    return folder, overrides, label_


def run(report: str, overrides: dict[str, Any] | None = None, *, data_dir=None,
        out_root=None, progress: bool = True, timeout: int | None = None) -> Path:
    """Resolve the data folder and the period, then `render` the report; return the HTML path.

    The period parameter (e.g. `week`) defaults to the last complete period within the data,
    and is passed to the notebook resolved, so the notebook and the output path agree.
    Every user-caused problem (a bad period, an unknown agent or promo, a bad value, a path
    outside the outputs folder) is a one-line :class:`ReportError` before any kernel starts.
    """
    folder, overrides, label_ = prepare(report, overrides, data_dir=data_dir, progress=progress)
    return render(report, overrides, period_label=output_label(report, overrides, label_),
                  out_root=out_root, progress=progress, timeout=timeout)
