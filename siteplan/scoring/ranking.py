"""The ranking engine: candidates + scenario + pack -> :class:`Ranking`.

Steps, each traceable in the result:

1. candidates are read and located (province and region by point-in-polygon,
   nearest polygon for points just off the coast);
2. every criterion's raw value is computed (:mod:`siteplan.criteria.compute`);
3. the NaN policy is applied (exclude with a reason, or impute), then the hard
   constraints exclude sites and record why;
4. each weighted criterion's value function maps raw values of the remaining
   sites to benefit-oriented scores in [0, 1] (:mod:`siteplan.scoring.normalize`);
5. the aggregation method scores the decision matrix
   (:mod:`siteplan.scoring.aggregate`) and sites are ranked (1 = best).

The :class:`Ranking` keeps the decision matrix so that re-weighting, SMAA and
sweeps never recompute distances (:meth:`Ranking.rescore`, :func:`aggregate_scores`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan import __version__
from siteplan.criteria.compute import (
    CriteriaContext,
    compute_criteria,
    describe_kind,
    point_coordinates,
    zone_index,
)
from siteplan.errors import DataError, LayerError, UsageError
from siteplan.layers.pack import LayerSpec, Pack, points_outside, read_layer_file
from siteplan.scenario import (
    METHOD_NAMES,
    Criterion,
    Scenario,
    load_scenario,
    scenario_from_dict,
    scenario_to_dict,
)
from siteplan.scoring.aggregate import AGGREGATORS, rank_scores
from siteplan.scoring.normalize import check_value_functions, normalize
from siteplan.scoring.screening import constraint_fails, constraint_reason, resolve_missing

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from numpy.typing import NDArray


log = logging.getLogger("siteplan")

SITE_COLUMNS = ["rank", "id", "name", "province_code", "province", "region_code", "region",
                "lon", "lat", "score", "excluded", "reasons", "notes", "strongest", "weakest"]


@dataclass(frozen=True)
class CriterionInfo:
    """What a reader needs to interpret a criterion's column."""

    name: str
    label: str
    unit: str
    direction: str
    kind: str
    group: str = ""
    normalize: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    @classmethod
    def from_criterion(cls, c: Criterion) -> CriterionInfo:
        """Build from a scenario criterion (description says how it is computed)."""

        return cls(c.name, c.display, c.unit, c.direction, c.kind, c.group, dict(c.normalize),
                   c.description or describe_kind(c))


# --------------------------------------------------------------------------- candidates


