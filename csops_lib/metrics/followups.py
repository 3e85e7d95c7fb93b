"""Who to contact today: the chase list (追单) and the payment-reminder list (催付).

Both lists are computed **as of the end of day D** (``day_end`` = D + 1 at 00:00, the last day
of data): payments, chats and orders after that instant are ignored, so re-running the report
for an earlier day gives the list the team had that morning (except for the ``reminders``
table, see :func:`reminder_list`).

Chase list (:func:`chase_list`, 追单), for use on day U (``use_day``, default D + 1):
customers with a pre-sale session on a day S ≤ D whose follow-up window (session day S to the
end of S + ``followup_days``, METRICS.md §2) still includes U (S + ``followup_days`` ≥ U), with
no paid order from that session's start to the end of D, and chased fewer than ``max_chases``
times since their first such session. A *chase* is an outreach (an agent × customer × day
with agent messages and no customer message, :func:`csops_lib.metrics.sessions.outreach`) or a
``followup``-category session (the customer answered the chase), by any agent, after that
first session and before the end of D. ``days_left`` counts the window's days from U on,
U included: 1 = U is the window's last day ("last day today" on a sheet used on U).

What a chase is worth (``expected_amount``, yuan, with its ``amount_basis``), the first that
the data give: ``unpaid_order`` = Σ amount (``order_total``, else ``amount``) of the orders the
customer created since the first eligible session and had not paid by the end of D;
``products`` = the largest median paid amount per order, over the paid orders of the
:data:`PRICE_DAYS` days before the end of D, of the products the customer asked about (named in
their messages); ``past_orders`` = the median amount of the customer's own paid orders before
the end of D; otherwise NaN. Priority (``priority``, 1 = chase first): the window's last day
first (``days_left`` ascending), then the larger ``expected_amount`` (unknown last), then the
earlier last session, then the customer id. :func:`chase_plan` keeps each agent's first
``per_agent`` customers in that order (the chase sheet).

Reminder list (:func:`reminder_list`, 催付): orders created but not paid by the end of D,
created within the last ``remind_window_days`` days and at least ``remind_after_h`` hours
before the end of D; leaving out orders already reminded (any row of ``reminders``),
customers who paid any order on D, and orders closed without payment.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from csops_lib.metrics._common import DAY, as_ns, key_text, require

CHASE_COLUMNS = ["priority", "customer_id", "agent", "store", "last_session_at",
                 "window_last_day", "days_left", "products", "expected_amount",
                 "amount_basis", "times_chased"]
#: the ways an expected amount is known, in the order they are tried
AMOUNT_BASES = ("unpaid_order", "products", "past_orders")
#: days of paid orders before the end of D that give a product's typical order amount
PRICE_DAYS = 28
REMINDER_COLUMNS = ["order_id", "customer_id", "store", "product", "order_amount", "created_at",
                    "hours_waiting", "agent"]
CLOSED_UNPAID = ("closed", "refunded")


def _day(day) -> pd.Timestamp:
    return pd.Timestamp(day).normalize()


def _paid(orders: pd.DataFrame) -> pd.DataFrame:
    """customer_id, paid_at of paid orders (customer known)."""
    if "customer_id" not in orders.columns or "paid_at" not in orders.columns:
        return pd.DataFrame({"customer_id": pd.Series(dtype=object),
                             "paid_at": pd.Series(dtype="datetime64[ns]")})
    out = pd.DataFrame({"customer_id": key_text(orders["customer_id"]),
                        "paid_at": as_ns(orders["paid_at"])})
    return out.dropna()


def _products_mentioned(chats: pd.DataFrame | None, catalogue: Iterable[str],
                        customers: pd.DataFrame, day_end: pd.Timestamp) -> pd.Series:
    """customer_id → set of catalogue names that appear in the customer's messages sent from
    their first eligible session start (``customers.first_start``) to ``day_end``."""
    names = sorted({str(n).strip() for n in catalogue if isinstance(n, str) and str(n).strip()},
                   key=len, reverse=True)
    if chats is None or "text" not in chats.columns or not names or customers.empty:
        return pd.Series(dtype=object)
    m = pd.DataFrame({"customer_id": key_text(chats["customer_id"]),
                      "sent_at": as_ns(chats["sent_at"]),
                      "sender": chats["sender"].astype("string").str.strip().str.lower(),
                      "text": chats["text"].astype("string")})
    m = m[(m["sender"] == "customer").fillna(False).to_numpy() & m["text"].notna().to_numpy()]
    m = m.merge(customers[["customer_id", "first_start"]], on="customer_id", how="inner")
    m = m[(m["sent_at"] >= m["first_start"]) & (m["sent_at"] < day_end)]
    found: dict[str, set[str]] = {}
    for cust, text in zip(m["customer_id"], m["text"], strict=True):
        for name in names:
            if name in text:
                found.setdefault(cust, set()).add(name)
    return pd.Series(found, dtype=object)


def _order_amount(orders: pd.DataFrame) -> pd.Series:
    """An order's amount: ``order_total`` when present, else the paid ``amount`` (yuan)."""
    out = pd.Series(np.nan, index=orders.index, dtype="float64")
    for col in ("amount", "order_total"):
        if col in orders.columns:
            out = pd.to_numeric(orders[col], errors="coerce").astype("float64").where(
                lambda v: v.notna(), out)
    return out


