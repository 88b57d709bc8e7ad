"""The reader's language: what people read follows --lang, the data files never do."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from siteplan.cli import cli
from siteplan.errors import UsageError
from siteplan.outputs.language import fmt_num, fmt_pct, resolve_language
from siteplan.scenario import load_scenario, scenario_from_dict, scenario_to_dict

NNBSP = "\u202f"


def run(*args: str) -> str:
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(scope="module")
def french_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One default ranking in French, with the JSON of the same run as the reference."""
    d = tmp_path_factory.mktemp("fr")
    printed = run("rank", "--lang", "fr", "-o", str(d / "r.xlsx"))
    run("rank", "--lang", "fr", "-o", str(d / "r.md"))
    run("rank", "-o", str(d / "r.json"))
    return {"dir": d, "printed": printed, "json": json.loads((d / "r.json").read_text())}


def test_numbers_take_the_french_separators() -> None:
    assert fmt_num(152514, "fr") == f"152{NNBSP}514"
    assert fmt_num(0.72, "fr", 2) == "0,72"
    assert fmt_num(152514, "en") == "152,514"
    assert fmt_pct(0.125, "fr", 1) == f"12,5{NNBSP}%"


def test_the_option_beats_the_scenario_which_beats_english() -> None:
    scen = load_scenario("balanced-2030")
    raw = scenario_to_dict(scen)
    french = scenario_from_dict({**raw, "scenario": {**raw["scenario"], "language": "fr"}})
    assert resolve_language(None, scen) == "en"
    assert resolve_language(None, french) == "fr"
    assert resolve_language("en", french) == "en"
    with pytest.raises(UsageError, match="--lang 'de'"):
        resolve_language("de", scen)


def test_printed_table_is_french_with_the_runs_scores(french_run: dict) -> None:
    out = str(french_run["printed"])
    assert "rang" in out and "région" in out and "viabilité" in out and "besoin" in out
    assert "Développement territorial équilibré 2030" in out
    top = next(s for s in french_run["json"]["sites"] if s["rank"] == 1)
    assert f"{top['score']:.3f}".replace(".", ",") in out
    assert "below the scenario's floor" not in out and "sous le seuil" in out


def test_every_excluded_site_has_a_french_reason_in_the_workbook(french_run: dict) -> None:
    ref = french_run["json"]["sites"]
    with pd.ExcelFile(Path(french_run["dir"]) / "r.xlsx") as xl:
        assert xl.sheet_names == ["sites", "critères", "poids", "méthode et sources"]
        sites = pd.read_excel(xl, "sites")
        crit = pd.read_excel(xl, "critères")
        weights = pd.read_excel(xl, "poids")
    assert {"rang", "nom", "région", "viabilité", "besoin", "exclu", "motifs"} <= set(sites)
    excluded = sites[sites["exclu"]]
    assert len(excluded) == sum(s["excluded"] for s in ref) > 0
    for text in excluded["motifs"]:
        assert "below" not in text and "fails" not in text, text
    # figures stay numbers, equal to the JSON of the same run
    by_id = {s["id"]: s for s in ref}
    for _, row in sites.iterrows():
        want = by_id[row["identifiant"]]["score"]
        assert (pd.isna(row["score"]) and want is None) or row["score"] == pytest.approx(want)
    scen = load_scenario("balanced-2030")
    graduates = next(c for c in scen.criteria if c.name == "graduates")
    assert f"{graduates.label_fr} [{graduates.unit}]" in crit.columns
    assert set(weights["sens"]) <= {"à maximiser", "à minimiser"}


def test_markdown_report_is_french_and_agrees_with_the_json(french_run: dict) -> None:
    md = (Path(french_run["dir"]) / "r.md").read_text(encoding="utf-8")
    assert md.startswith("# Classement : Développement territorial équilibré 2030")
    assert "## Poids" in md and "## Exclus" in md and "combinaison linéaire pondérée" in md
    rows = [line for line in md.splitlines() if line.startswith("| 1 |")]
    top = next(s for s in french_run["json"]["sites"] if s["rank"] == 1)
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert float(cells[4].replace(",", ".")) == pytest.approx(top["score"], abs=1e-6)


def test_data_files_keep_english_codes_whatever_the_language(tmp_path: Path) -> None:
    for lang in ("en", "fr"):
        run("rank", "--lang", lang, "-o", str(tmp_path / f"{lang}.csv"))
        run("rank", "--lang", lang, "-o", str(tmp_path / f"{lang}.json"))
    assert (tmp_path / "en.csv").read_bytes() == (tmp_path / "fr.csv").read_bytes()
    en = json.loads((tmp_path / "en.json").read_text())
    fr = json.loads((tmp_path / "fr.json").read_text())
    assert en["sites"] == fr["sites"]


def test_a_french_scenario_prints_french_unless_told_otherwise(tmp_path: Path) -> None:
    from importlib import resources

    text = (resources.files("siteplan") / "scenarios" / "balanced-2030.toml").read_text(
        encoding="utf-8")
    assert "\nlanguage" not in text
    own = tmp_path / "fr.toml"
    own.write_text(text.replace("title_fr = ", 'language = "fr"\ntitle_fr = ', 1),
                   encoding="utf-8")
    assert "rang" in run("rank", "--scenario", str(own), "-n", "3")
    assert "rang" not in run("rank", "--scenario", str(own), "-n", "3", "--lang", "en")


def test_explain_in_french_gives_french_units_and_directions() -> None:
    out = run("explain", "Oujda", "--lang", "fr")
    assert "diplômés (pondérés par la distance)" in out and "à maximiser" in out
    assert "critère" in out and "rang " in out


def test_a_hostile_name_stays_text_in_french_markdown(tmp_path: Path) -> None:
    sites = tmp_path / "mine.csv"
    sites.write_text("id,name,lon,lat\nx1,\"<img src=x onerror=alert(1)>`|\",-6.85,34.0\n",
                     encoding="utf-8")
    run("rank", "--lang", "fr", "--add-candidates", str(sites), "-o", str(tmp_path / "r.md"))
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "<img" not in md


WORD_TABLES = ("HEADINGS", "SHEETS", "VALUES", "MAP_WORDS", "PLAN_WORDS", "ANALYSIS_WORDS")


@pytest.mark.parametrize("table", WORD_TABLES)
def test_every_word_has_every_language_with_the_same_fields(table: str) -> None:
    """Each entry of every word table is given in English and French, and both take the
    same {fields}: a French template missing one would drop a figure from the output."""
    import string

    from siteplan.outputs import language
    from siteplan.scenario import LANGUAGES

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    words = getattr(language, table)
    assert words
    for key, by_lang in words.items():
        assert set(by_lang) == set(LANGUAGES), (table, key)
        assert by_lang["fr"].strip(), (table, key)
        assert fields(by_lang["fr"]) == fields(by_lang["en"]), (table, key)


def test_headings_with_a_figure_or_a_name_in_the_code() -> None:
    from siteplan.outputs.language import heading

    assert heading("top_5_membership", "fr") == "dans les 5 premiers"
    assert heading("rank_12", "fr") == "rang 12"
    assert heading("jobs_2030_market-led", "fr") == "emplois 2030 (market-led)"
    assert heading("weight_geometric", "fr") == "poids (moyenne géométrique)"
    assert heading("weight_alice", "fr") == "poids (alice)"
    assert heading("top_5_membership", "en") == "top_5_membership"
    assert heading("not_a_code", "fr") == "not_a_code"
