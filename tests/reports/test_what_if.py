"""What-if: uplift → sales (hand-computed), staffing through staffing.required_agents, scheme
comparison through the scorecard; the notebook rendered in zh and en without widget output."""
import re

import numpy as np
import pandas as pd
import pytest

from csops_lib import runner
from csops_lib.metrics import scorecard, staffing
from csops_lib.metrics.roster import on_shift_per_hour as agents_on_shift
from csops_lib.metrics.what_if import uplift_sales
from csops_lib.render.what_if import WhatIf


def test_uplift_sales_hand_computed():
    m = pd.DataFrame({"inquiries": [100, 50, 0], "inquiry_buyers": [30, 48, 0],
                      "sales": [3000.0, 4000.0, 500.0], "buyers": [30, 40, 5]},
                     index=["A", "B", "C"])
    u = uplift_sales(m, 0.05)
    # A: 30 % → 35 %: 100 × 0.05 = 5 extra buyers × AOV 3000/30 = 100 → ¥500
    # B: 96 % → min(101 %, 100 %): 50 × 0.04 = 2 buyers × AOV 4000/40 = 100 → ¥200
    # C: no inquiries → nothing
    assert u["extra_buyers"].tolist() == pytest.approx([5.0, 2.0, 0.0])
    assert u["extra_sales"].tolist() == pytest.approx([500.0, 200.0, 0.0])
    r = uplift_sales(m, 0.10, mode="relative")
    # A: 30 % × 1.1 = 33 % → 3 buyers → ¥300; B: 96 % × 1.1 → 100 % → 2 buyers → ¥200
    assert r["extra_sales"].tolist() == pytest.approx([300.0, 200.0, 0.0])
    with pytest.raises(ValueError):
        uplift_sales(m, -0.1)


def test_agents_on_shift_from_roster_hours():
    roster = pd.DataFrame({"shift_start": ["08:00", "15:00", "22:00"],
                           "shift_end": ["16:00", "24:00", "02:00"]})
    h = agents_on_shift(roster)
    assert h[8] == 1 and h[15] == 2 and h[23] == 2 and h[1] == 1 and h[2] == 0 and h[7] == 0


@pytest.fixture(scope="module")
def wi(demo_store):
    return WhatIf.load(demo_store["store"])


def test_staffing_uses_required_agents(wi):
    kw = dict(load_multiplier=2.0, aht_s=240.0, concurrency=3, target_service_level=0.8,
              answer_within_s=30.0, max_occupancy=0.85, shrinkage=0.2)
    s = wi.staffing(**kw)
    base = wi.data.per_hour.groupby("hour")["sessions"].mean()
    assert s["base"].tolist() == pytest.approx(base.reindex(range(24), fill_value=0).tolist())
    peak = int(s["forecast"].idxmax())
    ref = staffing.required_agents(2.0 * base[peak], 240.0, 0.8, 30.0, max_occupancy=0.85,
                                   shrinkage=0.2, concurrency=3)
    assert s.loc[peak, "agents"] == ref["agents"] and s.attrs["aht_s"] == 240.0
    assert wi.staffing(aht_s=0.0).attrs["aht_measured"] and 30 < wi.data.measured_aht_s < 1800


def test_scheme_comparison_uses_the_scorecard(wi):
    c = wi.compare()
    expected = scorecard.compare_schemes(
        wi.metrics, wi.config, days=7,
        roles=wi.data.roster.set_index("agent")["role"])
    pd.testing.assert_frame_equal(c, expected)
    for key in wi.config.schemes:
        assert round(c[(key, "bonus")].sum(), 2) == wi.config.pool(7)
    pc = wi.promo_compare()
    assert pc is not None and wi.data.promo["start"].isoformat() == "2026-11-11"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_what_if_notebook_renders(demo_store, tmp_path, lang, wi):
    html = runner.run("what_if", {"lang": lang}, data_dir=demo_store["store"],
                      out_root=tmp_path, progress=False)
    assert html == tmp_path / "what_if" / "2026-W47" / f"what_if_2026-W47_{lang}.html"
    text = html.read_text(encoding="utf-8")
    title = {"zh": "假设分析", "en": "What-if analysis"}[lang]
    assert f"<title>{title} 2026-W47</title>" in text  # the base week, as in the file name
    for key in ("wi_uplift", "wi_staffing", "wi_schemes", "wi_promo_schemes", "wi_appendix"):
        assert f'id="{key}"' in text
    extra = wi.uplift(0.02)["extra_sales"].sum()
    assert f"¥{extra:,.2f}" in text
    assert len(re.findall(r"<img [^>]*src=\"data:image/png;base64", text)) == 3
    for noise in ("widget-view", "application/vnd.jupyter.widget", "Traceback", "import "):
        assert noise not in text
    if lang == "en":
        assert "Conversion uplift" in text and "转化率提升" not in text
    assert np.isfinite(extra) and extra > 0
