"""Benchmark of the partitioned surface (`siteplan surface --partitioned FOLDER`),
Morocco default scenario (balanced-2030). Every figure is measured in this run:

1. the machine;
2. baseline at resolution 8: the in-memory command (`-o x.parquet`) against the
   partitioned one, each a child process measured alone (wall time, peak RSS from
   GNU time), their ratio, and a check that both give the same score in every cell;
3. the resolution-10 surface (~43 million cells) through the partitioned path: wall
   time, peak RSS of the process that does the work (goal <= 4 GB), the per-partition
   cost (mean, median, 95th percentile, max; per 100,000 cells), the files' size;
4. the projected wall time on a cluster of N workers (N = 2, 8, 32): the measured
   per-partition costs scheduled longest-first on N workers (the makespan), plus the
   part of the run that does not split (start-up, cover of the parents, hotspots),
   measured as wall time minus the sum of the partition costs. It assumes a worker per
   core running at the speed measured here, a file system every worker writes to, and
   no transfer cost (a task sends back a few kB).

With --subset K only K partitions, evenly spaced over the parents, are built (in a
child through the Python API) and the whole is extrapolated from their mean cost,
saying so.

    python benchmarks/bench_surface_partitioned.py [--resolution 10] [--subset K]
        [--scheduler sync|threads|processes] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import heapq
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baseline import machine, measured_child

REPO = Path(__file__).resolve().parents[1]
SITEPLAN = [sys.executable, "-m", "siteplan.cli.__main__"]
WORKERS = (2, 8, 32)

# the --subset driver: K partitions spread over the parents, written like the CLI does
_SUBSET = """
import json, sys, time
import numpy as np
from siteplan.analyses.surface.partitioned import build_partitioned, partition_parents
from siteplan.layers.pack import Pack
from siteplan.outputs.surface_files import write_partition
from siteplan.scenario import load_scenario
res, k, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
scen = load_scenario("balanced-2030")
pack = Pack(None, overrides=scen.layers)
t0 = time.perf_counter()
from siteplan.analyses.surface.partitioned import parent_resolution_for
p = parent_resolution_for(res)
parents = partition_parents(pack, res, p)
pick = parents[np.linspace(0, parents.size - 1, k).round().astype(int)]
surf = build_partitioned(scen, pack=pack, resolution=res, sink=write_partition,
                         sink_arg=folder, only=[int(x) for x in pick])
print(json.dumps({"parents": int(parents.size), "picked": k, "seconds": surf.seconds,
                  "partitions": [{"cells": x.n_cells, "seconds": x.seconds}
                                 for x in surf.partitions]}))
