"""The sales bridge: what moved sales between two periods, split exactly into a volume, a
conversion and a value factor (docs/METRICS_BRIDGE.md).

Sales are written as a product of three factors, each period on its own:

- the shop: ``sales = visitors × store conversion × sales per buyer-day`` with visitors
  V = Σ daily UV, store conversion c = B / V (B = Σ store-day paying buyers, METRICS.md §2,
  the headline's 全店转化率) and value v = sales / B (yuan per paying buyer-day);
- an agent (agent-served sales, METRICS.md §4): ``sales = inquiries × inquiry conversion ×
  sales per converted inquiry`` with V = inquiries, c = inquiry buyers / inquiries (the
  headline's 询单转化率) and v = sales / inquiry buyers.

The value factor is *defined* as sales / (V × c) so that the product is exactly the sales;
it is close to, but not the same statistic as, AOV (sales / distinct buyers), and is named
differently in the reports.

The change ΔS = S₁ − S₀ is split with the **logarithmic mean Divisia index** (LMDI-I):
``part_k = L(S₁, S₀) · ln(x_k1 / x_k0)`` with ``L(a, b) = (a − b) / (ln a − ln b)`` and
``L(a, a) = a``. Because Σ_k ln(x_k1 / x_k0) = ln(S₁ / S₀), the parts add up to ΔS exactly.
LMDI needs every factor > 0 in both periods; otherwise the **symmetric Shapley split** is
used (the average over the orders of changing the factors one at a time; exact for any
finite values). Units: the parts are yuan, like the sales. The zero rule is on
:func:`sales_bridge`; a worked example (¥5,000 → ¥5,500: visitors +¥500, conversion −¥500,
value +¥500) in docs/METRICS_BRIDGE.md and tests/metrics/test_bridge.py.

Source: Ang (2005), The LMDI approach to decomposition analysis; METRICS.md §2 and §4 for
the factors.
"""
from __future__ import annotations

import math
from itertools import permutations
from typing import Any

import numpy as np
import pandas as pd

#: the names of the three factors, in order
FACTORS = ("volume", "conversion", "value")


def log_mean(a: float, b: float) -> float:
    """The logarithmic mean L(a, b) = (a − b) / (ln a − ln b) of two positive numbers;
    L(a, a) = a. NaN unless both are > 0."""
    if not (a > 0 and b > 0):
        return np.nan
    if math.isclose(a, b, rel_tol=1e-12):
        return float(a)
    return (a - b) / (math.log(a) - math.log(b))


def lmdi(x0, x1) -> np.ndarray:
    """LMDI-I parts of Π x1 − Π x0: ``L(S₁, S₀) · ln(x_k1 / x_k0)`` per factor (every factor
    must be > 0 in both periods; else NaN parts)."""
    x0, x1 = np.asarray(x0, dtype=float), np.asarray(x1, dtype=float)
    if not (np.all(x0 > 0) and np.all(x1 > 0)):
        return np.full(len(x0), np.nan)
    w = log_mean(float(np.prod(x1)), float(np.prod(x0)))
    return w * np.log(x1 / x0)


def shapley(x0, x1) -> np.ndarray:
    """Symmetric Shapley parts of Π x1 − Π x0: for each factor, the mean over every order of
    changing the factors one at a time (from period 0 to 1) of the change in the product
    when that factor changes. Exact for any finite values (zeros included); NaN parts when a
    value is missing."""
    x0, x1 = np.asarray(x0, dtype=float), np.asarray(x1, dtype=float)
    n = len(x0)
    if not (np.all(np.isfinite(x0)) and np.all(np.isfinite(x1))):
        return np.full(n, np.nan)
    parts = np.zeros(n)
    orders = list(permutations(range(n)))
    for order in orders:
        current = x0.copy()
        before = float(np.prod(current))
        for k in order:
            current[k] = x1[k]
            after = float(np.prod(current))
            parts[k] += after - before
            before = after
    return parts / len(orders)


def decompose(x0, x1) -> tuple[np.ndarray, str]:
    """Split Π x1 − Π x0 into one part per factor, exactly: LMDI-I when every factor is > 0
    in both periods (``"lmdi"``), else (or when a value so close to 0 or so large that the
    logarithms overflow) the symmetric Shapley split (``"shapley"``); NaN parts
    and ``"missing"`` when a factor is missing in either period."""
    x0, x1 = np.asarray(x0, dtype=float), np.asarray(x1, dtype=float)
    if not (np.all(np.isfinite(x0)) and np.all(np.isfinite(x1))):
        return np.full(len(x0), np.nan), "missing"
    if np.all(x0 > 0) and np.all(x1 > 0):
        with np.errstate(all="ignore"):
            parts = lmdi(x0, x1)
        delta = float(np.prod(x1) - np.prod(x0))
        scale = max(1.0, abs(float(np.prod(x1))), abs(float(np.prod(x0))))
        # values near the float limits (a denormal ratio) break the logarithms: Shapley
        if np.all(np.isfinite(parts)) and abs(parts.sum() - delta) <= 1e-9 * scale:
            return parts, "lmdi"
    return shapley(x0, x1), "shapley"


