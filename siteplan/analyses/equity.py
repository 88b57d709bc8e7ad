"""Inequality of offshoring jobs across regions (pure numpy).

The measures compare *per-capita* values ``x_i`` (jobs per thousand working-age
residents, say) of regions weighted by their population ``w_i`` (working-age
population, 15-64). With weights every formula treats region ``i`` as ``w_i``
people who each have the value ``x_i``; this is what makes the measures
invariant under population replication (doubling every weight changes nothing)
and under scale (jobs per person or per thousand give the same answer).

Notation used in the docstrings::

    W  = sum_i w_i                  total population
    mu = sum_i w_i x_i / W          population-weighted mean
    s_i = w_i x_i / (W mu)          share of region i in the total (of jobs)

References
----------
Cowell, F. A. (2011). *Measuring Inequality*, 3rd ed. Oxford University Press
    (ch. 2 Lorenz curve, ch. 3 Gini and coefficient of variation, ch. 3 and the
    technical appendix for the Theil index and its decomposition).
Theil, H. (1967). *Economics and Information Theory*. North-Holland.
Shorrocks, A. F. (1980). The class of additively decomposable inequality
    measures. *Econometrica* 48(3), 613-625.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siteplan.errors import DataError, UsageError

__all__ = [
    "coefficient_of_variation",
    "equity_table",
    "gini",
    "lorenz_curve",
    "per_thousand",
    "theil_decomposition",
    "theil_t",
    "top_share",
]

FloatArray = NDArray[np.float64]


def _values_weights(
    x: ArrayLike, weights: ArrayLike | None, *, name: str = "x"
) -> tuple[FloatArray, FloatArray]:
    """Validate per-capita values and population weights; return float arrays."""
    xa = np.asarray(x, dtype=float).ravel()
    if xa.size == 0:
        raise UsageError(f"{name}: no values given; pass at least one region")
    if not np.all(np.isfinite(xa)):
        raise DataError(f"{name}: values must be finite (found NaN or inf); fill or drop them")
    if np.any(xa < 0):
        raise DataError(f"{name}: values must be >= 0 (jobs, per-capita rates); found a negative")
    if weights is None:
        wa = np.ones_like(xa)
    else:
        wa = np.asarray(weights, dtype=float).ravel()
        if wa.shape != xa.shape:
            raise UsageError(
                f"weights: {wa.size} weights for {xa.size} values; pass one weight per region"
            )
        if not np.all(np.isfinite(wa)) or np.any(wa < 0):
            raise DataError("weights: population weights must be finite and >= 0")
        if wa.sum() <= 0:
            raise DataError("weights: population weights sum to 0; give at least one positive")
    if float(np.dot(wa, xa)) <= 0:
        raise DataError(
            f"{name}: the weighted total is 0, so relative inequality is undefined; "
            "give at least one positive value"
        )
    return xa, wa


def gini(x: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Population-weighted Gini coefficient of per-capita values.

    .. math::

        G = \\frac{\\sum_i \\sum_j w_i w_j |x_i - x_j|}{2 W^2 \\mu}

    (Cowell 2011, eq. 3.3 with population weights). Regions are weighted by
    their working-age population, so a region of 4 million counts as 4 million
    people at its jobs-per-thousand rate. Without weights every value counts
    once and ``gini([1, 2, 3, 4]) == 0.25``. This is the "population" form
    (no ``n / (n - 1)`` small-sample correction): it is 0 for equal values, lies
    in ``[0, 1 - w_min / W]`` (the maximum: everything in the least
    populated region) and is invariant to scale and to replication.

    Computed in O(n log n): for values sorted ascending,
    ``sum_ij w_i w_j |x_i - x_j| = 2 sum_i w_i x_i (W_<i - W_>i)``.

    Parameters
    ----------
    x : array_like, shape (n,)
        Non-negative per-capita values (e.g. offshoring jobs per 1000 residents aged 15-64).
    weights : array_like, shape (n,), optional
        Population of each region (persons). Equal weights when omitted.

    Returns
    -------
    float
        The Gini coefficient (dimensionless).
    """
    xa, wa = _values_weights(x, weights)
    order = np.argsort(xa, kind="stable")
    xs, ws = xa[order], wa[order]
    cum = np.cumsum(ws)
    total = cum[-1]
    below = cum - ws  # weight strictly before i in sorted order
    above = total - cum  # weight strictly after i
    pair_sum = 2.0 * float(np.sum(ws * xs * (below - above)))
    mu = float(np.dot(ws, xs)) / total
    return max(0.0, pair_sum / (2.0 * total * total * mu))


