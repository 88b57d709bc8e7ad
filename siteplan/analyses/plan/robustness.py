"""Plan-level robustness: does a site belong to the plan under plausible weights?

SMAA (:mod:`siteplan.analyses.sensitivity`) says how often a *site* ranks well when the
weights are sampled. A ministry, though, decides a *set* of K sites under the scenario's
``[plan]`` constraints (per-region cap, spacing between sites and to existing parks,
lagging-region quota, include/exclude). :func:`plan_robustness` samples weight vectors the
way SMAA does (same samplers, same seed, same vectors: :mod:`siteplan.scoring.sampling`),
re-scores the ranking's decision matrix under each vector and solves the plan for each one
under the same constraints. It reports

* each site's **selection frequency**: the share of the samples whose plan contains it
  (the frequencies add up to K);
* the **single-weight plan** (the plan under the scenario's weights, what ``siteplan plan``
  chooses) for comparison;
* the **most frequent K-sets** and their shares;
* each region's **expected number of new sites** (the sum of its sites' frequencies) and
  the share of samples giving it at least one;
* a **robust plan** (rule below).

Robust plan
-----------
* Weighted linear combination (``method = "wlc"``, the default scenarios): the robust plan
  is the K-set with the largest **expected total score** over the weight samples. The WLC
  score is linear in the weights, so a set's expected score is its score under the mean
  sampled weight vector: the K-set maximising the expected score is the plan solved once
  under the mean weights, with the same constraints. With Dirichlet sampling around the
  scenario weights the mean is (up to sampling error) the scenario weights, so the robust
  plan is then close to the single-weight plan; with uniform sampling it is the plan of
  (about) equal weights.
* Other methods (WP, TOPSIS, VIKOR, OWA are not linear in the weights, so the plan under
  the mean weights is not the plan of the expected score): the robust plan is the
  **consensus plan**, the feasible K-set with the largest sum of selection frequencies, that
  is the largest expected number of sites in common with the sampled plans. It takes the
  sites chosen in most samples and completes or trims the set to K by frequency under the
  constraints (one MILP solve with the frequencies as scores, exact ties broken by the
  mean sampled score).

How it is solved
----------------
The plan problem is built once (:func:`siteplan.analyses.plan.select.selection_from_ranking`:
distances, spacing pairs, park blocking, caps, lagging mask, diagnosis, MILP); each sample
only changes the column costs of one HiGHS model, which is run again with the best plan
found so far as its starting incumbent. The samples, all drawn up front from the seed, are
solved in fixed chunks of :data:`CHUNK_SAMPLES` (each from a fresh copy of the problem,
so each chunk's warm start begins afresh) and the chunk results are added in chunk order:
``scheduler`` runs the chunks in this process (``"sync"``, the default, no dask) or as
dask tasks (threads, processes, a dask.distributed cluster), with bitwise the same
result. Sites excluded by the scenario (hard constraints,
the lens scenarios' viability floor) stay excluded: as in SMAA only the score weights are
sampled, the excluded set and the criteria with weight 0 (constraint-only criteria among
them) do not move.

Example
-------
>>> from siteplan.scoring.ranking import rank
>>> from siteplan.analyses.plan.robustness import plan_robustness
>>> r = rank("balanced-2030")                                        # doctest: +SKIP
>>> rob = plan_robustness(r, r.pack, k=5, samples=1000, seed=42)     # doctest: +SKIP
>>> rob.table().head()                                               # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from siteplan import __version__
from siteplan.analyses.plan.select import SelectionProblem, selection_from_ranking
from siteplan.analyses.plan.steps import _UNSET, _plan_options, plan_layers
from siteplan.analyses.scheduling import (
    DEFAULT_SCHEDULER,
    check_scheduler,
    chunk_bounds,
    run_chunks,
)
from siteplan.errors import UsageError
from siteplan.phrases import PHRASES, render
from siteplan.scoring.ranking import aggregate_scores
from siteplan.scoring.sampling import (
    SAMPLINGS,
    bounds_array,
    check_samples,
    check_seed,
    sample_weights,
)

if TYPE_CHECKING:
    import pandas as pd

    from siteplan.layers.pack import Pack
    from siteplan.scoring.ranking import Ranking

__all__ = ["CHUNK_SAMPLES", "PLAN_ROBUSTNESS_KIND", "TOP_SETS", "PlanRobustness", "plan_robustness"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Document kind written in the JSON of a plan-robustness report.
PLAN_ROBUSTNESS_KIND = "siteplan-plan-robustness"
#: How many of the most frequent K-sets the tables and the JSON list.
TOP_SETS = 10
#: Sampled score vectors held at once (samples x sites), about 32 MB.
_BLOCK_CELLS = 4_000_000
#: Weight samples per chunk (one dask task; each chunk's warm start begins afresh).
CHUNK_SAMPLES = 100

WLC_RULE = render("wlc_rule")
CONSENSUS_RULE = PHRASES["consensus_rule"].text["en"]


@dataclass(frozen=True, eq=False)
class PlanRobustness:
    """Result of :func:`plan_robustness`.

    Site arrays are indexed like :attr:`site_ids`: the candidates of the plan (the sites the
    scenario scores, in the order of the published ranking); plans and sets are tuples of
    such indices, ascending.

    Attributes
    ----------
    scenario, scenario_title, method
        The ranking's scenario name, title and aggregation method.
    k
        Number of new sites of every plan.
    samples, seed, sampling, concentration, bounds
        The weight sampling (``concentration`` for Dirichlet, ``bounds`` for bounds).
    criteria, weights, mean_weights
        Weighted criteria, the scenario's weights (sum 1) and the mean sampled weights.
    weight_samples
        The sampled weight vectors, ``(samples, criteria)``, rows sum to 1 (the same as
        SMAA's with the same seed and sampling).
    site_ids, site_names, site_region_codes, site_regions
        The candidates and their regions.
    site_rank, site_scores
        Published rank and score (scenario weights).
    can_be_chosen, why_not
        Whether the constraints let a site be chosen at all (e.g. not within the spacing of
        an existing park), and why not.
    counts, frequency
        Number and share of the samples whose plan contains each site; ``frequency`` sums
        to K.
    mean_scores
        Each site's mean score over the weight samples.
    single_weight_plan, robust_plan
        The plan under the scenario weights, and the robust plan (:attr:`robust_rule`).
    robust_rule
        How the robust plan was chosen, in words.
    sets
        Every distinct K-set chosen and its number of samples, most frequent first (ties:
        in index order).
    region_codes, region_names, region_lagging
        Every region of the pack, and whether the lagging rule classes it as lagging.
    constraints
        The plan constraints applied (as in a plan report).
    solver, statuses
        The solver used and the number of samples per solve status (``optimal``,
        ``time_limit``, ``heuristic``).
    solve_time_s, runtime_s
        Seconds spent in the per-sample solves, and in the whole analysis.
    """

    scenario: str
    scenario_title: str
    method: str
    k: int
    samples: int
    seed: int | None
    sampling: str
    concentration: float | None
    bounds: Mapping[str, tuple[float, float]] | None
    criteria: tuple[str, ...]
    weights: FloatArray
    mean_weights: FloatArray
    weight_samples: FloatArray
    site_ids: tuple[str, ...]
    site_names: tuple[str, ...]
    site_region_codes: tuple[str, ...]
    site_regions: tuple[str, ...]
    site_rank: IntArray
    site_scores: FloatArray
    can_be_chosen: NDArray[np.bool_]
    why_not: tuple[str, ...]
    counts: IntArray
    mean_scores: FloatArray
    single_weight_plan: tuple[int, ...]
    robust_plan: tuple[int, ...]
    robust_rule: str
    sets: tuple[tuple[tuple[int, ...], int], ...]
    region_codes: tuple[str, ...]
    region_names: tuple[str, ...]
    region_lagging: tuple[bool, ...]
    constraints: Mapping[str, Any]
    solver: str
    statuses: Mapping[str, int]
    solve_time_s: float
    runtime_s: float
    notes: tuple[str, ...] = field(default=())

    # ------------------------------------------------------------------ views
    @property
    def frequency(self) -> FloatArray:
        """Share of the samples whose plan contains each site (sums to K)."""
        return np.asarray(self.counts / self.samples, dtype=float)

    @property
    def per_sample_solve_s(self) -> float:
        """Mean seconds per sample solve."""
        return self.solve_time_s / max(self.samples, 1)

    @property
    def top_sets(self) -> tuple[tuple[tuple[int, ...], int], ...]:
        """The :data:`TOP_SETS` most frequent K-sets and their sample counts."""
        return self.sets[:TOP_SETS]

    def set_share(self, plan: Sequence[int]) -> float:
        """Share of the samples whose plan is exactly ``plan``."""
        key = tuple(sorted(int(i) for i in plan))
        return next((c for s, c in self.sets if s == key), 0) / self.samples

    def expected_score(self, plan: Sequence[int]) -> float:
        """Mean total score of ``plan`` over the weight samples."""
        return float(self.mean_scores[list(plan)].sum())

    def score(self, plan: Sequence[int]) -> float:
        """Total score of ``plan`` under the scenario weights."""
        return float(self.site_scores[list(plan)].sum())

    def ids(self, plan: Sequence[int]) -> list[str]:
        """Site ids of a plan."""
        return [self.site_ids[i] for i in plan]

    def names(self, plan: Sequence[int]) -> list[str]:
        """Site names of a plan."""
        return [self.site_names[i] for i in plan]

    def order(self) -> list[int]:
        """Site indices by selection frequency (highest first; ties: published rank)."""
        return sorted(range(len(self.site_ids)),
                      key=lambda i: (-int(self.counts[i]), int(self.site_rank[i]), i))

    # ------------------------------------------------------------------ tables
    def table(self) -> pd.DataFrame:
        """One row per site, by selection frequency (for CSV, XLSX and Markdown)."""
        import pandas as pd

        idx = self.order()
        single, robust = set(self.single_weight_plan), set(self.robust_plan)
        return pd.DataFrame({
            "rank": [int(self.site_rank[i]) for i in idx],
            "id": [self.site_ids[i] for i in idx],
            "name": [self.site_names[i] for i in idx],
            "region_code": [self.site_region_codes[i] for i in idx],
            "region": [self.site_regions[i] for i in idx],
            "score": [round(float(self.site_scores[i]), 6) for i in idx],
            "mean_sampled_score": [round(float(self.mean_scores[i]), 6) for i in idx],
            "selection_frequency": [round(float(self.frequency[i]), 6) for i in idx],
            "samples_selected": [int(self.counts[i]) for i in idx],
            "in_single_weight_plan": [i in single for i in idx],
            "in_robust_plan": [i in robust for i in idx],
            "can_be_chosen": [bool(self.can_be_chosen[i]) for i in idx],
            "why_not": [self.why_not[i] for i in idx],
        })

    def sets_table(self) -> pd.DataFrame:
        """The most frequent K-sets: ids, names, samples, share, and which plan each is."""
        import pandas as pd

        single, robust = tuple(self.single_weight_plan), tuple(self.robust_plan)
        return pd.DataFrame({
            "set": list(range(1, len(self.top_sets) + 1)),
            "ids": ["; ".join(self.ids(s)) for s, _ in self.top_sets],
            "names": ["; ".join(self.names(s)) for s, _ in self.top_sets],
            "samples": [c for _, c in self.top_sets],
            "share": [round(c / self.samples, 6) for _, c in self.top_sets],
            "is_single_weight_plan": [s == single for s, _ in self.top_sets],
            "is_robust_plan": [s == robust for s, _ in self.top_sets],
        })

    def regions_table(self) -> pd.DataFrame:
        """Per region of the pack: expected number of new sites, share of samples with at
        least one, and its sites in the single-weight and robust plans."""
        import pandas as pd

        code_of = self.site_region_codes
        expected: Counter[str] = Counter()
        for i, c in enumerate(self.counts):
            expected[code_of[i]] += int(c)
        present: Counter[str] = Counter()
        for s, c in self.sets:
            for code in {code_of[i] for i in s}:
                present[code] += c
        chooseable = Counter(code_of[i] for i in range(len(code_of)) if self.can_be_chosen[i])
        single = Counter(code_of[i] for i in self.single_weight_plan)
        robust = Counter(code_of[i] for i in self.robust_plan)
        rows = [{"region_code": code, "region": name, "lagging": lag,
                 "candidates": chooseable[code],
                 "expected_new_sites": round(expected[code] / self.samples, 6),
                 "share_with_a_site": round(present[code] / self.samples, 6),
                 "single_weight_plan": single[code], "robust_plan": robust[code]}
                for code, name, lag in zip(self.region_codes, self.region_names,
                                           self.region_lagging, strict=True)]
        df = pd.DataFrame(rows)
        return df.sort_values(["expected_new_sites", "region_code"],
                              ascending=[False, True], kind="stable").reset_index(drop=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables in file order: ``sites``, ``sets``, ``regions``."""
        return {"sites": self.table(), "sets": self.sets_table(),
                "regions": self.regions_table()}

    # ------------------------------------------------------------------ JSON
    def _plan_dict(self, plan: Sequence[int]) -> dict[str, Any]:
        return {"ids": self.ids(plan), "names": self.names(plan),
                "score": self.score(plan), "expected_score": self.expected_score(plan),
                "set_share": self.set_share(plan),
                "min_selection_frequency": float(min(self.frequency[list(plan)]))}

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract.

        Top level: ``kind`` (``siteplan-plan-robustness``), ``siteplan_version``,
        ``scenario``, ``scenario_title``, ``method``, ``k``, ``samples``, ``seed``,
        ``sampling`` (+ ``concentration`` / ``bounds`` when used), ``weights`` and
        ``mean_weights`` (criterion -> share), ``robust_rule``, ``single_weight_plan`` and
        ``robust_plan`` (``ids``, ``names``, ``score`` under the scenario weights,
        ``expected_score`` over the samples, ``set_share``: share of the samples choosing
        exactly this set, ``min_selection_frequency``), ``sites`` (the rows of
        :meth:`table`), ``top_sets`` (``ids``, ``names``, ``samples``, ``share``),
        ``distinct_sets``, ``regions`` (the rows of :meth:`regions_table`),
        ``constraints``, ``solver``, ``statuses``, ``solve_time_s``,
        ``per_sample_solve_s``, ``runtime_s`` and ``notes``.
        """
        out: dict[str, Any] = {
            "kind": PLAN_ROBUSTNESS_KIND, "siteplan_version": __version__,
            "scenario": self.scenario, "scenario_title": self.scenario_title,
            "method": self.method, "k": self.k, "samples": self.samples, "seed": self.seed,
            "sampling": self.sampling,
        }
        if self.sampling == "dirichlet":
            out["concentration"] = self.concentration
        if self.sampling == "bounds" and self.bounds is not None:
            out["bounds"] = {c: list(b) for c, b in self.bounds.items()}
        out.update({
            "weights": dict(zip(self.criteria, map(float, self.weights), strict=True)),
            "mean_weights": dict(zip(self.criteria, map(float, self.mean_weights),
                                     strict=True)),
            "robust_rule": self.robust_rule,
            "single_weight_plan": self._plan_dict(self.single_weight_plan),
            "robust_plan": self._plan_dict(self.robust_plan),
            "sites": self.table().to_dict(orient="records"),
            "top_sets": [{"ids": self.ids(s), "names": self.names(s), "samples": c,
                          "share": c / self.samples} for s, c in self.top_sets],
            "distinct_sets": len(self.sets),
            "regions": self.regions_table().to_dict(orient="records"),
            "constraints": dict(self.constraints),
            "solver": self.solver, "statuses": dict(self.statuses),
            "solve_time_s": self.solve_time_s, "per_sample_solve_s": self.per_sample_solve_s,
            "runtime_s": self.runtime_s, "notes": list(self.notes),
        })
        return out


# --------------------------------------------------------------------------- analysis


def _region_frame(pack: Pack | Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Codes and names of every region of the pack (sorted by code)."""
    layer = pack.get("regions") if isinstance(pack, Mapping) else pack.layer("regions")
    if layer is None:
        raise UsageError("the pack has no 'regions' layer; a plan needs it")
    codes = layer["region_code"].astype(str).tolist()
    col = next((c for c in ("name_fr", "name") if c in layer.columns), "region_code")
    names = dict(zip(codes, layer[col].astype(str).tolist(), strict=True))
    return sorted(names), [names[c] for c in sorted(names)]


def _sample(ranking: Ranking, samples: int, sampling: str, concentration: float,
            bounds: Mapping[str, Sequence[float]] | None, seed: int | None
            ) -> tuple[tuple[str, ...], FloatArray, FloatArray,
                       dict[str, tuple[float, float]] | None]:
    """Criteria, scenario weights, the weight samples (as SMAA draws them) and the bounds."""
    if sampling not in SAMPLINGS:
        raise UsageError(f"sampling {sampling!r}: use one of {', '.join(SAMPLINGS)}")
    check_samples(samples)
    check_seed(seed)
    if bounds and sampling != "bounds":
        raise UsageError("bounds are only used with sampling='bounds' (--sampling bounds)")
    criteria = tuple(str(c) for c in ranking.weights.index)
    w = ranking.weights.to_numpy(dtype=float)
    w = w / w.sum()
    if len(criteria) < 2:
        raise UsageError("plan robustness: the scenario has one weighted criterion; weights "
                         "can only be traded between two or more criteria")
    b_arr = None
    used = None
    if sampling == "bounds":
        if not bounds:
            raise UsageError("sampling='bounds' needs bounds, e.g. --bound talent=0.1:0.3")
        b_arr, used = bounds_array(bounds, criteria)
    # the same stream as the SMAA report (siteplan.analyses.sensitivity.report.analyse): the
    # first of two generators spawned from the seed draws the weights
    rng_w = np.random.default_rng(seed).spawn(2)[0]
    ws = sample_weights(len(criteria), int(samples), sampling=sampling,  # type: ignore[arg-type]
                        seed=rng_w, center=w, concentration=concentration, bounds=b_arr)
    return criteria, w, ws, used


def _selection(ranking: Ranking, pack: Pack | Mapping[str, Any], k: int | None,
               options: Mapping[str, Any], warm_start: bool,
               notes: list[str]) -> SelectionProblem:
    """The plan problem of ``make_plan`` (the scenario's [plan] merged with ``options``),
    prepared once."""
    plan = getattr(ranking.scenario, "plan", None) or {}
    k_ = k if k is not None else plan.get("k")
    if k_ is None:
        raise UsageError("plan robustness: give K, the number of new sites (--plan K)")
    o = _plan_options(ranking, k=k_, coverage_radius_km=None, coverage_demand=None,
                      cap_share=_UNSET, targets=None, population_column="working_age_2024",
                      notes=[], **options)
    if o.objective != "suitability":
        raise UsageError(f"plan robustness: the {o.objective} objective does not use the "
                         "scores, so its plan does not depend on the weights; use the "
                         "suitability objective")
    problem = selection_from_ranking(
        ranking, plan_layers(pack, o.parks_filter), k=o.k, max_per_region=o.cap,
        min_spacing_km=o.spacing,
        park_spacing_km=o.park_spacing, lagging_rule=o.rule, lagging_quota=o.quota,
        include=o.include, exclude=o.exclude, solver=o.solver, time_limit=o.time_limit,
        warm_start=warm_start)
    notes.extend(problem.notes)
    return problem


@dataclass(frozen=True, eq=False)
class _ChunkWork:
    """What every chunk of samples needs (sent once to each dask worker): the prepared
    plan problem and the decision matrix of its candidates, with the ranking's method."""

    problem: SelectionProblem
    method: str
    values: Any
    matrix: FloatArray
    directions: Any
    options: Mapping[str, Any]

    def scores(self, wb: FloatArray) -> FloatArray:
        """Scores of the candidates under each weight vector (rows of ``wb``)."""
        return np.atleast_2d(np.asarray(
            aggregate_scores(self.method, self.values, self.matrix, self.directions, wb,
                             dict(self.options)), dtype=float))


@dataclass(frozen=True)
class _ChunkResult:
    counts: IntArray
    sets: dict[tuple[int, ...], int]
    statuses: dict[str, int]
    score_sum: FloatArray
    solve_s: float


def _solve_chunk(work: _ChunkWork, ws: FloatArray) -> _ChunkResult:
    """Solve the plan for every weight sample of one chunk, from a fresh copy of the
    problem (so the plans depend only on the chunk, not on what ran before it)."""
    problem = work.problem.fresh()
    n = problem.n
    counts = np.zeros(n, dtype=np.int64)
    sets: Counter[tuple[int, ...]] = Counter()
    statuses: Counter[str] = Counter()
    score_sum = np.zeros(n)
    solve_s = 0.0
    block = max(1, _BLOCK_CELLS // max(n, 1))
    for start in range(0, ws.shape[0], block):
        sc = work.scores(ws[start:start + block])
        score_sum += sc.sum(axis=0)
        for row in sc:
            t0 = time.perf_counter()
            sel = problem.solve(row)
            solve_s += time.perf_counter() - t0
            counts[sel.chosen] += 1
            sets[tuple(int(i) for i in sel.chosen)] += 1
            statuses[sel.status] += 1
    return _ChunkResult(counts, dict(sets), dict(statuses), score_sum, solve_s)


def _solve_samples(work: _ChunkWork, ws: FloatArray, chunk_samples: int, scheduler: str
                   ) -> tuple[IntArray, Counter[tuple[int, ...]], Counter[str], FloatArray,
                              float]:
    """Solve the plan for every weight sample, chunk by chunk on ``scheduler``: per-site
    counts, K-set counts, statuses, the sum of the sampled scores and the seconds spent
    solving. The chunks are fixed by ``chunk_samples`` and combined in chunk order, so the
    result does not depend on the scheduler."""
    chunks = [ws[a:b] for a, b in chunk_bounds(ws.shape[0], chunk_samples)]
    results = run_chunks(_solve_chunk, work, chunks, scheduler)
    counts = np.zeros(work.problem.n, dtype=np.int64)
    sets: Counter[tuple[int, ...]] = Counter()
    statuses: Counter[str] = Counter()
    score_sum = np.zeros(work.problem.n)
    solve_s = 0.0
    for res in results:
        counts += res.counts
        sets.update(res.sets)
        statuses.update(res.statuses)
        score_sum += res.score_sum
        solve_s += res.solve_s
    return counts, sets, statuses, score_sum, solve_s


def plan_robustness(
    ranking: Ranking,
    pack: Pack | Mapping[str, Any],
    k: int | None = None,
    *,
    samples: int = 1000,
    sampling: str = "uniform",
    concentration: float = 50.0,
    bounds: Mapping[str, Sequence[float]] | None = None,
    seed: int | None = 42,
    max_per_region: int | None = _UNSET,
    min_spacing_km: float | None = _UNSET,
    lagging_quota: int | None = _UNSET,
    lagging_rule: str | Mapping[str, Any] | None = _UNSET,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    objective: str | None = None,
    solver: str | None = None,
    time_limit: float | None = None,
    warm_start: bool = True,
    scheduler: str = DEFAULT_SCHEDULER,
    chunk_samples: int = CHUNK_SAMPLES,
) -> PlanRobustness:
    """How often each site belongs to the plan when the weights are sampled.

    For every sampled weight vector the ranking's decision matrix is re-scored with the
    ranking's method and the plan of :func:`siteplan.analyses.plan.steps.make_plan` is
    solved under the same constraints; the module docstring gives the measures and the
    robust-plan rule (WLC: the plan under the mean sampled weights, which maximises the
    expected total score; other methods: the consensus plan of the selection
    frequencies).

    Parameters
    ----------
    ranking
        A :class:`~siteplan.scoring.ranking.Ranking`; its excluded sites stay excluded.
    pack
        The data pack (``regions``; ``parks`` for the spacing to existing parks).
    k
        Number of new sites (the scenario's ``[plan].k`` when omitted).
    samples
        Number of weight samples (>= 1).
    sampling, concentration, bounds
        As in :func:`siteplan.analyses.sensitivity.report.analyse`: ``"uniform"`` on the
        weight simplex, ``"dirichlet"`` around the scenario weights (``concentration``:
        larger is tighter), or ``"bounds"``: uniform within criterion -> (lo, hi) weight
        shares. Only the weighted criteria are sampled; criteria with weight 0 stay at 0.
    seed
        Seed of the weight sampling: same seed, same result, and the same weight vectors
        as the SMAA report with that seed and sampling.
    max_per_region, min_spacing_km, lagging_quota, lagging_rule, include, exclude, objective,
    solver, time_limit
        The plan options of :func:`~siteplan.analyses.plan.steps.make_plan` (left out: the
        scenario's ``[plan]``); only the suitability objective depends on the weights.
    warm_start
        Start each solve from the best plan found so far in its chunk (False: from
        scratch; the same plans up to ties within the MIP gap).
    scheduler
        Where the chunks of samples are solved (:mod:`siteplan.analyses.scheduling`):
        ``"sync"`` (this process, no dask), ``"threads"``, ``"processes"`` or the address
        of a dask.distributed scheduler (``"tcp://host:8786"``). The result is bitwise
        the same whichever scheduler runs the chunks.
    chunk_samples
        Samples per chunk (one dask task each); every chunk starts from a fresh copy of
        the plan problem, so the result depends on the chunk size (through the warm start,
        and only within the MIP gap) but not on the scheduler.

    Returns
    -------
    PlanRobustness

    Raises
    ------
    UsageError
        Bad options (samples, seed, sampling, bounds, K missing, coverage objective).
    PlanError
        Infeasible constraints (e.g. K larger than the sites the constraints leave).
    """
    t_start = time.perf_counter()
    scheduler = check_scheduler(scheduler)
    chunk_bounds(1, chunk_samples)  # checks the chunk size before any work
    criteria, w, ws, used_bounds = _sample(ranking, samples, sampling, concentration, bounds,
                                           seed)
    notes: list[str] = []
    options = {"max_per_region": max_per_region, "min_spacing_km": min_spacing_km,
               "lagging_quota": lagging_quota, "lagging_rule": lagging_rule,
               "include": include, "exclude": exclude, "objective": objective,
               "solver": solver, "time_limit": time_limit}
    problem = _selection(ranking, pack, k, options, warm_start, notes)
    assert problem.positions is not None  # set by selection_from_ranking
    sites = ranking.sites.iloc[problem.positions]

    # the decision matrix of the included sites, rows in the order of the plan's candidates
    values, matrix, directions = ranking.decision_matrix()
    row_of = {sid: j for j, sid in enumerate(ranking.included["id"].astype(str))}
    rows = np.array([row_of[sid] for sid in problem.ids], dtype=np.int64)
    v, x, d = values[rows], matrix[rows], directions
    method = ranking.method
    work = _ChunkWork(problem.fresh(), method, v, x, d, dict(ranking.scenario.method_options))
    score_block = work.scores

    published = sites["score"].to_numpy(dtype=float)
    single = problem.solve(published)
    counts, sets, statuses, score_sum, solve_s = _solve_samples(work, ws, chunk_samples,
                                                                scheduler)
    mean_scores = score_sum / ws.shape[0]
    mean_w = ws.mean(axis=0)
    if method == "wlc":
        robust = problem.solve(score_block(mean_w[None, :])[0])
        rule = WLC_RULE
    else:
        spread = float(np.ptp(mean_scores[problem.available])) or 1.0
        tie = (mean_scores - mean_scores[problem.available].min()) / spread
        robust = problem.solve(counts + np.clip(tie, 0.0, 1.0) / (problem.k + 1),
                               mip_rel_gap=0.0)
        rule = CONSENSUS_RULE.format(method=method.upper())
    ordered = tuple(sorted(sets.items(), key=lambda kv: (-kv[1], kv[0])))
    codes, names = _region_frame(pack)
    lag_codes = set(problem.constraints.get("lagging_regions", []))
    ranks = sites["rank"].to_numpy(dtype="float64")
    return PlanRobustness(
        scenario=ranking.scenario.name, scenario_title=ranking.scenario.title or "",
        method=method, k=problem.k, samples=int(ws.shape[0]), seed=seed,
        sampling=str(sampling),
        concentration=float(concentration) if sampling == "dirichlet" else None,
        bounds=used_bounds, criteria=criteria, weights=w, mean_weights=mean_w,
        weight_samples=ws, site_ids=problem.ids,
        site_names=tuple(str(s) for s in sites["name"]),
        site_region_codes=problem.region,
        site_regions=tuple(_text(s) for s in sites["region"]),
        site_rank=np.where(np.isnan(ranks), 0, ranks).astype(np.int64),
        site_scores=published, can_be_chosen=problem.available,
        why_not=problem.unavailable_reasons, counts=counts, mean_scores=mean_scores,
        single_weight_plan=tuple(int(i) for i in single.chosen),
        robust_plan=tuple(int(i) for i in robust.chosen), robust_rule=rule, sets=ordered,
        region_codes=tuple(codes), region_names=tuple(names),
        region_lagging=tuple(c in lag_codes for c in codes),
        constraints=dict(problem.constraints), solver=problem.solver,
        statuses=dict(sorted(statuses.items())), solve_time_s=solve_s,
        runtime_s=time.perf_counter() - t_start, notes=tuple(notes))


def _text(v: Any) -> str:
    """A cell as text ("" for missing)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v)
