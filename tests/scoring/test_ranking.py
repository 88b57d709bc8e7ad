"""The ranking engine on the tiny pack: results checked against hand computations."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from siteplan.errors import CriterionError, DataError, LayerError, ScenarioError, UsageError
from siteplan.layers.pack import Pack
from siteplan.scenario import load_scenario, scenario_from_dict
from siteplan.scoring.ranking import Ranking, candidates_from_file, rank

TINY = Path(__file__).parents[1] / "data" / "tiny-scenario.toml"
GEOD = Geod(ellps="WGS84")


def geod_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2]) / 1000.0


def test_tiny_ranking_matches_hand_computation(tiny_pack_dir: Path) -> None:
    r = rank(TINY, pack=Pack(tiny_pack_dir))
    # raw distance to the only international airport (0.5, 0.5), by pyproj
    for sid, xy in {
        "a": (0.25, 0.25),
        "b": (0.75, 0.75),
        "c": (1.25, 0.25),
        "d": (1.75, 0.75),
    }.items():
        assert r.raw.at[sid, "airport_km"] == pytest.approx(geod_km(xy, (0.5, 0.5)), rel=5e-3)
    # 2SFCA by hand: a sees u1 alone (10000/(0+1)); d sees u2 shared with the park
    # (20000/(1+1)); c (lon 1.25) is 111 km from u1 (> 100 km) and 78 km from u2.
    assert r.raw["talent"].tolist() == pytest.approx([10000, 10000, 10000, 10000])
    # unemployment of the containing province
    assert r.raw["unemployment"].tolist() == [25.0, 15.0, 12.0, 8.0]
    # weights 2:1:1 -> 0.5, 0.25, 0.25; talent is constant -> value 1 for all sites
    d_air = r.raw["airport_km"]
    air = (d_air.max() - d_air) / (d_air.max() - d_air.min())
    une = (r.raw["unemployment"] - 8) / (25 - 8)
    expected = 0.5 * 1.0 + 0.25 * air + 0.25 * une
    got = r.sites.set_index("id")["score"]
    for sid in "abcd":
        assert got[sid] == pytest.approx(expected[sid], abs=1e-9)
    assert r.sites["id"].tolist() == ["a", "b", "c", "d"]
    assert r.sites["rank"].tolist() == [1, 2, 3, 4]
    assert r.sites.set_index("id").at["d", "province"] == "Province E.N"
    assert r.sites.set_index("id").at["c", "region"] == "East"
    assert r.weights.sum() == pytest.approx(1.0)


def test_constraint_excludes_with_reason_and_keeps_the_site(tiny_pack_dir: Path) -> None:
    scen = load_scenario(TINY)
    raw = json.loads(
        json.dumps(
            {
                "scenario": {"name": "t"},
                "criteria": [
                    dict(c.params, name=c.name, kind=c.kind, weight=c.weight, direction=c.direction)
                    for c in scen.criteria
                ],
                "constraints": [{"criterion": "airport_km", "max": 100}],
            }
        )
    )
    r = rank(scenario_from_dict(raw), pack=Pack(tiny_pack_dir))
    d = r.sites.set_index("id").loc["d"]
    assert bool(d["excluded"]) and pd.isna(d["rank"]) and np.isnan(d["score"])
    assert "airport_km <= 100" in d["reasons"][0]
    assert r.sites["id"].iloc[-1] == "d"
    assert r.included["rank"].tolist() == [1, 2, 3]


def attribute_scenario(policy: str = "exclude") -> dict:
    return {
        "scenario": {"name": "attrs", "nan_policy": policy},
        "criteria": [
            {"name": "population", "kind": "attribute", "column": "population", "weight": 3},
            {
                "name": "land_price",
                "kind": "attribute",
                "column": "land_price",
                "direction": "cost",
                "weight": 1,
            },
        ],
    }


def test_user_candidates_with_attribute_criteria_only(tiny_pack_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    f.write_text(
        "name,lon,lat,population,land_price\n"
        "North,0.5,0.9,100,10\nSouth,0.5,0.1,300,30\nMid,1.5,0.5,200,10\n",
        encoding="utf-8",
    )
    r = rank(scenario_from_dict(attribute_scenario()), pack=Pack(tiny_pack_dir), candidates=f)
    # by hand: population minmax (0, 1, 0.5); land price cost minmax (1, 0, 1)
    # score = 0.75*pop + 0.25*price -> North 0.25, South 0.75, Mid 0.625
    s = r.sites.set_index("name")["score"]
    assert s["North"] == pytest.approx(0.25)
    assert s["South"] == pytest.approx(0.75)
    assert s["Mid"] == pytest.approx(0.625)
    assert r.sites["name"].tolist() == ["South", "Mid", "North"]
    assert r.sites["id"].tolist() == ["south", "mid", "north"]  # ids derived from names


def test_nan_policy_exclude_and_impute(tiny_pack_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    f.write_text(
        "id,name,lon,lat,population,land_price\n"
        "x,X,0.5,0.5,100,\ny,Y,1.5,0.5,200,20\nz,Z,0.4,0.4,300,10\n",
        encoding="utf-8",
    )
    r = rank(
        scenario_from_dict(attribute_scenario("exclude")), pack=Pack(tiny_pack_dir), candidates=f
    )
    x = r.sites.set_index("id").loc["x"]
    assert bool(x["excluded"]) and "no value for land_price" in x["reasons"][0]
    r2 = rank(
        scenario_from_dict(attribute_scenario("impute-median")),
        pack=Pack(tiny_pack_dir),
        candidates=f,
    )
    assert r2.raw.at["x", "land_price"] == pytest.approx(15.0)  # median of 20 and 10
    assert not r2.sites.set_index("id").at["x", "excluded"]
    assert "imputed" in r2.sites.set_index("id").at["x", "notes"][0]
    r3 = rank(
        scenario_from_dict(attribute_scenario("impute-worst")),
        pack=Pack(tiny_pack_dir),
        candidates=f,
    )
    assert r3.raw.at["x", "land_price"] == pytest.approx(20.0)  # worst of a cost criterion


@pytest.mark.parametrize("method", ["wlc", "wp", "topsis", "vikor", "owa"])
def test_scaling_weights_changes_no_rank(tiny_pack_dir: Path, method: str) -> None:
    pack = Pack(tiny_pack_dir)
    a = rank(TINY, pack=pack, method=method)
    b = rank(
        TINY, pack=pack, method=method, weights={"talent": 20, "airport_km": 10, "unemployment": 10}
    )
    assert a.sites["id"].tolist() == b.sites["id"].tolist()
    assert a.sites["score"].to_numpy() == pytest.approx(b.sites["score"].to_numpy())
    assert ((a.included["score"] >= 0) & (a.included["score"] <= 1)).all()


def test_rescore_equals_a_fresh_ranking(tiny_pack_dir: Path) -> None:
    pack = Pack(tiny_pack_dir)
    r = rank(TINY, pack=pack)
    new = {"talent": 1, "airport_km": 5, "unemployment": 1}
    assert r.rescore(new, "topsis").sites["score"].to_numpy() == pytest.approx(
        rank(TINY, pack=pack, weights=new, method="topsis").sites["score"].to_numpy()
    )


def test_json_contract_and_round_trip(tiny_pack_dir: Path) -> None:
    r = rank(TINY, pack=Pack(tiny_pack_dir))
    d = json.loads(r.to_json())
    assert {"scenario", "method", "weights", "sites"} <= set(d)
    assert d["scenario"] == "tiny" and d["method"] == "wlc"
    site = d["sites"][0]
    for key in (
        "rank",
        "id",
        "name",
        "province",
        "region",
        "lon",
        "lat",
        "score",
        "excluded",
        "reasons",
        "criteria",
    ):
        assert key in site
    assert set(site["criteria"]["airport_km"]) >= {"value", "unit", "score", "weight"}
    assert site["criteria"]["airport_km"]["unit"] == "km"
    assert [s["rank"] for s in d["sites"]] == [1, 2, 3, 4]
    back = Ranking.from_dict(d)
    assert back.sites["id"].tolist() == r.sites["id"].tolist()
    assert back.explain("a")["contribution"].sum() == pytest.approx(r.sites["score"].iloc[0])


def test_explain_breakdown_sums_to_score(tiny_pack_dir: Path) -> None:
    r = rank(TINY, pack=Pack(tiny_pack_dir))
    e = r.explain("Beta")  # by name, case-insensitive
    assert e["weight"].sum() == pytest.approx(1.0)
    assert e["contribution"].sum() == pytest.approx(r.site("b")["score"])
    with pytest.raises(UsageError, match="unknown site"):
        r.explain("nowhere")


def test_bad_inputs_raise_domain_errors(tiny_pack_dir: Path, tmp_path: Path) -> None:
    pack = Pack(tiny_pack_dir)
    with pytest.raises(UsageError, match="unknown criterion 'speed'"):
        rank(TINY, pack=pack, weights={"speed": 1})
    with pytest.raises(UsageError, match="negative"):
        rank(TINY, pack=pack, weights={"talent": -1})
    with pytest.raises(UsageError, match="all weights are zero"):
        rank(TINY, pack=pack, weights={"talent": 0, "airport_km": 0, "unemployment": 0})
    bad_col = {
        "scenario": {"name": "x"},
        "criteria": [{"name": "p", "kind": "attribute", "column": "nope", "weight": 1}],
    }
    with pytest.raises(CriterionError, match="has no column 'nope'"):
        rank(scenario_from_dict(bad_col), pack=pack)
    bad_layer = {
        "scenario": {"name": "x"},
        "criteria": [{"name": "p", "kind": "nearest_distance", "layer": "volcanoes", "weight": 1}],
    }
    with pytest.raises(CriterionError, match="unknown layer 'volcanoes'"):
        rank(scenario_from_dict(bad_layer), pack=pack)
    far = tmp_path / "far.csv"
    far.write_text("id,name,lon,lat\nfar,Far,40,40\nok,Ok,0.5,0.5\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"outside the study area.*far"):
        rank(TINY, pack=pack, candidates=far)
    strict = {
        "scenario": {"name": "x"},
        "criteria": [
            {
                "name": "air",
                "kind": "nearest_distance",
                "layer": "airports",
                "weight": 1,
                "direction": "cost",
            }
        ],
        "constraints": [{"criterion": "air", "max": 1}],
    }
    with pytest.raises(DataError, match="no candidates left after constraints"):
        rank(scenario_from_dict(strict), pack=pack)
    dup = tmp_path / "dup.csv"
    dup.write_text("id,name,lon,lat\na,A,0.5,0.5\na,B,0.6,0.6\n", encoding="utf-8")
    with pytest.raises(LayerError, match="duplicate"):
        candidates_from_file(dup)


@pytest.mark.parametrize(
    ("doc", "phrase"),
    [
        ({"scenario": {"name": "x"}}, "needs at least one criterion"),
        (
            {
                "scenario": {"name": "x", "method": "magic"},
                "criteria": [{"name": "a", "kind": "attribute", "column": "c", "weight": 1}],
            },
            "method 'magic' is unknown",
        ),
        ({"criteria": [{"name": "a", "kind": "teleport", "weight": 1}]}, "unknown kind 'teleport'"),
        (
            {"criteria": [{"name": "a", "kind": "attribute", "column": "c", "weight": "heavy"}]},
            "not a number",
        ),
        (
            {
                "criteria": [
                    {
                        "name": "a",
                        "kind": "gravity",
                        "layer": "x",
                        "column": "y",
                        "scale_km": -3,
                        "weight": 1,
                    }
                ]
            },
            "scale_km",
        ),
        (
            {
                "criteria": [
                    {
                        "name": "a",
                        "kind": "attribute",
                        "column": "c",
                        "weight": 1,
                        "normalize": {"method": "piecewise"},
                    }
                ]
            },
            "needs 'points'",
        ),
        (
            {
                "criteria": [{"name": "a", "kind": "attribute", "column": "c", "weight": 1}],
                "constraints": [{"criterion": "b", "max": 1}],
            },
            "'b' is not a criterion",
        ),
        (
            {
                "criteria": [
                    {
                        "name": "a",
                        "kind": "nearest_distance",
                        "layer": "x",
                        "weight": 1,
                        "filter": "a >>> 3",
                    }
                ]
            },
            r"\.filter: value",
        ),
    ],
)
def test_invalid_scenarios_name_the_field(doc: dict, phrase: str) -> None:
    with pytest.raises(ScenarioError, match=phrase):
        scenario_from_dict(doc, "my.toml")


def test_scenario_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(bad)
    with pytest.raises(UsageError, match="no such scenario file"):
        load_scenario(tmp_path / "missing.toml")
    with pytest.raises(UsageError, match="unknown scenario 'nope'"):
        load_scenario("nope")


def test_builtin_scenarios_validate_and_differ() -> None:
    bal, mkt = load_scenario("balanced-2030"), load_scenario("market-led")
    assert sum(bal.weights.values()) == pytest.approx(1.0)
    need = sum(w for k, w in bal.weights.items() if bal.criterion(k).lens == "need")
    assert need == pytest.approx(0.50)
    assert bal.viability_floor == pytest.approx(0.4)
    assert not any(mkt.criterion(k).lens == "need" for k in mkt.weights)
    # both lenses are defined in both scenarios, with the same viability weights
    for lens in ("viability", "need"):
        assert bal.lens_weights(lens) == pytest.approx(mkt.lens_weights(lens))


def test_builtin_value_functions_have_fixed_anchors() -> None:
    from siteplan.scenario import RELATIVE_NORMALIZERS

    for name in ("balanced-2030", "market-led"):
        s = load_scenario(name)
        relative = [c.name for c in s.criteria
                    if c.normalize.get("method", "minmax") in RELATIVE_NORMALIZERS
                    and (c.weight > 0 or c.lens)]
        assert relative == [], (name, relative)


def test_strongest_and_weakest_do_not_depend_on_criterion_order() -> None:
    """Ties on the value score go to the heavier criterion; a tie on both is named in
    full. Before, the first criterion in the scenario won every tie."""
    from siteplan.scoring.ranking import _extreme_criteria

    names = np.array(["a", "b", "c"], dtype=object)
    vv = np.array([[1.0, 1.0, 0.2],    # a and b tie at 1, b weighs more
                   [1.0, 1.0, 1.0],    # all tie on value; b heaviest
                   [0.5, 0.0, 0.0],    # b and c tie at 0 with weights 0.5 and 0.5
                   [0.3, np.nan, 0.9]])
    w = np.array([0.2, 0.4, 0.4])
    assert list(_extreme_criteria(vv, w, names, best=True)) == ["b", "b / c", "a", "c"]
    assert list(_extreme_criteria(vv, w, names, best=False)) == ["c", "b / c", "b / c", "a"]
    # reversing the criterion order reverses nothing but the tie's listing
    rev = _extreme_criteria(vv[:, ::-1], w[::-1], names[::-1], best=True)
    assert list(rev) == ["b", "c / b", "a", "c"]
