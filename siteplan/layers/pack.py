"""Data packs: read, validate and serve the layers that feed the criteria.

A *pack* is a folder holding ``pack.toml`` (the manifest) and one file per layer,
or a GeoPackage whose layers carry the manifest's names. The embedded default is
``geodata/morocco`` (shipped inside the package as ``siteplan/_pack`` when installed
from a wheel, or read from the repository checkout).

Validation collects *every* problem of a layer (file, column, row) and raises one
:class:`~siteplan.errors.LayerError` that lists them, so that a planner fixes a file
in one pass. Geometry is repaired with a warning; a layer in another CRS is
reprojected to the storage CRS; a layer with no CRS, or whose coordinates cannot be
in the CRS it declares, is rejected.
"""

from __future__ import annotations

import logging
import os
import tomllib
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siteplan._atomic import looks_like, read_text
from siteplan.errors import DataError, LayerError, UsageError, note_input

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    from shapely.geometry.base import BaseGeometry

    from siteplan.layers.network import RoadNetwork

log = logging.getLogger("siteplan")

COLUMN_TYPES = ("str", "int", "float", "bool")
GEOMETRY_TYPES = ("Point", "Polygon", "none")
VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".parquet")
LON_NAMES = ("lon", "longitude", "lng", "x")
LAT_NAMES = ("lat", "latitude", "y")
STORAGE_CRS = "EPSG:4326"
#: The ``--layer`` / ``[layers]`` name of the road network (an ``.npz`` written by
#: ``siteplan network build``) and the manifest table that declares a pack's own one.
NETWORK_KEY = "network"
#: points farther than this from the study area are reported (km)
OUTSIDE_TOLERANCE_KM = 5.0


# --------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a layer: its type, unit and whether it must be filled."""

    name: str
    type: str = "str"
    unit: str = ""
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a pack, as declared in ``pack.toml``."""

    name: str
    file: str
    geometry: str = "Point"
    key: str = "id"
    title: str = ""
    licence: str = ""
    date: str = ""
    method: str = ""
    sources: tuple[str, ...] = ()
    columns: Mapping[str, ColumnSpec] = field(default_factory=dict)
    #: the title, licence and method in French (``title_fr``, ``licence_fr``,
    #: ``method_fr`` of pack.toml); empty: the English ones are shown
    title_fr: str = ""
    licence_fr: str = ""
    method_fr: str = ""

    def title_in(self, lang: str) -> str:
        """The layer's title for people in ``lang`` (French: ``title_fr``, else ``title``)."""
        return (self.title_fr or self.title) if lang == "fr" else self.title

    def licence_in(self, lang: str) -> str:
        """The layer's licence for people in ``lang`` (French: ``licence_fr``, else
        ``licence``)."""
        return (self.licence_fr or self.licence) if lang == "fr" else self.licence

    def method_in(self, lang: str) -> str:
        """How the layer was made, for people in ``lang`` (French: ``method_fr``, else
        ``method``)."""
        return (self.method_fr or self.method) if lang == "fr" else self.method

    def relaxed(self, file: str, title: str = "", sources: tuple[str, ...] = (),
                title_fr: str = "") -> LayerSpec:
        """The same layer for a user's file: column types kept, only the key required.

        A user's replacement layer need not carry the pack's bookkeeping columns
        (sources, precision flags); criteria that read a missing column say so.
        """
        cols = {k: ColumnSpec(v.name, v.type, v.unit, v.description, False)
                for k, v in self.columns.items()}
        return LayerSpec(name=self.name, file=file, geometry=self.geometry, key=self.key,
                         title=title or self.title, licence="user-supplied", date="",
                         method="user-supplied", sources=sources, columns=cols,
                         title_fr=title_fr or self.title_fr,
                         licence_fr="fourni par l'utilisateur",
                         method_fr="fourni par l'utilisateur")

    @property
    def required_columns(self) -> list[str]:
        """Columns that must exist and be filled (the key always is)."""
        req = [c.name for c in self.columns.values() if c.required]
        if self.key and self.key not in req:
            req.insert(0, self.key)
        return req


