"""KPI scorecards, ranking and bonus allocation (METRICS.md §6; schemes in params/kpi_schemes.yaml).

Definitions (each tested with hand-computed values in ``tests/test_scorecard.py``):

* **Period metrics** (:func:`period_metrics`, one row per agent) from the daily
  :func:`csops_lib.metrics.kpis.agent_kpis` rows of the period: counts and money are summed
  (sessions, replied, inquiries, inquiry_buyers, orders, sales, buyers, slow / long sessions);
  rates are recomputed from the sums: reply_rate = Σ replied / Σ sessions, inquiry_conversion =
  Σ inquiry_buyers / Σ inquiries, aov = Σ sales / Σ buyers (buyers summed over days).
  first_response_s = the **median** of the period's session first responses
  (:func:`~csops_lib.metrics.sessions.build_sessions`; without sessions: the mean of the daily
  means weighted by replied sessions). within_3min_rate is recomputed over the period's turns
  from the chats. followup_conversion (追单成功率) = Σ (followups − followup_failed) / Σ followups
  of the supervisor's daily tally; refund_self_resolved_rate (退款自主完结率) over the refunds the
  agent handled (applied in the period); teamwork, attitude, discipline (0–100) and satisfaction
  (fraction) = mean of the supervisor's monthly scores for the months overlapping the period.
* **Ratio** per dimension: achieved / target when higher is better; target / achieved when
  lower is better (achieved 0 → the cap); clipped to [0, ``cap``] (default 1.2).
* **Weights** are normalised to sum to 1 over the dimensions used for the agent. A dimension
  whose ``roles`` exclude the agent's roster role is not used (weights renormalised). A
  **missing** achieved value (NaN: e.g. no refunds handled, no supervisor score) is, by the
  scheme's ``missing`` rule, ``exclude``: dropped with the weights renormalised (the default:
  an agent is not punished for what their job did not produce), or ``zero``: scored 0.
* **Score** = 100 × Σ weight × ratio (0 … 100 × cap); NaN when no dimension is used (e.g. an
  after-sales agent under the sales-only scheme). **Rank**: 1 = best, ties share the better
  rank (``min``), no rank without a score.
* **Bonus**: pool × (score − threshold)+ / Σ (score − threshold)+, rounded to cents; the
  rounding remainder (pool − Σ rounded) goes to the top scorer so the pool is paid exactly. A
  score at or below the threshold earns nothing; when nobody is above it nothing is paid.
* **Targets** of counts and money (sales, orders, …) are per week and scale with the period:
  target × days / 7; so does the bonus pool (``pool_per_week``). Rates, times and scores don't.
* **Promo mode** (:meth:`Scheme.promo_mode`): the response-time dimensions (``promo.exclude``:
  first_response_s, avg_response_s, within_3min_rate) are dropped, the other weights are scaled
  to 1 − ``team_pk_weight`` and a ``team_pk`` dimension (target 1) gets ``team_pk_weight``;
  like the sales targets it applies to the sales roles only (:data:`SALES_ROLES`: an
  after-sales agent is never scored against sales targets, alone or through the team PK).
  Team PK (:func:`team_pk`): each team's result = Σ of its agents' ``team_pk_metric`` (orders
  or sales); when every team has a promo target, teams compare attainment = result / target
  (fair between a big and a small team), else the results themselves; the agent's team_pk =
  its team's value ÷ the best team's value (the winner has 1, a loser its ratio). Agents'
  promo targets (table ``promos``), when given, replace the sales / orders targets.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from csops_lib import store
from csops_lib.loaders.core import load
from csops_lib.metrics._common import ratio
from csops_lib.metrics.chat import within_3min_rate
from csops_lib.metrics.refunds import refund_metrics
from csops_lib.metrics.rollups import add_rates
from csops_lib.settings.paths import ROOT
from csops_lib.settings.shop import resolve_params

#: the metrics a scheme may score (each a column of :func:`period_metrics`)
METRICS: tuple[str, ...] = (
    "sales", "orders", "buyers", "inquiries", "sessions", "inquiry_conversion", "aov",
    "reply_rate", "first_response_s", "avg_response_s", "within_3min_rate",
    "followup_conversion", "refund_self_resolved_rate", "satisfaction", "teamwork", "attitude",
    "discipline", "team_pk")
#: metrics whose targets scale with the period length (per week in the yaml)
ADDITIVE = frozenset({"sales", "orders", "buyers", "inquiries", "sessions"})
#: response-time metrics, dropped in promo mode unless the yaml says otherwise
RESPONSE_METRICS = ("first_response_s", "avg_response_s", "within_3min_rate")
SUPERVISOR_COLUMNS = ("teamwork", "attitude", "discipline", "satisfaction")
#: roster roles scored on sales (targets, team PK); an agent without a role counts as one
SALES_ROLES = ("presale", "both")



class SchemeError(ValueError):
    """A KPI scheme file or argument is invalid."""


# ----------------------------------------------------------------------------- schemes
@dataclass(frozen=True)
class Dimension:
    """One scored metric of a scheme."""

    metric: str
    better: str          # "higher" | "lower"
    target: float
    weight: float
    roles: tuple[str, ...] = ()  # roster roles scored on it; empty = everyone

    def __post_init__(self) -> None:
        if self.better not in ("higher", "lower"):
            raise SchemeError(f"{self.metric}: better must be higher or lower, not {self.better!r}")
        if not (self.target > 0 and math.isfinite(self.target)):
            raise SchemeError(f"{self.metric}: target must be > 0, not {self.target!r}")
        if not (self.weight > 0 and math.isfinite(self.weight)):
            raise SchemeError(f"{self.metric}: weight must be > 0, not {self.weight!r}")


@dataclass(frozen=True)
class Scheme:
    """A KPI scheme: dimensions, cap and missing-value rule (see the module docstring)."""

    key: str
    dimensions: tuple[Dimension, ...]
    cap: float = 1.2
    missing: str = "exclude"   # "exclude" | "zero"
    names: tuple[str, str] = ("", "")
    promo: bool = False

    def __post_init__(self) -> None:
        if not self.dimensions:
            raise SchemeError(f"scheme {self.key!r} has no dimensions")
        if self.missing not in ("exclude", "zero"):
            raise SchemeError(f"missing must be exclude or zero, not {self.missing!r}")
        if not self.cap >= 1:
            raise SchemeError(f"cap must be ≥ 1, not {self.cap!r}")
        metrics = [d.metric for d in self.dimensions]
        if len(set(metrics)) != len(metrics):
            raise SchemeError(f"scheme {self.key!r} lists a metric twice: {metrics}")

    @property
    def metrics(self) -> list[str]:
        return [d.metric for d in self.dimensions]

    def scaled(self, days: float) -> Scheme:
        """Targets of counts and money × days / 7 (the yaml's targets are per week)."""
        return replace(self, dimensions=tuple(
            replace(d, target=d.target * days / 7.0) if d.metric in ADDITIVE else d
            for d in self.dimensions))

    def promo_mode(self, team_pk_weight: float = 0.2,
                   exclude: tuple[str, ...] = RESPONSE_METRICS) -> Scheme:
        """Response-time dimensions dropped, a team PK dimension added (module docstring)."""
        if not 0 < team_pk_weight < 1:
            raise SchemeError(f"team_pk_weight must be in (0, 1), not {team_pk_weight!r}")
        kept = [d for d in self.dimensions if d.metric not in exclude and d.metric != "team_pk"]
        total = sum(d.weight for d in kept)
        dims = [replace(d, weight=d.weight / total * (1 - team_pk_weight)) for d in kept]
        dims.append(Dimension("team_pk", "higher", 1.0, team_pk_weight, SALES_ROLES))
        return replace(self, dimensions=tuple(dims), promo=True)


@dataclass(frozen=True)
class KpiConfig:
    """params/kpi_schemes.yaml: the schemes, the shop's scheme, bonus and promo settings."""

    schemes: dict[str, Scheme]
    shop_scheme: str = "standard"
    pool_per_week: float = 3000.0
    threshold: float = 60.0
    promo_exclude: tuple[str, ...] = RESPONSE_METRICS
    team_pk_metric: str = "orders"
    team_pk_weight: float = 0.2
    use_promo_targets: bool = True
    path: Path | None = field(default=None, compare=False)

    def scheme(self, key: str | None = None) -> Scheme:
        key = key or self.shop_scheme
        if key not in self.schemes:
            raise SchemeError(f"unknown KPI scheme {key!r}; known: {', '.join(self.schemes)}")
        return self.schemes[key]

    def pool(self, days: float) -> float:
        """The bonus pool for a period of ``days`` days, in yuan (cents)."""
        return round(self.pool_per_week * days / 7.0, 2)


def default_path() -> Path:
    return ROOT / "params" / "kpi_schemes.yaml"


def load_config(path: str | Path | None = None) -> KpiConfig:
    """Read the KPI schemes file (default ``params/kpi_schemes.yaml``)."""
    path = Path(path) if path else default_path()
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cap = float(raw.get("cap", 1.2))
    missing = str(raw.get("missing", "exclude"))
    schemes = {}
    for key, spec in (raw.get("schemes") or {}).items():
        try:
            dims = tuple(Dimension(str(d["metric"]), str(d.get("better", "higher")),
                                   float(d["target"]), float(d.get("weight", 1)),
                                   tuple(d.get("roles") or ())) for d in spec["dimensions"])
        except KeyError as exc:
            raise SchemeError(f"{path}: scheme {key!r}: a dimension lacks {exc}") from None
        unknown = [d.metric for d in dims if d.metric not in METRICS]
        if unknown:
            raise SchemeError(f"{path}: scheme {key!r}: unknown metric(s) {unknown}; "
                              f"known: {', '.join(METRICS)}")
        names = tuple(spec.get("name") or (key, key))
        schemes[key] = Scheme(key, dims, cap=float(spec.get("cap", cap)),
                              missing=str(spec.get("missing", missing)), names=names)
    bonus = raw.get("bonus") or {}
    promo = raw.get("promo") or {}
    config = KpiConfig(
        schemes=schemes, shop_scheme=str(raw.get("shop_scheme", "standard")),
        pool_per_week=float(bonus.get("pool_per_week", 3000)),
        threshold=float(bonus.get("threshold", 60)),
        promo_exclude=tuple(promo.get("exclude", RESPONSE_METRICS)),
        team_pk_metric=str(promo.get("team_pk_metric", "orders")),
        team_pk_weight=float(promo.get("team_pk_weight", 0.2)),
        use_promo_targets=bool(promo.get("use_promo_targets", True)), path=path)
    config.scheme()  # the shop's scheme must exist
    if config.team_pk_metric not in ("orders", "sales"):
        raise SchemeError(f"promo.team_pk_metric must be orders or sales, "
                          f"not {config.team_pk_metric!r}")
    return config


# ----------------------------------------------------------------------------- scoring
def ratios(achieved, target, better: str, cap: float) -> np.ndarray:
    """Achievement ratio per value: achieved / target, or target / achieved when lower is
    better (0 achieved → cap); clipped to [0, cap]; NaN stays NaN."""
    a = np.asarray(achieved, dtype="float64")
    t = np.broadcast_to(np.asarray(target, dtype="float64"), a.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = a / t if better == "higher" else np.where(a == 0, cap, t / a)
    return np.clip(r, 0.0, cap)


def _roles_of(agents: pd.Index, roles: pd.Series | dict | None) -> pd.Series:
    if roles is None:
        return pd.Series(np.nan, index=agents, dtype=object)
    return pd.Series(roles).reindex(agents)


def score_detail(metrics: pd.DataFrame, scheme: Scheme, *, roles=None,
                 targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per agent × dimension: achieved, target, ratio, weight (normalised over the
    dimensions used for that agent), points (= 100 × weight × ratio) and ``used``.

    ``metrics``: index agent, a column per metric (missing column = missing for everyone).
    ``roles``: agent → roster role (no role: every dimension applies). ``targets``: optional
    per-agent targets (index agent, columns metrics) overriding the scheme's where given.
    """
    agents = pd.Index(metrics.index, name="agent")
    role = _roles_of(agents, roles)
    rows = []
    for d in scheme.dimensions:
        achieved = (pd.to_numeric(metrics[d.metric], errors="coerce").astype("float64")
                    if d.metric in metrics.columns else pd.Series(np.nan, index=agents))
        target = pd.Series(d.target, index=agents, dtype="float64")
        if targets is not None and d.metric in targets.columns:
            own = pd.to_numeric(targets[d.metric], errors="coerce").reindex(agents)
            target = own.where(own > 0, target)
        applies = (role.isna() | role.isin(d.roles)) if d.roles else pd.Series(True, index=agents)
        r = pd.Series(ratios(achieved.to_numpy(), target.to_numpy(), d.better, scheme.cap),
                      index=agents)
        if scheme.missing == "zero":
            r = r.fillna(0.0)
        rows.append(pd.DataFrame({
            "agent": agents, "metric": d.metric, "better": d.better, "achieved": achieved.values,
            "target": target.values, "ratio": r.values, "raw_weight": d.weight,
            "applies": applies.to_numpy(dtype=bool)}))
    out = pd.concat(rows, ignore_index=True)
    out["used"] = out["applies"] & out["ratio"].notna()
    w = out["raw_weight"].where(out["used"], 0.0)
    out["weight"] = w / w.groupby(out["agent"]).transform("sum").replace(0, np.nan)
    out["points"] = 100.0 * out["weight"] * out["ratio"]
    out.loc[~out["used"], ["weight", "points"]] = np.nan
    return out.drop(columns="raw_weight")


def rank(scores: pd.Series) -> pd.Series:
    """1 = the highest score; ties share the better rank; no rank without a score."""
    return scores.rank(ascending=False, method="min").astype("Int64")


def score(metrics: pd.DataFrame, scheme: Scheme, *, roles=None,
          targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per agent: score (0 … 100 × cap, NaN without any used dimension), rank, dimensions used."""
    detail = score_detail(metrics, scheme, roles=roles, targets=targets)
    g = detail.groupby("agent", sort=False)
    out = pd.DataFrame({"score": g["points"].sum(min_count=1),
                        "dimensions_used": g["used"].sum().astype("int64")})
    out = out.reindex(pd.Index(metrics.index, name="agent"))
    out["rank"] = rank(out["score"])
    return out[["score", "rank", "dimensions_used"]]


def allocate_bonus(scores: pd.Series, pool: float, threshold: float) -> pd.Series:
    """pool × (score − threshold)+ / Σ (score − threshold)+ in yuan, rounded to cents, the
    remainder to the top scorer so that the bonuses add up to the pool exactly (in cents).

    Nobody above the threshold: everybody 0 (the pool is not paid). Ties for the top score:
    the first agent in index order gets the remainder.
    """
    s = pd.to_numeric(scores, errors="coerce").astype("float64")
    excess = (s - float(threshold)).clip(lower=0).fillna(0.0)
    cents_pool = int(round(float(pool) * 100))
    cents = pd.Series(0, index=s.index, dtype="int64")
    total = float(excess.sum())
    if total > 0 and cents_pool > 0:
        cents = np.round(excess / total * cents_pool).astype("int64")
        top = s[excess > 0].idxmax()
        cents[top] += cents_pool - int(cents.sum())
    return (cents / 100.0).rename("bonus")


def team_pk(metrics: pd.DataFrame, teams, metric: str = "orders",
            targets=None) -> pd.DataFrame:
    """Team vs team on ``metric`` (module docstring): per team result, target, attainment,
    pk (the team's value ÷ the best team's, 1 = winner) and winner."""
    team = pd.Series(teams).reindex(metrics.index)
    df = pd.DataFrame({"team": team, "value": pd.to_numeric(metrics[metric], errors="coerce")})
    res = df.dropna(subset=["team"]).groupby("team")["value"].sum(min_count=1)
    out = pd.DataFrame({"result": res})
    out["target"] = (pd.to_numeric(pd.Series(targets), errors="coerce").reindex(out.index)
                     if targets is not None else np.nan)
    has_targets = bool(len(out)) and bool((out["target"] > 0).all())
    out["attainment"] = out["result"] / out["target"] if has_targets else out["result"]
    best = out["attainment"].max()
    out["pk"] = out["attainment"] / best if best and best > 0 else np.nan
    out["winner"] = out["pk"].eq(1.0)
    return out


@dataclass
class Evaluation:
    """A scheme applied to one period: per-dimension detail and per-agent score/rank/bonus."""

    scheme: Scheme
    detail: pd.DataFrame
    scores: pd.DataFrame          # index agent: score, rank, dimensions_used, bonus
    pool: float
    threshold: float
    teams: pd.DataFrame | None = None  # team PK table in promo mode


def evaluate(metrics: pd.DataFrame, config: KpiConfig, scheme: str | Scheme | None = None, *,
             days: float = 7, roles=None, teams=None, promo: bool = False,
             team_targets=None, agent_targets: pd.DataFrame | None = None) -> Evaluation:
    """Score ``metrics`` (from :func:`period_metrics`) under a scheme for a ``days``-day period:
    targets and pool scaled to the period, promo mode when ``promo``, bonus allocated."""
    sch = scheme if isinstance(scheme, Scheme) else config.scheme(scheme)
    sch = sch.scaled(days)
    m = metrics.copy()
    pk = None
    targets = None
    if promo:
        sch = sch.promo_mode(config.team_pk_weight, config.promo_exclude)
        if teams is not None:
            pk = team_pk(m, teams, config.team_pk_metric, team_targets)
            m["team_pk"] = pd.Series(teams).reindex(m.index).map(pk["pk"]).astype("float64")
        if config.use_promo_targets and agent_targets is not None:
            targets = agent_targets
    sc = score(m, sch, roles=roles, targets=targets)
    pool = config.pool(days)
    sc["bonus"] = allocate_bonus(sc["score"], pool, config.threshold)
    detail = score_detail(m, sch, roles=roles, targets=targets)
    return Evaluation(sch, detail, sc, pool, config.threshold, pk)


def compare_schemes(metrics: pd.DataFrame, config: KpiConfig, schemes=None, **kwargs
                    ) -> pd.DataFrame:
    """Agent × scheme: score, rank and bonus under each scheme (columns: scheme, field)."""
    keys = list(schemes or config.schemes)
    parts = {k: evaluate(metrics, config, k, **kwargs).scores[["score", "rank", "bonus"]]
             for k in keys}
    out = pd.concat(parts, axis=1)
    out.columns.names = ["scheme", "field"]
    return out


# ----------------------------------------------------------------------------- period metrics
SUM_COLUMNS = ("sessions", "replied", "unanswered", "slow_sessions", "long_sessions",
               "inquiries", "inquiry_buyers", "orders", "sales", "buyers")


def _in_period(df: pd.DataFrame, col: str, date_from, date_to) -> pd.DataFrame:
    if df is None or df.empty or col not in df.columns:
        return df
    d = pd.to_datetime(df[col]).dt.normalize()
    keep = pd.Series(True, index=df.index)
    if date_from is not None:
        keep &= d >= pd.Timestamp(date_from)
    if date_to is not None:
        keep &= d <= pd.Timestamp(date_to)
    return df[keep]


def period_metrics(kpis: pd.DataFrame, *, sessions: pd.DataFrame | None = None,
                   chats: pd.DataFrame | None = None, agent_daily: pd.DataFrame | None = None,
                   refunds: pd.DataFrame | None = None,
                   supervisor: pd.DataFrame | None = None, date_from=None, date_to=None,
                   params: dict[str, Any] | None = None) -> pd.DataFrame:
    """One row per agent with every scorecard metric over [date_from, date_to] (inclusive;
    None = all rows given). Definitions: module docstring. Missing inputs give NaN columns."""
    k = _in_period(kpis, "date", date_from, date_to)
    cols = [c for c in SUM_COLUMNS if c in k.columns]
    num = k[["agent", *cols]].copy()
    for c in cols:
        num[c] = pd.to_numeric(num[c], errors="coerce").astype("float64")
    out = num.groupby("agent", sort=True)[cols].sum(min_count=1)
    out.index.name = "agent"
    out = add_rates(out, ["reply_rate", "inquiry_conversion", "aov"])
    if sessions is not None and not sessions.empty:
        s = _in_period(sessions, "date", date_from, date_to)
        out["first_response_s"] = s.groupby("agent")["first_response_s"].median()
        out["avg_response_s"] = s.groupby("agent")["avg_response_s"].median()
    elif "first_response_s" in k.columns:
        w = pd.to_numeric(k["replied"], errors="coerce").astype("float64")
        for c in ("first_response_s", "avg_response_s"):
            v = pd.to_numeric(k[c], errors="coerce").astype("float64")
            ok = v.notna() & (w > 0)
            out[c] = ((v * w)[ok].groupby(k["agent"][ok]).sum()
                      / w[ok].groupby(k["agent"][ok]).sum())
    if chats is not None and not chats.empty:
        c = _in_period(chats, "sent_at", date_from, date_to)
        w3 = within_3min_rate(c, resolve_params(params), by=["agent"])
        out["within_3min_rate"] = w3.set_index("agent")["within_3min_rate"]
    if agent_daily is not None and not agent_daily.empty:
        a = _in_period(agent_daily, "date", date_from, date_to)
        f = pd.to_numeric(a["followups"], errors="coerce").astype("float64")
        ok = f - pd.to_numeric(a["followup_failed"], errors="coerce").astype("float64")
        g = pd.DataFrame({"agent": a["agent"], "f": f, "ok": ok}).groupby("agent")
        out["followup_conversion"] = ratio(g["ok"].sum(), g["f"].sum())
    if refunds is not None and not refunds.empty and "agent" in refunds.columns:
        r = _in_period(refunds, "applied_at", date_from, date_to)
        if not r.empty:
            rm = refund_metrics(r.dropna(subset=["agent"]), by=["agent"]).set_index("agent")
            out["refund_self_resolved_rate"] = rm["refund_self_resolved_rate"]
    if supervisor is not None and not supervisor.empty:
        sup = supervisor.copy()
        month = pd.to_datetime(sup["month"]).dt.to_period("M")
        keep = pd.Series(True, index=sup.index)
        if date_to is not None:
            keep &= month.dt.start_time <= pd.Timestamp(date_to)
        if date_from is not None:
            keep &= month.dt.end_time >= pd.Timestamp(date_from)
        sup = sup[keep]
        present = [c for c in SUPERVISOR_COLUMNS if c in sup.columns]
        means = sup.groupby("agent")[present].mean()
        out = out.join(means, how="left") if not means.empty else out
        for c in present:
            if c not in out.columns:
                out[c] = np.nan
    for c in METRICS:
        if c not in out.columns and c != "team_pk":
            out[c] = np.nan
    return out


# ----------------------------------------------------------------------------- supervisor sheet
def load_supervisor_scores(path: str | Path) -> pd.DataFrame:
    """Read a supervisor score sheet (主管评分: xlsx or csv, Chinese or English headers) with
    the standard loader (table ``supervisor_scores``): month (its first day), agent, teamwork,
    attitude, discipline (0–100) and satisfaction (a fraction: ``96%`` or ``0.96``). Rows the
    loader sets aside are reported by ``csops validate``; a missing month or agent column is a
    :class:`csops_lib.loaders.core.MissingColumnError` naming the aliases (月份, 客服 …)."""
    df, _ = load(path, "supervisor_scores")
    return _month_start(df)


def supervisor_scores_from_store(data_dir: str | Path) -> pd.DataFrame | None:
    """The supervisor scores ingested into a store (``csops ingest 主管评分.xlsx``), or None."""
    df = store.read(data_dir, "supervisor_scores")
    return None if df.empty else _month_start(df)


def _month_start(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["month"] = out["month"].dt.to_period("M").dt.start_time.astype("datetime64[ns]")
    return out.reset_index(drop=True)
