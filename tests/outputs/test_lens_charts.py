"""The viability-need quadrant (siteplan.outputs.lens_charts) on the embedded default."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from siteplan.cli import cli
from siteplan.errors import OutputError, UsageError
from siteplan.outputs.lens_charts import QUADRANTS, quadrant_png, quadrant_table
from siteplan.scoring.ranking import Ranking, rank

TINY = str(Path(__file__).parents[1] / "data" / "tiny-scenario.toml")


@pytest.fixture(scope="module")
def balanced() -> Ranking:
    return rank("balanced-2030")


def test_quadrants_split_at_the_floor_and_the_median_need(balanced: Ranking) -> None:
    t, vline, hline = quadrant_table(balanced)
    assert vline == balanced.scenario.viability_floor == 0.4
    scored = balanced.sites.dropna(subset=["viability", "need"])
    assert len(t) == len(scored)
    assert hline == pytest.approx(float(scored["need"].median()))
    for r in t.itertuples(index=False):
        assert r.quadrant == QUADRANTS[(r.viability >= 0.4, r.need >= hline)]
    # every ranked site passed the floor: none is 'in need, not yet viable' or 'neither'
    ranked = t[t["rank"].notna()]
    assert set(ranked["quadrant"]) <= {"strong on both", "viable, already served"}
    # Casablanca and Rabat are viable and already served; Marrakech is strong on both
    q = t.set_index("id")["quadrant"]
    assert q["casablanca"] == q["rabat"] == "viable, already served"
    assert q["marrakech"] == "strong on both"


def test_chart_is_written_and_kept_without_overwrite(balanced: Ranking, tmp_path: Path) -> None:
    p = quadrant_png(balanced, tmp_path / "q.png")
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(OutputError):
        quadrant_png(balanced, p)
    with pytest.raises(OutputError, match="PNG, SVG or PDF"):
        quadrant_png(balanced, tmp_path / "q.txt")
    svg = quadrant_png(balanced, tmp_path / "q.svg").read_text(encoding="utf-8")
    assert "Marrakech" in svg and "strong on both" in svg


def test_a_scenario_without_lenses_has_no_quadrant(tiny_pack_dir: Path) -> None:
    from siteplan.layers.pack import Pack

    r = rank(TINY, pack=Pack(tiny_pack_dir))
    with pytest.raises(UsageError, match="lenses"):
        quadrant_table(r)


def test_rank_quadrant_option(tmp_path: Path) -> None:
    out = tmp_path / "quadrant.png"
    res = CliRunner().invoke(cli, ["rank", "--top", "3", "--quadrant", str(out)])
    assert res.exit_code == 0, res.output
    assert out.exists() and str(out) in res.output


def test_quadrant_speaks_french(balanced: Ranking, tmp_path: Path) -> None:
    svg = quadrant_png(balanced, tmp_path / "q.svg", lang="fr").read_text(encoding="utf-8")
    assert "solide sur les deux" in svg and "seuil de viabilité" in svg
    assert "strong on both" not in svg
    with pytest.raises(UsageError, match="language"):
        quadrant_png(balanced, tmp_path / "q2.svg", lang="de")


def test_french_quadrant_writes_its_lines_with_a_decimal_comma(balanced: Ranking,
                                                               tmp_path: Path) -> None:
    _t, vline, hline = quadrant_table(balanced)
    svg = quadrant_png(balanced, tmp_path / "q.svg", lang="fr").read_text(encoding="utf-8")
    assert f"besoin médian {hline:.2f}".replace(".", ",") in svg
    assert f"seuil de viabilité {vline:.2f}".replace(".", ",") in svg
