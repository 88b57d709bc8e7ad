"""Backcasting: does a lens reproduce where investors actually located?

A check of the model, not a target to fit weights to. Given the candidates that host
offshoring today (parks or established operators, from sources) and the others, the
*concordance* is the share of (host, other) pairs that an index orders correctly, ties
counting one half: 1.0 means every host scores above every other candidate, 0.5 is a
coin toss. It is the Mann-Whitney U statistic divided by the number of pairs, that is
the area under the ROC curve of the index as a classifier of hosts (Hanley & McNeil
1982), computed here by sorting rather than by pairs.

References
----------
Hanley, J. A., & McNeil, B. J. (1982). The meaning and use of the area under a receiver
operating characteristic (ROC) curve. *Radiology*, 143(1), 29-36.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from siteplan.criteria.geodesy import distance_matrix_km
from siteplan.errors import DataError


@dataclass(frozen=True)
class Backcast:
    """The concordance of an index with today's hosts, and what it misorders."""

    index: str
    concordance: float
    hosts: tuple[str, ...]
    others: int
    #: hosts scored below the best-scored non-host, lowest first: (id, value)
    lagging_hosts: tuple[tuple[str, float], ...]
    #: non-hosts scored above the lowest-scored host, best first: (id, value)
    leading_others: tuple[tuple[str, float], ...]
    #: hosts the index could not score (excluded before scoring, no value)
    unscored_hosts: tuple[str, ...] = ()

    @property
    def pairs(self) -> int:
        """Number of (host, other) pairs compared."""
        return len(self.hosts) * self.others

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON and reports."""
        return {"index": self.index, "concordance": self.concordance,
                "hosts": list(self.hosts), "others": self.others, "pairs": self.pairs,
                "lagging_hosts": [list(x) for x in self.lagging_hosts],
                "leading_others": [list(x) for x in self.leading_others],
                "unscored_hosts": list(self.unscored_hosts)}


def concordance(host_values: ArrayLike, other_values: ArrayLike) -> float:
    """Share of (host, other) pairs with the host above, ties counting 1/2.

    O((n + m) log(n + m)) by mid-ranks: U = sum of the hosts' ranks - n(n+1)/2.
    """
    h = np.asarray(host_values, dtype=np.float64)
    o = np.asarray(other_values, dtype=np.float64)
    if h.size == 0 or o.size == 0:
        raise DataError("backcast needs at least one host and one other candidate with a value")
    both = np.concatenate([h, o])
    order = np.argsort(both, kind="mergesort")
    ranks = np.empty(both.size)
    sorted_ = both[order]
    # mid-ranks of tied groups
    starts = np.flatnonzero(np.r_[True, sorted_[1:] != sorted_[:-1]])
    ends = np.r_[starts[1:], both.size]
    mid = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(mid, ends - starts)
    u = ranks[: h.size].sum() - h.size * (h.size + 1) / 2.0
    return float(u / (h.size * o.size))


def backcast(ids: Sequence[str], values: ArrayLike, hosts: Iterable[str],
             index: str = "viability") -> Backcast:
    """Concordance of ``values`` (one per id; NaN = not scored) with the ``hosts``.

    Parameters
    ----------
    ids, values
        Candidate ids and the index to check (e.g. ``ranking.sites["viability"]``).
    hosts
        Ids of the candidates that host offshoring today. Unknown ids are an error.
    index
        Name of the index, for the report.
    """
    ids = [str(i) for i in ids]
    v = np.asarray(values, dtype=np.float64)
    if v.shape != (len(ids),):
        raise DataError(f"backcast: {len(ids)} ids but {v.size} values")
    host_set = {str(h) for h in hosts}
    unknown = sorted(host_set - set(ids))
    if unknown:
        raise DataError(f"backcast: host id(s) {', '.join(unknown)} are not candidates; give "
                        "ids of the ranking")
    is_host = np.array([i in host_set for i in ids])
    scored = ~np.isnan(v)
    unscored = tuple(i for i, h, s in zip(ids, is_host, scored, strict=True) if h and not s)
    hv, ov = v[is_host & scored], v[~is_host & scored]
    c = concordance(hv, ov)
    h_ids = [i for i, h, s in zip(ids, is_host, scored, strict=True) if h and s]
    o_ids = [i for i, h, s in zip(ids, is_host, scored, strict=True) if not h and s]
    best_other, worst_host = float(ov.max()), float(hv.min())
    lag = sorted(((i, float(x)) for i, x in zip(h_ids, hv, strict=True) if x < best_other),
                 key=lambda t: t[1])
    lead = sorted(((i, float(x)) for i, x in zip(o_ids, ov, strict=True) if x > worst_host),
                  key=lambda t: -t[1])
    return Backcast(index=index, concordance=c, hosts=tuple(h_ids), others=len(o_ids),
                    lagging_hosts=tuple(lag), leading_others=tuple(lead),
                    unscored_hosts=unscored)


def park_hosts(ids: Sequence[str], lon: ArrayLike, lat: ArrayLike, park_lon: ArrayLike,
               park_lat: ArrayLike, within_km: float = 15.0) -> list[str]:
    """Candidates hosting a park today: for each park, the nearest candidate if it lies
    within ``within_km`` (geodesic), so that a park is counted for its town only."""
    if len(ids) == 0 or np.size(park_lon) == 0:
        return []
    d = distance_matrix_km(park_lon, park_lat, lon, lat)
    nearest = np.argmin(d, axis=1)
    close = d[np.arange(d.shape[0]), nearest] <= within_km
    return sorted({str(ids[j]) for j in nearest[close]})
