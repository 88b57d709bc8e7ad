"""Tests of siteplan.analyses.plan.steps (ranking + pack -> plan report) and the plan charts.

Independent references: hand values on the tiny pack (tests/conftest.py), the
constraints re-checked on the raw layers with pyproj.Geod, the equity measures
recomputed with siteplan.analyses.equity from the report's regional table, and
scipy.stats.kendalltau.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from scipy.stats import kendalltau

from siteplan.analyses import equity
from siteplan.analyses.plan.select import DEFAULT_LAGGING_RULE, lagging_regions
from siteplan.analyses.plan.steps import (
    PlanReport,
    compare,
    estimate_today_jobs,
    kendall_tau,
    load_plan_json,
    make_plan,
    parse_lagging_rule,
    today_jobs_by_region,
)
from siteplan.errors import DataError, PlanError, UsageError
from siteplan.layers.pack import Pack
from siteplan.scoring.ranking import Ranking, rank

TINY = str(Path(__file__).parents[2] / "data" / "tiny-scenario.toml")
GEOD = Geod(ellps="WGS84")


def km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2]) / 1000.0


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture()
def tiny(tiny_pack_dir: Path) -> tuple[Ranking, Pack]:
    pack = Pack(tiny_pack_dir)
    return rank(TINY, pack=pack), pack


@pytest.fixture(scope="module")
def morocco() -> tuple[Ranking, Pack]:
    pack = Pack(None)
    return rank("balanced-2030", pack=pack), pack


@pytest.fixture(scope="module")
def morocco_plan(morocco: tuple[Ranking, Pack]) -> PlanReport:
    r, pack = morocco
    return make_plan(r, pack, k=5)


# ----------------------------------------------------------------------------- lagging rule


def test_lagging_rule_text_is_parsed_into_the_plan_format() -> None:
    text = "unemployment_rate above median or gdp_per_capita below median"
    assert parse_lagging_rule(text) == DEFAULT_LAGGING_RULE
    assert parse_lagging_rule("unemployment_rate > 20") == {
        "column": "unemployment_rate", "above": 20.0}
    assert parse_lagging_rule("a above mean and b below 3 or c above median") == {
        "any": [{"all": [{"column": "a", "above": "mean"}, {"column": "b", "below": 3.0}]},
                {"column": "c", "above": "median"}]}
    assert parse_lagging_rule(None) == DEFAULT_LAGGING_RULE
    with pytest.raises(UsageError, match="cannot read 'unemployment_rate is high'"):
        parse_lagging_rule("unemployment_rate is high")


def test_lagging_rule_of_the_scenario_matches_the_regions(morocco: tuple[Ranking, Pack]) -> None:
    r, pack = morocco
    regions = pack.layer("regions")
    u = regions["unemployment_rate"].to_numpy(float)
    g = regions["gdp_per_capita"].to_numpy(float)
    expected = {str(c) for c, a, b in zip(regions["region_code"], u, g, strict=True)
                if a > np.nanmedian(u) or b < np.nanmedian(g)}
    rule = parse_lagging_rule(r.scenario.plan["lagging_rule"])
    assert lagging_regions(regions, rule) == expected


# ----------------------------------------------------------------------------- tiny pack


def test_tiny_plan_allocation_adds_up_and_equity_by_hand(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    rep = make_plan(r, pack, k=2)
    d = rep.to_dict()
    # one park (East, published 5,000 jobs) takes the whole national total today
    assert [p["jobs_today"] for p in d["parks"]] == [148_500]
    assert d["parks"][0]["region_code"] == "E"
    regions = {x["region_code"]: x for x in d["regions"]}
    assert regions["E"]["jobs_today"] == 148_500 and regions["W"]["jobs_today"] == 0
    # allocated jobs and exports add up exactly to the targets
    assert sum(x["jobs_2030_plan"] for x in d["regions"]) == 270_000
    assert sum(x["jobs_2030_baseline"] for x in d["regions"]) == 270_000
    added = sum(c["jobs_2030_added"] for c in d["chosen"]) + d["parks"][0]["jobs_2030_added"]
    assert added == 121_500
    ex = sum(round(c["exports_2030_added_mad_m"] * 10) for c in d["chosen"])
    ex += round(d["parks"][0]["exports_2030_added_mad_m"] * 10)
    assert ex == 138_000  # 13.8 bn MAD in tenths of a MAD million
    assert round(sum(x["exports_2030_plan_mad_m"] for x in d["regions"]) * 10) == 400_000
    assert round(sum(x["exports_2030_baseline_mad_m"] for x in d["regions"]) * 10) == 400_000
    # baseline: everything stays in East, as today
    assert regions["E"]["jobs_2030_baseline"] == 270_000
    # today by hand: W 0 per 1,000 (2 M people), E 49.5 per 1,000 (3 M people)
    # Gini = 2 * 2e6 * 3e6 * 49.5 / (2 * (5e6)^2 * 29.7) = 0.4; Theil = ln(49.5 / 29.7)
    today = d["equity"]["today"]
    assert today["gini"] == pytest.approx(0.4)
    assert today["theil_t"] == pytest.approx(math.log(5 / 3))
    assert today["top2_share"] == pytest.approx(1.0)
    assert d["equity"]["baseline"]["gini"] == pytest.approx(0.4)
    # plan by hand from the regional table
    w, e = regions["W"]["jobs_2030_plan"], regions["E"]["jobs_2030_plan"]
    xw, xe = 1000 * w / 2e6, 1000 * e / 3e6
    mu = (w + e) * 1000 / 5e6
    gini = 2e6 * 3e6 * abs(xw - xe) / (5e6**2 * mu)
    theil = sum(p / 5e6 * x / mu * math.log(x / mu) for p, x in ((2e6, xw), (3e6, xe)) if x > 0)
    assert d["equity"]["plan"]["gini"] == pytest.approx(gini)
    assert d["equity"]["plan"]["theil_t"] == pytest.approx(theil)
    assert d["equity"]["plan"]["gini"] < d["equity"]["baseline"]["gini"]


def test_tiny_capacity_weights_are_talent_times_score(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    rep = make_plan(r, pack, k=2)
    s = rep.sites
    for _, row in s.iterrows():
        src = row["capacity_from"]
        talent = float(r.raw.at[src, "talent"])
        score = float(r.sites.set_index("id").at[src, "score"])
        assert row["capacity_weight"] == pytest.approx(talent * score)
    # no cap (the tiny scenario has no [plan]): jobs proportional to the weights, +-1
    share = s["capacity_weight"] / s["capacity_weight"].sum() * 121_500
    assert np.all(np.abs(s["jobs_added"] - share) < 1)


def test_tiny_infeasible_cap_names_k_regions_and_cap(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    with pytest.raises(PlanError, match=r"K=3 exceeds 2 regions x per-region cap 1"):
        make_plan(r, pack, k=3, max_per_region=1)


def test_unreachable_per_site_cap_is_a_plan_error(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    with pytest.raises(PlanError, match="per-site cap"):
        make_plan(r, pack, k=2, cap_share=0.2)  # 3 sites x 20 % < 100 %


def test_json_contract(tiny: tuple[Ranking, Pack], tmp_path: Path) -> None:
    r, pack = tiny
    rep = make_plan(r, pack, k=2)
    d = json.loads(rep.to_json())
    for key in ("kind", "scenario", "k", "chosen", "parks", "regions", "equity", "solver",
                "status", "gap", "constraints", "targets", "estimates", "ranking", "allocation"):
        assert key in d
    assert d["kind"] == "siteplan-plan"
    for c in d["chosen"]:
        for key in ("id", "name", "region", "score", "jobs_2030_added",
                    "exports_2030_added_mad_m"):
            assert key in c
    for w in ("plan", "baseline", "today"):
        for key in ("gini", "theil_t", "cv", "top2_share", "jobs_per_thousand", "lorenz",
                    "theil_between", "theil_within"):
            assert key in d["equity"][w]
    assert d["targets"]["sources"] and d["targets"]["target_jobs"] == 270_000
    assert all(x["estimate"] is True for x in d["regions"])
    assert d["estimates"][0]["estimate"] is True and "ESTIMATE" in d["estimates"][0]["method"]
    assert d["solver"] == "highs" and d["status"] == "optimal"
    assert {t for t in rep.tables()} == {"sites", "regions", "equity"}
    # saved JSON reads back as a plan
    path = tmp_path / "plan.json"
    path.write_text(rep.to_json(), encoding="utf-8")
    assert load_plan_json(path)["chosen"] == d["chosen"]


# ----------------------------------------------------------------------------- Morocco


def test_morocco_constraints_hold(morocco: tuple[Ranking, Pack]) -> None:
    r, pack = morocco
    ranked = r.included["id"].tolist()
    exclude = ranked[:1]
    spacing = 40
    parks = pack.layer("parks")
    far = [sid for sid, lon, lat in zip(r.included["id"], r.included["lon"], r.included["lat"],
                                        strict=True)
           if min(km(lon, lat, x, y) for x, y in zip(parks["lon"], parks["lat"], strict=True))
           >= spacing]
    include = far[-1:]  # the lowest-ranked site the park spacing allows
    # the two-lens default leaves few viable sites 40 km clear of today's parks, in few
    # regions: ask for one site per region those sites span (at most 3)
    spans = r.included[r.included["id"].isin(far) & ~r.included["id"].isin(exclude)]
    k = min(3, spans["region_code"].nunique())
    assert k >= 2
    rep = make_plan(r, pack, k=k, max_per_region=1, min_spacing_km=spacing, lagging_quota=1,
                    include=include, exclude=exclude)
    ch = rep.chosen
    assert len(ch) == k
    assert ch["region_code"].value_counts().max() <= 1
    assert set(include) <= set(ch["id"]) and not set(exclude) & set(ch["id"])
    lag = lagging_regions(pack.layer("regions"), parse_lagging_rule(
        r.scenario.plan["lagging_rule"]))
    assert int(ch["region_code"].isin(lag).sum()) >= 1
    pts = list(zip(ch["lon"], ch["lat"], strict=True))
    for a, b in itertools.combinations(pts, 2):
        assert km(*a, *b) >= spacing
    parks = pack.layer("parks")
    for lon, lat in pts:
        assert min(km(lon, lat, x, y) for x, y in zip(parks["lon"], parks["lat"],
                                                        strict=True)) >= spacing
    d = rep.to_dict()
    assert d["constraints"]["max_per_region"] == 1 and d["constraints"]["lagging_quota"] == 1


def test_morocco_targets_and_today_estimate(morocco_plan: PlanReport,
                                            morocco: tuple[Ranking, Pack]) -> None:
    d = morocco_plan.to_dict()
    assert len(d["regions"]) == 12 and len(d["chosen"]) == 5
    assert sum(x["jobs_today"] for x in d["regions"]) == 148_500
    assert sum(x["jobs_2030_plan"] for x in d["regions"]) == 270_000
    assert sum(x["jobs_2030_baseline"] for x in d["regions"]) == 270_000
    assert round(sum(x["exports_today_mad_m"] for x in d["regions"]) * 10) == 262_000
    assert round(sum(x["exports_2030_plan_mad_m"] for x in d["regions"]) * 10) == 400_000
    sites = morocco_plan.sites
    assert int(sites["jobs_added"].sum()) == 121_500
    assert round(float(sites["exports_added_mad_m"].sum()) * 10) == 138_000
    assert int(sites["jobs_added"].max()) <= math.floor(0.25 * 121_500)  # per-site cap
    # today's jobs per region are the pack's regional estimate, and each region's jobs are
    # split equally among its parks
    layer = morocco[1].layer("regions").set_index("region_code")
    for x in d["regions"]:
        assert x["jobs_today"] == int(layer.loc[x["region_code"], "offshoring_jobs"])
        parks_here = [p for p in d["parks"] if p["region_code"] == x["region_code"]]
        if parks_here:
            jobs = [p["jobs_today"] for p in parks_here]
            assert sum(jobs) == x["jobs_today"] and max(jobs) - min(jobs) <= 1
    assert all(p["jobs_today_estimate"] for p in d["parks"])


def test_morocco_equity_at_both_ends_of_today_estimate(morocco_plan: PlanReport) -> None:
    """Each end is a whole distribution of today's jobs; its equity is recomputed here from
    the regions layer's end column, and every range brackets the central value."""
    reg = morocco_plan.regions
    wa = reg["working_age"].to_numpy(float)
    added = reg["jobs_added_plan"].to_numpy(float)
    for end in ("concentrated", "spread"):
        today = reg[f"jobs_today_{end}"].to_numpy(float)
        assert today.sum() == 148_500
        for name, jobs in (("today", today), ("plan", today + added)):
            got = morocco_plan.equity[name]["ends"][end]
            assert got["gini"] == pytest.approx(equity.gini(1000 * jobs / wa, wa), abs=1e-12)
            assert got["theil_t"] == pytest.approx(equity.theil_t(1000 * jobs / wa, wa),
                                                   abs=1e-12)
    for name in ("today", "plan", "baseline"):
        e = morocco_plan.equity[name]
        for m in ("gini", "theil_t", "cv", "top2_share"):
            lo, hi = e["range"][m]
            assert lo <= e[m] <= hi and lo < hi
    # the concentrated end is the more unequal one today
    ends = morocco_plan.equity["today"]["ends"]
    assert ends["concentrated"]["gini"] > morocco_plan.equity["today"]["gini"] > \
        ends["spread"]["gini"]


