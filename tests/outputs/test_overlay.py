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


def test_stability_overlay_is_points_of_included_sites(tiny_pack_dir: Path) -> None:
    report = analyse(rank(TINY, pack=Pack(tiny_pack_dir)), samples=500, seed=7)
    ov = stability_overlay(report)
    assert ov.kind == "points"
    assert ov.data is not None and len(ov.data) == len(report.site_ids) == 4
    assert ov.value_column == "rank_stability"
    assert ov.value_column in ov.data.columns and ov.label_column in ov.data.columns
    assert set(ov.popup_columns) <= set(ov.data.columns)
    assert str(ov.data.crs).endswith("4326")
    np.testing.assert_allclose(ov.data["rank_stability"].to_numpy(), report.rank_stability)


def test_surface_overlay_is_an_image_over_the_cells(tiny_model) -> None:  # type: ignore[no-untyped-def]
    ov = surface_overlay(tiny_model, tiny_model.score(), width=400)
    assert ov.kind == "image" and ov.image is not None and ov.bounds is not None
    img = ov.image
    assert img.dtype == np.uint8 and img.shape[1] == 400 and img.shape[2] == 4
    (south, west), (north, east) = ov.bounds
    assert west < 0.01 and east > 1.99 and south < 0.01 and north > 0.99
    alpha = img[..., 3]
    assert (alpha == 255).mean() > 0.3  # scored cells are opaque
    assert alpha[0, 0] == 0 or alpha[-1, -1] == 0 or (alpha < 255).any()
