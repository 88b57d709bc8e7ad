"""Analyses: weights, equity, sensitivity, plan and surface.

They return data (tables, frames, objects); :mod:`siteplan.outputs` turns it into files.
"""
