"""Scorecards (METRICS.md §6): hand-computed scores, cap, inverted metrics, missing values,
bonus allocation, promo mode, period aggregation and the supervisor's score sheet."""
import textwrap

import numpy as np
import pandas as pd
import pytest

from csops_lib.metrics import scorecard
from csops_lib.metrics.scorecard import Dimension, Scheme
from csops_lib.render.scorecard import comparison_table

# the shipped schemes' weights and weekly targets, frozen here so the hand computations below
# do not move when a shop edits params/kpi_schemes.yaml
YAML = textwrap.dedent("""
    shop_scheme: standard
    cap: 1.2
    missing: exclude
    bonus: {pool_per_week: 1000, threshold: 90}
    promo: {exclude: [first_response_s, avg_response_s, within_3min_rate],
            team_pk_metric: orders, team_pk_weight: 0.2, use_promo_targets: true}
    schemes:
      simple:
        name: [简单, Simple]
        dimensions:
          - {metric: sales, better: higher, target: 10000, weight: 60, roles: [presale, both]}
          - {metric: orders, better: higher, target: 110, weight: 40, roles: [presale, both]}
      standard:
        name: [标准, Standard]
        dimensions:
          - {metric: sales, better: higher, target: 10000, weight: 30, roles: [presale, both]}
          - {metric: orders, better: higher, target: 110, weight: 15, roles: [presale, both]}
          - {metric: inquiry_conversion, better: higher, target: 0.35, weight: 25}
          - {metric: first_response_s, better: lower, target: 30, weight: 15}
          - {metric: reply_rate, better: higher, target: 0.97, weight: 15}
      full:
        name: [全面, Full]
        dimensions:
          - {metric: sales, better: higher, target: 10000, weight: 15}
          - {metric: orders, better: higher, target: 110, weight: 8}
          - {metric: inquiry_conversion, better: higher, target: 0.35, weight: 12}
          - {metric: aov, better: higher, target: 90, weight: 5}
          - {metric: first_response_s, better: lower, target: 30, weight: 8}
          - {metric: within_3min_rate, better: higher, target: 0.95, weight: 7}
          - {metric: reply_rate, better: higher, target: 0.97, weight: 8}
          - {metric: followup_conversion, better: higher, target: 0.6, weight: 8}
          - {metric: refund_self_resolved_rate, better: higher, target: 0.95, weight: 7}
          - {metric: satisfaction, better: higher, target: 0.95, weight: 8}
          - {metric: teamwork, better: higher, target: 90, weight: 7}
          - {metric: attitude, better: higher, target: 90, weight: 7}
""")


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    path = tmp_path_factory.mktemp("kpi") / "kpi_schemes.yaml"
    path.write_text(YAML, encoding="utf-8")
    return scorecard.load_config(path)


@pytest.fixture
def three():
    """A: over target on sales, fast; B: under on sales, slow; C: over on everything, first
    response 0 s (→ cap) and no reply rate (missing)."""
    return pd.DataFrame({
        "sales": [12000.0, 8000.0, 15000.0], "orders": [100.0, 121.0, 143.0],
        "inquiry_conversion": [0.42, 0.28, 0.35], "first_response_s": [20.0, 45.0, 0.0],
        "reply_rate": [0.97, 0.99, np.nan]}, index=pd.Index(["A", "B", "C"], name="agent"))


def test_shipped_schemes_load_with_twelve_full_dimensions():
    cfg = scorecard.load_config()
    assert set(cfg.schemes) == {"simple", "standard", "full"}
    assert cfg.scheme().key == cfg.shop_scheme
    assert cfg.schemes["simple"].metrics == ["sales", "orders"]
    assert set(cfg.schemes["standard"].metrics) == {"sales", "orders", "inquiry_conversion",
                                                    "first_response_s", "reply_rate"}
    full = cfg.schemes["full"].metrics
    assert len(full) == 12 and {"teamwork", "attitude", "followup_conversion",
                                "refund_self_resolved_rate", "satisfaction"} <= set(full)


