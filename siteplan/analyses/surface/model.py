"""H3 suitability surface: every cell of the study area scored like a candidate.

Pipeline (:meth:`SurfaceModel.build`):

1. :func:`cells_for_area` covers the study area (the pack's ``study_area`` layer,
   ``regions`` for Morocco) with the H3 cells of one resolution (5..9) whose centre
   lies in a study-area polygon (planar lon/lat test, the same test that locates
   candidates). Cells are found hierarchically: a coarse ``overlap`` cover, then
   children, and a point-in-polygon test only for the children near the boundary.
2. Each cell is assigned to a region (and, for ``zone_attribute`` criteria, to a zone
   of every zone layer they read) with the semantics of
   :func:`siteplan.criteria.kernels.containing_zone`: a centre inside several polygons gets the
   lowest index, a centre in none gets the nearest polygon (never dropped).
3. Raw criterion values come from :func:`siteplan.criteria.compute.compute_criteria` (the one
   code path of candidates and cells) on the cell centres, in chunks of bounded
   memory, stored as float32.
4. The scenario's NaN policy and hard constraints are applied exactly as in
   :func:`siteplan.scoring.ranking.rank` (imputation values and constraint reasons are computed
   over the cells), and the value functions of the weighted criteria are fitted
   **over the valid cells of the whole territory**: min-max and the other relative
   value functions use the territory's range, not the candidates' range, so a cell's
   score is comparable to other cells, not to a candidate's ranking score.
5. :meth:`SurfaceModel.score` only re-aggregates the stored value matrix, so new
   weights or another method never recompute a distance.

:func:`hotspots` picks the best local maxima with a minimum spacing and returns a
candidate layer that ``siteplan rank --candidates`` accepts; :func:`surface_overlay`
rasterises the scores for :func:`siteplan.outputs.html_map.save_map`;
:func:`siteplan.outputs.surface_files.write_surface` writes GeoParquet, GeoPackage or CSV.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan.criteria.compute import (
    CriteriaContext,
    candidate_only,
    compute_criteria,
    point_coordinates,
)
from siteplan.criteria.geodesy import geodesic_km, nearest_km
from siteplan.criteria.kernels import containing_zone
from siteplan.errors import CriterionError, DataError, UsageError
from siteplan.layers.pack import Pack
from siteplan.phrases import render
from siteplan.scenario import METHOD_INFO, Scenario, load_scenario
from siteplan.scoring.normalize import check_value_functions, normalize
from siteplan.scoring.ranking import CriterionInfo, aggregate_scores, method_matrix
from siteplan.scoring.screening import constraint_fails, constraint_reason, resolve_missing

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from numpy.typing import NDArray


log = logging.getLogger("siteplan")

#: H3 resolutions a surface may use (res 5 ~ 250 km2 cells, res 9 ~ 0.1 km2).
RESOLUTIONS = range(5, 10)
#: H3 resolutions the partitioned build accepts (res 10 ~ 0.015 km2 cells).
PARTITIONED_RESOLUTIONS = range(5, 11)
#: Cells per chunk of criterion computation (bounded memory).
DEFAULT_CHUNK = 200_000
#: Smallest chunk accepted under a memory bound.
MIN_CHUNK = 10_000

_BASELINE_MB = 350.0  # interpreter, libraries, layers and the kernels' own blocks

# H3 index layout (64 bits): mode(4) at 59, resolution(4) at 52, base cell(7) at 45,
# then 15 digits of 3 bits, digit r at bit 3 * (15 - r); unused digits are 7.
_RES_SHIFT = 52
_RES_MASK = np.int64(0xF << _RES_SHIFT)


def check_resolution(resolution: Any, partitioned: bool = False) -> int:
    """``resolution`` as an int in 5..9 (5..10 for the partitioned build), else a UsageError
    naming the supported range.

    Resolution 10 (~43 million cells over Morocco) is refused in memory: the in-memory
    model holds every cell at once; the partitioned build
    (:mod:`~siteplan.analyses.surface.partitioned`) holds one partition at a time.
    """
    allowed = PARTITIONED_RESOLUTIONS if partitioned else RESOLUTIONS
    if isinstance(resolution, bool) or not isinstance(resolution, int | np.integer):
        raise UsageError(f"--resolution {resolution!r}: give an integer H3 resolution from "
                         f"{allowed.start} to {allowed.stop - 1}")
    if not partitioned and int(resolution) not in RESOLUTIONS \
            and int(resolution) in PARTITIONED_RESOLUTIONS:
        raise UsageError(f"--resolution {resolution}: too many cells to hold in memory (~43 "
                         "million over Morocco; in-memory surfaces use resolutions 5 to 9); "
                         "write it by partitions with --partitioned FOLDER")
    if int(resolution) not in allowed:
        raise UsageError(f"--resolution {resolution}: unsupported; surfaces use H3 resolutions "
                         f"{allowed.start} to {allowed.stop - 1} (5: ~250 km2 cells, "
                         "9: ~0.1 km2, ~6 million cells over Morocco"
                         + (", 10: ~0.015 km2, ~43 million" if partitioned else "") + ")")
    return int(resolution)


# --------------------------------------------------------------------------- H3 helpers


def h3_parent(cells: NDArray[np.int64], resolution: int) -> NDArray[np.int64]:
    """Parent of every cell at a coarser ``resolution`` (bit arithmetic, vectorised).

    Equal to ``h3.cell_to_parent`` for valid cells finer than ``resolution``.
    """
    tail = np.int64((1 << (3 * (15 - resolution))) - 1)
    c = np.asarray(cells, dtype=np.int64)
    return (c & ~_RES_MASK) | np.int64(resolution << _RES_SHIFT) | tail


def cell_centres(cells: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(lon, lat) degrees of the cell centres.

    h3 4.5 has no array form of ``cell_to_latlng``; ``h3ronpy`` (Rust bindings of the
    H3 algorithms, MIT) has one, about 3x faster than mapping h3's compiled scalar
    function over a list (0.24 s against 0.70 s for the 869,000 cells of resolution 8).
    The two agree to 1e-13 degree (tested); h3 is the fallback when h3ronpy is absent.
    """
    c = np.asarray(cells, dtype=np.int64)
    if c.size == 0:
        return np.empty(0), np.empty(0)
    try:
        from h3ronpy.vector import cells_to_coordinates
    except ImportError:
        return _cell_centres_h3(c)
    batch = cells_to_coordinates(c.view(np.uint64))
    lat = np.asarray(batch.column("lat"), dtype=np.float64)
    lon = np.asarray(batch.column("lng"), dtype=np.float64)
    return lon, lat


