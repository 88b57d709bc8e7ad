"""siteplan.criteria.kernels on hand-computed examples and against brute force / GeoPandas."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely

from siteplan.criteria import kernels as K
from siteplan.errors import DataError, UsageError

GEOD = pyproj.Geod(ellps="WGS84")


def ref_km(lon1, lat1, lon2, lat2):  # type: ignore[no-untyped-def]
    b = np.broadcast_arrays(lon1, lat1, lon2, lat2)
    _, _, d = GEOD.inv(*(np.ravel(x).astype(float) for x in b))
    return np.asarray(d).reshape(b[0].shape) / 1000.0


def morocco(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(-17.1, -1.0, n), rng.uniform(21.3, 35.95, n)


# A meridian example (lon 0). Along the meridian near 30 N one degree is ~110.85 km:
#   sites       S1 (0, 30.0)          S2 (0, 31.0)
#   universities U1 (0, 30.2) 1000 st  U2 (0, 31.5) 3000 st
#   park         P  (0, 30.4) demand 1
# distances (km): S1-U1 22.17, S1-U2 166.3, S2-U1 88.7, S2-U2 55.4, U1-P 22.2, U2-P 122.0
SITE_LON, SITE_LAT = np.zeros(2), np.array([30.0, 31.0])
UNI_LON, UNI_LAT, STUDENTS = np.zeros(2), np.array([30.2, 31.5]), np.array([1000.0, 3000.0])
PARK_LON, PARK_LAT = np.zeros(1), np.array([30.4])


def test_meridian_distances_are_what_the_comments_say() -> None:
    d = ref_km(SITE_LON[:, None], SITE_LAT[:, None], UNI_LON, UNI_LAT)
    np.testing.assert_allclose(d, [[22.17, 166.3], [88.7, 55.4]], atol=0.1)
    np.testing.assert_allclose(ref_km(UNI_LON, UNI_LAT, 0.0, 30.4), [22.2, 122.0], atol=0.1)


def test_gravity_cutoff_by_hand() -> None:
    # scale 100 km: S1 reaches U1 only -> 1000; S2 reaches U1 (88.7) and U2 (55.4) -> 4000
    g = K.gravity(SITE_LON, SITE_LAT, UNI_LON, UNI_LAT, STUDENTS, "cutoff", 100.0)
    np.testing.assert_array_equal(g, [1000.0, 4000.0])
    # scale 60 km: S1 -> U1 (1000); S2 -> U2 only (3000)
    g = K.gravity(SITE_LON, SITE_LAT, UNI_LON, UNI_LAT, STUDENTS, "cutoff", 60.0)
    np.testing.assert_array_equal(g, [1000.0, 3000.0])


def test_gravity_smooth_decays_by_hand() -> None:
    d = ref_km(SITE_LON[:, None], SITE_LAT[:, None], UNI_LON, UNI_LAT)
    # exponential, scale 50: S1 = 1000 e^(-22.17/50) + 3000 e^(-166.3/50) ~ 641.8 + 107.9
    g = K.gravity(SITE_LON, SITE_LAT, UNI_LON, UNI_LAT, STUDENTS, "exponential", 50.0)
    np.testing.assert_allclose(g, (STUDENTS * np.exp(-d / 50)).sum(1), rtol=1e-5)
    assert g[0] == pytest.approx(749.7, abs=0.5)
    # power, scale 10, exponent 2: S1 = 1000 / 3.217^2 + 3000 / 17.63^2 ~ 96.6 + 9.65
    g = K.gravity(SITE_LON, SITE_LAT, UNI_LON, UNI_LAT, STUDENTS, "power", 10.0, exponent=2)
    np.testing.assert_allclose(g, (STUDENTS * (1 + d / 10) ** -2.0).sum(1), rtol=1e-5)
    assert g[0] == pytest.approx(106.3, abs=0.2)
    # gaussian, scale 100: S2 = 1000 e^(-0.5 * 0.887^2) + 3000 e^(-0.5 * 0.554^2)
    g = K.gravity(SITE_LON, SITE_LAT, UNI_LON, UNI_LAT, STUDENTS, "gaussian", 100.0)
    np.testing.assert_allclose(g, (STUDENTS * np.exp(-0.5 * (d / 100) ** 2)).sum(1), rtol=1e-5)
    assert g[1] == pytest.approx(674.7 + 2572.2, abs=1.0)


def test_gravity_power_is_finite_at_zero_distance() -> None:
    g = K.gravity([0.0], [30.2], UNI_LON, UNI_LAT, STUDENTS, "power", 10.0, exponent=1.5)
    assert np.isfinite(g[0]) and g[0] > 1000.0


def test_two_step_fca_by_hand() -> None:
    # radius 100 km, cutoff.
    # step 1: P_U1 = 1 (park at 22.2 km), P_U2 = 0 (park at 122 km)
    # step 2: S1: U1 in catchment -> 1000 / (1 + 1) = 500; U2 at 166 km: out  -> 500
    #         S2: U1 (88.7) -> 1000 / (1 + 1) = 500; U2 (55.4) -> 3000 / (0 + 1) -> 3500
    a = K.two_step_fca(
        SITE_LON, SITE_LAT, UNI_LON, UNI_LAT, STUDENTS, PARK_LON, PARK_LAT, 1.0, 100.0
    )
    np.testing.assert_allclose(a, [500.0, 3500.0])
    # park demand 3 (its jobs / 1000, say), site demand 2:
    # S1: 1000 / (3 + 2) = 200; S2: 1000 / 5 + 3000 / 2 = 1700
    a = K.two_step_fca(
        SITE_LON,
        SITE_LAT,
        UNI_LON,
        UNI_LAT,
        STUDENTS,
        PARK_LON,
        PARK_LAT,
        [3.0],
        100.0,
        site_demand=2.0,
    )
    np.testing.assert_allclose(a, [200.0, 1700.0])


def test_two_step_fca_gaussian_by_hand() -> None:
    # Dai (2010) weight w(d) = (exp(-d^2 / 2r^2) - e^-1/2) / (1 - e^-1/2), r = 100 km
    r = 100.0

    def w(d: np.ndarray) -> np.ndarray:
        return np.where(
            d <= r, (np.exp(-0.5 * (d / r) ** 2) - np.exp(-0.5)) / (1 - np.exp(-0.5)), 0.0
        )

    d_su = ref_km(SITE_LON[:, None], SITE_LAT[:, None], UNI_LON, UNI_LAT)
    p_u = w(ref_km(UNI_LON, UNI_LAT, 0.0, 30.4))  # park demand 1
    wsu = w(d_su)
    expected = (STUDENTS * wsu / np.where(p_u + wsu > 0, p_u + wsu, 1.0)).sum(1)
    a = K.two_step_fca(
        SITE_LON, SITE_LAT, UNI_LON, UNI_LAT, STUDENTS, PARK_LON, PARK_LAT, 1.0, r, decay="gaussian"
    )
    np.testing.assert_allclose(a, expected, rtol=1e-5)
    # S1: only U1 (w = 0.9939, P = 0.9938): 1000 * 0.9939 / 1.9877 ~ 500
    assert a[0] == pytest.approx(500.0, abs=0.1)


@pytest.mark.parametrize("decay", ["cutoff", "gaussian"])
def test_two_step_fca_conserves_supply_for_a_single_site(decay: str) -> None:
    rng = np.random.default_rng(11)
    ulon, ulat = morocco(rng, 40)
    sup = rng.uniform(100, 5000, 40)
    site_lon, site_lat = -7.0, 32.0
    d = ref_km(site_lon, site_lat, ulon, ulat)
    a = K.two_step_fca(
        [site_lon], [site_lat], ulon, ulat, sup, [], [], 1.0, 200.0, decay=decay, site_demand=1.0
    )
    # all of every catchment's supply goes to the only demand point
    assert a[0] == pytest.approx(sup[d < 200.0].sum(), rel=1e-9)


def test_two_step_fca_far_site_is_zero_and_site_independent() -> None:
    a = K.two_step_fca([0.0], [50.0], UNI_LON, UNI_LAT, STUDENTS, PARK_LON, PARK_LAT, 1.0, 100.0)
    assert a[0] == 0.0
    rng = np.random.default_rng(12)
    lon, lat = morocco(rng, 500)
    ulon, ulat = morocco(rng, 60)
    plon, plat = morocco(rng, 12)
    sup = rng.uniform(100, 5000, 60)
    batch = K.two_step_fca(lon, lat, ulon, ulat, sup, plon, plat, 1.0, 150.0)
    alone = np.array(
        [
            K.two_step_fca(lon[i : i + 1], lat[i : i + 1], ulon, ulat, sup, plon, plat, 1.0, 150.0)[
                0
            ]
            for i in range(0, 500, 50)
        ]
    )
    np.testing.assert_array_equal(batch[::50], alone)


def test_kernels_against_brute_force_and_chunking() -> None:
    rng = np.random.default_rng(13)
    lon, lat = morocco(rng, 2000)
    flo, fla = morocco(rng, 60)
    mass = rng.uniform(1, 10, 60)
    d = ref_km(lon[:, None], lat[:, None], flo, fla)
    np.testing.assert_allclose(K.nearest_distance(lon, lat, flo, fla), d.min(1), rtol=1e-5)
    np.testing.assert_allclose(
        K.gravity(lon, lat, flo, fla, mass, "exponential", 80.0),
        (mass * np.exp(-d / 80)).sum(1),
        rtol=1e-5,
    )
    cnt = K.within_radius(lon, lat, flo, fla, 120.0)
    border = np.abs(d - 120.0) < 1e-3
    ok = ~border.any(1)
    np.testing.assert_array_equal(cnt[ok], (d <= 120.0).sum(1)[ok])
    tot = K.within_radius(lon, lat, flo, fla, 120.0, values=mass)
    np.testing.assert_allclose(tot[ok], ((d <= 120.0) * mass).sum(1)[ok])
    # chunking and threads do not change results (bitwise)
    for fn in (
        lambda **kw: K.nearest_distance(lon, lat, flo, fla, **kw),
        lambda **kw: K.gravity(lon, lat, flo, fla, mass, "power", 50.0, 2.0, **kw),
        lambda **kw: K.two_step_fca(lon, lat, flo, fla, mass, flo[:5], fla[:5], 1.0, 90.0, **kw),
        lambda **kw: K.within_radius(lon, lat, flo, fla, 70.0, **kw),
    ):
        np.testing.assert_array_equal(fn(chunk_size=7, workers=1), fn(workers=2))
    # smooth decays skip negligible features per block: chunking changes <= 1e-12 relative
    for decay, scale in (("gaussian", 50.0), ("exponential", 10.0)):
        np.testing.assert_allclose(
            K.gravity(lon, lat, flo, fla, mass, decay, scale, chunk_size=7, workers=1),
            K.gravity(lon, lat, flo, fla, mass, decay, scale, workers=2),
            rtol=1e-12,
            atol=0.0,
        )


def test_compact_blocks_set_features_aside_without_changing_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nearest, radius and 2SFCA screens skip the features out of a block's reach.

    Sites come in compact clusters (as H3 cells do), so most features are set aside per
    block; the results must be bitwise those of the unscreened kernels and match
    pyproj brute force.
    """
    rng = np.random.default_rng(31)
    clon, clat = morocco(rng, 40)
    lon = np.repeat(clon, 256) + rng.uniform(-0.1, 0.1, 40 * 256)
    lat = np.repeat(clat, 256) + rng.uniform(-0.1, 0.1, 40 * 256)
    flo, fla = morocco(rng, 50)
    mass = rng.uniform(1, 10, 50)
    cap = K._block_cap(K._coords(lon[:256], lat[:256], "s"))
    assert cap is not None
    theta = K._cap_angles(K._coords(flo, fla, "f"), cap[0])
    assert (theta - cap[1] > 100.0 / K.geodesy.WGS84_B_KM).sum() > 40  # most are out of reach

    def run() -> list[np.ndarray]:
        kw = {"chunk_size": 256, "workers": 1}
        return [
            K.nearest_distance(lon, lat, flo, fla, **kw),
            K.within_radius(lon, lat, flo, fla, 150.0, **kw),
            K.within_radius(lon, lat, flo, fla, 150.0, values=mass, **kw),
            K.two_step_fca(lon, lat, flo, fla, mass, flo[:9], fla[:9], 1.0, 70.0, "gaussian", **kw),
            K.gravity(lon, lat, flo, fla, mass, "cutoff", 45.0, **kw),
        ]

    screened = run()
    monkeypatch.setattr(K, "_block_cap", lambda u: None)
    plain = run()
    for a, b in zip(screened, plain, strict=True):
        np.testing.assert_array_equal(a, b)
    d = ref_km(lon[:, None], lat[:, None], flo, fla)
    np.testing.assert_allclose(screened[0], d.min(1), rtol=1e-5)
    ok = ~(np.abs(d - 150.0) < 1e-3).any(1)
    np.testing.assert_array_equal(screened[1][ok], (d <= 150.0).sum(1)[ok])
    assert screened[1].max() >= 2 and (screened[1] == 0).any()


