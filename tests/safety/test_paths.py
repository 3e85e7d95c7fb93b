"""Names from data or the command line never climb out of the outputs folder.

`safe_name` makes one path component of any text; `inside_outputs` refuses a resolved path
outside the outputs root; the runner uses both for every folder and file it writes (the
report's folder, the executed notebook, the workbook), and refuses a bad name or path before
any folder is made or kernel started.
"""
import os

import pytest

from csops_lib import runner
from csops_lib.settings import paths
from csops_lib.settings.paths import UnsafePathError, inside_outputs, safe_name

HOSTILE_NAMES = ["../../x", "..", ".", "", "a/b", "a\\b", "/etc/passwd", "C:\\Windows",
                 "x\x00y", "line\nbreak", "tab\there", "bidi\u202egnp.exe", " .hidden",
                 "trailing. ", "CON", "nul.txt", "<script>alert(1)</script>",
                 '"><b>xss</b>', "小美/../../x", "美" * 200, "😀" * 100, "a:b|c?d*e"]


@pytest.mark.parametrize("text", HOSTILE_NAMES)
def test_safe_name_is_one_harmless_component(text, tmp_path):
    name = safe_name(text)
    assert name and name not in (".", "..")
    assert not set(name) & set('/\\<>:"|?*'), name
    assert not any(ord(c) < 32 or c in "\x7f\u202e" for c in name), repr(name)
    assert not name.startswith((".", " ")) and not name.endswith((".", " "))
    assert len(name.encode("utf-8")) <= paths.NAME_MAX_BYTES + 9
    target = tmp_path / name
    target.mkdir()  # a real folder name on this file system…
    assert target.resolve().parent == tmp_path.resolve()  # …directly inside its parent


@pytest.mark.parametrize("text", ["double11", "2026-W47", "小美_2026-W47", "2026-11-20",
                                  "agent_2026-11-02_2026-11-15", "双11大促"])
def test_clean_names_are_kept_as_they_are(text):
    assert safe_name(text) == text


def test_different_unsafe_names_never_share_a_folder():
    names = ["a/b", "a\\b", "a:b", "a_b", "a?b", "../a_b"]
    assert len({safe_name(n) for n in names}) == len(names)


def test_inside_outputs_accepts_inside_and_refuses_everything_else(tmp_path, monkeypatch):
    root = tmp_path / "outputs"
    (root / "weekly").mkdir(parents=True)
    assert inside_outputs(root / "weekly" / "w.xlsx", root) == (root / "weekly" / "w.xlsx"
                                                               ).resolve()
    monkeypatch.chdir(root)  # relative paths are taken from the current folder
    assert inside_outputs("weekly/w.xlsx", root) == (root / "weekly" / "w.xlsx").resolve()
    (tmp_path / "elsewhere").mkdir()
    (root / "link").symlink_to(tmp_path / "elsewhere")
    for bad in ["../x.xlsx", "weekly/../../x.xlsx", str(tmp_path / "x.xlsx"), "/etc/passwd",
                "link/x.xlsx", "a\x00b"]:
        with pytest.raises(UnsafePathError) as err:
            inside_outputs(bad, root)
        assert "\n" not in str(err.value)


def test_outputs_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CSOPS_OUTPUTS_DIR", str(tmp_path))
    assert paths.outputs_dir() == tmp_path.resolve()
    monkeypatch.delenv("CSOPS_OUTPUTS_DIR")
    assert paths.outputs_dir() == paths.project_root() / "outputs"


@pytest.mark.parametrize("label", ["../../x", "../x_2026-W47", "/tmp/abs", "a/../../b"])
def test_report_folder_from_any_label_stays_inside(label, tmp_path):
    root = tmp_path / "out"
    got_root, folder = runner.output_paths("promo", label, root)
    assert got_root == root
    assert folder.parent == (root / "promo").resolve()


def test_workbook_path_must_be_an_xlsx_inside_outputs(tmp_path, monkeypatch):
    root = tmp_path / "out"
    out_dir = root / "weekly" / "2026-W47"
    assert runner.workbook_path("weekly", "", out_dir, root) == str(out_dir / "weekly.xlsx")
    monkeypatch.chdir(tmp_path)
    assert runner.workbook_path("weekly", "out/mine.xlsx", out_dir, root) == \
        str((root / "mine.xlsx").resolve())
    for bad in ["/tmp/evil.xlsx", "out/../evil.xlsx", "../evil.xlsx", str(tmp_path / "e.xlsx")]:
        with pytest.raises(runner.ReportError, match="xlsx_path: .*outside the outputs folder"):
            runner.workbook_path("weekly", bad, out_dir, root)
    with pytest.raises(runner.ReportError, match="expected an .xlsx file"):
        runner.workbook_path("weekly", "out/report.csv", out_dir, root)


def _no_kernel(*args, **kwargs):
    raise AssertionError("a kernel was started")


@pytest.mark.parametrize("report, overrides, message", [
    ("weekly", {"xlsx_path": "/tmp/csops-evil.xlsx"}, "xlsx_path: .*outside the outputs"),
    ("weekly", {"xlsx_path": "../../csops-evil.xlsx"}, "xlsx_path: .*outside the outputs"),
    ("weekly", {"week": "../../x"}, "week: '../../x' is not a week"),
    ("daily", {"date": "../2026-11-20"}, "date: '../2026-11-20' is not a date"),
    ("agent", {"agent": "小美", "date_from": "../../x", "date_to": "2026-11-20"},
     "date_from: '../../x' is not a date"),
    ("promo", {"promo": "../../x"}, "unknown promo '../../x'"),
    ("agent", {"agent": "../../x"}, "unknown agent '../../x'"),
])
def test_climbing_names_are_refused_before_any_folder_or_kernel(
        report, overrides, message, demo_store, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "execute", _no_kernel)
    root = tmp_path / "out"
    before = set(os.listdir(tmp_path))
    with pytest.raises(runner.ReportError, match=message) as err:
        runner.run(report, overrides, data_dir=demo_store["store"], out_root=root,
                   progress=False)
    assert "\n" not in str(err.value)
    assert not root.exists() and set(os.listdir(tmp_path)) == before
    assert not os.path.exists("/tmp/csops-evil.xlsx")


def test_the_executed_notebook_and_workbook_stay_in_the_report_folder(
        demo_store, tmp_path, monkeypatch):
    """With an agent named from data and a climbing date, everything the runner hands the
    kernel lies in one folder directly under <out_root>/<report>."""
    seen = {}

    def fake_execute(notebook, executed, params, **kw):
        seen.update(executed=executed, log=kw["log_path"], params=params)
        raise AssertionError("stop here")

    monkeypatch.setattr(runner, "execute", fake_execute)
    root = tmp_path / "out"
    with pytest.raises(AssertionError, match="stop here"):
        runner.render("weekly", {"data_dir": str(demo_store["store"]), "week": "2026-W47"},
                      period_label="../../../2026-W47", out_root=root, progress=False)
    folder = seen["executed"].parent
    assert folder.parent == (root / "weekly").resolve()
    assert seen["log"].parent == folder
    assert os.path.dirname(seen["params"]["xlsx_path"]) == str(folder)
