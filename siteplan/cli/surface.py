"""``siteplan surface``: score every H3 cell of the study area and find hotspots."""

from __future__ import annotations

from typing import Any

import click

from siteplan.cli._render import echo_written, print_table, progress_bar
from siteplan.cli.options import (
    HTML_SUFFIXES,
    check_distinct,
    check_output,
    make_pack,
    method_option,
    pack_options,
    scenario_option,
    weight_option,
)


@click.command()
@scenario_option
@click.option("-r", "--resolution", type=int, default=7, show_default=True,
              help="H3 resolution, 5 (~250 km2 cells) to 9 (~0.1 km2; ~6 million cells).")
@weight_option
@method_option
@pack_options
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write the surface: .parquet (GeoParquet, cell centres), .gpkg (cell "
                   "polygons) or .csv.")
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
@click.option("--hotspots", "n_hotspots", type=click.IntRange(min=0), default=10,
              show_default=True, help="Number of hotspots (local maxima) to report; 0: none.")
@click.option("--spacing", type=click.FloatRange(min=0), default=25.0, show_default=True,
              help="Minimum geodesic distance between two hotspots, km.")
@click.option("--hotspots-out", type=click.Path(), default=None,
              help="Write the hotspots as a candidate file (.csv, .gpkg or .geojson) for "
                   "'siteplan rank --candidates'.")
@click.option("--map", "map_path", type=click.Path(), default=None,
              help="Write an HTML map: the ranking of the pack's candidates, the surface "
                   "and the hotspots.")
@click.option("--max-memory-mb", type=click.FloatRange(min=1), default=None,
              help="Approximate memory budget; the computation is chunked to fit.")
@click.option("--all-criteria", is_flag=True,
              help="Also compute the criteria of cells a hard constraint already excludes "
                   "(by default they are left empty in the output).")
def surface(scenario: str, resolution: int, weights: dict[str, float], method: str | None,
            pack: str | None, layer_overrides: tuple[str, ...], output: str | None,
            overwrite: bool, n_hotspots: int, spacing: float, hotspots_out: str | None,
            map_path: str | None, max_memory_mb: float | None, all_criteria: bool) -> None:
    """Score every H3 cell of the study area under a scenario and report hotspots.

    Criteria are computed at the cell centres by the same code as for candidates;
    value functions are fitted over the territory's valid cells, so cell scores
    compare cells with each other (not with a candidate ranking). Cells that fail a
    hard constraint are excluded, and their other criteria are not computed unless
    --all-criteria is given.

    \b
    $ siteplan surface --resolution 7 -o surface.parquet
    $ siteplan surface -r 8 -w talent=30 --hotspots 15 --hotspots-out hot.csv
    $ siteplan rank --candidates hot.csv
    $ siteplan surface -r 6 --map maps/surface.html
    """
    from siteplan.analyses.surface.model import SurfaceModel, check_resolution, hotspots
    from siteplan.outputs.formats import HOTSPOTS, SURFACE
    from siteplan.outputs.surface_files import write_hotspots, write_surface
    from siteplan.scenario import load_scenario

    res = check_resolution(resolution)
    # every output is checked before the work, so that a failing command writes nothing
    check_output(output, overwrite, SURFACE.suffixes, "-o", "a surface")
    check_output(hotspots_out, overwrite, HOTSPOTS.suffixes, "--hotspots-out",
                 "hotspots")
    check_output(map_path, overwrite, HTML_SUFFIXES, "--map", "a map")
    check_distinct((output, hotspots_out, map_path))
    scen = load_scenario(scenario)
    if weights:
        scen = scen.with_weights(weights)
    if method:
        scen = scen.with_method(method)
    p = make_pack(pack, layer_overrides, scen.layers)
    model = SurfaceModel.build(scen, pack=p, resolution=res, max_memory_mb=max_memory_mb,
                               all_criteria=all_criteria, progress=progress_bar)
    scores = model.score()
    spots = hotspots(model, scores, k=n_hotspots, min_spacing_km=spacing, pack=p)
    _print_summary(model, scores, spots)
    if output:
        echo_written(write_surface(model, scores, output, overwrite=overwrite))
    if hotspots_out:
        echo_written(write_hotspots(spots, hotspots_out, overwrite=overwrite))
    if map_path:
        from siteplan.outputs.html_map import save_map
        from siteplan.outputs.overlay import hotspot_overlay, surface_overlay
        from siteplan.scoring.ranking import rank

        ranking = rank(scen, pack=p)
        overlays = [surface_overlay(model, scores)]
        if len(spots):
            overlays.append(hotspot_overlay(spots))
        echo_written(save_map(ranking, map_path, pack=p, overlays=overlays,
                              overwrite=overwrite, show_zones=False))


def _print_summary(model: Any, scores: Any, spots: Any) -> None:
    import numpy as np

    from siteplan.scenario import METHOD_NAMES

    scen = model.scenario
    valid = scores[np.isfinite(scores)]
    q = np.quantile(valid, [0.0, 0.1, 0.5, 0.9, 1.0])
    weights = ", ".join(f"{k} {v:.0%}" for k, v in scen.weights.items())
    click.echo(f"{scen.title or scen.name} - {METHOD_NAMES[scen.method]}")
    click.echo(f"weights: {weights}")
    click.echo(f"H3 resolution {model.resolution}: {model.n_cells:,} cells, {model.n_valid:,} "
               f"valid ({model.n_valid / model.n_cells:.1%}); values normalised over the "
               "valid cells")
    for why, count in model.exclusions.items():
        click.echo(f"  excluded: {count:,} cells {why}")
    for note in model.notes:
        click.echo(f"  note: {note}")
    click.echo("score quantiles: " + ", ".join(
        f"{lab} {v:.3f}" for lab, v in zip(("min", "p10", "median", "p90", "max"), q,
                                          strict=True)))
    if len(spots):
        print_table(f"Top {len(spots)} hotspots (local maxima at least the spacing apart)",
                    ["#", "hotspot", "score", "region", "lon", "lat", "h3"],
                    [(i + 1, s["name"], f"{s['score']:.3f}", s["region_code"],
                      f"{s['lon']:.4f}", f"{s['lat']:.4f}", s["h3"])
                     for i, s in enumerate(spots.to_dict("records"))],
                    ["right", "left", "right", "left", "right", "right", "left"])