@pytest.mark.parametrize("decay", ["exponential", "gaussian"])
def test_gravity_skips_only_negligible_features(
    decay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(21)
    # 60 clusters of 100 sites: each block of 100 is compact, so that pruning happens
    clon, clat = morocco(rng, 60)
    lon = np.repeat(clon, 100) + rng.uniform(-0.2, 0.2, 6000)
    lat = np.repeat(clat, 100) + rng.uniform(-0.2, 0.2, 6000)
    flo, fla = morocco(rng, 75)
    mass = rng.uniform(1e3, 1e6, 75)
    u = K._coords(lon[:100], lat[:100], "s")
    keep = K._gravity_keep(u, K.geodesy._Side(K._coords(flo, fla, "f")), mass, decay, 15.0)
    assert keep is not None and not keep.all()  # the shortcut is exercised
    fast = K.gravity(lon, lat, flo, fla, mass, decay, 15.0, chunk_size=100)
    monkeypatch.setattr(K, "GRAVITY_NEGLIGIBLE", 0.0)
    dense = K.gravity(lon, lat, flo, fla, mass, decay, 15.0, chunk_size=100)
    assert (dense > 0).all()
    np.testing.assert_allclose(fast, dense, rtol=1e-9, atol=0.0)
    assert np.max(np.abs(fast - dense) / dense) <= 2e-12


def test_kernel_errors() -> None:
    with pytest.raises(DataError, match="add features"):
        K.nearest_distance([0.0], [0.0], [], [])
    with pytest.raises(UsageError, match="exponential, power, gaussian, cutoff"):
        K.gravity([0.0], [0.0], [1.0], [1.0], 1.0, "linear", 10.0)
    with pytest.raises(UsageError, match="exponent"):
        K.gravity([0.0], [0.0], [1.0], [1.0], 1.0, "power", 10.0)
    with pytest.raises(UsageError):
        K.gravity([0.0], [0.0], [1.0], [1.0], 1.0, "exponential", 0.0)
    with pytest.raises(UsageError):
        K.gravity([0.0], [0.0], [1.0], [1.0], [1.0, 2.0], "exponential", 10.0)
    with pytest.raises(DataError):
        K.gravity([0.0], [0.0], [1.0], [1.0], [np.nan], "exponential", 10.0)
    with pytest.raises(UsageError, match="cutoff, gaussian"):
        K.two_step_fca([0.0], [0.0], [1.0], [1.0], 1.0, [], [], 1.0, 10.0, decay="power")
    with pytest.raises(UsageError):
        K.within_radius([0.0], [0.0], [1.0], [1.0], -5.0)
    with pytest.raises(DataError):
        K.containing_zone([0.0], [0.0], [])
    assert K.gravity([0.0], [0.0], [], [], [], "exponential", 10.0).tolist() == [0.0]
    assert K.within_radius([0.0], [0.0], [], [], 10.0).tolist() == [0.0]


def test_containing_zone_squares() -> None:
    # Z0 = [0,1]x[0,1], Z1 = [1,2]x[0,1], Z2 = [0,1]x[1,2]
    zones = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(0, 1, 1, 2)]
    lon = np.array([0.5, 1.5, 1.0, 0.5, 2.5, 0.5, 1.0, -3.0])
    lat = np.array([0.5, 0.5, 0.5, 1.5, 0.5, 2.2, -0.5, 1.9])
    idx, outside = K.containing_zone(lon, lat, zones)
    # inside Z0, inside Z1, on the Z0|Z1 edge -> lowest (0), inside Z2,
    # east of Z1 -> 1, north of Z2 -> 2, below the Z0/Z1 corner (tie 0.5/0.5) -> 0,
    # west of Z2 (nearest: 3 deg to Z2 vs 3 deg to Z0 at y = 1? no: Z0 is 0.9 away in y
    # plus 3 in x, so Z2 wins) -> 2
    assert idx.tolist() == [0, 1, 0, 2, 1, 2, 0, 2]
    assert outside.tolist() == [False, False, False, False, True, True, True, True]


