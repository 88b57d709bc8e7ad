"""The surface built by partitions: cells grouped under a coarse H3 parent, one task each.

The in-memory :class:`~siteplan.analyses.surface.model.SurfaceModel` holds every cell at
once (resolution 9: ~6 million cells over Morocco; resolution 10, ~43 million, does not
fit a laptop). :func:`build_partitioned` holds one *partition* at a time: the cells of
the surface that descend from one H3 cell of a coarser ``parent_resolution``. A parent
has exactly ``7 ** (resolution - parent_resolution)`` descendants (fewer for the twelve
pentagons), so the largest partition is known before anything is covered, and the
parent resolution is chosen from that bound (:func:`parent_resolution_for`).

Each partition is one task of :func:`siteplan.analyses.scheduling.run_chunks`, so
``--scheduler`` runs them in this process, on threads, local processes or a dask cluster.
A task covers its parent (:func:`~siteplan.analyses.surface.model.cells_under`, the same
per-cell classification as the whole cover), computes the criteria, screens, normalises
and scores the cells, marks the local maxima, hands the partition to a *sink* (the
caller's writer: :func:`siteplan.outputs.surface_files.write_partition` writes one
GeoParquet file per parent) and returns a small :class:`PartitionSummary`.

Why the result equals the in-memory build cell by cell, bitwise: every step is per cell
once the value functions are fixed. The partitioned build therefore accepts only
scenarios whose steps need no statistic of the whole territory, and says so otherwise
(:func:`check_partitionable`): absolute value functions (``piecewise``, ``sigmoid``,
``saturating``: the built-in scenarios' fixed anchors), ``nan_policy = "exclude"``
(an imputed median or worst value is a territory-wide statistic) and a per-row method
(WLC, WP, OWA; TOPSIS and VIKOR compare each cell with all others).

Local maxima need the neighbours' scores, and a partition's border cells have neighbours
in other partitions: each task also scores the *halo* (the neighbours outside the
partition whose centre is in the study area) and drops it before the sink. The hotspots
(:meth:`PartitionedSurface.hotspots`) are then the greedy choice of
:func:`~siteplan.analyses.surface.model.hotspots` over the union of every partition's
best local maxima; when a partition's list was cut above the last hotspot chosen, that
partition is scored again with its full list, so the hotspots are exactly the in-memory
ones.
"""

from __future__ import annotations

import copy
import math
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan.analyses.scheduling import DEFAULT_SCHEDULER, run_chunks
from siteplan.analyses.surface.model import (
    _REGION_KEY,
    DEFAULT_CHUNK,
    SurfaceModel,
    _check_build,
    _coarse_cover,
    _compute_raw,
    _no_progress,
    _normalize_cells,
    _zone_indexes,
    _zone_labels,
    below_floor,
    cell_centres,
    cells_under,
    check_resolution,
    hotspot_frame,
)
from siteplan.criteria.compute import CriteriaContext
from siteplan.criteria.geodesy import geodesic_km
from siteplan.errors import DataError, ScenarioError, UsageError
from siteplan.layers.pack import Pack
from siteplan.scenario import METHOD_INFO, RELATIVE_NORMALIZERS, Scenario, load_scenario
from siteplan.scoring.ranking import CriterionInfo
from siteplan.scoring.screening import constraint_reason

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import NDArray

    from siteplan.analyses.surface.model import Progress

__all__ = ["DEFAULT_TOP", "PARTITION_CELLS", "PartitionJob", "PartitionSummary",
           "PartitionedSurface", "SurfacePartition", "build_partitioned",
           "check_partitionable", "parent_resolution_for"]

