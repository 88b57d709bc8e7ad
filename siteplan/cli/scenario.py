"""``siteplan scenario list|show|init``."""

from __future__ import annotations

import click

from siteplan.cli._render import echo_written, print_table
from siteplan.cli.options import lang_option


@click.group()
def scenario() -> None:
    """List, show or start a scenario file (criteria, weights, constraints, method).

    \b
    $ siteplan scenario list
    $ siteplan scenario show market-led
    $ siteplan scenario init my-scenario.toml --from balanced-2030
    """


@scenario.command("list")
@lang_option
def list_cmd(lang: str | None) -> None:
    """List the built-in scenarios (titles in French with --lang fr).

    \b
    $ siteplan scenario list
    $ siteplan scenario list --lang fr
    """
    from siteplan.outputs.language import analysis_word, heading, resolve_language
    from siteplan.scenario import builtin_names, load_scenario

    language = resolve_language(lang)
    rows = []
    for name in builtin_names():
        s = load_scenario(name)
        rows.append((name, s.title_in(language) if language != "en" else s.title, s.method,
                     len(s.weighted), len(s.constraints)))
    print_table(analysis_word("built-in scenarios", language),
                [heading(c, language) for c in ("name", "title", "method", "criteria",
                                                "constraints")], rows)


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