@dataclass(frozen=True)
class Manifest:
    """The parsed ``pack.toml`` of a pack."""

    name: str
    title: str = ""
    crs: str = STORAGE_CRS
    study_area: str = "regions"
    zones: tuple[str, ...] = ("provinces", "regions")
    version: str = ""
    layers: Mapping[str, LayerSpec] = field(default_factory=dict)
    path: Path | None = None
    #: ``[network]``: the pack's road network (file, title, sources, licence, date,
    #: method, gaps); empty when the pack ships none
    network: Mapping[str, Any] = field(default_factory=dict)
    #: the pack's title in French (``[pack] title_fr``)
    title_fr: str = ""

    def title_in(self, lang: str) -> str:
        """The pack's title for people in ``lang`` (French: ``title_fr``, else ``title``)."""
        return (self.title_fr or self.title) if lang == "fr" else self.title


#: the text fields of a layer (and of [pack]) that a manifest may give in French
TRANSLATED_FIELDS = ("title_fr", "licence_fr", "method_fr")


def _french_text(table: Mapping[str, Any], key: str, where: str) -> str:
    """A ``*_fr`` field of a manifest table: text, or one line saying what to write."""
    value = table.get(key, "")
    if not isinstance(value, str):
        raise LayerError(f"{where}: {key} = {value!r} is not text; write {key} = \"...\" (the "
                         "French wording) or leave it out")
    return value.strip()


def _layer_spec(name: str, raw: Any, where: str) -> LayerSpec:
    if not isinstance(raw, Mapping):
        raise LayerError(f"{where}: layers.{name} = {raw!r} is not a table; describe the layer "
                         f'as [layers.{name}] with file = "{name}.csv", geometry, sources, ...')
    if "file" not in raw:
        raise LayerError(f"{where}: layer '{name}' has no 'file'; add file = \"{name}.csv\"")
    geometry = str(raw.get("geometry", "Point"))
    if geometry == "MultiPolygon":
        geometry = "Polygon"
    if geometry not in GEOMETRY_TYPES:
        raise LayerError(f"{where}: layer '{name}' geometry '{geometry}' is not one of "
                         f"{', '.join(GEOMETRY_TYPES)}")
    columns: dict[str, ColumnSpec] = {}
    for cname, craw in dict(raw.get("columns", {})).items():
        craw = dict(craw) if isinstance(craw, Mapping) else {"type": str(craw)}
        ctype = str(craw.get("type", "str"))
        if ctype not in COLUMN_TYPES:
            raise LayerError(f"{where}: layer '{name}' column '{cname}' type '{ctype}' is not "
                             f"one of {', '.join(COLUMN_TYPES)}")
        columns[cname] = ColumnSpec(cname, ctype, str(craw.get("unit", "")),
                                    str(craw.get("description", "")),
                                    bool(craw.get("required", False)))
    sources = raw.get("sources", ())
    if isinstance(sources, str):
        sources = (sources,)
    french = {key: _french_text(raw, key, f"{where}: layers.{name}")
              for key in TRANSLATED_FIELDS}
    return LayerSpec(name=name, file=str(raw["file"]), geometry=geometry,
                     key=str(raw.get("key", "id")), title=str(raw.get("title", "")),
                     licence=str(raw.get("licence", raw.get("license", ""))),
                     date=str(raw.get("date", "")), method=str(raw.get("method", "")),
                     sources=tuple(str(s) for s in sources), columns=columns, **french)


def read_manifest(path: str | os.PathLike[str]) -> Manifest:
    """Parse a ``pack.toml`` safely (``tomllib``) into a :class:`Manifest`."""
    p = Path(path)
    if not p.exists():
        raise LayerError(f"{p}: no such manifest; a pack folder needs a pack.toml")
    try:
        raw = tomllib.loads(read_text(p, "the pack manifest", LayerError))
    except tomllib.TOMLDecodeError as exc:
        raise LayerError(f"{p}: not valid TOML ({exc}); fix the syntax") from None
    head, raw_layers = raw.get("pack", {}), raw.get("layers", {})
    network = raw.get(NETWORK_KEY, {})
    for key, value in (("pack", head), ("layers", raw_layers), (NETWORK_KEY, network)):
        if not isinstance(value, Mapping):
            raise LayerError(f"{p}: '{key}' = {value!r} is not a table; write [{key}] (and "
                             "[layers.NAME] for each layer)")
    if not raw_layers:
        raise LayerError(f"{p}: no [layers.NAME] table; a pack lists at least one layer "
                         "(file, geometry, sources, licence, date, method)")
    zones = head.get("zones", ("provinces", "regions"))
    if isinstance(zones, str) or not all(isinstance(z, str) for z in zones):
        raise LayerError(f"{p}: pack.zones = {zones!r}; give a list of layer names, e.g. "
                         'zones = ["provinces", "regions"]')
    if network and "file" not in network:
        raise LayerError(f"{p}: [network] has no 'file'; add file = \"roads.npz\" (written by "
                         "siteplan network build)")
    layers = {name: _layer_spec(name, spec, str(p)) for name, spec in raw_layers.items()}
    return Manifest(name=str(head.get("name", p.parent.name)), title=str(head.get("title", "")),
                    crs=str(head.get("crs", STORAGE_CRS)),
                    study_area=str(head.get("study_area", "regions")),
                    zones=tuple(zones),
                    version=str(head.get("version", "")), layers=layers, path=p,
                    network=dict(network), title_fr=_french_text(head, "title_fr", f"{p}: pack"))


