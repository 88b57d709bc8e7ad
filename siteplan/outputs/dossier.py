"""The dossier: the report a ministry meeting needs, as one self-contained HTML file and its PDF.

:func:`build_dossier` turns the results of the analyses (a ranking, its plan, its
robustness report) into one HTML document, in English or French, with every image inlined
(PNG as ``data:`` URIs) and no reference outside the file; :func:`write_dossier` writes it,
and for a ``.pdf`` path prints the same document with Debian's chromium (headless). The
order of the sections follows the way site-selection studies are read: cover, summary,
maps, scorecard, viability-need quadrant, one card per shortlisted site, robustness, plan
and equity, method, data, reproducibility.

Everything a user or a data file supplies (site, region and scenario names, criterion
labels, sources) is HTML-escaped where it is written; the fixed sentences come from
:mod:`siteplan.outputs.dossier_text`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan import __version__
from siteplan._atomic import check_writable, write_text_atomic, write_with
from siteplan.errors import OutputError, SiteplanError, UsageError
from siteplan.outputs.dossier_text import (
    GROUP_LABELS,
    GROUP_ORDER,
    fmt_int,
    fmt_num,
    fmt_pct,
    t,
)
from siteplan.outputs.language import list_sep, reason_in
from siteplan.phrases import translate
from siteplan.scenario import LANGUAGES, METHOD_INFO

if TYPE_CHECKING:
    import pandas as pd

    from siteplan.analyses.plan.robustness import PlanRobustness
    from siteplan.analyses.plan.steps import PlanReport
    from siteplan.analyses.sensitivity.report import RobustnessReport
    from siteplan.layers.pack import Pack
    from siteplan.scoring.ranking import Ranking

__all__ = ["DOSSIER_SUFFIXES", "Dossier", "build_dossier", "find_chromium", "write_dossier"]

#: what :func:`write_dossier` writes, by extension
DOSSIER_SUFFIXES = (".html", ".htm", ".pdf")
#: sequential colours of the scorecard, pale to dark (ColorBrewer Blues, colour-blind safe)
_BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5",
          "#08519c", "#08306b")


def esc(x: Any) -> str:
    """``x`` as HTML text (quotes too: safe in attributes)."""
    return html.escape("" if x is None else str(x), quote=True)


@dataclass
class Dossier:
    """A built dossier: its HTML and the figures its sentences state (for checks).

    Attributes
    ----------
    html : str
        The whole self-contained document.
    lang : str
        One of :data:`~siteplan.scenario.LANGUAGES`.
    facts : dict
        The figures quoted in the summary (jobs, exports, Gini values, chosen ids), as
        numbers, so that a test or a notebook can compare them with the JSON outputs.
    """

    html: str
    lang: str
    facts: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- figures


def _png_of(writer: Callable[[Path], Any]) -> str:
    """Run a chart writer into a temporary file and return the PNG as a data URI."""
    with tempfile.TemporaryDirectory(prefix="siteplan-dossier-") as tmp:
        p = Path(tmp) / "figure.png"
        writer(p)
        data = p.read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _fig_uri(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=130, bbox_inches="tight")
    finally:
        plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _img(uri: str, alt: str, cls: str = "fig") -> str:
    return f'<img class="{cls}" src="{uri}" alt="{esc(alt)}">'


def _radar_uri(groups: Sequence[str], values: Sequence[float], lang: str) -> str:
    """A radar (polar) profile of one site over criterion groups, 0 to 1."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(groups)
    ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
    vals = np.nan_to_num(np.asarray(values, dtype=float))
    fig = plt.figure(figsize=(3.2, 3.2))
    ax = fig.add_subplot(111, projection="polar")
    ax.plot(np.r_[ang, ang[:1]], np.r_[vals, vals[:1]], color="#0072B2", linewidth=1.6)
    ax.fill(np.r_[ang, ang[:1]], np.r_[vals, vals[:1]], color="#0072B2", alpha=0.25)
    ax.set_xticks(ang)
    ax.set_xticklabels([GROUP_LABELS[lang].get(g, g) for g in groups], fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0])
    ax.set_yticklabels(["", "0,5" if lang == "fr" else "0.5", "", "1"], fontsize=7)
    return _fig_uri(fig)


