"""Interactive HTML maps of a ranking (the only module that imports folium).

:func:`render_map` draws, on a Leaflet map built with folium:

* the zones of the pack (regions or provinces) as a choropleth of one indicator
  (default ``need_index``, "regional need"), classed by :mod:`siteplan.outputs.cartography`;
* the candidate sites as circle markers coloured by score and sized by rank, the
  top N labelled with their rank, excluded sites in grey with their reasons;
  each site's popup holds the score breakdown table and an inline SVG bar chart;
* the context layers of the pack (universities, airports, railway stations, ports,
  motorway access, existing parks) as toggleable layers;
* any :class:`siteplan.outputs.overlay.Overlay` (sensitivity, plan, surface results) as
  its own toggleable layer;
* the pack's offline basemap (land, coastline, borders, place names: see
  :mod:`siteplan.outputs.basemap`), with place names and rank labels decluttered;
* a title panel, a legend, a layer control, a scale bar and a full-screen button.

Self-contained maps (the default) embed every JavaScript and CSS resource inline,
taken from the installed ``folium-offline`` package (which ships folium's CDN
resources), so that the HTML opens where outside resources are blocked. No
background tiles are drawn unless a tile URL template is given (e.g. a local tile
server); the zone polygons are the base map.

Security: every user-supplied string (site names, reasons, criterion labels,
layer names, scenario title, overlay names and values) is HTML-escaped, and the
characters that would break out of folium's JavaScript template literals (`` ` ``,
``$``, ``\\``) are escaped as HTML entities too.

The helpers that prepare zones and classes (:func:`zone_choropleth`,
:func:`classify`, :func:`score_colours`) import no folium, so
:func:`siteplan.charts.static_map` shares them.
"""

from __future__ import annotations

import html
import logging
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan import __version__
from siteplan._atomic import check_writable, write_text_atomic
from siteplan.errors import DataError, LayerError, OutputError, UsageError
from siteplan.outputs.basemap import SEA_COLOUR, add_basemap, add_label_script, basemap_places
from siteplan.outputs.cartography import (
    BACKGROUND,
    COORD_DECIMALS,
    EXCLUDED_COLOUR,
    NO_DATA_COLOUR,
    SCHEME_TITLES,
    SCHEMES,
    SCORE_CMAP,
    SITE_RADIUS,
    ZONE_LAYERS,
    Choropleth,
    _colormap,
    _hex,
    default_pack,
    fmt_number,
    ramp_colours,
    score_colours,
    score_range,
    simplify_zones,
    zone_choropleth,
)
from siteplan.outputs.formats import HTML_MAP
from siteplan.outputs.language import (
    fmt_num,
    fmt_pct,
    heading,
    map_word,
    overlay_word,
    reason_in,
    value_word,
)
from siteplan.phrases import number_in
from siteplan.scenario import LENSES, METHOD_INFO

if TYPE_CHECKING:
    import folium
    from numpy.typing import NDArray

    from siteplan.layers.pack import Pack
    from siteplan.outputs.overlay import Overlay
    from siteplan.scoring.ranking import Ranking

log = logging.getLogger("siteplan")

#: folium's default resources a siteplan map needs (Leaflet; jQuery for popups)
KEEP_JS = ("leaflet", "jquery")
KEEP_CSS = ("leaflet_css",)

#: colours of the context layers: Okabe and Ito's colour-blind-safe qualitative palette
#: (bluish green, black, sky blue, blue, orange, reddish purple) and a mid grey; under
#: simulated deuteranopia, protanopia and tritanopia (colorspacious, severity 100) every
#: pair stays at least 10 CAM02-UCS units apart (tests/outputs/test_html_map.py)
CONTEXT_COLOURS = {"universities": "#009e73", "airports": "#000000", "rail_stations": "#56b4e9",
                   "ports": "#0072b2", "motorway_access": "#e69f00", "parks": "#cc79a7"}
RAIL_CONVENTIONAL = "#666666"
# (layer, layer-control title, size column, shown at start, tooltip fields); titles and
# field labels are map words (English keys, translated by map_word)
CONTEXT_LAYERS: tuple[tuple[str, str, str | None, bool, tuple[tuple[str, str], ...]], ...] = (
    ("universities", "Universities (size: students)", "students", True,
     (("city", "city"), ("type", "type"), ("students", "students"), ("ict", "ICT courses"))),
    ("airports", "Airports (size: passengers 2024)", "passengers_2024", True,
     (("city", "city"), ("id", "IATA"), ("passengers_2024", "passengers 2024"),
      ("international", "international"))),
    ("rail_stations", "Railway stations", None, False,
     (("city", "city"), ("line", "line"), ("high_speed", "high speed"), ("planned", "planned"))),
    ("ports", "Ports", None, False, (("city", "city"), ("kind", "kind"))),
    ("motorway_access", "Motorway access", None, False,
     (("city", "city"), ("motorway", "motorway"))),
    ("parks", "Existing offshoring parks and technoparks", None, True,
     (("city", "city"), ("kind", "kind"), ("opening_year", "opened"), ("jobs", "jobs"))),
)
#: a rank label is a badge centred this many px up and left of its site's centre, on the
#: rim of the circle: the centre stays free for the context points drawn there (a town's
#: universities), which a label over the centre would hide
RANK_BADGE_OFFSET = 10
#: context points stay smaller than the smallest ranked candidate circle (SITE_RADIUS[0])
CONTEXT_MAX_RADIUS = 6.0
#: map panes below Leaflet's overlay pane (z 400, where the sites are): zones, then
#: raster/polygon overlays, then context points; toggling a layer keeps this order
PANES = (("sp-base", 370), ("sp-zones", 380), ("sp-raster", 385), ("sp-lines", 388),
         ("sp-context", 410),
         ("sp-picks", 450), ("sp-labels", 460))
# sp-base: the pack's offline basemap (land, borders) under everything; sp-context sits
# above the candidate circles (their points are smaller), so that a university or a park
# at a town's centre stays visible and clickable over that town's candidate site;
# sp-labels: city names and rank labels, which never take clicks
# sp-picks: points of analysis overlays (a plan's chosen sites, hotspots), drawn above the
# candidate sites (Leaflet's overlay pane, 400) so that the result of an analysis stands out


# --------------------------------------------------------------------------- escaping