def _empty_chase() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in CHASE_COLUMNS})


def chase_list(sessions: pd.DataFrame, orders: pd.DataFrame, outreach: pd.DataFrame | None,
               day, *, followup_days: int = 3, max_chases: int = 2,
               chats: pd.DataFrame | None = None,
               exclude_customers: Iterable[str] = (), use_day=None) -> pd.DataFrame:
    """The unconverted inquiries to chase on ``use_day`` (default D + 1) with the data as of
    the end of D (追单名单), one row per customer, most worth chasing first.

    ``sessions``: :func:`~csops_lib.metrics.sessions.build_sessions` rows (``date``, ``agent``,
    ``customer_id``, ``start``, ``category``; ``store`` optional); ``orders``: canonical orders
    (``customer_id``, ``paid_at``; ``product``, ``created_at``, ``amount``, ``order_total``
    optional); ``outreach``: :func:`~csops_lib.metrics.sessions.outreach` rows
    (``customer_id``, ``first_at``) or None. See the module docstring for the rule, the
    expected amount and the priority. ``exclude_customers``: customers handled elsewhere (e.g.
    on the day's reminder list).

    Columns: priority (1 = chase first), customer_id (unmasked: mask before showing it to
    anyone but the agents), agent, store and last_session_at (the customer's latest eligible
    pre-sale session), window_last_day (S + followup_days of that session), days_left
    (window_last_day − use_day + 1 days: 1 = the use day is the last day), products (product
    names the customer mentioned, or of orders they created and did not pay, since the first
    eligible session; NaN when none is known), expected_amount (yuan, NaN when unknown),
    amount_basis (:data:`AMOUNT_BASES`, NaN when unknown), times_chased.
    """
    require(sessions, ["date", "agent", "customer_id", "start", "category"], "sessions")
    d = _day(day)
    day_end = d + DAY
    use = d + DAY if use_day is None else _day(use_day)
    if use <= d:
        raise ValueError(f"the chase list for {use:%Y-%m-%d} needs data up to the day before "
                         f"at most, not {d:%Y-%m-%d}")
    fd = int(followup_days)
    s = pd.DataFrame({"date": as_ns(sessions["date"]).dt.normalize(),
                      "agent": key_text(sessions["agent"]),
                      "customer_id": key_text(sessions["customer_id"]),
                      "store": (key_text(sessions["store"]) if "store" in sessions.columns
                                else pd.Series(np.nan, index=sessions.index, dtype=object)),
                      "start": as_ns(sessions["start"]),
                      "category": sessions["category"].astype(object)})
    s = s.dropna(subset=["customer_id", "start"])
    first_day = use - DAY * fd
    pre = s[(s["category"] == "presale") & (s["date"] >= first_day) & (s["date"] <= d)]
    pre = pre.reset_index(drop=True)
    if pre.empty:
        return _empty_chase()
    # paid since the session: any paid order with paid_at in [start, day_end)
    paid = _paid(orders)
    paid = paid[paid["paid_at"] < day_end]
    j = pre.reset_index(names="_row").merge(paid, on="customer_id", how="inner")
    converted = j.loc[j["paid_at"] >= j["start"], "_row"].unique()
    pre = pre.drop(index=converted)
    excluded = {str(c).strip() for c in exclude_customers if isinstance(c, str)}
    pre = pre[~pre["customer_id"].isin(excluded)]
    if pre.empty:
        return _empty_chase()
    pre = pre.sort_values(["customer_id", "start"], kind="stable")
    g = pre.groupby("customer_id", sort=False)
    cust = pd.DataFrame({"first_start": g["start"].first(), "last_start": g["start"].last(),
                         "agent": g["agent"].last(), "store": g["store"].last(),
                         "last_date": g["date"].last()})
    cust = cust.reset_index()
    # chases: outreach days and follow-up sessions after the first eligible session, before D+1
    contacts = [s.loc[s["category"] == "followup", ["customer_id", "start"]]
                .rename(columns={"start": "at"})]
    if outreach is not None and len(outreach):
        contacts.append(pd.DataFrame({"customer_id": key_text(outreach["customer_id"]),
                                      "at": as_ns(outreach["first_at"])}))
    c = pd.concat(contacts, ignore_index=True).dropna()
    c = c.merge(cust[["customer_id", "first_start"]], on="customer_id", how="inner")
    c = c[(c["at"] > c["first_start"]) & (c["at"] < day_end)]
    cust["times_chased"] = (cust["customer_id"].map(c.groupby("customer_id").size())
                            .fillna(0).astype(np.int64))
    cust = cust[cust["times_chased"] < int(max_chases)].reset_index(drop=True)
    if cust.empty:
        return _empty_chase()
    # products: mentioned in their messages, or in orders they created and did not pay
    catalogue = orders["product"].unique() if "product" in orders.columns else []
    mentioned = {k: set(v) for k, v in
                 _products_mentioned(chats, catalogue, cust, day_end).items()}
    products = {k: set(v) for k, v in mentioned.items()}
    unpaid_amount: dict[str, float] = {}
    if {"created_at", "customer_id"} <= set(orders.columns):
        o = pd.DataFrame({"customer_id": key_text(orders["customer_id"]),
                          "created_at": as_ns(orders["created_at"]),
                          "paid_at": as_ns(orders["paid_at"]),
                          "product": (key_text(orders["product"]) if "product" in orders.columns
                                      else np.nan),
                          "amount": _order_amount(orders)})
        o = o.merge(cust[["customer_id", "first_start"]], on="customer_id", how="inner")
        o = o[(o["created_at"] >= o["first_start"]) & (o["created_at"] < day_end)
              & ~(o["paid_at"] < day_end)]
        for k, v in zip(o["customer_id"], o["product"], strict=True):
            if isinstance(v, str):
                products.setdefault(k, set()).add(v)
        unpaid_amount = o.groupby("customer_id")["amount"].sum(min_count=1).dropna().to_dict()
    cust["products"] = cust["customer_id"].map(
        lambda k: "、".join(sorted(products[k])) if products.get(k) else np.nan)
    cust[["expected_amount", "amount_basis"]] = _expected(cust, orders, mentioned,
                                                          unpaid_amount, day_end)
    cust["window_last_day"] = cust["last_date"] + DAY * fd
    cust["days_left"] = ((cust["window_last_day"] - use) / DAY).astype(np.int64) + 1
    cust["last_session_at"] = cust["last_start"]
    cust["_amount"] = cust["expected_amount"].fillna(-np.inf)
    cust = cust.sort_values(["days_left", "_amount", "last_session_at", "customer_id"],
                            ascending=[True, False, True, True], kind="stable")
    cust["priority"] = np.arange(1, len(cust) + 1, dtype=np.int64)
    return cust[CHASE_COLUMNS].reset_index(drop=True)