def _locator_uri(pack: Pack, lon: float, lat: float) -> str:
    """A small map of the regions with the site as a dot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2.6, 2.6))
    try:
        regions = pack.layer("regions")
        regions.boundary.plot(ax=ax, color="#888888", linewidth=0.4)
    except SiteplanError:  # a pack without regions: the dot alone
        pass
    ax.plot([lon], [lat], "o", color="#D55E00", markersize=7, markeredgecolor="black")
    ax.set_axis_off()
    ax.set_aspect("equal")
    return _fig_uri(fig)


def _plan_map_uri(ctx: _Ctx) -> str:
    """A print map of the plan: regions coloured by 2030 jobs per 1,000 working-age under
    the plan, the existing parks (squares) and the chosen sites (numbered circles)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    lang, d = ctx.lang, ctx.d
    fig, ax = plt.subplots(figsize=(7.2, 7.2))
    try:
        regions = ctx.pack.layer("regions").copy()
    except SiteplanError:
        regions = None
    if regions is not None and "region_code" in regions.columns:
        rate = {r["region_code"]: r.get("per_thousand_plan") for r in d["regions"]}
        regions["rate"] = [rate.get(str(c)) for c in regions["region_code"]]
        regions.plot(column="rate", ax=ax, cmap=ListedColormap(_BLUES[1:8]), edgecolor="#666666",
                     linewidth=0.4, legend=True, missing_kwds={"color": "#eeeeee"},
                     legend_kwds={"shrink": 0.6, "label": t(lang, "map_rate")})
    for park in d.get("parks", []):
        ax.plot(park["lon"], park["lat"], "s", color="black", markersize=5)
    for i, c in enumerate(d["chosen"], start=1):
        ax.plot(c["lon"], c["lat"], "o", color="#D55E00", markersize=11,
                markeredgecolor="black", markeredgewidth=0.8)
        ax.annotate(str(i), (c["lon"], c["lat"]), ha="center", va="center", fontsize=7,
                    color="white", weight="bold")
        ax.annotate(c["name"], (c["lon"], c["lat"]), xytext=(7, 4), textcoords="offset points",
                    fontsize=8)
    ax.plot([], [], "s", color="black", markersize=5, label=t(lang, "map_parks"))
    ax.plot([], [], "o", color="#D55E00", markeredgecolor="black", markersize=9,
            label=t(lang, "map_new"))
    ax.legend(loc="upper left", fontsize=8, frameon=True)
    pts = [(c["lon"], c["lat"]) for c in d["chosen"]] + [(q["lon"], q["lat"])
                                                        for q in d.get("parks", [])]
    if pts:  # the part of the country where the plan is, not the whole study area
        xs, ys = zip(*pts, strict=True)
        pad = 1.2
        ax.set_xlim(min(xs) - pad, max(xs) + pad)
        ax.set_ylim(min(ys) - pad, max(ys) + pad)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return _fig_uri(fig)


# --------------------------------------------------------------------------- tables


def _groups(ranking: Ranking) -> list[str]:
    """Criterion groups with a weight, in :data:`GROUP_ORDER` then scenario order."""
    seen: list[str] = []
    for info in ranking.criteria:
        g = info.group or info.name
        if float(ranking.weights.get(info.name, 0.0)) > 0 and g not in seen:
            seen.append(g)
    return sorted(seen, key=lambda g: (GROUP_ORDER.index(g) if g in GROUP_ORDER else 99,
                                       seen.index(g)))


def group_scores(ranking: Ranking) -> pd.DataFrame:
    """Per site (rows, by id) and group (columns): the weighted mean of its value scores."""
    import pandas as pd

    out = {}
    w = ranking.weights
    for g in _groups(ranking):
        names = [c.name for c in ranking.criteria if (c.group or c.name) == g
                 and float(w.get(c.name, 0.0)) > 0 and c.name in ranking.values.columns]
        ww = np.array([float(w[n]) for n in names])
        vals = ranking.values[names].to_numpy(dtype=float)
        out[g] = (vals * ww).sum(axis=1) / ww.sum()
    return pd.DataFrame(out, index=ranking.values.index)


def _cell_colour(v: float) -> tuple[str, str]:
    if not np.isfinite(v):
        return "#ffffff", "#000000"
    i = int(min(len(_BLUES) - 1, max(0, round(v * (len(_BLUES) - 1)))))
    return _BLUES[i], ("#ffffff" if i >= 5 else "#000000")


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "tab",
           num_from: int = 1) -> str:
    """An HTML table; cells are already HTML (escaped by the caller)."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f'<td class="{"num" if j >= num_from else ""}">{c}</td>'
                         for j, c in enumerate(r)) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def _fmt_value(x: Any, lang: str) -> str:
    """A raw criterion value: whole numbers and large values without decimals."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return esc(x)
    if not np.isfinite(v):
        return ""
    return fmt_num(v, lang, 0 if (v == round(v) or abs(v) >= 100) else 1)


def _value_function(spec: Mapping[str, Any], lang: str) -> str:
    method = str(spec.get("method", "minmax"))
    if method == "saturating":
        return f"saturating, half = {fmt_num(spec.get('half'), lang, 0)}"
    if method == "piecewise":
        pts = spec.get("points", [])
        return "piecewise " + ", ".join(
            f"{fmt_num(x, lang, 0)} → {fmt_num(y, lang, 2)}" for x, y in pts)
    rest = ", ".join(f"{k} = {v}" for k, v in spec.items() if k != "method")
    return method + (f" ({rest})" if rest else "")


# --------------------------------------------------------------------------- the document

