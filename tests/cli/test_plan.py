"""`siteplan plan` and `siteplan compare` through the CLI, on the tiny pack."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from siteplan.cli import cli

TINY = Path(__file__).parents[1] / "data" / "tiny-scenario.toml"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def base(pack: Path) -> list[str]:
    return ["plan", "--scenario", str(TINY), "--pack", str(pack)]


def test_plan_prints_sites_regions_equity_and_solver(tiny_pack_dir: Path) -> None:
    res = run(*base(tiny_pack_dir), "--sites", "2")
    assert res.exit_code == 0, res.output
    out = res.output
    assert "Alpha" in out and "Beta" in out
    assert "East" in out and "West" in out and "ESTIMATE" in out
    assert "Gini (regions)" in out and "2030 baseline" in out
    assert "solver highs, status optimal" in out


def test_infeasible_cap_exits_1_naming_k_regions_and_cap(tiny_pack_dir: Path,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    res = run(*base(tiny_pack_dir), "--sites", "5", "--max-per-region", "1", "-o", str(out),
              "--png", str(tmp_path / "jobs.png"))
    assert res.exit_code == 1
    assert "K=5" in res.output and "2 regions" in res.output and "cap 1" in res.output
    assert "Traceback" not in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]  # nothing written


def test_json_output_contract(tiny_pack_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    res = run(*base(tiny_pack_dir), "--sites", "2", "-o", str(out))
    assert res.exit_code == 0, res.output
    d = json.loads(out.read_text(encoding="utf-8"))
    assert d["kind"] == "siteplan-plan" and d["k"] == 2
    assert [c["id"] for c in d["chosen"]] == ["a", "b"]
    for c in d["chosen"]:
        assert {"id", "name", "region", "score", "jobs_2030_added",
                "exports_2030_added_mad_m"} <= set(c)
    assert sum(r["jobs_2030_plan"] for r in d["regions"]) == 270_000
    assert set(d["equity"]) >= {"plan", "baseline", "today"}
    assert d["status"] == "optimal" and d["gap"] is not None
    assert d["targets"]["sources"]
    assert d["estimates"][0]["estimate"] is True


def test_stdout_json_and_other_formats(tiny_pack_dir: Path, tmp_path: Path) -> None:
    res = run(*base(tiny_pack_dir), "--sites", "2", "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["kind"] == "siteplan-plan"
    res = run(*base(tiny_pack_dir), "--sites", "2", "-o", str(tmp_path / "p.csv"))
    assert res.exit_code == 0, res.output
    assert pd.read_csv(tmp_path / "p.csv")["kind"].tolist() == ["new", "new", "park"]
    assert pd.read_csv(tmp_path / "p_regions.csv")["jobs_2030_plan"].sum() == 270_000
    assert "gini" in pd.read_csv(tmp_path / "p_equity.csv")["measure"].tolist()
    res = run(*base(tiny_pack_dir), "--sites", "2", "-o", str(tmp_path / "p.xlsx"))
    assert res.exit_code == 0, res.output
    with pd.ExcelFile(tmp_path / "p.xlsx") as xl:
        assert xl.sheet_names[:3] == ["sites", "regions", "equity"]
    res = run(*base(tiny_pack_dir), "--sites", "2", "-o", str(tmp_path / "p.md"),
              "--png", str(tmp_path / "jobs.png"), "--lorenz", str(tmp_path / "lorenz.png"))
    assert res.exit_code == 0, res.output
    assert "## regions" in (tmp_path / "p.md").read_text(encoding="utf-8")
    assert (tmp_path / "jobs.png").stat().st_size > 0
    assert (tmp_path / "lorenz.png").stat().st_size > 0


def test_existing_output_is_kept_without_overwrite(tiny_pack_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    out.write_text("precious\n")
    res = run(*base(tiny_pack_dir), "--sites", "2", "-o", str(out))
    assert res.exit_code == 1
    assert "file exists; pass --overwrite" in res.output
    assert out.read_text() == "precious\n"
    res = run(*base(tiny_pack_dir), "--sites", "2", "-o", str(out), "--overwrite")
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["kind"] == "siteplan-plan"


def test_compare_two_scenarios_and_saved_plans(tiny_pack_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "tiny-need.toml"
    text = TINY.read_text(encoding="utf-8").replace('name = "tiny"', 'name = "tiny-need"')
    other.write_text(text.replace("weight = 2", "weight = 0.2"), encoding="utf-8")
    res = run("compare", str(TINY), str(other), "--sites", "2", "--pack", str(tiny_pack_dir))
    assert res.exit_code == 0, res.output
    assert "Kendall" in res.output and "tiny-need" in res.output
    assert "gini" in res.output and "Chosen sites" in res.output
    out = tmp_path / "cmp.json"
    res = run("compare", str(TINY), str(other), "--sites", "2", "--pack", str(tiny_pack_dir),
              "-o", str(out))
    assert res.exit_code == 0, res.output
    d = json.loads(out.read_text(encoding="utf-8"))
    assert [i["label"] for i in d["items"]] == ["tiny", "tiny-need"]
    assert d["kendall_tau"][0]["n_common"] == 4
    # saved plans compare too (K taken from the plans)
    pa, pb = tmp_path / "a.json", tmp_path / "b.json"
    assert run(*base(tiny_pack_dir), "--sites", "2", "-o", str(pa)).exit_code == 0
    res = run("plan", "--scenario", str(other), "--pack", str(tiny_pack_dir), "--sites", "2",
              "-o", str(pb))
    assert res.exit_code == 0, res.output
    res = run("compare", str(pa), str(pb), "--format", "csv")
    assert res.exit_code == 0, res.output
    assert "# kendall" in res.output


def test_compare_needs_two_items(tiny_pack_dir: Path) -> None:
    res = run("compare", str(TINY), "--sites", "2", "--pack", str(tiny_pack_dir))
    assert res.exit_code == 2
    assert "at least two" in res.output


@pytest.mark.parametrize("args", [["--sites", "0"], ["--solver", "magic", "--sites", "2"]])
def test_bad_options_exit_2(tiny_pack_dir: Path, args: list[str]) -> None:
    res = run(*base(tiny_pack_dir), *args)
    assert res.exit_code == 2


def test_jobs_today_from_the_users_table_and_a_bad_one(tmp_path: Path) -> None:
    """On the embedded pack: a CSV of today's jobs per region replaces the estimate, and a
    table missing a region is one line naming the file and the fix."""
    good = tmp_path / "jobs.csv"
    rows = "\n".join(f"{i:02d},{74_250 if i in (4, 6) else 0}" for i in range(1, 13))
    good.write_text("region_code,jobs\n" + rows + "\n", encoding="utf-8")
    out = tmp_path / "plan.json"
    res = run("plan", "--sites", "3", "--jobs-today", str(good), "-o", str(out))
    assert res.exit_code == 0, res.output
    d = json.loads(out.read_text(encoding="utf-8"))
    today = {r["region_code"]: r["jobs_today"] for r in d["regions"]}
    assert today["04"] == today["06"] == 74_250
    assert str(good) in d["estimates"][0]["method"]
    bad = tmp_path / "bad.csv"
    bad.write_text("region_code,jobs\n01,100\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["plan", "--sites", "3", "--jobs-today", str(bad)])
    assert res.exit_code != 0
    lines = [x for x in res.output.splitlines() if x.strip()]
    assert len(lines) == 1 and str(bad) in lines[0] and "no row for region(s) 02" in lines[0]
    assert "Traceback" not in res.output and "internal error" not in res.output


def test_default_plan_prints_equity_ranges() -> None:
    res = run("plan", "--sites", "5")
    assert res.exit_code == 0, res.output
    gini = next(x for x in res.output.splitlines() if x.startswith("Gini (regions)"))
    assert gini.count("(") == 4 and "-" in gini  # 'Gini (regions)' + a range per column
    assert "ends: concentrated, spread" in res.output


def test_plan_prints_french_with_the_figures_of_its_json(tmp_path: Path) -> None:
    """--lang fr: French headings and equity labels, French figures equal to the JSON."""
    res = CliRunner().invoke(cli, ["plan", "-k", "3", "--lang", "fr", "-o",
                                   str(tmp_path / "p.json")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    d = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    out = res.output
    assert "Développement territorial équilibré 2030 : 3 nouveaux sites" in out
    assert "Gini (régions)" in out and "Équité entre régions" in out
    assert f"{d['equity']['plan']['gini']:.3f}".replace(".", ",") in out
    total = f"{d['targets']['target_jobs']:,}".replace(",", "\u202f")
    assert f"objectifs {d['targets']['year']} : {total} emplois" in out
    for english in ("Equity across regions", "jobs added by", "note: today's"):
        assert english not in out


def test_french_plan_workbook_has_french_sheets_and_the_jsons_figures(tmp_path: Path) -> None:
    for args in (["--lang", "fr", "-o", str(tmp_path / "p.xlsx")],
                 ["-o", str(tmp_path / "p.json")]):
        res = CliRunner().invoke(cli, ["plan", "-k", "3", *args], catch_exceptions=False)
        assert res.exit_code == 0, res.output
    d = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    with pd.ExcelFile(tmp_path / "p.xlsx") as xl:
        assert xl.sheet_names[:3] == ["sites", "régions", "équité"]
        eq = pd.read_excel(xl, "équité").set_index("mesure")
        regions = pd.read_excel(xl, "régions")
    assert eq.loc["gini", "plan 2030"] == pytest.approx(d["equity"]["plan"]["gini"])
    assert eq.loc["gini", "libellé"] == "Gini (régions)"
    assert regions["emplois 2030 (plan)"].sum() == pytest.approx(d["targets"]["target_jobs"])


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_folder_that_refuses_files_is_found_before_the_work() -> None:
    res = CliRunner().invoke(cli, ["plan", "-k", "3", "-o", "/proc/x.xlsx"])
    assert res.exit_code == 1
    assert "cannot create a file in '/proc'" in res.output
    assert "Marrakech" not in res.output  # refused before the plan was solved and printed


def test_compare_in_french_prints_and_writes_french_with_the_jsons_figures(
        tmp_path: Path) -> None:
    args = ["compare", "balanced-2030", "market-led", "--sites", "3", "--lang", "fr"]
    res = run(*args, "-o", str(tmp_path / "c.json"))
    assert res.exit_code == 0, res.output
    ref = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    out = res.output
    for word in ("Sites choisis", "Équité entre régions", "Gini (régions)", "aujourd'hui",
                 "référence", "Tau de Kendall", "valeur p", "solveur"):
        assert word in out, word
    for word in ("Chosen sites", "Equity across", "baseline", "Kendall's", "solver "):
        assert word not in out, word
    gini = ref["items"][0]["equity"]["plan"]["gini"]
    row = next(line for line in out.splitlines() if line.startswith("balanced-2030 ")
               and "," in line)
    assert f"{gini:.3f}".replace(".", ",") in row, row
    assert res.exit_code == 0
    res = run(*args, "-o", str(tmp_path / "c.xlsx"))
    assert res.exit_code == 0, res.output
    with pd.ExcelFile(tmp_path / "c.xlsx") as xl:
        assert xl.sheet_names == ["choisis", "régions", "équité", "kendall"]
        chosen = pd.read_excel(xl, "choisis")
        equity = pd.read_excel(xl, "équité")
    assert {"élément", "identifiant", "rang", "emplois créés d'ici 2030"} <= set(chosen)
    assert {"Gini (régions)", "répartition"} <= set(equity) and "gini" not in equity
    plan = equity[equity["élément"] == "balanced-2030"]
    assert plan["Gini (régions)"].iloc[0] == pytest.approx(gini)


def test_french_plan_markdown_has_french_headings_and_the_jsons_figures(tmp_path: Path
                                                                        ) -> None:
    for args in (["--lang", "fr", "-o", str(tmp_path / "p.md")],
                 ["-o", str(tmp_path / "p.json")]):
        res = CliRunner().invoke(cli, ["plan", "-k", "3", *args], catch_exceptions=False)
        assert res.exit_code == 0, res.output
    d = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    md = (tmp_path / "p.md").read_text(encoding="utf-8")
    assert md.startswith("# Plan : balanced-2030, K=3")
    assert "## régions" in md and "## équité" in md and "Objectifs 2030 : 270" in md
    assert "## regions" not in md and "Targets 2030" not in md
    # the estimates the plan rests on, described in French
    assert "**emplois actuels par parc, province et région" in md and "ESTIMATION : " in md
    assert "jobs today per park" not in md and "ESTIMATE:" not in md
    lines = md.splitlines()
    head = next(ln for ln in lines if ln.startswith("| code région |"))
    cells = [c.strip() for c in head.strip("|").split("|")]
    col = cells.index("emplois 2030 (plan)")
    total = 0.0
    for ln in lines[lines.index(head) + 2:]:
        if not ln.startswith("|"):
            break
        total += float(ln.strip("|").split("|")[col].strip().replace("\u202f", "")
                       .replace(",", "."))
    assert total == pytest.approx(sum(r["jobs_2030_plan"] for r in d["regions"]))


def test_plan_map_bad_path_and_existing_file_exit_before_the_work(tiny_pack_dir: Path,
                                                                  tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, [*base(tiny_pack_dir), "--sites", "2", "--map",
                                   str(tmp_path / "plan.txt")])
    assert res.exit_code == 2 and "--map" in res.output and ".html" in res.output
    assert "Traceback" not in res.output
    old = tmp_path / "plan.html"
    old.write_text("keep", encoding="utf-8")
    res = CliRunner().invoke(cli, [*base(tiny_pack_dir), "--sites", "2", "--map", str(old)])
    assert res.exit_code == 1 and "--overwrite" in res.output
    assert old.read_text(encoding="utf-8") == "keep"
    res = run(*base(tiny_pack_dir), "--sites", "2", "--map", str(old), "--overwrite")
    assert res.exit_code == 0, res.output
    assert 'class="sp-plan-row"' in old.read_text(encoding="utf-8")


def test_compare_map_bad_input_exits_with_one_line(tiny_pack_dir: Path, tmp_path: Path) -> None:
    items = [str(TINY), str(TINY), "--sites", "2", "--pack", str(tiny_pack_dir)]
    res = CliRunner().invoke(cli, ["compare", *items, "--map", str(tmp_path / "cmp.txt")])
    assert res.exit_code == 2 and "--map" in res.output and ".html" in res.output
    old = tmp_path / "cmp.html"
    old.write_text("keep", encoding="utf-8")
    res = CliRunner().invoke(cli, ["compare", *items, "--map", str(old)])
    assert res.exit_code == 1 and "--overwrite" in res.output
    assert old.read_text(encoding="utf-8") == "keep"
    res = CliRunner().invoke(cli, ["compare", str(TINY), *items, "--map", str(old),
                                   "--overwrite"])
    assert res.exit_code == 2 and "two items" in res.output and "Traceback" not in res.output
    res = run("compare", *items, "--map", str(old), "--overwrite")
    assert res.exit_code == 0, res.output
    page = old.read_text(encoding="utf-8")
    assert page.count('class="folium-map"') == 3 and "sp-movers" in page