def test_containing_zone_equals_geopandas_sjoin() -> None:
    import geopandas as gpd

    rng = np.random.default_rng(14)
    seeds = shapely.multipoints(np.column_stack(morocco(rng, 30)))
    box = shapely.box(-17.1, 21.3, -1.0, 35.95)
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box)), box
    )
    cells = cells[rng.permutation(cells.size)][:25]  # leave holes: some points outside
    lon, lat = morocco(rng, 20_000)
    idx, outside = K.containing_zone(lon, lat, cells)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)
    zg = gpd.GeoDataFrame({"z": np.arange(cells.size)}, geometry=cells, crs=4326)
    j = gpd.sjoin(pts, zg, predicate="intersects", how="left")
    j = j.sort_values("z").groupby(level=0)["z"].first().reindex(range(lon.size))
    inside = j.notna().to_numpy()
    np.testing.assert_array_equal(~outside, inside)
    np.testing.assert_array_equal(idx[inside], j.to_numpy()[inside].astype(int))
    assert outside.sum() > 100 and np.all(idx >= 0)
    # outside points go to the nearest zone (planar check with the same scaling)
    c = np.cos(np.radians((21.3 + 35.95) / 2))
    o = np.flatnonzero(outside)[:200]
    scaled = shapely.transform(cells, lambda xy: xy * [c, 1.0])
    dist = shapely.distance(scaled[None, :], shapely.points(lon[o] * c, lat[o])[:, None])
    np.testing.assert_array_equal(idx[o], np.argmin(dist, axis=1))


