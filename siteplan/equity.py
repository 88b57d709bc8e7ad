"""Deprecated: ``siteplan.equity`` moved to :mod:`siteplan.analyses.equity`."""

from siteplan._moved import forward

__getattr__ = forward(__name__, "siteplan.analyses.equity")