#: Largest number of cells of a partition by default: 7 ** 6, the descendants of a cell
#: six levels coarser (resolution 10 under resolution 4: 444 partitions over Morocco).
#: Measured peak of one worker at resolution 10: see docs/scaling.md; ~120,000 cells
#: (with their halo, criteria and file) stay well under 1 GB, and a few hundred tasks
#: keep 2 to 32 workers evenly busy.
PARTITION_CELLS = 7 ** 6
#: Approximate bytes per cell of a partition while it is built and written (criteria in
#: float64 per chunk, the model, the scores, the Arrow columns): the basis of
#: :func:`parent_resolution_for` under a memory budget.
BYTES_PER_CELL = 2_000
#: MB of a worker before any cell: interpreter, libraries and the pack's layers.
BASELINE_MB = 400.0
#: Local maxima each partition returns for the hotspots (more only when needed).
DEFAULT_TOP = 500


# --------------------------------------------------------------------------- checks


def check_partitionable(scen: Scenario) -> None:
    """Refuse, in one line, a scenario whose surface needs territory-wide statistics.

    Relative value functions (min-max, vector, max, target) are fitted over every valid
    cell, imputation fills a cell with the median or worst value of all cells, and
    TOPSIS/VIKOR compare each cell with the whole set: none of them can be computed one
    partition at a time without a first pass over all cells, which the partitioned build
    does not make (it would double the work); use the in-memory build (resolution 9 or
    coarser) or fixed anchors.
    """
    used = {c.name for c in scen.weighted} | set(scen.lens_weights("viability"))
    relative = [c.name for c in scen.criteria if c.name in used
                and c.value_function().get("method") in RELATIVE_NORMALIZERS]
    if relative:
        raise ScenarioError(
            f"scenario '{scen.name}': criteria {', '.join(relative)} use a relative value "
            "function (fitted over all cells), which a partitioned surface cannot fit one "
            "partition at a time; give them fixed anchors (normalize = piecewise, sigmoid "
            "or saturating) or build in memory at resolution 9 or coarser")
    constrained = {k.criterion for k in scen.constraints}
    imputed = [c.name for c in scen.criteria if c.name in used | constrained
               and (c.nan_policy or scen.nan_policy) != "exclude"]
    if imputed:
        raise ScenarioError(
            f"scenario '{scen.name}': criteria {', '.join(imputed)} impute missing values "
            "from all cells (nan_policy impute-*), which a partitioned surface cannot do one "
            "partition at a time; set nan_policy = \"exclude\" or build in memory at "
            "resolution 9 or coarser")
    if not METHOD_INFO[scen.method].per_row:
        raise ScenarioError(
            f"scenario '{scen.name}': method {scen.method} scores each cell against all "
            "others, which a partitioned surface cannot do one partition at a time; use wlc, "
            "wp or owa, or build in memory at resolution 9 or coarser")


