"""Tests of siteplan.analyses.plan.robustness (plan-level robustness to the weights).

Independent references: a brute-force loop that, for every sampled weight vector, rescores
the ranking with that vector as the scenario weights and calls the public ``make_plan``;
``make_plan`` under the mean sampled weights; every feasible K-set enumerated by hand on the
tiny pack; ``select_sites`` on random instances; the Morocco plans re-checked against the
caps, the lagging quota and the spacing with pyproj.Geod.
"""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pyproj import Geod

from siteplan.analyses.plan.robustness import PlanRobustness, plan_robustness
from siteplan.analyses.plan.select import lagging_regions, prepare_selection, select_sites
from siteplan.analyses.plan.steps import make_plan, parse_lagging_rule
from siteplan.errors import PlanError, UsageError
from siteplan.layers.pack import Pack, point_lonlat
from siteplan.scoring.ranking import Ranking, rank
from siteplan.scoring.sampling import sample_weights

TINY = (Path(__file__).parents[2] / "data" / "tiny-scenario.toml").read_text(encoding="utf-8")

#: The tiny scenario with trade-offs between the four candidates: talent is kept at weight 0
#: (constraint-only), and two of the candidates' own columns pull against the others.
TRADE = TINY.replace('name = "tiny"', 'name = "tiny-trade"').replace(
    "decay = \"cutoff\"\nweight = 2", "decay = \"cutoff\"\nweight = 0") + """
[[criteria]]
name = "population"
kind = "attribute"
column = "population"
weight = 1

[[criteria]]
name = "land_price"
kind = "attribute"
column = "land_price"
direction = "cost"
weight = 1

[[constraints]]
criterion = "talent"
min = 0
reason = "no talent value"
"""
GEOD = Geod(ellps="WGS84")


@pytest.fixture()
def tiny(tiny_pack_dir: Path, tmp_path: Path) -> tuple[Ranking, Pack]:
    scen = tmp_path / "trade.toml"
    scen.write_text(TRADE, encoding="utf-8")
    pack = Pack(tiny_pack_dir)
    return rank(str(scen), pack=pack), pack


@pytest.fixture(scope="module")
def morocco() -> tuple[Ranking, Pack]:
    pack = Pack(None)
    return rank("balanced-2030", pack=pack), pack


def brute_force(r: Ranking, pack: Pack, rob: PlanRobustness, **options: Any
                ) -> tuple[Counter[str], Counter[frozenset[str]]]:
    """Per site and per K-set, the number of sampled weight vectors whose make_plan has it."""
    sites: Counter[str] = Counter()
    sets: Counter[frozenset[str]] = Counter()
    for w in rob.weight_samples:
        plan = make_plan(r.rescore(weights=dict(zip(rob.criteria, w, strict=True))), pack,
                         **options)
        ids = plan.solution.ids
        assert ids is not None
        sites.update(ids)
        sets[frozenset(ids)] += 1
    return sites, sets


def as_id_sets(rob: PlanRobustness) -> Counter[frozenset[str]]:
    return Counter({frozenset(rob.ids(s)): c for s, c in rob.sets})


# ----------------------------------------------------------------------------- tiny pack


@pytest.mark.parametrize(("options", "samples"), [
    ({"k": 2, "max_per_region": 1}, 30),
    ({"k": 2, "min_spacing_km": 50}, 12),   # d sits on the existing park: never chosen
])
def test_frequencies_equal_a_brute_force_loop_over_make_plan(
        tiny: tuple[Ranking, Pack], options: dict[str, Any], samples: int) -> None:
    r, pack = tiny
    rob = plan_robustness(r, pack, samples=samples, seed=3, **options)
    sites, sets = brute_force(r, pack, rob, **options)
    assert dict(zip(rob.site_ids, rob.counts.tolist(), strict=True)) == \
        {sid: sites.get(sid, 0) for sid in rob.site_ids}
    assert as_id_sets(rob) == sets
    if "max_per_region" in options:
        assert ((rob.frequency > 0) & (rob.frequency < 1)).sum() >= 3  # a real spread
    else:
        assert rob.frequency[rob.site_ids.index("d")] == 0
        assert rob.why_not[rob.site_ids.index("d")] == "within 50 km of an existing park"