def esc(value: Any) -> str:
    """HTML-escape ``value`` for popups, tooltips, labels and panels.

    Besides ``& < > " '`` this escapes `` ` ``, ``$`` and ``\\`` as entities, because
    folium inserts popup and tooltip HTML into JavaScript template literals.
    """
    text = html.escape("" if value is None else str(value), quote=True)
    return text.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def _bar_chart_svg(rows: Sequence[tuple[str, float, float]], width: int = 380) -> str:
    """Inline SVG: one bar per weighted criterion (grey = weight, colour = contribution)."""
    if not rows:
        return ""
    label_w, bar_w, row_h = 190, width - 190 - 40, 14
    height = row_h * len(rows) + 4
    top = max(w for _, w, _ in rows) or 1.0
    parts = [f'<svg class="sp-bars" xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             'aria-label="contribution of each criterion to the score">']
    for i, (label, weight, contrib) in enumerate(rows):
        y = 2 + i * row_h
        short = label if len(label) <= 36 else label[:35] + "…"
        wlen = bar_w * weight / top
        clen = 0.0 if math.isnan(contrib) else bar_w * max(0.0, contrib) / top
        parts.append(f'<g><title>{esc(label)}</title>'
                     f'<text x="{label_w - 4}" y="{y + 10}" text-anchor="end" font-size="9">'
                     f'{esc(short)}</text>'
                     f'<rect x="{label_w}" y="{y + 2}" width="{wlen:.1f}" height="9" '
                     'fill="#e0e0e0"/>'
                     f'<rect x="{label_w}" y="{y + 2}" width="{clen:.1f}" height="9" '
                     'fill="#e6550d"/>'
                     f'<text x="{label_w + max(wlen, clen) + 3:.1f}" y="{y + 10}" '
                     f'font-size="9">{"" if math.isnan(contrib) else f"{contrib:.3f}"}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _as_float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def site_popup_html(ranking: Ranking, row: Any, n_ranked: int, lang: str = "en") -> str:
    """The popup of one site, in ``lang``: identity, rank and score, breakdown table and
    bar chart."""
    def w(word: str, **values: object) -> str:
        return map_word(word, lang, **values)

    def num(v: float, digits: int) -> str:
        return fmt_num(v, lang, digits)

    sid = str(row["id"])
    excluded = bool(row["excluded"])
    scen = ranking.scenario
    labels = {c.name: c.display_in(lang) for c in scen.criteria}
    head = [f'<div class="sp-popup"><h4 class="sp-site-name">{esc(row["name"])}</h4>',
            f'<div class="sp-where">{esc(row["province"] or "")}'
            f'{", " if row["province"] and row["region"] else ""}{esc(row["region"] or "")}</div>']
    if excluded:
        reasons = "".join(f"<li>{esc(reason_in(r, scen, lang))}</li>"
                          for r in row["reasons"]) or f"<li>{w('excluded')}</li>"
        head.append(f'<div class="sp-status sp-excluded-status"><b>{w("Excluded")}</b>'
                    f"<ul>{reasons}</ul></div>")
    else:
        head.append(f'<div class="sp-status">{w("Rank")} <b class="sp-rank">{int(row["rank"])}'
                    f'</b> {w("of")} {n_ranked} &middot; score <b class="sp-score">'
                    f'{num(float(row["score"]), 3)}</b></div>')
    lenses = [(lens, _as_float(row[lens]) if lens in row.index else float("nan"))
              for lens in LENSES]
    if any(not math.isnan(v) for _, v in lenses):
        parts = " &middot; ".join(
            f'{heading(lens, lang)} <b class="sp-{lens}">'
            f'{"-" if math.isnan(v) else num(v, 3)}</b>' for lens, v in lenses)
        head.append(f'<div class="sp-lenses" title="{w("lenses hint")}">{parts}</div>')
    additive = ranking.method == "wlc"
    table = [f'<table class="sp-breakdown"><thead><tr><th>{heading("criterion", lang)}</th>'
             f'<th>{heading("value", lang)}</th><th>score</th><th>{heading("weight", lang)}'
             f'</th><th>{w("contrib.") if additive else w("w x score")}</th></tr></thead>'
             "<tbody>"]
    bars: list[tuple[str, float, float]] = []
    for info in ranking.criteria:
        wt = float(ranking.weights.get(info.name, 0.0))
        raw = (_as_float(ranking.raw.at[sid, info.name]) if info.name in ranking.raw.columns
               else float("nan"))
        score = (_as_float(ranking.values.at[sid, info.name])
                 if info.name in ranking.values.columns else float("nan"))
        contrib = score * wt if wt else float("nan")
        arrow = "&#8593;" if info.direction == "benefit" else "&#8595;"
        label = labels.get(info.name, info.label)
        unit = next((c.unit_in(lang) for c in scen.criteria if c.name == info.name), info.unit)
        value = fmt_number(raw, unit)
        table.append(
            f'<tr><td title="{esc(info.description)}">{esc(label)} '
            f'<span class="sp-dir" title="{esc(value_word(info.direction, lang))}">{arrow}'
            "</span></td>"
            f'<td class="sp-num">{esc(number_in(value, lang) if lang != "en" else value)}</td>'
            f'<td class="sp-num">{"-" if not wt or math.isnan(score) else num(score, 2)}</td>'
            f'<td class="sp-num">{fmt_pct(wt, lang) if wt else "-"}</td>'
            f'<td class="sp-num">{"-" if not wt or math.isnan(contrib) else num(contrib, 3)}'
            "</td></tr>")
        if wt:
            bars.append((label, wt, contrib))
    table.append("</tbody></table>")
    notes = "".join(f"<li>{esc(reason_in(n, scen, lang))}</li>" for n in row["notes"])
    hint = (w("bars additive") if additive else
            w("bars other", method=esc(METHOD_INFO[ranking.method].label_in(lang))))
    chart = (_bar_chart_svg(bars) + f'<div class="sp-hint">{hint}</div>') if bars and \
        not excluded else ""
    tail = [chart,
            f'<ul class="sp-notes">{notes}</ul>' if notes else "",
            "</div>"]
    return "".join(head + table + tail)


def _gradient_css(cmap: str, stops: int = 7) -> str:
    cm = _colormap(cmap)
    cols = ", ".join(_hex(cm(i / (stops - 1))) for i in range(stops))
    return f"linear-gradient(to right, {cols})"


def _ramp_html(caption: str, vmin: float, vmax: float, cmap: str) -> str:
    return (f'<div class="sp-legend-title">{caption}</div>'
            f'<div class="sp-ramp" style="background: {_gradient_css(cmap)}"></div>'
            f'<div class="sp-ramp-labels"><span>{esc(fmt_number(vmin))}</span>'
            f'<span>{esc(fmt_number(vmax))}</span></div>')


def _swatch(colour: str, label: str, circle: bool = False, dashed: bool = False,
            fill: str | None = None) -> str:
    cls = "sp-swatch sp-dot" if circle else "sp-swatch"
    border = f"border: 1.5px {'dashed' if dashed else 'solid'} {colour};"
    return (f'<div class="sp-legend-row"><span class="{cls}" style="background: '
            f'{fill or colour}; {border}"></span>{label}</div>')


# --------------------------------------------------------------------------- folium parts


def _macro_classes() -> tuple[type, type]:
    """Folium elements defined lazily (folium is imported only when drawing)."""
    from branca.element import Figure, MacroElement
    from jinja2 import Template

    class HtmlControl(MacroElement):
        """A Leaflet control whose content is pre-escaped HTML placed in the page body."""

        _template = Template("""
{% macro html(this, kwargs) %}<div id="{{ this.get_name() }}" class="{{ this.css_class }}">{{
 this.content }}</div>{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
    var ctl = L.control({position: {{ this.position|tojson }}});
    ctl.onAdd = function () {
        var div = document.getElementById({{ this.get_name()|tojson }});
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
    };
    ctl.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")

        def __init__(self, content: str, position: str, css_class: str) -> None:
            super().__init__()
            self._name = "HtmlControl"
            self.content = content
            self.position = position
            self.css_class = css_class

    class SelfContainedFigure(Figure):
        """A Figure whose rendered HTML has every script and stylesheet inline."""

        def render(self, **kwargs: Any) -> str:
            return inline_resources(str(super().render(**kwargs)))

    return HtmlControl, SelfContainedFigure


_SCRIPT_TAG = re.compile(r'<script\s+src="(https?://[^"]+)"\s*>\s*</script>')
_LINK_TAG = re.compile(r'<link\s+rel="stylesheet"\s+href="(https?://[^"]+)"\s*/?>')
_EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?"""
                       r"""(?:https?:)?//""", re.IGNORECASE)


def _offline_resources() -> Mapping[str, str]:
    """URL -> content of the JS/CSS resources shipped by ``folium-offline``."""
    try:
        from offlinefolium import elements
    except ImportError:
        raise OutputError("self-contained maps need the 'folium-offline' package (pip install "
                          "folium-offline), or pass --online") from None
    res = getattr(elements, "_res", None)
    if not isinstance(res, Mapping):
        raise OutputError("the installed folium-offline has no resource table; install "
                          "folium-offline matching folium, or pass --online")
    return res


def inline_resources(page: str) -> str:
    """Replace every ``<script src=http...>``/``<link href=http...>`` by inline content.

    Raises OutputError naming the resource when folium-offline lacks one, so that a
    map claimed self-contained never silently links a CDN.
    """
    res = _offline_resources()

    def body(url: str) -> str:
        text = res.get(url)
        if text is None:
            raise OutputError(f"self-contained map: folium-offline has no copy of {url}; "
                              "install a folium-offline matching folium or pass --online")
        return str(text)

    def script(m: re.Match[str]) -> str:
        code = re.sub(r"</(script)", r"<\\/\1", body(m.group(1)), flags=re.IGNORECASE)
        return f"<script>{code}</script>"

    def link(m: re.Match[str]) -> str:
        css = re.sub(r"</(style)", r"<\\/\1", body(m.group(1)), flags=re.IGNORECASE)
        return f"<style>{css}</style>"

    out = _LINK_TAG.sub(link, _SCRIPT_TAG.sub(script, page))
    left = _EXTERNAL.search(out)
    if left:
        raise OutputError(f"self-contained map still references an outside resource "
                          f"({out[left.start():left.start() + 80]!r}); pass --online or report it")
    return out


def _check_tiles(tiles: str) -> None:
    if not all(t in tiles for t in ("{z}", "{x}", "{y}")):
        raise UsageError(f"--tiles '{tiles}': a tile URL template needs {{z}}, {{x}} and {{y}}, "
                         "e.g. http://localhost:8080/{z}/{x}/{y}.png")


def _context_value(column: str, v: Any, lang: str) -> str:
    """A context attribute as text: years as they are (2008, not 2,008), numbers with the
    language's separators."""
    if isinstance(v, str):
        return v
    if column.endswith("year"):
        return str(int(v))
    if lang == "en":
        return fmt_number(v)
    return fmt_num(v, lang, 0 if float(v).is_integer() else 1)


def _point_layer(m: folium.Map, pack: Pack, spec: tuple[Any, ...],
                 legend: list[str], lang: str = "en") -> None:
    """One context layer: a point per feature (tooltip and popup: its name and fields)."""
    import folium

    name, title, size_col, show, fields = spec
    colour = CONTEXT_COLOURS[name]
    title = map_word(title, lang)
    if name not in pack.layer_names:
        return
    try:
        gdf = pack.layer(name)
    except (LayerError, OSError) as exc:
        if name in pack.overrides:
            raise  # the user asked for this file: a broken one is an error, not a gap
        log.warning("map: layer '%s' skipped (%s)", name, exc)
        return
    if gdf.empty:
        return
    group = folium.FeatureGroup(name=esc(title), show=show)
    sizes = None
    if size_col and size_col in gdf.columns:
        vals = gdf[size_col].to_numpy(dtype=np.float64)
        top = np.nanmax(vals) if np.isfinite(vals).any() else np.nan
        # at most CONTEXT_MAX_RADIUS px, below the smallest candidate circle, so that a
        # context point drawn over a town's candidate leaves that circle's ring clickable
        sizes = np.where(np.isfinite(vals) & (top > 0), 2.5 + (CONTEXT_MAX_RADIUS - 2.5) * np.sqrt(
            np.clip(np.nan_to_num(vals) / (top if top > 0 else 1.0), 0, 1)), 3.0)
    css = "sp-" + {"universities": "university", "airports": "airport", "rail_stations": "rail",
                   "ports": "port", "motorway_access": "motorway", "parks": "park"}[name]
    records = gdf.drop(columns="geometry").to_dict("records")
    for i, geom in enumerate(gdf.geometry):
        if geom is None or geom.is_empty:
            continue
        rec = records[i]
        label = rec.get("name") or rec.get("id") or ""
        extra = []
        for col, lab in fields:
            v = rec.get(col)
            if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
                continue
            if isinstance(v, bool | np.bool_):
                v = map_word("yes" if v else "no", lang)
            extra.append(f"{esc(map_word(lab, lang))}: {esc(_context_value(col, v, lang))}")
        tip = f"<b>{esc(label)}</b>" + "".join(f"<br>{e}" for e in extra)
        fill, dash, radius = colour, None, 4.0
        if name == "rail_stations":
            hs, planned = bool(rec.get("high_speed")), bool(rec.get("planned"))
            fill = colour if hs else RAIL_CONVENTIONAL
            radius = 5.0 if hs else 3.5
            if planned:
                dash = "3 2"
        if sizes is not None:
            radius = round(float(sizes[i]), 1)
        marker = folium.CircleMarker(
            location=[float(geom.y), float(geom.x)], radius=radius, color=fill,
            weight=1.5 if dash else 1, fill=True,
            fill_color="#ffffff" if dash else fill, fill_opacity=0.85, dash_array=dash,
            class_name=css, tooltip=folium.Tooltip(tip))
        marker.options["pane"] = "sp-context"
        marker.add_to(group)
    group.add_to(m)
    if name == "rail_stations":
        legend.append(_swatch(colour, map_word("high-speed station", lang), circle=True))
        legend.append(_swatch(RAIL_CONVENTIONAL, map_word("other station", lang), circle=True))
        legend.append(_swatch(colour, map_word("planned station", lang), circle=True,
                              dashed=True, fill="#ffffff"))
    else:
        legend.append(_swatch(colour, esc(title), circle=True))


def _overlay_values(ov: Overlay) -> tuple[NDArray[np.float64] | None, float, float]:
    if ov.data is None or not ov.value_column:
        return None, 0.0, 1.0
    if ov.value_column not in ov.data.columns:
        raise UsageError(f"overlay '{ov.name}': value_column '{ov.value_column}' is not a "
                         f"column; columns: {', '.join(map(str, ov.data.columns))}")
    try:
        v = ov.data[ov.value_column].to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise UsageError(f"overlay '{ov.name}': value_column '{ov.value_column}' is not "
                         "numeric") from None
    fin = v[np.isfinite(v)]
    vmin = ov.vmin if ov.vmin is not None else (float(fin.min()) if fin.size else 0.0)
    vmax = ov.vmax if ov.vmax is not None else (float(fin.max()) if fin.size else 1.0)
    return v, float(vmin), float(vmax)


def _overlay_popup(ov: Overlay, rec: Mapping[str, Any]) -> str:
    rows = []
    for col, lab in ov.popup_columns.items():
        v = rec.get(col)
        text = v if isinstance(v, str) else fmt_number(v)
        rows.append(f"<tr><th>{esc(lab)}</th><td>{esc(text)}</td></tr>")
    title = esc(rec.get(ov.label_column, "")) if ov.label_column else ""
    return (f'<div class="sp-popup"><h4>{title}</h4><div class="sp-where">{esc(ov.name)}</div>'
            f'<table class="sp-breakdown">{"".join(rows)}</table></div>')


def _mercator_rows(img: NDArray[Any], south: float, north: float) -> NDArray[Any]:
    """Resample image rows (evenly spaced in latitude) to Web Mercator (nearest row)."""
    h = img.shape[0]

    def merc(lat: float | NDArray[np.float64]) -> Any:
        return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))

    ys = np.linspace(merc(north), merc(south), h)
    lats = np.degrees(2 * np.arctan(np.exp(ys)) - np.pi / 2)
    src = np.clip(((north - lats) / (north - south) * h).astype(int), 0, h - 1)
    return img[src]