def parent_resolution_for(resolution: int, max_partition_cells: int | None = None,
                          max_memory_mb: float | None = None) -> int:
    """The coarsest parent resolution whose partitions hold at most the given cells.

    A parent at resolution ``p`` has ``7 ** (resolution - p)`` descendants, so
    ``p = resolution - floor(log7(max cells))``, at least 0 and at most
    ``resolution - 2`` (the cover classifies cells two levels up). ``max_memory_mb``
    (a worker's budget) gives ``(budget - BASELINE_MB) / BYTES_PER_CELL`` cells; by
    default :data:`PARTITION_CELLS`.
    """
    if max_memory_mb is not None:
        budget = float(max_memory_mb)
        cells = int((budget - BASELINE_MB) * 2**20 // BYTES_PER_CELL)
        if cells < 7 ** 2:
            raise UsageError(f"--max-memory-mb {budget:g} is too small for a partitioned "
                             f"surface: a worker needs about {BASELINE_MB:.0f} MB before any "
                             "cell; give at least 500")
        max_partition_cells = cells if max_partition_cells is None else min(
            cells, max_partition_cells)
    limit = PARTITION_CELLS if max_partition_cells is None else int(max_partition_cells)
    if limit < 1:
        raise UsageError(f"max_partition_cells {max_partition_cells!r}: give at least 1")
    levels = 0
    while 7 ** (levels + 1) <= limit:
        levels += 1
    return int(min(max(resolution - levels, 0), resolution - 2))


def _check_parent(resolution: int, parent_resolution: Any) -> int:
    if isinstance(parent_resolution, bool) or not isinstance(parent_resolution,
                                                             int | np.integer) \
            or not 0 <= int(parent_resolution) <= resolution - 2:
        raise UsageError(f"parent resolution {parent_resolution!r}: give an H3 resolution "
                         f"from 0 to {resolution - 2} (two levels coarser than the surface's "
                         f"{resolution} at least)")
    return int(parent_resolution)


# --------------------------------------------------------------------------- one partition


#: a sink: ``sink(partition, sink_arg)`` -> a small picklable value (e.g. the file name)
Sink = Callable[["SurfacePartition", Any], Any]


@dataclass(frozen=True)
class PartitionJob:
    """What every partition task shares (small and picklable: the pack without its
    loaded layers; each worker loads them once, see :func:`_context`)."""

    scenario: Scenario
    pack: Pack
    resolution: int
    parent_resolution: int
    chunk_size: int = DEFAULT_CHUNK
    all_criteria: bool = False
    top: int | None = DEFAULT_TOP
    sink: Sink | None = None
    sink_arg: Any = None
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class SurfacePartition:
    """One partition: its cells as a :class:`SurfaceModel` (without the halo), their
    scores and which are local maxima (score >= every scored neighbour's)."""

    parent: int
    model: SurfaceModel
    scores: NDArray[np.float64]
    local_max: NDArray[np.bool_]


@dataclass
class PartitionSummary:
    """What a task returns: counts, score range, its best local maxima, its cost."""

    parent: int
    n_cells: int
    n_valid: int
    exclusions: dict[str, int]
    has_value: dict[str, bool]
    score_sum: float
    score_min: float
    score_max: float
    #: the best local maxima (``cells``, ``score``, ``lon``, ``lat``, ``region``), best first
    candidates: dict[str, NDArray[Any]]
    #: (score, h3) of the best local maximum left out of ``candidates``; None: none left out
    cut: tuple[float, int] | None
    seconds: float
    written: Any = None


@dataclass
class _Context:
    pack: Pack
    ctx: CriteriaContext
    area: Any
    regions: Any
    study: str
    zone_layers: list[str]
    codes: list[str]
    labels: list[str]


_CONTEXTS: dict[str, _Context] = {}  # job token -> this worker's context (one entry)


def _context(job: PartitionJob) -> _Context:
    """The pack's layers and criteria context on this worker, built once per job."""
    hit = _CONTEXTS.get(job.token)
    if hit is not None:
        return hit
    import shapely

    pack = job.pack
    ctx = CriteriaContext(pack)
    study = pack.manifest.study_area
    regions = ctx.zones(study, f"study area '{study}'")
    area = pack.study_area()
    shapely.prepare(area)
    zone_layers = list(dict.fromkeys(str(c.params["zones"]) for c in job.scenario.criteria
                                     if c.kind == "zone_attribute"))
    codes, labels = _zone_labels(regions, pack, study)
    out = _Context(pack, ctx, area, regions, study, zone_layers, codes, labels)
    _CONTEXTS.clear()
    _CONTEXTS[job.token] = out
    return out


def _halo(area: Any, cells: NDArray[np.int64]
          ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """The neighbours of ``cells`` outside them whose centre is in ``area`` (cells of the
    surface in other partitions), with their centres."""
    import h3ronpy
    import shapely

    ring = h3ronpy.grid_disk(cells.view(np.uint64), 1, flatten=True)
    nb = np.unique(np.asarray(ring, dtype=np.uint64).view(np.int64))
    out = np.setdiff1d(nb, cells, assume_unique=True)
    lon, lat = cell_centres(out)
    keep = shapely.intersects_xy(area, lon, lat)
    return out[keep], lon[keep], lat[keep]


def _screen(raw: NDArray[np.float32], scen: Scenario, col_of: Mapping[str, int],
            fails: dict[int, NDArray[np.bool_]], skipped: NDArray[np.bool_], n: int
            ) -> tuple[NDArray[np.bool_], dict[str, int]]:
    """The in-memory screening (NaN policy ``exclude``, constraints, viability floor) of
    every row; exclusions counted over the first ``n`` rows (the partition; the others
    are its halo)."""
    rows = raw.shape[0]
    constrained = {k.criterion for k in scen.constraints}
    used = {c.name for c in scen.weighted} | constrained
    excluded = np.zeros(rows, dtype=bool)
    exclusions: dict[str, int] = {}
    for c in scen.criteria:
        if c.name not in used:
            continue
        computed = ~skipped if c.name not in constrained else np.ones(rows, dtype=bool)
        nan = np.isnan(raw[:, col_of[c.name]]) & computed
        if nan.any():
            excluded |= nan
            if nan[:n].any():
                exclusions[f"no value for {c.display} (nan_policy = exclude)"] = int(
                    nan[:n].sum())
    for k, con in enumerate(scen.constraints):
        why = constraint_reason(con, scen.criterion(con.criterion))
        exclusions[why] = exclusions.get(why, 0) + int(fails[k][:n].sum())
        excluded |= fails[k]
    valid = ~excluded
    floor: dict[str, int] = {}
    kept = below_floor(raw, valid, scen, col_of, floor)
    for why in floor:
        exclusions[why] = int((valid[:n] & ~kept[:n]).sum())
    return kept, exclusions


def _local_maxima(cells: NDArray[np.int64], scores: NDArray[np.float64], n: int
                  ) -> NDArray[np.bool_]:
    """Which of the first ``n`` cells are local maxima: a finite score >= the score of
    each scored neighbour among ``cells`` (the partition and its halo), as in
    :func:`~siteplan.analyses.surface.model.hotspots`."""
    import h3ronpy
    import pyarrow as pa

    out = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(np.isfinite(scores[:n]))
    if rows.size == 0:
        return out
    order = np.argsort(cells, kind="stable")
    sorted_cells, sorted_scores = cells[order], scores[order]
    disks = pa.array(h3ronpy.grid_disk(cells[rows].view(np.uint64), 1))
    offsets = np.asarray(disks.offsets, dtype=np.intp)
    flat = np.asarray(disks.values, dtype=np.uint64).view(np.int64)
    at = np.minimum(np.searchsorted(sorted_cells, flat), sorted_cells.size - 1)
    nb = np.where(sorted_cells[at] == flat, sorted_scores[at], np.nan)
    best = np.fmax.reduceat(nb, offsets[:-1])  # a disk holds its own cell: never empty
    out[rows] = best <= scores[rows]
    return out


def build_partition(job: PartitionJob, parent: int) -> SurfacePartition | None:
    """The partition of ``parent``: its cells scored, with local maxima (None: no cell)."""
    c = _context(job)
    scen, res = job.scenario, job.resolution
    cells, lon, lat = cells_under(c.area, np.array([parent], dtype=np.int64), res)
    n = int(cells.size)
    if n == 0:
        return None
    hcells, hlon, hlat = _halo(c.area, cells)
    all_cells = np.concatenate([cells, hcells])
    all_lon, all_lat = np.concatenate([lon, hlon]), np.concatenate([lat, hlat])
    zone_idx = _zone_indexes(c.ctx, all_lon, all_lat, c.regions, c.study, c.zone_layers)
    region = zone_idx.pop(_REGION_KEY)
    raw, fails, skipped = _compute_raw(scen, c.ctx, all_lon, all_lat, zone_idx,
                                       job.chunk_size, job.all_criteria, _no_progress, res)
    names = [x.name for x in scen.criteria]
    col_of = {name: j for j, name in enumerate(names)}
    valid, exclusions = _screen(raw, scen, col_of, fails, skipped, n)
    values, value_names = _normalize_cells(raw, valid, scen, col_of)
    infos = [CriterionInfo.from_criterion(x) for x in scen.criteria]
    whole = SurfaceModel(scenario=scen, resolution=res, cells=all_cells, lon=all_lon,
                         lat=all_lat, region=region, region_codes=c.codes,
                         region_names=c.labels, criteria=names, raw=raw, valid=valid,
                         value_names=value_names, values=values, infos=infos)
    scores = whole.score()
    local_max = _local_maxima(all_cells, scores, n)
    n_valid = int(valid[:n].sum())
    part = replace(whole, cells=cells, lon=lon, lat=lat, region=region[:n], raw=raw[:n],
                   valid=valid[:n], values=values[:n_valid], exclusions=exclusions,
                   pack_name=c.pack.name)
    return SurfacePartition(int(parent), part, scores[:n], local_max)


def _partition_task(job: PartitionJob, parent: int) -> PartitionSummary | None:
    """One task: build the partition, hand it to the sink, return its summary."""
    t0 = time.perf_counter()
    part = build_partition(job, parent)
    if part is None:
        return None
    written = job.sink(part, job.sink_arg) if job.sink is not None else None
    m, s = part.model, part.scores
    fin = s[np.isfinite(s)]
    idx = np.flatnonzero(part.local_max)
    idx = idx[np.lexsort((m.cells[idx], -s[idx]))]
    keep = idx if job.top is None else idx[:job.top]
    cut = None
    if keep.size < idx.size:
        j = int(idx[keep.size])
        cut = (float(s[j]), int(m.cells[j]))
    candidates = {"cells": m.cells[keep], "score": s[keep], "lon": m.lon[keep],
                  "lat": m.lat[keep], "region": m.region_code_of_cells()[keep]}
    return PartitionSummary(
        parent=part.parent, n_cells=m.n_cells, n_valid=m.n_valid,
        exclusions=m.exclusions, has_value=_has_value(part),
        score_sum=float(fin.sum(dtype=np.float64)) if fin.size else 0.0,
        score_min=float(fin.min()) if fin.size else math.nan,
        score_max=float(fin.max()) if fin.size else math.nan,
        candidates=candidates, cut=cut, seconds=time.perf_counter() - t0, written=written)


def _has_value(part: SurfacePartition) -> dict[str, bool]:
    """Weighted or constrained criteria with at least one value in the partition."""
    scen = part.model.scenario
    used = {c.name for c in scen.weighted} | {k.criterion for k in scen.constraints}
    return {name: bool(np.isfinite(part.model.raw[:, j]).any())
            for j, name in enumerate(part.model.criteria) if name in used}


# --------------------------------------------------------------------------- the whole


@dataclass
class PartitionedSurface:
    """The partitioned surface: what every partition reported (the cells themselves are
    wherever the sink put them, e.g. one GeoParquet file per parent)."""

    job: PartitionJob
    partitions: list[PartitionSummary]
    seconds: float = 0.0
    scheduler: str = DEFAULT_SCHEDULER

    @property
    def scenario(self) -> Scenario:
        return self.job.scenario

    @property
    def resolution(self) -> int:
        return self.job.resolution

    @property
    def parent_resolution(self) -> int:
        return self.job.parent_resolution

    @property
    def n_cells(self) -> int:
        return sum(p.n_cells for p in self.partitions)

    @property
    def n_valid(self) -> int:
        return sum(p.n_valid for p in self.partitions)

    @property
    def exclusions(self) -> dict[str, int]:
        """Reason -> cells excluded for it, over all partitions."""
        return _merge(self.partitions)

    def score_range(self) -> tuple[float, float, float]:
        """(min, mean, max) of the valid cells' scores."""
        parts = [p for p in self.partitions if p.n_valid]
        return (min(p.score_min for p in parts),
                sum(p.score_sum for p in parts) / max(self.n_valid, 1),
                max(p.score_max for p in parts))

    def hotspots(self, k: int = 10, min_spacing_km: float = 25.0, pack: Pack | None = None,
                 scheduler: str | None = None) -> gpd.GeoDataFrame:
        """The hotspots of :func:`~siteplan.analyses.surface.model.hotspots` (the same
        cells, scores and order as on the in-memory surface), from the partitions' best
        local maxima; partitions whose list was too short are scored again in full."""
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
            raise UsageError(f"--hotspots {k!r}: give a number of hotspots >= 0")
        spacing = float(min_spacing_km)
        if not np.isfinite(spacing) or spacing < 0:
            raise UsageError(f"--spacing {min_spacing_km!r}: give a distance in km >= 0")
        parts = {p.parent: p for p in self.partitions}
        while True:
            chosen, short = _greedy(list(parts.values()), int(k), spacing)
            if not short:
                break
            full = replace(self.job, top=None, sink=None, sink_arg=None)
            for s in run_chunks(_partition_task, full, short, scheduler or self.scheduler):
                if s is not None:
                    parts[s.parent] = s
        return hotspot_frame(chosen["lon"], chosen["lat"], chosen["score"], chosen["cells"],
                             chosen["region"], pack)


def _greedy(parts: list[PartitionSummary], k: int, spacing: float
            ) -> tuple[dict[str, NDArray[Any]], list[int]]:
    """The greedy choice over the partitions' local maxima (decreasing score, ties by H3
    index; a maximum within ``spacing`` km of a chosen one is skipped), and the parents
    whose cut list may hide a better choice (empty when the choice is exact)."""
    cand = {key: np.concatenate([p.candidates[key] for p in parts])
            for key in ("cells", "score", "lon", "lat", "region")}
    order = np.lexsort((cand["cells"], -cand["score"]))
    cuts = [(p.cut, p.parent) for p in parts if p.cut is not None]
    chosen: list[int] = []
    for i in order.tolist():
        if len(chosen) == k:
            break
        if spacing > 0 and chosen:
            d = geodesic_km(cand["lon"][i], cand["lat"][i], cand["lon"][chosen],
                            cand["lat"][chosen])
            if np.any(np.asarray(d) < spacing):
                continue
        chosen.append(i)
    # exact if every list left out only maxima that come after the last one looked at
    if len(chosen) < k:
        short = [parent for _, parent in cuts]
    else:
        last = (-float(cand["score"][chosen[-1]]), int(cand["cells"][chosen[-1]]))
        short = [parent for (score, cell), parent in cuts if (-score, cell) < last]
    pick = np.asarray(chosen, dtype=np.intp)
    return {key: v[pick] for key, v in cand.items()}, short


def _light_pack(pack: Pack) -> Pack:
    """A copy of ``pack`` without its loaded layers, network or study area (what tasks
    are sent; each worker loads the layers once)."""
    out = copy.copy(pack)
    out.__dict__ = {k: v for k, v in pack.__dict__.items()
                    if k not in ("_cache", "_network", "_study_area")}
    out._cache = {}
    return out


def partition_parents(pack: Pack, resolution: int, parent_resolution: int
                      ) -> NDArray[np.int64]:
    """The parents that may hold cells of the surface: the cells at
    ``parent_resolution`` overlapping the study area, and one ring (sorted; some hold
    no cell)."""
    import shapely

    area = pack.study_area()
    if area.is_empty:
        raise DataError(f"pack '{pack.name}': the study-area layer "
                        f"'{pack.manifest.study_area}' has no polygon")
    shapely.prepare(area)
    return np.sort(_coarse_cover(area, parent_resolution))


def build_partitioned(scenario: Scenario | str | None = None, *, pack: Pack | None = None,
                      resolution: int = 8, sink: Sink | None = None, sink_arg: Any = None,
                      parent_resolution: int | None = None,
                      max_partition_cells: int | None = None,
                      max_memory_mb: float | None = None, chunk_size: int = DEFAULT_CHUNK,
                      all_criteria: bool = False, scheduler: str = DEFAULT_SCHEDULER,
                      top: int = DEFAULT_TOP, progress: Progress | None = None,
                      only: Sequence[int] | None = None) -> PartitionedSurface:
    """Build the surface one partition (cells under one coarse H3 parent) at a time.

    Parameters
    ----------
    scenario, pack, chunk_size, all_criteria
        As in :meth:`~siteplan.analyses.surface.model.SurfaceModel.build`; the scenario
        must pass :func:`check_partitionable`.
    resolution
        H3 resolution, 5..10.
    sink
        ``sink(partition, sink_arg)``, called on the worker for every partition that
        holds cells (a module-level function: it is pickled for processes and clusters);
        its return value is kept in :attr:`PartitionSummary.written`. Default: none
        (the partitions are summarised and dropped).
    parent_resolution
        Resolution of the parents (default: :func:`parent_resolution_for` of
        ``max_partition_cells`` or ``max_memory_mb``).
    max_partition_cells, max_memory_mb
        The bound on a partition: cells, or one worker's memory in MB.
    scheduler
        Where the partitions run (:func:`siteplan.analyses.scheduling.run_chunks`); with
        ``sync`` they run one by one in this process, reported to ``progress``.
    top
        Local maxima each partition returns for :meth:`PartitionedSurface.hotspots`.
    only
        Build only these parents (H3 indexes at ``parent_resolution``): a part of the
        surface, e.g. to measure the cost of a few partitions; the whole-territory
        checks still apply to that part.

    Returns
    -------
    PartitionedSurface
        The partitions' summaries, in parent order (which is the cells' H3 order).

    Raises
    ------
    ScenarioError
        A scenario that needs statistics over all cells (:func:`check_partitionable`).
    DataError
        When no cell is left after the constraints, or a criterion has no value on any
        cell (as the in-memory build).
    """
    t0 = time.perf_counter()
    res = check_resolution(resolution, partitioned=True)
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    _check_build(scen, chunk_size)
    check_partitionable(scen)
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
        raise UsageError(f"top {top!r}: give a number of local maxima >= 1")
    parent = (parent_resolution_for(res, max_partition_cells, max_memory_mb)
              if parent_resolution is None else _check_parent(res, parent_resolution))
    if pack is None:
        pack = Pack(None, overrides=scen.layers)
    parents = partition_parents(pack, res, parent).tolist()
    if only is not None:
        wanted = {int(x) for x in only}
        parents = [x for x in parents if x in wanted]
    job = PartitionJob(scen, _light_pack(pack), res, parent, int(chunk_size), all_criteria,
                       int(top), sink, sink_arg)
    found: list[PartitionSummary | None] = []
    if scheduler == "sync":
        with (progress or _no_progress)(len(parents), f"partitions at H3 res {res}") as advance:
            for p in parents:
                found.extend(run_chunks(_partition_task, job, [p], scheduler))
                advance(1)
    else:
        found = run_chunks(_partition_task, job, parents, scheduler)
    parts = [s for s in found if s is not None]
    _check_whole(scen, parts)
    return PartitionedSurface(job, parts, time.perf_counter() - t0, scheduler)


def _check_whole(scen: Scenario, parts: list[PartitionSummary]) -> None:
    """The in-memory build's checks over the whole territory: a criterion with no value
    on any cell, no valid cell left."""
    if not parts:
        raise DataError(f"no H3 cell has its centre in the study area of scenario "
                        f"'{scen.name}'; use a finer resolution")
    for c in scen.criteria:
        seen = [p.has_value[c.name] for p in parts if c.name in p.has_value]
        if seen and not any(seen):
            raise DataError(f"criterion '{c.name}': no H3 cell has a value (all NaN); check "
                            "the layer and column it reads")
    if not any(p.n_valid for p in parts):
        listed = "; ".join(f"{k}: {v:,} cells" for k, v in _merge(parts).items())
        raise DataError(f"no H3 cell left after constraints ({listed}); relax the "
                        "[[constraints]] of the scenario")


def _merge(parts: list[PartitionSummary]) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in parts:
        for why, count in p.exclusions.items():
            out[why] = out.get(why, 0) + count
    return out
