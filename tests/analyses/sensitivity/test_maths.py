"""Tests for siteplan.analyses.sensitivity.maths: OAT sweeps, weight sampling and SMAA-2."""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import pytest
from scipy import stats

from siteplan.analyses.sensitivity.maths import (
    oat_sweep,
    sample_weights,
    smaa,
    sweep_weights,
    tornado_data,
)
from siteplan.errors import UsageError
from siteplan.scoring import aggregate


def _values(n: int = 30, m: int = 4, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).random((n, m))


# ------------------------------------------------------------------ weight sampling


@pytest.mark.parametrize("m", [2, 3, 7])
def test_uniform_simplex_marginals_are_beta(m: int) -> None:
    w = sample_weights(m, 4000, seed=12345)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    for j in range(m):
        p = stats.kstest(w[:, j], stats.beta(1, m - 1).cdf).pvalue
        assert p > 0.01, (j, p)


def test_dirichlet_mean_is_center() -> None:
    center = np.array([0.5, 0.3, 0.15, 0.05])
    w = sample_weights(4, 20_000, sampling="dirichlet", center=center, concentration=40, seed=3)
    se = np.sqrt(center * (1 - center) / 41 / 20_000)
    assert np.all(np.abs(w.mean(axis=0) - center) < 4 * se)
    np.testing.assert_allclose(w.var(axis=0), center * (1 - center) / 41, rtol=0.1)
    z = sample_weights(3, 100, sampling="dirichlet", center=[0.5, 0.5, 0], seed=1)
    assert np.all(z[:, 2] == 0)


def test_bounds_respected_and_sum_to_one() -> None:
    bounds = [(0.1, 0.5), (0.2, 0.6), (0.0, 0.3), (0.05, 0.2)]
    w = sample_weights(4, 5000, sampling="bounds", bounds=bounds, seed=7)
    lo, hi = np.array(bounds).T
    assert np.all(w >= lo - 1e-12) and np.all(w <= hi + 1e-12)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    assert w.shape == (5000, 4)


def test_sampling_errors() -> None:
    with pytest.raises(UsageError, match="cannot sum to 1"):
        sample_weights(3, 10, sampling="bounds", bounds=[(0.5, 1), (0.4, 1), (0.3, 1)])
    with pytest.raises(UsageError, match="cannot sum to 1"):
        sample_weights(3, 10, sampling="bounds", bounds=[(0, 0.2), (0, 0.2), (0, 0.2)])
    with pytest.raises(UsageError, match="accept only"):
        sample_weights(8, 10, sampling="bounds", seed=1, bounds=[(0.0, 0.13)] * 7 + [(0.0, 0.1)])
    with pytest.raises(UsageError, match="at least 1 sample"):
        sample_weights(3, 0)
    with pytest.raises(UsageError, match="unknown sampling"):
        sample_weights(3, 10, sampling="latin")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="needs center"):
        sample_weights(3, 10, sampling="dirichlet")


# ------------------------------------------------------------------ SMAA


def test_acceptability_rows_sum_to_one_and_reproducible() -> None:
    v = _values()
    w = sample_weights(4, 3000, seed=5)
    r1 = smaa(v, aggregate.wlc, w, value_noise=0.1, seed=9, block_size=700)
    r2 = smaa(v, None, w, value_noise=0.1, seed=9)
    np.testing.assert_allclose(r1.acceptability.sum(axis=1), 1.0)
    np.testing.assert_allclose(r1.acceptability.sum(axis=0), 1.0)
    # same seed -> identical output, whatever the block size or WLC implementation
    np.testing.assert_allclose(r1.acceptability, r2.acceptability, atol=1e-12)
    np.testing.assert_allclose(r1.central_weights, r2.central_weights, equal_nan=True)
    np.testing.assert_array_equal(r1.confidence, r2.confidence)
    assert np.all((r1.rank_stability >= 0) & (r1.rank_stability <= 1))
    np.testing.assert_allclose(r1.expected_rank, (r1.acceptability * np.arange(1, 31)).sum(axis=1))


