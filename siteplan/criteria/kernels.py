"""Criterion kernels: pure, vectorised functions over coordinate arrays.

Every kernel takes the sites as two arrays ``site_lon``, ``site_lat`` (degrees, length
``n``) and a feature set (length ``m``) and returns a float64 array of length ``n``
(:func:`containing_zone` returns zone indexes). Sites are processed in chunks of
``chunk_size`` rows; a chunk's dense ``(rows, m)`` block is cache-sized by default
(16 k elements, far below 64 MB) and chunks run on ``workers`` threads (numpy
releases the GIL), each writing its own slice of the output, so the results do not
depend on chunking or threading. A site's value depends only on that site and the
features: scoring a point as a candidate or as an H3 cell gives the same number.

Distances are WGS84 geodesic kilometres from :mod:`siteplan.criteria.geodesy` (Andoyer-Lambert,
~1e-6 relative error over Morocco). Kernels with a finite support (``cutoff`` decay,
2SFCA catchments, radius counts) only evaluate the pairs that a chord screen proves
may lie within the radius, using ``b * sigma <= geodesic``. Before that screen, and in
:func:`nearest_distance`, a block of sites sets aside the features that no site of the
block can reach (or have as its nearest), from the block's bounding spherical cap and
the triangle inequality: spatially compact inputs such as H3 cells (sorted by index)
then screen only the features around each block. This changes no result bit.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siteplan.criteria import geodesy
from siteplan.errors import DataError, UsageError

__all__ = [
    "DECAYS",
    "FCA_DECAYS",
    "containing_zone",
    "gravity",
    "nearest_distance",
    "two_step_fca",
    "within_radius",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

DECAYS: tuple[str, ...] = ("exponential", "power", "gaussian", "cutoff")
"""Distance-decay functions accepted by :func:`gravity`."""
FCA_DECAYS: tuple[str, ...] = ("cutoff", "gaussian")
"""Catchment weightings accepted by :func:`two_step_fca`."""

_MAX_BLOCK_BYTES = 64 * 2**20
GRAVITY_NEGLIGIBLE: float = 1e-12
"""Relative tolerance of :func:`gravity` with ``exponential`` and ``gaussian`` decays:
features whose terms add up to at most this fraction of a site's total are skipped."""
# Default block sizes (elements of one (rows, m) block). The screens of the radius and
# nearest kernels do a few cheap passes per block, so a block must be large enough to
# amortise numpy's per-call overhead (with 75 features, 16 k elements meant ~200 rows
# and thousands of Python-level iterations); the Lambert block of the smooth gravity
# decays does ~30 passes and is kept nearer the L2 size.
_SCREEN_BLOCK_ELEMENTS = 1 << 18
# ... but at most this many sites per block: the screens first set aside the features
# that are out of reach of the block's bounding cap, which needs compact blocks
_SCREEN_BLOCK_ROWS = 4096
_DENSE_BLOCK_ELEMENTS = 1 << 16
# Above this many features the chord screen of radius queries uses a KD-tree per chunk
# instead of a dense Gram block.
_DENSE_SCREEN_MAX = 4096
# containing_zone: below this many sites every site is tested directly; above, a grid of
# at most this many cells over the sites settles whole cells inside a single zone;
# boundary cells with more than _ZONE_GRID_SPLIT sites are split, up to _ZONE_GRID_LEVELS.
_ZONE_GRID_MIN = 5000
_ZONE_GRID_CELLS = 16384
_ZONE_GRID_LEVELS = 2
_ZONE_GRID_SPLIT = 64
_ZONE_GRID_FACTOR = 2
# from this many outside sites, the nearest zone is found through its ring segments
_NEAREST_SEGMENTS_MIN = 512


# --------------------------------------------------------------------------- helpers


def _coords(lon: ArrayLike, lat: ArrayLike, what: str) -> FloatArray:
    return geodesy._points(lon, lat, what)


def _weights(values: ArrayLike | float, m: int, what: str, *, nonneg: bool = True) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what}: expected numbers; convert the column to float") from exc
    if arr.ndim == 0:
        arr = np.full(m, float(arr))
    arr = arr.ravel()
    if arr.size != m:
        raise UsageError(f"{what}: {arr.size} values for {m} points; pass one value per point")
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{what}: missing or non-finite value; fill or drop those rows")
    if nonneg and arr.size and arr.min() < 0.0:
        raise DataError(f"{what}: negative value; weights must be >= 0")
    return arr


def _positive(x: float, what: str) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{what}: expected a positive number of km, got {x!r}") from exc
    if not np.isfinite(v) or v <= 0.0:
        raise UsageError(f"{what}: must be a finite number > 0, got {x!r}")
    return v


def _rows(m: int, chunk_size: int | None, elements: int = _SCREEN_BLOCK_ELEMENTS) -> int:
    if chunk_size is None:
        rows = geodesy._chunk_rows(m, elements)
        return min(rows, _SCREEN_BLOCK_ROWS) if elements == _SCREEN_BLOCK_ELEMENTS else rows
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)):
        raise UsageError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if chunk_size < 1:
        raise UsageError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if chunk_size * max(m, 1) * 8 > _MAX_BLOCK_BYTES:
        return max(1, _MAX_BLOCK_BYTES // (8 * max(m, 1)))
    return int(chunk_size)


def _workers(workers: int | None) -> int:
    if workers is None:
        return os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise UsageError(f"workers must be a positive integer or None, got {workers!r}")
    return int(workers)


def _run_chunks(n: int, rows: int, workers: int, fn: Callable[[int, int], None]) -> None:
    """Call ``fn(start, stop)`` over consecutive row ranges, on up to ``workers`` threads."""
    starts = range(0, n, rows)
    if workers <= 1 or n <= rows:
        for s in starts:
            fn(s, min(n, s + rows))
        return
    # a few large tasks per thread, each looping over cache-sized chunks
    n_tasks = min(len(starts), workers * 4)
    bounds = np.linspace(0, len(starts), n_tasks + 1).astype(int)

    def task(t: int) -> None:
        for c in range(bounds[t], bounds[t + 1]):
            s = starts[c]
            fn(s, min(n, s + rows))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(task, range(n_tasks)))


