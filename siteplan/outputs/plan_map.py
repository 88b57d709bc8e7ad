"""The plan map: a plan's new sites over its ranking, with the plan's own panel.

:func:`render_plan_map` draws the ranking as :func:`siteplan.outputs.html_map.render_map`
does (basemap, zones, context layers, every candidate clickable), with three changes:

* the top-left panel is the plan's (:func:`plan_panel_html`): the new sites in plan order
  (the order of ``PlanReport.chosen``, which is the JSON's ``chosen`` list: rank order,
  since the solver picks a set, not a sequence) with their region and the jobs they add
  by the target year; the constraints used and where each came from (the scenario's
  ``[plan]`` or this run); equity across regions today and with the plan (Gini, Theil T)
  with the range over the two ends of today's jobs estimate;
* the new sites are drawn as numbered stars (:data:`PLAN_COLOUR`, near-black with a white
  outline: the score ramp is yellow-orange-red, the zones blue) in their own pane above
  every circle and label, at least :data:`STAR_PX` pixels across (the largest candidate circle is
  ``2 * sum(SITE_RADIUS)`` = 30 px), and the other candidates are dimmed. Where two stars
  would overlap (two new sites 30 km apart are 8 px apart at zoom 5), the later one is
  moved aside in the browser at every zoom, with a dot at its true place and a line to it;
* no weight sliders: a plan is an optimisation under constraints, solved in Python; the
  browser could re-rank the circles but not re-solve the plan, so the stars would no
  longer be the plan of the scores shown. The panel says so.

The stars' script (:func:`add_plan_markers`) is shared with the compare map
(:mod:`siteplan.outputs.compare_map`). Popups are built here with
:func:`siteplan.outputs.html_map.esc` and reach the page as JSON
(:func:`~siteplan.outputs.cartography.script_json`); the script sets the plan order
numbers with ``textContent``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siteplan import __version__
from siteplan._atomic import check_writable, write_text_atomic
from siteplan.errors import OutputError, UsageError
from siteplan.outputs.cartography import script_json
from siteplan.outputs.formats import HTML_MAP
from siteplan.outputs.html_map import esc, inline_resources, map_html, render_map, site_popup_html
from siteplan.outputs.language import (
    fmt_int,
    fmt_num,
    fmt_pct,
    heading,
    plan_map_word,
    plan_word,
)

if TYPE_CHECKING:
    import folium

    from siteplan.analyses.plan.steps import PlanReport
    from siteplan.layers.pack import Pack
    from siteplan.scoring.ranking import Ranking

#: the stars' colour: near-black with a white outline, outside the score ramp (YlOrRd) and
#: the zones' blues (a blue star was lost on the darkest need classes)
PLAN_COLOUR = "#161616"
#: a star's width and height in px (larger than the largest candidate circle, 30 px)
STAR_PX = 42
#: panes of the plan markers: leader lines and stars above the labels (sp-labels, 460), the
#: dots marking a moved star's true place above the stars
PLAN_PANES = (("sp-plan", 470), ("sp-plan-pins", 480))
#: the equity measures of the panel (keys of PlanReport.equity)
PANEL_MEASURES = ("gini", "theil_t")
#: the [plan] settings the panel lists, in its order (keys of PlanReport.settings)
SETTING_KEYS = ("k", "max_per_region", "min_spacing_km", "park_spacing_km", "lagging_quota",
                "lagging_rule", "cap_share", "include", "exclude", "objective",
                "coverage_radius_km")


def plan_dict(plan: PlanReport | Mapping[str, Any]) -> dict[str, Any]:
    """A plan as its JSON contract (:meth:`PlanReport.to_dict`), from a report or a dict."""
    to_dict = getattr(plan, "to_dict", None)
    raw: Mapping[str, Any] = to_dict() if callable(to_dict) else plan  # type: ignore[assignment]
    d = dict(raw)
    missing = [k for k in ("chosen", "equity", "targets") if k not in d]
    if missing:
        raise UsageError(f"plan map: the plan has no {', '.join(missing)}; give a PlanReport "
                         "or a plan JSON written by 'siteplan plan -o plan.json'")
    return d


# --------------------------------------------------------------------------- the panel


def _range_text(eq: Mapping[str, Any], key: str, lang: str) -> str:
    lo_hi = (eq.get("range") or {}).get(key)
    if not lo_hi or lo_hi[0] is None or lo_hi[1] is None:
        return ""
    return (f'<br><span class="sp-range">{fmt_num(lo_hi[0], lang, 3)}&ndash;'
            f'{fmt_num(lo_hi[1], lang, 3)}</span>')


def _equity_html(d: Mapping[str, Any], lang: str) -> str:
    """Gini and Theil T today and with the plan, with their ranges; the baseline in a line."""
    def w(word: str, **values: object) -> str:
        return plan_map_word(word, lang, **values)

    eq = d["equity"]
    year = d["targets"]["year"]
    today, plan, base = eq.get("today", {}), eq.get("plan", {}), eq.get("baseline", {})
    rows = "".join(
        f'<tr class="sp-eq-{m}"><td>{w(m)}</td>'
        f'<td class="sp-num sp-eq-today">{fmt_num(today.get(m), lang, 3)}'
        f'{_range_text(today, m, lang)}</td>'
        f'<td class="sp-num sp-eq-plan">{fmt_num(plan.get(m), lang, 3)}'
        f'{_range_text(plan, m, lang)}</td></tr>'
        for m in PANEL_MEASURES if today.get(m) is not None or plan.get(m) is not None)
    ends = next((e.get("ends") for e in d.get("estimates", []) if e.get("ends")), None)
    note = w("estimate note", ends=esc(", ".join(ends))) if ends else ""
    base_line = (w("baseline line", year=year, gini=fmt_num(base.get("gini"), lang, 3),
                   theil=fmt_num(base.get("theil_t"), lang, 3)) if base else "")
    return (f'<details open><summary>{w("Equity")}</summary>'
            f'<table class="sp-plan-equity"><thead><tr><th></th><th class="sp-num">'
            f'{w("today")}</th><th class="sp-num">{w("with plan", year=year)}</th></tr></thead>'
            f'<tbody>{rows}</tbody></table>'
            f'<div class="sp-hint">{base_line}. {w("lower is fairer")} {note}</div></details>')


def _setting_source(key: str, value: Any, scenario_plan: Mapping[str, Any] | None) -> str:
    """"scenario" when the scenario's [plan] gives this value, "run" when it gives another or
    none (an option or a default of this run), "" when the scenario is unknown."""
    if scenario_plan is None:
        return ""
    if key in scenario_plan and scenario_plan[key] == value:
        return "scenario"
    if key == "park_spacing_km" and "park_spacing_km" not in scenario_plan:
        return _setting_source("min_spacing_km", value, scenario_plan)
    return "run" if key in scenario_plan or value not in (None, [], (), "") else ""


def _constraint_items(d: Mapping[str, Any], viability_floor: float | bool | None,
                      lang: str) -> list[str]:
    """One line (escaped HTML) per constraint of the plan."""
    def w(word: str, **values: object) -> str:
        return plan_map_word(word, lang, **values)

    s, c = d.get("settings", {}), d.get("constraints", {})
    items = [w("k sites", k=d.get("k", len(d["chosen"])))]
    cap = s.get("max_per_region")
    items.append(w("max per region", n=cap) if cap else w("no region cap"))
    km, park = s.get("min_spacing_km"), s.get("park_spacing_km", s.get("min_spacing_km"))
    items.append(w("spacing", km=fmt_num(km or 0, lang), park=fmt_num(park or 0, lang))
                 if km or park else w("no spacing"))
    quota = s.get("lagging_quota")
    n_lag = len(c.get("lagging_regions") or [])
    items.append(w("lagging quota", n=quota, rule=esc(s.get("lagging_rule") or ""), m=n_lag)
                 if quota else w("no lagging quota"))
    if viability_floor is not False:
        items.append(w("viability floor", v=fmt_num(viability_floor, lang, 2))
                     if viability_floor is not None else w("no viability floor"))
    share = s.get("cap_share")
    cap_jobs = (d.get("allocation") or {}).get("cap_jobs")
    items.append(w("cap share", pct=fmt_pct(share, lang), jobs=fmt_int(cap_jobs, lang))
                 if share is not None and float(share) < 1 else w("no cap"))
    for key in ("include", "exclude"):
        if s.get(key):
            items.append(w(key + "d", ids=esc(", ".join(map(str, s[key])))))
    if s.get("objective") == "coverage" and s.get("coverage_radius_km"):
        items.append(w("coverage radius", km=fmt_num(s["coverage_radius_km"], lang)))
    return items


def _constraints_html(d: Mapping[str, Any], scenario_plan: Mapping[str, Any] | None,
                      viability_floor: float | bool | None, lang: str) -> str:
    def w(word: str, **values: object) -> str:
        return plan_map_word(word, lang, **values)

    s = d.get("settings", {})
    lines = "".join(f"<li>{x}</li>" for x in _constraint_items(d, viability_floor, lang))
    where: dict[str, list[str]] = {"scenario": [], "run": []}
    for key in SETTING_KEYS:
        src = _setting_source(key, s.get(key), scenario_plan)
        if src and key in s:
            where[src].append(key)
    hint = "; ".join(w("from scenario" if src == "scenario" else "from options",
                       keys=", ".join(keys)) for src, keys in where.items() if keys)
    return (f'<details open><summary>{w("Constraints")}</summary><ul class="sp-plan-rules">'
            f'{lines}</ul>' + (f'<div class="sp-hint">{esc(hint)}</div>' if hint else "")
            + "</details>")


def _sites_html(d: Mapping[str, Any], lang: str) -> str:
    def w(word: str, **values: object) -> str:
        return plan_map_word(word, lang, **values)

    year = d["targets"]["year"]
    rows = []
    for i, c in enumerate(d["chosen"], start=1):
        flags = ('<span class="sp-plan-flag" title="' + w("lagging region") + '">*</span>'
                 if c.get("lagging") else "")
        if c.get("capped"):
            flags += '<span class="sp-plan-flag" title="' + w("at cap") + '">&dagger;</span>'
        rank = "" if c.get("rank") is None else str(int(c["rank"]))
        rows.append(f'<tr class="sp-plan-row" data-order="{i}" data-id="{esc(c["id"])}">'
                    f'<td><span class="sp-plan-badge">{i}</span></td>'
                    f'<td><span class="sp-plan-site">{esc(c["name"])}</span>{flags}</td>'
                    f'<td class="sp-num sp-plan-rank">{rank}</td>'
                    f'<td class="sp-plan-region">{esc(c.get("region") or "")}</td>'
                    f'<td class="sp-num sp-plan-jobs">{fmt_int(c["jobs_2030_added"], lang)}</td>'
                    "</tr>")
    total = sum(int(c["jobs_2030_added"]) for c in d["chosen"])
    keys = [w("lagging key")] if any(c.get("lagging") for c in d["chosen"]) else []
    if any(c.get("capped") for c in d["chosen"]):
        keys.append(w("cap key"))
    return (f'<details open><summary>{w("sites in order")}</summary>'
            f'<table class="sp-plan-sites"><thead><tr><th></th><th>{heading("site", lang)}'
            f'</th><th class="sp-num">{heading("rank", lang)}</th>'
            f'<th>{heading("region", lang)}</th>'
            f'<th class="sp-num">{w("jobs by", year=year)}</th></tr></thead><tbody>'
            + "".join(rows)
            + f'<tr class="sp-plan-total"><td></td><td colspan="3">{w("total")}</td>'
            f'<td class="sp-num">{fmt_int(total, lang)}</td></tr></tbody></table>'
            + (f'<div class="sp-hint">{"; ".join(keys)}</div>' if keys else "")
            + "</details>")


def plan_panel_html(plan: PlanReport | Mapping[str, Any], lang: str = "en", *,
                    scenario_title: str = "", scenario_plan: Mapping[str, Any] | None = None,
                    viability_floor: float | bool | None = False, pack_name: str = "") -> str:
    """The plan map's top-left panel (escaped HTML).

    Parameters
    ----------
    plan
        A :class:`~siteplan.analyses.plan.steps.PlanReport` or its JSON dict.
    lang
        Language of the panel (numbers in its format).
    scenario_title
        Title shown under the heading (default: the plan's ``scenario_title``).
    scenario_plan
        The scenario's ``[plan]`` table, to say which settings came from it (None: not said).
    viability_floor
        The scenario's viability floor (None: no floor; False: unknown, not listed).
    pack_name
        The data pack, named in the last line.
    """
    d = plan_dict(plan)

    def w(word: str, **values: object) -> str:
        return plan_map_word(word, lang, **values)

    year = d["targets"]["year"]
    title = scenario_title or d.get("scenario_title") or d.get("scenario") or ""
    objective = plan_word(str(d.get("objective_kind") or "suitability"), lang)
    solved = w("objective", objective=objective, solver=d.get("solver", ""),
               status=d.get("status", ""))
    return (f'<h3 class="sp-title sp-plan-title">'
            f'{w("plan title", year=year, k=len(d["chosen"]))}</h3>'
            f'<div class="sp-sub">{esc(title)}<br>{esc(solved)}</div>'
            + _sites_html(d, lang)
            + _equity_html(d, lang)
            + _constraints_html(d, scenario_plan, viability_floor, lang)
            + f'<div class="sp-hint">{w("plan hint")} siteplan {esc(__version__)}'
            + (f", {esc(pack_name)}" if pack_name else "") + "</div>")


# --------------------------------------------------------------------------- the stars


def star_popup_html(c: Mapping[str, Any], order: int, k: int, year: int, lang: str) -> str:
    """A new site's plan figures (escaped HTML): order, rank, score, region, jobs, exports."""
    def w(word: str, **values: object) -> str:
        return plan_map_word(word, lang, **values)

    where = ", ".join(esc(x) for x in (c.get("province"), c.get("region")) if x)
    rows = [(w("Rank"), "" if c.get("rank") is None else str(c["rank"])),
            (w("Score"), fmt_num(c.get("score"), lang, 3)),
            (w("jobs added", year=year), fmt_int(c.get("jobs_2030_added"), lang)),
            (w("exports added", year=year), fmt_num(c.get("exports_2030_added_mad_m"), lang, 1))]
    if c.get("lagging"):
        rows.append((w("lagging region"), w("yes")))
    if c.get("capped"):
        rows.append((w("at cap"), w("yes")))
    table = "".join(f"<tr><th>{a}</th><td class=\"sp-num\">{b}</td></tr>" for a, b in rows)
    return (f'<div class="sp-popup sp-plan-popup"><h4 class="sp-site-name">{esc(c["name"])}</h4>'
            f'<div class="sp-where">{where}</div>'
            f'<div class="sp-status"><b>{w("plan order", n=order, k=k)}</b></div>'
            f'<table class="sp-breakdown">{table}</table></div>')


def star_data(d: Mapping[str, Any], lang: str, extra_popups: Mapping[str, str] | None = None
              ) -> list[dict[str, Any]]:
    """What the stars' script draws: one entry per new site, in plan order."""
    year = int(d["targets"]["year"])
    k = len(d["chosen"])
    out = []
    for i, c in enumerate(d["chosen"], start=1):
        if c.get("lat") is None or c.get("lon") is None:
            continue
        popup = star_popup_html(c, i, k, year, lang)
        if extra_popups and str(c["id"]) in extra_popups:
            popup += '<hr class="sp-plan-sep">' + extra_popups[str(c["id"])]
        out.append({"order": i, "id": str(c["id"]), "lat": float(c["lat"]),
                    "lon": float(c["lon"]), "popup": popup,
                    "tip": f"<b>{esc(c['name'])}</b><br>"
                           + plan_map_word("plan order", lang, n=i, k=k)})
    return out


_STAR_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="{px}" height="{px}" viewBox="-21 -21 42 42">'
    '<path class="sp-plan-star" d="{path}" fill="{colour}" stroke="#ffffff" stroke-width="2.5" '
    'stroke-linejoin="round"/><text class="sp-plan-num" x="0" y="4.5" text-anchor="middle" '
    'font-size="12" font-weight="700" fill="#ffffff"></text></svg>')


