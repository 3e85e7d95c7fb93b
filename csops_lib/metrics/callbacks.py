"""Callback results (回访): counts and rates per agent or in total (METRICS.md, callbacks)."""
from __future__ import annotations

import pandas as pd

from csops_lib.loaders.call_sheets import REACHED_PREFIX
from csops_lib.metrics._common import ratio, require


def callback_summary(callbacks: pd.DataFrame, by=("agent",)) -> pd.DataFrame:
    """Callback results per group (``by``: columns of ``callbacks``; ``()`` = one total row).

    Definitions (a result is the text of the result column, trimmed; empty = not called yet):

    - ``planned``: rows (calls on the plan);
    - ``called``: rows with a result;
    - ``reached``: results starting with 已接通 (the customer answered);
    - ``satisfied``: reached, and the result says 满意 but not 不满意 (已接通-满意);
    - ``problems``: reached, and the result says 有问题 or 不满意 (已接通-有问题);
    - ``reach_rate`` = reached / called (NaN when called = 0);
    - ``satisfaction_rate`` = satisfied / reached (NaN when reached = 0).

    Counts are ``Int64``, rates ``float64`` fractions. Groups are sorted; a missing group
    value is a group of its own. The input is not modified. A missing ``result`` or ``by``
    column raises :class:`~csops_lib.metrics._common.MetricInputError` (a ``ValueError``).
    """
    by = [by] if isinstance(by, str) else list(by or ())
    require(callbacks, ("result", *by), "callbacks")
    result = callbacks["result"].astype(object).where(callbacks["result"].notna())
    result = result.map(lambda v: str(v).strip() if v is not None and not pd.isna(v) else "")
    reached = result.str.startswith(REACHED_PREFIX)
    unhappy = result.str.contains("不满意", regex=False)
    flags = pd.DataFrame({
        "planned": 1,
        "called": result.ne(""),
        "reached": reached,
        "satisfied": reached & result.str.contains("满意", regex=False) & ~unhappy,
        "problems": reached & (result.str.contains("有问题", regex=False) | unhappy),
    }, index=callbacks.index).astype("int64")
    if by:
        keys = [callbacks[c] for c in by]
        out = flags.groupby(keys, dropna=False, sort=True).sum()
    else:
        out = flags.sum().to_frame().T
    out = out.astype("Int64")
    out["reach_rate"] = ratio(out["reached"], out["called"]).astype("float64")
    out["satisfaction_rate"] = ratio(out["satisfied"], out["reached"]).astype("float64")
    return out.reset_index() if by else out.reset_index(drop=True)
