"""Every bad input to `csops report` is one line on stderr, before any kernel starts; a cell
that runs too long is stopped; the kernel says nothing on the console."""
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from csops_lib import cli, runner


@pytest.fixture
def no_kernel(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(runner, "execute", refuse)


@pytest.mark.parametrize("argv, expected", [
    (["weekly", "--week", "2026-W99"], "week: '2026-W99' is not a week: 2026 has ISO weeks 1 to 53"),
    (["daily", "--date", "2026-02-30"], "date: '2026-02-30' is not a date: February 2026 has 28"),
    (["weekly", "--month", "2026-13"], "month: '2026-13' is not a month: months run 1 to 12"),
    (["what_if", "--week", "2026-W99"], "week: '2026-W99' is not a week"),
    (["agent", "--agent", "小美", "--week", "2026-W0"], "week: '2026-W0' is not a week"),
    (["weekly", "--lang", "fr"], "lang: 'fr' is not available; use zh or en"),
    (["weekly", "--param", "lang=fr"], "lang: 'fr' is not available"),
    (["weekly", "--param", "top_questions=abc"], "top_questions: Input should be a valid integer"),
    (["weekly", "--param", "top_questions=-3"], "top_questions: Input should be greater than 0"),
    (["daily", "--param", "anomaly_z=.inf"], "anomaly_z: expected a finite number"),
    (["weekly", "--param", "period=year"], "period: expected week or month (got 'year')"),
    (["weekly", "--param", "top_questions"], "expected key=value, got 'top_questions'"),
    (["weekly", "--param", "colour=red"], "unknown parameter(s) for report 'weekly': colour"),
    (["agent", "--agent", "nobody"], "unknown agent 'nobody'; known agents: "),
    (["agent", "--param", "agent=007"], "unknown agent '007'"),  # text stays text, not 7
    (["agent", "--agent", "小美", "--param", "date_from=2026-11-15",
      "--param", "date_to=2026-11-02"], "date_from 2026-11-15 is after date_to 2026-11-02"),
    (["promo", "--promo", "nobody"], "unknown promo 'nobody'; the promos table has: double11"),
    (["weekly", "--param", "xlsx_path=/tmp/csops-elsewhere.xlsx"], "outside the outputs folder"),
    (["weekly", "--timeout", "0"], "--timeout: expected seconds > 0"),
    (["weekly", "--date", "2026-11-20"], "--date is for the daily report; weekly takes "
                                         "--week / --month"),
    (["daily", "--week", "2026-W47"], "--week is for the weekly / agent / what_if reports; "
                                      "daily takes --date"),
    (["promo", "--agent", "小美"], "--agent is for the agent report; promo takes --promo"),
])
def test_bad_input_is_one_line_before_any_kernel(argv, expected, demo_store, capsys, no_kernel):
    code = cli.main(["report", *argv, "--data-dir", str(demo_store["store"])])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert expected in err, err
    assert "Traceback" not in err


def test_a_missing_data_folder_is_one_line(tmp_path, capsys, no_kernel):
    code = cli.main(["report", "weekly", "--data-dir", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "no such folder" in err


def test_a_store_in_the_old_layout_is_one_line(tmp_path, capsys, no_kernel):
    old = tmp_path / "store" / "orders" / "date=2026-11-20"
    old.mkdir(parents=True)
    pd.DataFrame({"order_id": ["1"]}).to_parquet(old / "part.parquet")
    code = cli.main(["report", "weekly", "--data-dir", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "csops migrate" in err, err


def test_a_bad_timeout_setting_is_one_line(demo_store, monkeypatch, capsys, no_kernel):
    monkeypatch.setenv("CSOPS_CELL_TIMEOUT_S", "soon")
    code = cli.main(["report", "weekly", "--data-dir", str(demo_store["store"])])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "CSOPS_CELL_TIMEOUT_S" in err


def test_a_cell_that_runs_too_long_is_stopped(tmp_path, monkeypatch, capfd):
    """A notebook whose second cell would sleep a minute, with a 2-second cell timeout: the
    run stops with a clear error, and the dying kernel's messages stay in its log."""
    nb = new_notebook(cells=[new_code_cell('data_dir: str = ""\nlang: str = "zh"',
                                           metadata={"tags": ["parameters"]}),
                             new_code_cell("import time\ntime.sleep(60)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    sleepy = tmp_path / "sleepy.ipynb"
    nbformat.write(nb, sleepy)
    monkeypatch.setattr(runner, "notebook_path", lambda report: sleepy)
    out_root = tmp_path / "out"
    with pytest.raises(runner.ReportError, match=r"a cell ran longer than 2 s and was stopped"):
        runner.render("what_if", {"data_dir": str(tmp_path)}, period_label="default",
                      out_root=out_root, progress=False, timeout=2)
    captured = capfd.readouterr()
    for noise in ("Traceback", "IPKernelApp", "Timeout waiting"):
        assert noise not in captured.err + captured.out
    assert (out_root / "what_if" / "default" / ".what_if_default_zh.executed.ipynb").exists()
    assert not (out_root / "what_if" / "default" / "what_if_default_zh.html").exists()


def test_the_console_shows_no_kernel_warning(demo_store, tmp_path):
    """`csops report what_if` as a user runs it: ipykernel 7 warns on stderr that a TCP
    kernel is unencrypted; the runner's kernel uses IPC sockets and logs to a file, so the
    console shows only the progress bar, the timing line and the path."""
    csops = Path(sys.executable).with_name("csops")
    env = {**os.environ, "CSOPS_OUTPUTS_DIR": str(tmp_path / "outputs")}
    run = subprocess.run([str(csops), "report", "what_if", "--data-dir", str(demo_store["store"])],
                         capture_output=True, text=True, timeout=600, env=env)
    console = run.stdout + run.stderr
    assert run.returncode == 0, console[-3000:]
    for noise in ("without encryption", "IPKernelApp", "WARNING", "Warning", "Traceback"):
        assert noise not in console, console[-3000:]
    html = Path(run.stdout.strip().splitlines()[-1])
    # the base week resolved (the last complete week of the demo), as the folder and the name
    assert html == tmp_path / "outputs" / "what_if" / "2026-W47" / "what_if_2026-W47_zh.html"
    assert html.exists()
