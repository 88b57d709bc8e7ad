"""Deprecated: ``siteplan.geodesy`` moved to :mod:`siteplan.criteria.geodesy`."""

from __future__ import annotations

from typing import Any

from siteplan._moved import moved

_target = moved(__name__, "siteplan.criteria.geodesy")


def __getattr__(name: str) -> Any:
    return getattr(_target, name)
