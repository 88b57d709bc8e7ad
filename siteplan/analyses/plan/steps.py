"""Glue between a :class:`~siteplan.scoring.ranking.Ranking`, the pack and the 2030 plan.

:func:`make_plan` turns a ranking into a plan report in four steps:

1. **selection**: :func:`siteplan.analyses.plan.select.plan_from_ranking` chooses ``K`` new sites
   under the scenario's ``[plan]`` constraints (per-region cap, spacing between
   sites and to existing parks, lagging-region quota, must-include/exclude);
2. **today's jobs (ESTIMATE)**: the national total of offshoring jobs at end-2024
   (``[targets].today_jobs``, 148,500) has no official regional breakdown. When the
   regions layer carries ``offshoring_jobs`` (the Morocco pack: published figures plus the
   central estimate of the unlocated rest) or the user gives a table (``today_jobs``),
   that is today's distribution, and its ends (``offshoring_jobs_concentrated``,
   ``offshoring_jobs_spread``; see :data:`TODAY_ENDS`) give every equity figure a range.
   Otherwise the national total is split among the existing parks (a park keeps its
   published count, the rest is shared equally). Exports today follow the jobs (same
   export per job everywhere). Every figure derived from this is flagged ``estimate: true``;
3. **allocation of the 2030 targets**: :func:`siteplan.analyses.plan.select.allocate_targets`
   shares the gap (121,500 jobs, 13.8 bn MAD) among the existing parks and the
   chosen sites in proportion to their capacity weight ``talent x score`` (the
   talent criterion of the ranking (``[plan].capacity_criterion``, default ``talent``)
   times the suitability score; an
   existing park takes the values of the nearest scored candidate), no site above
   ``cap_share`` of the gap (water-filling), rounded by largest remainder so the
   parts add up exactly to the targets;
4. **equity**: offshoring jobs per 1,000 working-age inhabitants (15-64) across the
   regions, today, under the plan in 2030 and under the **market-led baseline**
   (:func:`siteplan.analyses.plan.select.baseline_market_led`: new jobs follow today's regional
   distribution); Gini, Theil T, CV and the share of the two largest regions
   (:mod:`siteplan.analyses.equity`), plus the same measures across provinces with the
   exact between-region / within-region decomposition of Theil T.

:func:`compare` puts several scenarios or saved plans side by side, with Kendall's
tau between every pair of rankings.

Typical use::

    >>> from siteplan.scoring.ranking import rank
    >>> from siteplan.layers.pack import Pack
    >>> from siteplan.analyses.plan.steps import make_plan
    >>> pack = Pack(None)
    >>> report = make_plan(rank(pack=pack), pack, k=5)      # doctest: +SKIP
    >>> report.to_dict()["equity"]["plan"]["gini"]           # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan import __version__
from siteplan._atomic import read_text
from siteplan.analyses.equity import equity_table, gini, theil_decomposition
from siteplan.analyses.plan.select import (
    DEFAULT_LAGGING_RULE,
    allocate_targets,
    baseline_market_led,
    capacity_weights,
    largest_remainder,
    plan_from_ranking,
)
from siteplan.criteria.compute import filter_mask
from siteplan.criteria.geodesy import distance_matrix_km
from siteplan.errors import DataError, PlanError, UsageError
from siteplan.layers.pack import Pack as PackCls
from siteplan.layers.pack import point_lonlat
from siteplan.phrases import PHRASES, render
from siteplan.scenario import PLAN_KEYS, load_scenario
from siteplan.scoring.ranking import locate, rank

if TYPE_CHECKING:
    import pandas as pd

    from siteplan.analyses.plan.select import Allocation, PlanSolution
    from siteplan.layers.pack import Pack
    from siteplan.scoring.ranking import Ranking

__all__ = [
    "DEFAULT_TARGETS",
    "ESTIMATE_METHOD",
    "TODAY_ENDS",
    "CompareReport",
    "PlanReport",
    "Targets",
    "TodayJobs",
    "compare",
    "estimate_today_jobs",
    "kendall_tau",
    "load_plan_json",
    "make_plan",
    "parse_lagging_rule",
    "today_jobs_by_region",
]

#: Document kind written in every plan JSON (used by :func:`compare` to recognise one).
PLAN_KIND = "siteplan-plan"

#: National figures used when a scenario has no ``[targets]`` table (end-2024 and 2030).
DEFAULT_TARGETS: dict[str, Any] = {
    "year": 2030,
    "today_year": 2024,
    "today_jobs": 148_500,
    "today_exports_mad_bn": 26.2,
    "target_jobs": 270_000,
    "target_exports_mad_bn": 40.0,
    "sources": [
        "siteplan.analyses.plan.steps.DEFAULT_TARGETS: national offshoring figures at end-2024 "
        "(about 148,500 jobs, 26.2 bn MAD exports) and 2030 targets (270,000 jobs, 40 bn MAD)"
    ],
}

#: How today's jobs per park / province / region are estimated (written in the outputs).
ESTIMATE_METHOD = render("est_parks_method")

#: The ends of today's regional estimate: columns ``offshoring_jobs_<end>`` of the regions
#: layer, ``jobs_<end>`` of a user's table. Every equity figure is computed at each end too.
TODAY_ENDS = ("concentrated", "spread")
#: Column of the regions layer with today's jobs per region (central estimate).
TODAY_COLUMN = "offshoring_jobs"

#: How today's jobs per region are set when the regions layer or the user gives them.
REGIONAL_METHOD = PHRASES["est_regional_method"].text["en"]

#: The allocation rule, as written in the outputs.
ALLOCATION_RULE = (
    "The gap between today and the 2030 targets is shared among the existing parks and the "
    "chosen sites in proportion to their capacity weight = talent value (the scenario's "
    "capacity criterion) x suitability "
    "score (an existing park takes the talent value and score of the nearest scored "
    "candidate), no site above cap_share of the gap (water-filling), whole jobs and tenths of "
    "a MAD million by largest remainder, so that the parts add up exactly to the targets. "
    "Exports follow the jobs (same export per new job everywhere)."
)

BASELINE_RULE = (
    "Market-led baseline: the new jobs follow today's (estimated) regional distribution "
    "(siteplan.analyses.plan.select.baseline_market_led); within a region, today's province "
    "distribution."
)

_DISTRIBUTIONS = ("today", "plan", "baseline")


# --------------------------------------------------------------------------- small helpers


def _f(v: Any) -> float | None:
    """A JSON-ready float (None for missing / NaN)."""
    if v is None:
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) or math.isinf(x) else x


def _s(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    try:
        import pandas as pd

        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)


def _lr(quotas: Sequence[float] | np.ndarray, total: int) -> np.ndarray:
    """Largest-remainder rounding of non-negative quotas to ``total``."""

    q = np.asarray(quotas, dtype=float)
    if q.size == 0:
        return np.zeros(0, dtype=np.int64)
    if total == 0 or q.sum() <= 0:
        return np.zeros(q.size, dtype=np.int64)
    q = q * (total / q.sum())
    return largest_remainder(q, int(total), priority=q)


def _bn_to_tenths(value_bn: float) -> int:
    """bn MAD -> tenths of a MAD million (1 bn = 10,000 tenths)."""
    return round(float(value_bn) * 10_000)


# --------------------------------------------------------------------------- lagging rule

_CLAUSE = re.compile(
    r"^\s*(?P<col>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<op>above|below|>|<)\s+"
    r"(?P<thr>median|mean|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$",
    re.IGNORECASE,
)


def parse_lagging_rule(rule: str | Mapping[str, Any] | Sequence[Any] | None) -> dict[str, Any]:
    """Turn a lagging-region rule into the format of :func:`~.select.lagging_regions`.

    Text rules read like the scenario's ``[plan].lagging_rule``::

        "unemployment_rate above median or gdp_per_capita below median"
        -> {"any": [{"column": "unemployment_rate", "above": "median"},
                    {"column": "gdp_per_capita", "below": "median"}]}

    Each clause is ``<column> above|below|>|< median|mean|<number>`` (strict
    comparison over the regions); clauses are joined by ``or`` / ``and`` (``and``
    binds tighter). A dict or list is passed through (validated by the plan
    module); None gives :data:`siteplan.analyses.plan.select.DEFAULT_LAGGING_RULE`.

    Parameters
    ----------
    rule : str, dict, list or None

    Returns
    -------
    dict
    """

    if rule is None:
        return dict(DEFAULT_LAGGING_RULE)
    if isinstance(rule, Mapping):
        return dict(rule)
    if isinstance(rule, list | tuple):
        return {"any": list(rule)}
    if not isinstance(rule, str) or not rule.strip():
        raise UsageError(
            f"lagging_rule {rule!r}: write e.g. 'unemployment_rate above median or "
            "gdp_per_capita below median'"
        )
    ors: list[dict[str, Any]] = []
    for part in re.split(r"\s+or\s+", rule.strip(), flags=re.IGNORECASE):
        ands: list[dict[str, Any]] = []
        for clause in re.split(r"\s+and\s+", part, flags=re.IGNORECASE):
            m = _CLAUSE.match(clause)
            if m is None:
                raise UsageError(
                    f"lagging_rule: cannot read '{clause.strip()}' in {rule!r}; each clause is "
                    "'<column> above|below median|mean|<number>', joined by 'or'/'and'"
                )
            op = m["op"].lower()
            key = "above" if op in ("above", ">") else "below"
            thr_text = m["thr"].lower()
            thr: Any = thr_text if thr_text in ("median", "mean") else float(thr_text)
            ands.append({"column": m["col"], key: thr})
        ors.append(ands[0] if len(ands) == 1 else {"all": ands})
    return ors[0] if len(ors) == 1 and "all" not in ors[0] else {"any": ors}


def _rule_text(rule: Any) -> str:
    if isinstance(rule, str):
        return rule
    try:
        return json.dumps(rule, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(rule)


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Targets:
    """National figures today and the 2030 targets, with their sources.

    Attributes
    ----------
    year, today_year : int
        Target year (2030) and year of today's figures (2024).
    today_jobs, target_jobs : int
        Offshoring jobs today and targeted.
    today_exports_mad_bn, target_exports_mad_bn : float
        Offshoring exports today and targeted, bn MAD.
    sources : tuple of str
        Where the figures come from.
    default : bool
        True when the scenario had no ``[targets]`` table (:data:`DEFAULT_TARGETS`).
    """

    year: int
    today_year: int
    today_jobs: int
    today_exports_mad_bn: float
    target_jobs: int
    target_exports_mad_bn: float
    sources: tuple[str, ...]
    default: bool = False

    @property
    def gap_jobs(self) -> int:
        """Jobs to add by the target year."""
        return self.target_jobs - self.today_jobs

    @property
    def gap_exports_mad_m(self) -> float:
        """Exports to add by the target year, MAD million (1 decimal)."""
        return (_bn_to_tenths(self.target_exports_mad_bn) - _bn_to_tenths(
            self.today_exports_mad_bn)) / 10.0

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None, where: str = "[targets]") -> Targets:
        """Build from a scenario's ``[targets]`` table (missing keys take the defaults)."""
        default = not raw
        d = dict(DEFAULT_TARGETS)
        if raw:
            unknown = sorted(set(raw) - set(DEFAULT_TARGETS))
            if unknown:
                raise UsageError(
                    f"{where}: unknown key(s) {', '.join(unknown)}; use "
                    f"{', '.join(DEFAULT_TARGETS)}"
                )
            d.update(raw)
        try:
            out = cls(
                year=int(d["year"]),
                today_year=int(d["today_year"]),
                today_jobs=int(d["today_jobs"]),
                today_exports_mad_bn=float(d["today_exports_mad_bn"]),
                target_jobs=int(d["target_jobs"]),
                target_exports_mad_bn=float(d["target_exports_mad_bn"]),
                sources=tuple(str(s) for s in (d.get("sources") or ())),
                default=default,
            )
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{where}: {exc}; give whole numbers of jobs and bn MAD") from None
        if out.today_jobs <= 0 or out.target_jobs <= out.today_jobs:
            raise UsageError(
                f"{where}: target_jobs={out.target_jobs} must exceed today_jobs="
                f"{out.today_jobs} > 0"
            )
        if out.target_exports_mad_bn < out.today_exports_mad_bn:
            raise UsageError(
                f"{where}: target_exports_mad_bn={out.target_exports_mad_bn} is below "
                f"today_exports_mad_bn={out.today_exports_mad_bn}"
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (with the gaps)."""
        return {
            "year": self.year,
            "today_year": self.today_year,
            "today_jobs": self.today_jobs,
            "today_exports_mad_bn": self.today_exports_mad_bn,
            "target_jobs": self.target_jobs,
            "target_exports_mad_bn": self.target_exports_mad_bn,
            "gap_jobs": self.gap_jobs,
            "gap_exports_mad_m": self.gap_exports_mad_m,
            "sources": list(self.sources),
            "default": self.default,
        }


# --------------------------------------------------------------------------- today's jobs


@dataclass(frozen=True)
class TodayJobs:
    """Today's jobs per region, in region-code order: the central value and the ends.

    Attributes
    ----------
    central : ndarray of int64
        Jobs per region; adds up to the scenario's ``today_jobs``.
    ends : dict end -> ndarray of int64
        Alternative distributions (:data:`TODAY_ENDS`), each adding up to the same total.
    source : str
        Where the figures come from ("the regions layer" or a file name).
    """

    central: np.ndarray
    ends: dict[str, np.ndarray]
    source: str

    @property
    def method(self) -> str:
        return REGIONAL_METHOD.format(source=self.source)


def today_jobs_by_region(region_codes: Sequence[str], total: int, *,
                         regions_layer: pd.DataFrame | None = None,
                         table: pd.DataFrame | None = None, where: str = "today_jobs",
                         notes: list[str] | None = None) -> TodayJobs | None:
    """Today's jobs per region from a user's table, else the regions layer, else None.

    ``table`` has ``region_code`` and ``jobs`` (and optionally ``jobs_<end>`` for each end
    of :data:`TODAY_ENDS`), one row per region of the regions layer; the regions layer
    gives ``offshoring_jobs`` and ``offshoring_jobs_<end>``. Figures that do not add up to
    ``total`` are scaled to it by largest remainder (with a note).
    """
    import pandas as pd

    if table is not None:
        prefix, frame, src = "jobs", table, where
        if "region_code" not in frame.columns or "jobs" not in frame.columns:
            raise DataError(f"{where}: needs the columns region_code and jobs (optionally "
                            f"{', '.join('jobs_' + e for e in TODAY_ENDS)}); it has "
                            f"{', '.join(map(str, frame.columns)) or 'none'}")
    elif regions_layer is not None and TODAY_COLUMN in regions_layer.columns:
        prefix, frame, src = TODAY_COLUMN, regions_layer, render("regions_layer")
        where = f"regions layer column '{TODAY_COLUMN}'"
    else:
        return None
    codes = frame["region_code"].astype(str).str.strip()
    if codes.duplicated().any():
        raise DataError(f"{where}: region_code {codes[codes.duplicated()].iloc[0]} appears "
                        "twice; give one row per region")
    missing = sorted(set(region_codes) - set(codes))
    extra = sorted(set(codes) - set(region_codes))
    if missing or extra:
        what = (f"no row for region(s) {', '.join(missing)}" if missing else
                f"region code(s) {', '.join(extra)} are not in the regions layer")
        raise DataError(f"{where}: {what}; give one row per region of the regions layer "
                        "(0 where a region has none)")

    def column(name: str) -> np.ndarray:
        v = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(v) | (v < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"{where}, column {name}, region {codes.iloc[i]}: "
                            f"'{frame[name].iloc[i]}' is not a number of jobs >= 0")
        by = dict(zip(codes, v, strict=True))
        out = np.array([by[c] for c in region_codes], dtype=float)
        if out.sum() <= 0:
            raise DataError(f"{where}, column {name}: all regions have 0 jobs")
        if round(out.sum()) != total:
            (notes if notes is not None else []).append(
                f"{where}, column {name}: the regions add up to {out.sum():,.0f}, not the "
                f"scenario's today_jobs {total:,}; scaled to it")
        return _lr(out, total)

    central = column(prefix)
    ends = {e: column(f"{prefix}_{e}") for e in TODAY_ENDS if f"{prefix}_{e}" in frame.columns}
    return TodayJobs(central=central, ends=ends, source=src)


def read_today_jobs(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A user's table of today's jobs per region (CSV, UTF-8), for ``make_plan(today_jobs=)``."""
    import io

    import pandas as pd

    text = read_text(path, "jobs-today table", DataError)
    try:
        df = pd.read_csv(io.StringIO(text), dtype={"region_code": str}, sep=None,
                         engine="python")
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: not a CSV table ({str(exc).splitlines()[0]}); write "
                        "region_code,jobs with one row per region") from None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def estimate_today_jobs(parks: pd.DataFrame | None, total: int) -> tuple[np.ndarray, list[str]]:
    """Split the national jobs total among parks (ESTIMATE, see :data:`ESTIMATE_METHOD`).

    Parameters
    ----------
    parks : DataFrame or None
        The ``parks`` layer (an optional ``jobs`` column with published counts).
    total : int
        National offshoring jobs today.

    Returns
    -------
    jobs : ndarray of int64, shape (p,)
        Estimated jobs per park; sums exactly to ``total``.
    source : list of str
        ``"published"`` (the published count kept), ``"published, scaled"`` or
        ``"estimate"`` per park.
    """
    n = 0 if parks is None else len(parks)
    if n == 0 or parks is None:
        return np.zeros(0, dtype=np.int64), []
    pub = (np.asarray(parks["jobs"], dtype=float) if "jobs" in parks.columns
           else np.full(n, np.nan))
    known = np.isfinite(pub) & (pub > 0)
    if known.all():
        return _lr(pub, total), ["published, scaled"] * n
    published = float(pub[known].sum())
    if published > total:
        # published counts exceed the national figure: scale them, unknown parks get nothing
        jobs = np.zeros(n, dtype=np.int64)
        jobs[known] = _lr(pub[known], total)
        return jobs, ["published, scaled" if k else "estimate" for k in known]
    jobs = np.zeros(n, dtype=np.int64)
    jobs[known] = np.round(pub[known]).astype(np.int64)
    rest = total - int(jobs[known].sum())
    jobs[~known] = _lr(np.ones(int((~known).sum())), rest)
    return jobs, ["published" if k else "estimate" for k in known]


