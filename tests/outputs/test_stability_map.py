"""The stability map's encoding: shapes for the verdicts, a colour-blind-safe share scale.

The palettes are checked with a colour-vision-deficiency simulation from a second library
used only here (``colorspacious``: Machado et al. 2009 at severity 100, i.e. deuteranopia,
protanopia and tritanopia), with distances in CAM02-UCS (Luo et al. 2006), a space where
about 1 unit is a just-noticeable difference. A sequential legend stays readable when, under
each simulation, (1) every two of its classes are at least :data:`MIN_DISTANCE` apart, and
(2) their lightness J' rises strictly, so that "more" reads the same without hue. The
red-yellow-green ramp of earlier versions must fail, or the test could not fail.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from siteplan.analyses.sensitivity.report import analyse
from siteplan.layers.pack import Pack
from siteplan.outputs.cartography import _colormap
from siteplan.outputs.overlay import stability_overlay
from siteplan.outputs.stability_map import (
    LEGEND_STOPS,
    STABILITY_CMAP,
    VERDICT_SHAPES,
    marker_svg,
    verdicts_legend,
)
from siteplan.outputs.surface_map import SURFACE_CMAP
from siteplan.scoring.ranking import rank

colorspacious = pytest.importorskip("colorspacious")

TINY = str(Path(__file__).parents[1] / "data" / "tiny-scenario.toml")
#: CAM02-UCS distance every two legend classes keep under each simulated deficiency
MIN_DISTANCE = 12.0
DEFICIENCIES = ("deuteranomaly", "protanomaly", "tritanomaly")


def _simulated(cmap: str, cvd: str) -> np.ndarray:
    """The legend classes of ``cmap`` as seen with ``cvd`` at severity 100, in CAM02-UCS."""
    rgb = np.asarray(_colormap(cmap)(np.asarray(LEGEND_STOPS)))[:, :3]
    seen = colorspacious.cspace_convert(
        rgb, {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}, "sRGB1")
    return colorspacious.cspace_convert(np.clip(seen, 0, 1), "sRGB1", "CAM02-UCS")


def readable(cmap: str) -> tuple[bool, float]:
    """Whether every class pair stays apart and lightness rises, under each deficiency;
    and the smallest pairwise distance found."""
    ok, smallest = True, np.inf
    for cvd in DEFICIENCIES:
        ucs = _simulated(cmap, cvd)
        d = min(float(np.linalg.norm(a - b)) for a, b in combinations(ucs, 2))
        smallest = min(smallest, d)
        ok &= d >= MIN_DISTANCE and bool(np.all(np.diff(ucs[:, 0]) > 0))
    return ok, smallest


@pytest.mark.parametrize("cmap", [STABILITY_CMAP, SURFACE_CMAP])
def test_the_palettes_read_under_every_deficiency(cmap: str) -> None:
    ok, smallest = readable(cmap)
    assert ok, (cmap, smallest)
    assert smallest > MIN_DISTANCE


def test_the_old_red_yellow_green_fails() -> None:
    """Under deuteranopia two of RdYlGn's five classes come within 4.7 units of each other
    (its red and green ends 8.4 apart), and under every deficiency its lightness goes up then
    down: the test rejects it."""
    ok, smallest = readable("RdYlGn")
    assert not ok
    assert smallest < MIN_DISTANCE


def test_each_verdict_has_its_own_shape() -> None:
    shapes = {marker_svg(v, "#123456", 10.0)[0].split("/>")[1].split()[0]
              for v in VERDICT_SHAPES}
    assert shapes == {"<circle", "<polygon", "<rect"}
    for v in VERDICT_SHAPES:  # the white disc covers a candidate circle of that radius + 1
        svg, side = marker_svg(v, "#123456", 10.0)
        assert 'r="12.0" fill="#ffffff"' in svg and side >= 24


def test_the_legend_says_each_shape_in_french(tiny_pack_dir: Path) -> None:
    report = analyse(rank(TINY, pack=Pack(tiny_pack_dir)), samples=500, seed=7, top_k=2)
    legend = verdicts_legend(stability_overlay(report, "fr"), "fr")
    assert "robuste : dans les 2 premiers dans au moins 80\u202f% des tirages" in legend
    assert "hors des 2 premiers" in legend and "cividis" in legend
    assert legend.count("<svg") == len(VERDICT_SHAPES) and "100\u202f%" in legend


# --------------------------------------------------------------------------- in chromium


@pytest.fixture(scope="module")
def stability_map(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, dict[str, Path]]:
    """The stability map of the embedded Morocco pack (top 10), as `sensitivity --map`."""
    from siteplan.errors import LayerError
    from siteplan.outputs.html_map import save_map

    try:
        pack = Pack(None)
        r = rank(pack=pack)
    except LayerError:
        pytest.skip("the embedded Morocco pack is not available")
    report = analyse(r, samples=2000, seed=42, top_k=10)
    folder = tmp_path_factory.mktemp("stability")
    paths = {lang: save_map(r, folder / f"stability-{lang}.html", pack=pack, lang=lang,
                            overlays=[stability_overlay(report, lang)], show_zones=False)
             for lang in ("en", "fr")}
    return r, report, paths


@pytest.mark.browser
@pytest.mark.parametrize("size", [(1280, 800), (900, 700)])
def test_the_stability_map_reads_at_a_glance(stability_map: Any, map_page: Any,
                                             size: tuple[int, int], output_dir: Path) -> None:
    """One marker per ranked site, its shape the verdict; the marker, not the red-yellow
    score circle, is what lies under the pointer across the circle; the legend fits."""
    _, report, paths = stability_map
    off = map_page(paths["en"], *size)
    off.wait_tiles()
    counts = {v: sum((x or "") == v for x in report.verdicts) for v in VERDICT_SHAPES}
    for v, (shape, *_rest) in VERDICT_SHAPES.items():
        assert off.page.locator(f".sp-verdict-{shape}").count() == counts[v], v
    assert counts["robust"] + counts["fragile"] == 10
    box = off.page.locator(".sp-legend").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= size[0] and box["y"] + box["height"] <= size[1]
    assert off.page.evaluate("(() => { const e = document.querySelector('.sp-legend');"
                             " return e.scrollHeight <= e.clientHeight + 1; })()")
    off.view(33.9, -6.8, 8)
    covered = off.page.evaluate("""() => [...document.querySelectorAll('path.sp-site')]
        .filter(p => !p.classList.contains('sp-excluded')).map(p => {
            const b = p.getBoundingClientRect(), cx = (b.left + b.right) / 2,
                  cy = (b.top + b.bottom) / 2, r = b.width / 2;
            if (cx < 0 || cy < 0 || cx > innerWidth || cy > innerHeight) return null;
            // just inside the circle's edge, left and right: what takes the click?
            return [[cx - r + 1.5, cy], [cx + r - 1.5, cy]].map(([x, y]) => {
                const e = document.elementFromPoint(x, y);
                return !!e && !!e.closest('.sp-verdict, .leaflet-control, .sp-context'); });
        }).filter(x => x !== null)""")
    assert covered and all(all(c) for c in covered), covered
    off.page.screenshot(path=str(output_dir / f"stability-{size[0]}x{size[1]}.png"))
    assert off.errors == [] and off.requests == []


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_markers_popup_gives_the_reports_figures(stability_map: Any, map_page: Any,
                                                   lang: str) -> None:
    from siteplan.outputs.language import fmt_pct

    _, report, paths = stability_map
    off = map_page(paths[lang], 1280, 800)
    i = 0  # the published first site
    lat, lon = float(report.sites["lat"].iloc[i]), float(report.sites["lon"].iloc[i])
    off.view(lat, lon, 9)
    off.page.mouse.click(*off.client_point(lat, lon))
    popup = off.page.locator(".sp-stability-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert report.site_names[i] in text
    assert fmt_pct(round(report.top_k_membership[i], 4), lang) in text
    assert fmt_pct(round(report.rank_stability[i], 4), lang) in text
    word = "robuste" if lang == "fr" else "robust"
    assert (word in text) == (report.verdicts[i] == "robust")
    assert off.errors == [] and off.requests == []