def _add_overlay(m: folium.Map, ov: Overlay, legend: list[str], lang: str = "en") -> None:
    import folium
    from folium.raster_layers import ImageOverlay

    if ov.kind == "cells":
        from siteplan.outputs.surface_map import add_cells

        legend.append(add_cells(m, ov, lang))
        return
    if ov.kind == "verdicts":
        from siteplan.outputs.stability_map import add_verdicts

        legend.append(add_verdicts(m, ov, lang))
        return
    name = esc(ov.name)
    caption = esc(ov.legend or ov.name)
    if ov.kind == "image":
        img = np.asarray(ov.image)
        if img.ndim != 3 or img.shape[2] not in (3, 4):
            raise UsageError(f"overlay '{ov.name}': image must be an RGBA (rows x cols x 4) "
                             f"array, got shape {img.shape}")
        if img.dtype != np.uint8:
            img = np.clip(img, 0, 255).astype(np.uint8)
        (south, west), (north, east) = ((float(a), float(b)) for a, b in ov.bounds or ())
        if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
            raise UsageError(f"overlay '{ov.name}': bounds must be ((south, west), (north, east)) "
                             "in degrees")
        ImageOverlay(_mercator_rows(img, south, north), bounds=[[south, west], [north, east]],
                     opacity=ov.opacity, name=name, show=ov.show, class_name="sp-overlay-image",
                     pane="sp-raster").add_to(m)
        if ov.vmin is not None and ov.vmax is not None:
            legend.append(_ramp_html(caption, ov.vmin, ov.vmax, ov.colormap))
        else:
            legend.append(f'<div class="sp-legend-title">{caption}</div>')
        return
    assert ov.data is not None  # checked by Overlay.__post_init__
    data = ov.data
    if data.crs is not None and not data.crs.equals("EPSG:4326"):
        data = data.to_crs("EPSG:4326")
    values, vmin, vmax = _overlay_values(ov)
    colours = (ramp_colours(values, vmin, vmax, ov.colormap) if values is not None
               else ["#3182bd"] * len(data))
    group = folium.FeatureGroup(name=name, show=ov.show)
    records = data.drop(columns="geometry").to_dict("records")
    if ov.kind == "points":
        span = vmax - vmin if vmax > vmin else 1.0
        for i, geom in enumerate(data.geometry):
            if geom is None or geom.is_empty:
                continue
            pt = geom if geom.geom_type == "Point" else geom.representative_point()
            rec = records[i]
            v = values[i] if values is not None else float("nan")
            radius = 9.0 if math.isnan(v) else 7.0 + 6.0 * min(1.0, max(0.0, (v - vmin) / span))
            tip = esc(rec.get(ov.label_column, "")) if ov.label_column else name
            if values is not None:
                tip += f"<br>{esc(ov.value_column)}: {esc(fmt_number(v))}"
            marker = folium.CircleMarker(
                location=[float(pt.y), float(pt.x)], radius=radius, color="#000000", weight=3,
                fill=True, fill_color=colours[i], fill_opacity=ov.opacity,
                class_name="sp-overlay", tooltip=folium.Tooltip(tip),
                popup=folium.Popup(_overlay_popup(ov, rec), parse_html=False, max_width=320),
            )
            marker.options["pane"] = "sp-picks"  # folium drops unknown path options
            marker.add_to(group)
    else:
        import shapely

        feats = []
        geoms = shapely.transform(np.asarray(data.geometry.array),
                                  lambda c: np.round(c, COORD_DECIMALS + 1))
        for i, geom in enumerate(geoms):
            if geom is None or shapely.is_empty(geom):
                continue
            rec = records[i]
            tip = esc(rec.get(ov.label_column, "")) if ov.label_column else name
            if values is not None:
                tip += f"<br>{esc(ov.value_column)}: {esc(fmt_number(values[i]))}"
            feats.append({"type": "Feature", "id": str(i), "geometry": shapely.geometry.mapping(
                geom), "properties": {"sp_tip": tip, "sp_fill": colours[i],
                                      "sp_popup": _overlay_popup(ov, rec)}})
        opacity = float(ov.opacity)
        folium.GeoJson(
            {"type": "FeatureCollection", "features": feats}, name=name,
            style_function=lambda f: {"fillColor": f["properties"]["sp_fill"], "color": "#555",
                                      "weight": 0.5, "fillOpacity": opacity,
                                      "className": "sp-overlay"},
            tooltip=folium.GeoJsonTooltip(fields=["sp_tip"], labels=False),
            popup=folium.GeoJsonPopup(fields=["sp_popup"], labels=False) if ov.popup_columns
            else None, pane="sp-raster",
        ).add_to(group)
    group.add_to(m)
    if values is not None:
        legend.append(_ramp_html(caption, vmin, vmax, ov.colormap))
    else:
        legend.append(_swatch("#3182bd", caption, circle=ov.kind == "points"))


