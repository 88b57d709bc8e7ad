"""Choose K new offshoring sites and allocate the 2030 targets among sites.

Two doors, as in PySAL spopt:

* the **maths door**, :func:`select_sites`, works on plain arrays (scores,
  region labels, distance matrices in km) and knows nothing about geometry;
* the **geometry door**, :func:`plan_from_ranking`, takes the engine's
  ``Ranking`` and the pack layers (``parks``, ``regions``), computes geodesic
  distances with :mod:`siteplan.criteria.geodesy` and the lagging-region mask, and
  calls :func:`select_sites`.

Selection model (binary ``x_i = 1`` when candidate ``i`` is chosen)::

    maximise   sum_i score_i x_i                      (objective="suitability")
            or sum_d w_d y_d                          (objective="coverage", MCLP)
    subject to sum_i x_i = K
               sum_{i in region r} x_i <= M           for every region r
               x_i + x_j <= 1                         for every pair closer than D km
               x_i = 0                                if i is closer than D km to a park
               sum_{i lagging} x_i >= Q               (lagging-region quota)
               x_i = 1 (include), x_i = 0 (exclude)
               y_d <= sum_i a_di x_i,  0 <= y_d <= 1  (coverage only)

The coverage objective is the maximal covering location problem (Church and
ReVelle 1974): ``a_di = 1`` when demand point ``d`` lies within ``T`` km of
candidate ``i``; demand already within ``T`` km of an existing park is served
and left out. Solved exactly with HiGHS (``highspy``; PuLP + CBC as fallback) or
with a greedy heuristic that reports an upper bound.

Allocation of the 2030 targets (:func:`allocate_targets`): the gap between today
(~148,500 jobs, 26.2 bn MAD exports at end-2024) and the targets (270,000 jobs,
40 bn MAD) is shared among sites in proportion to capacity weights, with a
per-site cap (water-filling) and largest-remainder rounding so that the parts add
up exactly to the targets.

References
----------
Church, R. and ReVelle, C. (1974). The maximal covering location problem.
    *Papers of the Regional Science Association* 32, 101-118.
Nemhauser, G., Wolsey, L. and Fisher, M. (1978). An analysis of approximations for
    maximizing submodular set functions. *Mathematical Programming* 14, 265-294.
Balinski, M. and Young, H. P. (2001). *Fair Representation*, 2nd ed. (Hamilton's
    largest-remainder method).
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siteplan.criteria.geodesy import distance_matrix_km
from siteplan.errors import DataError, PlanError, UsageError
from siteplan.layers.pack import point_lonlat
from siteplan.phrases import render

if TYPE_CHECKING:
    import pandas as pd

    from siteplan.layers.pack import Pack
    from siteplan.scoring.ranking import Ranking

__all__ = [
    "DEFAULT_LAGGING_RULE",
    "Allocation",
    "Coverage",
    "PlanSolution",
    "Selected",
    "SelectionProblem",
    "aggregate_by_region",
    "allocate_targets",
    "baseline_market_led",
    "capacity_weights",
    "capped_proportional",
    "lagging_regions",
    "largest_remainder",
    "plan_from_ranking",
    "prepare_selection",
    "select_sites",
    "selection_from_ranking",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

OBJECTIVES = ("suitability", "coverage")
SOLVERS = ("exact", "highs", "cbc", "greedy", "auto")

#: Problems larger than this go to the greedy heuristic under ``solver="auto"``.
AUTO_MAX_CANDIDATES = 20_000
AUTO_MAX_PAIRS = 5_000_000
AUTO_MAX_COVER_NONZEROS = 20_000_000

#: Default lagging-region rule: unemployment above the median of the regions OR
#: GDP per capita below the median.
DEFAULT_LAGGING_RULE: dict[str, Any] = {
    "any": [
        {"column": "unemployment_rate", "above": "median"},
        {"column": "gdp_per_capita", "below": "median"},
    ]
}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Coverage:
    """Demand for the coverage objective (maximal covering location problem).

    Parameters
    ----------
    weights : array_like, shape (d,)
        Demand weight of each demand point (population, graduates, students); >= 0.
    dist_km : array_like, shape (n, d)
        Geodesic distance in km from each candidate (rows) to each demand point.
    radius_km : float
        Coverage radius ``T`` in km: demand within ``T`` km of a site is covered.
    existing_dist_km : array_like, shape (p, d), optional
        Distance in km from each existing park to each demand point; demand within
        ``T`` km of any park is already served and does not count.
    """

    weights: ArrayLike
    dist_km: ArrayLike
    radius_km: float
    existing_dist_km: ArrayLike | None = None


@dataclass(frozen=True)
class PlanSolution:
    """A chosen set of K sites and how it was obtained.

    Attributes
    ----------
    chosen : tuple of int
        Indices of the chosen candidates (positions in the input arrays; for
        :func:`plan_from_ranking`, positions in ``ranking.sites``), ascending.
    ids : tuple of str or None
        Identifiers of the chosen candidates, when known.
    objective : float
        Sum of the chosen scores (suitability) or newly covered demand weight
        (coverage), recomputed from ``chosen``.
    objective_kind : str
        ``"suitability"`` or ``"coverage"``.
    solver : str
        ``"highs"``, ``"cbc"`` or ``"greedy"``: the method actually used.
    status : str
        ``"optimal"``, ``"time_limit"`` (best plan found when the limit struck),
        ``"heuristic"`` (greedy) or another solver status.
    gap : float or None
        Relative gap ``(bound - objective) / |objective|``: the MIP gap reported by
        HiGHS, or for greedy the gap to the upper bound in ``bound``; None when
        unknown (CBC).
    bound : float or None
        Upper bound on the optimal objective (MIP dual bound, or for greedy a
        relaxation bound: per-region-capped top-K scores, or the submodular bound
        ``f(S) + sum of the K largest marginal gains`` for coverage).
    k : int
        Number of sites chosen.
    constraints : dict
        The constraints applied (``k``, ``max_per_region``, ``min_spacing_km``,
        ``close_pairs``, ``park_spacing_km``, ``blocked_by_parks``, ``lagging_quota``,
        ``lagging_candidates``, ``include``, ``exclude``, ``coverage_radius_km``...).
    coverable_weight, served_weight : float or None
        Coverage only: demand weight not yet served by parks, and already served.
    runtime_s : float
        Wall time of the solve, seconds.
    notes : tuple of str
        Remarks (fallbacks taken, etc.).
    sites : pandas.DataFrame or None
        :func:`plan_from_ranking` only: the chosen rows of ``ranking.sites``.
    """

    chosen: tuple[int, ...]
    objective: float
    objective_kind: str
    solver: str
    status: str
    gap: float | None
    bound: float | None
    k: int
    constraints: dict[str, Any]
    ids: tuple[str, ...] | None = None
    coverable_weight: float | None = None
    served_weight: float | None = None
    runtime_s: float = 0.0
    notes: tuple[str, ...] = ()
    sites: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without the ``sites`` table)."""
        return {
            "chosen": list(self.chosen),
            "ids": list(self.ids) if self.ids is not None else None,
            "objective": self.objective,
            "objective_kind": self.objective_kind,
            "solver": self.solver,
            "status": self.status,
            "gap": self.gap,
            "bound": self.bound,
            "k": self.k,
            "constraints": dict(self.constraints),
            "coverable_weight": self.coverable_weight,
            "served_weight": self.served_weight,
            "runtime_s": self.runtime_s,
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- problem


@dataclass
class _Problem:
    n: int
    names: list[str]
    scores: FloatArray
    region: IntArray
    region_labels: list[str]
    k: int
    cap: int | None
    spacing: float | None
    park_spacing: float | None
    pair_i: IntArray
    pair_j: IntArray
    pair_d: FloatArray
    blocked_park: BoolArray
    unscored: BoolArray
    excluded: BoolArray
    near_include: BoolArray
    available: BoolArray
    lagging: BoolArray
    quota: int
    include: IntArray
    objective: str
    cover: BoolArray | None = None  # (n, d') merged unserved demand classes
    demand_w: FloatArray | None = None  # (d',)
    served_weight: float = 0.0
    coverable_weight: float = 0.0
    radius: float | None = None
    n_parks: int = 0
    has_ids: bool = False


def _as_int(value: Any, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        if isinstance(value, float | np.floating) and float(value).is_integer():
            value = int(value)
        else:
            raise UsageError(f"{name}={value!r}: pass a whole number >= {minimum}")
    if int(value) < minimum:
        raise UsageError(f"{name}={value}: must be >= {minimum}")
    return int(value)


def _as_km(value: Any, name: str) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{name}={value!r}: pass a distance in km (a number >= 0)") from exc
    if not math.isfinite(v) or v < 0:
        raise UsageError(f"{name}={value!r}: pass a finite distance in km >= 0")
    return v if v > 0 else None


def _indices(values: Sequence[int] | ArrayLike, n: int, name: str) -> IntArray:
    arr = np.asarray(values)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype == bool:
        raise UsageError(f"{name}: pass candidate indices, not a boolean mask")
    if not np.issubdtype(arr.dtype, np.integer):
        raise UsageError(f"{name}: pass integer candidate indices (0..{n - 1})")
    arr = arr.astype(np.int64).ravel()
    bad = arr[(arr < 0) | (arr >= n)]
    if bad.size:
        raise UsageError(f"{name}: index {int(bad[0])} out of range 0..{n - 1}")
    return np.unique(arr)


def _close_pairs(dist: FloatArray, limit: float,
                 block: int = 2048) -> tuple[IntArray, IntArray, FloatArray]:
    """Pairs ``i < j`` with ``min(d_ij, d_ji) < limit``, in row blocks (vectorised)."""
    n = dist.shape[0]
    out_i: list[IntArray] = []
    out_j: list[IntArray] = []
    out_d: list[FloatArray] = []
    for start in range(0, n, block):
        stop = min(n, start + block)
        sub = np.minimum(dist[start:stop, :], dist[:, start:stop].T)
        rows, cols = np.nonzero(sub < limit)
        rows = rows + start
        keep = cols > rows
        out_i.append(rows[keep].astype(np.int64))
        out_j.append(cols[keep].astype(np.int64))
        out_d.append(sub[rows[keep] - start, cols[keep]].astype(float))
    if not out_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, float)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_d)


