"""``siteplan backcast``: the viability lens against the towns hosting offshoring today."""

from __future__ import annotations

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
