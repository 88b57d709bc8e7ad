"""The plan map (siteplan.outputs.plan_map) in chromium, offline, on the embedded pack.

The map and the plan JSON are written by one ``siteplan plan -o plan.json --map plan.html``
run; the page is checked against the JSON (an independent output of the same plan): the
panel lists the JSON's ``chosen`` sites in its order with its figures, and the stars sit
on those sites, larger than every candidate circle and on top of them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from siteplan.analyses.plan.steps import make_plan
from siteplan.cli import cli
from siteplan.errors import OutputError
from siteplan.layers.pack import Pack
from siteplan.outputs.plan_map import save_plan_map
from siteplan.scoring.ranking import rank

XSS = "<img src=x onerror=alert(1)>"
MAX_BYTES = 3_000_000


def _plan_run(folder: Path, *extra: str) -> tuple[Path, dict[str, Any]]:
    html, js = folder / "plan.html", folder / "plan.json"
    res = CliRunner().invoke(cli, ["plan", "--sites", "5", "-o", str(js), "--map", str(html),
                                   *extra], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return html, json.loads(js.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return _plan_run(tmp_path_factory.mktemp("plan-en"))


@pytest.fixture(scope="module")
def french(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return _plan_run(tmp_path_factory.mktemp("plan-fr"), "--lang", "fr")


def _map_name(page: Any) -> str:
    return str(page.evaluate("Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))"))


def _panel_rows(page: Any) -> list[list[str]]:
    return page.evaluate("""() => [...document.querySelectorAll('.sp-plan-row')].map(r =>
        [r.dataset.id, r.querySelector('.sp-plan-site').textContent,
         r.querySelector('.sp-plan-region').textContent,
         r.querySelector('.sp-plan-jobs').textContent])""")


@pytest.mark.browser
def test_panel_lists_the_jsons_sites_in_order(offline_page: Callable[..., Any],
                                              english: tuple[Path, dict[str, Any]]) -> None:
    html, d = english
    size = html.stat().st_size
    print(f"plan map: {size:,} bytes")
    assert size < MAX_BYTES
    off = offline_page()
    page = off.open(html, ".sp-plan-marker")
    expected = [[c["id"], c["name"], c["region"], f"{c['jobs_2030_added']:,}"]
                for c in d["chosen"]]
    assert _panel_rows(page) == expected
    stars = page.evaluate("""() => [...document.querySelectorAll('.sp-plan-marker')]
        .map(e => [e.dataset.id, e.dataset.order, e.querySelector('text').textContent])""")
    assert stars == [[c["id"], str(i), str(i)] for i, c in enumerate(d["chosen"], start=1)]
    # equity today and with the plan, with the ranges of today's estimate, as in the JSON
    for m, row in (("gini", ".sp-eq-gini"), ("theil_t", ".sp-eq-theil_t")):
        for col, dist in (("today", "today"), ("plan", "plan")):
            cell = page.locator(f"{row} .sp-eq-{col}").inner_text()
            eq = d["equity"][dist]
            lo, hi = eq["range"][m]
            assert cell.split("\n") == [f"{eq[m]:.3f}", f"{lo:.3f}–{hi:.3f}"]
    rules = page.locator(".sp-plan-rules").inner_text()
    s = d["settings"]
    assert f"at most {s['max_per_region']} per region" in rules
    assert f"at least {s['min_spacing_km']:g} km apart" in rules
    assert f"at least {s['lagging_quota']} in lagging regions" in rules
    assert "viability floor 0.40" in rules
    assert page.locator(".sp-slider-panel").count() == 0  # a plan is not re-solved here
    # the other candidates are dimmed (their fill drawn lighter than the ranking map's 0.92)
    fill = page.evaluate("getComputedStyle(document.querySelector('path.sp-site')).fillOpacity")
    assert float(fill) < 0.5
    assert page.locator(".sp-title").inner_text().startswith("Plan 2030: 5 new sites")
    assert off.requests == [] and off.errors == []


_BOXES = """() => ({
    stars: [...document.querySelectorAll('.sp-plan-marker svg')].map(e => {
        const b = e.getBoundingClientRect();
        return [e.parentElement.dataset.id, b.width, b.height, (b.left + b.right) / 2,
                (b.top + b.bottom) / 2]; }),
    sites: [...document.querySelectorAll('path.sp-site')].map(e => {
        const b = e.getBoundingClientRect(); return Math.max(b.width, b.height); })
})"""

_HIT = """([x, y]) => { const e = document.elementFromPoint(x, y);
    if (!e) return null;
    const star = e.closest('.sp-plan-marker');
    if (star) return 'star:' + star.dataset.id;
    const pane = e.closest('.leaflet-pane');
    return (e.getAttribute('class') || '') + ' @' + (pane ? pane.className : ''); }"""


@pytest.mark.browser
# 5.5: the smallest zoom of a 1280 x 800 window (the view stays inside the basemap)
@pytest.mark.parametrize("zoom", [5.5, 6])
def test_stars_are_larger_than_any_site_and_on_top(offline_page: Callable[..., Any],
                                                   english: tuple[Path, dict[str, Any]],
                                                   zoom: float) -> None:
    html, d = english
    off = offline_page()
    page = off.open(html, ".sp-plan-marker")
    name = _map_name(page)
    page.evaluate(f"window['{name}'].setView([32.5, -6.5], {zoom})")
    page.wait_for_timeout(500)
    assert page.evaluate(f"window['{name}'].getZoom()") == zoom
    boxes = page.evaluate(_BOXES)
    biggest_site = max(boxes["sites"])
    assert len(boxes["stars"]) == len(d["chosen"])
    for sid, w, h, x, y in boxes["stars"]:
        assert min(w, h) > biggest_site, (sid, w, h, biggest_site)
        # at the star's centre the topmost element is that star (above every circle)
        assert page.evaluate(_HIT, [x, y]) == f"star:{sid}"
    # at each new site's own place: its star, another star or the dot of a moved star,
    # never a candidate circle
    for c in d["chosen"]:
        xy = page.evaluate(f"(() => {{ const p = window['{name}'].latLngToContainerPoint("
                           f"[{c['lat']}, {c['lon']}]); const r = window['{name}']"
                           ".getContainer().getBoundingClientRect(); "
                           "return [p.x + r.left, p.y + r.top]; })()")
        hit = page.evaluate(_HIT, xy)
        assert hit.startswith("star:") or "sp-plan-pin" in hit, (c["id"], hit)
    page.screenshot(path=str(Path("/tmp") / f"siteplan-plan-zoom{zoom}.png"))
    assert off.errors == [] and off.requests == []


@pytest.mark.browser
def test_other_candidates_stay_clickable(offline_page: Callable[..., Any],
                                         english: tuple[Path, dict[str, Any]]) -> None:
    html, d = english
    chosen = {c["id"] for c in d["chosen"]}
    other = next(r for r in d["ranking"] if r["id"] not in chosen)
    off = offline_page()
    page = off.open(html, ".sp-plan-marker")
    name = _map_name(page)
    page.evaluate(f"window['{name}'].setView([{other['lat']}, {other['lon']}], 10)")
    page.wait_for_timeout(500)
    site = page.locator(f"path.sp-rank-{other['rank']}")
    bb = site.bounding_box()
    site.click(position={"x": bb["width"] - 3, "y": bb["height"] / 2})  # on its ring
    popup = page.locator(".leaflet-popup-content h4")
    popup.wait_for()
    assert popup.inner_text() == other["name"]
    assert off.errors == []


@pytest.mark.browser
def test_french_panel_and_numbers(offline_page: Callable[..., Any],
                                  french: tuple[Path, dict[str, Any]]) -> None:
    html, d = french
    off = offline_page()
    page = off.open(html, ".sp-plan-marker")
    nnbsp = "\u202f"
    assert [r[3] for r in _panel_rows(page)] == [
        f"{c['jobs_2030_added']:,}".replace(",", nnbsp) for c in d["chosen"]]
    panel = page.locator(".sp-title-panel").inner_text()
    assert "Nouveaux sites, dans l'ordre du plan" in panel and "Contraintes" in panel
    gini = f"{d['equity']['today']['gini']:.3f}".replace(".", ",")
    assert page.locator(".sp-eq-gini .sp-eq-today").inner_text().startswith(gini)
    assert "seuil de viabilité 0,40" in panel
    assert page.locator(".sp-title").inner_text().startswith("Plan 2030 : 5 nouveaux sites")
    assert off.errors == [] and off.requests == []


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pack = Pack(None)
    r = rank("balanced-2030", pack=pack)
    plan = make_plan(r, pack, k=3).to_dict()
    first = plan["chosen"][0]["id"]
    plan["chosen"][0]["name"] = XSS
    plan["chosen"][1]["region"] = f"{XSS} region"
    sites = r.sites.copy()
    sites.loc[sites["id"] == first, "name"] = XSS
    bad = dataclasses.replace(r, sites=sites,
                              scenario=dataclasses.replace(r.scenario, title=f"{XSS} title"))
    return save_plan_map(bad, plan, tmp_path_factory.mktemp("xss") / "xss.html", pack=pack)


@pytest.mark.browser
def test_hostile_names_stay_text(offline_page: Callable[..., Any], hostile: Path) -> None:
    off = offline_page()
    page = off.open(hostile, ".sp-plan-marker")
    rows = _panel_rows(page)
    assert rows[0][1] == XSS and rows[1][2] == f"{XSS} region"
    assert XSS + " title" in page.locator(".sp-title-panel .sp-sub").inner_text()
    page.locator(".sp-plan-marker[data-order='1'] path.sp-plan-star").click()
    page.locator(".sp-plan-popup h4").wait_for()
    assert page.locator(".sp-plan-popup h4").inner_text() == XSS
    page.wait_for_timeout(200)
    assert page.locator("img[src='x']").count() == 0
    assert off.dialogs == [] and off.errors == []


def test_save_refuses_a_non_html_path_and_an_existing_file(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"\.html"):
        save_plan_map(None, {}, tmp_path / "plan.txt")  # type: ignore[arg-type]
    old = tmp_path / "plan.html"
    old.write_text("keep", encoding="utf-8")
    with pytest.raises(OutputError, match="overwrite"):
        save_plan_map(None, {}, old)  # type: ignore[arg-type]
    assert old.read_text(encoding="utf-8") == "keep"