def _star_path(outer: float = 19.5, inner: float = 10.5) -> str:
    import math

    pts = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        a = -math.pi / 2 + i * math.pi / 5
        pts.append(f"{r * math.cos(a):.2f},{r * math.sin(a):.2f}")
    return "M" + " L".join(pts) + " Z"


_PLAN_JS = """
(function (map, stars, px, colour) {
    var half = px / 2, items = [];
    stars.forEach(function (s) {
        var ll = L.latLng(s.lat, s.lon);
        var leader = L.polyline([ll, ll], {pane: "sp-plan", color: colour, weight: 2,
            opacity: 0.9, interactive: false, className: "sp-plan-leader"}).addTo(map);
        var pin = L.circleMarker(ll, {pane: "sp-plan-pins", radius: 4, color: "#ffffff",
            weight: 1.5, fillColor: colour, fillOpacity: 1, className: "sp-plan-pin"});
        var mk = L.marker(ll, {pane: "sp-plan", keyboard: true, riseOnHover: true,
            icon: L.divIcon({className: "sp-plan-marker", html: %(svg)s,
                             iconSize: [px, px], iconAnchor: [half, half]})});
        mk.bindPopup(s.popup, {maxWidth: 460, maxHeight: 440});
        mk.bindTooltip(s.tip, {direction: "top", offset: [0, -half]});
        pin.bindPopup(s.popup, {maxWidth: 460, maxHeight: 440});
        pin.bindTooltip(s.tip);
        mk.addTo(map);
        var el = mk.getElement();
        el.setAttribute("data-order", String(s.order));
        el.setAttribute("data-id", s.id);
        el.querySelector("text").textContent = String(s.order);
        items.push({s: s, ll: ll, mk: mk, pin: pin, leader: leader});
    });
    function overlaps(a, b, gap) {
        return Math.abs(a.x - b.x) < px + gap && Math.abs(a.y - b.y) < px + gap;
    }
    // each star at its site, or (when it would cover a star placed before it) on the first
    // free spot of rings around it, trying first the side away from the star it would
    // cover, with a dot at the site and a line to the star
    function place() {
        var placed = [];
        items.forEach(function (it) {
            var p = map.latLngToLayerPoint(it.ll), best = null, away = -Math.PI / 2;
            for (var j = 0; j < placed.length; j++) {
                if (overlaps(p, placed[j], 2)) {
                    away = Math.atan2(p.y - placed[j].y, p.x - placed[j].x);
                    if (p.distanceTo(placed[j]) < 0.5) { away = -Math.PI / 2; }
                    break;
                }
            }
            for (var ring = 0; ring < 8 && best === null; ring++) {
                var n = ring === 0 ? 1 : 12;
                for (var a = 0; a < n && best === null; a++) {
                    // away, then alternately either side of it
                    var step = Math.ceil(a / 2) * (a %% 2 ? 1 : -1);
                    var ang = away + step * 2 * Math.PI / n;
                    var c = ring === 0 ? p : p.add(L.point(Math.cos(ang), Math.sin(ang))
                                                     .multiplyBy(ring * px * 0.8));
                    var free = true;
                    for (var i = 0; i < placed.length; i++) {
                        if (overlaps(c, placed[i], 2)) { free = false; break; }
                    }
                    if (free) { best = c; }
                }
            }
            if (best === null) { best = p; }
            placed.push(best);
            var moved = best.distanceTo(p) > 0.5, at = map.layerPointToLatLng(best);
            it.mk.setLatLng(moved ? at : it.ll);
            it.leader.setLatLngs(moved ? [it.ll, at] : [it.ll, it.ll]);
            if (moved && !map.hasLayer(it.pin)) { it.pin.addTo(map); }
            if (!moved && map.hasLayer(it.pin)) { map.removeLayer(it.pin); }
            it.mk.getElement().setAttribute("data-moved", moved ? "1" : "0");
        });
        hideCovered();
    }
    // place names and rank labels under a star are hidden (the stars win)
    function hideCovered() {
        var boxes = items.map(function (it) { return it.mk.getElement().getBoundingClientRect(); });
        document.querySelectorAll("#" + map.getContainer().id + " .sp-place, #"
                                  + map.getContainer().id + " .sp-rank-label")
            .forEach(function (el) {
                if (el.style.display === "none" || !el.firstChild) { return; }
                var b = el.firstChild.getBoundingClientRect();
                for (var i = 0; i < boxes.length; i++) {
                    var s = boxes[i];
                    if (b.left < s.right && s.left < b.right && b.top < s.bottom
                        && s.top < b.bottom) { el.style.display = "none"; return; }
                }
            });
    }
    map.on("zoomend viewreset", function () { setTimeout(place, 0); });
    map.whenReady(function () { setTimeout(place, 0); });
})(%(map)s, %(stars)s, %(px)d, %(colour)s);
"""