def test_morocco_equity_recomputed_from_the_regional_table(morocco_plan: PlanReport) -> None:
    reg = morocco_plan.regions
    wa = reg["working_age"].to_numpy(float)
    for name, col in (("today", "jobs_today"), ("plan", "jobs_2030_plan"),
                      ("baseline", "jobs_2030_baseline")):
        jobs = reg[col].to_numpy(float)
        rate = 1000 * jobs / wa
        e = morocco_plan.equity[name]
        assert e["gini"] == pytest.approx(equity.gini(rate, wa), abs=1e-12)
        assert e["theil_t"] == pytest.approx(equity.theil_t(rate, wa), abs=1e-12)
        assert e["cv"] == pytest.approx(equity.coefficient_of_variation(rate, wa), abs=1e-12)
        assert e["top2_share"] == pytest.approx(np.sort(jobs)[-2:].sum() / jobs.sum())
        assert e["national_per_thousand"] == pytest.approx(1000 * jobs.sum() / wa.sum())
    prov = morocco_plan.provinces
    assert prov is not None
    for name, col in (("today", "jobs_today"), ("plan", "jobs_2030_plan")):
        rate = 1000 * prov[col].to_numpy(float) / prov["working_age"].to_numpy(float)
        dec = equity.theil_decomposition(rate, prov["working_age"].to_numpy(float),
                                         prov["region_code"].tolist())
        e = morocco_plan.equity[name]
        assert e["theil_between"] + e["theil_within"] == pytest.approx(e["province_theil_t"])
        assert e["theil_between"] == pytest.approx(dec["between"])
    # province jobs add up to the regional jobs
    by_region = prov.groupby("region_code")["jobs_2030_baseline"].sum()
    assert by_region.reindex(reg["region_code"]).fillna(0).astype(int).tolist() == \
        reg["jobs_2030_baseline"].tolist()


