"""The national suitability surface on H3 cells, its hotspots and their robustness.

* :mod:`~siteplan.analyses.surface.model`: :class:`SurfaceModel` (cells, criteria, value
  matrix, rescoring) and :func:`hotspots`;
* :mod:`~siteplan.analyses.surface.robustness`: :func:`surface_robustness`, the share of
  sampled weight vectors under which each cell is in the top q % of the valid cells, and
  the robust hotspots (the hotspots of that share).

The names below are resolved lazily (on first access), so that importing one module of the
package does not import the others.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> module that defines it (imported on first access)
_LAZY = {
    "SurfaceModel": "siteplan.analyses.surface.model",
    "build_surface": "siteplan.analyses.surface.model",
    "hotspots": "siteplan.analyses.surface.model",
    "wlc_scores": "siteplan.analyses.surface.model",
    "surface_robustness": "siteplan.analyses.surface.robustness",
    "SurfaceRobustness": "siteplan.analyses.surface.robustness",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'siteplan.analyses.surface' has no attribute {name!r}")
