"""Deprecated: ``siteplan.geodesy`` moved to :mod:`siteplan.criteria.geodesy`."""

from siteplan._moved import forward

__getattr__ = forward(__name__, "siteplan.criteria.geodesy")
