"""A small shop whose free text is hostile: every name and text a report shows carries an HTML
payload, written as real exports and ingested (the way such data would arrive)."""
import datetime as dt
from types import SimpleNamespace

import pandas as pd
import pytest

DEMO_END = dt.date(2026, 11, 22)  # as tests/conftest.py: 2026-W47 is the last complete week

#: the payloads (the third carries a marker so that it cannot match the reports' own markup)
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
QUOTE = '"><b>xss</b>'
PAYLOADS = (SCRIPT, IMG, QUOTE)
#: what must never appear in an HTML report: the payloads' live parts
RAW = ("<script>alert(1)", "<img src=x", "<b>xss")

#: agents, stores, teams: the third agent also climbs folders (its profile's output folder)
AGENTS = {"小美": "小美" + SCRIPT, "阿杰": "阿杰" + IMG, "小雨": "../../小雨" + QUOTE}
STORES = {"星河家居旗舰店": "旗舰店" + SCRIPT, "星河家居专营店": "专营店" + IMG}
TEAMS = {"售前组": "售前" + SCRIPT, "售后组": "售后" + QUOTE}
PROMO = "d11" + SCRIPT  # the promo's name (its key, given as --promo)
PROMO_DISPLAY = "双11" + IMG
CHAT_TEXTS = tuple(f"{p} 什么时候发货" for p in PAYLOADS)
#: a product title that matplotlib would read as a (broken) formula: charts draw it as text
MATH = "$\\frac{1}$"


def hostile_tables(weeks: int = 3, seed: int = 7) -> dict[str, pd.DataFrame]:
    """The demo shop's tables with payloads in every free-text column a report shows."""
    from csops_lib.demo.generator import generate
    from csops_lib.demo.tables import supervisor_scores

    t = generate(weeks=weeks, seed=seed, end=DEMO_END)
    t["supervisor_scores"] = supervisor_scores(t, seed=seed)

    def rename(col, mapping):
        for df in t.values():
            if col in df.columns:
                df[col] = df[col].replace(mapping)

    rename("agent", AGENTS)
    rename("store", STORES)
    rename("team", TEAMS)
    promos = t["promos"]
    promos["name"] = PROMO
    promos["display_name"] = PROMO_DISPLAY
    orders = t["orders"]
    products = orders["product"].value_counts().index[:6]
    titles = {p: f"{p}{PAYLOADS[i % 3]}{MATH if i == 0 else ''}" for i, p in enumerate(products)}
    orders["product"] = orders["product"].replace(titles)
    # customer ids: a dozen busy customers, the same id in every table
    ids = orders["customer_id"].value_counts().index[:12]
    customer_ids = {c: f"{c}{PAYLOADS[i % 3]}" for i, c in enumerate(ids)}
    rename("customer_id", customer_ids)
    t["_payloads"] = pd.DataFrame({"kind": ["product"] * len(titles)
                                   + ["customer_id"] * len(customer_ids),
                                   "value": [*titles.values(), *customer_ids.values()]})
    chats = t["chats"]
    customer = chats.index[chats["sender"].eq("customer")]
    for i, text in enumerate(CHAT_TEXTS):  # one customer message in 6 carries a payload
        chats.loc[customer[i::6], "text"] = text
    cb = t["callbacks"]
    cb["notes"] = [PAYLOADS[i % 3] + "回访备注" for i in range(len(cb))]
    refunds = t["refunds"]
    refunds["reason"] = refunds["reason"].where(refunds.index % 2 == 0, "质量问题" + IMG)
    scores = t["supervisor_scores"]
    scores["notes"] = "备注" + SCRIPT
    t["training"]["module"] = t["training"]["module"] + QUOTE
    return t


@pytest.fixture(scope="session")
def payload_store(tmp_path_factory):
    """The hostile shop as exports ingested into a store: {"dir", "store", "tables"}."""
    from csops_lib import store
    from csops_lib.demo.exports import write_exports, write_supervisor_scores

    out = tmp_path_factory.mktemp("hostile")
    tables = hostile_tables()
    payloads = tables.pop("_payloads")
    files = write_exports(tables, out / "exports", seed=7)
    files.append(write_supervisor_scores(tables["supervisor_scores"], out / "exports"))
    store.ingest(files, out / "store", progress=False)
    return {"dir": out, "store": out / "store", "tables": tables,
            "products": payloads.loc[payloads["kind"].eq("product"), "value"].tolist(),
            "customer_ids": payloads.loc[payloads["kind"].eq("customer_id"), "value"].tolist()}


@pytest.fixture(scope="session")
def hostile(payload_store):
    """The payloads and the names that carry them (this module's constants, the product
    titles and customer ids given a payload)."""
    return SimpleNamespace(**{k: v for k, v in globals().items() if k.isupper()},
                           PRODUCTS=payload_store["products"],
                           CUSTOMER_IDS=payload_store["customer_ids"])
