"""Reports of analyses as files: the sensitivity report (JSON, CSV, XLSX, Markdown).

Moved out of the CLI so that a notebook writes the same files as ``siteplan sensitivity -o``.
Every text taken from the data is escaped by the writers of :mod:`siteplan.outputs.files`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from siteplan._atomic import write_text_atomic
from siteplan.analyses.sensitivity.report import RobustnessReport
from siteplan.outputs.files import (
    format_for,
    markdown_escape,
    markdown_table,
    write_json,
    write_table,
)

#: the formats a sensitivity report is written in (``siteplan sensitivity -o``)
SENSITIVITY_FORMATS: tuple[str, ...] = ("json", "csv", "xlsx", "md")


def sensitivity_markdown(rep: RobustnessReport) -> str:
    """A Markdown report: settings, per-site table, OAT intervals, verdict rule.

    Every text taken from the data (scenario title, site names) is escaped.
    """
    table = rep.table()
    lines = [f"# Sensitivity: {markdown_escape(rep.scenario_title or rep.scenario)}", "",
             f"Method `{rep.method}`; {rep.samples:,} `{rep.sampling}` weight samples, "
             f"seed {rep.seed}; value noise {rep.value_noise:g}; top K = {rep.top_k}.", "",
             f"Verdict rule: {markdown_escape(rep.verdict_rule())}.", "", "## Sites", "",
             markdown_table(table), "## One weight at a time", "",
             markdown_table(rep.oat_table()), ""]
    return "\n".join(lines)


def write_sensitivity_report(rep: RobustnessReport, output: str | os.PathLike[str],
                             fmt: str | None = None, *, overwrite: bool = False) -> Path:
    """Write a sensitivity report as JSON, CSV, XLSX or Markdown (``fmt`` or the extension)."""
    import pandas as pd

    kind = format_for(output, fmt, SENSITIVITY_FORMATS)
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
