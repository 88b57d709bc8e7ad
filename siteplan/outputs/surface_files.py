"""Surface files: the scored H3 cells as GeoParquet, GeoPackage or CSV, and hotspots as a
candidate file, written atomically.

The surface itself (cells, criteria, scores) is
:class:`siteplan.analyses.surface.model.SurfaceModel`; this module only turns it into files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan._atomic import FOLDER_MARK, atomic_folder, check_folder, check_writable, write_with
from siteplan.analyses.surface.model import (
    SurfaceModel,
    cell_polygons,
    check_scores,
    h3_strings,
    surface_table,
)
from siteplan.errors import OutputError
from siteplan.outputs.files import csv_safe
from siteplan.outputs.formats import HOTSPOTS, SURFACE

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import NDArray

    from siteplan.analyses.surface.partitioned import PartitionedSurface, SurfacePartition


def write_surface(model: SurfaceModel, scores: Any, path: str | os.PathLike[str],
                  overwrite: bool = False, columns: Mapping[str, Any] | None = None) -> Path:
    """Write the surface, format by extension, atomically.

    ``.parquet``: GeoParquet, one row per cell with the centre as a point;
    ``.gpkg``: GeoPackage layer ``surface`` with the cell polygons; ``.csv``: no
    geometry. Columns: see :func:`surface_table`, then ``columns`` (name -> one value
    per cell, e.g. ``{"robust_share": robustness.share}``) after ``score``.
    """
    p = check_writable(path, overwrite)
    fmt = SURFACE.format_of(p)
    if fmt is None:
        raise OutputError(f"{p}: unknown surface format '{p.suffix or 'no extension'}'; use "
                          f"{', '.join(SURFACE.suffixes)}")
    extra = _extra_columns(model, columns)
    if fmt == "csv":
        table = csv_safe(surface_table(model, scores).assign(**extra))
        return write_with(p, lambda tmp: table.to_csv(tmp, index=False), overwrite)
    import geopandas as gpd

    if fmt == "parquet":
        return write_with(p, lambda tmp: _write_geoparquet(model, scores, tmp, extra),
                          overwrite)
    table = surface_table(model, scores).assign(**extra)
    gdf = gpd.GeoDataFrame(table, geometry=cell_polygons(model.cells), crs="EPSG:4326")
    return write_with(p, lambda tmp: gdf.to_file(tmp, layer="surface", driver="GPKG",
                                                 engine="pyogrio"), overwrite)


def _extra_columns(model: SurfaceModel, columns: Mapping[str, Any] | None
                   ) -> dict[str, NDArray[Any]]:
    """The extra per-cell columns as arrays, checked: one value per cell, new names."""
    out: dict[str, NDArray[Any]] = {}
    taken = {"h3", "lon", "lat", "region_code", "excluded", "score", "geometry",
             *model.criteria}
    for name, values in (columns or {}).items():
        arr = np.asarray(values)
        if arr.shape != (model.n_cells,):
            raise OutputError(f"surface column {name!r} has shape {arr.shape}; expected "
                              f"({model.n_cells},), one value per cell")
        if name in taken:
            raise OutputError(f"surface column {name!r} is already a column of the surface")
        out[str(name)] = arr
    return out


def _write_geoparquet(model: SurfaceModel, scores: Any, path: Path,
                      extra: Mapping[str, NDArray[Any]] | None = None) -> None:
    """GeoParquet 1.0 (WKB points, OGC:CRS84) built column by column with pyarrow.

    No Python object per cell: the WKB points and H3 strings are laid out in numpy
    buffers and wrapped as Arrow arrays, so resolution 9 (6 million cells) stays
    within a few hundred MB. A missing value (an excluded cell's score, a criterion not
    computed) is written as null, not NaN: SQL readers such as DuckDB would otherwise
    take NaN for the largest score; pandas and GeoPandas read null back as NaN.
    """
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    s = check_scores(model, scores)
    n = model.n_cells
    wkb = np.empty(n, dtype=np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"),
                                      ("y", "<f8")]))
    wkb["order"], wkb["type"], wkb["x"], wkb["y"] = 1, 1, model.lon, model.lat
    offsets = pa.py_buffer(np.arange(0, 21 * (n + 1), 21, dtype=np.int64))
    geometry = pa.LargeBinaryArray.from_buffers(pa.large_binary(), n,
                                                [None, offsets, pa.py_buffer(wkb)])
    hexed = np.ascontiguousarray(h3_strings(model.cells).astype("S15"))
    h3_offsets = pa.py_buffer(np.arange(0, 15 * (n + 1), 15, dtype=np.int32))
    h3_col = pa.StringArray.from_buffers(n, h3_offsets, pa.py_buffer(hexed))
    region = pa.DictionaryArray.from_arrays(pa.array(model.region.astype(np.int32)),
                                            pa.array(model.region_codes, type=pa.string()))
    cols: dict[str, Any] = {"h3": h3_col, "lon": pa.array(model.lon), "lat": pa.array(model.lat),
                            "region_code": region}
    for j, name in enumerate(model.criteria):
        cols[name] = pa.array(np.ascontiguousarray(model.raw[:, j]), from_pandas=True)
    cols["excluded"] = pa.array(~model.valid)
    cols["score"] = pa.array(s, from_pandas=True)
    for name, values in (extra or {}).items():
        cols[name] = pa.array(values)
    cols["geometry"] = geometry
    geo = {"version": "1.0.0", "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"],
                                    "bbox": [float(model.lon.min()), float(model.lat.min()),
                                             float(model.lon.max()), float(model.lat.max())]}}}
    table = pa.table(cols).replace_schema_metadata({"geo": json.dumps(geo)})
    pq.write_table(table, path, compression="snappy")


def write_hotspots(gdf: gpd.GeoDataFrame, path: str | os.PathLike[str],
                   overwrite: bool = False) -> Path:
    """Write hotspots as a candidate file (.csv with lon/lat, .gpkg or .geojson), atomically."""
    p = check_writable(path, overwrite)
    fmt = HOTSPOTS.format_of(p)
    if fmt is None:
        raise OutputError(f"{p}: unknown hotspot format '{p.suffix or 'no extension'}'; use "
                          f"{', '.join(HOTSPOTS.suffixes)}")
    if fmt == "csv":
        return write_with(p, lambda tmp: csv_safe(gdf.drop(columns="geometry")).to_csv(tmp,
                                                                         index=False),
                          overwrite)
    driver = "GPKG" if fmt == "gpkg" else "GeoJSON"
    # GeoJSON: the layer name is the collection's "name", so the final file's, not the temp's
    kw = {"layer": "candidates" if fmt == "gpkg" else p.stem}
    return write_with(p, lambda tmp: gdf.to_file(tmp, driver=driver, engine="pyogrio", **kw),
                      overwrite)


# --------------------------------------------------------------------------- partitioned


def partition_file_name(parent: int) -> str:
    """``<h3 of the parent>.parquet``, the file of one partition."""
    return f"{h3_strings(np.array([parent], dtype=np.int64))[0]}.parquet"


def write_partition(part: SurfacePartition, folder: str) -> str:
    """Write one partition as GeoParquet in ``folder`` (a sink of
    :func:`siteplan.analyses.surface.partitioned.build_partitioned`, run on the worker);
    return the file name.

    The columns of :func:`write_surface`'s GeoParquet (``h3``, ``lon``, ``lat``,
    ``region_code``, the raw criteria, ``excluded``, ``score``, point geometry), then
    ``local_max`` (the cell's score is >= every scored neighbour's: the hotspot
    candidates). Every file has the same schema, so the folder reads as one table.
    """
    name = partition_file_name(part.parent)
    _write_geoparquet(part.model, part.scores, Path(folder) / name,
                      {"local_max": part.local_max})
    return name


def write_partitioned_surface(folder: str | os.PathLike[str], scenario: Any = None, *,
                              overwrite: bool = False, **build: Any) -> PartitionedSurface:
    """Build the surface by partitions and write one GeoParquet file per parent cell into
    ``folder``, atomically.

    The files are written into a temporary folder beside ``folder`` (on a multi-machine
    cluster it must be on a file system every worker sees at the same path), which is
    renamed to ``folder`` once every partition is written; on any error (Ctrl-C too)
    nothing is left. ``_siteplan.json`` in the folder records the scenario, resolutions,
    counts and the list of files (readers skip names starting with ``_``).
    ``build``: the keyword arguments of
    :func:`~siteplan.analyses.surface.partitioned.build_partitioned`.
    """
    from siteplan.analyses.surface.partitioned import build_partitioned

    check_folder(folder, overwrite)
    with atomic_folder(folder, overwrite) as tmp:
        surf = build_partitioned(scenario, sink=write_partition, sink_arg=str(tmp), **build)
        _write_folder_record(surf, tmp / FOLDER_MARK)
    return surf


def _write_folder_record(surf: PartitionedSurface, path: Path) -> None:
    import json

    lo, mean, hi = surf.score_range()
    record = {
        "kind": "siteplan partitioned surface",
        "scenario": surf.scenario.name, "method": surf.scenario.method,
        "weights": surf.scenario.weights,
        "resolution": surf.resolution, "parent_resolution": surf.parent_resolution,
        "cells": surf.n_cells, "valid_cells": surf.n_valid,
        "score": {"min": lo, "mean": mean, "max": hi},
        "exclusions": surf.exclusions,
        "files": [p.written for p in surf.partitions],
        "seconds": surf.seconds, "scheduler": surf.scheduler,
        "partitions": [{"file": p.written, "cells": p.n_cells, "valid_cells": p.n_valid,
                        "seconds": round(p.seconds, 4)} for p in surf.partitions],
        "geometry": "cell centres (WKB points, OGC:CRS84); polygons from the h3 column",
    }
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