_PLAN_CSS = """
<style>
.leaflet-container path.sp-site { fill-opacity: 0.38; stroke-opacity: 0.45; }
.leaflet-container .sp-plan-marker { background: transparent; border: 0; }
.leaflet-container .sp-plan-marker svg { display: block; overflow: visible;
  filter: drop-shadow(0 1px 2px rgba(0,0,0,.55)); }
.leaflet-container .sp-plan-marker svg, .leaflet-container .sp-plan-marker text {
  pointer-events: none; }
.leaflet-container .sp-plan-marker path.sp-plan-star { pointer-events: visiblePainted;
  cursor: pointer; }
.leaflet-container .sp-plan-badge { display: inline-block; min-width: 16px; height: 16px;
  line-height: 16px; border-radius: 8px; background: %(colour)s; color: #fff;
  font-weight: 700; text-align: center; font-size: 11px; }
.leaflet-container .sp-plan-sites th, .leaflet-container .sp-plan-equity th {
  text-align: left; font-weight: 600; padding-right: 4px; }
.leaflet-container .sp-plan-sites th.sp-num, .leaflet-container .sp-plan-equity th.sp-num {
  text-align: right; }
.leaflet-container .sp-plan-sites td { padding-bottom: 2px; }
.leaflet-container .sp-plan-total td { border-top: 1px solid #bbb; font-weight: 600; }
.leaflet-container .sp-plan-rules { margin: 2px 0 2px 16px; padding: 0; }
.leaflet-container .sp-range { color: #666; font-size: 10px; }
.leaflet-container .sp-title-panel.sp-panel { max-width: 360px; max-height: 74vh; }
.leaflet-container .sp-plan-sites td.sp-plan-region { font-size: 10px; color: #444; }
.leaflet-container .sp-plan-flag { color: #8c2d04; font-weight: 700; margin-left: 2px;
  cursor: help; }
.leaflet-container .sp-plan-sep { border: 0; border-top: 1px solid #ccc; margin: 6px 0; }
</style>
"""