def _zone_geojson(ch: Choropleth) -> dict[str, Any]:
    import shapely

    feats = []
    unit = ch.unit
    z = ch.zones
    for i, (name, value, colour, geom) in enumerate(zip(z["sp_name"], z["sp_value"],
                                                       z["sp_colour"], z.geometry, strict=True)):
        tip = (f"<b>{esc(name)}</b><br>{esc(ch.label)}: "
               f"{esc(fmt_number(value, unit if unit not in ch.label else ''))}")
        feats.append({"type": "Feature", "id": str(i), "geometry": shapely.geometry.mapping(geom),
                      "properties": {"sp_tip": tip, "sp_fill": colour}})
    return {"type": "FeatureCollection", "features": feats}


_CSS = """
<style>
html body .leaflet-container { background: %(bg)s; }
.leaflet-container {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.leaflet-container .sp-panel, .leaflet-container .leaflet-popup-content,
.leaflet-container .leaflet-tooltip, .leaflet-container .leaflet-control-layers {
  font-size: 12px; line-height: 1.35; }
.leaflet-container .sp-panel { background: rgba(255,255,255,.94); padding: 8px 10px;
  border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,.35); max-width: 280px;
  max-height: 55vh; overflow: auto; }
.leaflet-container .sp-title-panel table { font-size: 11px; }
.leaflet-container .sp-panel h3 { margin: 0 0 4px; font-size: 15px; }
.leaflet-container .sp-panel .sp-sub { color: #444; margin-bottom: 4px; }
.leaflet-container .sp-panel table { border-collapse: collapse; width: 100%%; }
.leaflet-container .sp-panel td { padding: 0 4px 0 0; vertical-align: top; }
.leaflet-container .sp-panel td.sp-num { text-align: right; white-space: nowrap; }
.leaflet-container .sp-panel ol { margin: 2px 0 2px 18px; padding: 0; }
.leaflet-container .sp-panel summary { cursor: pointer; font-weight: 600; margin-top: 4px; }
.leaflet-container .sp-hint { color: #666; font-size: 11px; margin-top: 4px; }
.leaflet-container .sp-legend { max-width: 240px; }
.leaflet-container .sp-legend-title { font-weight: 600; margin: 6px 0 2px; }
.leaflet-container .sp-legend-title:first-child { margin-top: 0; }
.leaflet-container .sp-legend-row { display: flex; align-items: center; gap: 6px;
  margin: 1px 0; }
.leaflet-container .sp-swatch { display: inline-block; width: 16px; height: 12px;
  box-sizing: border-box; flex: none; }
.leaflet-container .sp-dot { width: 12px; height: 12px; border-radius: 50%%; }
.leaflet-container .sp-ramp { height: 10px; border: 1px solid #999; }
.leaflet-container .sp-ramp-labels { display: flex; justify-content: space-between;
  font-size: 11px; }
.leaflet-container .sp-rank-label, .leaflet-container .sp-place { background: transparent;
  border: 0; }
.leaflet-container .sp-place span { position: absolute; transform: translate(-50%%, -50%%);
  white-space: nowrap; font-size: 11px; color: #333; font-style: italic;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; pointer-events: none; }
.leaflet-container .sp-place.sp-beside span { transform: translate(%(beside)dpx, -50%%); }
.leaflet-container .sp-rank-label span { display: block; position: absolute;
  left: %(badge)dpx; top: %(badge)dpx; min-width: 16px; height: 16px; padding: 0 1px;
  box-sizing: border-box; line-height: 14px; text-align: center; font-weight: 700;
  font-size: 10px; color: #111; background: #fff; border: 1px solid #252525;
  border-radius: 8px; }
.leaflet-container .sp-popup h4 { margin: 0 0 2px; font-size: 14px; }
.leaflet-container .sp-where { color: #555; margin-bottom: 4px; }
.leaflet-container .sp-status { margin-bottom: 4px; }
.leaflet-container .sp-excluded-status ul { margin: 2px 0 2px 16px; padding: 0;
  color: #8c2d04; }
.leaflet-container .sp-breakdown { border-collapse: collapse; font-size: 11px; margin: 4px 0; }
.leaflet-container .sp-breakdown th,
.leaflet-container .sp-breakdown td { border-bottom: 1px solid #ddd; padding: 1px 4px;
  text-align: left; }
.leaflet-container .sp-breakdown td.sp-num { text-align: right; white-space: nowrap; }
.leaflet-container .sp-notes { margin: 2px 0 0 16px; padding: 0; color: #555;
  font-size: 11px; }
.leaflet-container .leaflet-control-layers-expanded { max-height: 45vh; overflow: auto; }
</style>
"""


