"""Shared fixtures: a tiny synthetic pack whose answers can be worked out by hand.

The tiny country is two 1 x 1 degree regions side by side on the equator
(west: lon 0..1, east: lon 1..2), each split into two provinces (south and north
halves). Near the equator one degree is about 111 km, so distances are easy to
reason about.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "tests" / "output"

TINY_MANIFEST = """
[pack]
name = "tiny"
title = "Tiny test country"
crs = "EPSG:4326"
study_area = "regions"
zones = ["provinces", "regions"]

[layers.regions]
file = "regions.geojson"
geometry = "Polygon"
key = "region_code"
sources = ["hand-made test fixture"]
licence = "CC0"
date = "2026-11"
[layers.regions.columns]
region_code = { type = "str", required = true }
name_fr = { type = "str", required = true }
unemployment_rate = { type = "float", unit = "%" }
gdp_per_capita = { type = "float", unit = "MAD" }
working_age_2024 = { type = "float", unit = "persons" }

[layers.provinces]
file = "provinces.geojson"
geometry = "Polygon"
key = "province_code"
sources = ["hand-made test fixture"]
licence = "CC0"
date = "2026-11"
[layers.provinces.columns]
province_code = { type = "str", required = true }
region_code = { type = "str", required = true }
name_fr = { type = "str", required = true }
unemployment_rate = { type = "float", unit = "%" }
working_age_2024 = { type = "float", unit = "persons" }

[layers.universities]
file = "universities.csv"
geometry = "Point"
key = "id"
sources = ["hand-made"]
licence = "CC0"
date = "2026-11"
[layers.universities.columns]
id = { type = "str", required = true }
name = { type = "str", required = true }
students = { type = "float", unit = "students" }
ict = { type = "bool" }

[layers.airports]
file = "airports.csv"
geometry = "Point"
key = "id"
[layers.airports.columns]
id = { type = "str", required = true }
international = { type = "bool" }
passengers_2024 = { type = "float" }

[layers.rail_stations]
file = "rail_stations.csv"
geometry = "Point"
key = "id"
[layers.rail_stations.columns]
id = { type = "str", required = true }
high_speed = { type = "bool" }
planned = { type = "bool" }

[layers.motorway_access]
file = "motorway_access.csv"
geometry = "Point"
key = "id"

[layers.parks]
file = "parks.csv"
geometry = "Point"
key = "id"
[layers.parks.columns]
id = { type = "str", required = true }
jobs = { type = "float" }

[layers.candidates]
file = "candidates.csv"
geometry = "Point"
key = "id"
[layers.candidates.columns]
id = { type = "str", required = true }
name = { type = "str", required = true }
population = { type = "float" }
"""


def _square(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def write_tiny_pack(folder: Path) -> Path:
    """Write the tiny pack into ``folder`` and return it."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.toml").write_text(TINY_MANIFEST, encoding="utf-8")
    regions = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": _square(0, 0, 1, 1),
                "properties": {
                    "region_code": "W",
                    "name_fr": "West",
                    "unemployment_rate": 20.0,
                    "gdp_per_capita": 30000.0,
                    "working_age_2024": 2e6,
                },
            },
            {
                "type": "Feature",
                "geometry": _square(1, 0, 2, 1),
                "properties": {
                    "region_code": "E",
                    "name_fr": "East",
                    "unemployment_rate": 10.0,
                    "gdp_per_capita": 60000.0,
                    "working_age_2024": 3e6,
                },
            },
        ],
    }
    provinces = {"type": "FeatureCollection", "features": []}
    for code, reg, box, unemp in (
        ("W.S", "W", (0, 0, 1, 0.5), 25.0),
        ("W.N", "W", (0, 0.5, 1, 1), 15.0),
        ("E.S", "E", (1, 0, 2, 0.5), 12.0),
        ("E.N", "E", (1, 0.5, 2, 1), 8.0),
    ):
        provinces["features"].append(
            {
                "type": "Feature",
                "geometry": _square(*box),
                "properties": {
                    "province_code": code,
                    "region_code": reg,
                    "name_fr": f"Province {code}",
                    "unemployment_rate": unemp,
                    "working_age_2024": 1e6,
                },
            }
        )
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    regions["crs"] = crs
    provinces["crs"] = crs
    (folder / "regions.geojson").write_text(json.dumps(regions), encoding="utf-8")
    (folder / "provinces.geojson").write_text(json.dumps(provinces), encoding="utf-8")
    (folder / "universities.csv").write_text(
        "id,name,lon,lat,students,ict\n"
        "u1,Uni West,0.25,0.25,10000,true\n"
        "u2,Uni East,1.75,0.75,20000,false\n",
        encoding="utf-8",
    )
    (folder / "airports.csv").write_text(
        "id,name,lon,lat,international,passengers_2024\n"
        "AW,Airport West,0.5,0.5,true,2000000\n"
        "AE,Airport East,1.9,0.1,false,100000\n",
        encoding="utf-8",
    )
    (folder / "rail_stations.csv").write_text(
        "id,name,lon,lat,high_speed,planned\n"
        "s1,Station West,0.3,0.3,true,false\n"
        "s2,Station East,1.7,0.7,false,false\n",
        encoding="utf-8",
    )
    (folder / "motorway_access.csv").write_text(
        "id,name,lon,lat\nm1,Junction,1.0,0.5\n", encoding="utf-8"
    )
    (folder / "parks.csv").write_text(
        "id,name,lon,lat,jobs\np1,Park East,1.75,0.75,5000\n", encoding="utf-8"
    )
    (folder / "candidates.csv").write_text(
        "id,name,lon,lat,population,land_price\n"
        "a,Alpha,0.25,0.25,100000,10\n"
        "b,Beta,0.75,0.75,50000,5\n"
        "c,Gamma,1.25,0.25,80000,8\n"
        "d,Delta,1.75,0.75,300000,20\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="session")
def tiny_pack_writer() -> Callable[[Path], Path]:
    """:func:`write_tiny_pack`, for module-scoped fixtures in sub-folders."""
    return write_tiny_pack


@pytest.fixture()
def tiny_pack_dir(tmp_path: Path) -> Path:
    """A fresh copy of the tiny pack (tests may break it)."""
    return write_tiny_pack(tmp_path / "tiny")


@pytest.fixture()
def output_dir(request: pytest.FixtureRequest) -> Path:
    """A per-test folder under tests/output/ for artefacts worth looking at (screenshots)."""
    path = OUTPUT / request.node.name.replace("[", "_").replace("]", "")
    path.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------- surface
# The tiny pack's surface at H3 resolution 6 (built once: analyses and outputs tests share it).


@pytest.fixture(scope="session")
def tiny_pack(tmp_path_factory: pytest.TempPathFactory,  # type: ignore[no-untyped-def]
              tiny_pack_writer):
    from siteplan.layers.pack import Pack

    return Pack(tiny_pack_writer(tmp_path_factory.mktemp("surface") / "tiny"))


@pytest.fixture(scope="session")
def tiny_scenario():  # type: ignore[no-untyped-def]
    from siteplan.scenario import load_scenario

    return load_scenario(REPO / "tests" / "data" / "tiny-scenario.toml")


@pytest.fixture(scope="session")
def tiny_model(tiny_pack, tiny_scenario):  # type: ignore[no-untyped-def]
    from siteplan.analyses.surface.model import SurfaceModel

    return SurfaceModel.build(tiny_scenario, pack=tiny_pack, resolution=6, chunk_size=97,
                              all_criteria=True)