def _slug(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-") or "site"


def candidates_from_file(path: str | os.PathLike[str]) -> gpd.GeoDataFrame:
    """Read a user's candidate layer (GeoPackage, GeoJSON, Shapefile or CSV with lon/lat).

    It needs a ``name`` or an ``id`` column; a missing one is derived from the other
    (ids as slugs of the names, made unique). Any numeric column can feed an
    ``attribute`` criterion.
    """

    p = Path(path)
    gdf = read_layer_file(p, LayerSpec(name="candidates", file=p.name, geometry="Point", key=""))
    if "id" not in gdf.columns and "name" not in gdf.columns:
        raise LayerError(f"{p}: candidates need a 'name' or an 'id' column; add one")
    if "id" in gdf.columns:
        rows = _blank_rows(gdf["id"])
        if rows:
            raise LayerError(f"{p} column 'id': no id on row(s) {_row_list(rows)} (data rows "
                             "counted from 1); give every candidate an id, or remove the column "
                             "to derive ids from the names")
    if "name" in gdf.columns:
        rows = _blank_rows(gdf["name"])
        if rows and "id" not in gdf.columns:
            raise LayerError(f"{p} column 'name': no name on row(s) {_row_list(rows)} and no "
                             "'id' column; give every candidate a name or an id")
        if rows:
            log.warning("%s column 'name': no name on row(s) %s; their id is used as the name",
                        p, _row_list(rows))
            blank = np.zeros(len(gdf), dtype=bool)
            blank[np.array(rows) - 1] = True
            gdf["name"] = gdf["name"].where(~blank, gdf["id"])
    else:
        gdf["name"] = gdf["id"].astype(str)
    if "id" not in gdf.columns:
        slugs = [_slug(str(n)) for n in gdf["name"]]
        seen: dict[str, int] = {}
        ids = []
        for s in slugs:
            seen[s] = seen.get(s, 0) + 1
            ids.append(s if seen[s] == 1 else f"{s}-{seen[s]}")
        gdf["id"] = ids
    gdf["id"] = gdf["id"].astype(str)
    gdf["name"] = gdf["name"].astype(str)
    dups = gdf["id"][gdf["id"].duplicated()].unique().tolist()
    if dups:
        raise LayerError(f"{p} column 'id': duplicate ids {', '.join(dups[:10])}; ids must be "
                         "unique")
    return gdf


def _blank_rows(col: pd.Series) -> list[int]:
    """1-based rows of a text column that are missing, None, NaN or only blanks."""
    text = col.astype(object)
    blank = text.isna().to_numpy() | np.array([str(v).strip() == "" for v in text], dtype=bool)
    return [int(i) + 1 for i in np.flatnonzero(blank)]


def _row_list(rows: list[int], limit: int = 10) -> str:
    """``1, 4, 9`` (and how many more past ``limit``)."""
    shown = ", ".join(map(str, rows[:limit]))
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def locate(candidates: gpd.GeoDataFrame, pack: Pack) -> gpd.GeoDataFrame:
    """Add province/region codes and names by point-in-polygon (never from the input).

    Points more than a few km outside the study area raise a DataError naming them.
    """

    far = points_outside(candidates, pack)
    if far:
        raise DataError(f"candidates outside the study area ({pack.name}): {', '.join(far[:10])}"
                        "; check their coordinates (lon/lat in WGS84 degrees) or remove them")
    out = candidates.copy()
    lon, lat = point_coordinates(out)
    out["lon"], out["lat"] = lon, lat
    ctx = CriteriaContext(pack)
    for layer, code_col, name_col in (("provinces", "province_code", "province"),
                                      ("regions", "region_code", "region")):
        if layer not in pack.layer_names:
            out[code_col], out[name_col] = None, None
            continue
        spec = pack.spec(layer)
        zones = ctx.zones(layer, "locating candidates")
        idx, _ = zone_index(ctx, layer, lon, lat)
        key = spec.key if spec.key in zones.columns else code_col
        out[code_col] = zones[key].astype(str).to_numpy()[idx] if key in zones.columns else None
        label = "name_fr" if "name_fr" in zones.columns else ("name" if "name" in zones.columns
                                                            else key)
        out[name_col] = zones[label].astype(str).to_numpy()[idx] if label in zones.columns else None
    return out


# --------------------------------------------------------------------------- aggregation


def method_matrix(values: NDArray[np.float64], raw: NDArray[np.float64],
                  infos: Sequence[CriterionInfo]) -> tuple[NDArray[np.float64],
                                                           NDArray[np.float64]]:
    """The matrix and directions TOPSIS/VIKOR work on.

    Criteria with a linear value function enter with their raw values and direction
    (the method's own normalisation applies, as in Hwang & Yoon); criteria with a
    non-linear value function (target, piecewise, sigmoid) enter as their value
    scores, direction benefit.
    """
    m = raw.copy()
    dirs = np.ones(len(infos))
    for j, info in enumerate(infos):
        if info.normalize.get("method", "minmax") in ("minmax", "vector", "max"):
            dirs[j] = 1.0 if info.direction == "benefit" else -1.0
        else:
            m[:, j] = values[:, j]
    return m, dirs


def aggregate_scores(method: str, values: NDArray[np.float64], matrix: NDArray[np.float64],
                     directions: NDArray[np.float64], weights: NDArray[np.float64],
                     options: Mapping[str, Any] | None = None) -> NDArray[np.float64]:
    """Scores (higher is better, in [0, 1]) of a decision matrix under one method.

    ``weights`` may be one vector (m,) or a batch (s, m); the result is (n,) or (s, n).
    ``values`` are the benefit-oriented value scores; ``matrix``/``directions`` the
    TOPSIS/VIKOR inputs from :func:`method_matrix`.
    """

    if method in AGGREGATORS:
        return AGGREGATORS[method](values, matrix, directions, weights, dict(options or {}))
    raise UsageError(f"unknown method '{method}'; choose one of {', '.join(METHOD_NAMES)}")


def _extreme_criteria(vv: NDArray[np.float64], w: NDArray[np.float64], names: NDArray[Any],
                      best: bool) -> Any:
    """Each site's strongest (``best``) or weakest criterion by value score.

    Criteria tied on the value (several at 1.0 is common with piecewise value
    functions) are separated by contribution: the one with the larger weight moves the
    score more. Criteria still tied (same value, same weight) are all named, joined by
    " / ", rather than one picked by its position in the scenario.
    """
    sign = 1.0 if best else -1.0
    x = np.where(np.isnan(vv), -np.inf, sign * vv)
    top = x.max(axis=1, keepdims=True)
    tied = np.isfinite(x) & (x >= top - 1e-12)
    heaviest = np.where(tied, w[None, :], -np.inf)
    chosen = tied & (heaviest >= heaviest.max(axis=1, keepdims=True))
    out = names[np.argmax(chosen, axis=1)].astype(object)
    for i in np.flatnonzero(chosen.sum(axis=1) > 1):
        out[i] = " / ".join(names[chosen[i]])
    return out


# --------------------------------------------------------------------------- ranking


@dataclass
class Ranking:
    """A ranking of candidate sites with everything needed to explain it.

    Attributes
    ----------
    scenario
        The scenario used (with any weight or method overrides applied).
    method
        Aggregation method key (``wlc``, ``wp``, ``topsis``, ``vikor``, ``owa``).
    sites
        GeoDataFrame (EPSG:4326) ordered by rank, excluded sites last; columns
        ``SITE_COLUMNS`` plus geometry. ``rank`` is <NA> and ``score`` NaN when excluded.
    raw
        Raw criterion values (index: site id; columns: all scenario criteria).
    values
        Normalised benefit-oriented scores in [0, 1] of the weighted criteria
        (NaN for excluded sites).
    weights
        Weights of the weighted criteria, summing to 1.
    criteria
        :class:`CriterionInfo` for every criterion in ``raw``.
    """

    scenario: Scenario
    method: str
    sites: gpd.GeoDataFrame
    raw: pd.DataFrame
    values: pd.DataFrame
    weights: pd.Series
    criteria: list[CriterionInfo]
    sources: list[str] = field(default_factory=list)
    pack_name: str = ""
    #: the pack the ranking was computed on (not serialised; None when read from a file)
    pack: Pack | None = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ views
    @property
    def info(self) -> dict[str, CriterionInfo]:
        """Criterion name -> info."""
        return {c.name: c for c in self.criteria}

    @property
    def included(self) -> gpd.GeoDataFrame:
        """Ranked (not excluded) sites, best first."""
        return self.sites[~self.sites["excluded"].astype(bool)]

    @property
    def contributions(self) -> pd.DataFrame:
        """weight x normalised value per site and weighted criterion."""
        return self.values * self.weights

    def weighted_infos(self) -> list[CriterionInfo]:
        """Infos of the weighted criteria, in weight order of the matrix."""
        info = self.info
        return [info[n] for n in self.weights.index]

    def decision_matrix(self) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                       NDArray[np.float64]]:
        """(values, matrix, directions) of the included sites, for analyses."""
        ids = self.included["id"]
        v = self.values.loc[ids, self.weights.index].to_numpy(dtype=np.float64)
        r = self.raw.loc[ids, self.weights.index].to_numpy(dtype=np.float64)
        m, d = method_matrix(v, r, self.weighted_infos())
        return v, m, d

    def site(self, key: str) -> pd.Series:
        """The row of a site by id or (case-insensitive) name."""
        s = self.sites
        hit = s[s["id"] == key]
        if hit.empty:
            hit = s[s["name"].str.casefold() == key.casefold()]
        if hit.empty:
            raise UsageError(f"unknown site '{key}'; give an id or name from the ranking "
                             f"(e.g. {', '.join(s['id'].head(3))})")
        return hit.iloc[0]

    def explain(self, key: str) -> pd.DataFrame:
        """Breakdown of one site: raw value and unit, normalised score, weight, contribution."""
        import pandas as pd

        row = self.site(key)
        sid = row["id"]
        rows = []
        for info in self.criteria:
            w = float(self.weights.get(info.name, 0.0))
            v: Any = (self.values.at[sid, info.name] if info.name in self.values.columns
                      else np.nan)
            rows.append({"criterion": info.name, "label": info.label,
                         "value": float(self.raw.at[sid, info.name]),  # type: ignore[arg-type]
                         "unit": info.unit,
                         "direction": info.direction, "score": float(v), "weight": w,
                         "contribution": float(v) * w if w else 0.0})
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ rescoring
    def rescore(self, weights: Mapping[str, float] | None = None,
                method: str | None = None) -> Ranking:
        """Re-aggregate with other weights or method, reusing the criterion values.

        Constraints and value functions are unchanged; criteria that had weight 0
        cannot be given weight here (their values were not normalised).
        """
        scen = self.scenario
        if weights:
            scen = scen.with_weights(weights)
        if method:
            scen = scen.with_method(method)
        missing = [n for n in scen.weights if n not in self.values.columns]
        if missing:
            raise UsageError(f"cannot rescore with new criteria {', '.join(missing)}; run rank "
                             "again with those weights")
        return _finish(scen, self.sites.drop(columns=["score", "rank", "strongest", "weakest"]),
                       self.raw, self.values[list(scen.weights)], self.criteria, self.sources,
                       self.pack_name, self.pack)

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """The documented JSON contract (see docs/ranking-json.md)."""
        # column arrays, not per-cell lookups: a 100,000-site ranking made 2.2 million
        # DataFrame.at calls (about 45 s); the values written are the same floats
        t = self.sites
        ids = t["id"].tolist()
        names = [info.name for info in self.criteria]
        raw = self.raw.reindex(index=ids, columns=names).to_numpy(dtype=np.float64).tolist()
        scored = [n for n in names if n in self.values.columns]
        val = self.values.reindex(index=ids, columns=scored).to_numpy(dtype=np.float64).tolist()
        col_of = {n: j for j, n in enumerate(scored)}
        weight = [float(self.weights.get(n, 0.0)) for n in names]
        units = [info.unit for info in self.criteria]
        ranks, scores = t["rank"].tolist(), t["score"].tolist()
        text = {c: [_str(v) for v in t[c].tolist()]
                for c in ("province", "province_code", "region", "region_code", "strongest",
                          "weakest")}
        slots = [(j, name, units[j], weight[j], col_of.get(name)) for j, name in enumerate(names)]
        name_l, lon_l, lat_l = t["name"].tolist(), t["lon"].tolist(), t["lat"].tolist()
        excl_l, reasons_l, notes_l = (t["excluded"].tolist(), t["reasons"].tolist(),
                                      t["notes"].tolist())
        sites = []
        for i, sid in enumerate(ids):
            raw_i, val_i = raw[i], val[i]
            crit: dict[str, Any] = {}
            for j, name, unit, w, k in slots:
                x = raw_i[j]
                v = None if k is None else val_i[k]
                crit[name] = {"value": None if x != x else x, "unit": unit,  # x != x: NaN
                              "score": None if v is None or v != v else v, "weight": w,
                              "contribution": None if v is None or v != v else v * w}
            sites.append({
                "rank": None if _isna(ranks[i]) else int(ranks[i]),
                "id": str(sid), "name": str(name_l[i]),
                "province": text["province"][i], "province_code": text["province_code"][i],
                "region": text["region"][i], "region_code": text["region_code"][i],
                "lon": round(float(lon_l[i]), 6), "lat": round(float(lat_l[i]), 6),
                "score": _num(scores[i]), "excluded": bool(excl_l[i]),
                "reasons": list(reasons_l[i]), "notes": list(notes_l[i]),
                "strongest": text["strongest"][i], "weakest": text["weakest"][i],
                "criteria": crit})
        return {
            "siteplan_version": __version__,
            "scenario": self.scenario.name,
            "scenario_title": self.scenario.title,
            "method": self.method,
            "method_name": METHOD_NAMES[self.method],
            "method_options": dict(self.scenario.method_options),
            "weights": {k: float(v) for k, v in self.weights.items()},
            "criteria": [{"name": c.name, "label": c.label, "unit": c.unit,
                          "direction": c.direction, "kind": c.kind, "group": c.group,
                          "normalize": dict(c.normalize), "description": c.description}
                         for c in self.criteria],
            "constraints": [{"criterion": c.criterion, "min": c.min, "max": c.max,
                             "reason": c.reason} for c in self.scenario.constraints],
            "nan_policy": self.scenario.nan_policy,
            "pack": self.pack_name,
            "sources": list(self.sources),
            "scenario_definition": scenario_to_dict(self.scenario),
            "sites": sites,
        }

    def to_json(self, indent: int = 2) -> str:
        """JSON text of :meth:`to_dict` (NaN written as null), one site per line.

        The header is indented; each site is written compactly on its own line, which
        reads and diffs well and lets the C encoder do the work (an indented dump runs
        Python's encoder: 12 s for 100,000 sites, against about 2 s).
        """
        return "".join(self.json_parts(indent))

    def json_parts(self, indent: int = 2) -> Iterator[str]:
        """:meth:`to_json` in pieces (a writer streams them: no 270 MB string for
        100,000 sites)."""
        d = self.to_dict()
        sites = d.pop("sites")
        d["sites"] = []
        if not indent or not sites:
            d["sites"] = sites
            yield json.dumps(d, indent=indent or None, ensure_ascii=False)
            return
        head = json.dumps(d, indent=indent, ensure_ascii=False)
        assert head.endswith('"sites": []\n}')
        yield head[:-4] + "[\n"
        pad = " " * (2 * indent)
        last = len(sites) - 1
        for i, site in enumerate(sites):
            yield pad + json.dumps(site, ensure_ascii=False) + (",\n" if i < last else "\n")
        yield " " * indent + "]\n}"

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "<ranking>") -> Ranking:
        """Rebuild a ranking from :meth:`to_dict` output (for ``siteplan map``).

        A malformed document (edited by hand, truncated, from another tool) gives a
        DataError naming ``where``, never a bare TypeError/ValueError.
        """
        try:
            return cls._from_dict(d, where)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            if isinstance(exc, DataError | UsageError):
                raise
            raise DataError(f"{where}: not a valid siteplan ranking ({type(exc).__name__}: "
                            f"{exc}); give the JSON or GeoPackage written by 'siteplan rank' "
                            "unchanged") from None

    @classmethod
    def _from_dict(cls, d: Mapping[str, Any], where: str) -> Ranking:
        import geopandas as gpd
        import pandas as pd

        required = ("scenario", "method", "weights", "sites", "criteria")
        missing = [k for k in required if k not in d]
        if missing:
            raise DataError(f"{where}: not a siteplan ranking (missing {', '.join(missing)}); "
                            "give the JSON or GeoPackage written by 'siteplan rank'")
        sites = list(d["sites"])
        for i, s in enumerate(sites):
            for key in ("id", "name", "lon", "lat"):
                if s.get(key) is None:
                    raise DataError(f"{where}: site {i + 1} has no '{key}'; a ranking needs ids, "
                                    "names and coordinates (lon/lat)")
        scen_def = d.get("scenario_definition")
        scen = (scenario_from_dict(scen_def, where) if scen_def else
                Scenario(name=str(d["scenario"]), criteria=()))
        infos = [CriterionInfo(c["name"], c.get("label", c["name"]), c.get("unit", ""),
                               c.get("direction", "benefit"), c.get("kind", ""),
                               c.get("group", ""), c.get("normalize", {}),
                               c.get("description", "")) for c in d["criteria"]]
        ids = [str(s["id"]) for s in sites]
        dups = sorted({i for i in ids if ids.count(i) > 1}) if len(set(ids)) < len(ids) else []
        if dups:
            raise DataError(f"{where}: duplicate site id(s) {', '.join(dups[:10])}; ids must be "
                            "unique: give the file written by 'siteplan rank' unchanged")
        for s in sites:
            lon, lat = s["lon"], s["lat"]
            ok = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat))
            if not ok or not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise DataError(f"{where}: site '{s['id']}' lon/lat ({lon!r}, {lat!r}) is not "
                                "a WGS84 position (lon -180..180, lat -90..90); fix the "
                                "coordinates or give the file written by 'siteplan rank'")
        names = [c.name for c in infos]
        wnames = list(d["weights"])

        def num(s: Mapping[str, Any], field: str, v: Any) -> float:
            try:
                return _nan(v)
            except (TypeError, ValueError):
                raise DataError(f"{where}: site '{s['id']}' {field} is {v!r}, not a number; "
                                "give the file written by 'siteplan rank' unchanged") from None

        def crit(s: Mapping[str, Any], n: str, key: str) -> float:
            return num(s, f"criterion '{n}' {key}",
                       (s.get("criteria") or {}).get(n, {}).get(key))

        raw = pd.DataFrame([[crit(s, n, "value") for n in names] for s in sites], index=ids,
                           columns=names, dtype=float)
        values = pd.DataFrame([[crit(s, n, "score") for n in wnames] for s in sites],
                              index=ids, columns=wnames, dtype=float)
        frame = pd.DataFrame({
            "rank": pd.array([s.get("rank") for s in sites], dtype="Int64"),
            "id": ids, "name": [str(s["name"]) for s in sites],
            "province_code": [s.get("province_code") for s in sites],
            "province": [s.get("province") for s in sites],
            "region_code": [s.get("region_code") for s in sites],
            "region": [s.get("region") for s in sites],
            "lon": [num(s, "lon", s["lon"]) for s in sites],
            "lat": [num(s, "lat", s["lat"]) for s in sites],
            "score": [num(s, "score", s.get("score")) for s in sites],
            "excluded": [bool(s.get("excluded", False)) for s in sites],
            "reasons": [list(s.get("reasons", [])) for s in sites],
            "notes": [list(s.get("notes", [])) for s in sites],
            "strongest": [s.get("strongest") for s in sites],
            "weakest": [s.get("weakest") for s in sites]})
        gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
                               crs="EPSG:4326")
        method = str(d["method"])
        if method not in METHOD_NAMES:
            raise DataError(f"{where}: unknown method '{method}' in the ranking")
        weights = pd.Series({k: float(v) for k, v in d["weights"].items()}, dtype=float)
        return cls(scenario=scen, method=method, sites=gdf, raw=raw, values=values,
                   weights=weights, criteria=infos, sources=list(d.get("sources", [])),
                   pack_name=str(d.get("pack", "")))