def _prepare(
    scores: ArrayLike,
    *,
    k: Any,
    region: Sequence[Hashable] | ArrayLike,
    dist_km: ArrayLike | None,
    dist_to_existing_km: ArrayLike | None,
    max_per_region: Any,
    min_spacing_km: Any,
    park_spacing_km: Any,
    lagging: ArrayLike | None,
    lagging_quota: Any,
    include: Sequence[int] | ArrayLike,
    exclude: Sequence[int] | ArrayLike,
    objective: str,
    coverage: Coverage | None,
    ids: Sequence[str] | None,
) -> _Problem:
    s = np.asarray(scores, dtype=float).ravel()
    n = s.size
    if n == 0:
        raise UsageError("scores: no candidates given; pass one score per candidate")
    names = [str(x) for x in ids] if ids is not None else [f"#{i}" for i in range(n)]
    if len(names) != n:
        raise UsageError(f"ids: {len(names)} ids for {n} candidates; give one id per candidate")
    if objective not in OBJECTIVES:
        raise UsageError(f"objective={objective!r}: use one of {', '.join(OBJECTIVES)}")
    k_ = _as_int(k, "k", minimum=1)
    reg = np.asarray(region)
    if reg.shape != (n,):
        raise UsageError(f"region: {reg.size} labels for {n} candidates; give one per candidate")
    labels, codes = np.unique(reg.astype(str), return_inverse=True)
    cap = None if max_per_region is None else _as_int(max_per_region, "max_per_region", minimum=1)
    spacing = _as_km(min_spacing_km, "min_spacing_km")
    park_spacing = (
        spacing if park_spacing_km is None else _as_km(park_spacing_km, "park_spacing_km")
    )

    pi, pj, pd_ = _spacing_pairs(dist_km, spacing, n)
    blocked, n_parks = _park_block(dist_to_existing_km, park_spacing, park_spacing_km, n)
    lag, quota = _lagging_inputs(lagging, lagging_quota, n)
    inc, excluded, unscored = _include_exclude(include, exclude, s, names)

    # candidates closer than D to a must-include site cannot be chosen
    near_inc = np.zeros(n, dtype=bool)
    if inc.size and pi.size:
        is_inc = np.zeros(n, dtype=bool)
        is_inc[inc] = True
        near_inc[pj[is_inc[pi]]] = True
        near_inc[pi[is_inc[pj]]] = True
        near_inc &= ~is_inc
    available = ~excluded & ~unscored & ~blocked & ~near_inc
    available[inc] = True  # must-include conflicts are diagnosed separately

    p = _Problem(
        n=n,
        names=names,
        scores=s,
        region=codes.astype(np.int64),
        region_labels=[str(x) for x in labels],
        k=k_,
        cap=cap,
        spacing=spacing,
        park_spacing=park_spacing if dist_to_existing_km is not None else None,
        pair_i=pi,
        pair_j=pj,
        pair_d=pd_,
        blocked_park=blocked,
        unscored=unscored,
        excluded=excluded,
        near_include=near_inc,
        available=available,
        lagging=lag,
        quota=quota,
        include=inc,
        objective=objective,
        n_parks=n_parks,
        has_ids=ids is not None,
    )
    if objective == "coverage":
        _prepare_coverage(p, coverage)
    elif coverage is not None:
        raise UsageError("coverage is given but objective='suitability'; set objective='coverage'")
    return p


def _spacing_pairs(dist_km: ArrayLike | None, spacing: float | None,
                   n: int) -> tuple[IntArray, IntArray, FloatArray]:
    """The candidate pairs closer than the minimum spacing (none without a spacing)."""
    if spacing is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, float)
    if dist_km is None:
        raise UsageError(
            "min_spacing_km needs dist_km (n x n candidate distances in km); pass it or drop "
            "the spacing"
        )
    dm = np.asarray(dist_km, dtype=float)
    if dm.shape != (n, n):
        raise UsageError(f"dist_km: shape {dm.shape}, expected ({n}, {n}) candidate distances")
    if np.isnan(dm).any():
        raise DataError("dist_km: contains NaN distances; recompute the distance matrix")
    return _close_pairs(dm, spacing)


def _park_block(dist_to_existing_km: ArrayLike | None, park_spacing: float | None,
                park_spacing_km: Any, n: int) -> tuple[BoolArray, int]:
    """Candidates closer than the park spacing to an existing park, and the number of parks."""
    blocked = np.zeros(n, dtype=bool)
    if dist_to_existing_km is None:
        if park_spacing_km is not None:
            raise UsageError(
                "park_spacing_km needs dist_to_existing_km (n x p candidate-park distances in km)"
            )
        return blocked, 0
    de = np.asarray(dist_to_existing_km, dtype=float)
    if de.ndim != 2 or de.shape[0] != n:
        raise UsageError(
            f"dist_to_existing_km: shape {de.shape}, expected ({n}, p) candidate-park distances"
        )
    if park_spacing is not None and de.shape[1] > 0:
        blocked = np.nanmin(np.where(np.isnan(de), np.inf, de), axis=1) < park_spacing
    return blocked, int(de.shape[1])


def _lagging_inputs(lagging: ArrayLike | None, lagging_quota: Any,
                    n: int) -> tuple[BoolArray, int]:
    """The lagging mask (all False when not given) and the quota of sites in it."""
    lag = np.zeros(n, dtype=bool)
    if lagging is not None:
        lag = np.asarray(lagging)
        if lag.shape != (n,) or lag.dtype != bool:
            raise UsageError(f"lagging: pass a boolean mask with one entry per candidate ({n})")
    quota = 0
    if lagging_quota is not None:
        quota = _as_int(lagging_quota, "lagging_quota", minimum=0)
        if quota > 0 and lagging is None:
            raise UsageError("lagging_quota needs the lagging mask (one bool per candidate)")
    return lag, quota


def _include_exclude(include: Sequence[int] | ArrayLike, exclude: Sequence[int] | ArrayLike,
                     s: FloatArray, names: list[str]) -> tuple[IntArray, BoolArray, BoolArray]:
    """Must-include indices, the excluded mask and the unscored mask, checked together:
    a site both included and excluded, or included without a score, is an error."""
    n = s.size
    inc = _indices(include, n, "include")
    exc = _indices(exclude, n, "exclude")
    both = np.intersect1d(inc, exc)
    if both.size:
        raise UsageError(
            f"site {names[int(both[0])]} is both in include and exclude; keep it in only one"
        )
    excluded = np.zeros(n, dtype=bool)
    excluded[exc] = True
    unscored = ~np.isfinite(s)
    bad_inc = inc[unscored[inc]]
    if bad_inc.size:
        raise PlanError(
            f"must-include site {names[int(bad_inc[0])]} has no score (excluded by the scenario): "
            "drop it from include or change the scenario's exclusion rules"
        )
    return inc, excluded, unscored


def _prepare_coverage(p: _Problem, coverage: Coverage | None) -> None:
    if coverage is None:
        raise UsageError(
            "objective='coverage' needs coverage=Coverage(weights, dist_km, radius_km, ...)"
        )
    w = np.asarray(coverage.weights, dtype=float).ravel()
    d = w.size
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise DataError("coverage.weights: demand weights must be finite and >= 0")
    dist = np.asarray(coverage.dist_km, dtype=float)
    if dist.shape != (p.n, d):
        raise UsageError(
            f"coverage.dist_km: shape {dist.shape}, expected ({p.n}, {d}) candidate-demand km"
        )
    radius = _as_km(coverage.radius_km, "coverage.radius_km")
    if radius is None:
        raise UsageError("coverage.radius_km: pass a coverage radius T > 0 km")
    served: BoolArray = np.zeros(d, dtype=bool)
    if coverage.existing_dist_km is not None:
        de = np.asarray(coverage.existing_dist_km, dtype=float)
        if de.ndim != 2 or de.shape[1] != d:
            raise UsageError(
                f"coverage.existing_dist_km: shape {de.shape}, expected (p, {d}) park-demand km"
            )
        if de.shape[0]:
            served = np.asarray((de <= radius).any(axis=0), dtype=bool)
    a = dist <= radius  # NaN compares False
    keep = ~served & (w > 0) & a[p.available].any(axis=0)
    p.served_weight = float(w[served].sum())
    p.coverable_weight = float(w[~served].sum())
    p.radius = radius
    if not keep.any():
        p.cover = np.zeros((p.n, 0), dtype=bool)
        p.demand_w = np.zeros(0)
        return
    # merge demand points covered by exactly the same candidates (one y per class)
    cls, inverse = np.unique(a[:, keep].T, axis=0, return_inverse=True)
    p.cover = np.ascontiguousarray(cls.T)
    p.demand_w = np.bincount(inverse.ravel(), weights=w[keep], minlength=cls.shape[0]).astype(float)


# --------------------------------------------------------------------------- diagnosis


def _fmt_names(names: list[str], idx: Sequence[int] | IntArray, limit: int = 5) -> str:
    items = [names[int(i)] for i in idx]
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
    return ", ".join(items)


def _cap_room(p: _Problem, mask: BoolArray) -> int:
    """Most sites of ``mask`` that fit under the per-region cap."""
    counts = np.bincount(p.region[mask], minlength=len(p.region_labels))
    if p.cap is None:
        return int(counts.sum())
    return int(np.minimum(counts, p.cap).sum())


def _diagnose(p: _Problem) -> None:
    """Raise PlanError naming the conflicting constraints, before any solve."""
    k, cap, inc = p.k, p.cap, p.include
    n_regions = len(p.region_labels)
    if inc.size > k:
        raise PlanError(
            f"must-include lists {inc.size} sites but K={k}: raise K to at least {inc.size} "
            "or shorten the include list"
        )
    bad = inc[p.blocked_park[inc]]
    if bad.size:
        raise PlanError(
            f"must-include site(s) {_fmt_names(p.names, bad)} lie within {p.park_spacing:g} km "
            "of an existing park (spacing to existing parks): drop them from include or lower "
            "the park spacing"
        )
    if inc.size > 1 and p.pair_i.size:
        is_inc = np.zeros(p.n, dtype=bool)
        is_inc[inc] = True
        both = is_inc[p.pair_i] & is_inc[p.pair_j]
        if both.any():
            t = int(np.flatnonzero(both)[0])
            a, b, dd = int(p.pair_i[t]), int(p.pair_j[t]), float(p.pair_d[t])
            raise PlanError(
                f"must-include sites {p.names[a]} and {p.names[b]} are {dd:.1f} km apart, closer "
                f"than the spacing {p.spacing:g} km: drop one from include or lower min_spacing_km"
            )
    if cap is not None and inc.size:
        per = np.bincount(p.region[inc], minlength=n_regions)
        over = np.flatnonzero(per > cap)
        if over.size:
            r = int(over[0])
            raise PlanError(
                f"must-include puts {int(per[r])} sites in region {p.region_labels[r]}, above the "
                f"per-region cap {cap}: raise max_per_region or drop must-include sites"
            )
    if cap is not None and k > n_regions * cap:
        raise PlanError(
            f"K={k} exceeds {n_regions} regions x per-region cap {cap} = {n_regions * cap}: "
            f"lower K or raise max_per_region to at least {math.ceil(k / n_regions)}"
        )
    n_avail = int(p.available.sum())
    if k > n_avail:
        parts = [f"{int(p.excluded.sum())} excluded"]
        if p.unscored.any():
            parts.append(f"{int((p.unscored & ~p.excluded).sum())} without a score")
        if p.park_spacing is not None:
            parts.append(
                f"{int((p.blocked_park & ~p.excluded & ~p.unscored).sum())} within "
                f"{p.park_spacing:g} km of an existing park (spacing to existing parks)"
            )
        if p.near_include.any():
            parts.append(
                f"{int((p.near_include & ~p.excluded & ~p.blocked_park).sum())} within "
                f"{p.spacing:g} km of a must-include site"
            )
        raise PlanError(
            f"K={k} but only {n_avail} of {p.n} candidates are left after exclusions "
            f"({', '.join(parts)}): lower K or relax the exclusions/spacing"
        )
    room = _cap_room(p, p.available)
    if room < k:
        raise PlanError(
            f"K={k} but the per-region cap {cap} lets only {room} of the {n_avail} candidates "
            f"left be chosen (they sit in few regions): lower K or raise max_per_region"
        )
    if p.quota > 0:
        if p.quota > k:
            raise PlanError(
                f"lagging quota {p.quota} exceeds K={k}: lower lagging_quota or raise K"
            )
        lag_avail = p.available & p.lagging
        n_lag = int(lag_avail.sum())
        if p.quota > n_lag:
            raise PlanError(
                f"lagging quota {p.quota} but only {n_lag} lagging-region candidates are left "
                f"(of {int(p.lagging.sum())}; after exclusions and spacing): lower lagging_quota "
                "or widen the lagging-region rule"
            )
        lag_room = _cap_room(p, lag_avail)
        if p.quota > lag_room:
            raise PlanError(
                f"lagging quota {p.quota} but the per-region cap {cap} lets only {lag_room} "
                "lagging-region sites be chosen: lower lagging_quota or raise max_per_region"
            )
        inc_non_lag = int((~p.lagging[inc]).sum())
        if p.quota > k - inc_non_lag:
            raise PlanError(
                f"lagging quota {p.quota} with K={k} leaves no room for the {inc_non_lag} "
                "must-include sites outside lagging regions: lower lagging_quota, raise K or "
                "shorten include"
            )