def _nonzero2d(mask: NDArray[np.bool_]) -> tuple[IntArray, IntArray]:
    """``np.nonzero`` of a C-contiguous 2-D mask, row-major (flat form is ~7x faster)."""
    flat = np.flatnonzero(mask)
    ii, jj = np.divmod(flat, mask.shape[1])
    return ii.astype(np.intp, copy=False), jj.astype(np.intp, copy=False)


def _screen_h2(radius_km: float) -> float:
    """sin^2(sigma/2) above which a pair is certainly farther than ``radius_km``."""
    sig = min(np.pi, radius_km / geodesy.WGS84_B_KM * (1.0 + geodesy._REL_MARGIN))
    return float(np.sin(sig / 2.0) ** 2) + 1e-14


def _block_cap(u: FloatArray) -> tuple[FloatArray, float] | None:
    """Centre (unit vector) and angular radius (rad) of a spherical cap holding ``u``.

    ``None`` when the block is empty or its points have no meaningful mean direction.
    The radius is rounded up by 1e-7 rad (0.6 m) so that it bounds the computed
    angles, not only the exact ones.
    """
    if u.shape[0] == 0:
        return None
    c = u.sum(axis=0)
    norm = float(np.sqrt(c @ c))
    if norm < 1e-6 * u.shape[0]:
        return None
    c /= norm
    r = float(np.arccos(np.clip((u @ c).min(), -1.0, 1.0))) + 1e-7
    return c, r


def _cap_angles(u: FloatArray, c: FloatArray) -> FloatArray:
    """Central angles (rad) from the cap centre ``c`` to every row of ``u``."""
    return np.arccos(np.clip(u @ c, -1.0, 1.0))


def _pairs_in_chunk(
    ua: FloatArray, b: geodesy._Side, radius_km: float, tree: Any
) -> tuple[IntArray, IntArray, FloatArray]:
    """Pairs (local row, feature, km) with geodesic distance <= radius_km.

    A block of sites first sets aside the features farther than the screening angle
    from its whole bounding cap (``theta_j - r`` above it: by the triangle inequality
    no site of the block can reach them), so a spatially compact block screens only
    the few features around it. The pairs found, their order and their distances are
    the same as without this step.
    """
    if tree is None:
        screen = _screen_h2(radius_km)
        sel: IntArray | None = None
        bs = b
        cap = _block_cap(ua) if b.u.shape[0] > 1 else None
        if cap is not None:
            sig = 2.0 * np.arcsin(np.sqrt(min(screen, 1.0)))
            sel = np.flatnonzero(_cap_angles(b.u, cap[0]) - cap[1] <= sig + 1e-9)
            if sel.size == b.u.shape[0]:
                sel = None
            elif sel.size == 0:
                none = np.empty(0, dtype=np.intp)
                return none, none.copy(), np.empty(0, dtype=np.float64)
            else:
                bs = geodesy._Side(np.ascontiguousarray(b.u[sel]))
        h2 = ua @ bs.uT_half
        h2 += 0.5
        ii, jj = _nonzero2d(h2 <= screen)
        if sel is not None:
            jj = sel[jj]
    else:
        from scipy.spatial import cKDTree

        chord = 2.0 * np.sqrt(_screen_h2(radius_km))
        sm = cKDTree(ua).sparse_distance_matrix(tree, chord, output_type="ndarray")
        ii = np.asarray(sm["i"], dtype=np.intp)
        jj = np.asarray(sm["j"], dtype=np.intp)
    if ii.size == 0:
        return ii, jj, np.empty(0, dtype=np.float64)
    d = geodesy._dist_from_units(ua[ii], b.u[jj])
    keep = d <= radius_km
    return ii[keep], jj[keep], d[keep]


def _sparse_reduce(
    ua: FloatArray,
    b: geodesy._Side,
    radius_km: float,
    rows: int,
    workers: int,
    reducer: Callable[[int, int, IntArray, IntArray, FloatArray], FloatArray],
) -> FloatArray:
    """``out[start:stop] = reducer(start, stop, i_local, j, d)`` over chunks of pairs."""
    n = ua.shape[0]
    out = np.zeros(n, dtype=np.float64)
    if n == 0 or b.u.shape[0] == 0:
        return out
    tree = None
    if b.u.shape[0] > _DENSE_SCREEN_MAX:
        from scipy.spatial import cKDTree

        tree = cKDTree(b.u)
        rows = max(rows, 65536)

    def fn(start: int, stop: int) -> None:
        ii, jj, d = _pairs_in_chunk(ua[start:stop], b, radius_km, tree)
        out[start:stop] = reducer(start, stop, ii, jj, d)

    _run_chunks(n, rows, workers, fn)
    return out


# --------------------------------------------------------------------------- kernels


