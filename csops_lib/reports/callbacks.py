"""Callbacks (回访): the daily call plan, the agents' Excel call sheet, and the results.

On day D the team calls back the customers of the deals paid on D − ``lag_days`` (default 4:
on May 5 the deals of May 1), ``calls_per_agent`` calls (default 3) for each pre-sale agent on
duty, the deals split evenly and deterministically over the agents. The plan is written to an
Excel call sheet, one sheet per agent, with the customers' phone numbers and a result column
with a drop-down of :data:`OUTCOMES`. The filled sheet loads back as the ``callbacks`` table
(:func:`load_call_sheets`), and :func:`callback_summary` counts the results for the daily and
weekly reports.

The call sheet is the one document that carries unmasked phone numbers (DESIGN.md, PII): it is
meant for the agents making the calls, not for reports.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from csops_lib.loaders.call_sheets import OUTCOMES, PLAN_COLUMNS, SHEET_HEADERS
from csops_lib.metrics.callbacks import _require
from csops_lib.render import excel

_SHEET_KINDS = {"date": "date", "agent": "text", "order_id": "text", "customer_id": "text",
                "customer_name": "text", "phone": "text", "product": "text", "amount": "money",
                "paid_at": "datetime", "result": "text", "notes": "text"}



_PROMPT = {
    "zh": ("回访结果", "请从下拉列表选择；详情写在备注里。", "请选择下拉列表中的结果。"),
    "en": ("Result", "Pick from the list; details go in notes.", "Pick a result from the list."),
}



_EXCLUDED_STATUS = ("closed", "refunded", "unpaid")



_ROLES_ON_DUTY = ("presale", "both")



def _stable_rank(keys: pd.Series, seed: int) -> np.ndarray:
    """A 64-bit hash of ``seed:key`` per key, the same in every process (unlike ``hash()``)."""
    return np.array(
        [int.from_bytes(hashlib.blake2b(f"{seed}:{k}".encode(), digest_size=8).digest(), "big")
         for k in keys],
        dtype=np.uint64,
    )



def agents_on_duty(roster: pd.DataFrame, date) -> list[str]:
    """Agents who make calls on ``date``: role presale or both (a missing role counts as
    on duty; no role column = everyone), hired on or before ``date`` (missing = yes), each
    once, in roster order."""
    _require(roster, ("agent",), "roster")
    day = pd.Timestamp(date).normalize()
    ok = roster["agent"].notna()
    if "role" in roster:
        ok &= roster["role"].isna() | roster["role"].isin(_ROLES_ON_DUTY)
    if "hired_on" in roster:
        hired = pd.to_datetime(roster["hired_on"]).dt.normalize()
        ok &= hired.isna() | (hired <= day)
    names = roster.loc[ok, "agent"].astype(str).str.strip()
    return list(dict.fromkeys(n for n in names if n))



def call_candidates(orders: pd.DataFrame, deal_day, *,
                    exclude_called: pd.DataFrame | None = None,
                    call_day=None) -> pd.DataFrame:
    """The deals to call back: orders paid on ``deal_day`` whose status is not closed,
    refunded or unpaid, whose order_id is not in ``exclude_called`` (the callbacks table),
    one per customer (the largest amount; ties → smallest order_id). Rows without a
    customer_id count as distinct customers.

    With ``call_day`` given and a ``date`` column in ``exclude_called``, only callbacks dated
    before ``call_day`` exclude an order: the day's own plan, once ingested, does not change
    a re-run of the same day's plan."""
    _require(orders, ("order_id", "paid_at", "amount"), "orders")
    day = pd.Timestamp(deal_day).normalize()
    paid_at = pd.to_datetime(orders["paid_at"])
    keep = paid_at.notna() & (paid_at.dt.normalize() == day) & orders["order_id"].notna()
    if "status" in orders:
        keep &= ~orders["status"].isin(_EXCLUDED_STATUS)
    if exclude_called is not None and "order_id" in exclude_called and len(exclude_called):
        earlier = exclude_called
        if call_day is not None and "date" in exclude_called:
            dates = pd.to_datetime(exclude_called["date"]).dt.normalize()
            earlier = exclude_called[~(dates >= pd.Timestamp(call_day).normalize()).to_numpy()]
        called = set(earlier["order_id"].dropna().astype(str))
        keep &= ~orders["order_id"].astype(str).isin(called)
    deals = orders[keep.to_numpy()]
    deals = deals.drop_duplicates("order_id")
    if "customer_id" in deals and len(deals):
        deals = deals.sort_values(["amount", "order_id"], ascending=[False, True],
                                  kind="stable", na_position="last")
        known = deals["customer_id"].notna()
        deals = pd.concat([deals[known].drop_duplicates("customer_id"), deals[~known]])
    return deals



