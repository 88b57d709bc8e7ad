"""Tests of the surface: H3 cover, cell criteria, rescoring, hotspots, writers, CLI.

References are independent of the module: H3's own polygon fill (its C traversal
and point-in-polygon) and a brute-force disk of cells tested with shapely for the
cover; ``siteplan.scoring.ranking.rank`` on candidates placed at cell centres for the
criteria; ``pyproj.Geod`` for distances; a fresh build for rescoring.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siteplan.errors import CriterionError, UsageError

REPO = Path(__file__).resolve().parents[3]
TINY_SCENARIO = REPO / "tests" / "data" / "tiny-scenario.toml"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def morocco():  # type: ignore[no-untyped-def]
    from siteplan.errors import LayerError
    from siteplan.layers.pack import Pack

    try:
        pack = Pack(None)
        pack.layer("regions")
        pack.layer("provinces")
    except (LayerError, OSError) as exc:  # the embedded pack is being rebuilt
        pytest.skip(f"embedded Morocco pack not available: {exc}")
    return pack


@pytest.fixture(scope="module")
def morocco_model(morocco):  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.model import SurfaceModel

    return SurfaceModel.build("balanced-2030", pack=morocco, resolution=5,
                              all_criteria=True)


def _h3_fill(pack, res: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """H3's own polygon fill (centre containment), polygon by polygon, united."""
    import h3
    import h3.api.numpy_int as h3n
    import shapely

    parts = [np.asarray(h3n.h3shape_to_cells(h3.geo_to_h3shape(shapely.geometry.mapping(g)),
                                             res), dtype=np.int64)
             for g in pack.layer(pack.manifest.study_area).geometry]
    return np.unique(np.concatenate(parts))


def _brute_force(pack, res: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Every cell of a disk around the area whose centre shapely finds in the union."""
    import h3
    import shapely

    area = pack.study_area()
    minx, miny, maxx, maxy = area.bounds
    centre = h3.latlng_to_cell((miny + maxy) / 2, (minx + maxx) / 2, res)
    half_diag_km = float(h3.great_circle_distance((miny, minx), (maxy, maxx), unit="km")) / 2
    # rings are >= 1.5 edge lengths apart; one edge per ring leaves room for distortion
    k = int(half_diag_km / h3.average_hexagon_edge_length(res, unit="km")) + 3
    disk = [h3.str_to_int(c) for c in h3.grid_disk(centre, k)]
    ll = np.array([h3.cell_to_latlng(h3.int_to_str(c)) for c in disk])
    inside = shapely.intersects_xy(area, ll[:, 1], ll[:, 0])
    return np.sort(np.asarray(disk, dtype=np.int64)[inside])


# --------------------------------------------------------------------------- cover


@pytest.mark.parametrize("res", [4, 10, 0, "7"])
def test_unsupported_resolution_is_a_usage_error(tiny_pack, res) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.model import SurfaceModel, cells_for_area

    with pytest.raises(UsageError, match="5 to 9"):
        cells_for_area(tiny_pack, res)
    with pytest.raises(UsageError, match="5 to 9"):
        SurfaceModel.build(TINY_SCENARIO, pack=tiny_pack, resolution=res)


def test_cell_count_res5_morocco_equals_h3_fill_and_brute_force(morocco) -> None:  # type: ignore[no-untyped-def]
    """Independent: H3's C polygon fill per region, and a shapely test of a cell disk."""
    from siteplan.analyses.surface.model import cells_for_area

    cells, _lon, _lat = cells_for_area(morocco, 5)
    assert cells.dtype == np.int64 and np.all(np.diff(cells) > 0)
    ref = _h3_fill(morocco, 5)
    assert cells.size == ref.size
    np.testing.assert_array_equal(cells, ref)
    np.testing.assert_array_equal(cells, _brute_force(morocco, 5))
    assert 2000 < cells.size < 3000  # ~250 km2 cells over ~710,000 km2


@pytest.mark.parametrize("res", [6, 7])
def test_cell_cover_tiny_equals_references(tiny_pack, res) -> None:  # type: ignore[no-untyped-def]
    import h3

    from siteplan.analyses.surface.model import cells_for_area

    cells, lon, lat = cells_for_area(tiny_pack, res)
    np.testing.assert_array_equal(cells, _brute_force(tiny_pack, res))
    np.testing.assert_array_equal(cells, _h3_fill(tiny_pack, res))
    for i in range(0, cells.size, max(1, cells.size // 25)):
        la, lo = h3.cell_to_latlng(h3.int_to_str(int(cells[i])))
        assert (lo, la) == pytest.approx((lon[i], lat[i]), abs=1e-12)


def test_h3_helpers_match_h3() -> None:
    import h3

    from siteplan.analyses.surface.model import h3_parent, h3_strings

    cells = np.array([h3.str_to_int(c) for c in h3.grid_disk(h3.latlng_to_cell(31.6, -8.0, 9),
                                                              4)], dtype=np.int64)
    for res in (0, 5, 8):
        ref = [h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(c)), res)) for c in cells]
        np.testing.assert_array_equal(h3_parent(cells, res), ref)
    assert h3_strings(cells).tolist() == [h3.int_to_str(int(c)) for c in cells]