def add_plan_markers(m: folium.Map, stars: Sequence[Mapping[str, Any]],
                     dim_candidates: bool = True, px: int = STAR_PX) -> None:
    """Draw the numbered stars of a plan's new sites on ``m`` (see the module docstring).

    ``stars`` come from :func:`star_data`. With ``dim_candidates`` the candidate circles
    are drawn lighter so that the stars stand out (the plan map; the compare map keeps its
    score colours bright). ``px``: the stars' size in pixels.
    """
    from branca.element import Element, MacroElement
    from folium.map import CustomPane
    from jinja2 import Template

    for pane, z in PLAN_PANES:
        CustomPane(pane, z_index=z, pointer_events=True).add_to(m)
    root = m.get_root()
    css = _PLAN_CSS % {"colour": PLAN_COLOUR}
    if not dim_candidates:
        css = css.replace(".leaflet-container path.sp-site { fill-opacity: 0.38; "
                          "stroke-opacity: 0.45; }\n", "")
    root.header.add_child(Element(css), name="sp_plan_css")  # type: ignore[attr-defined]
    svg = _STAR_SVG.format(px=px, path=_star_path(), colour=PLAN_COLOUR)
    code = _PLAN_JS % {"map": m.get_name(), "stars": script_json(list(stars)),
                       "px": px, "colour": script_json(PLAN_COLOUR),
                       "svg": script_json(svg)}
    el = MacroElement()
    el._template = Template("{% macro script(this, kwargs) %}{{ this.sp_code }}{% endmacro %}")
    el.sp_code = code  # type: ignore[attr-defined]
    m.add_child(el, name="sp_plan_markers")


