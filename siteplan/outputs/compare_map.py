"""The compare map: two scenarios or two plans side by side, and their difference.

:func:`render_compare_map` draws, from a :class:`~siteplan.analyses.plan.steps.CompareReport`
of two items (what ``siteplan compare A B`` computes: each item is a plan, from a scenario
or a plan JSON), one self-contained HTML page with three Leaflet maps that move together:

* **A** and **B**: each item's ranked sites coloured by score on one colour scale (the
  range of both items' scores, :data:`~siteplan.outputs.cartography.SCORE_CMAP`), sized
  by rank, with the item's new sites as the plan map's numbered stars
  (:func:`siteplan.outputs.plan_map.add_plan_markers`);
* **B - A**: the sites ranked in both coloured by ``rank in B - rank in A`` on the
  diverging :data:`DIFF_CMAP` (matplotlib's ``PuOr``, symmetric about 0; colour-blind
  safe: ``tests/outputs/test_compare_map.py`` checks it under simulated deuteranopia,
  protanopia and tritanopia with ``colorspacious``), the sites ranked in one item only
  as grey rings, and a tag ``A``, ``B`` or ``A+B`` on each new site of the plans;

and under the maps the biggest rank changes, the new sites in A only, in B only and in
both, and Kendall's tau between the two rankings.

Site positions come from the plans' JSON (``chosen`` and ``ranking`` entries carry
``lon``/``lat``); a plan JSON written before they did is placed through the pack's
candidates layer, and a site found in neither is left out and counted in the page.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siteplan._atomic import check_writable, write_text_atomic
from siteplan.errors import LayerError, OutputError, UsageError
from siteplan.outputs.basemap import SEA_COLOUR, add_basemap, add_label_script, basemap_places
from siteplan.outputs.cartography import (
    SCORE_CMAP,
    _colormap,
    _hex,
    ramp_colours,
    script_json,
)
from siteplan.outputs.formats import HTML_MAP
from siteplan.outputs.html_map import (
    KEEP_CSS,
    KEEP_JS,
    _macro_classes,
    add_panes,
    esc,
    inline_resources,
    map_css,
)
from siteplan.outputs.language import fmt_num, heading, map_word, plan_map_word
from siteplan.outputs.plan_map import add_plan_markers, legend_star_html, star_data

if TYPE_CHECKING:
    import folium
    import pandas as pd
    from branca.element import Figure

    from siteplan.analyses.plan.steps import CompareReport
    from siteplan.layers.pack import Pack

#: the diverging palette of rank changes (matplotlib name): orange = up in B, purple = down
DIFF_CMAP = "PuOr"
#: colour of the sites ranked in one item only
ONE_SIDE_COLOUR = "#8c8c8c"
#: rows of the biggest-movers table
MOVERS = 10
#: the compare maps are a third of the window: smaller circles (radius in px: worst rank,
#: extra for the best) and stars (px) than the plan map's, the stars still the larger
CMP_RADIUS = (4.0, 6.0)
CMP_STAR_PX = 28


@dataclass(frozen=True)
class CompareSides:
    """The two items of a compare map, ready to draw.

    Attributes
    ----------
    a, b
        The items' plan dicts (``CompareReport.items``).
    sites
        One row per site ranked in A or B: ``id``, ``name``, ``region``, ``lat``, ``lon``,
        ``rank_a``, ``rank_b``, ``score_a``, ``score_b`` (NaN where not ranked),
        ``change`` (``rank_b - rank_a``, NaN unless ranked in both), ``chosen_a``,
        ``chosen_b``; sites without a position are left out.
    unplaced
        Ids of the ranked sites without a position.
    """

    a: Mapping[str, Any]
    b: Mapping[str, Any]
    sites: pd.DataFrame
    unplaced: tuple[str, ...]


def _pack_positions(pack: Pack | None) -> dict[str, tuple[float, float]]:
    """id -> (lat, lon) of the pack's candidates (empty when it has none)."""
    if pack is None:
        from siteplan.layers.pack import Pack as PackCls

        try:
            pack = PackCls(None)
        except (LayerError, OSError):
            return {}
    if "candidates" not in pack.layer_names:
        return {}
    try:
        cand = pack.layer("candidates")
    except (LayerError, OSError):
        return {}
    return {str(i): (float(g.y), float(g.x)) for i, g in zip(cand["id"], cand.geometry,
                                                             strict=True)
            if g is not None and not g.is_empty}


