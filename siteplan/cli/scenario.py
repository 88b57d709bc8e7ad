"""``siteplan scenario list|show|init``."""

from __future__ import annotations

import click

from siteplan.cli._render import echo_written, print_table


@click.group()
def scenario() -> None:
    """List, show or start a scenario file (criteria, weights, constraints, method).

    \b
    $ siteplan scenario list
    $ siteplan scenario show market-led
    $ siteplan scenario init my-scenario.toml --from balanced-2030
    """


@scenario.command("list")
def list_cmd() -> None:
    """List the built-in scenarios.

    \b
    $ siteplan scenario list
    """
    from siteplan.scenario import builtin_names, load_scenario

    rows = []
    for name in builtin_names():
        s = load_scenario(name)
        rows.append((name, s.title, s.method, len(s.weighted), len(s.constraints)))
    print_table("built-in scenarios", ["name", "title", "method", "criteria", "constraints"],
                rows)


@scenario.command("show")
@click.argument("name")
def show(name: str) -> None:
    """Print scenario NAME (built-in name or path) as TOML, weights normalised in comments.

    \b
    $ siteplan scenario show balanced-2030
    """
    from siteplan.scenario import builtin_names, builtin_text, load_scenario

    s = load_scenario(name)
    if name in builtin_names():
        click.echo(builtin_text(name), nl=False)
    else:
        from pathlib import Path

        click.echo(Path(name).read_text(encoding="utf-8"), nl=False)
    click.echo("\n# normalised weights: " + ", ".join(f"{k} {v:.3f}"
                                                     for k, v in s.weights.items()))


@scenario.command("init")
@click.argument("path", type=click.Path())
@click.option("--from", "base", default="balanced-2030", show_default=True,
              help="Built-in scenario to start from.")
@click.option("--overwrite", is_flag=True, help="Replace an existing file.")
def init(path: str, base: str, overwrite: bool) -> None:
    """Write a scenario file at PATH to edit, starting from a built-in one.

    \b
    $ siteplan scenario init my-scenario.toml --from market-led
    """
    from siteplan._atomic import check_writable, write_text_atomic
    from siteplan.scenario import builtin_text

    check_writable(path, overwrite)
    echo_written(write_text_atomic(path, builtin_text(base), overwrite))
