"""Travel minutes on a :class:`~siteplan.layers.network.RoadNetwork`.

A point reaches the network at its geodesically nearest node (KD-tree on unit vectors,
exact geodesic, see :func:`siteplan.criteria.geodesy.nearest_km`) by an *access leg* of

    minutes = geodesic km x ``detour`` / ``access_kmh`` x 60

(defaults :data:`ACCESS_DETOUR` = 1.3 and :data:`ACCESS_KMH` = 20 km/h: a track or a
town street, not a straight line). Every time includes both access legs. Shortest paths
are scipy's ``csgraph.dijkstra``; the road km of the fastest path is summed along its
predecessor tree.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import dijkstra

from siteplan.criteria.geodesy import NearestIndex
from siteplan.errors import DataError, UsageError
from siteplan.layers.network import RoadNetwork

__all__ = [
    "ACCESS_DETOUR",
    "ACCESS_KMH",
    "Arrivals",
    "ODResult",
    "Snap",
    "arrivals_within",
    "nearest_minutes",
    "node_exp_sums",
    "node_nearest_minutes",
    "snap",
    "travel_minutes",
    "travel_table",
]

#: Ratio of the access leg's real length to its geodesic length.
ACCESS_DETOUR: float = 1.3
#: Speed of the access leg (km/h), off the kept road classes.
ACCESS_KMH: float = 20.0

#: Bound on the (sources x nodes) float64 + int32 block of one dijkstra call (bytes).
_BLOCK_BYTES = 256 * 2**20

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class Snap:
    """Where points join the network: ``node`` index, access ``km`` and ``minutes``."""

    node: IntArray
    km: FloatArray
    minutes: FloatArray


@dataclass(frozen=True)
class ODResult:
    """Origin-destination table: ``minutes`` and road ``km`` (n_o, n_d), inf unreachable.

    ``km`` is the road length of the fastest network path (access legs excluded);
    ``access_km_o`` / ``access_km_d`` are the geodesic access legs.
    """

    minutes: FloatArray
    km: FloatArray
    access_km_o: FloatArray
    access_km_d: FloatArray


def _lonlat(points: ArrayLike, what: str) -> FloatArray:
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise UsageError(f"{what}: expected an (n, 2) array of lon, lat; got shape {arr.shape}")
    return arr


def _check(detour: float, access_kmh: float, limit_min: float | None) -> None:
    if not (np.isfinite(detour) and detour >= 1.0):
        raise UsageError(f"detour must be a number >= 1, got {detour!r}")
    if not (np.isfinite(access_kmh) and access_kmh > 0):
        raise UsageError(f"access_kmh must be a positive speed, got {access_kmh!r}")
    if limit_min is not None and not limit_min > 0:
        raise UsageError(f"limit_min must be a positive number of minutes, got {limit_min!r}")


#: the nodes' KD-tree of each network in use (built once, dropped with the network)
_NODE_INDEX: weakref.WeakKeyDictionary[RoadNetwork, NearestIndex] = weakref.WeakKeyDictionary()


def _node_index(net: RoadNetwork) -> NearestIndex:
    index = _NODE_INDEX.get(net)
    if index is None:
        index = _NODE_INDEX[net] = NearestIndex(net.lon, net.lat)
    return index


_REVERSED: weakref.WeakKeyDictionary[RoadNetwork, sp.csr_matrix] = weakref.WeakKeyDictionary()


def _reversed(net: RoadNetwork) -> sp.csr_matrix:
    """The reversed graph (CSR, sorted indices), built once per network: on it the
    distance from a feature's node is the time from every node to that feature."""
    rev = _REVERSED.get(net)
    if rev is None:
        rev = net.graph.T.tocsr()
        rev.sort_indices()
        _REVERSED[net] = rev
    return rev


def snap(net: RoadNetwork, points_lonlat: ArrayLike, *, detour: float = ACCESS_DETOUR,
         access_kmh: float = ACCESS_KMH, what: str = "points") -> Snap:
    """The nearest network node of every point and the access leg to it."""
    _check(detour, access_kmh, None)
    pts = _lonlat(points_lonlat, what)
    if net.n_nodes == 0:
        raise DataError("the road network has no node; rebuild it from a larger extract")
    if pts.shape[0] == 0:
        empty = np.zeros(0)
        return Snap(np.zeros(0, dtype=np.intp), empty, empty)
    km, node = _node_index(net).nearest(pts[:, 0], pts[:, 1])
    return Snap(node=np.asarray(node, dtype=np.intp), km=km,
                minutes=km * detour / access_kmh * 60.0)