def test_dominating_site_wins_every_sample() -> None:
    v = _values(20, 5)
    v[7] = 1.0  # dominates every other site on every criterion
    w = sample_weights(5, 2000, seed=2)
    r = smaa(v, aggregate.wlc, w)
    assert r.acceptability[7, 0] == 1.0
    assert r.confidence[7] == 1.0
    np.testing.assert_allclose(r.central_weights[7], w.mean(axis=0))
    others = np.delete(np.arange(20), 7)
    assert np.all(np.isnan(r.central_weights[others]))
    assert np.all(np.isnan(r.confidence[others]))


def test_two_site_analytic_case() -> None:
    # A = (1, 0), B = (0, 1): A ranks first iff w1 > w2 -> b_A^1 = 1/2 and the
    # central weight of A is E[w | w1 > w2] = (3/4, 1/4) for uniform weights.
    v = np.array([[1.0, 0.0], [0.0, 1.0]])
    w = sample_weights(2, 40_000, seed=11)
    r = smaa(v, None, w)
    assert r.acceptability[0, 0] == pytest.approx(0.5, abs=0.01)
    np.testing.assert_allclose(r.central_weights[0], [0.75, 0.25], atol=0.01)
    np.testing.assert_allclose(r.central_weights[1], [0.25, 0.75], atol=0.01)
    assert r.confidence.tolist() == [1.0, 1.0]
    assert r.pairwise[0, 1] + r.pairwise[1, 0] == pytest.approx(1.0)


def test_topsis_and_pairwise_indices() -> None:
    rng = np.random.default_rng(4)
    raw = rng.random((15, 3)) * [100, 5, 30]
    directions = np.array([1, -1, 1])
    score = partial(aggregate.topsis, directions=directions)
    w = sample_weights(3, 2000, seed=8)
    r = smaa(raw, score, w, pairwise_max=10, value_noise=0.05, seed=1)
    assert r.pairwise_sites.size == 10
    p = r.pairwise
    np.testing.assert_allclose(p + p.T + np.eye(10), 1.0)
    np.testing.assert_allclose(r.acceptability.sum(axis=1), 1.0)
    ok = ~np.isnan(r.confidence)
    assert np.all((r.confidence[ok] >= 0) & (r.confidence[ok] <= 1))
    # brute force: one TOPSIS call per sample, no noise
    r0 = smaa(raw, score, w)
    ranks = np.array(
        [aggregate.rank_scores(aggregate.topsis(raw, wi, directions)) for wi in w[:300]]
    )
    r300 = smaa(raw, score, w[:300])
    brute = np.array([[np.mean(ranks[:, i] == k + 1) for k in range(15)] for i in range(15)])
    np.testing.assert_allclose(r300.acceptability, brute)
    assert r0.n_samples == 2000


def test_to_dict_is_json(tmp_path: object) -> None:
    v = _values(6, 3)
    r = smaa(v, None, sample_weights(3, 500, seed=1), reference_weights=[0.5, 0.3, 0.2])
    o = oat_sweep(v, [0.5, 0.3, 0.2], top_k=2)
    d = r.to_dict([f"s{i}" for i in range(6)], ["a", "b", "c"], oat=o, max_rank=3)
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert set(back["sites"]["s0"]) >= {
        "acceptability",
        "central_weights",
        "confidence",
        "rank_stability",
    }
    assert len(back["sites"]["s0"]["acceptability"]) == 3
    assert set(back["criteria"]) == {"a", "b", "c"}
    assert "winner_interval" in back["criteria"]["a"]