@pytest.mark.parametrize("decay", ["exponential", "gaussian"])
def test_gravity_fused_block_equals_dense_formula(decay: str) -> None:
    # sites on features (zero distance: the short-pair recomputation), near them and far
    rng = np.random.default_rng(5)
    flo, fla = morocco(rng, 40)
    lon = np.concatenate([flo, flo + 1e-4, rng.uniform(-13, -1, 300)])
    lat = np.concatenate([fla, fla - 1e-4, rng.uniform(21, 36, 300)])
    mass = rng.uniform(1.0, 1e4, 40)
    d = K.geodesy.distance_matrix_km(lon, lat, flo, fla)
    f = np.exp(-d / 40.0) if decay == "exponential" else np.exp(-0.5 * (d / 40.0) ** 2)
    np.testing.assert_allclose(
        K.gravity(lon, lat, flo, fla, mass, decay, 40.0), f @ mass, rtol=1e-12, atol=1e-300
    )
    for kw in ({"chunk_size": 3, "workers": 1}, {"chunk_size": 50, "workers": 2}):
        np.testing.assert_allclose(
            K.gravity(lon, lat, flo, fla, mass, decay, 40.0, **kw), f @ mass, rtol=1e-12
        )


def _zone_reference(lon, lat, zones):  # type: ignore[no-untyped-def]
    """Brute force: lowest zone intersecting each point; else the nearest (scaled plane)."""
    zones = np.asarray(zones, dtype=object)
    idx = np.full(lon.size, -1)
    for z in range(zones.size - 1, -1, -1):
        idx[shapely.intersects_xy(zones[z], lon, lat)] = z
    outside = idx < 0
    b = shapely.total_bounds(zones)
    c = float(np.cos(np.radians(0.5 * (b[1] + b[3]))))
    scaled = shapely.transform(zones, lambda xy: xy * np.array([c, 1.0]))
    o = np.flatnonzero(outside)
    dist = shapely.distance(scaled[None, :], shapely.points(lon[o] * c, lat[o])[:, None])
    idx[o] = np.argmin(dist, axis=1)  # first minimum: lowest index
    return idx, outside


