"""The road network builder: a hand-written OSM extract, line layers, bad inputs."""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import LineString

from siteplan.errors import DataError, LayerError, OutputError, UsageError
from siteplan.layers.network import (
    DEFAULT_SPEEDS_KMH,
    RoadNetwork,
    build_network,
    parse_maxspeed,
    parse_other_tags,
)

GEOD = Geod(ellps="WGS84")

# nodes (lon, lat): a square 1-2-3 / 3-4 / 4-5-1, a dangling residential way 3-8, and a
# separate primary road 6-7 far away (a smaller component, dropped)
NODES = {1: (-6.0, 34.0), 2: (-5.99, 34.0), 3: (-5.98, 34.0), 4: (-5.98, 34.01),
         5: (-6.0, 34.01), 6: (-6.1, 34.1), 7: (-6.09, 34.1), 8: (-5.97, 34.0)}
OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
{nodes}
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/></way>
  <way id="11"><nd ref="3"/><nd ref="4"/><tag k="highway" v="secondary"/>
    <tag k="oneway" v="yes"/></way>
  <way id="12"><nd ref="4"/><nd ref="5"/><nd ref="1"/><tag k="highway" v="secondary"/>
    <tag k="maxspeed" v="30"/></way>
  <way id="13"><nd ref="3"/><nd ref="8"/><tag k="highway" v="residential"/></way>
  <way id="14"><nd ref="6"/><nd ref="7"/><tag k="highway" v="primary"/></way>
