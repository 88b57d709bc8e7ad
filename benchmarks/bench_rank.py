"""Benchmark of `siteplan rank`: whole process, start-up, and the engine at 10,000 candidates.

Prints figures and ratios measured in this run (no hard-coded results):

1. `siteplan --help` and `siteplan rank` (default scenario, Morocco pack) as child
   processes, best of 5 wall times (goals: <= 0.4 s and <= 2 s);
2. the engine scoring 10,000 random candidates x 12 criteria through the Python API
   (goal: <= 0.5 s), against a straightforward GeoPandas implementation of the same
   criteria (`sjoin_nearest`, `sjoin` and `.distance` per criterion, in a projected CRS)
   run in the same process on the same points.

    python benchmarks/bench_rank.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baseline import geopandas_baseline, machine

REPO = Path(__file__).resolve().parents[1]
SITEPLAN = [sys.executable, "-m", "siteplan.cli.__main__"]


def best_wall(cmd: list[str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=REPO)
        times.append(time.perf_counter() - t0)
    return min(times)


def twelve_criteria() -> Any:
    """balanced-2030 plus a port-distance criterion: 12 criteria."""
    from siteplan.scenario import load_scenario, scenario_from_dict, scenario_to_dict

    doc = scenario_to_dict(load_scenario("balanced-2030"))
    doc["criteria"].append({"name": "port_km", "kind": "nearest_distance", "layer": "ports",
                            "direction": "cost", "unit": "km", "weight": 3})
    doc["constraints"] = []
    return scenario_from_dict(doc, "bench")


def random_candidates(pack: Any, n: int, seed: int = 1) -> Any:
    import geopandas as gpd
    import shapely

    area = pack.study_area()
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = area.bounds
    pts: list[Any] = []
    while len(pts) < n:
        x = rng.uniform(minx, maxx, 4 * n)
        y = rng.uniform(miny, maxy, 4 * n)
        inside = shapely.contains_xy(area, x, y)
        pts.extend(zip(x[inside], y[inside], strict=True))
    xy = np.array(pts[:n])
    return gpd.GeoDataFrame({"id": [f"s{i}" for i in range(n)],
                             "name": [f"site {i}" for i in range(n)]},
                            geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:4326")


def main() -> None:
    from siteplan.criteria.compute import CriteriaContext, compute_criteria
    from siteplan.layers.pack import Pack
    from siteplan.scoring.ranking import rank

    print(f"machine: {machine()}")
    t_help = best_wall([*SITEPLAN, "--help"])
    t_rank = best_wall([*SITEPLAN, "rank"], repeat=3)
    print(f"siteplan --help          {t_help:7.3f} s  (goal <= 0.4 s)")
    print(f"siteplan rank (default)  {t_rank:7.3f} s  (goal <= 2 s, whole process)")

    pack = Pack(None)
    scen = twelve_criteria()
    cand = random_candidates(pack, 10_000)
    rank(scen, pack=pack, candidates=cand.head(50))  # warm the layer cache
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        r = rank(scen, pack=pack, candidates=cand)
        times.append(time.perf_counter() - t0)
    t_engine = min(times)
    print(f"engine rank(): 10,000 candidates x {len(scen.criteria)} criteria "
          f"{t_engine:7.3f} s  (goal <= 0.5 s; includes locating, constraints, ranking)")
    ctx = CriteriaContext(pack)
    lon, lat = cand.geometry.x.to_numpy(), cand.geometry.y.to_numpy()
    compute_criteria(scen.criteria, ctx, lon[:10], lat[:10], cand.head(10))
    t0 = time.perf_counter()
    ours = compute_criteria(scen.criteria, ctx, lon, lat, cand)
    t_crit = time.perf_counter() - t0
    t0 = time.perf_counter()
    base = geopandas_baseline(scen, pack, cand.geometry.x.to_numpy(), cand.geometry.y.to_numpy())
    t_base = time.perf_counter() - t0
    print(f"criteria only (siteplan kernels)   {t_crit:7.3f} s")
    print(f"criteria, GeoPandas baseline       {t_base:7.3f} s")
    print(f"ratio baseline / siteplan criteria {t_base / t_crit:7.1f} x")
    print(f"ratio baseline / whole rank()      {t_base / t_engine:7.1f} x")
    for name, v in base.items():
        if name in ours and "distance" in scen.criterion(name).kind:
            rel = np.nanmax(np.abs(v - ours[name]) / np.maximum(ours[name], 1.0))
            print(f"  check {name}: max relative difference UTM vs geodesic {rel:.3%}")
    print(f"ranked sites: {len(r.included)} of {len(r.sites)}")


if __name__ == "__main__":
    main()
