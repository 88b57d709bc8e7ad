"""``siteplan map``: an HTML (and optionally PNG/SVG) map from a saved ranking."""

from __future__ import annotations

import click

from siteplan.cli._render import echo_written
from siteplan.cli.options import (
    HTML_SUFFIXES,
    check_distinct,
    check_output,
    lang_option,
    make_pack,
    pack_options,
)


@click.command("map")
@click.argument("ranking", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="HTML file to write (default: maps/<scenario>-ranking.html).")
@click.option("--indicator", default=None, metavar="COLUMN",
              help="Zone column shown as the choropleth (default: need_index).")
@click.option("--zones", type=click.Choice(["regions", "provinces"]), default="regions",
              show_default=True, help="Zones of the choropleth.")
@click.option("--scheme", type=click.Choice(["quantiles", "naturalbreaks", "equalinterval"]),
              default="quantiles", show_default=True, help="Classification of the indicator.")
@click.option("-k", "--classes", "k", type=click.IntRange(2, 9), default=5, show_default=True,
              help="Number of classes of the choropleth.")
@click.option("-n", "--top", "top_n", type=click.IntRange(min=0), default=10, show_default=True,
              help="Label the N best sites with their rank.")
@click.option("--self-contained/--online", default=True, show_default=True,
              help="Embed every JS/CSS resource (works offline) or link CDNs and show "
                   "OpenStreetMap tiles.")
@click.option("--tiles", default=None, metavar="URL",
              help="Background tile URL template with {z}/{x}/{y} (e.g. a local tile server); "
                   "none by default for self-contained maps.")
@click.option("--png", "png_path", type=click.Path(dir_okay=False), default=None,
              help="Also write a static map for reports (.png or .svg).")
@pack_options
@lang_option
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
def map_cmd(ranking: str, output: str | None, indicator: str | None, zones: str, scheme: str,
            k: int, top_n: int, self_contained: bool, tiles: str | None, png_path: str | None,
            pack: str | None, layer_overrides: tuple[str, ...], lang: str | None,
            overwrite: bool) -> None:
    """Render an HTML map from a ranking saved by 'siteplan rank -o' (JSON or GeoPackage).

    The map shows the zones as a choropleth (regional need by default), the
    candidate sites coloured by score with their score breakdown in a popup, and
    toggleable layers of universities, airports, railway stations, ports, motorway
    access and existing parks. By default every resource is embedded, so the file
    opens where outside resources are blocked.

    \b
    $ siteplan rank -o ranking.json
    $ siteplan map ranking.json
    $ siteplan map ranking.json -o maps/need.html --zones provinces --scheme naturalbreaks
    $ siteplan map ranking.gpkg --indicator unemployment_rate --png maps/ranking.png
    $ siteplan map ranking.json --tiles "http://tiles.local/{z}/{x}/{y}.png"
    $ siteplan map ranking.json --online
    """
    from siteplan.outputs.files import default_map_path
    from siteplan.outputs.formats import STATIC_MAP
    from siteplan.outputs.html_map import save_map
    from siteplan.outputs.language import resolve_language
    from siteplan.outputs.ranking_file import read_ranking
    from siteplan.outputs.static_map import save_png

    r = read_ranking(ranking)
    language = resolve_language(lang, r.scenario)
    if output is None:
        output = default_map_path(r.scenario.name, "ranking")
    # every output is checked before the work, so that a failing command writes nothing
    check_output(output, overwrite, HTML_SUFFIXES, "-o", "a map")
    check_output(png_path, overwrite, STATIC_MAP.suffixes, "--png", "a static map")
    check_distinct((output, png_path))
    p = (make_pack(pack, layer_overrides, r.scenario.layers)
         if pack or layer_overrides or r.scenario.layers else None)
    echo_written(save_map(r, output, overwrite=overwrite, pack=p, indicator=indicator,
                          zones=zones, scheme=scheme, k=k, self_contained=self_contained,
                          tiles=tiles, top_n=top_n, lang=language))
    if png_path:
        echo_written(save_png(r, png_path, indicator=indicator, pack=p, overwrite=overwrite,
                              top_n=top_n, zones=zones, scheme=scheme, k=k, lang=language))
