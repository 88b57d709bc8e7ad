"""Robustness of a ranking: one-at-a-time sweeps and SMAA (maths) and their report."""
