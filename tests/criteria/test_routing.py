"""Travel minutes on a road network against networkx and brute force."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from pyproj import Geod

from siteplan.criteria.routing import (
    ACCESS_DETOUR,
    ACCESS_KMH,
    nearest_minutes,
    snap,
    travel_minutes,
    travel_table,
)
from siteplan.errors import UsageError
from siteplan.layers.network import RoadNetwork

GEOD = Geod(ellps="WGS84")


def random_net(seed: int, n: int = 60, m: int = 150) -> RoadNetwork:
    """A random directed road graph (km = geodesic length, 30..110 km/h)."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-6.0, -5.0, n)
    lat = rng.uniform(34.0, 35.0, n)
    tail = rng.integers(0, n, m)
    head = rng.integers(0, n, m)
    ok = tail != head
    tail, head = tail[ok], head[ok]
    key = np.unique(tail * n + head)
    tail, head = key // n, key % n
    km = GEOD.inv(lon[tail], lat[tail], lon[head], lat[head])[2] / 1000
    minutes = km / rng.uniform(30, 110, km.size) * 60
    g = sp.csr_matrix((minutes, (tail, head)), shape=(n, n))
    g.sort_indices()
    # csr from coo sorts (tail, head); km follows the same order since keys are unique
    return RoadNetwork(lon=lon, lat=lat, graph=g, km=km, edge_class=np.zeros(km.size,
                       dtype=np.int16), classes=("primary",))


def to_nx(net: RoadNetwork, weight: str = "minutes") -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    coo = net.graph.tocoo()
    for t, h, w, k in zip(coo.row, coo.col, coo.data, net.km, strict=True):
        g.add_edge(int(t), int(h), minutes=w, km=k)
    return g


