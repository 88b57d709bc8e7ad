"""siteplan: geospatial multi-criteria site planning for balanced regional development.

Data flows one way::

    layers (read + validate) -> criteria (raw values per site) -> scoring (normalise,
    weight, aggregate, rank) -> analyses (sensitivity, plan, surface) -> outputs

The Python API is usable on its own; ``siteplan.cli`` is a thin face over it.
Heavy libraries (geopandas, folium, scipy) are imported by the modules that need
them, never here, so that ``siteplan --help`` starts fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