def test_simple_scheme_hand_computed(config, three):
    s = scorecard.score(three, config.scheme("simple"))
    # A: 100 × (0.6 × 12000/10000 + 0.4 × 100/110) = 100 × (0.72 + 0.363636) = 108.3636
    # B: 100 × (0.6 × 0.8 + 0.4 × 1.1) = 92.0
    # C: 15000/10000 = 1.5 → cap 1.2, 143/110 = 1.3 → 1.2: 100 × 1.2 = 120.0 (the maximum)
    assert s["score"].tolist() == pytest.approx([108.363636, 92.0, 120.0], abs=1e-4)
    assert s["rank"].tolist() == [2, 3, 1]


def test_standard_scheme_inverted_metric_cap_and_missing_excluded(config, three):
    s = scorecard.score(three, config.scheme("standard"))
    # weights .30 .15 .25 .15 .15; first response is lower-is-better: ratio = 30 / achieved
    # A: .30×1.2 + .15×0.909091 + .25×(.42/.35 = 1.2) + .15×(30/20 = 1.5 → 1.2) + .15×1.0
    #    = .36 + .136364 + .30 + .18 + .15 = 1.126364 → 112.6364
    # B: .30×.8 + .15×1.1 + .25×.8 + .15×(30/45 = .666667) + .15×(.99/.97 = 1.020619)
    #    = .24 + .165 + .20 + .10 + .153093 = .858093 → 85.8093
    # C: first response 0 s → cap 1.2; reply rate missing → excluded, weights renormalised
    #    over .85: (.36 + .18 + .25 + .18) / .85 = .97 / .85 = 1.141176 → 114.1176
    assert s["score"].tolist() == pytest.approx([112.636364, 85.809278, 114.117647], abs=1e-4)
    assert s["dimensions_used"].tolist() == [5, 5, 4]
    assert s["rank"].tolist() == [2, 3, 1]


def test_missing_scored_zero_when_the_scheme_says_so(config, three):
    from dataclasses import replace

    zero = replace(config.scheme("standard"), missing="zero")
    s = scorecard.score(three, zero)
    # C: (.36 + .18 + .25 + .18 + .15 × 0) / 1 = .97 → 97.0; A and B unchanged
    assert s.loc["C", "score"] == pytest.approx(97.0)
    assert s.loc["A", "score"] == pytest.approx(112.636364, abs=1e-4)


def test_full_scheme_hand_computed(config):
    sch = config.scheme("full")
    on_target = {d.metric: d.target for d in sch.dimensions}
    m = pd.DataFrame([on_target, on_target, on_target], index=["X", "Y", "Z"])
    m.loc["Y", "teamwork"] = 81.0       # 81 / 90 = 0.9: loses 7 % × 0.1 → 99.3
    m.loc["Y", "attitude"] = 45.0       # 45 / 90 = 0.5: loses 7 % × 0.5 → 99.3 − 3.5 = 95.8
    m.loc["Z", "first_response_s"] = 15.0  # 30 / 15 = 2 → cap 1.2 (alone: 100 + 8 × 0.2)
    # refunds missing → excluded: (85 × 1 + 8 × 1.2) / 93 = 94.6 / 93 = 1.017204 → 101.7204
    m.loc["Z", "refund_self_resolved_rate"] = np.nan
    s = scorecard.score(m, sch)
    assert s["score"].tolist() == pytest.approx([100.0, 95.8, 101.720430], abs=1e-4)
    assert sum(d.weight for d in sch.dimensions) == 100  # 12 dimensions, weights in %


def test_ratio_rules():
    r = scorecard.ratios([0.0, 60.0, 15.0, np.nan], 30.0, "lower", 1.2)
    assert r[:3].tolist() == pytest.approx([1.2, 0.5, 1.2]) and np.isnan(r[3])
    assert scorecard.ratios([50.0, 150.0], 100.0, "higher", 1.2).tolist() == [0.5, 1.2]
    with pytest.raises(scorecard.SchemeError):
        Dimension("sales", "higher", 0.0, 1.0)
    with pytest.raises(scorecard.SchemeError):
        Dimension("sales", "up", 1.0, 1.0)