def access(lonlat: np.ndarray, net: RoadNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Brute-force nearest node and access minutes."""
    nodes, legs = [], []
    for lo, la in lonlat:
        d = GEOD.inv(np.full(net.n_nodes, lo), np.full(net.n_nodes, la), net.lon, net.lat)[2]
        i = int(np.argmin(d))
        nodes.append(i)
        legs.append(d[i] / 1000 * ACCESS_DETOUR / ACCESS_KMH * 60)
    return np.array(nodes), np.array(legs)


def points(seed: int, k: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(-6.0, -5.0, k), rng.uniform(34.0, 35.0, k)])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_od_table_equals_networkx(seed: int) -> None:
    net = random_net(seed)
    g = to_nx(net)
    o, d = points(100 + seed, 7), points(200 + seed, 11)
    on, oleg = access(o, net)
    dn, dleg = access(d, net)
    res = travel_table(net, o, d)
    for i in range(len(o)):
        lengths, paths = nx.single_source_dijkstra(g, int(on[i]), weight="minutes")
        for j in range(len(d)):
            t = lengths.get(int(dn[j]))
            if t is None:
                assert np.isinf(res.minutes[i, j]) and np.isinf(res.km[i, j])
                continue
            # access legs: siteplan's Lambert geodesic vs pyproj's Karney (2e-5 relative)
            assert res.minutes[i, j] == pytest.approx(oleg[i] + t + dleg[j], rel=1e-4)
            p = paths[int(dn[j])]
            road = sum(g[a][b]["km"] for a, b in itertools.pairwise(p))
            assert res.km[i, j] == pytest.approx(road, rel=1e-6, abs=1e-9)
    assert np.array_equal(travel_minutes(net, o, d), res.minutes)


def test_od_table_from_the_destination_side_agrees() -> None:
    # more origins than destinations: Dijkstra runs on the reversed graph
    net = random_net(7)
    o, d = points(1, 25), points(2, 3)
    forward = travel_table(net, d, o)  # few origins: forward
    back = travel_table(net, o, d)
    g = to_nx(net)
    on, oleg = access(o, net)
    dn, dleg = access(d, net)
    for j in range(len(d)):
        lengths = nx.single_source_dijkstra_path_length(g.reverse(), int(dn[j]), weight="minutes")
        for i in range(len(o)):
            t = lengths.get(int(on[i]), np.inf)
            assert back.minutes[i, j] == pytest.approx(oleg[i] + t + dleg[j], rel=1e-4)
            if np.isfinite(t):
                p = nx.dijkstra_path(g, int(on[i]), int(dn[j]), weight="minutes")
                road = sum(g[a][b]["km"] for a, b in itertools.pairwise(p))
                assert back.km[i, j] == pytest.approx(road, rel=1e-9, abs=1e-9)
            else:
                assert np.isinf(back.km[i, j])
    assert forward.minutes.shape == (3, 25)
    assert np.isfinite(back.km).sum() > 10


def test_limit_min_equals_brute_force() -> None:
    net = random_net(4)
    o, d = points(5, 9), points(6, 9)
    full = travel_minutes(net, o, d)
    finite = full[np.isfinite(full)]
    limit = float(np.median(finite))
    cut = travel_minutes(net, o, d, limit_min=limit)
    expect = np.where(full <= limit, full, np.inf)
    assert np.array_equal(np.isinf(cut), np.isinf(expect))
    assert np.allclose(cut[np.isfinite(cut)], expect[np.isfinite(expect)])


@pytest.mark.parametrize("seed", [0, 1])
def test_nearest_minutes_equals_brute_force(seed: int) -> None:
    net = random_net(seed)
    sites, feats = points(10 + seed, 40), points(20 + seed, 5)
    full = travel_minutes(net, sites, feats)
    expect = full.min(axis=1)
    got = nearest_minutes(net, sites, feats)
    assert np.array_equal(np.isinf(got), np.isinf(expect))
    assert np.allclose(got[np.isfinite(got)], expect[np.isfinite(expect)], rtol=1e-9)
    limit = float(np.median(expect[np.isfinite(expect)]))
    cut = nearest_minutes(net, sites, feats, limit_min=limit)
    assert np.array_equal(np.isfinite(cut), expect <= limit)


def test_feature_on_a_node_has_zero_access_leg() -> None:
    net = random_net(3)
    at_node = np.array([[net.lon[5], net.lat[5]]])
    s = snap(net, at_node)
    assert s.node[0] == 5 and s.minutes[0] == 0
    assert nearest_minutes(net, at_node, at_node)[0] == 0
    assert travel_minutes(net, at_node, at_node)[0, 0] == 0


def test_empty_and_bad_arguments() -> None:
    net = random_net(0)
    assert travel_minutes(net, np.zeros((0, 2)), points(1, 3)).shape == (0, 3)
    assert np.isinf(nearest_minutes(net, points(1, 3), np.zeros((0, 2)))).all()
    with pytest.raises(UsageError, match="limit_min"):
        travel_minutes(net, points(1, 2), points(2, 2), limit_min=0)
    with pytest.raises(UsageError, match="access_kmh"):
        nearest_minutes(net, points(1, 2), points(2, 2), access_kmh=0)
    with pytest.raises(UsageError, match=r"\(n, 2\)"):
        travel_minutes(net, [1.0, 2.0], points(2, 2))



# --- the CLI (the click group invoked directly) ------------------------------------------

HAND_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="34.0" lon="-6.0"/>
  <node id="2" lat="34.0" lon="-5.99"/>
  <node id="3" lat="34.0" lon="-5.98"/>
  <node id="4" lat="34.01" lon="-5.98"/>
  <node id="6" lat="34.1" lon="-6.1"/>
  <node id="7" lat="34.1" lon="-6.09"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/></way>
  <way id="11"><nd ref="3"/><nd ref="4"/><tag k="highway" v="secondary"/>
    <tag k="oneway" v="yes"/></way>
  <way id="14"><nd ref="6"/><nd ref="7"/><tag k="highway" v="tertiary"/></way>
</osm>
"""


def test_cli_build_and_od(tmp_path: Path) -> None:
    import pandas as pd
    from click.testing import CliRunner

    from siteplan.cli.network import network

    src = tmp_path / "hand.osm"
    src.write_text(HAND_OSM, encoding="utf-8")
    out = tmp_path / "net.npz"
    runner = CliRunner()
    r = runner.invoke(network, ["build", str(src), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "4 nodes, 5 directed edges" in r.output
    assert "primary" in r.output and "secondary" in r.output
    assert "dropped 1 smaller components (2 nodes, 2 edges; sizes 2)" in r.output
    r = runner.invoke(network, ["build", str(src), "-o", str(out)])
    assert r.exit_code != 0 and "exists" in str(r.exception or r.output)
    (tmp_path / "from.csv").write_text("id,lon,lat\na,-6.0,34.0\nb,-5.98,34.01\n")
    (tmp_path / "to.csv").write_text("id,lon,lat\nc,-5.98,34.01\n")
    args = ["od", "--net", str(out), "--from", str(tmp_path / "from.csv"),
            "--to", str(tmp_path / "to.csv")]
    r = runner.invoke(network, args)
    assert r.exit_code == 0, r.output
    assert "Travel times" in r.output
    r = runner.invoke(network, [*args, "-o", str(tmp_path / "od.csv")])
    assert r.exit_code == 0, r.output
    table = pd.read_csv(tmp_path / "od.csv", dtype={"from": str, "to": str})
    k12 = GEOD.inv(-6.0, 34.0, -5.98, 34.0)[2] / 1000
    k34 = GEOD.inv(-5.98, 34.0, -5.98, 34.01)[2] / 1000
    a = table.set_index("from").loc["a"]
    assert a["minutes"] == pytest.approx(k12 / 70 * 60 + k34 / 60 * 60, abs=0.01)
    assert a["road_km"] == pytest.approx(k12 + k34, abs=1e-3)
    assert table.set_index("from").loc["b", "minutes"] == 0
    r = runner.invoke(network, [*args, "-o", str(tmp_path / "od.csv")])
    assert r.exit_code != 0
    r = runner.invoke(network, [*args, "-o", str(tmp_path / "od.csv"), "--overwrite"])
    assert r.exit_code == 0, r.output
    # --lang fr: French headings and the CSV's minutes and km with a decimal comma
    r = runner.invoke(network, [*args, "--lang", "fr"])
    assert r.exit_code == 0, r.output
    assert "Temps de trajet" in r.output and "km de route" in r.output
    assert "Travel times" not in r.output and "road km" not in r.output
    row = next(ln for ln in r.output.splitlines() if ln.startswith("a "))
    assert f"{a['minutes']:.1f}".replace(".", ",") in row
    assert f"{a['road_km']:.1f}".replace(".", ",") in row
    r = runner.invoke(network, ["build", str(src), "-o", str(tmp_path / "fr.npz"), "--lang",
                                "fr"])
    assert r.exit_code == 0, r.output
    assert "4 nœuds, 5 arcs orientés" in r.output and "Km de route par classe" in r.output
    assert "composantes plus petites écartées : 1 (2 nœuds, 2 arcs ; tailles 2)" in r.output


# ------------------------------------------------ per-node results the criteria cache


def brute_minutes(net: RoadNetwork, sites: np.ndarray, feats: np.ndarray) -> np.ndarray:
    """(n_sites, n_feats) minutes by networkx, access legs at both ends (inf: no path)."""
    g = to_nx(net)
    sn, sleg = access(sites, net)
    fn, fleg = access(feats, net)
    out = np.full((len(sites), len(feats)), np.inf)
    for i, (a, la) in enumerate(zip(sn, sleg, strict=True)):
        length = nx.single_source_dijkstra_path_length(g, int(a), weight="minutes")
        for j, (b, lb) in enumerate(zip(fn, fleg, strict=True)):
            if int(b) in length:
                out[i, j] = la + length[int(b)] + lb
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_arrivals_within_count_and_sum_equal_brute_force(seed: int) -> None:
    from siteplan.criteria.routing import arrivals_within

    net = random_net(seed)
    sites, feats = points(500 + seed, 25), points(600 + seed, 9)
    feats = np.vstack([feats, feats[:2]])  # two features on the same node as others
    full = brute_minutes(net, sites, feats)
    weights = np.random.default_rng(seed).uniform(1, 100, len(feats))
    # limits away from any pair's time: pyproj's and siteplan's geodesics differ by ~1 cm
    finite = np.unique(full[np.isfinite(full)])
    for q in (0.2, 0.5, 0.9):
        i = int(q * (finite.size - 1))
        limit = (finite[i] + finite[i + 1]) / 2
        arr = arrivals_within(net, feats, float(limit))
        s = snap(net, sites)
        assert np.array_equal(arr.totals(s), (full <= limit).sum(axis=1))
        np.testing.assert_allclose(arr.totals(s, weights), (np.where(full <= limit, 1, 0)
                                                            * weights).sum(axis=1), rtol=1e-12)
        # the same in tiny batches of pairs (the memory bound)
        assert np.array_equal(arr.totals(s, max_pairs=3), (full <= limit).sum(axis=1))


@pytest.mark.parametrize("seed", [0, 1])
def test_exponential_sums_equal_brute_force(seed: int) -> None:
    from siteplan.criteria.routing import node_exp_sums

    net = random_net(seed)
    sites, feats = points(700 + seed, 20), points(800 + seed, 8)
    mass = np.random.default_rng(seed).uniform(1, 1000, len(feats))
    full = brute_minutes(net, sites, feats)
    scale = 30.0
    expect = (mass * np.exp(-full / scale)).sum(axis=1)  # exp(-inf) = 0
    s = snap(net, sites)
    got = np.exp(-s.minutes / scale) * node_exp_sums(net, feats, mass, scale)[s.node, 0]
    # access legs: pyproj's geodesic and siteplan's agree to ~1 cm (1e-4 min at 20 km/h)
    np.testing.assert_allclose(got, expect, rtol=1e-5, atol=1e-12)


def test_node_nearest_minutes_with_a_limit_equals_brute_force() -> None:
    from siteplan.criteria.routing import node_nearest_minutes

    net = random_net(4)
    feats = points(900, 5)
    g = to_nx(net)
    fn, fleg = access(feats, net)
    expect = np.full(net.n_nodes, np.inf)
    for b, lb in zip(fn, fleg, strict=True):
        for a, t in nx.single_source_dijkstra_path_length(g.reverse(), int(b),
                                                          weight="minutes").items():
            expect[a] = min(expect[a], t + lb)
    got = node_nearest_minutes(net, feats)
    np.testing.assert_allclose(got[np.isfinite(expect)], expect[np.isfinite(expect)],
                               atol=1e-3)  # access legs: the geodesics agree to ~1 cm
    assert np.array_equal(np.isfinite(got), np.isfinite(expect))
    finite = np.unique(expect[np.isfinite(expect)])
    limit = float(finite[finite.size // 2] + finite[finite.size // 2 + 1]) / 2
    cut = node_nearest_minutes(net, feats, limit_min=limit)
    assert np.array_equal(np.isfinite(cut), expect <= limit)


def test_cli_build_speed_table_and_extra_classes(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from siteplan.cli import cli

    src = tmp_path / "hand.osm"
    src.write_text(HAND_OSM, encoding="utf-8")
    runner = CliRunner()
    slow, fast = tmp_path / "slow.npz", tmp_path / "fast.npz"
    assert runner.invoke(cli, ["network", "build", str(src), "-o", str(slow),
                               "--speed", "primary=35"]).exit_code == 0
    assert runner.invoke(cli, ["network", "build", str(src), "-o", str(fast)]).exit_code == 0
    a, b = RoadNetwork.load(slow), RoadNetwork.load(fast)
    primary = a.classes.index("primary")
    e = a.edge_class == primary
    # the hand file's primary way has no maxspeed: 70 km/h by default, 35 asked
    assert np.allclose(a.graph.data[e], 2 * b.graph.data[b.edge_class == primary])
    for args, message in ((["--speed", "primary=0"], "'primary' = 0.0; a speed must be"),
                          (["--speed", "primary"], "--speed 'primary': expected CLASS=KMH"),
                          (["--speed", "footway=5"], "unknown class 'footway'"),
                          (["--class", "footway"], "no default speed for footway")):
        out = tmp_path / "bad.npz"
        r = runner.invoke(cli, ["network", "build", str(src), "-o", str(out), *args])
        assert r.exit_code != 0 and message in r.output, r.output
        assert "Traceback" not in r.output and not out.exists()
