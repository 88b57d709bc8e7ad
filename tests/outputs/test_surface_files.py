"""Surface files: GeoParquet, GeoPackage and CSV surfaces and hotspot candidate files.

Read back with GeoPandas/pandas (independent readers) and, for hotspots, through
``siteplan.scoring.ranking.rank`` as a candidate file.
"""

from __future__ import annotations

import numpy as np
import pytest

from siteplan.errors import OutputError


def test_hotspots_are_a_candidate_file(tiny_model, tiny_pack, tiny_scenario, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.model import hotspots
    from siteplan.outputs.surface_files import write_hotspots
    from siteplan.scoring.ranking import rank

    spots = hotspots(tiny_model, tiny_model.score(), k=3, min_spacing_km=30, pack=tiny_pack)
    assert len(spots) >= 1
    for ext in (".csv", ".gpkg"):
        path = write_hotspots(spots, tmp_path / f"hot{ext}")
        r = rank(tiny_scenario, pack=tiny_pack, candidates=path)
        assert set(r.sites["id"]) == set(spots["id"])
    with pytest.raises(OutputError):
        write_hotspots(spots, tmp_path / "hot.csv")


def test_writers_by_extension(tiny_model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import geopandas as gpd
    import pandas as pd
    import shapely

    from siteplan.analyses.surface.model import h3_strings
    from siteplan.outputs.surface_files import write_surface

    s = tiny_model.score()
    n = tiny_model.n_cells
    pq = gpd.read_parquet(write_surface(tiny_model, s, tmp_path / "s.parquet"))
    assert len(pq) == n and (pq.geometry.geom_type == "Point").all()
    assert pq.crs is not None and pq.crs.equals("OGC:CRS84")
    np.testing.assert_array_equal(pq.geometry.x.to_numpy(), tiny_model.lon)
    np.testing.assert_array_equal(pq.geometry.y.to_numpy(), tiny_model.lat)
    assert pq["h3"].tolist() == h3_strings(tiny_model.cells).tolist()
    assert {"h3", "lon", "lat", "score", "excluded", *tiny_model.criteria} <= set(pq.columns)
    gp = gpd.read_file(write_surface(tiny_model, s, tmp_path / "s.gpkg"))
    assert len(gp) == n and (gp.geometry.geom_type == "Polygon").all()
    assert shapely.contains_xy(np.asarray(gp.geometry.array), tiny_model.lon,
                               tiny_model.lat).all()
    csv = pd.read_csv(write_surface(tiny_model, s, tmp_path / "s.csv"))
    assert len(csv) == n
    np.testing.assert_allclose(csv["score"].to_numpy(), s, rtol=1e-6, equal_nan=True)
    with pytest.raises(OutputError):
        write_surface(tiny_model, s, tmp_path / "s.csv")
    with pytest.raises(OutputError):
        write_surface(tiny_model, s, tmp_path / "s.xlsx", overwrite=True)
