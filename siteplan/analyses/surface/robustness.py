"""Surface robustness: which cells stay near the top of the surface when the weights move?

The surface (:class:`~siteplan.analyses.surface.model.SurfaceModel`) scores every H3 cell
under one weight vector, and its hotspots are the local maxima of that one score. A
hotspot that only appears under one weight vector is not a place to propose.
:func:`surface_robustness` samples weight vectors the way SMAA and plan robustness do
(same samplers, same seed, same vectors: :mod:`siteplan.scoring.sampling`), re-scores
every valid cell under each one and reports

* each valid cell's **robust share**: the share of the samples under which the cell is in
  the top ``q`` % of the valid cells (``q`` = ``top_q``, 5 by default);
* the **robust hotspots**: :func:`~siteplan.analyses.surface.model.hotspots` applied to
  the robust share instead of the single-weight score (local maxima of the share, at
  least the spacing apart, best first; equal shares by H3 index as in ``hotspots``).
  Cells with a share of 0 (never in the top q %) are never hotspots, so there may be
  fewer robust hotspots than asked.

Top q %
-------
With ``n`` valid cells, a sample's top q % is its ``t = ceil(q n / 100)`` best cells: the
threshold is the ``t``-th highest score of the sample (the empirical ``1 - q/100``
quantile as an order statistic, found with :func:`numpy.partition`, not a sort), and
every cell whose score is **greater than or equal to** the threshold counts. Without ties
at the threshold exactly ``t`` cells count per sample, so the counts add up to ``t`` per
sample and the mean share is ``t / n`` (``q / 100`` up to the rounding of ``t``); cells
tied with the threshold all count, so ties can only add cells.

How it is computed
------------------
Only the weighted criteria are sampled (criteria with weight 0, constraint-only ones
among them, stay at 0), and the excluded cells (NaN policy, constraints, viability floor)
stay excluded, as in SMAA. For the weighted linear combination the scores of a chunk of
samples are one matrix product, (samples x criteria) times (criteria x cells), by the
WLC kernel of :meth:`SurfaceModel.score`
(:func:`~siteplan.analyses.surface.model.wlc_scores`), so a cell's sampled score is its
rescored score ``model.score(weights)`` to the bit; other methods loop over the samples
with ``model.score``. A chunk (``chunk`` samples at a time) holds at most 32 MB of
scores, about 50 MB in all.

Example
-------
>>> from siteplan.analyses.surface.model import SurfaceModel
>>> from siteplan.analyses.surface.robustness import surface_robustness
>>> model = SurfaceModel.build("balanced-2030", resolution=7)       # doctest: +SKIP
>>> rob = surface_robustness(model, samples=1000, top_q=5.0)        # doctest: +SKIP
>>> rob.hotspots[["name", "robust_share", "score"]]                 # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from siteplan.analyses.scheduling import (
    DEFAULT_SCHEDULER,
    check_scheduler,
    chunk_bounds,
    run_chunks,
)
from siteplan.analyses.surface.model import SurfaceModel, hotspots, wlc_scores
from siteplan.errors import UsageError
from siteplan.phrases import number_in, render
from siteplan.scoring.sampling import (
    SAMPLINGS,
    bounds_array,
    check_samples,
    check_seed,
    sample_weights,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from siteplan.layers.pack import Pack
    from siteplan.scenario import Scenario

__all__ = ["CHUNK_BYTES", "SurfaceRobustness", "check_options", "check_top_q",
           "surface_robustness", "top_count"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Bytes of sampled scores (samples x valid cells) held at once; with the comparison mask
#: (a quarter of it for float32 scores) and the float64 partial product of the WLC kernel
#: (8 MB), a chunk holds about 50 MB.
CHUNK_BYTES = 32 * 2**20


@dataclass(frozen=True, eq=False)
class SurfaceRobustness:
    """Result of :func:`surface_robustness`.

    Cell arrays are indexed like the model's cells (``model.cells``); excluded cells have
    a NaN share and a count of 0.

    Attributes
    ----------
    model
        The surface the samples re-scored.
    method
        The aggregation method (the scenario's).
    samples, seed, sampling, concentration, bounds
        The weight sampling (``concentration`` for Dirichlet, ``bounds`` for bounds).
    top_q
        The top share of the valid cells that counts, in percent (0 < q < 100).
    top_cells
        Cells in a sample's top q % when there is no tie at the threshold:
        ``ceil(top_q / 100 * n_valid)``.
    criteria, weights
        The weighted criteria and the scenario's weights (sum 1).
    weight_samples
        The sampled weight vectors, ``(samples, criteria)``, rows sum to 1 (the same as
        SMAA's and plan robustness's with the same seed and sampling).
    counts
        Per cell, the number of samples under which it is in the top q %.
    share
        ``counts / samples`` for the valid cells, NaN for the excluded ones.
    thresholds
        Per sample, the score a cell needs to be in the top q % (the ``top_cells``-th
        highest score).
    cells_in_top
        Per sample, the number of cells in the top q % (``top_cells`` plus the cells tied
        with the threshold).
    hotspots
        The robust hotspots: :func:`~siteplan.analyses.surface.model.hotspots` of
        :attr:`share` over the cells with a positive share (at most ``n_hotspots``), best
        first; ``robust_share`` is the cell's share and ``score`` its single-weight score
        (the scenario's weights). A candidate file for ``siteplan rank --candidates``,
        like the single-weight hotspots.
    n_hotspots, min_spacing_km
        The hotspot options used.
    chunk
        Samples scored per chunk.
    runtime_s
        Seconds spent (sampling, scoring, counting and the hotspots).
    """

    model: SurfaceModel = field(repr=False)
    method: str
    samples: int
    seed: int | None
    sampling: str
    concentration: float | None
    bounds: Mapping[str, tuple[float, float]] | None
    top_q: float
    top_cells: int
    criteria: tuple[str, ...]
    weights: FloatArray
    weight_samples: FloatArray = field(repr=False)
    counts: IntArray = field(repr=False)
    share: FloatArray = field(repr=False)
    thresholds: FloatArray = field(repr=False)
    cells_in_top: IntArray = field(repr=False)
    hotspots: gpd.GeoDataFrame = field(repr=False)
    n_hotspots: int
    min_spacing_km: float
    chunk: int
    runtime_s: float

    @property
    def n_valid(self) -> int:
        """Number of valid cells (those ranked in every sample)."""
        return self.model.n_valid

    @property
    def mean_share(self) -> float:
        """Mean share over the valid cells: ``top_cells / n_valid`` without ties."""
        return float(self.cells_in_top.mean() / self.n_valid)

    def summary(self, lang: str = "en") -> str:
        """One line in ``lang``: samples, sampling, q, cells per sample and the time."""
        def num(text: str) -> str:
            return number_in(text, lang)

        extra = (f", concentration {num(f'{self.concentration:g}')}"
                 if self.sampling == "dirichlet" else "")
        seed = (render("seed", lang, seed=self.seed) if self.seed is not None
                else render("no_seed", lang))
        return render("surface_robustness", lang, samples=num(f"{self.samples:,}"),
                      sampling=render(f"sampling_{self.sampling}", lang), extra=extra,
                      seed=seed, q=num(f"{self.top_q:g}"), valid=num(f"{self.n_valid:,}"),
                      cells=num(f"{self.top_cells:,}"), time=num(f"{self.runtime_s:.2f}"))


# --------------------------------------------------------------------------- checks


def check_top_q(top_q: Any) -> float:
    """``top_q`` as a float percentage with 0 < q < 100, else a UsageError saying why."""
    if isinstance(top_q, bool) or not isinstance(top_q, int | float | np.integer | np.floating):
        raise UsageError(f"top_q (--top-q) = {top_q!r}: give a percentage of the valid cells "
                         "between 0 and 100 (exclusive), e.g. 5")
    q = float(top_q)
    if not (math.isfinite(q) and 0.0 < q < 100.0):
        raise UsageError(f"top_q (--top-q) = {q:g}: give a percentage of the valid cells "
                         "between 0 and 100 (exclusive), e.g. 5 for the top 5 %")
    return q


def top_count(n_valid: int, top_q: float) -> int:
    """Cells in the top ``top_q`` % of ``n_valid`` cells: ``ceil(q n / 100)``, at least 1.

    ``q n / 100`` is rounded to 1e-9 first, so that 5 % of 1,000 cells is 50 cells even
    when the floating-point product is 50.000000000000007.
    """
    x = float(top_q) * int(n_valid) / 100.0
    return max(1, min(int(n_valid), math.ceil(x - 1e-9 * max(1.0, x))))


def check_options(scenario: Scenario, samples: Any, *, top_q: Any = 5.0,
                  sampling: str = "uniform", concentration: float = 50.0,
                  bounds: Mapping[str, Sequence[float]] | None = None,
                  seed: Any = 42) -> tuple[float, dict[str, tuple[float, float]] | None]:
    """Refuse bad robustness options before any work (the CLI calls it before building the
    surface); returns ``top_q`` as a float and the bounds used (``bounds`` only)."""
    check_samples(samples, "samples (--robustness)")
    q = check_top_q(top_q)
    check_seed(seed)
    if sampling not in SAMPLINGS:
        raise UsageError(f"sampling {sampling!r}: use one of {', '.join(SAMPLINGS)}")
    if sampling == "dirichlet" and not (isinstance(concentration, int | float)
                                        and math.isfinite(concentration)
                                        and concentration > 0):
        raise UsageError(f"concentration {concentration!r}: give a positive number (e.g. 50)")
    criteria = [c.name for c in scenario.weighted]
    if len(criteria) < 2:
        raise UsageError("surface robustness: the scenario has one weighted criterion; weights "
                         "can only be traded between two or more criteria")
    if bounds and sampling != "bounds":
        raise UsageError("bounds are only used with sampling='bounds' (--sampling bounds)")
    used = None
    if sampling == "bounds":
        if not bounds:
            raise UsageError("sampling='bounds' needs bounds, e.g. --bound talent=0.1:0.3")
        used = bounds_array(bounds, criteria)[1]
    return q, used


def _check_chunk(chunk: Any, n_valid: int, samples: int, itemsize: int) -> int:
    """Samples per chunk: ``chunk``, or as many as fit in :data:`CHUNK_BYTES`."""
    if chunk is None:
        return max(1, min(samples, CHUNK_BYTES // (itemsize * max(n_valid, 1))))
    if isinstance(chunk, bool) or not isinstance(chunk, int | np.integer) or chunk < 1:
        raise UsageError(f"chunk = {chunk!r}: give a positive number of samples per chunk")
    return min(int(chunk), samples)


# --------------------------------------------------------------------------- analysis


def _sample(model: SurfaceModel, samples: int, sampling: str, concentration: float,
            bounds: Mapping[str, Sequence[float]] | None, seed: Any
            ) -> tuple[tuple[str, ...], FloatArray, FloatArray]:
    """Criteria, scenario weights and the weight samples (as SMAA and plan robustness)."""
    criteria = tuple(model.value_names)
    w_map = model.scenario.weights
    w = np.array([w_map[c] for c in criteria], dtype=float)
    w = w / w.sum()
    b_arr = bounds_array(bounds, criteria)[0] if sampling == "bounds" and bounds else None
    # the stream of the SMAA report and of plan robustness: the first of two generators
    # spawned from the seed draws the weights
    rng_w = np.random.default_rng(seed).spawn(2)[0]
    ws = sample_weights(len(criteria), int(samples), sampling=sampling,  # type: ignore[arg-type]
                        seed=rng_w, center=w, concentration=concentration, bounds=b_arr)
    return criteria, w, ws


def _count_top(block: NDArray[np.floating[Any]], top: int, counts: IntArray,
               thresholds: FloatArray, in_top: IntArray) -> None:
    """Add one chunk of sampled scores (samples x valid cells) to the counts.

    Per sample (row) the threshold is the ``top``-th highest score, found by
    :func:`numpy.partition` of that row; cells ``>=`` the threshold count (ties included).
    """
    pos = block.shape[1] - top
    for i, row in enumerate(block):
        thresholds[i] = np.partition(row, pos)[pos]
    ge = block >= thresholds[:, None].astype(block.dtype)
    in_top[:] = ge.sum(axis=1)
    counts += ge.sum(axis=0)


def _method_block(model: SurfaceModel, criteria: tuple[str, ...], wb: FloatArray
                  ) -> FloatArray:
    """Scores of the valid cells under each weight vector of ``wb``, by the model's own
    rescoring (methods other than WLC); NaN scores never count (set to -inf)."""
    out = np.empty((wb.shape[0], model.n_valid), dtype=np.float64)
    for i, w in enumerate(wb):
        out[i] = model.score({c: float(x) for c, x in zip(criteria, w, strict=True)})[
            model.valid]
    np.nan_to_num(out, copy=False, nan=-np.inf, posinf=np.inf, neginf=-np.inf)
    return out


@dataclass(frozen=True, eq=False)
class _SurfaceWork:
    """What every chunk of samples needs: the WLC value matrix, or the model itself for
    the other methods (rescored by ``model.score``), the criteria and the top count."""

    values: Any
    model: SurfaceModel | None
    criteria: tuple[str, ...]
    top: int


def _surface_chunk(work: _SurfaceWork, wb: FloatArray
                   ) -> tuple[IntArray, FloatArray, IntArray]:
    """One chunk of samples: per valid cell the samples putting it in the top, and per
    sample the threshold score and the number of cells in the top."""
    block = (wlc_scores(work.values, wb) if work.model is None
             else _method_block(work.model, work.criteria, wb))
    counts = np.zeros(block.shape[1], dtype=np.int64)
    thresholds = np.empty(wb.shape[0], dtype=np.float64)
    in_top = np.empty(wb.shape[0], dtype=np.int64)
    _count_top(block, work.top, counts, thresholds, in_top)
    return counts, thresholds, in_top


def surface_robustness(model: SurfaceModel, samples: int = 1000, *, top_q: float = 5.0,
                       sampling: str = "uniform", concentration: float = 50.0,
                       bounds: Mapping[str, Sequence[float]] | None = None,
                       seed: int | None = 42, chunk: int | None = None,
                       n_hotspots: int = 10, min_spacing_km: float = 25.0,
                       pack: Pack | None = None,
                       scheduler: str = DEFAULT_SCHEDULER) -> SurfaceRobustness:
    """How often each valid cell is in the top ``top_q`` % when the weights are sampled.

    Parameters
    ----------
    model
        The surface; its scenario gives the method, the weights and the excluded cells.
    samples
        Number of weight samples (>= 1).
    top_q
        The top share of the valid cells that counts, percent, 0 < q < 100 (default 5).
    sampling, concentration, bounds
        As in :func:`siteplan.analyses.sensitivity.report.analyse`: ``"uniform"`` on the
        weight simplex, ``"dirichlet"`` around the scenario weights (``concentration``:
        larger is tighter), or ``"bounds"``: uniform within criterion -> (lo, hi) weight
        shares. Only the weighted criteria are sampled.
    seed
        Seed of the weight sampling: same seed, same result (and the same weight vectors
        as the SMAA report and plan robustness with that seed and sampling).
    chunk
        Samples scored at a time (default: as many as fit in 32 MB of scores, e.g. 390
        for the 21,505 valid cells of the Morocco default at resolution 8).
    n_hotspots, min_spacing_km, pack
        The robust hotspots: how many, their minimum spacing (km) and the pack whose
        towns name them, as in :func:`~siteplan.analyses.surface.model.hotspots`.
    scheduler
        Where the chunks are scored (:mod:`siteplan.analyses.scheduling`): ``"sync"``
        (this process, no dask), ``"threads"``, ``"processes"`` or a dask.distributed
        address. The chunks are fixed by ``chunk`` and their counts are integers, so the
        result is bitwise the same whichever scheduler; each running chunk holds its own
        block of scores (memory grows with the number of chunks run at once).

    Returns
    -------
    SurfaceRobustness

    Raises
    ------
    UsageError
        Bad options (samples, top_q, seed, sampling, bounds, chunk, hotspots) or a
        scenario with fewer than two weighted criteria.
    """
    t_start = time.perf_counter()
    scheduler = check_scheduler(scheduler)
    q, used_bounds = check_options(model.scenario, samples, top_q=top_q, sampling=sampling,
                                   concentration=concentration, bounds=bounds, seed=seed)
    method = model.scenario.method
    criteria, w, ws = _sample(model, samples, sampling, concentration, bounds, seed)
    n, s = model.n_valid, int(ws.shape[0])
    wlc = method == "wlc"
    step = _check_chunk(chunk, n, s, 4 if wlc else 8)
    top = top_count(n, q)
    work = _SurfaceWork(model.values if wlc else None, None if wlc else model, criteria, top)
    results = run_chunks(_surface_chunk, work, [ws[a:b] for a, b in chunk_bounds(s, step)],
                         scheduler)
    counts_valid = np.zeros(n, dtype=np.int64)
    for res in results:  # integer counts: the sum is exact, whatever the order
        counts_valid += res[0]
    thresholds = np.concatenate([res[1] for res in results]).astype(np.float64)
    in_top = np.concatenate([res[2] for res in results]).astype(np.int64)
    counts = np.zeros(model.n_cells, dtype=np.int64)
    counts[model.valid] = counts_valid
    share = np.full(model.n_cells, np.nan)
    share[model.valid] = counts_valid / s
    spots = _robust_hotspots(model, share, n_hotspots, min_spacing_km, pack)
    return SurfaceRobustness(
        model=model, method=method, samples=s, seed=seed, sampling=str(sampling),
        concentration=float(concentration) if sampling == "dirichlet" else None,
        bounds=used_bounds, top_q=q, top_cells=top, criteria=criteria, weights=w,
        weight_samples=ws, counts=counts, share=share, thresholds=thresholds,
        cells_in_top=in_top, hotspots=spots, n_hotspots=int(n_hotspots),
        min_spacing_km=float(min_spacing_km), chunk=step,
        runtime_s=time.perf_counter() - t_start)


def _robust_hotspots(model: SurfaceModel, share: FloatArray, k: int, spacing: float,
                     pack: Pack | None) -> gpd.GeoDataFrame:
    """:func:`hotspots` of the share surface over the cells with a positive share;
    ``robust_share`` the share, ``score`` the cell's single-weight score.

    A cell never in the top q % is no hotspot: on the flat zero-share ground every cell
    is a local maximum (>= its neighbours), so zero shares are left out (NaN, never
    picked). That changes nothing for the positive cells (a zero neighbour never beats
    them, and they are all visited before any zero cell): the result is the leading
    rows of ``hotspots(model, share)`` with a positive share.
    """
    positive = np.where(share > 0, share, np.nan)
    spots = hotspots(model, positive, k=k, min_spacing_km=spacing, pack=pack)
    single = model.score()
    at = np.searchsorted(model.cells, _h3_ints(spots["h3"]))
    spots = spots.rename(columns={"score": "robust_share"})
    spots.insert(spots.columns.get_loc("robust_share") + 1, "score", single[at])
    return spots


def _h3_ints(hexes: Any) -> IntArray:
    """H3 hex strings as int64 indexes."""
    return np.array([int(h, 16) for h in hexes], dtype=np.int64)
