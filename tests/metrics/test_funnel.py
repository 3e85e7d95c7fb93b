"""Tally funnel (§1), sales (§4) and refunds (§5), by hand."""
import numpy as np
import pandas as pd
import pytest

from csops_lib.metrics import (
    MetricInputError,
    inconsistent_tally_rows,
    pay_slot_shares,
    refund_metrics,
    sales_metrics,
    tally_funnel,
)

D = pd.Timestamp("2026-11-02")


def tally(rows):
    cols = ["agent", "total_received", "silent_checks", "after_sales", "ad_contacts",
            "brushing_contacts", "followups", "account_switch", "followup_failed",
            "inquiry_failed"]
    df = pd.DataFrame(rows, columns=cols)
    df.insert(0, "date", D)
    for c in cols[1:]:
        df[c] = df[c].astype("Int64")
    return df


def test_funnel_worked_example():
    # METRICS.md: 30 − 5 − 14 − 0 − 0 − 3 − 0 = 8 inquiries; followup_failed 1 → 2 converted;
    # inquiry_failed 5 → 3 converted; total 5; consult_conversion 5 / 8 = 0.625
    f = tally_funnel(tally([["A", 30, 5, 14, 0, 0, 3, 0, 1, 5]])).iloc[0]
    assert (f["inquiries"], f["followup_converted"], f["inquiry_converted"],
            f["total_converted"]) == (8, 2, 3, 5)
    assert f["consult_conversion"] == 0.625


def test_inconsistent_rows_quarantined_with_reason_and_zero_denominator():
    df = tally([["A", 30, 5, 14, 0, 0, 3, 0, 1, 5],
                ["B", 10, 0, 0, 0, 0, 2, 0, 3, 1],    # 3 failures of 2 follow-ups → −1
                ["C", 5, 5, 0, 0, 0, 0, 0, 0, 0]])    # 0 inquiries → conversion NaN
    before = df.copy()
    bad = inconsistent_tally_rows(df)
    assert list(bad["agent"]) == ["B"]
    assert "followup_converted" in bad.iloc[0]["reason"] and "-1" in bad.iloc[0]["reason"]
    f = tally_funnel(df)
    assert list(f["agent"]) == ["A", "C"]          # B quarantined, not clipped
    assert np.isnan(f.set_index("agent").loc["C", "consult_conversion"])
    kept = tally_funnel(df, drop_inconsistent=False).set_index("agent")
    assert kept.loc["B", "followup_converted"] == -1 and np.isnan(kept.loc["B",
                                                                          "consult_conversion"])
    pd.testing.assert_frame_equal(df, before)
    with pytest.raises(MetricInputError, match="total_received"):
        tally_funnel(df.drop(columns="total_received"))


def test_funnel_optional_columns_absent_count_zero():
    df = pd.DataFrame({"date": [D], "agent": ["A"], "total_received": pd.array([4], "Int64")})
    assert tally_funnel(df).iloc[0]["inquiries"] == 4


ORDERS = pd.DataFrame({
    "order_id": ["1", "2", "3", "4", "5"],
    "customer_id": ["a", "a", "b", "c", "d"],
    "paid_at": pd.Series(["2026-11-02 10:05", "2026-11-02 23:10", None, "2026-11-03 09:00",
                          "2026-11-03 09:30"], dtype="datetime64[ns]"),
    "amount": [100.0, 0.0, 50.0, 30.0, 70.0],         # net of refunds
    "refund_amount": [0.0, 80.0, 0.0, 10.0, 0.0],
    "quantity": pd.array([1, 2, 1, 1, 3], dtype="Int64"),
    "status": ["paid", "refunded", "unpaid", "paid", "closed"],
})