def _num(value) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return np.nan
    return out


def _factors(sales: float, volume: float, converted: float) -> tuple[float, float, float]:
    """(V, c, v) of one period; c or v NaN when undefined (V = 0, or no converted)."""
    c = converted / volume if volume > 0 else np.nan
    v = sales / converted if converted > 0 else np.nan
    return volume, c, v


def sales_bridge(sales0, volume0, converted0, sales1, volume1, converted1) -> dict[str, Any]:
    """What moved sales from period 0 to period 1: ``sales = V × c × v`` with V the volume
    (visitors, or an agent's inquiries), c = converted / V (store conversion, or inquiry
    conversion) and v = sales / converted (yuan per buyer-day, or per converted inquiry).

    Returns ``{"change", "volume", "conversion", "value", "unsplit", "method",
    "factors0", "factors1"}``: the change of sales (yuan), the three parts (yuan; they add up
    to the change exactly), the part left unsplit (yuan, 0 unless the identity fails), the
    method and each period's factors (V, c, v).

    Zero rule:

    - every factor > 0 in both periods: LMDI-I (``"lmdi"``);
    - a factor is 0 in a period (e.g. no buyers: c = 0): Shapley split (``"shapley"``);
    - a factor undefined in one period (V = 0 gives c and v undefined; no converted gives
      v undefined) takes the other period's value, so it moves nothing; then Shapley (e.g. a
      new agent: the whole change is volume). Undefined in both periods: 0;
    - sales without volume or without converted (S > 0 with V = 0 or converted = 0, e.g. an
      agent credited by the order field without any inquiry): the product cannot equal the
      sales, nothing is split and the whole change is ``unsplit`` (``"unsplit"``);
    - a missing input (NaN, e.g. no traffic export): parts, change and unsplit NaN
      (``"missing"``).
    """
    s0, v0, b0, s1, v1, b1 = (_num(x) for x in (sales0, volume0, converted0, sales1, volume1,
                                                converted1))
    out: dict[str, Any] = {"change": s1 - s0, "volume": np.nan, "conversion": np.nan,
                           "value": np.nan, "unsplit": np.nan, "method": "missing",
                           "factors0": (np.nan,) * 3, "factors1": (np.nan,) * 3}
    if not all(np.isfinite(x) for x in (s0, v0, b0, s1, v1, b1)):
        return out
    f0, f1 = _factors(s0, v0, b0), _factors(s1, v1, b1)
    out["factors0"], out["factors1"] = f0, f1
    if any(s > 0 and (v <= 0 or b <= 0) for s, v, b in ((s0, v0, b0), (s1, v1, b1))):
        out.update({"volume": 0.0, "conversion": 0.0, "value": 0.0, "unsplit": s1 - s0,
                    "method": "unsplit"})
        return out
    x0, x1 = list(f0), list(f1)
    for k in (1, 2):  # conversion, value: undefined in one period → the other's value
        if np.isnan(x0[k]) and np.isnan(x1[k]):
            x0[k] = x1[k] = 0.0
        elif np.isnan(x0[k]):
            x0[k] = x1[k]
        elif np.isnan(x1[k]):
            x1[k] = x0[k]
    parts, method = decompose(x0, x1)
    out.update(dict(zip(FACTORS, (float(p) for p in parts), strict=True)))
    out["unsplit"], out["method"] = 0.0, method
    return out


def bridge_frame(before: pd.DataFrame, after: pd.DataFrame, *, sales: str = "sales",
                 volume: str = "inquiries", converted: str = "inquiry_buyers") -> pd.DataFrame:
    """:func:`sales_bridge` per row key (e.g. per agent) of two frames indexed by that key
    (period 0 ``before``, period 1 ``after``; a key missing from one frame counts 0 sales,
    volume and converted there). Columns: sales_before, sales, sales_delta, bridge_volume,
    bridge_conversion, bridge_value, bridge_unsplit (yuan; the four parts add up to
    sales_delta exactly), bridge_method; indexed like the union of the two frames."""
    keys = before.index.union(after.index)
    cols = [sales, volume, converted]
    b = before.reindex(keys)[cols].apply(pd.to_numeric, errors="coerce").fillna(0.0)
    a = after.reindex(keys)[cols].apply(pd.to_numeric, errors="coerce").fillna(0.0)
    rows = []
    for key in keys:
        r = sales_bridge(b.at[key, sales], b.at[key, volume], b.at[key, converted],
                         a.at[key, sales], a.at[key, volume], a.at[key, converted])
        rows.append({"sales_before": b.at[key, sales], "sales": a.at[key, sales],
                     "sales_delta": r["change"], "bridge_volume": r["volume"],
                     "bridge_conversion": r["conversion"], "bridge_value": r["value"],
                     "bridge_unsplit": r["unsplit"], "bridge_method": r["method"]})
    return pd.DataFrame(rows, index=keys)
