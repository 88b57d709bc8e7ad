"""Deprecated: ``siteplan.engine`` moved to :mod:`siteplan.scoring.ranking`."""

from siteplan._moved import forward

__getattr__ = forward(__name__, "siteplan.scoring.ranking")
