"""Road-network figures at national scale, on synthetic networks (no real Moroccan
extract is at hand offline; see docs/network.md).

* minutes from every H3 resolution-8 cell of the Morocco pack to the nearest
  international airport, snapping included (goal 3 s), on a lat/lon grid over the
  country's bounding box with about 1 million nodes (``--side``), against the geodesic
  nearest-airport criterion of the same cells measured in the same run;
* a whole ``siteplan surface -r 8`` process with balanced-2030's airport, high-speed rail,
  rail and motorway criteria in road minutes on that grid, against today's geodesic
  balanced-2030 (goal: at most twice), medians of 2 runs each;
* ``siteplan network build`` of a synthetic ``.osm`` extract of about 1 million road nodes
  (a grid of ways with mixed classes, some one-way and with maxspeed), in a child process:
  wall time and peak memory (goal 120 s, 2 GB).

Run: ``.venv/bin/python benchmarks/bench_network_scale.py [--side 1000] [--skip-cells]
[--skip-surface] [--skip-build]``
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LON0, LON1, LAT0, LAT1 = -17.1, -1.0, 21.0, 35.95
CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary")


def cells_to_airport(side: int) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    import bench_network as grid

    from siteplan.analyses.surface.model import cells_for_area
    from siteplan.criteria import kernels
    from siteplan.criteria.compute import CriteriaContext
    from siteplan.criteria.routing import nearest_minutes
    from siteplan.layers.pack import Pack

    grid.LON0, grid.LON1, grid.LAT0, grid.LAT1 = LON0, LON1, LAT0, LAT1
    t = time.perf_counter()
    net = grid.grid_network(side)
    print(f"grid over Morocco's bounding box: {net.n_nodes:,} nodes, {net.n_edges:,} directed "
          f"edges (made in {time.perf_counter() - t:.1f} s)")
    pack = Pack(None)
    _, lon, lat = cells_for_area(pack, 8)
    air = CriteriaContext(pack).features("airports", "international == true", None, "bench")
    feats = np.column_stack([air.lon, air.lat])
    sites = np.column_stack([lon, lat])
    t = time.perf_counter()
    minutes = nearest_minutes(net, sites, feats)
    t_min = time.perf_counter() - t
    t = time.perf_counter()
    km = kernels.nearest_distance(lon, lat, air.lon, air.lat)
    t_km = time.perf_counter() - t
    print(f"{lon.size:,} res-8 cells -> nearest of {air.lon.size} international airports: "
          f"{t_min:.2f} s by road incl. snapping (goal 3 s); geodesic km of the same cells "
          f"{t_km:.2f} s (ratio {t_min / t_km:.1f}x); median {np.median(minutes):.0f} min, "
          f"{np.median(km):.0f} km")


def _minute_scenario(text: str) -> str:
    """balanced-2030 with its four connectivity criteria in road minutes."""
    for layer in ("airports", "rail_stations", "motorway_access"):
        text = text.replace(f'kind = "nearest_distance"\nlayer = "{layer}"',
                            f'kind = "travel_time"\nlayer = "{layer}"')
    assert text.count('kind = "travel_time"') == 4, "balanced-2030 changed; update the bench"
    return text


def surface_whole_process(side: int) -> None:
    import statistics

    from siteplan.scenario import builtin_text

    sys.path.insert(0, str(Path(__file__).parent))
    import bench_network as grid

    grid.LON0, grid.LON1, grid.LAT0, grid.LAT1 = LON0, LON1, LAT0, LAT1
    with tempfile.TemporaryDirectory() as tmp:
        npz = grid.grid_network(side).save(Path(tmp) / "grid.npz")
        scen = Path(tmp) / "minutes.toml"
        scen.write_text(_minute_scenario(builtin_text("balanced-2030")), encoding="utf-8")
        times: dict[str, list[float]] = {"minutes": [], "km": []}
        for _ in range(2):
            for key, name in (("minutes", str(scen)), ("km", "balanced-2030")):
                t = time.perf_counter()
                subprocess.run([sys.executable, "-m", "siteplan", "surface", "-r", "8",
                                "--scenario", name, "--layer", f"network={npz}", "-o",
                                str(Path(tmp) / "s.parquet"), "--overwrite"], check=True,
                               capture_output=True)
                times[key].append(time.perf_counter() - t)
        tm, tk = statistics.median(times["minutes"]), statistics.median(times["km"])
        print(f"siteplan surface -r 8, whole process: 4 criteria in road minutes {tm:.2f} s, "
              f"geodesic {tk:.2f} s -> {tm / tk:.2f}x (goal at most 2x)")


def write_osm(path: Path, side: int, seed: int = 0) -> int:
    """A side x side grid of nodes joined by ways along rows and columns."""
    rng = np.random.default_rng(seed)
    lon = np.linspace(-9.0, -2.0, side)
    lat = np.linspace(30.0, 35.5, side)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n')
        for i in range(side):
            base = i * side
            fh.write("".join(f'<node id="{base + j + 1}" lat="{lat[i]:.7f}" '
                             f'lon="{lon[j]:.7f}"/>\n' for j in range(side)))
        way = 1
        for horizontal in (True, False):
            for i in range(side):
                ids = (np.arange(side) + i * side if horizontal
                       else np.arange(side) * side + i) + 1
                # split each row/column into ways of ~50 nodes, as a real extract is
                for start in range(0, side - 1, 50):
                    part = ids[start:start + 51]
                    tags = [f'<tag k="highway" v="{CLASSES[rng.integers(len(CLASSES))]}"/>']
                    if rng.random() < 0.05:
                        tags.append('<tag k="oneway" v="yes"/>')
                    if rng.random() < 0.2:
                        tags.append(f'<tag k="maxspeed" v="{rng.choice([60, 80, 100])}"/>')
                    refs = "".join(f'<nd ref="{n}"/>' for n in part)
                    fh.write(f'<way id="{way}">{refs}{"".join(tags)}</way>\n')
                    way += 1
        fh.write("</osm>\n")
    return side * side


def build_in_child(side: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        osm = Path(tmp) / "synthetic.osm"
        t = time.perf_counter()
        n = write_osm(osm, side)
        print(f"synthetic extract: {n:,} nodes, {osm.stat().st_size / 2**20:.0f} MB of OSM XML "
              f"(written in {time.perf_counter() - t:.1f} s)")
        code = ("import sys; from siteplan.layers.network import build_network; "
                "net = build_network(sys.argv[1]); "
                "print(f'{net.n_nodes:,} nodes, {net.n_edges:,} directed edges')")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code, str(osm)], check=True,
                             capture_output=True, text=True)
        wall = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"build_network: {out.stdout.strip()} in {wall:.1f} s (goal 120 s), peak "
              f"{max(peak, before) / 2**20:.2f} GB whole process (goal 2 GB)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=1000, help="grid side (side^2 nodes)")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--skip-cells", action="store_true")
    ap.add_argument("--skip-surface", action="store_true")
    a = ap.parse_args()
    if not a.skip_cells:
        cells_to_airport(a.side)
    if not a.skip_surface:
        surface_whole_process(a.side)
    if not a.skip_build:
        build_in_child(a.side)


if __name__ == "__main__":
    main()
