"""Surface robustness: shares of the weight samples placing each cell in the top q %.

The reference is a brute-force loop independent of the module's vectorisation: for each
sampled weight vector, ``model.score(weights)`` (the model's own rescoring), a full sort of
the valid cells' scores, the ``ceil(q n / 100)``-th highest score as the threshold and a
count of the cells at or above it. The weight vectors themselves are checked against
:func:`siteplan.scoring.sampling.sample_weights` drawn on the stream SMAA and plan
robustness use.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from siteplan.errors import UsageError


def _brute_force(model, weight_samples, criteria, top_q):  # type: ignore[no-untyped-def]
    """Counts per cell (excluded cells 0) and cells counted per sample, by a full sort."""
    n = model.n_valid
    top = max(1, math.ceil(top_q * n / 100))
    counts = np.zeros(model.n_cells, dtype=np.int64)
    per_sample = []
    for w in weight_samples:
        s = model.score({c: float(x) for c, x in zip(criteria, w, strict=True)})
        v = s[model.valid]
        threshold = np.sort(v)[::-1][top - 1]
        hit = v >= threshold
        counts[np.flatnonzero(model.valid)[hit]] += 1
        per_sample.append(int(hit.sum()))
    return counts, np.array(per_sample)


def _tied(model):  # type: ignore[no-untyped-def]
    """The model with its values rounded to quarters: many cells share a value row, so
    many share every sampled score, also at the threshold."""
    return replace(model, values=(np.round(model.values * 4) / 4).astype(np.float32))


# --------------------------------------------------------------------------- shares


@pytest.mark.parametrize(("method", "top_q", "chunk"), [
    ("wlc", 5.0, None), ("wlc", 12.5, 7), ("wlc", 0.1, 1), ("wlc", 99.0, 64),
    ("topsis", 5.0, 9), ("wp", 20.0, None),
])
def test_shares_equal_the_brute_force_loop(tiny_model, method, top_q, chunk) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.robustness import surface_robustness

    model = replace(tiny_model, scenario=tiny_model.scenario.with_method(method))
    rob = surface_robustness(model, 60, top_q=top_q, chunk=chunk, seed=3, n_hotspots=0)
    counts, per_sample = _brute_force(model, rob.weight_samples, rob.criteria, top_q)
    np.testing.assert_array_equal(rob.counts, counts)
    np.testing.assert_array_equal(rob.cells_in_top, per_sample)
    np.testing.assert_array_equal(rob.share[model.valid], counts[model.valid] / 60)
    assert np.isnan(rob.share[~model.valid]).all() and (rob.counts[~model.valid] == 0).all()
    assert rob.method == method and rob.top_cells == max(1, math.ceil(top_q * model.n_valid
                                                                       / 100))


@pytest.mark.parametrize("method", ["wlc", "owa"])
def test_ties_at_the_threshold_count(tiny_model, method) -> None:  # type: ignore[no-untyped-def]
    """Every cell equal to the threshold counts: with many tied cells some samples count
    more than top_cells cells, exactly as the brute force does."""
    from siteplan.analyses.surface.robustness import surface_robustness

    model = replace(_tied(tiny_model), scenario=tiny_model.scenario.with_method(method))
    rob = surface_robustness(model, 80, top_q=5.0, chunk=11, n_hotspots=0)
    counts, per_sample = _brute_force(model, rob.weight_samples, rob.criteria, 5.0)
    np.testing.assert_array_equal(rob.counts, counts)
    np.testing.assert_array_equal(rob.cells_in_top, per_sample)
    assert (rob.cells_in_top >= rob.top_cells).all()
    assert (rob.cells_in_top > rob.top_cells).any(), "the fixture has no tie at a threshold"
    # the shares add up to the cells counted, so ties lift the mean share above t / n
    assert rob.counts.sum() == rob.cells_in_top.sum()
    assert rob.mean_share > rob.top_cells / model.n_valid
    # cells with the same value row have the same sampled scores: the same share
    rows, inverse = np.unique(model.values, axis=0, return_inverse=True)
    valid_counts = rob.counts[model.valid]
    for g in range(rows.shape[0]):
        assert np.unique(valid_counts[inverse.ravel() == g]).size == 1


def test_thresholds_are_the_order_statistic(tiny_model) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.robustness import surface_robustness

    rob = surface_robustness(tiny_model, 25, top_q=10.0, n_hotspots=0)
    for w, t in zip(rob.weight_samples, rob.thresholds, strict=True):
        v = tiny_model.score(dict(zip(rob.criteria, map(float, w), strict=True)))[
            tiny_model.valid]
        assert t == np.sort(v)[-rob.top_cells]
        assert (v >= t).sum() >= rob.top_cells


def test_shares_in_unit_interval_and_mean_share_is_q(tiny_model) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.robustness import surface_robustness

    rob = surface_robustness(tiny_model, 200, top_q=5.0, n_hotspots=0)
    share = rob.share[tiny_model.valid]
    assert ((share >= 0) & (share <= 1)).all()
    assert (rob.cells_in_top == rob.top_cells).all()  # no tie at any threshold here
    n = tiny_model.n_valid
    assert rob.mean_share == pytest.approx(rob.top_cells / n, abs=1e-15)
    assert abs(rob.mean_share - 0.05) <= 1 / n  # t / n is q / 100 up to the rounding of t
    assert share.max() > 0.5 and (share == 0).any()  # some cells robust, many never top


def test_top_count_rounds_up_and_ignores_float_noise() -> None:
    from siteplan.analyses.surface.robustness import top_count

    assert top_count(1000, 5.0) == 50
    assert top_count(1000, 0.1) == 1
    assert top_count(1000, 0.05) == 1  # never 0 cells
    assert top_count(1000, 99.95) == 1000
    assert top_count(822, 5.0) == 42  # 41.1 rounds up
    assert top_count(100, 7.000000000000001) == 7  # 7.0000000000000009 is 7 cells
    assert top_count(3, 100 / 3) == 1


# --------------------------------------------------------------------------- sampling


@pytest.mark.parametrize(("sampling", "extra"), [
    ("uniform", {}),
    ("dirichlet", {"concentration": 20.0}),
    ("bounds", {"bounds": {"talent": (0.2, 0.6), "unemployment": (0.0, 0.3)}}),
])
def test_weight_samples_are_the_shared_stream(tiny_model, sampling, extra) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.robustness import surface_robustness
    from siteplan.scoring.sampling import bounds_array, sample_weights

    rob = surface_robustness(tiny_model, 40, sampling=sampling, seed=11, n_hotspots=0,
                             **extra)
    crit = tuple(tiny_model.value_names)
    assert rob.criteria == crit
    w = np.array([tiny_model.scenario.weights[c] for c in crit])
    np.testing.assert_allclose(rob.weights, w / w.sum())
    b = bounds_array(extra["bounds"], crit)[0] if "bounds" in extra else None
    ref = sample_weights(len(crit), 40, sampling=sampling,
                         seed=np.random.default_rng(11).spawn(2)[0], center=rob.weights,
                         concentration=extra.get("concentration", 50.0), bounds=b)
    np.testing.assert_array_equal(rob.weight_samples, ref)
    if b is not None:
        assert (rob.weight_samples >= b[:, 0] - 1e-12).all()
        assert (rob.weight_samples <= b[:, 1] + 1e-12).all()
        assert rob.bounds == {k: tuple(v) for k, v in extra["bounds"].items()}
    counts, _ = _brute_force(tiny_model, rob.weight_samples, crit, 5.0)
    np.testing.assert_array_equal(rob.counts, counts)


def test_same_seed_same_result_and_chunking_changes_nothing(tiny_model) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.robustness import surface_robustness

    a = surface_robustness(tiny_model, 50, seed=5, n_hotspots=3)
    b = surface_robustness(tiny_model, 50, seed=5, n_hotspots=3, chunk=1)
    c = surface_robustness(tiny_model, 50, seed=6, n_hotspots=3)
    np.testing.assert_array_equal(a.weight_samples, b.weight_samples)
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.thresholds, b.thresholds)
    assert a.hotspots.drop(columns="geometry").equals(b.hotspots.drop(columns="geometry"))
    assert not np.array_equal(a.weight_samples, c.weight_samples)
    assert not np.array_equal(a.counts, c.counts)
    assert a.chunk == 50 and b.chunk == 1


def test_wlc_kernel_is_the_same_for_one_and_many_weight_vectors(tiny_model) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.model import wlc_scores

    rng = np.random.default_rng(0)
    ws = rng.dirichlet(np.ones(len(tiny_model.value_names)), 33)
    many = wlc_scores(tiny_model.values, ws)
    assert many.shape == (33, tiny_model.n_valid) and many.dtype == np.float32
    ref = tiny_model.values.astype(np.float64) @ ws.T
    np.testing.assert_allclose(many, ref.T, atol=1e-7)
    for i in (0, 17, 32):
        np.testing.assert_array_equal(wlc_scores(tiny_model.values, ws[i]), many[i])
        s = tiny_model.score(dict(zip(tiny_model.value_names, map(float, ws[i]), strict=True)))
        np.testing.assert_array_equal(s[tiny_model.valid], many[i])
    with pytest.raises(UsageError, match="value columns"):
        wlc_scores(tiny_model.values, ws[:, :2])


# --------------------------------------------------------------------------- hotspots


def test_robust_hotspots_are_the_hotspots_of_the_share(tiny_model, tiny_pack) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.model import hotspots
    from siteplan.analyses.surface.robustness import surface_robustness

    rob = surface_robustness(tiny_model, 100, n_hotspots=10, min_spacing_km=20.0,
                             pack=tiny_pack)
    spots = rob.hotspots
    ref = hotspots(tiny_model, rob.share, k=10, min_spacing_km=20.0, pack=tiny_pack)
    positive = ref[ref["score"] > 0]
    # the leading hotspots of the share surface, up to the first one never in the top q %
    assert len(spots) == len(positive) >= 2
    assert positive.index.tolist() == list(range(len(positive)))
    assert spots["h3"].tolist() == positive["h3"].tolist()
    assert spots["name"].tolist() == positive["name"].tolist()
    np.testing.assert_array_equal(spots["robust_share"], positive["score"])
    assert (spots["robust_share"] > 0).all() and spots["robust_share"].is_monotonic_decreasing
    idx = np.searchsorted(tiny_model.cells, [int(h, 16) for h in spots["h3"]])
    np.testing.assert_array_equal(spots["robust_share"], rob.share[idx])
    np.testing.assert_array_equal(spots["score"], tiny_model.score()[idx])
    assert spots["robust_share"].iloc[0] == np.nanmax(rob.share)
    assert list(spots.columns[:6]) == ["id", "name", "lon", "lat", "robust_share", "score"]
    # a hotspot of the share on the flat zero ground would be anywhere: none is kept
    assert (ref["score"] == 0).any(), "the fixture has no zero-share hotspot to drop"


def test_robust_hotspots_are_a_candidate_file(tiny_model, tiny_pack, tiny_scenario,  # type: ignore[no-untyped-def]
                                              tmp_path) -> None:
    from siteplan.analyses.surface.robustness import surface_robustness
    from siteplan.outputs.surface_files import write_hotspots
    from siteplan.scoring.ranking import rank

    rob = surface_robustness(tiny_model, 30, n_hotspots=3, min_spacing_km=30.0,
                             pack=tiny_pack)
    path = write_hotspots(rob.hotspots, tmp_path / "robust.csv")
    r = rank(tiny_scenario, pack=tiny_pack, candidates=path)
    assert set(r.sites["id"]) == set(rob.hotspots["id"])


def test_summary_line(tiny_model) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.robustness import surface_robustness

    rob = surface_robustness(tiny_model, 20, top_q=2.5, sampling="dirichlet",
                             concentration=30.0, n_hotspots=0)
    line = rob.summary()
    assert "\n" not in line
    for part in ("20 dirichlet weight samples", "concentration 30", "seed 42", "top 2.5 %",
                 f"{tiny_model.n_valid:,} valid cells", f"{rob.top_cells} cells per sample"):
        assert part in line, (part, line)
    assert rob.runtime_s > 0


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"samples": 0}, "at least 1 sample"),
    ({"samples": -5}, "at least 1 sample"),
    ({"samples": 2.5}, "at least 1 sample"),
    ({"samples": True}, "at least 1 sample"),
    ({"top_q": 0}, "between 0 and 100"),
    ({"top_q": 100}, "between 0 and 100"),
    ({"top_q": -1.0}, "between 0 and 100"),
    ({"top_q": 150.0}, "between 0 and 100"),
    ({"top_q": float("nan")}, "between 0 and 100"),
    ({"top_q": "5"}, "between 0 and 100"),
    ({"top_q": True}, "between 0 and 100"),
    ({"seed": -1}, "seed"),
    ({"seed": 1.5}, "seed"),
    ({"sampling": "sobol"}, "uniform, dirichlet, bounds"),
    ({"sampling": "bounds"}, "needs bounds"),
    ({"bounds": {"talent": (0.1, 0.3)}}, "only used with sampling='bounds'"),
    ({"sampling": "bounds", "bounds": {"nope": (0.1, 0.3)}}, "unknown criterion 'nope'"),
    ({"sampling": "dirichlet", "concentration": 0.0}, "concentration"),
    ({"chunk": 0}, "chunk"),
    ({"n_hotspots": -1}, "--hotspots"),
    ({"min_spacing_km": -3.0}, "--spacing"),
])
def test_bad_options_are_usage_errors(tiny_model, kwargs, match) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.robustness import surface_robustness

    args = {"samples": 10, **kwargs}
    with pytest.raises(UsageError, match=match):
        surface_robustness(tiny_model, **args)


def test_one_weighted_criterion_is_refused(tiny_model) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.robustness import surface_robustness

    one = tiny_model.scenario.with_weights({"airport_km": 0.0, "unemployment": 0.0})
    with pytest.raises(UsageError, match="two or more criteria"):
        surface_robustness(replace(tiny_model, scenario=one), 10)


def test_package_exports() -> None:
    import siteplan.analyses.surface as surface
    from siteplan.analyses.surface.robustness import SurfaceRobustness, surface_robustness

    assert surface.surface_robustness is surface_robustness
    assert surface.SurfaceRobustness is SurfaceRobustness
    with pytest.raises(AttributeError):
        _ = surface.nope


# --------------------------------------------------------------------------- schedulers


def _assert_bitwise_same(a, b) -> None:  # type: ignore[no-untyped-def]
    for name in ("counts", "share", "thresholds", "cells_in_top", "weight_samples"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
    assert a.hotspots.drop(columns="geometry").equals(b.hotspots.drop(columns="geometry"))


@pytest.mark.parametrize(("method", "scheduler"), [
    ("wlc", "threads"), ("wlc", "processes"), ("topsis", "threads"),
])
def test_dask_schedulers_give_the_sync_result(tiny_model, method, scheduler) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.robustness import surface_robustness

    model = replace(tiny_model, scenario=tiny_model.scenario.with_method(method))
    ref = surface_robustness(model, 40, top_q=10.0, chunk=6, seed=4)
    got = surface_robustness(model, 40, top_q=10.0, chunk=6, seed=4, scheduler=scheduler)
    _assert_bitwise_same(ref, got)
    counts, per_sample = _brute_force(model, got.weight_samples, got.criteria, 10.0)
    np.testing.assert_array_equal(got.counts, counts)
    np.testing.assert_array_equal(got.cells_in_top, per_sample)


@pytest.mark.slow
def test_a_local_cluster_gives_the_sync_result(tiny_model) -> None:  # type: ignore[no-untyped-def]
    from distributed import LocalCluster

    from siteplan.analyses.surface.robustness import surface_robustness

    ref = surface_robustness(tiny_model, 50, top_q=5.0, chunk=8, seed=11)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        got = surface_robustness(tiny_model, 50, top_q=5.0, chunk=8, seed=11,
                                 scheduler=cluster.scheduler_address)
    _assert_bitwise_same(ref, got)


def test_a_bad_scheduler_is_refused(tiny_model) -> None:  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.robustness import surface_robustness

    with pytest.raises(UsageError, match="--scheduler 'everywhere'"):
        surface_robustness(tiny_model, 10, scheduler="everywhere")
