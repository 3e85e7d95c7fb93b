"""Where a report goes: the folder and the file name carry the report (monthly apart from
weekly), the period (or the agent, the promo) and the language, so an English copy never
overwrites the Chinese one and the workbook sits beside its HTML under the same name."""
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from csops_lib import runner

WEEK = "2026-W47"  # the demo fixture ends Sunday 2026-11-22


class Stop(Exception):
    """Raised by the fake kernel: the test has seen what the runner would run."""


@pytest.fixture
def seen(monkeypatch):
    """runner.execute replaced: records the executed notebook, the log and the parameters."""
    got = {}

    def fake_execute(notebook, executed, params, **kw):
        got.update(executed=executed, log=kw["log_path"], params=params)
        raise Stop

    monkeypatch.setattr(runner, "execute", fake_execute)
    return got


@pytest.mark.parametrize("report, overrides, folder, name", [
    ("weekly", {}, f"weekly/{WEEK}", f"weekly_{WEEK}_zh"),
    ("weekly", {"lang": "en"}, f"weekly/{WEEK}", f"weekly_{WEEK}_en"),
    ("weekly", {"period": "month"}, "monthly/2026-10", "monthly_2026-10_zh"),
    ("weekly", {"month": "2026-11"}, "monthly/2026-11", "monthly_2026-11_zh"),
    ("daily", {}, "daily/2026-11-22", "daily_2026-11-22_zh"),
    ("daily", {"date": "2026-11-20", "lang": "en"}, "daily/2026-11-20", "daily_2026-11-20_en"),
    ("agent", {}, f"agent/小美_{WEEK}", f"agent_小美_{WEEK}_zh"),  # the notebook's agent
    ("agent", {"agent": "阿杰", "date_from": "2026-11-02", "date_to": "2026-11-15"},
     "agent/阿杰_2026-11-02_2026-11-15", "agent_阿杰_2026-11-02_2026-11-15_zh"),
    ("promo", {}, "promo/double11", "promo_double11_zh"),  # the latest promo, by its name
    ("what_if", {"week": "2026-W46", "lang": "en"}, "what_if/2026-W46", "what_if_2026-W46_en"),
])
def test_every_report_is_named_by_period_and_language(report, overrides, folder, name,
                                                      demo_store, seen, tmp_path):
    with pytest.raises(Stop):
        runner.run(report, overrides, data_dir=demo_store["store"], out_root=tmp_path,
                   progress=False)
    out_dir = (tmp_path / folder).resolve()
    assert seen["executed"] == out_dir / f".{name}.executed.ipynb"
    assert seen["log"] == out_dir / f".{name}.kernel.log"
    if "xlsx_path" in seen["params"]:  # the workbook beside the HTML, the same name
        assert seen["params"]["xlsx_path"] == str(out_dir / f"{name}.xlsx")
    # the store reaches the notebook as an absolute path (it runs in the project root)
    assert seen["params"]["data_dir"] == str(demo_store["store"].resolve())


def test_names_from_data_stay_one_component():
    assert runner.output_name("agent", "a/b_2026-W47", "zh").count("/") == 0
    assert runner.output_name("promo", "双11大促", "en") == "promo_双11大促_en"
    _, folder, name = runner.output_files("promo", {"lang": "zh"}, "../../x", "/tmp/o")
    assert folder.parent.name == "promo" and "/" not in name and not name.startswith(".")


def test_an_english_copy_never_overwrites_the_chinese_one(tmp_path, monkeypatch):
    """The same report and period in zh, then en, into the same outputs folder: two files
    side by side, each in its own language (a real kernel, a two-cell notebook)."""
    nb = new_notebook(cells=[
        new_code_cell('data_dir: str = ""\nlang: str = "zh"\nweek: str = ""',
                      metadata={"tags": ["parameters"]}),
        new_code_cell('print({"zh": "中文报告", "en": "English report"}[lang])')])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    monkeypatch.setattr(runner, "notebook_path", lambda report: path)
    out = tmp_path / "out"
    zh = runner.render("what_if", {"lang": "zh", "week": WEEK}, period_label=WEEK,
                       out_root=out, progress=False)
    en = runner.render("what_if", {"lang": "en", "week": WEEK}, period_label=WEEK,
                       out_root=out, progress=False)
    assert zh == out / "what_if" / WEEK / f"what_if_{WEEK}_zh.html"
    assert en == out / "what_if" / WEEK / f"what_if_{WEEK}_en.html"
    zh_text, en_text = zh.read_text(encoding="utf-8"), en.read_text(encoding="utf-8")
    assert "中文报告" in zh_text and "English report" not in zh_text
    assert "English report" in en_text and "中文报告" not in en_text
