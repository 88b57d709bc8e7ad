"""Build the ``basemap`` layer of the embedded Morocco pack: land, borders and place names.

The interactive maps are drawn offline, without a tile server; this layer gives them a
background a person recognises: land (Natural Earth 1:50m land polygons, whose outline is
the coastline) on a sea-coloured page, the land borders of the neighbouring countries
(Natural Earth 1:10m admin-0 boundary lines) and the main places to name (the pack's own
``settlements`` layer, HCP RGPH 2024 populations).

Morocco's point of view: official Moroccan maps show no boundary between Morocco and its
southern provinces. Natural Earth's default boundary lines carry two such lines (the
"line of control" and the 27.66 degree parallel, ``adm0_left``/``adm0_right`` Western Sahara
and Morocco); they are left out, so the land is one, as in Natural Earth's own Morocco
point-of-view edition (``ne_10m_admin_0_countries_mar``). Every other line is kept. The
pack's regions and provinces (drawn above this layer) give Morocco's internal divisions.

Method: each source is clipped to the pack's extent widened by MARGIN degrees, simplified
(shapely, Douglas-Peucker, TOLERANCE degrees, topology preserved) and rounded to DECIMALS
decimals. Places: every urban commune of ``settlements.csv``; the arrondissements of the six
divided cities are summed into one place per city (population-weighted position). One
GeoJSON file, features told apart by ``kind`` (``land``, ``boundary``, ``place``).

Usage::

    python geodata/build/basemap.py NATURAL_EARTH_GEOJSON_DIR [OUT_DIR]

where the directory holds ``50m/physical/ne_50m_land.json`` and
``10m/cultural/ne_10m_admin_0_boundary_lines_land.json`` (the CC0 GeoJSON repackaging of
Natural Earth, https://github.com/martynafford/natural-earth-geojson).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parent / "morocco"
MARGIN = 12.0
TOLERANCE = 0.01
DECIMALS = 3
LAND = "50m/physical/ne_50m_land.json"
BOUNDARIES = "10m/cultural/ne_10m_admin_0_boundary_lines_land.json"
#: boundary lines that official Moroccan maps do not show (Natural Earth's country names)
HIDDEN_PAIRS = ({"Western Sahara", "Morocco"},)
#: the six cities HCP divides into arrondissements, by province code (pack.toml's settlements)
DIVIDED_CITIES = {"01.511": "Tanger", "03.231": "Fès", "04.421": "Rabat", "04.441": "Salé",
                  "06.141": "Casablanca", "07.351": "Marrakech"}

SPEC: dict[str, Any] = {
    "file": "basemap.geojson",
    "geometry": "none",
    "key": "id",
    "title": "Offline basemap: land, neighbouring countries' borders and place names",
    "licence": ("Land and borders: public domain (Natural Earth), via the CC0 GeoJSON "
                "repackaging natural-earth-geojson; places: CC BY 4.0, Haut-Commissariat au "
                "Plan (RGPH 2024) through the settlements layer"),
    "title_fr": "Fond de carte hors ligne : terres, frontières des pays voisins et noms de lieux",
    "licence_fr": ("Terres et frontières : domaine public (Natural Earth), via la reprise CC0 "
                   "en GeoJSON natural-earth-geojson ; lieux : CC BY 4.0, Haut-Commissariat "
                   "au Plan (RGPH 2024) par la couche des communes"),
    "date": "2026-12",
    "method_fr": ("Terres Natural Earth au 1:50m et frontières terrestres admin-0 au 1:10m "
                  f"découpées à l'emprise du pack + {MARGIN:g} degrés, simplifiées "
                  f"(Douglas-Peucker, {TOLERANCE:g} degré, topologie préservée), arrondies à "
                  f"{DECIMALS} décimales ; les lignes Sahara occidental/Maroc sont écartées "
                  "(les cartes officielles marocaines n'en montrent aucune, comme l'édition "
                  "« point de vue du Maroc » de Natural Earth). Lieux : communes urbaines de "
                  "la couche des communes, arrondissements additionnés par ville. Construit "
                  "par geodata/build/basemap.py ; dessiné sous les zones par les cartes de "
                  "siteplan."),
    "method": ("Natural Earth 1:50m land and 1:10m admin-0 land boundary lines clipped to the "
               f"pack's extent + {MARGIN:g} degrees, simplified (Douglas-Peucker, "
               f"{TOLERANCE:g} degree, topology preserved), rounded to {DECIMALS} decimals; "
               "the Western Sahara/Morocco lines are left out (official Moroccan maps show "
               "none, as Natural Earth's Morocco point-of-view edition). Places: urban "
               "communes of the settlements layer, arrondissements summed per city. Built by "
               "geodata/build/basemap.py; drawn under the zones by siteplan's maps."),
    "sources": ["https://www.naturalearthdata.com/downloads/50m-physical-vectors/50m-land/",
                "https://www.naturalearthdata.com/downloads/10m-cultural-vectors/"
                "10m-admin-0-boundary-lines/",
                "https://github.com/martynafford/natural-earth-geojson",
                "https://www.hcp.ma/file/242341/"],
    "columns": {},
}


def _round(geom: Any) -> Any:
    import numpy as np
    import shapely

    return shapely.transform(geom, lambda c: np.round(c, DECIMALS))


def _clip(features: list[dict[str, Any]], bbox: Any) -> list[Any]:
    import shapely
    from shapely.geometry import shape

    out = []
    for f in features:
        g = shape(f["geometry"])
        if not g.intersects(bbox):
            continue
        g = shapely.intersection(g, bbox).simplify(TOLERANCE, preserve_topology=True)
        g = _round(g)
        if not g.is_empty:
            out.append((f, g))
    return out


def places(settlements: Any) -> list[dict[str, Any]]:
    """Urban communes, and one place per divided city, with their 2024 population."""
    import pandas as pd

    urban = settlements[settlements["type"] == "urban"].copy()
    arr = urban["unit"] == "arrondissement"
    rows = [{"name": r.name_fr, "population": int(r.population_2024),
             "lon": float(r.lon), "lat": float(r.lat)} for r in urban[~arr].itertuples()]
    for code, grp in urban[arr].groupby("province_code"):
        pop = grp["population_2024"].astype(float)
        rows.append({"name": DIVIDED_CITIES[str(code)], "population": int(pop.sum()),
                     "lon": float((grp["lon"] * pop).sum() / pop.sum()),
                     "lat": float((grp["lat"] * pop).sum() / pop.sum())})
    rows.sort(key=lambda r: -r["population"])
    return [{"type": "Feature", "properties": {"kind": "place", "name": r["name"],
                                               "population": r["population"]},
             "geometry": {"type": "Point", "coordinates": [round(r["lon"], DECIMALS),
                                                           round(r["lat"], DECIMALS)]}}
            for r in rows if not pd.isna(r["population"])]


def build(source: Path, out: Path = DEFAULT_OUT) -> dict[str, Any]:
    """Write ``basemap.geojson`` into ``out``; return the layer's manifest entry."""
    import geopandas as gpd
    import pandas as pd
    import shapely
    from shapely.geometry import box, mapping

    w, s, e, n = gpd.read_file(out / "regions.geojson").total_bounds
    bbox = box(w - MARGIN, s - MARGIN, e + MARGIN, n + MARGIN)
    land = json.loads((source / LAND).read_text(encoding="utf-8"))["features"]
    lines = json.loads((source / BOUNDARIES).read_text(encoding="utf-8"))["features"]
    lines = [f for f in lines if {f["properties"].get("adm0_left"),
                                  f["properties"].get("adm0_right")} not in HIDDEN_PAIRS]
    feats: list[dict[str, Any]] = []
    land_geom = shapely.union_all([g for _, g in _clip(land, bbox)])
    feats.append({"type": "Feature", "properties": {"kind": "land"},
                  "geometry": mapping(land_geom)})
    for f, g in _clip(lines, bbox):
        p = f["properties"]
        between = f"{p.get('adm0_left')} / {p.get('adm0_right')}"
        feats.append({"type": "Feature", "properties": {
            "kind": "boundary", "between": between.replace("Western Sahara", "Morocco")},
            "geometry": mapping(g)})
    settlements = pd.read_csv(out / "settlements.csv", dtype={"province_code": str})
    feats.extend(places(settlements))
    for i, f in enumerate(feats):
        f["properties"] = {"id": f"{f['properties']['kind']}-{i}", **f["properties"]}
    text = json.dumps({"type": "FeatureCollection", "features": feats},
                      ensure_ascii=False, separators=(",", ":"))
    tmp = out / "basemap.geojson.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out / "basemap.geojson")
    return SPEC


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    build(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_OUT)
    print(f"wrote {(Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_OUT) / 'basemap.geojson'}")
