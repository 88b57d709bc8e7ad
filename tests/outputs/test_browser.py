"""The self-contained HTML map in a real browser (Debian's chromium), offline.

Every non-file request is aborted and recorded (the offline page of conftest.py): a
self-contained map must make none. Runs on the embedded Morocco pack when it is available,
on the tiny pack otherwise.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from siteplan.errors import LayerError
from siteplan.layers.pack import Pack
from siteplan.outputs import html_map as mapping
from siteplan.scoring.ranking import Ranking, rank

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
TINY = str(Path(__file__).parents[1] / "data" / "tiny-scenario.toml")
XSS = "<img src=x onerror=alert(1)>"

if CHROMIUM is None:
    pytest.skip("chromium is not installed (/usr/bin/chromium or chromium on PATH); the "
                "browser tests need Debian's chromium", allow_module_level=True)


@pytest.fixture(scope="module")
def ranked(tmp_path_factory: pytest.TempPathFactory,
           tiny_pack_writer: Callable[[Path], Path]) -> tuple[Ranking, Pack]:
    try:
        pack = Pack(None)
        return rank(pack=pack), pack
    except LayerError:
        pack = Pack(tiny_pack_writer(tmp_path_factory.mktemp("tiny")))
        return rank(TINY, pack=pack), pack


def test_map_works_offline(offline_page: Any, ranked: tuple[Ranking, Pack], tmp_path: Path,
                           output_dir: Path) -> None:
    r, pack = ranked
    html = mapping.save_map(r, tmp_path / "map.html", pack=pack)
    off = offline_page(height=900)
    page = off.open(html)
    page.screenshot(path=str(output_dir / "map.png"))

    n_zones = len(pack.layer("regions"))
    assert page.locator("path.sp-zone").count() == n_zones
    assert page.locator("path.sp-site").count() == len(r.sites)
    assert page.locator(".sp-legend").is_visible()
    assert page.locator(".leaflet-control-layers").is_visible()
    assert page.locator(".leaflet-control-scale").is_visible()
    assert page.locator(".leaflet-control-zoom-fullscreen, .leaflet-control-fullscreen").count()
    assert page.locator(".sp-title").inner_text() == (r.scenario.title or r.scenario.name)

    # clicking the best site opens its popup with its name and score
    best = r.included.iloc[0]
    # on its ring: a context point (drawn above, smaller) may sit at its centre
    site = page.locator("path.sp-rank-1")
    bb = site.bounding_box()
    site.click(position={"x": bb["width"] - 3, "y": bb["height"] / 2})
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert best["name"] in text and f"{best['score']:.3f}" in text
    assert popup.locator("svg.sp-bars rect").count() >= 2 * len(r.weights)
    # the popup opens clear of every panel: its name and close button are not hidden
    page.wait_for_timeout(600)  # the pan to clear the controls (0.25 s)
    covered = page.evaluate("""() => {
        const p = document.querySelector('.leaflet-popup').getBoundingClientRect();
        return [...document.querySelectorAll('.leaflet-control')].filter(c => {
            const r = c.getBoundingClientRect();
            return r.width && r.left < p.right && p.left < r.right && r.top < p.bottom
                && p.top < r.bottom && c.closest('.leaflet-top');
        }).map(c => c.className);
    }""")
    assert covered == [], covered
    top = page.evaluate("document.querySelector('.leaflet-popup').getBoundingClientRect().top")
    assert top >= 0
    page.screenshot(path=str(output_dir / "map-popup.png"))
    page.locator(".leaflet-popup-close-button").click()

    # toggling the universities layer hides its markers
    n_uni = page.locator("path.sp-university").count()
    assert n_uni == len(pack.layer("universities"))
    page.locator(".leaflet-control-layers").hover()  # the list opens on hover
    box = page.locator(".leaflet-control-layers-overlays label", has_text="Universities")
    box.locator("input").uncheck()
    assert page.locator("path.sp-university").count() == 0
    box.locator("input").check()
    assert page.locator("path.sp-university").count() == n_uni

    # context markers stay below the sites after a toggle (own pane)
    assert page.evaluate("document.querySelector('path.sp-university')"
                         ".closest('.leaflet-pane').className").count("sp-context")
    assert off.requests == [], off.requests
    assert off.errors == [], off.errors
    page.close()


def test_injected_site_name_is_shown_as_text(offline_page: Any, ranked: tuple[Ranking, Pack],
                                             tmp_path: Path, output_dir: Path) -> None:
    r, pack = ranked
    sites = r.sites.copy()
    sites.loc[0, "name"] = XSS
    last = len(sites) - 1
    sites.at[last, "reasons"] = [f"{XSS} reason"]
    sites.loc[last, "excluded"] = True
    hostile = dataclasses.replace(
        r, sites=sites, scenario=dataclasses.replace(r.scenario, title=f"{XSS} title"))
    html = mapping.save_map(hostile, tmp_path / "xss.html", pack=pack)
    off = offline_page(height=900)
    page = off.open(html)

    assert page.locator(".sp-title").inner_text() == f"{XSS} title"
    site = page.locator("path.sp-rank-1")
    bb = site.bounding_box()
    site.hover(position={"x": bb["width"] - 3, "y": bb["height"] / 2})  # tooltip
    page.locator(".leaflet-tooltip", has_text=XSS).wait_for()
    site.click(position={"x": bb["width"] - 3, "y": bb["height"] / 2})  # popup, on the ring
    page.locator(".leaflet-popup-content h4").wait_for()
    assert page.locator(".leaflet-popup-content h4").inner_text() == XSS
    page.locator(".sp-title-panel summary", has_text="Top").click()
    assert XSS in page.locator(".sp-title-panel ol").inner_text()
    page.wait_for_timeout(200)
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("img[onerror]").count() == 0
    assert off.dialogs == []
    page.screenshot(path=str(output_dir / "map-xss.png"))
    assert off.requests == [], off.requests
    assert off.errors == [], off.errors
    page.close()


def test_analysis_points_sit_above_the_candidates(offline_page: Any, ranked: tuple[Ranking, Pack],
                                                  tmp_path: Path) -> None:
    """A plan's chosen sites are drawn where candidates are: they must stay clickable."""
    import geopandas as gpd

    from siteplan.outputs.overlay import Overlay

    r, pack = ranked
    top = r.included.head(3)
    data = gpd.GeoDataFrame({"label": [f"chosen: {n}" for n in top["name"]],
                             "jobs": [3000, 2000, 1000]},
                            geometry=gpd.points_from_xy(top["lon"], top["lat"]), crs="EPSG:4326")
    ov = Overlay(name="Plan", kind="points", data=data, value_column="jobs",
                 label_column="label", popup_columns={"jobs": "Jobs"})
    html = mapping.save_map(r, tmp_path / "plan.html", pack=pack, overlays=[ov])
    off = offline_page(height=900)
    page = off.open(html)
    picks = page.locator("path.sp-overlay")
    assert picks.count() == 3
    assert "sp-picks" in page.evaluate(
        "document.querySelector('path.sp-overlay').closest('.leaflet-pane').className")
    picks.first.click(timeout=5000)  # fails if a candidate marker intercepts the click
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "3,000" in popup.inner_text() or "3000" in popup.inner_text()
    assert off.errors == [], off.errors
    page.close()


