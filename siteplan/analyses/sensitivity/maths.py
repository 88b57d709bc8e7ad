"""Weight sensitivity: one-at-a-time (OAT) sweeps and SMAA-2.

Both analyses reuse a decision matrix and never recompute criteria. A *score function*
``score_fn(values, weights) -> scores`` turns a decision matrix and a batch of weight
vectors into scores, higher is better:

* ``values`` is ``(n, m)`` (n sites, m criteria), or ``(s, n, m)`` when SMAA perturbs the
  values per sample (``value_noise > 0``);
* ``weights`` is ``(s, m)``; the result is ``(s, n)``.

The aggregation functions of :mod:`siteplan.scoring.aggregate` fit this contract, with
``functools.partial`` binding the extra arguments, e.g.
``partial(aggregate.topsis, directions=directions)`` on the raw matrix, or
``lambda v, w: aggregate.vikor(v, w, directions).score``. ``score_fn=None`` means the
weighted linear combination (WLC) ``scores = values @ weights``, for which OAT intervals are
solved exactly.

Ranking convention: rank 1 is the best (highest score); exact ties are resolved by the
order numpy's sort returns (deterministic for a given input).

References
----------
Lahdelma, R. & Salminen, P. (2001). SMAA-2: Stochastic multicriteria acceptability
    analysis for group decision making. *Operations Research* 49(3), 444-454.
Tervonen, T. & Figueira, J. R. (2008). A survey on stochastic multicriteria acceptability
    analysis methods. *J. Multi-Criteria Decision Analysis* 15, 1-14.
Rubinstein, R. Y. (1982). Generating random vectors uniformly distributed inside and on the
    surface of different regions. *EJOR* 10, 205-209 (uniform simplex sampling).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siteplan.errors import UsageError
from siteplan.scoring.aggregate import complete_matrix, rank_scores

# The weight samplers live in siteplan.scoring.sampling (plan robustness uses them too, and
# may not import this package); their names stay importable from here.
from siteplan.scoring.sampling import (
    MAX_SAMPLES,
    _check_weight_vector,
    _rng,
    _sample_bounded,  # noqa: F401  (old import path)
    check_samples,
    check_seed,
    sample_weights,
)

__all__ = [
    "MAX_SAMPLES",
    "CriterionSweep",
    "OatResult",
    "SmaaResult",
    "TornadoBar",
    "check_samples",
    "check_seed",
    "oat_sweep",
    "sample_weights",
    "smaa",
    "sweep_weights",
    "tornado_data",
    "wlc_scores",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
ScoreFn = Callable[[FloatArray, FloatArray], Any]

_MEMORY_BUDGET = 64 * 1024 * 1024  # bytes per block of samples


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

def wlc_scores(values: FloatArray, weights: FloatArray) -> FloatArray:
    """Weighted linear combination, batched: ``(n, m) | (s, n, m)`` x ``(s, m)`` -> ``(s, n)``."""
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    if v.ndim == 2:
        return np.asarray(w @ v.T, dtype=float)
    return np.asarray(np.matmul(v, w[:, :, None])[:, :, 0], dtype=float)


def _call_scores(score_fn: ScoreFn | None, values: FloatArray, weights: FloatArray,
                 n: int) -> FloatArray:
    if score_fn is None:
        return wlc_scores(values, weights)
    out = np.asarray(score_fn(values, weights), dtype=float)
    if out.shape != (weights.shape[0], n):
        raise UsageError(f"score function returned shape {out.shape} for {weights.shape[0]} "
                         f"weight vectors and {n} sites; it must return (samples, sites)")
    return out


def _noisy_scores(score_fn: ScoreFn | None, vb: FloatArray, wb: FloatArray, n: int,
                  state: dict[str, bool]) -> FloatArray:
    """Scores for per-sample value matrices ``vb`` (b, n, m) and weights ``wb`` (b, m).

    Tries one batched call; a score function that only accepts a 2-D matrix (it raises
    UsageError or ValueError on the 3-D input) is then called once per sample, which is
    slower but gives the same result. The choice is remembered in ``state``.
    """
    if score_fn is None:
        return wlc_scores(vb, wb)
    if state.get("batched", True):
        try:
            return _call_scores(score_fn, vb, wb, n)
        except (UsageError, ValueError):
            state["batched"] = False
    return np.concatenate([_call_scores(score_fn, vb[q], wb[q:q + 1], n)
                           for q in range(vb.shape[0])])


def _count_above(scores: FloatArray, site: IntArray | int) -> IntArray:
    """Number of sites with a strictly higher score than ``site`` (per row)."""
    s = np.atleast_2d(scores)
    idx = np.broadcast_to(np.asarray(site), (s.shape[0],))
    own = s[np.arange(s.shape[0]), idx]
    return np.asarray((s > own[:, None]).sum(axis=1), dtype=np.intp)


# --------------------------------------------------------------------------------------------
# One-at-a-time sweeps
# --------------------------------------------------------------------------------------------

def sweep_weights(weights: ArrayLike, j: int, t: ArrayLike) -> FloatArray:
    """Weight vectors with criterion ``j`` set to ``t`` and the others rescaled in proportion.

    ``w_k(t) = w_k (1 - t) / (1 - w_j)`` for k != j, so every row sums to 1. When
    ``w_j = 1`` the other criteria share ``1 - t`` equally.

    Returns
    -------
    ndarray, shape (len(t), m)
    """
    w = np.asarray(weights, dtype=float)
    tt = np.atleast_1d(np.asarray(t, dtype=float))
    m = w.size
    rest = np.delete(w, j)
    rest_sum = rest.sum()
    share = rest / rest_sum if rest_sum > 1e-15 else np.full(m - 1, 1.0 / max(m - 1, 1))
    out = np.empty((tt.size, m))
    out[:, j] = tt
    out[:, np.arange(m) != j] = (1.0 - tt)[:, None] * share[None, :]
    return out


@dataclass(frozen=True, eq=False)
class CriterionSweep:
    """OAT result for one criterion (weights in [0, 1], sum-1 scale).

    Attributes
    ----------
    criterion : int
        Criterion index.
    weight : float
        Current (normalised) weight ``w_j``.
    winner_interval : (float, float)
        Largest interval ``[lo, hi]`` of ``w_j`` containing the current weight over which
        the current winner stays first.
    min_change : float or None
        Smallest ``|delta w_j|`` that changes the winner (None: never changes on [0, 1]).
    winner_below, winner_above : int or None
        The site that takes first place just below ``lo`` / just above ``hi`` (None when
        the interval reaches 0 / 1).
    topk_intervals : dict site -> (lo, hi)
        For each current top-K site, the interval of ``w_j`` over which it stays in the
        top K.
    exact : bool
        True when the interval ends were solved analytically (scores linear in ``w_j``,
        e.g. WLC); False when found on the grid and refined by bisection to ``tol``.
    """

    criterion: int
    weight: float
    winner_interval: tuple[float, float]
    min_change: float | None
    winner_below: int | None
    winner_above: int | None
    topk_intervals: dict[int, tuple[float, float]]
    exact: bool


@dataclass(frozen=True, eq=False)
class OatResult:
    """One-at-a-time sweep over every criterion.

    ``scores[j, q, i]`` is site i's score when criterion j's weight is ``t[q]``.
    """

    weights: FloatArray
    base_scores: FloatArray
    base_rank: IntArray           #: 1-based rank under the current weights
    winner: int
    top_k: int
    topk: tuple[int, ...]         #: current top-K sites, best first
    t: FloatArray
    scores: FloatArray
    sweeps: tuple[CriterionSweep, ...]

    def to_dict(self, site_ids: Sequence[Any], criteria: Sequence[str]) -> dict[str, Any]:
        """JSON-ready dict: per criterion, the winner and top-K intervals."""
        ids = list(site_ids)

        def sid(i: int | None) -> Any:
            return None if i is None else ids[i]

        out: dict[str, Any] = {}
        for sw in self.sweeps:
            out[criteria[sw.criterion]] = {
                "weight": sw.weight,
                "winner_interval": list(sw.winner_interval),
                "min_change_to_flip_winner": sw.min_change,
                "winner_below": sid(sw.winner_below),
                "winner_above": sid(sw.winner_above),
                "top_k_intervals": {str(ids[i]): list(v) for i, v in sw.topk_intervals.items()},
                "exact": sw.exact,
            }
        return {"winner": ids[self.winner], "top_k": self.top_k,
                "top_k_sites": [ids[i] for i in self.topk], "criteria": out}


def _affine_interval(a: FloatArray, b: FloatArray, site: int, k: int,
                     t0: float) -> tuple[float, float]:
    """Exact interval around t0 where ``site`` has fewer than k sites strictly above it.

    Scores are ``S(t) = a + b t`` (affine in t).
    """
    da = a - a[site]
    db = b - b[site]
    with np.errstate(divide="ignore", invalid="ignore"):
        roots = np.where(db != 0, -da / db, np.nan)
    roots = roots[np.isfinite(roots) & (roots > 0) & (roots < 1)]
    bp = np.unique(np.concatenate([[0.0, 1.0, t0], roots]))
    mids = 0.5 * (bp[:-1] + bp[1:])
    ok_mid = ((a[None, :] + mids[:, None] * b[None, :])
              > (a[site] + mids * b[site])[:, None]).sum(axis=1) < k
    p0 = int(np.searchsorted(bp, t0))           # bp[p0] == t0
    hi_idx = p0
    while hi_idx < len(mids) and ok_mid[hi_idx]:
        hi_idx += 1
    lo_idx = p0
    while lo_idx > 0 and ok_mid[lo_idx - 1]:
        lo_idx -= 1
    return float(bp[lo_idx]), float(bp[hi_idx])


def _winner_at(a: FloatArray, b: FloatArray, t: float) -> int:
    return int(np.argmax(a + t * b))


def oat_sweep(values: ArrayLike, weights: ArrayLike, score_fn: ScoreFn | None = None,
              steps: int = 101, top_k: int = 5, tol: float = 1e-6) -> OatResult:
    """One-at-a-time weight sweep of every criterion.

    For criterion j the weight ``t = w_j`` is swept over ``[0, 1]`` on ``steps`` grid points
    while the other weights are rescaled in proportion (:func:`sweep_weights`).

    For each criterion the result gives the interval ``[lo, hi]`` of ``w_j`` containing the
    current weight over which the current winner stays first, the interval over which each
    current top-``top_k`` site stays in the top K, and the smallest change of ``w_j`` that
    changes the winner. When the scores are affine in ``t`` along the sweep (detected on
    the grid; always true for WLC and any score linear in the weights), crossing points are
    solved analytically from the scores at ``t = 0`` and ``t = 1`` and the intervals are
    exact. Otherwise intervals are read on the grid (plus the current weight) and each end
    is refined by bisection to ``tol``; a status change that starts and ends between two
    grid points can then be missed.

    Parameters
    ----------
    values : array_like (n, m)
        Decision matrix passed to ``score_fn`` (the value matrix for WLC).
    weights : array_like (m,)
        Current weights (normalised to sum 1 here).
    score_fn : callable or None
        ``score_fn(values, weights (s, m)) -> (s, n)``; None for WLC.
    steps : int
        Grid points on [0, 1] (>= 2), used for tornado data and non-linear scores.
    top_k : int
        K for the top-K intervals (clipped to the number of sites).
    tol : float
        Bisection tolerance on the weight for non-linear scores.
    """
    v = complete_matrix(values, "OAT sweep")
    n, m = v.shape
    w = _check_weight_vector(weights, m, "OAT sweep")
    if m < 2:
        raise UsageError("OAT sweep: needs at least two criteria to trade weight between")
    if steps < 2:
        raise UsageError(f"OAT sweep: steps={steps}; give at least 2 grid points")
    if top_k < 1:
        raise UsageError(f"OAT sweep: top_k={top_k}; give K >= 1")
    k = min(int(top_k), n)
    base = _call_scores(score_fn, v, w[None, :], n)[0]
    order = np.argsort(-base, kind="stable")
    base_rank = np.empty(n, dtype=np.intp)
    base_rank[order] = np.arange(1, n + 1)
    winner = int(order[0])
    topk = tuple(int(i) for i in order[:k])

    t = np.linspace(0.0, 1.0, int(steps))
    grids = [np.unique(np.concatenate([t, [w[j]]])) for j in range(m)]
    all_w = np.concatenate([sweep_weights(w, j, g) for j, g in enumerate(grids)])
    all_s = _call_scores(score_fn, v, all_w, n)
    splits = np.cumsum([len(g) for g in grids])[:-1]
    per_crit = np.split(all_s, splits)

    grid_scores = np.empty((m, t.size, n))
    sweeps: list[CriterionSweep] = []
    # brackets to refine: (criterion, site, K, side, t_ok, t_bad, is_winner_bracket)
    pending: list[tuple[int, int, int, int, float, float, bool]] = []
    keys = [(winner, 1)] + [(i, k) for i in topk if (i, k) != (winner, 1)]
    partial: dict[int, dict[str, Any]] = {}
    for j in range(m):
        g, s = grids[j], per_crit[j]
        grid_scores[j] = s[np.searchsorted(g, t)]
        t0 = float(w[j])
        a, b = s[0], s[-1] - s[0]
        scale = max(1.0, float(np.abs(s).max()))
        affine = bool(np.all(np.abs(s - (a[None, :] + g[:, None] * b[None, :]))
                             <= 1e-9 * scale))
        if affine:
            lo, hi = _affine_interval(a, b, winner, 1, t0)
            below = _winner_at(a, b, lo - min(1e-9, lo / 2)) if lo > 0 else None
            above = _winner_at(a, b, hi + min(1e-9, (1 - hi) / 2)) if hi < 1 else None
            topiv = {i: _affine_interval(a, b, i, k, t0) for i in topk}
            sweeps.append(_make_sweep(j, t0, lo, hi, below, above, topiv, exact=True))
            continue
        # grid reading + bisection refinement
        p0 = int(np.searchsorted(g, t0))
        info: dict[str, Any] = {"t0": t0, "iv": {}, "below": None, "above": None}
        for q, (site, kk) in enumerate(keys):
            ok = _count_above(s, site) < kk
            hi_idx = p0
            while hi_idx + 1 < len(g) and ok[hi_idx + 1]:
                hi_idx += 1
            lo_idx = p0
            while lo_idx > 0 and ok[lo_idx - 1]:
                lo_idx -= 1
            info["iv"][(site, kk)] = [float(g[lo_idx]), float(g[hi_idx])]
            if hi_idx + 1 < len(g):
                pending.append((j, site, kk, +1, float(g[hi_idx]), float(g[hi_idx + 1]),
                                q == 0))
            if lo_idx > 0:
                pending.append((j, site, kk, -1, float(g[lo_idx]), float(g[lo_idx - 1]),
                                q == 0))
        partial[j] = info

    if pending:
        _bisect(pending, partial, v, w, score_fn, n, tol)
    for j, info in partial.items():
        lo, hi = info["iv"][(winner, 1)]
        topiv = {i: (info["iv"][(i, k)][0], info["iv"][(i, k)][1]) for i in topk}
        sweeps.append(_make_sweep(j, info["t0"], lo, hi, info["below"], info["above"], topiv,
                                  exact=False))
    sweeps.sort(key=lambda sw: sw.criterion)
    return OatResult(weights=w, base_scores=base, base_rank=base_rank, winner=winner, top_k=k,
                     topk=topk, t=t, scores=grid_scores, sweeps=tuple(sweeps))


def _make_sweep(j: int, t0: float, lo: float, hi: float, below: int | None,
                above: int | None, topiv: dict[int, tuple[float, float]],
                exact: bool) -> CriterionSweep:
    cands = []
    if lo > 0 and below is not None:
        cands.append(t0 - lo)
    if hi < 1 and above is not None:
        cands.append(hi - t0)
    return CriterionSweep(criterion=j, weight=t0, winner_interval=(lo, hi),
                          min_change=min(cands) if cands else None,
                          winner_below=below if lo > 0 else None,
                          winner_above=above if hi < 1 else None,
                          topk_intervals=topiv, exact=exact)


def _bisect(pending: list[tuple[int, int, int, int, float, float, bool]],
            partial: dict[int, dict[str, Any]], v: FloatArray, w: FloatArray,
            score_fn: ScoreFn | None, n: int, tol: float) -> None:
    """Refine every (ok, bad) bracket at once, one batched score call per iteration."""
    js = np.array([p[0] for p in pending])
    sites = np.array([p[1] for p in pending], dtype=np.intp)
    ks = np.array([p[2] for p in pending])
    ok_t = np.array([p[4] for p in pending])
    bad_t = np.array([p[5] for p in pending])
    m = w.size
    iters = max(1, math.ceil(math.log2(max(np.abs(bad_t - ok_t).max(), tol) / tol)))
    for _ in range(iters):
        mid = 0.5 * (ok_t + bad_t)
        wb = np.empty((mid.size, m))
        for j in np.unique(js):
            sel = js == j
            wb[sel] = sweep_weights(w, int(j), mid[sel])
        s = _call_scores(score_fn, v, wb, n)
        good = _count_above(s, sites) < ks
        ok_t = np.where(good, mid, ok_t)
        bad_t = np.where(good, bad_t, mid)
    # winner just beyond each winner bracket
    wb = np.empty((bad_t.size, m))
    for j in np.unique(js):
        sel = js == j
        wb[sel] = sweep_weights(w, int(j), bad_t[sel])
    beyond = np.argmax(_call_scores(score_fn, v, wb, n), axis=1)
    for q, (j, site, kk, side, _, _, is_winner) in enumerate(pending):
        info = partial[j]
        iv = info["iv"][(site, kk)]
        if side > 0:
            iv[1] = float(ok_t[q])
        else:
            iv[0] = float(ok_t[q])
        if is_winner:
            info["above" if side > 0 else "below"] = int(beyond[q])


@dataclass(frozen=True)
class TornadoBar:
    """Range of one site's score (or rank) while one criterion's weight sweeps 0..1."""

    criterion: int
    base: float
    low: float
    high: float
    weight_at_low: float
    weight_at_high: float

    def to_dict(self, criteria: Sequence[str]) -> dict[str, Any]:
        """JSON-ready dict keyed by criterion name."""
        return {"criterion": criteria[self.criterion], "base": self.base, "low": self.low,
                "high": self.high, "weight_at_low": self.weight_at_low,
                "weight_at_high": self.weight_at_high}


def tornado_data(oat: OatResult, site: int | None = None,
                 metric: Literal["score", "rank"] = "score") -> list[TornadoBar]:
    """Per criterion, the range of ``site``'s score or rank over the OAT sweep.

    Parameters
    ----------
    oat : OatResult
    site : int, optional
        Site index (default: the current winner).
    metric : {"score", "rank"}
        ``"rank"`` gives 1-based ranks (low = best rank reached, high = worst).

    Returns
    -------
    list of TornadoBar
        Sorted by the width of the range, widest first (the order of a tornado chart).
    """
    i = oat.winner if site is None else int(site)
    n = oat.base_scores.size
    if not 0 <= i < n:
        raise UsageError(f"tornado data: site index {i} out of range 0..{n - 1}")
    if metric not in ("score", "rank"):
        raise UsageError(f"tornado data: metric {metric!r}; use 'score' or 'rank'")
    bars = []
    for j in range(oat.scores.shape[0]):
        s = oat.scores[j]
        if metric == "score":
            series = s[:, i]
            base = float(oat.base_scores[i])
        else:
            series = 1.0 + (s > s[:, [i]]).sum(axis=1)
            base = float(oat.base_rank[i])
        qlo, qhi = int(np.argmin(series)), int(np.argmax(series))
        bars.append(TornadoBar(j, base, float(series[qlo]), float(series[qhi]),
                               float(oat.t[qlo]), float(oat.t[qhi])))
    bars.sort(key=lambda b: b.high - b.low, reverse=True)
    return bars


# --------------------------------------------------------------------------------------------
# SMAA-2
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class SmaaResult:
    """SMAA-2 descriptive measures (Lahdelma & Salminen 2001).

    Attributes
    ----------
    acceptability : ndarray (n, n)
        ``acceptability[i, r]`` = b_i^(r+1), share of samples where site i has rank r+1;
        rows sum to 1.
    central_weights : ndarray (n, m)
        Mean weight vector over the samples where site i ranks first (NaN if never).
    confidence : ndarray (n,)
        Share of value-noise draws in which site i ranks first when using its own central
        weights (NaN if it never ranks first; 1 or 0 without value noise).
    pairwise : ndarray (p, p)
        ``pairwise[a, b]`` = P(site pairwise_sites[a] ranks above site pairwise_sites[b]),
        i.e. the share of samples with a strictly higher score (exact ties count for
        neither site).
    pairwise_sites : ndarray (p,)
        Site indices of the pairwise matrix.
    rank_stability : ndarray (n,)
        Share of samples in which the site's rank is within ``rank_tolerance`` places of
        its reference rank (the rank under the reference weights, by default the scenario
        weights or the mean sampled weights). This anchors stability to the published
        ranking the reader sees, unlike the acceptability of the modal rank, which can be
        high for a rank other than the published one; the +-1 tolerance stops swaps of
        near-tied neighbours from counting as instability.
    expected_rank : ndarray (n,)
        ``sum_r r b_i^r`` (1-based).
    reference_rank : ndarray (n,)
        1-based rank under the reference weights.
    """

    acceptability: FloatArray
    central_weights: FloatArray
    confidence: FloatArray
    pairwise: FloatArray
    pairwise_sites: IntArray
    rank_stability: FloatArray
    expected_rank: FloatArray
    reference_rank: IntArray
    n_samples: int
    value_noise: float
    rank_tolerance: int

    @property
    def first_rank_acceptability(self) -> FloatArray:
        """b_i^1 for every site."""
        return np.asarray(self.acceptability[:, 0], dtype=float)

    def to_dict(self, site_ids: Sequence[Any], criteria: Sequence[str],
                oat: OatResult | None = None, max_rank: int | None = None) -> dict[str, Any]:
        """JSON-ready dict (NaN becomes None).

        Per site: ``acceptability`` (list over ranks 1..n, or 1..max_rank),
        ``central_weights`` (criterion -> weight, or None), ``confidence``,
        ``rank_stability``, ``expected_rank``, ``reference_rank``. When ``oat`` is given,
        ``criteria`` holds the OAT intervals per criterion.
        """
        ids = list(site_ids)
        n = self.acceptability.shape[0]
        if len(ids) != n:
            raise UsageError(f"SMAA to_dict: {len(ids)} site ids for {n} sites")
        r = n if max_rank is None else max(1, min(int(max_rank), n))

        def num(x: float) -> float | None:
            return None if not math.isfinite(x) else float(x)

        sites: dict[str, Any] = {}
        for i, sid in enumerate(ids):
            cw = self.central_weights[i]
            sites[str(sid)] = {
                "acceptability": [float(x) for x in self.acceptability[i, :r]],
                "central_weights": (None if np.isnan(cw).any() else
                                    {c: float(x) for c, x in zip(criteria, cw, strict=True)}),
                "confidence": num(float(self.confidence[i])),
                "rank_stability": float(self.rank_stability[i]),
                "expected_rank": float(self.expected_rank[i]),
                "reference_rank": int(self.reference_rank[i]),
            }
        out: dict[str, Any] = {
            "n_samples": self.n_samples, "value_noise": self.value_noise,
            "rank_tolerance": self.rank_tolerance, "sites": sites,
            "pairwise": {"sites": [ids[i] for i in self.pairwise_sites],
                         "p_above": self.pairwise.tolist()},
        }
        if oat is not None:
            out["criteria"] = oat.to_dict(ids, criteria)["criteria"]
        return out


def _auto_clip(v: FloatArray, clip: tuple[float, float] | str | None
               ) -> tuple[float, float] | None:
    if isinstance(clip, str):
        if clip != "auto":
            raise UsageError(f"SMAA: clip={clip!r}; use 'auto', None or (lo, hi)")
        return (0.0, 1.0) if (v.min() >= 0 and v.max() <= 1) else None
    return clip


def smaa(values: ArrayLike, score_fn: ScoreFn | None, weights_samples: ArrayLike, *,
         value_noise: float = 0.0, clip: tuple[float, float] | str | None = "auto",
         seed: int | np.random.Generator | None = None,
         reference_weights: ArrayLike | None = None, rank_tolerance: int = 1,
         pairwise_sites: Sequence[int] | None = None, pairwise_max: int = 50,
         confidence_samples: int = 1000, block_size: int | None = None) -> SmaaResult:
    """SMAA-2 over sampled weights (and optionally perturbed values), fully vectorised.

    Parameters
    ----------
    values : array_like (n, m)
        Decision matrix given to ``score_fn`` (normalised values for WLC).
    score_fn : callable or None
        ``score_fn(values, weights (s, m)) -> (s, n)``, higher is better; None for WLC.
        With ``value_noise > 0`` it is first given ``values`` of shape ``(s, n, m)``; a
        function that only accepts a 2-D matrix is then called once per sample (slower).
    weights_samples : array_like (s, m)
        Weight vectors, e.g. from :func:`sample_weights` (rows renormalised to sum 1).
    value_noise : float
        ``p`` in [0, 1): each value is multiplied by an independent ``U(1 - p, 1 + p)`` factor
        in every sample; the noise is drawn in blocks of samples. The result is clipped to
        ``clip``.
    clip : "auto", None or (lo, hi)
        Range the perturbed values are clipped to; "auto" clips to [0, 1] when ``values``
        lies in [0, 1] (a value matrix) and does not clip otherwise (a raw matrix).
    seed : int, Generator or None
        Seed of the value noise (weights are sampled beforehand).
    reference_weights : array_like (m,), optional
        Weights defining the reference ranking for ``rank_stability`` (default: the mean of
        the weight samples; pass the scenario weights to anchor on the published ranking).
    rank_tolerance : int
        Places of tolerance in ``rank_stability`` (default 1).
    pairwise_sites : sequence of int, optional
        Sites of the pairwise winning-index matrix (default: the ``pairwise_max`` best sites
        of the reference ranking; all sites when n <= pairwise_max). Its cost is
        O(s p^2).
    confidence_samples : int
        Value-noise draws used for the confidence factors (when ``value_noise > 0``).
    block_size : int, optional
        Samples per block (default: sized to about 64 MB of temporaries).
    """
    v = complete_matrix(values, "SMAA")
    n, m = v.shape
    try:
        ws = np.asarray(weights_samples, dtype=float)
    except (TypeError, ValueError):
        raise UsageError("SMAA: weight samples are not numeric; give an (s, m) array"
                         ) from None
    if ws.ndim != 2 or ws.shape[1] != m:
        raise UsageError(f"SMAA: weight samples shape {ws.shape}; give (samples, {m})")
    s = ws.shape[0]
    if s < 1:
        raise UsageError("SMAA: zero weight samples; give n_samples >= 1")
    if not np.all(np.isfinite(ws)) or np.any(ws < 0) or np.any(ws.sum(axis=1) <= 0):
        raise UsageError("SMAA: weight samples must be finite, >= 0 and not all zero per row")
    ws = ws / ws.sum(axis=1, keepdims=True)
    if not (0.0 <= value_noise < 1.0) or not math.isfinite(value_noise):
        raise UsageError(f"SMAA: value_noise={value_noise}; give p in [0, 1) (0.1 = +-10 %)")
    if rank_tolerance < 0:
        raise UsageError(f"SMAA: rank_tolerance={rank_tolerance}; give 0 or more places")
    clip_range = _auto_clip(v, clip)
    noisy = value_noise > 0
    rng = _rng(seed)
    rng_values, rng_conf = rng.spawn(2)

    ref_w = (ws.mean(axis=0) if reference_weights is None
             else _check_weight_vector(reference_weights, m, "SMAA reference weights"))
    ref_scores = _call_scores(score_fn, v, ref_w[None, :], n)[0]
    ref_order = np.argsort(-ref_scores, kind="stable")
    ref_rank = rank_scores(ref_scores).astype(np.intp)  # tied sites share their best rank

    if pairwise_sites is None:
        psites = np.sort(ref_order[:min(n, max(int(pairwise_max), 1))]).astype(np.intp)
    else:
        psites = np.asarray(pairwise_sites, dtype=np.intp).ravel()
        if psites.size == 0 or psites.min() < 0 or psites.max() >= n \
                or np.unique(psites).size != psites.size:
            raise UsageError(f"SMAA: pairwise_sites must be distinct site indices 0..{n - 1}")
    p = psites.size

    if block_size is None:
        per_sample = 8 * n * (m + 4 if noisy else 4)
        block = int(max(1, min(s, _MEMORY_BUDGET // per_sample)))
    else:
        block = max(1, int(block_size))

    batch_state: dict[str, bool] = {}
    diff = np.zeros(n * (n + 1))  # per site, the change of its rank count at each rank
    cw_sum = np.zeros((n, m))
    wins = np.zeros(n)
    above = np.zeros((p, p), dtype=np.int64)
    for start in range(0, s, block):
        wb = ws[start:start + block]
        if noisy:
            factor = rng_values.uniform(1.0 - value_noise, 1.0 + value_noise,
                                        size=(wb.shape[0], n, m))
            vb = v[None, :, :] * factor
            if clip_range is not None:
                np.clip(vb, clip_range[0], clip_range[1], out=vb)
            sc = _noisy_scores(score_fn, vb, wb, n, batch_state)
        else:
            sc = _call_scores(score_fn, v, wb, n)
        _count_ranks(sc, diff)
        first = _first_share(sc)
        rows, winners = np.nonzero(first)
        share = first[rows, winners]
        wins += np.bincount(winners, weights=share, minlength=n)
        for j in range(m):
            cw_sum[:, j] += np.bincount(winners, weights=wb[rows, j] * share, minlength=n)
        sp = sc[:, psites]
        above += (sp[:, :, None] > sp[:, None, :]).sum(axis=0)

    acc = np.cumsum(diff.reshape(n, n + 1), axis=1)[:, :n] / s
    with np.errstate(invalid="ignore", divide="ignore"):
        central = np.where(wins[:, None] > 0, cw_sum / np.maximum(wins, 1)[:, None], np.nan)
    confidence = _confidence(v, score_fn, central, wins, value_noise, clip_range, rng_conf,
                             min(int(confidence_samples), max(s, 1)), n, m, batch_state)
    r_idx = np.arange(n)
    expected = (acc * (r_idx + 1)[None, :]).sum(axis=1)
    dist = np.abs(r_idx[None, :] + 1 - ref_rank[:, None])
    stability = (acc * (dist <= rank_tolerance)).sum(axis=1)
    return SmaaResult(acceptability=acc, central_weights=central, confidence=confidence,
                      pairwise=above / s, pairwise_sites=psites, rank_stability=stability,
                      expected_rank=expected, reference_rank=ref_rank, n_samples=s,
                      value_noise=float(value_noise), rank_tolerance=int(rank_tolerance))


def _count_ranks(sc: FloatArray, diff: FloatArray) -> None:
    """Add one block of sampled scores ``sc`` (b, n) to the rank counts, ties shared.

    A group of ``t`` sites with exactly equal scores at positions ``r .. r + t - 1``
    gives each of them ``1 / t`` at each of those ranks, so identical sites get
    identical acceptabilities and every rank still holds one site per sample (the
    alternative, Lahdelma and Salminen's rank = 1 + the number of strictly better
    sites, gives a tied pair both the better rank and leaves the next rank empty).
    ``diff`` is the flattened (n, n + 1) table of changes along the rank axis: a site
    gets ``+1/t`` at its group's first rank and ``-1/t`` after its last, and the
    cumulative sum over ranks gives the counts (exact integers when nothing ties).
    """
    b, n = sc.shape
    order = np.argsort(-sc, axis=1, kind="stable")
    ordered = np.take_along_axis(sc, order, axis=1)
    new = np.ones((b, n), dtype=bool)
    new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    pos = np.broadcast_to(np.arange(n), (b, n))
    start = np.maximum.accumulate(np.where(new, pos, 0), axis=1)
    last = np.ones((b, n), dtype=bool)
    last[:, :-1] = new[:, 1:]
    end = np.minimum.accumulate(np.where(last, pos, n - 1)[:, ::-1], axis=1)[:, ::-1]
    share = 1.0 / (end - start + 1)
    row = order * (n + 1)
    diff += np.bincount((row + start).ravel(), weights=share.ravel(), minlength=diff.size)
    diff -= np.bincount((row + end + 1).ravel(), weights=share.ravel(), minlength=diff.size)


def _first_share(sc: FloatArray) -> FloatArray:
    """Each site's share of first place in every row of ``sc`` (b, n): 1 for a lone
    best, ``1 / t`` for each of ``t`` sites tied best, 0 otherwise."""
    best = sc == sc.max(axis=1, keepdims=True)
    return best / best.sum(axis=1, keepdims=True)


def _confidence(v: FloatArray, score_fn: ScoreFn | None, central: FloatArray,
                wins: FloatArray, value_noise: float,
                clip_range: tuple[float, float] | None, rng: np.random.Generator,
                c: int, n: int, m: int, batch_state: dict[str, bool]) -> FloatArray:
    """Confidence factors: P(site i first | its central weights, value noise)."""
    conf = np.full(n, np.nan)
    cand = np.flatnonzero(wins > 0)
    if cand.size == 0:
        return conf
    if value_noise <= 0:
        sc = _call_scores(score_fn, v, central[cand], n)
        conf[cand] = _first_share(sc)[np.arange(cand.size), cand]
        return conf
    c = max(1, c)
    block = int(max(1, min(c, _MEMORY_BUDGET // (8 * n * (m + 4)))))
    hits = np.zeros(cand.size)
    for start in range(0, c, block):
        b = min(block, c - start)
        factor = rng.uniform(1.0 - value_noise, 1.0 + value_noise, size=(b, n, m))
        vb = v[None, :, :] * factor
        if clip_range is not None:
            np.clip(vb, clip_range[0], clip_range[1], out=vb)
        if score_fn is None:
            # WLC: every candidate's central weights in one matrix product
            sc3 = (central[cand] @ vb.reshape(b * n, m).T).reshape(cand.size, b, n)
            share = _first_share(sc3.reshape(cand.size * b, n)).reshape(cand.size, b, n)
            hits += share[np.arange(cand.size), :, cand].sum(axis=1)
            continue
        for q, i in enumerate(cand):
            sc = _noisy_scores(score_fn, vb, np.broadcast_to(central[i], (b, m)).copy(), n,
                               batch_state)
            hits[q] += float(_first_share(sc)[:, i].sum())
    conf[cand] = hits / c
    return conf
