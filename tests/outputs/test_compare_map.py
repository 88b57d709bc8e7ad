"""The compare map (siteplan.outputs.compare_map): two items side by side and their rank
changes, in chromium, offline, on the embedded pack.

The expected figures come from the two rankings and plans computed here with the API
(``rank`` and ``make_plan``), not from the compare code: the rank changes are
``rank_B - rank_A`` of the two ``Ranking`` objects, the plan sets are set operations on the
two plans' chosen sites.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from siteplan.analyses.plan.steps import compare, make_plan
from siteplan.cli import cli
from siteplan.errors import OutputError, UsageError
from siteplan.layers.pack import Pack
from siteplan.outputs.compare_map import DIFF_CMAP, compare_sides, save_compare_map
from siteplan.scoring.ranking import rank

XSS = "<img src=x onerror=alert(1)>"
A, B = "balanced-2030", "market-led"


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    """The two rankings and plans, from the API."""
    pack = Pack(None)
    out: dict[str, Any] = {}
    for side, name in (("a", A), ("b", B)):
        r = rank(name, pack=pack)
        inc = r.included
        out[f"rank_{side}"] = dict(zip(inc["id"].astype(str), inc["rank"].astype(int),
                                       strict=True))
        out[f"chosen_{side}"] = [str(c) for c in make_plan(r, pack, k=5).chosen["id"]]
        out[f"names_{side}"] = dict(zip(inc["id"].astype(str), inc["name"], strict=True))
    return out


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    html = tmp_path_factory.mktemp("cmp") / "compare.html"
    res = CliRunner().invoke(cli, ["compare", A, B, "--sites", "5", "--map", str(html)],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return html


_MAPS = "window.siteplanCompareMaps"
_LAYERS = """(i) => { const out = []; window.siteplanCompareMaps[i].eachLayer(l => {
    if (l.options && l.options.siteplanId !== undefined)
        out.push([l.options.siteplanId, l.options.siteplanChange === undefined ? null
                  : l.options.siteplanChange, l.options.fillColor]); });
    return out; }"""


def _stars(page: Any, i: int) -> list[str]:
    return page.evaluate(f"""() => [...{_MAPS}[{i}].getContainer()
        .querySelectorAll('.sp-plan-marker')].map(e => e.dataset.id)""")


@pytest.mark.browser
def test_both_sides_with_their_sites_and_stars(offline_page: Callable[..., Any],
                                               page_file: Path,
                                               reference: dict[str, Any]) -> None:
    size = page_file.stat().st_size
    print(f"compare map: {size:,} bytes")
    assert size < 3_000_000
    off = offline_page()
    page = off.open(page_file, ".sp-plan-marker")
    assert page.locator(".folium-map").count() == 3
    for i, side in ((0, "a"), (1, "b")):
        ids = {x[0] for x in page.evaluate(_LAYERS, i)}
        assert ids == set(reference[f"rank_{side}"])
        assert _stars(page, i) == reference[f"chosen_{side}"]
        box = page.evaluate(f"{_MAPS}[{i}].getContainer().getBoundingClientRect().width")
        assert box > 300  # side by side, each a third of the 1280-px window
    assert page.locator(".sp-cmp-title-a").inner_text().startswith(f"A: {A}")
    assert page.locator(".sp-cmp-title-b").inner_text().startswith(f"B: {B}")
    assert off.errors == [] and off.requests == []


@pytest.mark.browser
def test_the_maps_stay_in_sync(offline_page: Callable[..., Any], page_file: Path) -> None:
    off = offline_page()
    page = off.open(page_file, ".sp-plan-marker")

    def views() -> list[list[float]]:
        return page.evaluate(f"{_MAPS}.map(m => [m.getZoom(), m.getCenter().lat, "
                             "m.getCenter().lng])")

    start = views()
    assert all(v == start[0] for v in start)
    # a drag on map A with the mouse
    box = page.evaluate(f"(() => {{ const r = {_MAPS}[0].getContainer()"
                        ".getBoundingClientRect(); return [r.left, r.top, r.width, r.height];"
                        " })()")
    x, y = box[0] + box[2] * 0.15, box[1] + box[3] * 0.5  # the Atlantic, clear of panels
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 120, y - 90, steps=8)
    page.mouse.up()
    page.wait_for_timeout(1000)  # the drag's inertia

    def px(zoom: float) -> float:  # a pixel at this zoom, in degrees of longitude
        return 360 / (256 * 2**zoom)

    moved = views()
    assert moved[0][1:] != start[0][1:]
    for v in moved[1:]:  # the same view, to within a pixel (Leaflet rounds pixel origins)
        assert v[0] == moved[0][0] and v[1:] == pytest.approx(moved[0][1:], abs=px(v[0]))
    # a zoom on map C (the difference) with its + button
    page.locator(".folium-map").nth(2).locator(".leaflet-control-zoom-in").click()
    page.wait_for_timeout(400)
    zoomed = views()
    assert zoomed[2][0] == moved[2][0] + 1
    for v in zoomed[:2]:
        assert v[0] == zoomed[2][0] and v[1:] == pytest.approx(zoomed[2][1:], abs=px(v[0]))
    assert off.errors == []


@pytest.mark.browser
def test_difference_is_rank_b_minus_rank_a(offline_page: Callable[..., Any], page_file: Path,
                                           reference: dict[str, Any]) -> None:
    import matplotlib
    from matplotlib.colors import to_hex

    ra, rb = reference["rank_a"], reference["rank_b"]
    expected = {s: rb[s] - ra[s] for s in ra if s in rb}
    off = offline_page()
    page = off.open(page_file, ".sp-plan-marker")
    shown = {x[0]: x for x in page.evaluate(_LAYERS, 2)}
    assert {s: x[1] for s, x in shown.items() if x[1] is not None} == expected
    # ranked in one item only: drawn, without a change
    assert {s for s, x in shown.items() if x[1] is None} == set(ra) ^ set(rb)
    bound = max(abs(v) for v in expected.values())
    cm = matplotlib.colormaps[DIFF_CMAP]
    for s, ch in expected.items():
        assert shown[s][2] == to_hex(cm((ch + bound) / (2 * bound)))
    rows = page.evaluate("""() => [...document.querySelectorAll('.sp-mover')].map(r =>
        [r.dataset.id, r.querySelector('.sp-mover-change').textContent])""")
    biggest = sorted(expected.items(), key=lambda kv: (-abs(kv[1]), reference["names_a"][kv[0]]))
    assert rows == [[s, f"{ch:+d}"] for s, ch in biggest[:10]]
    assert off.errors == []


@pytest.mark.browser
def test_plan_sets_a_only_b_only_both(offline_page: Callable[..., Any], page_file: Path,
                                      reference: dict[str, Any]) -> None:
    ca, cb = set(reference["chosen_a"]), set(reference["chosen_b"])
    names = reference["names_a"] | reference["names_b"]
    off = offline_page()
    page = off.open(page_file, ".sp-plan-marker")
    for css, ids in (("a", ca - cb), ("b", cb - ca), ("both", ca & cb)):
        shown = page.locator(f".sp-set-list-{css} li").all_inner_texts()
        assert shown == (sorted(names[s] for s in ids) or ["none"])
    tags = page.evaluate("""() => [...document.querySelectorAll('.sp-set-icon .sp-set-tag')]
        .map(e => e.textContent).sort()""")
    assert tags == sorted(["A"] * len(ca - cb) + ["B"] * len(cb - ca) + ["A+B"] * len(ca & cb))


@pytest.mark.browser
def test_hostile_names_stay_text(offline_page: Callable[..., Any], tmp_path: Path) -> None:
    pack = Pack(None)
    plans = []
    for name in (A, B):
        d = make_plan(rank(name, pack=pack), pack, k=3).to_dict()
        d["scenario"] = f"{XSS} {name}"
        d["scenario_title"] = f"{XSS} title"
        first = d["chosen"][0]["id"]
        d["chosen"][0]["name"] = XSS
        for e in d["ranking"]:
            if e["id"] == first:
                e["name"] = XSS
        plans.append(d)
    html = save_compare_map(compare(plans), tmp_path / "xss.html", pack=pack)
    off = offline_page()
    page = off.open(html, ".sp-plan-marker")
    assert XSS in page.locator(".sp-cmp-heading").inner_text()
    assert page.locator(".sp-cmp-title-a h3").inner_text() == f"A: {XSS} {A}"
    assert XSS in page.locator(".sp-cmp-tables").inner_text()
    page.locator(".folium-map").first.locator(
        ".sp-plan-marker[data-order='1'] path.sp-plan-star").click()
    page.locator(".sp-plan-popup h4").first.wait_for()
    assert page.locator(".sp-plan-popup h4").first.inner_text() == XSS
    page.wait_for_timeout(200)
    assert page.locator("img[src='x']").count() == 0
    assert off.dialogs == [] and off.errors == []


def test_the_diverging_palette_survives_colour_blindness() -> None:
    """PuOr simulated with colorspacious (severity 100): in every vision the lightness
    falls from the centre (no change) to both ends (large changes), and the two sides
    stay apart (CAM02-UCS distance between -x and +x), so both the size and the sign of
    a change read without full colour vision."""
    import matplotlib
    from colorspacious import cspace_convert

    cm = matplotlib.colormaps[DIFF_CMAP]
    rgb = np.array([cm(i / 10)[:3] for i in range(11)])
    for cvd in (None, "deuteranomaly", "protanomaly", "tritanomaly"):
        sim = rgb if cvd is None else np.clip(cspace_convert(
            rgb, {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}, "sRGB1"), 0, 1)
        jab = cspace_convert(sim, "sRGB1", "CAM02-UCS")
        light = jab[:, 0]
        assert np.all(np.diff(light[:6]) > 0) and np.all(np.diff(light[5:]) < 0), cvd
        for i in range(4):  # -1.0 .. -0.4 against +1.0 .. +0.4
            assert np.linalg.norm(jab[i] - jab[10 - i]) > 12, (cvd, i)


def test_old_plan_json_without_positions_is_placed_from_the_pack(tmp_path: Path) -> None:
    pack = Pack(None)
    plans = []
    for name in (A, B):
        d = make_plan(rank(name, pack=pack), pack, k=3).to_dict()
        for e in d["ranking"]:
            del e["lon"], e["lat"], e["region"]
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(d), encoding="utf-8")
        plans.append(str(path))
    sides = compare_sides(compare(plans), pack)
    cand = pack.layer("candidates").set_index("id")
    assert sides.unplaced == ()
    row = sides.sites.set_index("id").loc["oujda"]
    assert (row["lat"], row["lon"]) == (cand.geometry["oujda"].y, cand.geometry["oujda"].x)


def test_save_refuses_bad_paths_and_three_items(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"\.html"):
        save_compare_map(None, tmp_path / "cmp.txt")  # type: ignore[arg-type]
    old = tmp_path / "cmp.html"
    old.write_text("keep", encoding="utf-8")
    with pytest.raises(OutputError, match="overwrite"):
        save_compare_map(None, old)  # type: ignore[arg-type]
    assert old.read_text(encoding="utf-8") == "keep"
    three = compare([{"kind": "x", "chosen": [], "ranking": [], "regions": [],
                      "equity": {}}] * 3)
    with pytest.raises(UsageError, match="two items"):
        compare_sides(three)
