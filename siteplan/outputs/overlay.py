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
from siteplan.analyses.surface.model import SurfaceModel, check_scores, edge_km
from siteplan.errors import UsageError

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import NDArray


@dataclass(frozen=True)
class Overlay:
    """One extra, toggleable map layer.

    Attributes
    ----------
    name
        Layer name shown in the layer control (user-facing; escaped when drawn).
    kind
        ``"points"`` (circle markers), ``"polygons"`` (filled shapes) or ``"image"``
        (an RGBA raster drawn over ``bounds``).
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

    def __post_init__(self) -> None:
        if self.kind not in ("points", "polygons", "image"):
            raise UsageError(f"overlay '{self.name}': kind '{self.kind}' is not points, "
                             "polygons or image")
        if self.kind == "image" and (self.image is None or self.bounds is None):
            raise UsageError(f"overlay '{self.name}': an image overlay needs image and bounds")
        if self.kind != "image" and self.data is None:
            raise UsageError(f"overlay '{self.name}': a {self.kind} overlay needs data")

def surface_overlay(model: SurfaceModel, scores: Any, width: int = 1200,
                    name: str = "Suitability surface", colormap: str = "viridis",
                    opacity: float = 0.75) -> Overlay:
    """Rasterise cell scores to an RGBA image overlay over the study-area bounds.

    Rows are evenly spaced in latitude (as :class:`~siteplan.outputs.overlay.Overlay` expects;
    the map resamples them to Web Mercator) and columns in longitude, with square
    pixels at the mid-latitude. A pixel takes the mean score of the cell centres
    binned into it; pixels holding no centre (cells larger than pixels) take the
    nearest cell centre within one cell edge. Pixels farther from every cell are
    transparent; excluded cells are light grey. The image size does not depend on
    the resolution, so the HTML stays small (about 1 MB).
    """
    import matplotlib
    from scipy.spatial import cKDTree

    s = check_scores(model, scores)
    west, east = float(model.lon.min()), float(model.lon.max())
    south, north = float(model.lat.min()), float(model.lat.max())
    edge_deg = edge_km(model.resolution) / 111.32
    west, east, south, north = west - edge_deg, east + edge_deg, south - edge_deg, north + edge_deg
    coslat = float(np.cos(np.radians(0.5 * (south + north))))
    w = int(max(64, width))
    h = max(1, round(w * (north - south) / ((east - west) * coslat)))
    dx, dy = (east - west) / w, (north - south) / h
    col = np.clip(((model.lon - west) / dx).astype(np.intp), 0, w - 1)
    row = np.clip(((north - model.lat) / dy).astype(np.intp), 0, h - 1)
    pix = row * w + col
    fin = np.isfinite(s)
    total = np.bincount(pix[fin], weights=s[fin], minlength=w * h)
    count = np.bincount(pix[fin], minlength=w * h)
    any_cell = np.bincount(pix, minlength=w * h) > 0
    val = np.full(w * h, np.nan)
    np.divide(total, count, out=val, where=count > 0)
    # pixels without a centre: nearest cell within one edge length (scaled plane)
    empty = np.flatnonzero(~any_cell)
    if empty.size:
        tree = cKDTree(np.column_stack([model.lon * coslat, model.lat]))
        px = west + (empty % w + 0.5) * dx
        py = north - (empty // w + 0.5) * dy
        dist, j = tree.query(np.column_stack([px * coslat, py]),
                             distance_upper_bound=1.05 * edge_deg)
        hit = np.isfinite(dist)
        any_cell[empty[hit]] = True
        val[empty[hit]] = s[j[hit]]
    fv = s[fin]
    vmin = float(fv.min()) if fv.size else 0.0
    vmax = float(fv.max()) if fv.size else 1.0
    span = vmax - vmin if vmax > vmin else 1.0
    cmap = matplotlib.colormaps[colormap]
    rgba = np.zeros((w * h, 4), dtype=np.uint8)
    good = np.isfinite(val)
    rgba[good] = (cmap(np.clip((val[good] - vmin) / span, 0.0, 1.0)) * 255).astype(np.uint8)
    grey = any_cell & ~good
    rgba[grey] = (170, 170, 170, 150)
    return Overlay(name=name, kind="image", image=rgba.reshape(h, w, 4),
                   bounds=((south, west), (north, east)), colormap=colormap, vmin=vmin,
                   vmax=vmax, legend=f"{name} (H3 res {model.resolution}; grey: excluded)",
                   opacity=opacity)


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


def stability_overlay(report: RobustnessReport) -> Overlay:
    """Points overlay of the included sites coloured by rank stability (for the map)."""
    import geopandas as gpd

    k = report.top_k
    g = report.sites
    data = gpd.GeoDataFrame({
        "id": list(report.site_ids), "name": list(report.site_names),
        "rank": report.reference_rank.astype(int),
        "rank_stability": np.round(report.rank_stability, 4),
        "rank_stability_pct": [f"{x:.0%}" for x in report.rank_stability],
        "top_k_membership": np.round(report.top_k_membership, 4),
        "top_k_membership_pct": [f"{x:.0%}" for x in report.top_k_membership],
        "first_rank_pct": [f"{x:.0%}" for x in report.first_rank_acceptability],
        "verdict": [v if v else f"not in the top {k}" for v in report.verdicts],
    }, geometry=g.geometry.to_numpy(), crs="EPSG:4326")
    return Overlay(
        name="Rank stability (SMAA)", kind="points", data=data,
        value_column="rank_stability", label_column="name",
        popup_columns={"rank": "Rank", "rank_stability_pct": "Rank stability (+-1 place)",
                       "top_k_membership_pct": f"Top-{k} membership",
                       "first_rank_pct": "First-rank acceptability",
                       "verdict": "Verdict"},
        colormap="RdYlGn", vmin=0.0, vmax=1.0,
        legend=(f"Rank stability: share of {report.samples:,} weight samples within +-1 "
                "place of the published rank"),
        extra={"analysis": "sensitivity", "sampling": report.sampling, "seed": report.seed})
