"""`siteplan weights ...` and `siteplan sensitivity` through the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from siteplan.cli import cli
from siteplan.scenario import load_scenario

DATA = Path(__file__).parents[1] / "data"
AHP = DATA / "ahp"
TINY = str(DATA / "tiny-scenario.toml")
MARKET_LED = Path(__file__).resolve().parents[2] / "siteplan" / "scenarios" / "market-led.toml"

ALICE = "c,graduates,labour_pool,ict_schools\ngraduates,1,3,2\nlabour_pool,1/3,1,1/2\n" \
        "ict_schools,1/2,2,1\n"
BOB = "c,graduates,labour_pool,ict_schools\ngraduates,1,5,3\nlabour_pool,1/5,1,1/2\n" \
      "ict_schools,1/3,2,1\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run_json(*args: str) -> dict:
    res = run(*args, "--format", "json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


# ------------------------------------------------------------------ AHP


def test_ahp_drinks_gives_saatys_published_weights() -> None:
    # Saaty (2008), Int. J. Services Sciences 1(1): drinks consumption in the USA
    d = run_json("weights", "ahp", str(AHP / "drinks.toml"))
    published = {"coffee": 0.177, "wine": 0.019, "tea": 0.042, "beer": 0.116, "soda": 0.190,
                 "milk": 0.129, "water": 0.327}
    for name, w in published.items():
        assert d["weights"][name] == pytest.approx(w, abs=0.0015), name
    assert d["cr"] == pytest.approx(0.022, abs=0.001)
    assert d["verdict"] == "consistent"
    assert {"lambda_max", "ci", "ri", "cr", "verdict"} <= set(d)
    assert d["lambda_max"] == pytest.approx(7 + d["ci"] * 6)


def test_ahp_table_lists_inconsistent_judgements() -> None:
    # Saaty (1990), EJOR 48: the house example, lambda_max 9.669, CR 0.169 (inconsistent)
    res = run("weights", "ahp", str(AHP / "house_upper.csv"), "--complete-from-upper")
    assert res.exit_code == 0, res.output
    assert "inconsistent" in res.output and "consistent value" in res.output
    d = run_json("weights", "ahp", str(AHP / "house_upper.csv"), "--complete-from-upper")
    assert d["lambda_max"] == pytest.approx(9.669, abs=0.001)
    assert d["cr"] == pytest.approx(0.169, abs=0.001)
    assert d["verdict"] == "inconsistent" and d["worst_judgements"]
    d2 = run_json("weights", "ahp", str(AHP / "house_upper.csv"), "--complete-from-upper",
                  "--ri-table", "alonso-lamata")
    assert d2["ri"] == pytest.approx(1.4056) and d2["ri_table"] == "alonso-lamata"


def test_group_ahp_on_two_files_and_on_a_folder(tmp_path: Path) -> None:
    panel = tmp_path / "panel"
    panel.mkdir()
    (panel / "alice.csv").write_text(ALICE)
    (panel / "bob.csv").write_text(BOB)
    d = run_json("weights", "ahp", str(panel / "alice.csv"), str(panel / "bob.csv"))
    assert set(d["participants"]) == {"alice", "bob"}
    for p in d["participants"].values():
        assert p["verdict"] == "consistent" and p["cr"] < 0.1
    # aggregation of individual judgements: the element-wise geometric mean matrix
    a = np.array([[1, 3, 2], [1 / 3, 1, 1 / 2], [1 / 2, 2, 1]])
    b = np.array([[1, 5, 3], [1 / 5, 1, 1 / 2], [1 / 3, 2, 1]])
    g = np.sqrt(a * b)
    vals, vecs = np.linalg.eig(g)
    v = np.abs(vecs[:, np.argmax(vals.real)].real)
    v /= v.sum()
    names = ["graduates", "labour_pool", "ict_schools"]
    for name, w in zip(names, v, strict=True):
        assert d["weights"][name] == pytest.approx(w, abs=1e-9)
        ws = [d["participants"][p]["weights"][name] for p in ("alice", "bob")]
        assert d["weight_range"][name] == pytest.approx(max(ws) - min(ws))
        assert d["weight_std"][name] == pytest.approx(np.std(ws))
    assert 0 < d["consensus"] <= 1
    assert run_json("weights", "ahp", str(panel))["weights"] == d["weights"]
    res = run("weights", "ahp", str(panel))
    assert "Goepel consensus" in res.output and "Agreement" in res.output


def test_into_updates_a_scenario_copy(tmp_path: Path) -> None:
    scen = tmp_path / "market.toml"
    shutil.copy(MARKET_LED, scen)
    before = load_scenario(str(scen)).weights
    (tmp_path / "ahp.csv").write_text(ALICE)
    res = run("weights", "ahp", str(tmp_path / "ahp.csv"), "--into", str(scen), "-o",
              str(tmp_path / "w.json"))
    assert res.exit_code == 0, res.output
    after = load_scenario(str(scen)).weights
    ahp = json.loads((tmp_path / "w.json").read_text())["weights"]
    group = ["graduates", "labour_pool", "ict_schools"]
    # the three criteria share their previous total in the AHP proportions ...
    assert sum(after[k] for k in group) == pytest.approx(sum(before[k] for k in group),
                                                         abs=1e-5)
    for k in group:
        assert after[k] / sum(after[g] for g in group) == pytest.approx(ahp[k], abs=1e-5)
    # ... and every other criterion keeps its weight
    for k in before:
        if k not in group:
            assert after[k] == pytest.approx(before[k], abs=1e-6)


def test_into_with_unknown_names_fails_and_keeps_the_file(tmp_path: Path) -> None:
    scen = tmp_path / "market.toml"
    shutil.copy(MARKET_LED, scen)
    text = scen.read_text()
    (tmp_path / "bad.csv").write_text("c,talent,sunshine\ntalent,1,3\nsunshine,1/3,1\n")
    res = run("weights", "ahp", str(tmp_path / "bad.csv"), "--into", str(scen))
    assert res.exit_code == 2
    assert "'sunshine'" in res.output and "not in the scenario" in res.output
    assert scen.read_text() == text
    res = run("weights", "roc", "talent", "need", "--into", str(tmp_path / "missing.toml"))
    assert res.exit_code == 2 and "not found" in res.output


@pytest.mark.parametrize(("content", "phrase"), [
    ("c,a,b,c\na,1,3,2\nb,1/3,1,1/2\n", "not square"),
    ("c,a,b\na,1,-3\nb,1/3,1\n", "positive"),
    ("c,a,b\na,1,3\nb,3,1\n", "--complete-from-upper"),
    ("c,a,b\na,1,12\nb,1/12,1\n", "1/9..9"),
])
def test_bad_matrices_exit_nonzero_with_one_line(tmp_path: Path, content: str,
                                                 phrase: str) -> None:
    f = tmp_path / "m.csv"
    f.write_text(content)
    res = run("weights", "ahp", str(f))
    assert res.exit_code != 0
    assert phrase in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_empty_folder_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    res = run("weights", "ahp", str(tmp_path / "empty"))
    assert res.exit_code == 2 and "no .csv or .toml" in res.output
    res = run("weights", "ahp", str(tmp_path / "nope.csv"))
    assert res.exit_code == 2 and "no such file" in res.output


def test_roc_and_rank_sum() -> None:
    d = run_json("weights", "roc", "talent", "need", "airport", "income")
    assert list(d["weights"].values()) == pytest.approx([0.5208, 0.2708, 0.1458, 0.0625],
                                                        abs=1e-4)
    d = run_json("weights", "rank-sum", "a", "b", "c")
    assert list(d["weights"].values()) == pytest.approx([3 / 6, 2 / 6, 1 / 6])


def test_objective_weights_from_the_scenario(tiny_pack_dir: Path, tmp_path: Path) -> None:
    for method in ("entropy", "critic"):
        d = run_json("weights", "objective", "--scenario", TINY, "--pack", str(tiny_pack_dir),
                     "--method", method)
        assert sum(d["weights"].values()) == pytest.approx(1.0)
        assert d["weights"]["talent"] == pytest.approx(0.0)   # constant on the tiny pack
    out = tmp_path / "obj.csv"
    res = run("weights", "objective", "--scenario", TINY, "--pack", str(tiny_pack_dir), "-o",
              str(out))
    assert res.exit_code == 0, res.output
    assert list(pd.read_csv(out)["criterion"]) == ["talent", "airport_km", "unemployment"]


# ------------------------------------------------------------------ sensitivity


def test_sensitivity_writes_the_json_contract(tiny_pack_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    res = run("sensitivity", "--scenario", TINY, "--pack", str(tiny_pack_dir), "--samples",
              "500", "-o", str(out))
    assert res.exit_code == 0, res.output
    assert "rank stability" in res.output and "One weight at a time" in res.output
    d = json.loads(out.read_text())
    assert (d["samples"], d["seed"], d["sampling"], d["method"], d["scenario"]) == \
        (500, 42, "uniform", "wlc", "tiny")
    assert [s["id"] for s in d["sites"]] == ["a", "b", "c", "d"]
    for s in d["sites"]:
        assert {"id", "name", "rank", "acceptability", "central_weights", "confidence",
                "rank_stability", "top_k_membership", "verdict"} <= set(s)
    assert set(d["criteria"]) == {"talent", "airport_km", "unemployment"}
    # same seed, same file
    out2 = tmp_path / "y.json"
    run("sensitivity", "--scenario", TINY, "--pack", str(tiny_pack_dir), "--samples", "500",
        "-o", str(out2))
    assert out2.read_text() == out.read_text()


def test_sensitivity_other_outputs(tiny_pack_dir: Path, tmp_path: Path) -> None:
    base = ["sensitivity", "--scenario", TINY, "--pack", str(tiny_pack_dir), "--samples", "200"]
    res = run(*base, "--format", "csv")
    assert res.exit_code == 0 and res.output.startswith("rank,id,name")
    res = run(*base, "-o", str(tmp_path / "s.xlsx"), "--png", str(tmp_path / "t.png"),
              "--heatmap", str(tmp_path / "h.png"), "--sampling", "dirichlet", "-k", "2")
    assert res.exit_code == 0, res.output
    with pd.ExcelFile(tmp_path / "s.xlsx") as xl:
        assert xl.sheet_names == ["table", "one at a time", "acceptability", "settings"]
    assert (tmp_path / "t.png").stat().st_size > 0 and (tmp_path / "h.png").stat().st_size > 0
    res = run(*base, "-o", str(tmp_path / "s.md"))
    assert "## One weight at a time" in (tmp_path / "s.md").read_text()
    res = run(*base, "-o", str(tmp_path / "s.md"))
    assert res.exit_code == 1 and "--overwrite" in res.output


def test_sensitivity_bad_options(tiny_pack_dir: Path) -> None:
    base = ["sensitivity", "--scenario", TINY, "--pack", str(tiny_pack_dir)]
    res = run(*base, "--samples", "0")
    assert res.exit_code == 2
    res = run(*base, "--samples", "50", "--bound", "talent=0.7:0.9", "--bound",
              "unemployment=0.5:0.6")
    assert res.exit_code == 2 and "cannot sum to 1" in res.output
    res = run(*base, "--samples", "50", "--bound", "talent=0.3")
    assert res.exit_code == 2 and "KEY=LO:HI" in res.output
    res = run(*base, "--samples", "50", "--bound", "sunshine=0.1:0.2")
    assert res.exit_code == 2 and "unknown criterion 'sunshine'" in res.output


# ------------------------------------------------------------------ --lang fr


def test_ahp_in_french_prints_french_figures_equal_to_the_json(tmp_path: Path) -> None:
    res = run("weights", "ahp", str(AHP / "house_upper.csv"), "--complete-from-upper",
              "--lang", "fr", "-o", str(tmp_path / "w.json"))
    assert res.exit_code == 0, res.output
    ref = json.loads((tmp_path / "w.json").read_text(encoding="utf-8"))
    out = res.output
    for word in ("Poids AHP", "critère", "poids (vecteur propre)", "IC ", "IA(8)", "RC ",
                 "incohérent (RC > 0,10)", "Jugements qui contribuent le plus"):
        assert word in out, word
    for word in ("weight (eigenvector)", "inconsistent", "Judgements", " vs ", "CI "):
        assert word not in out, word
    assert set(ref["weights"]) == set(ref["criteria"])
    for name, weight in ref["weights"].items():
        row = next(line for line in out.splitlines() if line.startswith(name + " "))
        assert f"{weight:.4f}".replace(".", ",") in row, row
    assert f"RC {ref['cr']:.4f}".replace(".", ",") in out


def test_group_ahp_in_french_and_its_workbook_headings(tmp_path: Path) -> None:
    (tmp_path / "alice.csv").write_text(ALICE, encoding="utf-8")
    (tmp_path / "bob.csv").write_text(BOB, encoding="utf-8")
    res = run("weights", "ahp", str(tmp_path / "alice.csv"), str(tmp_path / "bob.csv"),
              "--lang", "fr", "-o", str(tmp_path / "w.xlsx"))
    assert res.exit_code == 0, res.output
    assert "Accord entre les participants" in res.output and "Consensus de Goepel" in res.output
    assert "Agreement" not in res.output and "Goepel consensus" not in res.output
    head = list(pd.read_excel(tmp_path / "w.xlsx").columns)
    assert head == ["critère", "poids", "poids (moyenne géométrique)", "écart type", "étendue",
                    "poids (alice)", "poids (bob)"]
    # CSV is a data file: English codes whatever the language
    run("weights", "ahp", str(tmp_path / "alice.csv"), "--lang", "fr", "-o",
        str(tmp_path / "w.csv"))
    assert (tmp_path / "w.csv").read_text(encoding="utf-8").startswith("criterion,weight,")


def test_rank_order_and_objective_weights_in_french(tmp_path: Path) -> None:
    res = run("weights", "roc", "a", "b", "c", "d", "--lang", "fr")
    assert "centroïde des rangs" in res.output and "0,5208" in res.output
    assert "most important" not in res.output
    res = run("weights", "objective", "--lang", "fr", "-o", str(tmp_path / "o.json"))
    assert res.exit_code == 0, res.output
    ref = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    scen = load_scenario("balanced-2030")
    for c in scen.criteria:
        if c.name in ref["weights"]:
            row = next(line for line in res.output.splitlines()
                       if line.startswith(c.display_in("fr")))
            assert f"{ref['weights'][c.name]:.4f}".replace(".", ",") in row, row
    assert "poids objectif" in res.output and "objective weight" not in res.output
