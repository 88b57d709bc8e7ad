"""Deprecated: ``siteplan.weights`` moved to :mod:`siteplan.analyses.weights`."""

from __future__ import annotations

from typing import Any

from siteplan._moved import moved

_target = moved(__name__, "siteplan.analyses.weights")


def __getattr__(name: str) -> Any:
    return getattr(_target, name)