def _constraint_phrase(p: _Problem) -> str:
    parts = []
    if p.spacing is not None:
        parts.append(f"spacing {p.spacing:g} km")
    if p.park_spacing is not None:
        parts.append(f"park spacing {p.park_spacing:g} km")
    if p.cap is not None:
        parts.append(f"cap {p.cap} per region")
    if p.quota:
        parts.append(f"lagging quota {p.quota}")
    if p.include.size:
        parts.append(f"{p.include.size} must-include site(s)")
    if not parts:
        return "the given constraints"
    return " together with ".join([parts[0], ", ".join(parts[1:])]) if len(parts) > 1 else parts[0]


def _constraints_dict(p: _Problem) -> dict[str, Any]:
    avail_pairs = int((p.available[p.pair_i] & p.available[p.pair_j]).sum()) if p.pair_i.size else 0
    return {
        "k": p.k,
        "max_per_region": p.cap,
        "regions": len(p.region_labels),
        "min_spacing_km": p.spacing,
        "close_pairs": avail_pairs,
        "park_spacing_km": p.park_spacing,
        "existing_parks": p.n_parks,
        "blocked_by_parks": int(p.blocked_park.sum()),
        "lagging_quota": p.quota or None,
        "lagging_candidates": int(p.lagging.sum()),
        "include": [p.names[int(i)] for i in p.include],
        "exclude": [p.names[int(i)] for i in np.flatnonzero(p.excluded)],
        "unscored": int(p.unscored.sum()),
        "candidates": p.n,
        "available": int(p.available.sum()),
        "objective": p.objective,
        "coverage_radius_km": p.radius,
    }


# --------------------------------------------------------------------------- model


@dataclass
class _Model:
    cand: IntArray  # candidate index of x variable j
    n_x: int
    n_y: int
    cost: FloatArray
    lower: FloatArray
    upper: FloatArray
    integer: BoolArray
    start: IntArray  # row-wise CSR
    index: IntArray
    value: FloatArray
    row_lo: FloatArray
    row_hi: FloatArray


def _build_model(p: _Problem) -> _Model:
    cand = np.flatnonzero(p.available).astype(np.int64)
    m = cand.size
    var_of = np.full(p.n, -1, dtype=np.int64)
    var_of[cand] = np.arange(m)
    rows_idx: list[IntArray] = []
    rows_val: list[FloatArray] = []
    lens: list[IntArray] = []
    lo: list[FloatArray] = []
    hi: list[FloatArray] = []

    def add_rows(idx: IntArray, val: FloatArray, length: IntArray, rlo: float, rhi: float) -> None:
        rows_idx.append(idx)
        rows_val.append(val)
        lens.append(length)
        lo.append(np.full(length.size, rlo))
        hi.append(np.full(length.size, rhi))

    inf = np.inf
    # cardinality
    add_rows(np.arange(m), np.ones(m), np.array([m]), float(p.k), float(p.k))
    # per-region caps (only regions with more candidates than the cap)
    reg = p.region[cand]
    if p.cap is not None:
        counts = np.bincount(reg, minlength=len(p.region_labels))
        for r in np.flatnonzero(counts > p.cap):
            members = np.flatnonzero(reg == r)
            add_rows(members, np.ones(members.size), np.array([members.size]), -inf, float(p.cap))
    # lagging quota
    if p.quota > 0:
        members = np.flatnonzero(p.lagging[cand])
        add_rows(members, np.ones(members.size), np.array([members.size]), float(p.quota), inf)
    # spacing pairs among available candidates
    if p.pair_i.size:
        ok = p.available[p.pair_i] & p.available[p.pair_j]
        a, b = var_of[p.pair_i[ok]], var_of[p.pair_j[ok]]
        if a.size:
            add_rows(
                np.column_stack([a, b]).ravel(),
                np.ones(2 * a.size),
                np.full(a.size, 2, dtype=np.int64),
                -inf,
                1.0,
            )
    n_y = 0
    cost_y = np.zeros(0)
    if p.objective == "coverage":
        assert p.cover is not None and p.demand_w is not None  # set by _prepare_coverage
        amat = p.cover[cand].T  # (d', m)
        n_y = amat.shape[0]
        cost_y = p.demand_w
        if n_y:
            rr, cc = np.nonzero(amat)
            cnt = np.bincount(rr, minlength=n_y)
            length = cnt + 1
            starts = np.concatenate([[0], np.cumsum(length)[:-1]])
            first = np.concatenate([[0], np.cumsum(cnt)[:-1]])
            idx = np.empty(int(length.sum()), dtype=np.int64)
            val = np.empty(idx.size)
            idx[starts] = m + np.arange(n_y)
            val[starts] = 1.0
            pos = starts[rr] + 1 + (np.arange(rr.size) - first[rr])
            idx[pos] = cc
            val[pos] = -1.0
            add_rows(idx, val, length, -inf, 0.0)
    length_all = np.concatenate(lens)
    start = np.concatenate([[0], np.cumsum(length_all)]).astype(np.int64)
    cost_x = p.scores[cand] if p.objective == "suitability" else np.zeros(m)
    lower_x = np.zeros(m)
    lower_x[var_of[p.include]] = 1.0
    return _Model(
        cand=cand,
        n_x=m,
        n_y=n_y,
        cost=np.concatenate([cost_x, cost_y]).astype(float),
        lower=np.concatenate([lower_x, np.zeros(n_y)]),
        upper=np.ones(m + n_y),
        integer=np.concatenate([np.ones(m, dtype=bool), np.zeros(n_y, dtype=bool)]),
        start=start,
        index=np.concatenate(rows_idx).astype(np.int64),
        value=np.concatenate(rows_val).astype(float),
        row_lo=np.concatenate(lo),
        row_hi=np.concatenate(hi),
    )


@dataclass
class _Raw:
    status: str
    x: FloatArray | None
    gap: float | None
    bound: float | None


_HIGHS_BANNER_SHOWN = False


def _new_highs(highspy: Any) -> Any:
    """Create a Highs object without letting its one-time banner reach stdout."""
    global _HIGHS_BANNER_SHOWN
    if _HIGHS_BANNER_SHOWN:
        return highspy.Highs()
    _HIGHS_BANNER_SHOWN = True
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):
        return highspy.Highs()
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            return highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(devnull)
    finally:
        os.close(saved)


def _solve_highs(model: _Model, time_limit: float, mip_rel_gap: float) -> _Raw:
    import highspy

    h = _highs_model(highspy, model, time_limit, mip_rel_gap)
    h.run()
    return _highs_result(highspy, h, model.n_x)


def _highs_model(highspy: Any, model: _Model, time_limit: float, mip_rel_gap: float) -> Any:
    """A Highs object holding ``model`` (maximised), quiet, with the time limit and gap."""
    h = _new_highs(highspy)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    lp = highspy.HighsLp()
    ncol = model.n_x + model.n_y
    lp.num_col_ = ncol
    lp.num_row_ = model.row_lo.size
    lp.col_cost_ = model.cost
    lp.col_lower_ = model.lower
    lp.col_upper_ = model.upper
    lp.row_lower_ = model.row_lo
    lp.row_upper_ = model.row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = model.start
    lp.a_matrix_.index_ = model.index
    lp.a_matrix_.value_ = model.value
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous
        for b in model.integer
    ]
    h.passModel(lp)
    return h


def _highs_result(highspy: Any, h: Any, n_x: int) -> _Raw:
    """Status, x values, gap and bound of a Highs object after ``run()``."""
    st = h.getModelStatus()
    info = h.getInfo()
    ms = highspy.HighsModelStatus
    status = {
        ms.kOptimal: "optimal",
        ms.kTimeLimit: "time_limit",
        ms.kInfeasible: "infeasible",
        ms.kUnboundedOrInfeasible: "infeasible",
        ms.kInterrupt: "interrupted",
    }.get(st, h.modelStatusToString(st).lower().replace(" ", "_"))
    has_sol = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, dtype=float)[:n_x] if has_sol else None
    gap = float(info.mip_gap) if has_sol and math.isfinite(info.mip_gap) else None
    bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None
    return _Raw(status=status, x=x, gap=gap, bound=bound)


def _solve_cbc(model: _Model, time_limit: float, mip_rel_gap: float) -> _Raw:
    import pulp

    prob = pulp.LpProblem("siteplan", pulp.LpMaximize)
    # PuLP >= 3.3 creates variables on the problem (the PuLP 4.0 API)
    new_var = getattr(prob, "add_variable", None) or pulp.LpVariable
    cols: list[Any] = []
    for j in range(model.n_x + model.n_y):
        if model.integer[j]:
            v = new_var(f"x{j}", float(model.lower[j]), 1.0, pulp.LpInteger)
        else:
            v = new_var(f"y{j}", 0.0, 1.0, pulp.LpContinuous)
        cols.append(v)
    prob += pulp.lpSum(float(c) * cols[j] for j, c in enumerate(model.cost) if c != 0)
    for r in range(model.row_lo.size):
        a, b = int(model.start[r]), int(model.start[r + 1])
        expr = pulp.lpSum(float(model.value[t]) * cols[int(model.index[t])] for t in range(a, b))
        lo_, hi_ = float(model.row_lo[r]), float(model.row_hi[r])
        if lo_ == hi_:
            prob += expr == lo_
        else:
            if math.isfinite(lo_):
                prob += expr >= lo_
            if math.isfinite(hi_):
                prob += expr <= hi_
    opts = {"msg": False, "timeLimit": float(time_limit), "gapRel": float(mip_rel_gap)}
    cmd = pulp.COIN_CMD(**opts)  # a CBC on PATH (PuLP 4.0 way)
    if not cmd.available():
        with warnings.catch_warnings():  # PuLP 3.3 deprecates its bundled CBC
            warnings.simplefilter("ignore", DeprecationWarning)
            cmd = pulp.PULP_CBC_CMD(**opts)
    if not cmd.available():
        raise PlanError("no CBC binary for PuLP: install highspy, or CBC (pip install pulp[cbc])")
    prob.solve(cmd)
    sol = int(prob.sol_status)
    status = {1: "optimal", 2: "time_limit", -1: "infeasible", 0: "not_solved", -2: "unbounded"}
    st = status.get(sol, str(pulp.LpStatus.get(prob.status, sol)).lower())
    if sol in (1, 2):
        x = np.array([float(v.varValue or 0.0) for v in cols[: model.n_x]])
        return _Raw(status=st, x=x, gap=None, bound=None)
    if sol == 0 and time_limit < math.inf:
        st = "time_limit"
    return _Raw(status=st, x=None, gap=None, bound=None)


