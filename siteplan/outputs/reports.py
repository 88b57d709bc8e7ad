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


def sensitivity_markdown(rep: RobustnessReport) -> str:
    """A Markdown report: settings, per-site table, OAT intervals, verdict rule.

    Every text taken from the data (scenario title, site names) is escaped.
    """
    table = rep.table()
    lines = [f"# Sensitivity: {markdown_escape(rep.scenario_title or rep.scenario)}", "",
             f"Method {markdown_code(rep.method)}; {rep.samples:,} {markdown_code(rep.sampling)} "
             "weight samples, "
             f"seed {rep.seed}; value noise {rep.value_noise:g}; top K = {rep.top_k}.", "",
             f"Verdict rule: {markdown_escape(rep.verdict_rule())}.", "", "## Sites", "",
             markdown_table(table), "## One weight at a time", "",
             markdown_table(rep.oat_table()), ""]
    return "\n".join(lines)


def write_sensitivity_report(rep: RobustnessReport, output: str | os.PathLike[str],
                             fmt: str | None = None, *, overwrite: bool = False) -> Path:
    """Write a sensitivity report as JSON, CSV, XLSX or Markdown (``fmt`` or the extension)."""
    import pandas as pd

    kind = format_for(output, fmt, SENSITIVITY)
    if kind == "json":
        return write_json(rep.to_dict(), output, overwrite)
    if kind == "md":
        return write_text_atomic(output, sensitivity_markdown(rep), overwrite)
    if kind == "csv":
        return write_table(rep.table(), output, "csv", overwrite)
    settings = pd.DataFrame([
        ("scenario", rep.scenario), ("method", rep.method), ("samples", rep.samples),
        ("seed", rep.seed), ("sampling", rep.sampling),
        ("concentration", rep.concentration), ("bounds", json.dumps(rep.bounds)),
        ("value_noise", rep.value_noise), ("top_k", rep.top_k),
        ("verdict rule", rep.verdict_rule())], columns=["item", "value"])
    settings["value"] = settings["value"].astype(str)
    return write_table(rep.table(), output, "xlsx", overwrite,
                       sheets={"one at a time": rep.oat_table(),
                               "acceptability": rep.acceptability_table(),
                               "settings": settings})


# --------------------------------------------------------------------------- multi-table reports


def table_paths(output: str | os.PathLike[str], names: Sequence[str]) -> dict[str, Path]:
    """CSV: the first table goes to ``output``, the others beside it as ``<stem>_<name>.csv``."""
    p = Path(output)
    return {n: p if i == 0 else p.with_name(f"{p.stem}_{n}{p.suffix}")
            for i, n in enumerate(names)}


def report_paths(output: str | os.PathLike[str], fmt: str, names: Sequence[str]) -> list[Path]:
    """Every file a report of tables ``names`` writes in format ``fmt`` (checked before work)."""
    return list(table_paths(output, names).values()) if fmt == "csv" else [Path(output)]


def tables_markdown(title: str, tables: Mapping[str, pd.DataFrame], intro: str = "") -> str:
    """A Markdown report: ``title`` and the table names are escaped, ``intro`` is Markdown."""
    parts = [f"# {markdown_escape(title)}\n"]
    if intro:
        parts.append(intro + "\n")
    for name, df in tables.items():
        parts.append(f"## {markdown_escape(name)}\n\n{markdown_table(df)}")
    return "\n".join(parts)


def write_tables(tables: Mapping[str, pd.DataFrame], output: str | os.PathLike[str], fmt: str,
                 *, document: Mapping[str, Any], title: str, intro: str = "",
                 overwrite: bool = False) -> list[Path]:
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
        return [write_text_atomic(output, tables_markdown(title, tables, intro), overwrite)]
    return [write_with(output, lambda tmp: write_xlsx_sheets(tmp, tables), overwrite)]


# --------------------------------------------------------------------------- plans


def plan_title(d: Mapping[str, Any]) -> str:
    """The heading of a plan report."""
    return f"Plan: {d['scenario']}, K={d['k']}"


def plan_intro(d: Mapping[str, Any]) -> str:
    """The Markdown lines above a plan's tables: settings, targets and their sources, the
    estimates the plan rests on (every text from the data escaped)."""
    esc = markdown_escape
    gap = d["gap"]
    lines = [
        f"Scenario **{esc(d['scenario'])}** ({esc(d['method'])}), K = {d['k']}; solver "
        f"{esc(d['solver'])}, status {esc(d['status'])}, gap "
        f"{'n/a' if gap is None else f'{gap:.2e}'}.",
        "",
        f"Targets {esc(d['targets']['year'])}: {d['targets']['target_jobs']:,} jobs, "
        f"{d['targets']['target_exports_mad_bn']:g} bn MAD (sources: "
        f"{esc('; '.join(d['targets']['sources']))}).",
        "",
    ]
    lines += [f"- **{esc(e['what'])}**: {esc(e['method'])}" for e in d["estimates"]]
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


def plan_markdown(report: PlanReport) -> str:
    """A plan as one Markdown document: settings, targets, estimates, then the tables."""
    d = report.to_dict()
    return tables_markdown(plan_title(d), report.tables(), plan_intro(d))


