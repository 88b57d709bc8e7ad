"""Vectorised geodesic distances (kilometres) on the WGS84 ellipsoid.

Method
------
Distances use the **Andoyer-Lambert** first-order flattening correction of the
spherical distance on the *auxiliary sphere of reduced (parametric) latitudes*
(Lambert 1942, "Distance between two widely separated points on the surface of
the Earth", J. Washington Acad. Sci. 32(5); see also Bowring 1996 and the
"Lambert's formula for long lines" in standard geodesy texts):

* reduced latitude ``tan(beta) = (1 - f) tan(phi)``;
* ``sigma``: central angle between ``(beta1, lon1)`` and ``(beta2, lon2)``;
* ``P = (beta1 + beta2) / 2``, ``Q = (beta2 - beta1) / 2``;
* ``X = (sigma - sin sigma) sin^2 P cos^2 Q / cos^2(sigma / 2)``;
* ``Y = (sigma + sin sigma) cos^2 P sin^2 Q / sin^2(sigma / 2)``;
* ``d = a (sigma - f / 2 (X + Y))``.

Everything is computed from the unit vectors ``u = (cos b cos l, cos b sin l, sin b)``
of the auxiliary sphere (:func:`to_ecef_unit`), which avoids every trigonometric
call per pair except one ``arcsin``: with the chord ``c = |u1 - u2|`` and
``s = |u1 + u2|`` (so ``c^2 + s^2 = 4``), ``sigma = 2 asin(c / 2)``,
``sin sigma = c s / 2``, ``sin P cos Q = (z1 + z2) / 2``, ``cos P sin Q = (z2 - z1) / 2``,
hence ``X = (sigma - sin sigma) (z1 + z2)^2 / s^2`` and
``Y = (sigma + sin sigma) (z2 - z1)^2 / c^2``. Both ratios are bounded by 1, so the
formula is numerically safe at zero distance and at the antipode.

Why this method: the flattening error of a spherical distance is up to ~0.5 %
(radius of curvature 6335..6400 km), which is the whole tolerance; a haversine on a
latitude-dependent radius still leaves ~0.1 % along oblique lines. The Lambert
correction removes the first-order term in ``f``; its residual is O(f^2) ~ 1e-5
(about 0.002 % measured against ``pyproj.Geod(ellps="WGS84").inv``, see
``tests/criteria/test_geodesy.py``), except within a few degrees of the antipode, which no
Moroccan query reaches.

Nearest-neighbour and radius queries run a ``scipy.spatial.cKDTree`` on the same unit
vectors. The map ``x -> diag(a, a, b) u`` sends the unit sphere onto the ellipsoid and
stretches lengths by a factor in ``[b, a]``, therefore for every pair

    b * sigma <= geodesic <= a * sigma,

which turns chord thresholds into exact geodesic guarantees (see :func:`nearest_km`
and :func:`pairs_within_km`).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siteplan.errors import DataError, UsageError

__all__ = [
    "WGS84_A_KM",
    "WGS84_B_KM",
    "WGS84_F",
    "distance_matrix_km",
    "geodesic_km",
    "nearest_km",
    "pairs_within_km",
    "to_ecef_unit",
]

WGS84_A_KM: float = 6378.137
"""WGS84 semi-major axis (km)."""
WGS84_F: float = 1.0 / 298.257223563
"""WGS84 flattening."""
WGS84_B_KM: float = WGS84_A_KM * (1.0 - WGS84_F)
"""WGS84 semi-minor axis (km)."""

# Residual of the Lambert formula is ~2e-5 relative; the guarantees below use a
# deliberately generous margin so that they hold for the computed (not only the exact)
# distance.
_REL_MARGIN = 1e-3
# Below this sin^2(sigma / 2) (about 400 m) the Gram-matrix form loses relative precision
# (absolute error ~3e-16, i.e. <2e-7 relative above it); such pairs, and nearly antipodal
# ones, are recomputed from coordinate differences.
_SMALL_H2 = 1e-9
# elements of one (rows, m) block of the dense path: ~8 temporaries of 128 kB stay in L2
_CACHE_BLOCK_ELEMENTS = 16384

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

_CACHE_MIN_POINTS = 65536
_CACHE_SIZE = 4
_UNIT_CACHE: OrderedDict[bytes, FloatArray] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def _as_float(x: ArrayLike, name: str) -> FloatArray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{name}: expected numeric degrees, got {type(x).__name__}") from exc
    return arr


def _check_lonlat(lon: FloatArray, lat: FloatArray, what: str) -> None:
    if lon.size and not np.all(np.isfinite(lon)):
        raise DataError(f"{what} longitude: non-finite value; drop or fix the coordinates")
    if lat.size and not np.all(np.isfinite(lat)):
        raise DataError(f"{what} latitude: non-finite value; drop or fix the coordinates")
    if lat.size and (lat.min() < -90.0 or lat.max() > 90.0):
        raise DataError(
            f"{what} latitude outside [-90, 90]; are lon and lat swapped? (order is lon, lat)"
        )


def _unit(lon: FloatArray, lat: FloatArray) -> FloatArray:
    """Auxiliary-sphere unit vectors, shape ``lon.shape + (3,)`` (no validation)."""
    lam = np.radians(lon)
    phi = np.radians(lat)
    # reduced latitude from (1 - f) sin(phi), cos(phi), normalised: no tan() singularity
    sb = (1.0 - WGS84_F) * np.sin(phi)
    cb = np.cos(phi)
    norm = np.hypot(sb, cb)
    sb = sb / norm
    cb = cb / norm
    out = np.empty((*np.shape(lam), 3), dtype=np.float64)
    out[..., 0] = cb * np.cos(lam)
    out[..., 1] = cb * np.sin(lam)
    out[..., 2] = sb
    return out


def to_ecef_unit(lon: ArrayLike, lat: ArrayLike) -> FloatArray:
    """Unit vectors of the points on the auxiliary sphere of reduced latitudes.

    These are the Earth-centred, Earth-fixed coordinates of the points on the WGS84
    ellipsoid divided axis by axis by the semi-axes ``(a, a, b)``; they lie on the unit
    sphere, the central angle between two of them is the ``sigma`` of Lambert's
    formula, and ``b * sigma <= geodesic <= a * sigma``.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude in degrees (broadcast together).

    Returns
    -------
    ndarray
        Shape ``broadcast(lon, lat).shape + (3,)``, dimensionless.
    """
    lon_a, lat_a = np.broadcast_arrays(_as_float(lon, "lon"), _as_float(lat, "lat"))
    _check_lonlat(lon_a, lat_a, "point")
    return _unit(lon_a, lat_a)


def _lambert_from_parts(
    c2: FloatArray, s2: FloatArray, zsum: FloatArray, zdiff: FloatArray
) -> FloatArray:
    """Lambert distance (km) from squared chord/sum norms and z sum/difference.

    Works in place on ``c2``, ``zsum`` and ``zdiff`` where possible (they are
    temporaries of the callers).
    """
    c = np.sqrt(c2)
    half = c * 0.5
    np.minimum(half, 1.0, out=half)
    sig = np.arcsin(half)
    sig *= 2.0
    sin_sig = np.sqrt(s2)
    sin_sig *= c
    sin_sig *= 0.5
    # ratio terms, bounded by 1 (0/0 -> 0)
    np.square(zsum, out=zsum)
    np.divide(zsum, s2, out=zsum, where=s2 > 0.0)
    zsum[s2 <= 0.0] = 0.0
    np.minimum(zsum, 1.0, out=zsum)
    np.square(zdiff, out=zdiff)
    np.divide(zdiff, c2, out=zdiff, where=c2 > 0.0)
    zdiff[c2 <= 0.0] = 0.0
    np.minimum(zdiff, 1.0, out=zdiff)
    x = sig - sin_sig
    x *= zsum
    sin_sig += sig
    sin_sig *= zdiff  # Y
    x += sin_sig
    x *= -0.5 * WGS84_F
    x += sig
    x *= WGS84_A_KM
    return x


def _dist_from_units(u1: FloatArray, u2: FloatArray) -> FloatArray:
    """Lambert distance (km) between broadcastable unit-vector arrays ``(..., 3)``."""
    d = u1 - u2
    c2 = np.einsum("...k,...k->...", d, d)
    s = u1 + u2
    s2 = np.einsum("...k,...k->...", s, s)
    zsum = np.array(s[..., 2], dtype=np.float64, copy=True)
    zdiff = np.array(d[..., 2], dtype=np.float64, copy=True)
    return _lambert_from_parts(
        np.atleast_1d(c2), np.atleast_1d(s2), np.atleast_1d(zsum), np.atleast_1d(zdiff)
    ).reshape(np.shape(c2))


def geodesic_km(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> FloatArray:
    """Geodesic distance on WGS84 in kilometres (Andoyer-Lambert), with broadcasting.

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : array_like
        Degrees; all four broadcast together.

    Returns
    -------
    ndarray of float64
        Distances in km, shape of the broadcast inputs (0-d for scalars). Relative error
        against ``pyproj.Geod(ellps="WGS84").inv`` is about 2e-5 (bounded by 0.5 %
        everywhere but within a few degrees of the antipode).
    """
    arrs = np.broadcast_arrays(
        _as_float(lon1, "lon1"),
        _as_float(lat1, "lat1"),
        _as_float(lon2, "lon2"),
        _as_float(lat2, "lat2"),
    )
    _check_lonlat(arrs[0], arrs[1], "first point")
    _check_lonlat(arrs[2], arrs[3], "second point")
    return _dist_from_units(_unit(arrs[0], arrs[1]), _unit(arrs[2], arrs[3]))


def _points(lon: ArrayLike, lat: ArrayLike, what: str) -> FloatArray:
    """Validated (n, 3) unit vectors of a point set (read-only; cached for large sets).

    Scoring a national surface calls every kernel on the same ~10^6 points; their unit
    vectors are kept in a small cache keyed by a SHA-1 of the coordinates' bytes (about
    30 ms for 870k points, against ~150 ms to recompute), so a mutated array can never
    hit a stale entry.
    """
    lon_a = np.ascontiguousarray(np.ravel(_as_float(lon, f"{what} lon")))
    lat_a = np.ascontiguousarray(np.ravel(_as_float(lat, f"{what} lat")))
    if lon_a.shape != lat_a.shape:
        raise UsageError(
            f"{what}: lon has {lon_a.size} values but lat has {lat_a.size}; pass equal lengths"
        )
    key = None
    if lon_a.size >= _CACHE_MIN_POINTS:
        h = hashlib.sha1(lon_a.data)
        h.update(lat_a.data)
        key = h.digest()
        with _CACHE_LOCK:
            hit = _UNIT_CACHE.get(key)
            if hit is not None:
                _UNIT_CACHE.move_to_end(key)
                return hit
    _check_lonlat(lon_a, lat_a, what)
    u = _unit(lon_a, lat_a)
    if key is not None:
        u.setflags(write=False)
        with _CACHE_LOCK:
            _UNIT_CACHE[key] = u
            while len(_UNIT_CACHE) > _CACHE_SIZE:
                _UNIT_CACHE.popitem(last=False)
    return u


class _Side:
    """Per-set data of the fast dense path (unit vectors and Gram factors)."""

    __slots__ = ("u", "uT_half")

    def __init__(self, u: FloatArray) -> None:
        self.u = u
        # rows -x/2, -y/2, -z/2: h^2 = 1/2 + sum_k u_a[k] * uT_half[k]
        self.uT_half = np.ascontiguousarray(-0.5 * u.T)


def _dense_block(ua: FloatArray, b: _Side) -> FloatArray:
    """(n, m) Lambert distances (km) between unit vectors ``ua`` and the set ``b``.

    Written with half angles ``t = sigma / 2``, ``h = sin t``, ``k = cos t``:
    ``d = a (2 t - f/4 [(t - h k) zs^2 / k^2 + (t + h k) zd^2 / h^2])``, with
    ``h^2 = (1 - u_a . u_b) / 2``, ``zs = z_a + z_b`` and ``zd = z_a - z_b``. Pairs
    closer than ~400 m (where the dot-product form loses relative
    precision) or nearly antipodal are recomputed from coordinate differences.
    """
    # explicit products in a fixed order, not BLAS: a row's value must not depend on
    # the block it is computed in (a site scores the same alone or among 10^6 cells)
    bt = b.uT_half
    h2 = np.multiply(ua[:, 0:1], bt[0])
    tmp = np.multiply(ua[:, 1:2], bt[1])
    h2 += tmp
    np.multiply(ua[:, 2:3], bt[2], out=tmp)
    h2 += tmp
    h2 += 0.5
    lo = float(h2.min())
    hi = float(h2.max())
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.sqrt(h2)
        t = np.arcsin(h)
        k2 = 1.0 - h2
        hk = np.sqrt(k2)
        hk *= h
        # broadcasting, not np.add.outer (which is ~3x slower)
        zs = np.add(ua[:, 2:3], b.u[:, 2])
        zs *= zs
        zs /= k2
        zd = np.subtract(ua[:, 2:3], b.u[:, 2], out=tmp)
        zd *= zd
        zd /= h2
        k2 = np.subtract(t, hk, out=k2)
        zs *= k2
        hk += t
        zd *= hk
        zs += zd
        zs *= -0.25 * WGS84_F * WGS84_A_KM
        t *= 2.0 * WGS84_A_KM
        zs += t
    if lo < _SMALL_H2 or hi > 1.0 - _SMALL_H2:
        ii, jj = np.nonzero((h2 < _SMALL_H2) | (h2 > 1.0 - _SMALL_H2))
        zs[ii, jj] = _dist_from_units(ua[ii], b.u[jj])
    return zs


def _chunk_rows(m: int, elements: int = _CACHE_BLOCK_ELEMENTS) -> int:
    """Rows per block so that a block's temporaries stay cache-sized."""
    return max(1, int(elements // max(m, 1)))


def distance_matrix_km(
    lon_a: ArrayLike, lat_a: ArrayLike, lon_b: ArrayLike, lat_b: ArrayLike
) -> FloatArray:
    """Dense matrix of geodesic distances (km) between two point sets.

    Parameters
    ----------
    lon_a, lat_a : array_like, shape (n,)
        First set, degrees.
    lon_b, lat_b : array_like, shape (m,)
        Second set, degrees.

    Returns
    -------
    ndarray of float64, shape (n, m)
        ``out[i, j]`` is the distance from a-point ``i`` to b-point ``j`` in km. The whole
        matrix is allocated: callers chunk ``a`` for large ``n * m``.
    """
    ua = _points(lon_a, lat_a, "first point set")
    ub = _points(lon_b, lat_b, "second point set")
    out = np.empty((ua.shape[0], ub.shape[0]), dtype=np.float64)
    if out.size == 0:
        return out
    side = _Side(ub)
    step = _chunk_rows(ub.shape[0])
    for start in range(0, ua.shape[0], step):
        stop = start + step
        out[start:stop] = _dense_block(ua[start:stop], side)
    return out


def _chord_of_angle(sigma: FloatArray | float) -> Any:
    return 2.0 * np.sin(np.minimum(np.asarray(sigma, dtype=np.float64), np.pi) / 2.0)


def _min_km_beyond_chord(chord: FloatArray) -> FloatArray:
    """Lower bound (km) on the geodesic distance of any pair whose chord is >= chord."""
    sig = 2.0 * np.arcsin(np.minimum(chord / 2.0, 1.0))
    return WGS84_B_KM * sig * (1.0 - _REL_MARGIN)


def nearest_km(
    lon_a: ArrayLike,
    lat_a: ArrayLike,
    lon_b: ArrayLike,
    lat_b: ArrayLike,
    k: int = 1,
    workers: int = -1,
) -> tuple[FloatArray, IntArray]:
    """The ``k`` geodesically nearest b-points of every a-point (KD-tree, exact).

    A ``cKDTree`` on the auxiliary-sphere unit vectors of ``b`` proposes ``k + 2``
    candidates by chord; their geodesic distances are computed and re-sorted. Because
    ``geodesic >= b * sigma`` for every pair, any b-point beyond the last candidate's
    chord is at least ``b * sigma_last`` away; rows whose k-th geodesic exceeds that
    bound (chord and geodesic orders disagree) are re-queried with twice as many
    candidates until certified, so the result is the true geodesic k-nearest set.

    Parameters
    ----------
    lon_a, lat_a : array_like, shape (n,)
        Query points, degrees.
    lon_b, lat_b : array_like, shape (m,)
        Reference points, degrees; ``m >= k``.
    k : int
        Number of neighbours.
    workers : int
        Threads for the KD-tree query (``-1``: all cores).

    Returns
    -------
    dist_km : ndarray of float64, shape (n,) if ``k == 1`` else (n, k)
        Geodesic distances in km, ascending along each row.
    index : ndarray of intp, same shape
        Indexes into ``b``; among exactly equal distances the lowest index comes first.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise UsageError(f"nearest_km: k must be a positive integer, got {k!r}")
    ua = _points(lon_a, lat_a, "query points")
    ub = _points(lon_b, lat_b, "reference points")
    m = ub.shape[0]
    if m == 0:
        raise DataError("nearest_km: the reference point set is empty; add at least one point")
    if k > m:
        raise UsageError(f"nearest_km: k={k} but only {m} reference points; lower k")
    dist, idx = _nearest_units(ua, ub, k, workers)
    if k == 1:
        return dist[:, 0], idx[:, 0]
    return dist, idx


def pairs_within_km(
    lon_a: ArrayLike,
    lat_a: ArrayLike,
    lon_b: ArrayLike,
    lat_b: ArrayLike,
    radius_km: float,
) -> tuple[IntArray, IntArray, FloatArray]:
    """All pairs ``(i, j)`` with geodesic distance ``<= radius_km`` (sparse, exact).

    Candidates come from ``cKDTree.sparse_distance_matrix`` with the chord of the
    angle ``radius / b`` (inflated by a margin), a superset because
    ``geodesic >= b * sigma``; they are then filtered by the exact geodesic distance.

    Parameters
    ----------
    lon_a, lat_a : array_like, shape (n,)
        First set, degrees.
    lon_b, lat_b : array_like, shape (m,)
        Second set, degrees.
    radius_km : float
        Inclusive radius in km, ``>= 0``.

    Returns
    -------
    i : ndarray of intp
        Indexes into ``a``.
    j : ndarray of intp
        Indexes into ``b``.
    d_km : ndarray of float64
        Geodesic distances in km. Pairs are sorted by ``(i, j)``.
    """
    from scipy.spatial import cKDTree

    r = float(radius_km)
    if not np.isfinite(r) or r < 0.0:
        raise UsageError(f"pairs_within_km: radius_km must be finite and >= 0, got {radius_km!r}")
    ua = _points(lon_a, lat_a, "first point set")
    ub = _points(lon_b, lat_b, "second point set")
    empty_i = np.empty(0, dtype=np.intp)
    if ua.shape[0] == 0 or ub.shape[0] == 0:
        return empty_i, empty_i.copy(), np.empty(0, dtype=np.float64)
    chord = float(_chord_of_angle(r / WGS84_B_KM * (1.0 + _REL_MARGIN))) + 1e-12
    ta = cKDTree(ua)
    tb = cKDTree(ub)
    sm = ta.sparse_distance_matrix(tb, chord, output_type="ndarray")
    ii = np.asarray(sm["i"], dtype=np.intp)
    jj = np.asarray(sm["j"], dtype=np.intp)
    d = _dist_from_units(ua[ii], ub[jj]) if ii.size else np.empty(0, dtype=np.float64)
    keep = d <= r
    ii, jj, d = ii[keep], jj[keep], d[keep]
    order = np.lexsort((jj, ii))
    return ii[order], jj[order], d[order]


class NearestIndex:
    """A reusable :func:`nearest_km` over one fixed reference set: the KD-tree is built
    once (a road network's nodes are queried by every chunk of sites)."""

    def __init__(self, lon_b: ArrayLike, lat_b: ArrayLike) -> None:
        from scipy.spatial import cKDTree

        self.ub = _points(lon_b, lat_b, "reference points")
        if self.ub.shape[0] == 0:
            raise DataError("nearest_km: the reference point set is empty; add at least one "
                            "point")
        self.tree = cKDTree(self.ub)

    def nearest(self, lon_a: ArrayLike, lat_a: ArrayLike, workers: int = -1
                ) -> tuple[FloatArray, IntArray]:
        """(km, index) of the geodesically nearest reference point of every query point,
        equal to :func:`nearest_km` with ``k = 1``."""
        ua = _points(lon_a, lat_a, "query points")
        dist, idx = _nearest_units(ua, self.ub, 1, workers, self.tree)
        return dist[:, 0], idx[:, 0]


def _nearest_units(
    ua: FloatArray, ub: FloatArray, k: int, workers: int, tree: Any = None
) -> tuple[FloatArray, IntArray]:
    """Certified geodesic k-nearest (n, k) from unit vectors (see :func:`nearest_km`)."""
    from scipy.spatial import cKDTree

    m = ub.shape[0]
    n = ua.shape[0]
    dist = np.empty((n, k), dtype=np.float64)
    idx = np.empty((n, k), dtype=np.intp)
    if n:
        tree = cKDTree(ub) if tree is None else tree
        todo = np.arange(n)
        kk = min(m, k + 2)
        while todo.size:
            cd, ci = tree.query(ua[todo], k=kk, workers=workers)
            cd = np.asarray(cd, dtype=np.float64).reshape(todo.size, kk)
            ci = np.asarray(ci, dtype=np.intp).reshape(todo.size, kk)
            gd = _dist_from_units(ua[todo][:, None, :], ub[ci])
            order = np.lexsort((ci, gd), axis=-1)[:, :k]
            gsel = np.take_along_axis(gd, order, axis=1)
            isel = np.take_along_axis(ci, order, axis=1)
            if kk >= m:
                ok = np.ones(todo.size, dtype=bool)
            else:
                ok = gsel[:, -1] < _min_km_beyond_chord(cd[:, -1])
            dist[todo[ok]] = gsel[ok]
            idx[todo[ok]] = isel[ok]
            todo = todo[~ok]
            kk = min(m, 2 * kk)
    return dist, idx
