"""``siteplan surface``: score every H3 cell of the study area and find hotspots."""

from __future__ import annotations

from typing import Any

import click

from siteplan.cli._render import echo_written, print_table, progress_bar
from siteplan.cli.options import (
    HTML_SUFFIXES,
    check_distinct,
    check_output,
    lang_option,
    make_pack,
    method_option,
    pack_options,
    scenario_option,
    scheduler_option,
    weight_option,
)
from siteplan.cli.sensitivity import parse_bounds
from siteplan.phrases import translate


@click.command()
@scenario_option
@click.option("-r", "--resolution", type=int, default=7, show_default=True,
              help="H3 resolution, 5 (~250 km2 cells) to 9 (~0.1 km2; ~6 million cells); "
                   "10 (~0.015 km2; ~43 million cells) with --partitioned.")
@weight_option
@method_option
@pack_options
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write the surface: .parquet (GeoParquet, cell centres), .gpkg (cell "
                   "polygons) or .csv.")
@click.option("--partitioned", "partitioned", type=click.Path(), default=None,
              metavar="FOLDER",
              help="Build the surface by partitions (the cells under one coarse H3 cell at a "
                   "time, as --scheduler tasks) and write one GeoParquet file per partition "
                   "into the new FOLDER, so that no step holds every cell (needed for "
                   "resolution 10). Read it with geopandas.read_parquet(FOLDER) or DuckDB "
                   "read_parquet('FOLDER/*.parquet').")
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
              help="Approximate memory budget; the computation is chunked to fit (with "
                   "--partitioned: one worker's budget, which sets the partition size).")
@click.option("--all-criteria", is_flag=True,
              help="Also compute the criteria of cells a hard constraint already excludes "
                   "(by default they are left empty in the output).")
@click.option("--robustness", "samples", type=click.IntRange(min=1), default=None,
              metavar="N",
              help="Sample N weight vectors and give each cell the share of them under "
                   "which it is in the top --top-q % of the valid cells (column "
                   "robust_share of -o); the hotspots are then the robust hotspots, the "
                   "local maxima of that share.")
@click.option("--top-q", "top_q", type=click.FloatRange(min=0, max=100, min_open=True,
                                                        max_open=True),
              default=None, metavar="Q",
              help="With --robustness: the top share of the valid cells that counts, in "
                   "percent, 0 < Q < 100 (default 5).")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="With --robustness: random seed of the weight samples (default 42; same "
                   "seed, same result).")
@click.option("--sampling", type=click.Choice(["uniform", "dirichlet", "bounds"]),
              default=None,
              help="With --robustness: uniform on the weight simplex (default), dirichlet "
                   "around the scenario weights, or uniform within --bound limits (default "
                   "when --bound is given).")
@click.option("--concentration", type=click.FloatRange(min=0, min_open=True), default=None,
              help="With --sampling dirichlet: concentration (default 50; larger: closer to "
                   "the scenario weights).")
@click.option("--bound", "bounds", multiple=True, metavar="KEY=LO:HI", callback=parse_bounds,
              help="With --sampling bounds: weight share limits of a criterion, e.g. "
                   "talent=0.1:0.3 (repeatable; others range over 0..1).")
