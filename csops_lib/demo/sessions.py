"""Sessions and their messages: `SessionBuilder.build` turns a frame of sessions (customer,
day, start, agent, category, turns ...) into messages (vectorised) and per-session timing
statistics; every simulation step that makes chats goes through it."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csops_lib.demo.catalog import DAY, TX
from csops_lib.demo.shop import ShopState


class SessionBuilder(ShopState):
    """Makes sessions and their messages (`session_frame`, `build`, `n_turns`)."""

    # --- sessions and messages ---------------------------------------------------------------
    def session_frame(self, cust, day, start, agent, cat, store, n_turns, *, agreed=None,
                      lead=None, mode=None, thread=None, switch=None) -> pd.DataFrame:
        n = len(cust)

        def arr(v, default, dtype):
            return np.full(n, default, dtype=dtype) if v is None else np.asarray(v, dtype=dtype)

        return pd.DataFrame({
            "cust": np.asarray(cust, np.int64), "day": np.asarray(day, int),
            "start": np.asarray(start, np.int64), "agent": np.asarray(agent, int),
            "cat": np.broadcast_to(np.asarray(cat, int), (n,)).copy(),
            "store": np.asarray(store, int), "n_turns": np.asarray(n_turns, int),
            "agreed": arr(agreed, False, bool), "lead": arr(lead, False, bool),
            "mode": arr(mode, 0, int), "thread": arr(thread, -1, np.int64),
            "switch": arr(switch, False, bool),
        })

    def build(self, S: pd.DataFrame) -> pd.DataFrame:
        """Messages of sessions `S` (vectorised); returns S with timing and turn statistics."""
        S = self.free(S)
        n = len(S)
        if n == 0:
            return S
        rng = self.rng
        S = S.copy()
        S["sid"] = np.arange(self.sid_next, self.sid_next + n)
        self.sid_next += n
        self.used_keys = np.concatenate([self.used_keys, self.keys(S["agent"], S["cust"], S["day"])])
        cat = S["cat"].to_numpy()
        mode = S["mode"].to_numpy()
        agent = S["agent"].to_numpy()
        day = S["day"].to_numpy()
        start = S["start"].to_numpy().copy()
        assert ((start >= day * DAY) & (start < (day + 1) * DAY)).all()
        lead = S["lead"].to_numpy()
        agreed = S["agreed"].to_numpy()
        # nobody works before 08:00: most night customers only get the auto reply
        night_s = (start - day * DAY < 8 * 3600) & ~lead & ~agreed & (rng.random(n) < 0.96)
        mode = np.where(night_s, 2, mode)
        S["mode"] = mode
        nt = np.where(mode == 2, 1, S["n_turns"].to_numpy())
        busy = self.busy[day]
        # turns
        ts = np.repeat(np.arange(n), nt)
        first = np.concatenate([[0], np.cumsum(nt)[:-1]])
        NT = len(ts)
        tn = np.arange(NT) - first[ts]
        last = tn == nt[ts] - 1
        ncust = (1 + (rng.random(NT) < np.where(tn == 0, 0.38, 0.2))
                 + (rng.random(NT) < np.where(tn == 0, 0.15, 0.04)))
        m = mode[ts]
        answered = ~((m == 2) | ((m == 1) & last))
        nag = np.where(answered, 1 + (rng.random(NT) < 0.3), 0)
        # customer messages inside each turn (a burst)
        cturn = np.repeat(np.arange(NT), ncust)
        cfirst = np.concatenate([[0], np.cumsum(ncust)[:-1]])
        ck = np.arange(len(cturn)) - cfirst[cturn]
        cg = np.where(ck == 0, 0, rng.integers(3, 26, len(cturn)))
        ccs = np.cumsum(cg)
        c_in = ccs - ccs[cfirst[cturn]]
        burst = np.bincount(cturn, weights=cg, minlength=NT).astype(np.int64)
        # response times: log-normal per agent, slower on busy days; nights wait for 08:00
        med = self.a_med[agent][ts] * self.load[day][ts]
        sig = self.a_sig[agent][ts]
        rt = np.maximum(np.rint(med * np.exp(sig * rng.standard_normal(NT))), 2).astype(np.int64)
        rt = np.maximum(rt, burst + 2)
        sod = (start - day * DAY)[ts]
        night = (tn == 0) & (sod < 8 * 3600)
        rt = np.where(night, 8 * 3600 - sod + rng.integers(60, 2400, NT) + rt, rt)
        # agent messages of each turn
        aturn = np.repeat(np.arange(NT), nag)
        afirst = np.concatenate([[0], np.cumsum(nag)[:-1]])
        ak = np.arange(len(aturn)) - afirst[aturn]
        agp = np.where(ak == 0, 0, rng.integers(4, 31, len(aturn)))
        acs = np.cumsum(agp)
        a_in = acs - acs[afirst[aturn]] if len(aturn) else acs
        aspan = np.bincount(aturn, weights=agp, minlength=NT).astype(np.int64)
        tlen = np.where(answered, rt + aspan, burst)
        think = np.rint(3 + 40 * np.exp(0.9 * rng.standard_normal(NT))).astype(np.int64)
        inc = np.where(tn == 0, 0, think + np.roll(tlen, 1))
        cs = np.cumsum(inc)
        toff = cs - cs[first[ts]]
        # auto replies: usually greet the first message; more often on busy days
        p_auto = np.where(tn == 0, np.where(busy[ts], 0.9, 0.72), np.where(busy[ts], 0.2, 0.04))
        p_auto = np.where(lead[ts] & (tn == 0), 0.0, p_auto)
        has_auto = rng.random(NT) < p_auto
        # session end and shift back the sessions that would run past midnight
        end_off = toff[last] + np.maximum(tlen[last], has_auto[last].astype(np.int64))
        day_end = (day + 1) * DAY - 1
        over = start + end_off - day_end
        start = np.where(over > 0, np.maximum(start - over, day * DAY), start)
        end_off = np.minimum(end_off, day_end - start)
        # texts per turn
        qlen = {c: len(v) for c, v in TX["q"].items()}
        qpos = np.floor(rng.random(NT) * np.array([qlen[c] for c in range(6)])[cat[ts]]).astype(int)
        q_text = np.zeros(NT, dtype=np.int64)
        a_text = np.zeros(NT, dtype=np.int64)
        for c in range(6):
            sel = cat[ts] == c
            q_text[sel] = TX["q"][c][qpos[sel]]
            a_text[sel] = TX["a"][c][qpos[sel]]
        ag_last = agreed[ts] & last & answered
        q_text[ag_last] = TX["agreed_q"]
        a_text[ag_last] = TX["agreed_a"]
        closing = (m == 1) & last & (tn > 0)
        q_text[closing] = rng.choice(TX["closing"], closing.sum())
        # messages
        c_sid = ts[cturn]
        c_t = start[c_sid] + toff[cturn] + c_in
        c_txt = np.where(ck == 0, q_text[cturn], rng.choice(TX["cust_filler"], len(cturn)))
        a_sid = ts[aturn]
        a_t = start[a_sid] + toff[aturn] + rt[aturn] + a_in
        a_txt = np.where(ak == 0, a_text[aturn], rng.choice(TX["agent_filler"], len(aturn)))
        u_turn = np.flatnonzero(has_auto)
        u_sid = ts[u_turn]
        u_t = start[u_sid] + toff[u_turn] + 1
        u_txt = np.where(tn[u_turn] == 0, rng.choice(TX["auto_first"], len(u_turn)),
                         TX["auto_later"][0])
        l_sid = np.flatnonzero(lead)
        l_t = np.maximum(start[l_sid] - 60 - np.rint(300 * np.exp(rng.standard_normal(len(l_sid)))),
                         day[l_sid] * DAY).astype(np.int64)
        l_txt = np.zeros(len(l_sid), dtype=np.int64)
        for c, arr_ in TX["lead"].items():
            sel = cat[l_sid] == c
            l_txt[sel] = rng.choice(arr_, sel.sum())
        sid = S["sid"].to_numpy()
        self.msg_parts.append((
            sid[np.concatenate([l_sid, c_sid, u_sid, a_sid])],
            np.concatenate([l_t, c_t, u_t, a_t]).astype(np.int64),
            np.concatenate([np.full(len(l_sid), 1), np.zeros(len(c_sid)), np.full(len(u_sid), 2),
                            np.ones(len(a_sid))]).astype(np.int8),
            np.concatenate([np.zeros(len(l_sid)), np.ones(len(c_sid)), np.full(len(u_sid), 2),
                            np.full(len(a_sid), 3)]).astype(np.int8),
            np.concatenate([l_txt, c_txt, u_txt, a_txt]).astype(np.int64),
        ))
        # per-session statistics of the generated turns
        ans = answered.astype(float)
        n_ans = np.bincount(ts, weights=ans, minlength=n)
        S["start"] = start
        S["first_t"] = np.where(lead, 0, start)
        S.loc[lead, "first_t"] = l_t
        S["end"] = start + end_off
        S["replied"] = n_ans > 0
        S["first_rt"] = np.where(answered[first], rt[first], np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            S["mean_rt"] = np.bincount(ts, weights=rt * ans, minlength=n) / n_ans
        S["n_slow"] = np.bincount(ts, weights=ans * (rt > 120), minlength=n).astype(int)
        S["max_rt"] = np.maximum.reduceat(np.where(answered, rt, 0), first)
        S["n_cust_msgs"] = np.bincount(ts, weights=ncust, minlength=n).astype(int)
        S["n_agent_msgs"] = (np.bincount(ts, weights=nag, minlength=n) + lead).astype(int)
        S["last_answered"] = answered[np.flatnonzero(last)]
        self.sessions.append(S)
        return S

    def n_turns(self, n, p=0.33, cap=10) -> np.ndarray:
        return np.minimum(self.rng.geometric(p, n), cap)

