"""The stability map: each ranked site's SMAA verdict as a shape, its share as a colour.

:func:`add_verdicts` draws a ``kind="verdicts"`` overlay (built by
:func:`siteplan.outputs.overlay.stability_overlay`) on a map of
:func:`siteplan.outputs.html_map.render_map`, so that a person reads the stability at a
glance and without relying on colour:

* the **shape** says the verdict of :func:`siteplan.analyses.sensitivity.report.analyse`:
  a circle with a heavy outline for a robust site of the top K, a triangle for a fragile
  one, a small square with a thin outline for a site outside the top K
  (:data:`VERDICT_SHAPES`);
* the **colour** is the share of the weight samples that put the site in the top K, on
  cividis, a sequential palette whose lightness rises steadily, so that it reads the same
  under every colour-vision deficiency (``tests/outputs/test_stability_map.py`` checks it
  with a simulation, and checks that the red-yellow-green of earlier versions fails);
* each marker sits on a white disc a little larger than the site's candidate circle, which
  hides the red-yellow score colour underneath; the rank numbers stay on top.

Markers are Leaflet ``divIcon`` s holding an inline SVG; names and reasons reach the page
escaped (:func:`siteplan.outputs.html_map.esc`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan.outputs.cartography import SITE_RADIUS, _colormap, _hex
from siteplan.outputs.language import fmt_num, fmt_pct, overlay_word

if TYPE_CHECKING:
    import folium

    from siteplan.outputs.overlay import Overlay

#: the share's palette: sequential, perceptually uniform, colour-blind safe
STABILITY_CMAP = "cividis"
#: verdict -> (shape, outline width px, outline colour, legend word); "" is outside the top K
VERDICT_SHAPES: dict[str, tuple[str, float, str, str]] = {
    "robust": ("circle", 3.0, "#111111", "robust"),
    "fragile": ("triangle", 2.5, "#111111", "fragile"),
    "": ("square", 1.2, "#444444", "not in top k"),
}
#: shares marked on the legend's ramp (the classes the colour-vision test compares)
LEGEND_STOPS = (0.0, 0.25, 0.5, 0.75, 1.0)


def share_colour(share: float) -> str:
    """The cividis colour of a share in [0, 1] (grey when missing)."""
    if not math.isfinite(share):
        return "#bdbdbd"
    return _hex(_colormap(STABILITY_CMAP)(min(1.0, max(0.0, share))))


def marker_svg(verdict: str, fill: str, radius: float) -> tuple[str, int]:
    """The SVG of one marker (a white disc of the candidate circle's size, then the
    verdict's shape) and its side in pixels."""
    shape, width, stroke, _ = VERDICT_SHAPES[verdict]
    r = radius + 2.0  # the halo covers the candidate circle (radius + its 1 px outline)
    side = math.ceil(2 * (r + width))
    c = side / 2
    halo = f'<circle cx="{c:.1f}" cy="{c:.1f}" r="{r:.1f}" fill="#ffffff"/>'
    style = f'fill="{fill}" stroke="{stroke}" stroke-width="{width:g}"'
    if shape == "circle":
        body = f'<circle cx="{c:.1f}" cy="{c:.1f}" r="{r - width / 2:.1f}" {style}/>'
    elif shape == "triangle":
        h = r - width / 2
        pts = [(c, c - h), (c + h * 0.95, c + h * 0.75), (c - h * 0.95, c + h * 0.75)]
        body = ('<polygon points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
                + f'" {style} stroke-linejoin="round"/>')
    else:
        h = 0.62 * r
        body = (f'<rect x="{c - h:.1f}" y="{c - h:.1f}" width="{2 * h:.1f}" '
                f'height="{2 * h:.1f}" {style}/>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{side}" '
           f'viewBox="0 0 {side} {side}">{halo}{body}</svg>')
    return svg, side


def _legend_shape(verdict: str) -> str:
    svg, _ = marker_svg(verdict, share_colour(0.6), 6.0)
    return svg.replace("<svg ", '<svg class="sp-verdict-swatch" style="flex: none" ', 1)


def _verdict_words(ov: Overlay, lang: str) -> dict[str, str]:
    """Each verdict's legend line in ``lang``, with the rule's figures of the analysis."""
    facts = {"k": int(ov.extra.get("top_k", 10)),
             "share": fmt_pct(ov.extra.get("robust_threshold", 0.8), lang),
             "margin": fmt_num(ov.extra.get("weight_margin", 0.1), lang, 2)}
    return {v: overlay_word(word, lang, **facts) for v, (_, _, _, word) in
            VERDICT_SHAPES.items()}


def verdicts_legend(ov: Overlay, lang: str = "en") -> str:
    """The legend: the share's ramp (cividis, 0 to 100 %), the three shapes, a hint."""
    from siteplan.outputs.html_map import esc

    words = _verdict_words(ov, lang)
    stops = ", ".join(share_colour(i / 8) for i in range(9))
    ticks = "".join(f"<span>{esc(fmt_pct(s, lang))}</span>" for s in LEGEND_STOPS)
    rows = "".join(
        f'<div class="sp-legend-row sp-verdict-row">{_legend_shape(v)}'
        f"{esc(words[v])}</div>" for v in VERDICT_SHAPES)
    return (f'<div class="sp-legend-title">{esc(ov.legend or ov.name)}</div>'
            f'<div class="sp-ramp" style="background: linear-gradient(to right, {stops})">'
            f'</div><div class="sp-ramp-labels">{ticks}</div>{rows}'
            f'<div class="sp-hint">{esc(overlay_word("shape hint", lang))}</div>')


def _popup(ov: Overlay, rec: dict[str, Any], lang: str) -> str:
    from siteplan.outputs.html_map import esc
    from siteplan.phrases import translate

    k = int(ov.extra.get("top_k", 10))
    verdict = str(rec.get("verdict") or "")
    rows = [(overlay_word("Rank", lang), str(int(rec["rank"]))),
            (overlay_word("verdict", lang), _verdict_words(ov, lang)[verdict]),
            (overlay_word("top k membership", lang, k=k), fmt_pct(rec["top_k_membership"], lang)),
            (overlay_word("rank stability", lang), fmt_pct(rec["rank_stability"], lang)),
            (overlay_word("first rank", lang), fmt_pct(rec["first_rank"], lang))]
    table = "".join(f"<tr><th>{esc(a)}</th><td>{esc(b)}</td></tr>" for a, b in rows)
    why = [translate(w, lang, lambda t: t) if lang != "en" else w for w in rec.get("why") or ()]
    reasons = (f'<div class="sp-hint">{esc(overlay_word("why fragile", lang))}</div><ul '
               'class="sp-notes">' + "".join(f"<li>{esc(w)}</li>" for w in why) + "</ul>"
               if why else "")
    return (f'<div class="sp-popup sp-stability-popup"><h4>{esc(rec["name"])}</h4>'
            f'<div class="sp-where">{esc(ov.name)}</div>'
            f'<table class="sp-breakdown">{table}</table>{reasons}</div>')


def add_verdicts(m: folium.Map, ov: Overlay, lang: str = "en") -> str:
    """Draw a ``kind="verdicts"`` overlay on ``m`` (a toggleable layer); return its legend."""
    import folium

    from siteplan.outputs.html_map import esc

    assert ov.data is not None  # checked by Overlay.__post_init__
    data = ov.data
    k = int(ov.extra.get("top_k", 10))
    short = {"robust": overlay_word("robust site", lang), "fragile": overlay_word("fragile site",
                                                                                   lang),
             "": overlay_word("not in top k", lang, k=k)}
    n = len(data)
    lo, span = SITE_RADIUS
    group = folium.FeatureGroup(name=esc(ov.name), show=ov.show)
    records = data.drop(columns="geometry").to_dict("records")
    order = np.argsort(-data["rank"].to_numpy(dtype=float))  # the best drawn last, on top
    for i in order.tolist():
        rec, pt = records[i], data.geometry.iloc[i]
        rnk = int(rec["rank"])
        radius = lo + span * (1.0 - (rnk - 1) / max(n - 1, 1))
        verdict = str(rec.get("verdict") or "")
        svg, side = marker_svg(verdict, share_colour(float(rec["top_k_membership"])), radius)
        cls = f"sp-verdict sp-verdict-{VERDICT_SHAPES[verdict][0]}"
        icon = folium.DivIcon(html=svg, icon_size=(side, side),
                              icon_anchor=(side // 2, side // 2), class_name=cls)
        tip = (f"<b>{esc(rec['name'])}</b><br>"
               f"{esc(short[verdict])} &middot; "
               f"{esc(fmt_pct(rec['top_k_membership'], lang))}")
        marker = folium.Marker(location=[float(pt.y), float(pt.x)], icon=icon,
                               tooltip=folium.Tooltip(tip),
                               popup=folium.Popup(_popup(ov, rec, lang), parse_html=False,
                                                  max_width=360))
        marker.options["pane"] = "sp-picks"
        marker.add_to(group)
    group.add_to(m)
    return verdicts_legend(ov, lang)
