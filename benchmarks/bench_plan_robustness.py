"""Benchmark: plan robustness (``siteplan sensitivity --plan 5``) on the Morocco default.

Plain script, prints figures:

    .venv/bin/python benchmarks/bench_plan_robustness.py [--samples 1000] [--k 5]
        [--loop-samples 50] [--synthetic 300]

* :func:`siteplan.analyses.plan.robustness.plan_robustness` on ``rank("balanced-2030")``,
  K = 5, 1,000 uniform weight samples: total time and per-sample solve time, with the
  warm start (the default) and without it (every sample solved from scratch on the same
  HiGHS model). Target: <= 60 s on 2 cores.
* The brute-force loop it replaces, timed on ``--loop-samples`` samples and extrapolated
  per sample: for each weight vector, ``ranking.rescore(weights)`` then the public
  ``make_plan`` (what a user would script), and the maths door alone (``select_sites``
  rebuilt per sample: problem, diagnosis, model). The brute-force counts are checked
  against the analysis on the same weight vectors.
* ``--synthetic N``: the same comparison on a random N-candidate instance (12 regions, at
  most 2 per region, 40 km spacing, lagging quota 4, K = 10), where the solve itself
  dominates; 0 skips it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baseline import machine

from siteplan.analyses.plan.robustness import plan_robustness
from siteplan.analyses.plan.select import prepare_selection, select_sites
from siteplan.analyses.plan.steps import make_plan
from siteplan.criteria.geodesy import distance_matrix_km
from siteplan.layers.pack import Pack
from siteplan.scoring.ranking import rank


def morocco(samples: int, k: int, loop: int) -> None:
    t0 = time.perf_counter()
    pack = Pack(None)
    r = rank("balanced-2030", pack=pack)
    print(f"rank('balanced-2030'): {time.perf_counter() - t0:.2f} s, {len(r.included)} of "
          f"{len(r.sites)} sites scored, {len(r.weights)} weighted criteria")

    t0 = time.perf_counter()
    rob = plan_robustness(r, pack, k, samples=samples, seed=42)
    total = time.perf_counter() - t0
    t0 = time.perf_counter()
    cold = plan_robustness(r, pack, k, samples=samples, seed=42, warm_start=False)
    total_cold = time.perf_counter() - t0
    assert cold.sets == rob.sets, "the warm start changed a plan"
    print(f"plan_robustness K={k}, {samples:,} uniform samples: {total:.2f} s in all, "
          f"{rob.per_sample_solve_s * 1e3:.3f} ms per sample solve ({rob.solve_time_s:.2f} s "
          f"solving; {rob.statuses}; solver {rob.solver}; "
          f"{int(rob.can_be_chosen.sum())} candidates the constraints allow)")
    print(f"  without warm start: {total_cold:.2f} s, {cold.per_sample_solve_s * 1e3:.3f} ms "
          "per sample solve (same plans)")

    # brute force on the first `loop` weight vectors (the same vectors: uniform draws fill
    # the sample matrix row by row)
    ws = rob.weight_samples[:loop]
    ref = plan_robustness(r, pack, k, samples=loop, seed=42)
    assert np.array_equal(ref.weight_samples, ws)
    counts: Counter[str] = Counter()
    t0 = time.perf_counter()
    for w in ws:
        ids = make_plan(r.rescore(weights=dict(zip(rob.criteria, w, strict=True))), pack,
                        k=k).solution.ids or ()
        counts.update(ids)
    brute = (time.perf_counter() - t0) / loop
    agree = [counts.get(s, 0) for s in ref.site_ids] == ref.counts.tolist()
    per = total / samples
    print(f"brute force rescore + make_plan: {brute * 1e3:.1f} ms per sample "
          f"(x {samples:,} = {brute * samples:.1f} s extrapolated); ratio to plan_robustness "
          f"{brute / per:.0f}x per sample in all, {brute / rob.per_sample_solve_s:.0f}x per "
          f"solve; counts on {loop} samples agree: {'yes' if agree else 'NO'}")

    print(f"\nsingle-weight plan: {', '.join(rob.names(rob.single_weight_plan))} "
          f"(set share {rob.set_share(rob.single_weight_plan):.1%}, expected score "
          f"{rob.expected_score(rob.single_weight_plan):.4f})")
    print(f"robust plan:        {', '.join(rob.names(rob.robust_plan))} "
          f"(set share {rob.set_share(rob.robust_plan):.1%}, expected score "
          f"{rob.expected_score(rob.robust_plan):.4f})")
    print("selection frequencies:")
    for i in rob.order():
        if rob.can_be_chosen[i]:
            print(f"  {rob.site_names[i]:<12} {rob.site_regions[i]:<28} {rob.frequency[i]:6.1%}")
    print(f"  ({int((~rob.can_be_chosen).sum())} scored sites within the park spacing: 0 %)")


def synthetic(n: int, samples: int = 100) -> None:
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(-9, -2, n), rng.uniform(29, 35, n)
    kw = {"k": 10, "region": rng.integers(0, 12, n).astype(str),
          "dist_km": distance_matrix_km(lon, lat, lon, lat), "max_per_region": 2,
          "min_spacing_km": 40.0, "lagging": rng.random(n) < 0.4, "lagging_quota": 4}
    values = rng.random((n, 6))
    scores = rng.dirichlet(np.ones(6), samples) @ values.T
    times = {}
    plans = {}
    for name, warm in (("reused model, warm start", True), ("reused model, cold", False)):
        problem = prepare_selection(scores[0], warm_start=warm, **kw)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        plans[name] = [tuple(problem.solve(s).chosen) for s in scores]
        times[name] = (time.perf_counter() - t0) / samples
    t0 = time.perf_counter()
    plans["select_sites per sample"] = [select_sites(s, **kw).chosen  # type: ignore[arg-type]
                                        for s in scores]
    times["select_sites per sample"] = (time.perf_counter() - t0) / samples
    same = all(list(map(tuple, v)) == plans["select_sites per sample"] for v in plans.values())
    print(f"\nsynthetic: {n} candidates, K=10, {samples} score vectors "
          f"(same plans: {'yes' if same else 'NO'})")
    for name, t in times.items():
        print(f"  {name:<26} {t * 1e3:8.2f} ms per sample")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--loop-samples", type=int, default=50)
    ap.add_argument("--synthetic", type=int, default=300)
    args = ap.parse_args()
    print(machine())
    morocco(args.samples, args.k, args.loop_samples)
    if args.synthetic:
        synthetic(args.synthetic)


if __name__ == "__main__":
    main()
