"""The what-if analysis's view (假设分析): sentences, tables and charts of each section of
:data:`csops_lib.reports.what_if.SECTIONS` in the catalog's language; the calculators take
the sliders' values (defaults: the report's settings).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML

from csops_lib.metrics.what_if import uplift_headline, uplift_sales
from csops_lib.render import formats, html
from csops_lib.render import scorecard as sc
from csops_lib.render.labels import definition, label, sentence
from csops_lib.reports import what_if as report
from csops_lib.reports.what_if import SECTIONS, WhatIfData


def _done(fig):
    plt.close(fig)
    return fig


def _money_axis(ax, axis: str = "y") -> None:
    fmt = plt.FuncFormatter(lambda v, _: formats.fmt(v, "money0"))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


class WhatIf:
    """The view of the what-if report (``data`` from :func:`report.load`) in ``lang``."""

    def __init__(self, data: WhatIfData, lang: str = "zh"):
        self.data = data
        self.lang = lang

    @classmethod
    def load(cls, data_dir, week: str | None = None, *, lang: str = "zh", **kwargs) -> WhatIf:
        return cls(report.load(data_dir, week, **kwargs), lang)

    # the loaded numbers, for tests and sliders
    @property
    def metrics(self) -> pd.DataFrame:
        return self.data.metrics

    @property
    def config(self):
        return self.data.config

    def _t(self, key: str, **values) -> str:
        return sentence(key, self.lang, **values) if values else label(key, self.lang)

    def _p(self, text: str) -> HTML:
        return html.paragraphs([text])

    def title(self) -> HTML:
        p, d = self.data.period, self.data
        line = (f"{p.label}: {p.start:%Y-%m-%d} – {p.end:%Y-%m-%d} · "
                f"{self._t('generated_at')} {d.generated_at:%Y-%m-%d %H:%M}")
        return html.page_header(self._t("what_if_title"), [line],
                                toc_keys=SECTIONS.available(d), lang=self.lang)

    def section(self, key: str) -> HTML:
        return html.heading(key, self.lang)

    # ------------------------------------------------------------------ uplift
    def uplift(self, uplift: float, mode: str = "points") -> pd.DataFrame:
        """Per agent extra buyers and sales (:func:`uplift_sales`)."""
        return uplift_sales(self.data.metrics, uplift, mode)

    def uplift_summary(self, uplift: float, mode: str = "points") -> HTML:
        h = uplift_headline(self.data.metrics, self.uplift(uplift, mode))
        how = self._t("wi_increase_points" if mode == "points" else "wi_increase_rel", u=uplift)
        return self._p(self._t(
            "wi_uplift_summary", week=self.data.period.label, inq=h["inquiries"],
            conv=formats.fmt(h["conversion"], "rate"), how=how,
            buyers=h["extra_buyers"], sales=formats.fmt(h["extra_sales"], "money"),
            share=formats.fmt(h["share"], "rate")))

    def uplift_table(self, uplift: float, mode: str = "points"):
        u = report.uplift(self.data, uplift, mode)
        u["agent"] = u["agent"].where(u["agent"] != "total", self._t("total"))
        return html.table(u, SECTIONS["wi_uplift"].kinds, self.lang)

    def uplift_chart(self, uplift: float, mode: str = "points"):
        top = max(uplift * 2, 0.05 if mode == "points" else 0.3)
        grid = np.linspace(0, top, 21)
        extra = [self.uplift(u, mode)["extra_sales"].sum() for u in grid]
        fig, ax = plt.subplots(figsize=(9, 3.6))
        x = grid * 100 if mode == "points" else grid
        ax.plot(x, extra, color="C0", lw=2)
        here = self.uplift(uplift, mode)["extra_sales"].sum()
        xh = uplift * 100 if mode == "points" else uplift
        ax.scatter([xh], [here], color="C3", zorder=3)
        ax.annotate(formats.fmt(here, "money0"), (xh, here), textcoords="offset points",
                    xytext=(6, -12), fontsize=9, color="C3")
        ax.set_xlabel(self._t("wi_uplift_axis" if mode == "points" else "wi_uplift_rel_axis"))
        if mode == "relative":
            ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.set_ylabel(self._t("extra_sales"))
        _money_axis(ax)
        ax.set_title(self._t("wi_sensitivity"))
        return _done(fig)

    # ------------------------------------------------------------------ staffing
    def staffing(self, **kw) -> pd.DataFrame:
        return report.staffing_plan(self.data, **kw)

    def staffing_summary(self, **kw) -> HTML:
        s = self.staffing(**kw)
        a = {**self.data.settings.staffing_kwargs(), **kw}
        peak = int(s["forecast"].idxmax())
        return self._p(self._t(
            "wi_staffing_summary", week=self.data.period.label, mult=f"{a['load_multiplier']:g}",
            aht=s.attrs["aht_s"],
            aht_src=self._t("wi_measured" if s.attrs["aht_measured"] else "wi_given"),
            k=a["concurrency"], sl=formats.fmt(a["target_service_level"], "rate0"),
            t=a["answer_within_s"], occ=formats.fmt(a["max_occupancy"], "rate0"),
            shr=formats.fmt(a["shrinkage"], "rate0"), peak=peak,
            need=int(s.loc[peak, "agents"]), have=int(s.loc[peak, "on_shift"]),
            hours=int(s["agents"].sum())))

    def staffing_table(self, **kw):
        s = self.staffing(**kw)
        out = pd.DataFrame({
            self._t("hour"): [f"{h:02d}:00" for h in s.index],
            self._t("wi_sessions_hour"): s["base"].to_numpy(),
            self._t("wi_forecast"): s["forecast"].to_numpy(),
            self._t("wi_required"): s["agents"].to_numpy(),
            self._t("wi_on_shift"): s["on_shift"].to_numpy(),
            self._t("wi_gap"): s["gap"].to_numpy(),
            self._t("wi_service_level"): s["service_level"].to_numpy(),
            self._t("wi_asa"): s["asa_s"].to_numpy(),
            self._t("occupancy"): s["occupancy"].to_numpy()})
        kinds = dict(zip(out.columns, ["text", "number1", "number1", "count", "count", "count",
                                       "rate", "number1", "rate0"], strict=True))
        return html.table(out, kinds, self.lang, relabel=False).map(
            lambda v: "color:#b00020;font-weight:bold" if v > 0 else "color:#999",
            subset=[self._t("wi_gap")])

    def staffing_chart(self, **kw):
        s = self.staffing(**kw)
        fig, ax = plt.subplots(figsize=(9, 3.8))
        ax.bar(s.index, s["agents"], color="C0", label=self._t("wi_required"))
        ax.step(np.r_[s.index - 0.5, 23.5], np.r_[s["on_shift"].to_numpy(),
                                                  s["on_shift"].iloc[-1]],
                where="post", color="C3", lw=2, label=self._t("wi_on_shift"))
        ax.set_xticks(range(0, 24, 2))
        ax.set_xlabel(self._t("hour"))
        ax.set_ylabel(self._t("wi_agents"))
        ax.set_title(self._t("wi_staffing_chart"))
        ax.legend(fontsize=9)
        return _done(fig)

    # ------------------------------------------------------------------ schemes
    def compare(self, bonus_pool: float | None = None, threshold: float | None = None):
        return report.compare(self.data, bonus_pool, threshold)

    def schemes_summary(self, bonus_pool: float | None = None,
                        threshold: float | None = None) -> HTML:
        cfg = report.scheme_config(self.data, bonus_pool, threshold)
        days = self.data.period.days
        return self._p(self._t("wi_schemes_summary", week=self.data.period.label,
                               pool=formats.fmt(cfg.pool(days), "money"),
                               threshold=f"{cfg.threshold:g}"))

    def schemes_table(self, bonus_pool: float | None = None, threshold: float | None = None):
        return sc.comparison_table(self.compare(bonus_pool, threshold), self.config, self.lang)

    def schemes_definition(self):
        """The schemes' dimensions side by side (weights normalised)."""
        parts = []
        for sch in self.config.schemes.values():
            t = sc.scheme_table(sch, self.lang, days=self.data.period.days)
            t.insert(0, "sc_scheme", sc.scheme_name(sch, self.lang))
            parts.append(t)
        return html.table(pd.concat(parts, ignore_index=True), None, self.lang)

    def bonus_chart(self, bonus_pool: float | None = None, threshold: float | None = None):
        c = self.compare(bonus_pool, threshold)
        bonus = c.xs("bonus", axis=1, level="field")
        bonus = bonus.loc[bonus.sum(axis=1).sort_values(ascending=False).index]
        fig, ax = plt.subplots(figsize=(9, 3.8))
        x = np.arange(len(bonus))
        w = 0.8 / max(len(bonus.columns), 1)
        for i, key in enumerate(bonus.columns):
            ax.bar(x + (i - (len(bonus.columns) - 1) / 2) * w, bonus[key], width=w,
                   label=sc.scheme_name(self.config.schemes[key], self.lang))
        ax.set_xticks(x, bonus.index)
        _money_axis(ax)
        ax.set_title(self._t("wi_bonus_chart"))
        ax.legend(fontsize=9)
        return _done(fig)

    def promo_compare(self):
        return report.promo_compare(self.data)

    def promo_summary(self) -> HTML:
        d = self.data
        if d.promo is None:
            return self._p(self._t("wi_no_promo"))
        return self._p(self._t(
            "wi_promo_summary", promo=d.promo["name"], start=f"{d.promo['start']:%Y-%m-%d}",
            end=f"{d.promo['end']:%Y-%m-%d}", metric=self._t(self.config.team_pk_metric),
            w=formats.fmt(self.config.team_pk_weight, "rate0"),
            pool=formats.fmt(self.config.pool(d.promo_days), "money")))

    def promo_table(self):
        c = self.promo_compare()
        return None if c is None else sc.comparison_table(c, self.config, self.lang)

    def promo_teams_table(self):
        t = report.promo_teams(self.data)
        if t is None:
            return None
        t = t.rename(columns={"result": "wi_result", "target": "sc_target", "pk": "wi_pk",
                              "winner": "wi_winner"})
        t["wi_winner"] = np.where(t["wi_winner"], "✓", "")
        kinds = {"wi_result": "count", "sc_target": "count", "attainment": "rate",
                 "wi_pk": "score"}
        return html.table(t, kinds, self.lang)

    # ------------------------------------------------------------------ appendix
    def appendix(self) -> HTML:
        return html.paragraphs([definition(k, self.lang) for k in SECTIONS.defined(self.data)],
                               tag="li")
