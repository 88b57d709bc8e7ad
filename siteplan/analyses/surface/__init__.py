"""The national suitability surface on H3 cells, and its hotspots."""
