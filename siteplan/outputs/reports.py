"""Reports of analyses as files: sensitivity, plan and comparison reports as JSON, CSV,
XLSX or Markdown.

They live here, not in the CLI, so that a notebook writes the same files as
``siteplan sensitivity -o``, ``siteplan plan -o`` and ``siteplan compare -o``. Every text
taken from the data is escaped by the writers of :mod:`siteplan.outputs.files`.

A report with several tables is written as one JSON document, one XLSX workbook (a sheet
per table), one Markdown file, or one CSV per table: the first at the given path, the
others beside it as ``<stem>_<table>.csv`` (:func:`table_paths`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siteplan._atomic import write_text_atomic, write_with
from siteplan.analyses.sensitivity.report import RobustnessReport
from siteplan.outputs.files import (
    csv_text,
    markdown_code,
    markdown_escape,
    markdown_table,
    write_json,
    write_table,
    write_xlsx_sheets,
)
from siteplan.outputs.formats import PLAN, SENSITIVITY, format_for
from siteplan.outputs.language import localise_table, sheet_name

if TYPE_CHECKING:
    import pandas as pd

    from siteplan.analyses.plan.robustness import PlanRobustness
    from siteplan.analyses.plan.steps import CompareReport, PlanReport
    from siteplan.scenario import Scenario

#: The tables of a plan report, in file order (CSV: the first is the -o path).
PLAN_TABLES: tuple[str, ...] = ("sites", "regions", "equity")
#: The tables of a comparison of plans, in file order.
COMPARE_TABLES: tuple[str, ...] = ("chosen", "regions", "equity", "kendall")
#: The tables of a plan-robustness report, in file order (CSV: the first is the -o path).
PLAN_ROBUSTNESS_TABLES: tuple[str, ...] = ("sites", "sets", "regions")


def _localised(tables: Mapping[str, pd.DataFrame], lang: str,
               scenario: Scenario | None) -> dict[str, pd.DataFrame]:
    """``tables`` for people in ``lang``: sheet or section names and headings translated
    (:func:`siteplan.outputs.language.localise_table`); English: as they are."""
    if lang == "en":
        return dict(tables)
    return {sheet_name(name, lang): localise_table(df, lang, scenario)
            for name, df in tables.items()}


def _settings_table(items: Mapping[str, Any], lang: str) -> pd.DataFrame:
    """A settings sheet: one (item, value) row per setting, the values as text."""
    import pandas as pd

    df = pd.DataFrame([{"item": sheet_name(k, lang),
                        "value": str(v if isinstance(v, str | int | float | None)
                                     else json.dumps(v, ensure_ascii=False))}
                       for k, v in items.items()])
    return df if lang == "en" else localise_table(df, lang)


def sensitivity_markdown(rep: RobustnessReport, lang: str = "en",
                         scenario: Scenario | None = None) -> str:
    """A Markdown report in ``lang``: settings, per-site table, OAT intervals, verdict rule
    (criterion labels and reasons from ``scenario`` when given).

    Every text taken from the data (scenario title, site names) is escaped.
    """
    from siteplan.outputs.language import analysis_word, fmt_int
    from siteplan.phrases import number_in, render

    def w(word: str, **values: object) -> str:
        return analysis_word(word, lang, **values)

    tables = _localised({"Sites": rep.table(), "One weight at a time": rep.oat_table()}, lang,
                        scenario)
    intro = w("sensitivity intro", method=markdown_code(rep.method),
              samples=fmt_int(rep.samples, lang),
              sampling=markdown_code(render(f"sampling_{rep.sampling}", lang)), seed=rep.seed,
              noise=number_in(f"{rep.value_noise:g}", lang), k=rep.top_k)
    title = (scenario.title_in(lang) if scenario is not None else rep.scenario_title)
    lines = [f"# {markdown_escape(w('sensitivity heading', title=title or rep.scenario))}",
             "", intro, "", markdown_escape(w("Verdict rule", rule=rep.verdict_rule(lang))), ""]
    for name, df in zip(("Sites", "One weight at a time"), tables.values(), strict=True):
        lines += [f"## {markdown_escape(w(name))}", "", markdown_table(df, lang=lang)]
    return "\n".join([*lines, ""])


def write_sensitivity_report(rep: RobustnessReport, output: str | os.PathLike[str],
                             fmt: str | None = None, *, overwrite: bool = False,
                             lang: str = "en", scenario: Scenario | None = None) -> Path:
    """Write a sensitivity report as JSON, CSV, XLSX or Markdown (``fmt`` or the extension).

    ``lang`` (with the ``scenario`` for its labels) is the language of the XLSX sheet names
    and headings and of the Markdown; JSON and CSV keep the English codes.
    """
    kind = format_for(output, fmt, SENSITIVITY)
    if kind == "json":
        return write_json(rep.to_dict(), output, overwrite)
    if kind == "md":
        return write_text_atomic(output, sensitivity_markdown(rep, lang, scenario), overwrite)
    if kind == "csv":
        return write_table(rep.table(), output, "csv", overwrite)
    settings = _settings_table({
        "scenario": rep.scenario, "method": rep.method, "samples": rep.samples,
        "seed": rep.seed, "sampling": rep.sampling, "concentration": rep.concentration,
        "bounds": json.dumps(rep.bounds), "value_noise": rep.value_noise, "top_k": rep.top_k,
        "verdict rule": rep.verdict_rule(lang)}, lang)
    tables = _localised({"table": rep.table(), "one at a time": rep.oat_table(),
                         "acceptability": rep.acceptability_table()}, lang, scenario)
    tables[sheet_name("settings", lang)] = settings
    return write_with(output, lambda tmp: write_xlsx_sheets(tmp, tables), overwrite)


# --------------------------------------------------------------------------- multi-table reports


def table_paths(output: str | os.PathLike[str], names: Sequence[str]) -> dict[str, Path]:
    """CSV: the first table goes to ``output``, the others beside it as ``<stem>_<name>.csv``."""
    p = Path(output)
    return {n: p if i == 0 else p.with_name(f"{p.stem}_{n}{p.suffix}")
            for i, n in enumerate(names)}


def report_paths(output: str | os.PathLike[str], fmt: str, names: Sequence[str]) -> list[Path]:
    """Every file a report of tables ``names`` writes in format ``fmt`` (checked before work)."""
    return list(table_paths(output, names).values()) if fmt == "csv" else [Path(output)]


def tables_markdown(title: str, tables: Mapping[str, pd.DataFrame], intro: str = "",
                    lang: str = "en") -> str:
    """A Markdown report: ``title`` and the table names are escaped, ``intro`` is Markdown;
    the figures are written for ``lang``."""
    parts = [f"# {markdown_escape(title)}\n"]
    if intro:
        parts.append(intro + "\n")
    for name, df in tables.items():
        parts.append(f"## {markdown_escape(name)}\n\n{markdown_table(df, lang=lang)}")
    return "\n".join(parts)


def write_tables(tables: Mapping[str, pd.DataFrame], output: str | os.PathLike[str], fmt: str,
                 *, document: Mapping[str, Any], title: str, intro: str = "",
                 overwrite: bool = False, lang: str = "en") -> list[Path]:
    """Write a report of several tables as JSON (``document``), CSV (one file per table),
    XLSX (one sheet per table) or Markdown (``title``, ``intro``, then each table).

    Every CSV text is rendered before the first file is written.
    """
    if fmt == "json":
        return [write_json(document, output, overwrite)]
    if fmt == "csv":
        names = list(tables)
        paths = table_paths(output, names)
        texts = {n: csv_text(tables[n]) for n in names}
        return [write_text_atomic(paths[n], texts[n], overwrite) for n in names]
    if fmt == "md":
        return [write_text_atomic(output, tables_markdown(title, tables, intro, lang), overwrite)]
    return [write_with(output, lambda tmp: write_xlsx_sheets(tmp, tables), overwrite)]


# --------------------------------------------------------------------------- plans


def plan_title(d: Mapping[str, Any], lang: str = "en") -> str:
    """The heading of a plan report in ``lang``."""
    from siteplan.outputs.language import analysis_word

    return analysis_word("plan heading", lang, scenario=d["scenario"], k=d["k"])


def plan_intro(d: Mapping[str, Any], lang: str = "en") -> str:
    """The Markdown lines above a plan's tables: settings, targets and their sources, the
    estimates the plan rests on (every text from the data escaped), in ``lang`` (the
    estimates' own descriptions stay as the analysis wrote them)."""
    from siteplan.outputs.language import analysis_word, fmt_int
    from siteplan.phrases import number_in, translate

    esc = markdown_escape
    gap = d["gap"]
    t = d["targets"]
    lines = [
        analysis_word("plan intro", lang, scenario=esc(d["scenario"]), method=esc(d["method"]),
                      k=d["k"], solver=esc(d["solver"]), status=esc(d["status"]),
                      gap="n/a" if gap is None else number_in(f"{gap:.2e}", lang)),
        "",
        analysis_word("plan targets", lang, year=esc(t["year"]),
                      jobs=fmt_int(t["target_jobs"], lang),
                      exports=number_in(f"{t['target_exports_mad_bn']:g}", lang),
                      sources=esc("; ".join(t["sources"]))),
        "",
    ]
    colon = " :" if lang == "fr" else ":"
    lines += [f"- **{esc(translate(e['what'], lang))}**{colon} {esc(translate(e['method'], lang))}"
              for e in d["estimates"]]
    return "\n".join(lines)


def plan_info_tables(d: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Solver, constraints, targets and estimates as two-column tables (XLSX sheets)."""
    import pandas as pd

    def kv(m: Mapping[str, Any]) -> pd.DataFrame:
        return pd.DataFrame([{"key": k, "value": v if isinstance(v, str | int | float | None)
                              else json.dumps(v, ensure_ascii=False)} for k, v in m.items()])

    sol = {k: d[k] for k in ("solver", "status", "gap", "bound", "objective", "objective_kind",
                             "solve_runtime_s", "runtime_s")}
    est = pd.DataFrame([{"what": e["what"], "estimate": e["estimate"], "method": e["method"]}
                        for e in d["estimates"]])
    return {"solver": kv(sol), "constraints": kv(d["constraints"]), "targets": kv(d["targets"]),
            "estimates": est}


def plan_markdown(report: PlanReport, lang: str = "en", scenario: Scenario | None = None
                  ) -> str:
    """A plan as one Markdown document in ``lang``: settings, targets, estimates, then the
    tables (criterion labels and reasons from ``scenario`` when given)."""
    d = report.to_dict()
    return tables_markdown(plan_title(d, lang), _localised(report.tables(), lang, scenario),
                           plan_intro(d, lang), lang=lang)


def write_plan_report(report: PlanReport, output: str | os.PathLike[str],
                      fmt: str | None = None, *, overwrite: bool = False,
                      runtime_s: float | None = None, lang: str = "en",
                      scenario: Scenario | None = None) -> list[Path]:
    """Write a plan as JSON, CSV (``sites``, then ``<stem>_regions``, ``<stem>_equity``), XLSX
    (the tables plus solver, constraints, targets and estimates sheets) or Markdown.

    ``lang`` (with the ``scenario`` for its labels) is the language of the XLSX sheet
    names and headings and of the Markdown; JSON and CSV keep the English codes.

    ``runtime_s`` replaces the plan's own run time in the document (the CLI passes the time
    the user waited: ranking and plan). Returns the paths written.
    """
    kind = format_for(output, fmt, PLAN)
    d = report.to_dict()
    if runtime_s is not None:
        d["runtime_s"] = runtime_s
    tables = dict(report.tables())
    if kind == "xlsx":
        tables |= plan_info_tables(d)
    if kind in ("xlsx", "md"):
        tables = _localised(tables, lang, scenario)
    return write_tables(tables, output, kind, document=d, title=plan_title(d, lang),
                        intro=plan_intro(d, lang) if kind == "md" else "", overwrite=overwrite,
                        lang=lang)


# --------------------------------------------------------------------------- comparisons


def compare_markdown(report: CompareReport, lang: str = "en") -> str:
    """A comparison of plans as one Markdown document in ``lang``."""
    from siteplan.outputs.language import analysis_word

    return tables_markdown(analysis_word("Comparison", lang),
                           _localised(report.tables(), lang, None), lang=lang)


def write_compare_report(report: CompareReport, output: str | os.PathLike[str],
                         fmt: str | None = None, *, overwrite: bool = False,
                         lang: str = "en") -> list[Path]:
    """Write a comparison as JSON, CSV (one file per table), XLSX or Markdown; ``lang`` is
    the language of the XLSX and Markdown (JSON and CSV keep the English codes)."""
    from siteplan.outputs.language import analysis_word

    kind = format_for(output, fmt, PLAN)
    tables = report.tables() if kind in ("json", "csv") else _localised(report.tables(), lang,
                                                                          None)
    return write_tables(tables, output, kind, document=report.to_dict(),
                        title=analysis_word("Comparison", lang), overwrite=overwrite, lang=lang)


# --------------------------------------------------------------------------- plan robustness


def plan_robustness_title(d: Mapping[str, Any], lang: str = "en",
                          scenario: Scenario | None = None) -> str:
    """The heading of a plan-robustness report (the ``scenario``'s title in ``lang``)."""
    from siteplan.outputs.language import analysis_word

    title = scenario.title_in(lang) if scenario is not None else d["scenario_title"]
    return analysis_word("plan rob heading", lang, title=title or d["scenario"], k=d["k"])


def plan_robustness_intro(d: Mapping[str, Any], lang: str = "en",
                          scenario: Scenario | None = None) -> str:
    """The Markdown lines above the tables of a plan-robustness report: the sampling, the
    single-weight and robust plans and the rule behind the robust plan (every text from the
    data escaped), in ``lang``."""
    from siteplan.outputs.language import analysis_word, fmt_int, fmt_num, fmt_pct, reason_in
    from siteplan.phrases import number_in, render, translate

    def w(word: str, **values: object) -> str:
        return analysis_word(word, lang, **values)

    esc = markdown_escape
    extra = (w("concentration", c=number_in(f"{d['concentration']:g}", lang))
             if d["sampling"] == "dirichlet" else "")
    lines = [
        w("plan rob intro", scenario=markdown_code(d["scenario"]),
          method=markdown_code(d["method"]), k=d["k"], samples=fmt_int(d["samples"], lang),
          sampling=markdown_code(render(f"sampling_{d['sampling']}", lang)), extra=extra,
          seed=d["seed"]),
        "",
    ]
    for key, label in (("single_weight_plan", "single-weight plan (scenario weights)"),
                       ("robust_plan", "robust plan")):
        p = d[key]
        lines.append(w("plan line", label=w(label).capitalize(), names=esc(", ".join(p["names"])),
                       share=fmt_pct(p["set_share"], lang, 1),
                       score=fmt_num(p["expected_score"], lang, 4)))
    rule = (reason_in(d["robust_rule"], scenario, lang) if scenario is not None
            else translate(d["robust_rule"], lang))
    lines += ["", esc(w("Rule", rule=rule)), "",
              w("solver md", solver=esc(d["solver"]),
                ms=fmt_num(d["per_sample_solve_s"] * 1e3, lang, 2), n=d["distinct_sets"])]
    return "\n".join(lines)


def plan_robustness_markdown(rep: PlanRobustness, lang: str = "en",
                             scenario: Scenario | None = None) -> str:
    """A plan-robustness report as one Markdown document in ``lang``: settings, the two
    plans, then the ``sites``, ``sets`` and ``regions`` tables."""
    d = rep.to_dict()
    return tables_markdown(plan_robustness_title(d, lang, scenario),
                           _localised(rep.tables(), lang, scenario),
                           plan_robustness_intro(d, lang, scenario), lang=lang)


def write_plan_robustness_report(rep: PlanRobustness, output: str | os.PathLike[str],
                                 fmt: str | None = None, *, overwrite: bool = False,
                                 lang: str = "en", scenario: Scenario | None = None
                                 ) -> list[Path]:
    """Write a plan-robustness report as JSON, CSV (``sites``, then ``<stem>_sets`` and
    ``<stem>_regions``), XLSX (the tables plus a settings sheet) or Markdown.

    ``lang`` (with the ``scenario`` for its labels) is the language of the XLSX and the
    Markdown; JSON and CSV keep the English codes. Returns the paths written.
    """
    kind = format_for(output, fmt, SENSITIVITY)
    d = rep.to_dict()
    tables = dict(rep.tables())
    if kind == "xlsx":
        items = {k: d[k] for k in ("scenario", "method", "k", "samples", "seed", "sampling",
                                   "robust_rule", "solver", "per_sample_solve_s", "runtime_s")}
        items |= {"concentration": d.get("concentration"), "bounds": d.get("bounds"),
                  "weights": d["weights"], "mean_weights": d["mean_weights"],
                  "constraints": d["constraints"], "statuses": d["statuses"]}
        if lang != "en":
            from siteplan.phrases import translate

            items["robust_rule"] = translate(d["robust_rule"], lang)
        tables = _localised(tables, lang, scenario)
        tables[sheet_name("settings", lang)] = _settings_table(items, lang)
    elif kind == "md":
        tables = _localised(tables, lang, scenario)
    return write_tables(tables, output, kind, document=d,
                        title=plan_robustness_title(d, lang, scenario),
                        intro=plan_robustness_intro(d, lang, scenario) if kind == "md" else "",
                        overwrite=overwrite, lang=lang)