def test_frequencies_equal_the_brute_force_loop_for_topsis(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    r = r.rescore(method="topsis")
    rob = plan_robustness(r, pack, 2, samples=12, seed=11)
    sites, sets = brute_force(r, pack, rob, k=2)
    assert [int(c) for c in rob.counts] == [sites.get(s, 0) for s in rob.site_ids]
    assert as_id_sets(rob) == sets
    # consensus plan: the feasible 2-set with the most selections (no constraint here)
    best = max(itertools.combinations(range(4), 2),
               key=lambda s: (sum(int(rob.counts[i]) for i in s), -sum(s)))
    assert sum(rob.counts[list(rob.robust_plan)]) == sum(rob.counts[list(best)])
    assert "consensus" in rob.robust_rule and "TOPSIS" in rob.robust_rule


def test_the_wlc_robust_plan_is_make_plan_under_the_mean_weights(
        tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    rob = plan_robustness(r, pack, 2, samples=200, seed=5, max_per_region=1)
    mean = rob.weight_samples.mean(axis=0)
    np.testing.assert_allclose(rob.mean_weights, mean)
    plan = make_plan(r.rescore(weights=dict(zip(rob.criteria, mean, strict=True))), pack, k=2,
                     max_per_region=1)
    assert sorted(plan.solution.ids or ()) == sorted(rob.ids(rob.robust_plan))
    # it maximises the expected score over every feasible 2-set (one site per region), the
    # expected score recomputed from the value matrix and the samples
    values = r.values.loc[list(rob.site_ids), list(rob.criteria)].to_numpy()
    expected = (rob.weight_samples @ values.T).mean(axis=0)
    region = dict(zip(r.sites["id"], r.sites["region_code"], strict=True))
    feasible = [s for s in itertools.combinations(range(4), 2)
                if region[rob.site_ids[s[0]]] != region[rob.site_ids[s[1]]]]
    best = max(feasible, key=lambda s: expected[list(s)].sum())
    assert rob.robust_plan == best
    assert rob.expected_score(rob.robust_plan) == pytest.approx(expected[list(best)].sum())
    assert "mean sampled weights" in rob.robust_rule


def test_the_single_weight_plan_is_make_plan(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    rob = plan_robustness(r, pack, 2, samples=5, max_per_region=1)
    single = make_plan(r, pack, k=2, max_per_region=1).solution.ids or ()
    assert set(rob.ids(rob.single_weight_plan)) == set(single) and len(single) == 2


def test_same_seed_same_result_and_the_samples_are_smaa_s(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    a = plan_robustness(r, pack, 2, samples=60, seed=9, max_per_region=1)
    b = plan_robustness(r, pack, 2, samples=60, seed=9, max_per_region=1)
    c = plan_robustness(r, pack, 2, samples=60, seed=10, max_per_region=1)
    assert np.array_equal(a.weight_samples, b.weight_samples)
    assert a.sets == b.sets and np.array_equal(a.counts, b.counts)
    assert a.robust_plan == b.robust_plan and a.to_dict()["sites"] == b.to_dict()["sites"]
    assert not np.array_equal(a.weight_samples, c.weight_samples)
    # the weight stream of the SMAA report: first of two generators spawned from the seed
    ref = sample_weights(4, 60, seed=np.random.default_rng(9).spawn(2)[0])
    np.testing.assert_array_equal(a.weight_samples, ref)


def test_frequencies_add_up_to_k_and_zero_weights_stay_zero(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    for sampling in ("uniform", "dirichlet"):
        rob = plan_robustness(r, pack, 3, samples=30, sampling=sampling, concentration=5)
        assert rob.frequency.sum() == pytest.approx(3)
        assert int(rob.counts.sum()) == 3 * 30 == sum(3 * c for _, c in rob.sets)
        # talent has weight 0 (constraint only): never sampled
        assert rob.criteria == ("airport_km", "unemployment", "population", "land_price")
        assert rob.weight_samples.shape == (30, 4)
        np.testing.assert_allclose(rob.weight_samples.sum(axis=1), 1.0)
    rob = plan_robustness(r, pack, 2, samples=30, sampling="bounds",
                          bounds={"population": (0.0, 0.1)})
    assert rob.weight_samples[:, rob.criteria.index("population")].max() <= 0.1 + 1e-12
    regions = rob.regions_table()
    assert regions["expected_new_sites"].sum() == pytest.approx(2)
    assert set(regions["region_code"]) == {"W", "E"}


def test_the_warm_start_changes_no_plan(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    warm = plan_robustness(r, pack, 2, samples=80, seed=1, max_per_region=1)
    cold = plan_robustness(r, pack, 2, samples=80, seed=1, max_per_region=1, warm_start=False)
    assert warm.sets == cold.sets


@pytest.mark.parametrize(("kwargs", "error", "fragment"), [
    ({"k": 2, "samples": 0}, UsageError, "at least 1 sample"),
    ({"k": 2, "seed": -1}, UsageError, "seed = -1"),
    ({"k": 2, "sampling": "normal"}, UsageError, "sampling 'normal'"),
    ({"k": 2, "bounds": {"population": (0, 0.2)}}, UsageError, "sampling='bounds'"),
    ({"k": 2, "sampling": "bounds"}, UsageError, "needs bounds"),
    ({"k": 2, "sampling": "bounds", "bounds": {"sunshine": (0, 0.2)}}, UsageError,
     "unknown criterion"),
    ({"k": 2, "objective": "coverage"}, UsageError, "does not depend on the weights"),
    ({}, UsageError, "give K"),
    ({"k": 5}, PlanError, "K=5"),
    ({"k": 3, "max_per_region": 1}, PlanError, "cap 1"),
])
def test_bad_inputs_are_refused_in_one_line(tiny: tuple[Ranking, Pack], kwargs: dict[str, Any],
                                            error: type[Exception], fragment: str) -> None:
    r, pack = tiny
    with pytest.raises(error) as exc:
        plan_robustness(r, pack, **kwargs)
    assert fragment in str(exc.value) and "\n" not in str(exc.value)


def test_a_reused_selection_equals_select_sites() -> None:
    rng = np.random.default_rng(0)
    n = 40
    lon, lat = rng.uniform(-8, -4, n), rng.uniform(30, 34, n)
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    dist = np.asarray(GEOD.inv(lon[a], lat[a], lon[b], lat[b])[2]) / 1000
    region = rng.integers(0, 5, n).astype(str)
    lagging = rng.random(n) < 0.4
    kw: dict[str, Any] = {"k": 6, "region": region, "dist_km": dist, "max_per_region": 2,
                          "min_spacing_km": 60.0, "lagging": lagging, "lagging_quota": 2,
                          "exclude": [3]}
    base = rng.random(n)
    problem = prepare_selection(base, **kw)
    for _ in range(25):
        s = rng.random(n)
        assert problem.solve(s).chosen.tolist() == list(select_sites(s, **kw).chosen)
    greedy = prepare_selection(base, solver="greedy", **kw)
    s = rng.random(n)
    assert greedy.solve(s).chosen.tolist() == list(select_sites(s, solver="greedy",
                                                                **kw).chosen)
    with pytest.raises(UsageError, match="suitability"):
        prepare_selection(base, objective="coverage", **kw)


# ----------------------------------------------------------------------------- Morocco


def test_morocco_default_plans_meet_every_constraint(morocco: tuple[Ranking, Pack]) -> None:
    r, pack = morocco
    rob = plan_robustness(r, pack, 5, samples=50, seed=42)
    assert rob.frequency.sum() == pytest.approx(5)
    # lens scenario: the sites below the viability floor stay out
    assert set(rob.site_ids) == set(r.included["id"].astype(str))
    assert len(rob.site_ids) < len(r.sites)
    plan = r.scenario.plan
    sites = r.sites.set_index("id")
    lag = lagging_regions(pack.layer("regions"), parse_lagging_rule(plan["lagging_rule"]))
    parks = pack.layer("parks")
    if plan.get("parks_filter"):  # the scenario's existing parks (offshoring parks)
        parks = parks[parks["kind"] == "offshoring"]
        assert plan["parks_filter"] == "kind == 'offshoring'"
    plons, plats = point_lonlat(parks, "parks")
    assert rob.sets and sum(c for _, c in rob.sets) == 50
    for s, _ in rob.sets:
        ids = rob.ids(s)
        assert len(ids) == 5
        regions = Counter(sites.loc[ids, "region_code"])
        assert max(regions.values()) <= plan["max_per_region"]
        assert sum(regions[c] for c in lag) >= plan["lagging_quota"]
        lon, lat = sites.loc[ids, "lon"].to_numpy(), sites.loc[ids, "lat"].to_numpy()
        for i, j in itertools.combinations(range(5), 2):
            assert GEOD.inv(lon[i], lat[i], lon[j], lat[j])[2] / 1000 >= plan["min_spacing_km"]
        for x, y in zip(lon, lat, strict=True):
            for px, py in zip(plons, plats, strict=True):
                assert GEOD.inv(x, y, px, py)[2] / 1000 >= plan["min_spacing_km"]
    single = make_plan(r, pack, k=5).solution.ids or ()
    assert set(rob.ids(rob.single_weight_plan)) == set(single) and len(single) == 5
    assert rob.statuses == {"optimal": 50}
    d = rob.to_dict()
    assert d["kind"] == "siteplan-plan-robustness" and len(d["top_sets"]) <= 10
    assert sum(x["selection_frequency"] for x in d["sites"]) == pytest.approx(5)


# ----------------------------------------------------------------------------- schedulers


def assert_bitwise_same(a: PlanRobustness, b: PlanRobustness) -> None:
    """Everything but the timings is the same, to the bit."""
    assert a.counts.tobytes() == b.counts.tobytes()
    assert a.mean_scores.tobytes() == b.mean_scores.tobytes()
    assert a.weight_samples.tobytes() == b.weight_samples.tobytes()
    assert a.sets == b.sets and a.statuses == b.statuses
    assert a.robust_plan == b.robust_plan and a.single_weight_plan == b.single_weight_plan
    assert a.table().equals(b.table()) and a.regions_table().equals(b.regions_table())


@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_local_dask_schedulers_give_the_sync_result(tiny: tuple[Ranking, Pack],
                                                    scheduler: str) -> None:
    r, pack = tiny
    ref = plan_robustness(r, pack, k=2, max_per_region=1, samples=30, seed=5, chunk_samples=7)
    got = plan_robustness(r, pack, k=2, max_per_region=1, samples=30, seed=5, chunk_samples=7,
                          scheduler=scheduler)
    assert_bitwise_same(ref, got)
    sites, _ = brute_force(r, pack, ref, k=2, max_per_region=1)
    assert ref.counts.tolist() == [sites.get(s, 0) for s in ref.site_ids]


@pytest.mark.slow
def test_a_local_cluster_gives_the_sync_result_on_the_morocco_default(
        morocco: tuple[Ranking, Pack]) -> None:
    from distributed import LocalCluster

    r, pack = morocco
    ref = plan_robustness(r, pack, 5, samples=50, seed=42, chunk_samples=10)
    cold = plan_robustness(r, pack, 5, samples=50, seed=42, chunk_samples=10,
                           warm_start=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        got = plan_robustness(r, pack, 5, samples=50, seed=42, chunk_samples=10,
                              scheduler=cluster.scheduler_address)
        got_cold = plan_robustness(r, pack, 5, samples=50, seed=42, chunk_samples=10,
                                   warm_start=False, scheduler=cluster.scheduler_address)
    assert_bitwise_same(ref, got)
    assert_bitwise_same(cold, got_cold)
    assert ref.frequency.tobytes() == got.frequency.tobytes()
    # the cold-started plans are those of the brute-force loop over the public make_plan
    # (the warm-started ones are not: a known defect of the warm start, see the report)
    sites, sets = brute_force(r, pack, cold, k=5)
    assert got_cold.counts.tolist() == [sites.get(s, 0) for s in got_cold.site_ids]
    assert as_id_sets(got_cold) == sets


def test_a_bad_scheduler_or_chunk_size_is_refused_before_any_work(
        tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    with pytest.raises(UsageError, match="--scheduler 'nowhere'"):
        plan_robustness(r, pack, k=2, scheduler="nowhere")
    with pytest.raises(UsageError, match="chunk size 0"):
        plan_robustness(r, pack, k=2, chunk_samples=0)


def test_reusing_the_model_finds_the_same_plans_as_solving_each_sample_afresh() -> None:
    """On the Morocco default with the scenario's own constraints, every sampled plan of
    the reused HiGHS model equals the plan solved from scratch. A starting incumbent given
    through setSolution made 14 of these 50 solves stop at worse plans labelled optimal."""
    from siteplan.layers.pack import Pack
    from siteplan.scoring.ranking import rank as rank_api

    pack = Pack(None)
    r = rank_api("balanced-2030", pack=pack)
    reused = plan_robustness(r, pack, 5, samples=50, seed=42, warm_start=True,
                             chunk_samples=50)
    afresh = plan_robustness(r, pack, 5, samples=50, seed=42, warm_start=False,
                             chunk_samples=1)
    assert reused.counts.tolist() == afresh.counts.tolist()
    assert dict(reused.sets) == dict(afresh.sets)