def legend_star_html(lang: str) -> str:
    """The legend row of the stars (escaped HTML)."""
    svg = _STAR_SVG.format(px=18, path=_star_path(), colour=PLAN_COLOUR)
    return (f'<div class="sp-legend-row sp-plan-legend">{svg}'
            f'<span>{plan_map_word("chosen legend", lang)}</span></div>')


# --------------------------------------------------------------------------- the map


_HEAD = re.compile(r'<h4 class="sp-site-name">.*?</h4><div class="sp-where">.*?</div>', re.S)


def render_plan_map(ranking: Ranking, plan: PlanReport | Mapping[str, Any], *,
                    pack: Pack | None = None, lang: str = "en", zones: str = "regions",
                    indicator: str | None = None, self_contained: bool = True,
                    tiles: str | None = None) -> folium.Map:
    """Draw a plan over its ranking: the plan panel, numbered stars, dimmed candidates.

    Parameters
    ----------
    ranking
        The ranking the plan was made from (its candidates are drawn, dimmed, clickable).
    plan
        A :class:`~siteplan.analyses.plan.steps.PlanReport` or its JSON dict
        (``siteplan plan -o plan.json``).
    pack, lang, zones, indicator, self_contained, tiles
        As for :func:`siteplan.outputs.html_map.render_map`.

    Returns
    -------
    folium.Map
    """
    d = plan_dict(plan)
    scen = ranking.scenario
    panel = plan_panel_html(d, lang, scenario_title=scen.title_in(lang) or scen.name,
                            scenario_plan=dict(scen.plan or {}),
                            viability_floor=scen.viability_floor,
                            pack_name=ranking.pack_name or "")
    m = render_map(ranking, pack=pack, indicator=indicator, zones=zones, tiles=tiles,
                   self_contained=self_contained, top_n=0, lang=lang, sliders=False,
                   panel=panel + legend_star_html(lang))
    n_ranked = len(ranking.included)
    sites = ranking.sites.set_index(ranking.sites["id"].astype(str), drop=False)
    # the candidate's score breakdown under the plan figures, without its name and place
    # (the star's popup starts with them)
    popups = {str(c["id"]): _HEAD.sub("", site_popup_html(ranking, sites.loc[str(c["id"])],
                                                          n_ranked, lang), count=1)
              for c in d["chosen"] if str(c["id"]) in sites.index}
    add_plan_markers(m, star_data(d, lang, popups))
    inc = ranking.included
    if len(inc):
        # the candidates (where a plan can put its sites) at national zoom, clear of the
        # plan panel (left) and of the layer list and legend (right)
        m.fit_bounds([[float(inc["lat"].min()), float(inc["lon"].min())],
                      [float(inc["lat"].max()), float(inc["lon"].max())]],
                     padding_top_left=(380, 30), padding_bottom_right=(320, 30), max_zoom=7)
    return m


def save_plan_map(ranking: Ranking, plan: PlanReport | Mapping[str, Any],
                  path: str | os.PathLike[str], *, overwrite: bool = False,
                  **options: Any) -> Path:
    """Render :func:`render_plan_map` and write it as one HTML file, atomically.

    Refuses a path that does not end in ``.html`` and an existing file without
    ``overwrite`` (one-line :class:`~siteplan.errors.OutputError`) before any drawing.
    """
    p = check_writable(path, overwrite)
    if HTML_MAP.format_of(p) is None:
        raise OutputError(f"{p}: a map is written as HTML; give a path ending in .html")
    m = render_plan_map(ranking, plan, **options)
    page = map_html(m)
    if options.get("self_contained", True):
        inline_resources(page)  # raises if anything outside is referenced
    return write_text_atomic(p, page, overwrite=overwrite)
