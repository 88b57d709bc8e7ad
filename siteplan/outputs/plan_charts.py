"""PNG charts of a plan report: jobs per region and Lorenz curves (matplotlib, Agg).

Both functions take a :class:`siteplan.analyses.plan.steps.PlanReport` (or its
:meth:`~siteplan.analyses.plan.steps.PlanReport.to_dict` output, e.g. a saved plan JSON) and
write the figure atomically through :func:`siteplan._atomic.write_with`; the
format follows the extension (``.png``, ``.svg`` or ``.pdf``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from siteplan._atomic import check_writable, write_with
from siteplan.errors import OutputError
from siteplan.outputs.formats import PLAN_CHART
from siteplan.phrases import number_in

__all__ = ["jobs_by_region_png", "lorenz_png"]

#: The charts' words in each language of the reports.
_WORDS: dict[str, dict[str, str]] = {
    "en": {"today": "today ({y}, estimate)", "plan": "{y} plan ({s}, K={k})",
           "plan_l": "{y} plan ({s})", "base": "{y} market-led baseline",
           "jobs": "offshoring jobs",
           "title_jobs": "Offshoring jobs per region: today, {y} plan and market-led baseline",
           "est_ends": "published counts by place, the unlocated rest estimated between two ends",
           "est_parks": "national total split among the existing parks",
           "foot_jobs": ("Today's regional jobs are an ESTIMATE ({how}; no official regional "
                         "breakdown).\nBaseline: new jobs follow today's distribution. Plan: "
                         "targets allocated by capacity (talent x score), capped per site."),
           "equality": "equality (Gini 0)",
           "x_lorenz": ("cumulative share of the working-age population (regions by jobs per "
                        "1,000)"),
           "y_lorenz": "cumulative share of offshoring jobs",
           "title_lorenz": ("Lorenz curves of offshoring jobs per working-age inhabitant\n"
                            "{n} regions, {t}"),
           "foot_lorenz": ("Regions weighted by working-age population (15-64). Today's regional "
                           "jobs are an ESTIMATE.\nThe baseline keeps today's distribution, so "
                           "its curve lies on today's.")},
    "fr": {"today": "aujourd'hui ({y}, estimation)", "plan": "plan {y} ({s}, K={k})",
           "plan_l": "plan {y} ({s})", "base": "tendanciel {y}",
           "jobs": "emplois offshoring",
           "title_jobs": ("Emplois offshoring par région : aujourd'hui, plan {y} et scénario "
                          "tendanciel"),
           "est_ends": ("chiffres publiés par lieu, le reste estimé entre deux bornes"),
           "est_parks": "total national réparti entre les parcs existants",
           "foot_jobs": ("Les emplois actuels par région sont une ESTIMATION ({how} ; pas de "
                         "ventilation officielle).\nTendanciel : les nouveaux emplois suivent la "
                         "répartition actuelle. Plan : objectifs répartis selon la capacité "
                         "(talents x score), plafonnés par site."),
           "equality": "égalité (Gini 0)",
           "x_lorenz": ("part cumulée de la population en âge de travailler (régions par "
                        "emplois pour 1 000)"),
           "y_lorenz": "part cumulée des emplois offshoring",
           "title_lorenz": ("Courbes de Lorenz des emplois offshoring par habitant en âge de "
                            "travailler\n{n} régions, {t}"),
           "foot_lorenz": ("Régions pondérées par la population de 15 à 64 ans. Les emplois "
                           "actuels par région sont une ESTIMATION.\nLe tendanciel garde la "
                           "répartition actuelle : sa courbe se confond avec celle "
                           "d'aujourd'hui.")},
}


def _words(lang: str) -> dict[str, str]:
    if lang not in _WORDS:
        raise OutputError(f"plan chart: language '{lang}' is not one of {', '.join(_WORDS)}")
    return _WORDS[lang]


#: Colours of the three distributions (colour-blind safe, Okabe-Ito).
COLOURS = {"today": "#999999", "plan": "#0072B2", "baseline": "#E69F00"}


def _as_dict(report: Any) -> Mapping[str, Any]:
    if isinstance(report, Mapping):
        return report
    to_dict = getattr(report, "to_dict", None)
    if to_dict is None:
        raise OutputError("plan chart: pass a PlanReport or its to_dict() output")
    d = to_dict()
    if not isinstance(d, Mapping):
        raise OutputError("plan chart: to_dict() did not return a mapping")
    return d


def _check(path: str | os.PathLike[str], overwrite: bool) -> Path:
    p = check_writable(path, overwrite)
    if PLAN_CHART.format_of(p) is None:
        raise OutputError(f"{p}: a chart is written as PNG, SVG or PDF; give a path ending in "
                          f"{', '.join(PLAN_CHART.suffixes)}")
    return p


def _save(fig: Any, p: Path, overwrite: bool) -> Path:
    import matplotlib.pyplot as plt

    fmt = p.suffix.lower().lstrip(".")

    def writer(tmp: Path) -> None:
        fig.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight")

    try:
        return write_with(p, writer, overwrite)
    finally:
        plt.close(fig)


def _thousands(x: float, _pos: Any = None) -> str:
    return f"{x:,.0f}"


def jobs_by_region_png(report: Any, path: str | os.PathLike[str], *,
                       overwrite: bool = False, lang: str = "en") -> Path:
    """Grouped horizontal bars: offshoring jobs per region today, 2030 plan, 2030 baseline.

    Regions are sorted by jobs under the plan (largest at the top); today's jobs
    are the documented ESTIMATE of the report (said in the footnote).

    Parameters
    ----------
    report : PlanReport or dict
    path : path
        ``.png``, ``.svg`` or ``.pdf``.
    overwrite : bool
        Replace an existing file.
    lang : str
        Language of the chart's words ("en" or "fr").

    Returns
    -------
    Path
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    w = _words(lang)
    from matplotlib.ticker import FuncFormatter

    p = _check(path, overwrite)
    d = _as_dict(report)
    regions = list(d["regions"])
    year = d.get("targets", {}).get("year", 2030)
    today_year = d.get("targets", {}).get("today_year", "today")
    regions.sort(key=lambda r: (r.get("jobs_2030_plan") or 0, r.get("jobs_2030_baseline") or 0))
    names = [str(r.get("region") or r["region_code"]) for r in regions]
    series = [
        (w["today"].format(y=today_year), "jobs_today", COLOURS["today"]),
        (w["plan"].format(y=year, s=d.get("scenario", ""), k=d.get("k", "")), "jobs_2030_plan",
         COLOURS["plan"]),
        (w["base"].format(y=year), "jobs_2030_baseline", COLOURS["baseline"]),
    ]
    n = len(regions)
    y = np.arange(n)
    h = 0.27
    fig, ax = plt.subplots(figsize=(9.5, 0.55 * n + 2.0))
    vmax = max([float(r.get(key) or 0) for r in regions for _, key, _ in series] + [1.0])
    for i, (label, key, colour) in enumerate(series):
        vals = [float(r.get(key) or 0) for r in regions]
        pos = y + (1 - i) * h
        ax.barh(pos, vals, height=h, color=colour, label=label, edgecolor="white", linewidth=0.4)
        if key == "jobs_2030_plan":
            for yy, v in zip(pos, vals, strict=True):
                if v > 0:
                    ax.text(v + vmax * 0.01, yy, number_in(f"{v:,.0f}", lang), va="center",
                            fontsize=7.5, color="#033b5c")
    ax.set_yticks(y)
    ax.set_yticklabels(names, fontsize=9)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, vmax * 1.12)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: number_in(_thousands(x), lang)))
    ax.set_xlabel(w["jobs"])
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    title = d.get("scenario_title") or d.get("scenario") or "plan"
    ax.set_title(w["title_jobs"].format(y=year) + "\n"
                 f"{title}", fontsize=11, loc="left")
    ax.legend(loc="lower right", fontsize=8.5, frameon=True, framealpha=0.9)
    est = (d.get("estimates") or [{}])[0]
    how = w["est_ends"] if est.get("ends") else w["est_parks"]
    ax.annotate(
             w["foot_jobs"].format(how=how),
             xy=(0, 0), xycoords="axes fraction", xytext=(-150, -38), textcoords="offset points",
             fontsize=7, color="#555555", va="top")
    return _save(fig, p, overwrite)


