"""``siteplan surface --map``: the map of the cells, in the language asked for."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from siteplan.cli import cli

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
    valid = re.search(r"H3 resolution 6: ([\d,]+) cells", res.output)
    assert valid and data["n"] == int(valid.group(1).replace(",", ""))


def test_lang_is_checked(tiny_pack_dir: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["surface", "--scenario", TINY, "--pack", str(tiny_pack_dir),
                                   "-r", "6", "--map", str(tmp_path / "m.html"), "--lang", "de"])
    assert res.exit_code == 2 and "--lang" in res.output
    assert not (tmp_path / "m.html").exists()
