"""Benchmark of siteplan.analyses.plan.select.select_sites on Morocco-like random instances.

500 candidates scattered around the 12 regional capitals, K = 10, at most 2 per
region, 30 km spacing (target: exact solve <= 10 s on 2 cores). Prints the time
of the exact MILP (HiGHS) and of the greedy heuristic, and the gap between the
greedy and the exact objective on the same inputs; also a variant with spacing to
existing parks and a lagging-region quota, and the coverage (MCLP) objective.

Run:  python benchmarks/bench_plan.py [--seeds 5] [--n 500]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from siteplan.analyses.plan.select import Coverage, select_sites

# regional capitals (lon, lat) and a rough spread in degrees: 01 Tanger .. 12 Dakhla
CAPITALS = [
    (-5.81, 35.76, 0.5),  # 01 Tanger-Tetouan-Al Hoceima
    (-1.91, 34.68, 0.8),  # 02 Oriental
    (-5.00, 34.03, 0.6),  # 03 Fes-Meknes
    (-6.84, 34.02, 0.4),  # 04 Rabat-Sale-Kenitra
    (-6.35, 32.34, 0.6),  # 05 Beni Mellal-Khenifra
    (-7.59, 33.57, 0.4),  # 06 Casablanca-Settat
    (-8.01, 31.63, 0.7),  # 07 Marrakech-Safi
    (-4.43, 31.93, 1.0),  # 08 Draa-Tafilalet
    (-9.60, 30.43, 0.8),  # 09 Souss-Massa
    (-10.06, 28.99, 0.8),  # 10 Guelmim-Oued Noun
    (-13.20, 27.15, 0.9),  # 11 Laayoune-Sakia El Hamra
    (-15.95, 23.70, 0.9),  # 12 Dakhla-Oued Ed-Dahab
]
SHARE = np.array([10, 6, 11, 11, 6, 16, 12, 5, 8, 5, 5, 5], dtype=float)
# existing parks: Casanearshore, Technopolis Rabat, Fes Shore, Oujda Shore, Tetouan Shore,
# Technopark Tanger, Marrakech, Agadir
PARKS = np.array(
    [
        (-7.64, 33.55),
        (-6.73, 33.98),
        (-4.98, 34.00),
        (-1.90, 34.70),
        (-5.37, 35.57),
        (-5.83, 35.77),
        (-8.00, 31.63),
        (-9.55, 30.42),
    ]
)


def _distance_fn() -> tuple[Callable[..., np.ndarray], str]:
    try:
        from siteplan.criteria.geodesy import distance_matrix_km

        return distance_matrix_km, "siteplan.criteria.geodesy (WGS84)"
    except ImportError:

        def haversine(lon_a: Any, lat_a: Any, lon_b: Any, lat_b: Any) -> np.ndarray:
            la, pa = np.radians(lon_a)[:, None], np.radians(lat_a)[:, None]
            lb, pb = np.radians(lon_b)[None, :], np.radians(lat_b)[None, :]
            h = np.sin((pb - pa) / 2) ** 2 + np.cos(pa) * np.cos(pb) * np.sin((lb - la) / 2) ** 2
            return 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(h, 1.0)))

        return haversine, "haversine (fallback)"


def instance(seed: int, n: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    region = rng.choice(12, size=n, p=SHARE / SHARE.sum())
    cap = np.array(CAPITALS)
    lon = cap[region, 0] + rng.normal(0, 1, n) * cap[region, 2]
    lat = cap[region, 1] + rng.normal(0, 1, n) * cap[region, 2] * 0.7
    # suitability: higher near the capitals, plus noise (correlated in space -> harder)
    r = np.hypot(lon - cap[region, 0], lat - cap[region, 1])
    score = np.clip(0.8 * np.exp(-r) + 0.2 * rng.uniform(size=n), 0, 1)
    lagging = np.isin(region, [1, 4, 7, 9, 10, 11])  # 02, 05, 08, 10, 11, 12
    return {"lon": lon, "lat": lat, "region": region, "score": score, "lagging": lagging}


def timed(f: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--n", type=int, default=500)
    args = ap.parse_args()
    dist_fn, dist_name = _distance_fn()
    print(f"select_sites benchmark: n={args.n}, K=10, cap 2 per region, spacing 30 km")
    print(f"distances: {dist_name}")
    header = (
        f"{'case':<22}{'seed':>5}{'dist s':>8}{'exact s':>9}{'status':>9}{'pairs':>7}"
        f"{'exact obj':>11}{'greedy s':>10}{'greedy obj':>11}{'greedy gap':>11}{'bound gap':>10}"
    )
    print(header)
    worst = 0.0
    for seed in range(args.seeds):
        inst = instance(seed, args.n)
        lon, lat = inst["lon"], inst["lat"]
        dist, t_dist = timed(lambda lon=lon, lat=lat: dist_fn(lon, lat, lon, lat))
        dpark = dist_fn(lon, lat, PARKS[:, 0], PARKS[:, 1])
        demand_lon = lon + np.random.default_rng(seed + 100).normal(0, 0.3, args.n)
        demand_lat = lat + np.random.default_rng(seed + 200).normal(0, 0.3, args.n)
        demand_w = np.random.default_rng(seed + 300).lognormal(10, 1, args.n)
        cases: dict[str, dict[str, Any]] = {
            "suitability": {},
            "+parks+lagging Q=4": {
                "dist_to_existing_km": dpark,
                "lagging": inst["lagging"],
                "lagging_quota": 4,
            },
            "coverage T=40 km": {
                "objective": "coverage",
                "coverage": Coverage(
                    weights=demand_w,
                    dist_km=dist_fn(lon, lat, demand_lon, demand_lat),
                    radius_km=40.0,
                    existing_dist_km=dist_fn(PARKS[:, 0], PARKS[:, 1], demand_lon, demand_lat),
                ),
                "dist_to_existing_km": dpark,
            },
        }
        for name, extra in cases.items():
            kw: dict[str, Any] = {
                "k": 10,
                "region": inst["region"],
                "dist_km": dist,
                "max_per_region": 2,
                "min_spacing_km": 30.0,
                **extra,
            }
            score = inst["score"]
            ex, t_ex = timed(lambda s=score, kw=kw: select_sites(s, solver="exact", **kw))
            gr, t_gr = timed(lambda s=score, kw=kw: select_sites(s, solver="greedy", **kw))
            gap = (ex.objective - gr.objective) / abs(ex.objective)
            if name == "suitability":
                worst = max(worst, t_ex + t_dist)
            print(
                f"{name:<22}{seed:>5}{t_dist:>8.3f}{t_ex:>9.3f}{ex.status:>9}"
                f"{ex.constraints['close_pairs']:>7}{ex.objective:>11.4g}{t_gr:>10.4f}"
                f"{gr.objective:>11.4g}{gap:>10.2%}{gr.gap or 0.0:>10.2%}"
            )
    print(f"worst exact time incl. distances (suitability case): {worst:.2f} s (target <= 10 s)")
    print("greedy gap = (exact - greedy) / exact; bound gap = greedy's own gap to its upper bound")


if __name__ == "__main__":
    main()