def _candidates_at(model, rows):  # type: ignore[no-untyped-def]
    import geopandas as gpd

    return gpd.GeoDataFrame({"id": [f"c{i}" for i in rows], "name": [f"cell {i}" for i in rows]},
                            geometry=gpd.points_from_xy(model.lon[rows], model.lat[rows]),
                            crs="EPSG:4326")


def _assert_same_as_candidates(model, pack, scenario) -> None:  # type: ignore[no-untyped-def]
    from siteplan.scoring.ranking import rank

    rng = np.random.default_rng(3)
    rows = np.unique(np.concatenate([
        rng.choice(np.flatnonzero(model.valid), 15, replace=False),
        rng.choice(np.flatnonzero(~model.valid), min(5, int((~model.valid).sum())),
                   replace=False)]))
    r = rank(scenario, pack=pack, candidates=_candidates_at(model, rows))
    for name in model.criteria:
        cand = r.raw.loc[[f"c{i}" for i in rows], name].to_numpy(dtype=np.float64)
        cell = model.raw[rows, model.criteria.index(name)].astype(np.float64)
        np.testing.assert_allclose(cell, cand, rtol=1e-6, atol=1e-9, err_msg=name)
    excluded = r.sites.set_index("id").loc[[f"c{i}" for i in rows], "excluded"].to_numpy()
    np.testing.assert_array_equal(~model.valid[rows], excluded)


def test_cell_criteria_equal_candidate_criteria_tiny(tiny_model, tiny_pack,  # type: ignore[no-untyped-def]
                                                     tiny_scenario) -> None:
    _assert_same_as_candidates(tiny_model, tiny_pack, tiny_scenario)


def test_cell_criteria_equal_candidate_criteria_morocco(morocco_model, morocco) -> None:  # type: ignore[no-untyped-def]
    """balanced-2030: 2SFCA, within-radius, gravity, nearest distance, zone attributes."""
    _assert_same_as_candidates(morocco_model, morocco, morocco_model.scenario)


def test_chunking_does_not_change_values(tiny_pack, tiny_scenario, tiny_model) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.model import SurfaceModel

    whole = SurfaceModel.build(tiny_scenario, pack=tiny_pack, resolution=6,
                               all_criteria=True)
    np.testing.assert_array_equal(whole.raw, tiny_model.raw)
    np.testing.assert_array_equal(whole.valid, tiny_model.valid)


def test_distances_within_half_percent_of_pyproj(morocco_model, morocco) -> None:  # type: ignore[no-untyped-def]
    from pyproj import Geod

    from siteplan.criteria.compute import filter_mask

    geod = Geod(ellps="WGS84")
    air = morocco.layer("airports")
    air = air[filter_mask(air, "international == true", "test", "airports")]
    rows = np.random.default_rng(5).choice(morocco_model.n_cells, 60, replace=False)
    j = morocco_model.criteria.index("airport_km")
    for i in rows:
        n = len(air)
        _, _, d = geod.inv(np.full(n, morocco_model.lon[i]), np.full(n, morocco_model.lat[i]),
                           air.geometry.x.to_numpy(), air.geometry.y.to_numpy())
        ref = float(np.min(d)) / 1000.0
        assert float(morocco_model.raw[i, j]) == pytest.approx(ref, rel=5e-3)


def test_candidate_only_criterion_is_refused(tiny_pack) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.model import SurfaceModel
    from siteplan.scenario import scenario_from_dict

    scen = scenario_from_dict({
        "scenario": {"name": "own"},
        "criteria": [{"name": "pop", "kind": "attribute", "column": "population", "weight": 1},
                     {"name": "airport_km", "kind": "nearest_distance", "layer": "airports",
                      "weight": 1}]}, "own.toml")
    with pytest.raises(CriterionError, match="pop"):
        SurfaceModel.build(scen, pack=tiny_pack, resolution=5)


def test_memory_budget_too_small(tiny_pack) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.model import SurfaceModel

    with pytest.raises(UsageError, match="max-memory-mb 50 is too small"):
        SurfaceModel.build(TINY_SCENARIO, pack=tiny_pack, resolution=6, max_memory_mb=50)
    ok = SurfaceModel.build(TINY_SCENARIO, pack=tiny_pack, resolution=6, max_memory_mb=2000)
    assert ok.n_cells > 0