def _tree_km(net: RoadNetwork, pred: NDArray[np.int32], targets: IntArray,
             reverse: bool) -> FloatArray:
    """Road km from the source of each predecessor row to each target, along the tree.

    ``pred`` (k, n) from dijkstra; result (k, len(targets)); targets that are their own
    source or unreachable get 0 (the caller masks the unreachable ones). On the reversed
    graph (``reverse``) the tree edge prev -> cur is the road edge cur -> prev.
    """
    k = pred.shape[0]
    out = np.zeros((k, targets.size))
    rows = np.repeat(np.arange(k), targets.size)
    cur = np.tile(targets, k).astype(np.intp)
    flat = np.arange(rows.size)
    acc = np.zeros(rows.size)
    prev = pred[rows, cur].astype(np.intp)
    # a target that is its own source has pred -9999 and km 0; unreachable ones too,
    # set to inf by the caller from the minutes
    active = prev >= 0
    rows, cur, flat, prev, acc = (rows[active], cur[active], flat[active], prev[active],
                                  acc[active])
    while rows.size:
        acc += net.edge_km(cur, prev) if reverse else net.edge_km(prev, cur)
        cur = prev
        prev = pred[rows, cur].astype(np.intp)
        done = prev < 0
        if done.any():
            out.flat[flat[done]] = acc[done]
            keep = ~done
            rows, cur, flat, prev, acc = (rows[keep], cur[keep], flat[keep], prev[keep],
                                          acc[keep])
    return out


def travel_table(net: RoadNetwork, origins_lonlat: ArrayLike, destinations_lonlat: ArrayLike,
                 *, limit_min: float | None = None, detour: float = ACCESS_DETOUR,
                 access_kmh: float = ACCESS_KMH, with_km: bool = True) -> ODResult:
    """Minutes (and road km) from every origin to every destination, access legs included.

    Pairs slower than ``limit_min`` (or unconnected) are ``inf`` in both tables.
    """
    _check(detour, access_kmh, limit_min)
    so = snap(net, origins_lonlat, detour=detour, access_kmh=access_kmh, what="origins")
    sd = snap(net, destinations_lonlat, detour=detour, access_kmh=access_kmh,
              what="destinations")
    n_o, n_d = so.node.size, sd.node.size
    minutes = np.full((n_o, n_d), np.inf)
    km = np.full((n_o, n_d), np.inf)
    if n_o == 0 or n_d == 0:
        return ODResult(minutes, km, so.km, sd.km)
    # run from the unique origin nodes (or from the destination nodes on the reversed graph
    # when fewer): the smaller side sets the number of Dijkstra runs
    reverse = np.unique(sd.node).size < np.unique(so.node).size
    graph = _reversed(net) if reverse else net.graph
    src_nodes, src_inv = np.unique(sd.node if reverse else so.node, return_inverse=True)
    dst_nodes, dst_inv = np.unique(so.node if reverse else sd.node, return_inverse=True)
    limit = np.inf if limit_min is None else float(limit_min)
    net_min = np.empty((src_nodes.size, dst_nodes.size))
    net_km = np.empty_like(net_min)
    block = max(1, int(_BLOCK_BYTES // (12 * max(net.n_nodes, 1))))
    for start in range(0, src_nodes.size, block):
        idx = src_nodes[start:start + block]
        if with_km:
            dist, pred = dijkstra(graph, directed=True, indices=idx, limit=limit,
                                  return_predecessors=True)
            net_km[start:start + idx.size] = _tree_km(net, pred, dst_nodes, reverse)
        else:
            dist = dijkstra(graph, directed=True, indices=idx, limit=limit)
        net_min[start:start + idx.size] = dist[:, dst_nodes]
    if reverse:
        net_min, net_km = net_min.T, net_km.T
        o_inv, d_inv = dst_inv.ravel(), src_inv.ravel()
    else:
        o_inv, d_inv = src_inv.ravel(), dst_inv.ravel()
    minutes = so.minutes[:, None] + net_min[np.ix_(o_inv, d_inv)] + sd.minutes[None, :]
    if limit_min is not None:
        minutes[minutes > limit_min] = np.inf
    km = np.where(np.isfinite(minutes), net_km[np.ix_(o_inv, d_inv)], np.inf) if with_km \
        else np.full_like(minutes, np.nan)
    return ODResult(minutes, km, so.km, sd.km)


def travel_minutes(net: RoadNetwork, origins_lonlat: ArrayLike,
                   destinations_lonlat: ArrayLike, *, limit_min: float | None = None,
                   detour: float = ACCESS_DETOUR, access_kmh: float = ACCESS_KMH) -> FloatArray:
    """(n_o, n_d) minutes from every origin to every destination (inf: beyond ``limit_min``
    or unconnected), access legs on both ends included."""
    return travel_table(net, origins_lonlat, destinations_lonlat, limit_min=limit_min,
                        detour=detour, access_kmh=access_kmh, with_km=False).minutes


def _feature_legs(net: RoadNetwork, features_lonlat: ArrayLike, detour: float,
                  access_kmh: float) -> tuple[IntArray, IntArray, FloatArray]:
    """(unique feature nodes, feature -> unique index, feature access minutes)."""
    sf = snap(net, features_lonlat, detour=detour, access_kmh=access_kmh, what="features")
    fnodes, inv = np.unique(sf.node, return_inverse=True)
    return fnodes, np.asarray(inv, dtype=np.intp).ravel(), sf.minutes


def node_nearest_minutes(net: RoadNetwork, features_lonlat: ArrayLike, *,
                         limit_min: float | None = None, detour: float = ACCESS_DETOUR,
                         access_kmh: float = ACCESS_KMH) -> FloatArray:
    """(n_nodes,) minutes from every network node to its nearest feature by time, the
    feature's access leg included (inf: none within ``limit_min``).

    One Dijkstra run: a virtual source joined to every feature node by that feature's
    access leg (the fastest feature per node), on the reversed graph, so the distance of a
    node is the minutes from it to the nearest feature. It depends on the features only, so
    criteria cache it and read every chunk of sites off it.
    """
    _check(detour, access_kmh, limit_min)
    n = net.n_nodes
    fnodes, inv, legs = _feature_legs(net, features_lonlat, detour, access_kmh)
    if fnodes.size == 0:
        return np.full(n, np.inf)
    leg = np.full(fnodes.size, np.inf)
    np.minimum.at(leg, inv, legs)
    rev = _reversed(net)
    # the virtual source n: row n of the augmented graph (explicit zeros are edges)
    indptr = np.concatenate([rev.indptr, [rev.indptr[-1] + fnodes.size]])
    indices = np.concatenate([rev.indices, fnodes.astype(rev.indices.dtype)])
    data = np.concatenate([rev.data, leg])
    aug = sp.csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))
    limit = np.inf if limit_min is None else float(limit_min)
    dist = dijkstra(aug, directed=True, indices=[n], limit=limit, min_only=True)
    return np.asarray(dist[:n], dtype=np.float64)


