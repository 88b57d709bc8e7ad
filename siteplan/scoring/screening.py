"""Screening of sites before scoring: the NaN policy and the hard constraints.

One definition shared by the candidate ranking (:func:`siteplan.scoring.ranking.rank`) and the
suitability surface (:mod:`siteplan.analyses.surface.model`), so that a cell and a candidate at the
same point are excluded, or imputed, for the same reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from siteplan.errors import DataError
from siteplan.phrases import render

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from siteplan.scenario import Constraint, Criterion


@dataclass(frozen=True)
class Missing:
    """Where a criterion has no value, and what the NaN policy does about it.

    ``fill`` is the imputed value, or ``None`` when the policy excludes the sites.
    """

    mask: NDArray[np.bool_]
    policy: str
    fill: float | None

    def note(self, c: Criterion) -> str:
        """The sentence recorded for an imputed site."""
        return f"{c.display}: no value, imputed as {self.fill:.4g} ({self.policy})"


def resolve_missing(values: NDArray[np.floating], c: Criterion, default_policy: str,
                    what: str = "candidate") -> Missing | None:
    """Apply the NaN policy of criterion ``c`` (or the scenario's) to its raw values.

    Returns ``None`` when no value is missing. ``impute-median`` fills with the median
    of the known values; ``impute-worst`` with the worst one for the criterion's
    direction; ``exclude`` leaves ``fill`` as ``None``.

    Raises
    ------
    DataError
        When no site has a value at all (nothing to impute from, nothing to rank).
    """
    nan = np.isnan(values)
    if not nan.any():
        return None
    if nan.all():
        raise DataError(f"criterion '{c.name}': no {what} has a value (all NaN); check the "
                        "layer and column it reads")
    policy = c.nan_policy or default_policy
    if policy == "exclude":
        return Missing(nan, policy, None)
    finite = np.asarray(values[~nan], dtype=np.float64)
    if policy == "impute-median":
        fill = float(np.median(finite))
    else:
        fill = float(finite.min() if c.direction == "benefit" else finite.max())
    return Missing(nan, policy, fill)


def constraint_fails(values: NDArray[np.floating], con: Constraint) -> NDArray[np.bool_]:
    """True where a raw value breaks the constraint (NaN never fails: the NaN policy rules)."""
    x = np.asarray(values, dtype=np.float64)
    fails = np.zeros(x.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        if con.min is not None:
            fails |= x < con.min
        if con.max is not None:
            fails |= x > con.max
    return fails


def constraint_reason(con: Constraint, c: Criterion) -> str:
    """The constraint's stated reason, or a description such as 'fails airport_km <= 150 km'."""
    return con.reason or render("fails_bounds", bounds=con.describe(c.unit))