def lorenz_png(report: Any, path: str | os.PathLike[str], *, overwrite: bool = False,
               lang: str = "en") -> Path:
    """Lorenz curves of jobs per working-age inhabitant across regions.

    Today, the plan and the market-led baseline in the target year, with each Gini
    coefficient in the legend, and the line of equality.

    Parameters
    ----------
    report : PlanReport or dict
    path : path
        ``.png``, ``.svg`` or ``.pdf``.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    Path
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w = _words(lang)
    p = _check(path, overwrite)
    d = _as_dict(report)
    eq = d["equity"]
    year = d.get("targets", {}).get("year", 2030)
    today_year = d.get("targets", {}).get("today_year", "today")
    fig, ax = plt.subplots(figsize=(6.6, 6.2))
    ax.plot([0, 1], [0, 1], color="#444444", linewidth=0.8, linestyle=":",
            label=w["equality"])
    styles = {"today": ("-", 1.6, "o"), "plan": ("-", 2.4, "s"), "baseline": ("--", 2.0, "^")}
    labels = {"today": w["today"].format(y=today_year),
              "plan": w["plan_l"].format(y=year, s=d.get("scenario", "")),
              "baseline": w["base"].format(y=year)}
    for key in ("today", "baseline", "plan"):
        e = eq.get(key)
        if not e or "lorenz" not in e:
            continue
        xs = e["lorenz"]["population_share"]
        ys = e["lorenz"]["jobs_share"]
        ls, lw, marker = styles[key]
        ax.plot(xs, ys, linestyle=ls, linewidth=lw, marker=marker, markersize=3.5,
                color=COLOURS[key],
                label=f"{labels[key]}{' :' if lang == 'fr' else ':'} Gini "
                f"{number_in(format(e['gini'], '.3f'), lang)}, "
                f"Theil {number_in(format(e['theil_t'], '.3f'), lang)}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    if lang != "en":
        from siteplan.outputs.language import axis_numbers

        ax.xaxis.set_major_formatter(axis_numbers(lang))
        ax.yaxis.set_major_formatter(axis_numbers(lang))
    ax.set_xlabel(w["x_lorenz"])
    ax.set_ylabel(w["y_lorenz"])
    ax.grid(color="#e5e5e5", linewidth=0.6)
    ax.set_title(w["title_lorenz"].format(n=len(d.get("regions", [])),
                                          t=d.get("scenario_title") or ""),
                 fontsize=10.5, loc="left")
    ax.legend(loc="upper left", fontsize=8, frameon=True, framealpha=0.95)
    ax.annotate(w["foot_lorenz"], xy=(0, 0), xycoords="axes fraction", xytext=(-40, -42),
                textcoords="offset points", fontsize=7, color="#555555", va="top")
    return _save(fig, p, overwrite)
