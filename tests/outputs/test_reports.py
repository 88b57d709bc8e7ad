"""The report writers of siteplan.outputs.reports, called as a notebook would (no CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from siteplan.analyses.sensitivity.report import analyse
from siteplan.errors import OutputError
from siteplan.layers.pack import Pack
from siteplan.outputs.reports import sensitivity_markdown, write_sensitivity_report
from siteplan.scoring.ranking import rank

TINY = str(Path(__file__).parents[1] / "data" / "tiny-scenario.toml")


@pytest.fixture()
def report(tiny_pack_dir: Path):  # type: ignore[no-untyped-def]
    return analyse(rank(TINY, pack=Pack(tiny_pack_dir)), samples=200, seed=3)


def test_sensitivity_report_files_from_the_api(  # type: ignore[no-untyped-def]
        report, tmp_path: Path) -> None:
    js = write_sensitivity_report(report, tmp_path / "s.json")
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["samples"] == 200 and data["seed"] == 3
    md = write_sensitivity_report(report, tmp_path / "s.md").read_text(encoding="utf-8")
    assert md == sensitivity_markdown(report)
    assert md.startswith("# Sensitivity: ") and "## One weight at a time" in md
    book = openpyxl.load_workbook(write_sensitivity_report(report, tmp_path / "s.xlsx"))
    assert {"one at a time", "acceptability", "settings"} <= set(book.sheetnames)
    # the set of sites in the CSV is the report's, in full
    csv = write_sensitivity_report(report, tmp_path / "s.csv").read_text(encoding="utf-8")
    assert len(csv.strip().splitlines()) == len(report.site_ids) + 1


def test_sensitivity_report_never_replaces_a_file_unasked(  # type: ignore[no-untyped-def]
        report, tmp_path: Path) -> None:
    target = tmp_path / "s.json"
    target.write_text("keep", encoding="utf-8")
    with pytest.raises(OutputError):
        write_sensitivity_report(report, target)
    assert target.read_text(encoding="utf-8") == "keep"
