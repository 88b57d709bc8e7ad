"""Deprecated: ``siteplan.overlay`` moved to :mod:`siteplan.outputs.overlay`."""

from siteplan._moved import forward

__getattr__ = forward(__name__, "siteplan.outputs.overlay")
