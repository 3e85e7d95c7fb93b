"""The daily report's view: what the notebook displays (title and table of contents, styled
tables, charts, sentences from catalog templates, the appendix) and the Excel workbook, all
from :data:`csops_lib.reports.daily.SECTIONS` over one :class:`DailyData`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML
from openpyxl import load_workbook

from csops_lib.metrics.daily_deals import ATTRIBUTIONS, OTHER, TOTAL
from csops_lib.metrics.followups import reminder_amount
from csops_lib.render import excel, formats, html
from csops_lib.render.daily import charts
from csops_lib.render.daily.sentences import finding_text
from csops_lib.render.labels import definition, label, sentence
from csops_lib.reports import daily
from csops_lib.reports.daily import SECTIONS, DailyData

#: the NEEDS_MESSAGES keys this report names by one of its own labels
_NEEDS_LABEL = {"unconverted_inquiries": "daily_chase",
                "response_distribution": "daily_response_distribution"}


def localize(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A copy of ``frame`` with the builders' marker values shown as labels: the total and
    "other" rows of its first column, attribution kinds and the shop scope."""
    out = frame.copy()
    if len(out.columns) and out[out.columns[0]].isin([TOTAL, OTHER]).any():
        first = out.columns[0]
        out[first] = out[first].astype(object).map(
            lambda v: label(v, lang) if v in (TOTAL, OTHER) else v)
    if "attribution" in out.columns:
        out["attribution"] = out["attribution"].map(
            lambda v: label(f"daily_attr_{v}", lang) if v in ATTRIBUTIONS
            else label(v, lang) if v == TOTAL else v)
    return out