def _title_panel(ranking: Ranking, top: Any, n_ranked: int, n_excluded: int,
                 top_n: int, lang: str = "en") -> str:
    def w(word: str, **values: object) -> str:
        return map_word(word, lang, **values)

    scen = ranking.scenario
    title = scen.title_in(lang) or scen.name
    labels = {c.name: c.display_in(lang) for c in scen.criteria}
    weights = sorted(ranking.weights.items(), key=lambda kv: -float(kv[1]))
    wrows = "".join(
        f'<tr><td>{esc(labels.get(str(k), str(k)))}</td>'
        f'<td class="sp-num">{fmt_pct(float(v), lang)}</td></tr>' for k, v in weights)
    tops = "".join(f'<li>{esc(r["name"])} <span class="sp-hint">'
                   f'({fmt_num(float(r["score"]), lang, 3)})</span></li>'
                   for _, r in top.iterrows())
    method = METHOD_INFO[ranking.method].label_in(lang)
    excl = w("excluded n", n=n_excluded) if n_excluded else ""
    return (f'<h3 class="sp-title">{esc(title)}</h3>'
            f'<div class="sp-sub">{esc(w("method", method=method))}<br>'
            f'{w("ranked", n=n_ranked)}{excl}</div>'
            f'<details><summary>{w("Weights")}</summary><table>{wrows}</table></details>'
            + (f'<details><summary>{w("Top n", n=len(top))}</summary><ol>{tops}</ol></details>'
               if top_n and len(top) else "")
            + f'<div class="sp-hint">{w("click hint")} '
            f'siteplan {esc(__version__)}'
            + (f", {w('data')}: {esc(ranking.pack_name)}" if ranking.pack_name else "")
            + "</div>")