def default_pack_path() -> Path:
    """Folder of the embedded Morocco pack (installed copy first, then the checkout)."""
    here = Path(__file__).resolve().parents[1]  # the siteplan package folder
    for candidate in (here / "_pack" / "morocco", here.parent / "geodata" / "morocco"):
        if (candidate / "pack.toml").exists():
            return candidate
    raise LayerError("the embedded Morocco pack is missing (geodata/morocco/pack.toml); "
                     "reinstall siteplan or pass --pack FOLDER")


# --------------------------------------------------------------------------- reading


def _lonlat_columns(columns: Iterable[str]) -> tuple[str, str] | None:
    """The (lon, lat) column names of a table, matched case-insensitively (None if absent)."""
    lower = {c.lower(): c for c in columns}
    lon = next((lower[n] for n in LON_NAMES if n in lower), None)
    lat = next((lower[n] for n in LAT_NAMES if n in lower), None)
    return (lon, lat) if lon and lat else None


def geometry_lonlat(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) arrays of a layer's geometry; other than points give a point on their surface.

    The one rule for turning features into points: polygon layers used as features
    (provinces weighted by population, say) and parks drawn as polygons both count
    at their representative point, which always lies inside the feature.
    """
    import numpy as np
    import shapely

    geoms = gdf.geometry.array
    if len(geoms) and not bool((shapely.get_type_id(geoms) == 0).all()):
        geoms = shapely.point_on_surface(geoms)
    return (np.asarray(shapely.get_x(geoms), dtype=np.float64),
            np.asarray(shapely.get_y(geoms), dtype=np.float64))


def point_lonlat(df: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) of a table's rows: its ``lon``/``lat`` columns, else its geometry.

    Rankings and CSV layers carry ``lon``/``lat`` columns (read from the file as
    given); other layers have only a geometry (see :func:`geometry_lonlat`).
    Raises DataError naming ``what`` when there is neither.
    """
    cols = getattr(df, "columns", ())
    if "lon" in cols and "lat" in cols:
        return df["lon"].to_numpy(dtype=float), df["lat"].to_numpy(dtype=float)
    if getattr(df, "geometry", None) is None:
        raise DataError(f"{what}: needs lon/lat columns or a point geometry")
    return geometry_lonlat(df)


#: A number written with a decimal comma (-7,61 or 1234,5), as French-locale files hold.
_DECIMAL_COMMA = r"[-+]?\d+(,\d+)?"


