"""Benchmark: plan robustness on a dask cluster against one process (issue 16 item 3).

Plain script, prints figures measured in the same run:

    .venv/bin/python benchmarks/bench_plan_robustness_dask.py [--samples 1000] [--k 5]
        [--workers 2]

* ``plan_robustness(rank("balanced-2030"), K=5, 1,000 uniform samples)`` with
  ``scheduler="sync"`` (this process, no dask): total time and per-sample solve time.
* The same on a ``distributed.LocalCluster`` of ``--workers`` worker processes (one thread
  each), the cluster started before the clock (its start-up time is printed apart): total
  time and the speed-up over sync. The two reports are checked to be bitwise the same.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baseline import machine

from siteplan.analyses.plan.robustness import plan_robustness
from siteplan.layers.pack import Pack
from siteplan.scoring.ranking import rank


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    print(machine())
    pack = Pack(None)
    r = rank("balanced-2030", pack=pack)

    t0 = time.perf_counter()
    sync = plan_robustness(r, pack, args.k, samples=args.samples, seed=42)
    t_sync = time.perf_counter() - t0
    print(f"sync, K={args.k}, {args.samples:,} samples: {t_sync:.2f} s in all, "
          f"{sync.per_sample_solve_s * 1e3:.3f} ms per sample solve "
          f"({sync.solve_time_s:.2f} s solving)")

    from distributed import LocalCluster

    t0 = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        t_start = time.perf_counter() - t0
        t0 = time.perf_counter()
        dist = plan_robustness(r, pack, args.k, samples=args.samples, seed=42,
                               scheduler=cluster.scheduler_address)
        t_dist = time.perf_counter() - t0
    same = (sync.counts.tobytes() == dist.counts.tobytes() and sync.sets == dist.sets
            and sync.mean_scores.tobytes() == dist.mean_scores.tobytes()
            and sync.robust_plan == dist.robust_plan)
    assert same, "the cluster's report differs from the sync report"
    print(f"LocalCluster, {args.workers} worker processes (started in {t_start:.2f} s, not "
          f"counted): {t_dist:.2f} s in all ({dist.per_sample_solve_s * 1e3:.3f} ms per "
          "sample solve on the workers)")
    print(f"speed-up of {args.workers} workers over sync: {t_sync / t_dist:.2f}x; reports "
          "bitwise the same")


if __name__ == "__main__":
    main()
