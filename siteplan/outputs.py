"""File outputs: CSV, JSON, GeoJSON, GeoPackage, XLSX and Markdown, written atomically.

The format is chosen by ``fmt`` or by the file extension. Every writer goes
through :mod:`siteplan._atomic`: an existing file is replaced only once the new
one is complete, and never without ``overwrite=True``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siteplan._atomic import check_writable, write_text_atomic, write_with
from siteplan.errors import DataError, OutputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from siteplan.engine import Ranking

FORMATS = {".csv": "csv", ".json": "json", ".geojson": "geojson", ".gpkg": "gpkg",
           ".xlsx": "xlsx", ".md": "md", ".markdown": "md"}
RANKING_FORMATS = ("csv", "json", "geojson", "gpkg", "xlsx", "md")
META_TABLE = "siteplan_ranking"


def format_for(path: str | os.PathLike[str], fmt: str | None = None,
               allowed: Sequence[str] = RANKING_FORMATS) -> str:
    """The output format: ``fmt`` if given, else from the extension (OutputError if unknown)."""
    if fmt:
        if fmt not in allowed:
            raise OutputError(f"--format {fmt}: unknown; choose one of {', '.join(allowed)}")
        return fmt
    suffix = Path(path).suffix.lower()
    found = FORMATS.get(suffix)
    if found is None or found not in allowed:
        raise OutputError(f"{path}: cannot tell the format from '{suffix or 'no extension'}'; "
                          f"use one of {', '.join(allowed)} (extension or --format)")
    return found


# --------------------------------------------------------------------------- tables


def ranking_table(r: Ranking, criteria_values: bool = True) -> pd.DataFrame:
    """One flat row per site: rank, ids, place, score, exclusion, then each criterion.

    Criterion columns: ``<name>`` is the raw value (unit in the criteria sheet),
    ``<name>_score`` the normalised score in [0, 1].
    """
    import pandas as pd

    s = r.sites
    out = pd.DataFrame({
        "rank": s["rank"], "id": s["id"], "name": s["name"], "province": s["province"],
        "region": s["region"], "province_code": s["province_code"],
        "region_code": s["region_code"], "lon": s["lon"].round(6), "lat": s["lat"].round(6),
        "score": s["score"].round(6), "excluded": s["excluded"],
        "reasons": ["; ".join(x) for x in s["reasons"]],
        "strongest": s["strongest"], "weakest": s["weakest"]})
    if criteria_values:
        ids = s["id"].to_numpy()
        for info in r.criteria:
            out[info.name] = r.raw.loc[ids, info.name].to_numpy()
            if info.name in r.values.columns:
                out[f"{info.name}_score"] = r.values.loc[ids, info.name].round(6).to_numpy()
    return out


def markdown_table(df: pd.DataFrame, floatfmt: str = ".4g") -> str:
    """A GitHub-style Markdown table (cells escaped for '|')."""
    import pandas as pd

    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
            return ""
        if isinstance(v, float):
            return format(v, floatfmt)
        return str(v).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    sep = "| " + " | ".join("---" for _ in df.columns) + " |"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *rows]) + "\n"


# --------------------------------------------------------------------------- ranking writers


def write_ranking(r: Ranking, path: str | os.PathLike[str], fmt: str | None = None,
                  overwrite: bool = False) -> Path:
    """Write a ranking as CSV, JSON, GeoJSON, GeoPackage, XLSX or Markdown."""
    p = check_writable(path, overwrite)
    kind = format_for(p, fmt)
    if kind == "json":
        return write_text_atomic(p, r.to_json() + "\n", overwrite)
    if kind == "csv":
        return write_text_atomic(p, ranking_table(r).to_csv(index=False), overwrite)
    if kind == "md":
        return write_text_atomic(p, ranking_markdown(r), overwrite)
    if kind == "geojson":
        return write_with(p, lambda tmp: _geo(r).to_file(tmp, driver="GeoJSON",
                                                         engine="pyogrio"), overwrite)
    if kind == "gpkg":
        return write_with(p, lambda tmp: _write_gpkg(r, tmp), overwrite)
    return write_with(p, lambda tmp: _write_xlsx(r, tmp), overwrite)


def _geo(r: Ranking) -> gpd.GeoDataFrame:
    import geopandas as gpd

    table = ranking_table(r)
    table["rank"] = table["rank"].astype("float64")
    return gpd.GeoDataFrame(table, geometry=r.sites.geometry.to_numpy(), crs="EPSG:4326")


def _write_gpkg(r: Ranking, tmp: Path) -> None:
    import pandas as pd
    import pyogrio

    _geo(r).to_file(tmp, layer="sites", driver="GPKG", engine="pyogrio")
    meta = pd.DataFrame({"key": ["ranking"], "json": [r.to_json(indent=0)]})
    pyogrio.write_dataframe(meta, tmp, layer=META_TABLE, driver="GPKG", append=True)


def read_gpkg_ranking_json(path: Path) -> dict[str, Any]:
    """The ranking JSON stored in a GeoPackage written by :func:`write_ranking`."""
    import pyogrio

    try:
        layers = [str(n) for n, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # GDAL raises several types for a broken file
        raise DataError(f"{path}: cannot be read as a GeoPackage ({exc})") from None
    if META_TABLE not in layers:
        raise DataError(f"{path}: not a siteplan ranking (no '{META_TABLE}' table); give the "
                        "GeoPackage written by 'siteplan rank -o ranking.gpkg'")
    df = pyogrio.read_dataframe(path, layer=META_TABLE, read_geometry=False)
    try:
        d = json.loads(str(df["json"].iloc[0]))
    except (KeyError, IndexError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: the '{META_TABLE}' table is damaged ({exc})") from None
    if not isinstance(d, dict):
        raise DataError(f"{path}: the '{META_TABLE}' table is not a ranking")
    return d


def weights_table(r: Ranking) -> pd.DataFrame:
    """One row per criterion: label, unit, direction, kind, value function, weight."""
    import pandas as pd

    return pd.DataFrame([{"criterion": c.name, "label": c.label, "group": c.group,
                          "unit": c.unit, "direction": c.direction, "kind": c.kind,
                          "value_function": json.dumps(dict(c.normalize)),
                          "weight": float(r.weights.get(c.name, 0.0)),
                          "how_computed": c.description} for c in r.criteria])


def _write_xlsx(r: Ranking, tmp: Path) -> None:
    import pandas as pd

    from siteplan.scenario import METHOD_NAMES

    table = ranking_table(r, criteria_values=False)
    table["rank"] = table["rank"].astype("float64")
    ids = r.sites["id"].to_numpy()
    values = pd.DataFrame({"id": ids, "name": r.sites["name"].to_numpy()})
    for info in r.criteria:
        unit = f" [{info.unit}]" if info.unit else ""
        values[f"{info.name}{unit}"] = r.raw.loc[ids, info.name].to_numpy()
    for name in r.values.columns:
        values[f"{name} score"] = r.values.loc[ids, name].to_numpy()
    meta_rows = [("scenario", r.scenario.name), ("title", r.scenario.title),
                 ("method", f"{r.method}: {METHOD_NAMES[r.method]}"),
                 ("method options", json.dumps(dict(r.scenario.method_options))),
                 ("NaN policy", r.scenario.nan_policy), ("pack", r.pack_name)]
    meta_rows += [("constraint", f"{k.describe()} ({k.reason})") for k in r.scenario.constraints]
    meta_rows += [("source", s) for s in r.sources]
    meta = pd.DataFrame(meta_rows, columns=["item", "value"])
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        table.to_excel(xl, sheet_name="sites", index=False)
        values.to_excel(xl, sheet_name="criteria", index=False)
        weights_table(r).to_excel(xl, sheet_name="weights", index=False)
        meta.to_excel(xl, sheet_name="method and sources", index=False)


def ranking_markdown(r: Ranking, top: int | None = None) -> str:
    """A Markdown report: header, weights, ranked table, exclusions."""
    from siteplan.scenario import METHOD_NAMES

    t = ranking_table(r, criteria_values=False)
    inc = t[~t["excluded"]]
    if top:
        inc = inc.head(top)
    cols = ["rank", "name", "province", "region", "score", "strongest", "weakest"]
    lines = [f"# Ranking: {r.scenario.title or r.scenario.name}", "",
             f"Method: {METHOD_NAMES[r.method]}. Scenario `{r.scenario.name}`.", "",
             "## Weights", "", markdown_table(weights_table(r)[["criterion", "label", "unit",
                                                                 "direction", "weight"]]),
             "## Sites", "", markdown_table(inc[cols])]
    exc = t[t["excluded"]]
    if len(exc):
        lines += ["## Excluded", "", markdown_table(exc[["name", "province", "reasons"]])]
    lines += ["## Sources", ""] + [f"- {s}" for s in r.sources] + [""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- generic


def write_json(obj: Mapping[str, Any] | Sequence[Any], path: str | os.PathLike[str],
               overwrite: bool = False) -> Path:
    """Write JSON (UTF-8, indented; NaN as null) atomically."""
    text = json.dumps(_clean(obj), indent=2, ensure_ascii=False)
    return write_text_atomic(check_writable(path, overwrite), text + "\n", overwrite)


def _clean(obj: Any) -> Any:
    import math

    import numpy as np

    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    return obj


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], fmt: str | None = None,
                overwrite: bool = False, sheets: Mapping[str, pd.DataFrame] | None = None,
                allowed: Sequence[str] = ("csv", "xlsx", "md", "json")) -> Path:
    """Write a plain table as CSV, XLSX (with optional extra sheets), Markdown or JSON records."""
    import pandas as pd

    p = check_writable(path, overwrite)
    kind = format_for(p, fmt, allowed)
    if kind == "csv":
        return write_text_atomic(p, df.to_csv(index=False), overwrite)
    if kind == "md":
        return write_text_atomic(p, markdown_table(df), overwrite)
    if kind == "json":
        return write_json(df.to_dict(orient="records"), p, overwrite)

    def xlsx(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            df.to_excel(xl, sheet_name="table", index=False)
            for name, extra in (sheets or {}).items():
                extra.to_excel(xl, sheet_name=name[:31], index=False)

    return write_with(p, xlsx, overwrite)