# --------------------------------------------------------------------------- plan report


@dataclass
class PlanReport:
    """A K-site plan with the allocation of the 2030 targets and its equity.

    Attributes
    ----------
    scenario, scenario_title, method, pack : str
        Where the ranking came from.
    solution : siteplan.analyses.plan.select.PlanSolution
        The selection (solver, status, gap, constraints).
    allocation : siteplan.analyses.plan.select.Allocation
        Jobs and exports added per site (existing parks first, then chosen sites).
    targets : Targets
    sites : DataFrame
        One row per existing park and chosen site: ``kind`` ("park"/"new"), ids,
        place, score, talent, capacity weight, jobs and exports today / added / 2030.
    regions : DataFrame
        One row per region: jobs and exports today (estimate), under the plan and the
        baseline in 2030, and jobs per 1,000 working-age inhabitants.
    provinces : DataFrame or None
        Same per province (for the Theil decomposition), when the pack has provinces.
    equity : dict
        ``{"today"|"plan"|"baseline": measures}`` (see :meth:`to_dict`).
    ranking : list of dict
        ``{"id", "name", "rank", "score", "region", "lon", "lat"}`` of every ranked site
        (for Kendall's tau and the compare map).
    settings : dict
        The options used (after scenario defaults).
    estimates : list of dict
        What is estimated and how.
    notes : list of str
    runtime_s : float
        Wall time of :func:`make_plan`, seconds.
    """

    scenario: str
    scenario_title: str
    method: str
    pack: str
    solution: PlanSolution
    allocation: Allocation
    targets: Targets
    sites: pd.DataFrame
    regions: pd.DataFrame
    provinces: pd.DataFrame | None
    equity: dict[str, dict[str, Any]]
    ranking: list[dict[str, Any]]
    settings: dict[str, Any]
    estimates: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    runtime_s: float = 0.0

    # ------------------------------------------------------------------ views
    @property
    def chosen(self) -> pd.DataFrame:
        """The chosen new sites (rows of :attr:`sites` with kind "new"), in rank order."""
        out = self.sites[self.sites["kind"] == "new"]
        return out.sort_values(["rank", "id"]).reset_index(drop=True)

    @property
    def parks(self) -> pd.DataFrame:
        """The existing parks (rows of :attr:`sites` with kind "park")."""
        return self.sites[self.sites["kind"] == "park"].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``siteplan plan -o plan.json``.

        Keys: ``kind``, ``siteplan_version``, ``scenario``, ``scenario_title``,
        ``method``, ``pack``, ``k``, ``chosen`` (each ``id``, ``name``, ``rank``,
        ``score``, ``region_code``, ``region``, ``province_code``, ``province``,
        ``lon``, ``lat``, ``lagging``, ``talent``, ``capacity_weight``,
        ``jobs_2030_added``, ``exports_2030_added_mad_m``, ``capped``), ``parks``
        (same with ``jobs_today``, ``jobs_today_source``, ``exports_today_mad_m``,
        ``jobs_2030``, ``exports_2030_mad_m``, ``capacity_from``), ``regions``,
        ``equity`` (``today``, ``plan``, ``baseline``, ``plan_minus_baseline``),
        ``solver``, ``status``, ``gap``, ``bound``, ``objective``,
        ``objective_kind``, ``solve_runtime_s``, ``constraints``, ``settings``,
        ``targets`` (with ``sources``), ``allocation``, ``baseline``,
        ``estimates``, ``notes``, ``ranking``, ``runtime_s``.
        """
        sol = self.solution
        alloc = self.allocation
        chosen = [_site_dict(r, new=True) for _, r in self.chosen.iterrows()]
        parks = [_site_dict(r, new=False) for _, r in self.parks.iterrows()]
        regions = []
        for _, r in self.regions.iterrows():
            regions.append({
                str(k): (_s(v) if k in ("region_code", "region") else
                         bool(v) if k == "lagging" else
                         int(v) if str(k).startswith(("jobs", "parks", "new_sites")) else _f(v))
                for k, v in r.items()
            } | {"estimate": True})
        eq = {k: dict(v) for k, v in self.equity.items()}
        diff = {
            m: (_f(eq["plan"].get(m)) or 0.0) - (_f(eq["baseline"].get(m)) or 0.0)
            for m in ("gini", "theil_t", "cv", "top2_share")
        }
        eq["plan_minus_baseline"] = diff
        return {
            "kind": PLAN_KIND,
            "siteplan_version": __version__,
            "scenario": self.scenario,
            "scenario_title": self.scenario_title,
            "method": self.method,
            "pack": self.pack,
            "k": sol.k,
            "chosen": chosen,
            "parks": parks,
            "regions": regions,
            "equity": eq,
            "solver": sol.solver,
            "status": sol.status,
            "gap": _f(sol.gap),
            "bound": _f(sol.bound),
            "objective": _f(sol.objective),
            "objective_kind": sol.objective_kind,
            "solve_runtime_s": _f(sol.runtime_s),
            "constraints": _jsonable(sol.constraints),
            "settings": _jsonable(self.settings),
            "targets": self.targets.to_dict(),
            "allocation": {
                "rule": ALLOCATION_RULE,
                "cap_share": _f(self.settings.get("cap_share")),
                "cap_jobs": alloc.cap_jobs,
                "cap_exports_mad_m": _f(alloc.cap_exports_mad_m),
                "gap_jobs": alloc.gap_jobs,
                "gap_exports_mad_m": _f(alloc.gap_exports_mad_m),
                "jobs_added_total": int(alloc.jobs.sum()),
                "exports_added_total_mad_m": int(alloc.exports_tenths.sum()) / 10.0,
                "today_export_per_job_mad": _f(alloc.today_export_per_job_mad),
                "implied_export_per_new_job_mad": _f(alloc.implied_export_per_new_job_mad),
                "jobs_added_new_sites": int(self.chosen["jobs_added"].sum()),
                "jobs_added_parks": int(self.parks["jobs_added"].sum()),
            },
            "baseline": {"rule": BASELINE_RULE},
            "estimates": [dict(e) for e in self.estimates],
            "notes": list(self.notes) + list(sol.notes),
            "ranking": [dict(r) for r in self.ranking],
            "runtime_s": _f(self.runtime_s),
        }

    def to_json(self, indent: int = 2) -> str:
        """JSON text of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """``{"sites", "regions", "equity"}`` DataFrames for CSV / XLSX / Markdown."""
        return {"sites": self.sites_table(), "regions": self.regions.copy(),
                "equity": equity_frame(self.equity)}

    def sites_table(self) -> pd.DataFrame:
        """Chosen sites (rank order) then existing parks, flat columns."""
        import pandas as pd

        cols = ["kind", "id", "name", "rank", "score", "region_code", "region", "province_code",
                "province", "lon", "lat", "lagging", "talent", "capacity_weight", "capacity_from",
                "capacity_from_km", "jobs_today", "jobs_today_source", "jobs_added", "jobs_2030",
                "exports_today_mad_m", "exports_added_mad_m", "exports_2030_mad_m", "capped"]
        out = pd.concat([self.chosen, self.parks], ignore_index=True)
        return out[[c for c in cols if c in out.columns]]