"""


def makespan(costs: list[float], workers: int) -> float:
    """Longest-processing-time-first schedule of ``costs`` on ``workers``: its length."""
    loads = [0.0] * workers
    heapq.heapify(loads)
    for c in sorted(costs, reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + c)
    return max(loads)


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.iterdir()) / 2**20


def baseline(tmp: Path) -> None:
    import pandas as pd

    ref = tmp / "r8.parquet"
    wall_a, rss_a, _ = measured_child([*SITEPLAN, "surface", "-r", "8", "-o", str(ref),
                                       "--hotspots", "10"], REPO)
    parts = tmp / "r8"
    wall_b, rss_b, _ = measured_child([*SITEPLAN, "surface", "-r", "8", "--partitioned",
                                       str(parts), "--hotspots", "10"], REPO)
    a = pd.read_parquet(ref, columns=["h3", "score"]).sort_values("h3")
    b = pd.read_parquet(parts, columns=["h3", "score"]).sort_values("h3")
    same = (list(a["h3"]) == list(b["h3"])
            and np.array_equal(a["score"].to_numpy(), b["score"].to_numpy(), equal_nan=True))
    n_files = len(list(parts.glob("*.parquet")))
    print("\nbaseline, resolution 8 (868,946 cells), each command a child process alone:")
    print(f"  in memory  (-o x.parquet)          wall {wall_a:7.2f} s, peak RSS {rss_a:6.0f} MB")
    print(f"  partitioned ({n_files} partitions)      wall {wall_b:7.2f} s, peak RSS "
          f"{rss_b:6.0f} MB")
    print(f"  partitioned / in memory            time {wall_b / wall_a:5.2f}x, memory "
          f"{rss_b / rss_a:5.2f}x; scores in every cell bitwise the same: {same}")


def report_costs(costs: list[float], cells: list[int], wall: float, parents: int,
                 serial: float, extrapolated: bool) -> None:
    c = np.asarray(costs)
    per100k = c.sum() / max(sum(cells), 1) * 1e5
    print(f"  per-partition cost: mean {c.mean():.2f} s, median {np.median(c):.2f} s, "
          f"p95 {np.percentile(c, 95):.2f} s, max {c.max():.2f} s; "
          f"{per100k:.2f} s per 100,000 cells")
    print(f"  sum of partition costs {c.sum():8.1f} s; part that does not split "
          f"(start-up, parents, hotspots) {serial:6.1f} s")
    what = "extrapolated from the subset's costs" if extrapolated else "from the measured costs"
    print(f"\nprojected wall time on a cluster of N workers ({what}, longest first):")
    full = list(c) if not extrapolated else list(np.resize(c, parents))
    for n in WORKERS:
        t = makespan(full, n) + serial
        print(f"  N = {n:>2}: {t:8.1f} s  ({wall / t:5.1f}x this run)")


def full_run(res: int, tmp: Path, scheduler: str) -> None:
    out = tmp / f"r{res}"
    wall, rss, text = measured_child([*SITEPLAN, "surface", "-r", str(res), "--partitioned",
                                      str(out), "--hotspots", "10", "--scheduler", scheduler],
                                     REPO)
    rec = json.loads((out / "_siteplan.json").read_text(encoding="utf-8"))
    parts = rec["partitions"]
    costs = [p["seconds"] for p in parts]
    cells = [p["cells"] for p in parts]
    print(f"\nresolution {res}, --scheduler {scheduler}: {rec['cells']:,} cells "
          f"({rec['valid_cells']:,} valid) in {len(parts)} partitions under resolution "
          f"{rec['parent_resolution']} parents")
    print(f"  wall {wall:8.1f} s ({wall / 60:.1f} min), peak RSS {rss:7.0f} MB (goal <= "
          f"4096 MB: {'met' if rss <= 4096 else 'NOT met'}), files {folder_mb(out):,.0f} MB")
    top = [line for line in text.splitlines() if line[:2].strip().isdigit()][:3]
    for line in top:
        print(f"  hotspot {line.strip()}")
    serial = wall - sum(costs) if scheduler == "sync" else 0.0
    report_costs(costs, cells, wall, len(parts), max(serial, 0.0), extrapolated=False)


def subset_run(res: int, k: int, tmp: Path) -> None:
    out = tmp / "subset"
    out.mkdir()
    wall, rss, text = measured_child([sys.executable, "-c", _SUBSET, str(res), str(k),
                                      str(out)], REPO)
    rec = json.loads(text.strip().splitlines()[-1])
    costs = [p["seconds"] for p in rec["partitions"]]
    cells = [p["cells"] for p in rec["partitions"]]
    total = float(np.mean(costs)) * rec["parents"]
    print(f"\nresolution {res}: a SUBSET of {len(costs)} of {rec['parents']} candidate "
          f"parents (evenly spaced), then EXTRAPOLATED")
    print(f"  subset wall {wall:7.1f} s, peak RSS {rss:7.0f} MB (goal <= 4096 MB), "
          f"{sum(cells):,} cells")
    print(f"  extrapolated one-process time: {total:8.1f} s ({total / 60:.1f} min) "
          "= mean partition cost x parents (empty parents cost little, so an upper bound)")
    report_costs(costs, cells, total, rec["parents"], wall - sum(costs), extrapolated=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resolution", type=int, default=10)
    ap.add_argument("--subset", type=int, default=None)
    ap.add_argument("--scheduler", default="sync")
    ap.add_argument("--skip-baseline", action="store_true")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if not args.skip_baseline:
            baseline(tmp)
        if args.subset:
            subset_run(args.resolution, args.subset, tmp)
        else:
            full_run(args.resolution, tmp, args.scheduler)


if __name__ == "__main__":
    main()
