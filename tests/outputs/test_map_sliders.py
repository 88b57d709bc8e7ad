"""The weight sliders of the HTML map in chromium, offline, against Python's rescore.

For random weight vectors set through the sliders themselves, the scores the page
computes must equal :meth:`Ranking.rescore` to 1e-9 and the order must be the same,
on the default scenario (two lenses, a viability floor) and on market-led, for the
weighted sum, the weighted product and TOPSIS. Runs on the embedded Morocco pack
(skipped when it is not installed).
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from siteplan.errors import LayerError
from siteplan.outputs import html_map as mapping
from siteplan.outputs.cartography import score_colours, score_range
from siteplan.scoring.ranking import Ranking, rank

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
XSS = "<img src=x onerror=alert(1)>"

if CHROMIUM is None:
    pytest.skip("chromium is not installed; the browser tests need Debian's chromium",
                allow_module_level=True)


@pytest.fixture(scope="module", params=["balanced-2030", "market-led"])
def ranked(request: pytest.FixtureRequest) -> Ranking:
    try:
        return rank(request.param)
    except LayerError:
        pytest.skip("the embedded Morocco pack is not installed")


class Page:
    """A map opened with the network cut; records outside requests, errors and dialogs."""

    def __init__(self, off: Any, path: Path) -> None:
        self.page = off.page  # conftest's OfflinePage: network cut, errors and dialogs kept
        self.requests, self.errors, self.dialogs = off.requests, off.errors, off.dialogs
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_function("window.siteplanSliders !== undefined")
        self.page.locator(".sp-sliders summary").click()  # the panel opens closed
        assert self.page.locator(".sp-sl-reset").is_visible()

    def set_weights(self, weights: dict[str, float]) -> None:
        """Move each slider as a person would (an input event per slider)."""
        for name, value in weights.items():
            self.page.evaluate(
                """([name, value]) => {
                    const el = document.querySelector(`input[data-criterion="${name}"]`);
                    el.value = value;
                    el.dispatchEvent(new Event('input', {bubbles: true}));
                }""", [name, str(value)])

    def state(self) -> dict[str, Any]:
        return dict(self.page.evaluate("window.siteplanSliders.state()"))

    def copy_text(self) -> str:
        return str(self.page.locator(".sp-sl-copy").input_value())


def _random_weights(r: Ranking, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    w = rng.integers(0, 100_000, size=len(r.weights)) / 1000  # the sliders keep 3 decimals
    w[rng.integers(len(w))] += 1.0  # never all zero
    return {n: float(x) for n, x in zip(r.weights.index, w, strict=True)}


def _assert_same(state: dict[str, Any], expected: Ranking) -> None:
    inc = expected.included
    ids = inc["id"].astype(str).tolist()
    assert state["ids"] == ids
    got = np.array([state["score"][i] for i in ids])
    want = inc["score"].to_numpy(dtype=np.float64)
    assert np.max(np.abs(got - want)) <= 1e-9
    assert [state["rank"][i] for i in ids] == [int(x) for x in inc["rank"]]
    lo, hi = score_range(expected)
    assert [state["colour"][i] for i in ids] == score_colours(want, lo, hi)


def _assert_label_one_on(page: Page, site_id: str) -> None:
    """The map's rank label "1" sits on the circle of the site ranked first: its badge's
    centre RANK_BADGE_OFFSET px up and left of the circle's centre (within 2 px)."""
    gap = page.page.evaluate("""(id) => {
        const mk = window.siteplanSiteMarkers.find(m => m.options.siteplanId === id);
        const c = mk._map.latLngToContainerPoint(mk.getLatLng());
        const box = mk._map.getContainer().getBoundingClientRect();
        const one = [...document.querySelectorAll('.sp-rank-label span')]
            .filter(s => s.textContent === '1' && s.offsetParent !== null);
        if (one.length !== 1) { return -one.length; }
        const b = one[0].getBoundingClientRect();
        const off = OFFSET;  // html_map.RANK_BADGE_OFFSET: the badge sits up and left
        return Math.hypot(b.left + b.width / 2 - box.left - c.x + off,
                          b.top + b.height / 2 - box.top - c.y + off);
    }""".replace("OFFSET", str(mapping.RANK_BADGE_OFFSET)), site_id)
    assert 0 <= gap <= 2.0, gap