def test_roles_exclude_dimensions_and_an_unscored_agent_gets_no_rank(config, three):
    roles = pd.Series({"A": "presale", "B": "after_sales", "C": "both"})
    s = scorecard.score(three, config.scheme("simple"), roles=roles)
    assert np.isnan(s.loc["B", "score"]) and pd.isna(s.loc["B", "rank"])
    assert s.loc["A", "rank"] == 2 and s.loc["C", "rank"] == 1
    st = scorecard.score(three, config.scheme("standard"), roles=roles)
    # B without sales/orders: (.25×.8 + .15×.666667 + .15×1.020619) / .55 = .453093 / .55
    assert st.loc["B", "score"] == pytest.approx(82.380506, abs=1e-4)


def test_bonus_is_proportional_above_the_threshold_and_sums_to_the_pool(config, three):
    scores = scorecard.score(three, config.scheme("standard"))["score"]
    bonus = scorecard.allocate_bonus(scores, pool=1000, threshold=90)
    # excess: A 22.636364, B 0 (85.8 ≤ 90, excluded), C 24.117647; Σ 46.754011
    # A 1000 × 22.636364 / 46.754011 = 484.16, C 515.84 → 484.16 + 515.84 = 1000.00
    assert bonus.tolist() == [484.16, 0.0, 515.84]
    assert round(bonus.sum() * 100) == 100_000


def test_bonus_rounding_remainder_goes_to_the_top_scorer():
    scores = pd.Series({"A": 70.0, "B": 80.0, "C": 70.0, "D": 50.0})
    b = scorecard.allocate_bonus(scores, pool=100, threshold=60)
    # excess 10, 20, 10, 0 → 25, 50, 25: exact
    assert b.tolist() == [25.0, 50.0, 25.0, 0.0]
    even = scorecard.allocate_bonus(pd.Series({"A": 70.0, "B": 70.0, "C": 70.0}), 100, 60)
    # 33.333… each → 33.33 × 3 = 99.99; the 0.01 left goes to the top (first of the tie)
    assert even.tolist() == [33.34, 33.33, 33.33]
    assert round(even.sum() * 100) == 10_000
    none = scorecard.allocate_bonus(pd.Series({"A": 50.0, "B": 60.0}), 100, 60)
    assert none.tolist() == [0.0, 0.0]  # nobody above the threshold: nothing paid


def test_targets_and_pool_scale_with_the_period(config, three):
    ev = scorecard.evaluate(three, config, "simple", days=14)
    # two weeks: sales target 20000, orders 220; A: 100 × (.6 × .6 + .4 × 100/220) = 54.1818
    assert ev.scores.loc["A", "score"] == pytest.approx(54.181818, abs=1e-4)
    assert ev.pool == 2000.0 and ev.scores["bonus"].sum() == pytest.approx(0.0)  # all ≤ 90


def test_compare_schemes_side_by_side(config, three):
    c = scorecard.compare_schemes(three, config)
    assert list(dict.fromkeys(c.columns.get_level_values(0))) == ["simple", "standard", "full"]
    assert c[("simple", "score")].tolist() == pytest.approx([108.363636, 92.0, 120.0], abs=1e-4)
    assert c[("standard", "rank")].tolist() == [2, 3, 1]
    for key in ("simple", "standard", "full"):
        assert round(c[(key, "bonus")].sum(), 2) in (0.0, 1000.0)
    styled = comparison_table(c, config, "en").to_html()
    assert "Standard" in styled and "Bonus (yuan)" in styled


def test_team_pk_raw_results_and_target_attainment(three):
    teams = pd.Series({"A": "X", "B": "X", "C": "Y"})
    raw = scorecard.team_pk(three, teams, "orders")
    # X = 100 + 121 = 221 orders, Y = 143: X wins (1.0), Y 143 / 221 = 0.647059
    assert raw.loc["X", "pk"] == 1.0 and raw.loc["Y", "pk"] == pytest.approx(0.647059, abs=1e-6)
    assert raw["winner"].tolist() == [True, False]
    tgt = scorecard.team_pk(three, teams, "orders", targets={"X": 200, "Y": 100})
    # attainment X 221/200 = 1.105, Y 143/100 = 1.43: Y wins, X 1.105 / 1.43 = 0.772727
    assert tgt.loc["Y", "pk"] == 1.0 and tgt.loc["X", "pk"] == pytest.approx(0.772727, abs=1e-6)