</osm>
"""


def km(a: int, b: int) -> float:
    (lon1, lat1), (lon2, lat2) = NODES[a], NODES[b]
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000.0)


def write_osm(tmp_path: Path) -> Path:
    nodes = "\n".join(f'  <node id="{i}" lat="{lat}" lon="{lon}"/>'
                      for i, (lon, lat) in NODES.items())
    p = tmp_path / "hand.osm"
    p.write_text(OSM.format(nodes=nodes), encoding="utf-8")
    return p


def node_of(net: RoadNetwork, osm_id: int) -> int:
    lon, lat = NODES[osm_id]
    hit = np.flatnonzero((np.abs(net.lon - lon) < 1e-9) & (np.abs(net.lat - lat) < 1e-9))
    assert hit.size == 1, f"node {osm_id} not in the network"
    return int(hit[0])


def test_hand_written_osm_by_hand(tmp_path: Path) -> None:
    net = build_network(write_osm(tmp_path))
    # nodes 1..5 kept; 8 (residential) and 6-7 (smaller component) dropped
    assert net.n_nodes == 5
    assert net.provenance["dropped_nodes"] == 2 and net.provenance["dropped_edges"] == 2
    assert net.provenance["dropped_components"] == [2]
    n = {i: node_of(net, i) for i in range(1, 6)}
    g = net.graph
    # primary 70 km/h both ways
    assert g[n[1], n[2]] == pytest.approx(km(1, 2) / 70 * 60)
    assert g[n[2], n[1]] == pytest.approx(km(1, 2) / 70 * 60)
    # secondary 3 -> 4 one way at 60 km/h: no 4 -> 3 edge
    assert g[n[3], n[4]] == pytest.approx(km(3, 4) / 60 * 60)
    assert g[n[4], n[3]] == 0 and (n[3] not in g[n[4]].indices)
    # maxspeed 30 on way 12 overrides the secondary's 60
    assert g[n[5], n[1]] == pytest.approx(km(5, 1) / 30 * 60)
    assert net.n_edges == 2 * 2 + 1 + 2 * 2
    # shortest 4 -> 3 by hand: 4-5-1-2-3 (no way back along the one-way)
    t43 = (km(4, 5) + km(5, 1)) / 30 * 60 + (km(1, 2) + km(2, 3)) / 70 * 60
    from scipy.sparse.csgraph import dijkstra
    d = dijkstra(g, indices=n[4])
    assert d[n[3]] == pytest.approx(t43)
    kbc = net.km_by_class()
    assert kbc["primary"] == pytest.approx(km(1, 2) + km(2, 3))
    assert kbc["secondary"] == pytest.approx(km(3, 4) + km(4, 5) + km(5, 1))


def test_classes_and_speeds_options(tmp_path: Path) -> None:
    p = write_osm(tmp_path)
    net = build_network(p, classes=["residential"], speeds={"primary": 35.0})
    assert net.n_nodes == 6  # node 8 joins through the residential way
    n1, n2, n8, n3 = (node_of(net, i) for i in (1, 2, 8, 3))
    assert net.graph[n1, n2] == pytest.approx(km(1, 2) / 35 * 60)
    assert net.graph[n3, n8] == pytest.approx(km(3, 8) / 30 * 60)
    assert net.provenance["speeds_kmh"]["primary"] == 35.0


def test_save_load_round_trip(tmp_path: Path) -> None:
    net = build_network(write_osm(tmp_path))
    out = net.save(tmp_path / "net.npz")
    back = RoadNetwork.load(out)
    assert np.array_equal(back.lon, net.lon) and np.array_equal(back.lat, net.lat)
    assert (back.graph != net.graph).nnz == 0
    assert np.array_equal(back.km, net.km) and np.array_equal(back.edge_class, net.edge_class)
    assert back.classes == net.classes and back.provenance == net.provenance
    assert back.provenance["source"] == "hand.osm"
    with pytest.raises(OutputError, match="exists"):
        net.save(out, overwrite=False)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(LayerError, match="not a siteplan road network"):
        RoadNetwork.load(tmp_path / "bad.npz")
    with pytest.raises(LayerError, match="no such network"):
        RoadNetwork.load(tmp_path / "missing.npz")


def _random_layer(rng: np.random.Generator, n_lines: int) -> gpd.GeoDataFrame:
    pts = np.round(rng.uniform([-6.0, 34.0], [-5.8, 34.2], size=(40, 2)), 4)
    rows = []
    for _ in range(n_lines):
        k = int(rng.integers(2, 5))
        idx = rng.choice(len(pts), size=k, replace=False)
        rows.append({"highway": rng.choice(["primary", "secondary", "tertiary", "footway"]),
                     "oneway": rng.choice(["yes", "no", "-1", None]),
                     "maxspeed": rng.choice([None, "80", "30 mph", "signals"]),
                     "geometry": LineString(pts[idx])})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


def _networkx_reference(gdf: gpd.GeoDataFrame) -> nx.DiGraph:
    g = nx.DiGraph()
    for _, r in gdf.iterrows():
        if r["highway"] not in DEFAULT_SPEEDS_KMH:
            continue
        v = parse_maxspeed(r["maxspeed"])
        speed = v if np.isfinite(v) else DEFAULT_SPEEDS_KMH[r["highway"]]
        c = list(r.geometry.coords)
        for a, b in itertools.pairwise(c):
            t = GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000 / speed * 60
            pairs = {"yes": [(a, b)], "-1": [(b, a)]}.get(r["oneway"], [(a, b), (b, a)])
            for u, w in pairs:
                if not g.has_edge(u, w) or g[u][w]["weight"] > t:
                    g.add_edge(u, w, weight=t)
    big = max(nx.weakly_connected_components(g), key=len)
    return g.subgraph(big).copy()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_line_layer_equals_networkx(tmp_path: Path, seed: int) -> None:
    from scipy.sparse.csgraph import dijkstra

    gdf = _random_layer(np.random.default_rng(seed), 30)
    path = tmp_path / "roads.gpkg"
    gdf.to_file(path, driver="GPKG")
    net = build_network(path)
    ref = _networkx_reference(gdf)
    assert net.n_nodes == ref.number_of_nodes() and net.n_edges == ref.number_of_edges()
    ids = {(round(lo, 7), round(la, 7)): i for i, (lo, la) in
           enumerate(zip(net.lon, net.lat, strict=True))}
    d = dijkstra(net.graph)
    for src in list(ref.nodes)[:8]:
        lengths = nx.single_source_dijkstra_path_length(ref, src)
        i = ids[(round(src[0], 7), round(src[1], 7))]
        for dst in ref.nodes:
            j = ids[(round(dst[0], 7), round(dst[1], 7))]
            assert d[i, j] == pytest.approx(lengths.get(dst, np.inf), rel=1e-9)


def test_other_tags_and_maxspeed_parsing() -> None:
    assert parse_other_tags('"oneway"=>"yes","maxspeed"=>"60 mph"') == {
        "oneway": "yes", "maxspeed": "60 mph"}
    assert parse_other_tags(None) == {}
    assert parse_maxspeed("60") == 60.0
    assert parse_maxspeed("60 mph") == pytest.approx(96.56064)
    assert np.isnan(parse_maxspeed("signals")) and np.isnan(parse_maxspeed("0"))


def test_other_crs_is_reprojected(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"class": ["primary"]},
                           geometry=[LineString([(-6.0, 34.0), (-5.9, 34.0)])], crs=4326)
    path = tmp_path / "utm.geojson"
    gdf.to_crs(32630).to_file(path, driver="GeoJSON")
    net = build_network(path)
    assert net.provenance["reprojected_from"].endswith("32630")
    assert net.n_nodes == 2 and np.allclose(sorted(net.lon), [-6.0, -5.9], atol=1e-6)


def test_bad_inputs(tmp_path: Path) -> None:
    line = [LineString([(-6.0, 34.0), (-5.9, 34.0)])]
    p = tmp_path / "noclass.geojson"
    gpd.GeoDataFrame({"name": ["a"], "lanes": [2]}, geometry=line, crs=4326).to_file(p)
    with pytest.raises(LayerError, match=r"no road class column.*name, lanes"):
        build_network(p)
    p = tmp_path / "paths.geojson"
    gpd.GeoDataFrame({"highway": ["footway"]}, geometry=line, crs=4326).to_file(p)
    with pytest.raises(DataError, match="no drivable road"):
        build_network(p)
    with pytest.raises(UsageError, match="positive"):
        build_network(p, speeds={"primary": 0})
    with pytest.raises(UsageError, match="unknown class 'footway'"):
        build_network(p, speeds={"footway": 5})
    with pytest.raises(UsageError, match="no default speed for cycleway"):
        build_network(p, classes=["cycleway"])
    with pytest.raises(LayerError, match="no such file"):
        build_network(tmp_path / "missing.gpkg")
