"""The reference pages list exactly what the registries define.

The registries (``siteplan.scenario`` for kinds, methods, normalisers and method options,
``siteplan.outputs.formats`` for output formats) are the one source; the CLI's choices come
from them in code, and these tests keep the hand-written docs from drifting away from them.
"""

from __future__ import annotations

import re
from pathlib import Path

from siteplan.outputs.formats import RANKING
from siteplan.scenario import KINDS, METHOD_OPTIONS, METHODS, NORMALIZERS

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS_MD = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _row(text: str, first_cell: str) -> str:
    """The markdown table row whose first cell is ``first_cell``."""
    for line in text.splitlines():
        if line.startswith(f"| {first_cell} |"):
            return line
    raise AssertionError(f"no table row starting with {first_cell!r}")


def test_the_method_row_lists_every_method_and_nothing_else() -> None:
    listed = re.findall(r"`([a-z]+)`", _row(SCENARIOS_MD, "`method`").split("|")[2])
    assert listed == list(METHODS)


def test_the_method_options_line_lists_every_option() -> None:
    para = SCENARIOS_MD.split("`[method_options]`:", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"`([a-z_]+)`", para)) == set(METHOD_OPTIONS)


def test_the_kind_table_has_one_row_per_kind() -> None:
    rows = re.findall(r"^\| `([a-z_]+)` \| ", SCENARIOS_MD.split("| kind |", 1)[1].split("\n\n")[0],
                      flags=re.MULTILINE)
    assert rows == list(KINDS)


def test_every_normaliser_is_documented() -> None:
    para = SCENARIOS_MD.split("`normalize` (value function", 1)[1].split("\n\n", 1)[0]
    named = set(re.findall(r'"([a-z]+)"', para))
    assert named == set(NORMALIZERS)


def test_the_readme_lists_the_ranking_formats() -> None:
    row = _row(README, "`siteplan rank`")
    listed = re.search(r"\(`(\.[a-z .]+)`\)", row)
    assert listed is not None
    assert [ext.lstrip(".") for ext in listed.group(1).split()] == list(RANKING.formats)
