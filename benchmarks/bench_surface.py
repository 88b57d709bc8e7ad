"""Benchmark of the H3 suitability surface (`siteplan surface`), default scenario balanced-2030.

Prints figures measured in this run (no hard-coded results):

1. the machine (nproc, CPU model);
2. resolution 8 over the 12 regions through the Python API: cells, zones, criteria,
   normalisation, WLC score (goal: cells + criteria + score <= 3 s), re-scoring with
   new weights (goal < 0.5 s), and each criterion's kernel time on all cells;
3. the aggregation step against the memory-bandwidth bound (bytes it must read and
   write divided by a measured numpy copy bandwidth on a 512 MB array);
4. `siteplan surface --resolution 8 -o x.parquet` as a child process: wall time
   (goal <= 10 s) and its own peak RSS from GNU time (goal <= 1.5 GB); the same at
   resolution 9
   (peak RSS goal <= 3 GB);
5. a straightforward GeoPandas implementation of the same criteria (`sjoin_nearest`,
   `sjoin`, and `.distance` per feature for the sums, metres in UTM 29N) on a random
   subsample of 100,000 res-8 cells (every cell with --baseline-all), against
   siteplan's criteria on the same cells (goal >= 20x), in total and per criterion.

    python benchmarks/bench_surface.py [--skip-res9] [--baseline-all]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baseline import geopandas_baseline, machine, measured_child

REPO = Path(__file__).resolve().parents[1]
SITEPLAN = [sys.executable, "-m", "siteplan.cli.__main__"]


def child(cmd: list[str]) -> tuple[float, float, str]:
    """Wall time (s), peak RSS (MB) of the child process alone and its output.

    The peak is GNU time's "Maximum resident set size" of the command
    (:func:`_baseline.measured_child`); the former ``os.wait4`` figure included this
    benchmark's own memory (Linux carries a parent's high-water mark into a forked
    child across exec: 1,453 MB reported at resolution 8 for a ~500 MB command).
    """
    return measured_child(cmd, REPO)


def wait4_peak(cmd: list[str]) -> float:
    """The peak RSS (MB) ``os.wait4`` reports for a direct child of this process (the
    figure this benchmark used to print)."""
    import os
    import subprocess

    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss / 1024.0


def own_mb() -> float:
    """This process's current resident set (MB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return float(line.split()[1]) / 1024.0
    return float("nan")


def copy_bandwidth() -> float:
    """Bytes per second of a large numpy copy (read + write counted)."""
    a = np.ones(64 * 2**20, dtype=np.float64)  # 512 MB
    b = np.empty_like(a)
    best = np.inf
    for _ in range(5):
        t0 = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t0)
    return 2 * a.nbytes / best


