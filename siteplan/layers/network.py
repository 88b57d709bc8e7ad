"""A drivable road network, built offline from a line layer or an OpenStreetMap extract.

:func:`build_network` reads either

* a line layer (GeoPackage, GeoJSON, GeoParquet, anything pyogrio reads) with a road
  class column ``highway`` or ``class`` and optional ``maxspeed`` and ``oneway`` columns, or
* an ``.osm`` / ``.osm.pbf`` extract through GDAL's OSM driver (layer ``lines``; the
  ``oneway`` and ``maxspeed`` tags are parsed out of its ``other_tags`` text),

keeps the drivable classes (:data:`DRIVABLE_CLASSES`, more with ``classes=``), turns every
line vertex into a node (coordinates rounded to 1e-7 degrees, so lines sharing an
end point connect), every segment into one or two directed edges weighted by minutes
(geodesic length / speed), and keeps the largest weakly connected component.

Speeds (km/h): :data:`DEFAULT_SPEEDS_KMH` per class, overridden by ``speeds=``, overridden
per way by a numeric ``maxspeed`` ("60", "60 mph"). ``oneway`` = yes/1/true keeps the drawn
direction only, ``-1`` the reverse one.

CRS: a layer in another CRS than EPSG:4326 is reprojected to EPSG:4326 and the
provenance says so (``"reprojected_from"``); a layer without a CRS is taken as EPSG:4326
if its coordinates fit in degrees, refused otherwise.

The network is stored as one ``.npz`` (:meth:`RoadNetwork.save` / :meth:`RoadNetwork.load`):
node lon/lat, the CSR adjacency in minutes, km and class per edge, and a JSON provenance
block (source file, date, classes, speeds, counts, dropped components).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from siteplan._atomic import write_with
from siteplan.errors import DataError, LayerError, UsageError, note_input

__all__ = [
    "DEFAULT_SPEEDS_KMH",
    "DRIVABLE_CLASSES",
    "EXTRA_CLASS_SPEEDS_KMH",
    "RoadNetwork",
    "build_network",
    "parse_maxspeed",
    "parse_other_tags",
]

#: Default speed per drivable road class (km/h), used unless ``speeds=`` or a way's
#: ``maxspeed`` says otherwise. Rural Moroccan limits: motorways 120, national roads
#: 100, towns 60; the defaults are lower because they are averages, not limits.
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 110.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 70.0,
    "primary_link": 50.0,
    "secondary": 60.0,
    "secondary_link": 45.0,
    "tertiary": 50.0,
    "tertiary_link": 40.0,
}

#: The classes kept by default.
DRIVABLE_CLASSES: tuple[str, ...] = tuple(DEFAULT_SPEEDS_KMH)

#: Speeds (km/h) of the classes one may add with ``classes=`` without giving a speed.
EXTRA_CLASS_SPEEDS_KMH: dict[str, float] = {
    "unclassified": 40.0,
    "residential": 30.0,
    "road": 40.0,
    "living_street": 10.0,
    "service": 20.0,
    "track": 15.0,
}

_FORMAT_VERSION = 1
_MPH_KMH = 1.609344
_TAG_RE = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')
_SPEED_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$", re.IGNORECASE)

FloatArray = NDArray[np.float64]


@dataclass(eq=False)
class RoadNetwork:
    """A directed road graph: ``graph[i, j]`` = minutes of the fastest edge i -> j.

    ``km`` and ``edge_class`` are aligned with ``graph.data`` (CSR order, sorted indices);
    ``classes[edge_class[e]]`` is the road class of edge ``e``.
    """

    lon: FloatArray
    lat: FloatArray
    graph: sp.csr_matrix
    km: FloatArray
    edge_class: NDArray[np.int16]
    classes: tuple[str, ...]
    provenance: dict[str, Any] = field(default_factory=dict)
    _keys: NDArray[np.int64] | None = field(default=None, init=False, repr=False)

    @property
    def n_nodes(self) -> int:
        return int(self.lon.size)

    @property
    def n_edges(self) -> int:
        return int(self.graph.nnz)

    def km_by_class(self) -> dict[str, float]:
        """Road km per class (each two-way segment counted once)."""
        return dict(self.provenance.get("km_by_class", {}))

    def edge_km(self, tail: NDArray[np.intp], head: NDArray[np.intp]) -> FloatArray:
        """km of the edges ``tail -> head`` (every pair must be an edge)."""
        n = self.n_nodes
        if self._keys is None:
            self._keys = _edge_keys(self.graph, n)
        keys = self._keys
        pos = np.searchsorted(keys, tail.astype(np.int64) * n + head.astype(np.int64))
        return self.km[pos]

    def save(self, path: str | Path, overwrite: bool = True) -> Path:
        """Write the network as one ``.npz`` atomically (refuses to replace without
        ``overwrite``)."""
        prov = json.dumps(self.provenance, sort_keys=True)

        def writer(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez_compressed(
                    fh, format_version=np.int64(_FORMAT_VERSION), lon=self.lon, lat=self.lat,
                    indptr=self.graph.indptr.astype(np.int64),
                    indices=self.graph.indices.astype(np.int32),
                    minutes=self.graph.data, km=self.km, edge_class=self.edge_class,
                    classes=np.array(self.classes, dtype=str), provenance=np.array(prov))

        return write_with(path, writer, overwrite)

    @classmethod
    def load(cls, path: str | Path) -> RoadNetwork:
        """Read a network written by :meth:`save`."""
        p = Path(path)
        note_input(p)
        if not p.is_file():
            raise LayerError(f"{p}: no such network file; build one with "
                             "`siteplan network build SOURCE -o NET.npz`")
        try:
            with np.load(p, allow_pickle=False) as z:
                version = int(z["format_version"])
                if version != _FORMAT_VERSION:
                    raise LayerError(f"{p}: network format {version}, this siteplan reads "
                                     f"{_FORMAT_VERSION}; rebuild it with `siteplan network "
                                     "build`")
                n = int(z["lon"].size)
                graph = sp.csr_matrix((z["minutes"], z["indices"], z["indptr"]), shape=(n, n))
                return cls(lon=z["lon"], lat=z["lat"], graph=graph, km=z["km"],
                           edge_class=z["edge_class"], classes=tuple(str(c) for c in
                                                                     z["classes"]),
                           provenance=json.loads(str(z["provenance"])))
        except (OSError, KeyError, ValueError) as exc:
            raise LayerError(f"{p}: not a siteplan road network ({exc}); rebuild it with "
                             "`siteplan network build`") from exc


def _edge_keys(graph: sp.csr_matrix, n: int) -> NDArray[np.int64]:
    tails = np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.indptr))
    return tails * n + graph.indices.astype(np.int64)


def parse_other_tags(text: object) -> dict[str, str]:
    """The tags of GDAL's OSM ``other_tags`` text (``"k"=>"v","k2"=>"v2"``)."""
    if not isinstance(text, str) or not text:
        return {}
    return {k.replace('\\"', '"'): v.replace('\\"', '"') for k, v in _TAG_RE.findall(text)}


