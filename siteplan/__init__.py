"""siteplan: geospatial multi-criteria site planning for balanced regional development.

Data flows one way::

    layers (read + validate) -> criteria (raw values per site) -> scoring (normalise,
    weight, aggregate, rank) -> analyses (sensitivity, plan, surface) -> outputs

The Python API is usable on its own; ``siteplan.cli`` is a thin face over it::

    import siteplan
    r = siteplan.rank("balanced-2030")      # a Ranking
    siteplan.save_map(r, "maps/ranking.html")

Heavy libraries (geopandas, folium, scipy) are imported by the modules that need
them, never at import time, so that ``siteplan --help`` starts fast: the names
below are resolved lazily.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> module that defines it (imported on first access)
_LAZY = {
    "rank": "siteplan.scoring.ranking",
    "Ranking": "siteplan.scoring.ranking",
    "candidates_from_file": "siteplan.scoring.ranking",
    "Pack": "siteplan.layers.pack",
    "load_scenario": "siteplan.scenario",
    "Scenario": "siteplan.scenario",
    "save_map": "siteplan.outputs.html_map",
    "render_map": "siteplan.outputs.html_map",
    "analyse": "siteplan.analyses.sensitivity.report",
    "make_plan": "siteplan.analyses.plan.steps",
    "compare": "siteplan.analyses.plan.steps",
    "SurfaceModel": "siteplan.analyses.surface.model",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'siteplan' has no attribute {name!r}")
