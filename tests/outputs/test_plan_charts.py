"""Tests for siteplan.outputs.plan_charts: the jobs-by-region chart and the Lorenz curve."""

from __future__ import annotations

from pathlib import Path

import pytest

from siteplan.analyses.plan.steps import make_plan
from siteplan.errors import OutputError
from siteplan.layers.pack import Pack
from siteplan.scoring.ranking import Ranking, rank

TINY = str(Path(__file__).parents[1] / "data" / "tiny-scenario.toml")


@pytest.fixture()
def tiny(tiny_pack_dir: Path) -> tuple[Ranking, Pack]:
    pack = Pack(tiny_pack_dir)
    return rank(TINY, pack=pack), pack


def test_charts_are_written_atomically(tiny: tuple[Ranking, Pack], tmp_path: Path) -> None:
    from siteplan.outputs.plan_charts import jobs_by_region_png, lorenz_png

    rep = make_plan(tiny[0], tiny[1], k=2)
    p1 = jobs_by_region_png(rep, tmp_path / "jobs.png")
    p2 = lorenz_png(rep.to_dict(), tmp_path / "lorenz.png")
    for p in (p1, p2):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    before = p1.read_bytes()
    with pytest.raises(OutputError, match="file exists"):
        jobs_by_region_png(rep, p1, overwrite=False)
    assert p1.read_bytes() == before
    with pytest.raises(OutputError, match="PNG, SVG or PDF"):
        lorenz_png(rep, tmp_path / "lorenz.txt")
    assert not list(tmp_path.glob(".*tmp*"))


def test_plan_charts_speak_french(tiny: tuple[Ranking, Pack], tmp_path: Path) -> None:
    from siteplan.outputs.plan_charts import jobs_by_region_png, lorenz_png

    rep = make_plan(tiny[0], tiny[1], k=2)
    jobs = jobs_by_region_png(rep, tmp_path / "j.svg", lang="fr").read_text(encoding="utf-8")
    lor = lorenz_png(rep, tmp_path / "l.svg", lang="fr").read_text(encoding="utf-8")
    assert "Emplois offshoring par région" in jobs and "tendanciel" in jobs
    assert "Courbes de Lorenz" in lor and "égalité (Gini 0)" in lor
    assert "market-led" not in jobs + lor
    with pytest.raises(OutputError, match="language"):
        lorenz_png(rep, tmp_path / "l2.svg", lang="de")


def test_french_lorenz_gives_the_plans_gini_with_a_decimal_comma(
        tiny: tuple[Ranking, Pack], tmp_path: Path) -> None:
    from siteplan.outputs.plan_charts import lorenz_png

    rep = make_plan(tiny[0], tiny[1], k=2)
    d = rep.to_dict()
    lor = lorenz_png(rep, tmp_path / "l.svg", lang="fr").read_text(encoding="utf-8")
    for x in ("today", "plan", "baseline"):
        gini = d["equity"][x]["gini"]
        assert f"Gini {gini:.3f}".replace(".", ",") in lor, x
        assert f"Gini {gini:.3f}" not in lor, x
