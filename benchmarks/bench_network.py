"""Road-network routing: a synthetic 450 x 450 lat/lon grid (~200,000 nodes) over
northern Morocco.

* a 500 x 500 origin-destination table (minutes and road km; goal 2 s), against
  networkx's single-source Dijkstra on the same graph for a sample of origins
  (extrapolated to 500);
* nearest-feature minutes from 100,000 random points to 10 features.

Run: ``.venv/bin/python benchmarks/bench_network.py``
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from pyproj import Geod

from siteplan.criteria.routing import nearest_minutes, travel_table
from siteplan.layers.network import RoadNetwork

SIDE = 450
LON0, LON1, LAT0, LAT1 = -9.0, -2.0, 32.0, 35.8


def grid_network(side: int = SIDE, seed: int = 0) -> RoadNetwork:
    rng = np.random.default_rng(seed)
    lon, lat = np.meshgrid(np.linspace(LON0, LON1, side), np.linspace(LAT0, LAT1, side))
    lon, lat = lon.ravel(), lat.ravel()
    ids = np.arange(side * side).reshape(side, side)
    a = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    b = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    km = Geod(ellps="WGS84").inv(lon[a], lat[a], lon[b], lat[b])[2] / 1000
    speed = rng.choice([50.0, 60.0, 70.0, 90.0, 110.0], size=a.size)
    minutes = km / speed * 60
    tail, head = np.concatenate([a, b]), np.concatenate([b, a])
    e_min, e_km = np.concatenate([minutes, minutes]), np.concatenate([km, km])
    order = np.lexsort((head, tail))
    tail, head, e_min, e_km = tail[order], head[order], e_min[order], e_km[order]
    n = side * side
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
    g = sp.csr_matrix((e_min, head.astype(np.int32), indptr), shape=(n, n))
    return RoadNetwork(lon=lon, lat=lat, graph=g, km=e_km,
                       edge_class=np.zeros(e_km.size, dtype=np.int16), classes=("primary",))


def random_points(rng: np.random.Generator, k: int) -> np.ndarray:
    return np.column_stack([rng.uniform(LON0, LON1, k), rng.uniform(LAT0, LAT1, k)])


def main() -> None:
    import networkx as nx

    rng = np.random.default_rng(1)
    t = time.perf_counter()
    net = grid_network()
    print(f"grid: {net.n_nodes} nodes, {net.n_edges} directed edges "
          f"(built in {time.perf_counter() - t:.2f} s)")
    o, d = random_points(rng, 500), random_points(rng, 500)
    t = time.perf_counter()
    res = travel_table(net, o, d)
    t_od = time.perf_counter() - t
    t = time.perf_counter()
    travel_table(net, o, d, with_km=False)
    t_od_min = time.perf_counter() - t
    print(f"OD 500 x 500 minutes + road km: {t_od:.2f} s (goal 2 s); minutes only "
          f"{t_od_min:.2f} s; median {np.median(res.minutes):.0f} min, "
          f"{np.median(res.km):.0f} road km")
    coo = net.graph.tocoo()
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(),
                                  strict=True))
    sample = 5
    t = time.perf_counter()
    for s in rng.choice(net.n_nodes, sample, replace=False):
        nx.single_source_dijkstra_path_length(g, int(s))
    t_nx = (time.perf_counter() - t) / sample * 500
    print(f"networkx single-source Dijkstra x 500 (extrapolated from {sample}): {t_nx:.1f} s "
          f"-> siteplan is {t_nx / t_od:.1f}x faster (minutes only: {t_nx / t_od_min:.1f}x)")
    sites, feats = random_points(rng, 100_000), random_points(rng, 10)
    t = time.perf_counter()
    near = nearest_minutes(net, sites, feats)
    print(f"nearest minutes, 100,000 points -> 10 features: {time.perf_counter() - t:.2f} s "
          f"(median {np.median(near):.0f} min)")


if __name__ == "__main__":
    main()