_CSS = """
@page { size: A4; margin: 16mm 14mm 16mm 14mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #111;
       max-width: 980px; margin: 0 auto; padding: 0 12px; line-height: 1.35; }
h1 { font-size: 22pt; margin: 0 0 6px; } h2 { font-size: 15pt; margin-top: 22px;
  border-bottom: 2px solid #08519c; padding-bottom: 3px; break-before: page; }
h2.first { break-before: auto; } h3 { font-size: 12pt; margin: 14px 0 6px; }
.cover { padding-top: 60px; } .cover p { font-size: 12pt; margin: 4px 0; }
.subtitle { font-size: 14pt; color: #08519c; margin-bottom: 30px; }
table.tab { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 8.5pt; }
table.tab th, table.tab td { border: 1px solid #ccc; padding: 2px 4px; vertical-align: top; }
table.tab th { background: #eef3f8; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
img.fig { max-width: 100%; height: auto; display: block; margin: 6px auto; }
img.small { width: 220px; height: auto; } img.half { width: 60%; height: auto;
  display: block; margin: 6px auto; } .note { color: #444; font-size: 8.5pt; }
.card { break-inside: avoid; border: 1px solid #bbb; border-radius: 4px; padding: 8px;
        margin: 10px 0; } .card-row { display: flex; gap: 10px; align-items: flex-start; }
.card h3 { margin-top: 0; } ul.tight { margin: 2px 0 6px 18px; padding: 0; }
.summary p { margin: 6px 0; } code { font-size: 8.5pt; }
"""


def _section(key: str, lang: str, body: str, first: bool = False) -> str:
    cls = ' class="first"' if first else ""
    return f'<section id="{key}"><h2{cls}>{esc(t(lang, key))}</h2>{body}</section>'


def _join(items: Sequence[str], lang: str) -> str:
    if not items:
        return t(lang, "s_robust_none")
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {t(lang, 'and')} " + items[-1]


def _constraint_phrases(constraints: Mapping[str, Any], lang: str) -> list[str]:
    out = []
    cap = constraints.get("max_per_region")
    if cap:
        out.append(t(lang, "c_cap", n=esc(cap)))
    sp = constraints.get("min_spacing_km")
    if sp:
        out.append(t(lang, "c_spacing", km=fmt_num(sp, lang, 0)))
    q = constraints.get("lagging_quota")
    if q:
        out.append(t(lang, "c_quota", n=esc(q)))
    for key, label in (("include", "c_include"), ("exclude", "c_exclude")):
        ids = constraints.get(key) or []
        if ids:
            out.append(t(lang, label, ids=esc(", ".join(map(str, ids)))))
    return out or [t(lang, "none")]


@dataclass
class _Ctx:
    """What every section of the dossier reads (built once by :func:`build_dossier`)."""

    ranking: Ranking
    pack: Pack
    scen: Any
    d: dict[str, Any]
    rob: RobustnessReport
    lang: str
    facts: dict[str, Any]
    labels: dict[str, str]
    sites: pd.DataFrame
    gs: pd.DataFrame
    groups: list[str]
    has_lenses: bool
    title: str
    date: str
    pack_version: str
    chosen: list[dict[str, Any]]
    constraints: list[str]
    year: int
    eq: dict[str, Any]
    ids: list[str]
    command: str
    seed: int | None
    plan_rob: PlanRobustness | None = None



def _sec_cover(ctx: _Ctx) -> str:
    """The cover section."""
    pack = ctx.pack
    scen = ctx.scen
    lang = ctx.lang
    title = ctx.title
    date = ctx.date
    pack_version = ctx.pack_version
    colon = "\u00a0: " if lang == "fr" else ": "
    return (
        f'<div class="cover"><h1>{esc(t(lang, "doc_title"))}</h1>'
        f'<div class="subtitle">{esc(t(lang, "subtitle"))}</div>'
        f'<p><b>{esc(t(lang, "scenario"))}</b>{colon}{esc(title)} '
        f'(<code>{esc(scen.name)}</code>)</p>'
        f'<p><b>{esc(t(lang, "date"))}</b>{colon}{esc(date)}</p>'
        f'<p><b>{esc(t(lang, "version"))}</b>{colon}{esc(__version__)}</p>'
        f'<p><b>{esc(t(lang, "pack"))}</b>{colon}'
        f'{esc(pack.manifest.title_in(lang) or pack.manifest.name)}'
        f' {esc(pack_version)}</p></div>')



