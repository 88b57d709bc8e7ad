"""The surface map: H3 cells drawn as vector hexagons in the browser, with a popup per cell.

:func:`surface_cells` packs a :class:`~siteplan.analyses.surface.model.SurfaceModel` and one
value per cell (its score, or the share of a robustness run) into a compact payload, and
:func:`add_cells` draws it on a map of :func:`siteplan.outputs.html_map.render_map`:

* **Crisp at every zoom.** The cells are drawn as hexagons on canvas tiles (a Leaflet
  ``GridLayer``), redrawn for each zoom, never as a stretched image. Each tile draws only
  the cells of the bins it overlaps. Neighbouring hexagons share their vertices to well
  under a metre, every hexagon is stroked with its own colour, and every painted pixel of
  a tile is made opaque, so antialiasing leaves no seam or pinhole between them (at
  national zoom a cell is about one pixel wide).
* **Compact.** The hexagons' vertices are not stored: within each H3 resolution-1
  parent, a cell's six vertex offsets from its centre are a smooth function of the
  centre, fitted here as a quadratic in lon/lat (measured on the Morocco pack: at most
  0.5 m off at resolution 7, 1.2 m at resolution 6). Only the centres are stored, in
  1e-5 degree steps (about 1 m), delta-coded. Cells the fit misses by more than
  :data:`VERTEX_TOLERANCE_M` (pentagons, for instance) keep their own vertices.
  Values are integers in fixed decimals per criterion, delta-coded over the cells that
  have one. Columns are split into byte planes and deflated (zlib) once; the browser
  inflates them with its built-in ``DecompressionStream``, so nothing is fetched.
* **A popup anywhere.** A click on the surface finds the hexagon under the pointer
  (point-in-polygon on the drawn hexagons of the nearby bins) and shows its value, the
  raw value of every criterion with its label and unit, and, for an excluded cell, the
  constraints it fails. Words come from :mod:`siteplan.outputs.language`.
* **A legend that fits.** The colour ramp (viridis, perceptually uniform and readable
  with every colour-vision deficiency), its minimum and maximum, and what grey means.

Security: the payload is JSON in a ``<script type="application/json">`` block written by
:func:`~siteplan.outputs.cartography.script_json`; labels reach the page as text only.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan.analyses.surface.model import (
    SurfaceModel,
    check_scores,
    edge_km,
    h3_parent,
)
from siteplan.outputs.cartography import _colormap, _hex, script_json
from siteplan.outputs.language import fmt_num, overlay_word
from siteplan.scoring.screening import constraint_fails, constraint_reason

if TYPE_CHECKING:
    import folium
    from numpy.typing import NDArray

    from siteplan.outputs.overlay import Overlay

#: the surface palette: perceptually uniform, sequential, colour-blind safe
SURFACE_CMAP = "viridis"
#: steps of the stored cell centres, degrees (1e-5 degree is about 1.1 m)
COORD_STEP = 1e-5
#: largest distance between a fitted and a true H3 vertex before a cell keeps its own
VERTEX_TOLERANCE_M = 2.0
#: H3 resolution of the groups whose vertex offsets share one fitted quadratic
TEMPLATE_RESOLUTION = 1
#: colour of the cells without a value (excluded): opaque, so that the strokes that close
#: the seams between hexagons do not darken their edges; light, so that the ramp stands out
SURFACE_GREY = "#c4c4c4"
#: colour ramp entries sent to the browser
RAMP_SIZE = 256
_M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class SurfaceCells:
    """What the browser needs to draw and explain a surface (see :func:`surface_cells`).

    Attributes
    ----------
    payload
        The JSON-ready description: columns (base64 of the deflated byte planes), the
        vertex templates, labels, units and decimals, the ramp and the words.
    vmin, vmax
        The range of the colour ramp (the finite values' minimum and maximum).
    resolution
        H3 resolution of the cells.
    n_cells, n_valid, n_explicit
        Cells drawn, cells with a value, cells that keep their own vertices.
    """

    payload: dict[str, Any]
    vmin: float
    vmax: float
    resolution: int
    n_cells: int
    n_valid: int
    n_explicit: int


def _ordered_offsets(model: SurfaceModel, lon: NDArray[np.float64], lat: NDArray[np.float64]
                     ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Vertex offsets (lon, lat degrees) from the given centres, shape (n, 6, 2), sorted
    by angle; and which cells are hexagons (a pentagon's row is left as zeros)."""
    from h3._cy import cell_to_boundary

    n = model.n_cells
    off = np.zeros((n, 6, 2))
    hexagon = np.ones(n, dtype=bool)
    for i, c in enumerate(model.cells.tolist()):
        b = cell_to_boundary(c)
        if len(b) != 6:
            hexagon[i] = False
            continue
        off[i] = np.asarray(b)[:, ::-1]
    off[hexagon] -= np.stack([lon, lat], -1)[hexagon, None, :]
    coslat = np.cos(np.radians(lat))[:, None]
    ang = np.arctan2(off[..., 1], off[..., 0] * coslat)
    return np.take_along_axis(off, np.argsort(ang, axis=1)[..., None], 1), hexagon


def _design(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """The quadratic terms the browser evaluates (same order as ``SP_SURFACE``'s ``poly``)."""
    return np.column_stack([np.ones_like(x), x, y, x * x, y * y, x * y])


def _vertex_templates(model: SurfaceModel, lon: NDArray[np.float64], lat: NDArray[np.float64]
                      ) -> tuple[NDArray[np.intp], list[dict[str, Any]], NDArray[np.bool_]]:
    """Per cell its template group; per group its origin and quadratic coefficients; and the
    cells the fit misses by more than the tolerance (they keep their own vertices)."""
    off, hexagon = _ordered_offsets(model, lon, lat)
    parents = h3_parent(model.cells, min(TEMPLATE_RESOLUTION, model.resolution))
    _, group = np.unique(parents, return_inverse=True)
    explicit = ~hexagon
    templates: list[dict[str, Any]] = []
    for g in range(int(group.max()) + 1 if group.size else 0):
        idx = np.flatnonzero((group == g) & hexagon)
        if not idx.size:
            templates.append({"o": [0.0, 0.0], "c": [[0.0] * 12] * 6})
            continue
        # the same vertex first in every cell: the rotation closest to the group's first cell
        ref = off[idx[0]]
        rolls = np.stack([np.roll(off[idx], -r, axis=1) for r in range(6)])
        best = np.argmin(((rolls - ref) ** 2).sum(axis=(2, 3)), axis=0)
        off[idx] = rolls[best, np.arange(idx.size)]
        x0, y0 = round(float(lon[idx].mean()), 3), round(float(lat[idx].mean()), 3)
        design = _design(lon[idx] - x0, lat[idx] - y0)
        coef, *_ = np.linalg.lstsq(design, off[idx].reshape(idx.size, 12), rcond=None)
        err = (design @ coef - off[idx].reshape(idx.size, 12)).reshape(-1, 6, 2)
        metres = np.hypot(err[..., 0] * np.cos(np.radians(lat[idx]))[:, None],
                          err[..., 1]) * _M_PER_DEG
        explicit[idx[metres.max(axis=1) > VERTEX_TOLERANCE_M]] = True
        templates.append({"o": [x0, y0], "c": coef.T.tolist()})  # 12 outputs x 6 terms
    return group.astype(np.intp), templates, explicit


def _planes(a: NDArray[Any]) -> bytes:
    """int32 values as four byte planes (low bytes first): deflate finds more repeats."""
    return np.ascontiguousarray(a.astype("<i4").view(np.uint8).reshape(-1, 4).T).tobytes()


def decimals_for(values: NDArray[np.float64]) -> int:
    """Decimals a criterion's values are shown and stored with: none for whole numbers,
    else enough for three significant digits of the smaller values (at most 3)."""
    fin = values[np.isfinite(values)]
    if not fin.size or np.all(fin == np.round(fin)):
        return 0
    nz = np.abs(fin[fin != 0])
    low = float(np.quantile(nz, 0.1)) if nz.size else 1.0
    d = int(np.clip(2 - np.floor(np.log10(low)), 0, 3))
    while d and float(np.max(np.abs(fin))) * 10.0 ** d >= 2**30:
        d -= 1
    return d


class _Columns:
    """Accumulates int32 columns (and bit masks) into one byte string with a manifest."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.offset = 0
        self.manifest: dict[str, list[int]] = {}

    def add(self, name: str, data: bytes, count: int) -> None:
        self.manifest[name] = [self.offset, count]
        self.parts.append(data)
        self.offset += len(data)

    def ints(self, name: str, a: NDArray[Any]) -> None:
        self.add(name, _planes(a), int(a.size))

    def values(self, name: str, v: NDArray[np.float64], d: int) -> None:
        """Finite values in ``d`` decimals, delta-coded in cell order, with their mask."""
        fin = np.isfinite(v)
        self.add(name + ":mask", np.packbits(fin, bitorder="little").tobytes(), int(v.size))
        q = np.round(v[fin] * 10.0 ** d).astype(np.int64)
        self.ints(name, np.diff(q, prepend=0))

    def encoded(self) -> str:
        # level 6: 3 % larger than level 9 at res 7, and 11 times faster (0.07 s, not 0.8 s)
        return base64.b64encode(zlib.compress(b"".join(self.parts), 6)).decode("ascii")


def _exclusion_codes(model: SurfaceModel, lang: str) -> tuple[NDArray[np.int64], list[str]]:
    """Per cell a bit mask of the reasons it is excluded, and the reasons in ``lang``: one
    bit per constraint it fails (from its raw value), and a last bit for an excluded cell
    no constraint explains (the NaN policy or the viability floor, named when only one)."""
    from siteplan.outputs.language import reason_in

    scen = model.scenario
    codes = np.zeros(model.n_cells, dtype=np.int64)
    reasons: list[str] = []
    for k, con in enumerate(scen.constraints):
        col = model.raw[:, model.criteria.index(con.criterion)]
        codes[constraint_fails(col, con)] |= 1 << k
        reasons.append(reason_in(constraint_reason(con, scen.criterion(con.criterion)), scen,
                                 lang))
    known = {constraint_reason(c, scen.criterion(c.criterion)) for c in scen.constraints}
    other = [why for why in model.exclusions if why not in known]
    rest = ~model.valid & (codes == 0)
    codes[rest] |= 1 << len(reasons)
    reasons.append(reason_in(other[0], scen, lang) if len(other) == 1
                   else overlay_word("excluded other", lang))
    return codes, reasons


def surface_cells(model: SurfaceModel, values: Any, *, label: str | None = None,
                  digits: int = 3, criteria: bool = True, lang: str = "en",
                  title: str = "") -> SurfaceCells:
    """Pack a surface and one value per cell for :func:`add_cells`.

    Parameters
    ----------
    model
        The surface (cells, centres, raw criteria, validity).
    values
        One value per cell, shape ``(model.n_cells,)`` (the scores, or a robustness share);
        NaN where the cell has none (drawn grey).
    label
        What the value is, shown in the popup (default: "Score" in ``lang``).
    digits
        Decimals of the value, stored and shown.
    criteria
        Embed the raw criteria too (the popup lists them); a second layer of the same cells
        (a robustness share) can leave them out to keep the file small.
    lang
        Language of the words and labels.
    title
        The layer's name, the popup's heading (shown as text).
    """
    v = check_scores(model, values)
    lon = np.round(model.lon / COORD_STEP) * COORD_STEP
    lat = np.round(model.lat / COORD_STEP) * COORD_STEP
    group, templates, explicit = _vertex_templates(model, lon, lat)
    cols = _Columns()
    qlon = np.round(model.lon / COORD_STEP).astype(np.int64)
    qlat = np.round(model.lat / COORD_STEP).astype(np.int64)
    cols.ints("lon", np.diff(qlon, prepend=0))
    cols.ints("lat", np.diff(qlat, prepend=0))
    cols.ints("group", group)
    cols.values("value", v, digits)
    scen = model.scenario
    crit: list[dict[str, Any]] = []
    if criteria:
        for j, name in enumerate(model.criteria):
            c = scen.criterion(name)
            raw = model.raw[:, j].astype(np.float64)
            d = decimals_for(raw)
            cols.values(f"c{j}", raw, d)
            crit.append({"key": f"c{j}", "label": c.display_in(lang), "unit": c.unit_in(lang),
                         "d": d})
    codes, reasons = _exclusion_codes(model, lang)
    cols.ints("why", codes)
    ex_idx = np.flatnonzero(explicit)
    if ex_idx.size:
        from h3._cy import cell_to_boundary

        flat = [(i, np.asarray(cell_to_boundary(int(model.cells[i])))[:, ::-1]) for i in ex_idx]
        cols.ints("ex_cell", ex_idx)
        cols.ints("ex_n", np.array([len(b) for _, b in flat]))
        pts = np.concatenate([b for _, b in flat]) if flat else np.zeros((0, 2))
        cols.ints("ex_xy", np.round(pts.ravel() / COORD_STEP).astype(np.int64))
    fin = v[np.isfinite(v)]
    vmin = float(fin.min()) if fin.size else 0.0
    vmax = float(fin.max()) if fin.size else 1.0
    cm = _colormap(SURFACE_CMAP)
    payload = {
        "n": model.n_cells, "step": COORD_STEP, "blob": cols.encoded(), "cols": cols.manifest,
        "templates": templates, "value": {"label": label or overlay_word("Score", lang),
                                          "d": digits, "min": vmin, "max": vmax},
        "criteria": crit, "reasons": reasons,
        "ramp": [_hex(cm(i / (RAMP_SIZE - 1))) for i in range(RAMP_SIZE)],
        "grey": SURFACE_GREY, "edge_deg": edge_km(model.resolution) / 111.32,
        "sep": [",", "."] if lang == "en" else ["\u202f", ","],
        "pct": "%" if lang == "en" else "\u202f%",
        "title": title,
        "words": {w: overlay_word(w, lang) for w in ("Excluded", "not computed",
                                                     "cell centre", "no value")},
        "resolution": model.resolution,
    }
    return SurfaceCells(payload=payload, vmin=vmin, vmax=vmax, resolution=model.resolution,
                        n_cells=model.n_cells, n_valid=int(np.isfinite(v).sum()),
                        n_explicit=int(ex_idx.size))


def cells_legend(ov: Overlay, cells: SurfaceCells, lang: str = "en") -> str:
    """The legend of a surface layer: title, the ramp with its ends, what grey means and
    how to query a cell (pre-escaped HTML)."""
    from siteplan.outputs.html_map import esc

    cm = _colormap(SURFACE_CMAP)
    stops = ", ".join(_hex(cm(i / 8)) for i in range(9))
    d = int(cells.payload["value"]["d"])
    area = 3 * np.sqrt(3) / 2 * edge_km(cells.resolution) ** 2
    hint = overlay_word("cells hint", lang, res=cells.resolution, area=fmt_num(area, lang, 1))
    return (f'<div class="sp-legend-title">{esc(ov.legend or ov.name)}</div>'
            f'<div class="sp-ramp" style="background: linear-gradient(to right, {stops})">'
            '</div><div class="sp-ramp-labels">'
            f'<span class="sp-ramp-min">{esc(fmt_num(cells.vmin, lang, d))}</span>'
            f'<span class="sp-ramp-max">{esc(fmt_num(cells.vmax, lang, d))}</span></div>'
            f'<div class="sp-legend-row"><span class="sp-swatch" style="background: '
            f'{SURFACE_GREY}"></span>{esc(overlay_word("grey cells", lang))}'
            "</div>"
            f'<div class="sp-hint">{esc(hint)}'
            f' {esc(overlay_word("palette", lang, name=SURFACE_CMAP))}</div>')


def add_cells(m: folium.Map, ov: Overlay, lang: str = "en") -> str:
    """Draw a ``kind="cells"`` overlay on ``m`` (a toggleable layer); return its legend."""
    from folium.map import Layer
    from jinja2 import Template

    cells: SurfaceCells = ov.extra["cells"]

    class CellsLayer(Layer):
        """The cells as a Leaflet layer (listed in the layer control like any other)."""

        _template = Template(
            '{% macro html(this, kwargs) %}<script type="application/json" id="'
            '{{ this.get_name() }}_data">{{ this.data }}</script>{% endmacro %}'
            "{% macro script(this, kwargs) %}{{ this.js }}\n"
            "var {{ this.get_name() }} = SP_SURFACE({{ this._parent.get_name() }}, "
            "JSON.parse(document.getElementById({{ (this.get_name() ~ '_data')|tojson }})"
            ".textContent), {{ this.opacity|tojson }});\n"
            "{% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});"
            "{% endif %}\n{% endmacro %}")

        def __init__(self, data: str, js: str, opacity: float) -> None:
            super().__init__(name=ov.name, overlay=True, control=True, show=ov.show)
            self._name = "SurfaceCells"
            self.data, self.js, self.opacity = data, js, opacity

    # the drawing code once per page, however many cell layers
    first = not any(type(c).__name__ == "CellsLayer" for c in m._children.values())
    CellsLayer(script_json(cells.payload), _SURFACE_JS if first else "",
               float(ov.opacity)).add_to(m)
    return cells_legend(ov, cells, lang)


_SURFACE_JS = r"""
var SP_SURFACE = (function () {
  function inflate(b64) {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }
  function ints(buf, spec) {  // byte planes -> Int32Array
    var off = spec[0], n = spec[1], out = new Int32Array(n);
    for (var i = 0; i < n; i++) {
      out[i] = buf[off + i] | (buf[off + n + i] << 8) | (buf[off + 2 * n + i] << 16) |
               (buf[off + 3 * n + i] << 24);
    }
    return out;
  }
  function cumsum(a) { for (var i = 1; i < a.length; i++) { a[i] += a[i - 1]; } return a; }
  function values(buf, cols, key, n, d) {  // Float64Array, NaN where the cell has none
    var m = cols[key + ":mask"], q = cumsum(ints(buf, cols[key])), out = new Float64Array(n);
    var scale = Math.pow(10, d), k = 0;
    for (var i = 0; i < n; i++) {
      var has = (buf[m[0] + (i >> 3)] >> (i & 7)) & 1;
      out[i] = has ? q[k++] / scale : NaN;
    }
    return out;
  }
  function decode(data, buf) {
    var n = data.n, cols = data.cols, step = data.step;
    var lon = cumsum(ints(buf, cols.lon)), lat = cumsum(ints(buf, cols.lat));
    var group = ints(buf, cols.group), poly = new Float64Array(n * 12);
    var cx = new Float64Array(n), cy = new Float64Array(n);
    for (var i = 0; i < n; i++) {
      var x = lon[i] * step, y = lat[i] * step, t = data.templates[group[i]];
      var dx = x - t.o[0], dy = y - t.o[1], terms = [1, dx, dy, dx * dx, dy * dy, dx * dy];
      cx[i] = x; cy[i] = y;
      for (var k = 0; k < 12; k++) {
        var c = t.c[k], s = 0;
        for (var j = 0; j < 6; j++) { s += c[j] * terms[j]; }
        poly[i * 12 + k] = (k % 2 ? y : x) + s;
      }
    }
    var nv = new Uint8Array(n).fill(6), extra = {};
    if (cols.ex_cell) {
      var ec = ints(buf, cols.ex_cell), en = ints(buf, cols.ex_n), ev = ints(buf, cols.ex_xy);
      for (var e = 0, p = 0; e < ec.length; e++) {
        var pts = [];
        for (var v = 0; v < en[e]; v++, p++) { pts.push(ev[2 * p] * step, ev[2 * p + 1] * step); }
        extra[ec[e]] = pts; nv[ec[e]] = en[e];
      }
    }
    var out = {n: n, cx: cx, cy: cy, poly: poly, nv: nv, extra: extra,
               value: values(buf, cols, "value", n, data.value.d), why: ints(buf, cols.why),
               crit: data.criteria.map(function (c) {
                 return values(buf, cols, c.key, n, c.d); })};
    return out;
  }
  function vertices(g, i) {  // [x0, y0, x1, y1, ...] in degrees
    if (g.extra[i]) { return g.extra[i]; }
    return Array.prototype.slice.call(g.poly, i * 12, i * 12 + 12);
  }
  function index(g, size) {  // bins of size degrees -> cell lists
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (var i = 0; i < g.n; i++) {
      x0 = Math.min(x0, g.cx[i]); y0 = Math.min(y0, g.cy[i]);
      x1 = Math.max(x1, g.cx[i]); y1 = Math.max(y1, g.cy[i]);
    }
    var nx = Math.max(1, Math.ceil((x1 - x0) / size) + 1);
    var ny = Math.max(1, Math.ceil((y1 - y0) / size) + 1);
    var bins = new Array(nx * ny);
    for (var k = 0; k < g.n; k++) {
      var b = Math.floor((g.cy[k] - y0) / size) * nx + Math.floor((g.cx[k] - x0) / size);
      (bins[b] = bins[b] || []).push(k);
    }
    return {x0: x0, y0: y0, nx: nx, ny: ny, size: size, bins: bins};
  }
  function near(ix, w, s, e, n) {  // cells whose centre bin meets the box
    var out = [], size = ix.size;
    var i0 = Math.max(0, Math.floor((w - ix.x0) / size));
    var i1 = Math.min(ix.nx - 1, Math.floor((e - ix.x0) / size));
    var j0 = Math.max(0, Math.floor((s - ix.y0) / size));
    var j1 = Math.min(ix.ny - 1, Math.floor((n - ix.y0) / size));
    for (var j = j0; j <= j1; j++) {
      for (var i = i0; i <= i1; i++) {
        var b = ix.bins[j * ix.nx + i];
        if (b) { for (var k = 0; k < b.length; k++) { out.push(b[k]); } }
      }
    }
    return out;
  }
  function inside(v, x, y) {  // ray casting on the polygon's vertices
    var hit = false;
    for (var a = 0, b = v.length - 2; a < v.length; b = a, a += 2) {
      if ((v[a + 1] > y) !== (v[b + 1] > y) &&
          x < (v[b] - v[a]) * (y - v[a + 1]) / (v[b + 1] - v[a + 1]) + v[a]) { hit = !hit; }
    }
    return hit;
  }
  function opaque(ctx, tile) {
    // where sub-pixel hexagons meet, antialiasing leaves pixels partly transparent (each
    // hexagon covers part of the pixel): every painted pixel is made opaque, so that no
    // seam lets the basemap through (the colour channels are not premultiplied here)
    var img = ctx.getImageData(0, 0, tile.width, tile.height), px = img.data;
    for (var i = 3; i < px.length; i += 4) { if (px[i]) { px[i] = 255; } }
    ctx.putImageData(img, 0, 0);
  }
  function mercX(lon, scale) { return (lon + 180) / 360 * scale; }
  function mercY(lat, scale) {
    var s = Math.sin(lat * Math.PI / 180);
    return (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale;
  }
  function fmt(x, d, sep) {
    var t = x.toFixed(d), neg = t[0] === "-", parts = (neg ? t.slice(1) : t).split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, sep[0]);
    return (neg ? "-" : "") + whole + (parts.length > 1 ? sep[1] + parts[1] : "");
  }
  function withUnit(text, unit, pct) {
    if (!unit) { return text; }
    return unit === "%" ? text + pct : text + " " + unit;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function popup(data, g, i, name) {
    var box = el("div", "sp-popup sp-cell-popup"), w = data.words, v = g.value[i];
    box.appendChild(el("h4", "sp-cell-title", name));
    var status = el("div", "sp-status");
    if (isNaN(v)) {
      status.appendChild(el("b", "sp-cell-excluded", w["Excluded"]));
      var ul = el("ul", "sp-cell-reasons");
      for (var r = 0; r < data.reasons.length; r++) {
        if ((g.why[i] >> r) & 1) { ul.appendChild(el("li", null, data.reasons[r])); }
      }
      status.appendChild(ul);
    } else {
      status.appendChild(document.createTextNode(data.value.label + " "));
      status.appendChild(el("b", "sp-cell-value", fmt(v, data.value.d, data.sep)));
    }
    box.appendChild(status);
    if (data.criteria.length) {
      var table = el("table", "sp-breakdown sp-cell-criteria"), body = el("tbody");
      data.criteria.forEach(function (c, j) {
        var tr = el("tr"), x = g.crit[j][i];
        var text = isNaN(x) ? w["not computed"] : withUnit(fmt(x, c.d, data.sep), c.unit, data.pct);
        tr.appendChild(el("td", null, c.label));
        tr.appendChild(el("td", "sp-num", text));
        body.appendChild(tr);
      });
      table.appendChild(body); box.appendChild(table);
    }
    var deg = [",", data.sep[1]];
    box.appendChild(el("div", "sp-hint", w["cell centre"] + " " + fmt(g.cy[i], 4, deg) + ", " +
                       fmt(g.cx[i], 4, deg) + " \u00b7 H3 " + data.resolution));
    return box;
  }
  return function (map, data, opacity) {
    var ramp = data.ramp, lo = data.value.min, span = (data.value.max - lo) || 1;
    var ready = inflate(data.blob).then(function (buf) {
      var g = decode(data, buf);
      g.ix = index(g, Math.max(0.05, 4 * data.edge_deg));
      g.colour = new Array(g.n);
      var top = ramp.length - 1;
      for (var i = 0; i < g.n; i++) {
        var v = g.value[i];
        g.colour[i] = isNaN(v) ? data.grey
          : ramp[Math.max(0, Math.min(top, Math.round((v - lo) / span * top)))];
      }
      return g;
    });
    var Layer = L.GridLayer.extend({
      createTile: function (coords, done) {
        var tile = document.createElement("canvas"), size = this.getTileSize();
        var ratio = window.devicePixelRatio || 1;
        tile.width = size.x * ratio; tile.height = size.y * ratio;
        tile.className = "sp-surface-tile";
        ready.then(function (g) {
          var ctx = tile.getContext("2d"), scale = size.x * Math.pow(2, coords.z);
          var ox = coords.x * size.x, oy = coords.y * size.y, m = 2 * data.edge_deg;
          var nw = map.unproject([ox, oy], coords.z);
          var se = map.unproject([ox + size.x, oy + size.y], coords.z);
          var list = near(g.ix, nw.lng - m, se.lat - m, se.lng + m, nw.lat + m);
          ctx.scale(ratio, ratio);
          ctx.lineJoin = "round"; ctx.lineWidth = 1;
          for (var k = 0; k < list.length; k++) {
            var i = list[k], v = vertices(g, i);
            ctx.beginPath();
            for (var a = 0; a < v.length; a += 2) {
              var px = mercX(v[a], scale) - ox, py = mercY(v[a + 1], scale) - oy;
              if (a) { ctx.lineTo(px, py); } else { ctx.moveTo(px, py); }
            }
            ctx.closePath();
            ctx.fillStyle = ctx.strokeStyle = g.colour[i];
            ctx.fill(); ctx.stroke();
          }
          opaque(ctx, tile);
          done(null, tile);
        });
        return tile;
      }
    });
    var layer = new Layer({pane: "sp-raster", opacity: opacity, className: "sp-surface",
                           maxNativeZoom: 18, maxZoom: 22});
    var outline = null;
    function onClick(e) {
      var t = e.originalEvent && e.originalEvent.target;
      var skip = ".leaflet-interactive, .leaflet-marker-icon, .leaflet-control";
      if (t && t.closest && t.closest(skip)) { return; }
      ready.then(function (g) {
        var x = e.latlng.lng, y = e.latlng.lat, r = 2 * data.edge_deg;
        var list = near(g.ix, x - r, y - r, x + r, y + r);
        for (var k = 0; k < list.length; k++) {
          var v = vertices(g, list[k]);
          if (inside(v, x, y)) {
            var pts = [];
            for (var a = 0; a < v.length; a += 2) { pts.push([v[a + 1], v[a]]); }
            if (outline) { map.removeLayer(outline); }
            outline = L.polygon(pts, {interactive: false, fill: false, color: "#000", weight: 2,
                                      className: "sp-cell-outline"}).addTo(map);
            L.popup({maxWidth: 420, maxHeight: 420, className: "sp-cell-popup-box"})
              .setLatLng(e.latlng).setContent(popup(data, g, list[k], data.title)).openOn(map);
            return;
          }
        }
      });
    }
    layer.on("add", function () { map.on("click", onClick); });
    layer.on("remove", function () {
      map.off("click", onClick);
      if (outline) { map.removeLayer(outline); outline = null; }
    });
    map.on("popupclose", function () {
      if (outline) { map.removeLayer(outline); outline = null; }
    });
    layer.spReady = ready;
    return layer;
  };
})();
"""