def compare_sides(report: CompareReport, pack: Pack | None = None) -> CompareSides:
    """The two items of ``report`` joined site by site (see :class:`CompareSides`)."""
    import numpy as np
    import pandas as pd

    if len(report.items) != 2:
        raise UsageError(f"compare --map: a compare map shows two items; {len(report.items)} "
                         "were given (map them two at a time)")
    a, b = report.items
    pos: dict[str, tuple[float, float]] = {}
    rows: dict[str, dict[str, Any]] = {}
    for side, d in (("a", a), ("b", b)):
        for e in [*d.get("ranking", []), *d["chosen"]]:
            sid = str(e["id"])
            if e.get("lat") is not None and e.get("lon") is not None:
                pos.setdefault(sid, (float(e["lat"]), float(e["lon"])))
            row = rows.setdefault(sid, {"id": sid, "name": str(e["name"]),
                                        "region": e.get("region") or ""})
            row["region"] = row["region"] or e.get("region") or ""
        for e in d.get("ranking", []):
            rows[str(e["id"])][f"rank_{side}"] = float(e["rank"])
            rows[str(e["id"])][f"score_{side}"] = float(e["score"])
        for c in d["chosen"]:
            rows[str(c["id"])][f"chosen_{side}"] = True
    missing = [sid for sid in rows if sid not in pos]
    if missing:
        extra = _pack_positions(pack)
        pos.update({sid: extra[sid] for sid in missing if sid in extra})
    unplaced = tuple(sid for sid in rows if sid not in pos)
    table = pd.DataFrame([r for sid, r in rows.items() if sid in pos])
    for col in ("rank_a", "rank_b", "score_a", "score_b"):
        if col not in table.columns:
            table[col] = np.nan
    for col in ("chosen_a", "chosen_b"):
        table[col] = table[col].fillna(False).astype(bool) if col in table.columns else False
    table["lat"] = [pos[s][0] for s in table["id"]]
    table["lon"] = [pos[s][1] for s in table["id"]]
    table["change"] = table["rank_b"] - table["rank_a"]
    return CompareSides(a=a, b=b, sites=table, unplaced=unplaced)


# --------------------------------------------------------------------------- one map


def _new_map(fig: Figure, pack: Pack | None, css_class: str) -> folium.Map:
    """An empty map of the page: trimmed resources, panes, popup clearance, basemap."""
    import folium

    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False, zoom_control=True,
                   width="100%", height="100%")
    m.default_js = [(n, u) for n, u in m.default_js if n in KEEP_JS]
    m.default_css = [(n, u) for n, u in m.default_css if n in KEEP_CSS]
    m._name = f"map_{css_class.replace('-', '_')}"  # readable, unique names in the page
    # no zoom animation: an animated zoom ending on one map after another map moved would
    # pull the synced maps back to its zoom
    m.options["zoomAnimation"] = False
    fig.add_child(m)
    add_panes(m)
    add_basemap(m, pack, "regions", limits=False)
    if pack is not None and "regions" in pack.layer_names:
        from siteplan.outputs.cartography import simplify_zones

        regions = simplify_zones(pack.layer("regions")[["geometry"]])
        folium.GeoJson(
            {"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {}, "geometry": g.__geo_interface__}
                for g in regions.geometry]},
            name="Region boundaries", pane="sp-zones", interactive=False,
            style_function=lambda f: {"fill": False, "color": "#6b6b6b", "weight": 1.2,
                                      "className": "sp-region-line"},
        ).add_to(m)
    return m