def _sec_summary(ctx: _Ctx) -> str:
    """The summary section."""
    d = ctx.d
    rob = ctx.rob
    lang = ctx.lang
    facts = ctx.facts
    gs = ctx.gs
    chosen = ctx.chosen
    constraints = ctx.constraints
    year = ctx.year
    eq = ctx.eq
    ids = ctx.ids
    facts["chosen"] = [c["id"] for c in chosen]
    site_list = [f"{esc(c['name'])} ({esc(c['region'])})" for c in chosen]
    listed = list_sep(lang).join(constraints)
    summary = [f"<p>{t(lang, 's_plan', k=len(chosen), sites=_join(site_list, lang), constraints=listed)}</p>"]  # noqa: E501
    why = []
    for c in chosen:
        row = gs.loc[c["id"]] if c["id"] in gs.index else None
        if row is None:
            continue
        order = row.sort_values(ascending=False)
        strong = _join([esc(GROUP_LABELS[lang].get(g, g)) for g in order.index[:2]], lang)
        weak = esc(GROUP_LABELS[lang].get(order.index[-1], order.index[-1]))
        why.append(f"<li>{t(lang, 's_why', site=esc(c['name']), strong=strong, weak=weak)}</li>")
    if why:
        summary.append(f'<ul class="tight">{"".join(why)}</ul>')
    tg = d["targets"]
    a = d["allocation"]
    jobs_plan = sum(r["jobs_2030_plan"] for r in d["regions"])
    exports_plan = sum(r["exports_2030_plan_mad_m"] for r in d["regions"]) / 1000.0
    facts.update(jobs_2030=jobs_plan, exports_2030_mad_bn=exports_plan,
                 jobs_new_sites=a["jobs_added_new_sites"], jobs_parks=a["jobs_added_parks"])
    summary.append("<p>" + t(
        lang, "s_targets", year=year, jobs=fmt_int(jobs_plan, lang),
        exports=fmt_num(exports_plan, lang, 1), tjobs=fmt_int(tg["target_jobs"], lang),
        texports=fmt_num(tg["target_exports_mad_bn"], lang, 0),
        new=fmt_int(a["jobs_added_new_sites"], lang), gap=fmt_int(a["gap_jobs"], lang),
        parks=fmt_int(a["jobs_added_parks"], lang)) + "</p>")
    facts.update(gini_today=eq["today"]["gini"], gini_plan=eq["plan"]["gini"],
                 gini_baseline=eq["baseline"]["gini"])
    text = t(lang, "s_equity", today=fmt_num(eq["today"]["gini"], lang, 3),
             plan=fmt_num(eq["plan"]["gini"], lang, 3), year=year,
             base=fmt_num(eq["baseline"]["gini"], lang, 3))
    if "range" in eq["today"]:
        lo_t, hi_t = eq["today"]["range"]["gini"]
        lo_p, hi_p = eq["plan"]["range"]["gini"]
        facts.update(gini_today_range=[lo_t, hi_t], gini_plan_range=[lo_p, hi_p])
        text += t(lang, "s_equity_range", today_lo=fmt_num(lo_t, lang, 3),
                  today_hi=fmt_num(hi_t, lang, 3), plan_lo=fmt_num(lo_p, lang, 3),
                  plan_hi=fmt_num(hi_p, lang, 3))
    summary.append(f"<p>{text}</p>")
    robust = [esc(rob.site_names[i]) for i, v in enumerate(rob.verdicts) if v == "robust"]
    fragile = [esc(rob.site_names[i]) for i, v in enumerate(rob.verdicts) if v == "fragile"]
    facts.update(robust=[ids[i] for i, v in enumerate(rob.verdicts) if v == "robust"],
                 fragile=[ids[i] for i, v in enumerate(rob.verdicts) if v == "fragile"])
    summary.append(_plan_robustness_sentence(ctx))
    summary.append("<p>" + t(lang, "s_robust", n=fmt_int(rob.samples, lang),
                             robust=_join(robust, lang), k=rob.top_k,
                             thr=fmt_pct(rob.robust_threshold, lang),
                             fragile=_join(fragile, lang)) + "</p>")
    return (_section("summary", lang, '<div class="summary">' + "".join(summary) + "</div>",
                          first=True))



def _sec_maps(ctx: _Ctx) -> str:
    """The maps section."""
    ranking = ctx.ranking
    pack = ctx.pack
    lang = ctx.lang
    from siteplan.outputs.static_map import save_png

    map_uri = _png_of(lambda p: save_png(ranking, p, pack=pack, overwrite=True, lang=lang))
    return (_section("maps", lang, _img(map_uri, t(lang, "maps"))
                          + f'<p class="note">{t(lang, "maps_note")}</p>'
                          + f"<h3>{esc(t(lang, 'map_plan'))}</h3>"
                          + _img(_plan_map_uri(ctx), t(lang, "map_plan"))))



def _sec_scorecard(ctx: _Ctx) -> str:
    """The scorecard section."""
    lang = ctx.lang
    sites = ctx.sites
    gs = ctx.gs
    groups = ctx.groups
    has_lenses = ctx.has_lenses
    ranked = sites[sites["rank"].notna()].sort_values("rank")
    # with two lenses the need group is the need index, shown once (in the need column)
    card_groups = [g for g in groups if not (has_lenses and g == "need")]
    head = [esc(t(lang, "th_rank")), esc(t(lang, "th_site")), esc(t(lang, "th_region")),
            *[esc(GROUP_LABELS[lang].get(g, g)) for g in card_groups]]
    if has_lenses:
        head += [esc(t(lang, "th_viability")), esc(t(lang, "th_need"))]
    head.append(esc(t(lang, "th_score")))
    rows = []
    for sid, r in zip(ranked["id"], (row for _, row in ranked.head(25).iterrows()),
                      strict=False):
        cells = [str(int(r["rank"])), esc(r["name"]), esc(r["region"])]
        for g in card_groups:
            v = float(gs[g].loc[str(sid)])
            bg, fg = _cell_colour(v)
            cells.append(f'<span style="display:block;background:{bg};color:{fg}">'
                         f"{fmt_num(v, lang, 2)}</span>")
        if has_lenses:
            cells += [fmt_num(r["viability"], lang, 3), fmt_num(r["need"], lang, 3)]
        cells.append(f"<b>{fmt_num(r['score'], lang, 3)}</b>")
        rows.append(cells)
    return (_section("scorecard", lang, _table(head, rows, num_from=3)
                          + f'<p class="note">{esc(t(lang, "scorecard_note"))}</p>'))