def nearest_distance(
    site_lon: ArrayLike,
    site_lat: ArrayLike,
    feat_lon: ArrayLike,
    feat_lat: ArrayLike,
    *,
    chunk_size: int | None = None,
    workers: int | None = None,
) -> FloatArray:
    """Geodesic distance (km) from every site to its nearest feature.

    Exact: a dense chord block keeps, for every site, the features whose central angle
    is within ``a / b`` of the smallest one (since ``b sigma <= geodesic <= a sigma`` no
    other can be nearest) and takes the minimum geodesic over them. Features that are
    farther from the block's bounding cap than ``a / b`` times the largest possible
    nearest angle in the cap are set aside first. Above 4,096
    features it uses :func:`siteplan.criteria.geodesy.nearest_km` (KD-tree) instead.

    Parameters
    ----------
    site_lon, site_lat : array_like, shape (n,)
        Sites, degrees.
    feat_lon, feat_lat : array_like, shape (m,)
        Features, degrees; ``m >= 1``.
    chunk_size : int, optional
        Sites per chunk (default: a cache-sized block).
    workers : int, optional
        Threads (default: all cores).

    Returns
    -------
    ndarray of float64, shape (n,)
        Distance in km.

    Raises
    ------
    DataError
        If the feature set is empty.
    """
    if np.size(feat_lon) == 0:
        raise DataError(
            "nearest_distance: the feature layer has no points; add features to the layer "
            "or drop the criterion from the scenario"
        )
    ua = _coords(site_lon, site_lat, "sites")
    ub = _coords(feat_lon, feat_lat, "features")
    n, m = ua.shape[0], ub.shape[0]
    nw = _workers(workers)
    out = np.empty(n, dtype=np.float64)
    if m > _DENSE_SCREEN_MAX:
        rows = 65536 if chunk_size is None else int(chunk_size)
        for start in range(0, n, max(1, rows)):
            stop = min(n, start + rows)
            out[start:stop] = geodesy._nearest_units(ua[start:stop], ub, 1, nw)[0][:, 0]
        return out
    b = geodesy._Side(ub)
    # geodesic in [b sigma, a sigma]: only features whose angle is within a / b of the
    # smallest angle can be the nearest
    ratio = geodesy.WGS84_A_KM / geodesy.WGS84_B_KM * (1.0 + geodesy._REL_MARGIN)

    def fn(start: int, stop: int) -> None:
        u = ua[start:stop]
        bs = b
        cap = _block_cap(u) if m > 1 else None
        if cap is not None:
            # a feature beyond ratio x (the farthest any site of the block can be from
            # its nearest feature) is nobody's nearest: set it aside for this block
            theta = _cap_angles(b.u, cap[0])
            sel = np.flatnonzero(theta - cap[1] <= ratio * float((theta + cap[1]).min()) + 1e-9)
            if sel.size < m:
                bs = geodesy._Side(np.ascontiguousarray(b.u[sel]))
        h2 = u @ bs.uT_half
        h2 += 0.5
        hmin = np.clip(h2.min(axis=1), 0.0, 1.0)
        sig_lim = np.minimum(np.pi, 2.0 * np.arcsin(np.sqrt(hmin)) * ratio)
        lim = np.sin(sig_lim / 2.0) ** 2 + 1e-14
        ii, jj = _nonzero2d(h2 <= lim[:, None])
        d = geodesy._dist_from_units(u[ii], bs.u[jj])
        first = np.concatenate(([0], np.flatnonzero(np.diff(ii)) + 1))
        out[start:stop] = np.minimum.reduceat(d, first)

    _run_chunks(n, _rows(m, chunk_size), nw, fn)
    return out


def _decay_inplace(d: FloatArray, decay: str, scale: float, exponent: float) -> FloatArray:
    if decay == "exponential":
        d *= -1.0 / scale
        np.exp(d, out=d)
    elif decay == "gaussian":
        d *= 1.0 / scale
        np.square(d, out=d)
        d *= -0.5
        np.exp(d, out=d)
    else:  # power
        d *= 1.0 / scale
        d += 1.0
        np.power(d, -exponent, out=d)
    return d


def gravity(
    site_lon: ArrayLike,
    site_lat: ArrayLike,
    feat_lon: ArrayLike,
    feat_lat: ArrayLike,
    mass: ArrayLike | float,
    decay: str,
    scale_km: float,
    exponent: float | None = None,
    *,
    chunk_size: int | None = None,
    workers: int | None = None,
) -> FloatArray:
    """Gravity (potential) accessibility ``G_i = sum_j mass_j * f(d_ij)``.

    Decay functions ``f`` of the geodesic distance ``d`` (km) with scale ``s = scale_km``:

    * ``"exponential"``: ``exp(-d / s)``;
    * ``"power"``: ``(1 + d / s) ** (-exponent)``, a shifted power law: it equals 1 at
      ``d = 0`` instead of the singular ``d ** -exponent`` of the classic Hansen (1959)
      potential, and behaves as ``(d / s) ** -exponent`` for ``d >> s``;
    * ``"gaussian"``: ``exp(-0.5 (d / s) ** 2)``;
    * ``"cutoff"``: ``1`` if ``d <= s`` else ``0`` (the sum of masses within ``s``).

    Tolerance: with ``"exponential"`` and ``"gaussian"``, a block of sites skips the
    features whose terms are provably negligible there (at most
    :data:`GRAVITY_NEGLIGIBLE` ``= 1e-12`` of every site's total, all skipped terms
    together; e.g. beyond ~28 scales for exponential decay). Results therefore equal the
    dense sum, and do not depend on chunking, within ``1e-12`` relative; the other decays
    are bitwise independent of chunking.

    Parameters
    ----------
    site_lon, site_lat : array_like, shape (n,)
        Sites, degrees.
    feat_lon, feat_lat : array_like, shape (m,)
        Features, degrees. An empty set gives zeros.
    mass : array_like, shape (m,) or (m, k), or float
        Feature masses (>= 0, e.g. students); a scalar applies to every feature. With
        ``k`` columns (several masses of the same features, e.g. graduates and working-age
        population) the distances and decays are computed once and ``k`` sums returned;
        each column equals the one-column result bitwise.
    decay : str
        One of :data:`DECAYS`.
    scale_km : float
        Decay scale in km, > 0.
    exponent : float, optional
        Power-law exponent (> 0); required by, and only allowed with, ``"power"``.
    chunk_size, workers : int, optional
        Sites per chunk and threads (see the module docstring).

    Returns
    -------
    ndarray of float64, shape (n,) or (n, k)
        In units of ``mass``.
    """
    if decay not in DECAYS:
        raise UsageError(f"gravity: unknown decay {decay!r}; use one of {', '.join(DECAYS)}")
    if np.ndim(mass) == 2:
        return _gravity_columns(site_lon, site_lat, feat_lon, feat_lat, mass, decay,
                                scale_km, exponent, chunk_size=chunk_size, workers=workers)
    scale = _positive(scale_km, "gravity scale_km")
    if decay == "power":
        if exponent is None:
            raise UsageError("gravity: decay 'power' needs an exponent > 0; set exponent")
        expo = _positive(exponent, "gravity exponent")
    elif exponent is not None:
        raise UsageError(f"gravity: exponent only applies to decay 'power', not {decay!r}")
    else:
        expo = 0.0
    ua = _coords(site_lon, site_lat, "sites")
    ub = _coords(feat_lon, feat_lat, "features")
    w = _weights(mass, ub.shape[0], "gravity mass")
    n, m = ua.shape[0], ub.shape[0]
    if n == 0 or m == 0:
        return np.zeros(n, dtype=np.float64)
    b = geodesy._Side(ub)
    nw = _workers(workers)
    if decay == "cutoff":
        rows = _rows(m, chunk_size)

        def red(start: int, stop: int, ii: IntArray, jj: IntArray, d: FloatArray) -> FloatArray:
            return np.bincount(ii, weights=w[jj], minlength=stop - start).astype(np.float64)

        return _sparse_reduce(ua, b, scale, rows, nw, red)

    out = np.empty(n, dtype=np.float64)
    rows = _rows(m, chunk_size, _DENSE_BLOCK_ELEMENTS)
    if decay == "power":

        def fn(start: int, stop: int) -> None:
            d = geodesy._dense_block(ua[start:stop], b)
            _decay_inplace(d, decay, scale, expo)
            d *= w
            out[start:stop] = d.sum(axis=1)

        _run_chunks(n, rows, nw, fn)
        return out

    prune = m > 1
    local = threading.local()

    def fn_smooth(start: int, stop: int) -> None:
        u = ua[start:stop]
        keep: NDArray[np.bool_] | None = None
        sig_lo = 0.0
        if prune:
            keep, sig_lo = _gravity_prune(u, b, w, decay, scale)
        if keep is None:
            bk, wk = b, w
        else:
            bk, wk = geodesy._Side(ub[keep]), w[keep]
        ws = getattr(local, "ws", None)
        if ws is None:
            ws = local.ws = np.empty((5, rows * m), dtype=np.float64)
        _smooth_gravity_block(u, bk, wk, decay, scale, sig_lo, ws, out[start:stop])

    _run_chunks(n, rows, nw, fn_smooth)
    return out