def _control(m: folium.Map, html: str, position: str, css_class: str) -> None:
    html_control, _ = _macro_classes()
    html_control(html, position, css_class).add_to(m)


def _site_popup(row: Any, side: str, label: str, n_ranked: int, lang: str) -> str:
    rank = row[f"rank_{side}"]
    status = (f'{map_word("Rank", lang)} <b class="sp-rank">{int(rank)}</b> '
              f'{map_word("of", lang)} {n_ranked} &middot; score <b class="sp-score">'
              f'{fmt_num(row[f"score_{side}"], lang, 3)}</b>')
    return (f'<div class="sp-popup"><h4 class="sp-site-name">{esc(row["name"])}</h4>'
            f'<div class="sp-where">{esc(row["region"])}</div>'
            f'<div class="sp-status">{esc(label)}: {status}</div></div>')


def _add_side(m: folium.Map, sides: CompareSides, side: str, vmin: float, vmax: float,
              lang: str) -> dict[str, int]:
    """One item's ranked sites (worst first, best on top) and its stars; returns id -> rank."""
    import folium

    d = sides.a if side == "a" else sides.b
    t = sides.sites[sides.sites[f"rank_{side}"].notna()].sort_values(f"rank_{side}",
                                                                     ascending=False)
    n = len(d.get("ranking", [])) or len(t)
    colours = ramp_colours(t[f"score_{side}"], vmin, vmax, SCORE_CMAP)
    group = folium.FeatureGroup(name=esc(f"{d['label']}: sites"), show=True)
    ranks: dict[str, int] = {}
    lo, span = CMP_RADIUS
    for (_, row), colour in zip(t.iterrows(), colours, strict=True):
        rnk = int(row[f"rank_{side}"])
        radius = round(lo + span * (1.0 - (rnk - 1) / max(n - 1, 1)), 1)
        tip = (f"<b>{esc(row['name'])}</b><br>{map_word('rank', lang)} {rnk} &middot; score "
               f"{fmt_num(row[f'score_{side}'], lang, 3)}")
        mk = folium.CircleMarker(
            location=[row["lat"], row["lon"]], radius=radius, color="#252525", weight=1,
            fill=True, fill_color=colour, fill_opacity=0.92,
            class_name=f"sp-site sp-cmp-site sp-rank-{rnk}", tooltip=folium.Tooltip(tip),
            popup=folium.Popup(_site_popup(row, side, str(d["label"]), n, lang),
                               parse_html=False, max_width=360))
        mk.options["siteplanId"] = str(row["id"])
        mk.add_to(group)
        ranks[str(row["id"])] = rnk
    group.add_to(m)
    add_plan_markers(m, star_data(d, lang), dim_candidates=False, px=CMP_STAR_PX)
    return ranks


def _diff_colours(change: Iterable[float], bound: float) -> list[str]:
    return ramp_colours(change, -bound, bound, DIFF_CMAP)


