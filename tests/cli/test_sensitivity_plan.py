"""`siteplan sensitivity --plan K` (plan robustness) through the CLI, on the tiny pack."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from siteplan.cli import cli

TINY = (Path(__file__).parents[1] / "data" / "tiny-scenario.toml").read_text(encoding="utf-8")
#: the tiny scenario plus two criteria that pull against the others (see
#: tests/analyses/plan/test_robustness.py), so that the plans vary with the weights, and a
#: plan table: at most one new site per region (two regions)
EXTRA = """
[plan]
max_per_region = 1

[[criteria]]
name = "population"
kind = "attribute"
column = "population"
weight = 1

[[criteria]]
name = "land_price"
kind = "attribute"
column = "land_price"
direction = "cost"
weight = 1
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture()
def base(tiny_pack_dir: Path, tmp_path: Path) -> list[str]:
    scen = tmp_path / "trade.toml"
    scen.write_text(TINY + EXTRA, encoding="utf-8")
    return ["sensitivity", "--scenario", str(scen), "--pack", str(tiny_pack_dir)]


def one_error_line(res: Result, code: int, *fragments: str) -> None:
    assert res.exit_code == code, res.output
    assert isinstance(res.exception, SystemExit), repr(res.exception)
    errors = [line for line in res.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])


def test_plan_prints_both_plans_sites_sets_and_regions(base: list[str]) -> None:
    res = run(*base, "--plan", "2", "--samples", "200")
    assert res.exit_code == 0, res.output
    out = res.output
    assert "plan robustness, K=2, 200 uniform weight samples, seed 42" in out
    assert "single-weight plan (scenario weights)" in out and "robust plan" in out
    assert "mean sampled weights" in out
    assert "Sites by selection frequency" in out and "Most frequent 2-sets" in out
    assert "Expected number of new sites per region" in out and "West" in out
    assert "ms per sample" in out and "status optimal 200" in out
    for name in ("Alpha", "Beta", "Gamma", "Delta"):
        assert name in out