def parse_maxspeed(value: object) -> float:
    """km/h of a ``maxspeed`` value ("60", "60 mph", 50.0); NaN when not numeric
    ("signals", "none", "FR:urban", several values)."""
    if value is None:
        return float("nan")
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
        return v if np.isfinite(v) and v > 0 else float("nan")
    m = _SPEED_RE.match(str(value))
    if not m:
        return float("nan")
    v = float(m.group(1)) * (_MPH_KMH if (m.group(2) or "").lower() == "mph" else 1.0)
    return v if v > 0 else float("nan")


def _oneway_code(value: object) -> int:
    """1 drawn direction only, -1 reverse only, 0 both ways."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return 0
    s = str(value).strip().lower()
    if s in ("yes", "1", "true"):
        return 1
    if s == "-1" or s == "reverse":
        return -1
    return 0


def _speed_table(classes: tuple[str, ...] | list[str] | None,
                 speeds: dict[str, float] | None) -> dict[str, float]:
    kept = list(DRIVABLE_CLASSES)
    for c in classes or ():
        if c not in kept:
            kept.append(str(c))
    table: dict[str, float] = {}
    for c in kept:
        if c in DEFAULT_SPEEDS_KMH:
            table[c] = DEFAULT_SPEEDS_KMH[c]
        elif c in EXTRA_CLASS_SPEEDS_KMH:
            table[c] = EXTRA_CLASS_SPEEDS_KMH[c]
    for c, v in (speeds or {}).items():
        if c not in kept:
            raise UsageError(f"speeds: unknown class '{c}'; kept classes are "
                             f"{', '.join(kept)} (add it with --class, or classes= in Python)")
        try:
            fv = float(v)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"speeds: '{c}' = {v!r} is not a number of km/h") from exc
        if not np.isfinite(fv) or fv <= 0:
            raise UsageError(f"speeds: '{c}' = {v!r}; a speed must be a positive km/h")
        table[c] = fv
    missing = [c for c in kept if c not in table]
    if missing:
        raise UsageError(f"classes: no default speed for {', '.join(missing)}; give it with "
                         "--speed CLASS=KMH (speeds={...} in Python)")
    return table


def _read_source(path: Path) -> tuple[Any, str, dict[str, Any]]:
    """(frame with geometry, class column, notes): the ways of ``path`` in EPSG:4326."""
    import pyogrio

    note_input(path)
    if not path.exists():
        raise LayerError(f"{path}: no such file; give a line layer or an .osm/.osm.pbf extract")
    name = path.name.lower()
    notes: dict[str, Any] = {}
    try:
        if name.endswith(".osm") or name.endswith(".osm.pbf") or name.endswith(".pbf"):
            df = pyogrio.read_dataframe(path, layer="lines")
            tags = [parse_other_tags(t) for t in df.get("other_tags", [None] * len(df))]
            for key in ("oneway", "maxspeed"):
                df[key] = [t.get(key) for t in tags]
            if "highway" not in df.columns:
                df["highway"] = [t.get("highway") for t in tags]
            notes["format"] = "osm"
        else:
            df = pyogrio.read_dataframe(path)
            notes["format"] = "layer"
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise LayerError(f"{path}: cannot be read as a line layer or OSM extract ({exc})") \
            from exc
    col = next((c for c in ("highway", "class") if c in df.columns), None)
    if col is None:
        have = [str(c) for c in df.columns if c != "geometry"]
        raise LayerError(f"{path}: no road class column 'highway' or 'class'; the layer has "
                         f"{', '.join(have) or 'no attribute column'}; rename the class column")
    crs = df.crs
    if crs is None:
        b = df.total_bounds if len(df) else np.zeros(4)
        if np.isfinite(b).all() and (abs(b[[0, 2]]).max() > 180 or abs(b[[1, 3]]).max() > 90):
            raise LayerError(f"{path}: no CRS and the coordinates are not degrees; set the "
                             "layer's CRS (e.g. ogr2ogr -a_srs EPSG:xxxx)")
        notes["crs"] = "none given, taken as EPSG:4326"
    elif crs.to_epsg() != 4326:
        notes["reprojected_from"] = crs.to_string()
        df = df.to_crs(4326)
    return df, col, notes


def build_network(source: str | Path, *, speeds: dict[str, float] | None = None,
                  classes: tuple[str, ...] | list[str] | None = None) -> RoadNetwork:
    """Build the drivable network of a line layer or an OSM extract (see the module doc).

    Parameters
    ----------
    source : path
        GeoPackage / GeoJSON / GeoParquet line layer, or ``.osm`` / ``.osm.pbf``.
    speeds : dict, optional
        km/h per class, overriding :data:`DEFAULT_SPEEDS_KMH`; must be > 0 and name kept
        classes.
    classes : sequence of str, optional
        Classes kept in addition to :data:`DRIVABLE_CLASSES`.
    """
    import shapely

    path = Path(source)
    table = _speed_table(classes, speeds)
    df, col, notes = _read_source(path)
    cls_values = df[col].astype("string")
    keep = cls_values.isin(list(table)).fillna(False).to_numpy(dtype=bool, copy=True)
    geom = df.geometry.to_numpy()
    keep = keep & ~shapely.is_missing(geom)
    if not keep.any():
        raise DataError(f"{path}: no drivable road (classes {', '.join(table)}) among "
                        f"{len(df)} features; check the extract or add classes")
    df = df.loc[keep]
    cls_names = tuple(table)
    cls_code = np.array([cls_names.index(c) for c in df[col].astype(str)], dtype=np.int16)
    speed = np.array([table[c] for c in df[col].astype(str)], dtype=np.float64)
    if "maxspeed" in df.columns:
        ms = np.array([parse_maxspeed(v) for v in df["maxspeed"]], dtype=np.float64)
        speed = np.where(np.isfinite(ms), ms, speed)
    oneway = (np.array([_oneway_code(v) for v in df["oneway"]], dtype=np.int8)
              if "oneway" in df.columns else np.zeros(len(df), dtype=np.int8))
    parts, part_of = shapely.get_parts(df.geometry.to_numpy(), return_index=True)
    lines = shapely.get_type_id(parts) == 1  # LineString (LinearRing: 2)
    parts, part_of = parts[lines], part_of[lines]
    coords, owner = shapely.get_coordinates(parts, return_index=True)
    if coords.shape[0] < 2:
        raise DataError(f"{path}: no drivable road with two vertices; check the extract")
    row = part_of[owner]
    return _assemble(path, coords, owner, row, cls_code, speed, oneway, cls_names, table,
                     notes)


def _assemble(path: Path, coords: FloatArray, owner: NDArray[np.intp], row: NDArray[np.intp],
              cls_code: NDArray[np.int16], speed: FloatArray, oneway: NDArray[np.int8],
              cls_names: tuple[str, ...], table: dict[str, float],
              notes: dict[str, Any]) -> RoadNetwork:
    from pyproj import Geod

    ilon = np.round(coords[:, 0] * 1e7).astype(np.int64)
    ilat = np.round(coords[:, 1] * 1e7).astype(np.int64)
    key = (ilon + 1_800_000_000) * 2_000_000_000 + (ilat + 900_000_000)
    uniq, node = np.unique(key, return_inverse=True)
    node = node.ravel()
    seg = np.flatnonzero(owner[:-1] == owner[1:])
    a, b = node[seg], node[seg + 1]
    seg = seg[a != b]
    a, b, r = node[seg], node[seg + 1], row[seg]
    if seg.size == 0:
        raise DataError(f"{path}: the drivable roads have no segment of non-zero length")
    nlon = ((uniq // 2_000_000_000) - 1_800_000_000) / 1e7
    nlat = ((uniq % 2_000_000_000) - 900_000_000) / 1e7
    km = Geod(ellps="WGS84").inv(nlon[a], nlat[a], nlon[b], nlat[b])[2] / 1000.0
    minutes = km / speed[r] * 60.0
    fwd, back = oneway[r] >= 0, oneway[r] <= 0
    tail = np.concatenate([a[fwd], b[back]])
    head = np.concatenate([b[fwd], a[back]])
    e_min = np.concatenate([minutes[fwd], minutes[back]])
    e_km = np.concatenate([km[fwd], km[back]])
    e_cls = np.concatenate([cls_code[r][fwd], cls_code[r][back]])
    # largest weakly connected component
    n = uniq.size
    adj = sp.csr_matrix((np.ones(tail.size), (tail, head)), shape=(n, n))
    _, label = connected_components(adj, directed=True, connection="weak")
    used = np.zeros(n, dtype=bool)
    used[tail] = True
    used[head] = True
    sizes = np.bincount(label[used], minlength=label.max() + 1)
    big = int(np.argmax(sizes))
    keep_node = used & (label == big)
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[keep_node] = np.arange(int(keep_node.sum()))
    ke = keep_node[tail]
    dropped_sizes = sorted((int(s) for i, s in enumerate(sizes) if i != big and s > 0),
                           reverse=True)
    seg_kept = keep_node[a]
    km_by_class = {c: float(np.sum(km[seg_kept & (cls_code[r] == i)]))
                   for i, c in enumerate(cls_names)}
    tail, head = new_id[tail[ke]], new_id[head[ke]]
    e_min, e_km, e_cls = e_min[ke], e_km[ke], e_cls[ke]
    m = int(keep_node.sum())
    # parallel edges: keep the fastest of each (tail, head)
    order = np.lexsort((e_min, head, tail))
    tail, head, e_min, e_km, e_cls = (x[order] for x in (tail, head, e_min, e_km, e_cls))
    first = np.ones(tail.size, dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    tail, head, e_min, e_km, e_cls = (x[first] for x in (tail, head, e_min, e_km, e_cls))
    indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=m), out=indptr[1:])
    graph = sp.csr_matrix((e_min, head.astype(np.int32), indptr), shape=(m, m))
    prov: dict[str, Any] = {
        "source": path.name, "built": _dt.date.today().isoformat(),
        "classes": list(cls_names), "speeds_kmh": table, "nodes": m, "edges": int(tail.size),
        "dropped_nodes": int(used.sum()) - m, "dropped_edges": int((~ke).sum()),
        "dropped_components": dropped_sizes[:50], "dropped_component_count":
            len(dropped_sizes), "km_by_class": km_by_class, **notes,
    }
    return RoadNetwork(lon=nlon[keep_node], lat=nlat[keep_node], graph=graph, km=e_km,
                       edge_class=e_cls.astype(np.int16), classes=cls_names, provenance=prov)
