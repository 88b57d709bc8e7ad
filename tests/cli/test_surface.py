"""`siteplan surface --lang fr`: the printed summary and hotspots in French, their figures
equal to the hotspot file of the same run (a data file: English codes, dot decimals)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from siteplan.cli import cli

NNBSP = "\u202f"


def run(*args: str) -> str:
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def comma(x: float, digits: int) -> str:
    """A figure written the French way, built here without siteplan."""
    return f"{x:.{digits}f}".replace(".", ",")


@pytest.mark.parametrize("robust", [False, True])
def test_french_summary_and_hotspots_match_the_hotspot_file(tmp_path: Path,
                                                             robust: bool) -> None:
    extra = ["--robustness", "50"] if robust else []
    out = run("surface", "-r", "5", "--hotspots", "4", "--lang", "fr", *extra,
              "--hotspots-out", str(tmp_path / "hot.csv"))
    spots = pd.read_csv(tmp_path / "hot.csv")
    for word in ("résolution H3 5", "cellules", "valeurs normalisées", "quantiles du score",
                 "médiane", "point chaud", "exclues", "à plus de 150 km d'un aéroport "
                 "international", "indice de viabilité sous le seuil 0,4 du scénario"):
        assert word in out, word
    for word in ("valid cells", "score quantiles", "median", "hotspots", "excluded:",
                 "from an international airport", "below the scenario's floor", "near "):
        assert word not in out, word
    lines = out.splitlines()
    assert len(spots) == 4
    for s in spots.itertuples():
        town = str(s.name).removeprefix("near ")
        row = next(line for line in lines if f"près de {town} " in line)
        assert comma(s.score, 3) in row and comma(s.lon, 4) in row and comma(s.lat, 4) in row
        if robust:
            assert comma(s.robust_share * 100, 1) + NNBSP + "%" in row
    if robust:
        assert "robustesse : 50 tirages de poids (uniforme)" in out
        assert "points chauds robustes" in out and "weight samples" not in out


def test_english_stays_the_default(tmp_path: Path) -> None:
    out = run("surface", "-r", "5", "--hotspots", "2")
    assert "score quantiles: min" in out and "hotspot" in out and "near " in out


TINY = str(Path(__file__).parents[1] / "data" / "tiny-scenario.toml")


def _payload(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="[^"]+_data">(.*?)</script>', page,
                      re.S)
    assert found, "no cell payload in the page"
    return dict(json.loads(found.group(1)))


def test_the_map_draws_the_cells_in_french(tiny_pack_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "surface.html"
    res = CliRunner().invoke(cli, ["surface", "--scenario", TINY, "--pack", str(tiny_pack_dir),
                                   "-r", "6", "--map", str(out), "--lang", "fr"])
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    data = _payload(page)
    assert data["title"] == "Surface d'aptitude" and data["sep"] == ["\u202f", ","]
    assert "Autres couches" in page and "gris : exclue" in page
    assert "sp-slider-panel" not in page  # sliders would re-rank the sites, not the cells
    # the cell count the summary prints (French: narrow no-break spaces between thousands)
    valid = re.search(r"résolution H3 6 : ([\d\u202f]+) cellules", res.output)
    assert valid and data["n"] == int(valid.group(1).replace("\u202f", ""))


def test_lang_is_checked(tiny_pack_dir: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["surface", "--scenario", TINY, "--pack", str(tiny_pack_dir),
                                   "-r", "6", "--map", str(tmp_path / "m.html"), "--lang", "de"])
    assert res.exit_code == 2 and "--lang" in res.output
    assert not (tmp_path / "m.html").exists()
