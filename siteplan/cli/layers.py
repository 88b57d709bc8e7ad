"""``siteplan layers``: list or check a pack's layers."""

from __future__ import annotations

import click

from siteplan.cli._render import print_table
from siteplan.cli.options import lang_option


@click.command()
@click.argument("pack", required=False, type=click.Path())
@click.option("--check", is_flag=True, help="Validate every layer; exit 1 if anything is wrong.")
@click.option("--layer", "layer_overrides", multiple=True, metavar="NAME=PATH",
              help="Replace a layer by your own file (repeatable).")
@lang_option
def layers(pack: str | None, check: bool, layer_overrides: tuple[str, ...],
           lang: str | None) -> None:
    """List the layers of PACK (default: the embedded Morocco pack): title, rows, geometry,
    sources, licence and date (titles and licences in French with --lang fr where the pack
    gives them).

    \b
    $ siteplan layers
    $ siteplan layers --lang fr
    $ siteplan layers --check
    $ siteplan layers --check path/to/pack --layer universities=my.gpkg
    """
    from siteplan.cli.options import make_pack
    from siteplan.errors import LayerError
    from siteplan.outputs.language import fmt_int, heading, resolve_language, value_word

    language = resolve_language(lang)
    fr = language == "fr"

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
    codes = ("layer", "title", "rows", "geometry", "source", "licence", "date")
    rows = [tuple(fmt_int(d[c], language) if c == "rows" and isinstance(d[c], int) and fr
                  else value_word(d[c], language) if c == "geometry" else d[c] for c in codes)
            for d in p.describe(language)]
    title = p.manifest.title_in(language)
    print_table(f"pack '{p.name}' ({p.root})" + (f": {title}" if title else ""),
                [heading(c, language) for c in codes], rows)
