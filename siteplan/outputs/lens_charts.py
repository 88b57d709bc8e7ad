"""The viability-need quadrant of a two-lens ranking (matplotlib, Agg).

Every site with both indices is a point: viability (the investor's view) across, territorial
need up. The viability floor of the scenario (when it has one) is a vertical line; the median
need of the sites drawn is the horizontal one. The four quadrants read as a planner reads
them: strong on both; viable but already served; in need but not yet viable; neither. The
best-scored sites and the extremes of each lens are labelled; the rest are points only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siteplan._atomic import check_writable, write_with
from siteplan.errors import OutputError, UsageError
from siteplan.outputs.formats import PLAN_CHART
from siteplan.phrases import number_in
from siteplan.scenario import LENSES
from siteplan.scoring.ranking import Ranking

__all__ = ["QUADRANTS", "quadrant_png", "quadrant_table"]

#: The four quadrants, as (viable?, in need?) -> label.
QUADRANTS = {
    (True, True): "strong on both",
    (True, False): "viable, already served",
    (False, True): "in need, not yet viable",
    (False, False): "neither",
}
#: the chart's words in each language of the reports (English keys of QUADRANTS first)
_WORDS: dict[str, dict[str, str]] = {
    "en": {"strong on both": "strong on both", "viable, already served": "viable, already served",
           "in need, not yet viable": "in need, not yet viable", "neither": "neither",
           "excluded": "excluded (constraint or viability floor)", "ranked": "ranked",
           "floor": "viability floor", "median_v": "median viability",
           "median_n": "median need",
           "x": "viability index (investor's view: talent, labour, city, connectivity, "
                "ecosystem)",
           "y": "need index (unemployment, income, no offshoring today)",
           "title": "Viability and territorial need"},
    "fr": {"strong on both": "solide sur les deux", "viable, already served":
           "viable, déjà desservi", "in need, not yet viable": "en besoin, pas encore viable",
           "neither": "ni l'un ni l'autre",
           "excluded": "exclu (contrainte ou seuil de viabilité)", "ranked": "classé",
           "floor": "seuil de viabilité", "median_v": "viabilité médiane",
           "median_n": "besoin médian",
           "x": "indice de viabilité (regard de l'investisseur : talents, main-d'œuvre, ville, "
                "connectivité, écosystème)",
           "y": "indice de besoin (chômage, revenu, pas d'offshoring aujourd'hui)",
           "title": "Viabilité et besoin territorial"},
}
#: Okabe-Ito colours (colour-blind safe): sites ranked, sites excluded.
_RANKED, _EXCLUDED = "#0072B2", "#999999"


def quadrant_table(ranking: Ranking) -> tuple[Any, float, float]:
    """Sites with both indices and their quadrant; returns (table, viability line, need line).

    The viability line is the scenario's floor, or the median viability when it has none;
    the need line is the median need of the sites in the table.
    """
    sites = ranking.sites
    if not ranking.scenario.has_lenses or not all(lens in sites.columns for lens in LENSES):
        raise UsageError(f"scenario '{ranking.scenario.name}' has no {' and '.join(LENSES)} "
                         "lenses (lens = ... on its criteria): there is no quadrant to draw")
    t = sites[np.isfinite(sites["viability"].astype(float))
              & np.isfinite(sites["need"].astype(float))].copy()
    if t.empty:
        raise UsageError("no site has both a viability and a need index: no quadrant to draw")
    floor = ranking.scenario.viability_floor
    vline = float(floor) if floor is not None else float(t["viability"].median())
    hline = float(t["need"].median())
    t["quadrant"] = [QUADRANTS[(bool(v >= vline), bool(n >= hline))]
                     for v, n in zip(t["viability"], t["need"], strict=True)]
    return t, vline, hline


def _labelled(t: Any, top: int) -> set[str]:
    """Ids to label: the best ``top`` by score, and the two extremes of each lens."""
    ranked = t[t["rank"].notna()].sort_values("rank")
    ids = set(ranked["id"].head(top).astype(str))
    for col in LENSES:
        ids |= set(t.nlargest(2, col)["id"].astype(str))
    return ids


#: Offsets (points) tried in turn for a label, first free one wins.
_OFFSETS = ((4, 3, "left"), (4, -9, "left"), (-4, 3, "right"), (-4, -9, "right"),
            (4, 10, "left"), (4, -16, "left"))


def _place_labels(fig: Any, ax: Any, rows: pd.DataFrame) -> None:
    """Label points in rank order, each at the first offset whose box overlaps no label
    already placed (the last offset when none is free)."""
    renderer = fig.canvas.get_renderer()
    placed: list[Any] = []
    order = rows.assign(_r=rows["rank"].astype(float).fillna(np.inf)).sort_values("_r")
    for name, rk, v, n in zip(order["name"], order["_r"], order["viability"], order["need"],
                              strict=True):
        rank = "" if not np.isfinite(rk) else f"{int(rk)}. "
        for dx, dy, ha in _OFFSETS:
            text = ax.annotate(f"{rank}{name}", (float(v), float(n)),
                               xytext=(dx, dy), textcoords="offset points", fontsize=7.5,
                               color="#222222", ha=ha)
            box = text.get_window_extent(renderer).expanded(1.05, 1.1)
            if not any(box.overlaps(b) for b in placed) or (dx, dy, ha) == _OFFSETS[-1]:
                placed.append(box)
                break
            text.remove()


def quadrant_png(ranking: Ranking, path: str | os.PathLike[str], *, top: int = 15,
                 overwrite: bool = False, lang: str = "en") -> Path:
    """Write the viability-need quadrant as PNG, SVG or PDF (from the extension), with its
    words in ``lang`` (``"en"`` or ``"fr"``)."""
    p = check_writable(path, overwrite)
    if PLAN_CHART.format_of(p) is None:
        raise OutputError(f"{p}: a chart is written as PNG, SVG or PDF; give a path ending in "
                          f"{', '.join(PLAN_CHART.suffixes)}")
    t, vline, hline = quadrant_table(ranking)
    if lang not in _WORDS:
        raise UsageError(f"quadrant: language '{lang}' is not one of {', '.join(_WORDS)}")
    w = _WORDS[lang]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.0, 6.4))
    excluded = t["excluded"].astype(bool).to_numpy()
    ax.scatter(t["viability"][excluded], t["need"][excluded], s=22, color=_EXCLUDED,
               label=w["excluded"], zorder=2)
    ax.scatter(t["viability"][~excluded], t["need"][~excluded], s=34, color=_RANKED,
               edgecolor="white", linewidth=0.6, label=w["ranked"], zorder=3)
    floor_text = (w["floor"] if ranking.scenario.viability_floor is not None
                  else w["median_v"])
    ax.axvline(vline, color="#444444", linewidth=0.9, linestyle="--")
    ax.axhline(hline, color="#444444", linewidth=0.9, linestyle=":")
    ax.text(vline, 0.5, f"{floor_text} {number_in(f'{vline:.2f}', lang)} ",
            transform=ax.get_xaxis_transform(),
            fontsize=8, color="#444444", rotation=90, ha="right", va="center")
    ax.text(1.0, hline, f"{w['median_n']} {number_in(f'{hline:.2f}', lang)} ",
            transform=ax.get_yaxis_transform(),
            fontsize=8, color="#444444", ha="right", va="bottom")
    lo_v, hi_v = min(0.0, float(t["viability"].min())), max(1.0, float(t["viability"].max()))
    ax.set_xlim(lo_v, hi_v)
    ax.set_ylim(0.0, max(1.0, float(t["need"].max())))
    corners = {(True, True): (0.98, 0.98, "right", "top"),
               (True, False): (0.98, 0.02, "right", "bottom"),
               (False, True): (0.02, 0.98, "left", "top"),
               (False, False): (0.02, 0.02, "left", "bottom")}
    for key, (x, y, ha, va) in corners.items():
        n = int((t["quadrant"] == QUADRANTS[key]).sum())
        ax.text(x, y, f"{w[QUADRANTS[key]]} ({n})", transform=ax.transAxes, ha=ha, va=va,
                fontsize=9, color="#222222", style="italic")
    _place_labels(fig, ax, t[t["id"].astype(str).isin(_labelled(t, top))])
    ax.set_xlabel(w["x"], fontsize=9)
    ax.set_ylabel(w["y"], fontsize=9)
    title = ranking.scenario.title_in(lang)
    ax.set_title(f"{w['title']}{' :' if lang == 'fr' else ':'} {title}", fontsize=11,
                 loc="left")
    if lang != "en":
        from siteplan.outputs.language import axis_numbers

        ax.xaxis.set_major_formatter(axis_numbers(lang))
        ax.yaxis.set_major_formatter(axis_numbers(lang))
    ax.legend(loc="lower center", fontsize=8, frameon=True, framealpha=0.9,
              bbox_to_anchor=(0.5, -0.2), ncol=2)
    ax.grid(color="#eeeeee", linewidth=0.6)
    ax.set_axisbelow(True)
    fmt = p.suffix.lower().lstrip(".")

    def writer(tmp: Path) -> None:
        fig.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight")

    try:
        return write_with(p, writer, overwrite)
    finally:
        plt.close(fig)
