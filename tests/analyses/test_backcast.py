"""Backcasting: the concordance of an index with the towns hosting offshoring today is
the Mann-Whitney U of the hosts against the others, divided by the number of pairs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from pyproj import Geod
from scipy.stats import mannwhitneyu

from siteplan.analyses.backcast import backcast, concordance, park_hosts
from siteplan.errors import DataError


def brute_force(h: np.ndarray, o: np.ndarray) -> float:
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in itertools.product(h, o))
    return wins / (len(h) * len(o))


@pytest.mark.parametrize("seed", range(5))
def test_concordance_equals_pair_counting_and_scipy_u(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # rounded values: many ties, which count one half
    h = np.round(rng.uniform(0, 1, 7), 1)
    o = np.round(rng.uniform(0, 1, 40), 1)
    c = concordance(h, o)
    assert c == pytest.approx(brute_force(h, o), abs=1e-12)
    u = mannwhitneyu(h, o, alternative="two-sided", method="asymptotic").statistic
    assert c == pytest.approx(u / (len(h) * len(o)), abs=1e-12)


def test_perfect_and_reversed_orders() -> None:
    assert concordance([3, 4], [1, 2]) == 1.0
    assert concordance([1, 2], [3, 4]) == 0.0
    assert concordance([1, 1], [1, 1, 1]) == 0.5


def test_backcast_names_the_misordered_sites_and_skips_unscored() -> None:
    ids = ["a", "b", "c", "d", "e"]
    values = [0.9, 0.2, 0.5, 0.6, np.nan]
    b = backcast(ids, values, hosts=["a", "b", "e"])
    assert b.hosts == ("a", "b") and b.others == 2 and b.pairs == 4
    assert b.unscored_hosts == ("e",)
    assert b.concordance == pytest.approx(brute_force(np.array([0.9, 0.2]),
                                                      np.array([0.5, 0.6])))
    assert b.lagging_hosts == (("b", 0.2),)
    assert b.leading_others == (("d", 0.6), ("c", 0.5))


def test_unknown_hosts_are_refused() -> None:
    with pytest.raises(DataError, match="zz"):
        backcast(["a", "b"], [1.0, 2.0], hosts=["zz"])


def test_a_park_counts_for_its_nearest_candidate_within_the_radius() -> None:
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(-9, -2, 30), rng.uniform(29, 35, 30)
    plon, plat = rng.uniform(-9, -2, 12), rng.uniform(29, 35, 12)
    ids = [f"s{i}" for i in range(30)]
    geod = Geod(ellps="WGS84")
    expected = set()
    for x, y in zip(plon, plat, strict=True):
        d = [geod.inv(x, y, a, b)[2] / 1000 for a, b in zip(lon, lat, strict=True)]
        j = int(np.argmin(d))
        if d[j] <= 40:
            expected.add(ids[j])
    assert set(park_hosts(ids, lon, lat, plon, plat, within_km=40)) == expected
    assert expected  # the draw puts some park within reach
