"""`siteplan sensitivity` (SMAA and one weight at a time) in French: the printed tables,
the workbook and the Markdown, checked against the JSON of the same run."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from siteplan.cli import cli

NNBSP = "\u202f"
SAMPLES = "300"


def run(*args: str) -> str:
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def french_pct(x: float) -> str:
    """A share as the French tables print it, built here without siteplan: 50,0 %."""
    return f"{x * 100:.1f}".replace(".", ",") + NNBSP + "%"


@pytest.fixture(scope="module")
def french(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One French run printed and written as JSON (the reference), XLSX and Markdown."""
    d = tmp_path_factory.mktemp("sens-fr")
    printed = run("sensitivity", "--samples", SAMPLES, "--lang", "fr", "-o", str(d / "s.json"))
    run("sensitivity", "--samples", SAMPLES, "--lang", "fr", "-o", str(d / "s.xlsx"))
    run("sensitivity", "--samples", SAMPLES, "--lang", "fr", "-o", str(d / "s.md"))
    return {"dir": d, "printed": printed,
            "json": json.loads((d / "s.json").read_text(encoding="utf-8"))}


def test_printed_tables_are_french_with_the_runs_figures(french: dict) -> None:
    out = str(french["printed"])
    for word in ("stabilité du rang (±1)", "acceptabilité du premier rang", "rang espéré",
                 "Un poids à la fois", "règle du verdict : robuste", "tirages de poids",
                 "Développement territorial équilibré 2030", "robuste", "critère", "poids"):
        assert word in out, word
    for word in ("rank stability", "first-rank acceptability", "expected rank",
                 "One weight at a time", "verdict rule", "weight samples", "never",
                 "stays first", "in the top"):
        assert word not in out, word
    lines = out.splitlines()
    for site in french["json"]["sites"][:5]:
        row = next(line for line in lines if f" {site['name']} " in f" {line} "
                   and line.strip().startswith(str(site["rank"])))
        assert french_pct(site["rank_stability"]) in row, (site["name"], row)
        assert french_pct(site["top_k_membership"]) in row, (site["name"], row)
        assert f"{site['expected_rank']:.1f}".replace(".", ",") in row
    # the OAT table shows each criterion's French label and its weight with a comma
    weights = french["json"]["weights"]
    graduates = next(line for line in lines if line.startswith("Diplômés du supérieur"))
    assert f"{weights['graduates']:.3f}".replace(".", ",") in graduates
    assert "graduates " not in out


def test_workbook_sheets_and_headings_are_french_figures_stay_numbers(french: dict) -> None:
    wb = openpyxl.load_workbook(Path(french["dir"]) / "s.xlsx")
    assert wb.sheetnames == ["sites", "un poids à la fois", "acceptabilité", "paramètres"]
    head = [c.value for c in wb["sites"][1]]
    assert head[:6] == ["rang", "identifiant", "nom", "province", "région", "score"]
    assert {"stabilité du rang (±1)", "dans les 5 premiers", "acceptabilité du premier rang",
            "rang espéré", "verdict", "motifs"} <= set(head)
    assert not {"rank_stability", "top_5_membership", "expected_rank", "why"} & set(head)
    oat_head = [c.value for c in wb["un poids à la fois"][1]]
    assert oat_head[:2] == ["critère", "poids"] and "winner_lo" not in oat_head
    assert [c.value for c in wb["acceptabilité"][1]][3:5] == ["rang 1", "rang 2"]
    col = head.index("stabilité du rang (±1)")
    verdict = head.index("verdict")
    by_rank = {s["rank"]: s for s in french["json"]["sites"]}
    for row in wb["sites"].iter_rows(min_row=2, values_only=True):
        ref = by_rank[row[0]]
        assert row[col] == pytest.approx(ref["rank_stability"], abs=1e-6)
        want = {"robust": "robuste", "fragile": "fragile"}.get(ref["verdict"] or "")
        assert row[verdict] == want or (want is None and row[verdict] in (None, ""))
    settings = {r[0]: r[1] for r in wb["paramètres"].iter_rows(min_row=2, values_only=True)}
    assert settings["tirages"] == SAMPLES and settings["règle du verdict"].startswith("robuste")