def call_plan(
    orders: pd.DataFrame,
    roster: pd.DataFrame,
    date,
    *,
    lag_days: int = 4,
    calls_per_agent: int = 3,
    seed: int = 0,
    exclude_called: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The callback plan for ``date``: which agent calls which customer.

    Candidates (:func:`call_candidates`): orders paid on ``date − lag_days`` that are not
    closed/refunded/unpaid and not already in ``exclude_called`` (the callbacks table; rows
    dated ``date`` or later are ignored, so re-running a day after ingesting its sheet gives
    the same plan), one per customer (their largest order). Callers
    (:func:`agents_on_duty`): roster agents with role presale or both, hired on or before
    ``date``.

    Selection is deterministic and independent of row order: candidates are ranked by a
    stable hash of ``seed`` and order_id (blake2b, not Python's per-process ``hash``), the
    first ``len(agents) × calls_per_agent`` are taken and dealt round-robin over the agents,
    whose order is also a stable hash of ``seed``, ``date`` and the agent (so the agents who
    get one call more on a short day change from day to day). Every agent gets at most
    ``calls_per_agent`` calls and the counts differ by at most one; fewer deals than capacity
    → all of them are assigned.

    Returns one row per call with :data:`PLAN_COLUMNS`: date (the call day), agent,
    order_id, customer_id, customer_name, phone, product, amount, paid_at, result and notes
    (empty, to be filled by the caller); missing optional order columns are left empty. Rows
    are sorted by agent (name), then paid_at and order_id.
    """
    if lag_days < 0 or calls_per_agent < 0:
        raise ValueError("lag_days and calls_per_agent must not be negative")
    day = pd.Timestamp(date).normalize()
    agents = agents_on_duty(roster, day)
    deals = call_candidates(orders, day - pd.Timedelta(days=lag_days),
                            exclude_called=exclude_called, call_day=day)
    capacity = len(agents) * int(calls_per_agent)
    if deals.empty or capacity == 0:
        return _empty_plan()

    order_ids = deals["order_id"].astype(str)
    ranked = deals.assign(_rank=_stable_rank(order_ids, seed), _oid=order_ids.to_numpy())
    ranked = ranked.sort_values(["_rank", "_oid"], kind="stable").head(capacity)
    agent_rank = _stable_rank(pd.Series([f"{day:%Y-%m-%d}:{a}" for a in agents]), seed)
    dealer = [agents[i] for i in np.argsort(agent_rank, kind="stable")]

    plan = pd.DataFrame({
        "date": pd.Series(day, index=range(len(ranked)), dtype="datetime64[ns]"),
        "agent": [dealer[i % len(dealer)] for i in range(len(ranked))],
    })
    for col in PLAN_COLUMNS[2:]:
        if col in ("result", "notes"):
            plan[col] = np.nan
        elif col in ranked:
            plan[col] = ranked[col].to_numpy()
        else:
            plan[col] = np.nan
    plan["amount"] = pd.to_numeric(plan["amount"], errors="coerce").astype("float64")
    plan["paid_at"] = pd.to_datetime(plan["paid_at"]).astype("datetime64[ns]")
    for col in ("agent", "order_id", "customer_id", "customer_name", "phone", "product",
                "result", "notes"):
        plan[col] = _text(plan[col])
    plan = plan.sort_values(["agent", "paid_at", "order_id"], kind="stable")
    return plan.reset_index(drop=True)



def _text(s: pd.Series) -> pd.Series:
    """The project's text dtype (pandas 3 ``str``; object of str under pandas 2)."""
    s = s.astype(object).where(s.notna())
    s = s.map(lambda v: v if v is None or isinstance(v, str) or pd.isna(v) else str(v))
    return s.astype("str") if int(pd.__version__.split(".")[0]) >= 3 else s



def _empty_plan() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in PLAN_COLUMNS})
    frame["date"] = frame["date"].astype("datetime64[ns]")
    frame["paid_at"] = frame["paid_at"].astype("datetime64[ns]")
    frame["amount"] = frame["amount"].astype("float64")
    for col in ("agent", "order_id", "customer_id", "customer_name", "phone", "product",
                "result", "notes"):
        frame[col] = _text(frame[col])
    return frame



