"""Deprecated: ``siteplan.overlay`` moved to :mod:`siteplan.outputs.overlay`."""

from __future__ import annotations

from typing import Any

from siteplan._moved import moved

_target = moved(__name__, "siteplan.outputs.overlay")


def __getattr__(name: str) -> Any:
    return getattr(_target, name)
