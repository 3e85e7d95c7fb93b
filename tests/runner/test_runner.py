"""The report pipeline on the demo shop: papermill → nbconvert HTML, code hidden, atomic."""
import re
import shutil

import pytest

from csops_lib import runner, store

WEEK = "2026-W47"  # the last complete week of the demo fixture (ends Sunday 2026-11-22)


@pytest.fixture(scope="module")
def weekly_zh(demo_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    html = runner.run("weekly", {}, data_dir=demo_store["store"], out_root=out, progress=False)
    return html, html.read_text(encoding="utf-8"), out


def test_weekly_path_and_default_week(weekly_zh):
    html, _, out = weekly_zh
    assert html == out / "weekly" / WEEK / f"weekly_{WEEK}_zh.html"
    assert html.with_suffix(".xlsx").exists()  # the workbook beside it, the same name


def test_weekly_html_has_title_toc_charts_and_no_code(weekly_zh):
    _, text, _ = weekly_zh
    assert f"<title>客服周报 {WEEK}</title>" in text
    assert f"客服周报 {WEEK}" in text and "2026-11-16 – 2026-11-22" in text
    assert 'href="#headline"' in text and 'id="headline"' in text
    # 8 charts: the sales bridge (issue 11, item 12) joined the 7 before
    assert len(re.findall(r"<img [^>]*src=\"data:image/png;base64", text)) == 8
    for code in ("import ", "weekly.load", "WeeklyView", "display(", "charts.setup_style"):
        assert code not in text
    for noise in ("Traceback", "Warning", 'data-mime-type="application/vnd.jupyter.stderr"'):
        assert noise not in text  # no errors, warnings or stderr streams reach the boss
    assert len(text.encode()) < 5_000_000


def test_weekly_headline_sales_matches_an_independent_sum(weekly_zh, demo_store):
    """The headline's sales of the week = Σ amount of orders paid in the week, from the store."""
    _, text, _ = weekly_zh
    orders = store.read(demo_store["store"], "orders")
    paid = orders[orders["paid_at"].between("2026-11-16", "2026-11-22 23:59:59.999")]
    assert f"¥{paid['amount'].sum():,.2f}" in text
    last = orders[orders["paid_at"].between("2026-11-09", "2026-11-15 23:59:59.999")]
    assert f"¥{last['amount'].sum():,.2f}" in text


def test_weekly_html_has_no_phone_numbers(weekly_zh, demo_store):
    _, text, _ = weekly_zh
    phones = store.read(demo_store["store"], "orders")["phone"].dropna().unique()
    assert len(phones) > 100
    digits = set(re.findall(r"1\d{10}", text))
    assert not digits.intersection(phones)


# the English report, the workbook, the monthly report and the agent_stats-only mode are
# tested in tests/test_weekly.py (each rendered once there)


def test_unknown_parameter_is_rejected(demo_store, tmp_path):
    with pytest.raises(runner.ReportError, match="unknown parameter.*colour"):
        runner.run("weekly", {"colour": "red"}, data_dir=demo_store["store"], out_root=tmp_path,
                   progress=False)


def test_failed_run_keeps_the_last_good_report(weekly_zh, demo_store, tmp_path):
    """A data file damaged after the store was written: the period resolves (from the
    store's log), the notebook then fails reading the file, in the kernel."""
    html, text, out = weekly_zh
    broken = tmp_path / "store"
    shutil.copytree(demo_store["store"], broken)
    for part in (broken / "orders" / "day=2026-11-20").glob("*.parquet"):
        part.write_bytes(b"not a parquet file")
    with pytest.raises(runner.ReportError, match="executed notebook is kept"):
        runner.run("weekly", {"week": WEEK}, data_dir=broken, out_root=out, progress=False)
    assert html.read_text(encoding="utf-8") == text
    assert (out / "weekly" / WEEK / f".weekly_{WEEK}_zh.executed.ipynb").exists()


def test_html_exporter_drops_code_stderr_and_tagged_cells():
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    nb = new_notebook(cells=[
        new_code_cell("secret_code = 1", outputs=[
            new_output("stream", name="stderr", text="UserWarning: noisy\n"),
            new_output("stream", name="stdout", text="shown to the boss\n")]),
        new_code_cell("hidden_setup()", metadata={"tags": ["remove_cell"]},
                      outputs=[new_output("stream", name="stdout", text="setup output\n")]),
    ])
    body, _ = runner.html_exporter().from_notebook_node(nbformat.from_dict(nb))
    assert "shown to the boss" in body
    for gone in ("secret_code", "noisy", "hidden_setup", "setup output"):
        assert gone not in body
