"""Two lenses, fixed scales and site names: the default answer's contract.

- a site's score, viability and need do not depend on which other candidates are loaded;
- the viability and need indices are the lens-weighted means of the value scores
  (recomputed here by hand from the raw values and the anchors in the scenario file);
- the viability floor excludes with a reason, and a floor that excludes every site is one
  clear error;
- ``--add-candidates`` scores a user's sites on the pack's scale, and refuses collisions
  and sites outside the study area;
- every command that takes a site accepts French, English and Arabic names, aliases and
  member towns, accent- and case-insensitively.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siteplan.errors import DataError, ScenarioError, UsageError
from siteplan.scenario import load_scenario, scenario_from_dict, scenario_to_dict
from siteplan.scoring.ranking import Ranking, rank


@pytest.fixture(scope="module")
def balanced() -> Ranking:
    return rank("balanced-2030")


def _write_sites(path: Path, rows: pd.DataFrame) -> Path:
    rows[["id", "name", "lon", "lat"]].to_csv(path, index=False)
    return path


def test_a_sites_scores_do_not_depend_on_the_other_candidates(balanced: Ranking,
                                                               tmp_path: Path) -> None:
    inc = balanced.included
    trio = inc.iloc[[0, len(inc) // 2, len(inc) - 1]]
    small = rank("balanced-2030", candidates=_write_sites(tmp_path / "three.csv", trio))
    got = small.sites.set_index("id")
    for sid, row in trio.set_index("id").iterrows():
        for col in ("score", "viability", "need"):
            assert got.at[sid, col] == pytest.approx(row[col], abs=1e-12), (sid, col)


def _value(spec: dict, x: float, direction: str) -> float:
    """The scenario's value functions, written out independently of siteplan's code."""
    if spec["method"] == "piecewise":
        xs, ys = zip(*spec["points"], strict=True)
        return float(np.interp(x, xs, ys))
    if spec["method"] == "saturating":
        v = max(x, 0.0) / (max(x, 0.0) + spec["half"])
        return 1.0 - v if direction == "cost" else v
    raise AssertionError(f"unexpected value function {spec}")


@pytest.mark.parametrize("lens", ["viability", "need"])
def test_lens_indices_are_the_lens_weighted_mean_of_the_value_scores(balanced: Ranking,
                                                                      lens: str) -> None:
    scen = balanced.scenario
    crit = [c for c in scen.criteria if c.lens == lens and c.weight > 0]
    total = sum(c.weight for c in crit)
    for _, row in balanced.sites.dropna(subset=[lens]).head(25).iterrows():
        expect = sum(c.weight / total * _value(dict(c.normalize),
                                               float(balanced.raw.at[row["id"], c.name]),
                                               c.direction) for c in crit)
        assert row[lens] == pytest.approx(expect, abs=1e-12), row["id"]


def test_balanced_score_is_half_viability_half_need(balanced: Ranking) -> None:
    inc = balanced.included
    assert np.allclose(inc["score"], 0.5 * inc["viability"] + 0.5 * inc["need"], atol=1e-12)


def test_the_viability_floor_excludes_with_its_reason(balanced: Ranking) -> None:
    floor = balanced.scenario.viability_floor
    assert floor is not None
    below = balanced.sites[balanced.sites["viability"] < floor]
    assert len(below) > 0 and below["excluded"].all()
    assert all(any("below the scenario's floor" in why for why in r) for r in below["reasons"])
    assert (balanced.included["viability"] >= floor).all()


def _doc(name: str = "balanced-2030") -> dict:
    return scenario_to_dict(load_scenario(name))


def test_a_floor_that_excludes_every_site_is_one_clear_error() -> None:
    d = _doc()
    d["lenses"]["viability_floor"] = 0.99
    with pytest.raises(DataError, match="viability_floor"):
        rank(scenario_from_dict(d, "high-floor.toml"))


@pytest.mark.parametrize(("edit", "fragment"), [
    (lambda d: d["lenses"].update(viability_floor=1.5), "lenses.viability_floor = 1.5"),
    (lambda d: d["lenses"].update(viability_floor="high"), "lenses.viability_floor"),
    (lambda d: d["lenses"].update(need={"talent_typo": 3}), "lenses.need.talent_typo"),
    (lambda d: d["lenses"].update(need={"graduates": 3}), "not tagged lens"),
    (lambda d: d["criteria"][0].update(lens="investor"), "'investor' is not a lens"),
    (lambda d: d["lenses"].update(floor=0.3), "unknown key(s) in [lenses]"),
])
def test_bad_lenses_name_the_file_and_field(edit, fragment: str) -> None:  # type: ignore[no-untyped-def]
    d = _doc()
    edit(d)
    with pytest.raises(ScenarioError, match=r"my\.toml") as err:
        scenario_from_dict(d, "my.toml")
    assert fragment in str(err.value)


def test_market_led_scores_viability_and_reports_need() -> None:
    r = rank("market-led")
    inc = r.included
    assert np.allclose(inc["score"], inc["viability"], atol=1e-12)
    assert inc["need"].notna().all()


# ------------------------------------------------------------------ --add-candidates


def test_added_sites_are_scored_on_the_pack_scale(balanced: Ranking, tmp_path: Path) -> None:
    fes = balanced.sites.set_index("id").loc["fes"]
    mine = pd.DataFrame({"id": ["my_site"], "name": ["Mon site"],
                         "lon": [fes["lon"] + 0.05], "lat": [fes["lat"]]})
    r = rank("balanced-2030", add_candidates=_write_sites(tmp_path / "mine.csv", mine))
    got = r.sites.set_index("id")
    assert len(r.sites) == len(balanced.sites) + 1
    # the pack's sites keep their scores exactly (fixed scales)
    both = balanced.sites.set_index("id").index
    assert np.allclose(got.loc[both, "viability"].to_numpy(dtype=float),
                       balanced.sites.set_index("id")["viability"].to_numpy(dtype=float),
                       equal_nan=True)
    alone = rank("balanced-2030", candidates=_write_sites(tmp_path / "alone.csv", mine))
    assert got.at["my_site", "viability"] == pytest.approx(
        alone.sites.set_index("id").at["my_site", "viability"], abs=1e-12)


@pytest.mark.parametrize(("row", "fragment"), [
    ({"id": "fes", "name": "Ma ville", "lon": -5.0, "lat": 34.0}, "id 'fes'"),
    ({"id": "x1", "name": "Tangier", "lon": -5.8, "lat": 35.7}, "name 'Tangier'"),
    ({"id": "x2", "name": "SALE", "lon": -6.8, "lat": 34.0}, "'rabat'"),
    ({"id": "x3", "name": "Paris", "lon": 2.35, "lat": 48.85}, "outside the study area"),
])
def test_added_sites_that_collide_or_lie_outside_are_refused(tmp_path: Path, row: dict,
                                                             fragment: str) -> None:
    path = _write_sites(tmp_path / "bad.csv", pd.DataFrame([row]))
    with pytest.raises(DataError, match=r"bad\.csv") as err:
        rank("balanced-2030", add_candidates=path)
    assert fragment in str(err.value)


def test_candidates_and_add_candidates_together_are_refused(tmp_path: Path) -> None:
    path = _write_sites(tmp_path / "s.csv", pd.DataFrame(
        [{"id": "a", "name": "A", "lon": -6.0, "lat": 33.0}]))
    with pytest.raises(UsageError, match="give one of them"):
        rank("balanced-2030", candidates=path, add_candidates=path)


def test_relative_value_functions_on_a_user_file_warn(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    d = _doc()
    for c in d["criteria"]:
        c["normalize"] = {"method": "minmax"}
    path = _write_sites(tmp_path / "towns.csv", pd.DataFrame(
        [{"id": "a", "name": "A", "lon": -6.84, "lat": 34.02},
         {"id": "b", "name": "B", "lon": -5.0, "lat": 34.03},
         {"id": "c", "name": "C", "lon": -8.0, "lat": 31.63}]))
    d["lenses"].pop("viability_floor")
    with caplog.at_level(logging.WARNING, logger="siteplan"):
        rank(scenario_from_dict(d, "rel.toml"), candidates=path)
    assert any("relative to the 3 ranked sites of" in m and "towns.csv" in m
               for m in caplog.messages)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="siteplan"):
        rank("balanced-2030", candidates=path)
    assert not any("relative to" in m for m in caplog.messages)


# ------------------------------------------------------------------ site names


@pytest.mark.parametrize(("key", "sid"), [
    ("Fès", "fes"), ("fes", "fes"), ("FES", "fes"), ("Fez", "fes"),
    ("Tanger", "tanger"), ("Tangier", "tanger"), ("طنجة", "tanger"),
    ("Marrakech", "marrakech"), ("Marrakesh", "marrakech"),
    ("Salé", "rabat"), ("sale", "rabat"), ("Témara", "rabat"),
    ("Mohammedia", "casablanca"), ("Meknes", "meknes"),
])
def test_sites_resolve_by_any_of_their_names(balanced: Ranking, key: str, sid: str) -> None:
    assert balanced.resolve(key) == sid
    assert balanced.site(key)["id"] == sid


def test_an_unknown_site_is_a_usage_error(balanced: Ranking) -> None:
    with pytest.raises(UsageError, match="unknown site 'Atlantis'"):
        balanced.resolve("Atlantis")
