"""Shared pieces of the benchmark scripts: the machine line and the GeoPandas baseline.

The baseline computes a scenario's criteria the straightforward GeoPandas way, so that
each benchmark can print its ratio against it in the same run.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import numpy as np


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.platform()}, nproc {os.cpu_count()}, {model}"


def geopandas_baseline(scen: Any, pack: Any, lon: np.ndarray, lat: np.ndarray,
                       timings: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """The criteria the straightforward GeoPandas way (metres in EPSG:32629).

    Nearest distances by ``sjoin_nearest``, zone attributes by ``sjoin`` (within),
    gravity and radius counts by ``.distance`` to each feature (2SFCA reduced to its
    step-2 sum over the supply points within the radius: a lower bound of its cost).
    ``timings``, when given, receives the seconds of the shared set-up (``"(points)"``:
    the point GeoDataFrame and its projection) and of each criterion.
    """
    import time

    import geopandas as gpd

    from siteplan.criteria.compute import filter_mask

    t0 = time.perf_counter()
    crs = "EPSG:32629"
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    sites = pts.to_crs(crs)
    if timings is not None:
        timings["(points)"] = time.perf_counter() - t0
    out: dict[str, np.ndarray] = {}
    for c in scen.criteria:
        t0 = time.perf_counter()
        p = c.params
        if c.kind in ("nearest_distance", "gravity", "within_radius", "two_step_fca"):
            layer = pack.layer(p["layer"])
            if p.get("filter"):
                layer = layer[filter_mask(layer, p["filter"], "bench", p["layer"])]
            if layer.geometry.iloc[0].geom_type != "Point":
                layer = layer.set_geometry(layer.geometry.representative_point())
            feats = layer.to_crs(crs)
        if c.kind == "nearest_distance":
            j = gpd.sjoin_nearest(sites, feats[["geometry"]], distance_col="d")
            out[c.name] = j.groupby(level=0)["d"].min().to_numpy() / 1000
        elif c.kind in ("gravity", "within_radius", "two_step_fca"):
            mass = (feats[p["column"]].fillna(0).to_numpy(dtype=float) if p.get("column")
                    else np.ones(len(feats)))
            total = np.zeros(len(sites))
            for k, geom in enumerate(feats.geometry):
                d = sites.distance(geom).to_numpy() / 1000
                if c.kind == "gravity":
                    total += mass[k] * np.exp(-d / float(p["scale_km"]))
                else:
                    total += mass[k] * (d <= float(p["radius_km"]))
            out[c.name] = total
        elif c.kind == "zone_attribute":
            zones = pack.layer(p["zones"])[[p["column"], "geometry"]]
            j = gpd.sjoin(pts, zones, how="left", predicate="within")
            out[c.name] = j[~j.index.duplicated()][p["column"]].to_numpy()
        if timings is not None:
            timings[c.name] = time.perf_counter() - t0
    return out


def measured_child(cmd: list[str], cwd: Path | str | None = None
                   ) -> tuple[float, float, str]:
    """Run ``cmd``; return its wall time (s), the peak RSS (MB) of that process alone and
    its output (stdout and stderr).

    The peak comes from ``/usr/bin/time -v`` ("Maximum resident set size"): GNU time is a
    small process that forks and execs the command, so the figure is the command's own.
    ``os.wait4`` on a child of this (large) Python process would not do: Linux carries
    the parent's high-water mark into a forked child across ``exec`` (the figure
    includes the benchmark's own memory). Without GNU time, a small Python launcher
    plays its part.
    """
    import subprocess
    import sys
    import tempfile
    import time

    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "time.txt"
        if Path("/usr/bin/time").exists():
            wrapped = ["/usr/bin/time", "-v", "-o", str(report), *cmd]
        else:
            wrapped = [sys.executable, "-c", _LAUNCHER, str(report), *cmd]
        t0 = time.perf_counter()
        proc = subprocess.run(wrapped, cwd=cwd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False)
        wall = time.perf_counter() - t0
        text = proc.stdout.decode("utf-8", "replace")
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{text}")
        peak_kb = next(float(line.split(":")[-1]) for line in
                       report.read_text(encoding="utf-8").splitlines()
                       if "Maximum resident set size" in line)
    return wall, peak_kb / 1024.0, text


# a small process that runs the command and reports its own child's ru_maxrss (kB)
_LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"Maximum resident set size (kbytes): {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""