def write_call_sheet(plan: pd.DataFrame, path: str | os.PathLike, *, lang: str = "zh") -> Path:
    """Write ``plan`` (from :func:`call_plan`) as the agents' call sheet, atomically.

    One sheet per agent (the sheet name is the agent, made valid for Excel), headers of
    :data:`SHEET_HEADERS` (recognised by the ``callbacks`` loader; :func:`load_call_sheets`
    reads them back), IDs and phone numbers as text cells (``@``, so Excel never shows
    ``1.38E+10``), money and time formats, frozen header, autofilter, fitted widths (the
    formatting of :func:`csops_lib.render.excel.write_sheet`) and a drop-down of :data:`OUTCOMES` on
    the result column. A plan without rows gives one empty sheet named after the date.
    """
    if lang not in SHEET_HEADERS:
        raise ValueError(f"lang must be one of {', '.join(SHEET_HEADERS)}, not {lang!r}")
    _require(plan, ("date", "agent", "order_id"), "call plan")
    headers = SHEET_HEADERS[lang]
    frame = plan.copy()
    for col in PLAN_COLUMNS:
        if col not in frame:
            frame[col] = np.nan
    for col in ("agent", "order_id", "customer_id", "customer_name", "phone", "product",
                "result", "notes"):
        frame[col] = _text(frame[col])
    frame = frame[list(PLAN_COLUMNS)].rename(columns=headers)
    kinds = {headers[c]: k for c, k in _SHEET_KINDS.items()}

    agent_col = headers["agent"]
    agents = list(dict.fromkeys(frame[agent_col].dropna()))
    groups = [(a, frame[frame[agent_col] == a]) for a in agents]
    if frame[agent_col].isna().any():
        groups.append(("未分配" if lang == "zh" else "unassigned", frame[frame[agent_col].isna()]))
    if not groups:
        day = pd.Timestamp(plan["date"].iloc[0]) if len(plan) else None
        groups = [(f"{day:%Y-%m-%d}" if day is not None else "回访", frame)]

    wb = Workbook()
    wb.remove(wb.active)
    title, prompt, error = _PROMPT[lang]
    outcomes = ",".join(OUTCOMES)
    for name, (_, rows) in zip(excel.sheet_names(g[0] for g in groups), groups, strict=True):
        ws = wb.create_sheet(name)
        layout = excel.write_sheet(ws, rows.reset_index(drop=True), kinds=kinds, lang=lang)
        dv = DataValidation(type="list", formula1=f'"{outcomes}"', allow_blank=True,
                            showErrorMessage=True, showInputMessage=True, errorStyle="stop",
                            promptTitle=title, prompt=prompt, errorTitle=title, error=error)
        ws.add_data_validation(dv)
        dv.add(layout.data_range(headers["result"]))
    return excel.save_atomic(wb, path)



def callback_params(path: str | os.PathLike | None = None) -> dict:
    """`params/callbacks.yaml` (lag_days, calls_per_agent, seed) with built-in defaults."""
    import yaml

    from csops_lib.settings.paths import project_root

    params = {"lag_days": 4, "calls_per_agent": 3, "seed": 0}
    file = Path(path) if path else project_root() / "params" / "callbacks.yaml"
    if file.exists():
        loaded = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        unknown = sorted(set(loaded) - set(params))
        if unknown:
            raise ValueError(f"{file}: unknown key(s) {', '.join(unknown)}; "
                             f"known: {', '.join(params)}")
        params.update(loaded)
    return params



def make_call_sheet(data_dir: str | os.PathLike, date=None, *, out_root=None, lang: str = "zh",
                    lag_days: int | None = None, calls_per_agent: int | None = None,
                    seed: int | None = None) -> tuple[Path, pd.DataFrame]:
    """Plan the day's callbacks from the store and write the call sheet; return (path, plan).

    `date` defaults to today. Reads the orders of the deal day (date − lag_days), the roster
    and the callbacks already made (so nobody is called twice), then `call_plan` and
    `write_call_sheet` to `outputs/callbacks/<date>/回访_<date>.xlsx` (`callbacks_<date>.xlsx`
    in English).
    """
    import datetime as dt

    from csops_lib import store
    from csops_lib.settings.paths import project_root

    p = callback_params()
    lag = p["lag_days"] if lag_days is None else lag_days
    per_agent = p["calls_per_agent"] if calls_per_agent is None else calls_per_agent
    day = pd.Timestamp(date or dt.date.today()).normalize()
    deal_day = day - pd.Timedelta(days=lag)
    # orders are partitioned by creation day: a deal paid on deal_day was created then or a
    # little earlier (unpaid orders can wait a few days)
    orders = store.read(data_dir, "orders", deal_day - pd.Timedelta(days=7), deal_day)
    roster = store.read(data_dir, "roster")
    if roster.empty:
        raise FileNotFoundError(f"no roster in {data_dir}: ingest the roster export first "
                                "(it says who is on duty)")
    called = store.read(data_dir, "callbacks")
    plan = call_plan(orders, roster, day, lag_days=lag, calls_per_agent=per_agent,
                     seed=p["seed"] if seed is None else seed,
                     exclude_called=called if not called.empty else None)
    folder = Path(out_root or project_root() / "outputs") / "callbacks" / f"{day:%Y-%m-%d}"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"回访_{day:%Y-%m-%d}.xlsx" if lang == "zh" else f"callbacks_{day:%Y-%m-%d}.xlsx"
    return write_call_sheet(plan, folder / name, lang=lang), plan

