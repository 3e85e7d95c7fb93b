"""Agents who stand out from the team (metrics.outliers), computed by hand."""
import numpy as np
import pandas as pd
import pytest

from csops_lib.metrics import outliers


def test_robust_threshold_by_hand():
    # values 1, 2, 3, 4, 100: median 3; |x − 3| = 2, 1, 0, 1, 97 → MAD 1
    # 3 + 2 · max(1.4826 · 1, 0) = 5.9652 (the 100 does not widen it)
    x = pd.Series([1.0, 2.0, 3.0, 4.0, 100.0])
    assert outliers.robust_threshold(x, k=2) == pytest.approx(5.9652)
    # MAD 0 (most equal): the minimum gap keeps the threshold above the median
    assert outliers.robust_threshold(pd.Series([0.0, 0.0, 0.0, 0.05]), k=2,
                                     min_gap=0.01) == pytest.approx(0.02)
    assert np.isnan(outliers.robust_threshold(pd.Series([1.0, 9.0])))


def test_stand_out_shares_judges_shares_of_agents_with_enough_sessions():
    sessions = pd.Series([100, 200, 100, 400, 10, 100], index=list("ABCDEF"))
    slow = pd.Series([0, 2, 1, 40, 5, 12], index=list("ABCDEF"))
    # shares: A 0, B 0.01, C 0.01, D 0.10, E 0.5 (10 sessions: not judged), F 0.12
    # judged A B C D F: median 0.01; |x − 0.01| = .01, 0, 0, .09, .11 → MAD 0.01
    # threshold = 0.01 + 2 · max(0.014826, 0.01) = 0.039652 → D and F stand out
    out = outliers.stand_out_shares(slow, sessions, k=2, min_gap=0.01, min_sessions=20)
    assert out["threshold"].iloc[0] == pytest.approx(0.039652)
    assert out.index[out["stands_out"]].tolist() == ["D", "F"]
    assert out.loc["E", "share"] == 0.5 and not out.loc["E", "stands_out"]
    # D's share is 10 % although its count (40) is the largest: the share is what counts
    busy = outliers.stand_out_shares(pd.Series([40, 10, 10, 10]), pd.Series([1000, 100, 100,
                                                                            100]))
    assert not busy["stands_out"].any()


def test_too_few_agents_flag_nobody():
    out = outliers.stand_out_shares(pd.Series([0, 9]), pd.Series([100, 100]))
    assert not out["stands_out"].any()
