"""Bar chart of a plan-robustness report: how often each site is in the plan.

:func:`selection_frequency_png` takes a
:class:`siteplan.analyses.plan.robustness.PlanRobustness` (or its
:meth:`~siteplan.analyses.plan.robustness.PlanRobustness.to_dict` output, e.g. a saved JSON)
and draws one horizontal bar per site that the constraints let be chosen, highest selection
frequency at the top, coloured by the plans the site is in (colour-blind safe Okabe-Ito
colours), with the 50 % line. Matplotlib, Agg backend; the file is written atomically through
:func:`siteplan._atomic.write_with`, the extension choosing PNG or SVG.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from siteplan._atomic import check_writable, write_with
from siteplan.errors import OutputError
from siteplan.outputs.formats import CHART

__all__ = ["COLOURS", "selection_frequency_png"]

#: Bar colour by plan membership (Okabe-Ito, colour-blind safe).
COLOURS = {
    "both": "#0072B2",      # blue: in the single-weight plan and in the robust plan
    "robust": "#009E73",    # bluish green: in the robust plan only
    "single": "#E69F00",    # orange: in the single-weight plan only
    "neither": "#999999",   # grey: in neither plan
}
#: the chart's words in each language of the reports (the legend by membership first)
_WORDS: dict[str, dict[str, str]] = {
    "en": {"both": "in both plans", "robust": "robust plan only",
           "single": "single-weight plan only", "neither": "in neither plan",
           "x": "selection frequency (share of the weight samples whose plan holds the site)",
           "title": "How often is each site in the plan? K = {k}, {samples} {sampling} weight "
                    "samples{extra}\n{title} ({method})",
           "note": "Dashed line: chosen in half of the samples. Frequencies add up to K.",
           "left out": " {n} site(s) the constraints never allow are not shown."},
    "fr": {"both": "dans les deux plans", "robust": "plan robuste seulement",
           "single": "plan à poids unique seulement", "neither": "dans aucun plan",
           "x": "fréquence de sélection (part des tirages de poids dont le plan retient le "
                "site)",
           "title": "Combien de fois chaque site est-il dans le plan ? K = {k}, {samples} "
                    "tirages de poids ({sampling}){extra}\n{title} ({method})",
           "note": "Tirets : choisi dans la moitié des tirages. Les fréquences ont pour somme "
                   "K.",
           "left out": " {n} site(s) que les contraintes n'admettent jamais ne sont pas "
                       "montrés."},
}


def _as_dict(report: Any) -> Mapping[str, Any]:
    if isinstance(report, Mapping):
        return report
    to_dict = getattr(report, "to_dict", None)
    if to_dict is None:
        raise OutputError("plan robustness chart: pass a PlanRobustness or its to_dict() output")
    d = to_dict()
    if not isinstance(d, Mapping):
        raise OutputError("plan robustness chart: to_dict() did not return a mapping")
    return d


def _check(path: str | os.PathLike[str], overwrite: bool) -> Path:
    p = check_writable(path, overwrite)
    if CHART.format_of(p) is None:
        raise OutputError(f"{p}: a chart is written as PNG or SVG; give a path ending in "
                          f"{', '.join(CHART.suffixes)}")
    return p


def _membership(site: Mapping[str, Any]) -> str:
    single, robust = bool(site["in_single_weight_plan"]), bool(site["in_robust_plan"])
    return ("both" if single and robust else "robust" if robust else "single" if single
            else "neither")


def selection_frequency_png(report: Any, path: str | os.PathLike[str], *,
                            overwrite: bool = False, lang: str = "en") -> Path:
    """Horizontal bars: each site's selection frequency (share of the weight samples whose
    plan contains it), coloured by membership of the single-weight and robust plans.

    Sites the constraints never let be chosen (e.g. within the spacing of an existing park)
    are left out and counted in the footnote.

    Parameters
    ----------
    report : PlanRobustness or dict
    path : path
        ``.png`` or ``.svg``.
    overwrite : bool
        Replace an existing file.
    lang : str
        Language of the chart's words and figures (``"en"`` or ``"fr"``).

    Returns
    -------
    Path
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    from siteplan.phrases import number_in, render

    if lang not in _WORDS:
        raise OutputError(f"chart: language '{lang}' is not one of {', '.join(_WORDS)}")
    w = _WORDS[lang]
    p = _check(path, overwrite)
    d = _as_dict(report)
    sites = [s for s in d["sites"] if s["can_be_chosen"]]
    left_out = len(d["sites"]) - len(sites)
    sites.sort(key=lambda s: (-float(s["selection_frequency"]), int(s["rank"])))
    sites.reverse()  # barh draws bottom-up: the most frequent site at the top
    n = max(len(sites), 1)
    fig, ax = plt.subplots(figsize=(9.0, 0.42 * n + 2.3))
    try:
        freq = [float(s["selection_frequency"]) for s in sites]
        kinds = [_membership(s) for s in sites]
        y = list(range(len(sites)))
        ax.barh(y, freq, height=0.7, color=[COLOURS[k] for k in kinds], edgecolor="white",
                linewidth=0.4)
        for yy, f in zip(y, freq, strict=True):
            ax.text(min(f, 1.0) + 0.01, yy, number_in(f"{f:.0%}", lang), va="center", fontsize=8,
                    color="#333333")
        ax.set_yticks(y)
        ax.set_yticklabels([f"{s['name']} ({s['region']})" if s.get("region") else
                            str(s["name"]) for s in sites], fontsize=8.5)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlim(0, 1.1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0) if lang == "en" else FuncFormatter(
            lambda x, _pos: number_in(f"{x:.0%}", lang)))
        ax.axvline(0.5, color="#444444", linewidth=0.8, linestyle="--")
        ax.set_xlabel(w["x"])
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        extra = (f", concentration {number_in(format(d['concentration'], 'g'), lang)}"
                 if d.get("sampling") == "dirichlet" else "")
        ax.set_title(w["title"].format(k=d["k"], samples=number_in(f"{d['samples']:,}", lang),
                                       sampling=render(f"sampling_{d['sampling']}", lang),
                                       extra=extra,
                                       title=d.get("scenario_title") or d.get("scenario", ""),
                                       method=d["method"]),
                     fontsize=10.5, loc="left")
        used = [k for k in COLOURS if k in kinds]
        ax.legend(handles=[Patch(color=COLOURS[k], label=w[k]) for k in used],
                  loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        note = w["note"] + (w["left out"].format(n=left_out) if left_out else "")
        ax.annotate(note, xy=(0, 0), xycoords="axes fraction", xytext=(0, -34),
                    textcoords="offset points", fontsize=7, color="#555555", va="top")
        fmt = p.suffix.lower().lstrip(".")
        return write_with(p, lambda tmp: fig.savefig(tmp, format=fmt, dpi=150,
                                                     bbox_inches="tight"), overwrite)
    finally:
        plt.close(fig)
