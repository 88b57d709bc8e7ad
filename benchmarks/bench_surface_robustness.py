"""Benchmark: surface robustness (``siteplan surface --robustness N``) on the Morocco default.

Plain script, prints figures measured in this run (no hard-coded results):

    .venv/bin/python benchmarks/bench_surface_robustness.py [--resolution 8]
        [--samples 1000] [--top-q 5] [--loop-samples 20] [--repeat 2]

1. the machine (nproc, CPU model);
2. ``siteplan surface -r 8 --robustness 1000 -o x.parquet --overwrite`` as a child
   process (fastest of ``--repeat`` runs): wall time (goal <= 30 s) and the command's own
   peak RSS from GNU time (goal <= 2 GB), against the same command without
   ``--robustness`` and against
   ``python -c "import geopandas"`` measured in the same run (the floor of any process
   that touches GeoPandas);
3. the analysis alone through the Python API on the res-8 model (balanced-2030): the
   build's steps, :func:`surface_robustness` in total and per sample, and the brute-force
   loop it replaces (per sample: ``model.score(weights)``, a full sort, a count) timed on
   ``--loop-samples`` samples, its counts checked equal to the analysis's on the same
   weight vectors;
4. the robust hotspots against the single-weight hotspots (names, positions, shares,
   the distance to the nearest single-weight hotspot);
5. ``--scheduler sync`` against a dask.distributed LocalCluster of 2 worker processes
   (1 thread each), each in a child process that builds the res-8 model and runs the
   1,000 samples: the analysis's time, the whole child's wall time and peak RSS, each
   worker's peak (VmHWM), the ratio, and a check that both give the same counts.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baseline import machine, measured_child

REPO = Path(__file__).resolve().parents[1]
SITEPLAN = [sys.executable, "-m", "siteplan.cli.__main__"]


def child(cmd: list[str]) -> tuple[float, float, str]:
    """Wall time (s), peak RSS (MB) of the child process alone (GNU time, see
    :func:`_baseline.measured_child`) and its output."""
    return measured_child(cmd, REPO)


def best(cmd: list[str], repeat: int) -> tuple[float, float, str]:
    """The fastest of ``repeat`` runs (its peak RSS and output)."""
    return min((child(cmd) for _ in range(max(1, repeat))), key=lambda r: r[0])


def processes(res: int, samples: int, top_q: float, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "x.parquet")
        geo_t, geo_mb, _ = best([sys.executable, "-c", "import geopandas"], repeat)
        base_t, base_mb, _ = best([*SITEPLAN, "surface", "-r", str(res), "-o", out,
                                   "--overwrite"], repeat)
        rob_t, rob_mb, text = best([*SITEPLAN, "surface", "-r", str(res), "--robustness",
                                    str(samples), "--top-q", f"{top_q:g}", "-o", out,
                                    "--overwrite"], repeat)
    line = next((x for x in text.splitlines() if x.startswith("robustness:")), "")
    print(f"\n== whole process, H3 resolution {res}, {samples:,} samples, top {top_q:g} % "
          f"(fastest of {repeat} runs each)")
    print(f"python -c 'import geopandas'            : {geo_t:6.2f} s  {geo_mb:7.0f} MB")
    print(f"siteplan surface -r {res} -o x.parquet       : {base_t:6.2f} s  {base_mb:7.0f} MB")
    print(f"  ... --robustness {samples} --top-q {top_q:g}   : {rob_t:6.2f} s  {rob_mb:7.0f} MB"
          f"  (goal <= 30 s, <= 2048 MB: {'met' if rob_t <= 30 and rob_mb <= 2048 else 'MISSED'})")
    print(f"ratio to 'import geopandas'             : {rob_t / geo_t:6.1f} x time, "
          f"{rob_mb / geo_mb:4.1f} x memory")
    print(f"robustness adds                         : {rob_t - base_t:+6.2f} s  "
          f"{rob_mb - base_mb:+7.0f} MB")
    print(f"CLI line: {line}")


def brute_force(model, weight_samples, criteria, top_q):  # type: ignore[no-untyped-def]
    """Counts per valid cell by the straightforward loop: rescore, full sort, count."""
    n = model.n_valid
    top = max(1, math.ceil(top_q * n / 100))
    counts = np.zeros(n, dtype=np.int64)
    for w in weight_samples:
        s = model.score({c: float(x) for c, x in zip(criteria, w, strict=True)})[model.valid]
        counts += s >= np.sort(s)[::-1][top - 1]
    return counts


def api(res: int, samples: int, top_q: float, loop: int) -> None:
    from siteplan.analyses.surface.model import SurfaceModel, hotspots
    from siteplan.analyses.surface.robustness import surface_robustness
    from siteplan.criteria.geodesy import geodesic_km
    from siteplan.layers.pack import Pack

    pack = Pack(None)
    t0 = time.perf_counter()
    model = SurfaceModel.build("balanced-2030", pack=pack, resolution=res)
    build = time.perf_counter() - t0
    steps = ", ".join(f"{k} {v:.2f} s" for k, v in model.timings.items())
    print(f"\n== Python API, H3 resolution {res}: {model.n_cells:,} cells, "
          f"{model.n_valid:,} valid, {len(model.value_names)} weighted criteria")
    print(f"SurfaceModel.build: {build:.2f} s ({steps})")
    surface_robustness(model, 10, top_q=top_q, pack=pack)  # warm-up (imports, BLAS)
    t0 = time.perf_counter()
    rob = surface_robustness(model, samples, top_q=top_q, pack=pack)
    total = time.perf_counter() - t0
    print(f"surface_robustness({samples:,} uniform samples, top {top_q:g} %): {total:.3f} s, "
          f"{total / samples * 1e3:.3f} ms per sample ({rob.chunk} samples per chunk, "
          f"{rob.top_cells:,} cells per sample, robust hotspots included)")
    few = surface_robustness(model, loop, top_q=top_q, n_hotspots=0)
    t0 = time.perf_counter()
    ref = brute_force(model, few.weight_samples, few.criteria, top_q)
    per = (time.perf_counter() - t0) / loop
    assert np.array_equal(ref, few.counts[model.valid]), "brute force differs"
    print(f"brute-force loop (model.score + full sort + count), {loop} samples: "
          f"{per * 1e3:.2f} ms per sample, {per * samples:.2f} s for {samples:,} "
          f"({per / (total / samples):.0f}x the analysis per sample); counts equal")
    print(f"mean share {rob.mean_share:.4f} (top_cells / valid = "
          f"{rob.top_cells / model.n_valid:.4f}); cells with share > 0: "
          f"{int((rob.share > 0).sum()):,}, >= 50 %: {int((rob.share >= 0.5).sum()):,}, "
          f"= 100 %: {int((rob.share == 1).sum()):,}")

    scores = model.score()
    single = hotspots(model, scores, k=10, min_spacing_km=25.0, pack=pack)
    slon, slat = single["lon"].to_numpy(), single["lat"].to_numpy()
    idx = np.searchsorted(model.cells, [int(h, 16) for h in single["h3"]])
    print("\nsingle-weight hotspots (scenario weights) and their robust share:")
    for i, s in enumerate(single.to_dict("records")):
        print(f"  #{i + 1:<2} {s['name']:<22} {s['lon']:8.4f} {s['lat']:8.4f}  score "
              f"{s['score']:.3f}  share {rob.share[idx[i]]:6.1%}  {s['h3']}")
    print("robust hotspots (local maxima of the share) and the nearest single-weight one:")
    for i, s in enumerate(rob.hotspots.to_dict("records")):
        d = np.atleast_1d(geodesic_km(s["lon"], s["lat"], slon, slat))
        j = int(np.argmin(d))
        print(f"  #{i + 1:<2} {s['name']:<22} {s['lon']:8.4f} {s['lat']:8.4f}  share "
              f"{s['robust_share']:6.1%}  score {s['score']:.3f}  nearest single #{j + 1} "
              f"at {d[j]:.1f} km  {s['h3']}")


# a child: build the model, run the samples on one scheduler, report times and peaks
_DASK_CHILD = """
import hashlib, json, sys, time
from pathlib import Path
def hwm():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) / 1024.0
from siteplan.analyses.surface.model import SurfaceModel
from siteplan.analyses.surface.robustness import surface_robustness
res, samples, top_q, kind = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
t0 = time.perf_counter()
model = SurfaceModel.build("balanced-2030", resolution=res)
build = time.perf_counter() - t0
cluster = client = None
start = 0.0
scheduler = "sync"
if kind == "cluster":
    from distributed import Client, LocalCluster
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=50)
    client = Client(cluster)
    start = time.perf_counter() - t0
    scheduler = cluster.scheduler_address