@scheduler_option
@lang_option
def surface(scenario: str, resolution: int, weights: dict[str, float], method: str | None,
            pack: str | None, layer_overrides: tuple[str, ...], output: str | None,
            overwrite: bool, n_hotspots: int, spacing: float, hotspots_out: str | None,
            map_path: str | None, partitioned: str | None, max_memory_mb: float | None,
            all_criteria: bool,
            samples: int | None, top_q: float | None, seed: int | None,
            sampling: str | None, concentration: float | None,
            bounds: dict[str, tuple[float, float]], scheduler: str, lang: str | None) -> None:
    """Score every H3 cell of the study area under a scenario and report hotspots.

    Criteria are computed at the cell centres by the same code as for candidates;
    value functions are fitted over the territory's valid cells, so cell scores
    compare cells with each other (not with a candidate ranking). Cells that fail a
    hard constraint are excluded, and their other criteria are not computed unless
    --all-criteria is given.

    With --robustness N, N weight vectors are sampled (as in 'siteplan sensitivity')
    and each valid cell gets the share of them under which it is in the top Q % of the
    valid cells (--top-q, default 5; cells tied with the threshold count). The printed
    hotspots and --hotspots-out are then the robust hotspots: the local maxima of that
    share (cells never in the top Q % are never hotspots), with their single-weight score.

    \b
    $ siteplan surface --resolution 7 -o surface.parquet
    $ siteplan surface -r 8 -w talent=30 --hotspots 15 --hotspots-out hot.csv
    $ siteplan rank --candidates hot.csv
    $ siteplan surface -r 6 --map maps/surface.html
    $ siteplan surface -r 8 --robustness 1000 --top-q 5 -o surface.parquet
    $ siteplan surface -r 8 --robustness 1000 --scheduler tcp://192.168.1.10:8786
    $ siteplan surface -r 6 --lang fr
    $ siteplan surface -r 10 --partitioned surface-r10/ --scheduler processes
    """
    from siteplan.analyses.surface.model import SurfaceModel, check_resolution, hotspots
    from siteplan.outputs.formats import HOTSPOTS, SURFACE
    from siteplan.outputs.language import resolve_language
    from siteplan.outputs.surface_files import write_hotspots, write_surface
    from siteplan.scenario import load_scenario

    res = check_resolution(resolution, partitioned=partitioned is not None)
    robust = _robustness_options(samples, top_q, seed, sampling, concentration, bounds)
    if partitioned is not None:
        _refuse_with_partitioned(output, map_path, robust)
        _surface_partitioned(partitioned, scenario, res, weights, method, pack, layer_overrides,
                             overwrite, n_hotspots, spacing, hotspots_out, max_memory_mb,
                             all_criteria, scheduler)
        return
    if robust is None and scheduler != "sync":
        from siteplan.errors import UsageError

        raise UsageError("--scheduler: used with --robustness N or --partitioned FOLDER (what "
                         "runs on dask); add one of them or drop --scheduler")
    if robust is not None:
        from siteplan.analyses.scheduling import check_scheduler

        check_scheduler(scheduler)
    # every output is checked before the work, so that a failing command writes nothing
    check_output(output, overwrite, SURFACE.suffixes, "-o", "a surface")
    check_output(hotspots_out, overwrite, HOTSPOTS.suffixes, "--hotspots-out",
                 "hotspots")
    check_output(map_path, overwrite, HTML_SUFFIXES, "--map", "a map")
    check_distinct((output, hotspots_out, map_path))
    scen = load_scenario(scenario)
    language = resolve_language(lang, scen)
    if weights:
        scen = scen.with_weights(weights)
    if method:
        scen = scen.with_method(method)
    if robust is not None:
        from siteplan.analyses.surface.robustness import check_options

        check_options(scen, **robust)  # before the build, so that bad options cost nothing
    p = make_pack(pack, layer_overrides, scen.layers)
    model = SurfaceModel.build(scen, pack=p, resolution=res, max_memory_mb=max_memory_mb,
                               all_criteria=all_criteria, progress=progress_bar)
    scores = model.score()
    single = hotspots(model, scores, k=n_hotspots, min_spacing_km=spacing, pack=p)
    rob = None
    if robust is not None:
        from siteplan.analyses.surface.robustness import surface_robustness

        rob = surface_robustness(model, **robust, scheduler=scheduler, n_hotspots=n_hotspots,
                                 min_spacing_km=spacing, pack=p)
    spots = single if rob is None else rob.hotspots
    _print_summary(model, scores, single, rob, language)
    if output:
        extra = None if rob is None else {"robust_share": rob.share}
        echo_written(write_surface(model, scores, output, overwrite=overwrite, columns=extra))
    if hotspots_out:
        echo_written(write_hotspots(spots, hotspots_out, overwrite=overwrite))
    if map_path:
        _write_map(model, scores, spots, rob, scen, p, map_path, overwrite, language)


