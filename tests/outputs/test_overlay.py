"""Map overlays: what each analysis hands to the HTML map (points, polygons, an image).

Each overlay is checked against the analysis it is built from: the plan's chosen sites
and their jobs, the sensitivity report's sites and stability, the surface's cells.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siteplan.analyses.plan.steps import make_plan
from siteplan.analyses.sensitivity.report import analyse
from siteplan.layers.pack import Pack
from siteplan.outputs.overlay import plan_overlay, stability_overlay, surface_overlay
from siteplan.scoring.ranking import rank

TINY = str(Path(__file__).parents[1] / "data" / "tiny-scenario.toml")


def test_plan_overlay_is_the_chosen_sites_with_their_jobs(tiny_pack_dir: Path) -> None:
    pack = Pack(tiny_pack_dir)
    rep = make_plan(rank(TINY, pack=pack), pack, k=2)
    chosen = rep.to_dict()["chosen"]
    ov = plan_overlay(rep)
    assert ov.kind == "points" and ov.value_column == "jobs_2030_added"
    assert ov.data is not None
    assert ov.data["jobs_2030_added"].tolist() == [c["jobs_2030_added"] for c in chosen]
    assert set(ov.popup_columns) >= {"region", "score", "jobs_2030_added",
                                     "exports_2030_added_mad_m"}


def test_stability_overlay_is_the_verdicts_of_included_sites(tiny_pack_dir: Path) -> None:
    report = analyse(rank(TINY, pack=Pack(tiny_pack_dir)), samples=500, seed=7, top_k=2)
    ov = stability_overlay(report)
    assert ov.kind == "verdicts" and ov.lead
    assert ov.data is not None and len(ov.data) == len(report.site_ids) == 4
    assert ov.value_column == "top_k_membership" and ov.colormap == "cividis"
    assert str(ov.data.crs).endswith("4326")
    np.testing.assert_allclose(ov.data["top_k_membership"].to_numpy(),
                               report.top_k_membership, atol=5e-5)
    np.testing.assert_allclose(ov.data["rank_stability"].to_numpy(), report.rank_stability,
                               atol=5e-5)
    assert ov.data["verdict"].tolist() == [v or "" for v in report.verdicts]


def test_surface_overlay_is_the_cells_of_the_surface(tiny_model) -> None:  # type: ignore[no-untyped-def]
    scores = tiny_model.score()
    ov = surface_overlay(tiny_model, scores)
    assert ov.kind == "cells" and ov.lead
    cells = ov.extra["cells"]
    assert cells.n_cells == tiny_model.n_cells
    assert cells.n_valid == int(np.isfinite(scores).sum())
    assert ov.vmin == np.nanmin(scores) and ov.vmax == np.nanmax(scores)
