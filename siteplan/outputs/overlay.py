"""Overlays: folium-free descriptions of extra map layers made from analyses' results.

The builders here (:func:`plan_overlay`, :func:`stability_overlay`,
:func:`surface_overlay`, :func:`hotspot_overlay`) turn what an analysis returns into an
:class:`Overlay`; :func:`siteplan.outputs.html_map.render_map` draws any of them without
knowing where they came from, so that a new analysis plugs into the map without
changing the map module's interface.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan.analyses.plan.steps import PlanReport
from siteplan.analyses.sensitivity.report import RobustnessReport
from siteplan.analyses.surface.model import SurfaceModel
from siteplan.errors import UsageError

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import NDArray


#: the kinds of overlay the HTML map draws (see :class:`Overlay`)
OVERLAY_KINDS = ("points", "polygons", "image", "cells", "verdicts")


@dataclass(frozen=True)
class Overlay:
    """One extra, toggleable map layer.

    Attributes
    ----------
    name
        Layer name shown in the layer control (user-facing; escaped when drawn).
    kind
        One of :data:`OVERLAY_KINDS`: ``"points"`` (circle markers), ``"polygons"``
        (filled shapes), ``"image"`` (an RGBA raster drawn over ``bounds``), ``"cells"``
        (an H3 surface drawn as hexagons in the browser, ``extra["cells"]`` a
        :class:`~siteplan.outputs.surface_map.SurfaceCells`) or ``"verdicts"`` (sites drawn
        by :mod:`siteplan.outputs.stability_map`: shape = verdict, colour = share).
    data
        GeoDataFrame in EPSG:4326 for points/polygons; ``None`` for images.
    value_column
        Numeric column that colours (and, for points, sizes) the features.
    label_column
        Column used as the tooltip title (e.g. a site name).
    popup_columns
        Column -> label of the attributes listed in each popup.
    colormap
        A matplotlib colormap name used for ``value_column``.
    vmin, vmax
        Colour scale limits (default: the data range).
    legend
        Caption of the colour scale.
    image
        RGBA uint8 array (rows from north to south) for ``kind="image"``.
    bounds
        ``((south, west), (north, east))`` of the image in degrees.
    show
        Whether the layer is switched on when the map opens.
    opacity
        Fill/image opacity in [0, 1].
    extra
        What a kind needs besides (``cells`` for ``"cells"``) and facts about the analysis.
    lead
        The map's main layer: its legend comes first and the other layers' legends fold
        under "Other layers", so that it fits the window.
    """

    name: str
    kind: str = "points"
    data: gpd.GeoDataFrame | None = None
    value_column: str | None = None
    label_column: str | None = None
    popup_columns: Mapping[str, str] = field(default_factory=dict)
    colormap: str = "viridis"
    vmin: float | None = None
    vmax: float | None = None
    legend: str = ""
    image: NDArray[np.uint8] | None = None
    bounds: Sequence[Sequence[float]] | None = None
    show: bool = True
    opacity: float = 0.8
    extra: Mapping[str, Any] = field(default_factory=dict)
    lead: bool = False

    def __post_init__(self) -> None:
        if self.kind not in OVERLAY_KINDS:
            raise UsageError(f"overlay '{self.name}': kind '{self.kind}' is not one of "
                             f"{', '.join(OVERLAY_KINDS)}")
        if self.kind == "image" and (self.image is None or self.bounds is None):
            raise UsageError(f"overlay '{self.name}': an image overlay needs image and bounds")
        if self.kind == "cells":
            if "cells" not in self.extra:
                raise UsageError(f"overlay '{self.name}': a cells overlay needs extra['cells'] "
                                 "(siteplan.outputs.surface_map.surface_cells)")
        elif self.kind != "image" and self.data is None:
            raise UsageError(f"overlay '{self.name}': a {self.kind} overlay needs data")

def surface_overlay(model: SurfaceModel, scores: Any, *, name: str | None = None,
                    legend: str | None = None, label: str | None = None,
                    criteria: bool = True, lang: str = "en", opacity: float = 0.85,
                    show: bool = True) -> Overlay:
    """The surface's cells as an overlay drawn in the browser (:mod:`siteplan.outputs.surface_map`).

    Each H3 cell is a hexagon coloured by its value (viridis; grey where it has none, an
    excluded cell); clicking one shows its value, its criteria with units and, for an
    excluded cell, the constraints it fails.

    Parameters
    ----------
    model, scores
        The surface and one value per cell (``model.score()``, or a robustness share).
    name, legend, label
        Layer name, legend title and the value's name in the popup (defaults: the
        suitability surface's, in ``lang``).
    criteria
        Embed the raw criteria for the popups (a second layer of the same cells may leave
        them out: the file stays smaller).
    lang
        Language of the legend and the popups.
    """
    from siteplan.outputs.language import overlay_word
    from siteplan.outputs.surface_map import surface_cells

    title = name or overlay_word("Suitability surface", lang)
    cells = surface_cells(model, scores, label=label, criteria=criteria, lang=lang, title=title)
    return Overlay(name=title, kind="cells", colormap="viridis", vmin=cells.vmin,
                   vmax=cells.vmax, opacity=opacity, show=show, lead=True,
                   legend=legend or overlay_word("surface legend", lang, res=model.resolution),
                   extra={"cells": cells})


def hotspot_overlay(spots: gpd.GeoDataFrame, name: str = "Hotspots") -> Overlay:
    """Points overlay of :func:`~siteplan.analyses.surface.model.hotspots` for the map."""
    return Overlay(name=name, kind="points", data=spots, value_column="score",
                   label_column="name", popup_columns={"score": "score", "h3": "H3 cell",
                                                       "town_km": "km to the town"},
                   legend="Surface hotspots (score)")


def plan_overlay(plan: PlanReport) -> Overlay:
    """The chosen sites of a plan as a points overlay (value: jobs added by the target year)."""
    import geopandas as gpd

    ch = plan.chosen
    data = gpd.GeoDataFrame(
        {
            "id": ch["id"].astype(str).to_list(),
            "name": ch["name"].astype(str).to_list(),
            "region": ch["region"].astype(str).to_list(),
            "score": ch["score"].astype(float).round(3).to_list(),
            "jobs_2030_added": ch["jobs_added"].astype(int).to_list(),
            "exports_2030_added_mad_m": ch["exports_added_mad_m"].astype(float).to_list(),
        },
        geometry=gpd.points_from_xy(ch["lon"].astype(float), ch["lat"].astype(float)),
        crs="EPSG:4326",
    )
    return Overlay(
        name=f"Plan {plan.targets.year}: {len(ch)} new sites ({plan.scenario})",
        kind="points",
        data=data,
        value_column="jobs_2030_added",
        label_column="name",
        popup_columns={
            "region": "Region",
            "score": "Suitability score",
            "jobs_2030_added": f"Jobs added by {plan.targets.year}",
            "exports_2030_added_mad_m": f"Exports added by {plan.targets.year} (MAD m)",
        },
        colormap="viridis",
        legend=f"Offshoring jobs added by {plan.targets.year} (plan)",
    )


def stability_overlay(report: RobustnessReport, lang: str = "en") -> Overlay:
    """The ranked sites by SMAA verdict and top-K share (drawn by
    :mod:`siteplan.outputs.stability_map`: shape = verdict, cividis colour = share)."""
    import geopandas as gpd

    from siteplan.outputs.language import overlay_word

    k = report.top_k
    g = report.sites
    data = gpd.GeoDataFrame({
        "id": list(report.site_ids), "name": list(report.site_names),
        "rank": report.reference_rank.astype(int),
        "rank_stability": np.round(report.rank_stability, 4),
        "top_k_membership": np.round(report.top_k_membership, 4),
        "first_rank": np.round(report.first_rank_acceptability, 4),
        "verdict": [v or "" for v in report.verdicts],
        "why": [list(w) for w in report.why],
    }, geometry=g.geometry.to_numpy(), crs="EPSG:4326")
    return Overlay(
        name=overlay_word("Rank stability", lang), kind="verdicts", data=data,
        value_column="top_k_membership", label_column="name", colormap="cividis",
        vmin=0.0, vmax=1.0, lead=True,
        legend=overlay_word("stability legend", lang, n=f"{report.samples:,}".replace(
            ",", "\u202f" if lang == "fr" else ","), k=k),
        extra={"analysis": "sensitivity", "sampling": report.sampling, "seed": report.seed,
               "top_k": k, "samples": report.samples,
               "robust_threshold": report.robust_threshold,
               "weight_margin": report.weight_margin})
