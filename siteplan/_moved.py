"""Support for the module paths of siteplan 0.1 that moved in the restructure.

Each old module (``siteplan.engine``, ``siteplan.mapping``, ...) is a shim that warns
once with a :class:`DeprecationWarning` and forwards every attribute to the new module.
They are kept for one release, then removed; :data:`MOVED` is the full list.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any

#: old module path -> new module path
MOVED: dict[str, str] = {}


def forward(old: str, new: str) -> Callable[[str], Any]:
    """Warn that module ``old`` is deprecated; return its ``__getattr__``, reading from ``new``."""
    MOVED[old] = new
    warnings.warn(f"{old} is deprecated and will be removed in siteplan 0.3; "
                  f"import from {new} instead", DeprecationWarning, stacklevel=3)
    target = importlib.import_module(new)

    def __getattr__(name: str) -> Any:
        return getattr(target, name)

    return __getattr__
