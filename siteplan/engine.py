"""Deprecated: ``siteplan.engine`` moved to :mod:`siteplan.scoring.ranking`."""

from __future__ import annotations

from typing import Any

from siteplan._moved import moved

_target = moved(__name__, "siteplan.scoring.ranking")


def __getattr__(name: str) -> Any:
    return getattr(_target, name)