def _gravity_columns(
    site_lon: ArrayLike, site_lat: ArrayLike, feat_lon: ArrayLike, feat_lat: ArrayLike,
    mass: ArrayLike, decay: str, scale_km: float, exponent: float | None, *,
    chunk_size: int | None, workers: int | None,
) -> FloatArray:
    """:func:`gravity` for a mass matrix (m, k): one distance and decay pass, k sums.

    For the smooth decays a block keeps a feature when any column needs it (each column's
    dropped terms are then a subset of those its own screen would drop: the 1e-12 bound
    holds per column); the sums are taken column by column with the one-column reduction,
    so each column equals ``gravity(..., mass[:, c], ...)`` bitwise when the same features
    are kept. Other decays run column by column.
    """
    arr = np.asarray(mass, dtype=np.float64)
    ub = _coords(feat_lon, feat_lat, "features")
    m, k = ub.shape[0], arr.shape[1]
    if arr.shape[0] != m:
        raise UsageError(f"gravity mass: {arr.shape[0]} rows for {m} features; pass one row "
                         "per feature")
    cols = [_weights(arr[:, c], m, "gravity mass") for c in range(k)]
    if decay not in ("exponential", "gaussian") or k == 1:
        return np.column_stack([gravity(site_lon, site_lat, feat_lon, feat_lat, w, decay,
                                        scale_km, exponent, chunk_size=chunk_size,
                                        workers=workers) for w in cols])
    if exponent is not None:
        raise UsageError(f"gravity: exponent only applies to decay 'power', not {decay!r}")
    scale = _positive(scale_km, "gravity scale_km")
    ua = _coords(site_lon, site_lat, "sites")
    n = ua.shape[0]
    if n == 0 or m == 0:
        return np.zeros((n, k), dtype=np.float64)
    b = geodesy._Side(ub)
    w2 = np.column_stack(cols)
    out = np.empty((n, k), dtype=np.float64)
    rows = _rows(m, chunk_size, _DENSE_BLOCK_ELEMENTS)
    local = threading.local()

    def fn(start: int, stop: int) -> None:
        u = ua[start:stop]
        keep: NDArray[np.bool_] | None = None
        sig_lo = 0.0
        if m > 1:
            screens = [_gravity_prune(u, b, w, decay, scale) for w in cols]
            kept = [kp for kp, _ in screens if kp is not None]
            if len(kept) == len(screens):
                keep = np.logical_or.reduce(kept)
            sig_lo = min(lo for _, lo in screens)
            if keep is not None and keep.all():
                keep = None
        if keep is None:
            bk, wk = b, w2
        else:
            bk, wk = geodesy._Side(ub[keep]), w2[keep]
            # the screen's distance bound, over the features kept
            sig_lo = _kept_sig_lo(u, bk)
        ws = getattr(local, "ws", None)
        if ws is None:
            ws = local.ws = np.empty((5, rows * m), dtype=np.float64)
        _smooth_gravity_block(u, bk, wk, decay, scale, sig_lo, ws, out[start:stop])

    _run_chunks(n, rows, _workers(workers), fn)
    return out


def _kept_sig_lo(u: FloatArray, b: geodesy._Side) -> float:
    """A lower bound of the central angle between any site of the block and any feature."""
    c = u.sum(axis=0)
    norm = float(np.sqrt(c @ c))
    if norm == 0.0 or b.u.shape[0] == 0:
        return 0.0
    c /= norm
    r = float(np.arccos(np.clip((u @ c).min(), -1.0, 1.0))) + 1e-7
    theta = np.arccos(np.clip(b.u @ c, -1.0, 1.0))
    return float(np.maximum(theta - r, 0.0).min())


