"""Where the time of `siteplan report` goes, on the embedded Morocco default.

Prints the whole command as a process (HTML and PDF, median of --repeat runs) beside the
same run's `python -c "import geopandas"`, then the steps inside one process: ranking,
plan, SMAA at --samples samples, each section of the dossier, and the PDF printing.
Goal (issue 14): HTML and PDF in at most 20 s on 2 cores with 2,000 samples.

    python benchmarks/bench_report.py [--repeat 3] [--samples 2000]
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

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable


def timed(cmd: list[str], repeat: int) -> float:
    walls = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=REPO)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


def steps(samples: int, folder: Path) -> list[tuple[str, float]]:
    from siteplan.analyses.plan.steps import make_plan
    from siteplan.analyses.sensitivity.report import analyse
    from siteplan.layers.pack import Pack
    from siteplan.outputs import dossier as ds
    from siteplan.scoring.ranking import rank

    out = []
    t0 = time.perf_counter()
    pack = Pack(None)
    r = rank("balanced-2030", pack=pack)
    out.append(("rank", time.perf_counter() - t0))
    t0 = time.perf_counter()
    plan = make_plan(r, pack, k=5)
    out.append(("plan", time.perf_counter() - t0))
    t0 = time.perf_counter()
    rob = analyse(r, samples=samples, seed=42, top_k=5)
    out.append((f"sensitivity ({samples:,} samples)", time.perf_counter() - t0))
    # each section on its own, then the whole build (which repeats them)
    d = plan.to_dict()
    gs = ds.group_scores(r)
    ctx = ds._Ctx(ranking=r, pack=pack, scen=r.scenario, d=d, rob=rob, lang="fr", facts={},
                  labels={c.name: c.display_in("fr") for c in r.scenario.criteria},
                  sites=r.sites.set_index("id", drop=False), gs=gs, groups=list(gs.columns),
                  has_lenses=r.scenario.has_lenses, title=r.scenario.title_in("fr"),
                  date="", pack_version="", chosen=d["chosen"],
                  constraints=ds._constraint_phrases(d["constraints"], "fr"),
                  year=2030, eq=d["equity"], ids=list(rob.site_ids), command="", seed=42)
    for fn in ds._SECTIONS:
        t0 = time.perf_counter()
        fn(ctx)
        out.append((f"  section {fn.__name__[5:]}", time.perf_counter() - t0))
    t0 = time.perf_counter()
    doc = ds.build_dossier(r, pack, plan, rob, lang="fr", seed=42)
    out.append(("build_dossier (all sections)", time.perf_counter() - t0))
    t0 = time.perf_counter()
    ds.write_dossier(doc, folder / "steps.html")
    out.append(("write HTML", time.perf_counter() - t0))
    if ds.find_chromium():
        t0 = time.perf_counter()
        ds.write_dossier(doc, folder / "steps.pdf")
        out.append(("print PDF (chromium)", time.perf_counter() - t0))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--samples", type=int, default=2000)
    args = ap.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = timed([PY, "-c", "import geopandas"], args.repeat)
        print(f"{'python -c import geopandas':34s} {base:7.2f} s   (the yardstick)")
        exe = str(Path(PY).with_name("siteplan"))
        for ext in ("html", "pdf"):
            cmd = [exe, "report", "--samples", str(args.samples), "-o",
                   str(folder / f"d.{ext}"), "--overwrite"]
            w = timed(cmd, args.repeat)
            size = (folder / f"d.{ext}").stat().st_size / 1e6
            print(f"{'siteplan report -o d.' + ext:34s} {w:7.2f} s   {w / base:6.2f}x geopandas "
                  f"import   {size:5.2f} MB")
        print("steps in one process:")
        for name, sec in steps(args.samples, folder):
            print(f"  {name:40s} {sec:7.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
