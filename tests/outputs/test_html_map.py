"""HTML maps (siteplan.outputs.html_map) and `siteplan map`, without a browser.

Expected values come from the inputs themselves (the tiny pack's zones and sites,
hand-computed class breaks), never from the map code.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from click.testing import CliRunner

from siteplan.cli import cli
from siteplan.errors import DataError, LayerError, OutputError, UsageError
from siteplan.layers.pack import Pack
from siteplan.outputs import html_map as mapping
from siteplan.outputs.overlay import Overlay
from siteplan.scoring.ranking import Ranking, rank

TINY = str(Path(__file__).parents[1] / "data" / "tiny-scenario.toml")
XSS = "<img src=x onerror=alert(1)>"
BREAKOUT = "`);alert(2);//${alert(3)}\\"
EXTERNAL = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""",
                      re.IGNORECASE)


@pytest.fixture()
def tiny(tiny_pack_dir: Path) -> tuple[Ranking, Pack]:
    pack = Pack(tiny_pack_dir)
    return rank(TINY, pack=pack), pack


def hostile(r: Ranking) -> Ranking:
    """A copy whose user-supplied strings try to inject HTML/JS everywhere."""
    sites = r.sites.copy()
    sites.loc[0, "name"] = XSS
    sites.loc[1, "name"] = BREAKOUT
    last = len(sites) - 1
    sites.loc[last, "excluded"] = True
    sites.loc[last, "score"] = np.nan
    sites["rank"] = sites["rank"].astype("Int64")
    sites.loc[last, "rank"] = None
    sites.at[last, "reasons"] = ["<script>alert(4)</script> too far"]
    sites.at[last, "notes"] = ["<b onmouseover=alert(5)>note</b>"]
    crit = [dataclasses.replace(r.criteria[0], label="<svg onload=alert(6)>talent"),
            *r.criteria[1:]]
    scen = dataclasses.replace(r.scenario, title="<script>alert(7)</script> plan")
    return dataclasses.replace(r, sites=sites, criteria=crit, scenario=scen)


def page(r: Ranking, pack: Pack | None, **kw: object) -> str:
    return mapping.map_html(mapping.render_map(r, pack=pack, **kw))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- self-containment


def test_self_contained_map_has_no_outside_script_or_stylesheet(tiny: tuple[Ranking, Pack],
                                                                tmp_path: Path) -> None:
    r, pack = tiny
    out = mapping.save_map(r, tmp_path / "map.html", pack=pack)
    text = out.read_text(encoding="utf-8")
    assert not EXTERNAL.search(text)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", text)  # no remote fonts/images in CSS
    assert "L.map(" in text and "L.control.fullscreen" in text  # Leaflet + plugin inline
    assert "tile.openstreetmap.org" not in text  # no background tiles by default
    assert "L.control.scale" in text