def _smooth_gravity_block(
    u: FloatArray,
    b: geodesy._Side,
    w: FloatArray,
    decay: str,
    scale: float,
    sig_lo: float,
    ws: FloatArray,
    out: FloatArray,
) -> None:
    """``out = sum_j w_j f(d_ij)`` for one block, exponential or gaussian ``f``.

    The Lambert distance of :func:`siteplan.criteria.geodesy._dense_block` (same ``h^2``
    products, same formula) fused with the decay and the mass sum in preallocated
    buffers ``ws`` (5 rows of at least ``len(u) * len(w)``): ~27 passes over the block
    instead of ~35 and no allocation. ``sig_lo`` is a lower bound of the central angle
    of every pair of the block (0 if unknown): above 1e-3 rad no pair needs the
    short-distance recomputation and the check is skipped.
    """
    r, mk = u.shape[0], b.u.shape[0]
    if mk == 0:
        out[:] = 0.0
        return
    size = r * mk
    h2, bb, t, cc, e = (ws[i, :size].reshape(r, mk) for i in range(5))
    bt = b.uT_half
    zb = b.u[:, 2]
    za = u[:, 2:3]
    np.multiply(u[:, 0:1], bt[0], out=h2)
    np.multiply(u[:, 1:2], bt[1], out=bb)
    h2 += bb
    np.multiply(za, bt[2], out=bb)
    h2 += bb
    h2 += 0.5
    fix = None
    if sig_lo <= 1e-3:
        small = (h2 < geodesy._SMALL_H2) | (h2 > 1.0 - geodesy._SMALL_H2)
        if small.any():
            fix = np.nonzero(small)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.sqrt(h2, out=bb)  # h
        np.arcsin(bb, out=t)  # t = sigma / 2
        np.subtract(1.0, h2, out=cc)  # k^2
        np.multiply(h2, cc, out=bb)
        np.sqrt(bb, out=bb)  # h k
        np.add(za, zb, out=e)
        np.square(e, out=e)
        e /= cc  # zs^2 / k^2
        np.subtract(za, zb, out=cc)
        np.square(cc, out=cc)
        cc /= h2  # zd^2 / h^2
        np.subtract(t, bb, out=h2)
        e *= h2
        bb += t
        cc *= bb
        e += cc  # (t - hk) zs^2 / k^2 + (t + hk) zd^2 / h^2
    # d = 2 a t - a f / 4 * e
    if decay == "exponential":
        e *= 0.25 * geodesy.WGS84_F * geodesy.WGS84_A_KM / scale
        t *= -2.0 * geodesy.WGS84_A_KM / scale
        e += t  # -d / s
        if fix is not None:
            e[fix] = geodesy._dist_from_units(u[fix[0]], b.u[fix[1]]) * (-1.0 / scale)
    else:
        e *= -0.25 * geodesy.WGS84_F * geodesy.WGS84_A_KM / scale
        t *= 2.0 * geodesy.WGS84_A_KM / scale
        e += t  # d / s
        if fix is not None:
            e[fix] = geodesy._dist_from_units(u[fix[0]], b.u[fix[1]]) * (1.0 / scale)
        np.square(e, out=e)
        e *= -0.5
    np.exp(e, out=e)
    if w.ndim == 1:
        np.einsum("ij,j->i", e, w, out=out)
        return
    col = np.empty(r, dtype=np.float64)
    for c in range(w.shape[1]):  # the one-column reduction, so each column is bitwise equal
        np.einsum("ij,j->i", e, np.ascontiguousarray(w[:, c]), out=col)
        out[:, c] = col


def _gravity_keep(
    u: FloatArray, b: geodesy._Side, w: FloatArray, decay: str, scale: float
) -> NDArray[np.bool_] | None:
    """Features of a block whose terms are not negligible (None: keep them all)."""
    return _gravity_prune(u, b, w, decay, scale)[0]


def _gravity_prune(
    u: FloatArray, b: geodesy._Side, w: FloatArray, decay: str, scale: float
) -> tuple[NDArray[np.bool_] | None, float]:
    """Features of a block whose terms are not negligible (None: keep them all).

    The block's sites lie in a spherical cap of centre ``c`` and angular radius ``r``;
    a feature at angle ``theta_j`` from ``c`` is between ``theta_j - r`` and
    ``theta_j + r`` from every site, which (``b sigma <= geodesic <= a sigma``, with
    margins) bounds its term at any site of the block by ``U_j = w_j f(d_min_j)`` and
    every site's total from below by ``L = max_j w_j f(d_max_j)``. The features with
    the smallest ``U_j`` are dropped as long as their ``U_j`` add up to at most
    :data:`GRAVITY_NEGLIGIBLE` ``* L``: at every site the dropped terms sum to at most
    ``1e-12`` of the result. Costs O(rows + m), against ~30 passes over (rows, m).
    """
    c = u.sum(axis=0)
    norm = float(np.sqrt(c @ c))
    if norm == 0.0:
        return None, 0.0
    c /= norm
    r = float(np.arccos(np.clip((u @ c).min(), -1.0, 1.0))) + 1e-7
    theta = np.arccos(np.clip(b.u @ c, -1.0, 1.0))
    sig_lo = np.maximum(theta - r, 0.0)
    sig_hi = np.minimum(theta + r, np.pi)
    d_lo = np.maximum(geodesy.WGS84_B_KM * sig_lo * (1.0 - geodesy._REL_MARGIN) - 1e-3, 0.0)
    d_hi = geodesy.WGS84_A_KM * sig_hi * (1.0 + geodesy._REL_MARGIN) + 1e-3
    upper = w * _decay_inplace(d_lo, decay, scale, 0.0)
    lower = float((w * _decay_inplace(d_hi, decay, scale, 0.0)).max())
    order = np.argsort(upper, kind="stable")
    n_drop = int(np.searchsorted(np.cumsum(upper[order]), GRAVITY_NEGLIGIBLE * lower, "right"))
    if n_drop == 0:
        return None, float(sig_lo.min())
    keep = np.ones(w.size, dtype=bool)
    keep[order[:n_drop]] = False
    return keep, float(sig_lo[keep].min())


