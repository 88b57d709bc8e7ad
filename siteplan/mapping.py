"""Deprecated: ``siteplan.mapping`` moved to :mod:`siteplan.outputs.html_map`."""

from siteplan._moved import forward

__getattr__ = forward(__name__, "siteplan.outputs.html_map")
