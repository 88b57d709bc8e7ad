"""Deprecated: ``siteplan.weights`` moved to :mod:`siteplan.analyses.weights`."""

from siteplan._moved import forward

__getattr__ = forward(__name__, "siteplan.analyses.weights")