def test_smaa_errors() -> None:
    v = _values(5, 3)
    with pytest.raises(UsageError, match="zero weight samples"):
        smaa(v, None, np.zeros((0, 3)))
    with pytest.raises(UsageError, match="shape"):
        smaa(v, None, np.ones((10, 4)))
    with pytest.raises(UsageError, match="value_noise"):
        smaa(v, None, np.ones((10, 3)), value_noise=1.5)


# ------------------------------------------------------------------ OAT sweeps


def _brute(
    v: np.ndarray, w: np.ndarray, j: int, site: int, k: int, score_fn: object, steps: int = 10_001
) -> tuple[float, float]:
    t = np.linspace(0, 1, steps)
    ww = sweep_weights(w, j, t)
    s = wlc_or(score_fn, v, ww)
    ok = (s > s[:, [site]]).sum(axis=1) < k
    q0 = int(np.argmin(np.abs(t - w[j])))
    lo = q0
    while lo > 0 and ok[lo - 1]:
        lo -= 1
    hi = q0
    while hi < steps - 1 and ok[hi + 1]:
        hi += 1
    return float(t[lo]), float(t[hi])


def wlc_or(score_fn: object, v: np.ndarray, ww: np.ndarray) -> np.ndarray:
    if score_fn is None:
        return ww @ v.T
    return np.asarray(score_fn(v, ww))  # type: ignore[operator]


def test_oat_analytic_two_sites() -> None:
    v = np.array([[1.0, 0.0], [0.0, 1.0]])
    o = oat_sweep(v, [0.6, 0.4], top_k=1)
    sw = o.sweeps[0]
    assert o.winner == 0 and sw.exact
    assert sw.winner_interval == pytest.approx((0.5, 1.0))
    assert sw.min_change == pytest.approx(0.1)
    assert sw.winner_below == 1 and sw.winner_above is None
    sw1 = o.sweeps[1]
    assert sw1.winner_interval == pytest.approx((0.0, 0.5))
    assert sw1.winner_above == 1


@pytest.mark.parametrize("method", ["wlc", "topsis"])
def test_oat_intervals_match_brute_force(method: str) -> None:
    rng = np.random.default_rng(21)
    v = rng.random((40, 4))
    w = np.array([0.4, 0.3, 0.2, 0.1])
    score = None if method == "wlc" else partial(aggregate.topsis, directions=[1, 1, -1, 1])
    o = oat_sweep(v, w, score, steps=101, top_k=5)
    grid = 1e-4 + 1e-6  # brute-force resolution plus bisection tolerance
    for sw in o.sweeps:
        assert sw.exact == (method == "wlc")
        lo, hi = _brute(v, w, sw.criterion, o.winner, 1, score)
        assert abs(sw.winner_interval[0] - lo) <= grid
        assert abs(sw.winner_interval[1] - hi) <= grid
        for site, (a, b) in sw.topk_intervals.items():
            blo, bhi = _brute(v, w, sw.criterion, site, 5, score)
            assert abs(a - blo) <= grid and abs(b - bhi) <= grid
        if sw.min_change is not None:
            cands = [
                w[sw.criterion] - lo if lo > 0 else np.inf,
                hi - w[sw.criterion] if hi < 1 else np.inf,
            ]
            assert sw.min_change == pytest.approx(min(cands), abs=grid)


