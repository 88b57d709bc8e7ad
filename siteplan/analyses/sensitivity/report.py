"""How robust is a ranking? Glue between :class:`~siteplan.scoring.ranking.Ranking` and the
sensitivity maths of :mod:`siteplan.analyses.sensitivity.maths`.

:func:`analyse` takes a ranking, builds the score function of its aggregation method from
:func:`siteplan.scoring.ranking.aggregate_scores` (the decision matrix of the included sites is
reused, criteria are never recomputed), then runs

* a one-at-a-time (OAT) sweep of every criterion weight around the scenario weights
  (:func:`~.maths.oat_sweep`): over which weight interval does the winner stay
  first, and each current top-K site stay in the top K;
* SMAA-2 (:func:`~.maths.smaa`) over sampled weight vectors (uniform on the
  simplex, Dirichlet around the scenario weights, or uniform within bounds), optionally with
  multiplicative noise on the criterion values.

The :class:`RobustnessReport` gives, per site, the rank acceptability indices, the central
weights, the confidence factor, the rank stability (share of samples within +-1 place of the
published rank), the top-K membership probability and, for the current top-K sites, a
robust/fragile verdict.

Verdict rule (for each site of the current top K)
-------------------------------------------------
A site is **robust** when both hold:

1. SMAA: it is in the top K in at least ``robust_threshold`` (default 80 %) of the weight
   samples (``top_k_membership >= 0.8``);
2. OAT: for every criterion j, it stays in the top K while ``w_j`` moves by
   ``weight_margin`` (default +-0.10 on the sum-1 scale, clipped to [0, 1]) around the
   scenario weight, the other weights rescaled in proportion, i.e. its OAT top-K interval
   contains ``[w_j - 0.1, w_j + 0.1]``.

Otherwise it is **fragile**, and ``why`` says which condition failed. Sites outside the
current top K get no verdict (``None``).

Example
-------
>>> from siteplan.scoring.ranking import rank
>>> from siteplan.analyses.sensitivity.report import analyse
>>> report = analyse(rank("balanced-2030"), samples=10_000, seed=42)   # doctest: +SKIP
>>> report.table().head()                                               # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from siteplan import __version__
from siteplan.analyses.sensitivity.maths import (
    check_samples,
    check_seed,
    oat_sweep,
    sample_weights,
    smaa,
    tornado_data,
    wlc_scores,
)
from siteplan.errors import UsageError
from siteplan.phrases import number_in, render
from siteplan.scenario import METHOD_INFO
from siteplan.scoring.ranking import aggregate_scores

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from siteplan.analyses.sensitivity.maths import OatResult, SmaaResult, TornadoBar
    from siteplan.scoring.ranking import Ranking

__all__ = ["SAMPLINGS", "RobustnessReport", "analyse", "score_function"]

FloatArray = NDArray[np.float64]
Sampling = Literal["uniform", "dirichlet", "bounds"]
SAMPLINGS: tuple[str, ...] = ("uniform", "dirichlet", "bounds")

def score_function(method: str, directions: FloatArray,
                   options: Mapping[str, Any] | None = None
                   ) -> Callable[[FloatArray, FloatArray], FloatArray]:
    """The ``score_fn(x, weights (s, m)) -> (s, n)`` of a method, for the sensitivity maths.

    ``x`` is the matrix the method scores: the value matrix for WLC, WP and OWA, the raw
    matrix (with ``directions``) for TOPSIS and VIKOR. It is
    :func:`siteplan.scoring.ranking.aggregate_scores` with ``directions`` and the method options
    bound. A 3-D ``x`` (SMAA value noise) is scored in one batch for WLC; other methods
    raise ValueError on it, which makes :func:`~.maths.smaa` call them once per
    sample.
    """

    opts = dict(options or {})
    dirs = np.asarray(directions, dtype=float)

    def fn(x: FloatArray, weights: FloatArray) -> FloatArray:
        arr = np.asarray(x, dtype=float)
        if arr.ndim == 3:
            if method == "wlc":
                w = np.asarray(weights, dtype=float)
                return wlc_scores(arr, w / w.sum(axis=1, keepdims=True))
            raise ValueError("batched value matrices are scored one sample at a time")
        return np.asarray(aggregate_scores(method, arr, arr, dirs, weights, opts), dtype=float)

    return fn


def _num(x: float) -> float | None:
    return None if not math.isfinite(float(x)) else float(x)


@dataclass(frozen=True, eq=False)
class RobustnessReport:
    """Result of :func:`analyse`; sites are in the order of the published ranking.

    Attributes
    ----------
    scenario, scenario_title, method
        The ranking's scenario name, title and aggregation method.
    site_ids, site_names
        Included sites, best first (index i of every array below).
    criteria
        Weighted criterion names (index j of weight arrays).
    weights
        Scenario weights, sum 1.
    reference_rank
        Published rank of each site (1 = best).
    scores
        Published score of each site.
    oat, smaa
        The raw :class:`~siteplan.analyses.sensitivity.maths.OatResult` and
        :class:`~siteplan.analyses.sensitivity.maths.SmaaResult`.
    top_k
        K of the top-K membership and of the verdicts (clipped to the number of sites).
    top_k_membership
        Share of the weight samples in which the site ranks in the top K.
    verdicts
        ``"robust"`` / ``"fragile"`` for the current top-K sites, None for the others.
    why
        Per site, the failed conditions behind a ``"fragile"`` verdict (empty otherwise).
    sites
        GeoDataFrame of the included sites (id, name, province, region, lon, lat, score,
        rank, geometry) for maps.
    """

    scenario: str
    scenario_title: str
    method: str
    site_ids: tuple[str, ...]
    site_names: tuple[str, ...]
    criteria: tuple[str, ...]
    weights: FloatArray
    reference_rank: NDArray[np.int64]
    scores: FloatArray
    oat: OatResult
    smaa: SmaaResult
    top_k: int
    top_k_membership: FloatArray
    verdicts: tuple[str | None, ...]
    why: tuple[tuple[str, ...], ...]
    sites: gpd.GeoDataFrame
    samples: int
    seed: int | None
    sampling: str
    concentration: float | None = None
    bounds: Mapping[str, tuple[float, float]] | None = None
    value_noise: float = 0.0
    steps: int = 101
    robust_threshold: float = 0.8
    weight_margin: float = 0.1
    #: criterion name -> its label for people (tornado axis, tables); empty when unlabelled
    criterion_labels: Mapping[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ views
    @property
    def acceptability(self) -> FloatArray:
        """Rank acceptability indices ``b[i, r]`` (site i at rank r + 1); rows sum to 1."""
        return np.asarray(self.smaa.acceptability, dtype=float)

    @property
    def first_rank_acceptability(self) -> FloatArray:
        """Share of samples in which each site ranks first."""
        return np.asarray(self.smaa.acceptability[:, 0], dtype=float)

    @property
    def rank_stability(self) -> FloatArray:
        """Share of samples in which each site is within +-1 place of its published rank."""
        return np.asarray(self.smaa.rank_stability, dtype=float)

    @property
    def winner(self) -> str:
        """Id of the published first site."""
        return self.site_ids[0]

    def tornado(self, site: int | None = None,
                metric: Literal["score", "rank"] = "score") -> list[TornadoBar]:
        """Per criterion, the range of a site's score (or rank) as its weight sweeps 0..1.

        Widest first; ``site`` is an index into :attr:`site_ids` (default: the winner).
        """

        return tornado_data(self.oat, site=site, metric=metric)

    # ------------------------------------------------------------------ tables
    def table(self) -> pd.DataFrame:
        """One row per included site, best first (for CSV, XLSX and Markdown)."""
        import pandas as pd

        s = self.smaa
        k = self.top_k
        return pd.DataFrame({
            "rank": self.reference_rank.astype(int),
            "id": list(self.site_ids),
            "name": list(self.site_names),
            "province": self.sites["province"].astype(object).to_numpy(),
            "region": self.sites["region"].astype(object).to_numpy(),
            "score": np.round(self.scores, 6),
            "rank_stability": np.round(self.rank_stability, 6),
            f"top_{k}_membership": np.round(self.top_k_membership, 6),
            "first_rank_acceptability": np.round(self.first_rank_acceptability, 6),
            "expected_rank": np.round(s.expected_rank, 4),
            "confidence": np.round(s.confidence, 6),
            "verdict": [v or "" for v in self.verdicts],
            "why": ["; ".join(w) for w in self.why],
        })

    def oat_table(self) -> pd.DataFrame:
        """One row per criterion: weight, the winner's interval, the smallest change that
        changes the winner (and who wins then), and the interval keeping the top K intact.
        """
        import pandas as pd

        ids = self.site_ids
        rows = []
        bars = {b.criterion: b for b in self.tornado()}
        for sw in self.oat.sweeps:
            lo, hi = sw.winner_interval
            ivs = list(sw.topk_intervals.values())
            klo = max(iv[0] for iv in ivs) if ivs else 0.0
            khi = min(iv[1] for iv in ivs) if ivs else 1.0
            new_winner = None
            if sw.min_change is not None:
                below = sw.winner_below is not None and abs(sw.weight - lo - sw.min_change) < 1e-12
                pick = sw.winner_below if below else sw.winner_above
                new_winner = None if pick is None else ids[pick]
            bar = bars[sw.criterion]
            rows.append({
                "criterion": self.criteria[sw.criterion],
                "weight": round(sw.weight, 6),
                "winner_lo": round(lo, 6), "winner_hi": round(hi, 6),
                "min_change_to_flip_winner": (None if sw.min_change is None
                                              else round(sw.min_change, 6)),
                "new_winner": new_winner,
                f"top_{self.top_k}_set_lo": round(klo, 6) if klo <= khi else None,
                f"top_{self.top_k}_set_hi": round(khi, 6) if klo <= khi else None,
                "winner_score_low": round(bar.low, 6), "winner_score_high": round(bar.high, 6),
                "exact": sw.exact,
            })
        return pd.DataFrame(rows)

    def acceptability_table(self, max_rank: int | None = None) -> pd.DataFrame:
        """Rank acceptability indices as a table: one row per site, columns rank_1..rank_R."""
        import pandas as pd

        n = len(self.site_ids)
        r = n if max_rank is None else max(1, min(int(max_rank), n))
        df = pd.DataFrame(self.acceptability[:, :r], columns=[f"rank_{q + 1}" for q in range(r)])
        df.insert(0, "name", list(self.site_names))
        df.insert(0, "id", list(self.site_ids))
        df.insert(0, "rank", self.reference_rank.astype(int))
        return df

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """The JSON contract.

        Top level: ``siteplan_version``, ``scenario``, ``scenario_title``, ``method``,
        ``samples``, ``seed``, ``sampling`` (+ ``concentration`` / ``bounds`` when used),
        ``value_noise``, ``top_k``, ``rank_tolerance``, ``steps``, ``verdict_rule``,
        ``winner``, ``sites`` and ``criteria``.

        ``sites`` (ordered by published rank): ``id``, ``name``, ``province``, ``region``,
        ``rank``, ``score``, ``acceptability`` (list over ranks 1..n, sums to 1),
        ``expected_rank``, ``central_weights`` (criterion -> weight, None if never first),
        ``confidence`` (None if never first), ``rank_stability``, ``top_k_membership``,
        ``verdict`` (``robust``/``fragile`` for the current top K, else None) and ``why``.

        ``criteria`` (criterion -> OAT result): ``weight``, ``winner_interval`` [lo, hi],
        ``min_change_to_flip_winner`` (None: the winner never changes), ``winner_below`` /
        ``winner_above`` (who wins beyond the interval), ``top_k_intervals`` (site id ->
        [lo, hi]), ``exact`` and ``tornado`` (the winner's score range over w = 0..1).
        """

        s = self.smaa
        ids = list(self.site_ids)
        sites = []
        for i, sid in enumerate(ids):
            cw = s.central_weights[i]
            sites.append({
                "id": sid, "name": self.site_names[i],
                "province": _opt_str(self.sites["province"].iloc[i]),
                "region": _opt_str(self.sites["region"].iloc[i]),
                "rank": int(self.reference_rank[i]),
                "score": _num(self.scores[i]),
                "acceptability": [float(x) for x in s.acceptability[i]],
                "expected_rank": float(s.expected_rank[i]),
                "central_weights": (None if np.isnan(cw).any() else
                                    {c: float(x) for c, x in zip(self.criteria, cw,
                                                                  strict=True)}),
                "confidence": _num(s.confidence[i]),
                "rank_stability": float(s.rank_stability[i]),
                "top_k_membership": float(self.top_k_membership[i]),
                "verdict": self.verdicts[i],
                "why": list(self.why[i]),
            })
        oat = self.oat.to_dict(ids, list(self.criteria))["criteria"]
        for bar in self.tornado():
            name = self.criteria[bar.criterion]
            oat[name]["tornado"] = {"site": self.winner, "base": bar.base, "low": bar.low,
                                    "high": bar.high, "weight_at_low": bar.weight_at_low,
                                    "weight_at_high": bar.weight_at_high}
        out: dict[str, Any] = {
            "siteplan_version": __version__,
            "scenario": self.scenario, "scenario_title": self.scenario_title,
            "method": self.method,
            "samples": self.samples, "seed": self.seed, "sampling": self.sampling,
        }
        if self.sampling == "dirichlet":
            out["concentration"] = self.concentration
        if self.sampling == "bounds" and self.bounds is not None:
            out["bounds"] = {k: list(v) for k, v in self.bounds.items()}
        out.update({
            "value_noise": self.value_noise, "top_k": self.top_k,
            "rank_tolerance": s.rank_tolerance, "steps": self.steps,
            "verdict_rule": self.verdict_rule(),
            "weights": {c: float(w) for c, w in zip(self.criteria, self.weights, strict=True)},
            "winner": self.winner,
            "sites": sites,
            "criteria": {c: oat[c] for c in self.criteria},
        })
        return out

    def verdict_rule(self, lang: str = "en") -> str:
        """The robust/fragile rule in words (in ``lang``; the JSON keeps English)."""
        return render("verdict_rule", lang, k=self.top_k,
                      threshold=number_in(f"{self.robust_threshold:.0%}", lang),
                      margin=number_in(f"{self.weight_margin:g}", lang))


def _opt_str(v: Any) -> str | None:
    import pandas as pd

    return None if v is None or bool(pd.isna(v)) else str(v)


# --------------------------------------------------------------------------- analysis


def _bounds_array(bounds: Mapping[str, Sequence[float]], criteria: Sequence[str]
                  ) -> tuple[FloatArray, dict[str, tuple[float, float]]]:
    unknown = [k for k in bounds if k not in criteria]
    if unknown:
        raise UsageError(f"bounds: unknown criterion {', '.join(map(repr, unknown))}; weighted "
                         f"criteria are {', '.join(criteria)}")
    arr = np.tile([0.0, 1.0], (len(criteria), 1))
    used: dict[str, tuple[float, float]] = {}
    for name, pair in bounds.items():
        try:
            lo, hi = (float(x) for x in pair)
        except (TypeError, ValueError):
            raise UsageError(f"bounds for {name!r}: give two numbers (lo, hi)") from None
        if not (0.0 <= lo <= hi <= 1.0):
            raise UsageError(f"bounds for {name!r}: {lo:g}..{hi:g}; give weight shares with "
                             "0 <= lo <= hi <= 1 (e.g. 0.1..0.3)")
        arr[list(criteria).index(name)] = (lo, hi)
        used[name] = (lo, hi)
    return arr, used


def analyse(ranking: Ranking, *, samples: int = 10_000, seed: int | None = 42,
            sampling: Sampling | str = "uniform", concentration: float = 50.0,
            bounds: Mapping[str, Sequence[float]] | None = None, value_noise: float = 0.0,
            top_k: int = 5, steps: int = 101, robust_threshold: float = 0.8,
            weight_margin: float = 0.1) -> RobustnessReport:
    """Weight sensitivity of a ranking: one-at-a-time sweeps and SMAA-2.

    Parameters
    ----------
    ranking
        A :class:`~siteplan.scoring.ranking.Ranking`; only its included sites are analysed.
    samples
        Number of SMAA weight samples (>= 1).
    seed
        Seed of the weight sampling and value noise (same seed, same report).
    sampling
        ``"uniform"`` on the weight simplex (no preference information), ``"dirichlet"``
        centred on the scenario weights (``concentration``: larger is tighter), or
        ``"bounds"``: uniform over weights within ``bounds``.
    concentration
        Dirichlet concentration (``alpha = concentration * w``).
    bounds
        Criterion -> (lo, hi) weight shares (sum-1 scale) for ``sampling="bounds"``;
        criteria not named range over 0..1.
    value_noise
        ``p`` in [0, 1): each criterion value is multiplied by ``U(1 - p, 1 + p)`` in
        every sample (measurement uncertainty); 0 disables it.
    top_k
        K of the top-K membership probability and verdicts (clipped to the site count).
    steps
        Grid points of the OAT sweep on [0, 1].
    robust_threshold, weight_margin
        Parameters of the verdict rule (see the module docstring).

    Returns
    -------
    RobustnessReport
    """

    if sampling not in SAMPLINGS:
        raise UsageError(f"sampling {sampling!r}: use one of {', '.join(SAMPLINGS)}")
    check_samples(samples)
    check_seed(seed)
    if top_k < 1:
        raise UsageError(f"top_k={top_k}: give K >= 1")
    if bounds and sampling != "bounds":
        raise UsageError("bounds are only used with sampling='bounds' (--sampling bounds)")
    if not (0.0 <= robust_threshold <= 1.0) or weight_margin < 0:
        raise UsageError("robust_threshold must be in [0, 1] and weight_margin >= 0")

    inc = ranking.included.reset_index(drop=True)
    n = len(inc)
    if n == 0:
        raise UsageError("sensitivity: no ranked site (every candidate is excluded)")
    criteria = tuple(str(c) for c in ranking.weights.index)
    w = ranking.weights.to_numpy(dtype=float)
    w = w / w.sum()
    m = len(criteria)
    if m < 2:
        raise UsageError("sensitivity: the scenario has one weighted criterion; weights can "
                         "only be traded between two or more criteria")
    values, matrix, directions = ranking.decision_matrix()
    x = values if METHOD_INFO[ranking.method].per_row else matrix
    fn = score_function(ranking.method, directions, ranking.scenario.method_options)
    k = min(int(top_k), n)

    b_arr: FloatArray | None = None
    used_bounds: dict[str, tuple[float, float]] | None = None
    if sampling == "bounds":
        if not bounds:
            raise UsageError("sampling='bounds' needs bounds, e.g. --bound talent=0.1:0.3")
        b_arr, used_bounds = _bounds_array(bounds, criteria)

    rng = np.random.default_rng(seed)
    rng_w, rng_v = rng.spawn(2)
    ws = sample_weights(m, int(samples), sampling=sampling,  # type: ignore[arg-type]
                        seed=rng_w, center=w, concentration=concentration, bounds=b_arr)
    oat = oat_sweep(x, w, score_fn=fn, steps=steps, top_k=k)
    res = smaa(x, fn, ws, value_noise=value_noise,
               clip=(0.0, 1.0) if METHOD_INFO[ranking.method].per_row else None,
               seed=rng_v, reference_weights=w, rank_tolerance=1,
               pairwise_max=max(10, 2 * k))
    membership = res.acceptability[:, :k].sum(axis=1)

    verdicts: list[str | None] = [None] * n
    why: list[tuple[str, ...]] = [()] * n
    for i in oat.topk:
        reasons: list[str] = []
        if membership[i] < robust_threshold:
            reasons.append(render("rarely_in_top", k=k, share=f"{membership[i]:.0%}",
                                  threshold=f"{robust_threshold:.0%}"))
        for sw in oat.sweeps:
            lo, hi = sw.topk_intervals[i]
            need_lo = max(0.0, sw.weight - weight_margin)
            need_hi = min(1.0, sw.weight + weight_margin)
            if lo > need_lo + 1e-9 or hi < need_hi - 1e-9:
                reasons.append(render("leaves_top", k=k, criterion=criteria[sw.criterion],
                                      low=f"{lo:.3f}", high=f"{hi:.3f}",
                                      weight=f"{sw.weight:.3f}"))
        verdicts[i] = "fragile" if reasons else "robust"
        why[i] = tuple(reasons)

    ranks = inc["rank"].to_numpy(dtype="float64")
    ref_rank = np.where(np.isnan(ranks), res.reference_rank, ranks).astype(np.int64)
    labels = {c.name: c.label for c in ranking.criteria}
    return RobustnessReport(
        scenario=ranking.scenario.name, scenario_title=ranking.scenario.title or "",
        method=ranking.method,
        site_ids=tuple(str(v) for v in inc["id"]), site_names=tuple(str(v) for v in inc["name"]),
        criteria=criteria, weights=w, reference_rank=ref_rank,
        scores=inc["score"].to_numpy(dtype=float), oat=oat, smaa=res, top_k=k,
        top_k_membership=membership, verdicts=tuple(verdicts), why=tuple(why),
        sites=inc[["id", "name", "province", "region", "lon", "lat", "score", "rank",
                   "geometry"]].copy(),
        samples=int(samples), seed=seed, sampling=str(sampling),
        concentration=float(concentration) if sampling == "dirichlet" else None,
        bounds=used_bounds, value_noise=float(value_noise), steps=int(steps),
        robust_threshold=float(robust_threshold), weight_margin=float(weight_margin),
        criterion_labels=labels)
