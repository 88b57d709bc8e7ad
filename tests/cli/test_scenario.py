"""``siteplan scenario list`` in English and in French."""

from __future__ import annotations

from click.testing import CliRunner

from siteplan.cli import cli
from siteplan.scenario import builtin_names, load_scenario


def test_scenario_list_gives_each_title_in_the_language() -> None:
    fr = CliRunner().invoke(cli, ["scenario", "list", "--lang", "fr"], catch_exceptions=False)
    en = CliRunner().invoke(cli, ["scenario", "list"], catch_exceptions=False)
    assert fr.exit_code == en.exit_code == 0
    assert "scénarios fournis" in fr.output and "titre" in fr.output
    assert "built-in scenarios" in en.output and "title" in en.output
    for name in builtin_names():
        s = load_scenario(name)
        assert s.title_fr and s.title_fr in fr.output and s.title not in fr.output
        assert s.title in en.output
