"""Record, or check, the outputs of a fixed set of commands on the Morocco default.

Used to prove that a refactor changes no behaviour: run it with ``--record DIR`` on the
code before the change and with ``--check DIR`` after it. Outputs are compared byte for
byte once version strings, timestamps and temporary paths are masked.

    python benchmarks/behaviour_snapshot.py --record /tmp/before
    python benchmarks/behaviour_snapshot.py --check /tmp/before
    python benchmarks/behaviour_snapshot.py --check /tmp/before --only plan,compare

Exits 1 and lists the differing files when a check fails.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AHP = ROOT / "tests" / "data" / "ahp"

#: (name, argv) pairs; ``{out}`` is the run's output folder
COMMANDS: list[tuple[str, list[str]]] = [
    *[(f"rank-{ext}", ["rank", "-o", f"{{out}}/rank.{ext}"])
      for ext in ("csv", "json", "geojson", "gpkg", "xlsx", "md")],
    ("rank-table", ["rank"]),
    ("rank-topsis", ["rank", "--method", "topsis", "-o", "{out}/rank-topsis.csv"]),
    ("explain", ["explain", "oujda"]),
    ("plan", ["plan", "--sites", "5", "-o", "{out}/plan.json"]),
    ("plan-md", ["plan", "--sites", "5", "-o", "{out}/plan.md"]),
    ("compare", ["compare", "balanced-2030", "market-led", "--sites", "5",
                 "-o", "{out}/compare.json"]),
    ("sensitivity", ["sensitivity", "--samples", "500", "--seed", "7",
                     "-o", "{out}/sens.json"]),
    ("surface", ["surface", "-r", "6", "-o", "{out}/surface.csv",
                 "--hotspots-out", "{out}/hotspots.csv"]),
    ("weights-ahp", ["weights", "ahp", "drinks.toml"]),
]

#: masks applied before comparing (volatile parts only)
_MASKS = [
    (re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"),
     b"<TIME>"),
    # provenance strings that name the Python object holding a default figure
    (re.compile(rb"siteplan(\.\w+)*\.(DEFAULT_TARGETS|baseline_market_led)"), b"<CODE>.\\2"),
    (re.compile(rb"siteplan[ _-]?v?\d+\.\d+\.\d+\w*"), b"siteplan <VERSION>"),
    (re.compile(rb"/tmp/[A-Za-z0-9_./-]+"), b"<TMP>"),
    (re.compile(rb"in \d+\.\d+ ?s\b"), b"in <SECONDS>"),
    (re.compile(rb"(solve|plan) \d+\.\d+ s\b"), b"\\1 <SECONDS>"),
    (re.compile(rb'"(\w*runtime_s|seconds)": [0-9.e+-]+'), b'"\\1": <SECONDS>'),
    (re.compile(re.escape(str(ROOT).encode()) + rb"/"), b"<ROOT>/"),
    (re.compile(rb"\.[\w.-]+\.[a-z0-9_]{8}\.tmp"), b"<TMPNAME>"),
]


def _mask(data: bytes) -> bytes:
    for pattern, repl in _MASKS:
        data = pattern.sub(repl, data)
    return data


def _canonical(path: Path) -> bytes:
    """File bytes with volatile parts masked; binary containers are read by content."""
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path)
        rows = []
        for ws in wb.worksheets:
            rows.append(f"## {ws.title}")
            rows.extend(repr(r) for r in ws.iter_rows(values_only=True))
        return _mask("\n".join(rows).encode())
    if path.suffix == ".gpkg":
        import pyogrio

        frames = []
        for name, _ in pyogrio.list_layers(path):
            frames.append(f"## {name}\n" + pyogrio.read_dataframe(path, layer=name).to_csv())
        return _mask("\n".join(frames).encode())
    return _mask(path.read_bytes())


def _selected(only: set[str] | None) -> list[tuple[str, list[str]]]:
    """The commands whose name starts with one of ``only`` (all when None)."""
    if not only:
        return COMMANDS
    return [(n, a) for n, a in COMMANDS if any(n.startswith(o) for o in only)]


def _recorded_by(name: str, only: set[str] | None) -> bool:
    """Whether a recorded file belongs to a selected command."""
    return only is None or any(name.split("__")[0].split(".")[0].startswith(o) for o in only)


def run_all(dest: Path, only: set[str] | None = None) -> None:
    """Run every command, storing stdout, stderr, exit code and output files in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    exe = [sys.executable, "-m", "siteplan"]
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(AHP / "drinks.toml", tmp)
        for name, argv in _selected(only):
            out = Path(tmp) / name
            out.mkdir()
            args = [a.replace("{out}", str(out)) for a in argv]
            proc = subprocess.run([*exe, *args], capture_output=True, cwd=tmp,
                                  env={"COLUMNS": "160", "PATH": "/usr/bin:/bin",
                                       "HOME": tmp, "NO_COLOR": "1",
                                       "PYTHONPATH": os.environ.get("PYTHONPATH", "")})
            (dest / f"{name}.stdout").write_bytes(_mask(proc.stdout))
            (dest / f"{name}.stderr").write_bytes(_mask(proc.stderr))
            (dest / f"{name}.rc").write_text(str(proc.returncode))
            for f in sorted(out.iterdir()):
                (dest / f"{name}__{f.name}").write_bytes(_canonical(f))
            print(f"{name:14s} exit {proc.returncode}", file=sys.stderr)


def check(ref: Path, only: set[str] | None = None) -> int:
    """Run everything again and compare with the recording in ``ref``; 0 when identical."""
    with tempfile.TemporaryDirectory() as tmp:
        now = Path(tmp) / "now"
        run_all(now, only)
        names = sorted({p.name for p in ref.iterdir() if _recorded_by(p.name, only)}
                       | {p.name for p in now.iterdir()})
        bad = []
        for n in names:
            a, b = ref / n, now / n
            if not a.exists() or not b.exists() or _mask(a.read_bytes()) != b.read_bytes():
                bad.append(n)
        for n in bad:
            print(f"DIFFERS: {n}")
            if (ref / n).exists() and (now / n).exists():
                diff = difflib.unified_diff(
                    _mask((ref / n).read_bytes()).decode(errors="replace").splitlines(),
                    (now / n).read_text(errors="replace").splitlines(), lineterm="", n=1)
                for line in list(diff)[:20]:
                    print("   ", line)
        digest = hashlib.sha256(b"".join((ref / n).read_bytes() for n in names
                                         if (ref / n).exists())).hexdigest()[:16]
        print(f"{len(names) - len(bad)} of {len(names)} files identical (reference {digest})")
        return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--record", type=Path, metavar="DIR")
    g.add_argument("--check", type=Path, metavar="DIR")
    ap.add_argument("--only", metavar="NAMES",
                    help="comma-separated command-name prefixes to check (default: all)")
    a = ap.parse_args()
    only = set(a.only.split(",")) if a.only else None
    if a.record:
        if a.record.exists():
            shutil.rmtree(a.record)
        run_all(a.record)
        return 0
    return check(a.check, only)


if __name__ == "__main__":
    raise SystemExit(main())
