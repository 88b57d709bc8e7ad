"""Deprecated: ``siteplan.surface`` moved to :mod:`siteplan.analyses.surface.model`."""

from siteplan._moved import forward

__getattr__ = forward(__name__, "siteplan.analyses.surface.model")
