"""The order simulation (orders from pre-sale threads and follow-ups, silent orders, prices,
refunds, payment reminders and outreach) and the tables drawn from it: orders, refunds,
reminders and callbacks."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csops_lib.demo.catalog import (
    CALLBACK_NOTES,
    CALLBACK_RESULTS,
    DAY,
    DEMO_PRODUCTS,
    DEMO_STORES,
    ESTATES,
    FOLLOWUP,
    GIVEN,
    PAY_HOUR_SHARES,
    PHONE_PREFIX,
    PLACE_CITY,
    PLACE_PREFIX,
    PLACE_PROV,
    PLACES,
    PROV_NAMES,
    PROV_P,
    PROVINCES,
    REASON_P,
    REASON_PARTY,
    REFUND_REASONS,
    SERVICE_HOURS,
    STORE_P,
    STREETS,
    SURNAMES,
    TX,
)
from csops_lib.demo.sessions import SessionBuilder
from csops_lib.demo.shop import ShopState, as_strings


class OrderSimulation(SessionBuilder):
    """Steps 2 and 4 of the simulation: orders and refunds, then reminders and outreach."""

    # --- 2. conversion, follow-ups and orders --------------------------------------------------
    def orders_from_threads(self):
        rng, nd = self.rng, self.nd
        pre = self.pre_sessions.sort_values(["thread", "end"])
        g = pre.groupby("thread", sort=True)
        th = pd.DataFrame({
            "end": g["end"].max(), "last_agent": g["agent"].last(), "last_day": g["day"].last(),
        })
        agreed_s = pre[pre["agreed"]].groupby("thread")["agent"].last()
        th["agreed_agent"] = agreed_s.reindex(th.index).fillna(-1).astype(int)
        prim = self.prim.set_index("thread")
        for c in ("cust", "day", "agent", "store", "conv", "agreed", "switch"):
            th[c] = prim[c].reindex(th.index)
        th["credit"] = np.where(th["agreed_agent"] >= 0, th["agreed_agent"], th["last_agent"])
        T = len(th)
        conv = th["conv"].to_numpy()
        d_last = th["last_day"].to_numpy()
        end = th["end"].to_numpy()
        rel = self.rel[th["day"].to_numpy()]
        cls = np.where(rel == 0, rng.choice(3, T, p=[.88, .1, .02]), rng.choice(3, T, p=[.62, .3, .08]))
        k = np.where(cls == 1, rng.choice([1, 2, 3], T, p=[.55, .3, .15]), rng.integers(4, 11, T))
        pay_day = np.where(cls == 0, d_last, d_last + k)
        waiting = (rel >= -3) & (rel < 0) & (rng.random(T) < 0.65)
        pay_day = np.where(waiting, self.P, pay_day)
        same_t = end + np.rint(60 + 600 * np.exp(1.2 * rng.standard_normal(T))).astype(np.int64)
        later_t = pay_day * DAY + rng.choice(24, T, p=PAY_HOUR_SHARES) * 3600 + rng.integers(0, 3600, T)
        created = np.where(pay_day == d_last, same_t, later_t)
        spill = (pay_day == d_last) & (created >= (d_last + 1) * DAY)
        created = np.where(spill, (d_last + 1) * DAY + rng.choice(24, T, p=PAY_HOUR_SHARES) * 3600
                           + rng.integers(0, 3600, T), created)
        pay_day = created // DAY
        # follow-ups: converting customers chased on their paying day; others chased once
        agent0 = th["agent"].to_numpy()
        chase_hour = np.where(self.a_morning[agent0], rng.integers(9, 15, T), rng.integers(16, 22, T))
        fu_conv = conv & (pay_day > d_last) & (pay_day < nd) & (rng.random(T) < 0.5)
        agreed_unpaid = ~conv & th["agreed"].to_numpy()
        chase_day = d_last + rng.integers(1, 3, T)
        chased = ~conv & ~agreed_unpaid & (rng.random(T) < 0.28) & (chase_day < nd)
        replied = chased & (rng.random(T) < 0.45)
        fu_day = np.where(fu_conv, pay_day, chase_day)
        fu = fu_conv | replied
        idx = np.flatnonzero(fu)
        fu_start = fu_day[idx] * DAY + chase_hour[idx] * 3600 + rng.integers(0, 3600, len(idx))
        F = self.session_frame(th["cust"].to_numpy()[idx], fu_day[idx], fu_start, agent0[idx],
                               FOLLOWUP, th["store"].to_numpy()[idx],
                               1 + (rng.random(len(idx)) < 0.4), lead=np.ones(len(idx), bool),
                               thread=th.index.to_numpy()[idx],
                               switch=th["switch"].to_numpy()[idx])
        F = self.build(F)
        fu_end = pd.Series(F["end"].to_numpy(), index=F["thread"].to_numpy())
        got_fu = th.index.isin(fu_end.index)
        fu_end = fu_end.reindex(th.index).to_numpy()
        lag = np.rint(60 + 420 * np.exp(rng.standard_normal(T))).astype(np.int64)
        created = np.where(fu_conv & got_fu,
                           np.minimum(np.nan_to_num(fu_end, nan=0).astype(np.int64) + lag,
                                      (pay_day + 1) * DAY - 30), created)
        fu_win = replied & got_fu & (rng.random(T) < 0.25)
        created = np.where(fu_win, np.minimum(np.nan_to_num(fu_end, nan=0).astype(np.int64) + lag,
                                              (chase_day + 1) * DAY - 30), created)
        created = np.where(agreed_unpaid, end + rng.integers(120, 1800, T), created)
        # outreach: chased customers who did not reply
        out_idx = np.flatnonzero(chased & ~replied)
        out_t = chase_day[out_idx] * DAY + chase_hour[out_idx] * 3600 + rng.integers(0, 3600, len(out_idx))
        self.outreach = [pd.DataFrame({"agent": agent0[out_idx], "cust": th["cust"].to_numpy()[out_idx],
                                       "t": out_t, "kind": 0,
                                       "store": th["store"].to_numpy()[out_idx]})]
        has_order = conv | fu_win | agreed_unpaid
        o = pd.DataFrame({
            "cust": th["cust"].to_numpy(), "store": th["store"].to_numpy(), "created": created,
            "credit": np.where(fu_win, agent0, th["credit"].to_numpy()),
            "switch": th["switch"].to_numpy(), "force_unpaid": agreed_unpaid,
            "thread": th.index.to_numpy(),
        })[has_order]
        o = o[o["created"] < nd * DAY].reset_index(drop=True)
        sw = o["switch"].to_numpy()
        o.loc[sw, "cust"] = self.new_customers(int(sw.sum()))
        o["silent"] = False
        o["unpaid"] = o["force_unpaid"].to_numpy() | (rng.random(len(o)) < 0.09)
        self.thread_orders = o

    def silent_orders(self):
        rng, nd = self.rng, self.nd
        o = self.thread_orders
        c = np.bincount(o["created"].to_numpy() // DAY, minlength=nd)[:nd].astype(float)
        smooth = pd.Series(c).rolling(7, center=True, min_periods=1).median().to_numpy()
        base = np.where(self.rel == 0, c, np.maximum(c, 0.9 * smooth))
        n = rng.poisson(base * np.where(self.rel == 0, 0.55, 0.42))
        day = np.repeat(np.arange(nd), n)
        N = len(day)
        promo_h = np.where(np.arange(24) == 0, 0.2, 0.0) + np.where(np.arange(24) == 1, 0.05, 0)
        promo_h = promo_h + 0.75 * PAY_HOUR_SHARES
        hour = np.where(self.rel[day] == 0, rng.choice(24, N, p=promo_h / promo_h.sum()),
                        rng.choice(24, N, p=PAY_HOUR_SHARES))
        created = day * DAY + hour * 3600 + rng.integers(0, 3600, N)
        cust = self.new_customers(N)
        # some repeat buyers
        prev_c = o["cust"].to_numpy()
        prev_d = o["created"].to_numpy() // DAY
        rep = np.flatnonzero(rng.random(N) < 0.1)
        for d in np.unique(day[rep]):
            sel = rep[day[rep] == d]
            pool = prev_c[prev_d < d]
            if len(pool):
                cust[sel] = rng.choice(pool, len(sel))
        S = pd.DataFrame({"cust": cust, "store": rng.choice(2, N, p=STORE_P), "created": created,
                          "credit": -1, "switch": False, "force_unpaid": False, "thread": -1,
                          "silent": True, "unpaid": rng.random(N) < 0.15})
        self.raw_orders = pd.concat([o, S], ignore_index=True)

    def finish_orders(self):
        rng, nd = self.rng, self.nd
        o = self.raw_orders.sort_values("created", kind="stable").reset_index(drop=True)
        N = len(o)
        created = o["created"].to_numpy()
        lag = np.where(rng.random(N) < 0.98, np.rint(8 * np.exp(1.3 * rng.standard_normal(N))),
                       rng.integers(600, 5 * 3600, N)).astype(np.int64)
        paid = created + np.maximum(lag, 1)
        unpaid = o["unpaid"].to_numpy() | (paid >= nd * DAY)
        prod_p = np.array([p[2] for p in DEMO_PRODUCTS])
        prod = rng.choice(len(DEMO_PRODUCTS), N, p=prod_p / prod_p.sum())
        qty = rng.choice([1, 2, 3], N, p=[.87, .11, .02])
        price = np.array([p[1] for p in DEMO_PRODUCTS])[prod]
        promo = self.rel[created // DAY] == 0
        disc = np.where(promo, 0.85, rng.choice([1.0, 1.0, 1.0, 0.95, 0.9], N))
        total = np.round(price * qty * disc, 2)
        total = np.where(qty >= 2, np.round(total - 5 * (qty - 1), 2), total)
        o["product"] = prod
        o["quantity"] = qty
        o["order_total"] = total
        o["paid"] = np.where(unpaid, -1, paid)
        # order ids: 18-19 digits
        ids = np.where(rng.random(N) < 0.85, rng.integers(10**18, 4 * 10**18, N, dtype=np.int64),
                       rng.integers(10**17, 10**18, N, dtype=np.int64))
        while len(np.unique(ids)) < N:  # practically never
            ids = rng.integers(10**18, 4 * 10**18, N, dtype=np.int64)
        o["order_id"] = ids.astype(str)
        self.o = o

    def refunds(self):
        rng, nd = self.rng, self.nd
        o = self.o
        paid = o["paid"].to_numpy()
        is_paid = paid >= 0
        pday = np.where(is_paid, paid // DAY, -1)
        promo = is_paid & (self.rel[np.clip(pday, 0, nd - 1)] == 0)
        p = np.where(promo, 0.26, 0.14)
        r = np.flatnonzero(is_paid & (rng.random(len(o)) < p))
        R = len(r)
        pr = promo[r]
        delay_days = np.where(pr, rng.choice([1, 2, 3], R, p=[.4, .35, .25]),
                              np.clip(np.rint(rng.gamma(2.0, 2.0, R)), 0, 20)).astype(np.int64)
        aday = pday[r] + delay_days
        tod = rng.choice(24, R, p=SERVICE_HOURS) * 3600 + rng.integers(0, 3600, R)
        applied = np.maximum(aday * DAY + tod, paid[r] + 1800)
        keep = applied < nd * DAY
        r, applied, pr = r[keep], applied[keep], pr[keep]
        R = len(r)
        reason = rng.choice(len(REFUND_REASONS), R, p=REASON_P / REASON_P.sum())
        total = o["order_total"].to_numpy()[r]
        full = rng.random(R) < 0.82
        amount = np.where(full, total, np.round(total * rng.uniform(0.2, 0.5, R), 2))
        st = rng.choice(3, R, p=[.84, .11, .05])
        closed = applied + np.rint(18 * 3600 * np.exp(rng.standard_normal(R))).astype(np.int64)
        open_ = closed >= nd * DAY
        status = np.where(open_, "等待卖家同意",
                          np.array(["退款成功", "退款关闭", "卖家拒绝退款"], dtype=object)[st])
        quality = np.isin(reason, [2, 3])
        intervened = rng.random(R) < np.where(quality, 0.15, 0.04)
        phase = np.where(applied - o["paid"].to_numpy()[r] < DAY, "售中", "售后")
        rtype = np.where((phase == "售中") | (reason == 7) | (rng.random(R) < 0.3), "仅退款", "退货退款")
        # an after-sales chat for most refunds, shortly before the request
        chat = rng.random(R) < 0.75
        aday = applied // DAY
        s_start = np.maximum(applied - rng.integers(300, 3600, R), aday * DAY + 8 * 3600)
        s_start = np.minimum(s_start, applied - 60)
        aday = s_start // DAY
        agent = self.pick(aday, (applied - aday * DAY) // 3600, "as")
        self.ref = pd.DataFrame({
            "row": r, "applied": applied, "closed": np.where(open_, -1, closed), "status": status,
            "amount": amount, "reason": REFUND_REASONS[reason],
            "party": REASON_PARTY[reason], "intervened": intervened, "phase": phase,
            "type": rtype, "agent": agent, "chat": chat, "s_start": s_start, "aday": aday,
        })
        ok = status == "退款成功"
        refund_amt = np.zeros(len(o))
        refund_amt[r[ok]] = amount[ok]
        o["refund_amount"] = refund_amt
        o["amount"] = np.where(paid >= 0, np.round(o["order_total"] - refund_amt, 2), 0.0)
        status_o = np.where(paid < 0, "unpaid", "paid").astype(object)
        fully = (refund_amt > 0) & (refund_amt >= o["order_total"].to_numpy() - 0.005)
        status_o[fully] = "refunded"
        old_unpaid = (paid < 0) & (o["created"].to_numpy() < (nd - 1) * DAY)
        status_o[old_unpaid] = "closed"
        o["status"] = status_o


    # --- 4. outreach and reminders -------------------------------------------------------------
    def reminders_and_outreach(self):
        rng, nd = self.rng, self.nd
        o = self.o
        un = (o["paid"].to_numpy() < 0)
        thread = o["thread"].to_numpy() >= 0
        p = np.where(thread, 0.75, 0.4)
        idx = np.flatnonzero(un & (rng.random(len(o)) < p))
        sent = o["created"].to_numpy()[idx] + rng.integers(900, 3 * 3600, len(idx))
        keep = sent < nd * DAY
        idx, sent = idx[keep], sent[keep]
        d = sent // DAY
        agent = np.where(o["credit"].to_numpy()[idx] >= 0, o["credit"].to_numpy()[idx],
                         self.pick(d, (sent - d * DAY) // 3600, "pre"))
        self.rem = pd.DataFrame({"row": idx, "sent": sent, "agent": agent})
        out = pd.concat(self.outreach + [pd.DataFrame({
            "agent": agent, "cust": o["cust"].to_numpy()[idx], "t": sent, "kind": 1,
            "store": o["store"].to_numpy()[idx]})], ignore_index=True)
        out["day"] = out["t"] // DAY
        out["key"] = self.keys(out["agent"], out["cust"], out["day"])
        # a reminder inside an existing conversation of that day joins it (after its end)
        sess = pd.concat(self.sessions, ignore_index=True)
        sess["key"] = self.keys(sess["agent"], sess["cust"], sess["day"])
        j = out.merge(sess[["key", "sid", "end", "last_answered"]], on="key", how="left")
        inside = j["sid"].notna().to_numpy()
        joinable = inside & j["last_answered"].fillna(False).to_numpy().astype(bool) & \
            (j["t"].to_numpy() > j["end"].fillna(0).to_numpy())
        jj = j[joinable]
        parts = [(jj["sid"].to_numpy().astype(np.int64), jj["t"].to_numpy().astype(np.int64))]
        alone = j[~inside].drop(columns=["sid", "end", "last_answered"])
        alone = alone.sort_values("t", kind="stable").reset_index(drop=True)
        alone = alone[~alone.duplicated(["key", "t"])]
        # one outreach "session" per agent-customer-day (category follow-up, no customer message)
        first = alone.groupby("key", sort=False).agg(agent=("agent", "first"), cust=("cust", "first"),
                                                     day=("day", "first"), t=("t", "min"),
                                                     store=("store", "first")).reset_index()
        n = len(first)
        sid0 = self.sid_next
        self.sid_next += n
        first["sid"] = np.arange(sid0, sid0 + n)
        alone = alone.merge(first[["key", "sid"]], on="key")
        self.out_sessions = pd.DataFrame({
            "sid": first["sid"], "cust": first["cust"], "day": first["day"], "start": first["t"],
            "first_t": first["t"], "end": first["t"], "agent": first["agent"], "cat": FOLLOWUP,
            "store": first["store"], "agreed": False})
        txt_rem = TX["reminder"]
        chase_txt = rng.choice(TX["lead"][FOLLOWUP], len(alone))
        a_sid = alone["sid"].to_numpy().astype(np.int64)
        a_t = alone["t"].to_numpy().astype(np.int64)
        a_txt = np.where(alone["kind"].to_numpy() == 1, txt_rem, chase_txt)
        # a chase is sometimes two messages
        two = (alone["kind"].to_numpy() == 0) & (rng.random(len(alone)) < 0.35)
        b_sid, b_t = a_sid[two], a_t[two] + rng.integers(20, 120, two.sum())
        b_txt = rng.choice(TX["agent_filler"][:2], two.sum())
        all_sid = np.concatenate([parts[0][0], a_sid, b_sid])
        all_t = np.concatenate([parts[0][1], a_t, b_t])
        all_txt = np.concatenate([np.full(len(parts[0][0]), txt_rem), a_txt, b_txt]).astype(np.int64)
        self.msg_parts.append((all_sid, all_t, np.ones(len(all_sid), np.int8),
                               np.full(len(all_sid), 4, np.int8), all_txt))


class OrderTables(ShopState):
    """The orders, refunds, reminders and callbacks tables."""

    def orders_table(self) -> pd.DataFrame:
        rng = self.rng
        o = self.o
        N = len(o)
        # buyer details, one set per customer
        cu = np.unique(o["cust"].to_numpy())
        K = len(cu)
        per_prov = np.bincount(PLACE_PROV, minlength=len(PROVINCES))
        w = PROV_P[PLACE_PROV] / per_prov[PLACE_PROV]
        place = rng.choice(len(PLACES), K, p=w / w.sum())
        name = SURNAMES[rng.integers(0, len(SURNAMES), K)] + GIVEN[rng.integers(0, len(GIVEN), K)]
        phone = PHONE_PREFIX[rng.integers(0, len(PHONE_PREFIX), K)] + \
            pd.Series(rng.integers(0, 10**8, K)).astype(str).str.zfill(8).to_numpy(dtype=object)
        detail = np.where(rng.random(K) < 0.6,
                          ESTATES[rng.integers(0, len(ESTATES), K)]
                          + pd.Series(rng.integers(1, 30, K)).astype(str).to_numpy(dtype=object) + "栋"
                          + pd.Series(rng.integers(101, 2602, K)).astype(str).to_numpy(dtype=object) + "室",
                          STREETS[rng.integers(0, len(STREETS), K)]
                          + pd.Series(rng.integers(1, 999, K)).astype(str).to_numpy(dtype=object) + "号")
        pos = np.searchsorted(cu, o["cust"].to_numpy())
        pl = place[pos]
        paid = o["paid"].to_numpy()
        credit = o["credit"].to_numpy()
        register = (credit >= 0) & (paid >= 0) & (rng.random(N) < 0.34)
        agent = np.where(register, self.a_names[np.clip(credit, 0, None)], None)
        df = pd.DataFrame({
            "order_id": pd.array(o["order_id"].to_numpy(dtype=object), dtype="str"),
            "customer_id": self.cid[o["cust"].to_numpy()],
            "store": np.array(DEMO_STORES, dtype=object)[o["store"].to_numpy()],
            "agent": agent,
            "product": np.array([p[0] for p in DEMO_PRODUCTS], dtype=object)[o["product"].to_numpy()],
            "quantity": pd.array(o["quantity"].to_numpy(), dtype="Int64"),
            "amount": o["amount"].to_numpy(float),
            "order_total": o["order_total"].to_numpy(float),
            "refund_amount": o["refund_amount"].to_numpy(float),
            "status": o["status"].to_numpy(dtype=object),
            "created_at": self.ts(o["created"]),
            "paid_at": self.ts(paid),
            "customer_name": name[pos],
            "phone": phone[pos],
            "address": PLACE_PREFIX[pl] + " " + detail[pos],
            "province": PROV_NAMES[PLACE_PROV[pl]],
            "city": PLACE_CITY[pl],
        })
        self.orders_df = df
        return as_strings(df)


    def refunds_table(self) -> pd.DataFrame:
        rng = self.rng
        ref = self.ref.sort_values("applied").reset_index(drop=True)
        o = self.orders_df
        n = len(ref)
        ids = rng.integers(10**17, 9 * 10**17, n, dtype=np.int64)
        ids = np.unique(ids)
        while len(ids) < n:
            ids = np.unique(np.concatenate([ids, rng.integers(10**17, 9 * 10**17, n, dtype=np.int64)]))
        ids = rng.permutation(ids)[:n]
        df = pd.DataFrame({
            "refund_id": ids.astype(str).astype(object),
            "order_id": o["order_id"].to_numpy(dtype=object)[ref["row"].to_numpy()],
            "agent": self.a_names[ref["agent"].to_numpy()],
            "amount": ref["amount"].to_numpy(float),
            "reason": ref["reason"].to_numpy(dtype=object),
            "status": ref["status"].to_numpy(dtype=object),
            "applied_at": self.ts(ref["applied"]),
            "closed_at": self.ts(ref["closed"]),
            "platform_intervened": pd.array(ref["intervened"].to_numpy(bool), dtype="boolean"),
            "responsible_party": ref["party"].to_numpy(dtype=object),
            "phase": ref["phase"].to_numpy(dtype=object),
            "type": ref["type"].to_numpy(dtype=object),
        })
        return as_strings(df)

    def reminders_table(self) -> pd.DataFrame:
        r = self.rem.sort_values("sent").reset_index(drop=True)
        o = self.orders_df
        df = pd.DataFrame({
            "sent_at": self.ts(r["sent"]),
            "agent": self.a_names[r["agent"].to_numpy()],
            "order_id": o["order_id"].to_numpy(dtype=object)[r["row"].to_numpy()],
            "customer_id": o["customer_id"].to_numpy(dtype=object)[r["row"].to_numpy()],
        })
        return as_strings(df)


    def callbacks_table(self) -> pd.DataFrame:
        rng, nd = self.rng, self.nd
        o, od = self.o, self.orders_df
        paid = o["paid"].to_numpy()
        credit = o["credit"].to_numpy()
        cand = np.flatnonzero((paid >= 0) & (credit >= 0) & (rng.random(len(o)) < 0.18))
        day = paid[cand] // DAY + rng.integers(3, 8, len(cand))
        keep = day < nd
        cand, day = cand[keep], day[keep]
        res = rng.choice(4, len(cand), p=[.55, .12, .25, .08])
        note_opts = [np.array(CALLBACK_NOTES[x], dtype=object) for x in CALLBACK_RESULTS]
        notes = np.empty(len(cand), dtype=object)
        for r in range(4):
            sel = res == r
            notes[sel] = rng.choice(note_opts[r], sel.sum())
        notes = np.where(notes == "", None, notes)
        df = pd.DataFrame({
            "date": self.days[day], "agent": self.a_names[credit[cand]],
            "order_id": od["order_id"].to_numpy(dtype=object)[cand],
            "customer_id": od["customer_id"].to_numpy(dtype=object)[cand],
            "result": CALLBACK_RESULTS[res], "notes": notes,
        }).sort_values(["date", "agent"], kind="stable").reset_index(drop=True)
        return as_strings(df)