def test_baseline_follows_today_distribution(morocco_plan: PlanReport) -> None:
    reg = morocco_plan.regions
    today = reg["jobs_today"].to_numpy(float)
    added = reg["jobs_added_baseline"].to_numpy(float)
    assert added.sum() == 121_500
    assert np.all(np.abs(added - 121_500 * today / today.sum()) < 1)
    e = morocco_plan.equity
    assert e["baseline"]["gini"] == pytest.approx(e["today"]["gini"], abs=1e-4)


def test_estimate_today_jobs_rules() -> None:

    jobs, src = estimate_today_jobs(pd.DataFrame({"jobs": [10.0, np.nan, np.nan]}), 100)
    assert jobs.tolist() == [10, 45, 45] and src == ["published", "estimate", "estimate"]
    jobs, src = estimate_today_jobs(pd.DataFrame({"jobs": [1.0, 3.0]}), 100)
    assert jobs.tolist() == [25, 75] and src == ["published, scaled"] * 2
    jobs, _ = estimate_today_jobs(pd.DataFrame({"name": ["a", "b", "c"]}), 100)
    assert jobs.sum() == 100 and jobs.max() - jobs.min() <= 1


# ----------------------------------------------------------------------------- compare


def test_a_users_table_of_todays_jobs_replaces_the_estimate(
        morocco: tuple[Ranking, Pack]) -> None:
    r, pack = morocco
    codes = sorted(pack.layer("regions")["region_code"].astype(str))
    # all of today's jobs in Casablanca-Settat and Rabat-Salé-Kénitra, half each
    table = pd.DataFrame({"region_code": codes,
                          "jobs": [74_250 if c in ("04", "06") else 0 for c in codes]})
    rep = make_plan(r, pack, k=5, today_jobs=table)
    today = dict(zip(rep.regions["region_code"], rep.regions["jobs_today"], strict=True))
    assert today["04"] == today["06"] == 74_250 and sum(today.values()) == 148_500
    assert "range" not in rep.equity["today"]  # no ends given: no range
    wa = rep.regions["working_age"].to_numpy(float)
    jobs = rep.regions["jobs_today"].to_numpy(float)
    assert rep.equity["today"]["gini"] == pytest.approx(equity.gini(1000 * jobs / wa, wa))
    # figures that do not add up to the national total are scaled, with a note
    half = table.assign(jobs=table["jobs"] / 2)
    rep2 = make_plan(r, pack, k=5, today_jobs=half)
    assert int(rep2.regions["jobs_today"].sum()) == 148_500
    assert any("scaled" in n for n in rep2.notes)


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.iloc[1:], "no row for region(s) 01"),
    (lambda t: t.assign(jobs=["x", *t["jobs"].iloc[1:]]), "column jobs, region 01: 'x'"),
    (lambda t: t.assign(jobs=-1), "is not a number of jobs >= 0"),
    (lambda t: t.rename(columns={"jobs": "emplois"}), "needs the columns region_code and jobs"),
    (lambda t: pd.concat([t, t.iloc[:1]]), "region_code 01 appears twice"),
])
def test_bad_tables_of_todays_jobs_name_the_problem(change: Any, message: str) -> None:
    codes = [f"{i:02d}" for i in range(1, 13)]
    t = pd.DataFrame({"region_code": codes, "jobs": [1000] * 12})
    with pytest.raises(DataError) as err:
        today_jobs_by_region(codes, 12_000, table=change(t), where="mine.csv")
    assert message in str(err.value) and "mine.csv" in str(err.value)


