"""Weight sliders in the HTML ranking map: re-score and re-rank in the browser, offline.

:func:`add_slider_panel` adds to a map drawn by :func:`siteplan.outputs.html_map.render_map`
a panel with one slider per weighted criterion. Moving a slider re-scores every ranked
site in the browser from the normalised values of the ranking (``Ranking.values``, and
the TOPSIS matrix of :meth:`Ranking.decision_matrix`) embedded in the page as JSON,
re-ranks them, re-colours and re-sizes the site circles, moves the rank labels,
updates the top-10 list, the tooltips and a line at the top of each popup, and writes
the ``-w name=value`` options that reproduce the view with ``siteplan rank``.

What the browser computes is :meth:`Ranking.rescore` (a browser test checks it to
1e-9 for random weights): the weighted sum (WLC), the weighted product (WP) and
TOPSIS, written in JavaScript step by step as :mod:`siteplan.scoring.aggregate` does
them. Other methods (VIKOR, OWA) are not re-scored: the panel says they need Python.
Like ``rescore``, the sliders never change which sites are excluded: a site below a
lens scenario's viability floor at the file's weights stays excluded, and a ranked
site stays ranked, while ``siteplan rank -w`` applies the floor again with the new
weights. The panel says so, and marks the ranked sites whose viability index falls
below the floor at the slider weights.

Security: the data are JSON in a ``<script type="application/json">`` block with
every ``<`` written ``\\u003c`` (so no ``</script>`` can close it); the script puts
site names and labels on the page only as text (``textContent``), never as HTML.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan.outputs.cartography import (
    SCORE_CMAP,
    SITE_RADIUS,
    _colormap,
    _hex,
    score_range,
    script_json,
)
from siteplan.outputs.language import fmt_num, map_word
from siteplan.scenario import METHOD_INFO, METHOD_OPTIONS, RELATIVE_NORMALIZERS

if TYPE_CHECKING:
    import folium

    from siteplan.scoring.ranking import Ranking

#: the methods the browser re-scores (the others say they need Python)
SLIDER_METHODS = ("wlc", "wp", "topsis")
#: the map words (siteplan.outputs.language.MAP_WORDS) the panel's script says
SLIDER_WORDS = ("sl no weight", "sl needs python", "sl excluded", "sl floor", "sl tip",
                "sl below floor", "sl popup")
#: the map words of the panel's own HTML (placeholder of _PANEL_HTML -> word)
PANEL_WORDS = {"summary": "sl summary", "method": "sl method", "reset": "sl reset",
               "copy": "sl copy", "top": "sl top", "groups": "sl groups"}


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _viability_check(ranking: Ranking) -> dict[str, Any] | None:
    """What the browser needs to flag ranked sites that fall below the viability floor at
    the slider weights, or None when it cannot tell as Python would.

    Python's ``lens_indices`` normalises the lens criteria over every site that passed the
    constraints (below-floor ones included); ``Ranking.values`` holds the ranked sites
    only. Both give the same value scores when the value functions have fixed anchors, so
    the check is offered only then, and only when the index weights follow the scoring
    weights (no explicit ``[lenses.viability]`` table) of criteria all in the score.
    """
    scen = ranking.scenario
    floor = scen.viability_floor
    if floor is None or scen.lenses.get("viability"):
        return None
    lens = [c for c in scen.criteria if c.lens == "viability" and c.weight > 0]
    names = list(ranking.weights.index)
    if not lens or any(c.name not in names for c in lens):
        return None
    if any(c.normalize.get("method", "minmax") in RELATIVE_NORMALIZERS for c in lens):
        return None
    return {"floor": floor, "criteria": [names.index(c.name) for c in lens]}


def slider_groups(ranking: Ranking, lang: str = "en") -> list[dict[str, Any]]:
    """The criterion groups of the weighted criteria (the scenario's ``group``, the
    dossier's order and labels): name, label and the indexes of their criteria among the
    sliders. A criterion without a group is a group of its own."""
    from siteplan.outputs.dossier_text import GROUP_LABELS, GROUP_ORDER

    names = list(ranking.weights.index)
    group_of = {c.name: c.group or c.name for c in ranking.scenario.criteria}
    found: dict[str, list[int]] = {}
    for j, n in enumerate(names):
        found.setdefault(group_of.get(n, n), []).append(j)
    order = sorted(found, key=lambda g: (GROUP_ORDER.index(g) if g in GROUP_ORDER else 99,
                                         found[g][0]))
    labels = GROUP_LABELS.get(lang, GROUP_LABELS["en"])
    return [{"name": g, "label": labels.get(g, g), "members": found[g]} for g in order]


def slider_data(ranking: Ranking, lang: str = "en") -> dict[str, Any]:
    """The JSON the panel's script works on (ranked sites in rank order; texts in ``lang``)."""
    inc = ranking.included
    values, matrix, directions = ranking.decision_matrix()
    info = ranking.info
    names = list(ranking.weights.index)
    vmin, vmax = score_range(ranking)
    cm = _colormap(SCORE_CMAP)
    n_excl = int(ranking.sites["excluded"].to_numpy(dtype=bool).sum())
    labels = {c.name: c.display_in(lang) for c in ranking.scenario.criteria}
    return {
        "method": ranking.method,
        "method_name": (METHOD_INFO[ranking.method].label_in(lang)
                        if ranking.method in METHOD_INFO else ranking.method),
        "methods": {k: METHOD_INFO[k].label_in(lang) for k in SLIDER_METHODS},
        "wp_floor": float(ranking.scenario.method_options.get(
            "wp_floor", METHOD_OPTIONS["wp_floor"][0])),
        "criteria": [{"name": n, "label": labels.get(n, info[n].label if n in info else n),
                      "weight": float(ranking.weights[n]) * 100.0} for n in names],
        "ids": inc["id"].astype(str).tolist(),
        "names": inc["name"].astype(str).tolist(),
        "lat": inc["lat"].to_numpy(dtype=np.float64).tolist(),
        "lon": inc["lon"].to_numpy(dtype=np.float64).tolist(),
        "rank": [int(r) for r in inc["rank"]],
        "score": [_finite(x) for x in inc["score"].to_numpy(dtype=np.float64).tolist()],
        "values": [[_finite(x) for x in row] for row in values.tolist()],
        "matrix": [[_finite(x) for x in row] for row in matrix.tolist()],
        "directions": directions.tolist(),
        "lut": [_hex(cm(i)) for i in range(cm.N)],
        "range": [vmin, vmax],
        "radius": list(SITE_RADIUS),
        "excluded": n_excl,
        "viability": _viability_check(ranking),
        "floor": ranking.scenario.viability_floor,
        "decimal": fmt_num(0.5, lang, 1)[1],
        "groups": slider_groups(ranking, lang),
        "words": {k: map_word(k, lang) for k in SLIDER_WORDS},
    }


_PANEL_HTML = """<details class="sp-sliders"><summary>%(summary)s</summary>
<div class="sp-sl-method"><label>%(method)s <select class="sp-sl-select"></select></label></div>
<div class="sp-sl-note"></div>
<div class="sp-sl-groups-title">%(groups)s</div>
<table class="sp-sl-groups"></table>
<table class="sp-sl-table"></table>
<button type="button" class="sp-sl-reset">%(reset)s</button>
<div class="sp-sl-copy-label">%(copy)s</div>
<textarea class="sp-sl-copy" rows="3" readonly></textarea>
<div class="sp-sl-top-title">%(top)s</div>
<ol class="sp-sl-top"></ol>
<script type="application/json" class="sp-sl-data">%(data)s</script>
</details>"""

_PANEL_CSS = """<style>
.sp-slider-panel { max-width: 330px; max-height: 78vh; overflow-y: auto; }
.sp-sliders table { width: 100%; border-collapse: collapse; }
.sp-sliders td { padding: 1px 2px; vertical-align: middle; font-size: 11px; }
.sp-sliders input[type=range] { width: 96px; }
.sp-sl-pct { text-align: right; min-width: 3.2em; }
.sp-sl-group { font-weight: 600; }
.sp-sl-groups-title { font-size: 11px; font-weight: 600; margin-top: 4px; }
.sp-sl-copy { width: 100%; font-family: monospace; font-size: 10px; box-sizing: border-box; }
.sp-sl-note { color: #7a4b00; font-size: 11px; margin: 3px 0; }
.sp-sl-top { margin: 2px 0 0 0; padding-left: 22px; font-size: 11px; }
.sp-sl-warn { color: #a33; }
.sp-sl-line { font-size: 11px; background: #fff4d6; padding: 2px 4px; margin-bottom: 4px; }
</style>"""

#: the scoring half of the panel's script: ``SP_SLIDER_CORE(data)``, functions that
#: follow siteplan/scoring/aggregate.py step by step (see the module docstring)
_CORE_JS = r"""
function SP_SLIDER_CORE(D) {
    "use strict";
    var n = D.ids.length, m = D.criteria.length, NO_DATA = "#d9d9d9";
    var R = topsisColumns();  // vector-normalised matrix: independent of the weights

    // ---- weights (scenario._shares, then aggregate.normalize_weights)
    function shares(ws) {
        var top = 0, total = 0, out = [], j;
        for (j = 0; j < ws.length; j++) { if (ws[j] > top) { top = ws[j]; } }
        if (!(top > 0)) { return null; }
        for (j = 0; j < ws.length; j++) { if (ws[j] > 0) { total += ws[j] / top; } }
        for (j = 0; j < ws.length; j++) { out.push(ws[j] > 0 ? (ws[j] / top) / total : 0); }
        var s = 0;
        for (j = 0; j < out.length; j++) { s += out[j]; }
        return out.map(function (x) { return x / s; });
    }
    function valid(row, ws) {
        for (var j = 0; j < m; j++) { if (ws[j] > 0 && row[j] === null) { return false; } }
        return true;
    }
    function clip(x) { return Math.min(1, Math.max(0, x)); }
    // ---- aggregate.wlc / aggregate.weighted_product
    function wlc(ws) {
        return D.values.map(function (row) {
            if (!valid(row, ws)) { return NaN; }
            var s = 0;
            for (var j = 0; j < m; j++) { if (ws[j] > 0) { s += ws[j] * row[j]; } }
            return clip(s);
        });
    }
    function wp(ws) {
        var f = D.wp_floor;
        return D.values.map(function (row) {
            if (!valid(row, ws)) { return NaN; }
            var s = 0;
            for (var j = 0; j < m; j++) {
                if (ws[j] > 0) { s += ws[j] * Math.log(Math.max(row[j], f)); }
            }
            return clip(Math.exp(s));
        });
    }
    // ---- aggregate.topsis: columns scaled by their largest |x|, then by their norm
    function topsisColumns() {
        var cols = [], i, j;
        for (j = 0; j < m; j++) {
            var big = 0, norm = 0, x = [];
            for (i = 0; i < n; i++) {
                var v = D.matrix[i][j];
                x.push(v === null ? 0 : v);  // rows with a gap enter as 0, as in _prepare
                big = Math.max(big, Math.abs(x[i]));
            }
            x = x.map(function (v) { return v / (big > 0 ? big : 1); });
            for (i = 0; i < n; i++) { norm += x[i] * x[i]; }
            norm = Math.sqrt(norm);
            cols.push(x.map(function (v) { return v / (norm > 0 ? norm : 1); }));
        }
        return cols;
    }
    function topsis(ws) {
        var ok = D.matrix.map(function (row) { return valid(row, ws); });
        var best = [], worst = [], i, j;
        for (j = 0; j < m; j++) {
            var hi = -Infinity, lo = Infinity;
            for (i = 0; i < n; i++) {
                if (ok[i]) { hi = Math.max(hi, R[j][i]); lo = Math.min(lo, R[j][i]); }
            }
            best.push(D.directions[j] > 0 ? hi : lo);
            worst.push(D.directions[j] > 0 ? lo : hi);
        }
        var out = [];
        for (i = 0; i < n; i++) {
            if (!ok[i]) { out.push(NaN); continue; }
            var dp = 0, dm = 0;
            for (j = 0; j < m; j++) {
                if (!(ws[j] > 0)) { continue; }
                var w2 = ws[j] * ws[j];
                dp += w2 * (R[j][i] - best[j]) * (R[j][i] - best[j]);
                dm += w2 * (R[j][i] - worst[j]) * (R[j][i] - worst[j]);
            }
            dp = Math.sqrt(dp); dm = Math.sqrt(dm);
            var den = dp + dm;
            out.push(den <= 0 ? 1 : clip(dm / den));
        }
        return out;
    }
    var METHODS = {wlc: wlc, wp: wp, topsis: topsis};

    // ---- aggregate.rank_scores (competition ranks) and ranking._finish's order
    function ranks(scores) {
        var fin = scores.filter(function (s) { return !isNaN(s); });
        return scores.map(function (s) {
            if (isNaN(s)) { return fin.length + 1; }
            var k = 1;
            for (var i = 0; i < fin.length; i++) { if (fin[i] > s) { k++; } }
            return k;
        });
    }
    function order(rk) {
        var idx = D.ids.map(function (_, i) { return i; });
        idx.sort(function (a, b) {
            if (rk[a] !== rk[b]) { return rk[a] - rk[b]; }
            return D.ids[a] < D.ids[b] ? -1 : (D.ids[a] > D.ids[b] ? 1 : 0);
        });
        return idx;
    }
    // ---- cartography.score_range and ramp_colours (matplotlib's 256-entry table)
    function colours(scores) {
        var fin = scores.filter(function (s) { return isFinite(s); });
        var lo = 0, hi = 1;
        if (fin.length) {
            lo = Math.min.apply(null, fin); hi = Math.max.apply(null, fin);
            if (hi - lo < 1e-12) { lo -= 0.05; hi += 0.05; }
        }
        var span = hi > lo ? hi - lo : 1, N = D.lut.length;
        return scores.map(function (s) {
            if (isNaN(s)) { return NO_DATA; }
            var xa = Math.min(1, Math.max(0, (s - lo) / span)) * N;
            if (xa === N) { xa = N - 1; }
            return D.lut[Math.floor(xa)];
        });
    }
    // viability index at the slider weights (ranking.lens_indices), or null
    function viability(ws) {
        if (!D.viability) { return null; }
        var cj = D.viability.criteria, sub = cj.map(function (j) { return ws[j]; });
        var sh = shares(sub);
        if (!sh) { return null; }
        return D.values.map(function (row) {
            var s = 0;
            for (var k = 0; k < cj.length; k++) { if (sh[k] > 0) { s += sh[k] * row[cj[k]]; } }
            return s;
        });
    }
    return {shares: shares, methods: METHODS, ranks: ranks, order: order,
            colours: colours, viability: viability};
}
"""

#: the page half: ``SP_SLIDERS(map, panel)`` builds the sliders and redraws the sites
_UI_JS = r"""
function SP_SLIDERS(map, root) {
    "use strict";
    var D = JSON.parse(root.querySelector(".sp-sl-data").textContent);
    var core = SP_SLIDER_CORE(D), n = D.ids.length;
    var init = D.criteria.map(function (c) { return c.weight; });
    var w = init.slice(), method = D.method, inputs = [], pcts = [];
    function el(tag, text, cls) {
        var e = document.createElement(tag);
        if (text !== undefined) { e.textContent = text; }
        if (cls) { e.className = cls; }
        return e;
    }
    // ---- the map's own site circles, by the id render_map gave them (options.siteplanId)
    var byId = {};
    function collect(layer) {
        if (layer instanceof L.CircleMarker && layer.options.siteplanId !== undefined) {
            byId[layer.options.siteplanId] = layer;
        } else if (layer instanceof L.LayerGroup) {
            layer.eachLayer(collect);
        }
    }
    map.eachLayer(collect);
    var markers = D.ids.map(function (id) { return byId[id] || null; });
    // ---- the panel
    var select = root.querySelector(".sp-sl-select"), table = root.querySelector(".sp-sl-table");
    Object.keys(D.methods).forEach(function (k) {
        var o = el("option", D.methods[k]); o.value = k; select.appendChild(o);
    });
    if (!D.methods[D.method]) {
        var o = el("option", D.method_name + " (needs Python)"); o.value = D.method;
        select.appendChild(o);
    }
    select.value = D.method;
    D.criteria.forEach(function (c, j) {
        var tr = el("tr"), td = el("td"), inp = el("input");
        inp.type = "range"; inp.min = "0"; inp.max = "100"; inp.step = "any";
        inp.value = String(init[j]); inp.setAttribute("data-criterion", c.name);
        inp.setAttribute("aria-label", c.label);
        inp.addEventListener("input", function () {
            w[j] = Math.round(parseFloat(inp.value) * 1000) / 1000; update();
        });
        inputs.push(inp); td.appendChild(inp);
        tr.appendChild(el("td", c.label)); tr.appendChild(td);
        pcts.push(tr.appendChild(el("td", "", "sp-sl-pct")));
        table.appendChild(tr);
    });
    // ---- one slider per group of criteria: its share of the total weight; moving it
    // scales the group's criteria together and leaves the other groups' proportions
    var gInputs = [], gPcts = [], gTable = root.querySelector(".sp-sl-groups");
    function setGroup(g, s) {
        var mem = D.groups[g].members, inG = {}, G = 0, O = 0, j;
        mem.forEach(function (k) { inG[k] = true; G += w[k]; });
        for (j = 0; j < w.length; j++) { if (!inG[j]) { O += w[j]; } }
        var others = w.length - mem.length;
        if (s >= 1 || others === 0) {
            for (j = 0; j < w.length; j++) { if (!inG[j]) { w[j] = 0; } }
            if (!(G > 0)) { mem.forEach(function (k) { w[k] = 1; }); }
        } else {
            if (!(O > 0)) {  // the others have no weight: give them equal ones
                for (j = 0; j < w.length; j++) { if (!inG[j]) { w[j] = 1; } }
                O = others;
            }
            var target = s * O / (1 - s);
            mem.forEach(function (k) { w[k] = G > 0 ? w[k] * target / G : target / mem.length; });
        }
        var top = Math.max.apply(null, w);  // back on the sliders' 0-100 scale, 3 places
        if (top > 0) {
            w = w.map(function (x) { return Math.round(x / top * 100 * 1000) / 1000; });
        }
        inputs.forEach(function (inp, k) { inp.value = String(w[k]); });
    }
    if (D.groups.length > 1) {
        D.groups.forEach(function (gr, g) {
            var tr = el("tr"), td = el("td"), inp = el("input");
            inp.type = "range"; inp.min = "0"; inp.max = "100"; inp.step = "any";
            inp.setAttribute("data-group", gr.name); inp.setAttribute("aria-label", gr.label);
            inp.addEventListener("input", function () {
                setGroup(g, Math.min(1, Math.max(0, parseFloat(inp.value) / 100))); update();
            });
            gInputs.push(inp); td.appendChild(inp);
            tr.appendChild(el("td", gr.label, "sp-sl-group")); tr.appendChild(td);
            gPcts.push(tr.appendChild(el("td", "", "sp-sl-pct")));
            gTable.appendChild(tr);
        });
    } else {
        root.querySelector(".sp-sl-groups-title").style.display = "none";
    }
    select.addEventListener("change", function () { method = select.value; update(); });
    root.querySelector(".sp-sl-reset").addEventListener("click", function () {
        w = init.slice(); method = D.method; select.value = method;
        inputs.forEach(function (inp, j) { inp.value = String(init[j]); });
        update();
    });
    function fmt(x) { return String(Number(x.toFixed(3))); }
    function num(x, d) { return x.toFixed(d).replace(".", D.decimal); }
    function say(key, vals) {  // D.words[key] with its {name} fields filled
        return D.words[key].replace(/\{(\w+)\}/g, function (_, k) { return String(vals[k]); });
    }
    function atFile() {
        return method === D.method && w.every(function (x, j) { return x === init[j]; });
    }
    var state = {};
    function update() {
        var sh = core.shares(w), note = root.querySelector(".sp-sl-note"), msg = [];
        pcts.forEach(function (p, j) { p.textContent = sh ? (100 * sh[j]).toFixed(1) + "%" : ""; });
        D.groups.forEach(function (gr, g) {
            if (!gInputs[g]) { return; }
            var t = 0;
            gr.members.forEach(function (k) { t += sh ? sh[k] : 0; });
            gPcts[g].textContent = sh ? (100 * t).toFixed(1) + "%" : "";
            if (document.activeElement !== gInputs[g]) { gInputs[g].value = String(100 * t); }
        });
        var opts = D.criteria.map(function (c, j) { return "-w " + c.name + "=" + fmt(w[j]); });
        if (method !== D.method) { opts.unshift("-m " + method); }
        root.querySelector(".sp-sl-copy").value = opts.join(" ");
        var fn = core.methods[method];
        if (!sh) { msg.push(say("sl no weight")); }
        if (!fn) { msg.push(say("sl needs python", {method: D.method_name})); }
        if (D.excluded) {
            msg.push(say("sl excluded", {n: D.excluded}) + (D.floor === null ? "" :
                     " " + say("sl floor", {floor: num(D.floor, 2)})));
        }
        note.textContent = msg.join(" ");
        if (!sh || !fn) { return; }
        var scores, rk;
        if (atFile()) {
            scores = D.score.map(function (s) { return s === null ? NaN : s; });
            rk = D.rank.slice();
        }
        else { scores = fn(sh); rk = core.ranks(scores); }
        draw(scores, rk, core.order(rk), core.viability(w));
    }
    function draw(scores, rk, ord, via) {
        var col = core.colours(scores), nr = n, top = root.querySelector(".sp-sl-top");
        var changed = !atFile();
        state = {method: method, ids: ord.map(function (i) { return D.ids[i]; }), score: {},
                 rank: {}, colour: {}};
        while (top.firstChild) { top.removeChild(top.firstChild); }
        for (var p = ord.length - 1; p >= 0; p--) {  // worst first: the best end on top
            var i = ord[p], mk = markers[i], r = rk[i];
            state.score[D.ids[i]] = scores[i]; state.rank[D.ids[i]] = r;
            state.colour[D.ids[i]] = col[i];
            if (!mk) { continue; }
            mk.setStyle({fillColor: col[i]});
            mk.setRadius(Math.round(10 * (D.radius[0] + D.radius[1] *
                (1 - (r - 1) / Math.max(nr - 1, 1)))) / 10);
            if (mk._map) { mk.bringToFront(); }
            var tip = el("div"), b = el("b", D.names[i]);
            tip.appendChild(b); tip.appendChild(el("br"));
            tip.appendChild(document.createTextNode(say("sl tip", {rank: r,
                                                                   score: num(scores[i], 3)})));
            if (mk.getTooltip()) { mk.setTooltipContent(tip); }
            popupLine(mk, changed ? say("sl popup", {method: D.methods[method], rank: r,
                                                     n: nr, score: num(scores[i], 3)}) : "");
        }
        ord.slice(0, 10).forEach(function (i) {
            var li = el("li");
            li.appendChild(el("span", D.names[i], "sp-sl-name"));
            li.appendChild(el("span", " (" + num(scores[i], 3) + ")", "sp-hint"));
            if (via && via[i] < D.viability.floor) {
                li.appendChild(el("span", " \u26a0 " + say("sl below floor", {}), "sp-sl-warn"));
            }
            top.appendChild(li);
        });
        // the rank labels are drawn and decluttered by the map's label script
        if (window.siteplanDeclutter) {
            var newRanks = {};
            ord.forEach(function (i) { newRanks[D.ids[i]] = rk[i]; });
            window.siteplanRanks = newRanks;
            window.siteplanDeclutter();
        }
    }
    function popupLine(mk, text) {
        var pop = mk.getPopup(), c = pop && pop.getContent();
        if (!c || typeof c === "string") { return; }
        var line = c.querySelector ? c.querySelector(".sp-sl-line") : null;
        if (!line && text) {
            line = el("div", "", "sp-sl-line");
            c.insertBefore(line, c.firstChild);
        }
        if (line) { line.textContent = text; line.style.display = text ? "" : "none"; }
    }
    update();
    window.siteplanSliders = {state: function () { return state; }, markers: function () {
        return markers.filter(function (x) { return x; }).length; }};
}
"""


def add_slider_panel(m: folium.Map, ranking: Ranking, lang: str = "en") -> None:
    """Add the weight-slider panel (bottom left) to a ranking map; see the module docstring.

    Nothing is added when no site is ranked (there is nothing to re-score).
    """
    from branca.element import MacroElement
    from jinja2 import Template

    if not len(ranking.included) or not len(ranking.weights):
        return
    panel = MacroElement()
    panel._name = "SliderPanel"
    panel._template = Template(
        "{% macro header(this, kwargs) %}{{ this.css }}{% endmacro %}"
        '{% macro html(this, kwargs) %}<div id="{{ this.get_name() }}" '
        'class="sp-panel sp-slider-panel">{{ this.content }}</div>{% endmacro %}'
        "{% macro script(this, kwargs) %}{{ this.js }}\n(function () {\n"
        "var div = document.getElementById({{ this.get_name()|tojson }});\n"
        "var ctl = L.control({position: 'bottomleft'});\n"
        "ctl.onAdd = function () { L.DomEvent.disableClickPropagation(div);\n"
        "  L.DomEvent.disableScrollPropagation(div); return div; };\n"
        "ctl.addTo({{ this._parent.get_name() }});\n"
        "SP_SLIDERS({{ this._parent.get_name() }}, div);\n})();\n{% endmacro %}")
    panel.css = _PANEL_CSS  # type: ignore[attr-defined]
    words = {k: map_word(w, lang) for k, w in PANEL_WORDS.items()}  # trusted markup
    panel.content = _PANEL_HTML % {  # type: ignore[attr-defined]
        "data": script_json(slider_data(ranking, lang)), **words}
    panel.js = _CORE_JS + _UI_JS  # type: ignore[attr-defined]
    m.add_child(panel, name="sp_sliders")