# --------------------------------------------------------------------------- objective


def _objective(p: _Problem, chosen: IntArray) -> float:
    if p.objective == "suitability":
        return float(p.scores[chosen].sum())
    assert p.cover is not None and p.demand_w is not None
    if p.cover.shape[1] == 0 or chosen.size == 0:
        return 0.0
    covered = p.cover[chosen].any(axis=0)
    return float(p.demand_w[covered].sum())


def _greedy(p: _Problem) -> tuple[IntArray, float | None]:
    """Greedy by marginal gain under all constraints; returns (chosen, upper bound)."""
    n = p.n
    sel = np.zeros(n, dtype=bool)
    blocked = ~p.available.copy()
    reg_count = np.zeros(len(p.region_labels), dtype=np.int64)
    lag_count = 0
    cov = p.objective == "coverage"
    assert not cov or (p.cover is not None and p.demand_w is not None)
    uncovered = np.ones(p.cover.shape[1], dtype=bool) if cov and p.cover is not None else None
    neighbours: dict[int, IntArray] = {}
    if p.pair_i.size:
        both_i = np.concatenate([p.pair_i, p.pair_j])
        both_j = np.concatenate([p.pair_j, p.pair_i])
        order = np.argsort(both_i, kind="stable")
        bi, bj = both_i[order], both_j[order]
        cuts = np.searchsorted(bi, np.arange(n + 1))
        neighbours = {i: bj[cuts[i] : cuts[i + 1]] for i in range(n) if cuts[i + 1] > cuts[i]}

    def take(c: int) -> None:
        nonlocal lag_count
        sel[c] = True
        blocked[c] = True
        if c in neighbours:
            blocked[neighbours[c]] = True
        reg_count[p.region[c]] += 1
        lag_count += int(p.lagging[c])
        if uncovered is not None and p.cover is not None:
            uncovered[p.cover[c]] = False

    for c in p.include:
        take(int(c))
    tie = np.nan_to_num(p.scores, nan=-np.inf)
    bound = math.inf
    while int(sel.sum()) < p.k:
        if uncovered is not None:
            bound = min(bound, _coverage_bound(p, sel, uncovered))
        slots = p.k - int(sel.sum())
        need = max(0, p.quota - lag_count)
        feas = ~blocked
        if p.cap is not None:
            feas &= reg_count[p.region] < p.cap
        if need >= slots:
            feas &= p.lagging
        idx = np.flatnonzero(feas)
        if idx.size == 0:
            raise PlanError(
                f"greedy heuristic got stuck after {int(sel.sum())} of K={p.k} sites under "
                f"{_constraint_phrase(p)}: use solver='exact' (the plan may still exist)"
            )
        if cov and p.cover is not None and p.demand_w is not None and uncovered is not None:
            gain = p.cover[idx].astype(float) @ (p.demand_w * uncovered)
        else:
            gain = p.scores[idx]
        best = idx[np.lexsort((idx, -tie[idx], -gain))[0]]
        take(int(best))
    chosen = np.flatnonzero(sel)
    if uncovered is not None:
        return chosen, min(bound, _coverage_bound(p, sel, uncovered))
    return chosen, _suitability_bound(p)


def _coverage_bound(p: _Problem, sel: BoolArray, uncovered: BoolArray) -> float:
    """Upper bound on the optimal coverage from any set S containing the includes.

    Monotone submodular f (Nemhauser, Wolsey and Fisher 1978): for the optimal T,
    ``f(T) <= f(S) + sum_{t in T minus S} gain(t | S)`` and ``|T minus S| <= K - |include|``;
    so the K - |include| largest marginal gains bound the rest. Valid for every S; the
    greedy keeps the smallest value over its iterations.
    """
    assert p.cover is not None and p.demand_w is not None
    rest = p.available & ~sel
    gains = p.cover[rest].astype(float) @ (p.demand_w * uncovered)
    top = np.sort(gains)[::-1][: p.k - p.include.size]
    return float(p.demand_w[~uncovered].sum()) + float(top.sum())


def _suitability_bound(p: _Problem) -> float:
    free_slots = p.k - p.include.size
    # suitability: drop spacing and quota, keep include + per-region cap (a partition
    # matroid, for which greedy by score is optimal)
    total = float(p.scores[p.include].sum())
    counts = np.bincount(p.region[p.include], minlength=len(p.region_labels))
    rest = p.available.copy()
    rest[p.include] = False
    idx = np.flatnonzero(rest)
    taken = 0
    for i in idx[np.argsort(-p.scores[idx], kind="stable")]:
        if taken == free_slots:
            break
        if p.cap is not None and counts[p.region[i]] >= p.cap:
            continue
        counts[p.region[i]] += 1
        total += float(p.scores[i])
        taken += 1
    return total


def _check_plan(p: _Problem, chosen: IntArray) -> None:
    """Defensive check that a returned plan meets every constraint."""
    problems = []
    if chosen.size != p.k:
        problems.append(f"{chosen.size} sites instead of K={p.k}")
    if not p.available[chosen].all():
        problems.append("an unavailable site was chosen")
    if not np.isin(p.include, chosen).all():
        problems.append("a must-include site is missing")
    if p.cap is not None and chosen.size and np.bincount(p.region[chosen]).max() > p.cap:
        problems.append("per-region cap exceeded")
    if int(p.lagging[chosen].sum()) < p.quota:
        problems.append("lagging quota not met")
    if p.pair_i.size:
        sel = np.zeros(p.n, dtype=bool)
        sel[chosen] = True
        if (sel[p.pair_i] & sel[p.pair_j]).any():
            problems.append("spacing violated")
    if problems:
        raise PlanError("solver returned an invalid plan (" + "; ".join(problems) + ")")


# --------------------------------------------------------------------------- maths door


def select_sites(
    scores: ArrayLike,
    *,
    k: int,
    region: Sequence[Hashable] | ArrayLike,
    dist_km: ArrayLike | None = None,
    dist_to_existing_km: ArrayLike | None = None,
    max_per_region: int | None = None,
    min_spacing_km: float | None = None,
    park_spacing_km: float | None = None,
    lagging: ArrayLike | None = None,
    lagging_quota: int | None = None,
    include: Sequence[int] | ArrayLike = (),
    exclude: Sequence[int] | ArrayLike = (),
    objective: str = "suitability",
    coverage: Coverage | None = None,
    solver: str = "exact",
    time_limit: float = 60.0,
    mip_rel_gap: float = 1e-6,
    ids: Sequence[str] | None = None,
) -> PlanSolution:
    """Choose ``k`` sites among ``n`` candidates (maths door: arrays only).

    Parameters
    ----------
    scores : array_like, shape (n,)
        Suitability score of each candidate (higher is better). Non-finite scores
        (NaN: excluded by the scenario) make a candidate unavailable.
    k : int
        Number of sites to choose (``sum x = K``).
    region : sequence, shape (n,)
        Region label of each candidate (for ``max_per_region``).
    dist_km : array_like, shape (n, n), optional
        Candidate-candidate distances in km; required with ``min_spacing_km``.
    dist_to_existing_km : array_like, shape (n, p), optional
        Candidate-park distances in km. With a spacing, candidates closer than it to
        any existing park are fixed to 0.
    max_per_region : int, optional
        At most ``M`` chosen sites per region.
    min_spacing_km : float, optional
        Minimum spacing ``D`` in km: no two chosen sites closer than ``D`` (only
        close pairs generate ``x_i + x_j <= 1``), and no chosen site closer than ``D``
        to an existing park.
    park_spacing_km : float, optional
        Spacing to existing parks when it differs from ``min_spacing_km``.
    lagging : array_like of bool, shape (n,), optional
        True for candidates in lagging regions.
    lagging_quota : int, optional
        At least ``Q`` chosen sites in lagging regions.
    include, exclude : sequence of int
        Candidate indices forced in (``x = 1``) or out (``x = 0``).
    objective : {"suitability", "coverage"}
        Maximise the total score, or the newly covered demand (MCLP, see
        :class:`Coverage`).
    coverage : Coverage, optional
        Demand data for ``objective="coverage"``.
    solver : {"exact", "highs", "cbc", "greedy", "auto"}
        ``"exact"``: HiGHS, or PuLP + CBC if highspy cannot be imported; ``"auto"``:
        exact unless the problem is very large (then greedy), and greedy if the exact
        solve finds no plan within the time limit.
    time_limit : float
        Seconds for the MIP solver; the best plan found is returned with status
        ``"time_limit"``.
    mip_rel_gap : float
        Relative optimality tolerance of the MIP solver.
    ids : sequence of str, optional
        Candidate identifiers, used in messages and in the result.

    Returns
    -------
    PlanSolution

    Raises
    ------
    UsageError
        Inconsistent options (shapes, unknown objective or solver, include and
        exclude overlapping...).
    PlanError
        Infeasible constraints (the message names them), or a failed solve.
    """
    if solver not in SOLVERS:
        raise UsageError(f"solver={solver!r}: use one of {', '.join(SOLVERS)}")
    try:
        tl = float(time_limit)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"time_limit={time_limit!r}: pass seconds > 0") from exc
    if not tl > 0:
        raise UsageError(f"time_limit={time_limit!r}: pass seconds > 0")
    p = _prepare(
        scores,
        k=k,
        region=region,
        dist_km=dist_km,
        dist_to_existing_km=dist_to_existing_km,
        max_per_region=max_per_region,
        min_spacing_km=min_spacing_km,
        park_spacing_km=park_spacing_km,
        lagging=lagging,
        lagging_quota=lagging_quota,
        include=include,
        exclude=exclude,
        objective=objective,
        coverage=coverage,
        ids=ids,
    )
    _diagnose(p)
    t0 = time.perf_counter()
    notes: list[str] = []
    method = solver
    if solver == "auto":
        m = int(p.available.sum())
        nnz = 0 if p.cover is None else int(p.cover[p.available].sum())
        too_big = (
            m > AUTO_MAX_CANDIDATES
            or p.pair_i.size > AUTO_MAX_PAIRS
            or nnz > AUTO_MAX_COVER_NONZEROS
        )
        if too_big:
            method = "greedy"
            notes.append(f"auto: {m} candidates is large, greedy heuristic used")
        else:
            method = "exact"
    if method == "greedy":
        return _finish_greedy(p, t0, notes)

    model = _build_model(p)
    raw, used = _solve_exact(model, method, tl, mip_rel_gap, notes)
    if raw.x is None:
        if raw.status == "infeasible":
            raise PlanError(
                f"no K={p.k} sites meet {_constraint_phrase(p)} ({used} status: infeasible): "
                "lower K or relax the spacing, cap or quota"
            )
        if solver == "auto":
            notes.append(f"auto: {used} found no plan ({raw.status}), greedy heuristic used")
            return _finish_greedy(p, t0, notes)
        raise PlanError(
            f"{used} found no plan for K={p.k} under {_constraint_phrase(p)} (status: "
            f"{raw.status}): raise time_limit or use solver='greedy'"
        )
    chosen = np.sort(model.cand[raw.x > 0.5])
    _check_plan(p, chosen)
    return _solution(p, chosen, _objective(p, chosen), solver=used, status=raw.status,
                     gap=raw.gap, bound=raw.bound, t0=t0, notes=notes)


