"""Static charts of a :class:`~siteplan.analyses.sensitivity.report.RobustnessReport`.

Matplotlib, Agg backend.

* :func:`tornado_png`: per criterion, the range of the winner's score (or rank) while that
  criterion's weight sweeps 0..1 (the others rescaled in proportion), widest bar first.
* :func:`acceptability_heatmap_png`: the SMAA rank acceptability indices, sites x ranks.

Files are written atomically (:func:`siteplan._atomic.write_with`); the extension chooses
PNG or SVG. The pixel size is exactly ``width_px`` x ``height_px`` (no tight bounding box).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from siteplan._atomic import check_writable, write_with
from siteplan.errors import OutputError, UsageError
from siteplan.outputs.formats import CHART
from siteplan.phrases import number_in, render

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from siteplan.analyses.sensitivity.report import RobustnessReport
    from siteplan.scenario import Scenario

__all__ = ["acceptability_heatmap_png", "heatmap_size", "report_in", "tornado_png",
           "tornado_size"]

_RAISE = "#2b83ba"   # segment reached by raising the criterion's weight
_LOWER = "#f28e2b"   # segment reached by lowering it


def _figure(width_px: int, height_px: int, dpi: int) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if width_px < 200 or height_px < 150:
        raise UsageError(f"chart size {width_px}x{height_px} px is too small; give at least "
                         "200x150")
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: str | os.PathLike[str], overwrite: bool, dpi: int) -> Path:
    p = check_writable(path, overwrite)
    fmt = CHART.format_of(p)
    if fmt is None:
        raise OutputError(f"{p}: charts are written as .png or .svg; change the extension")
    return write_with(p, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi), overwrite)


def tornado_size(n_criteria: int) -> tuple[int, int]:
    """Default (width, height) in pixels of a tornado chart with ``n_criteria`` bars."""
    return 1200, max(420, 150 + 52 * n_criteria)


def heatmap_size(n_sites: int, n_ranks: int) -> tuple[int, int]:
    """Default (width, height) in pixels of a heatmap of ``n_sites`` x ``n_ranks`` cells."""
    return max(640, 330 + 36 * n_ranks), max(360, 150 + 26 * n_sites)


#: the charts' words in each language of the reports
_WORDS: dict[str, dict[str, str]] = {
    "en": {"now": "now", "score_of": "score of {s} (higher is better)",
           "rank_of": "rank of {s} (1 = best, best on the right)",
           "cur_score": "current score {v}", "cur_rank": "current rank {v}",
           "raise": "raising this weight", "lower": "lowering this weight",
           "t_title": ("How {s}'s {m} moves when one weight sweeps 0..1\n{t} ({meth}); other "
                       "weights rescaled in proportion"), "score": "score", "rank": "rank",
           "h_x": "rank in the weight samples (1 = best)",
           "h_stab": "rank stability (within +-1 place)",
           "h_bar": "rank acceptability (% of weight samples); red box = published rank",
           "h_more": " (best {ns} of {n} sites)",
           "h_title": "Rank acceptability under {n} {samp} weight samples{more}\n{t} ({meth})",
           "no change": "no change ({v})"},
    "fr": {"now": "actuel", "score_of": "score de {s} (plus haut est meilleur)",
           "rank_of": "rang de {s} (1 = meilleur, le meilleur à droite)",
           "cur_score": "score actuel {v}", "cur_rank": "rang actuel {v}",
           "raise": "en augmentant ce poids", "lower": "en diminuant ce poids",
           "t_title": ("Variation du {m} de {s} quand un poids va de 0 à 1\n{t} ({meth}) ; "
                       "les autres poids rééchelonnés"), "score": "score", "rank": "rang",
           "h_x": "rang dans les pondérations tirées (1 = meilleur)",
           "h_stab": "stabilité du rang (à une place près)",
           "h_bar": ("acceptabilité du rang (% des pondérations) ; cadre rouge = rang publié"),
           "h_more": " ({ns} meilleurs sur {n} sites)",
           "h_title": "Acceptabilité des rangs sous {n} pondérations ({samp}){more}\n{t} ({meth})",
           "no change": "inchangé ({v})"},
}


def report_in(report: RobustnessReport, scenario: Scenario, lang: str) -> RobustnessReport:
    """The report as the charts should label it in ``lang``: the scenario's title and its
    criterion labels in that language (the figures are the same report's)."""
    import dataclasses

    return dataclasses.replace(
        report, scenario_title=scenario.title_in(lang),
        criterion_labels={**dict(report.criterion_labels),
                          **{c.name: c.display_in(lang) for c in scenario.criteria}})


def _words(lang: str) -> dict[str, str]:
    if lang not in _WORDS:
        raise OutputError(f"chart: language '{lang}' is not one of {', '.join(_WORDS)}")
    return _WORDS[lang]


def tornado_png(report: RobustnessReport, path: str | os.PathLike[str], *,
                metric: Literal["score", "rank"] = "score", site: int | None = None,
                width_px: int | None = None, height_px: int | None = None, dpi: int = 100,
                overwrite: bool = False, lang: str = "en") -> Path:
    """Tornado chart of one site (default: the winner) over one-at-a-time weight sweeps.

    Each bar spans the lowest and highest score (or rank) the site reaches while one
    criterion's weight moves over 0..1, the other weights rescaled in proportion. The
    blue part is reached by raising that weight, the orange part by lowering it; the
    vertical line marks the current value, and each bar end is labelled with the weight
    at which it is reached. Bars are sorted by width, widest on top.

    Parameters
    ----------
    report
        From :func:`siteplan.analyses.sensitivity.report.analyse`.
    path
        Output file (.png or .svg).
    metric
        ``"score"`` (default) or ``"rank"`` (1 = best, drawn best on the right).
    site
        Site index in ``report.site_ids`` (default 0, the winner).
    width_px, height_px
        Size in pixels (default :func:`tornado_size`).
    """
    words = _words(lang)
    i = 0 if site is None else int(site)
    bars = report.tornado(site=i, metric=metric)
    m = len(bars)
    dw, dh = tornado_size(m)
    fig = _figure(width_px or dw, height_px or dh, dpi)
    ax = fig.add_subplot()
    weights = report.weights
    base = bars[0].base if bars else 0.0
    ys = np.arange(m)[::-1]   # widest bar on top
    for y, b in zip(ys, bars, strict=True):
        w0 = float(weights[b.criterion])
        for end, w_end in ((b.low, b.weight_at_low), (b.high, b.weight_at_high)):
            if end == b.base:
                continue
            colour = _RAISE if w_end > w0 else _LOWER
            ax.barh(y, end - b.base, left=b.base, height=0.62, color=colour,
                    edgecolor="white", linewidth=0.5)
        fmtv = "{:.3f}" if metric == "score" else "{:.0f}"
        ends = sorted(((b.low, b.weight_at_low), (b.high, b.weight_at_high)),
                      reverse=metric == "rank")   # (visually left end, right end)
        if b.low == b.high:
            side = -1 if metric == "rank" else 1
            ax.annotate(words["no change"].format(v=number_in(fmtv.format(b.base), lang)),
                        (b.base, y),
                        xytext=(6 * side, 0), textcoords="offset points",
                        ha="left" if side > 0 else "right", va="center", fontsize=8,
                        color="#666666")
            continue
        for (x_end, w_end), side in zip(ends, (-1, 1), strict=True):
            if x_end == b.base:
                continue
            ax.annotate(number_in(f"{fmtv.format(x_end)} (w={w_end:.2f})", lang), (x_end, y),
                        xytext=(4 * side, 0), textcoords="offset points",
                        ha="right" if side < 0 else "left", va="center", fontsize=8,
                        color="#333333")
    ax.axvline(base, color="black", linewidth=1.2, linestyle="--")
    labels = []
    for b in bars:
        code = report.criteria[b.criterion]
        name = report.criterion_labels.get(code) or code   # what a planner reads, not the key
        now = number_in(f"{weights[b.criterion]:.2f}", lang)
        labels.append(f"{name}\n({words['now']} w={now})")
    ax.set_yticks(ys, labels, fontsize=9)
    lo = min((b.low for b in bars), default=0.0)
    hi = max((b.high for b in bars), default=1.0)
    span = max(hi - lo, 1e-6)
    if metric == "score":
        ax.set_xlim(lo - 0.30 * span, hi + 0.30 * span)
    else:
        ax.set_xlim(hi + 0.30 * span, max(0.0, lo - 0.30 * span))   # best rank on the right
    ax.set_ylim(-0.7, m - 0.3)
    if lang != "en":
        from siteplan.outputs.language import axis_numbers

        ax.xaxis.set_major_formatter(axis_numbers(lang))
    site_name = report.site_names[i]
    if metric == "score":
        ax.set_xlabel(words["score_of"].format(s=site_name))
        current = words["cur_score"].format(v=number_in(f"{base:.3f}", lang))
    else:
        ax.set_xlabel(words["rank_of"].format(s=site_name))
        current = words["cur_rank"].format(v=f"{base:.0f}")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=_RAISE, label=words["raise"]),
                       Patch(color=_LOWER, label=words["lower"]),
                       Line2D([0], [0], color="black", linestyle="--", label=current)],
              loc="lower left" if metric == "rank" else "lower right", fontsize=8,
              frameon=True)
    title = report.scenario_title or report.scenario
    fig.suptitle(words["t_title"].format(s=site_name, m=words[metric], t=title,
                                         meth=report.method), fontsize=11)
    return _save(fig, path, overwrite, dpi)