def test_sales_metrics_by_day():
    s = sales_metrics(ORDERS).set_index("date")
    d = s.loc[D]
    # D: orders 1, 2 (a twice): sales 100, buyers 1, items 3 → aov 100, unit 33.33, 3 per buyer
    assert (d["orders"], d["sales"], d["buyers"], d["items"]) == (2, 100.0, 1, 3)
    assert d["aov"] == 100.0 and d["unit_price"] == pytest.approx(100 / 3)
    # loss: order 2 refunded in full → 1 / 2; refunds 80 / gross (100 + 80); items: order 2's
    # 2 items × 80 / 80 = 2 → 2 / 3; orders with a refund 1 / 2; a bought twice → repurchase 1
    assert d["order_loss_rate"] == 0.5
    assert d["amount_return_rate"] == pytest.approx(80 / 180)
    assert d["qty_return_rate"] == pytest.approx(2 / 3) and d["order_return_rate"] == 0.5
    assert d["repurchase_rate"] == 1.0
    e = s.loc[D + pd.Timedelta(days=1)]
    # D+1: orders 4, 5: sales 100, buyers 2, items 4; order 5 closed after payment → 1 / 2;
    # refund 10 / (100 + 10); refunded items 1 × 10 / 40 = 0.25 → 0.25 / 4
    assert (e["orders"], e["sales"], e["buyers"], e["items"]) == (2, 100.0, 2, 4)
    assert e["aov"] == 50.0 and e["items_per_buyer"] == 2.0 and e["order_loss_rate"] == 0.5
    assert e["amount_return_rate"] == pytest.approx(10 / 110)
    assert e["qty_return_rate"] == pytest.approx(0.0625) and e["repurchase_rate"] == 0.0
    # the literal base (refunds / sales)
    lit = sales_metrics(ORDERS, amount_return_base="sales").set_index("date")
    assert lit.loc[D, "amount_return_rate"] == pytest.approx(0.8)


def test_sales_zero_denominators_and_missing_customer():
    free = ORDERS.assign(amount=0.0, refund_amount=0.0)
    s = sales_metrics(free, by=None).iloc[0]
    assert np.isnan(s["amount_return_rate"])          # 0 / 0
    nocust = sales_metrics(ORDERS.drop(columns="customer_id"), by=None).iloc[0]
    assert np.isnan(nocust["buyers"]) and np.isnan(nocust["aov"])
    assert nocust["unit_price"] == pytest.approx(200 / 7)


def test_pay_slot_shares():
    p = pay_slot_shares(ORDERS)
    assert list(p["pay_slot"]) == ["09:00-10:00", "10:00-11:00", "23:00-24:00"]
    assert list(p["orders"]) == [2, 1, 1] and p["order_share"].tolist() == [0.5, 0.25, 0.25]
    assert p["sales_share"].tolist() == [0.5, 0.5, 0.0]


def test_refund_metrics():
    r = pd.DataFrame({
        "refund_id": ["r1", "r2", "r3", "r4"],
        "order_id": ["1", "2", "3", "4"],
        "amount": [10.0, 20.0, 30.0, 40.0],
        "applied_at": pd.Series(["2026-11-02 10:00"] * 4, dtype="datetime64[ns]"),
        # processing 2 h, 4 h, 12 h, open
        "closed_at": pd.Series(["2026-11-02 12:00", "2026-11-02 14:00", "2026-11-02 22:00",
                                None], dtype="datetime64[ns]"),
        "platform_intervened": pd.array([False, True, None, False], dtype="boolean"),
    })
    m = refund_metrics(r).iloc[0]
    # median of 2, 4, 12 = 4; p90 at position 1.8 → 4 + 0.8 × 8 = 10.4
    assert m["refund_processing_p50_h"] == 4.0 and m["refund_processing_p90_h"] == \
        pytest.approx(10.4)
    # closed 3, of which without intervention 2 (r1, r3) → 2 / 3; disputes 1 (r2) / 4
    assert m["refund_self_resolved_rate"] == pytest.approx(2 / 3)
    assert m["refund_dispute_rate"] == 0.25
    open_only = refund_metrics(r.assign(closed_at=pd.NaT), by=None).iloc[0]
    assert np.isnan(open_only["refund_self_resolved_rate"])
    assert np.isnan(open_only["refund_processing_p50_h"])
