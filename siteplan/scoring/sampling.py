"""Weight vectors sampled on the unit simplex, for every analysis that perturbs the weights.

SMAA (:mod:`siteplan.analyses.sensitivity`) and plan robustness
(:mod:`siteplan.analyses.plan.robustness`) draw their weight samples here, so that the two
analyses, which may not import each other, sample in exactly the same way: with the same
seed they see the same weight vectors.

* :func:`sample_weights`: uniform on the simplex, Dirichlet around the scenario weights, or
  uniform within per-criterion bounds;
* :func:`check_samples`, :func:`check_seed`: the one-line refusals of a bad sample count or
  seed;
* :func:`bounds_array`: criterion name -> (lo, hi) limits as the ``(m, 2)`` array
  :func:`sample_weights` takes.

Pure numpy, like the rest of :mod:`siteplan.scoring`.

References
----------
Rubinstein, R. Y. (1982). Generating random vectors uniformly distributed inside and on the
    surface of different regions. *EJOR* 10, 205-209 (uniform simplex sampling).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siteplan.errors import UsageError

__all__ = [
    "MAX_SAMPLES",
    "SAMPLINGS",
    "bounds_array",
    "check_samples",
    "check_seed",
    "sample_weights",
]

FloatArray = NDArray[np.float64]

#: The weight sampling schemes of :func:`sample_weights`.
SAMPLINGS: tuple[str, ...] = ("uniform", "dirichlet", "bounds")

#: Most weight samples one analysis takes: SMAA's figures converge as 1/sqrt(samples)
#: (10,000 gives +-0.01, the default), and a million (+-0.001) already holds ~100 MB of
#: weights per criterion group; more is a mistake, not precision.
MAX_SAMPLES = 1_000_000


def _check_weight_vector(weights: ArrayLike, m: int, what: str) -> FloatArray:
    """``weights`` as m finite non-negative numbers, not all zero, normalised to sum 1."""
    try:
        w = np.asarray(weights, dtype=float).ravel()
    except (TypeError, ValueError):
        raise UsageError(f"{what}: weights are not numeric; give {m} numbers") from None
    if w.shape != (m,):
        raise UsageError(f"{what}: {w.size} weights for {m} criteria; give one weight per "
                         "criterion")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise UsageError(f"{what}: weights must be finite, >= 0 and not all zero")
    return w / w.sum()


def check_samples(samples: object, what: str = "samples") -> int:
    """``samples`` as an int in 1..MAX_SAMPLES, else a UsageError saying why."""
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        raise UsageError(f"{what} = {samples!r}: give at least 1 sample (a whole number)")
    if samples > MAX_SAMPLES:
        raise UsageError(f"{what} = {samples:,}: at most {MAX_SAMPLES:,} samples (the figures "
                         "converge as 1/sqrt(samples): 10,000 gives +-0.01, 1,000,000 +-0.001)")
    return int(samples)


def check_seed(seed: object) -> None:
    """Refuse a seed numpy cannot take (negative, fractional, text) in one line."""
    if seed is not None and not isinstance(seed, np.random.Generator) and (
            isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0):
        raise UsageError(f"seed = {seed!r}: give 0 or a positive whole number (same seed, "
                         "same result)")


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    check_seed(seed)
    return np.random.default_rng(seed)


def sample_weights(m: int, n_samples: int = 10_000,
                   sampling: Literal["uniform", "dirichlet", "bounds"] = "uniform",
                   seed: int | np.random.Generator | None = None,
                   center: ArrayLike | None = None, concentration: float = 50.0,
                   bounds: ArrayLike | None = None,
                   min_acceptance: float = 1e-3) -> FloatArray:
    """Sample weight vectors on the unit simplex.

    Parameters
    ----------
    m : int
        Number of criteria.
    n_samples : int
        Number of weight vectors (>= 1).
    sampling : {"uniform", "dirichlet", "bounds"}
        ``"uniform"``: uniform on the simplex (normalised i.i.d. exponentials, i.e.
        Dirichlet(1, ..., 1); each marginal is Beta(1, m - 1)).
        ``"dirichlet"``: Dirichlet centred on ``center`` with ``alpha = concentration * w``
        (mean ``w``, variance ``w_j (1 - w_j) / (concentration + 1)``); criteria with zero
        centre weight stay at 0.
        ``"bounds"``: uniform on ``{w : sum w = 1, lo_j <= w_j <= hi_j}``: ``w = lo +
        (1 - sum lo) u`` with ``u`` uniform on the simplex, rejecting draws above an upper
        bound (exactly uniform on the bounded polytope).
    seed : int, Generator or None
        Seed for reproducibility.
    center : array_like (m,), optional
        Centre weights for ``"dirichlet"`` (normalised here).
    concentration : float
        Dirichlet concentration (> 0); larger is tighter around the centre.
    bounds : array_like (m, 2), optional
        ``(lo, hi)`` per criterion for ``"bounds"``, 0 <= lo <= hi <= 1.
    min_acceptance : float
        ``"bounds"`` gives up with UsageError when fewer than this share of draws is
        accepted (after 100,000 draws).

    Returns
    -------
    ndarray (n_samples, m), rows sum to 1.
    """
    if not isinstance(m, (int, np.integer)) or m < 1:
        raise UsageError(f"weight sampling: m={m!r} criteria; give at least 1")
    check_samples(n_samples, "weight sampling: n_samples")
    rng = _rng(seed)
    m, s = int(m), int(n_samples)
    if sampling == "uniform":
        e = rng.standard_exponential((s, m))
        return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=float)
    if sampling == "dirichlet":
        if center is None:
            raise UsageError("weight sampling: sampling='dirichlet' needs center= (the "
                             "scenario weights)")
        c = _check_weight_vector(center, m, "weight sampling center")
        if not math.isfinite(concentration) or concentration <= 0:
            raise UsageError(f"weight sampling: concentration={concentration}; give a "
                             "positive number (e.g. 50)")
        out = np.zeros((s, m))
        pos = c > 0
        if pos.sum() == 1:
            out[:, pos] = 1.0
        else:
            out[:, pos] = rng.dirichlet(concentration * c[pos], size=s)
        return out
    if sampling == "bounds":
        return _sample_bounded(m, s, rng, bounds, min_acceptance)
    raise UsageError(f"weight sampling: unknown sampling {sampling!r}; use 'uniform', "
                     "'dirichlet' or 'bounds'")


def _sample_bounded(m: int, s: int, rng: np.random.Generator, bounds: ArrayLike | None,
                    min_acceptance: float) -> FloatArray:
    if bounds is None:
        raise UsageError("weight sampling: sampling='bounds' needs bounds= [(lo, hi), ...] "
                         "per criterion")
    try:
        b = np.asarray(bounds, dtype=float)
    except (TypeError, ValueError):
        raise UsageError("weight sampling: bounds must be numbers (lo, hi) per "
                         "criterion") from None
    if b.shape != (m, 2):
        raise UsageError(f"weight sampling: bounds shape {b.shape}; give {m} (lo, hi) pairs")
    lo, hi = b[:, 0], b[:, 1]
    if not np.all(np.isfinite(b)) or np.any(lo < 0) or np.any(hi > 1) or np.any(lo > hi):
        raise UsageError("weight sampling: each bound needs 0 <= lo <= hi <= 1")
    if lo.sum() > 1 + 1e-12:
        raise UsageError(f"weight sampling: bounds cannot sum to 1 (lower bounds sum to "
                         f"{lo.sum():.4g} > 1); lower some lower bounds")
    if hi.sum() < 1 - 1e-12:
        raise UsageError(f"weight sampling: bounds cannot sum to 1 (upper bounds sum to "
                         f"{hi.sum():.4g} < 1); raise some upper bounds")
    slack = 1.0 - lo.sum()
    if slack <= 1e-12:
        return np.tile(lo / lo.sum(), (s, 1))
    cap = (hi - lo) / slack
    out = np.empty((s, m))
    got = drawn = 0
    block = max(10_000, 2 * s)
    while got < s:
        e = rng.standard_exponential((block, m))
        u = e / e.sum(axis=1, keepdims=True)
        acc = u[np.all(u <= cap, axis=1)]
        drawn += block
        take = min(acc.shape[0], s - got)
        out[got:got + take] = lo + slack * acc[:take]
        got += take
        rate = got / drawn
        if drawn >= 100_000 and rate < min_acceptance:
            raise UsageError(f"weight sampling: bounds accept only {rate:.2e} of uniform "
                             "weight draws (rejection sampling too slow); widen the bounds "
                             "or use sampling='dirichlet'")
        if got < s:
            need = (s - got) / max(rate, min_acceptance)
            block = int(min(max(10_000, 1.2 * need), 1_000_000))
    return out


def bounds_array(bounds: Mapping[str, Sequence[float]], criteria: Sequence[str]
                 ) -> tuple[FloatArray, dict[str, tuple[float, float]]]:
    """Criterion -> (lo, hi) weight shares as the ``(m, 2)`` array of :func:`sample_weights`.

    Criteria not named range over 0..1. Returns the array and the bounds actually used (for
    the report); an unknown criterion or a pair outside ``0 <= lo <= hi <= 1`` is a
    UsageError naming it.
    """
    unknown = [k for k in bounds if k not in criteria]
    if unknown:
        raise UsageError(f"bounds: unknown criterion {', '.join(map(repr, unknown))}; weighted "
                         f"criteria are {', '.join(criteria)}")
    arr = np.tile([0.0, 1.0], (len(criteria), 1))
    used: dict[str, tuple[float, float]] = {}
    for name, pair in bounds.items():
        try:
            lo, hi = (float(x) for x in pair)
        except (TypeError, ValueError):
            raise UsageError(f"bounds for {name!r}: give two numbers (lo, hi)") from None
        if not (0.0 <= lo <= hi <= 1.0):
            raise UsageError(f"bounds for {name!r}: {lo:g}..{hi:g}; give weight shares with "
                             "0 <= lo <= hi <= 1 (e.g. 0.1..0.3)")
        arr[list(criteria).index(name)] = (lo, hi)
        used[name] = (lo, hi)
    return arr, used