def test_kendall_tau_self_and_hand_example() -> None:
    a = {"s1": 1, "s2": 2, "s3": 3, "s4": 4, "s5": 5}
    assert kendall_tau(a, a)[0] == pytest.approx(1.0)
    b = {"s1": 1, "s2": 3, "s3": 2, "s4": 4, "s9": 9}  # s5 / s9 ranked in one only
    tau, p, n = kendall_tau(a, b)
    assert n == 4
    assert tau == pytest.approx(4 / 6)  # 5 concordant, 1 discordant pair
    assert tau == pytest.approx(kendalltau([1, 2, 3, 4], [1, 3, 2, 4]).statistic)
    assert p == pytest.approx(kendalltau([1, 2, 3, 4], [1, 3, 2, 4]).pvalue)
    assert kendall_tau({"x": 1}, {"x": 1}) == (None, None, 1)


def test_compare_reports_and_saved_plans(tiny: tuple[Ranking, Pack], tmp_path: Path) -> None:
    r, pack = tiny
    a = make_plan(r, pack, k=2)
    r2 = r.rescore(weights={"talent": 0.1, "airport_km": 1, "unemployment": 3})
    b = make_plan(r2, pack, k=2)
    path = tmp_path / "b.json"
    path.write_text(b.to_json(), encoding="utf-8")
    rep = compare([a, str(path)])
    d = rep.to_dict()
    assert [i["source"] for i in d["items"]] == ["report", str(path)]
    labels = [i["label"] for i in d["items"]]
    assert labels == ["tiny#1", "tiny#2"]
    ra = {s["id"]: s["rank"] for s in a.ranking}
    rb = {s["id"]: s["rank"] for s in b.ranking}
    ids = sorted(ra)
    expected = kendalltau([ra[i] for i in ids], [rb[i] for i in ids]).statistic
    assert d["kendall_tau"][0]["tau"] == pytest.approx(expected)
    t = rep.tables()
    assert set(t) == {"chosen", "regions", "equity", "kendall"}
    assert len(t["chosen"]) == 4
    assert t["regions"]["jobs_2030_tiny#1"].sum() == 270_000
    with pytest.raises(UsageError, match="at least two"):
        compare([a])