def _sec_quadrant(ctx: _Ctx) -> str:
    """The quadrant section."""
    ranking = ctx.ranking
    lang = ctx.lang
    has_lenses = ctx.has_lenses
    if not has_lenses:
        return ""
    if True:
        from siteplan.outputs.lens_charts import quadrant_png

        q_uri = _png_of(lambda p: quadrant_png(ranking, p, overwrite=True, lang=lang))
        return (_section("quadrant", lang, _img(q_uri, t(lang, "quadrant"))
                              + f'<p class="note">{esc(t(lang, "quadrant_note"))}</p>'))



def _sec_site_cards(ctx: _Ctx) -> str:
    """The site cards section."""
    ranking = ctx.ranking
    pack = ctx.pack
    rob = ctx.rob
    lang = ctx.lang
    labels = ctx.labels
    sites = ctx.sites
    gs = ctx.gs
    groups = ctx.groups
    has_lenses = ctx.has_lenses
    chosen = ctx.chosen
    ids = ctx.ids
    pos = {sid: i for i, sid in enumerate(ids)}
    acc = rob.acceptability
    units = {c.name: c.unit_in(lang) for c in ctx.scen.criteria}
    cards = []
    for c in chosen:
        sid = c["id"]
        r = sites.loc[sid]
        i = pos.get(sid)
        radar = _radar_uri(groups, [float(gs[g].loc[sid]) for g in groups], lang)
        loc = _locator_uri(pack, float(r["lon"]), float(r["lat"]))
        crit_rows = []
        scored = []
        for info in ranking.criteria:
            w = float(ranking.weights.get(info.name, 0.0))
            raw = ranking.raw.at[sid, info.name] if info.name in ranking.raw.columns else None
            val = (float(ranking.values[info.name].loc[sid])
                   if info.name in ranking.values.columns else float("nan"))
            if w > 0:
                scored.append((val, labels.get(info.name, info.label)))
            unit_text = units.get(info.name, info.unit)
            unit = f" {esc(unit_text)}" if unit_text else ""
            crit_rows.append([esc(labels.get(info.name, info.label)),
                              _fmt_value(raw, lang) + unit,
                              fmt_num(val, lang, 2) if w > 0 else "-",
                              fmt_pct(w, lang) if w > 0 else "-"])
        scored.sort(key=lambda x: -np.nan_to_num(x[0], nan=-1))
        strengths = "".join(f"<li>{esc(n)} ({fmt_num(v, lang, 2)})</li>" for v, n in scored[:3])
        weaknesses = "".join(f"<li>{esc(n)} ({fmt_num(v, lang, 2)})</li>"
                             for v, n in scored[-2:])
        if i is not None:
            exp_rank = float(rob.smaa.expected_rank[i])
            verdict = rob.verdicts[i]
            vtext = (t(lang, "verdict_robust") if verdict == "robust" else
                     t(lang, "verdict_fragile", why=esc(list_sep(lang).join(
                         reason_in(x, ctx.scen, lang) for x in rob.why[i])))
                     if verdict == "fragile" else "")
            robust_line = t(lang, "card_robust", first=fmt_pct(acc[i, 0], lang),
                            k=rob.top_k, topk=fmt_pct(rob.top_k_membership[i], lang),
                            exp=fmt_num(exp_rank, lang, 1), verdict=vtext)
        else:
            robust_line = ""
        pf = _plan_frequency(ctx)
        if sid in pf:
            robust_line += " " + t(lang, "card_plan_rob", freq=fmt_pct(pf[sid], lang))
        lens_line = ""
        if has_lenses:
            lens_line = (f" &middot; {esc(t(lang, 'th_viability'))} "
                         f"{fmt_num(r['viability'], lang, 3)} &middot; "
                         f"{esc(t(lang, 'th_need'))} {fmt_num(r['need'], lang, 3)}")
        cards.append(
            f'<div class="card"><h3>{esc(r["name"])} &mdash; {esc(r["region"])}</h3>'
            f'<p>{esc(t(lang, "th_rank"))} {int(r["rank"]) if r["rank"] == r["rank"] else "-"}'
            f' &middot; {esc(t(lang, "th_score"))} {fmt_num(r["score"], lang, 3)}{lens_line}</p>'
            f'<div class="card-row">{_img(loc, "locator", "small")}'
            f'{_img(radar, t(lang, "card_profile"), "small")}'
            f'<div><b>{esc(t(lang, "card_strengths"))}</b><ul class="tight">{strengths}</ul>'
            f'<b>{esc(t(lang, "card_weaknesses"))}</b><ul class="tight">{weaknesses}</ul></div>'
            f'</div><p class="note">{robust_line}</p>'
            + _table([esc(t(lang, "th_criterion")), esc(t(lang, "th_value")),
                      esc(t(lang, "th_value_score")), esc(t(lang, "th_weight"))], crit_rows)
            + "</div>")
    return (_section("cards", lang, "".join(cards)))