def _cell_centres_h3(c: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cell centres with h3's scalar ``cell_to_latlng`` (about 0.8 us per cell)."""
    from h3._cy import cell_to_latlng

    n = int(c.size)
    lon = np.empty(n, dtype=np.float64)
    lat = np.empty(n, dtype=np.float64)
    step = 1 << 20  # bounded list of Python ints
    for start in range(0, n, step):
        part = c[start:start + step]
        flat = np.fromiter(chain.from_iterable(map(cell_to_latlng, part.tolist())),
                           dtype=np.float64, count=2 * part.size).reshape(part.size, 2)
        lat[start:start + part.size] = flat[:, 0]
        lon[start:start + part.size] = flat[:, 1]
    return lon, lat


def h3_strings(cells: NDArray[np.int64]) -> NDArray[np.str_]:
    """Canonical lower-case hex strings of H3 cells (``8839...ffff``), vectorised."""
    c = np.asarray(cells, dtype=np.int64)
    if c.size == 0:
        return np.empty(0, dtype="<U15")
    hexed = np.frombuffer(c.astype(">u8").tobytes().hex().encode("ascii"), dtype="S1")
    # 16 hex digits per cell; a cell index starts with the nibble 0 (reserved bit + mode 1)
    body = np.ascontiguousarray(hexed.reshape(-1, 16)[:, 1:]).view("S15").ravel()
    return body.astype("<U15")


#: a progress reporter: ``progress(total, label)`` gives a context manager yielding ``advance(n)``
Progress = Callable[[int, str], AbstractContextManager[Callable[[int], None]]]


def edge_km(resolution: int) -> float:
    import h3

    return float(h3.average_hexagon_edge_length(resolution, unit="km"))


def _h3_children(cells: NDArray[np.int64], resolution: int) -> NDArray[np.int64]:
    import h3.api.numpy_int as h3n

    if cells.size == 0:
        return np.empty(0, dtype=np.int64)
    return np.asarray(h3n.uncompact_cells(cells.astype(np.uint64), resolution), dtype=np.int64)


def _coarse_cover(area: Any, resolution: int) -> NDArray[np.int64]:
    """Cells at ``resolution`` overlapping ``area``, dilated by one ring.

    H3 children are not nested in their parent's polygon: a fine cell whose centre is
    in ``area`` can descend from a coarse cell next to one that overlaps ``area``;
    the ring covers it.
    """
    import h3
    import h3.api.numpy_int as h3n
    import shapely

    parts = []
    for poly in shapely.get_parts(area):
        shape = h3.geo_to_h3shape(shapely.geometry.mapping(poly))
        parts.append(np.asarray(h3n.h3shape_to_cells_experimental(shape, resolution,
                                                                   contain="overlap")))
    if not parts:
        return np.empty(0, dtype=np.int64)
    coarse = np.unique(np.concatenate(parts)).astype(np.uint64)
    disk = np.concatenate([h3n.grid_disk(c, 1) for c in coarse.tolist()])
    return np.unique(np.asarray(disk, dtype=np.int64))


# cells_for_area results by (study-area WKB digest, resolution): recomputing the res-8
# centres costs ~0.7 s of h3 calls (no array form in h3 4.5); entries are read-only
# arrays, at most _CELL_CACHE_SIZE of them, and only below _CELL_CACHE_MAX cells
_CELL_CACHE: dict[tuple[bytes, int], tuple[NDArray[np.int64], NDArray[np.float64],
                                           NDArray[np.float64]]] = {}
_CELL_CACHE_SIZE = 2
_CELL_CACHE_MAX = 2_000_000


def cells_for_area(pack: Pack, resolution: int) -> tuple[NDArray[np.int64], NDArray[np.float64],
                                                          NDArray[np.float64]]:
    """H3 cells covering the study area, with their centres.

    Results are cached per study-area geometry (digest of its WKB) and resolution
    for up to 2 million cells and returned as fresh copies, so repeated builds of the
    same area skip the h3 centre computation.

    A cell belongs to the surface when its centre lies in (or on the boundary of) the
    union of the study-area layer's polygons, tested in the lon/lat plane like
    candidates. Found hierarchically: cells at ``min(4, resolution - 2)`` that
    overlap the area, plus one ring; their descendants two levels above the target
    resolution are classified as surely inside, surely outside or near the boundary
    (distance to the boundary against the largest offset of a descendant's centre);
    only descendants of the boundary band are tested point by point.

    Parameters
    ----------
    pack : Pack
        Data pack; its ``study_area`` layer defines the area.
    resolution : int
        H3 resolution, 5..9 (res 8 is ~870,000 cells over Morocco, res 9 ~6.1 million).

    Returns
    -------
    cells : ndarray of int64, shape (n,)
        H3 indexes, sorted ascending (so cells sharing a parent are contiguous).
    lon, lat : ndarray of float64, shape (n,)
        Cell centres, degrees.
    """
    import hashlib

    import shapely

    res = check_resolution(resolution)
    area = pack.study_area()
    if area.is_empty:
        raise DataError(f"pack '{pack.name}': the study-area layer "
                        f"'{pack.manifest.study_area}' has no polygon")
    key = (hashlib.sha1(shapely.to_wkb(area)).digest(), res)
    hit = _CELL_CACHE.get(key)
    if hit is not None:
        return hit[0].copy(), hit[1].copy(), hit[2].copy()
    cells, lon, lat = _cells_for_area(pack, area, res)
    if cells.size <= _CELL_CACHE_MAX:
        while len(_CELL_CACHE) >= _CELL_CACHE_SIZE:
            _CELL_CACHE.pop(next(iter(_CELL_CACHE)))
        _CELL_CACHE[key] = (cells.copy(), lon.copy(), lat.copy())
    return cells, lon, lat


def _cells_for_area(pack: Pack, area: Any, res: int) -> tuple[NDArray[np.int64],
                                                              NDArray[np.float64],
                                                              NDArray[np.float64]]:
    import shapely

    shapely.prepare(area)
    cells, lon, lat = cells_under(area, _coarse_cover(area, min(4, res - 2)), res)
    if cells.size == 0:
        raise DataError(f"pack '{pack.name}': no H3 cell of resolution {res} has its centre in "
                        "the study area; use a finer resolution")
    return cells, lon, lat


def cells_under(area: Any, coarse: NDArray[np.int64], res: int
                ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """The descendants at ``res`` of the ``coarse`` cells whose centre lies in ``area``
    (a prepared shapely geometry), sorted, with their centres; possibly none.

    Each descendant two levels above ``res`` is classified on its own (surely inside,
    surely outside, near the boundary), so the cells found under one coarse cell are
    exactly those the whole cover finds under it: a partitioned build, one coarse parent
    at a time, finds the same cells as :func:`cells_for_area`.
    """
    import shapely

    mid_res = res - 2
    mids = _h3_children(np.asarray(coarse, dtype=np.int64), mid_res)
    mlon, mlat = cell_centres(mids)
    # largest planar (degree) offset of a descendant's centre from its ancestor's
    # centre: ~1.05 average edge lengths of the ancestor; 2.5 for safety, converted
    # with the shortest km per degree (longitude at the highest latitude)
    bounds = shapely.bounds(area)
    max_lat = float(max(abs(bounds[1]), abs(bounds[3])))
    km_per_deg = 111.32 * max(np.cos(np.radians(min(max_lat, 85.0))), 0.05)
    margin = 2.5 * edge_km(mid_res) / km_per_deg
    boundary = _prepared_boundary(area)
    inside = shapely.intersects_xy(area, mlon, mlat)
    near = shapely.dwithin(boundary, shapely.points(mlon, mlat), margin)
    sure = mids[inside & ~near]
    band = mids[near]
    kids_sure = _h3_children(sure, res)
    kids_band = _h3_children(band, res)
    blon, blat = cell_centres(kids_band)
    keep = shapely.intersects_xy(area, blon, blat)
    cells = np.concatenate([kids_sure, kids_band[keep]])
    order = np.argsort(cells, kind="stable")
    cells = cells[order]
    slon, slat = cell_centres(kids_sure)
    lon = np.concatenate([slon, blon[keep]])[order]
    lat = np.concatenate([slat, blat[keep]])[order]
    return cells, lon, lat


_BOUNDARIES: dict[int, tuple[Any, Any]] = {}  # id(area) -> (area, its prepared boundary): one entry


def _prepared_boundary(area: Any) -> Any:
    """The prepared boundary of ``area``, kept for the last area (a partitioned build asks
    for it once per partition)."""
    import shapely

    hit = _BOUNDARIES.get(id(area))
    if hit is not None and hit[0] is area:
        return hit[1]
    boundary = shapely.boundary(area)
    shapely.prepare(boundary)
    _BOUNDARIES.clear()
    _BOUNDARIES[id(area)] = (area, boundary)
    return boundary


# --------------------------------------------------------------------------- model


@dataclass
class SurfaceModel:
    """Weight-independent surface: cells, raw criteria, validity and value matrix.

    Attributes
    ----------
    scenario
        The scenario the model was built with (criteria, constraints, NaN policy).
    resolution
        H3 resolution.
    cells
        H3 indexes (int64, sorted), shape (n,).
    lon, lat
        Cell centres in degrees, shape (n,).
    region
        Index of each cell's region in ``region_codes`` (intp), shape (n,).
    region_codes, region_names
        Codes and names of the study-area polygons.
    criteria
        Names of all scenario criteria (columns of ``raw``).
    raw
        Raw criterion values, float32, shape (n, m), column-major; NaN where a
        criterion has no value (before imputation; imputed values are filled in).
    valid
        True for cells that pass the NaN policy and the constraints, shape (n,).
    value_names
        Weighted criteria (columns of ``values``).
    values
        Benefit-oriented value scores in [0, 1] of the valid cells, float32, shape
        (n_valid, k), row-major; value functions fitted over the valid cells.
    infos
        :class:`~siteplan.scoring.ranking.CriterionInfo` of every criterion.
    exclusions
        Reason -> number of cells excluded for it (a cell may have several).
    notes
        Human-readable notes (imputations).
    timings
        Seconds spent per build step (``cells``, ``zones``, ``criteria``, ``normalise``).
    """

    scenario: Scenario
    resolution: int
    cells: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    region: NDArray[np.intp]
    region_codes: list[str]
    region_names: list[str]
    criteria: list[str]
    raw: NDArray[np.float32]
    valid: NDArray[np.bool_]
    value_names: list[str]
    values: NDArray[np.float32]
    infos: list[CriterionInfo]
    exclusions: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    pack_name: str = ""

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, scenario: Scenario | str | os.PathLike[str] | None = None, *,
              pack: Pack | None = None, resolution: int = 7, chunk_size: int = DEFAULT_CHUNK,
              max_memory_mb: float | None = None, progress: Progress | None = None,
              all_criteria: bool = False) -> SurfaceModel:
        """Cover the study area, compute every criterion on the cells and normalise.

        The criteria named by hard constraints are computed first; by default the other
        criteria are then computed only on the cells that pass those constraints (cells
        that fail one are excluded whatever their other values), and are NaN in
        ``raw`` for the others. ``all_criteria=True`` computes everything everywhere.
        Either way the NaN policy's imputed values are taken over the cells whose
        criteria were computed.

        Parameters
        ----------
        scenario
            A :class:`~siteplan.scenario.Scenario`, a built-in name or a TOML path
            (default ``balanced-2030``).
        pack
            Data pack (default: the embedded Morocco pack with the scenario's overrides).
        resolution
            H3 resolution, 5..9.
        chunk_size
            Cells per chunk of criterion computation.
        max_memory_mb
            Approximate memory budget (MB) for the whole process; the chunk shrinks
            to fit, and a UsageError says so when not even a chunk of 10,000 cells fits.
        progress
            Called as ``progress(total, label)``; returns a context manager that yields
            ``advance(n)``, called as chunks of cells finish (default: nothing shown).
            The CLI passes a rich progress bar.
        all_criteria
            Compute every criterion on every cell, also on cells a constraint excludes.

        Raises
        ------
        CriterionError
            When a criterion can only be computed on candidates (kind ``attribute``).
        DataError
            When every cell is excluded, or a criterion has no value on any cell.
        """
        import time

        res = check_resolution(resolution)
        scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        _check_build(scen, chunk_size)
        if pack is None:
            pack = Pack(None, overrides=scen.layers)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        cells, lon, lat = cells_for_area(pack, res)
        n = int(cells.size)
        timings["cells"] = time.perf_counter() - t0

        names = [c.name for c in scen.criteria]
        zone_layers = list(dict.fromkeys(str(c.params["zones"]) for c in scen.criteria
                                         if c.kind == "zone_attribute"))
        chunk = _chunk_for_memory(n, len(names), len(scen.weighted), len(zone_layers),
                                  int(chunk_size), max_memory_mb, res)

        t0 = time.perf_counter()
        ctx = CriteriaContext(pack)
        study = pack.manifest.study_area
        regions = ctx.zones(study, f"study area '{study}'")
        zone_idx = _zone_indexes(ctx, lon, lat, regions, study, zone_layers)
        region = zone_idx.pop(_REGION_KEY)
        timings["zones"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        raw, fails, skipped = _compute_raw(scen, ctx, lon, lat, zone_idx, chunk, all_criteria,
                                           progress or _no_progress, res)
        timings["criteria"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        col_of = {name: j for j, name in enumerate(names)}
        valid, exclusions, notes = _screen_cells(raw, scen, col_of, fails, skipped)
        valid = _floor_cells(raw, valid, scen, col_of, exclusions)
        values, value_names = _normalize_cells(raw, valid, scen, col_of)
        timings["normalise"] = time.perf_counter() - t0

        codes, labels = _zone_labels(regions, pack, study)
        return cls(scenario=scen, resolution=res, cells=cells, lon=lon, lat=lat,
                   region=region, region_codes=codes, region_names=labels, criteria=names,
                   raw=raw, valid=valid, value_names=value_names, values=values,
                   infos=[CriterionInfo.from_criterion(c) for c in scen.criteria],
                   exclusions=exclusions, notes=notes, timings=timings, pack_name=pack.name)

    # ------------------------------------------------------------------ views
    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.cells.size)

    @property
    def n_valid(self) -> int:
        """Number of cells passing the NaN policy and the constraints."""
        return int(self.values.shape[0])

    def raw_frame(self) -> pd.DataFrame:
        """Raw criterion values as a DataFrame indexed by H3 hex string (float32 columns)."""
        import pandas as pd

        return pd.DataFrame({name: self.raw[:, j] for j, name in enumerate(self.criteria)},
                            index=pd.Index(h3_strings(self.cells), name="h3"))

    def region_code_of_cells(self) -> NDArray[np.str_]:
        """Region code of every cell."""
        return np.asarray(self.region_codes, dtype=str)[self.region]

    # ------------------------------------------------------------------ scoring
    def score(self, weights: Mapping[str, float] | None = None,
              method: str | None = None) -> NDArray[np.float64]:
        """Scores of every cell (NaN for excluded cells), re-aggregating only.

        Parameters
        ----------
        weights
            Overrides of the scenario's weights (any positive scale), as in
            :meth:`siteplan.scoring.ranking.Ranking.rescore`; a criterion whose scenario weight
            is 0 cannot be weighted here (its values were not normalised).
        method
            Aggregation method (default: the scenario's).

        Returns
        -------
        ndarray of float64, shape (n,)
            Scores in [0, 1], higher is better.
        """

        scen = self.scenario
        if weights:
            scen = scen.with_weights(weights)
        if method:
            scen = scen.with_method(method)
        w_map = scen.weights
        missing = [k for k in w_map if k not in self.value_names]
        if missing:
            raise UsageError(f"cannot rescore the surface with new criteria {', '.join(missing)} "
                             "(weight 0 in the scenario); rebuild it with those weights")
        out = np.full(self.n_cells, np.nan, dtype=np.float64)
        if scen.method == "wlc":
            w = np.array([w_map.get(k, 0.0) for k in self.value_names], dtype=np.float64)
            out[self.valid] = wlc_scores(self.values, w)
            return out
        cols = [self.value_names.index(k) for k in w_map]
        w64 = np.array([w_map[k] for k in w_map], dtype=np.float64)
        info = {i.name: i for i in self.infos}
        infos = [info[k] for k in w_map]
        rows = self.n_valid
        # per-row methods (WP, OWA) score rows independently: blocks of bounded memory;
        # the others (TOPSIS, VIKOR) score the raw matrix against the whole set at once
        per_row = METHOD_INFO[scen.method].per_row
        step = 262_144 if per_row else rows
        res = np.empty(rows, dtype=np.float64)
        raw_valid = None
        if not per_row:
            raw_valid = self.raw[self.valid][:, [self.criteria.index(k) for k in w_map]]
        for start in range(0, rows, step):
            stop = min(rows, start + step)
            v = self.values[start:stop][:, cols].astype(np.float64)
            r = v if raw_valid is None else raw_valid[start:stop].astype(np.float64)
            mat, dirs = method_matrix(v, r, infos)
            res[start:stop] = aggregate_scores(scen.method, v, mat, dirs, w64,
                                               scen.method_options)
        out[self.valid] = res
        return out


#: Rows of the value matrix widened to float64 at a time by :func:`wlc_scores`, and the
#: bytes of its float64 partial product (weight vectors x rows) held at once.
_WLC_ROWS = 65_536
_WLC_TEMP_BYTES = 8 * 2**20


def wlc_scores(values: NDArray[np.floating[Any]], weights: Any) -> NDArray[np.float32]:
    """Weighted sums of value rows under one or several weight vectors (the WLC kernel).

    The one WLC kernel of the surface: :meth:`SurfaceModel.score` scores one weight
    vector with it, :func:`siteplan.analyses.surface.robustness.surface_robustness` a
    block of sampled vectors as one matrix product, and the two give the same float32
    scores. The products are summed in float64 (BLAS), then rounded to float32 and
    clipped to [0, 1]. Why: a float32 BLAS sum depends on the kernel (a matrix-vector and
    a matrix-matrix product round differently, by up to 1e-7, which moves cells across a
    top-q threshold); float64 sums differ between kernels by ~1e-16 at most, which the
    rounding to float32 absorbs (unless a sum lies within ~1e-16 of a float32 rounding
    boundary: odds ~1e-8 per score). The float32 scores are the correctly rounded
    weighted sums (error <= 3e-8; the former float32 sum erred by up to 8e-8). Cells with
    equal value rows get equal scores, so ties stay ties.

    Parameters
    ----------
    values
        Value scores, shape (n, k) (float32 as in :attr:`SurfaceModel.values`).
    weights
        One weight vector, shape (k,), or one per row, shape (s, k).

    Returns
    -------
    ndarray of float32
        Shape (n,) for one weight vector, (s, n) for several (one row per vector).
    """
    w = np.asarray(weights, dtype=np.float64)
    many = np.atleast_2d(w)
    if w.ndim > 2 or many.shape[1] != values.shape[1]:
        raise UsageError(f"weights of shape {w.shape} for {values.shape[1]} value columns")
    n = int(values.shape[0])
    out = np.empty((many.shape[0], n), dtype=np.float32)
    rows = max(256, min(_WLC_ROWS, _WLC_TEMP_BYTES // (8 * many.shape[0])))
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        out[:, start:stop] = many @ np.asarray(values[start:stop], dtype=np.float64).T
    np.clip(out, 0.0, 1.0, out=out)
    return out[0] if w.ndim == 1 else out


_REGION_KEY = "\0study area"  # key of the study-area index in _zone_indexes' result


def _check_build(scen: Scenario, chunk_size: Any) -> None:
    """Refuse, before any work, a scenario a surface cannot compute or a bad chunk size."""

    check_value_functions(scen)
    bad = candidate_only(scen.criteria)
    if bad:
        raise CriterionError(f"scenario '{scen.name}': criteria {', '.join(bad)} read the "
                             "candidates' own columns (kind 'attribute') and cannot be "
                             "computed on H3 cells; drop them or use a layer-based criterion")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int | np.integer) \
            or chunk_size < 1:
        raise UsageError(f"chunk_size must be a positive integer, got {chunk_size!r}")


def _zone_indexes(ctx: Any, lon: NDArray[np.float64], lat: NDArray[np.float64],
                  regions: gpd.GeoDataFrame, study: str,
                  zone_layers: list[str]) -> dict[str, NDArray[np.intp]]:
    """Each cell's zone in the study area (under ``_REGION_KEY``) and in every zone layer
    a ``zone_attribute`` criterion reads, located once for all chunks."""

    region, _ = containing_zone(lon, lat, regions.geometry.array)
    zone_idx: dict[str, NDArray[np.intp]] = {_REGION_KEY: region}
    for layer in zone_layers:
        if layer == study:
            zone_idx[layer] = region
        else:
            zones = ctx.zones(layer, f"zone layer '{layer}'")
            zone_idx[layer] = containing_zone(lon, lat, zones.geometry.array)[0]
    return zone_idx


def _compute_raw(scen: Scenario, ctx: Any, lon: NDArray[np.float64], lat: NDArray[np.float64],
                 zone_idx: dict[str, NDArray[np.intp]], chunk: int, all_criteria: bool,
                 progress: Progress, res: int
                 ) -> tuple[NDArray[np.float32], dict[int, NDArray[np.bool_]], NDArray[np.bool_]]:
    """Raw criterion values of every cell, chunk by chunk.

    The constrained criteria come first; unless ``all_criteria``, the others are computed
    only on the cells that pass every constraint (NaN elsewhere). Returns the float32
    matrix (column-major), each constraint's failures on the exact float64 values, and
    the cells whose other criteria were skipped.
    """

    n = int(lon.size)
    names = [c.name for c in scen.criteria]
    raw = np.empty((n, len(names)), dtype=np.float32, order="F")
    fails = {k: np.zeros(n, dtype=bool) for k in range(len(scen.constraints))}
    constrained = {k.criterion for k in scen.constraints}
    first = [c for c in scen.criteria if c.name in constrained]
    rest = [c for c in scen.criteria if c.name not in constrained]
    skipped = np.zeros(n, dtype=bool)
    with progress(n, f"criteria at H3 res {res}") as advance:
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            zc = {layer: idx[start:stop] for layer, idx in zone_idx.items()}
            vals = compute_criteria(first, ctx, lon[start:stop], lat[start:stop],
                                    attributes=None, zone_cache=zc)
            failing = np.zeros(stop - start, dtype=bool)
            for k, con in enumerate(scen.constraints):
                fails[k][start:stop] = constraint_fails(vals[con.criterion], con)
                failing |= fails[k][start:stop]
            keep = np.ones(stop - start, dtype=bool) if all_criteria else ~failing
            skipped[start:stop] = ~keep
            if keep.any():
                sub_zc = {layer: idx[keep] for layer, idx in zc.items()}
                vals.update({k: _spread(v, keep) for k, v in compute_criteria(
                    rest, ctx, lon[start:stop][keep], lat[start:stop][keep],
                    attributes=None, zone_cache=sub_zc).items()})
            else:
                vals.update({c.name: np.full(stop - start, np.nan) for c in rest})
            for j, name in enumerate(names):
                raw[start:stop, j] = vals[name]
            advance(stop - start)
    return raw, fails, skipped


def _screen_cells(raw: NDArray[np.float32], scen: Scenario, col_of: dict[str, int],
                  fails: dict[int, NDArray[np.bool_]], skipped: NDArray[np.bool_]
                  ) -> tuple[NDArray[np.bool_], dict[str, int], list[str]]:
    """Apply the NaN policy (imputing into ``raw`` in place) and the constraints.

    Imputed values are taken over the cells whose criterion was computed; a cell imputed
    with a value that fails a constraint is excluded too. Returns the valid cells, the
    count of cells per exclusion reason and the imputation notes; a DataError when no
    cell is left.
    """
    n = raw.shape[0]
    constrained = {k.criterion for k in scen.constraints}
    excluded = np.zeros(n, dtype=bool)
    exclusions: dict[str, int] = {}
    notes: list[str] = []
    used = {c.name for c in scen.weighted} | constrained
    imputed: dict[str, tuple[NDArray[np.bool_], float]] = {}
    for c in scen.criteria:
        if c.name not in used:
            continue
        col = raw[:, col_of[c.name]]
        computed = ~skipped if c.name not in constrained else np.ones(n, dtype=bool)
        miss = resolve_missing(col[computed], c, scen.nan_policy, "H3 cell")
        if miss is None:
            continue
        nan = np.zeros(n, dtype=bool)
        nan[computed] = miss.mask
        if miss.fill is None:
            excluded |= nan
            exclusions[f"no value for {c.display} (nan_policy = exclude)"] = int(nan.sum())
        else:
            col[nan] = miss.fill
            imputed[c.name] = (nan, miss.fill)
            notes.append(f"{c.display}: {int(nan.sum()):,} cells without a value imputed as "
                         f"{miss.fill:.4g} ({miss.policy})")
    for k, con in enumerate(scen.constraints):
        bad_k = fails[k]
        if con.criterion in imputed:
            nan, fill = imputed[con.criterion]
            if constraint_fails(np.array([fill]), con)[0]:
                bad_k |= nan
        why = constraint_reason(con, scen.criterion(con.criterion))
        exclusions[why] = exclusions.get(why, 0) + int(bad_k.sum())
        excluded |= bad_k
    valid = ~excluded
    if not valid.any():
        listed = "; ".join(f"{k}: {v:,} cells" for k, v in exclusions.items())
        raise DataError(f"no H3 cell left after constraints ({listed}); relax the "
                        "[[constraints]] of the scenario")
    return valid, exclusions, notes


def _floor_cells(raw: NDArray[np.float32], valid: NDArray[np.bool_], scen: Scenario,
                 col_of: Mapping[str, int], exclusions: dict[str, int]) -> NDArray[np.bool_]:
    """The scenario's viability floor on cells, as on candidates: a valid cell whose
    viability index (lens-weighted mean of its value scores) is below it is excluded."""
    out = below_floor(raw, valid, scen, col_of, exclusions)
    if not out.any():
        raise DataError(f"no H3 cell left: every cell's viability index is below the floor "
                        f"{scen.viability_floor:g}; lower [lenses] viability_floor in the "
                        "scenario")
    return out


def below_floor(raw: NDArray[np.float32], valid: NDArray[np.bool_], scen: Scenario,
                col_of: Mapping[str, int], exclusions: dict[str, int]) -> NDArray[np.bool_]:
    """``valid`` without the cells below the scenario's viability floor (possibly none
    left), their count added to ``exclusions``."""
    floor = scen.viability_floor
    weights = scen.lens_weights("viability")
    if floor is None or not weights or not valid.any():
        return valid
    index = np.zeros(int(valid.sum()))
    for name, w in weights.items():
        x = raw[valid, col_of[name]].astype(np.float64)
        index += w * normalize(x, scen.criterion(name).value_function())
    below = np.zeros(valid.shape, dtype=bool)
    below[np.flatnonzero(valid)[index < floor]] = True
    exclusions[render("cells_below_floor", floor=f"{floor:g}")] = int(below.sum())
    return valid & ~below


def _zone_labels(zones: gpd.GeoDataFrame, pack: Pack, layer: str) -> tuple[list[str], list[str]]:
    spec = pack.spec(layer)
    key = spec.key if spec.key and spec.key in zones.columns else None
    codes = ([str(x) for x in zones[key]] if key else [str(i) for i in range(len(zones))])
    label = next((c for c in ("name_fr", "name") if c in zones.columns), None)
    names = [str(x) for x in zones[label]] if label else codes
    return codes, names


def _normalize_cells(raw: NDArray[np.float32], valid: NDArray[np.bool_], scen: Scenario,
                     col_of: Mapping[str, int]) -> tuple[NDArray[np.float32], list[str]]:
    """Value functions of the weighted criteria over the valid cells (as normalize_values)."""

    weighted = list(scen.weighted)
    values = np.empty((int(valid.sum()), len(weighted)), dtype=np.float32)
    for j, c in enumerate(weighted):
        x = raw[valid, col_of[c.name]].astype(np.float64)
        values[:, j] = normalize(x, c.value_function())
    return values, [c.name for c in weighted]


def _chunk_for_memory(n: int, m: int, k: int, zones: int, chunk: int,
                      max_memory_mb: float | None, res: int) -> int:
    """Cells per chunk under an approximate memory budget (UsageError when too small)."""
    if max_memory_mb is None:
        return max(1, min(chunk, max(n, 1)))
    try:
        budget = float(max_memory_mb)
    except (TypeError, ValueError):
        raise UsageError(f"--max-memory-mb {max_memory_mb!r}: give a number of MB") from None
    # kept for the whole run: cells, centres, zone indexes, raw (float32), masks, values
    per_cell_model = 8 + 16 + 8 * (zones + 1) + 4 * m + 2 + 4 * k + 8 + m
    # per chunk: criterion outputs (float64), unit vectors (4 cached chunks), temporaries
    per_cell_chunk = 8 * m + 4 * 24 + 96
    model_mb = n * per_cell_model / 2**20
    avail = (budget - _BASELINE_MB - model_mb) * 2**20
    fit = int(avail // per_cell_chunk) if avail > 0 else 0
    if fit < min(MIN_CHUNK, n):
        need = _BASELINE_MB + model_mb + min(MIN_CHUNK, n) * per_cell_chunk / 2**20
        raise UsageError(f"--max-memory-mb {budget:g} is too small for H3 resolution {res}: "
                         f"{n:,} cells need about {need:,.0f} MB ({model_mb:,.0f} MB for the "
                         f"model, {_BASELINE_MB:.0f} MB for libraries and layers, the rest for "
                         f"one chunk of {min(MIN_CHUNK, n):,} cells); raise it or lower "
                         "--resolution")
    return max(1, min(chunk, fit, n))


@contextmanager
def _no_progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """The default progress: nothing shown (a notebook passes its own, the CLI a rich bar)."""
    yield lambda _n: None


def _spread(values: NDArray[np.float64], keep: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Values computed for the ``keep`` cells, laid out over all cells (NaN elsewhere)."""
    out = np.full(keep.size, np.nan)
    out[keep] = values
    return out


def build_surface(scenario: Scenario | str | os.PathLike[str] | None = None, *,
                  pack: Pack | None = None, resolution: int = 7,
                  chunk_size: int = DEFAULT_CHUNK, max_memory_mb: float | None = None,
                  progress: Progress | None = None, all_criteria: bool = False) -> SurfaceModel:
    """Shorthand for :meth:`SurfaceModel.build`."""
    return SurfaceModel.build(scenario, pack=pack, resolution=resolution, chunk_size=chunk_size,
                              max_memory_mb=max_memory_mb, progress=progress,
                              all_criteria=all_criteria)


# --------------------------------------------------------------------------- hotspots


def check_scores(model: SurfaceModel, scores: Any) -> NDArray[np.float64]:
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != (model.n_cells,):
        raise UsageError(f"scores have shape {s.shape}; expected ({model.n_cells},), one per "
                         "cell (use model.score())")
    return s


def hotspots(model: SurfaceModel, scores: Any, k: int = 10, min_spacing_km: float = 25.0,
             pack: Pack | None = None) -> gpd.GeoDataFrame:
    """The ``k`` best local maxima of the surface, at least ``min_spacing_km`` apart.

    A cell is a local maximum when its score is >= the score of each of its scored
    ``grid_disk(1)`` neighbours. Cells are visited by decreasing score (ties by H3
    index); a local maximum is kept unless a kept hotspot lies within
    ``min_spacing_km`` (geodesic), then every cell within that distance is dropped.

    Parameters
    ----------
    model
        The surface.
    scores
        One score per cell (``model.score(...)``); NaN cells are never picked.
    k
        Number of hotspots (fewer when the territory runs out).
    min_spacing_km
        Minimum geodesic distance between two hotspots, km (>= 0).
    pack
        Gazetteer source: the nearest feature of its ``candidates`` layer (cities
        when a ``kind`` column says so) names each hotspot "near <town>".

    Returns
    -------
    GeoDataFrame
        EPSG:4326 points, best first; columns ``id`` (``hotspot-01``...), ``name``,
        ``lon``, ``lat``, ``score``, ``h3``, ``region_code``, ``town_km``, geometry.
        Written as CSV or GeoPackage it is a candidate file for ``siteplan rank
        --candidates``.
    """
    import h3.api.numpy_int as h3n

    s = check_scores(model, scores)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise UsageError(f"--hotspots {k!r}: give a number of hotspots >= 0")
    spacing = float(min_spacing_km)
    if not np.isfinite(spacing) or spacing < 0:
        raise UsageError(f"--spacing {min_spacing_km!r}: give a distance in km >= 0")
    fin = np.isfinite(s)
    cand = np.flatnonzero(fin)
    # decreasing score, ties by ascending H3 index (cells are sorted): deterministic
    order = cand[np.lexsort((cand, -s[cand]))]
    alive = np.ones(order.size, dtype=bool)
    chosen: list[int] = []
    p = 0
    while len(chosen) < k and p < order.size:
        nxt = np.flatnonzero(alive[p:p + 4096])
        if nxt.size == 0:
            p += 4096
            continue
        p += int(nxt[0])
        i = int(order[p])
        alive[p] = False
        nb = np.asarray(h3n.grid_disk(np.uint64(model.cells[i]), 1), dtype=np.int64)
        at = np.minimum(np.searchsorted(model.cells, nb), model.n_cells - 1)
        nbs = s[at[model.cells[at] == nb]]
        if np.any(nbs[np.isfinite(nbs)] > s[i]):
            continue
        chosen.append(i)
        if spacing > 0:
            d = geodesic_km(model.lon[i], model.lat[i], model.lon[order], model.lat[order])
            alive &= ~(d < spacing)
    idx = np.asarray(chosen, dtype=np.intp)
    return hotspot_frame(model.lon[idx], model.lat[idx], s[idx], model.cells[idx],
                         model.region_code_of_cells()[idx] if idx.size else np.empty(0, str),
                         pack)


def hotspot_frame(lon: NDArray[np.float64], lat: NDArray[np.float64],
                  scores: NDArray[np.float64], cells: NDArray[np.int64],
                  region_codes: NDArray[np.str_], pack: Pack | None) -> gpd.GeoDataFrame:
    """The hotspot layer of :func:`hotspots` from the chosen cells, best first (also used
    by the partitioned surface's hotspots)."""
    import geopandas as gpd

    names, town_km = _town_names(lon, lat, pack)
    frame = {
        "id": [f"hotspot-{j + 1:02d}" for j in range(lon.size)],
        "name": names,
        "lon": np.round(lon, 6), "lat": np.round(lat, 6),
        "score": np.asarray(scores, dtype=np.float64),
        "h3": h3_strings(cells).tolist(),
        "region_code": [str(c) for c in region_codes],
        "town_km": np.round(town_km, 1),
    }
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def _town_names(lon: NDArray[np.float64], lat: NDArray[np.float64], pack: Pack | None
                ) -> tuple[list[str], NDArray[np.float64]]:
    fallback = [f"hotspot {j + 1}" for j in range(lon.size)]
    if pack is None or "candidates" not in pack.layer_names or lon.size == 0:
        return fallback, np.full(lon.size, np.nan)
    towns = pack.layer("candidates")
    if "kind" in towns.columns and (towns["kind"] == "city").any():
        towns = towns[towns["kind"] == "city"]
    if "name" not in towns.columns or len(towns) == 0:
        return fallback, np.full(lon.size, np.nan)
    tlon, tlat = point_coordinates(towns)
    d, j = nearest_km(lon, lat, tlon, tlat)
    names = towns["name"].astype(str).to_numpy()
    out: list[str] = []
    seen: dict[str, int] = {}
    for t in np.atleast_1d(j):
        base = render("near_town", town=names[t])
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base} ({seen[base]})")
    return out, np.atleast_1d(d)


# --------------------------------------------------------------------------- outputs


def surface_table(model: SurfaceModel, scores: Any) -> pd.DataFrame:
    """One row per cell: h3, lon, lat, region_code, raw criteria, excluded, score."""
    import pandas as pd

    s = check_scores(model, scores)
    cols: dict[str, Any] = {"h3": h3_strings(model.cells), "lon": model.lon, "lat": model.lat,
                            "region_code": model.region_code_of_cells()}
    for j, name in enumerate(model.criteria):
        cols[name] = model.raw[:, j]
    cols["excluded"] = ~model.valid
    cols["score"] = s
    return pd.DataFrame(cols)


def cell_polygons(cells: NDArray[np.int64]) -> NDArray[Any]:
    """Shapely polygons of H3 cells (boundaries from h3, rings built in one call)."""
    import shapely
    from h3._cy import cell_to_boundary

    bounds = [cell_to_boundary(c) for c in np.asarray(cells).tolist()]
    counts = np.fromiter((len(b) for b in bounds), dtype=np.intp, count=len(bounds))
    latlng = np.fromiter((x for b in bounds for v in b for x in v), dtype=np.float64,
                         count=2 * int(counts.sum())).reshape(-1, 2)
    rings = shapely.linearrings(latlng[:, ::-1], indices=np.repeat(np.arange(len(bounds)),
                                                                   counts))
    return np.asarray(shapely.polygons(rings))
