"""The shop's other tables: traffic, DSR, roster, training, promo targets, and the
supervisor's monthly scores (drawn from their own random stream)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csops_lib.demo.catalog import (
    DEMO_AGENTS,
    DEMO_STORES,
    PRESALE,
    PROMO_DISPLAY_NAME,
    PROMO_NAME,
    PROV_NAMES,
    PROV_P,
    PROVINCES,
)
from csops_lib.demo.shop import ShopState, as_strings


class ShopTables(ShopState):
    """Traffic, DSR, roster, training and promos."""

    def traffic_table(self) -> pd.DataFrame:
        rng, nd = self.rng, self.nd
        s = pd.concat(self.sessions, ignore_index=True)
        pre = s[s["cat"] == PRESALE]
        inq = np.zeros((nd, 2))
        cnt = pre.groupby(["day", "store"])["cust"].nunique()
        inq[cnt.index.get_level_values(0), cnt.index.get_level_values(1)] = cnt.to_numpy()
        od = self.orders_df
        paid = od[od["paid_at"].notna()]
        pday = ((paid["paid_at"] - self.t0) // pd.Timedelta(days=1)).to_numpy()
        pstore = (paid["store"] == DEMO_STORES[1]).to_numpy().astype(int)
        pb = np.zeros((nd, 2))
        buyers = pd.DataFrame({"d": pday, "s": pstore, "c": paid["customer_id"].to_numpy(),
                               "p": paid["province"].to_numpy()})
        cnt = buyers.groupby(["d", "s"])["c"].nunique()
        pb[cnt.index.get_level_values(0), cnt.index.get_level_values(1)] = cnt.to_numpy()
        callin = np.where(self.rel == 0, 0.045, 0.065)[:, None] * np.exp(rng.normal(0, 0.08, (nd, 2)))
        uv = np.rint(np.maximum(inq / callin, pb / 0.12) + 50).astype(int)
        pv = np.rint(uv * rng.uniform(2.8, 4.2, (nd, 2))).astype(int)
        bounce = np.round(np.where(self.rel[:, None] == 0, 0.33, 0.45) + rng.normal(0, 0.03, (nd, 2)), 4)
        stay = np.round(rng.uniform(45, 85, (nd, 2)), 1)
        rows = []
        d_idx, s_idx = np.meshgrid(np.arange(nd), np.arange(2), indexing="ij")
        base = pd.DataFrame({
            "date": self.days[d_idx.ravel()], "store": np.array(DEMO_STORES, dtype=object)[s_idx.ravel()],
            "province": None, "uv": uv.ravel(), "pv": pv.ravel(), "bounce_rate": bounce.ravel(),
            "avg_stay_s": stay.ravel(), "paying_buyers": pb.ravel().astype(int),
        })
        rows.append(base)
        # per province: visitors split by province shares, buyers from the orders
        P = len(PROVINCES)
        share = rng.dirichlet(PROV_P * 400, (nd, 2))
        puv = np.zeros((nd, 2, P), dtype=int)
        for d in range(nd):
            for k in range(2):
                puv[d, k] = rng.multinomial(uv[d, k], share[d, k])
        ppb = np.zeros((nd, 2, P), dtype=int)
        pidx = pd.Series(np.arange(P), index=PROV_NAMES)
        cnt = buyers.assign(pi=pidx.reindex(buyers["p"]).to_numpy()).groupby(["d", "s", "pi"])["c"].nunique()
        ppb[cnt.index.get_level_values(0), cnt.index.get_level_values(1),
            cnt.index.get_level_values(2).astype(int)] = cnt.to_numpy()
        puv = np.maximum(puv, ppb * 3)
        dd, kk, pp = np.meshgrid(np.arange(nd), np.arange(2), np.arange(P), indexing="ij")
        prov = pd.DataFrame({
            "date": self.days[dd.ravel()], "store": np.array(DEMO_STORES, dtype=object)[kk.ravel()],
            "province": PROV_NAMES[pp.ravel()], "uv": puv.ravel(),
            "pv": np.rint(puv.ravel() * rng.uniform(2.6, 4.4, puv.size)).astype(int),
            "bounce_rate": np.round(np.clip(np.repeat(bounce.ravel(), P) + rng.normal(0, 0.05, puv.size), 0.1, 0.9), 4),
            "avg_stay_s": np.round(np.repeat(stay.ravel(), P) * rng.uniform(0.8, 1.2, puv.size), 1),
            "paying_buyers": ppb.ravel(),
        })
        prov = prov[prov["uv"] > 0]
        rows.append(prov)
        df = pd.concat(rows, ignore_index=True).sort_values(["date", "store"], kind="stable")
        df["province"] = df["province"].astype(object).where(df["province"].notna(), None)
        with np.errstate(invalid="ignore", divide="ignore"):
            df["pay_conversion"] = np.round(np.where(df["uv"] > 0, df["paying_buyers"] / df["uv"], np.nan), 4)
        for c in ("uv", "pv", "paying_buyers"):
            df[c] = pd.array(df[c].to_numpy(), dtype="Int64")
        df = df.reset_index(drop=True)
        return as_strings(df)


    def dsr_table(self) -> pd.DataFrame:
        rng, nd = self.rng, self.nd
        rows = []
        for k, store in enumerate(DEMO_STORES):
            base = np.array([4.83, 4.86, 4.79]) - 0.02 * k
            walk = np.cumsum(rng.normal(0, 0.006, (nd, 3)), axis=0)
            walk -= walk.mean(0)
            dip = np.zeros((nd, 3))
            after = (self.rel >= 2) & (self.rel <= 9)
            dip[after, 2] = -0.06
            dip[after, 1] = -0.02
            v = np.clip(np.round(base + walk + dip, 2), 4.6, 4.95)
            rows.append(pd.DataFrame({"date": self.days, "store": store, "description": v[:, 0],
                                      "service": v[:, 1], "logistics": v[:, 2]}))
        return as_strings(pd.concat(rows, ignore_index=True))

    def roster_table(self) -> pd.DataFrame:
        ag = self.ag
        df = pd.DataFrame({
            "agent": ag["agent"].to_numpy(dtype=object), "team": ag["team"].to_numpy(dtype=object),
            "role": ag["role"].to_numpy(dtype=object),
            "shift_start": ag["shift_start"].to_numpy(dtype=object),
            "shift_end": ag["shift_end"].to_numpy(dtype=object),
            "hired_on": pd.Series(self.hired_on.to_numpy()).astype("datetime64[ns]"),
            "shunt_weight": ag["shunt_weight"].to_numpy(float),
        })
        return as_strings(df)

    def training_table(self) -> pd.DataFrame:
        rng = self.rng
        rows = []
        plan = ((6, ("产品知识", "平台规则")), (13, ("话术规范", "售后流程")), (20, ("综合考核",)))
        for i, a in enumerate(DEMO_AGENTS):
            if a["hired_at"] is None:
                continue
            weak = a["skill"] < -0.05
            for w, (off, modules) in enumerate(plan):
                day = self.hired_on[i] + pd.Timedelta(days=off)
                for j, mod in enumerate(modules):
                    if weak and w == 1 and j == 0:
                        score = float(rng.integers(70, 79))
                    else:
                        score = float(rng.integers(80 + 2 * w, 96))
                    rows.append((a["agent"], day, mod, score))
        df = pd.DataFrame(rows, columns=["agent", "date", "module", "score"])
        df = df[df["date"] <= self.days[-1]].reset_index(drop=True)
        df["date"] = df["date"].astype("datetime64[ns]")
        df["score"] = df["score"].astype(float)
        return as_strings(df)

    def promos_table(self) -> pd.DataFrame:
        od = self.orders_df
        pday = self.days[self.P]
        paid = od[od["paid_at"].notna() & (od["paid_at"].dt.normalize() == pday)]
        n_orders, sales = len(paid), float(paid["amount"].sum() + paid["refund_amount"].sum())
        rng = self.rng

        def rnd(x, step):
            return float(max(step, round(x / step) * step))

        rows = [(PROMO_NAME, PROMO_DISPLAY_NAME, pday, pday + pd.Timedelta(hours=23, minutes=59, seconds=59),
                 "售前组", None, int(rnd(n_orders * 0.7 * rng.uniform(0.95, 1.1), 10)),
                 rnd(sales * 0.7 * rng.uniform(0.95, 1.1), 1000)),
                (PROMO_NAME, PROMO_DISPLAY_NAME, pday, pday + pd.Timedelta(hours=23, minutes=59, seconds=59),
                 "售后组", None, int(rnd(n_orders * 0.3 * rng.uniform(0.9, 1.1), 10)),
                 rnd(sales * 0.3 * rng.uniform(0.9, 1.1), 1000))]
        on = [i for i, a in enumerate(DEMO_AGENTS) if self.hired_day[i] <= self.P]
        w = self.ag["shunt_weight"].to_numpy(float)[on]
        for i, wi in zip(on, w / w.sum(), strict=True):
            rows.append((PROMO_NAME, PROMO_DISPLAY_NAME, pday,
                         pday + pd.Timedelta(hours=23, minutes=59, seconds=59),
                         DEMO_AGENTS[i]["team"], DEMO_AGENTS[i]["agent"],
                         int(rnd(n_orders * wi, 5)), rnd(sales * wi, 500)))
        df = pd.DataFrame(rows, columns=["name", "display_name", "start", "end", "team", "agent",
                                         "target_orders", "target_sales"])
        df["start"] = df["start"].astype("datetime64[ns]")
        df["end"] = df["end"].astype("datetime64[ns]")
        df["target_orders"] = pd.array(df["target_orders"].to_numpy(), dtype="Int64")
        df["target_sales"] = df["target_sales"].astype(float)
        return as_strings(df)


def supervisor_scores(tables: dict[str, pd.DataFrame], seed: int = 1) -> pd.DataFrame:
    """The supervisor's scores per agent and month of the demo period (0-100; satisfaction a
    fraction), for every agent hired by the end of the month. Uses its own random stream, so
    the other tables are the same with or without it."""
    rng = np.random.default_rng(seed + 4241)
    roster = tables["roster"].set_index("agent")
    sent = tables["chats"]["sent_at"]
    months = pd.period_range(sent.min(), sent.max(), freq="M")
    skill = {a["agent"]: a["skill"] for a in DEMO_AGENTS}
    rows = []
    for m in months:
        for agent, r in roster.iterrows():
            if pd.notna(r["hired_on"]) and r["hired_on"] > m.end_time:
                continue
            base = 86.0 + 60.0 * skill.get(agent, 0.0)
            tw, at, di = np.clip(np.round(base + rng.normal(0, 3.0, 3)), 60, 100)
            sat = float(np.clip(round(0.93 + 0.5 * skill.get(agent, 0.0)
                                      + rng.normal(0, 0.01), 3), 0.8, 1.0))
            note = "新人" if pd.notna(r["hired_on"]) and r["hired_on"] >= m.start_time else None
            rows.append((m.start_time, agent, float(tw), float(at), float(di), sat, note))
    df = pd.DataFrame(rows, columns=["month", "agent", "teamwork", "attitude", "discipline",
                                     "satisfaction", "notes"])
    df["month"] = df["month"].astype("datetime64[ns]")
    return as_strings(df)

