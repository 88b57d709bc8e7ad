"""Outputs: tables, files, overlays, maps and charts made from analyses' results.

Names of ``siteplan.outputs`` before the restructure (it was one module) resolve lazily
from :mod:`siteplan.outputs.files`.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(importlib.import_module("siteplan.outputs.files"), name)