def test_markdown_is_french_and_its_figures_equal_the_json(french: dict) -> None:
    md = (Path(french["dir"]) / "s.md").read_text(encoding="utf-8")
    assert md.startswith("# Sensibilité : Développement territorial équilibré 2030")
    assert "## Un poids à la fois" in md and "Règle du verdict : robuste" in md
    assert "weight samples" not in md and "Verdict rule" not in md
    head = next(line for line in md.splitlines() if line.startswith("| rang |"))
    cells = [c.strip() for c in head.strip("|").split("|")]
    col = cells.index("stabilité du rang (±1)")
    top = french["json"]["sites"][0]
    first = next(line for line in md.splitlines() if line.startswith("| 1 |"))
    value = [c.strip() for c in first.strip("|").split("|")][col]
    assert "," in value or value in ("0", "1")
    assert float(value.replace(",", ".")) == pytest.approx(top["rank_stability"], abs=1e-6)


def test_json_and_csv_do_not_depend_on_the_language(tmp_path: Path) -> None:
    for lang in ("en", "fr"):
        run("sensitivity", "--samples", "100", "--lang", lang, "-o", str(tmp_path / f"{lang}.csv"))
        run("sensitivity", "--samples", "100", "--lang", lang, "-o",
            str(tmp_path / f"{lang}.json"))
    assert (tmp_path / "en.csv").read_bytes() == (tmp_path / "fr.csv").read_bytes()
    en = json.loads((tmp_path / "en.json").read_text(encoding="utf-8"))
    fr = json.loads((tmp_path / "fr.json").read_text(encoding="utf-8"))
    assert en["sites"] == fr["sites"] and en["verdict_rule"] == fr["verdict_rule"]
    assert en["verdict_rule"].startswith("robust: in the top 5")


def test_plan_robustness_is_french_printed_and_in_the_workbook(tmp_path: Path) -> None:
    out = run("sensitivity", "--plan", "3", "--samples", "100", "--lang", "fr", "-o",
              str(tmp_path / "p.json"))
    run("sensitivity", "--plan", "3", "--samples", "100", "--lang", "fr", "-o",
        str(tmp_path / "p.xlsx"))
    ref = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    for word in ("robustesse du plan", "plan à poids unique (poids du scénario)",
                 "plan robuste = ", "Sites par fréquence de sélection", "ne peut être choisi",
                 "Nombre espéré de nouveaux sites par région", "solveur"):
        assert word in out, word
    for word in ("single-weight", "robust plan", "selection frequency", "cannot be chosen",
                 "of an existing park", "weight samples", "solver "):
        assert word not in out, word
    lines = out.splitlines()
    for site in ref["sites"][:4]:
        row = next(line for line in lines if f" {site['name']} " in line
                   and line.strip().startswith(str(site["rank"]) + " "))
        assert french_pct(site["selection_frequency"]) in row, row
    wb = openpyxl.load_workbook(tmp_path / "p.xlsx")
    assert wb.sheetnames == ["sites", "ensembles", "régions", "paramètres"]
    head = [c.value for c in wb["sites"][1]]
    assert {"fréquence de sélection", "dans le plan robuste", "pourquoi pas"} <= set(head)
    col = head.index("fréquence de sélection")
    got = {row[head.index("identifiant")]: row[col]
           for row in wb["sites"].iter_rows(min_row=2, values_only=True)}
    assert got == pytest.approx({s["id"]: s["selection_frequency"] for s in ref["sites"]})
    reasons = {row[head.index("pourquoi pas")]
               for row in wb["sites"].iter_rows(min_row=2, values_only=True)} - {None, ""}
    assert reasons and all("parc existant" in r for r in reasons), reasons


TINY = str(Path(__file__).parents[1] / "data" / "tiny-scenario.toml")


def test_the_stability_map_has_the_verdict_shapes_in_french(tiny_pack_dir: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "stability.html"
    res = CliRunner().invoke(cli, ["sensitivity", "--scenario", TINY, "--pack",
                                   str(tiny_pack_dir), "--samples", "300", "-k", "2",
                                   "--map", str(out), "--lang", "fr"])
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert "sp-verdict-" in page and "hors des 2 premiers" in page
    assert "Stabilité du classement (SMAA)" in page
    # no weight sliders: they would re-rank the sites but not the stability markers
    assert "sp-slider-panel" not in page
