"""Deprecated: ``siteplan.charts`` moved to :mod:`siteplan.outputs.static_map`."""

from siteplan._moved import forward

__getattr__ = forward(__name__, "siteplan.outputs.static_map")