def render_map(ranking: Ranking, *, pack: Pack | None = None, indicator: str | None = None,
               zones: str = "regions", scheme: str = "quantiles", k: int = 5,
               overlays: Sequence[Overlay] = (), self_contained: bool = True,
               tiles: str | None = None, top_n: int = 10,
               show_zones: bool = True, lang: str = "en",
               sliders: bool = True, panel: str | None = None) -> folium.Map:
    """Draw a ranking on an interactive Leaflet map.

    Parameters
    ----------
    ranking
        A :class:`~siteplan.scoring.ranking.Ranking` (or one read back with
        :func:`~siteplan.outputs.ranking_file.read_ranking`).
    pack
        The data pack for zones and context layers (default: the embedded pack; when
        the ranking names another pack, the sites are drawn alone with a warning).
    indicator
        Numeric column of the zone layer to map (default ``need_index``, falling back
        to ``unemployment_rate`` when the layer has none). Unknown -> UsageError.
    zones
        ``"regions"`` or ``"provinces"``.
    scheme, k
        Classification (``quantiles``, ``naturalbreaks``/``fisher_jenks``,
        ``equalinterval``) and number of classes.
    overlays
        Extra layers (:class:`siteplan.outputs.overlay.Overlay`), each toggleable.
    self_contained
        Embed every JS/CSS resource (default). When False, link the CDNs and draw
        OpenStreetMap tiles.
    tiles
        Background tile URL template (``{z}/{x}/{y}``), e.g. a local tile server.
        Default: none when self-contained, OpenStreetMap otherwise.
    top_n
        Number of best sites labelled with their rank.
    show_zones
        Whether the choropleth is ticked when the map opens (a surface map hides it, so
        that the cells' colours are not blended with the zones'; it stays in the layer
        list).
    lang
        Language of the panels, popups and legends (one of ``LANGUAGES``).
    sliders
        Add the weight-slider panel (:mod:`siteplan.outputs.map_sliders`): re-score and
        re-rank in the browser.
    panel
        Pre-escaped HTML of the top-left panel in place of the ranking's title panel (the
        plan map's panel: :mod:`siteplan.outputs.plan_map`).

    Returns
    -------
    folium.Map
        ``m.get_root().render()`` (or ``m.save``) gives the HTML; self-contained maps
        render with every resource inline.
    """
    import folium
    from branca.element import Element
    from folium.plugins import Fullscreen

    html_control, _ = _macro_classes()
    lon, lat = _check_map_inputs(ranking, tiles, top_n, zones, scheme)
    if pack is None:
        pack = default_pack(ranking)
    ch = zone_choropleth(pack, zones, indicator, scheme, k) if pack is not None else None
    m = _base_map(ranking, self_contained, tiles, lang)

    legend: list[str] = []
    if add_basemap(m, pack, zones, lang) and not tiles:
        m.get_root().header.add_child(Element(  # type: ignore[attr-defined]
            f"<style>html body .leaflet-container {{ background: {SEA_COLOUR}; }}</style>"),
            name="siteplan_sea")
    if ch is not None:
        _add_zones(m, ch, pack, show_zones, legend, lang)
    if pack is not None:
        _add_context(m, pack, legend, lang)
    legend[:0] = _add_sites(m, ranking, lon, lat, top_n, lang, basemap_places(pack))
    lead: list[str] = []  # the legends of an analysis map's main layers come first
    for ov in overlays:
        _add_overlay(m, ov, lead if ov.lead else legend, lang)
    if lead:
        legend = [*lead, f'<details class="sp-legend-more"><summary>'
                  f'{esc(overlay_word("Other layers", lang))}</summary>', *legend, "</details>"]

    # ---- panels and controls
    included = ranking.included
    top = included.head(top_n) if top_n else included.head(0)
    n_excluded = int(ranking.sites["excluded"].to_numpy(dtype=bool).sum())
    if panel is None:
        panel = _title_panel(ranking, top, len(included), n_excluded, top_n, lang)
    html_control(panel, "topleft", "sp-panel sp-title-panel").add_to(m)
    html_control("".join(legend), "bottomright", "sp-panel sp-legend").add_to(m)
    Fullscreen(position="topleft", title="Full screen", title_cancel="Exit full screen").add_to(m)
    # collapsed (an icon that opens on hover or tap): open, the list of layers would hide
    # the north-east of the country (Tanger, Tétouan, Oujda) at the national view
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    if sliders:
        from siteplan.outputs.map_sliders import add_slider_panel
        add_slider_panel(m, ranking, lang)
    m.fit_bounds(_map_bounds(ch, lon, lat), padding=(24, 24))
    return m