def _csv_delimiter(path: Path) -> str:
    """The CSV's field separator, from its header line: a comma unless the header holds
    more semicolons (as spreadsheets in French locales write) or tabs than commas."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            header = f.readline()
    except OSError:
        return ","  # the read itself reports the problem
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    if best != "," and counts[best] > counts[","]:
        log.info("%s: fields separated by %r", path, best)
        return best
    return ","


def _read_csv(path: Path, spec: LayerSpec | None, problems: list[str]) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    try:
        sep = _csv_delimiter(path)
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=sep)
    except UnicodeDecodeError:
        with open(path, "rb") as f:
            looks = looks_like(f.read(65536))
        raise LayerError(f"{path}: not UTF-8 text (it looks like {looks}); save the CSV as "
                         "UTF-8 (in a spreadsheet: Save As, CSV UTF-8)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LayerError(f"{path}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    df = df.replace({"": None})
    if spec is not None and spec.geometry == "none":
        return gpd.GeoDataFrame(df)
    cols = _lonlat_columns(df.columns)
    if cols is None:
        raise LayerError(f"{path}: no coordinate columns; add 'lon' and 'lat' columns "
                         "(WGS84 degrees) or give a GeoPackage/GeoJSON file")
    lon_c, lat_c = cols
    if sep == ";":  # semicolon files come with decimal commas: -7,61 is -7.61
        for c in df.columns:
            text = df[c].dropna().astype(str).str.strip()
            if c in (lon_c, lat_c) or (len(text) and text.str.fullmatch(_DECIMAL_COMMA).all()):
                df[c] = df[c].str.replace(",", ".", regex=False)
    lon = pd.to_numeric(df[lon_c], errors="coerce")
    lat = pd.to_numeric(df[lat_c], errors="coerce")
    for cname, raw, num in ((lon_c, df[lon_c], lon), (lat_c, df[lat_c], lat)):
        for row in np.flatnonzero(num.isna().to_numpy()):
            problems.append(f"{path.name} column '{cname}' row {row + 2}: "
                            f"'{raw.iloc[row]}' is not a coordinate")
    bad_range = (lon.abs() > 180) | (lat.abs() > 90)
    if bad_range.any():
        rows = ", ".join(str(r + 2) for r in np.flatnonzero(bad_range.to_numpy())[:10])
        problems.append(f"{path.name} columns '{lon_c}'/'{lat_c}' rows {rows}: values outside "
                        "longitude/latitude range; give WGS84 degrees (EPSG:4326), not "
                        "projected metres")
    df[lon_c], df[lat_c] = lon, lat
    if lon_c != "lon":
        df["lon"] = lon
    if lat_c != "lat":
        df["lat"] = lat
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs=STORAGE_CRS)


def _read_vector(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    import geopandas as gpd

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if path.suffix.lower() == ".parquet":
                return gpd.read_parquet(path)
            return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio/GDAL raise many types; report them as one data error
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LayerError(f"{path}: cannot be read as a vector layer ({first})") from None


def read_layer_file(path: str | os.PathLike[str], spec: LayerSpec | None = None,
                    layer: str | None = None) -> gpd.GeoDataFrame:
    """Read one layer file (GeoPackage, GeoJSON, Shapefile, GeoParquet or CSV with lon/lat).

    The result is validated against ``spec`` when given, and is always in EPSG:4326.

    Raises
    ------
    LayerError
        Listing every problem: missing file, unreadable content, missing CRS,
        missing columns, duplicate keys, empty required values, bad numbers.
    """
    p = Path(path)
    note_input(p)
    if not p.exists() and layer is None:
        p, layer = _split_layer_name(p)
    if not p.exists():
        raise LayerError(f"{p}: no such file; check the path")
    if p.is_dir():
        raise LayerError(f"{p}: is a folder; give a layer file (.gpkg, .geojson, .shp, .csv)")
    if not p.is_file():
        raise LayerError(f"{p}: not a regular file (a pipe or a device); save the layer to a "
                         "file and give its path")
    if layer is None and p.suffix.lower() == ".gpkg":
        layer = _only_layer(p)
    problems: list[str] = []
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt"):
        gdf = _read_csv(p, spec, problems)
    elif suffix in VECTOR_SUFFIXES:
        gdf = _read_vector(p, layer)
    else:
        raise LayerError(f"{p}: unknown format '{suffix}'; use .gpkg, .geojson, .shp, "
                         ".parquet or .csv with lon/lat columns")
    name = spec.name if spec else p.stem
    return validate_layer(gdf, spec or LayerSpec(name=name, file=p.name, key=""), p, problems)


def _split_layer_name(p: Path) -> tuple[Path, str | None]:
    """``data.gpkg:roads`` -> (``data.gpkg``, ``roads``) when that file exists."""
    file, sep, name = str(p).rpartition(":")
    if sep and name and Path(file).is_file():
        return Path(file), name
    return p, None


def _only_layer(p: Path) -> str | None:
    """The layer to read from a GeoPackage: its only one, or the first with a warning
    naming the others and how to choose (``FILE.gpkg:LAYER``)."""
    try:
        import pyogrio

        names = [str(n) for n in pyogrio.list_layers(p)[:, 0]]
    except Exception:  # unreadable: _read_vector reports it with GDAL's reason
        return None
    if len(names) > 1:
        log.warning("%s holds %d layers (%s); reading '%s'; give %s:LAYER to read another",
                    p, len(names), ", ".join(names[:8]), names[0], p)
    return names[0] if names else None


def _coerce(df: pd.DataFrame, col: str, ctype: str, where: str, problems: list[str]) -> None:
    import numpy as np
    import pandas as pd

    s = df[col]
    if ctype in ("int", "float"):
        num = pd.to_numeric(s, errors="coerce")
        bad = num.isna() & s.notna() & (s.astype(str).str.strip() != "")
        for row in np.flatnonzero(bad.to_numpy())[:10]:
            problems.append(f"{where} column '{col}' row {row + 2}: '{s.iloc[row]}' is not a "
                            "number")
        df[col] = num.astype("float64")
    elif ctype == "bool":
        mapping = {"true": True, "false": False, "1": True, "0": False, "yes": True,
                   "no": False, "1.0": True, "0.0": False}
        if s.dtype == bool:
            return
        low = s.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                    else mapping.get(str(v).strip().lower(), "bad"))
        for row in np.flatnonzero((low == "bad").to_numpy())[:10]:
            problems.append(f"{where} column '{col}' row {row + 2}: '{s.iloc[row]}' is not "
                            "true/false")
        df[col] = low.where(low != "bad", None).astype("boolean")
    else:
        df[col] = s.map(lambda v: v if v is None or isinstance(v, str) else
                        (None if isinstance(v, float) and np.isnan(v) else str(v)))


def validate_layer(gdf: gpd.GeoDataFrame, spec: LayerSpec, path: Path,
                   problems: list[str] | None = None) -> gpd.GeoDataFrame:
    """Check ``gdf`` against ``spec``; repair geometry; reproject; raise one LayerError.

    Returns a new GeoDataFrame in EPSG:4326 whose typed columns are coerced
    (numbers to float64, booleans to the nullable boolean dtype).
    """
    import numpy as np
    import shapely

    problems = list(problems or [])
    where = path.name
    gdf = gdf.copy()
    if spec.geometry != "none":
        if gdf.crs is None:
            raise LayerError(f"{path}: layer has no CRS; define it (for example "
                             "EPSG:4326) in the file or save it with a .prj")
        if not gdf.crs.equals(STORAGE_CRS):
            log.info("%s: reprojecting from %s to %s", where, gdf.crs.to_string(), STORAGE_CRS)
            try:
                gdf = gdf.to_crs(STORAGE_CRS)
            except Exception as exc:  # pyproj raises several types for bad transforms
                raise LayerError(f"{path}: cannot reproject from {gdf.crs} to {STORAGE_CRS} "
                                 f"({exc}); fix the file's CRS") from None
        else:
            b = gdf.total_bounds
            if len(gdf) and (abs(b[0]) > 180 or abs(b[2]) > 180 or abs(b[1]) > 90
                             or abs(b[3]) > 90):
                problems.append(f"{where}: coordinates outside longitude/latitude range while "
                                "the CRS says EPSG:4326; the CRS is wrong, set the real one")
        geoms = gdf.geometry.array
        empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        for row in np.flatnonzero(empty)[:10]:
            problems.append(f"{where} geometry row {row + 2}: empty or missing geometry")
        gtype = shapely.get_type_id(geoms)
        if spec.geometry == "Point" and np.any((gtype != 0) & ~empty):
            problems.append(f"{where}: layer '{spec.name}' must hold points; convert "
                            "polygons to points (e.g. centroids) first")
        if spec.geometry == "Polygon":
            if np.any(~np.isin(gtype, (3, 6)) & ~empty):
                problems.append(f"{where}: layer '{spec.name}' must hold polygons")
            invalid = ~shapely.is_valid(geoms) & ~empty
            if invalid.any():
                rows = ", ".join(str(r + 2) for r in np.flatnonzero(invalid)[:10])
                reasons = shapely.is_valid_reason(geoms[invalid])[:3]
                warnings.warn(f"{where}: repaired {int(invalid.sum())} invalid polygon(s) "
                              f"(rows {rows}: {'; '.join(reasons)})", stacklevel=2)
                repaired = shapely.make_valid(geoms[invalid])
                if spec.geometry == "Polygon":
                    repaired = np.array([_polygonal(g) for g in repaired], dtype=object)
                gdf.loc[invalid, gdf.geometry.name] = repaired
    missing = [c for c in spec.required_columns if c not in gdf.columns]
    for c in missing:
        problems.append(f"{where}: required column '{c}' is missing; add it")
    for cname, cspec in spec.columns.items():
        if cname in gdf.columns:
            _coerce(gdf, cname, cspec.type, where, problems)
    for c in spec.required_columns:
        if c in gdf.columns:
            empty_rows = np.flatnonzero(gdf[c].isna().to_numpy())
            if empty_rows.size:
                rows = ", ".join(str(r + 2) for r in empty_rows[:10])
                problems.append(f"{where} column '{c}' rows {rows}: empty value (NaN) in a "
                                "required field; fill it")
    if spec.key and spec.key in gdf.columns:
        keys = gdf[spec.key].astype(str)
        dups = keys[keys.duplicated(keep=False) & gdf[spec.key].notna()]
        if len(dups):
            listed = ", ".join(sorted(set(dups))[:10])
            problems.append(f"{where} column '{spec.key}': duplicate keys {listed}; keys must "
                            "be unique")
    if problems:
        raise LayerError(f"{path}: layer '{spec.name}' is invalid", problems)
    return gdf


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep the polygonal part of a repaired geometry (make_valid may add lines)."""
    import shapely
    from shapely.geometry import GeometryCollection, MultiPolygon, Polygon

    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    if isinstance(geom, GeometryCollection):
        polys = [g for g in geom.geoms if isinstance(g, Polygon | MultiPolygon)]
        if polys:
            return shapely.union_all(polys)
    return geom