def _solution(p: _Problem, chosen: IntArray, obj: float, *, solver: str, status: str,
              gap: float | None, bound: float | None, t0: float,
              notes: list[str]) -> PlanSolution:
    """The :class:`PlanSolution` of a checked choice (shared by the MILP and greedy paths)."""
    coverage = p.objective == "coverage"
    return PlanSolution(
        chosen=tuple(int(i) for i in chosen),
        ids=tuple(p.names[int(i)] for i in chosen) if p.has_ids else None,
        objective=obj,
        objective_kind=p.objective,
        solver=solver,
        status=status,
        gap=gap,
        bound=bound,
        k=p.k,
        constraints=_constraints_dict(p),
        coverable_weight=p.coverable_weight if coverage else None,
        served_weight=p.served_weight if coverage else None,
        runtime_s=time.perf_counter() - t0,
        notes=tuple(notes),
    )


def _solve_exact(
    model: _Model, method: str, tl: float, gap: float, notes: list[str]
) -> tuple[_Raw, str]:
    if method in ("exact", "highs"):
        try:
            import highspy  # noqa: F401
        except ImportError as exc:
            if method == "highs":
                raise PlanError(
                    "solver='highs' but highspy cannot be imported: pip install "
                    "highspy, or use solver='cbc'"
                ) from exc
            notes.append("highspy not importable: PuLP + CBC used")
        else:
            return _solve_highs(model, tl, gap), "highs"
    try:
        import pulp  # noqa: F401
    except ImportError as exc:
        raise PlanError(
            "no MIP solver: neither highspy nor pulp can be imported; install highspy or use "
            "solver='greedy'"
        ) from exc
    return _solve_cbc(model, tl, gap), "cbc"


def _finish_greedy(p: _Problem, t0: float, notes: list[str]) -> PlanSolution:
    chosen, bound = _greedy(p)
    _check_plan(p, chosen)
    obj = _objective(p, chosen)
    gap = None
    if bound is not None:
        gap = (
            0.0
            if bound - obj <= 1e-12 * max(1.0, abs(bound))
            else (bound - obj) / max(abs(obj), 1e-12)
        )
    return _solution(p, chosen, obj, solver="greedy", status="heuristic", gap=gap,
                     bound=bound, t0=t0, notes=notes)


# ------------------------------------------------------------------ one problem, many scores


class Selected(NamedTuple):
    """One solve of a :class:`SelectionProblem`."""

    chosen: IntArray  #: indices of the chosen candidates, ascending
    status: str  #: ``"optimal"``, ``"time_limit"`` or ``"heuristic"`` (greedy)
    solver: str  #: ``"highs"``, ``"cbc"`` or ``"greedy"``: the method actually used


