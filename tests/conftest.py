"""Shared fixtures: a small demo shop built once per test session, the way real data arrives."""
import datetime as dt

import pytest

#: a fixed last day so that the demo-based tests do not depend on today's date
DEMO_END = dt.date(2026, 11, 22)  # a Sunday: 2026-W47 is the last complete week


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """A 3-week demo shop ending DEMO_END, written as exports and ingested into a store."""
    from csops_lib.demo.build import build_demo_store

    out = tmp_path_factory.mktemp("demo")
    result = build_demo_store(out, weeks=3, seed=7, end=DEMO_END, progress=False)
    return {"dir": out, "store": out / "store", "exports": out / "exports", "result": result}
