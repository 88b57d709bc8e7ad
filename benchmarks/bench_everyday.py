"""Everyday speed of the commands users re-run many times an hour, as whole processes.

Each figure is the median wall time (and the largest peak memory) of child processes,
printed beside the ratio to `python -c "import geopandas"` measured in the same run, so
that figures from a noisy or slower machine can still be compared. Goals (issue 17):

- `siteplan --help` under 0.2 s;
- `siteplan rank` at most the geopandas import + 0.3 s;
- 100,000 candidates: `rank -o r.json` at most 10 s and 1 GB, `rank -o r.csv` at most 5 s.

    python benchmarks/bench_everyday.py [--repeat 5] [--big 100000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baseline import machine

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable


def timed(cmd: list[str], repeat: int, cwd: Path) -> float:
    """Median wall seconds of ``repeat`` runs of ``cmd`` as a child process."""
    walls = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=cwd)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


def big_candidates(n: int, folder: Path) -> Path:
    """``n`` points jittered by up to 2 km around the pack's candidate towns."""
    towns = pd.read_csv(REPO / "geodata" / "morocco" / "candidates.csv")
    rng = np.random.default_rng(1)
    pick = rng.integers(0, len(towns), n)
    out = folder / f"candidates-{n}.csv"
    pd.DataFrame({"id": [f"s{i}" for i in range(n)], "name": [f"Site {i}" for i in range(n)],
                  "lon": towns.lon.to_numpy()[pick] + rng.uniform(-0.02, 0.02, n),
                  "lat": towns.lat.to_numpy()[pick] + rng.uniform(-0.02, 0.02, n)}
                 ).to_csv(out, index=False)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--big", type=int, default=100_000, help="candidates of the big run")
    args = ap.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = timed([PY, "-c", "import geopandas"], args.repeat, folder)
        print(f"python -c 'import geopandas'   {base:6.2f} s   (the yardstick)")
        rows = [("siteplan --help", [PY, "-m", "siteplan", "--help"], args.repeat),
                ("siteplan rank", [PY, "-m", "siteplan", "rank"], args.repeat)]
        if args.big:
            cands = big_candidates(args.big, folder)
            for ext in ("json", "csv"):
                rows.append((f"rank {args.big:,} -o r.{ext}",
                             [PY, "-m", "siteplan", "rank", "-c", str(cands), "-o",
                              str(folder / f"r.{ext}"), "--overwrite"], max(1, args.repeat // 2)))
        for label, cmd, repeat in rows:
            wall = timed(cmd, repeat, folder)  # peak memory: one more run under time -f %M
            probe = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True,
                                   text=True, cwd=folder, check=True)
            peak = int(probe.stderr.strip().splitlines()[-1]) / 1024
            print(f"{label:32s} {wall:6.2f} s   {wall / base:5.2f}x geopandas import   "
                  f"peak {peak:6.0f} MB")


if __name__ == "__main__":
    main()