def acceptability_heatmap_png(report: RobustnessReport, path: str | os.PathLike[str], *,
                              max_sites: int = 30, max_rank: int = 30,
                              annotate_min: float = 0.05, width_px: int | None = None,
                              height_px: int | None = None, dpi: int = 100,
                              overwrite: bool = False, ever_first: bool = False,
                              lang: str = "en") -> Path:
    """Heatmap of the SMAA rank acceptability indices (share of samples per site and rank).

    Rows: the ``max_sites`` best sites of the published ranking (label ``rank. name``),
    and with ``ever_first`` also every site that is first in some sample, wherever it is
    published (a shortlist read from the heatmap must not miss a possible winner);
    columns: ranks 1..``max_rank``. Cells of at least ``annotate_min`` are annotated in
    percent; the published rank of each site is outlined. The right-hand column gives each
    site's rank stability (share within +-1 place of its published rank).
    """
    words = _words(lang)
    import matplotlib as mpl
    from matplotlib.patches import Rectangle

    acc = report.acceptability
    n = acc.shape[0]
    rows = list(range(max(1, min(int(max_sites), n))))
    if ever_first:
        rows = sorted(set(rows) | {int(i) for i in np.flatnonzero(acc[:, 0] > 0)})
    ns = len(rows)
    nr = max(1, min(int(max_rank), n))
    data = acc[rows, :nr] * 100.0
    dw, dh = heatmap_size(ns, nr)
    fig = _figure(width_px or dw, height_px or dh, dpi)
    ax = fig.add_subplot()
    cmap = mpl.colormaps["YlGnBu"]
    vmax = max(float(data.max()), 1.0)
    im = ax.imshow(data, cmap=cmap, vmin=0.0, vmax=vmax, aspect="auto",
                   interpolation="nearest")
    font = 8 if nr <= 20 else 7
    for r in range(ns):
        for c in range(nr):
            v = data[r, c]
            if v >= annotate_min * 100.0:
                colour = "white" if v > 0.55 * vmax else "#222222"
                ax.text(c, r, f"{v:.0f}", ha="center", va="center", fontsize=font,
                        color=colour)
        ref = int(report.reference_rank[rows[r]]) - 1
        if 0 <= ref < nr:
            ax.add_patch(Rectangle((ref - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="#d62728",
                                   linewidth=1.4))
    ax.set_xticks(np.arange(nr), [str(q + 1) for q in range(nr)], fontsize=8)
    stab = report.rank_stability
    ax.set_yticks(np.arange(ns), [f"{int(report.reference_rank[i])}. {report.site_names[i]}"
                                  for i in rows], fontsize=8)
    ax.xaxis.set_ticks_position("top")
    ax.xaxis.set_label_position("top")
    ax.set_xlabel(words["h_x"], fontsize=9)
    sec = ax.secondary_yaxis("right")
    sec.set_yticks(np.arange(ns), [number_in(f"{stab[i]:.0%}", lang) for i in rows], fontsize=8)
    sec.set_ylabel(words["h_stab"], fontsize=9)
    ax.set_xticks(np.arange(-0.5, nr, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, ns, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=0.5)
    ax.tick_params(which="minor", length=0)
    cb = fig.colorbar(im, ax=ax, location="bottom", shrink=0.6, aspect=40, pad=0.02)
    cb.set_label(words["h_bar"], fontsize=9)
    more = words["h_more"].format(ns=ns, n=n) if ns < n else ""
    title = report.scenario_title or report.scenario
    fig.suptitle(words["h_title"].format(n=number_in(f"{report.samples:,}", lang),
                                         samp=render(f"sampling_{report.sampling}", lang),
                                         more=more, t=title, meth=report.method), fontsize=11)
    return _save(fig, path, overwrite, dpi)
