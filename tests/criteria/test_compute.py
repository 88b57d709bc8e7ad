"""Specification of siteplan.criteria.compute: one table of criterion kinds.

Every kind the scenario accepts (``siteplan.scenario.KINDS``, which validates the
parameters) has exactly one rule that computes it and describes it; the
descriptions name the layer and parameters a planner needs to read a score.
"""

from __future__ import annotations

import numpy as np
import pytest

from siteplan.criteria.compute import KIND_RULES, describe_kind
from siteplan.scenario import KINDS, Criterion


def test_every_scenario_kind_has_exactly_one_rule() -> None:
    assert set(KIND_RULES) == set(KINDS)


#: One example criterion per kind, with the words its description must contain.
_EXAMPLES = {
    "nearest_distance": ({"layer": "airports", "filter": "type == 'international'"},
                         ["airports", "type == 'international'", "nearest"]),
    "gravity": ({"layer": "cities", "column": "population", "scale_km": 50},
                ["cities.population", "exponential", "50 km"]),
    "two_step_fca": ({"layer": "universities", "column": "students", "radius_km": 60,
                      "competitors": "parks"}, ["universities.students", "60 km", "parks"]),
    "within_radius": ({"layer": "parks", "radius_km": 50}, ["count of parks", "50 km"]),
    "zone_attribute": ({"zones": "provinces", "column": "unemployment"},
                       ["unemployment", "provinces"]),
    "attribute": ({"column": "land_price"}, ["land_price"]),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_is_described_with_its_layer_and_parameters(kind: str) -> None:
    params, words = _EXAMPLES[kind]
    text = describe_kind(Criterion(name="c", kind=kind, weight=1.0, direction="benefit",
                                   params=params))
    for w in words:
        assert w in text


def test_an_unknown_kind_is_refused_naming_the_criterion() -> None:
    from siteplan.criteria.compute import compute_criterion
    from siteplan.errors import CriterionError

    c = Criterion(name="odd", kind="teleport", weight=1.0, direction="benefit", params={})
    with pytest.raises(CriterionError, match="criterion 'odd': unknown kind 'teleport'"):
        compute_criterion(c, None, np.zeros(1), np.zeros(1))  # type: ignore[arg-type]
