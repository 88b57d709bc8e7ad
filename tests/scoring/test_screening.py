"""The NaN policy and constraint screening shared by rankings and surfaces."""

from __future__ import annotations

import numpy as np
import pytest

from siteplan.errors import DataError
from siteplan.scenario import Constraint, Criterion
from siteplan.scoring.screening import constraint_fails, constraint_reason, resolve_missing


def crit(direction: str = "benefit", policy: str = "") -> Criterion:
    return Criterion(name="x", kind="attribute", weight=1.0, direction=direction,
                     nan_policy=policy, params={"column": "x"})


def test_no_missing_value_means_nothing_to_do() -> None:
    assert resolve_missing(np.array([1.0, 2.0]), crit(), "exclude") is None


@pytest.mark.parametrize(("direction", "policy", "fill"), [
    ("benefit", "impute-median", 2.0),   # median of 1, 2, 4
    ("benefit", "impute-worst", 1.0),    # the smallest is worst for a benefit
    ("cost", "impute-worst", 4.0),       # the largest is worst for a cost
    ("benefit", "exclude", None),
])
def test_policies(direction: str, policy: str, fill: float | None) -> None:
    miss = resolve_missing(np.array([1.0, np.nan, 2.0, 4.0]), crit(direction), policy)
    assert miss is not None
    assert miss.mask.tolist() == [False, True, False, False]
    assert miss.fill == fill


def test_criterion_policy_overrides_the_scenario() -> None:
    miss = resolve_missing(np.array([1.0, np.nan, 3.0]), crit(policy="impute-median"),
                           "exclude")
    assert miss is not None and miss.fill == 2.0 and "imputed as 2" in miss.note(crit())


def test_all_missing_is_a_data_error() -> None:
    with pytest.raises(DataError, match="no H3 cell has a value"):
        resolve_missing(np.array([np.nan, np.nan]), crit(), "exclude", "H3 cell")


def test_constraint_bounds_are_inclusive_and_nan_never_fails() -> None:
    con = Constraint("x", min=1.0, max=3.0)
    assert constraint_fails(np.array([0.5, 1.0, 3.0, 3.5, np.nan]), con).tolist() == [
        True, False, False, True, False]
    assert constraint_reason(con, crit()) == "fails x >= 1 and x <= 3"
    assert constraint_reason(Constraint("x", max=2, reason="too far"), crit()) == "too far"
