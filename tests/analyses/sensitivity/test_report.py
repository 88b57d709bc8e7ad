"""Tests for siteplan.analyses.sensitivity.report (Ranking -> OAT + SMAA report)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from siteplan.analyses.sensitivity.report import RobustnessReport, analyse
from siteplan.errors import UsageError
from siteplan.layers.pack import Pack
from siteplan.scoring.ranking import Ranking, rank

TINY = str(Path(__file__).parents[2] / "data" / "tiny-scenario.toml")

# Alpha is at least as good as every other site on every criterion (talent is tied),
# and the sites are ordered a >= b >= c >= d criterion by criterion.
DOMINATED = "id,name,lon,lat\na,Alpha,0.45,0.45\nb,Beta,0.75,0.75\nc,Gamma,1.25,0.25\n" \
            "d,Delta,1.6,0.6\n"
# Alpha (far from the airport, high unemployment) and Beta (at the airport, lower
# unemployment) trade places depending on the weights.
CONTESTED = "id,name,lon,lat\na,Alpha,0.05,0.05\nb,Beta,0.5,0.55\nc,Gamma,1.25,0.25\n" \
            "d,Delta,1.6,0.6\n"


def _ranking(pack_dir: Path, tmp_path: Path, candidates: str | None = None,
             method: str | None = None) -> Ranking:
    cand = None
    if candidates is not None:
        cand = tmp_path / "candidates.csv"
        cand.write_text(candidates, encoding="utf-8")
    return rank(TINY, pack=Pack(pack_dir), candidates=cand, method=method)


@pytest.fixture()
def report(tiny_pack_dir: Path, tmp_path: Path) -> RobustnessReport:
    return analyse(_ranking(tiny_pack_dir, tmp_path), samples=500, seed=7)


def test_acceptability_rows_sum_to_one(report: RobustnessReport) -> None:
    acc = report.acceptability
    assert acc.shape == (4, 4)
    np.testing.assert_allclose(acc.sum(axis=1), 1.0)
    np.testing.assert_allclose(acc.sum(axis=0), 1.0)   # every rank is taken once per sample
    assert report.site_ids == ("a", "b", "c", "d")
    assert list(report.reference_rank) == [1, 2, 3, 4]
    k = report.top_k
    np.testing.assert_allclose(report.top_k_membership, acc[:, :k].sum(axis=1))
    assert np.all((report.rank_stability >= 0) & (report.rank_stability <= 1))


def test_same_seed_gives_identical_json(tiny_pack_dir: Path, tmp_path: Path) -> None:
    r = _ranking(tiny_pack_dir, tmp_path, CONTESTED)
    one = json.dumps(analyse(r, samples=300, seed=3, value_noise=0.05).to_dict())
    two = json.dumps(analyse(r, samples=300, seed=3, value_noise=0.05).to_dict())
    other = json.dumps(analyse(r, samples=300, seed=4, value_noise=0.05).to_dict())
    assert one == two
    assert one != other


def test_dominating_site_is_robust(tiny_pack_dir: Path, tmp_path: Path) -> None:
    r = _ranking(tiny_pack_dir, tmp_path, DOMINATED)
    rep = analyse(r, samples=1000, seed=1, top_k=1)
    assert rep.site_ids[0] == "a"
    assert rep.first_rank_acceptability[0] == pytest.approx(1.0)
    assert rep.top_k_membership[0] == pytest.approx(1.0)
    assert rep.verdicts == ("robust", None, None, None)
    assert rep.why[0] == ()
    # a fully ordered set of sites never changes order under WLC
    np.testing.assert_allclose(np.diag(rep.acceptability), 1.0)
    for sw in rep.oat.sweeps:
        assert sw.min_change is None


def test_contested_winner_is_fragile_with_exact_oat_interval(tiny_pack_dir: Path,
                                                             tmp_path: Path) -> None:
    r = _ranking(tiny_pack_dir, tmp_path, CONTESTED)
    rep = analyse(r, samples=2000, seed=1, top_k=1)
    assert rep.verdicts[0] == "fragile"
    assert any("airport_km" in why for why in rep.why[0])
    # independent check of the winner interval on airport_km: with w_air = t and the other
    # weights rescaled, S_i(t) = (1 - t) * sum_{k != air} w_k v_ik / (1 - w_air) + t v_i,air
    v = r.values.loc[["a", "b"]]
    w = r.weights
    rest = [c for c in w.index if c != "airport_km"]
    base = (v[rest] * w[rest]).sum(axis=1) / w[rest].sum()
    air = v["airport_km"]
    t_cross = (base["a"] - base["b"]) / ((base["a"] - base["b"]) + (air["b"] - air["a"]))
    sweep = rep.oat.sweeps[rep.criteria.index("airport_km")]
    assert sweep.exact
    assert sweep.winner_interval[0] == pytest.approx(0.0)
    assert sweep.winner_interval[1] == pytest.approx(t_cross, abs=1e-9)
    assert sweep.min_change == pytest.approx(t_cross - w["airport_km"], abs=1e-9)
    d = rep.to_dict()
    assert d["criteria"]["airport_km"]["winner_above"] == "b"


def test_json_contract(report: RobustnessReport) -> None:
    d = json.loads(json.dumps(report.to_dict()))
    for key in ("samples", "seed", "sampling", "method", "scenario", "top_k", "sites",
                "criteria", "winner", "verdict_rule"):
        assert key in d, key
    assert (d["samples"], d["seed"], d["sampling"], d["method"], d["scenario"]) == \
        (500, 7, "uniform", "wlc", "tiny")
    site_keys = {"id", "name", "rank", "acceptability", "central_weights", "confidence",
                 "rank_stability", "top_k_membership", "verdict"}
    assert [s["rank"] for s in d["sites"]] == [1, 2, 3, 4]
    for s in d["sites"]:
        assert site_keys <= set(s)
        assert sum(s["acceptability"]) == pytest.approx(1.0)
        if s["central_weights"] is not None:
            assert set(s["central_weights"]) == {"talent", "airport_km", "unemployment"}
            assert sum(s["central_weights"].values()) == pytest.approx(1.0)
    assert set(d["criteria"]) == {"talent", "airport_km", "unemployment"}
    for c in d["criteria"].values():
        assert {"weight", "winner_interval", "min_change_to_flip_winner", "top_k_intervals",
                "tornado"} <= set(c)
        lo, hi = c["winner_interval"]
        assert lo <= c["weight"] <= hi
    table = report.table()
    assert list(table["id"]) == ["a", "b", "c", "d"]
    assert {"rank_stability", "top_4_membership", "verdict"} <= set(table.columns)
    assert len(report.oat_table()) == 3


def test_dirichlet_bounds_and_other_methods(tiny_pack_dir: Path, tmp_path: Path) -> None:
    r = _ranking(tiny_pack_dir, tmp_path, CONTESTED)
    rep = analyse(r, samples=200, sampling="dirichlet", concentration=100)
    assert rep.to_dict()["concentration"] == 100
    rep = analyse(r, samples=200, sampling="bounds",
                  bounds={"talent": (0.2, 0.4), "unemployment": (0.3, 0.5)})
    assert rep.to_dict()["bounds"]["talent"] == [0.2, 0.4]
    with pytest.raises(UsageError, match="cannot sum to 1"):
        analyse(r, samples=50, sampling="bounds",
                bounds={"talent": (0.6, 0.7), "unemployment": (0.5, 0.6)})
    with pytest.raises(UsageError, match="unknown criterion 'nope'"):
        analyse(r, samples=50, sampling="bounds", bounds={"nope": (0.1, 0.2)})
    with pytest.raises(UsageError, match="at least 1"):
        analyse(r, samples=0)
    for method in ("topsis", "vikor", "wp", "owa"):
        rm = _ranking(tiny_pack_dir, tmp_path, CONTESTED, method=method)
        rep = analyse(rm, samples=100, value_noise=0.05)
        np.testing.assert_allclose(rep.acceptability.sum(axis=1), 1.0)
        assert rep.method == method
