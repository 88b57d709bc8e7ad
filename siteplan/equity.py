"""Deprecated: ``siteplan.equity`` moved to :mod:`siteplan.analyses.equity`."""

from __future__ import annotations

from typing import Any

from siteplan._moved import moved

_target = moved(__name__, "siteplan.analyses.equity")


def __getattr__(name: str) -> Any:
    return getattr(_target, name)