# ----------------------------------------------------------------------------- charts




def test_parks_filter_keeps_technoparks_out_of_the_plan(morocco: tuple[Ranking, Pack]) -> None:
    """balanced-2030 counts only offshoring parks as existing parks: a technopark (an ICT
    start-up incubator) neither blocks a site within the spacing nor takes 2030 jobs."""
    r, pack = morocco
    assert r.scenario.plan["parks_filter"] == "kind == 'offshoring'"
    rep = make_plan(r, pack, k=5)
    kinds = pack.layer("parks").set_index("id")["kind"]
    assert set(kinds[rep.parks["id"]]) == {"offshoring"}
    assert len(rep.parks) == int((kinds == "offshoring").sum())
    # Tanger and Agadir host technoparks only: they can be chosen now
    techno = pack.layer("parks")[kinds.to_numpy() == "technopark"]
    near = {sid for sid, lon, lat in zip(r.included["id"], r.included["lon"], r.included["lat"],
                                         strict=True)
            if min(km(lon, lat, x, y) for x, y in zip(techno["lon"], techno["lat"],
                                                      strict=True)) < 30}
    assert near & set(rep.chosen["id"])
    # without the filter the same sites are blocked
    from dataclasses import replace

    plain = replace(r.scenario, plan={k: v for k, v in r.scenario.plan.items()
                                      if k != "parks_filter"})
    r2 = rank(plain, pack=pack)
    assert not near & set(make_plan(r2, pack, k=5).chosen["id"])
