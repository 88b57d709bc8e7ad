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
from siteplan.phrases import render
from siteplan.scenario import (
    LENSES,
    METHOD_NAMES,
    RELATIVE_NORMALIZERS,
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
                "lon", "lat", "score", "viability", "need", "excluded", "reasons", "notes",
                "strongest", "weakest"]
#: candidate columns holding other names of a site (' ; '-separated): every command that
#: takes a site accepts them (see :func:`name_key`)
ALIAS_COLUMNS = ("name_ar", "aliases", "members")


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


def name_key(text: str) -> str:
    """A site name reduced for matching: accents, case, spaces and punctuation ignored
    (``"Fès"``, ``"FES"`` and ``"fes"`` match; Arabic letters are kept as they are)."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in bare.casefold() if ch.isalnum())


def site_names(candidates: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """id -> the other names of each candidate (from :data:`ALIAS_COLUMNS`)."""
    cols = [c for c in ALIAS_COLUMNS if c in candidates.columns]
    out: dict[str, tuple[str, ...]] = {}
    if not cols:
        return out
    for sid, *cells in zip(candidates["id"].astype(str), *(candidates[c] for c in cols),
                           strict=True):
        names = [n.strip() for cell in cells if isinstance(cell, str) for n in cell.split(";")]
        names = [n for n in names if n]
        if names:
            out[sid] = tuple(dict.fromkeys(names))
    return out


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
    #: id -> other names of the site (Arabic name, aliases, member towns)
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False,
                                                   compare=False)

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

    def resolve(self, key: str) -> str:
        """The id of a site given by id, name, Arabic name, alias or member town.

        Names match accent-, case- and punctuation-insensitively (``Fès``, ``fes``,
        ``Tanger``, ``Tangier``, ``طنجة``). A name shared by two sites is refused with
        both ids, so that the user picks one.
        """
        s = self.sites
        ids = s["id"].astype(str).tolist()
        if key in ids:
            return key
        k = name_key(key)
        hits = [sid for sid, name in zip(ids, s["name"].astype(str), strict=True)
                if name_key(name) == k] or [sid for sid in ids if name_key(sid) == k]
        if not hits:
            hits = [sid for sid in ids if any(name_key(a) == k
                                              for a in self.aliases.get(sid, ()))]
        if len(hits) > 1:
            raise UsageError(f"site '{key}' is ambiguous: it names {', '.join(hits)}; give "
                             "one of these ids")
        if not hits or not k:
            raise UsageError(f"unknown site '{key}'; give an id or name from the ranking "
                             f"(e.g. {', '.join(ids[:3])}); 'siteplan rank' lists them")
        return hits[0]

    def site(self, key: str) -> pd.Series:
        """The row of a site by id, name or alias (see :meth:`resolve`)."""
        s = self.sites
        return s[s["id"].astype(str) == self.resolve(key)].iloc[0]

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
        sites = self.sites.drop(columns=["score", "rank", "strongest", "weakest"])
        if weights and scen.has_lenses:
            scored = sites["viability"].notna() | sites["need"].notna()
            for lens, index in lens_indices(self.raw.loc[sites["id"]], scen,
                                            scored.to_numpy(dtype=bool)).items():
                sites[lens] = index
        return _finish(scen, sites, self.raw, self.values[list(scen.weights)], self.criteria,
                       self.sources, self.pack_name, self.pack, self.aliases)

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
        lens_l = {lens: t[lens].tolist() for lens in LENSES}
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
                "score": _num(scores[i]),
                **{lens: _num(lens_l[lens][i]) for lens in LENSES},
                "excluded": bool(excl_l[i]),
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
            **{lens: [num(s, lens, s.get(lens)) for s in sites] for lens in LENSES},
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
            pack: Pack | None = None,
            aliases: Mapping[str, tuple[str, ...]] | None = None) -> Ranking:
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
    for lens in LENSES:
        if lens not in out.columns:
            out[lens] = np.nan
    out = out[[*SITE_COLUMNS, "geometry"]]
    return Ranking(scenario=scen, method=scen.method, sites=out, raw=raw, values=values,
                   weights=weights, criteria=infos, sources=sources, pack_name=pack_name,
                   pack=pack, aliases=dict(aliases or {}))


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
         weights: Mapping[str, float] | None = None, method: str | None = None,
         add_candidates: gpd.GeoDataFrame | str | os.PathLike[str] | None = None) -> Ranking:
    """Rank candidate sites under a scenario.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a built-in name (default ``balanced-2030``) or a TOML path.
    pack
        The data pack (default: the embedded Morocco pack with the scenario's layer
        overrides).
    candidates
        A GeoDataFrame or a file of candidate points that replaces the pack's
        ``candidates`` layer.
    add_candidates
        A GeoDataFrame or a file of the user's own sites, scored together with the pack's
        candidates (their ids and names must not collide with the pack's).
    weights, method
        Overrides of the scenario's weights (any positive scale) and method.

    A lens scenario (criteria tagged ``lens``) also reports each site's viability and
    need indices; sites below its ``[lenses] viability_floor`` are excluded, with the
    reason.
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
    cand, own_file = _candidate_table(pack, candidates, add_candidates)
    cand = locate(cand, pack)
    ctx = CriteriaContext(pack)
    lon = cand["lon"].to_numpy(dtype=np.float64)
    lat = cand["lat"].to_numpy(dtype=np.float64)
    raw_d = compute_criteria(scen.criteria, ctx, lon, lat, attributes=cand)
    ids = cand["id"].to_numpy()
    raw = pd.DataFrame(raw_d, index=pd.Index(ids, name="id"))
    reasons, notes = _screen(scen, raw, ids)
    excluded = np.array([bool(r) for r in reasons])
    indices = lens_indices(raw, scen, ~excluded)
    floor = scen.viability_floor
    if floor is not None and "viability" in indices:
        below = ~excluded & (indices["viability"] < floor)
        for row in np.flatnonzero(below):
            reasons[row].append(render("below_floor", index=f"{indices['viability'][row]:.3f}",
                                       floor=f"{floor:g}"))
        excluded = excluded | below
    if excluded.all():
        _nothing_left(reasons)
    if own_file is not None:
        _warn_relative(scen, own_file, int((~excluded).sum()))
    values = normalize_values(raw, scen.weighted, ~excluded)
    sites = cand[["id", "name", "province_code", "province", "region_code", "region", "lon",
                  "lat", "geometry"]].copy()
    for lens in LENSES:
        sites[lens] = indices.get(lens, np.full(len(cand), np.nan))
    sites["excluded"] = excluded
    sites["reasons"] = reasons
    sites["notes"] = notes
    infos = [CriterionInfo.from_criterion(c) for c in scen.criteria]
    sources = _sources(pack, scen)
    return _finish(scen, sites.reset_index(drop=True), raw, values, infos, sources, pack.name,
                   pack, site_names(cand))


def _candidate_table(pack: Pack, candidates: gpd.GeoDataFrame | str | os.PathLike[str] | None,
                     add: gpd.GeoDataFrame | str | os.PathLike[str] | None,
                     ) -> tuple[gpd.GeoDataFrame, str | None]:
    """The candidates to rank, and the user file they come from when they replace the
    pack's list (None for the pack's list, alone or with ``add`` sites)."""
    import pandas as pd

    if candidates is not None and add is not None:
        raise UsageError("--candidates replaces the pack's list and --add-candidates extends "
                         "it; give one of them")
    own: str | None = None
    if candidates is None:
        cand = pack.layer("candidates")
    elif isinstance(candidates, str | os.PathLike):
        cand, own = candidates_from_file(candidates), str(candidates)
    else:
        cand, own = candidates.copy(), "the candidate table"
    if len(cand) == 0:
        raise DataError("no candidates to rank; give a candidate file with at least one site")
    for col in ("id", "name"):
        if col not in cand.columns:
            raise LayerError(f"candidates: column '{col}' is missing; add it")
    cand["id"] = cand["id"].astype(str)
    if add is not None:
        where = str(add) if isinstance(add, str | os.PathLike) else "the added candidates"
        extra = candidates_from_file(add) if isinstance(add, str | os.PathLike) else add.copy()
        extra["id"] = extra["id"].astype(str)
        _check_added(cand, extra, where, pack)
        cand = pd.concat([cand, extra], ignore_index=True)
    return cand, own


def _check_added(base: gpd.GeoDataFrame, extra: gpd.GeoDataFrame, where: str,
                 pack: Pack) -> None:
    """Refuse added sites that collide with the pack's ids or names, or lie outside the
    study area (one line naming the file, the field and the fix)."""
    far = points_outside(extra, pack)
    if far:
        raise DataError(f"{where}: site(s) {', '.join(far[:10])} lie outside the study area "
                        f"({pack.name}); check their lon/lat (WGS84 degrees) or remove them")
    taken: dict[str, str] = {}
    for sid, names in site_names(base).items():
        for n in names:
            taken.setdefault(name_key(n), sid)
    for sid, name in zip(base["id"], base["name"].astype(str), strict=True):
        taken[name_key(sid)] = str(sid)
        taken[name_key(name)] = str(sid)
    own = {sid: (str(name), *site_names(extra).get(str(sid), ()))
           for sid, name in zip(extra["id"], extra["name"].astype(str), strict=True)}
    for sid, names in own.items():
        for field_, value in (("id", sid), *(("name", n) for n in names)):
            hit = taken.get(name_key(value))
            if hit is not None:
                raise DataError(f"{where}: {field_} '{value}' of site '{sid}' is already a "
                                f"name of the pack's candidate '{hit}'; rename the site (or "
                                "leave it out: the pack already scores that place)")


def _screen(scen: Scenario, raw: pd.DataFrame, ids: NDArray[Any],
            ) -> tuple[list[list[str]], list[list[str]]]:
    """The NaN policy and the hard constraints: per site, the reasons for excluding it
    and the notes on imputed values."""
    reasons: list[list[str]] = [[] for _ in range(len(ids))]
    notes: list[list[str]] = [[] for _ in range(len(ids))]
    used = {c.name for c in scen.weighted} | {k.criterion for k in scen.constraints}
    used |= {n for lens in LENSES for n in scen.lens_weights(lens)}
    by_name = {c.name: c for c in scen.criteria}
    for name in [c.name for c in scen.criteria if c.name in used]:
        c = by_name[name]
        miss = resolve_missing(raw[name].to_numpy(dtype=np.float64), c, scen.nan_policy)
        if miss is None:
            continue
        if miss.fill is None:
            for row in np.flatnonzero(miss.mask):
                reasons[row].append(render("no_value", criterion=c.display))
        else:
            raw.loc[ids[miss.mask], name] = miss.fill
            for row in np.flatnonzero(miss.mask):
                notes[row].append(miss.note(c))
    for k in scen.constraints:
        c = by_name[k.criterion]
        kcol = raw[k.criterion].to_numpy(dtype=np.float64)
        why = constraint_reason(k, c)
        for row in np.flatnonzero(constraint_fails(kcol, k)):
            reasons[row].append(render("fails_constraint", reason=why, criterion=c.display,
                                       value=f"{kcol[row]:.4g}",
                                       unit=f" {c.unit}" if c.unit else ""))
    return reasons, notes


def _nothing_left(reasons: list[list[str]]) -> None:
    """Every site is excluded: say how many for each reason, and what to relax."""
    counts: dict[str, int] = {}
    for r in reasons:
        for why in r:
            key = why.split(" (")[0]
            key = "viability index below the floor" if key.startswith("viability index") else key
            counts[key] = counts.get(key, 0) + 1
    listed = "; ".join(f"{k}: {v} sites" for k, v in counts.items())
    raise DataError(f"no candidates left after constraints ({listed}); relax the "
                    "[[constraints]] or the [lenses] viability_floor of the scenario, or add "
                    "candidates")


def lens_indices(raw: pd.DataFrame, scen: Scenario,
                 mask: NDArray[np.bool_]) -> dict[str, NDArray[np.float64]]:
    """Each lens's index per site: the weighted mean of the lens criteria's value scores.

    Always a weighted sum (whatever the scenario's method), with the lens weights of
    :meth:`Scenario.lens_weights`; NaN outside ``mask``. With fixed-anchor value
    functions a site's index does not depend on the other candidates.
    """
    out: dict[str, NDArray[np.float64]] = {}
    by_name = {c.name: c for c in scen.criteria}
    for lens in LENSES:
        w = scen.lens_weights(lens)
        if not w:
            continue
        crit = [by_name[n] for n in w]
        vals = normalize_values(raw, crit, mask)
        index = np.full(len(raw), np.nan)
        v = vals.to_numpy(dtype=np.float64)[mask]
        index[mask] = v @ np.array([w[c.name] for c in crit])
        out[lens] = index
    return out


def _warn_relative(scen: Scenario, where: str, n: int) -> None:
    """Scores on a relative scale (min-max and kin) from a user's candidate file depend on
    which sites that file holds: say so once."""
    rel = [c.name for c in scen.weighted
           if c.normalize.get("method", "minmax") in RELATIVE_NORMALIZERS]
    if rel:
        log.warning("scores are relative to the %d ranked sites of %s: %s use a relative "
                    "value function (min-max or kin), so adding or removing a site moves "
                    "the others' scores; use fixed anchors (normalize = piecewise, sigmoid "
                    "or saturating) or rank --add-candidates to score against the pack's "
                    "list", n, where, ", ".join(rel))


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

