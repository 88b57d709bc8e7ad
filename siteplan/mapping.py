"""Deprecated: ``siteplan.mapping`` moved to :mod:`siteplan.outputs.html_map`."""

from __future__ import annotations

from typing import Any

from siteplan._moved import moved

_target = moved(__name__, "siteplan.outputs.html_map")


def __getattr__(name: str) -> Any:
    return getattr(_target, name)