t0 = time.perf_counter()
rob = surface_robustness(model, samples, top_q=top_q, scheduler=scheduler)
run = time.perf_counter() - t0
workers = list(client.run(hwm).values()) if client is not None else []
if client is not None:
    client.close()
    cluster.close()
print(json.dumps({"build": build, "start": start, "run": run, "client_hwm": hwm(),
                  "workers_hwm": workers,
                  "counts": hashlib.sha1(rob.counts.tobytes()).hexdigest()}))
"""


def on_dask(res: int, samples: int, top_q: float) -> None:
    rows = {}
    for kind in ("sync", "cluster"):
        wall, rss, text = child([sys.executable, "-c", _DASK_CHILD, str(res), str(samples),
                                 f"{top_q:g}", kind])
        rows[kind] = (wall, rss, json.loads(text.strip().splitlines()[-1]))
    print(f"\n== --scheduler sync vs a 2-process LocalCluster, H3 resolution {res}, "
          f"{samples:,} samples, top {top_q:g} % (each a child process; model build "
          "included in its wall time)")
    for kind, (wall, rss, r) in rows.items():
        workers = " + ".join(f"{w:.0f}" for w in r["workers_hwm"])
        total = rss + sum(r["workers_hwm"])
        extra = (f"; workers' peaks {workers} MB (all processes {total:.0f} MB), cluster "
                 f"start {r['start']:.2f} s") if r["workers_hwm"] else ""
        print(f"  {kind:<8} analysis {r['run']:6.2f} s, process wall {wall:6.2f} s, "
              f"peak RSS {rss:6.0f} MB{extra}")
    (ws, rs, s), (wc, rc, c) = rows["sync"], rows["cluster"]
    print(f"  speed-up of the cluster over sync: analysis {s['run'] / c['run']:.2f}x, "
          f"process {ws / wc:.2f}x; goal 30 s and 2 GB per process: sync "
          f"{'met' if ws <= 30 and rs <= 2048 else 'MISSED'}, cluster "
          f"{'met' if wc <= 30 and max([rc, *c['workers_hwm']]) <= 2048 else 'MISSED'}; "
          f"counts bitwise the same: {s['counts'] == c['counts']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--resolution", type=int, default=8)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--top-q", type=float, default=5.0)
    ap.add_argument("--loop-samples", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each process (fastest kept)")
    a = ap.parse_args()
    print(f"machine: {machine()}")
    processes(a.resolution, a.samples, a.top_q, a.repeat)
    api(a.resolution, a.samples, a.top_q, a.loop_samples)
    on_dask(a.resolution, a.samples, a.top_q)


if __name__ == "__main__":
    main()
