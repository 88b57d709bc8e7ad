"""Cartography shared by both maps: classes of a choropleth, the score colour scale, number
labels.

Class bounds are worked out by hand (equal intervals, quantiles) or are the obvious natural
breaks of well-separated groups; colours are checked against matplotlib's own colormap.
The numpy quantile and equal-interval classes are compared, bit for bit, with mapclassify's
``Quantiles`` and ``EqualInterval`` (mapclassify is the reference here, and stays the engine
of natural breaks) on random data, ties, constant data, NaNs and k = 1..9.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from siteplan.errors import UsageError
from siteplan.outputs.cartography import (
    NO_DATA_COLOUR,
    SCHEMES,
    SCORE_CMAP,
    classify,
    equal_interval_bins,
    fmt_number,
    quantile_bins,
    score_colours,
)


@pytest.mark.parametrize(("scheme", "values", "k", "upper"), [
    ("equalinterval", list(range(11)), 5, [2, 4, 6, 8, 10]),
    ("naturalbreaks", [1, 1.1, 1.2, 5, 5.1, 9, 9.2], 3, [1.2, 5.1, 9.2]),
    ("fisher_jenks", [1, 1.1, 1.2, 5, 5.1, 9, 9.2], 3, [1.2, 5.1, 9.2]),
    ("quantiles", [1, 2, 3, 4], 2, [2.5, 4]),
])
def test_classify_schemes(scheme: str, values: list[float], k: int, upper: list[float]) -> None:
    lower, up, classes = classify(values, scheme, k)
    assert up == pytest.approx(upper)
    assert lower[0] == min(values) and len(lower) == len(up)
    assert classes.min() == 0 and classes.max() == len(up) - 1


def test_classify_nan_ties_and_bad_scheme() -> None:
    _, upper, classes = classify([np.nan, 3, 3, 3], "quantiles", 5)
    assert upper == [3.0] and classes.tolist() == [-1, 0, 0, 0]
    with pytest.raises(UsageError, match="scheme"):
        classify([1, 2], "jenks-ish", 3)


def test_score_colours_follow_the_colormap_and_grey_out_missing_scores() -> None:
    import matplotlib
    from matplotlib.colors import to_hex

    cm = matplotlib.colormaps[SCORE_CMAP]
    got = score_colours([0.0, 0.5, 1.0, float("nan"), 5.0], 0.0, 1.0)
    assert got[:3] == [to_hex(cm(0.0)), to_hex(cm(0.5)), to_hex(cm(1.0))]
    assert got[3] == NO_DATA_COLOUR
    assert got[4] == to_hex(cm(1.0))           # out of range: clipped, not wrapped


def test_number_labels_are_short_and_keep_units() -> None:
    assert fmt_number(148_500.4) == "148,500"
    assert fmt_number(12.0, "%") == "12%"
    assert fmt_number(0.12345, "km") == "0.123 km"
    assert fmt_number(None) == "n/a" and fmt_number(float("nan")) == "n/a"


# --------------------------------------------------------------------------- mapclassify parity


def _mapclassify(name: str, y: np.ndarray, k: int) -> Any:
    import mapclassify

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(mapclassify, name)(y, k=k)


def reference_classify(values: Any, scheme: str = "quantiles",
                       k: int = 5) -> tuple[list[float], list[float], np.ndarray]:
    """``classify`` as it was when every scheme went through mapclassify (the reference)."""
    key = scheme.lower().replace("-", "_").replace(" ", "")
    y = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(y)
    classes = np.full(len(y), -1, dtype=np.int64)
    if not ok.any():
        return [], [], classes
    uniq = np.unique(y[ok])
    kk = min(int(k), len(uniq))
    if kk <= 1:
        classes[ok] = 0
        return [float(uniq[0])], [float(uniq[-1])], classes
    cls = _mapclassify(SCHEMES[key], y[ok], kk)
    upper = sorted({float(b) for b in cls.bins})
    upper[-1] = max(upper[-1], float(uniq[-1]))
    classes[ok] = np.searchsorted(np.asarray(upper), y[ok], side="left")
    return [float(uniq[0]), *upper[:-1]], upper, classes


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", result) or ("raises", exception type): both sides must fail alike too."""
    try:
        return "ok", fn()
    except Exception as exc:  # the type is what is compared
        return "raises", type(exc)


def bits(values: Any) -> list[str]:
    """Exact spelling of floats (tells -0.0 from 0.0 and any last-bit difference)."""
    return [float(v).hex() for v in np.asarray(values, dtype=np.float64).ravel()]


def assert_same_bins(name: str, ours: Callable[[np.ndarray, int], np.ndarray], y: np.ndarray,
                     k: int) -> None:
    got = outcome(lambda: ours(y, k))
    ref = outcome(lambda: _mapclassify(name, y, k))
    assert got[0] == ref[0], (got, ref)
    if got[0] == "raises":
        assert got[1] is ref[1]
        return
    bins, cls = got[1], ref[1]
    assert bits(bins) == bits(cls.bins)
    # the bin rule: a value equal to a bound goes to the class below it. (Past the last
    # bound, which happens when np.arange leaves the last percentile a hair under 100, e.g.
    # k = 23, mapclassify says class 0; classify raises that bound to the maximum instead.)
    inside = y <= bins[-1]
    assert (np.searchsorted(bins, y[inside], side="left").tolist()
            == cls.yb[inside].tolist())


