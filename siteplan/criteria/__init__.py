"""Criteria: raw values per site, from layers (geodesy, kernels, the compute code path).

Names of ``siteplan.criteria`` before the restructure (it was one module) resolve lazily
from :mod:`siteplan.criteria.compute`.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(importlib.import_module("siteplan.criteria.compute"), name)