class DailyView:
    """The daily report in one language."""

    def __init__(self, data: DailyData, lang: str = "zh"):
        label("daily_title", lang)  # validates lang
        self.data, self.lang = data, lang

    @classmethod
    def load(cls, data_dir, date=None, *, lang: str = "zh",
             params: dict[str, Any] | None = None) -> DailyView:
        """:func:`csops_lib.reports.daily.load`, then the view in ``lang``."""
        label("daily_title", lang)
        return cls(daily.load(data_dir, date, params=params), lang)

    # ------------------------------------------------------------------ helpers
    def _t(self, key: str) -> str:
        return label(key, self.lang)

    def frame(self, key: str) -> pd.DataFrame | None:
        """Section ``key``'s frame (raw values, canonical columns)."""
        return SECTIONS.frame(key, self.data)

    def _table(self, df: pd.DataFrame, key: str, caption: str | None = None,
               suffix: dict[str, str] | None = None):
        """A styled table of section ``key``'s frame (labels, formats by kind, escaped)."""
        suffix = suffix or {}
        kinds = SECTIONS[key].kinds
        names = {c: self._t(str(c)) + suffix.get(str(c), "") for c in df.columns}
        shown = localize(df, self.lang).rename(columns=names)
        return html.table(shown, {names[c]: k for c, k in kinds.items() if c in names},
                          self.lang, caption=caption, relabel=False)

    def _note(self, text: str) -> HTML:
        return html.note(text)

    def _needs_messages(self, key: str) -> HTML | None:
        """The one-line note of a section the data do not allow (no message logs)."""
        if SECTIONS.has(key, self.data):
            return None
        return self._note(sentence("daily_needs_messages_one", self.lang, section=self._t(key)))

    # ------------------------------------------------------------------ title
    def needs_messages_note(self) -> str | None:
        """The one line saying which sections need message logs (agent_stats mode)."""
        if self.data.mode != "agent_stats":
            return None
        names = [self._t(_NEEDS_LABEL.get(k, k)) for k in daily.NEEDS_MESSAGES_HERE]
        names.append(self._t("daily_served"))
        return sentence("daily_needs_messages", self.lang,
                        sections=self._t("list_separator").join(names))

    def title(self) -> HTML:
        d, data = self.data.period.start, self.data
        wd = self._t(f"daily_weekday_{d.weekday()}")
        as_of = ("" if data.as_of is None or pd.isna(data.as_of) else
                 f" · {self._t('as_of')} {data.as_of:%Y-%m-%d %H:%M}")
        notes = []
        if data.mode == "agent_stats":
            notes.append(self.needs_messages_note())
        elif data.mode == "none":
            notes.append(self._t("daily_no_chats"))
        line = (f"{d:%Y-%m-%d} ({wd}){as_of} · "
                f"{self._t('generated_at')} {data.generated_at:%Y-%m-%d %H:%M}")
        return html.page_header(f"{self._t('daily_title')} {d:%Y-%m-%d}", [line], notes=notes,
                                toc_keys=daily.toc(data), lang=self.lang)

    def section(self, key: str) -> HTML:
        return html.heading(key, self.lang)

    def subsection(self, key: str) -> HTML:
        return html.heading(key, self.lang, level=3)

    def workbook_note(self, xlsx_path: str | None) -> HTML | None:
        if not xlsx_path:
            return None
        return self._note(f"{self._t('daily_workbook')}: {Path(xlsx_path).name}")

    # ------------------------------------------------------------------ headline
    def _headline_name(self, key: str) -> str:
        star = key == "inquiry_conversion" and self.data.provisional
        return self._t(key) + (" *" if star else "")

    def _age_text(self) -> str:
        """How long after the day began the data end, in whole hours (``24 小时``)."""
        hours = round(self.data.age.total_seconds() / 3600) if self.data.age is not None else 0
        return sentence("daily_age_hours", self.lang, h=hours)

    def headline_caption(self, frame: pd.DataFrame) -> str | None:
        """The provisional conversion's footnote: what its median is (like for like), or that
        it is not yet comparable."""
        basis = dict(zip(frame["key"], frame["basis"], strict=True)).get("inquiry_conversion")
        days = int(self.data.params["followup_days"])
        if basis == "same_age":
            return sentence("daily_conversion_same_age_note", self.lang, days=days,
                            age=self._age_text())
        if basis == "not_comparable":
            return sentence("daily_conversion_not_comparable", self.lang, days=days)
        return None

    def promo_notes(self) -> list[str]:
        """The lines saying the day is a promo and which promo days the comparison period
        held (left out of the medians and anomaly baselines)."""
        out = []
        today = self.data.promo_today()
        if today is not None:
            out.append(sentence("daily_promo_today", self.lang, name=today))
        held = self.data.promos_in_comparison()
        if len(held):
            days = [f"{name} {', '.join(f'{d:%m-%d}' for d in g.index)}"
                    for name, g in held.groupby(held, sort=False)]
            out.append(sentence("daily_promo_in_base", self.lang,
                                days=self._t("list_separator").join(days)))
        return out

    def headline_table(self):
        """The day against the same weekday of the 4 weeks before (promo days left out)."""
        frame = self.frame("headline")
        rows = []
        for r in frame.itertuples(index=False):
            if r.basis == "not_comparable":
                change = self._t("daily_not_comparable")
            elif pd.isna(r.change):
                change = formats.MISSING
            elif r.kind == "rate":
                change = f"{r.change * 100:+.1f} {self._t('daily_points')}"
            else:
                rel = round(r.change, 2)
                change = "0%" if rel == 0 else formats.fmt(rel, "change").replace(".0%", "%")
            rows.append({"metric": self._headline_name(r.key),
                         "daily_day": formats.fmt(r.value, r.kind),
                         "daily_avg_weekday": formats.fmt(r.base, r.kind),
                         "daily_vs_avg": change})
        table = html.table(pd.DataFrame(rows), {}, self.lang,
                           caption=self.headline_caption(frame))
        notes = self.promo_notes()
        return html.join(table, *[self._note(n) for n in notes]) if notes else table

    def _headline_sheet(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The headline as numbers, with the notes the page shows under it: the promo days
        left out (first row) and the provisional conversion's comparison (its row)."""
        notes = [""] * len(frame)
        if len(frame):
            notes[0] = " ".join(self.promo_notes())
        caption = self.headline_caption(frame)
        for i, key in enumerate(frame["key"]):
            if key == "inquiry_conversion" and caption:
                notes[i] = caption
        out = pd.DataFrame({"metric": [self._headline_name(k) for k in frame["key"]],
                            "daily_day": frame["value"].astype("float64"),
                            "daily_avg_weekday": frame["base"].astype("float64"),
                            "daily_note": notes})
        return out if any(notes) else out.drop(columns="daily_note")

    # ------------------------------------------------------------------ anomalies
    def _anomaly_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        rows = [{"scope": self._t("daily_shop") if f.scope == "shop" else f.scope,
                 "finding": finding_text(f, self.lang)} for f in self.data.findings]
        return pd.DataFrame(rows, columns=["scope", "finding"])

    def anomalies_html(self) -> HTML:
        if not self.data.findings:
            return self._note(self._t("daily_no_anomalies"))
        return html.paragraphs([finding_text(f, self.lang) for f in self.data.findings],
                               tag="li")

    # ------------------------------------------------------------------ deals
    def provinces_block(self) -> HTML:
        df = self.frame("daily_provinces")
        return charts.side(charts.top_bars(df, "province", "orders", "daily_provinces",
                                           self.lang), self._table(df, "daily_provinces"))

    def products_block(self) -> HTML:
        df = self.frame("daily_products")
        return charts.side(charts.top_bars(df, "product", "sales", "daily_products", self.lang,
                                           money=True), self._table(df, "daily_products"))

    def pay_slots_block(self) -> HTML:
        df = self.frame("daily_pay_slots")
        return charts.side(charts.pay_slots(df, self.lang, messages=self.data.messages),
                           self._table(df, "daily_pay_slots"))

    # ------------------------------------------------------------------ agents
    def agent_table(self):
        df = self.frame("daily_agents")
        caption = []
        if self.data.provisional:
            caption.append(self._t("provisional_note"))
        if self.data.mode == "agent_stats":
            caption.append(self._t("daily_stats_source"))
        styler = self._table(df, "daily_agents", " ".join(caption) or None,
                             suffix={"inquiry_conversion": " *"} if self.data.provisional
                             else None)
        last = len(df) - 1
        styler = styler.set_properties(subset=[self._t("agent")], **{"white-space": "nowrap"})
        return styler.apply(lambda r: ["font-weight: bold" if r.name == last else ""
                                       for _ in r], axis=1)

    def agent_charts(self) -> HTML:
        """The funnel chart beside the response-time distribution (needs message logs)."""
        resp = (charts.response(self.data.sessions, self.data.day,
                                self.data.params["slow_gap_s"], self.lang)
                if self.data.messages else None)
        return charts.side(charts.funnel(self.frame("daily_agents"), self.lang), resp)

    # ------------------------------------------------------------------ served, lists
    def served_table(self):
        note = self._needs_messages("daily_served")
        if note is not None:
            return note
        df = self.frame("daily_served")
        if df.empty:
            return self._note(self._t("daily_no_orders"))
        return self._table(df, "daily_served")

    def _first_rows(self, n: int) -> list:
        rows = int(self.data.settings["list_rows"])
        if n > rows:
            return [self._note(sentence("daily_first_rows", self.lang, rows=rows, n=n))]
        return []

    def chase_section(self) -> list:
        """Summary line, counts per agent, and a few masked examples (the buyers themselves
        are on the agents' chase sheets, ``csops chase``)."""
        note = self._needs_messages("daily_chase")
        if note is not None:
            return [note]
        c = self.data.chase
        if c.empty:
            return [self._note(self._t("daily_chase_none"))]
        by_agent = self.frame("daily_chase")
        tot = by_agent.iloc[-1]
        parts = [self._note(sentence("daily_chase_summary", self.lang, n=len(c),
                                     k=self.data.settings["max_chases"],
                                     t=int(tot["last_day_tomorrow"]),
                                     cap=self.data.params["chase_per_agent"],
                                     s=int(tot["chase_on_sheet"]))),
                 self._table(by_agent, "daily_chase")]
        examples = daily.chase_examples_frame(self.data)
        if len(examples):
            parts += [self._note(sentence("daily_chase_examples", self.lang, k=len(examples))),
                      self._table(examples, "daily_chase")]
        return parts

    def reminder_section(self) -> list:
        r = self.data.due
        if r.empty:
            return [self._note(self._t("daily_reminder_none"))]
        parts = [self._note(sentence("daily_reminder_summary", self.lang, n=len(r),
                                     h=self.data.settings["remind_after_h"],
                                     amount=reminder_amount(r)))]
        rows = int(self.data.settings["list_rows"])
        return parts + self._first_rows(len(r)) + [
            self._table(self.frame("daily_reminders").head(rows), "daily_reminders")]

    def callbacks_table(self):
        df = self.frame("daily_callbacks")
        if df.empty:
            return self._note(self._t("daily_no_callbacks"))
        return self._table(df, "daily_callbacks")

    # ------------------------------------------------------------------ appendix
    def _fill(self) -> dict[str, Any]:
        values = {**self.data.params, **self.data.settings}
        values["anomaly_pts_pts"] = f"{float(self.data.settings['anomaly_pts']) * 100:g}"
        return values

    def definitions_frame(self) -> pd.DataFrame:
        fill = self._fill()
        rows = [{"metric": self._t(k), "definition": definition(k, self.lang, **fill)}
                for k in SECTIONS.defined(self.data)]
        return pd.DataFrame(rows, columns=["metric", "definition"])

    def thresholds_frame(self) -> pd.DataFrame:
        """The thresholds and settings used: parameter (the key ``--param`` takes), value
        (``automatic`` for none), and what it means, in the report's language."""
        t = daily.thresholds_frame(self.data)
        return t.assign(
            parameter_value=t["parameter_value"].map(
                lambda v: self._t("auto") if pd.isna(v) else v),
            meaning=[self._t(f"param_{k}") for k in t["parameter"]])

    def appendix(self) -> HTML:
        """The metric definitions and the thresholds this report used."""
        defs = html.table(self.definitions_frame(), {}, self.lang)
        th = html.table(self.thresholds_frame(), {}, self.lang)
        return html.join(defs, html.heading("daily_thresholds", self.lang, level=3), th)

    # ------------------------------------------------------------------ Excel
    def tables(self) -> dict[str, pd.DataFrame]:
        """The workbook's sheets (raw values, labelled columns), from the registry: sheet
        name → DataFrame, one per available section with a sheet (an empty list keeps its
        header row, so the workbook's layout does not change from day to day). The chase and
        reminder list is complete here; the chase list is its counts per agent (the buyers are
        on the agents' chase sheets only)."""
        present = {"headline": self._headline_sheet, "daily_anomalies": self._anomaly_rows}
        out = {}
        for section in SECTIONS:
            frame = SECTIONS.frame(section.key, self.data) if section.sheet else None
            if frame is None:
                continue
            key = section.key
            frame = present[key](frame) if key in present else localize(frame, self.lang)
            out[self._t(key)] = frame.rename(columns=lambda c: self._t(str(c)))
        out[self._t("appendix")] = self.definitions_frame().rename(columns=self._t)
        out[self._t("daily_thresholds")] = self.thresholds_frame().rename(columns=self._t)
        return out

    def _excel_formats(self) -> dict[str, str]:
        fmts = {}
        for section in SECTIONS:
            for column, kind in section.kinds.items():
                fmts[self._t(column)] = (kind if kind in excel.NUMBER_FORMATS
                                         else formats.EXCEL_FORMATS[kind])
        for key in ("metric", "definition", "parameter", "parameter_value", "meaning",
                    "daily_note"):
            fmts[self._t(key)] = "text"
        return fmts

    def write_xlsx(self, path: str | Path) -> Path:
        """Write :meth:`tables` to ``path`` (formatted headers, frozen header rows, number
        formats by kind, fitted widths), atomically."""
        tables = self.tables()
        out = excel.write_workbook(path, tables, formats=self._excel_formats(), lang=self.lang,
                                   title=f"{self._t('daily_title')} {self.data.period.label}")
        # the headline mixes kinds in one column: format each value cell after writing
        wb = load_workbook(out)
        ws = wb[excel.sheet_names(tables)[0]]
        for i, kind in enumerate(self.frame("headline")["kind"]):
            for col in (2, 3):
                ws.cell(row=3 + i, column=col).number_format = excel.NUMBER_FORMATS[kind]
        return excel.save_atomic(wb, out)