def main() -> None:
    from siteplan.analyses.surface.model import SurfaceModel, cells_for_area
    from siteplan.criteria.compute import CriteriaContext, compute_criteria, compute_criterion
    from siteplan.layers.pack import Pack
    from siteplan.scenario import load_scenario

    skip9 = "--skip-res9" in sys.argv
    print(f"machine: {machine()}")
    pack = Pack(None)
    scen = load_scenario("balanced-2030")
    pack.study_area()
    for name in pack.layer_names:
        pack.layer(name)  # layer reading is not part of the computation

    # ---------------------------------------------------------------- Python API, res 8
    cells_for_area(pack, 6)  # warm imports
    t0 = time.perf_counter()
    cells, _, _ = cells_for_area(pack, 8)
    t_cells = time.perf_counter() - t0
    print(f"\nresolution 8, {scen.name}, {len(scen.criteria)} criteria, 12 regions")
    print(f"  cells_for_area             {t_cells:7.3f} s  ({cells.size:,} cells)")
    import siteplan.analyses.surface.model as surface_module

    # cold: the cell cache filled by the call above is emptied, so the build pays for the
    # cells as a fresh `siteplan surface` process does
    surface_module._CELL_CACHE.clear()
    t0 = time.perf_counter()
    model = SurfaceModel.build(scen, pack=pack, resolution=8)
    t_build = time.perf_counter() - t0
    for step, t in model.timings.items():
        print(f"  build: {step:<19} {t:7.3f} s")
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        s = model.score()
        times.append(time.perf_counter() - t0)
    t_score = min(times)
    print(f"  score (WLC)                {t_score:7.3f} s")
    total = t_build + t_score
    print(f"  computation total (cold)   {total:7.3f} s  (goal <= 3 s: "
          f"{'met' if total <= 3 else 'NOT met'}); valid cells {model.n_valid:,}")
    t0 = time.perf_counter()
    SurfaceModel.build(scen, pack=pack, resolution=8)
    t_warm = time.perf_counter() - t0 + t_score
    print(f"  computation, cells cached  {t_warm:7.3f} s  (a second build in the same "
          "process, e.g. another scenario in a notebook)")
    new = {"graduates": 30.0, "unemployment": 5.0, "airport_km": 20.0}
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        model.score(new)
        times.append(time.perf_counter() - t0)
    print(f"  re-score with new weights  {min(times):7.3f} s  (goal < 0.5 s)")
    for meth in ("wp", "topsis", "vikor", "owa"):
        t0 = time.perf_counter()
        model.score(method=meth)
        print(f"  re-score method {meth:<10} {time.perf_counter() - t0:7.3f} s")

    # ---------------------------------------------------------------- aggregation vs bandwidth
    bw = copy_bandwidth()
    nbytes = model.values.nbytes + model.n_cells * 8 + model.n_valid * 4 + model.n_cells
    bound = nbytes / bw
    print(f"\naggregation (WLC): reads {model.values.nbytes / 2**20:.1f} MB of float32 values, "
          f"writes {model.n_cells * 8 / 2**20:.1f} MB of scores")
    print(f"  numpy copy bandwidth       {bw / 1e9:7.2f} GB/s (read + write, 512 MB array)")
    print(f"  bandwidth bound            {bound * 1e3:7.2f} ms; measured {t_score * 1e3:.2f} ms; "
          f"ratio {t_score / bound:.1f}x the bound")

    # ---------------------------------------------------------------- kernels, res 8
    print("\ncriterion kernels on all res-8 cells (one call each, 2 threads):")
    ctx = CriteriaContext(pack)
    compute_criteria(scen.criteria, ctx, model.lon[:100], model.lat[:100])
    for c in scen.criteria:
        t0 = time.perf_counter()
        compute_criterion(c, ctx, model.lon, model.lat, None, {})
        print(f"  {c.name:<20} {c.kind:<17} {time.perf_counter() - t0:7.3f} s")

    # ---------------------------------------------------------------- GeoPandas baseline
    # the same cells as the surface: a random subsample by default (the baseline needs
    # ~25 s per 10^6 cells), every res-8 cell with --baseline-all
    n_sub = model.n_cells if "--baseline-all" in sys.argv else min(100_000, model.n_cells)
    rng = np.random.default_rng(8)
    sub = np.sort(rng.choice(model.n_cells, n_sub, replace=False))
    slon, slat = model.lon[sub], model.lat[sub]
    t0 = time.perf_counter()
    ours = compute_criteria(scen.criteria, CriteriaContext(pack), slon, slat)
    t_ours = time.perf_counter() - t0
    base_t: dict[str, float] = {}
    t0 = time.perf_counter()
    base = geopandas_baseline(scen, pack, slon, slat, base_t)
    t_base = time.perf_counter() - t0
    ctx = CriteriaContext(pack)
    compute_criteria(scen.criteria, ctx, slon[:100], slat[:100])  # layers prepared
    ours_t = {}
    for c in scen.criteria:
        t0 = time.perf_counter()
        compute_criterion(c, ctx, slon, slat, None, {})
        ours_t[c.name] = time.perf_counter() - t0
    what = "every" if n_sub == model.n_cells else "a random subsample of"
    print(f"\nGeoPandas baseline on {what} {n_sub:,} res-8 cells:")
    print(f"  siteplan criteria          {t_ours:7.3f} s")
    print(f"  GeoPandas (sjoin_nearest, sjoin, .distance per feature) {t_base:7.3f} s")
    print(f"  ratio                      {t_base / t_ours:7.1f} x  (goal >= 20x)")
    print(f"  ratio vs whole res-8 build scaled to {n_sub:,} cells "
          f"{t_base / (t_build * n_sub / model.n_cells):7.1f} x  (the build computes the "
          "constraint criteria first and the others on the cells that pass)")
    print(f"  {'criterion':<20} {'kind':<17} {'GeoPandas':>9} {'siteplan':>9} {'ratio':>7}")
    print(f"  {'(points, projection)':<38} {base_t['(points)']:8.3f}s")
    for c in scen.criteria:
        b, o = base_t[c.name], ours_t[c.name]
        print(f"  {c.name:<20} {c.kind:<17} {b:8.3f}s {o:8.3f}s {b / o:6.1f}x")
    grav = [c.name for c in scen.criteria if c.kind == "gravity"]
    if grav:
        b_rest = sum(base_t.values()) - sum(base_t[g] for g in grav)
        o_rest = sum(ours_t.values()) - sum(ours_t[g] for g in grav)
        print(f"  gravity criteria: {sum(ours_t[g] for g in grav) / sum(ours_t.values()):.0%} of "
              f"siteplan's time; ratio without them {b_rest / o_rest:.1f}x")
    for name, v in base.items():
        if scen.criterion(name).kind == "nearest_distance":
            rel = np.nanmax(np.abs(v - ours[name]) / np.maximum(ours[name], 1.0))
            print(f"  check {name}: max relative difference UTM vs geodesic {rel:.2%}")
    del model, s

    # ---------------------------------------------------------------- whole process
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "x.parquet"
        wall, rss, _ = child([*SITEPLAN, "surface", "--resolution", "8", "-o", str(out),
                              "--overwrite"])
        print(f"\nsiteplan surface --resolution 8 -o x.parquet: wall {wall:6.2f} s "
              f"(goal <= 10 s), peak RSS {rss:7.0f} MB (the command alone, GNU time; goal "
              f"<= 1536 MB); file {out.stat().st_size / 2**20:.1f} MB")
        old = wait4_peak([*SITEPLAN, "surface", "--resolution", "8", "-o", str(out),
                          "--overwrite"])
        print(f"  the former figure, wait4 on a child of this {own_mb():.0f} MB benchmark: "
              f"{old:7.0f} MB (includes the benchmark's own memory)")
        if not skip9:
            out9 = Path(tmp) / "x9.parquet"
            wall, rss, _ = child([*SITEPLAN, "surface", "--resolution", "9", "-o", str(out9),
                                  "--overwrite"])
            print(f"siteplan surface --resolution 9 -o x9.parquet: wall {wall:6.2f} s, "
                  f"peak RSS {rss:7.0f} MB (goal <= 3072 MB); "
                  f"file {out9.stat().st_size / 2**20:.1f} MB")


if __name__ == "__main__":
    main()
