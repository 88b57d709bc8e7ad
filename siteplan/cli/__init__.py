"""The ``siteplan`` command line: a thin click face over the Python API.

Only this package imports click. Sub-commands are imported lazily, so that
``siteplan --help`` does not load geopandas, folium or scipy. Domain errors
(:class:`siteplan.errors.SiteplanError`) become one-line messages with exit code
1 (data) or 2 (usage), never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys
import warnings
from typing import Any

import click

from siteplan import __version__
from siteplan.errors import SiteplanError

#: command name -> (module:attribute, one-line help shown by `siteplan --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "rank": ("siteplan.cli.rank:rank", "Rank candidate sites under a scenario."),
    "explain": ("siteplan.cli.rank:explain", "Show why a site scored as it did."),
    "layers": ("siteplan.cli.layers:layers", "List or check the layers of a data pack."),
    "scenario": ("siteplan.cli.scenario:scenario", "List, show or start a scenario file."),
    "map": ("siteplan.cli.map:map_cmd", "Render an HTML map from a saved ranking."),
    "weights": ("siteplan.cli.weights:weights", "Derive weights (AHP, group AHP, ROC, ...)."),
    "sensitivity": ("siteplan.cli.sensitivity:sensitivity",
                    "How robust is the ranking? One-at-a-time sweeps and SMAA."),
    "plan": ("siteplan.cli.plan:plan", "Choose K new sites and allocate the 2030 targets."),
    "compare": ("siteplan.cli.plan:compare", "Compare scenarios or plans side by side."),
    "surface": ("siteplan.cli.surface:surface", "Score every H3 cell of the study area."),
    "backcast": ("siteplan.cli.backcast:backcast",
                 "Does the viability lens reproduce where offshoring is today?"),
    "report": ("siteplan.cli.report:report",
               "Write the dossier (HTML or PDF, English or French) of a scenario."),
    "network": ("siteplan.cli.network:network",
                "Build a road network offline and compute travel times."),
    "data": ("siteplan.cli.data:data", "Rebuild the embedded Morocco data pack."),
}


class CliError(click.ClickException):
    """A SiteplanError shown as one line with its exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click's is a class default


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            target, _ = self.lazy[cmd_name]
            module, attr = target.split(":")
            cmd = getattr(importlib.import_module(module), attr)
            return cmd
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy[name][1]) for name in sorted(self.lazy)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SiteplanError as exc:
            raise CliError(str(exc).replace("\n", " "), exc.exit_code) from None


def _warning_text(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  line: str | None = None) -> str:
    """A warning as its message only: the user needs what happened in their data, not the
    file and line of siteplan's code that noticed it."""
    text = str(message)
    return text if issubclass(category, UserWarning) else f"{category.__name__}: {text}"


def _setup_logging(verbosity: int) -> None:
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        max(-1, min(verbosity, 2)), logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("siteplan: %(message)s"))
    log = logging.getLogger("siteplan")
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False
    logging.captureWarnings(True)
    warnings.formatwarning = _warning_text
    wlog = logging.getLogger("py.warnings")
    wlog.handlers[:] = [handler]
    wlog.setLevel(level)
    wlog.propagate = False
    warnings.simplefilter("default")


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="siteplan")
@click.option("-v", "--verbose", count=True, help="More messages on stderr (repeatable).")
@click.option("-q", "--quiet", count=True, help="Fewer messages on stderr.")
@click.option("--raw-csv", is_flag=True,
              help="Write CSV text cells verbatim (by default a cell starting with =, +, -, @, "
                   "tab or CR gets a leading ' so that spreadsheets do not run it).")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int, raw_csv: bool) -> None:
    """siteplan: rank and plan Tech Valley Offshoring sites for balanced regional development.

    Runs offline on the embedded Morocco data pack, or on any country's layers.

    \b
    $ siteplan rank                          # balanced-2030 on the Morocco default
    $ siteplan rank --scenario market-led -o ranking.xlsx --map
    $ siteplan layers --check
    """
    ctx.ensure_object(dict)
    ctx.obj["verbosity"] = verbose - quiet
    _setup_logging(verbose - quiet)
    if raw_csv:
        from siteplan.outputs.files import raw_csv as keep_csv_verbatim

        ctx.with_resource(keep_csv_verbatim())


def main(argv: list[str] | None = None) -> None:
    """Console entry point; unexpected errors are reported in one line (traceback with -vv)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        cli.main(args=args, prog_name="siteplan")
    except SystemExit:
        raise
    except Exception as exc:  # last-resort guard: a one-line message instead of a traceback
        if sum(a.count("v") for a in args if a.startswith("-") and not a.startswith("--")) >= 2:
            raise
        from siteplan.errors import last_input

        reading = last_input()
        where = f" (last input read: {reading})" if reading else ""
        click.echo(f"Error: internal error{where}: {type(exc).__name__}: {exc} (run with -vv "
                   "for the traceback and report it)", err=True)
        sys.exit(1)
