"""Benchmark of siteplan.criteria.kernels against a straightforward GeoPandas implementation.

Run: ``python benchmarks/bench_kernels.py [--quick]``. Prints wall-clock figures.

* 10,000 sites x 12 criteria (nearest airport/station/port/motorway/university/park,
  gravity exponential/power/gaussian on universities, 2SFCA, within-radius count,
  containing province);
* 870,000 points (the H3 res-8 scale) x every kernel;
* GeoPandas baselines in the same process on the same points: ``sjoin_nearest`` on
  EPSG:3857 (distances rescaled by cos(lat)), ``sjoin`` for zones, ``.distance``
  loops for gravity. For 870k points the baseline runs on a 100k subsample and is
  scaled x8.7 (printed as such).

Features are synthetic (uniform in Morocco's bbox, lon -17.1..-1.0, lat 21.3..35.95);
the 75 "provinces" are a Voronoi tessellation of the bbox densified to ~400 vertices
each.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

BBOX = (-17.1, 21.3, -1.0, 35.95)


def _pts(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(BBOX[0], BBOX[2], n), rng.uniform(BBOX[1], BBOX[3], n)


def _provinces(rng: np.random.Generator, k: int = 75) -> Any:
    import shapely

    seeds = shapely.multipoints(np.column_stack(_pts(rng, k)))
    box = shapely.box(*BBOX)
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box))
    cells = shapely.intersection(cells, box)
    return shapely.segmentize(cells, 0.02)


def _timeit(fn: Callable[[], Any], repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one repetition, smaller baseline")
    args = ap.parse_args()
    rep = 1 if args.quick else 3

    import geopandas as gpd

    from siteplan.criteria import kernels as K

    rng = np.random.default_rng(42)
    airports, stations, ports, motorway = _pts(rng, 20), _pts(rng, 40), _pts(rng, 30), _pts(rng, 80)
    unis, parks = _pts(rng, 60), _pts(rng, 12)
    students = rng.uniform(500, 80_000, 60)
    jobs = rng.uniform(100, 15_000, 12)
    zones = _provinces(rng)

    def criteria(lon: np.ndarray, lat: np.ndarray) -> dict[str, Callable[[], Any]]:
        return {
            "nearest airport (20)": lambda: K.nearest_distance(lon, lat, *airports),
            "nearest station (40)": lambda: K.nearest_distance(lon, lat, *stations),
            "nearest port (30)": lambda: K.nearest_distance(lon, lat, *ports),
            "nearest motorway (80)": lambda: K.nearest_distance(lon, lat, *motorway),
            "nearest university (60)": lambda: K.nearest_distance(lon, lat, *unis),
            "nearest park (12)": lambda: K.nearest_distance(lon, lat, *parks),
            "gravity exp (60)": lambda: K.gravity(lon, lat, *unis, students, "exponential", 50),
            "gravity power (60)": lambda: K.gravity(lon, lat, *unis, students, "power", 25, 2.0),
            "gravity gaussian (60)": lambda: K.gravity(lon, lat, *unis, students, "gaussian", 60),
            "2SFCA 100 km (60+12)": lambda: K.two_step_fca(
                lon, lat, *unis, students, *parks, jobs, 100.0
            ),
            "within 50 km (40)": lambda: K.within_radius(lon, lat, *stations, 50.0),
            "containing zone (75)": lambda: K.containing_zone(lon, lat, zones),
        }

    def baseline(lon: np.ndarray, lat: np.ndarray) -> dict[str, Callable[[], Any]]:
        sites = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)
        sites_m = sites.to_crs(3857)
        coslat = np.cos(np.radians(lat))

        def layer(xy: tuple[np.ndarray, np.ndarray]) -> gpd.GeoDataFrame:
            return gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy), crs=4326).to_crs(3857)

        air_m, uni_m = layer(airports), layer(unis)
        zg = gpd.GeoDataFrame({"z": np.arange(len(zones))}, geometry=zones, crs=4326)

        def nearest() -> Any:
            j = gpd.sjoin_nearest(sites_m, air_m, distance_col="d")
            return j["d"].to_numpy() * coslat[j.index.to_numpy()] / 1000.0

        def grav() -> Any:
            tot = np.zeros(len(sites_m))
            for g, s in zip(uni_m.geometry, students, strict=True):
                d = sites_m.distance(g).to_numpy() * coslat / 1000.0
                tot += s * np.exp(-d / 50.0)
            return tot

        def zone() -> Any:
            return gpd.sjoin(sites, zg, predicate="intersects")

        return {
            "nearest airport (20)": nearest,
            "gravity exp (60)": grav,
            "containing zone (75)": zone,
        }

    print(f"cores: {os.cpu_count()}; load average: {os.getloadavg()}")
    # ---------------------------------------------------------------- 10,000 sites
    lon, lat = _pts(rng, 10_000)
    crit = criteria(lon, lat)
    times = {name: _timeit(fn, rep) for name, fn in crit.items()}
    print(f"\n10,000 sites x 12 criteria (best of {rep})")
    for name, t in times.items():
        print(f"  {name:26s} {t * 1000:8.1f} ms")
    print(f"  {'TOTAL':26s} {sum(times.values()) * 1000:8.1f} ms   (target <= 500 ms)")
    base = {name: _timeit(fn, 1) for name, fn in baseline(lon, lat).items()}
    for name, t in base.items():
        print(f"  geopandas {name:16s} {t * 1000:8.1f} ms   ratio x{t / times[name]:.1f}")

    # ---------------------------------------------------------------- 870,000 points
    n = 870_000
    lon, lat = _pts(rng, n)
    crit = criteria(lon, lat)
    times = {name: _timeit(fn, 1) for name, fn in crit.items()}
    print(f"\n{n:,} points (H3 res 8) x 12 kernels")
    for name, t in times.items():
        print(f"  {name:26s} {t:8.3f} s")
    print(f"  {'TOTAL':26s} {sum(times.values()):8.3f} s")
    sub = 100_000 if not args.quick else 50_000
    scale = n / sub
    base = {name: _timeit(fn, 1) for name, fn in baseline(lon[:sub], lat[:sub]).items()}
    for name, t in base.items():
        print(
            f"  geopandas {name:16s} {t:8.3f} s on {sub:,} -> x{scale:.1f} = {t * scale:7.2f} s"
            f"   ratio x{t * scale / times[name]:.1f}"
        )


if __name__ == "__main__":
    main()
