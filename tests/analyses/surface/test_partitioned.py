"""Specification of the partitioned surface build (siteplan.analyses.surface.partitioned).

The reference is the in-memory :class:`SurfaceModel` of the same scenario and resolution
(every cell held at once, normalised over the whole territory), and for local maxima a
brute-force loop over ``h3.grid_disk`` (h3's own bindings, not h3ronpy's kernels).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siteplan.errors import ScenarioError, UsageError

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def morocco():  # type: ignore[no-untyped-def]
    from siteplan.layers.pack import Pack
    from siteplan.scenario import load_scenario

    scen = load_scenario("balanced-2030")
    return Pack(None, overrides=scen.layers), scen


@pytest.fixture(scope="module")
def model7(morocco):  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.model import SurfaceModel

    pack, scen = morocco
    return SurfaceModel.build(scen, pack=pack, resolution=7)


@pytest.fixture(scope="module")
def surf7(morocco):  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.partitioned import build_partitioned

    pack, scen = morocco
    return build_partitioned(scen, pack=pack, resolution=7, parent_resolution=3)


@pytest.mark.parametrize(("res", "cells", "budget", "parent"), [
    (10, None, None, 4), (9, None, None, 3), (7, None, None, 1), (5, None, None, 0),
    (7, 49, None, 5), (7, 48, None, 5), (10, 7 ** 7, None, 3), (8, 10**9, None, 0),
    # (1000 - 400) MB / 2000 B per cell = 314,572 cells: 7 ** 6 fits, 7 ** 7 does not;
    # (2000 - 400) MB: 838,860 cells, 7 ** 7 = 823,543 fits
    (10, None, 1000, 4), (10, None, 2000, 3), (10, None, 10_000, 3),
])
def test_parent_resolution_bounds_the_partition(res: int, cells: int | None,
                                                budget: float | None, parent: int) -> None:
    from siteplan.analyses.surface.partitioned import parent_resolution_for

    p = parent_resolution_for(res, cells, budget)
    assert p == parent
    assert 0 <= p <= res - 2
    if cells is not None and p > 0:
        assert 7 ** (res - p) <= max(cells, 49)   # a parent's descendants fit the bound


def test_a_tiny_memory_budget_is_one_line() -> None:
    from siteplan.analyses.surface.partitioned import parent_resolution_for

    with pytest.raises(UsageError, match="--max-memory-mb 300 is too small"):
        parent_resolution_for(10, None, 300)


def test_partitions_hold_exactly_the_in_memory_cells(morocco, model7) -> None:  # type: ignore[no-untyped-def]
    import shapely

    from siteplan.analyses.surface.model import cells_under, h3_parent
    from siteplan.analyses.surface.partitioned import partition_parents

    pack, _ = morocco
    area = pack.study_area()
    shapely.prepare(area)
    parents = partition_parents(pack, 7, 3)
    found = [cells_under(area, np.array([p]), 7)[0] for p in parents]
    for p, cells in zip(parents, found, strict=True):
        assert np.all(h3_parent(cells, 3) == p)
    union = np.concatenate(found)
    assert np.array_equal(union, model7.cells)   # same cells, same (H3) order, no repeat


def test_counts_and_exclusions_equal_the_in_memory_build(surf7, model7) -> None:  # type: ignore[no-untyped-def]
    assert len(surf7.partitions) > 20
    assert surf7.n_cells == model7.n_cells
    assert surf7.n_valid == model7.n_valid
    assert surf7.exclusions == model7.exclusions
    s = model7.score()
    lo, mean, hi = surf7.score_range()
    assert (lo, hi) == (np.nanmin(s), np.nanmax(s))
    assert mean == pytest.approx(float(np.nanmean(s)), rel=1e-12)


def test_partition_scores_and_local_maxima_equal_brute_force(morocco, model7) -> None:  # type: ignore[no-untyped-def]
    import h3

    from siteplan.analyses.surface.model import h3_parent
    from siteplan.analyses.surface.partitioned import PartitionJob, build_partition

    pack, scen = morocco
    job = PartitionJob(scen, pack, 7, 3)
    scores = model7.score()
    parents = h3_parent(model7.cells, 3)
    at = {int(c): i for i, c in enumerate(model7.cells)}
    # the partitions holding the best cell and a border one, and a large one
    best = int(np.nanargmax(scores))
    unique, inverse = np.unique(parents, return_inverse=True)
    chosen = {int(parents[best]), int(parents[0]), int(unique[np.bincount(inverse).argmax()])}
    for parent in sorted(chosen):
        part = build_partition(job, parent)
        assert part is not None
        rows = np.flatnonzero(parents == parent)
        assert np.array_equal(part.model.cells, model7.cells[rows])
        assert np.array_equal(part.scores, scores[rows], equal_nan=True)
        assert np.array_equal(part.model.raw, model7.raw[rows], equal_nan=True)
        for i, cell in zip(rows.tolist(), part.model.cells.tolist(), strict=True):
            if not np.isfinite(scores[i]):
                expect = False
            else:
                nb = [at[h3.str_to_int(x)] for x in h3.grid_disk(h3.int_to_str(cell), 1)
                      if h3.str_to_int(x) in at]
                expect = all(not scores[j] > scores[i] for j in nb)
            assert part.local_max[i - rows[0]] == expect, h3.int_to_str(cell)


@pytest.mark.parametrize("top", [500, 1])
@pytest.mark.parametrize(("k", "spacing"), [(12, 25.0), (8, 0.0), (40, 60.0)])
def test_hotspots_equal_the_in_memory_hotspots(morocco, model7, surf7, top: int, k: int,  # type: ignore[no-untyped-def]
                                               spacing: float) -> None:
    """top=1 keeps one local maximum per partition, so most choices need a partition
    scored again in full: the result must still be the in-memory one."""
    import pandas as pd

    from siteplan.analyses.surface.model import hotspots
    from siteplan.analyses.surface.partitioned import build_partitioned

    pack, scen = morocco
    ref = hotspots(model7, model7.score(), k=k, min_spacing_km=spacing, pack=pack)
    surf = surf7 if top == 500 else build_partitioned(scen, pack=pack, resolution=7,
                                                      parent_resolution=3, top=top)
    got = surf.hotspots(k=k, min_spacing_km=spacing, pack=pack)
    assert len(ref) == len(got) > 0
    pd.testing.assert_frame_equal(pd.DataFrame(got.drop(columns="geometry")),
                                  pd.DataFrame(ref.drop(columns="geometry")))


def test_relative_value_functions_are_refused_in_one_line(morocco) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.partitioned import build_partitioned
    from siteplan.scenario import load_scenario

    pack, _ = morocco
    tiny = load_scenario(REPO / "tests" / "data" / "tiny-scenario.toml")
    with pytest.raises(ScenarioError, match="relative value function") as err:
        build_partitioned(tiny, pack=pack, resolution=6)
    assert "\n" not in str(err.value)


def test_imputation_and_whole_set_methods_are_refused(morocco, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.partitioned import build_partitioned
    from siteplan.scenario import load_scenario

    pack, scen = morocco
    with pytest.raises(ScenarioError, match="method topsis scores each cell against all"):
        build_partitioned(scen.with_method("topsis"), pack=pack, resolution=6)
    text = (REPO / "siteplan" / "scenarios" / "balanced-2030.toml").read_text(encoding="utf-8")
    path = tmp_path / "imputed.toml"
    path.write_text(text.replace('nan_policy = "exclude"', 'nan_policy = "impute-median"'),
                    encoding="utf-8")
    with pytest.raises(ScenarioError, match="impute missing values from all cells"):
        build_partitioned(load_scenario(path), pack=pack, resolution=6)


@pytest.mark.parametrize("parent", [-1, 6, 2.5, True])
def test_a_bad_parent_resolution_is_a_usage_error(morocco, parent) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.partitioned import build_partitioned

    pack, scen = morocco
    with pytest.raises(UsageError, match="parent resolution"):
        build_partitioned(scen, pack=pack, resolution=7, parent_resolution=parent)


@pytest.mark.parametrize("res", [4, 11, "8"])
def test_resolution_out_of_range_is_a_usage_error(morocco, res) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.partitioned import build_partitioned

    pack, scen = morocco
    with pytest.raises(UsageError, match="--resolution"):
        build_partitioned(scen, pack=pack, resolution=res)


def test_in_memory_refuses_resolution_10_pointing_to_partitioned() -> None:
    from siteplan.analyses.surface.model import check_resolution

    with pytest.raises(UsageError, match="--partitioned FOLDER"):
        check_resolution(10)
    assert check_resolution(10, partitioned=True) == 10
