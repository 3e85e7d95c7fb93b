"""The vectorised helpers of the fast engine equal what pandas computes the slow way
(issue 13): the time-of-day test, seconds, and the as-of join (``pd.merge_asof``)."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csops_lib.metrics._common import asof_times, hour_in, seconds, seconds_of


def _times(seed: int, n: int, unit: str) -> pd.Series:
    rng = np.random.default_rng(seed)
    v = rng.integers(1.6e18, 1.8e18, n).astype("datetime64[ns]").astype(f"datetime64[{unit}]")
    ts = pd.Series(v)
    ts[::97] = pd.NaT
    return ts


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
@pytest.mark.parametrize("hours", [(9, 23), (0, 24), (8.5, 17.25), (23.999, 24)])
def test_hour_in_equals_pandas_time_of_day(unit, hours):
    ts = _times(7, 20_000, unit)
    h = (ts - ts.dt.normalize()).dt.total_seconds() / 3600.0
    want = (h >= hours[0]) & (h < hours[1])
    pd.testing.assert_series_equal(hour_in(ts, hours), want, check_names=False)


def test_hour_in_boundaries_by_hand():
    ts = pd.Series(pd.to_datetime(["2026-11-02 09:00:00", "2026-11-02 08:59:59",
                                   "2026-11-02 23:00:00", "2026-11-02 22:59:59", None]))
    # [09:00, 23:00): 09:00 in, 08:59:59 out, 23:00 out, 22:59:59 in, missing out
    assert hour_in(ts, (9, 23)).tolist() == [True, False, False, True, False]


@pytest.mark.parametrize("unit", ["ns", "us"])
def test_seconds_of_equals_pandas_total_seconds(unit):
    a, b = _times(1, 50_000, unit), _times(2, 50_000, unit)
    rng = np.random.default_rng(3)
    short = rng.integers(0, 3_600 * 10**9, 50_000).astype("timedelta64[ns]")
    for delta in ((a - b).to_numpy(), short.astype(f"timedelta64[{unit}]")):
        got = seconds_of(delta)
        want = pd.Series(delta).dt.total_seconds().to_numpy()
        assert np.array_equal(seconds(pd.Series(delta)).to_numpy(), want, equal_nan=True)
        assert np.array_equal(got, want, equal_nan=True)
    assert seconds_of(np.array([1_500_000_000], dtype="timedelta64[ns]")).tolist() == [1.5]


ticks = st.one_of(st.integers(-2**63 + 1, 2**63 - 1), st.integers(-10**12, 10**12),
                  st.integers(2**53 - 10**6, 2**53 + 10**6), st.just(None))


@settings(max_examples=200, deadline=None)
@given(st.lists(ticks, min_size=1, max_size=30), st.sampled_from(["ns", "us", "ms", "s"]))
def test_seconds_of_equals_pandas_bit_for_bit(values, unit):
    """Any ticks (sub-second remainders, around and far beyond 2**53, negative, NaT): the
    same float64 bits as pandas' ``total_seconds``."""
    delta = np.array([np.iinfo(np.int64).min if v is None else v for v in values],
                     dtype=np.int64).view(f"timedelta64[{unit}]")
    want = pd.Series(delta).dt.total_seconds().to_numpy()
    got = seconds_of(delta)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert (got[~np.isnan(got)].view(np.int64) == want[~np.isnan(want)].view(np.int64)).all()


keys = st.lists(st.sampled_from(["c1", "c2", "c3", None]), min_size=1, max_size=25)
secs = st.lists(st.one_of(st.none(), st.integers(0, 12)), min_size=1, max_size=25)


@settings(max_examples=150, deadline=None)
@given(keys, secs, keys, secs, st.sampled_from(["backward", "forward"]), st.booleans(),
       st.booleans())
def test_asof_times_equals_merge_asof(lk, ls, rk, rs, direction, exact, keyed):
    n, m = min(len(lk), len(ls)), min(len(rk), len(rs))
    base = pd.Timestamp("2026-11-02")

    def t(values):
        return pd.Series([base + pd.Timedelta(seconds=s) if s is not None else pd.NaT
                          for s in values], dtype="datetime64[ns]")
    left = pd.DataFrame({"k": pd.Series(lk[:n], dtype=object), "t": t(ls[:n])})
    right = pd.DataFrame({"k": pd.Series(rk[:m], dtype=object), "t": t(rs[:m])})
    if keyed:  # the shared numeric codes the fast paths pass (missing → NaN)
        codes, _ = pd.factorize(pd.concat([left["k"], right["k"]], ignore_index=True))
        codes = codes.astype(np.float64)
        codes[codes < 0] = np.nan
        lkey, rkey = pd.Series(codes[:n]), pd.Series(codes[n:])
    else:
        lkey, rkey = left["k"], right["k"]
    got = asof_times(lkey, left["t"].to_numpy(), rkey, right["t"].to_numpy(),
                     direction=direction, allow_exact=exact, keyed=keyed)
    # the slow way: merge_asof on the rows with a key and a time
    lq = left.reset_index().dropna(subset=["k", "t"]).sort_values("t", kind="stable")
    rq = right.dropna(subset=["k", "t"]).rename(columns={"t": "rt"})
    rq = rq.assign(t=rq["rt"]).sort_values("t", kind="stable")
    want = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if len(lq) and len(rq):
        hit = pd.merge_asof(lq, rq, on="t", by="k", direction=direction,
                            allow_exact_matches=exact)
        want[hit["index"].to_numpy()] = hit["rt"].to_numpy()
    assert np.array_equal(got, want, equal_nan=True)


ids = st.lists(st.one_of(st.none(), st.sampled_from(["c1", " c1", "c2\u3000", "c3", "", "  ",
                                                      "\u00a0c4", "c5", "客户", "客户 "])),
               min_size=0, max_size=30)


@settings(max_examples=200, deadline=None)
@given(ids, st.lists(st.sampled_from(["c1", "c2", "c3", "客户", "c9"]), unique=True),
       st.booleans())
def test_category_codes_equal_pandas_matching(values, cats, as_str):
    """Arrow matching of ids to categories = key_text + get_indexer + first-appearance
    numbering of the unknown (the pandas rules, written out here)."""
    from csops_lib.metrics._common import key_text
    from csops_lib.metrics.day_tables import _category_codes

    s = pd.Series(values, dtype="str" if as_str else object)
    categories = pd.Index(cats, dtype=object)
    o = key_text(s)
    want = categories.get_indexer(o.to_numpy(dtype=object)).astype(np.int64)
    other = (want < 0) & o.notna().to_numpy()
    want[other] = len(categories) + pd.factorize(o[other])[0]
    want = np.where(o.notna().to_numpy(), want, -1)
    assert _category_codes(s, categories).tolist() == want.tolist()
    mixed = pd.Series([*values, 7], dtype=object)  # not all text: pandas' own path
    assert len(_category_codes(mixed, categories)) == len(values) + 1