def assert_same_classes(values: Any, scheme: str, k: int) -> None:
    got = outcome(lambda: classify(values, scheme, k))
    ref = outcome(lambda: reference_classify(values, scheme, k))
    assert got[0] == ref[0], (got, ref)
    if got[0] == "raises":
        assert got[1] is ref[1]
        return
    (lo, up, cl), (rlo, rup, rcl) = got[1], ref[1]
    assert bits(lo) == bits(rlo) and bits(up) == bits(rup)
    assert cl.dtype == rcl.dtype and cl.tolist() == rcl.tolist()


MODERATE = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
ANY_FINITE = st.floats(allow_nan=False, allow_infinity=False)
#: few distinct values, many repeats: quantiles fall on ties and merge
TIED = st.sampled_from([-2.5, -0.0, 0.0, 1.0, 1.0 + 2**-52, 3.0, 7.25, 1e6])
SAMPLES = st.one_of(st.lists(MODERATE, min_size=1, max_size=60),
                    st.lists(TIED, min_size=1, max_size=60),
                    st.lists(ANY_FINITE, min_size=1, max_size=30),
                    st.lists(st.integers(-20, 20).map(float), min_size=1, max_size=80))
K = st.integers(1, 9)


@settings(max_examples=300, deadline=None)
@given(y=SAMPLES, k=K)
@example(y=[1.0, 2.0, 3.0, 4.0], k=3)            # 100/3 percentiles, interpolated
@example(y=[float(v) for v in range(23)], k=6)   # last percentile a hair over 100: clipped
@example(y=[-2.5, -0.0], k=23)                   # last percentile a hair under 100
@example(y=[5.0, 5.0, 5.0, 5.0, 9.0], k=4)       # most quantiles on one tie
@example(y=[0.0, -0.0, 0.0], k=2)                # signed zeros
def test_quantile_bins_are_mapclassifys(y: list[float], k: int) -> None:
    assert_same_bins("Quantiles", quantile_bins, np.asarray(y, dtype=np.float64), k)


@settings(max_examples=300, deadline=None)
@given(y=SAMPLES, k=K)
@example(y=[0.1, 2.2], k=3)                      # np.arange overshoots: cut to k bounds
@example(y=[0.3, 0.5, 1.0], k=2)
@example(y=[0.1, 0.7], k=7)
@example(y=[4.0, 4.0, 4.0], k=3)                 # constant: both refuse
@example(y=[-0.0, 0.0, 1.0, 0.0], k=2)
@example(y=[-1e308, 1e308], k=2)                 # the range overflows: both fail alike
def test_equal_interval_bins_are_mapclassifys(y: list[float], k: int) -> None:
    assert_same_bins("EqualInterval", equal_interval_bins, np.asarray(y, dtype=np.float64), k)


@settings(max_examples=200, deadline=None)
@given(y=st.lists(st.one_of(MODERATE, TIED, st.just(float("nan")), st.just(float("inf"))),
                  max_size=40),
       k=K, scheme=st.sampled_from(["quantiles", "equalinterval", "equal_interval"]))
@example(y=[float("nan")] * 3, k=5, scheme="quantiles")
@example(y=[2.0, 2.0, float("nan"), 2.0], k=5, scheme="equalinterval")   # constant + NaN
@example(y=[1.0, 1.0, 1.0, 2.0, float("nan")], k=9, scheme="quantiles")  # k > distinct values
@example(y=[float(v) for v in range(30)], k=23, scheme="quantiles")  # last bound < maximum
def test_classify_matches_the_mapclassify_classes(y: list[float], k: int, scheme: str) -> None:
    assert_same_classes(y, scheme, k)


@pytest.mark.parametrize("scheme", ["quantiles", "equalinterval", "naturalbreaks"])
@pytest.mark.parametrize("k", range(1, 10))
def test_classify_matches_mapclassify_on_random_data(scheme: str, k: int) -> None:
    rng = np.random.default_rng(k)
    data = [rng.normal(50, 20, 75), rng.lognormal(2, 1.5, 12), rng.integers(0, 4, 40) * 1.5,
            np.r_[rng.uniform(0, 1, 30), [np.nan] * 5], np.full(12, 3.25)]
    for values in data:
        assert_same_classes(values, scheme, k)


def test_quantiles_and_equal_intervals_do_not_import_mapclassify() -> None:
    code = ("import sys\n"
            "from siteplan.outputs.cartography import classify\n"
            "classify([1, 2, 3, 4, 5, 6], 'quantiles', 3)\n"
            "classify([1, 2, 3, 4, 5, 6], 'equalinterval', 3)\n"
            "assert 'mapclassify' not in sys.modules\n"
            "classify([1, 2, 3, 4, 5, 6], 'naturalbreaks', 3)\n"
            "assert 'mapclassify' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)