# --------------------------------------------------------------------------- scoring


def test_rescoring_equals_fresh_build(tiny_model, tiny_pack, tiny_scenario) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.model import SurfaceModel

    new = {"talent": 1.0, "airport_km": 3.0}
    for method in ("wlc", "wp", "topsis", "vikor", "owa"):
        fresh = SurfaceModel.build(tiny_scenario.with_weights(new).with_method(method),
                                   pack=tiny_pack, resolution=6)
        np.testing.assert_allclose(tiny_model.score(new, method), fresh.score(), rtol=1e-6,
                                   atol=1e-6, equal_nan=True, err_msg=method)


def test_wlc_fast_path_equals_engine_aggregation(morocco_model) -> None:  # type: ignore[no-untyped-def]
    from siteplan.scoring.ranking import aggregate_scores

    m = morocco_model
    w = np.array([m.scenario.weights[k] for k in m.value_names])
    v = m.values.astype(np.float64)
    ref = aggregate_scores("wlc", v, v, np.ones(len(w)), w)
    s = m.score()
    np.testing.assert_allclose(s[m.valid], ref, atol=1e-6)
    assert np.isnan(s[~m.valid]).all()


def test_values_are_the_fixed_anchor_value_functions_of_the_valid_cells(morocco_model) -> None:  # type: ignore[no-untyped-def]
    m = morocco_model
    v = m.values
    assert v.shape == (int(m.valid.sum()), len(m.value_names))
    for j, name in enumerate(m.value_names):
        c = m.scenario.criterion(name)
        x = m.raw[m.valid, m.criteria.index(name)].astype(np.float64)
        spec = dict(c.normalize)
        if spec["method"] == "piecewise":  # written out: linear between anchors, clamped
            xs, ys = zip(*spec["points"], strict=True)
            ref = np.interp(x, xs, ys)
        else:
            assert spec["method"] == "saturating", name
            ref = np.maximum(x, 0) / (np.maximum(x, 0) + spec["half"])
            ref = 1 - ref if c.direction == "cost" else ref
        np.testing.assert_allclose(v[:, j], ref, atol=1e-6, err_msg=name)


def test_unknown_weight_is_a_usage_error(tiny_model) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError):
        tiny_model.score({"nope": 1.0})


# --------------------------------------------------------------------------- hotspots


def test_hotspots_respect_spacing_and_are_local_maxima(morocco_model, morocco) -> None:  # type: ignore[no-untyped-def]
    import h3
    from pyproj import Geod

    from siteplan.analyses.surface.model import hotspots

    m = morocco_model
    s = m.score()
    spots = hotspots(m, s, k=8, min_spacing_km=60, pack=morocco)
    assert 1 <= len(spots) <= 8
    assert list(spots["id"]) == [f"hotspot-{i:02d}" for i in range(1, len(spots) + 1)]
    assert spots["score"].is_monotonic_decreasing
    assert spots["name"].str.startswith("near ").all()
    assert spots["name"].is_unique
    geod = Geod(ellps="WGS84")
    lon, lat = spots["lon"].to_numpy(), spots["lat"].to_numpy()
    for a in range(len(spots)):
        for b in range(a + 1, len(spots)):
            assert geod.inv(lon[a], lat[a], lon[b], lat[b])[2] / 1000 >= 60 * 0.999
    index = {int(c): i for i, c in enumerate(m.cells)}
    for hx, score in zip(spots["h3"], spots["score"], strict=True):
        for nb in h3.grid_disk(hx, 1):
            i = index.get(h3.str_to_int(nb))
            if i is not None and np.isfinite(s[i]):
                assert s[i] <= score
    assert spots["score"].iloc[0] == pytest.approx(np.nanmax(s))


# --------------------------------------------------------------------------- CLI