def _add_difference(m: folium.Map, sides: CompareSides, lang: str) -> float:
    """The rank changes (sites in both), one-side sites as grey rings, plan-set tags."""
    import folium
    from folium.map import CustomPane

    CustomPane("sp-plan", z_index=470, pointer_events=False).add_to(m)  # the set tags
    t = sides.sites
    both = t[t["change"].notna()]
    bound = max(1.0, float(both["change"].abs().max()) if len(both) else 1.0)
    group = folium.FeatureGroup(name=esc(plan_map_word("change", lang)), show=True)
    a_lab, b_lab = str(sides.a["label"]), str(sides.b["label"])
    for _, row in t[t["change"].isna()].iterrows():
        where = a_lab if not math.isnan(row["rank_a"]) else b_lab
        tip = (f"<b>{esc(row['name'])}</b><br>{plan_map_word('in one only', lang)}: "
               f"{esc(where)}")
        mk = folium.CircleMarker(location=[row["lat"], row["lon"]], radius=4,
                                 color=ONE_SIDE_COLOUR, weight=1.5, fill=True,
                                 fill_color="#ffffff", fill_opacity=0.9,
                                 class_name="sp-site sp-diff-one", tooltip=folium.Tooltip(tip))
        mk.options["siteplanId"] = str(row["id"])
        mk.add_to(group)
    order = both.reindex(both["change"].abs().sort_values().index)  # biggest on top
    for (_, row), colour in zip(order.iterrows(), _diff_colours(order["change"], bound),
                                strict=True):
        ch = int(row["change"])
        tip = (f"<b>{esc(row['name'])}</b><br>{esc(a_lab)}: {int(row['rank_a'])} &rarr; "
               f"{esc(b_lab)}: {int(row['rank_b'])} ({ch:+d})")
        mk = folium.CircleMarker(location=[row["lat"], row["lon"]], radius=7, color="#252525",
                                 weight=1, fill=True, fill_color=colour, fill_opacity=0.95,
                                 class_name="sp-site sp-diff", tooltip=folium.Tooltip(tip))
        mk.options["siteplanId"] = str(row["id"])
        mk.options["siteplanChange"] = ch
        mk.add_to(group)
    group.add_to(m)
    tags = folium.FeatureGroup(name=esc(plan_map_word("plan sets", lang)), show=True)
    for _, row in t[t["chosen_a"] | t["chosen_b"]].iterrows():
        tag = ("A+B" if row["chosen_a"] and row["chosen_b"] else "A" if row["chosen_a"]
               else "B")
        kind = {"A+B": "both", "A": "a", "B": "b"}[tag]
        folium.Marker(location=[row["lat"], row["lon"]], icon=folium.DivIcon(
            html=f'<span class="sp-set-tag sp-set-{kind}">{tag}</span>', icon_size=(0, 0),
            class_name="sp-set-icon"), interactive=False, pane="sp-plan").add_to(tags)
    tags.add_to(m)
    return bound


# --------------------------------------------------------------------------- page parts


def _ramp(cmap: str, lo: float, hi: float, title: str, lang: str, digits: int) -> str:
    cm = _colormap(cmap)
    stops = ", ".join(_hex(cm(i / 6)) for i in range(7))
    fmt = (lambda v: f"{v:+.0f}") if digits == 0 else (lambda v: fmt_num(v, lang, digits))
    return (f'<div class="sp-legend-title">{title}</div>'
            f'<div class="sp-ramp" style="background: linear-gradient(to right, {stops})">'
            f'</div><div class="sp-ramp-labels"><span>{fmt(lo)}</span>'
            + ("<span>0</span>" if digits == 0 else "") + f"<span>{fmt(hi)}</span></div>")


def movers_table(sides: CompareSides, n: int = MOVERS) -> pd.DataFrame:
    """The ``n`` sites ranked in both with the largest ``|rank_b - rank_a|`` (ties by name)."""
    both = sides.sites[sides.sites["change"].notna()].copy()
    both["abs"] = both["change"].abs()
    both = both.sort_values(["abs", "name"], ascending=[False, True]).head(n)
    return both[["id", "name", "region", "rank_a", "rank_b", "change"]].reset_index(drop=True)