def test_sliders_rescore_as_python(offline_page: Any, ranked: Ranking, tmp_path: Path) -> None:
    r = ranked
    html = mapping.save_map(r, tmp_path / "map.html")
    page = Page(offline_page(height=900), html)
    assert page.page.evaluate("window.siteplanSliders.markers()") == len(r.included)
    start = page.state()
    _assert_same(start, r)
    first_text = page.copy_text()
    labels = page.page.locator(".sp-sl-table tr td:first-child").all_inner_texts()
    assert labels == [r.info[n].label for n in r.weights.index]
    for seed in (1, 2, 3):
        weights = _random_weights(r, seed)
        page.set_weights(weights)
        for method in ("wlc", "wp", "topsis"):
            page.page.locator(".sp-sl-select").select_option(method)
            _assert_same(page.state(), r.rescore(weights, method=method))
        page.page.locator(".sp-sl-select").select_option(r.method)
        # the "copy these weights" options reproduce the view in Python
        opts = shlex.split(page.copy_text())
        given = {k: float(v) for k, v in (o.split("=") for o in opts[1::2])}
        assert opts[0::2] == ["-w"] * len(r.weights) and given == weights
        expected = r.rescore(given)
        _assert_same(page.state(), expected)
        top = page.page.locator(".sp-sl-top li .sp-sl-name").all_inner_texts()
        assert top == expected.included["name"].head(10).tolist()
        _assert_label_one_on(page, str(expected.included["id"].iloc[0]))
    # weights that put another site first: its circle gets the label "1"
    first = str(r.included["id"].iloc[0])
    for name in r.weights.index:
        solo = {n: (100.0 if n == name else 0.0) for n in r.weights.index}
        other = r.rescore(solo)
        if str(other.included["id"].iloc[0]) != first:
            break
    else:
        raise AssertionError("no single criterion changes the first site")
    page.set_weights(solo)
    _assert_same(page.state(), other)
    _assert_label_one_on(page, str(other.included["id"].iloc[0]))
    page.page.locator(".sp-sl-reset").click()
    _assert_label_one_on(page, first)
    back = page.state()
    assert back == start
    assert page.copy_text() == first_text
    assert page.errors == [] and page.requests == [] and page.dialogs == []
    page.page.close()


def test_hostile_site_name_is_text(offline_page: Any, tmp_path: Path) -> None:
    import geopandas as gpd

    own = gpd.GeoDataFrame({"id": ["xss"], "name": [XSS]},
                           geometry=gpd.points_from_xy([-7.62], [33.59]), crs="EPSG:4326")
    try:
        r = rank(add_candidates=own)
    except LayerError:
        pytest.skip("the embedded Morocco pack is not installed")
    assert "xss" in r.included["id"].tolist()
    html = mapping.save_map(r, tmp_path / "xss.html")
    page = Page(offline_page(height=900), html)
    weights = {n: 1.0 for n in r.weights.index}
    page.set_weights(weights)
    expected = r.rescore(weights)
    _assert_same(page.state(), expected)
    pos = expected.included["id"].tolist().index("xss")
    assert pos < 10  # at Casablanca: in the top-10 list of the panel
    assert XSS in page.page.locator(".sp-sl-top .sp-sl-name").all_inner_texts()
    rnk = int(expected.included["rank"].iloc[pos])
    # it sits under Casablanca's circle: hover it by event rather than by the pointer
    page.page.dispatch_event(f"path.sp-site.sp-rank-{int(r.site('xss')['rank'])}", "mouseover")
    tip = page.page.locator(".leaflet-tooltip", has_text=XSS)
    tip.wait_for()
    assert f"rank {rnk} " in tip.inner_text()
    page.page.wait_for_timeout(200)
    assert page.page.locator("img[src='x']").count() == 0
    assert page.dialogs == [] and page.errors == [] and page.requests == []
    page.page.close()