def _isna(v: Any) -> bool:
    import pandas as pd

    return v is None or bool(pd.isna(v))


def _num(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if np.isnan(f) else f


def _nan(v: Any) -> float:
    return np.nan if v is None else float(v)


def _str(v: Any) -> str | None:
    return None if _isna(v) else str(v)


def _finish(scen: Scenario, sites: gpd.GeoDataFrame, raw: pd.DataFrame, values: pd.DataFrame,
            infos: list[CriterionInfo], sources: list[str], pack_name: str,
            pack: Pack | None = None) -> Ranking:
    """Aggregate, rank and order the sites (shared by rank() and rescore())."""
    import pandas as pd

    weights = pd.Series(scen.weights, dtype=float)
    values = values[list(weights.index)]
    excluded = sites["excluded"].to_numpy(dtype=bool)
    ids = sites["id"].to_numpy()
    score = np.full(len(sites), np.nan)
    inc = np.flatnonzero(~excluded)
    info = {i.name: i for i in infos}
    if inc.size:
        v = values.loc[ids[inc]].to_numpy(dtype=np.float64)
        r = raw.loc[ids[inc], list(weights.index)].to_numpy(dtype=np.float64)
        m, d = method_matrix(v, r, [info[n] for n in weights.index])
        w = np.asarray(weights.to_numpy(), dtype=np.float64)
        score[inc] = aggregate_scores(scen.method, v, m, d, w,
                                      scen.method_options)
    out = sites.copy()
    out["score"] = score
    ranks = np.full(len(sites), np.nan)
    if inc.size:
        ranks[inc] = rank_scores(score[inc])
    out["rank"] = pd.array(ranks, dtype="Float64").astype("Int64")
    vv = values.loc[ids].to_numpy(dtype=np.float64)
    names = np.array(list(weights.index), dtype=object)
    empty = excluded | np.all(np.isnan(vv), axis=1)
    w_all = np.asarray(weights.to_numpy(), dtype=np.float64)
    out["strongest"] = np.where(empty, None, _extreme_criteria(vv, w_all, names, best=True))
    out["weakest"] = np.where(empty, None, _extreme_criteria(vv, w_all, names, best=False))
    order = np.lexsort((out["id"].to_numpy(), np.where(np.isnan(ranks), np.inf, ranks)))
    out = out.iloc[order].reset_index(drop=True)
    out = out[[*SITE_COLUMNS, "geometry"]]
    return Ranking(scenario=scen, method=scen.method, sites=out, raw=raw, values=values,
                   weights=weights, criteria=infos, sources=sources, pack_name=pack_name,
                   pack=pack)


def normalize_values(raw: pd.DataFrame, criteria: Sequence[Criterion],
                     included: NDArray[np.bool_]) -> pd.DataFrame:
    """Value-function scores in [0, 1] of the weighted criteria over the included sites."""
    import pandas as pd

    out = pd.DataFrame(index=raw.index, columns=[c.name for c in criteria], dtype=float)
    for c in criteria:
        x = raw[c.name].to_numpy(dtype=np.float64)
        col = np.full(len(x), np.nan)
        if included.any():
            col[included] = normalize(x[included], c.value_function())
        out[c.name] = col
    return out


def rank(scenario: Scenario | str | os.PathLike[str] | None = None, *,
         pack: Pack | None = None,
         candidates: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
         weights: Mapping[str, float] | None = None, method: str | None = None) -> Ranking:
    """Rank candidate sites under a scenario.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a built-in name (default ``balanced-2030``) or a TOML path.
    pack
        The data pack (default: the embedded Morocco pack with the scenario's layer
        overrides).
    candidates
        A GeoDataFrame or a file of candidate points; default: the pack's
        ``candidates`` layer.
    weights, method
        Overrides of the scenario's weights (any positive scale) and method.
    """
    import pandas as pd

    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    check_value_functions(scen)
    if weights:
        scen = scen.with_weights(weights)
    if method:
        scen = scen.with_method(method)
    if pack is None:
        pack = Pack(None, overrides=scen.layers)
    if candidates is None:
        cand = pack.layer("candidates")
    elif isinstance(candidates, str | os.PathLike):
        cand = candidates_from_file(candidates)
    else:
        cand = candidates.copy()
    if len(cand) == 0:
        raise DataError("no candidates to rank; give a candidate file with at least one site")
    for col in ("id", "name"):
        if col not in cand.columns:
            raise LayerError(f"candidates: column '{col}' is missing; add it")
    cand["id"] = cand["id"].astype(str)
    cand = locate(cand, pack)
    ctx = CriteriaContext(pack)
    lon = cand["lon"].to_numpy(dtype=np.float64)
    lat = cand["lat"].to_numpy(dtype=np.float64)
    raw_d = compute_criteria(scen.criteria, ctx, lon, lat, attributes=cand)
    ids = cand["id"].to_numpy()
    raw = pd.DataFrame(raw_d, index=pd.Index(ids, name="id"))
    reasons: list[list[str]] = [[] for _ in range(len(cand))]
    notes: list[list[str]] = [[] for _ in range(len(cand))]
    used = {c.name for c in scen.weighted} | {k.criterion for k in scen.constraints}
    by_name = {c.name: c for c in scen.criteria}
    for name in [c.name for c in scen.criteria if c.name in used]:
        c = by_name[name]
        miss = resolve_missing(raw[name].to_numpy(dtype=np.float64), c, scen.nan_policy)
        if miss is None:
            continue
        if miss.fill is None:
            for row in np.flatnonzero(miss.mask):
                reasons[row].append(f"no value for {c.display} (nan_policy = exclude)")
        else:
            raw.loc[ids[miss.mask], name] = miss.fill
            for row in np.flatnonzero(miss.mask):
                notes[row].append(miss.note(c))
    for k in scen.constraints:
        c = by_name[k.criterion]
        kcol = raw[k.criterion].to_numpy(dtype=np.float64)
        why = constraint_reason(k, c)
        for row in np.flatnonzero(constraint_fails(kcol, k)):
            reasons[row].append(
                f"{why} ({c.display} = {kcol[row]:.4g} {c.unit})".replace(" )", ")"))
    excluded = np.array([bool(r) for r in reasons])
    if excluded.all():
        counts: dict[str, int] = {}
        for r in reasons:
            for why in r:
                key = why.split(" (")[0]
                counts[key] = counts.get(key, 0) + 1
        listed = "; ".join(f"{k}: {v} sites" for k, v in counts.items())
        raise DataError(f"no candidates left after constraints ({listed}); relax the "
                        "[[constraints]] of the scenario or add candidates")
    values = normalize_values(raw, scen.weighted, ~excluded)
    sites = cand[["id", "name", "province_code", "province", "region_code", "region", "lon",
                  "lat", "geometry"]].copy()
    sites["excluded"] = excluded
    sites["reasons"] = reasons
    sites["notes"] = notes
    infos = [CriterionInfo.from_criterion(c) for c in scen.criteria]
    sources = _sources(pack, scen)
    return _finish(scen, sites.reset_index(drop=True), raw, values, infos, sources, pack.name,
                   pack)


def _sources(pack: Pack, scen: Scenario) -> list[str]:
    layers: list[str] = ["candidates"]
    for c in scen.criteria:
        for key in ("layer", "competitors", "zones"):
            if c.params.get(key):
                layers.append(str(c.params[key]))
    out = []
    for name in dict.fromkeys(layers):
        if name in pack.layer_names:
            spec = pack.spec(name)
            src = "; ".join(spec.sources) or "no source declared"
            out.append(f"{name}: {src} ({spec.licence}, {spec.date})")
    return out