def fca_weight(d: FloatArray, decay: str, radius: float) -> FloatArray:
    """Catchment weight of :func:`two_step_fca` for distances (or minutes) already known
    to be <= radius."""
    if decay == "cutoff":
        return np.ones_like(d)
    # Dai (2010): Gaussian re-scaled to 1 at d = 0 and 0 at d = radius
    e = np.exp(-0.5)
    return (np.exp(-0.5 * (d / radius) ** 2) - e) / (1.0 - e)


def two_step_fca(
    site_lon: ArrayLike,
    site_lat: ArrayLike,
    supply_lon: ArrayLike,
    supply_lat: ArrayLike,
    supply: ArrayLike | float,
    comp_lon: ArrayLike,
    comp_lat: ArrayLike,
    comp_demand: ArrayLike | float,
    radius_km: float,
    decay: str = "cutoff",
    site_demand: ArrayLike | float = 1.0,
    *,
    chunk_size: int | None = None,
    workers: int | None = None,
) -> FloatArray:
    """Talent availability by two-step floating catchment (2SFCA / E2SFCA).

    Supply ``S_j`` (graduates or students at university ``j``) is shared among the
    demand in its catchment: the existing parks ``k`` (demand ``D_k``, e.g. 1 each or
    their jobs) plus the site ``i`` being evaluated (demand ``D_i = site_demand``),
    which is treated as the *only* new site, so that its value never depends on the
    other candidates (a point scores the same as a candidate or as an H3 cell):

    * step 1, competing demand at each university:
      ``P_j = sum_k D_k w(d_jk)``;
    * step 2, availability at the site:
      ``A_i = sum_j S_j w(d_ij) / (P_j + D_i w(d_ij))``.

    A university with ``P_j + D_i w(d_ij) = 0`` (possible only with ``site_demand = 0``
    and no park in its catchment) contributes 0.

    Catchment weights ``w`` (``r = radius_km``, ``w = 0`` beyond ``r``):

    * ``"cutoff"``: ``w = 1`` for ``d <= r``: the 2SFCA of Luo & Wang (2003),
      Environment and Planning B 30(6):865-884;
    * ``"gaussian"``: ``w = (exp(-d^2 / (2 r^2)) - exp(-1/2)) / (1 - exp(-1/2))`` for
      ``d <= r``: the Gaussian (enhanced) 2SFCA of Dai (2010), Health & Place
      16(5):1038-1052.

    With one site and no parks, ``A_i`` equals the total supply whose catchment
    contains the site (supply is conserved).

    Parameters
    ----------
    site_lon, site_lat : array_like, shape (n,)
        Sites, degrees.
    supply_lon, supply_lat : array_like, shape (m,)
        Supply points (universities), degrees; may be empty (gives zeros).
    supply : array_like, shape (m,), or float
        Supply (>= 0).
    comp_lon, comp_lat : array_like, shape (p,)
        Competing demand points (existing parks), degrees; may be empty.
    comp_demand : array_like, shape (p,), or float
        Their demand weights (>= 0).
    radius_km : float
        Catchment radius in km (> 0), used in both steps.
    decay : str
        One of :data:`FCA_DECAYS`.
    site_demand : array_like, shape (n,), or float
        Demand weight of the evaluated site (>= 0), default 1.
    chunk_size, workers : int, optional
        Sites per chunk and threads (see the module docstring).

    Returns
    -------
    ndarray of float64, shape (n,)
        Supply units per unit of demand (e.g. graduates per park).
    """
    if decay not in FCA_DECAYS:
        raise UsageError(
            f"two_step_fca: unknown decay {decay!r}; use one of {', '.join(FCA_DECAYS)}"
        )
    radius = _positive(radius_km, "two_step_fca radius_km")
    ua = _coords(site_lon, site_lat, "sites")
    us = _coords(supply_lon, supply_lat, "supply points")
    uc = _coords(comp_lon, comp_lat, "competing demand points")
    n, m, p = ua.shape[0], us.shape[0], uc.shape[0]
    s = _weights(supply, m, "two_step_fca supply")
    dc = _weights(comp_demand, p, "two_step_fca comp_demand")
    ds = _weights(site_demand, n, "two_step_fca site_demand")
    if n == 0 or m == 0:
        return np.zeros(n, dtype=np.float64)
    nw = _workers(workers)

    # step 1: competing demand in each university's catchment
    if p:

        def red1(start: int, stop: int, ii: IntArray, jj: IntArray, d: FloatArray) -> FloatArray:
            wts = dc[jj] * fca_weight(d, decay, radius)
            return np.bincount(ii, weights=wts, minlength=stop - start).astype(np.float64)

        pj = _sparse_reduce(us, geodesy._Side(uc), radius, _rows(p, None), 1, red1)
    else:
        pj = np.zeros(m, dtype=np.float64)

    # step 2: availability at each site, the site adding its own demand
    def red2(start: int, stop: int, ii: IntArray, jj: IntArray, d: FloatArray) -> FloatArray:
        wgt = fca_weight(d, decay, radius)
        den = pj[jj] + ds[start:stop][ii] * wgt
        num = s[jj] * wgt
        ratio = np.divide(num, den, out=np.zeros_like(num), where=den > 0.0)
        return np.bincount(ii, weights=ratio, minlength=stop - start).astype(np.float64)

    return _sparse_reduce(ua, geodesy._Side(us), radius, _rows(m, chunk_size), nw, red2)