def _sec_robustness(ctx: _Ctx) -> str:
    """The robustness section."""
    rob = ctx.rob
    lang = ctx.lang
    # criterion labels in the dossier's language

    from siteplan.outputs.sensitivity_charts import (
        acceptability_heatmap_png,
        report_in,
        tornado_png,
    )

    rob_l = report_in(rob, ctx.scen, lang)
    heat = _png_of(lambda p: acceptability_heatmap_png(rob_l, p, max_sites=12, max_rank=15,
                                                       overwrite=True, ever_first=True,
                                                       lang=lang))
    torn = _png_of(lambda p: tornado_png(rob_l, p, overwrite=True, lang=lang))
    return (_section("robustness", lang,
                          _img(heat, t(lang, "robustness"))
                          + f'<p class="note">{esc(t(lang, "rob_heatmap"))}</p>'
                          + _img(torn, t(lang, "robustness"))
                          + f'<p class="note">{esc(t(lang, "rob_tornado"))}</p>'))



def _sec_plan_and_equity(ctx: _Ctx) -> str:
    """The plan and equity section."""
    d = ctx.d
    lang = ctx.lang
    constraints = ctx.constraints
    year = ctx.year
    eq = ctx.eq
    from siteplan.outputs.plan_charts import jobs_by_region_png, lorenz_png

    jobs_uri = _png_of(lambda p: jobs_by_region_png(d, p, overwrite=True, lang=lang))
    lorenz_uri = _png_of(lambda p: lorenz_png(d, p, overwrite=True, lang=lang))
    reg_rows = [[esc(r["region"]), fmt_int(r["jobs_today"], lang),
                 fmt_int(r["jobs_2030_plan"], lang), fmt_int(r["jobs_2030_baseline"], lang)]
                for r in d["regions"]]
    reg_head = [esc(t(lang, "th_region")), esc(t(lang, "th_jobs_today")),
                esc(t(lang, "th_jobs_plan", year=year)), esc(t(lang, "th_jobs_base", year=year))]
    eq_rows = []
    for key, label in (("gini", "Gini"), ("theil_t", "Theil T"), ("cv", "CV"),
                       ("top2_share", "top 2")):
        cells = [esc(label)]
        for dist in ("today", "plan", "baseline"):
            v = eq[dist].get(key)
            rng = eq[dist].get("range", {}).get(key)
            cells.append(fmt_num(v, lang, 3) + (f" ({fmt_num(rng[0], lang, 3)}–"
                                                f"{fmt_num(rng[1], lang, 3)})" if rng else ""))
        eq_rows.append(cells)
    eq_head = [esc(t(lang, "th_measure")), esc(t(lang, "th_today")), esc(t(lang, "th_plan")),
               esc(t(lang, "th_baseline"))]
    return (_section(
        "plan", lang,
        f"<h3>{esc(t(lang, 'plan_constraints'))}</h3><ul class='tight'>"
        + "".join(f"<li>{x}</li>" for x in constraints) + "</ul>"
        + f"<h3>{esc(t(lang, 'plan_jobs'))}</h3>" + _img(jobs_uri, t(lang, "plan_jobs"))
        + _table(reg_head, reg_rows)
        + f"<h3>{esc(t(lang, 'equity_table'))}</h3>" + _table(eq_head, eq_rows)
        + f"<h3>{esc(t(lang, 'plan_lorenz'))}</h3>"
        + _img(lorenz_uri, t(lang, "plan_lorenz"), "half")))



def _sec_method(ctx: _Ctx) -> str:
    """The method section."""
    ranking = ctx.ranking
    scen = ctx.scen
    lang = ctx.lang
    labels = ctx.labels
    crit_rows = []
    infos = {x.name: x for x in ranking.criteria}
    for c in scen.criteria:
        w = float(ranking.weights.get(c.name, 0.0))
        crit_rows.append([esc(labels[c.name]), esc(c.lens or "-"),
                          esc(infos[c.name].description if c.name in infos else c.description),
                          esc(_value_function(c.normalize, lang)),
                          fmt_pct(w, lang, 1) if w > 0 else "-"])
    floor = scen.viability_floor
    method_html = (
        f"<p>{esc(t(lang, 'method_agg', method=METHOD_INFO[ranking.method].label_in(lang), nan=scen.nan_policy))}</p>"  # noqa: E501
        + (f"<p>{esc(t(lang, 'method_floor', floor=fmt_num(floor, lang, 2)))}</p>"
           if floor is not None else "")
        + f"<p>{esc(t(lang, 'method_weights'))}</p>"
        + _table([esc(t(lang, "th_criterion")), esc(t(lang, "th_lens")),
                  esc(t(lang, "th_how")), esc(t(lang, "th_function")),
                  esc(t(lang, "th_weight"))], crit_rows, num_from=4)
        + f"<h3>{esc(t(lang, 'constraints'))}</h3><ul class='tight'>"
        + "".join(f"<li>{esc((k.reason_fr if lang == 'fr' else '') or k.reason or k.criterion)}"
                  "</li>" for k in scen.constraints)
        + "</ul>")
    return (_section("method", lang, method_html))