def write_plan_report(report: PlanReport, output: str | os.PathLike[str],
                      fmt: str | None = None, *, overwrite: bool = False,
                      runtime_s: float | None = None, lang: str = "en",
                      scenario: Scenario | None = None) -> list[Path]:
    """Write a plan as JSON, CSV (``sites``, then ``<stem>_regions``, ``<stem>_equity``), XLSX
    (the tables plus solver, constraints, targets and estimates sheets) or Markdown.

    ``lang`` (with the ``scenario`` for its labels) is the language of the XLSX sheet
    names and headings; JSON, CSV and Markdown keep the English codes.

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
        if lang != "en" and scenario is not None:
            tables = {sheet_name(name, lang): localise_table(df, lang, scenario)
                      for name, df in tables.items()}
    return write_tables(tables, output, kind, document=d, title=plan_title(d),
                        intro=plan_intro(d) if kind == "md" else "", overwrite=overwrite)


# --------------------------------------------------------------------------- comparisons


def compare_markdown(report: CompareReport) -> str:
    """A comparison of plans as one Markdown document."""
    return tables_markdown("Comparison", report.tables())


def write_compare_report(report: CompareReport, output: str | os.PathLike[str],
                         fmt: str | None = None, *, overwrite: bool = False) -> list[Path]:
    """Write a comparison as JSON, CSV (one file per table), XLSX or Markdown."""
    kind = format_for(output, fmt, PLAN)
    return write_tables(report.tables(), output, kind, document=report.to_dict(),
                        title="Comparison", overwrite=overwrite)


# --------------------------------------------------------------------------- plan robustness


def plan_robustness_title(d: Mapping[str, Any]) -> str:
    """The heading of a plan-robustness report."""
    return f"Plan robustness: {d['scenario_title'] or d['scenario']}, K={d['k']}"


def plan_robustness_intro(d: Mapping[str, Any]) -> str:
    """The Markdown lines above the tables of a plan-robustness report: the sampling, the
    single-weight and robust plans and the rule behind the robust plan (every text from the
    data escaped)."""
    esc = markdown_escape
    extra = (f", concentration {d['concentration']:g}" if d["sampling"] == "dirichlet"
             else "")
    lines = [
        f"Scenario {markdown_code(d['scenario'])} ({markdown_code(d['method'])}), K = {d['k']}; "
        f"{d['samples']:,} {markdown_code(d['sampling'])} weight samples{extra}, seed "
        f"{d['seed']}; one plan solved per sample under the scenario's plan constraints.",
        "",
    ]
    for key, label in (("single_weight_plan", "Single-weight plan (scenario weights)"),
                       ("robust_plan", "Robust plan")):
        p = d[key]
        lines.append(f"- **{label}**: {esc(', '.join(p['names']))} (chosen as a set in "
                     f"{p['set_share']:.1%} of the samples; expected score "
                     f"{p['expected_score']:.4f})")
    lines += ["", f"Rule: {esc(d['robust_rule'])}.", "",
              f"Solver {esc(d['solver'])}: {d['per_sample_solve_s'] * 1e3:.2f} ms per sample, "
              f"{d['distinct_sets']} distinct K-sets; the selection frequencies add up to K."]
    return "\n".join(lines)


def plan_robustness_markdown(rep: PlanRobustness) -> str:
    """A plan-robustness report as one Markdown document: settings, the two plans, then the
    ``sites``, ``sets`` and ``regions`` tables."""
    d = rep.to_dict()
    return tables_markdown(plan_robustness_title(d), rep.tables(), plan_robustness_intro(d))


def write_plan_robustness_report(rep: PlanRobustness, output: str | os.PathLike[str],
                                 fmt: str | None = None, *,
                                 overwrite: bool = False) -> list[Path]:
    """Write a plan-robustness report as JSON, CSV (``sites``, then ``<stem>_sets`` and
    ``<stem>_regions``), XLSX (the tables plus a settings sheet) or Markdown.

    Returns the paths written.
    """
    import pandas as pd

    kind = format_for(output, fmt, SENSITIVITY)
    d = rep.to_dict()
    tables = dict(rep.tables())
    if kind == "xlsx":
        items = {k: d[k] for k in ("scenario", "method", "k", "samples", "seed", "sampling",
                                   "robust_rule", "solver", "per_sample_solve_s", "runtime_s")}
        items |= {"concentration": d.get("concentration"), "bounds": d.get("bounds"),
                  "weights": d["weights"], "mean_weights": d["mean_weights"],
                  "constraints": d["constraints"], "statuses": d["statuses"]}
        tables["settings"] = pd.DataFrame(
            [{"item": k, "value": v if isinstance(v, str | int | float | None)
              else json.dumps(v, ensure_ascii=False)} for k, v in items.items()])
        tables["settings"]["value"] = tables["settings"]["value"].astype(str)
    return write_tables(tables, output, kind, document=d, title=plan_robustness_title(d),
                        intro=plan_robustness_intro(d) if kind == "md" else "",
                        overwrite=overwrite)
