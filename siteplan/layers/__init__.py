"""Layers: the data packs manifest, reading and validating its files.

Names of ``siteplan.layers`` before the restructure (it was one module) resolve lazily
from :mod:`siteplan.layers.pack`.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(importlib.import_module("siteplan.layers.pack"), name)
