"""The balanced plan: select sites under constraints, allocate the 2030 targets, compare plans."""
