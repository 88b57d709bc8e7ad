"""The surface map's payload, decoded here independently of the browser code.

The payload is read back by a decoder written for this test from the format's description
(base64, zlib, int32 byte planes, delta coding, bit masks) and compared with independent
references: the H3 library's own cell boundaries (``h3.cell_to_boundary``) for the
hexagons the browser draws from the fitted templates, and the model's ``raw_frame`` and
scores for the values. The browser tests (``test_surface_map_browser.py``) check what a
person sees.
"""

from __future__ import annotations

import base64
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from siteplan.outputs.surface_map import COORD_STEP, VERTEX_TOLERANCE_M, decimals_for, surface_cells


def _ints(buf: bytes, spec: list[int]) -> np.ndarray:
    off, n = spec
    planes = np.frombuffer(buf[off:off + 4 * n], dtype=np.uint8).reshape(4, n)
    return np.ascontiguousarray(planes.T).view("<i4").ravel().astype(np.int64)


def _values(buf: bytes, cols: dict[str, list[int]], key: str, n: int, d: int) -> np.ndarray:
    off = cols[key + ":mask"][0]
    mask = np.unpackbits(np.frombuffer(buf[off:off + (n + 7) // 8], dtype=np.uint8),
                         bitorder="little")[:n].astype(bool)
    out = np.full(n, np.nan)
    out[mask] = np.cumsum(_ints(buf, cols[key])) / 10.0 ** d
    return out


def decode(payload: dict[str, Any]) -> dict[str, Any]:
    """Centres, hexagon vertices, values and criteria of a payload, in degrees and units."""
    buf = zlib.decompress(base64.b64decode(payload["blob"]))
    cols, n, step = payload["cols"], payload["n"], payload["step"]
    lon = np.cumsum(_ints(buf, cols["lon"])) * step
    lat = np.cumsum(_ints(buf, cols["lat"])) * step
    group = _ints(buf, cols["group"])
    verts = np.zeros((n, 6, 2))
    for i in range(n):
        t = payload["templates"][group[i]]
        dx, dy = lon[i] - t["o"][0], lat[i] - t["o"][1]
        terms = np.array([1, dx, dy, dx * dx, dy * dy, dx * dy])
        off = np.asarray(t["c"]) @ terms
        verts[i] = np.column_stack([lon[i] + off[0::2], lat[i] + off[1::2]])
    return {"lon": lon, "lat": lat, "verts": verts,
            "value": _values(buf, cols, "value", n, payload["value"]["d"]),
            "why": _ints(buf, cols["why"]),
            "criteria": [_values(buf, cols, c["key"], n, c["d"]) for c in payload["criteria"]]}


@pytest.fixture(scope="module")
def decoded(tiny_model: Any) -> tuple[Any, np.ndarray, dict[str, Any], dict[str, Any]]:
    scores = tiny_model.score()
    cells = surface_cells(tiny_model, scores)
    return tiny_model, scores, cells.payload, decode(cells.payload)


def test_centres_and_values_come_back(decoded: Any) -> None:
    model, scores, payload, got = decoded
    np.testing.assert_allclose(got["lon"], model.lon, atol=COORD_STEP / 2 + 1e-9)
    np.testing.assert_allclose(got["lat"], model.lat, atol=COORD_STEP / 2 + 1e-9)
    assert np.array_equal(np.isnan(got["value"]), np.isnan(scores))
    np.testing.assert_allclose(got["value"], scores, atol=0.0005 + 1e-12)
    raw = model.raw_frame()
    for c, values in zip(payload["criteria"], got["criteria"], strict=True):
        name = model.criteria[int(c["key"][1:])]
        ref = raw[name].to_numpy(dtype=np.float64)
        assert np.array_equal(np.isnan(values), np.isnan(ref)), name
        np.testing.assert_allclose(values, ref, atol=0.5 * 10.0 ** -c["d"] * 1.0001, rtol=1e-6,
                                   err_msg=name)


def test_drawn_hexagons_are_the_h3_cells(decoded: Any) -> None:
    """Each fitted vertex lies within the tolerance of a true H3 vertex of that cell."""
    import h3

    model, _, _, got = decoded
    for i, cell in enumerate(model.cells.tolist()):
        true = np.asarray(h3.cell_to_boundary(h3.int_to_str(cell)))[:, ::-1]  # lon, lat
        d = got["verts"][i][:, None, :] - true[None, :, :]
        metres = np.hypot(d[..., 0] * np.cos(np.radians(true[None, :, 1])), d[..., 1]) * 111_320
        assert metres.min(axis=1).max() < VERTEX_TOLERANCE_M, (i, metres.min(axis=1))
        assert sorted(np.argmin(metres, axis=1).tolist()) == list(range(6))


def test_excluded_cells_carry_their_reasons(decoded: Any) -> None:
    model, _, payload, got = decoded
    assert len(payload["reasons"]) == len(model.scenario.constraints) + 1
    assert np.all(got["why"][model.valid] == 0)
    assert np.all(got["why"][~model.valid] > 0)


def test_decimals_keep_three_significant_digits() -> None:
    assert decimals_for(np.array([1.0, 2.0, 30.0, np.nan])) == 0
    assert decimals_for(np.array([0.15, 0.2, 0.31])) == 3
    assert decimals_for(np.array([120.5, 250.2, 401.7])) == 0
    assert decimals_for(np.array([11.6, 142.6, 17.6, 250.0])) == 1
    assert decimals_for(np.array([10.5, 24.2, 49.3])) == 1


# --------------------------------------------------------------------------- in chromium
# The default surface of the embedded Morocco pack at the CLI's default resolution (7),
# drawn by save_map as `siteplan surface --map` does, checked as a person would see it.

CITIES = {"Casablanca": (33.57, -7.60), "Fes": (34.03, -5.00)}
_PIXELS = """(pts) => {
    const tiles = [...document.querySelectorAll('canvas.sp-surface-tile')].map(c => {
        const r = c.getBoundingClientRect();
        return {c, r, img: c.getContext('2d').getImageData(0, 0, c.width, c.height)};
    });
    return pts.map(([x, y]) => {
        for (const t of tiles) {
            if (x >= t.r.left && x < t.r.right && y >= t.r.top && y < t.r.bottom) {
                const k = t.c.width / t.r.width;
                const i = (Math.floor((y - t.r.top) * k) * t.c.width
                           + Math.floor((x - t.r.left) * k)) * 4;
                return t.img.data[i + 3];
            }
        }
        return -1;  // no tile there
    });
}"""


@pytest.fixture(scope="module")
def morocco_map(tmp_path_factory: pytest.TempPathFactory
                ) -> tuple[Any, Any, Any, dict[str, Path]]:
    from siteplan.analyses.surface.model import SurfaceModel
    from siteplan.errors import LayerError
    from siteplan.layers.pack import Pack
    from siteplan.outputs.html_map import save_map
    from siteplan.outputs.overlay import surface_overlay
    from siteplan.scoring.ranking import rank

    try:
        pack = Pack(None)
        model = SurfaceModel.build(pack=pack, resolution=7)
    except LayerError:
        pytest.skip("the embedded Morocco pack is not available")
    scores = model.score()
    ranking = rank(pack=pack)
    folder = tmp_path_factory.mktemp("surface")
    paths = {}
    for lang in ("en", "fr"):
        paths[lang] = save_map(ranking, folder / f"surface-{lang}.html", pack=pack,
                               overlays=[surface_overlay(model, scores, lang=lang)],
                               show_zones=False, lang=lang)
    return model, scores, pack, paths


@pytest.mark.browser
@pytest.mark.parametrize("size", [(1280, 800), (900, 700)])
def test_the_legend_fits_the_window(morocco_map: Any, map_page: Any,
                                    size: tuple[int, int]) -> None:
    _, scores, _, paths = morocco_map
    off = map_page(paths["en"], *size)
    off.wait_tiles()
    box = off.page.locator(".sp-legend").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= size[0] and box["y"] + box["height"] <= size[1]
    legend = off.page.locator(".sp-legend")
    assert legend.locator(".sp-ramp").first.is_visible()
    assert legend.locator(".sp-ramp-min").inner_text() == f"{np.nanmin(scores):.3f}"
    assert legend.locator(".sp-ramp-max").inner_text() == f"{np.nanmax(scores):.3f}"
    assert "grey" in legend.inner_text() and "viridis" in legend.inner_text()
    # the whole legend is visible: nothing scrolls out of its panel
    assert off.page.evaluate("(() => { const e = document.querySelector('.sp-legend');"
                             " return e.scrollHeight <= e.clientHeight + 1; })()")
    assert off.errors == [] and off.requests == []


@pytest.mark.browser
def test_no_pinholes_at_national_and_city_zoom(morocco_map: Any, map_page: Any,
                                               output_dir: Path) -> None:
    """Every pixel inside the study area, more than two cell edges from its border (where
    cells are kept by their centre), is painted by the surface at zoom 6 and 9."""
    import shapely

    from siteplan.analyses.surface.model import edge_km

    model, _, pack, paths = morocco_map
    inner = pack.study_area().buffer(-2.5 * edge_km(model.resolution) / 111.32 / 0.83)
    off = map_page(paths["en"], 1280, 800)
    views = [("national", (29.0, -8.5), 6)] + [(c, ll, 9) for c, ll in CITIES.items()]
    for name, (lat, lon), zoom in views:
        off.view(lat, lon, zoom)
        xs, ys = np.meshgrid(np.arange(2, 1280, 7), np.arange(2, 800, 7))
        pts = np.column_stack([xs.ravel(), ys.ravel()]).astype(float)
        ll = np.asarray(off.page.evaluate(
            "([name, pts]) => pts.map(([x, y]) => {"
            " const l = window[name].containerPointToLatLng([x, y]); return [l.lng, l.lat]; })",
            [off.map, pts.tolist()]))
        keep = shapely.contains_xy(inner, ll[:, 0], ll[:, 1])
        assert keep.sum() > 1000, name
        alpha = np.asarray(off.page.evaluate(_PIXELS, pts[keep].tolist()))
        holes = pts[keep][alpha < 255]
        assert len(holes) == 0, (name, len(holes), holes[:5].tolist())
        off.page.screenshot(path=str(output_dir / f"surface-{name}.png"))
    assert off.errors == [] and off.requests == []


def _click_cell(off: Any, model: Any, i: int) -> bool:
    """Centre the map on cell ``i`` (an opened popup pans the map clear of the panels) and
    click the cell's centre, unless a marker, a label or a panel is there (then False)."""
    off.page.evaluate(f"window['{off.map}'].closePopup()")
    off.view(model.lat[i], model.lon[i], 11)
    x, y = off.client_point(model.lat[i], model.lon[i])
    free = off.page.evaluate(
        "([x, y]) => { const e = document.elementFromPoint(x, y);"
        " return !!e && !e.closest('.leaflet-interactive, .leaflet-marker-icon,"
        " .leaflet-control, .leaflet-popup'); }", [x, y])
    if free:
        off.page.mouse.click(x, y)
    return bool(free)


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_clicking_a_cell_shows_the_models_values(morocco_map: Any, map_page: Any,
                                                 lang: str, output_dir: Path) -> None:
    """The popup of a clicked cell against SurfaceModel: its score (3 decimals) and every
    criterion's raw value (to the shown decimals), labelled and with its unit; an excluded
    cell names the constraints its raw values break (checked here from the scenario)."""
    model, scores, _, paths = morocco_map
    raw = model.raw_frame()
    off = map_page(paths[lang], 1280, 800)
    rng = np.random.default_rng(3)
    # each pan of the map takes seconds in headless chromium: French checks fewer cells
    cities = CITIES if lang == "en" else {"Casablanca": CITIES["Casablanca"]}
    per_kind = 2 if lang == "en" else 1
    for city, (lat, lon) in cities.items():
        near = np.flatnonzero(np.hypot(model.lon - lon, model.lat - lat) < 0.5)
        for ok in (np.isfinite(scores[near]), ~np.isfinite(scores[near])):
            done = 0
            for i in rng.permutation(near[ok])[:6]:
                if done < per_kind and _click_cell(off, model, int(i)):
                    done += 1
                    _check_popup(off, model, scores, raw, int(i), lang)
            assert done == per_kind, city
        off.page.screenshot(path=str(output_dir / f"surface-popup-{city}-{lang}.png"))
    assert off.errors == [] and off.requests == []


def _check_popup(off: Any, model: Any, scores: Any, raw: Any, i: int, lang: str) -> None:
    """The open popup against the model's score and raw values of cell ``i``."""
    from siteplan.outputs.language import overlay_word

    scen = model.scenario
    popup = off.page.locator(".sp-cell-popup")
    popup.wait_for()
    rows = popup.locator(".sp-cell-criteria tr")
    assert rows.count() == len(model.criteria)
    for r in range(rows.count()):
        label, value = (rows.nth(r).locator("td").nth(k).inner_text() for k in (0, 1))
        c = scen.criteria[r]
        assert label == c.display_in(lang)
        ref = float(raw.iloc[i][c.name])
        if np.isnan(ref):
            assert value == overlay_word("not computed", lang)
            continue
        assert value.endswith(c.unit_in(lang)), (value, c.unit_in(lang))
        number = value[:len(value) - len(c.unit_in(lang))].strip().rstrip("\u202f")
        if lang == "fr":
            number = number.replace("\u202f", "").replace(",", ".")
        number = number.replace(",", "")
        digits = len(number.split(".")[1]) if "." in number else 0
        got = float(number)
        assert abs(got - ref) <= 0.5 * 10.0 ** -digits + 1e-6 * abs(ref), (c.name, got,
                                                                           ref)
    if np.isfinite(scores[i]):
        got = float(popup.locator(".sp-cell-value").inner_text().replace(",", "."))
        assert abs(got - scores[i]) <= 0.0005 + 1e-9, (i, got, scores[i])
    else:
        reasons = popup.locator(".sp-cell-reasons li").all_inner_texts()
        for con in scen.constraints:
            x_ = float(raw.iloc[i][con.criterion])
            fails = (con.min is not None and x_ < con.min) or \
                (con.max is not None and x_ > con.max)
            reason = con.reason_fr if lang == "fr" and con.reason_fr else con.reason
            assert (reason in reasons) == fails, (i, reasons, con)
        assert reasons


@pytest.mark.browser
def test_map_sizes(morocco_map: Any) -> None:
    """The surface map stays one file under 3 MB (printed: the figure of the note)."""
    _, _, _, paths = morocco_map
    size = paths["en"].stat().st_size
    print(f"surface map, H3 resolution 7: {size / 1e6:.2f} MB")
    assert size < 3_000_000