def theil_t(x: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Theil T index (GE(1)) of per-capita values with population weights.

    .. math::

        T = \\sum_i \\frac{w_i}{W} \\frac{x_i}{\\mu} \\ln \\frac{x_i}{\\mu}
          = \\sum_i s_i \\ln \\frac{x_i}{\\mu}, \\qquad 0 \\ln 0 = 0

    (Theil 1967; Cowell 2011, sec. 3.4). ``T = 0`` for equal values; for
    ``n`` equally weighted regions with everything in one region, ``T = ln n``,
    the maximum.

    Parameters
    ----------
    x : array_like, shape (n,)
        Non-negative per-capita values.
    weights : array_like, shape (n,), optional
        Population of each region. Equal weights when omitted.

    Returns
    -------
    float
        The Theil T index (nats), in ``[0, ln(W / w_min)]``.
    """
    xa, wa = _values_weights(x, weights)
    return _theil(xa, wa)


def _theil(xa: FloatArray, wa: FloatArray) -> float:
    total = wa.sum()
    mu = float(np.dot(wa, xa)) / total
    if not mu > 0:  # every value zero, or so small (subnormal) that the mean underflows
        return 0.0
    r = xa / mu
    pos = (r > 0) & (wa > 0)  # r ln r -> 0 as r -> 0 (also for subnormal x that underflow)
    r = r[pos]
    return max(0.0, float(np.sum(wa[pos] / total * r * np.log(r))))


def theil_decomposition(
    x: ArrayLike, weights: ArrayLike | None, groups: Sequence[Hashable] | ArrayLike
) -> dict[str, Any]:
    """Exact between/within decomposition of the Theil T index.

    With group population ``W_g``, group mean ``mu_g`` and group share of the
    total ``s_g = W_g mu_g / (W mu)``::

        T = T_between + T_within
        T_between = sum_g s_g ln(mu_g / mu)
        T_within  = sum_g s_g T_g          (T_g: Theil T inside group g)

    (Shorrocks 1980; Cowell 2011, sec. 3.4 and technical appendix A.6). Groups
    with zero total contribute nothing.

    Parameters
    ----------
    x : array_like, shape (n,)
        Non-negative per-capita values.
    weights : array_like, shape (n,) or None
        Population of each region (equal weights when None).
    groups : sequence, shape (n,)
        Group label of each region (e.g. "Casablanca-Rabat axis" / "other").

    Returns
    -------
    dict
        ``total``, ``between``, ``within`` (floats) and ``groups``: for every group
        ``{"population_share", "share", "mean", "theil"}``.
    """
    xa, wa = _values_weights(x, weights)
    labels = np.asarray(groups).astype(str)
    if labels.shape != xa.shape:
        raise UsageError(f"groups: {labels.size} labels for {xa.size} values; give one per region")
    total_w = wa.sum()
    mu = float(np.dot(wa, xa)) / total_w
    uniq, inv = np.unique(labels, return_inverse=True)
    between = 0.0
    within = 0.0
    per_group: dict[str, dict[str, float]] = {}
    for g in range(uniq.size):
        m = inv == g
        wg = float(wa[m].sum())
        yg = float(np.dot(wa[m], xa[m]))
        share = yg / (total_w * mu)
        mean_g = yg / wg if wg > 0 else 0.0
        tg = _theil(xa[m], wa[m]) if yg > 0 else 0.0
        if share > 0 and mean_g > 0:  # a group whose mean underflows adds nothing
            between += share * np.log(mean_g / mu)
            within += share * tg
        per_group[str(uniq[g])] = {
            "population_share": wg / total_w,
            "share": share,
            "mean": mean_g,
            "theil": tg,
        }
    return {
        "total": _theil(xa, wa),
        "between": float(between),
        "within": float(within),
        "groups": per_group,
    }


def coefficient_of_variation(x: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Population-weighted coefficient of variation.

    .. math::

        CV = \\frac{\\sqrt{\\sum_i (w_i / W)(x_i - \\mu)^2}}{\\mu}

    (Cowell 2011, sec. 3.2; population standard deviation, no ``n - 1``).

    Parameters
    ----------
    x : array_like, shape (n,)
        Non-negative per-capita values.
    weights : array_like, shape (n,), optional
        Population of each region. Equal weights when omitted.

    Returns
    -------
    float
        The coefficient of variation (dimensionless).
    """
    xa, wa = _values_weights(x, weights)
    total = wa.sum()
    mu = float(np.dot(wa, xa)) / total
    var = float(np.dot(wa, (xa - mu) ** 2)) / total
    return float(np.sqrt(var)) / mu


def top_share(values: ArrayLike, k: int = 2) -> float:
    """Share of the total held by the ``k`` largest entries.

    ``top_share(jobs_by_region, 2) = (j_(1) + j_(2)) / sum_i j_i`` with ``j_(1) >=
    j_(2) >= ...``: the concentration of offshoring jobs in the two largest
    regions (today Casablanca-Settat and Rabat-Sale-Kenitra). Note this takes
    totals (jobs), not per-capita values.

    Parameters
    ----------
    values : array_like, shape (n,)
        Non-negative totals (jobs).
    k : int, default 2
        How many of the largest entries to sum (``1 <= k``; ``k >= n`` gives 1).

    Returns
    -------
    float
        Share in ``[k / n, 1]`` (dimensionless).
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise UsageError(f"top_share: k={k!r}; pass a positive integer such as 2")
    xa, _ = _values_weights(values, None, name="values")
    top = np.sort(xa)[::-1][:k]
    return float(top.sum() / xa.sum())


def lorenz_curve(x: ArrayLike, weights: ArrayLike | None = None) -> tuple[FloatArray, FloatArray]:
    """Lorenz curve of per-capita values with population weights.

    Regions sorted by ``x`` ascending; the points are
    ``p_k = sum_{i<=k} w_i / W`` (cumulative population share) and
    ``L_k = sum_{i<=k} w_i x_i / (W mu)`` (cumulative share of the total),
    starting at ``(0, 0)`` and ending at ``(1, 1)`` (Cowell 2011, sec. 2.3).
    The Gini coefficient is ``1 - 2 * trapezoid(L, p)``.

    Parameters
    ----------
    x : array_like, shape (n,)
        Non-negative per-capita values.
    weights : array_like, shape (n,), optional
        Population of each region. Equal weights when omitted.

    Returns
    -------
    p, lorenz : ndarray, shape (n + 1,)
        Cumulative population shares and cumulative value shares, for plotting.
    """
    xa, wa = _values_weights(x, weights)
    order = np.argsort(xa, kind="stable")
    xs, ws = xa[order], wa[order]
    p = np.concatenate([[0.0], np.cumsum(ws) / ws.sum()])
    lor = np.concatenate([[0.0], np.cumsum(ws * xs) / np.dot(ws, xs)])
    p[-1] = 1.0
    lor[-1] = 1.0
    return p, lor


def per_thousand(jobs: ArrayLike, working_age: ArrayLike) -> FloatArray:
    """Jobs per thousand working-age residents: ``1000 * jobs_i / working_age_i``.

    Parameters
    ----------
    jobs : array_like, shape (n,)
        Jobs in each region (persons employed).
    working_age : array_like, shape (n,)
        Working-age population (15-64) of each region (persons); must be > 0.

    Returns
    -------
    ndarray, shape (n,)
        Jobs per 1000 working-age residents.
    """
    j = np.asarray(jobs, dtype=float).ravel()
    w = np.asarray(working_age, dtype=float).ravel()
    if j.shape != w.shape:
        raise UsageError(
            f"per_thousand: {j.size} job counts for {w.size} populations; give one per region"
        )
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise DataError("working_age: every region needs a positive working-age population")
    if not np.all(np.isfinite(j)) or np.any(j < 0):
        raise DataError("jobs: job counts must be finite and >= 0")
    return 1000.0 * j / w


def _keyed(
    values: Mapping[Any, float] | ArrayLike, keys: list[str] | None, name: str
) -> tuple[list[str] | None, FloatArray]:
    if isinstance(values, Mapping):
        ks = [str(k) for k in values]
        arr = np.asarray([float(v) for v in values.values()], dtype=float)
        if keys is not None:
            lookup = {str(k): float(v) for k, v in values.items()}
            missing = sorted(set(keys) - set(lookup))
            if missing:
                raise UsageError(f"{name}: no value for region(s) {', '.join(missing)}")
            extra = sorted(set(lookup) - set(keys))
            if extra:
                raise UsageError(f"{name}: unknown region(s) {', '.join(extra)}")
            arr = np.asarray([lookup[k] for k in keys], dtype=float)
            ks = keys
        return ks, arr
    index = getattr(values, "index", None)
    to_numpy = getattr(values, "to_numpy", None)
    if index is not None and to_numpy is not None:  # pandas Series
        ks = [str(k) for k in index]
        return _keyed(dict(zip(ks, to_numpy(dtype=float), strict=True)), keys, name)
    return keys, np.asarray(values, dtype=float).ravel()


def equity_table(
    jobs_by_region: Mapping[Any, float] | ArrayLike,
    working_age_by_region: Mapping[Any, float] | ArrayLike,
    groups: Mapping[Any, Hashable] | Sequence[Hashable] | None = None,
) -> dict[str, Any]:
    """Every inequality measure for one distribution of jobs across regions.

    Per-capita values are ``x_i = per_thousand(jobs_i, working_age_i)``, weighted
    by the working-age population; ``top2_share`` uses the job totals.

    Parameters
    ----------
    jobs_by_region : mapping region -> jobs, or array_like
        Offshoring jobs per region.
    working_age_by_region : mapping region -> persons, or array_like
        Working-age population (15-64) per region; same regions (keys) as the jobs.
    groups : mapping region -> group, or sequence, optional
        Group of each region for the Theil decomposition (e.g. ``"axis"`` for
        Casablanca-Settat and Rabat-Sale-Kenitra, ``"other"`` otherwise).

    Returns
    -------
    dict
        ``regions`` (list or None), ``jobs_total``, ``jobs_per_thousand`` (list),
        ``national_per_thousand``, ``gini``, ``theil_t``, ``cv``, ``top2_share``,
        ``lorenz`` (``{"population_share": [...], "jobs_share": [...]}``) and,
        with ``groups``, ``theil_between``, ``theil_within`` and ``theil_groups``.
    """
    keys, jobs = _keyed(jobs_by_region, None, "jobs_by_region")
    _, pop = _keyed(working_age_by_region, keys, "working_age_by_region")
    rate = per_thousand(jobs, pop)
    p, lor = lorenz_curve(rate, pop)
    out: dict[str, Any] = {
        "regions": keys,
        "jobs_total": float(jobs.sum()),
        "jobs_per_thousand": rate.tolist(),
        "national_per_thousand": float(1000.0 * jobs.sum() / pop.sum()),
        "gini": gini(rate, pop),
        "theil_t": theil_t(rate, pop),
        "cv": coefficient_of_variation(rate, pop),
        "top2_share": top_share(jobs, 2),
        "lorenz": {"population_share": p.tolist(), "jobs_share": lor.tolist()},
    }
    if groups is not None:
        if isinstance(groups, Mapping):
            if keys is None:
                raise UsageError("groups: a mapping needs jobs_by_region keyed by region too")
            missing = [k for k in keys if k not in {str(g) for g in groups}]
            if missing:
                raise UsageError(f"groups: no group for region(s) {', '.join(missing)}")
            gmap = {str(k): v for k, v in groups.items()}
            labels: list[Hashable] = [gmap[k] for k in keys]
        else:
            labels = list(groups)
        dec = theil_decomposition(rate, pop, [str(g) for g in labels])
        out["theil_between"] = dec["between"]
        out["theil_within"] = dec["within"]
        out["theil_groups"] = dec["groups"]
    return out
