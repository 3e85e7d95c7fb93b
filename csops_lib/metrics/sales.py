"""Sales metrics of paid orders (METRICS.md §4, table ``orders``), grouped by any keys.

A *paid order* has ``paid_at`` (a later refund or close does not un-pay it). ``amount`` is the
amount actually paid (实付, net of refunds in Taobao exports, where 总金额 = 实付 + 退款).
Derived grouping keys, available besides the order's own columns: ``date`` (day of
``paid_at``), ``hour`` (0–23 of ``paid_at``) and ``pay_slot`` (``HH:00-HH+1:00``).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from csops_lib.metrics._common import as_ns, key_text, params_of, ratio, require

ORDER_COLUMNS = ("order_id", "paid_at", "amount")


def pay_slot(paid_at: pd.Series) -> pd.Series:
    """付款时间段 (METRICS.md §4): the hour bucket ``HH:00-HH+1:00`` of ``paid_at`` (NaN if
    unpaid), e.g. 23:10 → ``23:00-24:00``."""
    ts = as_ns(paid_at)
    hour = ts.dt.hour.to_numpy(dtype=np.float64, na_value=np.nan)
    code = np.where(np.isnan(hour), 24, np.nan_to_num(hour, nan=24)).astype(np.int64)
    return pd.Series(_SLOTS[code], index=paid_at.index, dtype=object)


#: the 24 labels of :func:`pay_slot` by hour, and NaN (position 24) for no time
_SLOTS = np.array([f"{h:02d}:00-{h + 1:02d}:00" for h in range(24)] + [np.nan], dtype=object)


def paid_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """Paid orders only, as a copy with ``date``, ``hour``, ``pay_slot`` and numeric helpers."""
    require(orders, ORDER_COLUMNS, "orders")
    df = orders.copy()
    df["paid_at"] = as_ns(df["paid_at"])
    df = df[df["paid_at"].notna()].copy()
    df["date"] = df["paid_at"].dt.normalize()
    df["hour"] = df["paid_at"].dt.hour.astype(np.int64)
    df["pay_slot"] = pay_slot(df["paid_at"])
    df["_amount"] = pd.to_numeric(df["amount"], errors="coerce").astype("float64").fillna(0.0)
    df["_qty"] = (pd.to_numeric(df["quantity"], errors="coerce").astype("float64").fillna(1.0)
                  if "quantity" in df.columns else 1.0)
    df["_refund"] = (pd.to_numeric(df["refund_amount"], errors="coerce").astype("float64")
                     .fillna(0.0) if "refund_amount" in df.columns else 0.0)
    df["_cust"] = key_text(df["customer_id"]) if "customer_id" in df.columns else np.nan
    return df


def sales_metrics(orders: pd.DataFrame, by: Sequence[str] | None = ("date",),
                  params: dict[str, Any] | None = None, **overrides: Any) -> pd.DataFrame:
    """Sales, orders, buyers and their ratios of paid orders, per group (METRICS.md §4).

    * ``sales`` (销售额) = Σ amount (yuan); ``orders`` = paid orders; ``buyers`` = distinct
      customers (NaN without a ``customer_id`` column); ``items`` = Σ quantity (1 if missing);
    * ``aov`` (客单价) = sales / buyers; ``unit_price`` (件单价) = sales / items;
      ``items_per_buyer`` (客件数) = items / buyers;
    * ``order_loss_rate`` (订单流失率) = paid orders whose status is ``closed`` or ``refunded``
      (closed or refunded in full after payment) / paid orders (NaN without ``status``);
    * ``amount_return_rate`` = Σ refund_amount / base, base = sales + refunds (gross paid,
      parameter ``amount_return_base: gross``, keeps the rate in [0, 1] when ``amount`` is net)
      or sales (``amount_return_base: sales``, the literal formula);
      ``qty_return_rate`` = refunded items / items, refunded items = quantity × refund share of
      the order's gross (exact for full refunds, prorated for partial ones: the export has no
      refunded quantity); ``order_return_rate`` = paid orders with a refund > 0 / paid orders;
    * ``repurchase_rate`` (复购率) = buyers with ≥ 2 paid orders in the group / buyers.

    Every ratio is NaN when its denominator is 0. Raw, unrounded. ``by`` lists grouping columns
    (order columns, or the derived ``date``, ``hour``, ``pay_slot``); ``None`` = one row.
    """
    p = params_of(params, overrides)
    df = paid_orders(orders)
    by = list(by or [])
    missing = [c for c in by if c not in df.columns]
    if missing:
        raise ValueError(f"cannot group orders by {', '.join(missing)}: not a column")
    gross = df["_amount"] + df["_refund"]
    df["_ref_items"] = df["_qty"] * ratio(df["_refund"], gross).fillna(0.0).clip(0, 1)
    df["_refunded"] = df["_refund"] > 0
    df["_lost"] = (df["status"].astype(object).isin(["closed", "refunded"])
                   if "status" in df.columns else np.nan)
    keys = by or ["_all"]
    if not by:
        df["_all"] = 0
    g = df.groupby(keys, sort=True, dropna=False)
    out = g.agg(orders=("order_id", "size"), sales=("_amount", "sum"), items=("_qty", "sum"),
                refund_amount=("_refund", "sum"), refunded_items=("_ref_items", "sum"),
                refunded_orders=("_refunded", "sum"))
    out["buyers"] = g["_cust"].nunique() if "customer_id" in df.columns else np.nan
    per_buyer = df.groupby([*keys, "_cust"], sort=False, dropna=True).size()
    repeat = (per_buyer >= 2).groupby(level=list(range(len(keys)))).sum()
    out["repeat_buyers"] = repeat.reindex(out.index).fillna(0) if "customer_id" in df.columns \
        else np.nan
    if "status" in df.columns:
        out["lost_orders"] = g["_lost"].sum()
        out["order_loss_rate"] = ratio(out["lost_orders"], out["orders"])
    else:
        out["lost_orders"] = np.nan
        out["order_loss_rate"] = np.nan
    out["aov"] = ratio(out["sales"], out["buyers"])
    out["unit_price"] = ratio(out["sales"], out["items"])
    out["items_per_buyer"] = ratio(out["items"], out["buyers"])
    base = out["sales"] + (out["refund_amount"] if p["amount_return_base"] == "gross" else 0.0)
    out["amount_return_rate"] = ratio(out["refund_amount"], base)
    out["qty_return_rate"] = ratio(out["refunded_items"], out["items"])
    out["order_return_rate"] = ratio(out["refunded_orders"], out["orders"])
    out["repurchase_rate"] = ratio(out["repeat_buyers"], out["buyers"])
    out = out.reset_index()
    if not by:
        out = out.drop(columns="_all")
    cols = [*by, "orders", "sales", "buyers", "items", "aov", "unit_price", "items_per_buyer",
            "lost_orders", "order_loss_rate", "refund_amount", "amount_return_rate",
            "refunded_items", "qty_return_rate", "refunded_orders", "order_return_rate",
            "repeat_buyers", "repurchase_rate"]
    return out[cols]


def pay_slot_shares(orders: pd.DataFrame, by: Sequence[str] | None = None) -> pd.DataFrame:
    """Payment time slots (付款时间段, METRICS.md §4): per group and hour bucket of ``paid_at``,
    paid orders and sales with their shares of the group's totals (fractions; NaN when the
    group's total is 0). Only slots with orders appear.
    Columns: *by*, pay_slot, orders, sales, order_share, sales_share.
    """
    df = paid_orders(orders)
    by = list(by or [])
    g = df.groupby([*by, "hour", "pay_slot"], sort=True, dropna=False)
    out = g.agg(orders=("order_id", "size"), sales=("_amount", "sum")).reset_index()
    if by:
        tot = out.groupby(by, dropna=False)[["orders", "sales"]].transform("sum")
    else:
        tot = pd.DataFrame({"orders": out["orders"].sum(), "sales": out["sales"].sum()},
                           index=out.index)
    out["order_share"] = ratio(out["orders"], tot["orders"])
    out["sales_share"] = ratio(out["sales"], tot["sales"])
    return out[[*by, "pay_slot", "orders", "sales", "order_share", "sales_share"]]
