"""The balanced plan: select sites under constraints, allocate the 2030 targets, compare plans.

* :mod:`~siteplan.analyses.plan.select`: the selection MILP (maths door on arrays, geometry
  door on a ranking) and the allocation of the targets;
* :mod:`~siteplan.analyses.plan.steps`: :func:`make_plan` (ranking + pack -> plan report)
  and :func:`compare`;
* :mod:`~siteplan.analyses.plan.robustness`: :func:`plan_robustness`, how often each site
  belongs to the plan when the weights are sampled.

The names below are resolved lazily (on first access), so that importing one module of the
package does not import the others.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> module that defines it (imported on first access)
_LAZY = {
    "select_sites": "siteplan.analyses.plan.select",
    "plan_from_ranking": "siteplan.analyses.plan.select",
    "prepare_selection": "siteplan.analyses.plan.select",
    "selection_from_ranking": "siteplan.analyses.plan.select",
    "SelectionProblem": "siteplan.analyses.plan.select",
    "PlanSolution": "siteplan.analyses.plan.select",
    "make_plan": "siteplan.analyses.plan.steps",
    "compare": "siteplan.analyses.plan.steps",
    "PlanReport": "siteplan.analyses.plan.steps",
    "plan_robustness": "siteplan.analyses.plan.robustness",
    "PlanRobustness": "siteplan.analyses.plan.robustness",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'siteplan.analyses.plan' has no attribute {name!r}")
