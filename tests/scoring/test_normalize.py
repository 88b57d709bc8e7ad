"""Tests of siteplan.scoring.normalize (value functions).

Expected values are computed by hand from the formulas in Hwang & Yoon (1981,
pp. 29-31, 130) and Malczewski (1999, ch. 4); the arithmetic is in the comments.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from siteplan.errors import DataError, UsageError
from siteplan.scoring import normalize as nz

NAN = np.nan


def close(a: object, b: object) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), atol=1e-12)


# ----------------------------------------------------------------------------- minmax


def test_minmax_benefit_and_cost() -> None:
    # min 2, max 10, span 8: (2-2)/8=0, (4-2)/8=0.25, (6-2)/8=0.5, (10-2)/8=1
    close(nz.minmax([2, 4, 6, 10], "benefit"), [0, 0.25, 0.5, 1])
    # cost: (10-x)/8
    close(nz.minmax([2, 4, 6, 10], "cost"), [1, 0.75, 0.5, 0])


def test_minmax_default_direction_is_benefit() -> None:
    close(nz.minmax([0, 5, 10]), [0, 0.5, 1])


def test_minmax_nan_preserved_and_ignored_in_range() -> None:
    # NaN is left out of min/max: range 2..10
    close(nz.minmax([2, NAN, 10, 6]), [0, NAN, 1, 0.5])


def test_minmax_negative_values() -> None:
    close(nz.minmax([-10, 0, 10]), [0, 0.5, 1])


def test_constant_column_gives_one() -> None:
    for f in (nz.minmax, nz.vector, nz.max_norm):
        close(f([3, 3, NAN, 3]), [1, 1, NAN, 1])
        close(f([3, 3, 3], "cost"), [1, 1, 1])
    close(nz.vector([0, 0, 0]), [1, 1, 1])
    close(nz.max_norm([0, 0], "cost"), [1, 1])
    close(nz.target([4, 4], target=9), [1, 1])


def test_all_nan_and_empty() -> None:
    for f in (nz.minmax, nz.vector, nz.max_norm):
        assert np.isnan(f([NAN, NAN])).all()
        assert f([]).shape == (0,)
    assert np.isnan(nz.target([NAN], 1)).all()


# ----------------------------------------------------------------------------- vector


def test_vector_benefit_and_cost() -> None:
    # ||(3, 4)|| = 5: r = (0.6, 0.8); cost = 1 - r = (0.4, 0.2)
    close(nz.vector([3, 4]), [0.6, 0.8])
    close(nz.vector([3, 4], "cost"), [0.4, 0.2])


def test_vector_nan_left_out_of_norm() -> None:
    close(nz.vector([3, NAN, 4]), [0.6, NAN, 0.8])


def test_vector_matches_hwang_yoon_normalised_matrix() -> None:
    # Hwang & Yoon (1981), p. 133, fighter-aircraft example, attribute X1
    # (maximum speed): normalised column 0.4671, 0.5839, 0.4204, 0.5139.
    close(np.round(nz.vector([2.0, 2.5, 1.8, 2.2]), 4), [0.4671, 0.5839, 0.4204, 0.5139])


def test_vector_rejects_negative() -> None:
    with pytest.raises(DataError, match="non-negative"):
        nz.vector([-1, 2])


# ----------------------------------------------------------------------------- max


def test_max_norm_benefit_and_cost() -> None:
    # benefit x / max: 2/8, 4/8, 8/8;  cost min / x: 2/2, 2/4, 2/8
    close(nz.max_norm([2, 4, 8]), [0.25, 0.5, 1])
    close(nz.max_norm([2, 4, 8], "cost"), [1, 0.5, 0.25])


def test_max_norm_cost_with_zero() -> None:
    # a zero cost is the best value (1); min = 0 so every positive cost gets 0 / x = 0
    close(nz.max_norm([0, 2, NAN, 4], "cost"), [1, 0, NAN, 0])


def test_max_norm_rejects_negative() -> None:
    with pytest.raises(DataError, match="non-negative"):
        nz.max_norm([1, -2], "cost")


# ----------------------------------------------------------------------------- target


def test_target_ideal_point() -> None:
    # t = 10: |x - t| = 10, 5, 0, 10; farthest 10: 1 - d/10 = 0, 0.5, 1, 0
    close(nz.target([0, 5, 10, 20], target=10), [0, 0.5, 1, 0])
    close(nz.target([0, NAN, 10], target=10), [0, NAN, 1])


def test_target_all_at_target() -> None:
    close(nz.target([7, 7], target=7), [1, 1])


def test_target_bad_value() -> None:
    with pytest.raises(UsageError, match="target"):
        nz.target([1, 2], target=math.inf)
    with pytest.raises(UsageError, match="target"):
        nz.target([1, 2], target="ten")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- piecewise


def test_piecewise_interpolates_and_clamps() -> None:
    pts = [[0, 0], [50, 1]]
    # below 0 -> y0 = 0; 25 -> 0.5; above 50 -> y1 = 1
    close(nz.piecewise([-10, 0, 25, 50, 80, NAN], pts), [0, 0, 0.5, 1, 1, NAN])


def test_piecewise_decreasing_table_is_a_cost() -> None:
    pts = [(0, 1), (10, 1), (30, 0)]
    # 20 is halfway between (10, 1) and (30, 0) -> 0.5; 40 clamps to 0
    close(nz.piecewise([5, 20, 40], pts), [1, 0.5, 0])


def test_piecewise_three_segments() -> None:
    pts = [[0.0, 0.0], [10.0, 0.8], [20.0, 0.9], [40.0, 1.0]]
    # 5 -> 0.4; 15 -> 0.85; 30 -> 0.95
    close(nz.piecewise([5, 15, 30], pts), [0.4, 0.85, 0.95])


@pytest.mark.parametrize(
    ("points", "match"),
    [
        ([[0, 0]], "at least two"),
        ([[10, 0], [0, 1]], "strictly increasing"),
        ([[0, 0], [0, 1]], "strictly increasing"),
        ([[0, 0], [10, 1.5]], r"\[0, 1\]"),
        ([[0, -0.1], [10, 1]], r"\[0, 1\]"),
        ("0,0,1,1", "list of"),
        ([[0, "a"], [1, 1]], "number pairs"),
        ([[0, 0, 0], [1, 1, 1]], "pairs"),
        ([[0, 0], [math.nan, 1]], "finite"),
    ],
)
def test_piecewise_bad_points(points: object, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        nz.piecewise([1, 2], points)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- sigmoid


def test_sigmoid_values() -> None:
    # v(m) = 0.5; v(m + s ln 3) = 1 / (1 + 1/3) = 0.75; cost mirrors: 0.25
    x = [30, 30 + 10 * math.log(3), NAN]
    close(nz.sigmoid(x, midpoint=30, scale=10), [0.5, 0.75, NAN])
    close(nz.sigmoid(x, midpoint=30, scale=10, direction="cost"), [0.5, 0.25, NAN])


def test_sigmoid_extreme_values_no_overflow() -> None:
    # tanh form: no overflow warning (warnings are errors in this suite)
    out = nz.sigmoid([-1e308, 1e308], midpoint=0, scale=1e-300)
    close(out, [0, 1])


def test_sigmoid_bad_scale() -> None:
    with pytest.raises(UsageError, match="positive"):
        nz.sigmoid([1], midpoint=0, scale=0)
    with pytest.raises(UsageError, match="midpoint"):
        nz.sigmoid([1], midpoint=math.nan, scale=1)


# ----------------------------------------------------------------------------- input checks


def test_direction_checked() -> None:
    with pytest.raises(UsageError, match="'benefit' or 'cost'"):
        nz.minmax([1, 2], "max")  # type: ignore[arg-type]


def test_infinite_values_are_data_errors() -> None:
    with pytest.raises(DataError, match="infinite"):
        nz.minmax([1, math.inf])


def test_two_dimensional_input_refused() -> None:
    with pytest.raises(UsageError, match="1-D"):
        nz.minmax([[1, 2], [3, 4]])
    with pytest.raises(UsageError, match="1-D"):
        nz.minmax(["a", "b"])


def test_input_not_modified() -> None:
    x = np.array([1.0, NAN, 3.0])
    nz.minmax(x)
    nz.vector(x, "cost")
    close(x, [1, NAN, 3])


# ----------------------------------------------------------------------------- dispatcher


def test_normalizers_tuple() -> None:
    assert nz.NORMALIZERS == ("minmax", "vector", "max", "target", "piecewise", "sigmoid",
                              "saturating")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"method": "minmax"}, nz.minmax([1, 3, 5, NAN])),
        ({"method": "minmax", "direction": "cost"}, nz.minmax([1, 3, 5, NAN], "cost")),
        ({"method": "vector", "direction": "cost"}, nz.vector([1, 3, 5, NAN], "cost")),
        ({"method": "max"}, nz.max_norm([1, 3, 5, NAN])),
        ({"method": "target", "target": 3}, nz.target([1, 3, 5, NAN], 3)),
        ({"method": "piecewise", "points": [[0, 0], [4, 1]]}, [0.25, 0.75, 1, NAN]),
        ({"method": "sigmoid", "midpoint": 3, "scale": 1}, nz.sigmoid([1, 3, 5, NAN], 3, 1)),
        (
            {"method": "sigmoid", "midpoint": 3, "scale": 1, "direction": "cost"},
            nz.sigmoid([1, 3, 5, NAN], 3, 1, "cost"),
        ),
        ({"method": "saturating", "half": 3}, [0.25, 0.5, 5 / 8, NAN]),
        ({"method": "saturating", "half": 3, "direction": "cost"}, [0.75, 0.5, 3 / 8, NAN]),
    ],
)
def test_dispatcher(spec: dict[str, object], expected: object) -> None:
    close(nz.normalize([1, 3, 5, NAN], spec), expected)


def test_dispatcher_unknown_method_names_it_and_the_valid_ones() -> None:
    with pytest.raises(UsageError) as err:
        nz.normalize([1, 2], {"method": "zscore"})
    msg = str(err.value)
    assert "'zscore'" in msg
    for name in nz.NORMALIZERS:
        assert name in msg
    assert "\n" not in msg


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ({}, "no 'method'"),
        ("minmax", "mapping"),
        ({"method": "target"}, "needs 'target'"),
        ({"method": "piecewise"}, "needs 'points'"),
        ({"method": "sigmoid", "midpoint": 1}, "needs 'scale'"),
        ({"method": "minmax", "target": 3}, "does not take target"),
        ({"method": "piecewise", "points": [[0, 0], [1, 1]], "direction": "cost"}, "direction"),
        ({"method": "target", "target": 1, "direction": "benefit"}, "direction"),
        ({"method": "minmax", "direction": "up"}, "'benefit' or 'cost'"),
        ({"method": "sigmoid", "midpoint": 1, "scale": -2}, "positive"),
        ({"method": "target", "target": True}, "number"),
    ],
)
def test_dispatcher_bad_specs(spec: object, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        nz.normalize([1, 2], spec)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- properties

columns = hnp.arrays(
    np.float64,
    st.integers(1, 12),
    elements=st.one_of(
        st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), st.just(math.nan)
    ),
)
positive_columns = hnp.arrays(
    np.float64,
    st.integers(1, 12),
    elements=st.one_of(st.floats(0, 1e6, allow_nan=False), st.just(math.nan)),
)


def _all_methods(x: np.ndarray, nonneg: bool) -> list[np.ndarray]:
    out = []
    for d in ("benefit", "cost"):
        out.append(nz.minmax(x, d))
        out.append(nz.sigmoid(x, midpoint=0.0, scale=100.0, direction=d))
        if nonneg:
            out.append(nz.vector(x, d))
            out.append(nz.max_norm(x, d))
    out.append(nz.target(x, 10.0))
    out.append(nz.piecewise(x, [[-100.0, 0.0], [0.0, 0.3], [100.0, 1.0]]))
    return out


@settings(deadline=None, max_examples=60)
@given(columns)
def test_property_unit_interval_and_nan_preserved(x: np.ndarray) -> None:
    for y in _all_methods(x, nonneg=False):
        assert y.shape == x.shape
        assert (np.isnan(y) == np.isnan(x)).all()
        finite = y[~np.isnan(y)]
        assert ((finite >= 0) & (finite <= 1)).all()


@settings(deadline=None, max_examples=60)
@given(positive_columns)
def test_property_ratio_methods_unit_interval(x: np.ndarray) -> None:
    for y in _all_methods(x, nonneg=True):
        assert (np.isnan(y) == np.isnan(x)).all()
        finite = y[~np.isnan(y)]
        assert ((finite >= 0) & (finite <= 1)).all()


@settings(deadline=None, max_examples=60)
@given(positive_columns)
def test_property_direction_orders(x: np.ndarray) -> None:
    ok = ~np.isnan(x)
    xs = x[ok]
    for f in (nz.minmax, nz.vector, nz.max_norm):
        b, c = f(x, "benefit")[ok], f(x, "cost")[ok]
        for i in range(len(xs)):
            for k in range(len(xs)):
                if xs[i] > xs[k]:
                    assert b[i] >= b[k]
                    assert c[i] <= c[k]


@settings(deadline=None, max_examples=60)
@given(columns)
def test_property_minmax_cost_is_complement(x: np.ndarray) -> None:
    ok = ~np.isnan(x)
    if ok.any() and np.nanmax(x) > np.nanmin(x):
        total = nz.minmax(x, "benefit") + nz.minmax(x, "cost")
        np.testing.assert_allclose(total[ok], 1.0, atol=1e-12)


# ----------------------------------------------------------------------------- one list


def test_every_normaliser_the_scenario_accepts_is_one_normalize_accepts() -> None:
    from siteplan.scenario import LINEAR_NORMALIZERS, NORMALIZERS

    assert set(nz._SPEC_KEYS) == set(NORMALIZERS)
    assert set(LINEAR_NORMALIZERS) <= set(NORMALIZERS)
    for name in NORMALIZERS:
        spec = {"method": name, "target": 1.0, "points": [[0, 0], [2, 1]], "midpoint": 1.0,
                "scale": 1.0, "half": 1.0}
        spec = {k: v for k, v in spec.items() if k == "method" or k in nz._SPEC_KEYS[name]}
        out = nz.normalize(np.array([0.0, 1.0, 2.0]), spec)
        assert out.shape == (3,) and np.all((out >= 0) & (out <= 1))


# ----------------------------------------------------------------------------- saturating


def test_saturating_is_x_over_x_plus_half_with_its_anchor_at_one_half() -> None:
    # by hand: h / (h + h) = 1/2, 3h / 4h = 3/4, 9h / 10h = 0.9; negatives count as 0
    close(nz.saturating([0, 20, 60, 180, -5, NAN], 20), [0, 0.5, 0.75, 0.9, 0, NAN])
    close(nz.saturating([0, 20, 60], 20, "cost"), [1, 0.5, 0.25])


def test_saturating_is_absolute_a_site_keeps_its_score_whatever_the_others() -> None:
    alone = nz.saturating([50.0], 40)[0]
    among = nz.saturating([1.0, 50.0, 1e6], 40)[1]
    assert alone == among == pytest.approx(50 / 90)


@pytest.mark.parametrize("half", [0, -1, float("nan"), float("inf")])
def test_saturating_refuses_a_half_that_is_not_positive_and_finite(half: float) -> None:
    with pytest.raises(UsageError):
        nz.saturating([1.0], half)
