"""The demo shop's state: the calendar (promo day, load, conversion), agent availability and
the helpers every simulation step uses (picking an agent, new customers, session keys).

`ShopState` is the base of the simulation steps (`sessions`, `chats`, `orders`) and the table
builders (`chats`, `orders`, `tables`); `generator.DemoShop` combines them. The steps share
their results as attributes, set in the order of `DemoShop.run`:

- ``presale`` → ``prim``, ``pre_sessions``; ``orders_from_threads`` → ``outreach``,
  ``thread_orders``; ``silent_orders`` → ``raw_orders``; ``finish_orders`` → ``o``;
  ``refunds`` → ``ref``; ``reminders_and_outreach`` → ``rem``, ``out_sessions``;
  ``customer_ids`` → ``cid``; ``orders_table`` → ``orders_df``;
- ``SessionBuilder.build`` appends to ``sessions`` and ``msg_parts`` and ``used_keys``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csops_lib.demo.catalog import DEMO_AGENTS

_STR_DTYPE = "str" if int(pd.__version__.split(".")[0]) >= 3 else object


def as_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns → pandas' default string dtype (``str`` under pandas 3); missing → NaN."""
    for c in df.columns:
        col = df[c]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            if _STR_DTYPE == "str":
                df[c] = col.astype("str")
            else:
                df[c] = col.astype(object).where(col.notna(), np.nan)
    return df