def _refuse_with_partitioned(output: str | None, map_path: str | None, robust: Any) -> None:
    """The options the partitioned build does not take, refused in one line."""
    from siteplan.errors import UsageError

    given = [flag for flag, value in (("-o", output), ("--map", map_path),
                                      ("--robustness", robust)) if value is not None]
    if given:
        raise UsageError(f"{', '.join(given)}: not with --partitioned (the cells are written "
                         "to the partitioned folder, never held together); drop "
                         f"{'them' if len(given) > 1 else 'it'}")


def _surface_partitioned(folder: str, scenario: str, res: int, weights: dict[str, float],
                         method: str | None, pack: str | None,
                         layer_overrides: tuple[str, ...], overwrite: bool, n_hotspots: int,
                         spacing: float, hotspots_out: str | None,
                         max_memory_mb: float | None, all_criteria: bool,
                         scheduler: str) -> None:
    """``siteplan surface --partitioned FOLDER``: build, write, report, hotspots."""
    from siteplan._atomic import check_folder
    from siteplan.analyses.scheduling import check_scheduler
    from siteplan.analyses.surface.partitioned import check_partitionable
    from siteplan.outputs.formats import HOTSPOTS
    from siteplan.outputs.surface_files import write_hotspots, write_partitioned_surface
    from siteplan.scenario import load_scenario

    check_scheduler(scheduler)
    check_folder(folder, overwrite)
    check_output(hotspots_out, overwrite, HOTSPOTS.suffixes, "--hotspots-out", "hotspots")
    check_distinct((folder, hotspots_out))
    scen = load_scenario(scenario)
    if weights:
        scen = scen.with_weights(weights)
    if method:
        scen = scen.with_method(method)
    check_partitionable(scen)
    p = make_pack(pack, layer_overrides, scen.layers)
    surf = write_partitioned_surface(folder, scen, overwrite=overwrite, pack=p, resolution=res,
                                     max_memory_mb=max_memory_mb, all_criteria=all_criteria,
                                     scheduler=scheduler, progress=progress_bar)
    spots = surf.hotspots(k=n_hotspots, min_spacing_km=spacing, pack=p)
    _print_partitioned(surf, spots, folder)
    echo_written(folder)
    if hotspots_out:
        echo_written(write_hotspots(spots, hotspots_out, overwrite=overwrite))


def _print_partitioned(surf: Any, spots: Any, folder: str) -> None:
    from siteplan.scenario import METHOD_NAMES

    scen = surf.scenario
    click.echo(f"{scen.title or scen.name} - {METHOD_NAMES[scen.method]}")
    click.echo("weights: " + ", ".join(f"{k} {v:.0%}" for k, v in scen.weights.items()))
    click.echo(f"H3 resolution {surf.resolution}: {surf.n_cells:,} cells, {surf.n_valid:,} "
               f"valid ({surf.n_valid / surf.n_cells:.1%}), in {len(surf.partitions):,} "
               f"partitions under H3 resolution {surf.parent_resolution} cells "
               f"({surf.seconds:.1f} s, --scheduler {surf.scheduler})")
    for why, count in surf.exclusions.items():
        click.echo(f"  excluded: {count:,} cells {why}")
    lo, mean, hi = surf.score_range()
    click.echo(f"scores of the valid cells: min {lo:.3f}, mean {mean:.3f}, max {hi:.3f}")
    if len(spots):
        print_table(f"Top {len(spots)} hotspots (local maxima at least the spacing apart)",
                    ["#", "hotspot", "score", "region", "lon", "lat", "h3"],
                    [(i + 1, s["name"], f"{s['score']:.3f}", s["region_code"],
                      f"{s['lon']:.4f}", f"{s['lat']:.4f}", s["h3"])
                     for i, s in enumerate(spots.to_dict("records"))],
                    ["right", "left", "right", "left", "right", "right", "left"])