def test_online_map_links_cdns_and_osm(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    text = page(r, pack, self_contained=False)
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet@' in text
    assert "tile.openstreetmap.org" in text


def test_user_tiles_are_used_and_checked(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    url = "http://localhost:8080/{z}/{x}/{y}.png"
    text = page(r, pack, tiles=url)
    assert url in text and not EXTERNAL.search(text)
    with pytest.raises(UsageError, match=r"\{z\}"):
        mapping.render_map(r, pack=pack, tiles="http://localhost/tile.png")


def test_inline_resources_refuses_unknown_cdn() -> None:
    with pytest.raises(OutputError, match="no copy of"):
        mapping.inline_resources('<script src="https://example.org/x.js"></script>')


# --------------------------------------------------------------------------- content


def test_map_content_zones_sites_layers_and_popups(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    text = page(r, pack, top_n=2)
    regions = pack.layer("regions")
    # one zone feature per region, with its name and value in the tooltip
    assert text.count('"className": "sp-zone"') >= 1
    for name in regions["name_fr"]:
        assert f"\\u003cb\\u003e{name}\\u003c/b\\u003e" in text
    # one circle marker per site, one popup with a breakdown table and an SVG chart each
    assert len(re.findall(r'"className": "sp-site', text)) == len(r.sites)
    assert text.count('class="sp-breakdown"') == len(r.sites)
    assert text.count('class="sp-bars"') == len(r.sites)
    # every site circle carries its id; rank labels are drawn in the browser from the ranks
    assert len(re.findall(r'"siteplanId": "', text)) == len(r.included)
    assert "window.siteplanDeclutter" in text and "window.siteplanRanks" in text
    for info in r.criteria:
        assert esc_in(info.label, text)
    # context layers from the pack, toggleable
    for title in ("Universities (size: students)", "Airports (size: passengers 2024)",
                  "Railway stations", "Motorway access"):
        assert f'"{title}"' in text
    assert '"className": "sp-university"' in text
    assert "L.control.layers" in text
    # title panel and legend
    assert "Tiny test scenario" in text and "weighted linear combination" in text
    assert 'class="sp-panel sp-legend"' in text and "quantiles" in text


def esc_in(label: str, text: str) -> bool:
    return mapping.esc(label) in text


def test_popup_breakdown_matches_explain(tiny: tuple[Ranking, Pack]) -> None:
    r, _ = tiny
    row = r.sites.iloc[0]
    html_ = mapping.site_popup_html(r, row, len(r.included))
    table = r.explain(str(row["id"]))
    for t in table.itertuples():
        assert f"{t.weight:.0%}" in html_
        assert f"{t.contribution:.3f}" in html_
    assert f"{row['score']:.3f}" in html_ and "Rank <b" in html_
    assert "<svg" in html_ and "<img" not in html_


def test_popup_says_weighted_scores_do_not_add_up_outside_wlc(
    tiny: tuple[Ranking, Pack],
) -> None:
    r, _ = tiny
    wlc = mapping.site_popup_html(r, r.sites.iloc[0], len(r.included))
    assert "contrib.</th>" in wlc and "contribution to the score" in wlc
    t = r.rescore(method="topsis")
    html_ = mapping.site_popup_html(t, t.sites.iloc[0], len(t.included))
    assert "contrib.</th>" not in html_ and "contribution to the score" not in html_
    assert "w &times; score</th>" in html_ and "TOPSIS" in html_ and "does not add" in html_


def test_unknown_indicator_lists_numeric_columns(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    with pytest.raises(UsageError, match=r"numeric columns: .*unemployment_rate"):
        mapping.render_map(r, pack=pack, indicator="nope")
    with pytest.raises(UsageError, match="not numeric"):
        mapping.render_map(r, pack=pack, indicator="name_fr")


def test_indicator_default_falls_back_and_provinces(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    ch = mapping.zone_choropleth(pack, "provinces", None, "equalinterval", 2)
    assert ch.column == "unemployment_rate"  # the tiny pack has no need_index
    assert len(ch.zones) == 4 and ch.upper[-1] == pytest.approx(25.0)
    text = page(r, pack, zones="provinces", indicator="working_age_2024")
    assert "Region boundaries" in text


# --------------------------------------------------------------------------- security


def test_user_strings_are_escaped(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    points = r.sites[["name", "score", "geometry"]].copy()
    ov = Overlay(name=f"stability {XSS}", kind="points", data=points, value_column="score",
                 label_column="name", popup_columns={"name": "<i>site</i>"})
    text = page(hostile(r), pack, overlays=[ov])
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    for raw in ("<img src=x", "<script>alert(", "<svg onload", "<b onmouseover", "<i>site</i>",
                "`);alert(2)", "${alert(3)}"):
        assert raw not in text, raw
    # the JSON folium embeds in <script> has "<" escaped too
    assert "</script> plan" not in text


def test_esc_covers_template_literal_breakouts() -> None:
    assert mapping.esc("a`b${c}\\d<e>&\"'") == "a&#96;b&#36;{c}&#92;d&lt;e&gt;&amp;&quot;&#x27;"


# --------------------------------------------------------------------------- overlays


def test_overlays_of_each_kind_render(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    pts = r.sites[["id", "name", "score", "geometry"]].assign(top1=[0.9, 0.5, 0.1, 0.0])
    regions = pack.layer("regions")
    img = np.zeros((20, 40, 4), dtype=np.uint8)
    img[..., 0] = 200
    img[..., 3] = 160
    ovs = [Overlay(name="Rank stability", kind="points", data=pts, value_column="top1",
                   label_column="name", popup_columns={"top1": "share in top 1"},
                   legend="share of SMAA draws ranking the site first"),
           Overlay(name="Plan regions", kind="polygons", data=regions,
                   value_column="unemployment_rate", label_column="name_fr",
                   popup_columns={"name_fr": "region"}, colormap="Greens", show=False),
           Overlay(name="Suitability surface", kind="image", image=img,
                   bounds=((0.0, 0.0), (1.0, 2.0)), legend="suitability 0-1", vmin=0, vmax=1)]
    text = page(r, pack, overlays=ovs)
    for name in ("Rank stability", "Plan regions", "Suitability surface"):
        assert f'"{name}"' in text  # a layer-control entry each
    assert text.count('"className": "sp-overlay"') >= len(pts) + 1
    assert "L.imageOverlay" in text and "data:image/png;base64," in text
    assert "share of SMAA draws ranking the site first" in text
    assert "share in top 1" in text


def test_overlay_errors_are_usage_errors(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    pts = r.sites[["name", "geometry"]]
    with pytest.raises(UsageError, match="value_column 'nope'"):
        mapping.render_map(r, pack=pack, overlays=[Overlay(name="x", data=pts,
                                                           value_column="nope")])
    bad = Overlay(name="img", kind="image", image=np.zeros((3, 3), dtype=np.uint8),
                  bounds=((0, 0), (1, 1)))
    with pytest.raises(UsageError, match="RGBA"):
        mapping.render_map(r, pack=pack, overlays=[bad])


def test_mercator_rows_keep_north_and_south_rows() -> None:
    img = np.arange(100, dtype=np.uint8).reshape(100, 1)[:, :, None].repeat(4, axis=2)
    out = mapping._mercator_rows(img, 21.0, 36.0)
    assert out.shape == img.shape
    assert out[0, 0, 0] == 0 and out[-1, 0, 0] == 99
    # Mercator stretches the north: the middle output row lies north of the middle latitude
    assert out[50, 0, 0] < 50


# --------------------------------------------------------------------------- writing


def test_save_map_is_atomic(tiny: tuple[Ranking, Pack], tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    r, pack = tiny
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "map.html"
    target.write_text("old map", encoding="utf-8")
    with pytest.raises(OutputError, match="exists"):
        mapping.save_map(r, target, pack=pack)
    with pytest.raises(UsageError):
        mapping.save_map(r, target, pack=pack, overwrite=True, indicator="nope")

    def boom(m: object) -> str:
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(mapping, "map_html", boom)
    with pytest.raises(RuntimeError):
        mapping.save_map(r, target, pack=pack, overwrite=True)
    assert target.read_text(encoding="utf-8") == "old map"
    assert [p.name for p in target.parent.iterdir()] == ["map.html"]  # no temporary file left
    monkeypatch.undo()
    mapping.save_map(r, target, pack=pack, overwrite=True)
    assert "L.map(" in target.read_text(encoding="utf-8")
    with pytest.raises(OutputError, match=r"\.html"):
        mapping.save_map(r, tmp_path / "map.png", pack=pack)


def test_sites_without_coordinates_raise(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    sites = r.sites.copy()
    sites.loc[1, "lon"] = np.nan
    with pytest.raises(DataError, match="without coordinates"):
        mapping.render_map(dataclasses.replace(r, sites=sites), pack=pack)


def test_ranking_from_another_pack_draws_sites_only(tiny: tuple[Ranking, Pack],
                                                    caplog: pytest.LogCaptureFixture) -> None:
    import dataclasses

    r, _ = tiny
    assert r.pack is not None  # a ranking in memory carries its pack: zones are drawn
    assert '"className": "sp-zone"' in page(r, None)
    r = dataclasses.replace(r, pack=None)  # as read back from a file
    text = page(r, None)
    assert "made on pack 'tiny'" in caplog.text
    assert '"className": "sp-zone"' not in text
    assert len(re.findall(r'"className": "sp-site', text)) == len(r.sites)


@pytest.mark.slow
def test_default_morocco_map_is_small(tmp_path: Path) -> None:
    try:
        r = rank()
    except LayerError as exc:
        pytest.skip(f"the embedded Morocco pack is not available ({exc})")
    out = mapping.save_map(r, tmp_path / "morocco.html")
    size = out.stat().st_size
    assert size < 3_000_000, f"{size / 1e6:.2f} MB"
    text = out.read_text(encoding="utf-8")
    assert not EXTERNAL.search(text)
    regions = Pack(None).layer("regions")
    assert len(re.findall(r'"sp_fill"', text)) >= len(regions)


# --------------------------------------------------------------------------- CLI


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def test_cli_map_writes_html_and_png(tiny: tuple[Ranking, Pack], tiny_pack_dir: Path,
                                     tmp_path: Path) -> None:
    r, _ = tiny
    src = tmp_path / "ranking.json"
    src.write_text(r.to_json(), encoding="utf-8")
    out, png = tmp_path / "m.html", tmp_path / "m.png"
    res = invoke("map", str(src), "-o", str(out), "--pack", str(tiny_pack_dir),
                 "--zones", "provinces", "--scheme", "naturalbreaks", "--png", str(png))
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    assert out.stat().st_size > 0 and png.stat().st_size > 0
    assert not EXTERNAL.search(out.read_text(encoding="utf-8"))
    res = invoke("map", str(src), "-o", str(out), "--pack", str(tiny_pack_dir))
    assert res.exit_code == 1 and "--overwrite" in res.output  # type: ignore[attr-defined]
    res = invoke("map", str(src), "-o", str(out), "--pack", str(tiny_pack_dir), "--overwrite",
                 "--indicator", "nope")
    assert res.exit_code == 2 and "numeric columns" in res.output  # type: ignore[attr-defined]


def test_cli_map_default_path(tiny: tuple[Ranking, Pack], tiny_pack_dir: Path, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    r, _ = tiny
    src = tmp_path / "ranking.json"
    src.write_text(r.to_json(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = invoke("map", str(src), "--pack", str(tiny_pack_dir), "--online")
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    assert (tmp_path / "maps" / "tiny-ranking.html").exists()


def test_cli_map_rejects_a_json_that_is_not_a_ranking(tmp_path: Path) -> None:
    bad = tmp_path / "other.json"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": []}), encoding="utf-8")
    res = invoke("map", str(bad), "-o", str(tmp_path / "m.html"))
    assert res.exit_code != 0  # type: ignore[attr-defined]
    assert "not a siteplan ranking" in res.output  # type: ignore[attr-defined]
    assert "Traceback" not in res.output  # type: ignore[attr-defined]
    assert not (tmp_path / "m.html").exists()


def test_cli_map_rejects_sites_without_coordinates(tiny: tuple[Ranking, Pack],
                                                   tmp_path: Path) -> None:
    r, _ = tiny
    d = r.to_dict()
    del d["sites"][0]["lon"]
    src = tmp_path / "ranking.json"
    src.write_text(json.dumps(d), encoding="utf-8")
    res = invoke("map", str(src), "-o", str(tmp_path / "m.html"))
    assert res.exit_code != 0  # type: ignore[attr-defined]
    assert "lon" in res.output and "coordinates" in res.output  # type: ignore[attr-defined]


def test_cli_map_help_has_examples() -> None:
    res = invoke("map", "--help")
    assert res.exit_code == 0  # type: ignore[attr-defined]
    assert "$ siteplan map ranking.json" in res.output  # type: ignore[attr-defined]


def test_overlay_polygons_accept_projected_data(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    regions = pack.layer("regions").to_crs(3857)
    ov = Overlay(name="projected", kind="polygons", data=gpd.GeoDataFrame(regions))
    text = page(r, pack, overlays=[ov])
    assert '"projected"' in text
    assert "111319" not in text  # drawn in degrees (1 degree = 111319 m in EPSG:3857)


def test_zones_can_start_unticked_for_surface_maps(tiny: tuple[Ranking, Pack]) -> None:
    import folium

    r, pack = tiny

    def zone_layers(m: folium.Map) -> list[folium.GeoJson]:
        return [c for c in m._children.values()
                if isinstance(c, folium.GeoJson) and c.layer_name.startswith("Regions")]

    shown = zone_layers(mapping.render_map(r, pack=pack))
    hidden = zone_layers(mapping.render_map(r, pack=pack, show_zones=False))
    assert len(shown) == len(hidden) == 1
    assert shown[0].show is True and hidden[0].show is False


def test_popups_show_both_lens_indices_of_a_two_lens_scenario() -> None:
    from siteplan.outputs.html_map import site_popup_html

    r = rank("balanced-2030")
    n = int(r.sites["rank"].notna().sum())
    for _, row in r.sites.head(8).iterrows():
        html = site_popup_html(r, row, n)
        assert f'class="sp-viability">{row["viability"]:.3f}<' in html
        assert f'class="sp-need">{row["need"]:.3f}<' in html


def test_popups_of_a_scenario_without_lenses_have_no_lens_line(
        tiny: tuple[Ranking, Pack]) -> None:
    from siteplan.outputs.html_map import site_popup_html

    r, _ = tiny
    html = site_popup_html(r, r.sites.iloc[0], len(r.sites))
    assert "sp-lenses" not in html


def test_a_french_map_speaks_french_and_an_english_one_english() -> None:
    """--lang fr: panel, legend, popups, reasons and figures in French."""
    r = rank("balanced-2030")
    fr = page(r, None, lang="fr")
    en = page(r, None)
    for english in ("Click a site for its score breakdown", "Candidate sites: score",
                    "below the scenario", "sites ranked", "Method:",
                    "Balanced territorial development 2030"):
        assert english in en, english
        assert english not in fr, english
    assert "Développement territorial équilibré 2030" in fr
    assert "Cliquez sur un site" in fr and "Sites candidats : score" in fr
    top = r.included.iloc[0]
    assert f"{top['score']:.3f}".replace(".", ",") in fr
    assert "Diplômés du supérieur à portée de trajet" in fr


def test_map_without_a_basemap_layer_still_maps(tiny: tuple[Ranking, Pack]) -> None:
    r, pack = tiny
    assert "basemap" not in pack.layer_names
    text = page(r, pack, top_n=2)
    assert "sp-land" not in text and "window.siteplanDeclutter" in text


def _min_cvd_distance(colours: list[str]) -> float:
    """The smallest CAM02-UCS distance between two of ``colours`` as seen with normal vision
    and with simulated deuteranopia, protanopia and tritanopia (colorspacious, Machado et
    al. 2009 at severity 100)."""
    import itertools

    import colorspacious  # the test extra
    rgb = [np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)]) / 255 for c in colours]
    worst = np.inf
    for cvd in (None, "deuteranomaly", "protanomaly", "tritanomaly"):
        seen = rgb if cvd is None else [np.clip(colorspacious.cspace_convert(
            c, {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}, "sRGB1"), 0, 1)
            for c in rgb]
        for a, b in itertools.combinations(seen, 2):
            worst = min(worst, float(colorspacious.deltaE(a, b, input_space="sRGB1",
                                                          uniform_space="CAM02-UCS")))
    return worst


def test_context_colours_stay_apart_for_colour_blind_readers() -> None:
    """Every two context colours stay >= 10 CAM02-UCS units apart under each simulated
    colour-vision deficiency. The Dark2-based palette used before fails the same test
    (high-speed stations and ports merge under protanopia: 0.3 units)."""
    now = [*mapping.CONTEXT_COLOURS.values(), mapping.RAIL_CONVENTIONAL]
    assert len(set(now)) == len(mapping.CONTEXT_LAYERS) + 1
    assert _min_cvd_distance(now) >= 10.0
    before = ["#1b9e77", "#252525", "#7570b3", "#737373", "#1f78b4", "#a6761d", "#e7298a"]
    assert _min_cvd_distance(before) < 10.0
