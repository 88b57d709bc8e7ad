"""``siteplan layers``: list or check a pack's layers."""

from __future__ import annotations

import click

from siteplan.cli._render import print_table


@click.command()
@click.argument("pack", required=False, type=click.Path())
@click.option("--check", is_flag=True, help="Validate every layer; exit 1 if anything is wrong.")
@click.option("--layer", "layer_overrides", multiple=True, metavar="NAME=PATH",
              help="Replace a layer by your own file (repeatable).")
def layers(pack: str | None, check: bool, layer_overrides: tuple[str, ...]) -> None:
    """List the layers of PACK (default: the embedded Morocco pack).

    \b
    $ siteplan layers
    $ siteplan layers --check
    $ siteplan layers --check path/to/pack --layer universities=my.gpkg
    """
    from siteplan.cli.options import make_pack
    from siteplan.errors import LayerError

    p = make_pack(pack, layer_overrides)
    if check:
        problems = p.check()
        errors = [x for x in problems if not x.startswith("warning:")]
        for x in problems:
            click.echo(x, err=True)
        if errors:
            raise LayerError(f"pack '{p.name}': {len(errors)} layer problem(s); see above")
        click.echo(f"pack '{p.name}': {len(p.layer_names)} layers OK")
        return
    rows = [(d["layer"], d["rows"], d["geometry"], d["source"], d["licence"], d["date"])
            for d in p.describe()]
    print_table(f"pack '{p.name}' ({p.root})", ["layer", "rows", "geometry", "source",
                                                 "licence", "date"], rows)