def _check_map_inputs(ranking: Ranking, tiles: str | None, top_n: int, zones: str,
                      scheme: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Refuse what cannot be drawn before any work; return the sites' lon and lat arrays."""
    if tiles:
        _check_tiles(tiles)
    if top_n < 0:
        raise UsageError(f"top_n={top_n}; give 0 or more sites to label")
    sites = ranking.sites
    lon = sites["lon"].to_numpy(dtype=np.float64)
    lat = sites["lat"].to_numpy(dtype=np.float64)
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        ids = ", ".join(map(str, sites["id"][bad].head(10)))
        raise DataError(f"ranking: sites without coordinates ({ids}); every site needs lon/lat")
    if len(sites) == 0:
        raise DataError("ranking: no sites to map")
    if zones not in ZONE_LAYERS:
        raise UsageError(f"--zones '{zones}': choose {' or '.join(ZONE_LAYERS)}")
    if scheme.lower().replace("-", "_").replace(" ", "") not in SCHEMES:
        raise UsageError(f"unknown classification scheme '{scheme}'; choose quantiles, "
                         "naturalbreaks or equalinterval")
    return lon, lat


#: Leaflet's auto-pan keeps a popup inside the map but not clear of the controls drawn
#: over it (the title panel, the layer switcher, the legend): an opened popup could slide
#: under them and hide the site's name and the close button. siteplan's maps turn
#: Leaflet's auto-pan off and pan once themselves, so that the popup lies inside the map,
#: below every top control it would overlap and, where the height allows, above every
#: bottom one (the top wins: the name and the close button are at the popup's top).
_POPUP_CLEARANCE_JS = """
L.Popup.prototype.options.autoPan = false;
(function (map) {
    function place(popup) {
        var el = popup.getElement();
        if (!el || !map.hasLayer(popup)) { return; }
        var box = el.getBoundingClientRect(), frame = map.getContainer().getBoundingClientRect();
        var pad = 8, dx = 0, dy = 0;
        if (box.right > frame.right - pad) { dx = frame.right - pad - box.right; }
        if (box.left + dx < frame.left + pad) { dx = frame.left + pad - box.left; }
        var left = box.left + dx, right = box.right + dx;
        var top = frame.top + pad, bottom = frame.bottom - pad;
        var controls = map.getContainer().querySelectorAll(".leaflet-control");
        for (var i = 0; i < controls.length; i++) {
            var r = controls[i].getBoundingClientRect();
            if (!r.width || r.left >= right || left >= r.right) { continue; }
            if (controls[i].closest(".leaflet-top")) { top = Math.max(top, r.bottom + pad); }
            else { bottom = Math.min(bottom, r.top - pad); }
        }
        if (box.top < top) { dy = top - box.top; }
        else if (box.bottom > bottom) { dy = Math.max(bottom - box.bottom, top - box.top); }
        if (dx || dy) { map.panBy([-dx, -dy]); }
    }
    map.on("popupopen", function (e) { place(e.popup); });
})(%s);
"""


def add_panes(m: folium.Map) -> None:
    """siteplan's map panes (PANES) and the popup clearance script, on any map page."""
    from branca.element import MacroElement
    from folium.map import CustomPane
    from jinja2 import Template

    for pane, z in PANES:
        CustomPane(pane, z_index=z, pointer_events=True).add_to(m)
    clearance = MacroElement()
    clearance._template = Template("{% macro script(this, kwargs) %}"
                                   + _POPUP_CLEARANCE_JS % "{{ this._parent.get_name() }}"
                                   + "{% endmacro %}")
    m.add_child(clearance, name="sp_popup_clearance")


def map_css() -> str:
    """siteplan's map stylesheet (a ``<style>`` element), shared by every map page."""
    return _CSS % {"bg": BACKGROUND, "beside": int(sum(SITE_RADIUS)) + 3,
                   "badge": -RANK_BADGE_OFFSET - 8}


def _base_map(ranking: Ranking, self_contained: bool, tiles: str | None,
              lang: str = "en") -> folium.Map:
    """The empty map: trimmed resources, siteplan's CSS, the panes and any background tiles."""
    import folium
    from branca.element import Element, Figure

    _, self_contained_figure = _macro_classes()
    scen_title = ranking.scenario.title_in(lang) or ranking.scenario.name
    # zoomSnap 0.25: the first view fits the country as closely as the window allows
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False, zoom_control=True,
                   zoom_snap=0.25)
    m.default_js = [(n, u) for n, u in m.default_js if n in KEEP_JS]
    m.default_css = [(n, u) for n, u in m.default_css if n in KEEP_CSS]
    fig = (self_contained_figure if self_contained else Figure)(title=esc(scen_title))
    fig.add_child(m)
    fig.header.add_child(Element(map_css()), name="siteplan_css")
    add_panes(m)
    if tiles:
        folium.TileLayer(tiles=tiles, attr=f"tiles: {esc(tiles)}", name="Background tiles",
                         control=True, overlay=False).add_to(m)
    elif not self_contained:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(m)
    return m


def _add_zones(m: folium.Map, ch: Choropleth, pack: Pack | None, show_zones: bool,
               legend: list[str], lang: str = "en") -> None:
    """The zone choropleth (and, under provinces, the region outlines) with its legend rows."""
    import folium

    colon = " : " if lang == "fr" else ": "
    label = map_word(ch.label, lang)
    title = f"{label} ({ch.unit})" if ch.unit and ch.unit not in ch.label else label
    zone_title = f"{map_word(ch.layer, lang)}{colon}{label}"
    folium.GeoJson(
        _zone_geojson(ch), name=esc(zone_title), show=show_zones,
        style_function=lambda f: {"fillColor": f["properties"]["sp_fill"], "color": "#ffffff",
                                  "weight": 0.8, "fillOpacity": 0.75, "className": "sp-zone"},
        highlight_function=lambda f: {"weight": 2.5, "color": "#333333"},
        tooltip=folium.GeoJsonTooltip(fields=["sp_tip"], labels=False), pane="sp-zones",
    ).add_to(m)
    legend.append(f'<div class="sp-legend-title">{esc(map_word(ch.layer, lang))}{colon}'
                  f"{esc(title)}</div>"
                  f'<div class="sp-hint">{esc(map_word(SCHEME_TITLES[ch.scheme], lang))}</div>')
    legend.extend(_swatch(c, esc(number_in(lab, lang))) for c, lab in
                  zip(ch.colours, ch.class_labels(), strict=True))
    if (ch.zones["sp_class"] < 0).any():
        legend.append(_swatch(NO_DATA_COLOUR, map_word("no data", lang)))
    if ch.layer == "provinces" and pack is not None and "regions" in pack.layer_names:
        regions = simplify_zones(pack.layer("regions")[["geometry"]])
        folium.GeoJson(
            {"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {}, "geometry": g.__geo_interface__}
                for g in regions.geometry]},
            name="Region boundaries", control=True,
            style_function=lambda f: {"fill": False, "color": "#333333", "weight": 1.6,
                                      "interactive": False, "className": "sp-region-line"},
            pane="sp-zones", interactive=False,
        ).add_to(m)