def _sec_data(ctx: _Ctx) -> str:
    """The data section."""
    pack = ctx.pack
    d = ctx.d
    lang = ctx.lang
    layer_rows = []
    for name, spec in pack.manifest.layers.items():
        srcs = "<br>".join(esc(s) for s in spec.sources[:4])
        more = f" (+{len(spec.sources) - 4})" if len(spec.sources) > 4 else ""
        layer_rows.append([f"<b>{esc(name)}</b><br>{esc(spec.title_in(lang))}", esc(spec.date),
                           esc(spec.licence_in(lang)), srcs + more, esc(spec.method_in(lang))])
    colon = "\u00a0: " if lang == "fr" else ": "
    est = "".join(f"<li>{esc(translate(str(e.get('what')), lang))}{colon}"
                  f"{esc(translate(str(e.get('method')), lang))}</li>"
                  for e in d.get("estimates", []))
    return (_section("data", lang, _table(
        [esc(t(lang, "th_layer")), esc(t(lang, "date")), esc(t(lang, "th_licence")),
         esc(t(lang, "th_source")), esc(t(lang, "th_method"))], layer_rows, cls="tab",
        num_from=99) + f"<h3>{esc(t(lang, 'estimates'))}</h3><ul class='tight'>{est}</ul>"))



def _sec_reproducibility(ctx: _Ctx) -> str:
    """The reproducibility section."""
    pack = ctx.pack
    scen = ctx.scen
    lang = ctx.lang
    facts = ctx.facts
    pack_version = ctx.pack_version
    command = ctx.command
    seed = ctx.seed
    digest = _scenario_digest(scen)
    colon = "\u00a0: " if lang == "fr" else ": "
    return (_section("repro", lang, (
        f"<p><b>{esc(t(lang, 'repro_command'))}</b>{colon}<code>{esc(command)}</code></p>"
        f"<p><b>{esc(t(lang, 'repro_seed'))}</b>{colon}{esc(seed)}</p>"
        f"<p><b>{esc(t(lang, 'repro_hash'))}</b>{colon}<code>{esc(digest)}</code></p>"
        f"<p><b>{esc(t(lang, 'version'))}</b>{colon}{esc(__version__)} &middot; "
        f"<b>{esc(t(lang, 'pack'))}</b>{colon}{esc(pack.manifest.name)} {esc(pack_version)}</p>"
        f'<p class="note">{esc(t(lang, "repro_note"))}</p>')))
    facts["scenario_sha256"] = digest



def _plan_frequency(ctx: _Ctx) -> dict[str, float]:
    """Site id -> share of the sampled plans that hold it (empty without plan robustness)."""
    pr = ctx.plan_rob
    if pr is None:
        return {}
    return {sid: float(f) for sid, f in zip(pr.site_ids, pr.frequency, strict=True)}


def _plan_robustness_sentence(ctx: _Ctx) -> str:
    """How often each site of the plan is chosen under random weightings, and the robust
    plan if it differs."""
    pr, lang = ctx.plan_rob, ctx.lang
    if pr is None:
        return ""
    freq = _plan_frequency(ctx)
    freqs = ", ".join(f"{esc(c['name'])} {fmt_pct(freq.get(c['id'], 0.0), lang)}"
                      for c in ctx.chosen)
    robust_ids = pr.ids(pr.robust_plan)
    chosen_ids = [c["id"] for c in ctx.chosen]
    ctx.facts.update(plan_frequency={c: freq.get(c, 0.0) for c in chosen_ids},
                     robust_plan=robust_ids)
    if set(robust_ids) == set(chosen_ids):
        robust = t(lang, "s_plan_same")
    else:
        names = dict(zip(pr.site_ids, pr.site_names, strict=True))
        diff = ", ".join([*(f"+{esc(names[i])}" for i in robust_ids if i not in chosen_ids),
                          *(f"&minus;{esc(names[i])}" for i in chosen_ids
                            if i not in robust_ids)])
        robust = t(lang, "s_plan_diff", diff=diff)
    return "<p>" + t(lang, "s_plan_rob", n=fmt_int(pr.samples, lang), freqs=freqs,
                     robust=robust) + "</p>"


#: the sections of the dossier, in order
_SECTIONS: tuple[Callable[[_Ctx], str], ...] = (
    _sec_cover,
    _sec_summary,
    _sec_maps,
    _sec_scorecard,
    _sec_quadrant,
    _sec_site_cards,
    _sec_robustness,
    _sec_plan_and_equity,
    _sec_method,
    _sec_data,
    _sec_reproducibility,
)


