"""``siteplan sensitivity --map``: the stability map, and its --lang."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from siteplan.cli import cli

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


def test_lang_is_refused_with_plan(tiny_pack_dir: Path) -> None:
    res = CliRunner().invoke(cli, ["sensitivity", "--scenario", TINY, "--pack",
                                   str(tiny_pack_dir), "--plan", "2", "--lang", "fr"])
    assert res.exit_code == 2, res.output
    assert "--lang is used with --map" in res.output