def within_radius(
    site_lon: ArrayLike,
    site_lat: ArrayLike,
    feat_lon: ArrayLike,
    feat_lat: ArrayLike,
    radius_km: float,
    values: ArrayLike | None = None,
    *,
    chunk_size: int | None = None,
    workers: int | None = None,
) -> FloatArray:
    """Number of features (or sum of their ``values``) within ``radius_km`` of each site.

    Parameters
    ----------
    site_lon, site_lat : array_like, shape (n,)
        Sites, degrees.
    feat_lon, feat_lat : array_like, shape (m,)
        Features, degrees; an empty set gives zeros.
    radius_km : float
        Inclusive geodesic radius in km (> 0).
    values : array_like, shape (m,), optional
        Values to sum (may be negative); default counts features.
    chunk_size, workers : int, optional
        Sites per chunk and threads (see the module docstring).

    Returns
    -------
    ndarray of float64, shape (n,)
        Count, or sum in units of ``values``.
    """
    radius = _positive(radius_km, "within_radius radius_km")
    ua = _coords(site_lon, site_lat, "sites")
    ub = _coords(feat_lon, feat_lat, "features")
    m = ub.shape[0]
    vals = None if values is None else _weights(values, m, "within_radius values", nonneg=False)

    def red(start: int, stop: int, ii: IntArray, jj: IntArray, d: FloatArray) -> FloatArray:
        wts = None if vals is None else vals[jj]
        return np.bincount(ii, weights=wts, minlength=stop - start).astype(np.float64)

    return _sparse_reduce(
        ua, geodesy._Side(ub), radius, _rows(m, chunk_size), _workers(workers), red
    )


def containing_zone(
    site_lon: ArrayLike,
    site_lat: ArrayLike,
    zone_geoms: Sequence[Any] | NDArray[Any],
) -> tuple[IntArray, NDArray[np.bool_]]:
    """Index of the zone (polygon) containing each site; outside sites get the nearest.

    Inside test: per zone, the sites inside its bounding box (a longitude sort and
    ``searchsorted``) are tested with the prepared ``shapely.intersects_xy`` (no
    per-point geometry objects); a point on a shared boundary (or in overlapping
    zones) takes the lowest zone index. A point
    in no zone is never dropped: it is assigned the nearest zone, measured in an
    equirectangular plane (``x = lon cos(lat0)``, ``y = lat``, ``lat0`` the mid-latitude
    of the zones' bounds; within 1 % of geodesic ranking for the border and coastal
    slivers this serves), ties to the lowest index.

    Parameters
    ----------
    site_lon, site_lat : array_like, shape (n,)
        Sites, degrees.
    zone_geoms : sequence of shapely geometries, shape (z,)
        Zone polygons in lon/lat degrees (a ``GeoSeries`` works); at least one, none
        empty.

    Returns
    -------
    index : ndarray of intp, shape (n,)
        Position of the zone in ``zone_geoms``.
    outside : ndarray of bool, shape (n,)
        True where the site is in no zone (and got the nearest one).
    """
    import shapely

    ua_lon = np.ravel(np.asarray(site_lon, dtype=np.float64))
    ua_lat = np.ravel(np.asarray(site_lat, dtype=np.float64))
    _coords(ua_lon, ua_lat, "sites")  # validation only
    geoms = np.asarray(getattr(zone_geoms, "values", zone_geoms), dtype=object).ravel()
    if geoms.size == 0:
        raise DataError("containing_zone: the zone layer has no polygons; check the zone layer")
    if not all(isinstance(g, shapely.Geometry) for g in geoms):
        raise DataError("containing_zone: a zone geometry is missing; fix the zone layer")
    if shapely.is_empty(geoms).any():
        raise DataError("containing_zone: a zone geometry is empty; fix the zone layer")
    n = ua_lon.size
    if n == 0:
        return np.full(0, -1, dtype=np.intp), np.zeros(0, dtype=bool)
    if n < _ZONE_GRID_MIN:
        index = _inside_direct(ua_lon, ua_lat, geoms)
    else:
        index = _inside_grid(ua_lon, ua_lat, geoms)
    outside = index < 0
    if outside.any():
        index[outside] = _nearest_zone(ua_lon[outside], ua_lat[outside], geoms)
    return index, outside


def _inside_direct(lon: FloatArray, lat: FloatArray, geoms: NDArray[Any]) -> IntArray:
    """Lowest zone whose polygon intersects each point (-1: none); per-zone bbox filter."""
    import shapely

    index = np.full(lon.size, -1, dtype=np.intp)
    # bounding-box candidates from a sort on longitude, then a prepared point-in-polygon
    # test per zone; zones in descending order so that the lowest index wins ties
    order = np.argsort(lon, kind="stable")
    xs = lon[order]
    bounds = shapely.bounds(geoms)
    for z in range(geoms.size - 1, -1, -1):
        x0, y0, x1, y1 = bounds[z]
        cand = order[np.searchsorted(xs, x0, side="left") : np.searchsorted(xs, x1, side="right")]
        yy = lat[cand]
        cand = cand[(yy >= y0) & (yy <= y1)]
        if cand.size:
            g = geoms[z]
            shapely.prepare(g)
            index[cand[shapely.intersects_xy(g, lon[cand], lat[cand])]] = z
    return index


def _ranges(starts: IntArray, stops: IntArray) -> IntArray:
    """Concatenation of ``arange(starts[i], stops[i])``."""
    lens = stops - starts
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=np.intp)
    offsets = np.cumsum(lens) - lens
    return np.repeat(starts - offsets, lens) + np.arange(total, dtype=np.intp)


def _group(key: IntArray) -> tuple[IntArray, IntArray]:
    """Distinct keys (sorted) and the position of each key among them."""
    top = int(key.max()) + 1
    if top <= max(1 << 22, 4 * key.size):
        present = np.bincount(key, minlength=top) > 0
        ukey = np.flatnonzero(present)
        slot = np.cumsum(present) - 1
        return ukey, slot[key]
    ukey, inv = np.unique(key, return_inverse=True)
    return ukey, inv.ravel()