def _tables_html(sides: CompareSides, report: CompareReport, bound: float, lang: str) -> str:
    def w(word: str, **values: object) -> str:
        return plan_map_word(word, lang, **values)

    a_lab, b_lab = esc(sides.a["label"]), esc(sides.b["label"])
    mv = movers_table(sides)
    colours = _diff_colours(mv["change"], bound)
    rows = "".join(
        f'<tr class="sp-mover" data-id="{esc(r["id"])}"><td><span class="sp-swatch sp-dot" '
        f'style="background: {c}"></span></td><td class="sp-mover-name">{esc(r["name"])}</td>'
        f'<td>{esc(r["region"])}</td><td class="sp-num">{int(r["rank_a"])}</td>'
        f'<td class="sp-num">{int(r["rank_b"])}</td>'
        f'<td class="sp-num sp-mover-change">{int(r["change"]):+d}</td></tr>'
        for (_, r), c in zip(mv.iterrows(), colours, strict=True))
    movers = (f'<section class="sp-cmp-box"><h3>{w("movers")}</h3><table class="sp-movers">'
              f'<thead><tr><th></th><th>{w("site")}</th><th>{heading("region", lang)}</th>'
              f'<th class="sp-num">A</th><th class="sp-num">B</th>'
              f'<th class="sp-num">{w("change")}</th></tr></thead><tbody>{rows}</tbody>'
              "</table></section>")
    t = sides.sites

    def names(mask: Any, css: str) -> str:
        picked = t[mask].sort_values("name")
        items = "".join(f"<li>{esc(x)}</li>" for x in picked["name"]) or f"<li>{w('none')}</li>"
        return f'<ul class="sp-set sp-set-list-{css}">{items}</ul>'

    sets = (f'<section class="sp-cmp-box"><h3>{w("plan sets")}</h3><div class="sp-sets">'
            f'<div><h4>{w("only in", x=f"A ({a_lab})")}</h4>'
            f'{names(t["chosen_a"] & ~t["chosen_b"], "a")}</div>'
            f'<div><h4>{w("only in", x=f"B ({b_lab})")}</h4>'
            f'{names(~t["chosen_a"] & t["chosen_b"], "b")}</div>'
            f'<div><h4>{w("both")}</h4>{names(t["chosen_a"] & t["chosen_b"], "both")}</div>'
            "</div>")
    tau = next((k for k in report.kendall), None)
    if tau is not None and tau.get("tau") is not None:
        sets += (f'<p class="sp-hint sp-kendall">'
                 f'{w("kendall", tau=fmt_num(tau["tau"], lang, 3), n=tau["n_common"])}</p>')
    if sides.unplaced:
        sets += (f'<p class="sp-hint">{len(sides.unplaced)} site(s) without coordinates not '
                 f'drawn: {esc(", ".join(sides.unplaced[:10]))}</p>')
    return movers + sets + "</section>"


_PAGE_CSS = """
<style>
html, body { margin: 0; height: auto; background: #ffffff; }
body { display: flex; flex-wrap: wrap; font-family: system-ui, -apple-system, "Segoe UI",
  Roboto, Arial, sans-serif; font-size: 13px; color: #222; }
.sp-cmp-head { order: 0; flex: 0 0 100%; box-sizing: border-box; padding: 6px 12px;
  border-bottom: 1px solid #ccc; display: flex; gap: 18px; align-items: baseline;
  flex-wrap: wrap; }
.sp-cmp-head h2 { margin: 0; font-size: 16px; }
body > .folium-map { order: 1; flex: 1 1 0; min-width: 0; height: 70vh !important;
  width: auto !important; border-right: 2px solid #ffffff; }
.sp-cmp-tables { order: 2; flex: 0 0 100%; box-sizing: border-box; padding: 8px 12px;
  display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
.sp-cmp-box h3 { margin: 0 0 4px; font-size: 14px; }
.sp-cmp-box h4 { margin: 0 0 2px; font-size: 12px; }
.sp-movers { border-collapse: collapse; font-size: 12px; }
.sp-movers th, .sp-movers td { padding: 1px 6px; border-bottom: 1px solid #e4e4e4;
  text-align: left; }
.sp-movers .sp-num { text-align: right; }
.sp-sets { display: flex; gap: 18px; }
.sp-set { margin: 0 0 0 16px; padding: 0; }
.sp-swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid #555;
  box-sizing: border-box; }
.sp-dot { border-radius: 50%; }
.sp-hint { color: #666; font-size: 11px; }
.leaflet-container .sp-cmp-title { max-width: 220px; }
.leaflet-container .sp-legend.sp-panel { max-width: 190px; font-size: 11px; }
.leaflet-container .sp-plan-legend svg { flex: none; }
.leaflet-container .sp-cmp-title h3 { font-size: 13px; }
.leaflet-container .sp-set-tag { position: absolute; left: 7px; top: -19px; padding: 0 3px;
  font: 700 10px/14px system-ui, sans-serif; color: #fff; background: #161616;
  border-radius: 3px; white-space: nowrap; pointer-events: none; }
.leaflet-container .sp-set-tag.sp-set-a { background: #ffffff; color: #161616;
  border: 1.5px solid #161616; }
.leaflet-container .sp-set-tag.sp-set-b { background: #ffffff; color: #161616;
  border: 1.5px dashed #161616; }
.leaflet-container .sp-set-icon { background: transparent; border: 0; }
.leaflet-container .sp-legend .sp-set-tag { position: static; display: inline-block;
  min-width: 22px; text-align: center; box-sizing: border-box; }
</style>
"""