def _add_context(m: folium.Map, pack: Pack, legend: list[str], lang: str = "en") -> None:
    """The pack's context point layers (universities, parks, ...) and their legend rows;
    points that share a position spread out on a click (:mod:`siteplan.outputs.map_stacks`)."""
    from siteplan.outputs.map_stacks import add_stack_script

    ctx_legend: list[str] = []
    for spec in CONTEXT_LAYERS:
        _point_layer(m, pack, spec, ctx_legend, lang)
    if ctx_legend:
        legend.append(f'<div class="sp-legend-title">{map_word("Context", lang)}</div>')
        legend.extend(ctx_legend)
        add_stack_script(m, "sp-context")


def _add_sites(m: folium.Map, ranking: Ranking, lon: NDArray[np.float64], lat: NDArray[np.float64],
               top_n: int, lang: str = "en",
               places: Sequence[tuple[str, float, float, int]] = ()) -> list[str]:
    """The candidate circles (best drawn last, on top) and rank labels; returns their legend."""
    import folium

    sites = ranking.sites
    n_ranked = len(ranking.included)
    excluded_mask = sites["excluded"].to_numpy(dtype=bool)
    vmin, vmax = score_range(ranking)
    colours = score_colours(sites["score"].to_numpy(dtype=np.float64), vmin, vmax)
    group = folium.FeatureGroup(name=map_word("Candidate sites", lang), show=True)
    ranks: dict[str, int] = {}
    order = np.concatenate([np.flatnonzero(excluded_mask),
                            np.flatnonzero(~excluded_mask)[::-1]])
    for i in order.tolist():
        row = sites.iloc[i]
        popup = folium.Popup(site_popup_html(ranking, row, n_ranked, lang), parse_html=False,
                             max_width=460, max_height=440)
        if excluded_mask[i]:
            tip = f"<b>{esc(row['name'])}</b><br>{map_word('excluded', lang)}"
            folium.CircleMarker(
                location=[lat[i], lon[i]], radius=5, color="#616161", weight=1, dash_array="2 2",
                fill=True, fill_color=EXCLUDED_COLOUR, fill_opacity=0.8,
                class_name="sp-site sp-excluded", tooltip=folium.Tooltip(tip), popup=popup,
            ).add_to(group)
            continue
        rnk = int(row["rank"])
        lo, span = SITE_RADIUS
        radius = round(lo + span * (1.0 - (rnk - 1) / max(n_ranked - 1, 1)), 1)
        tip = (f"<b>{esc(row['name'])}</b><br>{map_word('rank', lang)} {rnk} &middot; score "
               f"{fmt_num(float(row['score']), lang, 3)}")
        marker = folium.CircleMarker(
            location=[lat[i], lon[i]], radius=radius, color="#252525", weight=1, fill=True,
            fill_color=colours[i], fill_opacity=0.92, class_name=f"sp-site sp-rank-{rnk}",
            tooltip=folium.Tooltip(tip), popup=popup,
        )
        marker.options["siteplanId"] = str(row["id"])
        marker.add_to(group)
        ranks[str(row["id"])] = rnk
    group.add_to(m)
    add_label_script(m, ranks, top_n, places)
    site_legend = [_ramp_html(map_word("Candidate sites: score", lang), vmin, vmax, SCORE_CMAP),
                   f'<div class="sp-hint">{map_word("larger circle", lang)}'
                   + (map_word("number = rank", lang, n=top_n) if top_n else "") + "</div>"]
    if excluded_mask.any():
        site_legend.append(_swatch("#616161", map_word("excluded (see popup)", lang),
                                   circle=True, dashed=True, fill=EXCLUDED_COLOUR))
    return site_legend


def _map_bounds(ch: Choropleth | None, lon: NDArray[np.float64],
                lat: NDArray[np.float64]) -> list[list[float]]:
    """The view: the zones' extent, or the sites' with a margin when there are no zones."""
    if ch is not None:
        w, s, e, n = ch.bounds
    else:
        w, e = float(np.min(lon)), float(np.max(lon))
        s, n = float(np.min(lat)), float(np.max(lat))
        pad = max(0.1, 0.05 * max(e - w, n - s))
        w, e, s, n = w - pad, e + pad, s - pad, n + pad
    return [[s, w], [n, e]]


def map_html(m: folium.Map) -> str:
    """The full HTML page of a map (inline resources when it was made self-contained)."""
    return str(m.get_root().render())


def save_map(ranking: Ranking, path: str | os.PathLike[str], *, overwrite: bool = False,
             pack: Pack | None = None, indicator: str | None = None, zones: str = "regions",
             scheme: str = "quantiles", k: int = 5, overlays: Sequence[Overlay] = (),
             self_contained: bool = True, tiles: str | None = None, top_n: int = 10,
             show_zones: bool = True, lang: str = "en",
             sliders: bool = True) -> Path:
    """Render the map (see :func:`render_map`) and write it as one HTML file, atomically.

    The page is rendered completely before anything is written, so a failure leaves
    an existing file untouched. Returns the path written.
    """
    p = check_writable(path, overwrite)
    if HTML_MAP.format_of(p) is None:
        raise OutputError(f"{p}: a map is written as HTML; give a path ending in .html")
    m = render_map(ranking, pack=pack, indicator=indicator, zones=zones, scheme=scheme, k=k,
                   overlays=overlays, self_contained=self_contained, tiles=tiles, top_n=top_n,
                   show_zones=show_zones, lang=lang, sliders=sliders)
    page = map_html(m)
    if self_contained:
        inline_resources(page)  # asserts nothing outside is referenced
    return write_text_atomic(p, page, overwrite=overwrite)
