"""The promo retrospective's view: title, table of contents, per-section headings, tables,
charts and sentences (catalog templates), the appendix and the workbook, from the data and
frame builders of :mod:`csops_lib.reports.promo` and its :data:`SECTIONS` registry."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import HTML
from openpyxl import Workbook

from csops_lib.metrics.promo import hour_ranges
from csops_lib.render import html
from csops_lib.render.excel import save_atomic, sheet_names, write_sheet
from csops_lib.render.formats import EXCEL_FORMATS, MISSING, fmt
from csops_lib.render.formats import weekday as weekday_names
from csops_lib.render.labels import definition, has, has_definition, label, relabel, sentence
from csops_lib.render.promo import charts, text
from csops_lib.reports import promo as rp
from csops_lib.reports.promo import PromoData

PHASE_KEYS = {"baseline": "promo_baseline", "runup": "promo_runup", "promo": "promo_window",
              "wave": "promo_wave_phase"}
#: appendix notes (catalog template → the heading it explains), in order
NOTES = (("promo_note_baseline", "promo_baseline"), ("promo_note_on_shift", "agents_on_shift"),
         ("promo_note_capacity", "capacity"), ("promo_note_pk", "team_pk"),
         ("promo_note_leaderboard", "promo_leaderboard"),
         ("promo_note_conversion", "promo_conversion"), ("promo_note_waiting", "promo_no_agent"),
         ("promo_note_staffing", "promo_staffing"))


def _hm(hour) -> str:
    return f"{int(hour):02d}:00"


def _done(fig):
    sns.despine(fig=fig)
    plt.close(fig)
    return fig


class PromoView:
    """The rendered promo retrospective for one :class:`PromoData` in one language."""

    def __init__(self, data: PromoData, lang: str = "zh"):
        self.data, self.lang = data, lang
        self.settings = data.settings

    # ------------------------------------------------------------------ helpers
    def _t(self, key: str) -> str:
        return label(key, self.lang)

    def _s(self, key: str, **values) -> str:
        return sentence(key, self.lang, **values)

    def _values(self) -> dict[str, Any]:
        d = self.data
        aht_key = "promo_note_aht_data" if self.settings.get("aht_source") == "data" \
            else "promo_note_aht_param"
        base = {**d.params, **self.settings}
        return {**base, "gap": d.baseline_gap, "pk_word": self._t(f"lb_by_{self.settings['pk_by']}"),
                "aht_source": sentence(aht_key, self.lang, **base),
                "as_of": f"{d.as_of:%Y-%m-%d}" if d.as_of is not None else MISSING}

    def note_text(self, key: str) -> str:
        return self._s(f"promo_note_{key}", **self._values())

    def note(self, key: str) -> HTML:
        return html.note(self.note_text(key))

    def _phase(self, phase: str) -> str:
        return self._t(PHASE_KEYS.get(phase, "other"))

    def _team(self, team) -> str:
        return self._t("no_team") if team == "no team" else str(team)

    def _day(self, d) -> str:
        d = pd.Timestamp(d)
        return f"{d:%m-%d} {weekday_names(pd.Series([d]), self.lang).iloc[0]}"

    def _ranges_text(self, hours) -> str:
        """Clock hours as merged ranges: [0 … 7, 9, 10] → 00:00–08:00、09:00–11:00."""
        hs = sorted({int(h) for h in hours})
        if not hs:
            return MISSING
        frame = pd.DataFrame({"date": pd.Timestamp("2000-01-01"), "hour": hs})
        return self._t("list_separator").join(
            f"{_hm(r.start_hour)}–{_hm(r.end_hour)}" for r in hour_ranges(frame).itertuples())

    def frame(self, key: str) -> pd.DataFrame | None:
        return rp.SECTIONS.frame(key, self.data)

    def section(self, key: str) -> HTML:
        return html.heading(key, self.lang)

    # ------------------------------------------------------------------ title
    def title(self) -> HTML:
        d = self.data
        name = d.promo["display_name"]
        if name != d.promo["name"]:
            name += f" ({d.promo['name']})"

        def span(phase):
            ds = d.dates(phase)
            if not len(ds):
                return MISSING
            return self._day(ds[0]) if ds[0] == ds[-1] else f"{self._day(ds[0])} – {self._day(ds[-1])}"

        line = " · ".join([f"{self._t('promo_window')}: {span('promo')}",
                           f"{self._t('promo_baseline')}: {span('baseline')}",
                           f"{self._t('promo_wave_phase')}: {span('wave')}",
                           f"{self._t('generated_at')} {d.generated_at:%Y-%m-%d %H:%M}"])
        return html.join(html.page_header(self._s("promo_heading", name=name), [line]),
                         self.note("baseline"),
                         html.contents(rp.SECTIONS.available(d), self.lang))

    # ------------------------------------------------------------------ tables
    def _metric_rows(self, f: pd.DataFrame, kinds: dict[str, str], cols: dict[str, str],
                     star: set[str], diff) -> pd.DataFrame:
        rows = []
        for key, kind in kinds.items():
            name = self._t(key) + (" *" if key in star else "")
            row = {self._t("metric"): name}
            for col, head in cols.items():
                row[self._t(head)] = fmt(f.loc[col, key], kind)
            if diff is not None:
                row[diff[0]] = diff[1](f, key, kind)
            rows.append(row)
        return pd.DataFrame(rows)

    def headline(self) -> HTML:
        """The boss's first screen: the sales multiple, the PK winner, the biggest gap."""
        h = rp.headline(self.data)
        sep = self._t("list_separator")
        lines = [self._s("promo_hl_sales", sales=fmt(h["sales"], "money0"),
                         multiple=fmt(h["sales_multiple"], "score"),
                         baseline=fmt(h["sales_baseline"], "money0"),
                         conversion=fmt(h["conversion"], "rate"),
                         points=fmt(h["conversion_points"], "points"))]
        if h["winners"]:
            by = self.settings["pk_by"]
            what = self._t(f"{by}_attainment") if h["pk_on_attainment"] else self._t(by)
            kind = "rate" if h["pk_on_attainment"] else ("money0" if by == "sales" else "count")
            lines.append(self._s("promo_hl_pk", names=sep.join(self._team(t) for t in
                                                                 h["winners"]),
                                 what=what, score=fmt(h["pk_score"], kind)))
        if h["gap"] > 0:
            lines.append(self._s("promo_hl_gap", hour=_hm(h["gap_hour"]),
                                 online=f"{h['gap_online']:.0f}",
                                 roster=f"{h['gap_roster']:.0f}",
                                 on_shift=f"{h['gap_on_shift']:.0f}", gap=f"{h['gap']:.0f}",
                                 n=h["short_hours"]))
        else:
            lines.append(self._t("promo_staffing_enough"))
        return html.paragraphs(lines, tag="li", style="font-size:1.1em")

    def _change(self, row) -> str:
        """×multiple for counts and money, percentage points for rates."""
        if pd.notna(row["change_points"]):
            return fmt(row["change_points"], "points")
        return fmt(row["multiple"], "multiple")

    def overview_table(self):
        ov = self.frame("promo_overview").set_index("metric")
        prov = self.data.provisional
        f = ov[["promo", "baseline"]].T
        table = self._metric_rows(
            f, rp.OVERVIEW_KINDS, {"promo": "promo_window", "baseline": "promo_baseline"},
            {"inquiry_conversion"} if prov else set(),
            (self._t("promo_change"), lambda _f, k, _kind: self._change(ov.loc[k])))
        return html.table(table, {}, self.lang, relabel=False,
                          caption=self._t("provisional_note") if prov else None)

    def daily_table(self):
        d = self.frame("promo_daily")
        d = d.assign(weekday=weekday_names(d["date"], self.lang).to_numpy(),
                     promo_phase=[self._phase(x) for x in d["phase"]],
                     date=d["date"].dt.strftime("%m-%d"))
        cols = ["date", "weekday", "promo_phase", "uv", "sessions", "presale_sessions",
                "after_sales_sessions", "presale_share", "peak_concurrent", "paid_orders",
                "sales", "refund_requests", "refund_amount"]
        kinds = {k: v for k, v in rp.DAILY_KINDS.items() if k != "date"}
        styled = html.table(d[cols], kinds, self.lang)
        phase_col, promo_name = self._t("promo_phase"), self._t("promo_window")
        return styled.apply(lambda row: ["background-color: #fff3cd" if row[phase_col]
                                         == promo_name else "" for _ in row], axis=1)

    def team_pk_table(self):
        teams = self.frame("team_pk")
        t = teams.assign(team=[self._team(x) for x in teams["team"]])
        s = rp.silent(self.data)
        extra = pd.DataFrame([{"rank": np.nan, "team": self._t("silent_orders_no_agent"),
                               "orders": s["orders"], "sales": s["sales"]}])
        cols = ["rank", "team", "headcount", "orders", "target_orders", "orders_attainment",
                "sales", "target_sales", "sales_attainment"]
        t = pd.concat([t[cols], extra], ignore_index=True)[cols]
        return html.table(t, rp.TEAM_KINDS, self.lang)

    def agent_targets_table(self):
        a = self.frame("promo_agent_targets")
        a = a.assign(team=[self._team(x) for x in a["team"]])
        cols = ["rank", "agent", "team", "orders", "target_orders", "orders_attainment",
                "sales", "target_sales", "sales_attainment", "inquiries", "inquiry_conversion"]
        styled = html.table(a[cols], rp.AGENT_KINDS, self.lang)
        att = [self._t("orders_attainment"), self._t("sales_attainment")]
        return styled.map(lambda v: "color: #2e7d32; font-weight: bold"
                          if isinstance(v, float) and v >= 1 else "", subset=att)

    def after_sales_table(self):
        a = self.frame("promo_after_sales")
        if a is None or a.empty:
            return html.paragraphs([self._t("promo_after_sales_none")])
        a = a.assign(team=[self._team(x) for x in a["team"]])
        return html.table(a, rp.AFTER_SALES_KINDS, self.lang,
                          caption=self._t("promo_after_sales_note"))

    def leaderboard_table(self):
        lb = self.frame("promo_leaderboard")
        kind = "money0" if self.settings["pk_by"] == "sales" else "count"
        rows = []
        for r in lb.itertuples(index=False):
            until = pd.Timestamp(r.until)
            clock = "24:00" if until.hour == 0 else f"{until:%H:%M}"
            when = clock if self.data.n_days == 1 \
                else f"{until - pd.Timedelta(seconds=1):%m-%d} {clock}"
            row = {self._t("promo_until"): when}
            for i in range(1, int(self.settings["top"]) + 1):
                a, v = getattr(r, f"agent_{i}"), getattr(r, f"value_{i}")
                row[f"No.{i}"] = MISSING if pd.isna(a) else f"{a} {fmt(v, kind)}"
            rows.append(row)
        return html.table(pd.DataFrame(rows), {}, self.lang, relabel=False)

    def conversion_table(self):
        f = self.frame("promo_conversion").set_index("phase")
        kinds = dict(rp.CONVERSION_KINDS)
        if f["uv"].isna().all():
            kinds = {k: v for k, v in kinds.items()
                     if k not in ("uv", "callin_rate", "store_conversion")}
        prov = bool(f.loc["promo", "provisional"])
        star = {k for k, v in kinds.items() if prov and v == "rate" and k != "callin_rate"}

        def diff(f, key, kind):
            a, b = f.loc["promo", key], f.loc["baseline", key]
            if kind == "rate":
                return fmt(a - b, "points") if pd.notna(a) and pd.notna(b) else MISSING
            return fmt(a / b if b else np.nan, "multiple")

        table = self._metric_rows(f, kinds, {"promo": "promo_window",
                                             "baseline": "promo_baseline"}, star,
                                  (self._t("promo_change"), diff))
        return html.table(table, {}, self.lang, relabel=False,
                          caption=self._t("provisional_note") if prov else None)

    def refunds_table(self):
        f = self.frame("promo_wave").set_index("phase")
        rows = [{self._t("metric"): self._t(k),
                 self._t("promo_promo_orders"): fmt(f.loc["promo", k], kind),
                 self._t("promo_baseline_orders"): fmt(f.loc["baseline", k], kind)}
                for k, kind in rp.REFUND_KINDS.items()]
        return html.table(pd.DataFrame(rows), {}, self.lang, relabel=False)

    def staffing_table(self):
        plan = self.frame("promo_staffing")
        plan = plan.assign(hour=[_hm(h) for h in plan["hour"]])
        cols = ["hour", "sessions", "erlang_online", "peak_concurrent", "peak_online",
                "needed_online", "needed_roster", "agents_on_shift", "gap", "service_level"]
        kinds = {k: v for k, v in rp.STAFFING_KINDS.items() if k != "hour"}
        kinds["sessions"] = "count" if self.data.n_days == 1 else "number1"
        kinds["agents_on_shift"] = kinds["gap"] = "count" if self.data.n_days == 1 else "number1"
        styled = html.table(plan[cols], kinds, self.lang)
        return styled.map(lambda v: "color: #c62828; font-weight: bold"
                          if isinstance(v, (int, float)) and v > 0 else "",
                          subset=[self._t("gap")])

    # ------------------------------------------------------------------ sentences, charts
    capacity_summary = text.capacity_summary
    no_agent_hours = text.no_agent_hours
    pk_summary = text.pk_summary
    wave_summary = text.wave_summary
    staffing_summary = text.staffing_summary
    hourly_chart = charts.hourly_chart
    capacity_chart = charts.capacity_chart
    wave_chart = charts.wave_chart
    staffing_chart = charts.staffing_chart

    # ------------------------------------------------------------------ appendix, workbook
    def appendix(self):
        """Definitions of the metrics the shown sections use, the report's notes, and every
        setting and threshold in force."""
        values = self._values()
        rows = [{"metric": self._t(k.removeprefix("promo_def_")),
                 "definition": definition(k, self.lang, **values)}
                for k in rp.SECTIONS.defined(self.data) if has_definition(k)]
        rows += [{"metric": self._t(title), "definition": self.note_text(key[len("promo_note_"):])}
                 for key, title in NOTES]
        return html.table(pd.DataFrame(rows), {}, self.lang)

    def parameters(self):
        """Every setting and shop threshold in force: name, meaning (translated), value."""
        settings = {k: v for k, v in self.settings.items() if k != "aht_source"}
        settings["aht_s"] = round(float(settings["aht_s"]), 1)
        rows = []
        for k, v in {**settings, **self.data.params}.items():
            if k == "data_dir":
                continue
            key = f"promo_param_{k}" if k in settings else f"param_{k}"
            rows.append({"parameter": k, "meaning": self._t(key) if has(key) else MISSING,
                         "parameter_value": self._t("auto") if v is None else str(v)})
        return html.table(pd.DataFrame(rows), {}, self.lang,
                          caption=self._t("weekly_thresholds"))

    def _sheet(self, key: str, frame: pd.DataFrame) -> pd.DataFrame:
        """A section's frame as shown in the workbook: keys of values turned into labels."""
        if key == "promo_overview":
            # one change column: ×multiple for counts and money, points (× 100) for rates
            change = frame["multiple"].where(frame["change_points"].isna(),
                                             frame["change_points"] * 100)
            frame = pd.DataFrame({"metric": [self._t(k) for k in frame["metric"]],
                                  "promo_window": frame["promo"],
                                  "promo_baseline": frame["baseline"],
                                  "promo_change": change})
        if "phase" in frame.columns:
            frame = frame.assign(phase=[self._phase(x) for x in frame["phase"]]).rename(
                columns={"phase": "promo_phase"})
        if "team" in frame.columns:
            frame = frame.assign(team=[self._team(x) for x in frame["team"]])
        return frame

    def _leaderboard_sheet(self) -> pd.DataFrame:
        lb = rp.leaderboard_long(self.data)
        return lb.rename(columns={"until": "promo_until", "value": self.settings["pk_by"]})

    def _sheet_kinds(self) -> dict[str, dict[str, str]]:
        """Per sheet key: label → format kind of each column."""
        out = {}
        for key, (_, kinds) in rp.SECTIONS.sheets(self.data).items():
            shown = {**kinds, "promo_phase": "text", "team": "text", "agent": "text"}
            out[key] = {self._t(k): v for k, v in shown.items() if has(k)}
        by = self.settings["pk_by"]
        out["promo_leaderboard"] = {self._t("promo_until"): "datetime", self._t("rank"): "count",
                                    self._t(by): "money" if by == "sales" else "count"}
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """The workbook's sheets (from the registry, then the hourly leaderboard), labelled in
        the report's language, keyed by section key."""
        sheets = rp.SECTIONS.sheets(self.data)
        out = {k: relabel(self._sheet(k, sheets[k][0]), self.lang)
               for k in rp.SHEET_ORDER if k in sheets}
        lb = self._leaderboard_sheet()
        if len(lb):
            out["promo_leaderboard"] = relabel(lb, self.lang)
        return out

    def write_workbook(self, path: str | Path) -> Path | None:
        """Write :meth:`tables` to ``path`` (.xlsx), one sheet per section, Chinese (or
        English) headers and number formats by kind (rates as %, counts whole, money in
        yuan); the overview's rows take their metric's format. An empty path writes nothing."""
        if not path:
            return None
        tables = self.tables()
        kinds = self._sheet_kinds()
        title = f"{self._t('promo_title')} {self.data.promo['display_name']}"
        wb = Workbook()
        wb.remove(wb.active)
        for name, (key, df) in zip(sheet_names([self._t(k) for k in tables]), tables.items(),
                                   strict=True):
            formats = {c: EXCEL_FORMATS[k] for c, k in kinds.get(key, {}).items()
                       if c in df.columns}
            layout = write_sheet(wb.create_sheet(name), df, formats=formats, lang=self.lang,
                                 title=title)
            if key == "promo_overview":
                self._format_overview(wb[name], layout)
        return save_atomic(wb, path)

    def _format_overview(self, ws, layout) -> None:
        """The overview sheet's rows are metrics of different kinds: each row's values take
        its metric's format; the change is ×multiple, or percentage points for rates."""
        ov = self.frame("promo_overview")
        cols = [layout.columns[self._t(k)] for k in ("promo_window", "promo_baseline")]
        change = layout.columns[self._t("promo_change")]
        for i, metric in enumerate(ov["metric"]):
            row = layout.first_data_row + i
            for c in cols:
                ws[f"{c}{row}"].number_format = EXCEL_FORMATS[rp.OVERVIEW_KINDS[metric]]
            ws[f"{change}{row}"].number_format = (
                '+0.0" pt";-0.0" pt";0.0" pt"' if metric in rp.RATE_METRICS
                else EXCEL_FORMATS["multiple"])


def load(data_dir, promo: str | None = None, *, lang: str = "zh",
         params: dict[str, Any] | None = None) -> PromoView:
    """Load the promo (:func:`csops_lib.reports.promo.load`) and return its view."""
    return PromoView(rp.load(data_dir, promo, params=params), lang)