def test_cli_surface(tiny_pack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from siteplan.cli import cli

    out = tmp_path / "s.csv"
    hot = tmp_path / "hot.csv"
    res = CliRunner().invoke(cli, ["surface", "--pack", str(tiny_pack.root), "--scenario",
                                   str(TINY_SCENARIO), "-r", "6", "-o", str(out),
                                   "--hotspots", "2", "--spacing", "40",
                                   "--hotspots-out", str(hot), "-w", "talent=5"])
    assert res.exit_code == 0, res.output
    assert "valid" in res.output and "hotspot" in res.output
    assert out.exists() and hot.exists()
    res = CliRunner().invoke(cli, ["surface", "--pack", str(tiny_pack.root), "--scenario",
                                   str(TINY_SCENARIO), "-r", "11"])
    assert res.exit_code == 2 and "5 to 9" in res.output


def test_cli_surface_checks_every_output_before_the_work(tiny_pack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from siteplan.cli import cli

    args = ["surface", "--pack", str(tiny_pack.root), "--scenario", str(TINY_SCENARIO),
            "-r", "6", "-o", str(tmp_path / "s.parquet")]
    res = CliRunner().invoke(cli, [*args, "--hotspots-out", str(tmp_path / "h.txt")])
    assert res.exit_code == 2 and ".csv, .gpkg, .geojson" in res.output
    res = CliRunner().invoke(cli, [*args, "--map", str(tmp_path / "m.txt")])
    assert res.exit_code == 2 and "--map" in res.output
    assert list(tmp_path.iterdir()) == []
    kept = tmp_path / "keep.html"
    kept.write_text("annotated")
    res = CliRunner().invoke(cli, [*args, "--map", str(kept)])
    assert res.exit_code == 1 and "--overwrite" in res.output
    assert kept.read_text() == "annotated" and not (tmp_path / "s.parquet").exists()


def test_cli_candidate_only_criterion_exit_2(tiny_pack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from siteplan.cli import cli

    scen = tmp_path / "own.toml"
    scen.write_text('[scenario]\nname = "own"\n[[criteria]]\nname = "pop"\nkind = "attribute"\n'
                    'column = "population"\nweight = 1\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["surface", "--pack", str(tiny_pack.root), "--scenario",
                                   str(scen), "-r", "5"])
    assert res.exit_code == 2
    assert "cannot be computed on H3 cells" in res.output


def test_cell_cover_cache_returns_independent_copies(tiny_pack) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface import model as surface

    surface._CELL_CACHE.clear()
    first = surface.cells_for_area(tiny_pack, 6)
    fresh = [a.copy() for a in first]
    for a in first:
        a[:] = 0  # the caller owns what it gets: the cache is not affected
    second = surface.cells_for_area(tiny_pack, 6)
    for a, b in zip(second, fresh, strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(surface._CELL_CACHE) == 1


def test_cell_centres_agree_with_h3_itself() -> None:
    """The vectorised centres (h3ronpy) equal h3's own scalar cell_to_latlng."""
    import h3
    import numpy as np

    from siteplan.analyses.surface.model import _cell_centres_h3, cell_centres

    rng = np.random.default_rng(7)
    pts = [h3.latlng_to_cell(float(la), float(lo), 8)
           for la, lo in zip(rng.uniform(21, 36, 2000), rng.uniform(-17, -1, 2000), strict=True)]
    cells = np.array([h3.str_to_int(c) for c in pts], dtype=np.int64)
    lon, lat = cell_centres(cells)
    ref_lat = np.array([h3.cell_to_latlng(c)[0] for c in pts])
    ref_lon = np.array([h3.cell_to_latlng(c)[1] for c in pts])
    assert np.abs(lat - ref_lat).max() < 1e-12
    assert np.abs(lon - ref_lon).max() < 1e-12
    lon2, lat2 = _cell_centres_h3(cells)
    assert np.array_equal(lon2, ref_lon) and np.array_equal(lat2, ref_lat)


def test_skipping_excluded_cells_changes_no_score(morocco_model, morocco) -> None:  # type: ignore[no-untyped-def]
    """By default the criteria of cells a hard constraint excludes are not computed: the
    valid cells, their values and their scores are exactly those of a full computation,
    and only cells that fail a constraint have their other criteria left empty (cells
    below the viability floor are computed: the floor needs their viability criteria)."""
    from siteplan.analyses.surface.model import SurfaceModel

    lean = SurfaceModel.build("balanced-2030", pack=morocco, resolution=5)
    full = morocco_model
    np.testing.assert_array_equal(lean.valid, full.valid)
    np.testing.assert_array_equal(lean.values, full.values)
    np.testing.assert_array_equal(lean.score(), full.score())
    constrained = {k.criterion for k in lean.scenario.constraints}
    skipped_any = False
    for j, name in enumerate(lean.criteria):
        if name in constrained:
            np.testing.assert_array_equal(lean.raw[:, j], full.raw[:, j])
        else:
            np.testing.assert_array_equal(lean.raw[lean.valid, j], full.raw[full.valid, j])
            computed = ~np.isnan(lean.raw[:, j])
            np.testing.assert_array_equal(lean.raw[computed, j], full.raw[computed, j])
            skipped = ~computed & ~np.isnan(full.raw[:, j])
            assert not (skipped & lean.valid).any(), name
            skipped_any = skipped_any or bool(skipped.any())
    assert skipped_any, "no criterion was skipped on constraint-failing cells"
