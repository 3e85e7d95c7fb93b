"""Masking of customer PII (names, phone numbers, addresses) for reports meant for the boss."""
from __future__ import annotations

import pandas as pd

PII_COLUMNS = ("customer_name", "phone", "address")


def mask_phone(s: pd.Series) -> pd.Series:
    """`13812345678` → `138****5678`; anything that is not 7+ digits becomes `***`."""
    text = s.astype("string").str.replace(r"\D", "", regex=True)
    masked = text.str.slice(0, 3) + "****" + text.str.slice(-4)
    return masked.where(text.str.len() >= 7, "***").where(s.notna())


def mask_name(s: pd.Series) -> pd.Series:
    """Keep the first character: `张三丰` → `张**`, `tb_buyer01` → `t*********`."""
    text = s.astype("string")
    return (text.str.slice(0, 1) + text.str.slice(1).str.replace(r".", "*", regex=True)).where(
        s.notna()
    )


def mask_customer_id(s: pd.Series) -> pd.Series:
    """Buyer nicks: first two and last character kept, `tb_88123` → `tb***3`."""
    text = s.astype("string")
    return (text.str.slice(0, 2) + "***" + text.str.slice(-1)).where(s.notna())


def mask_pii(df: pd.DataFrame, *, keep_customer_id: bool = False) -> pd.DataFrame:
    """A copy of `df` safe for boss reports: address dropped, names/phones/customer ids masked."""
    out = df.drop(columns=[c for c in ("address",) if c in df.columns])
    if "phone" in out:
        out["phone"] = mask_phone(out["phone"])
    if "customer_name" in out:
        out["customer_name"] = mask_name(out["customer_name"])
    if "customer_id" in out and not keep_customer_id:
        out["customer_id"] = mask_customer_id(out["customer_id"])
    return out
