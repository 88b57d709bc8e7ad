"""Cost of the HTML map of `siteplan rank --map`, as whole processes.

Each figure is the median wall time of child processes, printed beside the ratio to
`python -c "import geopandas"` measured in the same run, so that figures from a noisy or
slower machine can still be compared. Goal (issue 15, item 5): `siteplan rank --map PATH`
on the embedded default at most 1.5 s more than `siteplan rank`.

    python benchmarks/bench_map.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baseline import machine

PY = sys.executable
GOAL_S = 1.5


def timed(cmd: list[str], repeat: int, cwd: Path) -> float:
    """Median wall seconds of ``repeat`` runs of ``cmd`` as a child process."""
    walls = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=cwd)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = timed([PY, "-c", "import geopandas"], args.repeat, folder)
        print(f"python -c 'import geopandas'      {base:6.2f} s   (the yardstick)")
        rank = timed([PY, "-m", "siteplan", "rank"], args.repeat, folder)
        print(f"siteplan rank                     {rank:6.2f} s   {rank / base:5.2f}x "
              "geopandas import")
        with_map = timed([PY, "-m", "siteplan", "rank", "--map", str(folder / "m.html"),
                          "--overwrite"], args.repeat, folder)
        print(f"siteplan rank --map PATH          {with_map:6.2f} s   {with_map / base:5.2f}x "
              "geopandas import")
        extra = with_map - rank
        print(f"the map's cost (difference)       {extra:6.2f} s   {extra / base:5.2f}x "
              f"geopandas import   goal <= {GOAL_S:.1f} s: "
              f"{'met' if extra <= GOAL_S else 'NOT met'}")


if __name__ == "__main__":
    main()
