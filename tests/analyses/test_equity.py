"""Tests of siteplan.analyses.equity against hand-computed values and defining properties.

References: Cowell (2011) *Measuring Inequality*; the arithmetic is written out in
comments so that every expected value can be checked with pencil and paper.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siteplan.analyses.equity import (
    coefficient_of_variation,
    equity_table,
    gini,
    lorenz_curve,
    per_thousand,
    theil_decomposition,
    theil_t,
    top_share,
)
from siteplan.errors import DataError, UsageError


def gini_pairs(x: list[float], w: list[float]) -> float:
    """Reference: the double sum of the definition, written as plain loops."""
    total_w = sum(w)
    mu = sum(wi * xi for wi, xi in zip(w, x, strict=True)) / total_w
    s = 0.0
    for i, j in itertools.product(range(len(x)), repeat=2):
        s += w[i] * w[j] * abs(x[i] - x[j])
    return s / (2 * total_w**2 * mu)


# ----------------------------------------------------------------------------- hand values


def test_gini_1234_is_one_quarter():
    # |xi - xj| over ordered pairs: 2 x (1+2+3+1+2+1) = 20; mean 2.5, n = 4
    # G = 20 / (2 x 4^2 x 2.5) = 20 / 80 = 0.25
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25, abs=1e-15)


def test_gini_weighted_equals_replicated():
    # x = (1, 3) with populations (3, 1) is the list (1, 1, 1, 3):
    # sum_ij w_i w_j |xi - xj| = 2 x 3 x 1 x 2 = 12; W = 4; mu = (3 + 3) / 4 = 1.5
    # G = 12 / (2 x 16 x 1.5) = 0.25
    assert gini([1, 3], [3, 1]) == pytest.approx(0.25)
    assert gini([1, 1, 1, 3]) == pytest.approx(0.25)


def test_gini_extremes():
    assert gini([5, 5, 5]) == 0.0
    # all in one of n equal regions: G = 1 - 1/n = 0.75 for n = 4
    assert gini([0, 0, 0, 8]) == pytest.approx(0.75)


def test_theil_equal_values_is_zero():
    assert theil_t([3, 3, 3, 3]) == pytest.approx(0.0, abs=1e-15)
    assert theil_t([2, 2], [10, 1]) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("n", [2, 4, 12])
def test_theil_all_in_one_region_is_ln_n(n: int):
    # x = (1, 0, ..., 0): mu = 1/n; only i = 1 contributes (1/n)(n) ln(n) = ln n
    x = [1.0] + [0.0] * (n - 1)
    assert theil_t(x) == pytest.approx(math.log(n))


def test_theil_1234_by_hand():
    # mu = 2.5; T = (1/4) sum (x/mu) ln(x/mu)
    #   = 0.25 (0.4 ln 0.4 + 0.8 ln 0.8 + 1.2 ln 1.2 + 1.6 ln 1.6)
    #   = 0.25 (-0.36652 - 0.17851 + 0.21879 + 0.75201) = 0.25 x 0.42577 = 0.10644
    expected = 0.25 * (
        0.4 * math.log(0.4) + 0.8 * math.log(0.8) + 1.2 * math.log(1.2) + 1.6 * math.log(1.6)
    )
    assert expected == pytest.approx(0.10644, abs=1e-5)
    assert theil_t([1, 2, 3, 4]) == pytest.approx(expected)


def test_theil_decomposition_by_hand():
    # groups a = (1, 2), b = (3, 4); mu = 2.5, mu_a = 1.5, mu_b = 3.5
    # shares s_a = 3/10, s_b = 7/10
    # between = 0.3 ln(1.5/2.5) + 0.7 ln(3.5/2.5)
    # T_a = 0.5 ((1/1.5) ln(1/1.5) + (2/1.5) ln(2/1.5)); T_b likewise with 3, 4 and 3.5
    between = 0.3 * math.log(1.5 / 2.5) + 0.7 * math.log(3.5 / 2.5)
    t_a = 0.5 * ((1 / 1.5) * math.log(1 / 1.5) + (2 / 1.5) * math.log(2 / 1.5))
    t_b = 0.5 * ((3 / 3.5) * math.log(3 / 3.5) + (4 / 3.5) * math.log(4 / 3.5))
    within = 0.3 * t_a + 0.7 * t_b
    d = theil_decomposition([1, 2, 3, 4], None, ["a", "a", "b", "b"])
    assert d["between"] == pytest.approx(between)
    assert d["within"] == pytest.approx(within)
    assert d["total"] == pytest.approx(theil_t([1, 2, 3, 4]))
    assert d["total"] == pytest.approx(between + within)
    assert d["groups"]["a"]["share"] == pytest.approx(0.3)
    assert d["groups"]["b"]["theil"] == pytest.approx(t_b)


def test_cv_by_hand():
    # mu = 2.5; variance = (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25; CV = sqrt(1.25) / 2.5
    assert coefficient_of_variation([1, 2, 3, 4]) == pytest.approx(math.sqrt(1.25) / 2.5)
    # weighted (1, 3) by (3, 1) = list (1, 1, 1, 3): mu 1.5, var (3 x 0.25 + 2.25)/4 = 0.75
    assert coefficient_of_variation([1, 3], [3, 1]) == pytest.approx(math.sqrt(0.75) / 1.5)


def test_top_share_and_per_thousand():
    # (10 + 5) / 20
    assert top_share([2, 10, 3, 5]) == pytest.approx(0.75)
    assert top_share([2, 10, 3, 5], k=1) == pytest.approx(0.5)
    assert top_share([1, 1], k=5) == pytest.approx(1.0)
    assert per_thousand([50, 3], [10_000, 1_500]).tolist() == [5.0, 2.0]


def test_lorenz_curve_by_hand_and_gini_relation():
    # sorted (1, 2, 3, 4), total 10: L = 0, .1, .3, .6, 1 at p = 0, .25, .5, .75, 1
    # area = .25 x (.05 + .2 + .45 + .8) = .375; G = 1 - 2 x .375 = .25
    p, lor = lorenz_curve([4, 1, 3, 2])
    assert p.tolist() == pytest.approx([0, 0.25, 0.5, 0.75, 1])
    assert lor.tolist() == pytest.approx([0, 0.1, 0.3, 0.6, 1])
    area = float(np.sum((lor[1:] + lor[:-1]) / 2 * np.diff(p)))
    assert 1 - 2 * area == pytest.approx(gini([4, 1, 3, 2]))


def test_equity_table_with_mappings_and_groups():
    jobs = {"06": 90_000, "04": 30_000, "01": 20_000, "02": 8_500}
    pop = {"01": 2_500_000, "02": 1_600_000, "04": 3_300_000, "06": 5_000_000}
    groups = {"06": "axis", "04": "axis", "01": "other", "02": "other"}
    t = equity_table(jobs, pop, groups)
    assert t["regions"] == ["06", "04", "01", "02"]
    # 90,000 / 5,000,000 x 1000 = 18 per thousand
    assert t["jobs_per_thousand"][0] == pytest.approx(18.0)
    assert t["top2_share"] == pytest.approx(120_000 / 148_500)
    rate = np.array([18.0, 30_000 / 3_300, 8.0, 8_500 / 1_600])
    w = np.array([5e6, 3.3e6, 2.5e6, 1.6e6])
    assert t["gini"] == pytest.approx(gini_pairs(list(rate), list(w)))
    assert t["theil_between"] + t["theil_within"] == pytest.approx(t["theil_t"])
    assert t["national_per_thousand"] == pytest.approx(148_500 / 12_400)
    assert len(t["lorenz"]["population_share"]) == 5


def test_errors():
    with pytest.raises(DataError):
        gini([1, -1])
    with pytest.raises(DataError):
        theil_t([0, 0, 0])
    with pytest.raises(UsageError):
        gini([1, 2], [1, 2, 3])
    with pytest.raises(DataError):
        per_thousand([1], [0])
    with pytest.raises(UsageError):
        equity_table({"a": 1}, {"b": 2})


# ----------------------------------------------------------------------------- properties

values = st.lists(st.floats(0.0, 1e4, allow_nan=False), min_size=1, max_size=15).filter(
    lambda v: sum(v) > 1e-6
)


@st.composite
def weighted(draw: st.DrawFn) -> tuple[list[float], list[float]]:
    x = draw(values)
    w = draw(st.lists(st.floats(0.01, 1e3), min_size=len(x), max_size=len(x)))
    return x, w


@settings(max_examples=150, deadline=None)
@given(weighted())
def test_gini_in_unit_interval_and_matches_double_sum(xw: tuple[list[float], list[float]]):
    x, w = xw
    g = gini(x, w)
    assert 0.0 <= g < 1.0
    assert g == pytest.approx(gini_pairs(x, w), rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(weighted(), st.floats(1e-3, 1e3))
def test_scale_invariance(xw: tuple[list[float], list[float]], c: float):
    x, w = xw
    xs = [c * v for v in x]
    assert gini(xs, w) == pytest.approx(gini(x, w), rel=1e-9, abs=1e-12)
    assert theil_t(xs, w) == pytest.approx(theil_t(x, w), rel=1e-7, abs=1e-10)
    cv_a, cv_b = coefficient_of_variation(xs, w), coefficient_of_variation(x, w)
    assert cv_a == pytest.approx(cv_b, rel=1e-7, abs=1e-10)


@settings(max_examples=100, deadline=None)
@given(values, st.integers(2, 4))
def test_population_replication_invariance(x: list[float], r: int):
    # every region copied r times, or its population multiplied by r: nothing changes
    rep = list(np.repeat(x, r))
    for f in (gini, theil_t, coefficient_of_variation):
        assert f(rep) == pytest.approx(f(x), rel=1e-9, abs=1e-12)
        assert f(x, [float(r)] * len(x)) == pytest.approx(f(x), rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(weighted(), st.data())
def test_theil_decomposition_sums(xw: tuple[list[float], list[float]], data: st.DataObject):
    x, w = xw
    groups = data.draw(st.lists(st.sampled_from("abc"), min_size=len(x), max_size=len(x)))
    d = theil_decomposition(x, w, groups)
    assert d["between"] + d["within"] == pytest.approx(d["total"], rel=1e-9, abs=1e-12)
    assert d["between"] >= -1e-12 and d["within"] >= -1e-12
    assert sum(g["share"] for g in d["groups"].values()) == pytest.approx(1.0)


@settings(max_examples=100, deadline=None)
@given(values)
def test_theil_bounded_by_ln_n(x: list[float]):
    assert 0.0 <= theil_t(x) <= math.log(len(x)) + 1e-12