def nearest_minutes(net: RoadNetwork, sites_lonlat: ArrayLike, features_lonlat: ArrayLike,
                    *, limit_min: float | None = None, detour: float = ACCESS_DETOUR,
                    access_kmh: float = ACCESS_KMH) -> FloatArray:
    """(n,) minutes from every site to its nearest feature by time (inf: none within
    ``limit_min``), access legs on both ends included (see :func:`node_nearest_minutes`)."""
    _check(detour, access_kmh, limit_min)
    ss = snap(net, sites_lonlat, detour=detour, access_kmh=access_kmh, what="sites")
    if ss.node.size == 0:
        return np.zeros(0)
    node_min = node_nearest_minutes(net, features_lonlat, limit_min=limit_min, detour=detour,
                                    access_kmh=access_kmh)
    out = np.asarray(node_min[ss.node] + ss.minutes, dtype=np.float64)
    if limit_min is not None:
        out[out > limit_min] = np.inf
    return out


def _feature_blocks(net: RoadNetwork, fnodes: IntArray, limit: float
                    ) -> Iterator[tuple[int, FloatArray]]:
    """Yield (start, rows) where rows (k, n_nodes) are the minutes from every node to the
    feature nodes ``fnodes[start:start + k]`` (reversed graph), bounded in memory."""
    rev = _reversed(net)
    block = max(1, int(_BLOCK_BYTES // (8 * max(net.n_nodes, 1))))
    for start in range(0, fnodes.size, block):
        yield start, dijkstra(rev, directed=True, indices=fnodes[start:start + block],
                              limit=limit)


@dataclass(frozen=True)
class Arrivals:
    """Every (feature, node) pair within a time limit, by node: column ``j`` of ``by_node``
    (CSC, features x nodes) holds the minutes from node ``j`` to each feature reached
    within ``limit_min``, the feature's access leg included."""

    by_node: sp.csc_matrix
    limit_min: float

    def totals(self, site: Snap, weights: FloatArray | None = None,
               max_pairs: int = 20_000_000,
               pair_value: Callable[[FloatArray, IntArray], FloatArray] | None = None
               ) -> FloatArray:
        """(n_sites,) count (or sum of ``weights``) of the features that each snapped site
        reaches within the limit, its own access leg included; with ``pair_value``, the
        sum of ``pair_value(minutes, feature)`` over those pairs instead."""
        m = self.by_node
        out = np.zeros(site.node.size)
        lens_all = np.diff(m.indptr)[site.node]
        start = 0
        while start < site.node.size:
            csum = np.cumsum(lens_all[start:])
            stop = start + max(1, int(np.searchsorted(csum, max_pairs, side="right")))
            nodes, legs = site.node[start:stop], site.minutes[start:stop]
            lens = lens_all[start:stop]
            owner = np.repeat(np.arange(nodes.size), lens)
            offset = np.repeat(np.cumsum(lens) - lens, lens)
            pos = np.arange(owner.size) - offset + np.repeat(m.indptr[nodes], lens)
            t = m.data[pos] + legs[owner]
            ok = t <= self.limit_min
            feat = m.indices[pos[ok]]
            w = (pair_value(t[ok], feat) if pair_value is not None
                 else None if weights is None else weights[feat])
            out[start:stop] = np.bincount(owner[ok], weights=w, minlength=nodes.size)
            start = stop
        return out


def arrivals_within(net: RoadNetwork, features_lonlat: ArrayLike, limit_min: float, *,
                    detour: float = ACCESS_DETOUR, access_kmh: float = ACCESS_KMH
                    ) -> Arrivals:
    """The :class:`Arrivals` of the features within ``limit_min`` of every node: one
    limited Dijkstra per distinct feature node on the reversed graph."""
    _check(detour, access_kmh, limit_min)
    fnodes, inv, legs = _feature_legs(net, features_lonlat, detour, access_kmh)
    order = np.argsort(inv, kind="stable")  # features grouped by their node's row
    rows_f, cols, vals = [], [], []
    first = np.searchsorted(inv[order], np.arange(fnodes.size + 1))
    for start, dist in _feature_blocks(net, fnodes, float(limit_min)):
        feats = order[first[start]:first[start + dist.shape[0]]]
        arr = dist[inv[feats] - start] + legs[feats, None]
        f_i, n_i = np.nonzero(arr <= limit_min)
        rows_f.append(feats[f_i])
        cols.append(n_i)
        vals.append(arr[f_i, n_i])
    r = np.concatenate(rows_f) if rows_f else np.zeros(0, dtype=np.intp)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.intp)
    v = np.concatenate(vals) if vals else np.zeros(0)
    m = sp.csc_matrix((v, (r, c)), shape=(legs.size, net.n_nodes))
    return Arrivals(m, float(limit_min))


def node_exp_sums(net: RoadNetwork, features_lonlat: ArrayLike, masses: FloatArray,
                  scale_min: float, *, detour: float = ACCESS_DETOUR,
                  access_kmh: float = ACCESS_KMH) -> FloatArray:
    """(n_nodes, k) sums over features of ``mass x exp(-minutes / scale_min)`` from every
    node, the features' access legs included; ``masses`` is (n_features,) or
    (n_features, k).

    The exponential decay factors: a site's value is ``exp(-leg / scale) x`` its node's
    sum, so one pass over the features serves every site (candidates and cells alike).
    """
    _check(detour, access_kmh, None)
    if not (np.isfinite(scale_min) and scale_min > 0):
        raise UsageError(f"scale_min must be a positive number of minutes, got {scale_min!r}")
    w = np.asarray(masses, dtype=np.float64)
    w2 = w[:, None] if w.ndim == 1 else w
    fnodes, inv, legs = _feature_legs(net, features_lonlat, detour, access_kmh)
    # features sharing a node add up: mass x exp(-leg / scale) per distinct node
    per_node = np.zeros((fnodes.size, w2.shape[1]))
    np.add.at(per_node, inv, w2 * np.exp(-legs / scale_min)[:, None])
    out = np.zeros((net.n_nodes, w2.shape[1]))
    for start, dist in _feature_blocks(net, fnodes, np.inf):
        out += np.exp(-dist / scale_min).T @ per_node[start:start + dist.shape[0]]
    return out
