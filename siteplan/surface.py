"""Deprecated: ``siteplan.surface`` moved to :mod:`siteplan.analyses.surface.model`."""

from __future__ import annotations

from typing import Any

from siteplan._moved import moved

_target = moved(__name__, "siteplan.analyses.surface.model")


def __getattr__(name: str) -> Any:
    return getattr(_target, name)
