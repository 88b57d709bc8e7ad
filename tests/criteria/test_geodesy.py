"""siteplan.criteria.geodesy against pyproj.Geod (Karney's algorithm) and brute force."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siteplan.criteria.geodesy import (
    distance_matrix_km,
    geodesic_km,
    nearest_km,
    pairs_within_km,
    to_ecef_unit,
)
from siteplan.errors import DataError, UsageError

GEOD = pyproj.Geod(ellps="WGS84")


def ref_km(lon1, lat1, lon2, lat2):  # type: ignore[no-untyped-def]
    b1 = np.broadcast_arrays(lon1, lat1, lon2, lat2)
    _, _, d = GEOD.inv(*(np.ravel(x).astype(float) for x in b1))
    return np.asarray(d).reshape(b1[0].shape) / 1000.0


def morocco(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(-17.1, -1.0, n), rng.uniform(21.3, 35.95, n)


def test_morocco_pairs_within_tolerance() -> None:
    rng = np.random.default_rng(1)
    lo1, la1 = morocco(rng, 20_000)
    lo2, la2 = morocco(rng, 20_000)
    ref = ref_km(lo1, la1, lo2, la2)
    rel = np.abs(geodesic_km(lo1, la1, lo2, la2) - ref) / ref
    # measured: 1.4e-6
    assert rel.max() < 1e-5


def test_short_distances_within_tolerance() -> None:
    rng = np.random.default_rng(2)
    lo1, la1 = morocco(rng, 10_000)
    dist_m = 10 ** rng.uniform(-1, 3, lo1.size)  # 0.1 m .. 1 km
    lo2, la2, _ = GEOD.fwd(lo1, la1, rng.uniform(0, 360, lo1.size), dist_m)
    d = geodesic_km(lo1, la1, lo2, la2)
    assert np.max(np.abs(d * 1000.0 - dist_m) / dist_m) < 1e-5
    # the dense (Gram) path agrees on the same pairs
    dm = distance_matrix_km(lo1[:500], la1[:500], lo2[:500], la2[:500])
    assert np.max(np.abs(np.diag(dm) * 1000.0 - dist_m[:500]) / dist_m[:500]) < 1e-5


def test_worldwide_within_half_percent() -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    lo1, lo2 = rng.uniform(-180, 180, (2, n))
    la1, la2 = np.degrees(np.arcsin(rng.uniform(-1, 1, (2, n))))
    ref = ref_km(lo1, la1, lo2, la2)
    rel = np.abs(geodesic_km(lo1, la1, lo2, la2) - ref) / ref
    assert rel.max() < 5e-3  # measured 5e-4, at near-antipodal pairs
    assert rel[ref < 15_000].max() < 2e-5


def test_known_values() -> None:
    # one degree of longitude on the equator: a * pi / 180 = 111.3195 km
    assert geodesic_km(0, 0, 1, 0) == pytest.approx(111.31949079, rel=1e-7)
    # Rabat (-6.8498, 34.0209) - Casablanca (-7.5898, 33.5731), pyproj: 84.27 km
    assert geodesic_km(-6.8498, 34.0209, -7.5898, 33.5731) == pytest.approx(
        ref_km(-6.8498, 34.0209, -7.5898, 33.5731), rel=1e-5
    )


def test_broadcasting_and_matrix() -> None:
    rng = np.random.default_rng(4)
    lo1, la1 = morocco(rng, 7)
    lo2, la2 = morocco(rng, 5)
    full = geodesic_km(lo1[:, None], la1[:, None], lo2[None, :], la2[None, :])
    assert full.shape == (7, 5)
    dm = distance_matrix_km(lo1, la1, lo2, la2)
    np.testing.assert_allclose(dm, full, rtol=1e-9)
    np.testing.assert_allclose(dm, ref_km(lo1[:, None], la1[:, None], lo2, la2), rtol=1e-5)
    assert np.ndim(geodesic_km(0.0, 0.0, 1.0, 1.0)) == 0
    assert distance_matrix_km([], [], lo2, la2).shape == (0, 5)


lons = st.floats(-180, 180, allow_nan=False)
lats = st.floats(-90, 90, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(lons, lats, lons, lats)
def test_symmetry_and_zero(lo1: float, la1: float, lo2: float, la2: float) -> None:
    d12 = float(geodesic_km(lo1, la1, lo2, la2))
    d21 = float(geodesic_km(lo2, la2, lo1, la1))
    assert d12 == pytest.approx(d21, rel=1e-12, abs=1e-9)
    assert d12 >= 0.0
    assert float(geodesic_km(lo1, la1, lo1, la1)) == 0.0


def test_unit_vectors_and_bounds() -> None:
    rng = np.random.default_rng(5)
    lo, la = morocco(rng, 1000)
    u = to_ecef_unit(lo, la)
    np.testing.assert_allclose(np.linalg.norm(u, axis=1), 1.0, rtol=1e-12)
    # b * sigma <= geodesic <= a * sigma (the basis of the KD-tree guarantees)
    sig = 2 * np.arcsin(np.linalg.norm(u[:500] - u[500:], axis=1) / 2)
    d = ref_km(lo[:500], la[:500], lo[500:], la[500:])
    assert np.all(6356.752 * sig <= d + 1e-9)
    assert np.all(d <= 6378.137 * sig + 1e-9)


def test_nearest_equals_brute_force() -> None:
    rng = np.random.default_rng(6)
    lo, la = morocco(rng, 3000)
    flo, fla = morocco(rng, 60)
    brute = ref_km(lo[:, None], la[:, None], flo[None, :], fla[None, :])
    d, i = nearest_km(lo, la, flo, fla)
    np.testing.assert_array_equal(i, np.argmin(brute, axis=1))
    np.testing.assert_allclose(d, brute.min(axis=1), rtol=1e-5)
    d3, i3 = nearest_km(lo, la, flo, fla, k=3)
    np.testing.assert_array_equal(i3, np.argsort(brute, axis=1)[:, :3])
    assert d3.shape == (3000, 3) and np.all(np.diff(d3, axis=1) >= 0)


def test_nearest_when_chord_and_geodesic_orders_differ() -> None:
    # Site S at (0, 0). A = (0, 1) is due north: 110.574 km along the meridian, where
    # the radius of curvature is smallest; its auxiliary-sphere angle is the reduced
    # latitude atan((1 - f) tan 1 deg) = 0.99666 deg. A point on the equator at
    # longitude L is a * L = 111.3195 km * L away, with angle L. For
    # 0.99330 < L < 0.99666 it is *closer by chord* but *farther geodesically* than A.
    # Twenty such decoys put A 21st in chord order, far beyond the k + 2 = 3 first
    # candidates: the certification must reject them and re-query until A is found.
    dec_lon = np.linspace(0.9940, 0.9965, 20)
    flo = np.concatenate([dec_lon, [0.0, 10.0, 11.0]])
    fla = np.concatenate([np.zeros(20), [1.0, 0.0, 0.0]])
    ref = ref_km(0.0, 0.0, flo, fla)
    assert ref[20] == pytest.approx(110.574, abs=1e-3)
    assert np.argmin(ref) == 20  # A is the true geodesic nearest
    u = to_ecef_unit(flo, fla)
    chord = np.linalg.norm(u - to_ecef_unit(0.0, 0.0), axis=1)
    assert np.sum(chord < chord[20]) == 20  # ... but 20 decoys precede it by chord
    d, i = nearest_km([0.0], [0.0], flo, fla)
    assert i[0] == 20
    assert d[0] == pytest.approx(ref[20], rel=1e-5)
    _d2, i2 = nearest_km([0.0], [0.0], flo, fla, k=2)
    assert i2[0, 0] == 20 and i2[0, 1] == 0  # then the westmost decoy


def test_nearest_errors() -> None:
    with pytest.raises(DataError):
        nearest_km([0.0], [0.0], [], [])
    with pytest.raises(UsageError):
        nearest_km([0.0], [0.0], [1.0], [1.0], k=2)
    with pytest.raises(UsageError):
        nearest_km([0.0], [0.0], [1.0], [1.0], k=0)
    with pytest.raises(DataError):
        geodesic_km(0.0, 95.0, 0.0, 0.0)
    with pytest.raises(DataError):
        geodesic_km(np.nan, 0.0, 0.0, 0.0)
    with pytest.raises(UsageError):
        distance_matrix_km([0.0, 1.0], [0.0], [0.0], [0.0])


def test_pairs_within_equals_brute_force() -> None:
    rng = np.random.default_rng(7)
    lo, la = morocco(rng, 800)
    flo, fla = morocco(rng, 300)
    flo[0], fla[0] = lo[0], la[0]  # an exact coincidence (zero distance)
    brute = ref_km(lo[:, None], la[:, None], flo[None, :], fla[None, :])
    for r in (0.5, 25.0, 150.0):
        i, j, d = pairs_within_km(lo, la, flo, fla, r)
        exp = set(zip(*np.nonzero(brute <= r), strict=True))
        # pairs within 1e-5 relative of the radius may legitimately differ
        near = set(zip(*np.nonzero(np.abs(brute - r) < 1e-5 * r), strict=True))
        got = set(zip(i.tolist(), j.tolist(), strict=True))
        assert got ^ exp <= near
        assert (0, 0) in got
        np.testing.assert_allclose(d, brute[i, j], rtol=1e-5, atol=1e-9)
        assert np.all(np.diff(i * 1000 + j) > 0)
    e = pairs_within_km([], [], flo, fla, 10.0)
    assert all(x.size == 0 for x in e)