_SYNC_JS = """
(function (maps) {
    var busy = false;
    maps.forEach(function (m) {
        m.on("move moveend zoomend", function () {
            if (busy) { return; }
            busy = true;
            maps.forEach(function (o) {
                if (o !== m) { o.setView(m.getCenter(), m.getZoom(), {animate: false}); }
            });
            busy = false;
        });
    });
    window.siteplanCompareMaps = maps;
    // the page's layout sets the maps' sizes after they were made: start from one view
    setTimeout(function () {
        var last = maps[maps.length - 1];
        maps.forEach(function (m) { m.invalidateSize({pan: false}); });
        last.fitBounds(%s, {padding: [16, 16], animate: false});
    }, 0);
})([%s]);
"""


def _title_in(d: Mapping[str, Any], lang: str) -> str:
    """An item's scenario title in ``lang`` when its scenario can be read (a built-in name
    or a TOML file), else the plan's own (English) title."""
    from siteplan.errors import SiteplanError
    from siteplan.scenario import load_scenario

    title = str(d.get("scenario_title") or "")
    source = str(d.get("source") or "")
    if lang == "en" or not source or source in ("report", "dict") or source.endswith(".json"):
        return title
    try:
        return load_scenario(source).title_in(lang) or title
    except (SiteplanError, OSError):
        return title


