"""The weekly (monthly) review as the notebook shows it: title and table of contents, each
section's heading, chart, styled tables and sentences, the appendix, and the workbook.

Everything shown comes from :data:`csops_lib.reports.weekly.SECTIONS` (which sections, their
frames, the sheets, the definitions); this module only labels, formats and draws.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from csops_lib.metrics.agent_stats import NEEDS_MESSAGES
from csops_lib.render import excel, formats, html
from csops_lib.render.labels import definition, label, sentence
from csops_lib.render.weekly import charts, text
from csops_lib.reports.weekly import (
    KINDS,
    MESSAGE_SECTIONS,
    REPORT_NEEDS,
    SECTIONS,
    SUB_TABLES,
    WeeklyData,
    frames,
)
from csops_lib.settings.weekly import WeeklySettings

#: period-specific column labels, by kind of period
PERIOD_LABELS = {
    "week": {"this": "weekly_this_week", "prev": "weekly_last_week", "avg": "weekly_avg_weeks",
             "vs": "weekly_vs_last_week"},
    "month": {"this": "weekly_this_month", "prev": "weekly_last_month",
              "avg": "weekly_avg_months", "vs": "weekly_vs_last_month"},
}
#: sheet name (label key) of each section and second table in the workbook
SHEETS = {
    "headline": "weekly_sheet_headline", "daily_sales": "daily_sales",
    "weekly_conversion": "weekly_sheet_conversion",
    "weekly_attribution": "weekly_sheet_attribution", "weekly_heatmap": "payment_hours",
    "regions": "weekly_sheet_regions", "weekly_callbacks": "weekly_sheet_callbacks",
    "weekly_refunds": "weekly_sheet_refunds",
    "weekly_refund_reasons": "weekly_sheet_refund_reasons", "weekly_dsr": "weekly_sheet_dsr",
    "weekly_response": "weekly_sheet_response", "weekly_questions": "weekly_sheet_questions",
    "agents": "weekly_sheet_agents", "weekly_team": "weekly_sheet_team",
    "weekly_bridge": "weekly_sheet_bridge", "weekly_bridge_agents": "weekly_sheet_bridge_agents",
}
#: sections whose table the HTML shows (below their chart, if any)
HTML_TABLES = frozenset({"daily_sales", "weekly_attribution", "regions", "weekly_callbacks",
                         "weekly_refunds", "weekly_dsr", "weekly_questions", "agents",
                         "weekly_team"})
#: a grey note below the section, or a caption under its table
NOTES = {"weekly_heatmap": "weekly_heatmap_note", "weekly_response": "weekly_response_note"}
CAPTIONS = {"weekly_attribution": "weekly_attribution_note",
            "weekly_questions": "weekly_questions_note",
            "weekly_bridge_agents": "weekly_bridge_agents_note"}
#: tables whose inquiry conversion is marked provisional (caption and ``*``)
PROVISIONAL = frozenset({"agents", "weekly_team"})
TOTAL_STYLE = {"weekly_callbacks": "font-weight: bold",
               "weekly_team": "font-weight: bold; background: #eef3fa",
               "weekly_bridge_agents": "font-weight: bold"}
#: money columns that are changes: shown with their sign, in whole yuan
SIGNED = ("sales_delta", "bridge_from_inquiries", "bridge_from_conversion", "bridge_from_value",
          "bridge_unsplit")
#: columns a frame carries for the code only (never shown, nor written to the workbook)
HIDDEN = ("bridge_method",)
#: a cell whose agent stands out from the team (slow or long sessions)
STANDOUT_STYLE = "background: #fde2e1; color: #b71c1c; font-weight: bold"
#: the shop thresholds this report uses (the appendix lists these, translated and explained)
REPORT_PARAMS = ("slow_gap_s", "slow_times", "long_wait_s", "concurrency_window_s",
                 "followup_days", "after_sales_lookback_days", "as_of")


class WeeklyView:
    """The review of ``data`` in ``lang`` (zh | en)."""

    def __init__(self, data: WeeklyData, lang: str = "zh", *, top_provinces: int | None = None,
                 generated_at: dt.datetime | None = None,
                 settings: WeeklySettings | None = None):
        label("weekly_title", lang)  # validates lang
        self.data, self.lang = data, lang
        self.settings = settings or WeeklySettings()
        self.top_provinces = top_provinces or self.settings.top_provinces
        self.generated_at = generated_at or dt.datetime.now()

    # ------------------------------------------------------------------ words
    def t(self, key: str) -> str:
        return label(key, self.lang)

    def tp(self, which: str) -> str:
        """This / previous period, the average, "vs previous": for weeks or months."""
        return self.t(PERIOD_LABELS[self.data.kind][which])

    def col(self, name) -> str:
        """The label of a column key (period columns for weeks or months; hours as they are)."""
        period = {"this_period": "this", "previous_period": "prev", "period_average": "avg",
                  "after": "this", "before": "prev"}
        if name in period:
            return self.tp(period[name])
        if name == "first_response_s":  # the weekly's is always the platform's mean
            return self.t("weekly_platform_first_response")
        return str(name) if str(name).isdigit() else self.t(str(name))

    def period_name(self, i) -> str:
        """Period ``i``'s name (marked when the data do not cover it); missing = the average."""
        if pd.isna(i):
            return self.tp("avg")
        name = self.data.period.shift(int(i)).label
        return name if self.data.covered(int(i)) else sentence("weekly_incomplete", self.lang,
                                                              name=name)

    @property
    def provisional(self) -> bool:
        return frames.provisional_from(self.data) is not None

    def provisional_note(self) -> str:
        first = frames.provisional_from(self.data)
        return sentence("weekly_provisional", self.lang, first=f"{first:%m-%d}",
                        days=self.data.params["followup_days"])

    # ------------------------------------------------------------------ title
    def keys(self) -> list[str]:
        """The sections this report shows, in order (the table of contents)."""
        return SECTIONS.available(self.data)

    def has(self, key: str) -> bool:
        return SECTIONS.has(key, self.data)

    def title(self) -> HTML:
        d, p = self.data, self.data.period
        key = "weekly_title" if d.kind == "week" else "wr_monthly_title"
        source = self.t("weekly_source_chats" if d.source == "chats" else "weekly_source_stats")
        end = f"{d.data_end:%Y-%m-%d}" if d.data_end else formats.MISSING
        line = (f"{p.start:%Y-%m-%d} – {p.end:%Y-%m-%d} · {self.t('data_source')}: {source} · "
                f"{self.t('as_of')} {end} · {self.t('generated_at')} "
                f"{self.generated_at:%Y-%m-%d %H:%M}")
        note = self.data_note()
        return html.page_header(f"{self.t(key)} {p.label}", [line], notes=[note] if note else [],
                                toc_keys=self.keys(), lang=self.lang)

    def data_note(self) -> str:
        """One line naming what needs message logs, when the report runs without them."""
        if self.data.source == "chats":
            return ""
        if self.data.source == "none":
            return self.t("weekly_no_kpis")
        keys = [REPORT_NEEDS[k] for k in NEEDS_MESSAGES if k in REPORT_NEEDS]
        names = [self.t(k) for k in dict.fromkeys([*keys, *MESSAGE_SECTIONS])]
        return sentence("weekly_no_messages", self.lang,
                        items=self.t("list_separator").join(names))

    # ------------------------------------------------------------------ sections
    def section(self, key: str) -> list:
        """What section ``key`` shows, in order: heading, chart, tables, note."""
        if not self.has(key):
            return []
        parts: list = [html.heading(key, self.lang)]
        if key == "headline":
            return [*parts, text.highlights(self), html.phone_css(),
                    text.headline_table(self)]
        if key == "weekly_bridge":
            return [*parts, charts.bridge(self), *text.bridge_tables(self)]
        if key == "appendix":
            return [*parts, *self.appendix()]
        chart = SECTIONS[key].chart
        if chart:
            parts.append(getattr(charts, chart)(self))
        if key in HTML_TABLES:
            parts.append(self.table(key, SECTIONS.frame(key, self.data)))
        for sub in SUB_TABLES.get(key, ()):
            parts.append(self.table(sub.key, sub.build(self.data)))
        if key in NOTES:
            parts.append(html.note(self.t(NOTES[key])))
        return parts

    def shown(self, key: str, frame: pd.DataFrame) -> pd.DataFrame:
        """A section's frame as shown (columns still keys): period indexes named, total rows
        and missing teams named, weekday names, the heat map as a table."""
        out = frame.drop(columns=[c for c in HIDDEN if c in frame.columns])
        if "factor" in out:
            out["factor"] = out["factor"].map(self.t)
        if key == "weekly_heatmap":
            out.index = list(formats.WEEKDAYS[self.lang])
            out.columns = [f"{h:02d}" for h in out.columns]
            return out.rename_axis("weekday").reset_index()
        if "pidx" in out:
            relative = {0: self.tp("this"), -1: self.tp("prev")}
            names = (out["pidx"].map(relative) if key == "weekly_dsr"
                     else out["pidx"].map(self.period_name))
            out.insert(list(out.columns).index("pidx"), "period", names.to_numpy())
            out = out.drop(columns="pidx")
        if "is_total" in out:
            total = out["is_total"].astype(bool).to_numpy()
            out.loc[total, "agent"] = self.t("total")
            out = out.drop(columns="is_total")
        if "team" in out:
            out["team"] = out["team"].astype(object).where(out["team"].notna(),
                                                           self.t("no_team"))
        if key == "daily_sales":
            out.insert(1, "weekday", formats.weekday(out["date"], self.lang).to_numpy())
        return out

    def table(self, key: str, frame: pd.DataFrame | None):
        """A section's (or second table's) frame as a styled, escaped HTML table."""
        frame = frame if frame is not None else pd.DataFrame()
        totals = frame["is_total"].astype(bool).to_numpy() if "is_total" in frame else None
        df = self.shown(key, frame)
        kinds = {c: k for c, k in KINDS.items() if c in df}
        if key == "regions":
            df = df.head(self.top_provinces)
        if key == "daily_sales":
            df["date"] = df["date"].dt.strftime("%m-%d")
            kinds.pop("date", None)
        if key == "weekly_bridge_agents":
            if "bridge_unsplit" in df and not df["bridge_unsplit"].fillna(0).any():
                df = df.drop(columns="bridge_unsplit")
                kinds.pop("bridge_unsplit", None)
            for c in [c for c in SIGNED if c in df]:  # changes: +¥691, −¥1,352
                df[c] = df[c].map(text.signed_money)
                kinds.pop(c, None)
        names = {c: self.col(c) for c in df.columns}
        if key in PROVISIONAL and self.provisional and "inquiry_conversion" in names:
            names["inquiry_conversion"] += " *"
        caption = (self.t(CAPTIONS[key]) if key in CAPTIONS
                   else self.provisional_note() if key in PROVISIONAL and self.provisional
                   else None)
        flags = self.standouts() if key == "agents" else pd.DataFrame()
        if not flags.empty and flags.to_numpy().any():
            caption = " ".join(c for c in (caption, self.standout_note()) if c)
        styler = html.table(df.rename(columns=names), {names[c]: k for c, k in kinds.items()},
                            self.lang, caption=caption, relabel=False)
        if totals is not None and key in TOTAL_STYLE:
            style = TOTAL_STYLE[key]
            styler = styler.apply(lambda r: [style if totals[r.name] else ""] * len(r), axis=1)
        if not flags.empty and flags.to_numpy().any():
            styler = self._mark_standouts(styler, df, names, flags)
        signed = [names[c] for c in SIGNED if c in df and key == "weekly_bridge_agents"]
        if signed:  # pre-formatted text, but numbers: right-aligned
            styler = styler.set_properties(subset=signed, **{"text-align": "right"})
        return styler

    def standouts(self) -> pd.DataFrame:
        """Per agent of the ranking: whether its slow / long sessions stand out."""
        s = self.settings
        return frames.standout_frame(self.data, k=s.outlier_k, min_gap=s.outlier_min_gap,
                                     min_sessions=s.outlier_min_sessions)

    def standout_note(self) -> str:
        s = self.settings
        return sentence("weekly_standout_note", self.lang, k=f"{s.outlier_k:g}",
                        gap=f"{s.outlier_min_gap * 100:g}", n=s.outlier_min_sessions)

    @staticmethod
    def _mark_standouts(styler, frame: pd.DataFrame, names: dict, flags: pd.DataFrame):
        """Highlight the slow / long session counts of the agents who stand out."""
        cells = pd.DataFrame("", index=frame.index, columns=[names[c] for c in frame.columns])
        for col in ("slow_sessions", "long_sessions"):
            if col in frame and col in flags:
                hit = frame["agent"].map(flags[col]).fillna(False).astype(bool).to_numpy()
                cells.loc[hit, names[col]] = STANDOUT_STYLE
        return styler.apply(lambda _: cells, axis=None)

    # ------------------------------------------------------------------ appendix
    def definitions_frame(self) -> pd.DataFrame:
        """The definitions of the metrics the shown sections use (metric, definition)."""
        keys = SECTIONS.defined(self.data)
        if "first_response_s" in frames.agent_frame(self.data) or (
                "first_response_s" in frames.period_totals(self.data)):
            keys.append("weekly_platform_first_response")  # the platform's own mean
        rows = [{"metric": self.t(k),
                 "definition": definition(k, self.lang, **self.data.params)}
                for k in keys]
        return pd.DataFrame(rows, columns=["metric", "definition"])

    def thresholds_frame(self) -> pd.DataFrame:
        """The shop thresholds this report uses (:data:`REPORT_PARAMS`): the parameter's name,
        its value with its unit, its meaning (all translated) and its key in
        params/shop.yaml (where to change it)."""
        f = frames.thresholds_frame(self.data)
        f = f[f["parameter"].isin(REPORT_PARAMS)].reset_index(drop=True)
        value = [text.param_value(self, k, v) for k, v in zip(f["parameter"],
                                                             f["parameter_value"], strict=True)]
        return pd.DataFrame({
            "parameter": [self.t(f"weekly_param_{k}") for k in f["parameter"]],
            "parameter_value": value,
            "meaning": [self.t(f"param_{k}") for k in f["parameter"]],
            "setting_key": f["parameter"].to_numpy()})

    def appendix(self) -> list:
        """The metric definitions and the thresholds this report used."""
        return [html.table(self.definitions_frame(), {}, self.lang),
                html.table(self.thresholds_frame(), {}, self.lang,
                           caption=self.t("weekly_thresholds"))]

    # ------------------------------------------------------------------ workbook
    def tables(self) -> dict[str, pd.DataFrame]:
        """The workbook's sheets: sheet name → labelled frame (raw numbers, no customer PII),
        one per section with rows (and second tables), then the definitions and thresholds."""
        frames_: dict[str, tuple[str, pd.DataFrame]] = {}
        for key, (frame, _) in SECTIONS.sheets(self.data).items():
            frames_[key] = (SHEETS[key], frame)
            for sub in SUB_TABLES.get(key, ()):
                f = sub.build(self.data)
                if sub.sheet and f is not None and not f.empty:
                    frames_[sub.key] = (SHEETS[sub.key], f)
        out = {self.t(sheet): self.shown(key, f).rename(columns=self.col)
               for key, (sheet, f) in frames_.items()}
        out[self.t("weekly_sheet_definitions")] = self.definitions_frame().rename(
            columns=self.col)
        out[self.t("weekly_sheet_thresholds")] = self.thresholds_frame().rename(
            columns=self.col)
        return out

    def excel_formats(self) -> dict[str, str]:
        """Column label → kind (or Excel number format) for every column with a kind."""
        out = {self.col(c): (k if k in excel.NUMBER_FORMATS else formats.EXCEL_FORMATS[k])
               for c, k in KINDS.items()}
        out[self.col("period")] = "text"
        return out

    def write_workbook(self, path: str | Path) -> Path:
        """Write :meth:`tables` to the .xlsx ``path`` (csops_lib.render.excel)."""
        key = "weekly_title" if self.data.kind == "week" else "wr_monthly_title"
        return excel.write_workbook(path, self.tables(), formats=self.excel_formats(),
                                    lang=self.lang,
                                    title=f"{self.t(key)} {self.data.period.label}")
