"""Scoring: value functions (normalize) and aggregation methods (aggregate).

Pure numpy: no pandas, no geometry. See :mod:`siteplan.scoring.normalize` and
:mod:`siteplan.scoring.aggregate`. The dispatcher function
``siteplan.scoring.normalize.normalize`` is deliberately not re-exported here, so
that ``siteplan.scoring.normalize`` always names the module.
"""

from __future__ import annotations

from siteplan.scoring.aggregate import (
    METHODS,
    VikorResult,
    normalize_weights,
    order_weights_from_risk,
    orness,
    owa,
    rank_scores,
    topsis,
    vikor,
    weighted_product,
    wlc,
)
from siteplan.scoring.normalize import (
    NORMALIZERS,
    max_norm,
    minmax,
    piecewise,
    sigmoid,
    target,
    vector,
)

__all__ = [
    "METHODS",
    "NORMALIZERS",
    "VikorResult",
    "max_norm",
    "minmax",
    "normalize_weights",
    "order_weights_from_risk",
    "orness",
    "owa",
    "piecewise",
    "rank_scores",
    "sigmoid",
    "target",
    "topsis",
    "vector",
    "vikor",
    "weighted_product",
    "wlc",
]
