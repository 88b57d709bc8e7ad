"""``siteplan backcast``: the viability lens against the towns hosting offshoring today."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from siteplan.cli import cli


def test_the_default_viability_index_places_todays_hosts_high() -> None:
    """On the embedded pack the viability lens orders most (host, other) pairs rightly:
    a check that the model is credible, with the circular ecosystem criterion or not."""
    res = CliRunner().invoke(cli, ["backcast"])
    assert res.exit_code == 0, res.output
    first = res.output.splitlines()[0]
    assert "viability concordance" in first
    assert float(first.split("concordance ")[1].split()[0]) > 0.7
    res = CliRunner().invoke(cli, ["backcast", "--without", "ecosystem"])
    assert res.exit_code == 0, res.output
    assert float(res.output.split("concordance ")[1].split()[0]) > 0.7


def test_backcast_hosts_by_name_and_unknown_criteria() -> None:
    res = CliRunner().invoke(cli, ["backcast", "--hosts", "Casablanca,Rabat"])
    assert res.exit_code == 0, res.output
    assert "(2 hosts," in res.output
    res = CliRunner().invoke(cli, ["backcast", "--without", "sunshine"])
    assert res.exit_code == 2 and "sunshine" in res.output
    assert "Traceback" not in res.output


def test_backcast_in_french_gives_the_viability_of_the_ranking_with_a_comma(
        tmp_path: Path) -> None:
    """The misordered sites' viability, printed in French, equals the ranking's JSON."""
    import json

    fr = CliRunner().invoke(cli, ["backcast", "--lang", "fr"], catch_exceptions=False)
    en = CliRunner().invoke(cli, ["backcast"], catch_exceptions=False)
    CliRunner().invoke(cli, ["rank", "-o", str(tmp_path / "r.json")], catch_exceptions=False)
    assert fr.exit_code == en.exit_code == 0, fr.output
    out = fr.output
    for word in ("concordance (viabilité)", "paires (hôte, autre)", "hôtes", "Mal ordonnés",
                 "motif"):
        assert word in out, word
    for word in ("Misordered", "pairs", "host below", "other site above", "why"):
        assert word not in out, word
    c = en.output.split("concordance ")[1].split()[0]
    assert f"concordance (viabilité) {c.replace('.', ',')} " in out
    viability = {s["name"]: s["viability"]
                 for s in json.loads((tmp_path / "r.json").read_text())["sites"]}
    rows = [line for line in out.splitlines() if "hôte sous" in line or "au-dessus" in line]
    assert rows
    for line in rows:
        name = next(n for n in sorted(viability, key=len, reverse=True) if line.startswith(n))
        assert f"{viability[name]:.3f}".replace(".", ",") in line, line