def render_compare_map(report: CompareReport, *, pack: Pack | None = None, lang: str = "en",
                       self_contained: bool = True) -> Figure:
    """Draw two compared items side by side and their rank changes (see the module docstring).

    Parameters
    ----------
    report
        A :class:`~siteplan.analyses.plan.steps.CompareReport` of exactly two items.
    pack
        The pack of the basemap and, for plan JSONs without positions, of the candidates
        (default: the embedded pack).
    lang
        Language of the titles, legends, popups and tables.
    self_contained
        Inline every resource (default); otherwise link folium's CDNs.

    Returns
    -------
    branca.element.Figure
        The page (``fig.render()`` gives the HTML).
    """
    from branca.element import Element, Figure, MacroElement
    from jinja2 import Template

    def w(word: str, **values: object) -> str:
        return plan_map_word(word, lang, **values)

    sides = compare_sides(report, pack)
    if pack is None:
        from siteplan.layers.pack import Pack as PackCls

        try:
            pack = PackCls(None)
        except (LayerError, OSError):
            pack = None
    if sides.sites.empty:
        raise OutputError("compare --map: no site of either item has a position to draw")
    a_lab, b_lab = str(sides.a["label"]), str(sides.b["label"])
    _, self_contained_figure = _macro_classes()
    title = w("compare title", a=a_lab, b=b_lab)
    fig = (self_contained_figure if self_contained else Figure)(title=esc(title))
    fig.header.add_child(Element(map_css()), name="siteplan_css")
    fig.header.add_child(Element(_PAGE_CSS), name="siteplan_compare_css")
    fig.header.add_child(Element(
        f"<style>html body .leaflet-container {{ background: {SEA_COLOUR}; }}</style>"),
        name="siteplan_sea")
    scores = sides.sites[["score_a", "score_b"]].to_numpy(dtype=float).ravel()
    scores = scores[~(scores != scores)]
    vmin, vmax = float(scores.min()), float(scores.max())
    places = basemap_places(pack)
    maps = []
    for side, lab in (("a", a_lab), ("b", b_lab)):
        m = _new_map(fig, pack, f"cmp-{side}")
        ranks = _add_side(m, sides, side, vmin, vmax, lang)
        add_label_script(m, ranks, 0, places)
        d = sides.a if side == "a" else sides.b
        sub = _title_in(d, lang)
        _control(m, f'<h3 class="sp-title">{side.upper()}: {esc(lab)}</h3>'
                    + (f'<div class="sp-sub">{esc(sub)}</div>' if sub and sub != lab else ""),
                 "topleft", f"sp-panel sp-cmp-title sp-cmp-title-{side}")
        maps.append(m)
    _control(maps[0], _ramp(SCORE_CMAP, vmin, vmax, w("score scale"), lang, 3)
             + legend_star_html(lang), "bottomright", "sp-panel sp-legend")
    m = _new_map(fig, pack, "cmp-diff")
    bound = _add_difference(m, sides, lang)
    add_label_script(m, {}, 0, places)
    _control(m, f'<h3 class="sp-title">{esc(w("difference", a=a_lab, b=b_lab))}</h3>',
             "topleft", "sp-panel sp-cmp-title sp-cmp-title-diff")
    _control(m, _ramp(DIFF_CMAP, -bound, bound, w("diff legend"), lang, 0)
             + f'<div class="sp-legend-row"><span class="sp-swatch sp-dot" style="border-color:'
             f' {ONE_SIDE_COLOUR}; background: #fff"></span>{w("in one only")}</div>'
             + f'<div class="sp-legend-title">{w("plan sets")}</div>'
             + "".join(f'<div class="sp-legend-row"><span class="sp-set-tag sp-set-{k}">{t}'
                       f"</span>{text}</div>" for k, t, text in (
                           ("a", "A", w("only in", x="A")), ("b", "B", w("only in", x="B")),
                           ("both", "A+B", w("both")))),
             "bottomright", "sp-panel sp-legend")
    maps.append(m)
    lat, lon = sides.sites["lat"], sides.sites["lon"]
    for mm in maps:
        mm.fit_bounds([[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]],
                      padding=(16, 16))
    bounds = [[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]]
    sync = MacroElement()
    sync._template = Template("{% macro script(this, kwargs) %}"
                              + _SYNC_JS % (script_json(bounds),
                                            ", ".join(x.get_name() for x in maps))
                              + "{% endmacro %}")
    m.add_child(sync, name="sp_sync")
    fig.html.add_child(Element(
        f'<header class="sp-cmp-head"><h2 class="sp-cmp-heading">{esc(title)}</h2>'
        f'<span class="sp-hint">{w("sync hint")}</span></header>'), name="sp_head")
    fig.html.add_child(Element(f'<div class="sp-cmp-tables">'
                               f'{_tables_html(sides, report, bound, lang)}</div>'),
                       name="sp_tables")
    return fig


def save_compare_map(report: CompareReport, path: str | os.PathLike[str], *,
                     overwrite: bool = False, pack: Pack | None = None, lang: str = "en",
                     self_contained: bool = True) -> Path:
    """Render :func:`render_compare_map` and write it as one HTML file, atomically.

    A path not ending in ``.html`` or an existing file without ``overwrite`` is refused
    (one-line :class:`~siteplan.errors.OutputError`) before any drawing.
    """
    p = check_writable(path, overwrite)
    if HTML_MAP.format_of(p) is None:
        raise OutputError(f"{p}: a map is written as HTML; give a path ending in .html")
    page = str(render_compare_map(report, pack=pack, lang=lang,
                                  self_contained=self_contained).render())
    if self_contained:
        inline_resources(page)  # raises if anything outside is referenced
    return write_text_atomic(p, page, overwrite=overwrite)
