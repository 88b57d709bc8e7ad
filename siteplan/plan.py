"""Deprecated: ``siteplan.plan`` moved to :mod:`siteplan.analyses.plan.select`."""

from __future__ import annotations

from typing import Any

from siteplan._moved import moved

_target = moved(__name__, "siteplan.analyses.plan.select")


def __getattr__(name: str) -> Any:
    return getattr(_target, name)