def _assert_zone_paths_equal(lon, lat, zones, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert lon.size >= K._ZONE_GRID_MIN  # the grid path
    ref_idx, ref_out = _zone_reference(lon, lat, zones)
    idx, out = K.containing_zone(lon, lat, zones)
    np.testing.assert_array_equal(out, ref_out)
    np.testing.assert_array_equal(idx, ref_idx)
    # the direct path (small inputs), the grid with more levels, segments off/on
    monkeypatch.setattr(K, "_ZONE_GRID_MIN", lon.size + 1)
    monkeypatch.setattr(K, "_NEAREST_SEGMENTS_MIN", 10**9)
    idx2, out2 = K.containing_zone(lon, lat, zones)
    monkeypatch.setattr(K, "_ZONE_GRID_MIN", 0)
    monkeypatch.setattr(K, "_NEAREST_SEGMENTS_MIN", 0)
    monkeypatch.setattr(K, "_ZONE_GRID_LEVELS", 4)
    idx3, out3 = K.containing_zone(lon, lat, zones)
    monkeypatch.undo()
    for i, o in ((idx2, out2), (idx3, out3)):
        np.testing.assert_array_equal(o, ref_out)
        np.testing.assert_array_equal(i, ref_idx)


def test_containing_zone_grid_squares_edges_vertices(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # 4 x 4 unit squares over [0, 4]^2 minus one (a hole: outside points inside the
    # bounds), listed in shuffled order so that ties are not by position
    rng = np.random.default_rng(3)
    zones = np.array([shapely.box(i, j, i + 1, j + 1) for i in range(4) for j in range(4)
                      if (i, j) != (2, 1)], dtype=object)
    zones = zones[rng.permutation(zones.size)]
    n = 6000
    lon, lat = rng.uniform(-1.0, 5.0, n), rng.uniform(-1.0, 5.0, n)
    g = rng.integers(-1, 6, (4, n)).astype(float)
    u = rng.uniform(-1.0, 5.0, (2, n))
    lon = np.concatenate([lon, g[0], u[0], g[2], [2.0, 2.5, 1.0]])  # edges x = k,
    lat = np.concatenate([lat, u[1], g[1], g[3], [2.0, 1.5, 1.0]])  # y = k, vertices
    clus = rng.normal(2.0, 0.01, (2, 3000))  # a cluster on the shared vertex (2, 2)
    lon, lat = np.concatenate([lon, clus[0]]), np.concatenate([lat, clus[1]])
    _assert_zone_paths_equal(lon, lat, zones, monkeypatch)
    _, out = K.containing_zone(lon, lat, zones)
    assert out.sum() > 1000 and (~out).sum() > 10_000


@pytest.mark.parametrize("layer", ["provinces", "regions"])
def test_containing_zone_grid_morocco(layer: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from siteplan.errors import LayerError
    from siteplan.layers.pack import Pack

    try:
        zones = np.asarray(Pack(None).layer(layer).geometry.array, dtype=object)
    except LayerError:
        pytest.skip("no Morocco pack")
    rng = np.random.default_rng(11)
    v = shapely.get_coordinates(zones)
    v = v[rng.choice(len(v), 4000, replace=False)]  # vertices (shared ones included)
    a = shapely.get_coordinates(zones)  # midpoints of edges
    e = rng.choice(len(a) - 1, 2000, replace=False)
    mid = 0.5 * (a[e] + a[e + 1])
    lon, lat = morocco(rng, 15_000)
    lon, lat = lon * 1.05 + 0.4, lat * 1.05 - 1.4  # a little beyond the bounds
    centres = np.column_stack(morocco(rng, 8))
    clus = centres[rng.integers(0, 8, 6000)] + rng.normal(0.0, 0.05, (6000, 2))
    lon = np.concatenate([lon, v[:, 0], mid[:, 0], clus[:, 0]])
    lat = np.concatenate([lat, v[:, 1], mid[:, 1], clus[:, 1]])
    _assert_zone_paths_equal(lon, lat, zones, monkeypatch)


@pytest.mark.parametrize("decay", ["exponential", "gaussian", "power", "cutoff"])
def test_gravity_with_several_mass_columns_equals_one_column_at_a_time(decay: str) -> None:
    """Several masses of the same features share one distance pass; each column is the
    one-column result (within the 1e-12 screening tolerance, usually bitwise)."""
    rng = np.random.default_rng(7)
    n, m = 3000, 900
    slon, slat = rng.uniform(-10, -1, n), rng.uniform(28, 36, n)
    flon, flat = rng.uniform(-10, -1, m), rng.uniform(28, 36, m)
    masses = rng.uniform(0, 1e5, (m, 3))
    masses[::7, 1] = 0.0
    expo = 2.0 if decay == "power" else None
    many = K.gravity(slon, slat, flon, flat, masses, decay, 15.0, expo)
    assert many.shape == (n, 3)
    for c in range(3):
        one = K.gravity(slon, slat, flon, flat, masses[:, c], decay, 15.0, expo)
        np.testing.assert_allclose(many[:, c], one, rtol=1e-12, atol=0)
