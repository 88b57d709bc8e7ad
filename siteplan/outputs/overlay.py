"""Overlays: folium-free descriptions of extra map layers produced by analyses.

Analyses (sensitivity, plan, surface) describe what they want drawn with an
:class:`Overlay`; :func:`siteplan.outputs.html_map.render_map` draws any of them without
knowing where they came from, so that a new analysis plugs into the map without
changing the map module's interface.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
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
        from siteplan.errors import UsageError

        if self.kind not in ("points", "polygons", "image"):
            raise UsageError(f"overlay '{self.name}': kind '{self.kind}' is not points, "
                             "polygons or image")
        if self.kind == "image" and (self.image is None or self.bounds is None):
            raise UsageError(f"overlay '{self.name}': an image overlay needs image and bounds")
        if self.kind != "image" and self.data is None:
            raise UsageError(f"overlay '{self.name}': a {self.kind} overlay needs data")
