"""Deprecated: ``siteplan.sensitivity`` moved to :mod:`siteplan.analyses.sensitivity.maths`."""

from siteplan._moved import forward

__getattr__ = forward(__name__, "siteplan.analyses.sensitivity.maths")