# --------------------------------------------------------------------------- packs


def parse_layer_overrides(items: Iterable[str]) -> dict[str, Path]:
    """Parse ``NAME=PATH`` strings (the ``--layer`` option) into a mapping."""
    out: dict[str, Path] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise UsageError(f"--layer '{item}': expected NAME=PATH, for example "
                             "universities=my_universities.gpkg")
        out[name.strip()] = Path(path.strip())
    return out


class Pack:
    """A data pack: manifest plus lazily loaded, validated layers.

    Parameters
    ----------
    source
        A pack folder (with ``pack.toml``), a GeoPackage, or ``None`` for the
        embedded Morocco default.
    overrides
        Layer name -> file replacing that layer (``--layer NAME=PATH``).
    """

    def __init__(self, source: str | os.PathLike[str] | None = None,
                 overrides: Mapping[str, str | os.PathLike[str]] | None = None) -> None:
        self._gpkg: Path | None = None
        if source is None:
            root = default_pack_path()
            self.manifest = read_manifest(root / "pack.toml")
        else:
            src = Path(source)
            if src.is_dir():
                root = src
                self.manifest = read_manifest(src / "pack.toml")
            elif src.suffix.lower() == ".gpkg" and src.exists():
                root = src.parent
                self._gpkg = src
                self.manifest = self._gpkg_manifest(src)
            elif src.suffix.lower() == ".toml" and src.exists():
                root = src.parent
                self.manifest = read_manifest(src)
            else:
                raise LayerError(f"{src}: not a pack; give a folder with pack.toml or a "
                                 "GeoPackage (.gpkg)")
        self.root = root
        self.overrides = {k: Path(v) for k, v in (overrides or {}).items()}
        for name in self.overrides:
            if name not in self.manifest.layers and name != NETWORK_KEY:
                raise UsageError(f"--layer {name}=...: unknown layer '{name}'; known layers: "
                                 f"{', '.join(self.manifest.layers)}")
        self._cache: dict[str, gpd.GeoDataFrame] = {}

    @staticmethod
    def _gpkg_manifest(path: Path) -> Manifest:
        import pyogrio

        try:
            names = [str(n) for n, _ in pyogrio.list_layers(path)]
        except Exception as exc:  # GDAL errors for a broken file
            raise LayerError(f"{path}: cannot be read as a GeoPackage ({exc})") from None
        beside = path.with_suffix(".toml")
        if beside.exists():  # a manifest next to the GeoPackage describes its layers
            declared = read_manifest(beside)
            layers = {n: replace(declared.layers[n], file=path.name) if n in declared.layers
                      else LayerSpec(name=n, file=path.name, key="") for n in names}
            return replace(declared, layers=layers, path=path)
        default = read_manifest(default_pack_path() / "pack.toml")
        layers = {n: (default.layers[n].relaxed(path.name) if n in default.layers
                      else LayerSpec(name=n, file=path.name, key="")) for n in names}
        zones = tuple(z for z in default.zones if z in layers)
        return Manifest(name=path.stem, title=f"GeoPackage {path.name}", layers=layers,
                        study_area="regions" if "regions" in layers else (zones or ("",))[0],
                        zones=zones, path=path)

    @property
    def name(self) -> str:
        """The pack's name (``morocco`` for the default)."""
        return self.manifest.name

    @property
    def layer_names(self) -> list[str]:
        """Names of the layers the manifest declares."""
        return list(self.manifest.layers)

    def spec(self, name: str) -> LayerSpec:
        """The manifest entry of layer ``name`` (UsageError when unknown)."""
        try:
            return self.manifest.layers[name]
        except KeyError:
            raise UsageError(f"unknown layer '{name}'; known layers: "
                             f"{', '.join(self.manifest.layers)}") from None

    def path_of(self, name: str) -> Path:
        """The file that layer ``name`` is read from (override first)."""
        if name in self.overrides:
            return self.overrides[name]
        if self._gpkg is not None:
            return self._gpkg
        return self.root / self.spec(name).file

    def layer(self, name: str) -> gpd.GeoDataFrame:
        """Load, validate and cache layer ``name`` (a copy is returned)."""
        if name not in self._cache:
            spec = self.spec(name)
            path = self.path_of(name)
            if name in self.overrides:
                spec = spec.relaxed(path.name, f"{spec.title} (user file {path.name})",
                                    (str(path),), f"{spec.title_in('fr')} (fichier de "
                                    f"l'utilisateur {path.name})")
            layer = name if (self._gpkg is not None and name not in self.overrides) else None
            gdf = read_layer_file(path, spec, layer=layer)
            if name in self.overrides:
                self._check_user_points(name, path, gdf)
            self._cache[name] = gdf
        return self._cache[name].copy()

    def _check_user_points(self, name: str, path: Path, gdf: gpd.GeoDataFrame) -> None:
        """A user's point layer must lie in the study area: all outside is an error (lon and
        lat swapped, wrong CRS), some outside a warning."""
        if (self.spec(name).geometry != "Point" or name == self.manifest.study_area
                or not len(gdf)):
            return
        far = points_outside(gdf, self)
        if len(far) == len(gdf):
            raise LayerError(f"{path}: none of the {len(gdf)} points of layer '{name}' lies in "
                             "the study area; are lon and lat swapped, or is the CRS wrong?")
        if far:
            warnings.warn(f"{path.name}: {len(far)} point(s) of layer '{name}' lie outside the "
                          f"study area (more than {OUTSIDE_TOLERANCE_KM:g} km): "
                          f"{', '.join(far[:10])}", stacklevel=2)

    def network_path(self) -> Path | None:
        """The road network file: ``--layer network=NET.npz`` first, then the pack's own
        ``[network]``; None when there is neither."""
        if NETWORK_KEY in self.overrides:
            return self.overrides[NETWORK_KEY]
        if self.manifest.network:
            return self.root / str(self.manifest.network["file"])
        return None

    def network(self, where: str = "travel times") -> RoadNetwork:
        """The road network (loaded once), or a LayerError saying how to provide one."""
        if "_network" not in self.__dict__:
            from siteplan.layers.network import RoadNetwork

            path = self.network_path()
            if path is None:
                raise LayerError(f"{where}: pack '{self.name}' has no road network; build one "
                                 "with 'siteplan network build EXTRACT.osm.pbf -o roads.npz' and "
                                 "pass --layer network=roads.npz (or [layers] network = "
                                 "\"roads.npz\" in the scenario)")
            self.__dict__["_network"] = RoadNetwork.load(path)
        net: RoadNetwork = self.__dict__["_network"]
        return net

    def study_area(self) -> BaseGeometry:
        """Union of the study-area layer's polygons (cached)."""
        if "_study_area" not in self.__dict__:
            import shapely

            gdf = self.layer(self.manifest.study_area)
            self.__dict__["_study_area"] = shapely.union_all(gdf.geometry.array)
        return self.__dict__["_study_area"]

    def check(self) -> list[str]:
        """Validate every layer; return the list of problems (empty when the pack is sound)."""
        problems: list[str] = []
        for name in self.layer_names:
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    gdf = self.layer(name)
                problems.extend(f"warning: {w.message}" for w in caught)
            except LayerError as exc:
                problems.append(str(exc))
                continue
            if name in self.overrides:
                problems.extend(self._user_layer_gaps(name, gdf))
                continue  # points outside were checked when the user's file was read
            if self.spec(name).geometry == "Point" and name != self.manifest.study_area:
                far = points_outside(gdf, self)
                if far:
                    problems.append(f"{self.path_of(name).name}: points outside the study area "
                                    f"(more than {OUTSIDE_TOLERANCE_KM:g} km): "
                                    f"{', '.join(far[:10])}")
        return problems

    def _user_layer_gaps(self, name: str, gdf: gpd.GeoDataFrame) -> list[str]:
        """Warnings for a user's replacement layer: no rows, or columns of the pack's layer
        that it lacks (criteria that read them will fail)."""
        path = self.path_of(name).name
        out = []
        if not len(gdf):
            out.append(f"warning: {path}: layer '{name}' has no features; criteria on it "
                       "will fail or give zeros")
        missing = [c for c in self.spec(name).columns if c not in gdf.columns]
        if missing:
            out.append(f"warning: {path}: layer '{name}' lacks the pack's column(s) "
                       f"{', '.join(missing)}; criteria or filters that read them will fail")
        return out

    def describe(self, lang: str = "en") -> list[dict[str, Any]]:
        """One row per layer: name, title, rows, geometry, source, licence, date, file (the
        title and licence in ``lang`` where the manifest gives them)."""
        rows = []
        for name, spec in self.manifest.layers.items():
            try:
                n: int | str = len(self.layer(name))
            except LayerError:
                n = "invalid"
            rows.append({"layer": name, "title": spec.title_in(lang), "rows": n,
                         "geometry": spec.geometry,
                         "source": "; ".join(spec.sources[:2]) + (" ..." if len(spec.sources) > 2
                                                                  else ""),
                         "licence": spec.licence_in(lang), "date": spec.date,
                         "file": str(self.path_of(name))})
        path = self.network_path()
        if path is not None:
            meta = self.manifest.network if NETWORK_KEY not in self.overrides else {}
            try:
                net = self.network()
                nodes: int | str = net.n_nodes
                prov = net.provenance
            except (LayerError, DataError, UsageError):
                nodes, prov = "invalid", {}
            sources = meta.get("sources", prov.get("source", ""))
            if isinstance(sources, list | tuple):
                sources = "; ".join(str(x) for x in sources[:2])
            rows.append({"layer": NETWORK_KEY, "title": str(meta.get("title", "")), "rows": nodes,
                         "geometry": "road graph (nodes)",
                         "source": str(sources), "licence": str(meta.get("licence", "")),
                         "date": str(meta.get("date", prov.get("built", ""))),
                         "file": str(path)})
        return rows


def points_outside(gdf: gpd.GeoDataFrame, pack: Pack,
                   tolerance_km: float = OUTSIDE_TOLERANCE_KM) -> list[str]:
    """Keys (or row labels) of points lying more than ``tolerance_km`` outside the study area."""
    import numpy as np
    import shapely

    if not len(gdf):
        return []
    area = pack.study_area()
    geoms = gdf.geometry.array
    inside = shapely.contains_xy(area, shapely.get_x(geoms), shapely.get_y(geoms))
    if inside.all():
        return []
    # distance in degrees scaled to km conservatively (1 deg lat = 111 km; lon shrinks)
    idx = np.flatnonzero(~inside)
    dist_deg = shapely.distance(area, geoms[idx])
    far = idx[dist_deg * 111.0 * np.cos(np.radians(35.0)) > tolerance_km]
    key = "id" if "id" in gdf.columns else None
    return [str(gdf[key].iloc[i]) if key else f"row {i + 2}" for i in far]