class SelectionProblem:
    """A selection's constraints prepared once, then solved for many score vectors.

    Plan robustness solves the same plan (same K, per-region caps, spacing pairs, blocking
    by existing parks, lagging quota, include and exclude) under many sampled weight
    vectors: only the objective changes. :func:`prepare_selection` (arrays) and
    :func:`selection_from_ranking` (a ranking and the pack) check and diagnose the
    constraints and build the MILP once; :meth:`solve` then only writes the new scores
    into the column costs of one HiGHS model and runs it again (the model, its presolve
    and its memory are reused). No starting incumbent is given: handing HiGHS the best
    earlier plan through ``setSolution`` made it stop at worse plans that it still called
    optimal (14 of 50 Morocco samples, e.g. 3.104 against 3.182), so ``warm_start`` only
    keeps the record of distinct plans seen. The plans are those of
    :func:`select_sites` (same model, same solver, same gap; they can only differ between
    plans whose objectives lie within the MIP gap of each other) at a fraction of the
    cost: no distances, pairs, diagnosis or model are rebuilt.

    Attributes
    ----------
    n : int
        Number of candidates (positions 0..n-1 of the score vectors).
    ids : tuple of str
        Candidate identifiers (``#i`` when none were given).
    k : int
        Number of sites chosen.
    available : ndarray of bool
        Candidates that can be chosen at all (scored, not excluded, not blocked by an
        existing park or by the spacing to a must-include site).
    unavailable_reasons : tuple of str
        Per candidate, why it cannot be chosen ("" when it can).
    constraints : dict
        The constraints applied, as in :attr:`PlanSolution.constraints`.
    solver : str
        The method used: ``"highs"``, ``"cbc"`` or ``"greedy"`` (``"auto"`` resolved;
        under ``"auto"`` a sample whose exact solve finds no plan in the time limit
        falls back to greedy, as in :func:`select_sites`).
    positions : ndarray of int or None
        :func:`selection_from_ranking` only: the position in ``ranking.sites`` of each
        candidate.
    lagging : ndarray of bool
        Candidates in lagging regions.
    notes : list of str
        Remarks (fallbacks taken when the solver was resolved).
    """

    #: Most distinct plans kept as warm-start candidates.
    MAX_STARTS = 512

    def __init__(self, p: _Problem, solver: str, time_limit: float, mip_rel_gap: float,
                 *, warm_start: bool = True, notes: Sequence[str] = ()) -> None:
        self._p = p
        self._requested = solver
        self._time_limit = time_limit
        self._gap = mip_rel_gap
        self._warm = warm_start
        self._model: _Model | None = None
        self._highs: Any = None
        self._highspy: Any = None
        self._starts = np.zeros((0, 0))
        self._seen: set[bytes] = set()
        self.notes: list[str] = list(notes)
        self.n = p.n
        self.ids = tuple(p.names)
        self.k = p.k
        self.available = p.available.copy()
        self.lagging = p.lagging.copy()
        self.constraints = _constraints_dict(p)
        self.positions: IntArray | None = None
        self.solver = self._resolve(solver)
        reasons = []
        for i in range(p.n):
            why = (render("in_exclude_list") if p.excluded[i]
                   else render("no_score") if p.unscored[i]
                   else render("near_park", km=f"{p.park_spacing:g}") if p.blocked_park[i]
                   else render("near_include", km=f"{p.spacing:g}") if p.near_include[i]
                   else "")
            reasons.append(why)
        self.unavailable_reasons = tuple(reasons)

    def fresh(self) -> SelectionProblem:
        """A copy in the state before any solve: no HiGHS model, no warm-start plans.

        Solving a sequence of score vectors from a fresh copy gives plans that depend only
        on that sequence (the warm start depends on the plans found before), so chunks of
        samples solved on different workers give the plans a single process gives when it
        solves the same chunks each from a fresh copy.
        """
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._model = None
        new._highs = None
        new._starts = np.zeros((0, 0))
        new._seen = set()
        new.notes = list(self.notes)
        return new

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (sent to a dask worker) as a fresh copy: HiGHS objects and the highspy
        module are not picklable, and a worker starts from the pre-solve state."""
        state = self.fresh().__dict__.copy()
        state["_highspy"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self.solver == "highs":
            import highspy

            self._highspy = highspy

    @property
    def region(self) -> tuple[str, ...]:
        """Region label of each candidate."""
        return tuple(self._p.region_labels[int(r)] for r in self._p.region)

    def _resolve(self, solver: str) -> str:
        p = self._p
        if solver == "greedy":
            return "greedy"
        if solver == "auto":
            too_big = (int(p.available.sum()) > AUTO_MAX_CANDIDATES
                       or p.pair_i.size > AUTO_MAX_PAIRS)
            if too_big:
                self.notes.append(f"auto: {int(p.available.sum())} candidates is large, greedy "
                                  "heuristic used")
                return "greedy"
        if solver in ("exact", "highs", "auto"):
            try:
                import highspy
            except ImportError as exc:
                if solver == "highs":
                    raise PlanError("solver='highs' but highspy cannot be imported: pip "
                                    "install highspy, or use solver='cbc'") from exc
                self.notes.append("highspy not importable: PuLP + CBC used")
            else:
                self._highspy = highspy
                return "highs"
        try:
            import pulp  # noqa: F401
        except ImportError as exc:
            raise PlanError("no MIP solver: neither highspy nor pulp can be imported; install "
                            "highspy or use solver='greedy'") from exc
        return "cbc"

    def _scores(self, scores: ArrayLike) -> FloatArray:
        s = np.asarray(scores, dtype=float).ravel()
        if s.shape != (self.n,):
            raise UsageError(f"scores: {s.size} scores for {self.n} candidates; give one per "
                             "candidate")
        if not np.all(np.isfinite(s[self.available])):
            raise UsageError("scores: a candidate that can be chosen has no finite score; "
                             "the constraints were prepared for finite scores there")
        return s

    def solve(self, scores: ArrayLike, *, mip_rel_gap: float | None = None) -> Selected:
        """The best K-set under ``scores`` (one per candidate, higher is better).

        ``mip_rel_gap`` overrides the relative optimality tolerance for this solve only
        (e.g. 0 when the objective is a count). Raises PlanError when no plan is found
        (the constraints do not depend on the scores, so this only happens when a solve
        runs out of time without a plan and the solver is not ``"auto"``).
        """
        s = self._scores(scores)
        p = self._p
        if self.solver == "greedy":
            return self._greedy(s)
        if self._model is None:
            self._model = _build_model(p)
        model = self._model
        cost = s[model.cand]
        gap = self._gap if mip_rel_gap is None else float(mip_rel_gap)
        if self.solver == "cbc":
            model.cost[: model.n_x] = cost
            raw = _solve_cbc(model, self._time_limit, gap)
        else:
            raw = self._run_highs(model, cost, gap)
        if raw.x is None:
            if raw.status == "infeasible":
                raise PlanError(f"no K={p.k} sites meet {_constraint_phrase(p)} ({self.solver} "
                                "status: infeasible): lower K or relax the spacing, cap or "
                                "quota")
            if self._requested == "auto":
                return self._greedy(s)
            raise PlanError(f"{self.solver} found no plan for K={p.k} under "
                            f"{_constraint_phrase(p)} (status: {raw.status}): raise "
                            "time_limit or use solver='greedy'")
        x = raw.x > 0.5
        chosen = np.sort(model.cand[x])
        _check_plan(p, chosen)
        if self._warm:
            self._remember(x)
        return Selected(chosen, raw.status, self.solver)

    def _run_highs(self, model: _Model, cost: FloatArray, gap: float) -> _Raw:
        hs = self._highspy
        if self._highs is None:
            model.cost[: model.n_x] = cost
            self._highs = _highs_model(hs, model, self._time_limit, self._gap)
        h = self._highs
        cols = np.arange(model.n_x, dtype=np.int32)
        h.changeColsCost(model.n_x, cols, cost)
        # no h.setSolution(best earlier plan) here: with it HiGHS returned worse plans
        # labelled optimal (see the class docstring and the test that guards it)
        if gap != self._gap:
            h.setOptionValue("mip_rel_gap", gap)
        try:
            h.run()
        finally:
            if gap != self._gap:
                h.setOptionValue("mip_rel_gap", self._gap)
        return _highs_result(hs, h, model.n_x)

    def _remember(self, x: BoolArray) -> None:
        key = np.packbits(x).tobytes()
        if key in self._seen or len(self._seen) >= self.MAX_STARTS:
            return
        self._seen.add(key)
        row = x.astype(float)[None, :]
        self._starts = row if self._starts.size == 0 else np.vstack([self._starts, row])

    def _greedy(self, s: FloatArray) -> Selected:
        p = replace(self._p, scores=np.where(self._p.available, s, np.nan))
        chosen, _ = _greedy(p)
        _check_plan(p, chosen)
        return Selected(chosen, "heuristic", "greedy")


def prepare_selection(
    scores: ArrayLike,
    *,
    k: int,
    region: Sequence[Hashable] | ArrayLike,
    dist_km: ArrayLike | None = None,
    dist_to_existing_km: ArrayLike | None = None,
    max_per_region: int | None = None,
    min_spacing_km: float | None = None,
    park_spacing_km: float | None = None,
    lagging: ArrayLike | None = None,
    lagging_quota: int | None = None,
    include: Sequence[int] | ArrayLike = (),
    exclude: Sequence[int] | ArrayLike = (),
    objective: str = "suitability",
    coverage: Coverage | None = None,
    solver: str = "exact",
    time_limit: float = 60.0,
    mip_rel_gap: float = 1e-6,
    ids: Sequence[str] | None = None,
    warm_start: bool = True,
) -> SelectionProblem:
    """Check, diagnose and build a selection once, to solve it for many score vectors.

    The arguments are those of :func:`select_sites`; ``scores`` fixes which candidates
    have a score (non-finite: unavailable), the values themselves are given to
    :meth:`SelectionProblem.solve`. Only the suitability objective is accepted: the
    coverage objective does not use the scores, so re-solving it changes nothing.
    ``warm_start=False`` solves every score vector from scratch on the same model.

    Raises
    ------
    UsageError
        Inconsistent options, or ``objective="coverage"``.
    PlanError
        Infeasible constraints (the message names them), before any solve.
    """
    if objective != "suitability":
        raise UsageError(f"objective={objective!r}: only the suitability objective depends on "
                         "the scores; a selection solved for many score vectors needs "
                         "objective='suitability'")
    if solver not in SOLVERS:
        raise UsageError(f"solver={solver!r}: use one of {', '.join(SOLVERS)}")
    try:
        tl = float(time_limit)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"time_limit={time_limit!r}: pass seconds > 0") from exc
    if not tl > 0:
        raise UsageError(f"time_limit={time_limit!r}: pass seconds > 0")
    p = _prepare(
        scores, k=k, region=region, dist_km=dist_km, dist_to_existing_km=dist_to_existing_km,
        max_per_region=max_per_region, min_spacing_km=min_spacing_km,
        park_spacing_km=park_spacing_km, lagging=lagging, lagging_quota=lagging_quota,
        include=include, exclude=exclude, objective=objective, coverage=coverage, ids=ids,
    )
    _diagnose(p)
    return SelectionProblem(p, solver, tl, float(mip_rel_gap), warm_start=warm_start)


# --------------------------------------------------------------------------- geometry door


def _layer(pack_layers: Any, name: str, *, required: bool = True) -> Any:
    """Layer ``name`` from a mapping, or from a ``siteplan.layers.pack.Pack`` (``.layer(name)``)."""
    if isinstance(pack_layers, Mapping):
        if name in pack_layers:
            return pack_layers[name]
    elif callable(getattr(pack_layers, "layer", None)):
        names = getattr(pack_layers, "layer_names", None)
        if names is None or name in names:
            return pack_layers.layer(name)
    if not required:
        return None
    raise UsageError(f"the pack has no '{name}' layer; plan_from_ranking needs it")


def _threshold(series: Any, spec: Any, column: str) -> float:
    values = series.to_numpy(dtype=float)
    if isinstance(spec, str):
        if spec == "median":
            return float(np.nanmedian(values))
        if spec == "mean":
            return float(np.nanmean(values))
        raise UsageError(
            f"lagging rule for {column}: threshold {spec!r}; use 'median', 'mean' or a number"
        )
    try:
        return float(spec)
    except (TypeError, ValueError) as exc:
        raise UsageError(
            f"lagging rule for {column}: threshold {spec!r}; use 'median', 'mean' or a number"
        ) from exc


def _rule_mask(regions: Any, rule: Any) -> BoolArray:
    if isinstance(rule, list | tuple):
        rule = {"any": list(rule)}
    if not isinstance(rule, Mapping):
        raise UsageError(f"lagging rule {rule!r}: pass a dict like {{'column': ..., 'above': ...}}")
    if "any" in rule or "all" in rule:
        key = "any" if "any" in rule else "all"
        subs = [_rule_mask(regions, r) for r in rule[key]]
        if not subs:
            raise UsageError(f"lagging rule: '{key}' needs at least one sub-rule")
        out = subs[0].copy()
        for s in subs[1:]:
            out = (out | s) if key == "any" else (out & s)
        return out
    unknown = set(rule) - {"column", "above", "below"}
    if unknown or "column" not in rule or (("above" in rule) == ("below" in rule)):
        raise UsageError(
            f"lagging rule {dict(rule)!r}: use {{'column': name, 'above'|'below': "
            "'median'|'mean'|number}"
        )
    col = str(rule["column"])
    if col not in regions.columns:
        raise UsageError(
            f"lagging rule: the regions layer has no column '{col}' (columns: "
            f"{', '.join(map(str, regions.columns))})"
        )
    series = regions[col]
    vals = series.to_numpy(dtype=float)
    if "above" in rule:
        return np.asarray(vals > _threshold(series, rule["above"], col), dtype=bool)
    return np.asarray(vals < _threshold(series, rule["below"], col), dtype=bool)


def lagging_regions(regions: pd.DataFrame, rule: Mapping[str, Any] | None = None) -> set[str]:
    """Region codes classed as lagging by ``rule``.

    Parameters
    ----------
    regions : DataFrame
        The ``regions`` layer (``region_code`` and indicator columns).
    rule : dict, optional
        ``{"column": c, "above": t}`` or ``{"column": c, "below": t}`` with ``t`` one
        of ``"median"``, ``"mean"`` (over the regions) or a number (strict
        comparison); combine with ``{"any": [...]}`` / ``{"all": [...]}`` (a list
        means any). Default :data:`DEFAULT_LAGGING_RULE`: unemployment rate above the
        median of the regions OR GDP per capita below the median.

    Returns
    -------
    set of str
        Codes of the lagging regions.
    """
    if "region_code" not in regions.columns:
        raise DataError("regions layer: needs a region_code column")
    mask = _rule_mask(regions, DEFAULT_LAGGING_RULE if rule is None else rule)
    return {str(c) for c in regions["region_code"].to_numpy()[mask]}


def plan_from_ranking(
    ranking: Ranking,
    pack_layers: Pack | Mapping[str, Any],
    *,
    k: int,
    max_per_region: int | None = None,
    min_spacing_km: float | None = None,
    park_spacing_km: float | None = None,
    lagging_rule: Mapping[str, Any] | None = None,
    lagging_quota: int | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    objective: str = "suitability",
    demand: tuple[str, str] | None = None,
    coverage_radius_km: float | None = None,
    solver: str = "auto",
    time_limit: float = 60.0,
) -> PlanSolution:
    """Choose ``k`` sites from an engine ``Ranking`` (geometry door).

    Computes geodesic distances (:func:`siteplan.criteria.geodesy.distance_matrix_km`)
    between candidates and to the existing ``parks``, the lagging mask from the
    ``regions`` layer and ``lagging_rule``, drops candidates excluded by the
    scenario, and calls :func:`select_sites`.

    Parameters
    ----------
    ranking : siteplan.scoring.ranking.Ranking
        ``ranking.sites`` with columns id, region_code, lon, lat, score, excluded.
    pack_layers : siteplan.layers.pack.Pack, or mapping name -> (Geo)DataFrame
        Needs ``regions`` (for the lagging rule) and uses ``parks`` when present.
    k, max_per_region, min_spacing_km, park_spacing_km, lagging_quota, objective,
    solver, time_limit
        As in :func:`select_sites`.
    lagging_rule : dict, optional
        See :func:`lagging_regions`.
    include, exclude : sequence of str
        Site ids forced in or out.
    demand : (layer, weight_column), optional
        Demand points for ``objective="coverage"``, e.g. ``("universities",
        "students")`` or ``("provinces", "working_age_2024")`` (polygon layers use a
        representative point).
    coverage_radius_km : float, optional
        Coverage radius ``T`` for ``objective="coverage"``.

    Returns
    -------
    PlanSolution
        ``chosen`` are positions in ``ranking.sites``; ``ids`` their ids; ``sites``
        the chosen rows with a ``lagging`` column.
    """

    inp = _ranking_inputs(
        ranking, pack_layers, max_per_region=max_per_region, min_spacing_km=min_spacing_km,
        park_spacing_km=park_spacing_km, lagging_rule=lagging_rule, lagging_quota=lagging_quota,
        include=include, exclude=exclude, objective=objective, demand=demand,
        coverage_radius_km=coverage_radius_km,
    )
    sol = select_sites(inp.scores, k=k, solver=solver, time_limit=time_limit, **inp.kwargs)
    positions = tuple(int(inp.keep[i]) for i in sol.chosen)
    table = ranking.sites.iloc[list(positions)].copy()
    table["lagging"] = inp.lagging[list(sol.chosen)]
    constraints = dict(sol.constraints)
    constraints["lagging_regions"] = sorted(inp.lagging_codes)
    return replace(sol, chosen=positions, sites=table, constraints=constraints)


def selection_from_ranking(
    ranking: Ranking,
    pack_layers: Pack | Mapping[str, Any],
    *,
    k: int,
    max_per_region: int | None = None,
    min_spacing_km: float | None = None,
    park_spacing_km: float | None = None,
    lagging_rule: Mapping[str, Any] | None = None,
    lagging_quota: int | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    solver: str = "auto",
    time_limit: float = 60.0,
    warm_start: bool = True,
) -> SelectionProblem:
    """The selection of :func:`plan_from_ranking`, prepared once to be solved for many scores.

    Same arguments and the same geometry (geodesic distances, parks, lagging mask,
    include/exclude ids) as :func:`plan_from_ranking` with the suitability objective;
    :meth:`SelectionProblem.solve` takes one score per candidate, in the order of
    :attr:`SelectionProblem.positions` (the scored rows of ``ranking.sites``), and
    returns indices into that order. Solved with the ranking's own scores it chooses
    the sites :func:`plan_from_ranking` chooses.
    """
    inp = _ranking_inputs(
        ranking, pack_layers, max_per_region=max_per_region, min_spacing_km=min_spacing_km,
        park_spacing_km=park_spacing_km, lagging_rule=lagging_rule, lagging_quota=lagging_quota,
        include=include, exclude=exclude, objective="suitability", demand=None,
        coverage_radius_km=None,
    )
    problem = prepare_selection(inp.scores, k=k, solver=solver, time_limit=time_limit,
                                warm_start=warm_start, **inp.kwargs)
    problem.positions = inp.keep.astype(np.int64)
    problem.constraints["lagging_regions"] = sorted(inp.lagging_codes)
    return problem


@dataclass(frozen=True)
class _RankingInputs:
    """What the geometry door passes to the maths door (everything but K and the solver)."""

    keep: IntArray  #: positions in ``ranking.sites`` of the candidates (scored, not excluded)
    scores: FloatArray
    lagging: BoolArray
    lagging_codes: set[str]
    kwargs: dict[str, Any]  #: the other keyword arguments of :func:`select_sites`


def _ranking_inputs(
    ranking: Ranking,
    pack_layers: Pack | Mapping[str, Any],
    *,
    max_per_region: int | None,
    min_spacing_km: float | None,
    park_spacing_km: float | None,
    lagging_rule: Mapping[str, Any] | None,
    lagging_quota: int | None,
    include: Sequence[str],
    exclude: Sequence[str],
    objective: str,
    demand: tuple[str, str] | None,
    coverage_radius_km: float | None,
) -> _RankingInputs:
    """The arrays of :func:`select_sites` from a ranking and the pack: the scored
    candidates, geodesic distances between them and to the existing parks, the lagging
    mask, the include/exclude positions and the coverage data."""
    sites = ranking.sites
    missing = [c for c in ("id", "region_code", "score") if c not in sites.columns]
    if missing:
        raise DataError(f"ranking.sites: missing column(s) {', '.join(missing)}")
    all_ids = [str(x) for x in sites["id"].to_numpy()]
    score = sites["score"].to_numpy(dtype=float)
    excl = (
        sites["excluded"].to_numpy(dtype=bool)
        if "excluded" in sites.columns
        else np.zeros(len(sites), dtype=bool)
    )
    keep = np.flatnonzero(~excl & np.isfinite(score))
    pos_of = {all_ids[i]: j for j, i in enumerate(keep)}
    known = set(all_ids)

    resolve = getattr(ranking, "resolve", None)
    if callable(resolve):  # names, aliases and member towns are accepted, as by explain
        include = [resolve(str(v)) for v in ([include] if isinstance(include, str) else include)]
        exclude = [resolve(str(v)) for v in ([exclude] if isinstance(exclude, str) else exclude)]
    inc = _site_positions(include, "include", known, pos_of)
    exc = _site_positions(exclude, "exclude", known, pos_of)
    kept = sites.iloc[keep]
    lon, lat = point_lonlat(kept, "ranking.sites")
    ids = [all_ids[i] for i in keep]
    region = [str(x) for x in kept["region_code"].to_numpy()]

    spacing = _as_km(min_spacing_km, "min_spacing_km")
    dist = distance_matrix_km(lon, lat, lon, lat) if spacing is not None else None
    parks = _layer(pack_layers, "parks", required=False)
    dist_parks = None
    if parks is not None and len(parks) and (spacing is not None or park_spacing_km is not None):
        plon, plat = point_lonlat(parks, "parks layer")
        dist_parks = distance_matrix_km(lon, lat, plon, plat)

    regions = _layer(pack_layers, "regions")
    lag_codes = lagging_regions(regions, lagging_rule)
    lag = np.array([r in lag_codes for r in region], dtype=bool)

    cov = (_coverage_from_layers(pack_layers, demand, coverage_radius_km, lon, lat, parks)
           if objective == "coverage" else None)

    kwargs: dict[str, Any] = {
        "region": region,
        "dist_km": dist,
        "dist_to_existing_km": dist_parks,
        "max_per_region": max_per_region,
        "min_spacing_km": spacing,
        "park_spacing_km": park_spacing_km,
        "lagging": lag,
        "lagging_quota": lagging_quota,
        "include": inc,
        "exclude": exc,
        "objective": objective,
        "coverage": cov,
        "ids": ids,
    }
    return _RankingInputs(keep=keep, scores=score[keep], lagging=lag, lagging_codes=lag_codes,
                          kwargs=kwargs)


def _site_positions(values: Sequence[str] | str, name: str, known: set[str],
                    pos_of: Mapping[str, int]) -> list[int]:
    """Positions among the kept candidates of the ``include`` or ``exclude`` ids.

    An unknown id is a UsageError; a must-include site the scenario excludes is a
    PlanError; excluding a site the scenario already excludes is a no-op.
    """
    if isinstance(values, str):
        values = [values]
    out = []
    for v in values:
        v = str(v)
        if v not in known:
            raise UsageError(f"{name}: unknown site id '{v}'; use an id from the ranking")
        if v not in pos_of:
            if name == "exclude":
                continue
            raise PlanError(
                f"must-include site {v} is excluded by the scenario: drop it from include or "
                "change the scenario's exclusion rules"
            )
        out.append(pos_of[v])
    return out


def _coverage_from_layers(pack_layers: Pack | Mapping[str, Any], demand: tuple[str, str] | None,
                          coverage_radius_km: float | None, lon: FloatArray, lat: FloatArray,
                          parks: Any) -> Coverage:
    """The coverage problem's data: demand weights, candidate-demand distances and the
    distances from existing parks (which already cover their neighbourhood)."""

    if demand is None or coverage_radius_km is None:
        raise UsageError(
            "objective='coverage' needs demand=(layer, weight column) and coverage_radius_km"
        )
    layer_name, column = demand
    dem = _layer(pack_layers, layer_name)
    if column not in dem.columns:
        raise UsageError(f"demand: layer '{layer_name}' has no column '{column}'")
    dlon, dlat = point_lonlat(dem, f"{layer_name} layer")
    w = dem[column].to_numpy(dtype=float)
    w = np.where(np.isfinite(w), w, 0.0)
    existing = None
    if parks is not None and len(parks):
        plon, plat = point_lonlat(parks, "parks layer")
        existing = distance_matrix_km(plon, plat, dlon, dlat)
    return Coverage(
        weights=w,
        dist_km=distance_matrix_km(lon, lat, dlon, dlat),
        radius_km=float(coverage_radius_km),
        existing_dist_km=existing,
    )


# --------------------------------------------------------------------------- allocation


def largest_remainder(
    quotas: ArrayLike, total: int, *, cap: int | None = None, priority: ArrayLike | None = None
) -> IntArray:
    """Round non-negative real quotas to integers that sum exactly to ``total``.

    Hamilton's method: every entry gets ``floor(q_i)``; the ``total - sum floor``
    units left go one each to the largest remainders ``q_i - floor(q_i)`` (ties:
    larger ``priority``, then lower index). Entries already at ``cap`` get none.

    Parameters
    ----------
    quotas : array_like, shape (n,)
        Real quotas ``>= 0`` summing (up to rounding error) to ``total``.
    total : int
        The exact integer total.
    cap : int, optional
        No entry may exceed ``cap`` (quotas must already respect it).
    priority : array_like, shape (n,), optional
        Tie-break for equal remainders (e.g. the weights).

    Returns
    -------
    ndarray of int64, shape (n,)
    """
    q = np.asarray(quotas, dtype=float).ravel()
    if not np.all(np.isfinite(q)) or np.any(q < 0):
        raise DataError("largest_remainder: quotas must be finite and >= 0")
    base = np.floor(q + 1e-9).astype(np.int64)
    base = np.minimum(base, np.ceil(q).astype(np.int64))
    if cap is not None:
        base = np.minimum(base, cap)
    left = int(total) - int(base.sum())
    if left < 0:
        raise PlanError(f"rounding failed: the quotas sum to more than {total}")
    rem = q - base
    pri = np.zeros(q.size) if priority is None else np.asarray(priority, dtype=float).ravel()
    eligible = np.ones(q.size, dtype=bool) if cap is None else base < cap
    order = np.lexsort((np.arange(q.size), -pri, -rem))
    order = order[eligible[order]]
    if left > order.size:
        raise PlanError(
            f"rounding failed: {left} units left for {order.size} entries below the cap {cap}"
        )
    base[order[:left]] += 1
    return base


def capped_proportional(weights: ArrayLike, total: int, cap: int | None) -> IntArray:
    """Share an integer ``total`` in proportion to ``weights`` with a per-entry cap.

    Water-filling: entries whose proportional share exceeds ``cap`` are fixed at
    ``cap`` and the excess is redistributed among the others, in proportion to their
    weights, until none exceeds the cap; then largest-remainder rounding makes the
    integers sum exactly to ``total`` without any entry above ``cap``.

    Parameters
    ----------
    weights : array_like, shape (n,)
        Non-negative weights (at least one positive).
    total : int
        Integer amount to share (jobs, tenths of MAD million...).
    cap : int, optional
        Largest amount any one entry may receive.

    Returns
    -------
    ndarray of int64, shape (n,)

    Raises
    ------
    PlanError
        When ``cap x (number of positive weights) < total``: the caps make the
        total unreachable.
    """
    w = np.asarray(weights, dtype=float).ravel()
    if w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or not (w > 0).any():
        raise DataError("weights: need finite weights >= 0 with at least one positive")
    total = int(total)
    pos = w > 0
    if cap is not None and cap * int(pos.sum()) < total:
        raise PlanError(
            f"per-site cap {cap} x {int(pos.sum())} sites with positive weight = "
            f"{cap * int(pos.sum())} < {total} to allocate: raise the cap to at least "
            f"{math.ceil(total / int(pos.sum()))} or add sites"
        )
    capped = np.zeros(w.size, dtype=bool)
    quotas = np.zeros(w.size)
    while True:
        free = pos & ~capped
        rest = total - (cap or 0) * int(capped.sum())
        quotas = np.zeros(w.size)
        if cap is not None:
            quotas[capped] = cap
        if free.any():
            quotas[free] = rest * w[free] / w[free].sum()
        if cap is None:
            break
        over = free & (quotas > cap)
        if not over.any():
            break
        capped |= over
    return largest_remainder(quotas, total, cap=cap, priority=w)


def capacity_weights(talent: ArrayLike, score: ArrayLike) -> FloatArray:
    """Capacity weight of each site: ``talent_i x score_i``.

    Parameters
    ----------
    talent : array_like, shape (n,)
        Talent accessibility (2SFCA value, graduates per job or similar) of each site.
    score : array_like, shape (n,)
        Suitability score of each site (0..1).

    Returns
    -------
    ndarray, shape (n,)
    """
    t = np.asarray(talent, dtype=float).ravel()
    s = np.asarray(score, dtype=float).ravel()
    if t.shape != s.shape:
        raise UsageError(f"capacity_weights: {t.size} talent values for {s.size} scores")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(s))) or (t < 0).any() or (s < 0).any():
        raise DataError("capacity_weights: talent and score must be finite and >= 0")
    return t * s


@dataclass(frozen=True)
class Allocation:
    """Jobs and exports added per site between today and the 2030 targets.

    Attributes
    ----------
    sites : tuple of str
        Site ids (existing parks and chosen sites).
    regions : tuple of str or None
        Region code of each site.
    weights : ndarray
        Capacity weights used.
    jobs : ndarray of int64
        Jobs added per site; sums exactly to ``gap_jobs``.
    exports_tenths : ndarray of int64
        Exports added per site in tenths of a MAD million (100,000 MAD); sums exactly
        to ``gap_exports_mad_m * 10``.
    capped : ndarray of bool
        Sites held at the jobs cap.
    cap_jobs : int or None
        Per-site cap on jobs added.
    cap_exports_mad_m : float or None
        Per-site cap on exports added, MAD million.
    gap_jobs : int
        ``target_jobs - today_jobs_total``.
    gap_exports_mad_m : float
        ``(target_exports - today_exports)`` in MAD million.
    today_export_per_job_mad : float
        Today's exports per job, MAD.
    implied_export_per_new_job_mad : float
        ``gap_exports / gap_jobs``, MAD: what the targets imply per new job.
    """

    sites: tuple[str, ...]
    regions: tuple[str, ...] | None
    weights: FloatArray
    jobs: IntArray
    exports_tenths: IntArray
    capped: BoolArray
    cap_jobs: int | None
    cap_exports_mad_m: float | None
    gap_jobs: int
    gap_exports_mad_m: float
    today_export_per_job_mad: float
    implied_export_per_new_job_mad: float

    @property
    def exports_mad_m(self) -> FloatArray:
        """Exports added per site, MAD million (1 decimal)."""
        return self.exports_tenths / 10.0

    def by_region(self) -> dict[str, dict[str, float]]:
        """Jobs and exports (MAD million) added per region."""
        if self.regions is None:
            raise UsageError("this allocation has no regions; pass regions= to allocate_targets")
        jobs = aggregate_by_region(self.jobs, self.regions)
        tenths = aggregate_by_region(self.exports_tenths, self.regions)
        return {r: {"jobs": jobs[r], "exports_mad_m": tenths[r] / 10.0} for r in jobs}

    def to_frame(self) -> pd.DataFrame:
        """One row per site: id, region, weight, jobs_added, exports_added_mad_m, capped."""
        import pandas as pd

        return pd.DataFrame(
            {
                "id": list(self.sites),
                "region_code": list(self.regions) if self.regions is not None else None,
                "weight": self.weights,
                "jobs_added": self.jobs,
                "exports_added_mad_m": self.exports_mad_m,
                "capped": self.capped,
            }
        )


def _bn_to_tenths(value_bn: float) -> int:
    # 1 bn MAD = 1000 MAD million = 10,000 tenths of a MAD million
    return round(float(value_bn) * 10_000)


def allocate_targets(
    weights: ArrayLike | Mapping[str, float],
    *,
    sites: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    today_jobs_total: int = 148_500,
    today_exports_mad_bn: float = 26.2,
    target_jobs: int = 270_000,
    target_exports_mad_bn: float = 40.0,
    cap_share: float | None = 0.25,
    export_per_job_mad: float | ArrayLike | None = None,
) -> Allocation:
    """Allocate the gap to the 2030 targets among sites (capped proportional rule).

    Jobs: the gap ``G = target_jobs - today_jobs_total`` (121,500 by default) is
    shared in proportion to the capacity weights (talent 2SFCA value x score, see
    :func:`capacity_weights`) of existing parks and chosen sites, no site above
    ``C = floor(cap_share x G)`` (water-filling, :func:`capped_proportional`), in
    whole jobs by largest remainder: ``sum(jobs) == G`` exactly.

    Exports: the gap ``E = target_exports - today_exports`` (13.8 bn MAD) is shared in
    proportion to ``jobs_i x e_i`` with ``e_i`` the export intensity per job (today's
    ``26.2 bn / 148,500 = 176,431 MAD`` for every site unless ``export_per_job_mad``
    is given), under the same cap share, in tenths of a MAD million (100,000 MAD) by
    largest remainder: ``sum(exports) == E`` exactly. With a uniform intensity the
    export shares equal the job shares; the implied export per *new* job
    (``E / G``) is reported next to today's.

    Parameters
    ----------
    weights : array_like (n,) or mapping site -> weight
        Capacity weights (>= 0).
    sites : sequence of str, optional
        Site ids (taken from the mapping keys when ``weights`` is a mapping).
    regions : sequence of str, optional
        Region code of each site, for :meth:`Allocation.by_region`.
    today_jobs_total, target_jobs : int
        Jobs today (end-2024) and in 2030.
    today_exports_mad_bn, target_exports_mad_bn : float
        Exports today and in 2030, bn MAD.
    cap_share : float or None
        Per-site cap as a share of the gap (0.25: no site takes more than a quarter);
        None for no cap.
    export_per_job_mad : float or array_like (n,), optional
        Export intensity per job, MAD (scalar or per site).

    Returns
    -------
    Allocation

    Raises
    ------
    UsageError
        Bad options (targets below today, cap_share outside (0, 1], shapes).
    PlanError
        The cap makes the gap unreachable (``cap x sites < gap``).
    """
    if isinstance(weights, Mapping):
        ids = [str(s) for s in weights]
        w = np.asarray([float(v) for v in weights.values()], dtype=float)
    else:
        w = np.asarray(weights, dtype=float).ravel()
        ids = [str(s) for s in sites] if sites is not None else [f"site{i}" for i in range(w.size)]
    if len(ids) != w.size:
        raise UsageError(f"sites: {len(ids)} ids for {w.size} weights; give one id per weight")
    if regions is not None and len(regions) != w.size:
        raise UsageError(f"regions: {len(regions)} codes for {w.size} sites; give one per site")
    gap_jobs = int(target_jobs) - int(today_jobs_total)
    if gap_jobs <= 0:
        raise UsageError(
            f"target_jobs={target_jobs} is not above today_jobs_total={today_jobs_total}"
        )
    gap_tenths = _bn_to_tenths(target_exports_mad_bn) - _bn_to_tenths(today_exports_mad_bn)
    if gap_tenths < 0:
        raise UsageError(
            f"target_exports_mad_bn={target_exports_mad_bn} is below today_exports_mad_bn="
            f"{today_exports_mad_bn}"
        )
    if cap_share is not None:
        cs = float(cap_share)
        if not (0 < cs <= 1):
            raise UsageError(f"cap_share={cap_share}: pass a share in (0, 1], or None for no cap")
    cap_jobs = None if cap_share is None else math.floor(float(cap_share) * gap_jobs + 1e-9)
    cap_tenths = None if cap_share is None else math.floor(float(cap_share) * gap_tenths + 1e-9)
    try:
        jobs = capped_proportional(w, gap_jobs, cap_jobs)
    except PlanError as exc:
        npos = int((w > 0).sum())
        raise PlanError(
            f"per-site cap {cap_share:.0%} of the {gap_jobs:,}-job gap ({cap_jobs:,} jobs) x "
            f"{npos} sites cannot reach the target {target_jobs:,}: raise cap_share to at least "
            f"{math.ceil(1000 / max(npos, 1)) / 1000:.3f} or add sites"
        ) from exc
    today_epj = float(today_exports_mad_bn) * 1e9 / float(today_jobs_total)
    if export_per_job_mad is None:
        intensity = np.full(w.size, today_epj)
    else:
        intensity = np.broadcast_to(np.asarray(export_per_job_mad, dtype=float), w.shape).copy()
        if not np.all(np.isfinite(intensity)) or (intensity < 0).any():
            raise DataError("export_per_job_mad: intensities must be finite and >= 0")
    if gap_tenths == 0:
        exports = np.zeros(w.size, dtype=np.int64)
    else:
        ew = jobs * intensity
        try:
            exports = capped_proportional(ew, gap_tenths, cap_tenths)
        except (PlanError, DataError) as exc:
            raise PlanError(
                f"exports: the per-site cap {cap_share} of the {gap_tenths / 10:,.1f} MAD m "
                f"export gap cannot be met by the {int((ew > 0).sum())} sites with jobs and a "
                "positive export intensity: raise cap_share or export_per_job_mad"
            ) from exc
    capped = jobs >= cap_jobs if cap_jobs is not None else np.zeros(w.size, dtype=bool)
    return Allocation(
        sites=tuple(ids),
        regions=tuple(str(r) for r in regions) if regions is not None else None,
        weights=w,
        jobs=jobs,
        exports_tenths=exports,
        capped=capped,
        cap_jobs=cap_jobs,
        cap_exports_mad_m=None if cap_tenths is None else cap_tenths / 10.0,
        gap_jobs=gap_jobs,
        gap_exports_mad_m=gap_tenths / 10.0,
        today_export_per_job_mad=today_epj,
        implied_export_per_new_job_mad=gap_tenths * 1e5 / gap_jobs,
    )


def aggregate_by_region(values: ArrayLike, regions: Sequence[str]) -> dict[str, Any]:
    """Sum per-site values by region (integers stay integers), sorted by region.

    Parameters
    ----------
    values : array_like, shape (n,)
        Per-site values (jobs, exports).
    regions : sequence of str, shape (n,)
        Region code of each site.

    Returns
    -------
    dict region -> sum
    """
    v = np.asarray(values).ravel()
    if len(regions) != v.size:
        raise UsageError(f"regions: {len(regions)} codes for {v.size} values; give one per value")
    out: dict[str, Any] = {}
    integer = np.issubdtype(v.dtype, np.integer)
    for r in sorted({str(x) for x in regions}):
        mask = np.array([str(x) == r for x in regions], dtype=bool)
        total = v[mask].sum()
        out[r] = int(total) if integer else float(total)
    return out


def baseline_market_led(today_by_region: Mapping[str, float], gap: int = 121_500) -> dict[str, int]:
    """Counterfactual: new jobs follow today's regional distribution.

    ``jobs_r = gap x today_r / sum today``, rounded by largest remainder so that the
    regions add up exactly to ``gap``.

    Parameters
    ----------
    today_by_region : mapping region -> jobs
        Offshoring jobs per region today.
    gap : int
        New jobs to distribute (270,000 - 148,500 = 121,500 by default).

    Returns
    -------
    dict region -> new jobs (int)
    """
    keys = [str(k) for k in today_by_region]
    vals = np.asarray([float(v) for v in today_by_region.values()], dtype=float)
    g = _as_int(gap, "gap", minimum=0)
    if not np.all(np.isfinite(vals)) or (vals < 0).any() or vals.sum() <= 0:
        raise DataError("today_by_region: jobs must be finite, >= 0 and not all zero")
    shares = largest_remainder(g * vals / vals.sum(), g, priority=vals)
    return {k: int(x) for k, x in zip(keys, shares, strict=True)}
