"""Value functions: raw criterion values -> benefit-oriented scores in [0, 1].

Every function takes a 1-D array of raw values for one criterion (one value per
candidate site) and returns a float64 array of the same shape in which higher is
better and every finite result lies in ``[0, 1]``. ``NaN`` (a missing raw value)
is preserved: it stays ``NaN`` in the output and is ignored when the column
statistics (minimum, maximum, norm, farthest distance) are computed. Infinite
raw values are refused with :class:`~siteplan.errors.DataError`.

Two families of value functions are provided (Malczewski 1999, ch. 4;
Beinat 1997):

* *relative* functions, whose result depends on the whole column:
  :func:`minmax`, :func:`vector`, :func:`max_norm`, :func:`target`;
* *absolute* functions, fixed by the decision maker independently of the
  candidates: :func:`piecewise`, :func:`sigmoid`, :func:`saturating`.

Constant columns
----------------
A column whose non-missing values are all equal carries no information to
discriminate between sites. Every relative function maps such a column to
``1.0`` for every (non-missing) site, so that it neither rewards nor penalises
anyone and stays harmless under a weighted product. Absolute functions simply
apply their formula (a constant column then gives a constant score).

References
----------
.. [1] Hwang, C. L., & Yoon, K. (1981). *Multiple Attribute Decision Making:
   Methods and Applications*. Springer, pp. 28-31 (vector and linear scale
   transformations).
.. [2] Malczewski, J. (1999). *GIS and Multicriteria Decision Analysis*.
   Wiley, ch. 4 (standardisation and value functions).
.. [3] Beinat, E. (1997). *Value Functions for Environmental Management*.
   Kluwer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siteplan.errors import DataError, ScenarioError, UsageError
from siteplan.scenario import DIRECTIONS, NORMALIZERS, Scenario

__all__ = [
    "DIRECTIONS",
    "NORMALIZERS",
    "Direction",
    "max_norm",
    "minmax",
    "normalize",
    "piecewise",
    "saturating",
    "sigmoid",
    "target",
    "vector",
]

Direction = Literal["benefit", "cost"]
FloatArray = NDArray[np.float64]

# DIRECTIONS (valid criterion directions) and NORMALIZERS (names accepted by
# :func:`normalize` in ``spec["method"]``) are defined once, in siteplan.scenario.

# Keys each method accepts in a spec (besides "method").
_SPEC_KEYS: dict[str, tuple[str, ...]] = {
    "minmax": ("direction",),
    "vector": ("direction",),
    "max": ("direction",),
    "target": ("target",),
    "piecewise": ("points",),
    "sigmoid": ("midpoint", "scale", "direction"),
    "saturating": ("half", "direction"),
}


# ----------------------------------------------------------------------------- helpers


def _as_column(x: ArrayLike, name: str = "x") -> FloatArray:
    """Return ``x`` as a 1-D float64 array; refuse other shapes and infinities."""
    try:
        arr = np.array(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{name} must be a 1-D array of numbers ({exc})") from None
    if arr.ndim != 1:
        raise UsageError(f"{name} must be a 1-D array (one value per site), got shape {arr.shape}")
    if np.isinf(arr).any():
        raise DataError(f"{name} contains infinite values; replace them with finite numbers or NaN")
    return arr


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise UsageError(f"direction must be 'benefit' or 'cost', got {direction!r}")


def _finite_number(value: Any, what: str) -> float:
    """``value`` as a finite float, else :class:`UsageError` naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise UsageError(f"{what} must be a number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise UsageError(f"{what} must be a finite number, got {value!r}")
    return out


def _constant(x: FloatArray, valid: NDArray[np.bool_]) -> FloatArray:
    """Constant-column convention: every non-missing site gets 1.0."""
    return np.where(valid, 1.0, np.nan)


# ----------------------------------------------------------------------------- methods


def minmax(x: ArrayLike, direction: Direction = "benefit") -> FloatArray:
    r"""Linear min-max (interval) scaling.

    .. math::

        v_i = \frac{x_i - \min_k x_k}{\max_k x_k - \min_k x_k} \quad\text{(benefit)},
        \qquad
        v_i = \frac{\max_k x_k - x_i}{\max_k x_k - \min_k x_k} \quad\text{(cost)}.

    The best site gets 1 and the worst 0 (Hwang & Yoon 1981, p. 31; Malczewski
    1999, eq. 4.2-4.3).

    Parameters
    ----------
    x : array_like, shape (n,)
        Raw criterion values, any unit. ``NaN`` marks a missing value.
    direction : {"benefit", "cost"}
        ``"benefit"`` when more is better, ``"cost"`` when less is better.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Scores in ``[0, 1]`` (dimensionless); ``NaN`` where ``x`` is ``NaN``. A
        constant column gives 1.0 everywhere.

    References
    ----------
    Hwang, C. L., & Yoon, K. (1981). *Multiple Attribute Decision Making*,
    Springer, p. 31. Malczewski, J. (1999). *GIS and Multicriteria Decision
    Analysis*, Wiley, p. 117.
    """
    arr = _as_column(x)
    _check_direction(direction)
    valid = ~np.isnan(arr)
    if not valid.any():
        return arr.copy()
    lo = float(np.nanmin(arr))
    hi = float(np.nanmax(arr))
    if hi == lo:
        return _constant(arr, valid)
    span = hi - lo
    out = (arr - lo) / span if direction == "benefit" else (hi - arr) / span
    return np.clip(out, 0.0, 1.0)


def vector(x: ArrayLike, direction: Direction = "benefit") -> FloatArray:
    r"""Vector (Euclidean) normalisation, as in TOPSIS.

    .. math::

        r_i = \frac{x_i}{\sqrt{\sum_k x_k^2}}, \qquad
        v_i = r_i \quad\text{(benefit)}, \qquad v_i = 1 - r_i \quad\text{(cost)}.

    The benefit form is the ratio scale of Hwang & Yoon (1981, p. 130). There
    is no ratio-preserving cost form: the cost form used here, ``1 - r``, is the
    usual complement (also used by pymcdm); it keeps scores in ``[0, 1]`` and
    reverses the order, but it is an interval, not a ratio, transformation.
    Values must be non-negative. Note that benefit scores are not stretched to
    reach 1: the best site gets ``max(x) / ||x||``.

    Parameters
    ----------
    x : array_like, shape (n,)
        Raw, non-negative criterion values. ``NaN`` marks a missing value and is
        left out of the norm.
    direction : {"benefit", "cost"}
        ``"benefit"`` when more is better, ``"cost"`` when less is better.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Scores in ``[0, 1]``; ``NaN`` where ``x`` is ``NaN``. A constant column
        (including all zeros) gives 1.0 everywhere.

    Raises
    ------
    DataError
        If a value is negative.

    References
    ----------
    Hwang, C. L., & Yoon, K. (1981). *Multiple Attribute Decision Making*,
    Springer, p. 130, eq. (1.3).
    """
    arr = _as_column(x)
    _check_direction(direction)
    valid = ~np.isnan(arr)
    if not valid.any():
        return arr.copy()
    if (arr[valid] < 0).any():
        raise DataError(
            "vector normalisation needs non-negative values; use method 'minmax' "
            "for criteria that can be negative"
        )
    if float(np.nanmin(arr)) == float(np.nanmax(arr)):
        return _constant(arr, valid)
    # Scale by the maximum first: the norm of tiny or huge values neither
    # underflows nor overflows, and x / ||x|| is unchanged.
    scaled = arr / float(np.nanmax(arr))
    r = scaled / float(np.sqrt(np.nansum(scaled * scaled)))
    out = r if direction == "benefit" else 1.0 - r
    return np.clip(out, 0.0, 1.0)


def max_norm(x: ArrayLike, direction: Direction = "benefit") -> FloatArray:
    r"""Linear scale transformation of Hwang & Yoon (1981) ("max" method).

    .. math::

        v_i = \frac{x_i}{\max_k x_k} \quad\text{(benefit)}, \qquad
        v_i = \frac{\min_k x_k}{x_i} \quad\text{(cost)}.

    Both forms give the best site 1 and keep ratios (a site twice as good as
    another on a benefit criterion scores twice as high). Values must be
    non-negative. For a cost criterion a value of 0 is the best possible: it
    scores 1 and every positive value scores ``0 / x = 0``.

    Parameters
    ----------
    x : array_like, shape (n,)
        Raw, non-negative criterion values (ratio scale). ``NaN`` marks a
        missing value.
    direction : {"benefit", "cost"}
        ``"benefit"`` when more is better, ``"cost"`` when less is better.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Scores in ``[0, 1]``; ``NaN`` where ``x`` is ``NaN``. A constant column
        (including all zeros) gives 1.0 everywhere.

    Raises
    ------
    DataError
        If a value is negative.

    References
    ----------
    Hwang, C. L., & Yoon, K. (1981). *Multiple Attribute Decision Making*,
    Springer, p. 29-30 ("linear scale transformation").
    """
    arr = _as_column(x)
    _check_direction(direction)
    valid = ~np.isnan(arr)
    if not valid.any():
        return arr.copy()
    if (arr[valid] < 0).any():
        raise DataError(
            "max normalisation needs non-negative (ratio-scale) values; use method "
            "'minmax' for criteria that can be negative"
        )
    lo = float(np.nanmin(arr))
    hi = float(np.nanmax(arr))
    if hi == lo:
        return _constant(arr, valid)
    if direction == "benefit":
        out = arr / hi
    else:
        # hi > lo >= 0, so only zeros can make the division undefined; a zero cost
        # is then the minimum (lo == 0) and is the best value: score 1.
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(arr == 0.0, 1.0, lo / arr)
        out = np.where(valid, out, np.nan)
    return np.clip(out, 0.0, 1.0)


def target(x: ArrayLike, target: float) -> FloatArray:
    r"""Ideal-point (target) value function.

    .. math::

        v_i = 1 - \frac{|x_i - t|}{\max_k |x_k - t|}

    A site exactly at the target ``t`` scores 1, the site farthest from it
    scores 0, linearly in between (Malczewski 1999, ideal-point
    standardisation; Hwang & Yoon 1981, p. 31, for the "farthest = 0" scaling).
    When every site sits at the same distance from ``t`` (in particular a
    constant column) every site scores 1.0.

    Parameters
    ----------
    x : array_like, shape (n,)
        Raw criterion values. ``NaN`` marks a missing value.
    target : float
        The ideal value ``t``, in the unit of ``x``.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Scores in ``[0, 1]``; ``NaN`` where ``x`` is ``NaN``.

    References
    ----------
    Malczewski, J. (1999). *GIS and Multicriteria Decision Analysis*, Wiley,
    section 4.3.
    """
    arr = _as_column(x)
    t = _finite_number(target, "target")
    valid = ~np.isnan(arr)
    if not valid.any():
        return arr.copy()
    dist = np.abs(arr - t)
    far = float(np.nanmax(dist))
    if far == 0.0 or float(np.nanmin(dist)) == far:
        return _constant(arr, valid)
    return np.clip(1.0 - dist / far, 0.0, 1.0)


def _check_points(points: Any) -> tuple[FloatArray, FloatArray]:
    """Validate a piecewise-linear table and return its x and y columns."""
    if isinstance(points, (str, bytes)) or not isinstance(points, (Sequence, np.ndarray)):
        raise UsageError("piecewise points must be a list of [x, y] pairs, e.g. [[0, 0], [50, 1]]")
    try:
        table = np.array(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise UsageError(
            "piecewise points must be a list of [x, y] number pairs, e.g. [[0, 0], [50, 1]]"
        ) from None
    if table.ndim != 2 or table.shape[1] != 2 or table.shape[0] < 2:
        raise UsageError(
            "piecewise points must hold at least two [x, y] pairs, e.g. [[0, 0], [50, 1]]"
        )
    if not np.isfinite(table).all():
        raise UsageError("piecewise points must be finite numbers")
    xs, ys = table[:, 0], table[:, 1]
    if (np.diff(xs) <= 0).any():
        raise UsageError(
            "piecewise points must have strictly increasing x values; sort the table by x"
        )
    if ((ys < 0) | (ys > 1)).any():
        raise UsageError("piecewise points must have y values in [0, 1]")
    return xs, ys


def piecewise(x: ArrayLike, points: Sequence[Sequence[float]] | ArrayLike) -> FloatArray:
    r"""Piecewise-linear value function from a table of breakpoints.

    For breakpoints :math:`(x_0, y_0), \dots, (x_K, y_K)` with
    :math:`x_0 < x_1 < \dots < x_K` and :math:`y_k \in [0, 1]`:

    .. math::

        v(x) = y_{k} + (y_{k+1} - y_k)\frac{x - x_k}{x_{k+1} - x_k}
        \quad\text{for } x_k \le x \le x_{k+1},

    clamped outside the table: :math:`v(x) = y_0` for :math:`x < x_0` and
    :math:`v(x) = y_K` for :math:`x > x_K`. The table itself says which values
    are good, so there is no ``direction`` (a decreasing table is a cost
    criterion). This is an absolute value function (Beinat 1997): a site's
    score does not depend on the other sites.

    Parameters
    ----------
    x : array_like, shape (n,)
        Raw criterion values. ``NaN`` marks a missing value.
    points : sequence of (x, y) pairs
        At least two breakpoints, x strictly increasing, y in ``[0, 1]``.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Scores in ``[0, 1]``; ``NaN`` where ``x`` is ``NaN``.

    References
    ----------
    Beinat, E. (1997). *Value Functions for Environmental Management*, Kluwer,
    ch. 3. Malczewski, J. (1999). *GIS and Multicriteria Decision Analysis*,
    Wiley, section 4.3 (value/utility function approaches).
    """
    arr = _as_column(x)
    xs, ys = _check_points(points)
    valid = ~np.isnan(arr)
    out = np.full(arr.shape, np.nan)
    out[valid] = np.interp(arr[valid], xs, ys)  # np.interp clamps to y0 / yK outside
    return out


def sigmoid(
    x: ArrayLike, midpoint: float, scale: float, direction: Direction = "benefit"
) -> FloatArray:
    r"""Logistic (sigmoid) value function.

    .. math::

        v(x) = \frac{1}{1 + \exp\!\left(-\frac{x - m}{s}\right)} \quad\text{(benefit)},
        \qquad
        v(x) = \frac{1}{1 + \exp\!\left(\frac{x - m}{s}\right)} \quad\text{(cost)},

    with midpoint ``m`` (where ``v = 0.5``) and scale ``s > 0`` (``v`` goes from
    about 0.27 to 0.73 over ``m - s .. m + s``). Computed as
    ``0.5 * (1 + tanh(z / 2))``, which cannot overflow. An absolute value
    function: a site's score does not depend on the other sites.

    Parameters
    ----------
    x : array_like, shape (n,)
        Raw criterion values. ``NaN`` marks a missing value.
    midpoint : float
        Value of ``x`` scoring 0.5, in the unit of ``x``.
    scale : float
        Positive spread, in the unit of ``x``.
    direction : {"benefit", "cost"}
        ``"benefit"``: increasing function; ``"cost"``: decreasing function.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Scores in ``[0, 1]``; ``NaN`` where ``x`` is ``NaN``.

    References
    ----------
    Beinat, E. (1997). *Value Functions for Environmental Management*, Kluwer,
    ch. 3 (S-shaped value functions).
    """
    arr = _as_column(x)
    m = _finite_number(midpoint, "sigmoid midpoint")
    s = _finite_number(scale, "sigmoid scale")
    if s <= 0:
        raise UsageError(f"sigmoid scale must be positive, got {scale!r}")
    _check_direction(direction)
    with np.errstate(over="ignore"):  # z = +/-inf is fine: tanh saturates to +/-1
        z = (arr - m) / s
    if direction == "cost":
        z = -z
    return np.clip(0.5 * (1.0 + np.tanh(0.5 * z)), 0.0, 1.0)


def saturating(x: ArrayLike, half: float, direction: Direction = "benefit") -> FloatArray:
    r"""Saturating (hyperbolic) value function for quantities with diminishing returns.

    .. math::

        v(x) = \frac{x}{x + h} \quad\text{(benefit)}, \qquad
        v(x) = \frac{h}{x + h} \quad\text{(cost)}, \qquad x \ge 0,

    with the anchor ``h > 0``, the value of ``x`` that scores 0.5 (``3 h`` scores 0.75,
    ``9 h`` scores 0.9). Negative values count as 0. Suited to stocks such as a talent
    pool or a labour pool: the first thousands of graduates matter more than the next.
    An absolute value function: a site's score does not depend on the other sites.

    Parameters
    ----------
    x : array_like, shape (n,)
        Raw criterion values. ``NaN`` marks a missing value.
    half : float
        Positive anchor, in the unit of ``x``: the value scoring 0.5.
    direction : {"benefit", "cost"}
        ``"benefit"``: increasing function; ``"cost"``: decreasing function.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Scores in ``[0, 1]``; ``NaN`` where ``x`` is ``NaN``.

    References
    ----------
    Beinat, E. (1997). *Value Functions for Environmental Management*, Kluwer, ch. 3
    (concave value functions for quantities with diminishing marginal value).
    """
    arr = _as_column(x)
    h = _finite_number(half, "saturating half")
    if h <= 0:
        raise UsageError(f"saturating half must be positive, got {half!r}")
    _check_direction(direction)
    pos = np.maximum(arr, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        v = np.where(np.isinf(pos), 1.0, pos / (pos + h))
    v = np.where(np.isnan(arr), np.nan, v)
    return np.clip(1.0 - v if direction == "cost" else v, 0.0, 1.0)


# ----------------------------------------------------------------------------- dispatcher


def normalize(x: ArrayLike, spec: Mapping[str, Any]) -> FloatArray:
    """Apply the value function described by ``spec`` to one criterion.

    Parameters
    ----------
    x : array_like, shape (n,)
        Raw criterion values (``NaN`` = missing).
    spec : mapping
        ``{"method": name, ...}`` with ``name`` one of :data:`NORMALIZERS` and
        the method's parameters:

        * ``{"method": "minmax" | "vector" | "max", "direction": "benefit" | "cost"}``
          (``direction`` defaults to ``"benefit"``);
        * ``{"method": "target", "target": 10}``;
        * ``{"method": "piecewise", "points": [[0, 0], [50, 1]]}``;
        * ``{"method": "sigmoid", "midpoint": 30, "scale": 10, "direction": ...}``;
        * ``{"method": "saturating", "half": 20000, "direction": ...}``.

        ``target`` and ``piecewise`` take no ``direction``: the target or the
        table already says which values are good.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Benefit-oriented scores in ``[0, 1]``, ``NaN`` preserved.

    Raises
    ------
    UsageError
        Unknown method, missing or unknown keys, bad parameter values.
    """
    if not isinstance(spec, Mapping):
        raise UsageError(
            f"normalisation spec must be a mapping like {{'method': 'minmax'}}, got {spec!r}"
        )
    if "method" not in spec:
        raise UsageError(
            "normalisation spec has no 'method'; give one of " + ", ".join(NORMALIZERS)
        )
    method = spec["method"]
    if method not in _SPEC_KEYS:
        raise UsageError(
            f"unknown normalisation method {method!r}; valid methods: " + ", ".join(NORMALIZERS)
        )
    allowed = _SPEC_KEYS[method]
    extra = sorted(str(k) for k in spec if k != "method" and k not in allowed)
    if extra:
        hint = ", ".join(allowed) if allowed else "nothing else"
        raise UsageError(
            f"normalisation method {method!r} does not take {', '.join(extra)}; it takes: {hint}"
        )
    direction = spec.get("direction", "benefit")
    if "direction" in allowed:
        _check_direction(direction)

    def need(key: str) -> Any:
        if key not in spec:
            raise UsageError(f"normalisation method {method!r} needs {key!r}")
        return spec[key]

    if method == "minmax":
        return minmax(x, direction)
    if method == "vector":
        return vector(x, direction)
    if method == "max":
        return max_norm(x, direction)
    if method == "target":
        return target(x, need("target"))
    if method == "piecewise":
        return piecewise(x, need("points"))
    if method == "saturating":
        return saturating(x, need("half"), direction)
    return sigmoid(x, need("midpoint"), need("scale"), direction)


def check_value_functions(scenario: Scenario) -> None:
    """Try every criterion's value function on one value before any work, so that a bad
    ``normalize`` table names the scenario file and the criterion (it would otherwise
    surface after the criteria are computed, naming neither)."""
    for c in scenario.criteria:
        try:
            normalize(np.array([0.0]), c.value_function())
        except UsageError as exc:
            where = scenario.source or f"scenario '{scenario.name}'"
            raise ScenarioError(f"{where}: criterion '{c.name}'.normalize: {exc}"
                                ) from None
