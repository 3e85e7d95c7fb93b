import warnings

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd

from csops_lib.render import charts


def test_chinese_labels_render_without_missing_glyphs(tmp_path):
    """matplotlib warns 'Glyph … missing from font' when a CJK label cannot be drawn."""
    font = charts.setup_style()
    assert "CJK" in font or font in charts.CJK_FONTS
    data = pd.DataFrame({"省份": ["上海市", "广东省", "内蒙古自治区"], "订单数": [12, 9, -1]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing-glyph warning fails the test
        ax = charts.bar(data, "省份", "订单数", title="各省订单（负数−1）", ylabel="订单数")
        ax.figure.savefig(tmp_path / "chart.png")
    assert (tmp_path / "chart.png").stat().st_size > 5_000
    assert matplotlib.rcParams["font.sans-serif"][0] == font
    plt.close("all")


def test_bare_set_theme_would_lose_the_font():
    """Documents why setup_style sets theme and font in one call."""
    import seaborn as sns

    sns.set_theme()
    assert matplotlib.rcParams["font.sans-serif"][0] != charts.cjk_font()
    charts.setup_style()
    assert matplotlib.rcParams["font.sans-serif"][0] == charts.cjk_font()