def _expected(cust: pd.DataFrame, orders: pd.DataFrame, mentioned: dict[str, set[str]],
              unpaid_amount: dict[str, float], day_end: pd.Timestamp) -> pd.DataFrame:
    """expected_amount and amount_basis per row of ``cust`` (module docstring)."""
    po = pd.DataFrame({"customer_id": (key_text(orders["customer_id"])
                                       if "customer_id" in orders.columns else np.nan),
                       "product": (key_text(orders["product"]) if "product" in orders.columns
                                   else np.nan),
                       "paid_at": (as_ns(orders["paid_at"]) if "paid_at" in orders.columns
                                   else pd.NaT),
                       "amount": (pd.to_numeric(orders["amount"], errors="coerce")
                                  .astype("float64") if "amount" in orders.columns
                                  else np.nan)})
    po = po[(po["paid_at"] < day_end) & po["amount"].notna()]
    recent = po[po["paid_at"] >= day_end - DAY * PRICE_DAYS]
    price = recent.groupby("product")["amount"].median()
    own = po.groupby("customer_id")["amount"].median()
    amounts, bases = [], []
    for k in cust["customer_id"]:
        known = [price[n] for n in mentioned.get(k, ()) if n in price.index]
        if k in unpaid_amount:
            amounts.append(float(unpaid_amount[k]))
            bases.append("unpaid_order")
        elif known:
            amounts.append(float(max(known)))
            bases.append("products")
        elif k in own.index:
            amounts.append(float(own[k]))
            bases.append("past_orders")
        else:
            amounts.append(np.nan)
            bases.append(np.nan)
    return pd.DataFrame({"expected_amount": np.array(amounts, dtype="float64"),
                         "amount_basis": pd.Series(bases, dtype=object).to_numpy()},
                        index=cust.index)