def _robustness_options(samples: int | None, top_q: float | None, seed: int | None,
                        sampling: str | None, concentration: float | None,
                        bounds: dict[str, tuple[float, float]]) -> dict[str, Any] | None:
    """The keyword arguments of surface_robustness, or None without --robustness (then
    its companion options are refused)."""
    from siteplan.errors import UsageError

    if samples is None:
        given = [flag for flag, value in (("--top-q", top_q), ("--seed", seed),
                                          ("--sampling", sampling),
                                          ("--concentration", concentration),
                                          ("--bound", bounds or None)) if value is not None]
        if given:
            raise UsageError(f"{', '.join(given)}: used with --robustness N (the number of "
                             "weight samples); add it, e.g. --robustness 1000")
        return None
    chosen = sampling or ("bounds" if bounds else "uniform")
    if bounds and chosen != "bounds":
        raise UsageError(f"--bound is used with --sampling bounds, not {chosen}; drop "
                         "--sampling or the --bound options")
    if concentration is not None and chosen != "dirichlet":
        raise UsageError(f"--concentration is used with --sampling dirichlet, not {chosen}")
    return {"samples": samples, "top_q": 5.0 if top_q is None else top_q,
            "seed": 42 if seed is None else seed, "sampling": chosen,
            "concentration": 50.0 if concentration is None else concentration,
            "bounds": bounds or None}


#: a surface map larger than this gets a note (it opens slowly in a browser)
MAP_NOTE_BYTES = 3_000_000


def _write_map(model: Any, scores: Any, spots: Any, rob: Any, scen: Any, p: Any,
               map_path: str, overwrite: bool, lang: str = "en") -> None:
    """The surface map: the cells (and the robust share, off at start), the hotspots and
    the ranking of the pack's candidates, in ``lang``."""
    from siteplan.outputs.html_map import save_map
    from siteplan.outputs.language import overlay_word
    from siteplan.outputs.overlay import hotspot_overlay, surface_overlay
    from siteplan.phrases import number_in
    from siteplan.scoring.ranking import rank

    ranking = rank(scen, pack=p)
    overlays = [surface_overlay(model, scores, lang=lang)]
    if rob is not None:
        q = number_in(f"{rob.top_q:g}", lang)
        overlays.append(surface_overlay(
            model, rob.share, name=overlay_word("Robust share", lang, q=q),
            legend=overlay_word("share legend", lang, q=q), label=overlay_word("Share", lang),
            criteria=False, lang=lang, show=False))
    if len(spots):
        overlays.append(hotspot_overlay(spots, name=overlay_word(
            "Hotspots" if rob is None else "Robust hotspots", lang)))
    written = save_map(ranking, map_path, pack=p, overlays=overlays, overwrite=overwrite,
                       show_zones=False, lang=lang, sliders=False)
    echo_written(written)
    size = written.stat().st_size
    if size > MAP_NOTE_BYTES:
        click.echo(f"note: the map is {size / 1e6:.1f} MB (H3 resolution {model.resolution}, "
                   f"{model.n_cells:,} cells) and opens slowly; -r 7 or less keeps a national "
                   "map under 3 MB", err=True)


