"""The chat simulation (pre-sale threads with handovers and returns; after-sales, ads,
brushing contacts and silent checks) and the tables drawn from the sessions: chats,
agent_daily and agent_stats."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csops_lib.demo.catalog import (
    AD,
    AFTER_SALES,
    CATEGORIES,
    CHAT_HOURS,
    DAY,
    DEMO_STORES,
    FOLLOWUP,
    OTHER,
    PRESALE,
    SENDERS,
    SERVICE_HOURS,
    SILENT_CHECK,
    STORE_P,
    TEXTS,
)
from csops_lib.demo.sessions import SessionBuilder
from csops_lib.demo.shop import ShopState, as_strings


class ChatSimulation(SessionBuilder):
    """Steps 1 and 3 of the simulation: pre-sale threads, then the other sessions."""

    BASE_PRESALE = 232  # primary pre-sale sessions on an ordinary weekday

    # --- 1. pre-sale sessions: threads of a customer's inquiry -------------------------------
    def presale(self):
        rng, nd = self.rng, self.nd
        n_day = rng.poisson(self.BASE_PRESALE * self.f_pre)
        day = np.repeat(np.arange(nd), n_day)
        N = len(day)
        hour = rng.choice(24, N, p=CHAT_HOURS)
        start = day * DAY + hour * 3600 + rng.integers(0, 3600, N)
        agent = self.pick(day, hour, "pre")
        store = rng.choice(2, N, p=STORE_P)
        cust = self.new_customers(N)
        conv = rng.random(N) < np.clip(self.conv_p[day] + self.a_skill[agent], 0.05, 0.9)
        night = hour < 8
        agreed = np.where(conv, rng.random(N) < 0.45, rng.random(N) < 0.06) & ~night
        nt = np.where(night, 1 + (rng.random(N) < 0.3), self.n_turns(N))
        u = rng.random(N)
        mode = np.where(u < 0.025, 2, np.where(u > 0.92, 1, 0))
        mode = np.where(agreed, 0, mode)
        switch = conv & (rng.random(N) < 0.05)
        S = self.session_frame(cust, day, start, agent, PRESALE, store, nt, agreed=agreed,
                               mode=mode, switch=switch)
        S["thread"] = np.arange(N)
        S["conv"] = conv
        prim = self.build(S)
        # handovers: morning sessions late in the shift continue with the evening shift
        p = prim
        sod_end = p["end"] - p["day"] * DAY
        hov = (self.a_morning[p["agent"]] & (p["start"] - p["day"] * DAY >= 13 * 3600)
               & (sod_end < 20 * 3600) & (rng.random(len(p)) < 0.3)).to_numpy()
        h = p[hov]
        h_start = np.maximum(h["end"].to_numpy() + rng.integers(300, 3600, len(h)),
                             h["day"].to_numpy() * DAY + 16 * 3600 + rng.integers(0, 1800, len(h)))
        h_day = h["day"].to_numpy()
        h_agent = self.pick(h_day, (h_start - h_day * DAY) // 3600, "pre",
                            exclude=h["agent"].to_numpy())
        h_agreed = (h["conv"] & ~h["agreed"]).to_numpy() & (rng.random(len(h)) < 0.4)
        H = self.session_frame(h["cust"], h_day, h_start, h_agent, PRESALE, h["store"],
                               self.n_turns(len(h), 0.4), agreed=h_agreed,
                               thread=h["thread"], switch=h["switch"])
        # returns: the customer comes back the next day with more questions
        ret = ((rng.random(len(p)) < 0.07) & (p["day"] < nd - 1)).to_numpy()
        r = p[ret]
        r_day = r["day"].to_numpy() + 1
        r_hour = rng.choice(24, len(r), p=SERVICE_HOURS)
        r_start = r_day * DAY + r_hour * 3600 + rng.integers(0, 3600, len(r))
        r_agent = self.pick(r_day, r_hour, "pre")
        R = self.session_frame(r["cust"], r_day, r_start, r_agent, PRESALE, r["store"],
                               self.n_turns(len(r), 0.45), thread=r["thread"], switch=r["switch"])
        sec = self.build(pd.concat([H, R], ignore_index=True))
        self.prim = prim
        self.pre_sessions = pd.concat([prim, sec], ignore_index=True)


    # --- 3. after-sales, ads, silent checks, brushing -----------------------------------------
    def other_sessions(self):
        rng, nd = self.rng, self.nd
        o, ref = self.o, self.ref
        parts = []
        rr = ref[ref["chat"]]
        parts.append(self.session_frame(
            o["cust"].to_numpy()[rr["row"]], rr["aday"], rr["s_start"], rr["agent"], AFTER_SALES,
            o["store"].to_numpy()[rr["row"]], self.n_turns(len(rr), 0.3)))
        pre_count = np.bincount(self.pre_sessions["day"], minlength=nd)
        target = np.rint(self.as_ratio * pre_count * np.exp(rng.normal(0, 0.05, nd))).astype(int)
        ref_count = np.bincount(rr["aday"], minlength=nd)
        paid = o["paid"].to_numpy()
        pd_day = np.where(paid >= 0, paid // DAY, -999)
        order_rows = np.argsort(pd_day, kind="stable")
        sorted_day = pd_day[order_rows]
        custs = o["cust"].to_numpy()
        stores = o["store"].to_numpy()
        promo_buyer = self.rel[np.clip(pd_day, 0, nd - 1)] == 0
        for d in range(nd):
            k = int(max(0, target[d] - ref_count[d]))
            if k == 0:
                continue
            lo, hi = np.searchsorted(sorted_day, [d - 15, d])
            pool = order_rows[lo:hi]
            n_new = int(round(k * max(0.0, 1 - len(pool) / (2.5 * k + 1))))
            w = np.where(promo_buyer[pool] & self.busy[d], 4.0, 1.0)
            pick_rows = rng.choice(pool, k - n_new, p=w / w.sum()) if len(pool) else np.zeros(0, int)
            c = np.concatenate([custs[pick_rows], self.new_customers(n_new)])
            s = np.concatenate([stores[pick_rows], rng.choice(2, n_new, p=STORE_P)])
            hour = rng.choice(24, k, p=SERVICE_HOURS)
            st = d * DAY + hour * 3600 + rng.integers(0, 3600, k)
            parts.append(self.session_frame(c, np.full(k, d), st, self.pick(np.full(k, d), hour, "as"),
                                            AFTER_SALES, s, self.n_turns(k, 0.3)))
        # ads and brushing contacts
        n_ad = rng.poisson(0.02 * pre_count * (1 + self.as_ratio))
        n_ot = rng.poisson(np.full(nd, 0.35))
        for cat, n, turns in ((AD, n_ad, 0.6), (OTHER, n_ot, 0.6)):
            day = np.repeat(np.arange(nd), n)
            hour = rng.choice(24, len(day), p=SERVICE_HOURS)
            parts.append(self.session_frame(
                self.new_customers(len(day)), day, day * DAY + hour * 3600 + rng.integers(0, 3600, len(day)),
                self.pick(day, hour, "any"), cat, rng.choice(2, len(day), p=STORE_P),
                self.n_turns(len(day), turns, 2)))
        # silent checks: the agent confirms the address of some silent orders
        sil = np.flatnonzero(o["silent"].to_numpy() & (paid >= 0) & (rng.random(len(o)) < 0.15))
        t = paid[sil] + rng.integers(600, 5400, len(sil))
        d = paid[sil] // DAY
        t = np.where(t - d * DAY < 8.5 * 3600, d * DAY + 8.5 * 3600 + rng.integers(0, 5400, len(sil)), t)
        keep = t < (d + 1) * DAY - 1800
        sil, t, d = sil[keep], t[keep].astype(np.int64), d[keep]
        parts.append(self.session_frame(custs[sil], d, t, self.pick(d, (t - d * DAY) // 3600, "pre"),
                                        SILENT_CHECK, stores[sil], np.ones(len(sil), int),
                                        lead=np.ones(len(sil), bool)))
        self.build(pd.concat(parts, ignore_index=True))


class ChatTables(ShopState):
    """The chats table and the per-agent tallies (agent_daily, agent_stats) of the sessions."""

    def chats_table(self) -> pd.DataFrame:
        sess = pd.concat(self.sessions + [self.out_sessions], ignore_index=True).sort_values("sid")
        self.all_sessions = sess
        assert (sess["sid"].to_numpy() == np.arange(len(sess))).all()
        sid = np.concatenate([p[0] for p in self.msg_parts])
        t = np.concatenate([p[1] for p in self.msg_parts])
        sender = np.concatenate([p[2] for p in self.msg_parts])
        rank = np.concatenate([p[3] for p in self.msg_parts])
        txt = np.concatenate([p[4] for p in self.msg_parts])
        # session ids numbered by first message: YYYYMMDD + 5 digits
        first_t = sess["first_t"].to_numpy()
        order = np.lexsort((sess["sid"].to_numpy(), first_t))
        seq = np.empty(len(sess), dtype=np.int64)
        seq[order] = np.arange(len(sess))
        day = first_t // DAY
        day_first = pd.Series(seq).groupby(day).transform("min").to_numpy()
        labels = (self.days[np.clip(sess["day"].to_numpy(), 0, self.nd - 1)].strftime("%Y%m%d")
                  .to_numpy(dtype=object)
                  + pd.Series(seq - day_first + 1).astype(str).str.zfill(5).to_numpy(dtype=object))
        o = np.lexsort((rank, sid, t))
        sid, t, sender, txt = sid[o], t[o], sender[o], txt[o]
        df = pd.DataFrame({
            "sent_at": self.ts(t),
            "agent": self.a_names[sess["agent"].to_numpy()[sid]],
            "customer_id": self.cid[sess["cust"].to_numpy()[sid]],
            "sender": np.array(SENDERS, dtype=object)[sender],
            "session_id": labels[sid],
            "store": np.array(DEMO_STORES, dtype=object)[sess["store"].to_numpy()[sid]],
            "category": np.array(CATEGORIES, dtype=object)[sess["cat"].to_numpy()[sid]],
            "agreed_to_buy": pd.array(sess["agreed"].to_numpy(bool)[sid], dtype="boolean"),
            "text": TEXTS[txt],
        })
        self.sess_label = labels
        return as_strings(df)


    # --- per-agent tallies from the sessions ----------------------------------------------------
    def agent_tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        nd = self.nd
        s = pd.concat(self.sessions, ignore_index=True)  # real sessions: customer wrote
        o = self.o
        paid = o["paid"].to_numpy()
        po = pd.DataFrame({"cust": o["cust"].to_numpy(), "paid": paid, "amount": o["amount"].to_numpy(),
                           "qty": o["quantity"].to_numpy()})[paid >= 0]
        # did the customer pay from the session start to the end of day D+3 (D+1)?
        m = s[["sid", "cust", "start", "day"]].merge(po, on="cust")
        win3 = (m["paid"] >= m["start"]) & (m["paid"] < (m["day"] + 4) * DAY)
        win1 = (m["paid"] >= m["start"]) & (m["paid"] < (m["day"] + 2) * DAY)
        s["paid3"] = s["sid"].isin(m.loc[win3, "sid"])
        s["paid1"] = s["sid"].isin(m.loc[win1, "sid"])
        cat = s["cat"]
        pres = cat == PRESALE
        s["is_pre"] = pres
        s["inq"] = pres & ~s["switch"]
        s["sw"] = pres & s["switch"]
        s["inq_failed"] = s["inq"] & ~s["paid3"]
        s["fu"] = cat == FOLLOWUP
        s["fu_failed"] = s["fu"] & ~s["paid3"]
        for c, code in (("silent", SILENT_CHECK), ("as", AFTER_SALES), ("ad", AD), ("other", OTHER)):
            s[c] = cat == code
        g = s.groupby(["day", "agent"], sort=True)
        ad = g.agg(total_received=("sid", "size"), silent_checks=("silent", "sum"),
                   after_sales=("as", "sum"), ad_contacts=("ad", "sum"),
                   brushing_contacts=("other", "sum"), followups=("fu", "sum"),
                   account_switch=("sw", "sum"), followup_failed=("fu_failed", "sum"),
                   inquiry_failed=("inq_failed", "sum")).reset_index()
        daily = pd.DataFrame({"date": self.days[ad["day"].to_numpy()],
                              "agent": self.a_names[ad["agent"].to_numpy()]})
        for c in ad.columns[2:]:
            daily[c] = pd.array(ad[c].to_numpy(), dtype="Int64")
        # the platform's per-agent export (赤兔-like)
        s["consult"] = cat.isin([PRESALE, AFTER_SALES, FOLLOWUP, SILENT_CHECK])
        s["pre_paid3"] = pres & s["paid3"]
        s["pre_paid1"] = pres & s["paid1"]
        s["slow_any"] = s["n_slow"] > 0
        g = s.groupby(["day", "agent"], sort=True)
        st = g.agg(served=("sid", "size"), consulted=("consult", "sum"), inquiries=("is_pre", "sum"),
                   inquiry_paid=("pre_paid3", "sum"), next_day_paid=("pre_paid1", "sum"),
                   replied=("replied", "sum"), avg_response_s=("mean_rt", "mean"),
                   first_response_s=("first_rt", "mean"), slow_responses=("slow_any", "sum"),
                   cmsg=("n_cust_msgs", "sum"), amsg=("n_agent_msgs", "sum")).reset_index()
        # sales: paid orders credited to the latest pre-sale session before payment (3-day window)
        ps = s.loc[pres, ["cust", "start", "day", "agent"]].sort_values("start")
        pp = po.sort_values("paid")
        att = pd.merge_asof(pp, ps, left_on="paid", right_on="start", by="cust", direction="backward")
        att = att[att["agent"].notna() & (att["paid"] < (att["day"] + 4) * DAY)]
        att["pday"] = att["paid"] // DAY
        att["agent"] = att["agent"].astype(int)
        sa = att.groupby(["pday", "agent"]).agg(sales=("amount", "sum"), buyers=("cust", "nunique"),
                                                items=("qty", "sum"))
        sa.index.names = ["day", "agent"]
        st = st.merge(sa.reset_index(), on=["day", "agent"], how="left")
        st[["sales", "buyers", "items"]] = st[["sales", "buyers", "items"]].fillna(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            conv = np.where(st["inquiries"] > 0, st["inquiry_paid"] / st["inquiries"], np.nan)
            aov = np.where(st["buyers"] > 0, st["sales"] / st["buyers"], np.nan)
            ipb = np.where(st["buyers"] > 0, st["items"] / st["buyers"], np.nan)
            aqr = np.where(st["cmsg"] > 0, st["amsg"] / st["cmsg"], np.nan)
        next_day = st["next_day_paid"].astype(float).where(st["day"] < nd - 1)
        stats = pd.DataFrame({
            "date": self.days[st["day"].to_numpy()], "agent": self.a_names[st["agent"].to_numpy()],
            "served": pd.array(st["served"].to_numpy(), dtype="Int64"),
            "consulted": pd.array(st["consulted"].to_numpy(), dtype="Int64"),
            "inquiries": pd.array(st["inquiries"].to_numpy(), dtype="Int64"),
            "inquiry_paid": pd.array(st["inquiry_paid"].to_numpy(), dtype="Int64"),
            "inquiry_conversion": np.round(conv, 4),
            "next_day_paid": pd.array(next_day.to_numpy(), dtype="Int64"),
            "sales": np.round(st["sales"].to_numpy(float), 2),
            "aov": np.round(aov, 2),
            "items_per_buyer": np.round(ipb, 2),
            "reply_rate": np.round(st["replied"] / st["served"], 4).to_numpy(float),
            "avg_response_s": np.round(st["avg_response_s"].to_numpy(float), 1),
            "first_response_s": np.round(st["first_response_s"].to_numpy(float), 1),
            "slow_responses": pd.array(st["slow_responses"].to_numpy(), dtype="Int64"),
            "answer_question_ratio": np.round(aqr, 2),
        })
        self.s_stats = s
        return as_strings(daily), as_strings(stats)