def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    return obj


def _site_dict(r: Any, *, new: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(r["id"]),
        "name": str(r["name"]),
        "rank": None if _s(r.get("rank")) is None else int(r["rank"]),
        "score": _f(r.get("score")),
        "region_code": _s(r.get("region_code")),
        "region": _s(r.get("region")),
        "province_code": _s(r.get("province_code")),
        "province": _s(r.get("province")),
        "lon": _f(r.get("lon")),
        "lat": _f(r.get("lat")),
        "talent": _f(r.get("talent")),
        "capacity_weight": _f(r.get("capacity_weight")),
        "jobs_2030_added": int(r["jobs_added"]),
        "exports_2030_added_mad_m": _f(r["exports_added_mad_m"]),
        "capped": bool(r["capped"]),
    }
    if new:
        out["lagging"] = bool(r.get("lagging"))
    else:
        out |= {
            "jobs_today": int(r["jobs_today"]),
            "jobs_today_source": _s(r.get("jobs_today_source")),
            "jobs_today_estimate": _s(r.get("jobs_today_source")) != "published",
            "exports_today_mad_m": _f(r["exports_today_mad_m"]),
            "jobs_2030": int(r["jobs_2030"]),
            "exports_2030_mad_m": _f(r["exports_2030_mad_m"]),
            "capacity_from": _s(r.get("capacity_from")),
            "capacity_from_km": _f(r.get("capacity_from_km")),
        }
    return out