def _print_summary(model: Any, scores: Any, spots: Any, rob: Any = None,
                   lang: str = "en") -> None:
    """The settings, cell counts, exclusions, score quantiles and hotspots, in ``lang``."""
    import numpy as np

    from siteplan.outputs.language import (
        analysis_word,
        fmt_int,
        fmt_num,
        fmt_pct,
        heading,
        labeller,
        reason_in,
        sheet_name,
    )
    from siteplan.scenario import METHOD_INFO

    def w(word: str, **values: object) -> str:
        return analysis_word(word, lang, **values)

    scen = model.scenario
    label = labeller(scen, lang)
    valid = scores[np.isfinite(scores)]
    q = np.quantile(valid, [0.0, 0.1, 0.5, 0.9, 1.0])
    weights = ", ".join(f"{k} {fmt_pct(v, lang)}" for k, v in scen.weights.items())
    click.echo(f"{scen.title_in(lang)} - {METHOD_INFO[scen.method].label_in(lang)}")
    click.echo(f"{sheet_name('weights:', lang)} {weights}")
    click.echo(w("cells line", res=model.resolution, cells=fmt_int(model.n_cells, lang),
                 valid=fmt_int(model.n_valid, lang),
                 share=fmt_pct(model.n_valid / model.n_cells, lang, 1)))
    for why, count in model.exclusions.items():
        click.echo(w("cells excluded", n=fmt_int(count, lang),
                     why=reason_in(why, scen, lang, label)))
    for note in model.notes:
        click.echo("  " + w("note", text=reason_in(note, scen, lang, label)))
    click.echo(w("quantiles", q=", ".join(
        f"{w(lab)} {fmt_num(v, lang, 3)}"
        for lab, v in zip(("min", "p10", "median", "p90", "max"), q, strict=True))))
    if rob is not None:
        _print_robust(rob, spots, lang)
    elif len(spots):
        print_table(w("hotspots title", n=len(spots)),
                    ["#", w("hotspot"), heading("score", lang), heading("region", lang),
                     heading("lon", lang), heading("lat", lang), "h3"],
                    [(i + 1, translate(s["name"], lang), fmt_num(s["score"], lang, 3),
                      s["region_code"],
                      fmt_num(s["lon"], lang, 4), fmt_num(s["lat"], lang, 4), s["h3"])
                     for i, s in enumerate(spots.to_dict("records"))],
                    ["right", "left", "right", "left", "right", "right", "left"])


def _print_robust(rob: Any, single: Any, lang: str = "en") -> None:
    """The robustness line and the robust hotspots, each with the single-weight hotspot
    within the spacing, if any (its rank and distance), in ``lang``."""
    import numpy as np

    from siteplan.criteria.geodesy import geodesic_km
    from siteplan.outputs.language import analysis_word, fmt_int, fmt_num, fmt_pct, heading

    def w(word: str, **values: object) -> str:
        return analysis_word(word, lang, **values)

    click.echo(rob.summary(lang))
    spots = rob.hotspots
    if not len(spots):  # --hotspots 0 (every sample puts a cell in its top q %)
        return
    slon, slat = single["lon"].to_numpy(dtype=float), single["lat"].to_numpy(dtype=float)
    rows = []
    for i, s in enumerate(spots.to_dict("records")):
        match = "-"
        if len(single):
            d = np.atleast_1d(geodesic_km(s["lon"], s["lat"], slon, slat))
            j = int(np.argmin(d))
            if d[j] < rob.min_spacing_km or d[j] == 0:
                match = f"#{j + 1} ({fmt_num(d[j], lang, 0)} km)"
        rows.append((i + 1, translate(s["name"], lang), fmt_pct(s["robust_share"], lang, 1),
                     fmt_num(s["score"], lang, 3), match, s["region_code"],
                     fmt_num(s["lon"], lang, 4), fmt_num(s["lat"], lang, 4), s["h3"]))
    q = f"{rob.top_q:g}".replace(".", "," if lang == "fr" else ".")
    print_table(w("robust hotspots title", n=len(spots), samples=fmt_int(rob.samples, lang),
                  q=q),
                ["#", w("hotspot"), w("share"), heading("score", lang), w("single-weight"),
                 heading("region", lang), heading("lon", lang), heading("lat", lang), "h3"],
                rows,
                ["right", "left", "right", "right", "left", "left", "right", "right", "left"])
    click.echo(w("robust hotspots note", n=rob.n_hotspots))