def test_json_csv_xlsx_md_and_png(base: list[str], tmp_path: Path) -> None:
    out = tmp_path / "rob.json"
    res = run(*base, "--plan", "2", "--samples", "100", "--seed", "7", "-o", str(out),
              "--png", str(tmp_path / "freq.png"))
    assert res.exit_code == 0, res.output
    d = json.loads(out.read_text(encoding="utf-8"))
    assert d["kind"] == "siteplan-plan-robustness" and d["k"] == 2 and d["samples"] == 100
    assert d["seed"] == 7 and d["sampling"] == "uniform"
    assert sum(s["selection_frequency"] for s in d["sites"]) == pytest.approx(2)
    assert len(d["single_weight_plan"]["ids"]) == len(d["robust_plan"]["ids"]) == 2
    assert sum(t["samples"] for t in d["top_sets"]) <= 100 and d["top_sets"]
    assert {r["region_code"] for r in d["regions"]} == {"W", "E"}
    assert (tmp_path / "freq.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    res = run(*base, "--plan", "2", "--samples", "100", "-o", str(tmp_path / "r.csv"))
    assert res.exit_code == 0, res.output
    sites = pd.read_csv(tmp_path / "r.csv")
    assert sites["selection_frequency"].sum() == pytest.approx(2)
    assert pd.read_csv(tmp_path / "r_sets.csv")["share"].sum() == pytest.approx(1)
    assert pd.read_csv(tmp_path / "r_regions.csv")["expected_new_sites"].sum() == \
        pytest.approx(2)
    res = run(*base, "--plan", "2", "--samples", "50", "-o", str(tmp_path / "r.xlsx"))
    assert res.exit_code == 0, res.output
    with pd.ExcelFile(tmp_path / "r.xlsx") as xl:
        assert xl.sheet_names == ["sites", "sets", "regions", "settings"]
    res = run(*base, "--plan", "2", "--samples", "50", "-o", str(tmp_path / "r.md"))
    assert res.exit_code == 0, res.output
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert md.startswith("# Plan robustness") and "## sets" in md and "**Robust plan**" in md


def test_stdout_formats_and_same_seed_same_output(base: list[str]) -> None:
    a = run(*base, "--plan", "2", "--samples", "60", "--format", "json")
    b = run(*base, "--plan", "2", "--samples", "60", "--format", "json")
    assert a.exit_code == 0, a.output
    da, db = json.loads(a.output), json.loads(b.output)
    for d in (da, db):
        for key in ("solve_time_s", "per_sample_solve_s", "runtime_s"):
            d.pop(key)
    assert da == db
    res = run(*base, "--plan", "2", "--samples", "60", "--format", "csv")
    assert res.exit_code == 0, res.output
    assert res.output.startswith("# sites\n") and "# sets\n" in res.output
    res = run(*base, "--plan", "2", "--samples", "60", "--sampling", "dirichlet",
              "--format", "md")
    assert res.exit_code == 0, res.output
    assert "`dirichlet` weight samples, concentration 50" in res.output


def test_bad_input_is_one_line_and_writes_nothing(base: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    json_out, png = str(out / "r.json"), str(out / "f.png")
    one_error_line(run(*base, "--plan", "9", "--samples", "10", "-o", json_out, "--png", png),
                   1, "K=9", "2 regions")
    one_error_line(run(*base, "--plan", "3", "--samples", "10"), 1, "K=3", "cap 1")
    one_error_line(run(*base, "--plan", "2", "--samples", "10", "--format", "xlsx"), 2, "-o")
    one_error_line(run(*base, "--plan", "2", "--samples", "0"), 2, "--samples")
    one_error_line(run(*base, "--plan", "0"), 2, "--plan")
    one_error_line(run(*base, "--plan", "2", "--samples", "10", "--heatmap", png), 2,
                   "--heatmap", "--plan")
    one_error_line(run(*base, "--plan", "2", "--samples", "10", "--value-noise", "0.1"), 2,
                   "--value-noise")
    one_error_line(run(*base, "--plan", "2", "--samples", "10", "--top-k", "3"), 2, "--top-k")
    one_error_line(run(*base, "--plan", "2", "--samples", "10", "-o", str(out / "r.txt")), 2,
                   "r.txt")
    assert list(out.iterdir()) == []


def test_rank_and_help_do_not_import_dask() -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom siteplan.cli import main\n"
            "for args in (['--help'], ['rank', '-f', 'csv'], ['sensitivity', '--help']):\n"
            "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
            "print('DASK', [m for m in sys.modules if m.split('.')[0] in "
            "('dask', 'distributed')])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "DASK []" in out and "marrakech" in out.lower(), out[-500:]


def test_scheduler_threads_gives_the_same_json_and_a_dead_address_one_line(
        base: list[str], tmp_path: Path) -> None:
    import socket

    args = [*base, "--plan", "2", "--samples", "20", "-f", "json"]
    ref, got = run(*args), run(*args, "--scheduler", "threads")
    assert ref.exit_code == 0 and got.exit_code == 0, got.output
    drop = ("runtime_s", "solve_time_s", "per_sample_solve_s")
    a, b = json.loads(ref.output), json.loads(got.output)
    assert {k: v for k, v in a.items() if k not in drop} == \
        {k: v for k, v in b.items() if k not in drop}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "rob.json"
    res = run(*args[:-2], "-o", str(out), "--scheduler", f"tcp://127.0.0.1:{port}")
    one_error_line(res, 2, "--scheduler tcp://127.0.0.1:", "dask scheduler")
    assert not out.exists()
    one_error_line(run(*args, "--scheduler", "cluster"), 2, "--scheduler 'cluster'")
    one_error_line(run(*base, "--scheduler", "threads"), 2, "used with --plan")