def test_promo_mode_drops_response_time_and_scores_team_pk(config, three):
    teams = pd.Series({"A": "X", "B": "X", "C": "Y"})
    ev = scorecard.evaluate(three, config, "standard", days=7, teams=teams, promo=True)
    assert "first_response_s" not in ev.scheme.metrics and ev.scheme.metrics[-1] == "team_pk"
    # remaining weights .30 .15 .25 .15 scaled to .8: .282353 .141176 .235294 .141176; PK .2
    # A: .282353×1.2 + .141176×.909091 + .235294×1.2 + .141176×1 + .2×1 = 1.090695 → 109.0695
    # C: reply rate missing: (.338824 + .169412 + .235294 + .2 × .647059) / .858824 → 101.6438
    assert ev.scores.loc["A", "score"] == pytest.approx(109.069519, abs=1e-4)
    assert ev.scores.loc["C", "score"] == pytest.approx(101.643836, abs=1e-4)
    assert ev.teams.loc["Y", "pk"] == pytest.approx(0.647059, abs=1e-6)
    # the agents' promo targets replace sales / orders targets (absolute, not scaled)
    own = pd.DataFrame({"sales": [6000.0], "orders": [50.0]}, index=["A"])
    ev2 = scorecard.evaluate(three, config, "simple", days=1, teams=teams, promo=True,
                             agent_targets=own)
    # A: sales 12000/6000 → 1.2, orders 100/50 → 1.2: .8 × 1.2 + .2 × 1 = 1.16 → 116.0
    assert ev2.scores.loc["A", "score"] == pytest.approx(116.0)


def test_after_sales_agents_are_not_scored_on_the_team_pk(config, three):
    teams = pd.Series({"A": "X", "B": "X", "C": "Y"})
    roles = pd.Series({"A": "presale", "B": "presale", "C": "after_sales"})
    ev = scorecard.evaluate(three, config, "simple", days=7, teams=teams, promo=True,
                            roles=roles)
    det = ev.detail.set_index(["agent", "metric"])
    # C (after-sales): neither sales, orders nor the team PK apply → no dimension, no score
    assert not det.loc[("C", "team_pk"), "applies"] and not det.loc[("C", "sales"), "applies"]
    assert np.isnan(ev.scores.loc["C", "score"]) and ev.scores.loc["C", "bonus"] == 0
    # A (pre-sale) keeps the team PK: X 221 orders beats Y 143 → pk 1;
    # .8 × (.6 × 1.2 + .4 × 100/110) + .2 × 1 = .8 × 1.083636 + .2 = 1.066909 → 106.6909
    assert det.loc[("A", "team_pk"), "applies"]
    assert ev.scores.loc["A", "score"] == pytest.approx(106.690909, abs=1e-4)
    # the standard scheme: C is scored on its reply rate alone (missing → excluded) and
    # first response is dropped in promo mode, so C has no score either; B (pre-sale) has one
    std = scorecard.evaluate(three, config, "standard", days=7, teams=teams, promo=True,
                             roles=roles)
    assert "team_pk" not in set(std.detail[(std.detail["agent"] == "C")
                                           & std.detail["used"]]["metric"])


def test_scheme_validation(config):
    with pytest.raises(scorecard.SchemeError, match="unknown KPI scheme"):
        config.scheme("nope")
    with pytest.raises(scorecard.SchemeError):
        Scheme("x", (), cap=1.2)
    with pytest.raises(scorecard.SchemeError):
        Scheme("x", (Dimension("sales", "higher", 1, 1),), missing="maybe")