def _inside_grid(lon: FloatArray, lat: FloatArray, geoms: NDArray[Any]) -> IntArray:
    """Same result as :func:`_inside_direct`, using a regular grid over the points.

    A grid cell whose padded box lies properly inside one zone and intersects no other
    zone gives that zone to all its points (each is interior to that zone and off all
    the others, so the direct test says the same); a cell meeting no zone leaves its
    points outside. Cells near a zone boundary holding many points are split 4 x 4
    and tried again (up to ``_ZONE_GRID_LEVELS`` levels); the points left are tested
    with the same prepared ``intersects_xy`` against the zones meeting their cell only
    (a zone containing a point meets every box around it), lowest index first.
    """
    import shapely

    n = lon.size
    x0, x1 = float(lon.min()), float(lon.max())
    y0, y1 = float(lat.min()), float(lat.max())
    c = max(float(np.cos(np.radians(0.5 * (y0 + y1)))), 1e-3)
    w, h = max((x1 - x0) * c, 1e-12), max(y1 - y0, 1e-12)
    k = int(np.clip(n // 64, 256, _ZONE_GRID_CELLS))
    nx = int(np.clip(round(np.sqrt(k * w / h)), 1, k))
    ny = int(np.clip(round(k / nx), 1, k))
    dx = (x1 - x0) / nx if x1 > x0 else 1.0
    dy = (y1 - y0) / ny if y1 > y0 else 1.0
    # the pad absorbs rounding in the binning (a few ulps)
    pad = 1e-7 * max(dx, dy) + 1e-9 * (1.0 + max(abs(x0), abs(x1), abs(y0), abs(y1)))
    shapely.prepare(geoms)
    index = np.full(n, -1, dtype=np.intp)
    act = np.arange(n, dtype=np.intp)  # points still undecided
    pair_z: list[IntArray] = []
    pair_p: list[IntArray] = []
    f = 1
    for level in range(_ZONE_GRID_LEVELS):
        if act.size == 0:
            break
        mx, my = nx * f, ny * f
        sx, sy = dx / f, dy / f
        ix = ((lon[act] - x0) * (1.0 / sx)).astype(np.intp)
        iy = ((lat[act] - y0) * (1.0 / sy)).astype(np.intp)
        np.clip(ix, 0, mx - 1, out=ix)
        np.clip(iy, 0, my - 1, out=iy)
        ukey, pb = _group(iy * mx + ix)
        bx, by = ukey % mx, ukey // mx
        boxes = shapely.box(x0 + bx * sx - pad, y0 + by * sy - pad,
                            x0 + (bx + 1) * sx + pad, y0 + (by + 1) * sy + pad)
        tree = shapely.STRtree(boxes)
        izi, ibi = tree.query(geoms, predicate="intersects")
        hits = np.bincount(ibi, minlength=ukey.size)
        pzi, pbi = tree.query(geoms, predicate="contains_properly")
        ok = hits[pbi] == 1
        box_zone = np.full(ukey.size, -1, dtype=np.intp)
        box_zone[pbi[ok]] = pzi[ok]
        index[act] = box_zone[pb]
        counts = np.bincount(pb, minlength=ukey.size)
        undecided = (hits > 0) & (box_zone < 0)
        last = level == _ZONE_GRID_LEVELS - 1
        final = undecided & ((counts <= _ZONE_GRID_SPLIT) | last)
        # points of the final boxes against the zones meeting their box
        sel = np.flatnonzero(final[pb])
        if sel.size:
            order = act[sel[np.argsort(pb[sel], kind="stable")]]
            nb = np.bincount(pb[sel], minlength=ukey.size)
            stop = np.cumsum(nb)
            keep = final[ibi]
            izi, ibi = izi[keep], ibi[keep]
            pair_z.append(np.repeat(izi, nb[ibi]))
            pair_p.append(order[_ranges(stop[ibi] - nb[ibi], stop[ibi])])
        act = act[(undecided & ~final)[pb]]
        f *= _ZONE_GRID_FACTOR
    if pair_z:
        pz = np.concatenate(pair_z)
        pp = np.concatenate(pair_p)
        hit = np.empty(pz.size, dtype=bool)

        def fn(start: int, stop: int) -> None:
            q = pp[start:stop]
            hit[start:stop] = shapely.intersects_xy(geoms[pz[start:stop]], lon[q], lat[q])

        _run_chunks(pz.size, 1 << 16, _workers(None), fn)
        pz, pp = pz[hit], pp[hit]
        best = np.full(n, np.iinfo(np.intp).max, dtype=np.intp)
        np.minimum.at(best, pp, pz)
        found = np.flatnonzero(best < np.iinfo(np.intp).max)
        index[found] = best[found]
    return index


def _nearest_zone(lon: FloatArray, lat: FloatArray, geoms: NDArray[Any]) -> IntArray:
    """Nearest zone in the scaled plane, ties to the lowest index.

    With many points the tree holds the zones' ring segments instead of the zones:
    GEOS measures a point outside a polygon as the minimum of the same point-segment
    distances over its rings (in ring order), so the minima, and the ties, are the
    same, while each query only touches a few short segments.
    """
    import shapely

    b = shapely.total_bounds(geoms)
    c = float(np.cos(np.radians(0.5 * (b[1] + b[3]))))
    scaled = shapely.transform(geoms, lambda xy: xy * np.array([c, 1.0]))
    owner = np.arange(geoms.size, dtype=np.intp)
    if lon.size >= _NEAREST_SEGMENTS_MIN:
        parts, part_zone = shapely.get_parts(scaled, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        a = np.flatnonzero(ring[1:] == ring[:-1])
        scaled = shapely.linestrings(np.stack([xy[a], xy[a + 1]], axis=1))
        owner = part_zone[ring_part[ring[a]]]
    tree = shapely.STRtree(scaled)
    pts = shapely.points(lon * c, lat)
    pi, zi = tree.query_nearest(pts, all_matches=True)
    out = np.full(lon.size, np.iinfo(np.intp).max, dtype=np.intp)
    np.minimum.at(out, pi, owner[zi])
    return out
