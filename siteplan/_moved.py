"""Support for the module paths of siteplan 0.1 that moved in the restructure.

Each old module (``siteplan.engine``, ``siteplan.mapping``, ...) is a shim that warns
once with a :class:`DeprecationWarning` and forwards every attribute to the new module.
They are kept for one release, then removed; :data:`MOVED` is the full list.
"""

from __future__ import annotations

import importlib
import warnings
from types import ModuleType

#: old module path -> new module path
MOVED: dict[str, str] = {}


def moved(old: str, new: str) -> ModuleType:
    """Warn that ``old`` is deprecated and return the imported ``new`` module."""
    MOVED[old] = new
    warnings.warn(f"{old} is deprecated and will be removed in siteplan 0.3; "
                  f"import from {new} instead", DeprecationWarning, stacklevel=3)
    return importlib.import_module(new)
