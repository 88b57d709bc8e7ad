"""The offline basemap of a pack's HTML maps, and the labels decluttered in the browser.

A pack may ship a ``basemap`` layer (``kind`` = ``land`` | ``boundary`` | ``place``: for
Morocco, Natural Earth land and borders and the place names of the settlements layer,
built by ``geodata/build/basemap.py``). :func:`add_basemap` draws its land, coastline and
borders (and the province outlines) under everything, so that a map needs no tile
server; :func:`add_label_script` draws the rank labels of the sites and the place names
and hides, at every zoom, each label whose box overlaps one kept before it (ranks first,
best first; then places by population above a floor per zoom). A pack without a basemap
still maps: the zones are then the only background.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan.errors import LayerError
from siteplan.outputs.cartography import script_json, simplify_zones
from siteplan.outputs.language import map_word

if TYPE_CHECKING:
    import folium

    from siteplan.layers.pack import Pack

log = logging.getLogger("siteplan")

#: colours of the offline basemap: sea (the page), land, coastline, borders
SEA_COLOUR, LAND_COLOUR, COAST_COLOUR, BORDER_COLOUR = "#c6dcec", "#f4f1ea", "#7a9cb8", "#6e6e6e"
#: the layer of a pack that holds its basemap (kind = land | boundary | place)
BASEMAP_LAYER = "basemap"

#: labels: rank labels first (best rank first), then place names by population, each shown
#: only where its box overlaps no label kept before it; places below a zoom's population
#: floor are hidden (PLACE_FLOORS: zoom -> smallest population named from that zoom on)
PLACE_FLOORS = ((0, 10**9), (5, 500_000), (6, 150_000), (7, 60_000), (8, 25_000), (9, 0))
_LABEL_JS = """
(function (map, ranks, topN, places, floors) {
    window.siteplanRanks = ranks;
    var sites = [], rankLabels = {}, placeLabels = [];
    map.eachLayer(function (l) {
        if (l.options && l.options.siteplanId !== undefined && l.getLatLng) { sites.push(l); }
    });
    function label(ll, cls) {
        var mk = L.marker(ll, {pane: "sp-labels", interactive: false, keyboard: false,
            icon: L.divIcon({className: cls, html: "<span></span>", iconSize: [0, 0]})});
        mk.addTo(map);
        return mk;
    }
    sites.forEach(function (s) { rankLabels[s.options.siteplanId] = label(s.getLatLng(),
                                                                       "sp-rank-label"); });
    // a place that has a candidate site (within 0.03 degree, ~3 km) is named to the right
    // of the site's circle, so that the site's rank label and the name can both be kept
    function beside(p) {
        return sites.some(function (s) { var ll = s.getLatLng();
            return Math.abs(ll.lat - p[1]) < 0.03 && Math.abs(ll.lng - p[2]) < 0.03; });
    }
    places.forEach(function (p) {
        var mk = label([p[1], p[2]], beside(p) ? "sp-place sp-beside" : "sp-place");
        mk.getElement().firstChild.textContent = p[0];
        placeLabels.push({mk: mk, pop: p[3]});
    });
    function hits(a, b) {
        return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    }
    window.siteplanSiteMarkers = sites;
    window.siteplanDeclutter = function () {
        var r = window.siteplanRanks || {}, items = [], kept = [], z = map.getZoom(), floor = 0;
        floors.forEach(function (f) { if (z >= f[0]) { floor = f[1]; } });
        Object.keys(rankLabels).forEach(function (id) {
            var el = rankLabels[id].getElement(), k = r[id];
            if (k >= 1 && k <= topN) { el.firstChild.textContent = String(k);
                                       items.push({el: el, order: k}); }
            else { el.style.display = "none"; }
        });
        items.sort(function (a, b) { return a.order - b.order; });
        placeLabels.forEach(function (p) {
            if (p.pop >= floor) { items.push({el: p.mk.getElement()}); }
            else { p.mk.getElement().style.display = "none"; }
        });
        items.forEach(function (it) {
            it.el.style.display = "";
            var b = it.el.firstChild.getBoundingClientRect();
            for (var i = 0; i < kept.length; i++) {
                if (hits(b, kept[i])) { it.el.style.display = "none"; return; }
            }
            kept.push({left: b.left - 2, right: b.right + 2, top: b.top - 1,
                       bottom: b.bottom + 1});
        });
    };
    // after every view change (a zoom the view limits impose ends with a moveend too),
    // once the browser has drawn it: boxes measured in the same task as the change can
    // still be those of the old view
    var pending = false;
    function later() {
        if (pending) { return; }
        pending = true;
        requestAnimationFrame(function () { requestAnimationFrame(function () {
            pending = false;
            if (!map._animatingZoom) { window.siteplanDeclutter(); }
        }); });
    }
    map.on("zoomend moveend resize", later);
    map.whenReady(function () { setTimeout(window.siteplanDeclutter, 0); });
})(%(map)s, %(ranks)s, %(top_n)d, %(places)s, %(floors)s);
"""


def add_label_script(m: folium.Map, ranks: Mapping[str, int], top_n: int,
                      places: Sequence[tuple[str, float, float, int]] = ()) -> None:
    """Rank labels and place names drawn and decluttered in the browser (see _LABEL_JS).

    The labels are text nodes set by ``textContent`` (never HTML); ``window.siteplanRanks``
    and ``window.siteplanDeclutter()`` let other scripts (the weight sliders) re-rank.
    """
    code = _LABEL_JS % {"map": m.get_name(), "ranks": script_json(ranks), "top_n": top_n,
                        "places": script_json([list(p) for p in places]),
                        "floors": script_json([list(f) for f in PLACE_FLOORS])}
    add_script(m, code, "sp_labels")


def add_script(m: folium.Map, code: str, name: str) -> None:
    """Add ``code`` (JavaScript, with its data already escaped) to the map's script."""
    from branca.element import MacroElement
    from jinja2 import Template

    el = MacroElement()
    el._template = Template("{% macro script(this, kwargs) %}{{ this.sp_code }}{% endmacro %}")
    el.sp_code = code  # type: ignore[attr-defined]
    m.add_child(el, name=name)


