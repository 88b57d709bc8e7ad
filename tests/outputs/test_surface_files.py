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


# --------------------------------------------------------------------------- partitioned
# The reference: the in-memory SurfaceModel of the same scenario and resolution, every
# cell held at once; the folder is read back with GeoPandas, pyarrow's dataset reader and
# dask.dataframe (independent readers of the same files).


@pytest.fixture(scope="module")
def morocco():  # type: ignore[no-untyped-def]
    from siteplan.layers.pack import Pack
    from siteplan.scenario import load_scenario

    scen = load_scenario("balanced-2030")
    return Pack(None, overrides=scen.layers), scen


def _assert_folder_equals_model(folder, model) -> None:  # type: ignore[no-untyped-def]
    import geopandas as gpd

    from siteplan.analyses.surface.model import h3_strings

    got = gpd.read_parquet(folder)
    got = got.sort_values("h3", kind="stable").reset_index(drop=True)
    assert got.crs is not None and got.crs.to_epsg() in (4326, None)
    assert list(got["h3"]) == list(h3_strings(model.cells))   # each cell once
    assert np.array_equal(got["score"].to_numpy(), model.score(), equal_nan=True)
    for j, name in enumerate(model.criteria):
        a, b = got[name].to_numpy(), model.raw[:, j]
        assert a.dtype == np.float32
        if model.scenario.criterion(name).kind != "gravity":
            assert np.array_equal(a, b, equal_nan=True), name
            continue
        # gravity with exponential decay skips negligible features per block of sites, so
        # it equals itself across other blocks within 1e-12 relative (kernels.gravity),
        # which can move a float32 rounding by one unit (1 cell of 868,946 at res 8)
        assert np.array_equal(np.isnan(a), np.isnan(b)), name
        fin = ~np.isnan(a)
        np.testing.assert_array_max_ulp(a[fin], b[fin], maxulp=1)
        assert np.count_nonzero(a[fin] != b[fin]) <= max(1, a.size // 100_000), name
    assert np.array_equal(got["excluded"].to_numpy(), ~model.valid)
    assert list(got["region_code"].astype(str)) == list(model.region_code_of_cells())
    assert np.array_equal(got.geometry.x.to_numpy(), model.lon)
    assert np.array_equal(got.geometry.y.to_numpy(), model.lat)


def test_partitioned_folder_equals_the_in_memory_surface(morocco, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    import dask.dataframe as dd
    import pyarrow.dataset as ds

    from siteplan.analyses.surface.model import SurfaceModel, h3_parent
    from siteplan.outputs.surface_files import partition_file_name, write_partitioned_surface

    pack, scen = morocco
    model = SurfaceModel.build(scen, pack=pack, resolution=7)
    folder = tmp_path / "r7"
    surf = write_partitioned_surface(folder, scen, pack=pack, resolution=7,
                                     parent_resolution=3)
    _assert_folder_equals_model(folder, model)
    parents = np.unique(h3_parent(model.cells, 3))
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([partition_file_name(int(p)) for p in parents] + ["_siteplan.json"])
    schemas = {ds.dataset(folder / n, format="parquet").schema.remove_metadata()
               for n in names if n.endswith(".parquet")}
    assert len(schemas) == 1   # one schema: the folder reads as one table
    assert len(dd.read_parquet(str(folder))) == model.n_cells
    _assert_duckdb_reads(folder, model)
    record = json.loads((folder / "_siteplan.json").read_text(encoding="utf-8"))
    assert (record["cells"], record["valid_cells"]) == (model.n_cells, model.n_valid)
    assert record["exclusions"] == model.exclusions == surf.exclusions
    assert sorted(record["files"]) == [n for n in names if n.endswith(".parquet")]
    assert [x.name for x in tmp_path.iterdir()] == ["r7"]   # no temporary left


def _assert_duckdb_reads(folder, model) -> None:  # type: ignore[no-untyped-def]
    """DuckDB over the folder's files: counts, best score (excluded cells are null, not
    NaN, so max() is the best valid score) and the points' coordinates."""
    import duckdb

    from siteplan.analyses.surface.model import h3_strings

    s = model.score()
    con = duckdb.connect()
    n, valid, best, lon = con.execute(
        f"SELECT count(*), count(score), max(score), max(lon) FROM "
        f"read_parquet('{folder}/*.parquet')").fetchall()[0]
    assert (n, valid) == (model.n_cells, model.n_valid)
    assert best == np.nanmax(s) and lon == model.lon.max()
    top = con.execute(f"SELECT h3 FROM read_parquet('{folder}/*.parquet') WHERE local_max "
                      "ORDER BY score DESC, h3 LIMIT 1").fetchall()[0]
    assert top[0] == h3_strings(model.cells[[int(np.nanargmax(s))]])[0]


@pytest.mark.slow
def test_partitioned_res8_on_a_local_cluster_equals_sync_and_in_memory(morocco,  # type: ignore[no-untyped-def]
                                                                       tmp_path) -> None:
    """A real dask.distributed cluster: 2 worker processes (own interpreters, the pack
    loaded in each), writing into the same temporary folder."""
    from distributed import LocalCluster

    from siteplan.analyses.surface.model import SurfaceModel
    from siteplan.outputs.surface_files import write_partitioned_surface

    pack, scen = morocco
    model = SurfaceModel.build(scen, pack=pack, resolution=8)
    sync = write_partitioned_surface(tmp_path / "sync", scen, pack=pack, resolution=8)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        dist = write_partitioned_surface(tmp_path / "cluster", scen, pack=pack, resolution=8,
                                         scheduler=cluster.scheduler_address)
    for folder in ("sync", "cluster"):
        _assert_folder_equals_model(tmp_path / folder, model)
    for a, b in zip(sync.partitions, dist.partitions, strict=True):
        assert (a.parent, a.n_cells, a.n_valid, a.exclusions) == \
               (b.parent, b.n_cells, b.n_valid, b.exclusions)
        assert (tmp_path / "sync" / a.written).read_bytes() == \
               (tmp_path / "cluster" / b.written).read_bytes()   # bitwise the same files


def test_partitioned_threads_equal_sync(morocco, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from siteplan.outputs.surface_files import write_partitioned_surface

    pack, scen = morocco
    a = write_partitioned_surface(tmp_path / "a", scen, pack=pack, resolution=6,
                                  parent_resolution=2)
    b = write_partitioned_surface(tmp_path / "b", scen, pack=pack, resolution=6,
                                  parent_resolution=2, scheduler="threads")
    assert [p.written for p in a.partitions] == [p.written for p in b.partitions]
    for p in a.partitions:
        assert (tmp_path / "a" / p.written).read_bytes() == \
               (tmp_path / "b" / p.written).read_bytes()


def test_a_failure_or_ctrl_c_mid_way_leaves_nothing(morocco, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from siteplan.outputs import surface_files

    pack, scen = morocco
    calls: list[int] = []
    real = surface_files.write_partition

    def interrupted(part, folder):  # type: ignore[no-untyped-def]
        calls.append(part.parent)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(part, folder)

    monkeypatch.setattr(surface_files, "write_partition", interrupted)
    with pytest.raises(KeyboardInterrupt):
        surface_files.write_partitioned_surface(tmp_path / "out", scen, pack=pack,
                                                resolution=6, parent_resolution=2)
    assert len(calls) == 3
    assert list(tmp_path.iterdir()) == []   # no folder, no temporary


def test_overwrite_replaces_a_partitioned_folder_only(morocco, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from siteplan.outputs.surface_files import write_partitioned_surface

    pack, scen = morocco
    folder = tmp_path / "out"
    write_partitioned_surface(folder, scen, pack=pack, resolution=5)
    (folder / "stale.parquet").write_bytes(b"old")
    with pytest.raises(OutputError, match="folder exists; pass --overwrite"):
        write_partitioned_surface(folder, scen, pack=pack, resolution=5)
    write_partitioned_surface(folder, scen, pack=pack, resolution=5, overwrite=True)
    assert not (folder / "stale.parquet").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_bytes(b"years of work")
    with pytest.raises(OutputError, match="not a folder siteplan wrote"):
        write_partitioned_surface(mine, scen, pack=pack, resolution=5, overwrite=True)
    assert (mine / "thesis.docx").read_bytes() == b"years of work"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["mine", "out"]