def test_oat_with_vikor_score() -> None:
    rng = np.random.default_rng(3)
    raw = rng.random((12, 3))
    d = np.array([1, 1, -1])

    def score(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.asarray(aggregate.vikor(x, w, d).score)

    o = oat_sweep(raw, [0.5, 0.3, 0.2], score, top_k=3)
    for sw in o.sweeps:
        lo, hi = _brute(raw, o.weights, sw.criterion, o.winner, 1, score, steps=4001)
        assert abs(sw.winner_interval[0] - lo) <= 2.5e-4 + 1e-6
        assert abs(sw.winner_interval[1] - hi) <= 2.5e-4 + 1e-6


def test_tornado_data() -> None:
    v = _values(10, 3)
    o = oat_sweep(v, [0.5, 0.3, 0.2], steps=51)
    bars = tornado_data(o)
    spans = [b.high - b.low for b in bars]
    assert spans == sorted(spans, reverse=True)
    for b in bars:
        assert b.low <= b.base + 1e-12 <= b.high + 2e-12
    ranks = tornado_data(o, metric="rank")
    assert all(1 <= b.low <= b.high <= 10 for b in ranks)
    assert bars[0].to_dict(["a", "b", "c"])["criterion"] in {"a", "b", "c"}
    with pytest.raises(UsageError, match="out of range"):
        tornado_data(o, site=99)


def test_oat_errors() -> None:
    with pytest.raises(UsageError, match="two criteria"):
        oat_sweep(np.ones((3, 1)), [1.0])
    with pytest.raises(UsageError, match="weights"):
        oat_sweep(np.ones((3, 2)), [1.0, 2.0, 3.0])
    with pytest.raises(UsageError, match="steps"):
        oat_sweep(np.ones((3, 2)), [0.5, 0.5], steps=1)


# ----------------------------------------------------------------------------- ties


def _brute_force_acceptability(values: np.ndarray, ws: np.ndarray) -> np.ndarray:
    """Rank acceptability by the definition, one sample at a time: a group of t sites with
    equal scores at positions r..r+t-1 gives each of them 1/t at each of those ranks."""
    n = values.shape[0]
    acc = np.zeros((n, n))
    for w in ws:
        score = values @ (w / w.sum())
        for i in range(n):
            better = int(np.sum(score > score[i]))
            tied = int(np.sum(score == score[i]))
            acc[i, better:better + tied] += 1.0 / tied
    return acc / len(ws)


def test_identical_sites_get_identical_figures() -> None:
    """A town and a zone on the same point have the same criteria: SMAA must not tell them
    apart by their position in the file (it did, by up to 0.08 on the Morocco default)."""
    rng = np.random.default_rng(3)
    values = rng.uniform(0, 1, size=(6, 4))
    values = np.vstack([values, values[2], values[2]])  # sites 2, 6 and 7 are the same
    ws = sample_weights(4, 500, seed=11)
    res = smaa(values, None, ws, seed=1, reference_weights=np.full(4, 0.25))
    for twin in (6, 7):
        np.testing.assert_array_equal(res.acceptability[twin], res.acceptability[2])
        assert res.rank_stability[twin] == res.rank_stability[2]
        assert res.expected_rank[twin] == res.expected_rank[2]
        assert res.reference_rank[twin] == res.reference_rank[2]
    np.testing.assert_allclose(res.acceptability, _brute_force_acceptability(values, ws),
                               atol=1e-12)
    # every rank still holds one site per sample
    np.testing.assert_allclose(res.acceptability.sum(axis=0), 1.0, atol=1e-12)
    np.testing.assert_allclose(res.acceptability.sum(axis=1), 1.0, atol=1e-12)


def test_without_ties_the_counts_are_the_plain_positions() -> None:
    rng = np.random.default_rng(5)
    values = rng.uniform(0, 1, size=(9, 3))
    ws = sample_weights(3, 300, seed=2)
    res = smaa(values, None, ws, seed=1)
    counts = res.acceptability * 300
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)  # whole samples
    np.testing.assert_allclose(res.acceptability, _brute_force_acceptability(values, ws),
                               atol=1e-12)


def test_tied_best_sites_share_first_place_and_its_weights() -> None:
    values = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 0.2]])
    ws = np.array([[0.9, 0.1], [0.8, 0.2]])
    res = smaa(values, None, ws, seed=1)
    np.testing.assert_allclose(res.acceptability[:2, 0], [0.5, 0.5])
    np.testing.assert_allclose(res.central_weights[0], res.central_weights[1])
    np.testing.assert_allclose(res.confidence[:2], [0.5, 0.5])
