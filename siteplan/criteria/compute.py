"""Criteria: raw values per site, computed from a pack's layers.

One code path for candidates and surface cells: :func:`compute_criteria` takes
plain coordinate arrays (plus, for candidates, their own attribute table) and
calls the vectorised kernels of :mod:`siteplan.criteria.kernels`. Polygon layers used as
features (for example provinces weighted by their working-age population)
contribute their representative point.

Everything that does not depend on the sites (filtered feature coordinates,
masses, zone attributes) is prepared once per (layer, filter) and cached in a
:class:`CriteriaContext`, so that scoring 870,000 cells in chunks does not
re-read or re-filter layers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan.criteria import kernels
from siteplan.errors import CriterionError, DataError
from siteplan.layers.pack import geometry_lonlat
from siteplan.scenario import CANDIDATE_ONLY_KINDS, Criterion, parse_filter

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from numpy.typing import NDArray

    from siteplan.criteria.routing import Snap
    from siteplan.layers.network import RoadNetwork
    from siteplan.layers.pack import Pack

log = logging.getLogger("siteplan")


@dataclass(frozen=True)
class Features:
    """Coordinates (degrees) and optional numeric column of a filtered feature layer."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    values: NDArray[np.float64] | None = None


@dataclass
class CriteriaContext:
    """Site-independent inputs of the criteria, prepared once and reused across chunks."""

    pack: Pack
    _features: dict[tuple[str, str, str], Features] = field(default_factory=dict)
    _zones: dict[str, Any] = field(default_factory=dict)
    _routes: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def layer(self, name: str, where: str) -> gpd.GeoDataFrame:
        """Load a layer, turning an unknown name into a CriterionError for ``where``."""
        if name not in self.pack.layer_names:
            raise CriterionError(f"{where}: unknown layer '{name}'; known layers: "
                                 f"{', '.join(self.pack.layer_names)}")
        return self.pack.layer(name)

    def features(self, layer: str, filt: str | None, column: str | None,
                 where: str) -> Features:
        """Filtered feature coordinates and (optionally) one numeric column."""
        key = (layer, filt or "", column or "")
        if key not in self._features:
            gdf = self.layer(layer, where)
            if filt:
                gdf = gdf[filter_mask(gdf, filt, f"{where}.filter", layer)]
            lon, lat = point_coordinates(gdf)
            values = None
            if column:
                values = numeric_column(gdf, column, layer, where)
                nan = np.isnan(values)
                if nan.any():
                    log.warning("%s: %d feature(s) of layer '%s' have no '%s'; they count as 0",
                                where, int(nan.sum()), layer, column)
                    values = np.where(nan, 0.0, values)
            if lon.size == 0:
                raise DataError(f"{where}: layer '{layer}' has no feature left after filter "
                                f"'{filt}'; relax the filter")
            self._features[key] = Features(lon, lat, values)
        return self._features[key]

    def network(self, where: str) -> RoadNetwork:
        """The pack's road network (``--layer network=NET.npz`` or the pack's own)."""
        return self.pack.network(where)

    def routed(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """A per-node routing result that depends on the features only (cached), so every
        chunk of surface cells and every candidate reads the same one."""
        if key not in self._routes:
            self._routes[key] = make()
        return self._routes[key]

    def zones(self, layer: str, where: str) -> gpd.GeoDataFrame:
        """A polygon layer used for zone lookups (cached)."""
        if layer not in self._zones:
            gdf = self.layer(layer, where)
            if self.pack.spec(layer).geometry != "Polygon":
                raise CriterionError(f"{where}: layer '{layer}' is not a polygon layer; use "
                                     f"one of {', '.join(self.pack.manifest.zones)}")
            self._zones[layer] = gdf.reset_index(drop=True)
        return self._zones[layer]


#: (lon, lat) of a layer's features (polygons at their representative point)
point_coordinates = geometry_lonlat


def numeric_column(df: pd.DataFrame, column: str, layer: str, where: str) -> NDArray[np.float64]:
    """A column as float64, or a CriterionError naming the layer and its numeric columns."""
    import pandas as pd

    if column not in df.columns:
        numeric = [c for c in df.columns if c != "geometry" and
                   pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]
        raise CriterionError(f"{where}: layer '{layer}' has no column '{column}'; numeric "
                             f"columns: {', '.join(numeric) or 'none'}")
    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce")
    if values.isna().all() and raw.notna().any():
        raise CriterionError(f"{where}: column '{column}' of layer '{layer}' is not numeric")
    text = raw.astype(object)
    maybe = np.flatnonzero(values.isna().to_numpy() & text.notna().to_numpy())
    rows = maybe[[str(text.iloc[i]).strip() != "" for i in maybe]] if maybe.size else maybe
    if rows.size:
        shown = ", ".join(f"row {i + 1} '{text.iloc[i]}'" for i in rows[:5])
        more = f" and {rows.size - 5} more" if rows.size > 5 else ""
        raise DataError(f"{where}: layer '{layer}' column '{column}': {shown}{more} not a "
                        "number (data rows counted from 1); write a number, or leave the cell "
                        "empty for a missing value (the scenario's nan_policy decides)")
    return np.asarray(values, dtype=np.float64)


def filter_mask(df: pd.DataFrame, text: str, where: str, layer: str) -> NDArray[np.bool_]:
    """Boolean mask of the rows that satisfy a filter (see :func:`parse_filter`)."""
    import pandas as pd

    mask = np.ones(len(df), dtype=bool)
    for col, op, value in parse_filter(text, where):
        if col not in df.columns:
            raise CriterionError(f"{where}: layer '{layer}' has no column '{col}'; columns: "
                                 f"{', '.join(c for c in df.columns if c != 'geometry')}")
        s = df[col]
        if isinstance(value, bool):
            s = s.astype("boolean").fillna(False)
        elif isinstance(value, float):
            s = pd.to_numeric(s, errors="coerce")
        ops = {"==": s == value, "!=": s != value}
        if op in ops:
            res = ops[op]
        else:
            if isinstance(value, str | bool):
                raise CriterionError(f"{where}: '{op}' needs a number, not {value!r}")
            res = {">": s > value, "<": s < value, ">=": s >= value, "<=": s <= value}[op]
        mask &= np.asarray(pd.Series(res).fillna(False), dtype=bool)
    return mask


def zone_index(ctx: CriteriaContext, layer: str, lon: NDArray[np.float64],
               lat: NDArray[np.float64], where: str = "zones"
               ) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Index of the containing polygon of each point (nearest when outside) and the outside mask."""

    zones = ctx.zones(layer, where)
    idx, outside = kernels.containing_zone(lon, lat, zones.geometry.array)
    return np.asarray(idx, dtype=np.intp), np.asarray(outside, dtype=bool)


def _mass(f: Features, where: str) -> NDArray[np.float64]:
    if f.values is None:
        raise CriterionError(f"{where}: needs a 'column' giving each feature's weight")
    return f.values


@dataclass
class _Points:
    """Where one criterion is computed: the context, the points and the candidates' table."""

    ctx: CriteriaContext
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    attributes: pd.DataFrame | None
    zone_cache: dict[str, NDArray[np.intp]]
    #: the points' snap onto the road network, shared by the criteria of one call
    snaps: dict[str, Snap] = field(default_factory=dict)


def _nearest_distance(p: Mapping[str, Any], at: _Points, where: str) -> NDArray[np.float64]:
    f = at.ctx.features(p["layer"], p.get("filter"), None, where)
    return kernels.nearest_distance(at.lon, at.lat, f.lon, f.lat)


def _site_snap(at: _Points, where: str) -> Snap:
    from siteplan.criteria import routing

    if "sites" not in at.snaps:
        at.snaps["sites"] = routing.snap(at.ctx.network(where),
                                         np.column_stack([at.lon, at.lat]), what="sites")
    return at.snaps["sites"]


def _travel_time(p: Mapping[str, Any], at: _Points, where: str) -> NDArray[np.float64]:
    from siteplan.criteria import routing

    f = at.ctx.features(p["layer"], p.get("filter"), None, where)
    net = at.ctx.network(where)
    node_min = at.ctx.routed(
        ("nearest", p["layer"], p.get("filter") or ""),
        lambda: routing.node_nearest_minutes(net, np.column_stack([f.lon, f.lat])))
    s = _site_snap(at, where)
    return np.asarray(node_min[s.node] + s.minutes, dtype=np.float64)


def _within_time(p: Mapping[str, Any], at: _Points, where: str) -> NDArray[np.float64]:
    from siteplan.criteria import routing

    f = at.ctx.features(p["layer"], p.get("filter"), p.get("column"), where)
    net = at.ctx.network(where)
    limit = float(p["minutes"])
    arr = at.ctx.routed(
        ("within", p["layer"], p.get("filter") or "", limit),
        lambda: routing.arrivals_within(net, np.column_stack([f.lon, f.lat]), limit))
    return np.asarray(arr.totals(_site_snap(at, where), f.values), dtype=np.float64)


def _gravity_time(p: Mapping[str, Any], at: _Points, where: str) -> NDArray[np.float64]:
    from siteplan.criteria import routing

    f = at.ctx.features(p["layer"], p.get("filter"), p["column"], where)
    net = at.ctx.network(where)
    scale = float(p["scale_min"])
    sums = at.ctx.routed(
        ("gravity", p["layer"], p.get("filter") or "", p["column"], scale),
        lambda: routing.node_exp_sums(net, np.column_stack([f.lon, f.lat]), _mass(f, where),
                                      scale)[:, 0])
    s = _site_snap(at, where)
    return np.asarray(np.exp(-s.minutes / scale) * sums[s.node], dtype=np.float64)


def _gravity(p: Mapping[str, Any], at: _Points, where: str) -> NDArray[np.float64]:
    if p.get("cost", "distance") == "time":
        return _gravity_time(p, at, where)
    f = at.ctx.features(p["layer"], p.get("filter"), p["column"], where)
    return kernels.gravity(at.lon, at.lat, f.lon, f.lat, _mass(f, where),
                           p.get("decay", "exponential"), float(p["scale_km"]), p.get("exponent"))


def _two_step_fca_time(p: Mapping[str, Any], at: _Points, where: str) -> NDArray[np.float64]:
    """2SFCA in road minutes: the same two steps as :func:`kernels.two_step_fca`, with the
    catchment weight of the minutes from competitor to supply (step 1) and from the site
    to supply (step 2)."""
    from siteplan.criteria import routing

    f = at.ctx.features(p["layer"], p.get("filter"), p["column"], where)
    net = at.ctx.network(where)
    radius, decay = float(p["radius_min"]), str(p.get("decay", "cutoff"))
    supply = _mass(f, where)
    site_demand = float(p.get("site_demand", 1.0))
    feats = np.column_stack([f.lon, f.lat])

    def step1() -> NDArray[np.float64]:
        if not p.get("competitors"):
            return np.zeros(f.lon.size)
        comp = at.ctx.features(p["competitors"], p.get("competitor_filter"),
                               p.get("competitor_column"), where)
        dem = comp.values if comp.values is not None else np.ones_like(comp.lon)
        t = routing.travel_minutes(net, np.column_stack([comp.lon, comp.lat]), feats,
                                   limit_min=radius)
        w = np.where(np.isfinite(t), kernels.fca_weight(np.where(np.isfinite(t), t, 0.0),
                                                        decay, radius), 0.0)
        return np.asarray(dem @ w, dtype=np.float64)

    key = (p["layer"], p.get("filter") or "", p["column"], p.get("competitors") or "",
           p.get("competitor_filter") or "", p.get("competitor_column") or "", radius, decay)
    pj = at.ctx.routed(("2sfca-p", *key), step1)
    arr = at.ctx.routed(("within", p["layer"], p.get("filter") or "", radius),
                        lambda: routing.arrivals_within(net, feats, radius))

    def share(t: NDArray[np.float64], j: NDArray[np.intp]) -> NDArray[np.float64]:
        w = kernels.fca_weight(t, decay, radius)
        den = pj[j] + site_demand * w
        return np.where(den > 0, supply[j] * w / np.where(den > 0, den, 1.0), 0.0)

    return np.asarray(arr.totals(_site_snap(at, where), pair_value=share), dtype=np.float64)


def _two_step_fca(p: Mapping[str, Any], at: _Points, where: str) -> NDArray[np.float64]:
    if p.get("cost", "distance") == "time":
        return _two_step_fca_time(p, at, where)
    f = at.ctx.features(p["layer"], p.get("filter"), p["column"], where)
    if p.get("competitors"):
        comp = at.ctx.features(p["competitors"], p.get("competitor_filter"),
                               p.get("competitor_column"), where)
        clon, clat = comp.lon, comp.lat
        cdem = comp.values if comp.values is not None else np.ones_like(clon)
    else:
        clon = clat = cdem = np.zeros(0)
    return kernels.two_step_fca(at.lon, at.lat, f.lon, f.lat, _mass(f, where), clon, clat, cdem,
                                float(p["radius_km"]), decay=p.get("decay", "cutoff"),
                                site_demand=float(p.get("site_demand", 1.0)))


def _within_radius(p: Mapping[str, Any], at: _Points, where: str) -> NDArray[np.float64]:
    f = at.ctx.features(p["layer"], p.get("filter"), p.get("column"), where)
    return kernels.within_radius(at.lon, at.lat, f.lon, f.lat, float(p["radius_km"]), f.values)


def _zone_attribute(p: Mapping[str, Any], at: _Points, where: str) -> NDArray[np.float64]:
    layer = str(p["zones"])
    zones = at.ctx.zones(layer, where)
    vals = numeric_column(zones, str(p["column"]), layer, where)
    if layer not in at.zone_cache:
        at.zone_cache[layer] = zone_index(at.ctx, layer, at.lon, at.lat, where)[0]
    return vals[at.zone_cache[layer]]


def _attribute(p: Mapping[str, Any], at: _Points, where: str) -> NDArray[np.float64]:
    if at.attributes is None:
        raise CriterionError(f"{where}: kind 'attribute' reads the candidates' own column "
                             f"'{p['column']}' and cannot be computed on surface cells; "
                             "drop it or use a layer-based criterion")
    return numeric_column(at.attributes, str(p["column"]), "candidates", where)


def _where(p: Mapping[str, Any]) -> str:
    return f" where {p['filter']}" if p.get("filter") else ""


def _describe_within(p: Mapping[str, Any]) -> str:
    what = f"sum of {p['layer']}.{p['column']}" if p.get("column") else f"count of {p['layer']}"
    return f"{what}{_where(p)} within {p['radius_km']} km"


def _describe_gravity(p: Mapping[str, Any]) -> str:
    scale = (f"{p['scale_min']} min by road" if p.get("cost") == "time"
             else f"{p['scale_km']} km")
    return (f"sum of {p['layer']}.{p['column']}{_where(p)} x "
            f"{p.get('decay', 'exponential')} decay (scale {scale})")


def _describe_within_time(p: Mapping[str, Any]) -> str:
    what = f"sum of {p['layer']}.{p['column']}" if p.get("column") else f"count of {p['layer']}"
    return f"{what}{_where(p)} within {p['minutes']} min by road"


def _describe_2sfca(p: Mapping[str, Any]) -> str:
    comp = f", competing with {p['competitors']}" if p.get("competitors") else ""
    radius = (f"{p['radius_min']} min by road" if p.get("cost") == "time"
              else f"{p['radius_km']} km")
    return (f"two-step floating catchment of {p['layer']}.{p['column']} within "
            f"{radius} ({p.get('decay', 'cutoff')}){comp}")


@dataclass(frozen=True)
class KindRule:
    """How a criterion kind is computed at points and described in one sentence.

    The kind's parameters (required, optional, unit, direction) are validated by
    :data:`siteplan.scenario.KINDS`; a test keeps the two tables' keys equal.
    """

    compute: Callable[[Mapping[str, Any], _Points, str], NDArray[np.float64]]
    describe: Callable[[Mapping[str, Any]], str]


#: criterion kind -> its computation and description (the one dispatch table of kinds)
KIND_RULES: dict[str, KindRule] = {
    "nearest_distance": KindRule(
        _nearest_distance, lambda p: f"geodesic distance to the nearest {p['layer']}{_where(p)}"),
    "travel_time": KindRule(
        _travel_time, lambda p: f"road minutes to the nearest {p['layer']}{_where(p)}"),
    "gravity": KindRule(_gravity, _describe_gravity),
    "two_step_fca": KindRule(_two_step_fca, _describe_2sfca),
    "within_radius": KindRule(_within_radius, _describe_within),
    "within_time": KindRule(_within_time, _describe_within_time),
    "zone_attribute": KindRule(
        _zone_attribute, lambda p: f"{p['column']} of the containing {p['zones']} polygon"),
    "attribute": KindRule(_attribute, lambda p: f"the candidate's own column {p['column']}"),
}


def compute_criterion(c: Criterion, ctx: CriteriaContext, lon: NDArray[np.float64],
                      lat: NDArray[np.float64], attributes: pd.DataFrame | None = None,
                      zone_cache: dict[str, NDArray[np.intp]] | None = None,
                      snaps: dict[str, Snap] | None = None) -> NDArray[np.float64]:
    """Raw values of one criterion at the given points (one value per point).

    ``zone_cache`` and ``snaps`` carry the points' containing zones and network snap from
    one criterion to the next of the same points (:func:`compute_criteria` shares them).
    """
    where = f"criterion '{c.name}'"
    rule = KIND_RULES.get(c.kind)
    if rule is None:
        raise CriterionError(f"{where}: unknown kind '{c.kind}'")
    at = _Points(ctx, lon, lat, attributes, zone_cache if zone_cache is not None else {},
                 snaps if snaps is not None else {})
    return rule.compute(c.params, at, where)


def compute_criteria(criteria: Sequence[Criterion], ctx: CriteriaContext,
                     lon: NDArray[np.float64], lat: NDArray[np.float64],
                     attributes: pd.DataFrame | None = None,
                     zone_cache: dict[str, NDArray[np.intp]] | None = None
                     ) -> dict[str, NDArray[np.float64]]:
    """Raw values of every criterion at the given points: ``{name: array(n)}``.

    ``attributes`` is the candidates' own table (row-aligned with ``lon``/``lat``);
    pass ``None`` for surface cells, where candidate-only criteria are refused.
    """
    cache = zone_cache if zone_cache is not None else {}
    snaps: dict[str, Snap] = {}
    shared = _shared_gravity(criteria, ctx, lon, lat)
    return {c.name: shared[c.name] if c.name in shared else
            np.asarray(compute_criterion(c, ctx, lon, lat, attributes, cache, snaps),
                       dtype=np.float64)
            for c in criteria}


def _shared_gravity(criteria: Sequence[Criterion], ctx: CriteriaContext,
                    lon: NDArray[np.float64], lat: NDArray[np.float64]
                    ) -> dict[str, NDArray[np.float64]]:
    """Gravity criteria that differ only by their column (same layer, filter, decay and
    scale, e.g. graduates and working-age population of one settlements layer), computed
    together: the distances and decays once, one sum per column."""
    groups: dict[tuple[Any, ...], list[Criterion]] = {}
    for c in criteria:
        p = c.params
        if (c.kind == "gravity" and p.get("cost", "distance") == "distance"
                and p.get("decay", "exponential") in ("exponential", "gaussian")):
            key = (p["layer"], p.get("filter") or "", p.get("decay", "exponential"),
                   float(p["scale_km"]))
            groups.setdefault(key, []).append(c)
    out: dict[str, NDArray[np.float64]] = {}
    for (layer, filt, decay, scale), members in groups.items():
        if len(members) < 2:
            continue
        feats = [ctx.features(layer, filt or None, c.params["column"], f"criterion '{c.name}'")
                 for c in members]
        masses = np.column_stack([_mass(f, f"criterion '{c.name}'")
                                  for f, c in zip(feats, members, strict=True)])
        sums = kernels.gravity(lon, lat, feats[0].lon, feats[0].lat, masses, decay, scale)
        out.update({c.name: np.ascontiguousarray(sums[:, i]) for i, c in enumerate(members)})
    return out


def candidate_only(criteria: Sequence[Criterion]) -> list[str]:
    """Names of criteria that cannot be computed on surface cells."""
    return [c.name for c in criteria if c.kind in CANDIDATE_ONLY_KINDS]


def describe_kind(c: Criterion) -> str:
    """A short sentence saying how a criterion is computed (for tables and popups)."""
    return KIND_RULES[c.kind].describe(c.params)