def chase_plan(chase: pd.DataFrame, per_agent: int) -> pd.DataFrame:
    """The chase sheets: each agent's first ``per_agent`` customers of a :func:`chase_list` in
    priority order (what one agent can chase in a day), with ``rank`` (1 = first on the
    agent's sheet); agents in order of their first customer's priority."""
    if int(per_agent) < 1:
        raise ValueError(f"per_agent must be at least 1, not {per_agent!r}")
    if chase.empty:
        return chase.assign(rank=pd.Series(dtype="int64"))
    c = chase.sort_values("priority", kind="stable")
    rank = c.groupby("agent", sort=False, dropna=False).cumcount() + 1
    out = c.assign(rank=rank.astype("int64"))[rank <= int(per_agent)]
    first = out.groupby("agent", sort=False, dropna=False)["priority"].transform("min")
    return out.assign(_first=first).sort_values(["_first", "rank"], kind="stable").drop(
        columns="_first").reset_index(drop=True)


def reminder_list(orders: pd.DataFrame, reminders: pd.DataFrame | None, day, *,
                  remind_after_h: float = 2, remind_window_days: float = 3,
                  sessions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Orders to remind to pay (催付名单) on D + 1, one row per order.

    An order qualifies when, at the end of D (``day_end``):

    * it was created in [day_end − ``remind_window_days`` days, day_end − ``remind_after_h``
      hours] (so at least ``remind_after_h`` hours have passed);
    * it is not paid: no ``paid_at`` before day_end, and not closed without payment (status
      ``closed`` / ``refunded`` with no ``paid_at``: it can no longer be paid; a ``paid``
      status without ``paid_at`` is not reminded either);
    * no row of ``reminders`` names it (whenever sent: nobody is reminded twice);
    * its customer paid no order on D (they bought: do not nag them).

    Columns: order_id, customer_id (unmasked: mask before showing), store, product,
    order_amount (``order_total`` when present, else ``amount``), created_at, hours_waiting
    (day_end − created_at, hours), agent (the order's ``agent``; else the agent of the
    customer's latest session that started before the order, from ``sessions``; else NaN).
    Sorted by hours_waiting, longest first.
    """
    require(orders, ["order_id", "paid_at"], "orders")
    d = _day(day)
    day_end = d + DAY
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in REMINDER_COLUMNS})
    if "created_at" not in orders.columns:
        return empty
    n = len(orders)

    def col(name):
        return key_text(orders[name]) if name in orders.columns else pd.Series(np.nan, index=orders.index,
                                                                               dtype=object)

    o = pd.DataFrame({
        "order_id": key_text(orders["order_id"]), "customer_id": col("customer_id"),
        "store": col("store"), "product": col("product"), "agent": col("agent"),
        "created_at": as_ns(orders["created_at"]), "paid_at": as_ns(orders["paid_at"]),
        "status": (orders["status"].astype("string").str.strip().str.lower().astype(object)
                   if "status" in orders.columns else pd.Series(np.nan, index=orders.index)),
        "order_amount": pd.to_numeric(orders["order_total"], errors="coerce").astype("float64")
        if "order_total" in orders.columns else pd.Series(np.nan, index=orders.index),
    })
    if "amount" in orders.columns:
        o["order_amount"] = o["order_amount"].fillna(
            pd.to_numeric(orders["amount"], errors="coerce").astype("float64"))
    lo = day_end - pd.Timedelta(days=float(remind_window_days))
    hi = day_end - pd.Timedelta(hours=float(remind_after_h))
    no_time = o["paid_at"].isna()
    unpaid = (no_time & ~o["status"].isin([*CLOSED_UNPAID, "paid"])) | (o["paid_at"] >= day_end)
    keep = (o["created_at"] >= lo) & (o["created_at"] <= hi) & unpaid & o["order_id"].notna()
    if reminders is not None and "order_id" in reminders.columns and len(reminders):
        keep &= ~o["order_id"].isin(set(key_text(reminders["order_id"]).dropna()))
    paid_today = o.loc[(o["paid_at"] >= d) & (o["paid_at"] < day_end), "customer_id"].dropna()
    keep &= ~o["customer_id"].isin(set(paid_today))
    out = o[keep.to_numpy()].copy() if n else o.iloc[0:0].copy()
    if out.empty:
        return empty
    out["hours_waiting"] = ((day_end - out["created_at"]).dt.total_seconds() / 3600).round(1)
    if sessions is not None and len(sessions) and out["agent"].isna().any():
        s = pd.DataFrame({"customer_id": key_text(sessions["customer_id"]).astype(object),
                          "start": as_ns(sessions["start"]),
                          "_agent": key_text(sessions["agent"])}).dropna()
        s = s.sort_values("start", kind="stable")
        need = out[out["agent"].isna() & out["customer_id"].notna()].reset_index()
        need = need.assign(customer_id=need["customer_id"].astype(object))
        need = need.sort_values("created_at", kind="stable")
        hit = pd.merge_asof(need[["index", "customer_id", "created_at"]], s,
                            left_on="created_at", right_on="start", by="customer_id",
                            direction="backward",
                            tolerance=pd.Timedelta(days=float(remind_window_days)))
        out.loc[hit["index"].to_numpy(), "agent"] = hit["_agent"].to_numpy()
    out = out.sort_values(["hours_waiting", "order_id"], ascending=[False, True], kind="stable")
    return out[REMINDER_COLUMNS].reset_index(drop=True)


def window_days(day, followup_days: int) -> tuple[dt.date, dt.date]:
    """The session days whose follow-up window still includes D + 1: [D + 1 − fd, D]."""
    d = _day(day)
    return (d + DAY * (1 - int(followup_days))).date(), d.date()


def chase_by_agent(chase: pd.DataFrame, per_agent: int | None = None,
                   total: str = "total") -> pd.DataFrame:
    """Per agent of a :func:`chase_list`: ``chase_customers`` to chase, ``chase_on_sheet``
    (at most ``per_agent`` of them on the agent's sheet, :func:`chase_plan`; all without a
    cap) and ``last_day_tomorrow`` (``days_left`` = 1: the use day is the window's last day),
    most customers first, then a ``total`` row of the sums (empty when the list is)."""
    cols = ["agent", "chase_customers", "chase_on_sheet", "last_day_tomorrow"]
    if chase.empty:
        return pd.DataFrame(columns=cols)
    flags = pd.DataFrame({"chase_customers": 1, "last_day_tomorrow": (chase["days_left"] == 1)
                          .astype("int64")}, index=chase.index)
    out = flags.groupby(chase["agent"]).sum().rename_axis("agent")
    out["chase_on_sheet"] = (out["chase_customers"] if per_agent is None
                             else out["chase_customers"].clip(upper=int(per_agent)))
    out = out.sort_values("chase_customers", ascending=False, kind="stable").reset_index()
    row = {"agent": total, **{c: out[c].sum() for c in cols[1:]}}
    return pd.concat([out, pd.DataFrame([row])], ignore_index=True)[cols]


def reminder_amount(reminders: pd.DataFrame) -> float:
    """Σ ``order_amount`` (yuan) of a :func:`reminder_list` (missing amounts skipped; 0 when
    the list is empty)."""
    if reminders.empty:
        return 0.0
    return float(pd.to_numeric(reminders["order_amount"], errors="coerce").sum())
