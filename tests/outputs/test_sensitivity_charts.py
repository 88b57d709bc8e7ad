"""Tests for siteplan.outputs.sensitivity_charts: the tornado chart and the acceptability
heatmap of a robustness report."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from siteplan.analyses.sensitivity.report import RobustnessReport, analyse
from siteplan.errors import OutputError
from siteplan.layers.pack import Pack
from siteplan.outputs.sensitivity_charts import acceptability_heatmap_png, heatmap_size, tornado_png
from siteplan.scoring.ranking import rank

TINY = str(Path(__file__).parents[1] / "data" / "tiny-scenario.toml")


@pytest.fixture()
def report(tiny_pack_dir: Path) -> RobustnessReport:
    return analyse(rank(TINY, pack=Pack(tiny_pack_dir)), samples=500, seed=7)


def test_charts_have_expected_pixel_size(report: RobustnessReport, tmp_path: Path) -> None:
    t = tornado_png(report, tmp_path / "tornado.png", width_px=800, height_px=500)
    with Image.open(t) as im:
        assert im.size == (800, 500)
    t2 = tornado_png(report, tmp_path / "tornado-rank.png", metric="rank")
    with Image.open(t2) as im:
        assert im.size == (1200, 420)
    h = acceptability_heatmap_png(report, tmp_path / "heat.png")
    with Image.open(h) as im:
        assert im.size == heatmap_size(4, 4)
    with pytest.raises(OutputError, match="exists"):
        acceptability_heatmap_png(report, h, overwrite=False)


def test_tornado_names_criteria_by_their_label_not_their_key(report: RobustnessReport,
                                                             tmp_path: Path) -> None:
    """Planners read 'Distance to the airport', not 'airport_km'; unlabelled keys stay."""
    import dataclasses

    first = report.criteria[0]
    labelled = dataclasses.replace(report, criterion_labels={first: "Label for people <1>"})
    svg = tornado_png(labelled, tmp_path / "tornado.svg").read_text(encoding="utf-8")
    assert "Label for people &lt;1&gt;" in svg
    assert all(other in svg for other in report.criteria[1:])
    plain = dataclasses.replace(report, criterion_labels={})
    svg = tornado_png(plain, tmp_path / "plain.svg").read_text(encoding="utf-8")
    assert "Label for people" not in svg and first in svg


def test_heatmap_of_the_shortlist_shows_every_site_that_is_ever_first(tmp_path: Path) -> None:
    """On the Morocco default a site published far down can still be first under some
    weights; with ever_first it gets a row, whatever max_sites says."""
    import numpy as np

    r = analyse(rank("balanced-2030"), samples=400, seed=3)
    ever = {r.site_names[i] for i in np.flatnonzero(r.acceptability[:, 0] > 0)}
    far = {r.site_names[i] for i in np.flatnonzero(r.acceptability[:, 0] > 0) if i >= 2}
    assert far, "the check needs a winner published below the first two"
    svg = acceptability_heatmap_png(r, tmp_path / "h.svg", max_sites=2,
                                    ever_first=True).read_text(encoding="utf-8")
    assert all(name in svg for name in ever)
    only = acceptability_heatmap_png(r, tmp_path / "h2.svg", max_sites=2).read_text(
        encoding="utf-8")
    assert not all(name in only for name in far)


def test_charts_speak_french(report: RobustnessReport, tmp_path: Path) -> None:
    torn = tornado_png(report, tmp_path / "t.svg", lang="fr").read_text(encoding="utf-8")
    heat = acceptability_heatmap_png(report, tmp_path / "h.svg", lang="fr").read_text(
        encoding="utf-8")
    assert "en augmentant ce poids" in torn and "Variation du score" in torn
    assert "Acceptabilité des rangs" in heat and "stabilité du rang" in heat
    assert "raising this weight" not in torn and "rank stability" not in heat
    with pytest.raises(OutputError, match="language"):
        tornado_png(report, tmp_path / "t2.svg", lang="de")


def test_french_charts_write_french_figures_and_the_scenarios_french_labels(
        tmp_path: Path) -> None:
    """On the default scenario: report_in gives the French title and criterion labels, and
    the figures are the report's own with a decimal comma."""
    from siteplan.outputs.sensitivity_charts import report_in
    from siteplan.scenario import load_scenario

    scen = load_scenario("balanced-2030")
    rep = analyse(rank(scen), samples=200, seed=3)
    fr = report_in(rep, scen, "fr")
    torn = tornado_png(fr, tmp_path / "t.svg", lang="fr").read_text(encoding="utf-8")
    heat = acceptability_heatmap_png(fr, tmp_path / "h.svg", lang="fr").read_text(
        encoding="utf-8")
    assert scen.title_fr and scen.title_fr in torn and scen.title_fr in heat
    for c in scen.weighted:
        assert c.display_in("fr") in torn, c.name
        assert c.display_in("en") not in torn or c.display_in("en") == c.display_in("fr")
    assert f"score actuel {rep.scores[0]:.3f}".replace(".", ",") in torn
    assert "(uniforme)" in heat and "(uniform)" not in heat
    stab = f"{rep.rank_stability[0] * 100:.0f}\u202f%"
    assert stab in heat
    # the report itself is unchanged: its labels stay English for the JSON
    assert rep.scenario_title == scen.title