class ShopState:
    """The generator's state: the period, the agents, the calendar and the shared helpers."""

    def __init__(self, rng: np.random.Generator, start: pd.Timestamp, n_days: int):
        self.rng = rng
        self.t0 = start
        self.nd = n_days
        self.days = pd.date_range(start, periods=n_days, freq="D")
        ag = pd.DataFrame(list(DEMO_AGENTS))
        self.ag = ag
        self.na = len(ag)
        self.a_names = ag["agent"].to_numpy(dtype=object)
        self.a_med = ag["median_response_s"].to_numpy(float)
        self.a_sig = ag["response_sigma"].to_numpy(float)
        self.a_skill = ag["skill"].to_numpy(float)
        self.a_morning = (ag["shift_start"] == "08:00").to_numpy()
        role = ag["role"].to_numpy(dtype=object)
        self.a_pre = np.isin(role, ["presale", "both"])
        self.a_as = np.isin(role, ["after_sales", "both"])
        hired_day = np.zeros(self.na, dtype=int)
        hired_on = []
        for i, a in enumerate(DEMO_AGENTS):
            if a["hired_at"] is not None:
                hired_day[i] = max(1, int(round(a["hired_at"] * n_days)))
                hired_on.append(start + pd.Timedelta(days=int(hired_day[i])))
            else:
                hired_day[i] = -1
                hired_on.append(start - pd.Timedelta(days=int(a["tenure_days"])))
        self.hired_day = hired_day
        self.hired_on = pd.DatetimeIndex(hired_on)
        self.cust_next = 0
        self.sid_next = 0
        self.sessions: list[pd.DataFrame] = []
        self.msg_parts: list[tuple[np.ndarray, ...]] = []
        self.used_keys = np.zeros(0, dtype=np.int64)

    # --- calendar --------------------------------------------------------------------------
    def calendar(self):
        rng, nd, days = self.rng, self.nd, self.days
        is1111 = np.flatnonzero((days.month == 11) & (days.day == 11))
        if len(is1111):
            P = int(is1111[0])
        elif nd >= 28:
            P = nd - 22
        else:
            P = max(0, min(nd - 5, nd // 2))
        self.P = P
        d = np.arange(nd)
        rel = d - P
        wk = np.array([1.0, .97, .98, 1.0, 1.03, 1.1, 1.12])[days.day_of_week]
        f = wk * (1 + 0.002 * d) * np.exp(rng.normal(0, 0.05, nd))
        pre_boost = {-3: 1.25, -2: 1.35, -1: 1.5, 0: 6.5}
        as_ratio = np.full(nd, 0.43)
        as_map = {0: 0.12, 1: 2.45, 2: 2.6, 3: 2.3, 4: 0.9, 5: 0.75, 6: 0.6, 7: 0.5}
        load = np.ones(nd)
        load_map = {-1: 1.15, 0: 1.9, 1: 1.35, 2: 1.35, 3: 1.3}
        conv = np.full(nd, 0.42)
        for k, v in pre_boost.items():
            f[rel == k] *= v
        for k, v in as_map.items():
            as_ratio[rel == k] = v
        for k, v in load_map.items():
            load[rel == k] = v
        conv[(rel >= -3) & (rel < 0)] = 0.3
        conv[rel == 0] = 0.58
        self.f_pre, self.as_ratio, self.load, self.conv_p = f, as_ratio, load, conv
        self.rel = rel
        self.busy = (rel >= 0) & (rel <= 3)
        # availability [day, hour, agent]: hired and on shift (nights go to the morning shift)
        h = np.arange(24)[:, None]
        morning = self.a_morning[None, :]
        onshift = np.where(morning, h < 16, h >= 15)
        hired = d[:, None] >= self.hired_day[None, :]
        self.avail = hired[:, None, :] & onshift[None, :, :]
        self.hired_mask = hired

    # --- helpers -----------------------------------------------------------------------------
    def new_customers(self, n: int) -> np.ndarray:
        out = np.arange(self.cust_next, self.cust_next + n, dtype=np.int64)
        self.cust_next += n
        return out

    def pick(self, day, hour, kind: str, exclude=None) -> np.ndarray:
        """An agent per (day, hour): on shift, hired, weighted by role and shunt weight."""
        day = np.asarray(day, dtype=int)
        hour = np.clip(np.asarray(hour, dtype=int), 0, 23)
        n = len(day)
        if n == 0:
            return np.zeros(0, dtype=int)
        shunt = self.ag["shunt_weight"].to_numpy(float)
        if kind == "pre":
            kw = shunt * np.where(self.a_pre, np.where(self.a_as, 0.5, 1.0), 0.0)
        elif kind == "as":
            kw = shunt * np.where(self.a_as, 3.0, 0.12)
        else:
            kw = np.ones(self.na)
        W = self.avail[day, hour].astype(float) * kw[None, :]
        if kind == "as":
            W[:, ~self.a_as] *= np.where(self.busy[day], 7.0, 1.0)[:, None]
        if exclude is not None:
            W[np.arange(n), np.asarray(exclude, dtype=int)] = 0.0
        empty = W.sum(1) <= 0
        if empty.any():
            W[empty] = self.hired_mask[day[empty]].astype(float)
        cw = np.cumsum(W, axis=1)
        u = self.rng.random(n) * cw[:, -1]
        return np.minimum((cw <= u[:, None]).sum(1), self.na - 1)

    def keys(self, agent, cust, day) -> np.ndarray:
        return (np.asarray(cust, np.int64) * self.nd + np.asarray(day, np.int64)) * self.na + \
            np.asarray(agent, np.int64)

    def free(self, S: pd.DataFrame) -> pd.DataFrame:
        """Drop sessions whose (agent, customer, day) already has a session (or repeats)."""
        if S.empty:
            return S
        k = self.keys(S["agent"], S["cust"], S["day"])
        ok = ~np.isin(k, self.used_keys) & ~pd.Series(k).duplicated().to_numpy()
        return S[ok].reset_index(drop=True)


    def ts(self, secs) -> pd.Series:
        """Seconds since the period start → datetime64[ns] (negative = missing)."""
        s = np.asarray(secs, dtype=np.int64)
        out = self.t0.to_datetime64() + s.astype("timedelta64[s]")
        out = pd.Series(out.astype("datetime64[ns]"))
        return out.where(s >= 0)

    def customer_ids(self):
        n = self.cust_next
        codes = self.rng.choice(36 ** 7, n, replace=False)
        alphabet = np.array(list("0123456789abcdefghijklmnopqrstuvwxyz"), dtype=object)
        s = np.full(n, "tb_", dtype=object)
        for _ in range(7):
            s = s + alphabet[codes % 36]
            codes //= 36
        self.cid = s

