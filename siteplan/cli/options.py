"""Reusable click options and their parsing callbacks (defined once, used by every command)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from siteplan.analyses.scheduling import DEFAULT_SCHEDULER, SCHEDULERS
from siteplan.outputs.formats import HTML_MAP
from siteplan.scenario import LANGUAGES, METHODS

F = TypeVar("F", bound=Callable[..., Any])


def parse_weights(ctx: click.Context | None, param: click.Parameter | None,
                  value: Sequence[str]) -> dict[str, float]:
    """Parse repeatable ``--weight KEY=VALUE`` into a mapping (exit 2 on a bad value)."""
    out: dict[str, float] = {}
    for item in value or ():
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"'{item}': expected KEY=VALUE, e.g. talent=30",
                                     ctx=ctx, param=param)
        try:
            w = float(raw)
        except ValueError:
            raise click.BadParameter(f"'{item}': weight '{raw}' is not a number", ctx=ctx,
                                     param=param) from None
        if w != w or w in (float("inf"), float("-inf")):
            raise click.BadParameter(f"'{item}': weight must be finite", ctx=ctx, param=param)
        if w < 0:
            raise click.BadParameter(f"'{item}': weight must be >= 0", ctx=ctx, param=param)
        out[key.strip()] = w
    return out


def scenario_option(f: F) -> F:
    return click.option("-s", "--scenario", default="balanced-2030", show_default=True,
                        metavar="NAME|PATH",
                        help="Built-in scenario name or a scenario TOML file.")(f)


def method_option(f: F) -> F:
    return click.option("-m", "--method", default=None,
                        type=click.Choice(list(METHODS)),
                        help="Aggregation method (default: the scenario's).")(f)


def weight_option(f: F) -> F:
    return click.option("-w", "--weight", "weights", multiple=True, metavar="KEY=VALUE",
                        callback=parse_weights,
                        help="Override a criterion weight (repeatable; any positive scale).")(f)


def pack_options(f: F) -> F:
    f = click.option("--layer", "layer_overrides", multiple=True, metavar="NAME=PATH",
                     help="Replace a layer by your own file (repeatable).")(f)
    f = click.option("--pack", type=click.Path(), default=None,
                     help="Data pack folder or GeoPackage (default: embedded Morocco).")(f)
    return f


def scheduler_option(f: F) -> F:
    return click.option(
        "--scheduler", default=DEFAULT_SCHEDULER, show_default=True,
        metavar="|".join(SCHEDULERS) + "|tcp://HOST:PORT",
        help="Where the weight samples are solved: in this process (sync), as dask tasks on "
             "threads or local processes, or on a dask.distributed cluster given by its "
             "scheduler address (needs pip install 'siteplan[distributed]'); the result is "
             "the same whichever.")(f)


def candidates_option(f: F) -> F:
    return click.option("-c", "--candidates", type=click.Path(), default=None,
                        help="Candidate sites file (GPKG, GeoJSON, SHP or CSV with lon/lat).")(f)


#: ``--lang``: the language of what people read (tables, Markdown, XLSX, maps, dossier)
lang_option = click.option(
    "--lang", type=click.Choice(list(LANGUAGES)), default=None,
    help="Language of what people read: printed tables, Markdown, XLSX headings and maps "
         "(default: the scenario's language, else English). CSV, JSON, GeoJSON and "
         "GeoPackage keep English column codes.")


def output_options(formats: Sequence[str]) -> Callable[[F], F]:
    def deco(f: F) -> F:
        f = click.option("--overwrite", is_flag=True,
                         help="Replace an existing output file.")(f)
        f = click.option("-f", "--format", "fmt", type=click.Choice(list(formats)),
                         default=None, help="Output format (default: from the extension).")(f)
        f = click.option("-o", "--output", type=click.Path(), default=None,
                         help="Write results to this file.")(f)
        return f
    return deco


def make_pack(pack: str | None, layer_overrides: Sequence[str], scenario_layers: Any = None
              ) -> Any:
    """Build the Pack from --pack/--layer (and the scenario's [layers] table)."""
    from siteplan.layers.pack import Pack, parse_layer_overrides

    overrides = dict(scenario_layers or {})
    overrides.update({k: str(v) for k, v in parse_layer_overrides(layer_overrides).items()})
    return Pack(pack, overrides=overrides)


HTML_SUFFIXES = HTML_MAP.suffixes


def check_output(path: str | None, overwrite: bool, suffixes: Sequence[str], option: str,
                 what: str) -> None:
    """Check an output path before any work: known extension (exit 2) and not an existing
    file unless --overwrite (exit 1), so that a command that fails writes nothing.

    ``suffixes`` are the accepted extensions (lower case, with the dot); empty accepts any.
    """
    if not path:
        return
    from pathlib import Path

    from siteplan._atomic import check_writable
    from siteplan.errors import UsageError

    suffix = Path(path).suffix.lower()
    if suffixes and suffix not in suffixes:
        raise UsageError(f"{option} {path}: {what} cannot be written as "
                         f"'{suffix or 'no extension'}'; use {', '.join(suffixes)}")
    check_writable(path, overwrite)


def check_distinct(paths: Sequence[str | os.PathLike[str] | None]) -> None:
    """The output files must differ (else the second would replace the first)."""
    from pathlib import Path

    from siteplan.errors import OutputError

    seen: set[Path] = set()
    for path in paths:
        if not path:
            continue
        key = Path(path).resolve()
        if key in seen:
            raise OutputError(f"{path}: given twice as an output; choose different paths")
        seen.add(key)
