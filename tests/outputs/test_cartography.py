"""Cartography shared by both maps: classes of a choropleth, the score colour scale, number
labels.

Class bounds are worked out by hand (equal intervals, quantiles) or are the obvious natural
breaks of well-separated groups; colours are checked against matplotlib's own colormap.
"""

from __future__ import annotations

import numpy as np
import pytest

from siteplan.errors import UsageError
from siteplan.outputs.cartography import (
    NO_DATA_COLOUR,
    SCORE_CMAP,
    classify,
    fmt_number,
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