def basemap_places(pack: Pack | None) -> list[tuple[str, float, float, int]]:
    """(name, lat, lon, population) of the basemap's places, largest first."""
    if pack is None or BASEMAP_LAYER not in pack.layer_names:
        return []
    gdf = _basemap(pack)
    if gdf is None or "kind" not in gdf.columns:
        return []
    pts = gdf[gdf["kind"] == "place"]
    pop = pts["population"].to_numpy(dtype=np.float64) if "population" in pts.columns else \
        np.zeros(len(pts))
    rows = [(str(n), round(float(g.y), 4), round(float(g.x), 4),
             int(p) if math.isfinite(p) else 0)
            for n, g, p in zip(pts["name"], pts.geometry, pop, strict=True)
            if g is not None and g.geom_type == "Point"]
    return sorted(rows, key=lambda r: -r[3])


def _basemap(pack: Pack) -> Any:
    """The pack's basemap layer, or None (with a warning) when it cannot be read."""
    try:
        return pack.layer(BASEMAP_LAYER)
    except (LayerError, OSError) as exc:
        log.warning("map: basemap skipped (%s)", exc)
        return None


#: keeps the view inside the basemap's extent (the land is clipped to a box: beyond it the
#: page would show sea where there is land): no panning out of the box, and no zooming out
#: so far that the window is larger than the box (Leaflet's getBoundsZoom, ``inside``)
_VIEW_LIMITS_JS = """
(function (map, box) {
    var b = L.latLngBounds(box);
    function limit() { map.setMinZoom(Math.max(0, map.getBoundsZoom(b, true))); }
    map.options.maxBoundsViscosity = 1.0;
    // once the map's first view is set (its fitBounds runs right after this script):
    // limits set before would move the initial world view into them, and the fitBounds
    // would then animate from there, moving every feature for a quarter of a second
    setTimeout(function () { limit(); map.setMaxBounds(b); }, 0);
    map.on("resize", limit);
})(%(map)s, %(box)s);
"""


def add_basemap(m: folium.Map, pack: Pack | None, zones: str, lang: str = "en",
                limits: bool = True) -> bool:
    """Land, coastline and borders of the pack's basemap, and province outlines; True if drawn.

    A pack without a basemap layer still maps (the zones are then the only background).
    With ``limits``, the view is kept inside the basemap's extent (see _VIEW_LIMITS_JS);
    maps whose views are synced (the compare map) go without: each map would be moved
    into the box on its own and the views would no longer agree.
    """
    import folium
    import shapely

    if pack is None or BASEMAP_LAYER not in pack.layer_names:
        return False
    gdf = _basemap(pack)
    if gdf is None or "kind" not in gdf.columns:
        return False
    group = folium.FeatureGroup(name=map_word("Basemap", lang), show=True)

    def coll(kind: str) -> dict[str, Any]:
        part = gdf[gdf["kind"] == kind]
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(g)}
            for g in part.geometry if g is not None and not g.is_empty]}

    folium.GeoJson(coll("land"), pane="sp-base", interactive=False, control=False,
                   style_function=lambda f: {"fillColor": LAND_COLOUR, "fillOpacity": 1,
                                             "color": COAST_COLOUR, "weight": 1,
                                             "className": "sp-land"}).add_to(group)
    folium.GeoJson(coll("boundary"), pane="sp-base", interactive=False, control=False,
                   style_function=lambda f: {"color": BORDER_COLOUR, "weight": 1.2,
                                             "dashArray": "5 3", "fill": False,
                                             "className": "sp-border"}).add_to(group)
    group.add_to(m)
    west, south, east, north = (float(x) for x in gdf.total_bounds)
    if limits:
        add_script(m, _VIEW_LIMITS_JS % {"map": m.get_name(), "box": script_json(
            [[south, west], [north, east]])}, "sp_view_limits")
    if zones != "provinces" and "provinces" in pack.layer_names:
        try:
            prov = simplify_zones(pack.layer("provinces")[["geometry"]])
        except (LayerError, OSError) as exc:
            log.warning("map: province outlines skipped (%s)", exc)
            return True
        folium.GeoJson(
            {"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {}, "geometry": g.__geo_interface__}
                for g in prov.geometry]},
            name=map_word("Province boundaries", lang), pane="sp-lines", interactive=False,
            style_function=lambda f: {"fill": False, "color": "#ffffff", "weight": 0.6,
                                      "opacity": 0.9, "className": "sp-province-line"},
        ).add_to(m)
    return True