_LABEL_BOXES = """() => [...document.querySelectorAll('.sp-place, .sp-rank-label')]
    .filter(el => el.style.display !== 'none')
    .map(el => { const b = el.firstChild.getBoundingClientRect();
                 return [el.className.includes('sp-place') ? 'place' : 'rank',
                         el.firstChild.textContent, b.left, b.top, b.right, b.bottom]; })"""


def test_labels_never_overlap_and_follow_the_zoom(offline_page: Any, ranked: tuple[Ranking, Pack],
                                                  tmp_path: Path, output_dir: Path) -> None:
    """Place names and rank labels shown at national and city zoom: present, the best ranks
    first, and no two boxes overlapping (checked here pair by pair, in Python)."""
    r, pack = ranked
    if "basemap" not in pack.layer_names:
        pytest.skip("the pack has no basemap layer")
    html = mapping.save_map(r, tmp_path / "map.html", pack=pack)
    off = offline_page(height=900)
    page = off.open(html)
    page.wait_for_timeout(300)
    name = page.evaluate("Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))")
    seen: dict[str, set[str]] = {}
    for zoom, centre in (("national", None), ("city", (33.57, -7.60))):
        if centre:
            page.evaluate(f"window['{name}'].setView([{centre[0]}, {centre[1]}], 11)")
            page.wait_for_timeout(500)
        boxes = page.evaluate(_LABEL_BOXES)
        places = {b[1] for b in boxes if b[0] == "place"}
        assert places, zoom
        seen[zoom] = places
        if zoom == "national":
            # rank 1 is always labelled (ranks are placed first, best first), and every
            # candidate town named beside its circle keeps its rank label too
            assert ["rank", "1"] in [b[:2] for b in boxes], boxes
        for i, a in enumerate(boxes):
            assert a[4] > a[2] and a[5] > a[3]
            for b in boxes[i + 1:]:
                overlap = a[2] < b[4] and b[2] < a[4] and a[3] < b[5] and b[3] < a[5]
                assert not overlap, (zoom, a, b)
        page.screenshot(path=str(output_dir / f"map-labels-{zoom}.png"))
    # zooming in names smaller places that the national view leaves out
    assert seen["city"] - seen["national"]
    assert off.errors == [] and off.requests == []
    page.close()


def test_context_points_sit_above_the_sites(offline_page: Any, ranked: tuple[Ranking, Pack],
                                            tmp_path: Path) -> None:
    """At each context point's centre the topmost element is a context point, never the
    candidate circle of the town it shares a position with (so it can be clicked)."""
    r, pack = ranked
    html = mapping.save_map(r, tmp_path / "map.html", pack=pack)
    off = offline_page(height=900)
    page = off.open(html)
    name = page.evaluate("Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))")
    page.evaluate(f"window['{name}'].setView([33.57, -7.60], 12)")
    page.wait_for_timeout(500)
    hits = page.evaluate("""() => [...document.querySelectorAll('.leaflet-sp-context-pane path')]
        .map(el => { const b = el.getBoundingClientRect();
            if (b.right < 0 || b.bottom < 0 || b.left > innerWidth || b.top > innerHeight)
                return null;
            const top = document.elementFromPoint((b.left + b.right) / 2,
                                                  (b.top + b.bottom) / 2);
            return top ? top.getAttribute('class') || top.className : 'none'; })
        .filter(x => x !== null)""")
    assert hits, "no context point in view"
    assert not [h for h in hits if "sp-site" in str(h)], hits
    assert off.errors == []
    page.close()