def build_dossier(ranking: Ranking, pack: Pack, plan: PlanReport,
                  robustness: RobustnessReport, *, lang: str | None = None,
                  command: str = "", seed: int | None = None,
                  today: dt.date | None = None,
                  plan_robustness: PlanRobustness | None = None) -> Dossier:
    """The dossier of a ranking, its plan and its robustness, as one HTML document.

    Parameters
    ----------
    ranking, pack
        The ranking (a two-lens scenario shows both indices and the quadrant) and its pack.
    plan
        :func:`siteplan.analyses.plan.steps.make_plan` of the same ranking: its chosen
        sites are the shortlist of the site cards.
    robustness
        :func:`siteplan.analyses.sensitivity.report.analyse` of the same ranking.
    plan_robustness
        :func:`siteplan.analyses.plan.robustness.plan_robustness` of the same plan
        (optional): how often each site of the plan is chosen under random weightings.
    lang
        ``"en"`` or ``"fr"`` (default: the scenario's ``language``).
    command, seed
        Written in the reproducibility section.
    today
        The date on the cover (default: today).
    """
    lang = lang or getattr(ranking.scenario, "language", "en") or "en"
    if lang not in LANGUAGES:
        raise UsageError(f"--lang '{lang}': choose one of {', '.join(LANGUAGES)}")
    scen = ranking.scenario
    d = plan.to_dict()
    facts: dict[str, Any] = {}
    labels = {c.name: c.display_in(lang) for c in scen.criteria}
    sites = ranking.sites.set_index("id", drop=False)
    gs = group_scores(ranking)
    groups = list(gs.columns)
    has_lenses = bool(scen.has_lenses)

    c = _Ctx(ranking=ranking, pack=pack, scen=scen, d=d, rob=robustness, lang=lang,
             facts=facts, labels=labels, sites=sites, gs=gs, groups=groups,
             has_lenses=has_lenses, title=scen.title_in(lang),
             date=(today or dt.date.today()).isoformat(),
             pack_version=getattr(pack.manifest, "version", "") or "",
             chosen=d["chosen"], constraints=_constraint_phrases(d["constraints"], lang),
             year=d["targets"].get("year", 2030), eq=d["equity"],
             ids=list(robustness.site_ids), command=command, seed=seed,
             plan_rob=plan_robustness)
    parts = [f(c) for f in _SECTIONS]
    title = c.title
    doc = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">'
           f"<title>{esc(t(lang, 'doc_title'))}: {esc(title)}</title><style>{_CSS}</style>"
           f"</head><body>{''.join(parts)}</body></html>")
    return Dossier(html=doc, lang=lang, facts=facts)


def _scenario_digest(scen: Any) -> str:
    """SHA-256 of the scenario file's bytes (of its TOML form when it has no file)."""
    src = getattr(scen, "source", "") or ""
    p = Path(src)
    if src and p.is_file():
        return hashlib.sha256(p.read_bytes()).hexdigest()
    import json

    from siteplan.scenario import scenario_to_dict

    text = json.dumps(scenario_to_dict(scen), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- writing


def find_chromium() -> str | None:
    """The path of a chromium (or Chrome) binary that can print to PDF, or None."""
    env = os.environ.get("SITEPLAN_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _print_pdf(html_text: str, pdf_tmp: Path, timeout: float = 120.0) -> None:
    """Print ``html_text`` to ``pdf_tmp`` with headless chromium (no network: the file
    references nothing outside itself)."""
    exe = find_chromium()
    if exe is None:
        raise OutputError("no chromium to print the PDF: install it (Debian: apt install "
                          "chromium) or write the dossier as .html and print it from a browser")
    with tempfile.TemporaryDirectory(prefix="siteplan-pdf-") as tmp:
        src = Path(tmp) / "dossier.html"
        src.write_text(html_text, encoding="utf-8")
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
               f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={pdf_tmp}",
               src.as_uri()]
        try:
            res = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise OutputError(f"chromium did not finish printing the PDF within {timeout:.0f} s; "
                              "write the dossier as .html") from None
        if res.returncode != 0 or not pdf_tmp.exists() or pdf_tmp.stat().st_size == 0:
            tail = (res.stderr or b"").decode("utf-8", "replace").strip().splitlines()[-1:]
            raise OutputError("chromium could not print the PDF"
                              + (f" ({tail[0][:200]})" if tail else "")
                              + "; write the dossier as .html")


def write_dossier(dossier: Dossier, path: str | os.PathLike[str], *,
                  overwrite: bool = False) -> Path:
    """Write the dossier as HTML (``.html``) or PDF (``.pdf``, printed with chromium)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in DOSSIER_SUFFIXES:
        raise OutputError(f"{p}: a dossier is written as .html or .pdf; give a path ending in "
                          f"{', '.join(DOSSIER_SUFFIXES)}")
    check_writable(p, overwrite)
    if suffix == ".pdf":
        return write_with(p, lambda tmp: _print_pdf(dossier.html, Path(tmp)), overwrite)
    return write_text_atomic(p, dossier.html, overwrite=overwrite)


def report(scenario: Any = "balanced-2030", *, pack: Pack | None = None, sites: int | None = None,
           lang: str | None = None, samples: int = 2000, seed: int = 42,
           command: str = "", ranking: Ranking | None = None) -> Dossier:
    """Rank, plan and test the robustness of a scenario, then build its dossier.

    The Python face of ``siteplan report``: ``sites`` new sites (default: the scenario's
    ``[plan].k``, else 5), SMAA with ``samples`` weight samples and ``seed``.
    """
    from siteplan.analyses.plan.robustness import plan_robustness
    from siteplan.analyses.plan.steps import make_plan
    from siteplan.analyses.sensitivity.report import analyse
    from siteplan.layers.pack import Pack as PackCls
    from siteplan.scoring.ranking import rank

    if pack is None:
        own = getattr(ranking, "pack", None) if ranking is not None else None
        pack = own if isinstance(own, PackCls) else PackCls(None)
    if ranking is None:
        ranking = rank(scenario, pack=pack)
    k = sites or int((ranking.scenario.plan or {}).get("k", 5))
    plan = make_plan(ranking, pack, k=k)
    rob = analyse(ranking, samples=samples, seed=seed, top_k=k)
    prob = plan_robustness(ranking, pack, k, samples=min(samples, 1000), seed=seed)
    return build_dossier(ranking, pack, plan, rob, lang=lang, command=command, seed=seed,
                         plan_robustness=prob)
