"""Static charts for reports (matplotlib; PNG or SVG chosen by the file extension).

A module of independent functions; each builds its own figure (object-oriented
matplotlib, no pyplot state) and writes it atomically.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan._atomic import check_writable, write_with
from siteplan.errors import OutputError
from siteplan.outputs.cartography import (
    EXCLUDED_COLOUR,
    NO_DATA_COLOUR,
    SCHEME_TITLES,
    default_pack,
    score_colours,
    score_range,
    zone_choropleth,
)
from siteplan.outputs.formats import STATIC_MAP
from siteplan.outputs.language import map_word
from siteplan.phrases import number_in
from siteplan.scenario import METHOD_INFO

if TYPE_CHECKING:
    from siteplan.layers.pack import Pack
    from siteplan.scoring.ranking import Ranking

#: static map size (inches) and resolution: 10 x 10 in at 150 dpi = 1500 x 1500 px
STATIC_MAP_SIZE = (10.0, 10.0)
STATIC_MAP_DPI = 150


def _nice_length(target_km: float) -> float:
    """The largest of 1, 2, 5 x 10^n not above ``target_km``."""
    if target_km <= 0:
        return 1.0
    exp = math.floor(math.log10(target_km))
    for m in (5, 2, 1):
        if m * 10**exp <= target_km:
            return float(m * 10**exp)
    return float(10**exp)


def _draw_scale_bar(ax: Any, lat0: float, lang: str = "en") -> None:
    """A two-segment scale bar in the lower left, true at latitude ``lat0``."""
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km_per_deg = 111.32 * math.cos(math.radians(lat0))
    length_km = _nice_length((x1 - x0) * km_per_deg / 5.0)
    length_deg = length_km / km_per_deg
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    h = 0.012 * (y1 - y0)
    for j in range(2):
        ax.add_patch(Rectangle((bx + j * length_deg / 2, by), length_deg / 2, h,
                               facecolor="black" if j == 0 else "white", edgecolor="black",
                               linewidth=0.8, zorder=6))
    for frac, text in ((0.0, "0"), (0.5, f"{length_km / 2:g}"), (1.0, f"{length_km:g} km")):
        ax.text(bx + frac * length_deg, by + 1.6 * h, text, ha="center", va="bottom",
                fontsize=8, zorder=6)
    where = f"{abs(lat0):.0f}°{'N' if lat0 >= 0 else 'S'}"
    ax.text(bx, by - 0.8 * h, map_word("scale true", lang, lat=where),
            ha="left", va="top", fontsize=6.5, color="#444444", zorder=6)


def _draw_north_arrow(ax: Any) -> None:
    """A north arrow in the upper right (axes coordinates; the map is north-up)."""
    ax.annotate("", xy=(0.95, 0.965), xytext=(0.95, 0.885), xycoords="axes fraction",
                arrowprops={"facecolor": "black", "edgecolor": "black", "width": 4,
                            "headwidth": 12, "headlength": 12}, zorder=6)
    ax.text(0.95, 0.865, "N", transform=ax.transAxes, ha="center", va="top", fontsize=13,
            fontweight="bold", zorder=6)


def _place_labels(fig: Any, ax: Any, texts: list[str], xs: Any, ys: Any,
                  effects: list[Any]) -> None:
    """Label points, trying a few offsets so that labels do not overlap (greedy, by rank)."""
    renderer = fig.canvas.get_renderer()
    offsets = ((6, 4, "left", "bottom"), (6, -4, "left", "top"), (-6, 4, "right", "bottom"),
               (-6, -4, "right", "top"), (0, 9, "center", "bottom"), (0, -9, "center", "top"),
               (14, 12, "left", "bottom"), (14, -12, "left", "top"), (-14, 12, "right", "bottom"),
               (-14, -12, "right", "top"))
    placed: list[Any] = []
    for text, x, y in zip(texts, xs, ys, strict=True):
        best = None
        for dx, dy, ha, va in offsets:
            ann = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points",
                              ha=ha, va=va, fontsize=7.5, fontweight="bold",
                              path_effects=effects, zorder=5)
            box = ann.get_window_extent(renderer).expanded(1.05, 1.1)
            if not any(box.overlaps(b) for b in placed):
                best = (ann, box)
                break
            ann.remove()
        if best is None:  # every position collides: keep the first one
            ann = ax.annotate(text, (x, y), xytext=(6, 4), textcoords="offset points",
                              fontsize=7.5, fontweight="bold", path_effects=effects, zorder=5)
            best = (ann, ann.get_window_extent(renderer))
        placed.append(best[1])


def static_map(ranking: Ranking, path: str | os.PathLike[str], *, pack: Pack | None = None,
               indicator: str | None = None, top_n: int = 10, zones: str = "regions",
               scheme: str = "quantiles", k: int = 5, lang: str = "en") -> Path:
    """Write a static map of a ranking as PNG or SVG (by the extension of ``path``).

    The map shows the zones as a choropleth of ``indicator`` (same classes and
    colours as the HTML map) with a legend, the candidate sites coloured by score
    (excluded ones as grey crosses), the ``top_n`` sites labelled with rank and name,
    a north arrow, a scale bar and a title. PNGs are 1500 x 1500 px
    (:data:`STATIC_MAP_SIZE` at :data:`STATIC_MAP_DPI`). The file is written
    atomically (an existing file is replaced).

    Parameters
    ----------
    ranking
        The ranking to draw.
    path
        Output file, ``.png`` or ``.svg``.
    pack
        Data pack for the zones (default: the embedded pack).
    indicator, zones, scheme, k
        Choropleth indicator, zone layer, classification scheme and classes (as in
        :func:`siteplan.outputs.html_map.render_map`).
    top_n
        Number of best sites labelled.

    Returns
    -------
    Path
        The path written.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import LinearSegmentedColormap, Normalize
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.patheffects import withStroke

    p = Path(path)
    fmt = STATIC_MAP.format_of(p)
    if fmt is None:
        raise OutputError(f"{p}: a static map is written as .png or .svg; change the extension")
    if pack is None:
        pack = default_pack(ranking)
    ch = zone_choropleth(pack, zones, indicator, scheme, k, simplify=0.005) if pack else None

    fig = Figure(figsize=STATIC_MAP_SIZE, dpi=STATIC_MAP_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.03, 0.03, 0.94, 0.86))
    ax.set_facecolor("#eef2f5")
    sites = ranking.sites
    lon = sites["lon"].to_numpy(dtype=np.float64)
    lat = sites["lat"].to_numpy(dtype=np.float64)
    if ch is not None:
        ch.zones.plot(ax=ax, color=list(ch.zones["sp_colour"]), edgecolor="white",
                      linewidth=0.6, zorder=1)
        w, s, e, n = ch.bounds
        pad = 0.03 * max(e - w, n - s, 0.1)
    else:  # sites only: leave room for labels
        w, e, s, n = float(lon.min()), float(lon.max()), float(lat.min()), float(lat.max())
        pad = 0.12 * max(e - w, n - s, 0.1)
    ax.set_xlim(w - pad, e + pad)
    ax.set_ylim(s - pad, n + pad)
    lat0 = (s + n) / 2.0
    ax.set_aspect(1.0 / max(math.cos(math.radians(lat0)), 0.05))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")

    excluded = sites["excluded"].to_numpy(dtype=bool)
    vmin, vmax = score_range(ranking)
    if excluded.any():
        ax.scatter(lon[excluded], lat[excluded], marker="x", s=18, c=EXCLUDED_COLOUR,
                   linewidths=1.0, zorder=3)
    inc = np.flatnonzero(~excluded)[::-1]  # best drawn last, on top
    if inc.size:
        ranks = sites["rank"].to_numpy(dtype=np.float64)[inc]
        n_ranked = max(int(np.nanmax(ranks)), 1)
        sizes = 25.0 + 140.0 * (1.0 - (ranks - 1) / max(n_ranked - 1, 1))
        ax.scatter(lon[inc], lat[inc], s=sizes,
                   c=score_colours(sites["score"].to_numpy(dtype=np.float64)[inc], vmin, vmax),
                   edgecolors="#252525", linewidths=0.6, zorder=4)
    top = np.flatnonzero(~excluded)[:max(top_n, 0)]
    _place_labels(fig, ax, [f"{int(sites['rank'].iloc[i])}. {sites['name'].iloc[i]}" for i in top],
                  lon[top], lat[top], [withStroke(linewidth=2.5, foreground="white")])

    handles: list[Any] = []
    if ch is not None:
        handles = [Patch(facecolor=c, edgecolor="#999999", label=lab)
                   for c, lab in zip(ch.colours, map(lambda x: number_in(x, lang),
                                                     ch.class_labels()), strict=True)]
        if (ch.zones["sp_class"] < 0).any():
            handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#999999",
                                 label=map_word("no data", lang)))
        colon = " : " if lang == "fr" else ": "
        label = map_word(ch.label, lang)
        title = f"{label} ({ch.unit})" if ch.unit and ch.unit not in ch.label else label
        leg = ax.legend(handles=handles, loc="lower right", fontsize=8, title_fontsize=8.5,
                        title=f"{map_word(ch.layer, lang)}{colon}{title}\n"
                              f"({map_word(SCHEME_TITLES[ch.scheme], lang)})",
                        framealpha=0.92)
        leg.set_zorder(7)
    cax = fig.add_axes((0.64, 0.915, 0.3, 0.016))
    cmap = LinearSegmentedColormap.from_list("score", score_colours(np.linspace(vmin, vmax, 9),
                                                                    vmin, vmax))
    cb = fig.colorbar(ScalarMappable(norm=Normalize(vmin, vmax), cmap=cmap), cax=cax,
                      orientation="horizontal")
    cb.set_label(map_word("score legend", lang, excluded=map_word("x = excluded", lang)
                          if excluded.any() else ""), fontsize=7.5)
    cb.ax.tick_params(labelsize=7)
    cax.xaxis.set_label_position("top")
    _draw_north_arrow(ax)
    _draw_scale_bar(ax, lat0, lang)

    scen = ranking.scenario
    fig.text(0.03, 0.965, scen.title_in(lang) or scen.name, fontsize=15, fontweight="bold",
             va="top")
    n_inc = int((~excluded).sum())
    sub = (map_word("method", lang, method=METHOD_INFO[ranking.method].label_in(lang)) + "\n"
           + map_word("ranked", lang, n=n_inc)
           + (map_word("excluded n", lang, n=int(excluded.sum())) if excluded.any() else "")
           + (map_word("labelled", lang, n=min(top_n, n_inc)) if top_n and n_inc else ""))
    fig.text(0.03, 0.928, sub, fontsize=9.5, va="top", color="#333333")

    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {}
    return write_with(p, lambda tmp: fig.savefig(tmp, format=fmt, dpi=STATIC_MAP_DPI,
                                                metadata=metadata))


def save_png(ranking: Ranking, path: str | os.PathLike[str], *, indicator: str | None = None,
             pack: Pack | None = None, overwrite: bool = False, top_n: int = 10,
             zones: str = "regions", scheme: str = "quantiles", k: int = 5,
             lang: str = "en") -> Path:
    """Write a static PNG or SVG map (by extension) with :func:`static_map`.

    Unlike :func:`static_map`, refuses to replace an existing file unless ``overwrite``.
    """
    p = check_writable(path, overwrite)
    return static_map(ranking, p, pack=pack, indicator=indicator, top_n=top_n, zones=zones,
                      scheme=scheme, k=k, lang=lang)