#: Measures shown in the equity tables, in order: (key, label).
EQUITY_MEASURES: tuple[tuple[str, str], ...] = (
    ("national_per_thousand", "jobs per 1,000 working-age (national)"),
    ("gini", "Gini (regions)"),
    ("theil_t", "Theil T (regions)"),
    ("cv", "coefficient of variation (regions)"),
    ("top2_share", "share of the two largest regions"),
    ("province_gini", "Gini (provinces)"),
    ("province_theil_t", "Theil T (provinces)"),
    ("theil_between", "Theil T between regions (provinces)"),
    ("theil_within", "Theil T within regions (provinces)"),
)


def equity_frame(equity: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per measure; columns today, plan_2030, baseline_2030, plan_minus_baseline."""
    import pandas as pd

    rows = []
    for key, label in EQUITY_MEASURES:
        vals = {d: _f(equity.get(d, {}).get(key)) for d in _DISTRIBUTIONS}
        if all(v is None for v in vals.values()):
            continue
        p, b = vals["plan"], vals["baseline"]
        row = {"measure": key, "label": label, "today": vals["today"],
               "plan_2030": p, "baseline_2030": b,
               "plan_minus_baseline": None if p is None or b is None else p - b}
        for d, col in (("today", "today"), ("plan", "plan_2030"), ("baseline", "baseline_2030")):
            lo_hi = equity.get(d, {}).get("range", {}).get(key)
            if lo_hi is not None:
                row[f"{col}_low"], row[f"{col}_high"] = lo_hi
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- make_plan


def _plan_defaults(ranking: Ranking) -> Mapping[str, Any]:
    plan = getattr(ranking.scenario, "plan", None) or {}

    known = set(PLAN_KEYS)
    unknown = sorted(set(plan) - known)
    if unknown:
        raise UsageError(
            f"scenario '{ranking.scenario.name}' [plan]: unknown key(s) {', '.join(unknown)}; "
            f"use {', '.join(sorted(known))}"
        )
    return plan


_UNSET: Any = object()


class PlanLayers(Mapping[str, Any]):
    """The pack's layers as a plan sees them: the ``parks`` layer keeps only the parks that
    ``parks_filter`` selects (``[plan].parks_filter``, e.g. ``"kind == 'offshoring'"``: the
    existing offshoring parks, not the technology incubators), for the spacing rule, the
    sites that share the 2030 targets and today's jobs."""

    def __init__(self, pack: Any, parks_filter: str) -> None:
        self.pack = pack
        self.parks_filter = parks_filter
        self._parks: Any = None

    def _names(self) -> list[str]:
        if isinstance(self.pack, Mapping):
            return list(self.pack)
        return list(getattr(self.pack, "layer_names", ()))

    def __getitem__(self, name: str) -> Any:
        if name not in self._names():
            raise KeyError(name)
        if name != "parks":
            return _layer_or_none(self.pack, name)
        if self._parks is None:
            parks = _layer_or_none(self.pack, "parks")
            keep = filter_mask(parks, self.parks_filter, "[plan].parks_filter", "parks")
            self._parks = parks[keep].reset_index(drop=True)
        return self._parks

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


def plan_layers(pack: Any, parks_filter: str | None) -> Any:
    """``pack``, or its :class:`PlanLayers` view when a parks filter is given."""
    return pack if not parks_filter else PlanLayers(pack, parks_filter)


def _layer_or_none(pack: Any, name: str) -> Any:
    names = getattr(pack, "layer_names", None)
    if isinstance(pack, Mapping):
        return pack.get(name)
    if names is not None and name not in names:
        return None
    return pack.layer(name)


def _locate_points(df: Any, pack: Any) -> Any:
    """Add province_code / region_code by point-in-polygon when the layer lacks them."""
    if "region_code" in df.columns and df["region_code"].notna().all() and (
        "province_code" in df.columns or _layer_or_none(pack, "provinces") is None
    ):
        return df
    if isinstance(pack, Mapping):
        raise DataError("parks layer: needs a region_code column (or pass a Pack to locate it)")

    keep = df.copy()
    if "id" not in keep.columns:
        keep["id"] = [f"park{i + 1}" for i in range(len(keep))]
    located = locate(keep, pack)
    for col in ("province_code", "region_code"):
        if col not in df.columns or df[col].isna().any():
            keep[col] = located[col].to_numpy()
    return keep


@dataclass(frozen=True)
class _PlanOptions:
    """The plan's settings once the call's options and the scenario's ``[plan]`` are merged."""

    k: int
    cap: int | None
    spacing: float | None
    park_spacing: float | None  # [plan].park_spacing_km as given (None: as min_spacing_km)
    quota: int | None
    rule_raw: Any
    rule: dict[str, Any]
    share: float | None
    objective: str
    solver: str
    time_limit: float
    radius: float
    demand: tuple[str, str]
    include: list[str]
    exclude: list[str]
    targets: Targets
    parks_filter: str | None = None  # [plan].parks_filter: which parks count as existing

    def settings(self, talent_column: str, population_column: str) -> dict[str, Any]:
        """The settings block written in the report (what was used, as the user reads it)."""
        coverage = self.objective == "coverage"
        return {
            "k": int(self.k), "max_per_region": self.cap, "min_spacing_km": self.spacing,
            "park_spacing_km": self.spacing if self.park_spacing is None else self.park_spacing,
            "lagging_quota": self.quota, "lagging_rule": _rule_text(self.rule_raw)
            if self.rule_raw is not None else "default", "lagging_rule_parsed": self.rule,
            "include": self.include, "exclude": self.exclude,
            "objective": self.objective, "coverage_radius_km": self.radius if coverage else None,
            "coverage_demand": list(self.demand) if coverage else None,
            "solver": self.solver, "time_limit_s": self.time_limit, "cap_share": self.share,
            "talent_column": talent_column, "population_column": population_column,
        }


def _off_if_zero(value: Any) -> Any:
    """0 switches a constraint off, as None does."""
    return None if value in (None, 0) else value


def _plan_options(ranking: Ranking, *, k: int | None, max_per_region: Any, min_spacing_km: Any,
                  lagging_quota: Any, lagging_rule: Any, include: Sequence[str],
                  exclude: Sequence[str], objective: str | None,
                  coverage_radius_km: float | None, coverage_demand: tuple[str, str] | None,
                  solver: str | None, cap_share: Any, targets: Mapping[str, Any] | None,
                  time_limit: float | None, population_column: str,
                  notes: list[str]) -> _PlanOptions:
    """Merge the call's options over the scenario's ``[plan]`` and ``[targets]`` tables."""
    defaults = _plan_defaults(ranking)

    def pick(value: Any, key: str) -> Any:
        return defaults.get(key) if value is _UNSET else value

    k_ = k if k is not None else defaults.get("k")
    if k_ is None:
        raise UsageError("k: pass the number of new sites to choose (--sites K)")
    spacing = _off_if_zero(pick(min_spacing_km, "min_spacing_km"))
    rule_raw = pick(lagging_rule, "lagging_rule")
    rule = parse_lagging_rule(rule_raw)
    radius = coverage_radius_km if coverage_radius_km is not None else defaults.get(
        "coverage_radius_km", 60.0)
    demand = coverage_demand or tuple(defaults.get("coverage_demand", ("provinces",
                                                                       population_column)))
    inc = [str(x) for x in ([include] if isinstance(include, str) else include)]
    exc = [str(x) for x in ([exclude] if isinstance(exclude, str) else exclude)]

    raw_targets = dict(getattr(ranking.scenario, "targets", None) or {})
    if targets:
        raw_targets.update(targets)
    tg = Targets.from_mapping(raw_targets or None,
                              f"scenario '{ranking.scenario.name}' [targets]")
    if tg.default:
        notes.append("the scenario has no [targets] table: the national defaults "
                      "(148,500 jobs and 26.2 bn MAD at end-2024; 270,000 and 40 bn MAD in "
                      "2030) are used")
    chosen_objective = objective or defaults.get("objective", "suitability")
    if coverage_radius_km is not None and chosen_objective != "coverage":
        raise UsageError(f"coverage_radius_km (--coverage-km) = {coverage_radius_km:g} only "
                         f"applies to the coverage objective, not '{chosen_objective}'; add "
                         "--objective coverage or drop --coverage-km")
    return _PlanOptions(
        parks_filter=defaults.get("parks_filter") or None,
        k=k_, cap=_off_if_zero(pick(max_per_region, "max_per_region")), spacing=spacing,
        park_spacing=defaults.get("park_spacing_km"),
        quota=_off_if_zero(pick(lagging_quota, "lagging_quota")), rule_raw=rule_raw, rule=rule,
        share=pick(cap_share, "cap_share"),
        objective=chosen_objective,
        solver=solver or defaults.get("solver", "auto"),
        time_limit=float(time_limit if time_limit is not None
                         else defaults.get("time_limit", 60.0)),
        radius=radius, demand=demand,
        include=list(dict.fromkeys([*defaults.get("include", []), *inc])),
        exclude=list(dict.fromkeys([*defaults.get("exclude", []), *exc])),
        targets=tg,
    )


def _regions_frame(pack: Any, population_column: str) -> pd.DataFrame:
    """region_code, region name and working-age population of every region, sorted by code."""
    import pandas as pd

    regions_layer = _layer_or_none(pack, "regions")
    if regions_layer is None:
        raise UsageError("the pack has no 'regions' layer; a plan needs it")
    for col in ("region_code", population_column):
        if col not in regions_layer.columns:
            raise DataError(f"regions layer: no '{col}' column; the equity measures need the "
                            "region codes and the working-age population")
    reg = pd.DataFrame({
        "region_code": regions_layer["region_code"].astype(str).to_numpy(),
        "region": (regions_layer["name_fr"] if "name_fr" in regions_layer.columns
                   else regions_layer.get("name", regions_layer["region_code"])
                   ).astype(str).to_numpy(),
        "working_age": pd.to_numeric(regions_layer[population_column]).to_numpy(dtype=float),
    })
    if not np.all(np.isfinite(reg["working_age"])) or (reg["working_age"] <= 0).any():
        bad = reg.loc[~(reg["working_age"] > 0), "region_code"].tolist()
        raise DataError(f"regions layer column '{population_column}': no positive value for "
                        f"region(s) {', '.join(bad)}")
    return reg.sort_values("region_code").reset_index(drop=True)


def _solve(ranking: Ranking, pack: Any, o: _PlanOptions) -> PlanSolution:
    """Choose the new sites under the plan's constraints (the selection step)."""

    coverage = o.objective == "coverage"
    return plan_from_ranking(
        ranking, pack, k=o.k, max_per_region=o.cap, min_spacing_km=o.spacing,
        park_spacing_km=o.park_spacing, lagging_rule=o.rule,
        lagging_quota=o.quota, include=o.include, exclude=o.exclude, objective=o.objective,
        demand=o.demand if coverage else None,
        coverage_radius_km=o.radius if coverage else None,
        solver=o.solver, time_limit=o.time_limit,
    )


#: Columns of the plan's site table (existing parks first, then the chosen sites).
_SITE_COLUMNS = ["kind", "id", "name", "rank", "score", "region_code", "region",
                 "province_code", "province", "lon", "lat", "lagging", "talent",
                 "capacity_from", "capacity_from_km", "jobs_today", "jobs_today_source"]


def _park_jobs(parks: pd.DataFrame, tg: Targets, today: TodayJobs | None,
               region_codes: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Today's jobs per park: the region's jobs split equally among its parks, or (without
    regional figures) the national total split among the parks."""
    if today is None:
        return estimate_today_jobs(parks, tg.today_jobs)
    by_region = dict(zip(region_codes, today.central, strict=True))
    codes = parks["region_code"].astype(str).to_numpy()
    jobs = np.zeros(len(parks), dtype=np.int64)
    for code in set(codes):
        m = codes == code
        jobs[m] = _lr(np.ones(int(m.sum())), int(by_region.get(code, 0)))
    return jobs, ["regional estimate"] * len(parks)


def _park_rows(parks: pd.DataFrame, pack: Any, scored: pd.DataFrame, talent_of: pd.Series,
               tg: Targets, region_name: Mapping[str, str], lag_codes: set[str],
               region_codes: Sequence[str], today: TodayJobs | None = None) -> pd.DataFrame:
    """Existing parks: today's jobs (estimate) and the capacity of the nearest scored site."""
    import pandas as pd

    unknown = sorted(set(parks["region_code"].astype(str)) - set(region_codes))
    if unknown:
        raise DataError(f"parks layer: region code(s) {', '.join(unknown)} are not in the "
                        "regions layer")
    jobs_today, source = _park_jobs(parks, tg, today, region_codes)
    plon, plat = point_lonlat(parks, "parks layer")
    slon = scored["lon"].to_numpy(dtype=float)
    slat = scored["lat"].to_numpy(dtype=float)
    dist = distance_matrix_km(plon, plat, slon, slat)
    near = np.argmin(np.where(np.isnan(dist), np.inf, dist), axis=1)
    src = scored.iloc[near]
    prov_names = {}
    prov_layer = _layer_or_none(pack, "provinces")
    if prov_layer is not None and "province_code" in prov_layer.columns:
        label = "name_fr" if "name_fr" in prov_layer.columns else "province_code"
        prov_names = dict(zip(prov_layer["province_code"].astype(str),
                              prov_layer[label].astype(str), strict=True))
    pcodes = (parks["province_code"].astype(str).to_numpy() if "province_code"
              in parks.columns else np.full(len(parks), None))
    rows = pd.DataFrame({
        "kind": "park",
        "id": parks["id"].astype(str).to_numpy() if "id" in parks.columns else
        [f"park{i + 1}" for i in range(len(parks))],
        "name": parks["name"].astype(str).to_numpy() if "name" in parks.columns else
        parks["id"].astype(str).to_numpy(),
        "rank": pd.array([None] * len(parks), dtype="Int64"),
        "score": src["score"].to_numpy(dtype=float),
        "region_code": parks["region_code"].astype(str).to_numpy(),
        "region": [region_name.get(str(c), str(c)) for c in parks["region_code"]],
        "province_code": pcodes,
        "province": [prov_names.get(str(c)) for c in pcodes],
        "lon": plon,
        "lat": plat,
        "lagging": [str(c) in lag_codes for c in parks["region_code"]],
        "talent": talent_of.reindex(src["id"]).to_numpy(dtype=float),
        "capacity_from": src["id"].astype(str).to_numpy(),
        "capacity_from_km": dist[np.arange(len(parks)), near],
        "jobs_today": jobs_today,
        "jobs_today_source": source,
    })
    return rows


def _chosen_rows(sol: PlanSolution, talent_of: pd.Series) -> pd.DataFrame:
    """The chosen sites as rows of the site table (no jobs today, their own capacity)."""
    chosen = sol.sites.copy()
    chosen["kind"] = "new"
    chosen["talent"] = talent_of.reindex(chosen["id"]).to_numpy(dtype=float)
    chosen["capacity_from"] = chosen["id"].astype(str)
    chosen["capacity_from_km"] = 0.0
    chosen["jobs_today"] = 0
    chosen["jobs_today_source"] = None
    for c in _SITE_COLUMNS:
        if c not in chosen.columns:
            chosen[c] = None
    return chosen


def _site_table(park_rows: pd.DataFrame, chosen: pd.DataFrame,
                talent_column: str) -> pd.DataFrame:
    """Parks then chosen sites, with their capacity weight ``talent x score``."""
    import pandas as pd

    frames = [park_rows[_SITE_COLUMNS]] if len(park_rows) else []
    frames.append(pd.DataFrame(chosen[_SITE_COLUMNS]).reset_index(drop=True))
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()
    table["talent"] = table["talent"].astype(float).fillna(0.0)
    table["score"] = table["score"].astype(float)
    weights = capacity_weights(table["talent"].to_numpy(), table["score"].to_numpy())
    if not (weights > 0).any():
        raise PlanError("capacity weights (talent x score) are all 0 for the parks and the chosen "
                        f"sites: the '{talent_column}' criterion gives no talent; check it")
    table["capacity_weight"] = weights
    return table


def _allocate(table: pd.DataFrame, tg: Targets, share: float | None
              ) -> tuple[Allocation, np.ndarray]:
    """Share the 2030 gap over the site table (adds the jobs and exports columns in place).

    Returns the allocation and today's exports per site in tenths of a MAD million.
    """

    alloc = allocate_targets(
        table["capacity_weight"].to_numpy(), sites=table["id"].tolist(),
        regions=table["region_code"].tolist(),
        today_jobs_total=tg.today_jobs, today_exports_mad_bn=tg.today_exports_mad_bn,
        target_jobs=tg.target_jobs, target_exports_mad_bn=tg.target_exports_mad_bn,
        cap_share=share,
    )
    table["jobs_added"] = alloc.jobs
    table["jobs_today"] = table["jobs_today"].astype(np.int64)
    table["jobs_2030"] = table["jobs_today"] + table["jobs_added"]
    today_tenths = _lr(table["jobs_today"].to_numpy(dtype=float),
                       _bn_to_tenths(tg.today_exports_mad_bn))
    table["exports_today_mad_m"] = today_tenths / 10.0
    table["exports_added_mad_m"] = alloc.exports_tenths / 10.0
    table["exports_2030_mad_m"] = (today_tenths + alloc.exports_tenths) / 10.0
    table["capped"] = alloc.capped
    return alloc, today_tenths


def _by_region(values: Any, keys: Any, region_codes: Sequence[str]) -> np.ndarray:
    """Sum ``values`` by region key, in ``region_codes`` order (0 where a region has none)."""
    import pandas as pd

    sums = pd.Series(values, index=keys).groupby(level=0).sum()
    return np.array([int(sums.get(c, 0)) for c in region_codes], dtype=np.int64)


def _regions_table(reg: pd.DataFrame, table: pd.DataFrame, park_rows: pd.DataFrame,
                   chosen: pd.DataFrame, alloc: Allocation, today_tenths: np.ndarray,
                   tg: Targets, lag_codes: set[str],
                   today: TodayJobs | None = None) -> pd.DataFrame:
    """Jobs and exports per region today, under the plan and under the market-led baseline."""
    import pandas as pd

    region_codes = reg["region_code"].tolist()
    today_tenths_total = _bn_to_tenths(tg.today_exports_mad_bn)
    codes = table["region_code"].to_numpy()
    if today is not None:
        today_jobs_r = today.central.astype(np.int64)
        today_ex_r = _lr(today_jobs_r.astype(float), today_tenths_total)
    elif len(park_rows):
        today_jobs_r = _by_region(table["jobs_today"].to_numpy(), codes, region_codes)
        today_ex_r = _by_region(today_tenths, codes, region_codes)
    else:
        today_jobs_r = _lr(reg["working_age"].to_numpy(), tg.today_jobs)
        today_ex_r = _lr(today_jobs_r.astype(float), today_tenths_total)
    plan_add = _by_region(table["jobs_added"].to_numpy(), codes, region_codes)
    plan_ex_add = _by_region(alloc.exports_tenths, codes, region_codes)
    base = baseline_market_led(dict(zip(region_codes, today_jobs_r.tolist(), strict=True)),
                               gap=tg.gap_jobs)
    base_add = np.array([base[c] for c in region_codes], dtype=np.int64)
    gap_tenths = _bn_to_tenths(tg.target_exports_mad_bn) - today_tenths_total
    base_ex_add = _lr(today_jobs_r.astype(float), gap_tenths)
    wa = reg["working_age"].to_numpy(dtype=float)
    counts_new = chosen["region_code"].astype(str).value_counts()
    counts_parks = (park_rows["region_code"].value_counts() if len(park_rows)
                    else pd.Series(dtype=int))
    ends = {f"jobs_today_{e}": v for e, v in (today.ends if today is not None else {}).items()}
    return pd.DataFrame({
        "region_code": region_codes,
        "region": reg["region"].to_numpy(),
        "working_age": wa,
        "lagging": [c in lag_codes for c in region_codes],
        "parks": [int(counts_parks.get(c, 0)) for c in region_codes],
        "new_sites": [int(counts_new.get(c, 0)) for c in region_codes],
        "jobs_today": today_jobs_r,
        **ends,
        "jobs_added_plan": plan_add,
        "jobs_2030_plan": today_jobs_r + plan_add,
        "jobs_added_baseline": base_add,
        "jobs_2030_baseline": today_jobs_r + base_add,
        "exports_today_mad_m": today_ex_r / 10.0,
        "exports_2030_plan_mad_m": (today_ex_r + plan_ex_add) / 10.0,
        "exports_2030_baseline_mad_m": (today_ex_r + base_ex_add) / 10.0,
        "per_thousand_today": 1000.0 * today_jobs_r / wa,
        "per_thousand_plan": 1000.0 * (today_jobs_r + plan_add) / wa,
        "per_thousand_baseline": 1000.0 * (today_jobs_r + base_add) / wa,
    })


#: Regional job distribution behind each equity measure.
_DISTRIBUTION_COLUMNS = {"today": "jobs_today", "plan": "jobs_2030_plan",
                         "baseline": "jobs_2030_baseline"}


def _regional_equity(regions: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Gini, Theil T, CV and top-2 share of jobs per 1,000 working-age, for each distribution."""

    region_codes = regions["region_code"].tolist()
    wa = regions["working_age"].to_numpy(dtype=float)
    equity: dict[str, dict[str, Any]] = {}
    for name, col in _DISTRIBUTION_COLUMNS.items():
        e = equity_table(dict(zip(region_codes, regions[col].astype(float), strict=True)),
                         dict(zip(region_codes, wa, strict=True)))
        equity[name] = {
            "jobs_total": int(regions[col].sum()),
            "national_per_thousand": e["national_per_thousand"],
            "gini": e["gini"],
            "theil_t": e["theil_t"],
            "cv": e["cv"],
            "top2_share": e["top2_share"],
            "top2_regions": [region_codes[i] for i in
                             np.argsort(-regions[col].to_numpy(), kind="stable")[:2]],
            "jobs_per_thousand": dict(zip(region_codes, e["jobs_per_thousand"], strict=True)),
            "lorenz": e["lorenz"],
        }
    return equity


#: Equity measures that get a range from the ends of today's estimate.
_RANGE_MEASURES = ("gini", "theil_t", "cv", "top2_share")


def _equity_ends(regions: pd.DataFrame, equity: dict[str, dict[str, Any]],
                 today: TodayJobs | None, tg: Targets) -> None:
    """At each end of today's estimate: the same measures for today, the plan and the
    baseline (the plan's additions do not depend on today's jobs; the baseline's do), and
    each measure's range over the central value and the ends (in place)."""
    if today is None or not today.ends:
        return
    codes = regions["region_code"].tolist()
    wa = regions["working_age"].to_numpy(dtype=float)
    added = regions["jobs_added_plan"].to_numpy(dtype=np.int64)
    for end, t in today.ends.items():
        t = t.astype(np.int64)
        base = baseline_market_led(dict(zip(codes, t.tolist(), strict=True)), gap=tg.gap_jobs)
        dists = {"today": t, "plan": t + added,
                 "baseline": t + np.array([base[c] for c in codes], dtype=np.int64)}
        for name, jobs in dists.items():
            e = equity_table(dict(zip(codes, jobs.astype(float), strict=True)),
                             dict(zip(codes, wa, strict=True)))
            equity[name].setdefault("ends", {})[end] = {m: e[m] for m in _RANGE_MEASURES}
    for name in _DISTRIBUTION_COLUMNS:
        eq = equity[name]
        vals = {m: [float(eq[m]), *(float(x[m]) for x in eq["ends"].values())]
                for m in _RANGE_MEASURES}
        eq["range"] = {m: [min(v), max(v)] for m, v in vals.items()}


def _estimates(park_rows: pd.DataFrame, today: TodayJobs | None = None) -> list[dict[str, Any]]:
    """Which figures of the report are estimates, and how each was made."""
    return [
        {"what": render("est_jobs_what"),
         "estimate": True, "method": ESTIMATE_METHOD if today is None else today.method,
         "ends": list(today.ends) if today is not None else [],
         "published_parks": [str(i) for i, s in
                             zip(park_rows.get("id", []), park_rows.get("jobs_today_source", []),
                                 strict=True) if str(s).startswith("published")]},
        {"what": render("est_exports_what"), "estimate": True,
         "method": render("est_exports_method")},
        {"what": render("est_capacity_what"), "estimate": True,
         "method": render("est_capacity_method")},
    ]


def make_plan(
    ranking: Ranking,
    pack: Pack | Mapping[str, Any],
    *,
    k: int | None = None,
    max_per_region: int | None = _UNSET,
    min_spacing_km: float | None = _UNSET,
    lagging_quota: int | None = _UNSET,
    lagging_rule: str | Mapping[str, Any] | None = _UNSET,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    objective: str | None = None,
    coverage_radius_km: float | None = None,
    coverage_demand: tuple[str, str] | None = None,
    solver: str | None = None,
    cap_share: float | None = _UNSET,
    targets: Mapping[str, Any] | None = None,
    time_limit: float | None = None,
    talent_column: str | None = None,
    population_column: str = "working_age_2024",
    today_jobs: pd.DataFrame | None = None,
) -> PlanReport:
    """Choose ``k`` new sites, allocate the 2030 targets and measure regional equity.

    Every option left out takes the scenario's ``[plan]`` / ``[targets]`` value
    (``balanced-2030``: at most 2 sites per region, 30 km spacing between sites and
    to existing parks, at least 2 sites in lagging regions, per-site cap 25 % of
    the gap); ``None`` switches a constraint off (as do ``max_per_region=0``,
    ``min_spacing_km=0`` and ``lagging_quota=0``).

    Parameters
    ----------
    ranking : siteplan.scoring.ranking.Ranking
        The ranked candidates; ``ranking.raw[talent_column]`` (the talent value)
        feeds the capacity weights.
    pack : siteplan.layers.pack.Pack or mapping name -> (Geo)DataFrame
        Needs ``regions`` (``region_code``, ``population_column``, the lagging-rule
        columns); uses ``parks`` (existing parks, ``jobs``) and ``provinces``.
    k : int
        Number of new sites (``[plan].k`` when omitted).
    max_per_region : int or None
        At most M new sites per region.
    min_spacing_km : float or None
        Minimum geodesic distance in km between new sites and to existing parks.
    lagging_quota : int or None
        At least Q new sites in lagging regions.
    lagging_rule : str, dict or None
        Lagging-region rule (see :func:`parse_lagging_rule`).
    include, exclude : sequence of str
        Site ids forced in / out.
    objective : {"suitability", "coverage"}
        Maximise the total score, or the working-age population (or
        ``coverage_demand``) newly within ``coverage_radius_km`` (MCLP).
    coverage_radius_km : float
        Coverage radius T for ``objective="coverage"``, km (default 60).
    coverage_demand : (layer, column), optional
        Demand for the coverage objective (default ``("provinces", population_column)``).
    solver : {"auto", "exact", "highs", "cbc", "greedy"}
    cap_share : float or None
        Per-site cap as a share of the jobs gap (None: no cap).
    targets : mapping, optional
        Overrides of the scenario's ``[targets]`` (keys as in :data:`DEFAULT_TARGETS`).
    time_limit : float, optional
        Seconds for the MIP solver (default 60).
    talent_column : str, optional
        Criterion of the ranking used as talent in the capacity weights (default: the
        scenario's ``[plan].capacity_criterion``, else ``talent``).
    population_column : str
        Column of ``regions`` (and ``provinces``) with the working-age population.
    today_jobs : DataFrame, optional
        Today's jobs per region (``region_code``, ``jobs``, optionally ``jobs_concentrated``
        and ``jobs_spread``; :func:`read_today_jobs` reads one from CSV); default: the
        regions layer's ``offshoring_jobs`` columns, else the national total split among
        the parks.

    Returns
    -------
    PlanReport

    Raises
    ------
    PlanError
        Infeasible constraints (the message names them) or an unreachable cap.
    UsageError, DataError
        Bad options or data.
    """
    import pandas as pd

    t0 = time.perf_counter()
    notes: list[str] = []
    o = _plan_options(
        ranking, k=k, max_per_region=max_per_region, min_spacing_km=min_spacing_km,
        lagging_quota=lagging_quota, lagging_rule=lagging_rule, include=include,
        exclude=exclude, objective=objective, coverage_radius_km=coverage_radius_km,
        coverage_demand=coverage_demand, solver=solver, cap_share=cap_share, targets=targets,
        time_limit=time_limit, population_column=population_column, notes=notes)
    tg = o.targets
    pack = plan_layers(pack, o.parks_filter)

    reg = _regions_frame(pack, population_column)
    region_codes = reg["region_code"].tolist()
    today = today_jobs_by_region(
        region_codes, tg.today_jobs, regions_layer=_layer_or_none(pack, "regions"),
        table=today_jobs, where=str(getattr(today_jobs, "attrs", {}).get("path", "today_jobs")),
        notes=notes)
    region_name = dict(zip(reg["region_code"], reg["region"], strict=True))
    parks_layer = _layer_or_none(pack, "parks")
    parks = None
    if parks_layer is not None and len(parks_layer):
        parks = _locate_points(parks_layer, pack).reset_index(drop=True)

    # 1. selection
    sol = _solve(ranking, pack, o)
    lag_codes = set(sol.constraints.get("lagging_regions", []))

    # 2. the site table: existing parks (today's jobs, an estimate) and the chosen sites
    sites = ranking.sites
    scored = sites[~sites["excluded"].astype(bool) & sites["score"].notna()]
    named = talent_column or _plan_defaults(ranking).get("capacity_criterion")
    talent_column = str(named or "talent")
    if named and talent_column not in ranking.raw.columns:
        raise UsageError(f"capacity criterion '{talent_column}' (talent_column or the "
                         f"scenario's [plan].capacity_criterion) is not a criterion of the "
                         f"ranking; use one of {', '.join(map(str, ranking.raw.columns))}")
    if talent_column in ranking.raw.columns:
        talent_of = ranking.raw[talent_column].astype(float)
    else:
        talent_of = pd.Series(1.0, index=ranking.raw.index)
        notes.append(f"the ranking has no '{talent_column}' criterion: capacity weight = score "
                     "only")
    chosen = _chosen_rows(sol, talent_of)
    park_rows = pd.DataFrame()
    if parks is not None:
        park_rows = _park_rows(parks, pack, scored, talent_of, tg, region_name, lag_codes,
                               region_codes, today)
    else:
        notes.append("the pack has no existing parks: today's jobs are split by working-age "
                      "population (ESTIMATE) and the targets go to the new sites only")
    table = _site_table(park_rows, chosen, talent_column)

    # 3. allocation of the 2030 targets, then the same by region
    alloc, today_tenths = _allocate(table, tg, o.share)
    regions = _regions_table(reg, table, park_rows, chosen, alloc, today_tenths, tg, lag_codes,
                             today)

    # 4. equity across regions (at the estimate's ends too) and provinces
    equity = _regional_equity(regions)
    _equity_ends(regions, equity, today, tg)
    provinces = _province_equity(pack, table, regions, region_codes, population_column,
                                 equity, notes, theil_decomposition)

    ranked = ranking.sites[ranking.sites["rank"].notna()]
    ranking_list = [{"id": str(r["id"]), "name": str(r["name"]), "rank": int(r["rank"]),
                     "score": _f(r["score"]), "region": _s(r.get("region")),
                     "lon": _f(r.get("lon")), "lat": _f(r.get("lat"))}
                    for _, r in ranked.iterrows()]
    return PlanReport(
        scenario=ranking.scenario.name, scenario_title=ranking.scenario.title or "",
        method=ranking.method, pack=getattr(ranking, "pack_name", ""), solution=sol,
        allocation=alloc, targets=tg, sites=table, regions=regions, provinces=provinces,
        equity=equity, ranking=ranking_list,
        settings=o.settings(talent_column, population_column),
        estimates=_estimates(park_rows, today),
        notes=notes, runtime_s=time.perf_counter() - t0,
    )


def _province_equity(pack: Any, table: pd.DataFrame, regions: pd.DataFrame,
                     region_codes: list[str], population_column: str,
                     equity: dict[str, dict[str, Any]], notes: list[str],
                     theil_decomposition: Any) -> pd.DataFrame | None:
    """Province-level Gini / Theil with the between/within-region decomposition."""
    import pandas as pd

    prov = _layer_or_none(pack, "provinces")
    need = ("province_code", "region_code", population_column)
    if prov is None or any(c not in prov.columns for c in need):
        notes.append("no provinces layer with province_code, region_code and "
                     f"{population_column}: no province-level Theil decomposition")
        return None
    p = pd.DataFrame({
        "province_code": prov["province_code"].astype(str).to_numpy(),
        "region_code": prov["region_code"].astype(str).to_numpy(),
        "working_age": pd.to_numeric(prov[population_column]).to_numpy(dtype=float),
    }).sort_values("province_code").reset_index(drop=True)
    codes = p["province_code"].tolist()
    site_prov = table["province_code"].astype(str)
    missing = sorted(set(site_prov) - set(codes))
    if missing or not (p["working_age"] > 0).all():
        notes.append("province codes of some sites are not in the provinces layer, or a province "
                     "has no working-age population: no province-level Theil decomposition")
        return None
    today = table.groupby(site_prov)["jobs_today"].sum()
    added = table.groupby(site_prov)["jobs_added"].sum()
    p["jobs_today"] = [int(today.get(c, 0)) for c in codes]
    # a region's jobs today beyond its parks' (a region without a park, in a regional
    # estimate) go to its provinces by working-age population
    for _, r in regions.iterrows():
        m = (p["region_code"] == r["region_code"]).to_numpy()
        rest = int(r["jobs_today"]) - int(p.loc[m, "jobs_today"].sum())
        if rest > 0 and m.any():
            p.loc[m, "jobs_today"] += _lr(p.loc[m, "working_age"].to_numpy(dtype=float), rest)
    p["jobs_2030_plan"] = p["jobs_today"] + np.array([int(added.get(c, 0)) for c in codes])
    # baseline: each region's baseline additions follow today's province distribution
    base = np.zeros(len(p), dtype=np.int64)
    for _, r in regions.iterrows():
        m = (p["region_code"] == r["region_code"]).to_numpy()
        add = int(r["jobs_added_baseline"])
        if add == 0 or not m.any():
            continue
        w = p.loc[m, "jobs_today"].to_numpy(dtype=float)
        if w.sum() <= 0:
            w = p.loc[m, "working_age"].to_numpy(dtype=float)
        base[m] = _lr(w, add)
    p["jobs_2030_baseline"] = p["jobs_today"] + base
    wa = p["working_age"].to_numpy(dtype=float)
    for name, col in (("today", "jobs_today"), ("plan", "jobs_2030_plan"),
                      ("baseline", "jobs_2030_baseline")):
        rate = 1000.0 * p[col].to_numpy(dtype=float) / wa
        dec = theil_decomposition(rate, wa, p["region_code"].tolist())
        equity[name]["province_gini"] = gini(rate, wa)
        equity[name]["province_theil_t"] = dec["total"]
        equity[name]["theil_between"] = dec["between"]
        equity[name]["theil_within"] = dec["within"]
    return p


# --------------------------------------------------------------------------- plan JSON


def load_plan_json(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a plan JSON written by ``siteplan plan -o plan.json`` (DataError if not one)."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file; give a plan JSON written by 'siteplan plan -o "
                        "plan.json' or a scenario")
    try:
        d = json.loads(read_text(p, "the plan JSON", DataError))
    except json.JSONDecodeError as exc:
        raise DataError(f"{p}: not valid JSON ({exc})") from None
    if not isinstance(d, dict) or d.get("kind") != PLAN_KIND:
        raise DataError(f"{p}: not a siteplan plan (no \"kind\": \"{PLAN_KIND}\"); give a file "
                        "written by 'siteplan plan -o plan.json'")
    missing = [key for key in ("chosen", "regions", "equity", "ranking") if key not in d]
    if missing:
        raise DataError(f"{p}: plan JSON without {', '.join(missing)}; write it again with "
                        "'siteplan plan -o plan.json'")
    return d


# --------------------------------------------------------------------------- compare


def kendall_tau(a: Mapping[str, float], b: Mapping[str, float]) -> tuple[float | None,
                                                                           float | None, int]:
    """Kendall's tau-b between two rankings over the sites ranked in both.

    Parameters
    ----------
    a, b : mapping site id -> rank (or score; only the order matters)

    Returns
    -------
    tau, p_value, n
        ``scipy.stats.kendalltau`` on the common sites (None when fewer than two
        common sites or a constant ranking), and how many sites were compared.
    """
    import warnings

    from scipy.stats import kendalltau

    common = [s for s in a if s in b]
    if len(common) < 2:
        return None, None, len(common)
    x = np.array([float(a[s]) for s in common])
    y = np.array([float(b[s]) for s in common])
    if np.all(x == x[0]) or np.all(y == y[0]):
        return None, None, len(common)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = kendalltau(x, y)
    return _f(res.statistic), _f(res.pvalue), len(common)


@dataclass
class CompareReport:
    """Several plans side by side.

    Attributes
    ----------
    items : list of dict
        One plan JSON (:meth:`PlanReport.to_dict`) per item, with ``label`` and
        ``source`` added.
    kendall : list of dict
        ``{"a", "b", "tau", "p_value", "n_common"}`` for every pair.
    """

    items: list[dict[str, Any]]
    kendall: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (chosen sites, regions, equity per item; Kendall's tau)."""
        items = []
        for d in self.items:
            items.append({
                "label": d["label"], "source": d["source"], "scenario": d.get("scenario"),
                "method": d.get("method"), "k": d.get("k"), "solver": d.get("solver"),
                "status": d.get("status"), "gap": d.get("gap"),
                "chosen": [{key: c.get(key) for key in ("id", "name", "rank", "score",
                                                        "region_code", "region",
                                                        "jobs_2030_added",
                                                        "exports_2030_added_mad_m")}
                           for c in d["chosen"]],
                "jobs_2030_by_region": {r["region_code"]: r.get("jobs_2030_plan")
                                        for r in d["regions"]},
                "equity": {w: {m: d["equity"].get(w, {}).get(m) for m, _ in EQUITY_MEASURES}
                           for w in _DISTRIBUTIONS},
            })
        return {"kind": "siteplan-compare", "siteplan_version": __version__, "items": items,
                "kendall_tau": [dict(t) for t in self.kendall]}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``{"chosen", "regions", "equity", "kendall"}`` DataFrames."""
        import pandas as pd

        chosen = pd.DataFrame([
            {"item": d["label"], "order": i + 1, "id": c["id"], "name": c["name"],
             "rank": c.get("rank"), "score": c.get("score"), "region": c.get("region"),
             "jobs_2030_added": c.get("jobs_2030_added"),
             "exports_2030_added_mad_m": c.get("exports_2030_added_mad_m")}
            for d in self.items for i, c in enumerate(d["chosen"])
        ])
        first = self.items[0]["regions"]
        regions = pd.DataFrame({
            "region_code": [r["region_code"] for r in first],
            "region": [r.get("region") for r in first],
            "jobs_today": [r.get("jobs_today") for r in first],
            "jobs_2030_baseline": [r.get("jobs_2030_baseline") for r in first],
        })
        for d in self.items:
            by = {r["region_code"]: r.get("jobs_2030_plan") for r in d["regions"]}
            regions[f"jobs_2030_{d['label']}"] = [by.get(c) for c in regions["region_code"]]
        rows = []
        first_eq = self.items[0]["equity"]
        for w in ("today", "baseline"):  # shown once (from the first item)
            rows.append({"item": w, "distribution": w,
                         **{m: _f(first_eq.get(w, {}).get(m)) for m, _ in EQUITY_MEASURES}})
        for d in self.items:
            e = d["equity"].get("plan", {})
            rows.append({"item": d["label"], "distribution": "plan",
                         **{m: _f(e.get(m)) for m, _ in EQUITY_MEASURES}})
        equity = pd.DataFrame(rows)
        kendall = pd.DataFrame(self.kendall, columns=["a", "b", "tau", "p_value", "n_common"])
        return {"chosen": chosen, "regions": regions, "equity": equity, "kendall": kendall}


def _is_plan_json(item: str) -> bool:
    """Whether a compare item names a plan JSON; a .json path that does not exist is one
    too, so that :func:`load_plan_json` says "no such file" rather than "unknown scenario"."""
    return Path(item).suffix.lower() == ".json"


def compare(
    items: Sequence[str | os.PathLike[str] | PlanReport | Mapping[str, Any]],
    *,
    k: int | None = None,
    pack: Pack | None = None,
    candidates: Any = None,
    **plan_options: Any,
) -> CompareReport:
    """Compare scenarios and/or saved plans side by side.

    Parameters
    ----------
    items : sequence
        Built-in scenario names, scenario TOML paths, plan JSON paths (written by
        ``siteplan plan -o plan.json``), :class:`PlanReport` objects or plan dicts.
        At least two.
    k : int, optional
        Number of sites for the scenario items (default: the K of the first saved
        plan, else the scenario's ``[plan].k``).
    pack : siteplan.layers.pack.Pack, optional
        Data pack for the scenario items (default: the embedded pack with each
        scenario's layer overrides).
    candidates : optional
        Candidate sites for the scenario items (as for :func:`siteplan.scoring.ranking.rank`).
    **plan_options
        Passed to :func:`make_plan` for the scenario items.

    Returns
    -------
    CompareReport
    """

    if len(items) < 2:
        raise UsageError("compare: give at least two scenarios or plan JSON files")
    loaded: list[tuple[str, Any]] = []
    for item in items:
        if isinstance(item, PlanReport):
            loaded.append(("report", item.to_dict()))
        elif isinstance(item, Mapping):
            loaded.append(("dict", dict(item)))
        elif _is_plan_json(str(item)):
            loaded.append((str(item), load_plan_json(item)))
        else:
            loaded.append((str(item), None))
    if k is None:
        k = next((int(d["k"]) for _, d in loaded if d is not None and d.get("k")), None)
    out: list[dict[str, Any]] = []
    for source, d in loaded:
        if d is None:
            scen = load_scenario(source)
            p = pack if pack is not None else PackCls(None, overrides=scen.layers)
            r = rank(scen, pack=p, candidates=candidates)
            d = make_plan(r, p, k=k, **plan_options).to_dict()
        d = dict(d)
        d["source"] = source
        out.append(d)
    labels = [str(d.get("scenario") or f"item{i + 1}") for i, d in enumerate(out)]
    for i, d in enumerate(out):
        lab = labels[i]
        if labels.count(lab) > 1:
            lab = f"{lab}#{sum(1 for x in labels[: i + 1] if x == labels[i])}"
        d["label"] = lab
    pairs = []
    for i in range(len(out)):
        for j in range(i + 1, len(out)):
            ra = {str(s["id"]): float(s["rank"]) for s in out[i].get("ranking", [])}
            rb = {str(s["id"]): float(s["rank"]) for s in out[j].get("ranking", [])}
            tau, pval, n = kendall_tau(ra, rb)
            pairs.append({"a": out[i]["label"], "b": out[j]["label"], "tau": tau,
                          "p_value": pval, "n_common": n})
    return CompareReport(items=out, kendall=pairs)