def test_period_metrics_sum_counts_and_recompute_rates():
    kpis = pd.DataFrame({
        "date": pd.to_datetime(["2026-11-02", "2026-11-03", "2026-11-03", "2026-11-20"]),
        "agent": ["A", "A", "B", "A"], "sessions": [10, 30, 5, 99], "replied": [9, 30, 5, 99],
        "unanswered": [1, 0, 0, 0], "slow_sessions": [0, 1, 0, 0], "long_sessions": [0, 0, 1, 0],
        "inquiries": [8, 12, 0, 50], "inquiry_buyers": [2, 6, 0, 50], "orders": [3, 5, 0, 9],
        "sales": [300.0, 700.0, 0.0, 9.0], "buyers": [3, 4, 0, 9],
        "first_response_s": [20.0, 40.0, 10.0, 1.0], "avg_response_s": [20.0, 40.0, 10.0, 1.0]})
    m = scorecard.period_metrics(kpis, date_from="2026-11-02", date_to="2026-11-08")
    a = m.loc["A"]
    # the 11-20 row is outside the period; sums: sessions 40, replied 39, inquiries 20 …
    assert (a["sessions"], a["orders"], a["sales"]) == (40, 8, 1000.0)
    assert a["reply_rate"] == pytest.approx(39 / 40)          # not the mean of .9 and 1.0
    assert a["inquiry_conversion"] == pytest.approx(8 / 20)   # not the mean of .25 and .5
    assert a["aov"] == pytest.approx(1000 / 7)
    # no sessions given: daily means weighted by replied sessions (20×9 + 40×30) / 39
    assert a["first_response_s"] == pytest.approx(1380 / 39)
    assert np.isnan(m.loc["B", "inquiry_conversion"])  # 0 inquiries: missing, not 0
    sessions = pd.DataFrame({"date": pd.to_datetime(["2026-11-02"] * 3 + ["2026-11-20"]),
                             "agent": ["A"] * 4, "first_response_s": [10.0, 20.0, 100.0, 1.0],
                             "avg_response_s": [10.0, 20.0, 100.0, 1.0]})
    daily = pd.DataFrame({"date": pd.to_datetime(["2026-11-02", "2026-11-03"]), "agent": ["A", "A"],
                          "followups": [10, 5], "followup_failed": [4, 1]})
    sup = pd.DataFrame({"month": pd.to_datetime(["2026-10-01", "2026-11-01", "2026-11-01"]),
                        "agent": ["A", "A", "B"], "teamwork": [80.0, 90.0, 70.0],
                        "attitude": [85.0, 95.0, 75.0]})
    m = scorecard.period_metrics(kpis, sessions=sessions, agent_daily=daily, supervisor=sup,
                                 date_from="2026-10-28", date_to="2026-11-08")
    assert m.loc["A", "first_response_s"] == 20.0        # median of 10, 20, 100
    assert m.loc["A", "followup_conversion"] == pytest.approx(10 / 15)  # (6 + 4) / 15
    assert m.loc["A", "teamwork"] == 85.0                # October and November overlap
    m = scorecard.period_metrics(kpis, supervisor=sup, date_from="2026-11-02",
                                 date_to="2026-11-08")
    assert m.loc["A", "teamwork"] == 90.0 and np.isnan(m.loc["A", "satisfaction"])


def test_supervisor_sheet_with_chinese_headers(tmp_path):
    df = pd.DataFrame({"月份": ["2026-10", "2026年11月"], "客服 ": ["小美", "阿杰"],
                       "团队协作": [92, 85], "服务态度": ["88", "90"], "客户满意度": ["96%", "0.95"],
                       "备注": [None, "新人"]})
    path = tmp_path / "主管评分.xlsx"
    df.to_excel(path, index=False)
    s = scorecard.load_supervisor_scores(path)
    assert s["month"].tolist() == [pd.Timestamp("2026-10-01"), pd.Timestamp("2026-11-01")]
    assert s["agent"].tolist() == ["小美", "阿杰"]
    assert s["teamwork"].tolist() == [92.0, 85.0] and s["attitude"].tolist() == [88.0, 90.0]
    assert s["satisfaction"].tolist() == pytest.approx([0.96, 0.95])
    pd.DataFrame({"客服": ["x"]}).to_excel(tmp_path / "bad.xlsx", index=False)
    with pytest.raises(ValueError, match="月份"):  # MissingColumnError names the aliases
        scorecard.load_supervisor_scores(tmp_path / "bad.xlsx")


def test_demo_supervisor_scores_are_ingested_into_the_store(demo_store):
    assert (demo_store["exports"] / "主管评分.xlsx").exists()
    s = scorecard.supervisor_scores_from_store(demo_store["store"])
    assert s is not None
    assert {"小美", "阿芳", "小林"} <= set(s["agent"])
    assert s[["teamwork", "attitude"]].stack().between(60, 100).all()
    assert s["satisfaction"].between(0.8, 1.0).all()
