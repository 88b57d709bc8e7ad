"""Context points that share a position: spread them out on a click, so each can be used.

The pack's universities are establishments (faculties, schools, institutes), and most of
a university's establishments share its campus's coordinates: in the Morocco pack, 155 of
the 172 sit on a point that other establishments also use (up to 21 on one point). Drawn
as they are, only the topmost of a stack can be hovered or clicked.

:func:`add_stack_script` adds the behaviour a planner knows from web maps ("spiderfy"):

* at every zoom, context points whose screen centres are within ``STACK_PX`` pixels of
  each other form a stack; a stacked point gets a thicker white outline, so the stack
  can be told from a single point;
* a point's popup shows what its tooltip shows (for a click, or a tap where there is no
  hover);
* clicking a stack spreads its points on a circle (up to 8) or a spiral around their
  common position, each joined to it by a thin line, and each can then be hovered or
  clicked for its own popup; clicking the map elsewhere or zooming puts them back.

Points are moved on the screen only: their popups and tooltips say where they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import folium

#: points whose screen centres are this close (px, on both axes) form one stack
STACK_PX = 4

_STACK_JS = """
(function (map, pane, near) {
    var spread = null, hooked = [];
    function inPane(l) { return l instanceof L.CircleMarker && l.options.pane === pane; }
    function shown() { return hooked.filter(function (l) { return l._map; }); }
    function stackOf(mk) {
        var p = map.latLngToContainerPoint(mk.getLatLng());
        return shown().filter(function (o) {
            var q = map.latLngToContainerPoint(o.getLatLng());
            return Math.abs(q.x - p.x) < near && Math.abs(q.y - p.y) < near;
        });
    }
    function mark() {  // a thicker white outline on every point that is part of a stack
        shown().forEach(function (o) {
            var n = stackOf(o).length;
            o.setStyle(n > 1 ? {weight: 2.5, color: "#ffffff"}
                             : {weight: o._spWeight, color: o._spColour});
        });
    }
    function collapse() {
        if (!spread) { return; }
        spread.markers.forEach(function (o, i) { o.setLatLng(spread.at[i]); });
        spread.lines.remove();
        spread = null;
        mark();
    }
    function open(e) {
        var mk = e.target;
        if (spread && spread.markers.indexOf(mk) >= 0) { return; }  // its own popup opens
        collapse();
        var stack = stackOf(mk), n = stack.length;
        if (n < 2) { return; }
        mk.closePopup();
        var c = map.latLngToContainerPoint(mk.getLatLng()), lines = L.layerGroup();
        var at = stack.map(function (o) { return o.getLatLng(); });
        stack.forEach(function (o, i) {
            var r, a;
            if (n <= 8) { r = 24; a = 2 * Math.PI * i / n - Math.PI / 2; }
            else { a = 1.1 * i; r = 16 + 3.2 * i; }  // a spiral keeps 12 px between points
            var ll = map.containerPointToLatLng(L.point(c.x + r * Math.cos(a),
                                                        c.y + r * Math.sin(a)));
            L.polyline([at[i], ll], {pane: pane, color: "#444444", weight: 1,
                                     interactive: false}).addTo(lines);
            o.setLatLng(ll);
            o.setStyle({weight: o._spWeight, color: o._spColour});
            o.bringToFront();
        });
        lines.addTo(map);
        spread = {markers: stack, at: at, lines: lines};
    }
    function hook(l) {
        if (!inPane(l) || l._spHooked) { return; }
        l._spHooked = true;
        l._spWeight = l.options.weight; l._spColour = l.options.color;
        // a click (or a tap, where there is no hover) shows what the tooltip shows; bound
        // here rather than as one folium Popup per point, which costs ~5 ms each to render
        var tip = l.getTooltip();
        if (!l.getPopup() && tip) {
            l.bindPopup('<div class="sp-popup">' + tip.getContent() + '</div>',
                        {maxWidth: 300});
        }
        l.on("click", open);
        hooked.push(l);
    }
    map.eachLayer(hook);
    map.on("layeradd", function (e) { hook(e.layer); });
    map.on("overlayadd overlayremove", function () { collapse(); mark(); });
    map.on("zoomstart", collapse);
    map.on("zoomend", mark);
    map.on("click", function (e) {
        var t = e.originalEvent && e.originalEvent.target;
        if (t && t.closest && t.closest(".leaflet-" + pane + "-pane")) { return; }
        collapse();
    });
    map.whenReady(function () { setTimeout(mark, 0); });
    window.siteplanStacks = {collapse: collapse, open: function (mk) { open({target: mk}); },
                             markers: function () { return hooked.slice(); }};
})(%(map)s, %(pane)s, %(near)d);
"""


def add_stack_script(m: folium.Map, pane: str) -> None:
    """Spread the stacked points of ``pane`` on a click (see the module docstring)."""
    import json

    from siteplan.outputs.basemap import add_script

    add_script(m, _STACK_JS % {"map": m.get_name(), "pane": json.dumps(pane),
                               "near": STACK_PX}, "sp_stacks")