def test_a_french_map_has_a_french_panel(offline_page: Any, tmp_path: Path) -> None:
    """--lang fr: the panel's words, the criterion labels (label_fr) and the scores of the
    top-10 list in French (decimal comma, the same figures as Ranking.rescore)."""
    r = rank("balanced-2030")
    html = mapping.save_map(r, tmp_path / "fr.html", lang="fr")
    page = Page(offline_page(height=900), html)
    panel = page.page.locator(".sp-sliders").inner_text()
    assert "Poids : et si ?" in panel and "Revenir aux poids du fichier" in panel
    assert "what if" not in panel and "Reset" not in panel
    labels = page.page.locator(".sp-sl-table tr td:first-child").all_inner_texts()
    assert labels == [next(c for c in r.scenario.criteria if c.name == n).display_in("fr")
                      for n in r.weights.index]
    assert labels != [r.info[n].label for n in r.weights.index]  # not the English ones
    weights = _random_weights(r, 7)
    page.set_weights(weights)
    expected = r.rescore(weights)
    _assert_same(page.state(), expected)
    shown = page.page.locator(".sp-sl-top li .sp-hint").all_inner_texts()
    want = [f" ({s:.3f})".replace(".", ",") for s in expected.included["score"].head(10)]
    assert [t.strip() for t in shown] == [w.strip() for w in want]
    assert page.errors == [] and page.requests == []
    page.page.close()


def _set_group_share(weights: list[float], members: list[int], share: float) -> list[float]:
    """What a group slider does, written out here: the group's criteria scaled together so
    that they hold ``share`` of the total weight, the other criteria unchanged, then all
    put back on the 0-100 scale (largest = 100) with 3 decimals."""
    w = list(weights)
    inside = set(members)
    g = sum(w[j] for j in members)
    o = sum(x for j, x in enumerate(w) if j not in inside)
    target = share * o / (1 - share)
    w = [x * target / g if j in inside else x for j, x in enumerate(w)]
    top = max(w)
    return [round(x / top * 100, 3) for x in w]


def test_group_sliders_move_their_criteria_together(offline_page: Any, tmp_path: Path) -> None:
    """A group's slider gives the group the share asked (within the 3-decimal rounding),
    scales its criteria together, and the map re-ranks as Ranking.rescore does with the
    weights the copy box gives."""
    from siteplan.outputs.map_sliders import slider_groups

    r = rank("balanced-2030")
    groups = slider_groups(r)
    assert {g["name"] for g in groups} >= {"talent", "connectivity", "need"}
    assert sorted(j for g in groups for j in g["members"]) == list(range(len(r.weights)))
    page = Page(offline_page(height=900), mapping.save_map(r, tmp_path / "map.html"))
    assert page.page.locator("input[data-group]").count() == len(groups)
    start = [float(x) * 100 for x in r.weights]
    talent = next(g for g in groups if g["name"] == "talent")
    page.page.evaluate("""(share) => {
        const el = document.querySelector('input[data-group="talent"]');
        el.value = share; el.dispatchEvent(new Event('input', {bubbles: true})); }""", "50")
    want = _set_group_share(start, talent["members"], 0.5)
    opts = shlex.split(page.copy_text())
    given = {k: float(v) for k, v in (o.split("=") for o in opts[1::2])}
    assert given == dict(zip(r.weights.index, want, strict=True))
    held = sum(want[j] for j in talent["members"]) / sum(want)
    assert abs(held - 0.5) < 1e-4
    # the criteria of the group keep their proportions
    m = talent["members"]
    assert want[m[0]] / want[m[1]] == pytest.approx(start[m[0]] / start[m[1]], rel=1e-3)
    _assert_same(page.state(), r.rescore(given))
    shown = page.page.locator("input[data-group='talent'] >> xpath=../../td[3]").inner_text()
    assert shown == "50.0%"
    assert page.errors == [] and page.requests == []
    page.page.close()
