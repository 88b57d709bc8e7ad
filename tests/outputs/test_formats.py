"""The format registry: one list per output, used by the writers and by the CLI alike."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from siteplan.errors import OutputError
from siteplan.outputs import formats


def test_every_output_format_has_an_extension() -> None:
    outputs = [v for v in vars(formats).values() if isinstance(v, formats.Output)]
    assert len(outputs) >= 10
    for out in outputs:
        assert out.formats, out
        for f in out.formats:
            assert f in formats.EXTENSIONS.values(), (out.what, f)
        assert all(s.startswith(".") and s == s.lower() for s in out.suffixes)


def test_format_of_reads_the_extension_case_blind() -> None:
    assert formats.RANKING.format_of("a/b/Ranking.GPKG") == "gpkg"
    assert formats.PLAN.format_of("plan.markdown") == "md"
    assert formats.PLAN.format_of("plan.gpkg") is None      # a plan is not a GeoPackage
    assert formats.HTML_MAP.format_of("map.htm") == "html"
    assert formats.SURFACE.format_of("s") is None


def test_format_for_prefers_the_flag_and_names_the_choices() -> None:
    assert formats.format_for("x.csv", "json", formats.WEIGHTS) == "json"
    with pytest.raises(OutputError, match="choose one of json, csv, md, xlsx"):
        formats.format_for("x.csv", "gpkg", formats.WEIGHTS)
    with pytest.raises(OutputError, match=r"x\.txt: cannot tell the format from '\.txt'"):
        formats.format_for("x.txt", None, formats.SENSITIVITY)


def _choices(command: click.Command | None, name: str) -> list[str]:
    assert command is not None
    for p in command.params:
        if p.name == name:
            assert isinstance(p.type, click.Choice)
            return list(p.type.choices)
    raise AssertionError(f"{command.name} has no --{name}")


def test_cli_format_choices_come_from_the_registry() -> None:
    from siteplan.cli import cli

    assert isinstance(cli, click.Group)
    ctx = click.Context(cli)
    cmds = {n: cli.get_command(ctx, n) for n in ("rank", "sensitivity", "plan")}
    assert _choices(cmds["rank"], "fmt") == list(formats.RANKING.formats)
    assert _choices(cmds["sensitivity"], "fmt") == [formats.TABLE, *formats.SENSITIVITY.formats]
    assert _choices(cmds["plan"], "fmt") == [formats.TABLE, *formats.PLAN.formats]


@pytest.mark.parametrize(("writer", "suffix"), [
    ("siteplan.outputs.static_map:save_png", ".jpg"),
    ("siteplan.outputs.html_map:save_map", ".svg"),
])
def test_writers_refuse_what_their_output_does_not_take(writer: str, suffix: str,
                                                        tmp_path: Path) -> None:
    import importlib

    mod, fn = writer.split(":")
    with pytest.raises(OutputError, match=r"change the extension|ending in \.html"):
        getattr(importlib.import_module(mod), fn)(None, tmp_path / f"out{suffix}")
    assert not (tmp_path / f"out{suffix}").exists()
