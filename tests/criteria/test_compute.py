"""Specification of siteplan.criteria.compute: one table of criterion kinds.

Every kind the scenario accepts (``siteplan.scenario.KINDS``, which validates the
parameters) has exactly one rule that computes it and describes it; the
descriptions name the layer and parameters a planner needs to read a score.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siteplan.criteria.compute import KIND_RULES, describe_kind
from siteplan.scenario import KINDS, Criterion


def test_every_scenario_kind_has_exactly_one_rule() -> None:
    assert set(KIND_RULES) == set(KINDS)


#: One example criterion per kind, with the words its description must contain.
_EXAMPLES = {
    "nearest_distance": ({"layer": "airports", "filter": "type == 'international'"},
                         ["airports", "type == 'international'", "nearest"]),
    "gravity": ({"layer": "cities", "column": "population", "scale_km": 50},
                ["cities.population", "exponential", "50 km"]),
    "two_step_fca": ({"layer": "universities", "column": "students", "radius_km": 60,
                      "competitors": "parks"}, ["universities.students", "60 km", "parks"]),
    "within_radius": ({"layer": "parks", "radius_km": 50}, ["count of parks", "50 km"]),
    "travel_time": ({"layer": "airports", "filter": "international == true"},
                    ["road minutes", "airports", "international == true"]),
    "within_time": ({"layer": "settlements", "minutes": 45, "column": "population_2024"},
                    ["settlements.population_2024", "45 min by road"]),
    "zone_attribute": ({"zones": "provinces", "column": "unemployment"},
                       ["unemployment", "provinces"]),
    "attribute": ({"column": "land_price"}, ["land_price"]),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_is_described_with_its_layer_and_parameters(kind: str) -> None:
    params, words = _EXAMPLES[kind]
    text = describe_kind(Criterion(name="c", kind=kind, weight=1.0, direction="benefit",
                                   params=params))
    for w in words:
        assert w in text


def test_an_unknown_kind_is_refused_naming_the_criterion() -> None:
    from siteplan.criteria.compute import compute_criterion
    from siteplan.errors import CriterionError

    c = Criterion(name="odd", kind="teleport", weight=1.0, direction="benefit", params={})
    with pytest.raises(CriterionError, match="criterion 'odd': unknown kind 'teleport'"):
        compute_criterion(c, None, np.zeros(1), np.zeros(1))  # type: ignore[arg-type]


def test_gravity_in_minutes_is_described_in_minutes() -> None:
    c = Criterion(name="c", kind="gravity", weight=1.0, params={
        "layer": "settlements", "column": "working_age_2024", "cost": "time", "scale_min": 20})
    assert "20 min by road" in describe_kind(c)


# ------------------------------------------------------------- criteria in minutes

#: a synthetic road grid over Rabat-Kénitra-Meknès (lon -7..-5.5, lat 33.5..34.5)
_LON0, _LON1, _LAT0, _LAT1 = -7.0, -5.5, 33.5, 34.5


def _grid_npz(tmp_path: Path, side: int = 30) -> Path:
    import scipy.sparse as sp
    from pyproj import Geod

    from siteplan.layers.network import RoadNetwork

    rng = np.random.default_rng(5)
    lon, lat = np.meshgrid(np.linspace(_LON0, _LON1, side), np.linspace(_LAT0, _LAT1, side))
    lon, lat = lon.ravel(), lat.ravel()
    ids = np.arange(side * side).reshape(side, side)
    a = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    b = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    km = Geod(ellps="WGS84").inv(lon[a], lat[a], lon[b], lat[b])[2] / 1000
    minutes = km / rng.choice([50.0, 70.0, 110.0], size=a.size) * 60
    tail, head = np.concatenate([a, b]), np.concatenate([b, a])
    g = sp.csr_matrix((np.concatenate([minutes, minutes]), (tail, head)),
                      shape=(lon.size, lon.size))
    g.sort_indices()
    order = np.lexsort((head, tail))
    net = RoadNetwork(lon=lon, lat=lat, graph=g, km=np.concatenate([km, km])[order],
                      edge_class=np.zeros(tail.size, dtype=np.int16), classes=("primary",),
                      provenance={"source": "synthetic grid"})
    return net.save(tmp_path / "grid.npz")


def _time_criteria() -> list[Criterion]:
    return [
        Criterion(name="airport_min", kind="travel_time", weight=1.0, direction="cost",
                  params={"layer": "airports", "filter": "international == true"}),
        Criterion(name="people_45", kind="within_time", weight=1.0,
                  params={"layer": "settlements", "minutes": 45, "column": "population_2024"}),
        Criterion(name="towns_30", kind="within_time", weight=1.0,
                  params={"layer": "settlements", "minutes": 30}),
        Criterion(name="labour_min", kind="gravity", weight=1.0, params={
            "layer": "settlements", "column": "working_age_2024", "cost": "time",
            "scale_min": 20}),
        Criterion(name="talent_cut", kind="two_step_fca", weight=1.0, params={
            "layer": "universities", "column": "students", "cost": "time", "radius_min": 40,
            "competitors": "parks"}),
        Criterion(name="talent_gauss", kind="two_step_fca", weight=1.0, params={
            "layer": "universities", "column": "students", "cost": "time", "radius_min": 60,
            "decay": "gaussian", "competitors": "parks", "competitor_column": "jobs",
            "site_demand": 500}),
    ]


def _sites(k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(_LON0, _LON1, k), rng.uniform(_LAT0, _LAT1, k)


def test_candidate_and_cell_criteria_in_minutes_are_equal(tmp_path: Path) -> None:
    import pandas as pd

    from siteplan.criteria.compute import CriteriaContext, compute_criteria
    from siteplan.layers.pack import Pack

    npz = _grid_npz(tmp_path)
    lon, lat = _sites(40, 1)
    crit = _time_criteria()
    cand = compute_criteria(crit, CriteriaContext(Pack(None, {"network": npz})), lon, lat,
                            attributes=pd.DataFrame({"id": range(40)}))
    ctx = CriteriaContext(Pack(None, {"network": npz}))  # cells: chunks, one context
    parts = [compute_criteria(crit, ctx, lon[i:i + 7], lat[i:i + 7]) for i in range(0, 40, 7)]
    for c in crit:
        cells = np.concatenate([p[c.name] for p in parts])
        assert np.array_equal(cells, cand[c.name]), c.name
        assert np.all(np.isfinite(cells))


def test_minute_criteria_equal_an_od_table_brute_force(tmp_path: Path) -> None:
    """Each minute criterion against the full site x feature table read with networkx."""
    import networkx as nx

    from siteplan.criteria.compute import CriteriaContext, compute_criteria
    from siteplan.layers.network import RoadNetwork
    from siteplan.layers.pack import Pack

    npz = _grid_npz(tmp_path)
    pack = Pack(None, {"network": npz})
    net = RoadNetwork.load(npz)
    lon, lat = _sites(12, 2)
    got = compute_criteria(_time_criteria(), CriteriaContext(pack), lon, lat)
    g = nx.DiGraph()
    coo = net.graph.tocoo()
    g.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(),
                                  strict=True))
    from pyproj import Geod

    geod = Geod(ellps="WGS84")

    def leg(lo: float, la: float) -> tuple[int, float]:
        d = geod.inv(np.full(net.n_nodes, lo), np.full(net.n_nodes, la), net.lon, net.lat)[2]
        i = int(np.argmin(d))
        return i, d[i] / 1000 * 1.3 / 20 * 60

    def table(layer_lon: np.ndarray, layer_lat: np.ndarray) -> np.ndarray:
        fl = [leg(a, b) for a, b in zip(layer_lon, layer_lat, strict=True)]
        out = np.empty((lon.size, len(fl)))
        for i, (a, b) in enumerate(zip(lon, lat, strict=True)):
            node, la = leg(a, b)
            t = nx.single_source_dijkstra_path_length(g, node)
            out[i] = [la + t[n] + lf for n, lf in fl]
        return out

    air = pack.layer("airports")
    air = air[air["international"].astype(bool)]
    t_air = table(air.geometry.x.to_numpy(), air.geometry.y.to_numpy())
    np.testing.assert_allclose(got["airport_min"], t_air.min(axis=1), atol=1e-3)
    st = pack.layer("settlements")
    t_st = table(st.geometry.x.to_numpy(), st.geometry.y.to_numpy())
    pop = st["population_2024"].to_numpy(dtype=float)
    wa = st["working_age_2024"].to_numpy(dtype=float)
    # counts: pairs within 1e-3 min of the limit could go either way (~1 cm of geodesic)
    near30 = np.abs(t_st - 30) < 1e-3
    assert not near30.any()
    assert np.array_equal(got["towns_30"], (t_st <= 30).sum(axis=1))
    assert not (np.abs(t_st - 45) < 1e-3).any()
    np.testing.assert_allclose(got["people_45"], ((t_st <= 45) * pop).sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(got["labour_min"], (wa * np.exp(-t_st / 20)).sum(axis=1),
                               rtol=1e-5)
    # two-step floating catchments: step 1 from the parks, step 2 from the sites
    uni = pack.layer("universities")
    parks = pack.layer("parks")
    ux, uy = uni.geometry.x.to_numpy(), uni.geometry.y.to_numpy()
    supply = uni["students"].to_numpy(dtype=float)
    supply = np.where(np.isnan(supply), 0.0, supply)
    t_site = table(ux, uy)
    site_lon, site_lat = lon, lat
    lon, lat = parks.geometry.x.to_numpy(), parks.geometry.y.to_numpy()
    t_park = table(ux, uy)  # (parks, universities), same helper with the parks as origins
    lon, lat = site_lon, site_lat
    jobs = parks["jobs"].to_numpy(dtype=float)
    jobs = np.where(np.isnan(jobs), 0.0, jobs)
    e = np.exp(-0.5)
    for name, r, decay, dem, site_d in (("talent_cut", 40, "cutoff", np.ones(len(parks)), 1.0),
                                        ("talent_gauss", 60, "gaussian", jobs, 500.0)):
        def w(t: np.ndarray, r: float = r, decay: str = decay) -> np.ndarray:
            inside = t <= r
            if decay == "cutoff":
                return inside * 1.0
            return np.where(inside, (np.exp(-0.5 * (t / r) ** 2) - e) / (1 - e), 0.0)
        assert not (np.abs(t_site - r) < 1e-3).any() and not (np.abs(t_park - r) < 1e-3).any()
        pj = dem @ w(t_park)
        ws = w(t_site)
        den = pj[None, :] + site_d * ws
        expect = np.where(den > 0, supply * ws / np.where(den > 0, den, 1), 0).sum(axis=1)
        np.testing.assert_allclose(got[name], expect, rtol=1e-4, err_msg=name)
        assert (expect > 0).any(), name


def test_a_site_far_from_every_road_is_slow_not_impossible(tmp_path: Path) -> None:
    from siteplan.criteria.compute import CriteriaContext, compute_criteria
    from siteplan.layers.pack import Pack

    ctx = CriteriaContext(Pack(None, {"network": _grid_npz(tmp_path)}))
    # Ouarzazate, ~300 km south of the synthetic grid: the access leg carries it
    got = compute_criteria(_time_criteria()[:1], ctx, np.array([-6.89, -6.0]),
                           np.array([30.92, 34.0]))["airport_min"]
    assert np.all(np.isfinite(got))
    assert got[0] > 300 * 1.3 / 20 * 60 * 0.9 and got[0] > 5 * got[1]


def test_minute_criteria_without_a_network_say_how_to_get_one() -> None:
    from siteplan.criteria.compute import CriteriaContext, compute_criteria
    from siteplan.errors import LayerError
    from siteplan.layers.pack import Pack

    with pytest.raises(LayerError, match=r"no road network; build one with 'siteplan network "
                                         r"build .* --layer network=roads.npz"):
        compute_criteria(_time_criteria()[:1], CriteriaContext(Pack(None)), *_sites(2, 0))
