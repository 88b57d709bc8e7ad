"""Deprecated: ``siteplan.plan`` moved to :mod:`siteplan.analyses.plan.select`."""

from siteplan._moved import forward

__getattr__ = forward(__name__, "siteplan.analyses.plan.select")
