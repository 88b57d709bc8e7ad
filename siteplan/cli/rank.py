"""``siteplan rank`` and ``siteplan explain``."""

from __future__ import annotations

from typing import Any

import click

from siteplan.cli._render import echo_written, fmt, print_table
from siteplan.cli.options import (
    HTML_SUFFIXES,
    candidates_option,
    check_distinct,
    check_output,
    lang_option,
    make_pack,
    method_option,
    output_options,
    pack_options,
    scenario_option,
    weight_option,
)
from siteplan.outputs.formats import PLAN_CHART, RANKING, STATIC_MAP


def run_rank(scenario: Any, method: str | None, weights: dict[str, float],
             candidates: str | None, pack: str | None, layer_overrides: tuple[str, ...],
             add_candidates: str | None = None) -> Any:
    """Load scenario (a name or path, or an already loaded Scenario) and pack, rank, and
    return the Ranking (shared by several commands)."""
    from siteplan.scenario import load_scenario
    from siteplan.scoring.ranking import rank as rank_api

    scen = load_scenario(scenario) if isinstance(scenario, str) else scenario
    p = make_pack(pack, layer_overrides, scen.layers)
    return rank_api(scen, pack=p, candidates=candidates, weights=weights or None, method=method,
                    add_candidates=add_candidates)


add_candidates_option = click.option(
    "--add-candidates", type=click.Path(), default=None, metavar="FILE",
    help="Your own sites (GPKG, GeoJSON, SHP or CSV with lon/lat), scored together with the "
         "pack's candidates on the same scale.")


def print_ranking(r: Any, top: int | None, to_file: bool = False, lang: str = "en") -> None:
    """The ranking table and the excluded sites, on stdout, in ``lang``."""
    from siteplan.outputs.language import fmt_score, heading, labeller, reason_in, sheet_name
    from siteplan.scenario import LENSES, METHOD_INFO

    inc = r.included
    shown = inc.head(top) if top else inc
    lenses = [lens for lens in LENSES if shown[lens].notna().any()]
    # rows from column arrays: iterrows costs ~0.1 ms a row (10 s for 100,000 sites)
    cols: list[list[Any]] = [shown["rank"].astype(int).tolist(), shown["name"].tolist(),
                             shown["province"].tolist(), shown["region"].tolist(),
                             [fmt_score(v, lang) for v in shown["score"].tolist()]]
    codes = ["rank", "site", "province", "region", "score"]
    for lens in lenses:
        cols.append([fmt_score(v, lang) for v in shown[lens].tolist()])
        codes.append(lens)
    cols += [[v or "" for v in shown["strongest"].tolist()],
             [v or "" for v in shown["weakest"].tolist()]]
    codes += ["strongest", "weakest"]
    rows = list(zip(*cols, strict=True))
    pct = "\u202f%" if lang == "fr" else "%"
    weights = ", ".join(f"{k} {v * 100:.0f}{pct}" for k, v in r.weights.items())
    title = (f"{r.scenario.title_in(lang) or r.scenario.name} - "
             f"{METHOD_INFO[r.method].label_in(lang)}\n"
             f"{sheet_name('weights:', lang)} {weights}")
    if r.scenario.viability_floor is not None:
        floor = f"{r.scenario.viability_floor:g}".replace(".", "," if lang == "fr" else ".")
        title += f"\n{sheet_name('viability floor:', lang)} {floor}"
    aligns = ["right", "left", "left", "left", "right"] + ["right"] * len(lenses)
    print_table(title, [heading(c, lang) for c in codes], rows, [*aligns, "left", "left"])
    fr = lang == "fr"
    where = (("tous sont dans le fichier écrit" if fr else "all are in the output file")
             if to_file else ("-o FICHIER les écrit tous" if fr else "-o FILE writes them all"))
    if top and len(inc) > top:
        more = "autres sites classés" if fr else "more ranked sites"
        click.echo(f"... {len(inc) - top} {more} ({where})")
    exc = r.sites[r.sites["excluded"]]
    if len(exc):
        listed = exc.head(top) if top else exc
        label = labeller(r.scenario, lang)  # once: a 100,000-site run lists many reasons
        reasons = ["; ".join(reason_in(x, r.scenario, lang, label) for x in xs)
                   for xs in listed["reasons"].tolist()]
        print_table(f"{sheet_name('Excluded', lang)} ({len(exc)})",
                    [heading(c, lang) for c in ("site", "province", "reasons")],
                    list(zip(listed["name"].tolist(), listed["province"].tolist(), reasons,
                             strict=True)))
        if len(listed) < len(exc):
            more = "autres sites exclus" if fr else "more excluded sites"
            click.echo(f"... {len(exc) - len(listed)} {more} ({where})")


def print_explain(r: Any, site: str, lang: str = "en") -> None:
    """The breakdown of one site, on stdout, in ``lang``."""
    from siteplan.outputs.language import (
        fmt_num,
        fmt_pct,
        fmt_score,
        heading,
        reason_in,
        value_word,
    )

    row = r.site(site)
    table = r.explain(site)
    labels = {c.name: c.display_in(lang) for c in r.scenario.criteria}
    units = {c.name: c.unit_in(lang) for c in r.scenario.criteria}
    fr = lang == "fr"
    if not row["excluded"]:
        status = (f"rang {int(row['rank'])}, score {fmt_score(row['score'], lang)}" if fr
                  else f"rank {int(row['rank'])}, score {row['score']:.3f}")
    else:
        status = ("exclu : " if fr else "excluded: ") + "; ".join(
            reason_in(x, r.scenario, lang) for x in row["reasons"])

    def num(x: float, weighted: bool) -> str:
        # x != x: NaN (excluded site)
        return "-" if not weighted or x != x else fmt_score(x, lang)

    def value(x: Any) -> str:
        if not fr or not isinstance(x, float) or x != x:
            return fmt(x)
        digits = 0 if abs(x) >= 1000 or x.is_integer() else 3 if abs(x) < 1 else 1
        return fmt_num(x, lang, digits)

    rows = [(labels.get(t.criterion, t.label), value(t.value), units.get(t.criterion, t.unit),
             value_word(t.direction, lang),
             num(t.score, bool(t.weight)),
             fmt_pct(t.weight, lang, 1) if t.weight else "-",
             num(t.contribution, bool(t.weight)))
            for t in table.itertuples()]
    additive = r.method == "wlc"
    print_table(f"{row['name']} ({row['province']}, {row['region']}): {status}",
                [heading(c, lang) for c in ("criterion", "value", "unit", "direction",
                                            "score", "weight",
                                            "contribution" if additive else "w x score")],
                rows, ["left", "right", "left", "left", "right", "right", "right"])
    if not additive:
        from siteplan.scenario import METHOD_NAMES

        click.echo(f"note: the score comes from {METHOD_NAMES.get(r.method, r.method)}, which "
                   "does not add up the weighted scores; 'w x score' shows each criterion's "
                   "weighted standing, not a share of the score")
    for note in row["notes"]:
        click.echo(f"note: {reason_in(note, r.scenario, lang)}")


@click.command()
@scenario_option
@method_option
@weight_option
@candidates_option
@add_candidates_option
@pack_options
@click.option("-n", "--top", type=click.IntRange(min=1), default=None,
              help="Show only the N best sites in the printed table (files hold every site).")
@output_options(RANKING.formats)
@click.option("--explain", "explain_site", default=None, metavar="SITE",
              help="Also print the breakdown of one site (id or name).")
@click.option("--map", "map_path", is_flag=False, flag_value="", default=None, metavar="[PATH]",
              help="Write an HTML map (default path: maps/<scenario>-ranking.html).")
@click.option("--self-contained/--online", default=True, show_default=True,
              help="Embed every JS/CSS resource in the map (works offline) or link CDNs.")
@click.option("--tiles", default=None, metavar="URL",
              help="Background tile URL template (e.g. a local tile server); none by default "
                   "for self-contained maps.")
@click.option("--indicator", default=None, help="Choropleth indicator of the map.")
@click.option("--png", "png_path", type=click.Path(), default=None,
              help="Also write a static PNG (or .svg) map for reports.")
@lang_option
@click.option("--quadrant", "quadrant_path", type=click.Path(), default=None,
              help="Also write the viability-need quadrant chart (.png, .svg or .pdf) of a "
              "two-lens scenario.")
def rank(scenario: str, method: str | None, weights: dict[str, float], candidates: str | None,
         add_candidates: str | None, pack: str | None, layer_overrides: tuple[str, ...],
         top: int | None, output: str | None, fmt: str | None, overwrite: bool,
         explain_site: str | None, map_path: str | None, self_contained: bool,
         tiles: str | None, indicator: str | None, png_path: str | None,
         quadrant_path: str | None, lang: str | None) -> None:
    """Rank candidate sites under a scenario and print the table.

    Writes CSV, JSON, GeoJSON, GeoPackage, XLSX or Markdown with -o (format from
    the extension or --format). Excluded candidates are listed with their reasons.

    \b
    $ siteplan rank
    $ siteplan rank --scenario market-led --method topsis --top 10
    $ siteplan rank -w talent=30 -w unemployment=20 -o ranking.xlsx --map
    $ siteplan rank --candidates my_sites.gpkg -o ranking.json
    $ siteplan rank --add-candidates my_sites.csv
    $ siteplan rank --quadrant quadrant.png
    $ siteplan rank --lang fr -o classement.xlsx
    """
    from siteplan.outputs.files import write_ranking
    from siteplan.outputs.language import resolve_language
    from siteplan.scenario import load_scenario

    # every output is checked before the work, so that a failing command writes nothing
    # (--format names the format whatever the extension)
    suffixes = () if fmt else RANKING.suffixes
    check_output(output, overwrite, suffixes, "-o", "a ranking")
    scen = load_scenario(scenario)  # once: the default map path needs its name
    if map_path is not None:
        from siteplan.outputs.files import default_map_path

        map_path = map_path or default_map_path(scen.name, "ranking")
        check_output(map_path, overwrite, HTML_SUFFIXES, "--map", "a map")
    check_output(png_path, overwrite, STATIC_MAP.suffixes, "--png", "a static map")
    check_output(quadrant_path, overwrite, PLAN_CHART.suffixes, "--quadrant", "a chart")
    check_distinct((output, map_path, png_path, quadrant_path))
    language = resolve_language(lang, scen)
    r = run_rank(scen, method, weights, candidates, pack, layer_overrides, add_candidates)
    print_ranking(r, top, to_file=bool(output), lang=language)
    if explain_site:
        print_explain(r, explain_site, lang=language)
    if output:
        echo_written(write_ranking(r, output, fmt, overwrite, lang=language))
    if map_path is not None or png_path:
        from siteplan.outputs.html_map import save_map
        from siteplan.outputs.static_map import save_png

        if map_path is not None:
            echo_written(save_map(r, map_path, self_contained=self_contained, tiles=tiles,
                                  indicator=indicator, overwrite=overwrite, lang=language))
        if png_path:
            echo_written(save_png(r, png_path, indicator=indicator, overwrite=overwrite,
                                  lang=language))
    if quadrant_path:
        from siteplan.outputs.lens_charts import quadrant_png

        echo_written(quadrant_png(r, quadrant_path, overwrite=overwrite, lang=language))


@click.command()
@click.argument("site")
@scenario_option
@method_option
@weight_option
@candidates_option
@add_candidates_option
@pack_options
@lang_option
def explain(site: str, scenario: str, method: str | None, weights: dict[str, float],
            candidates: str | None, add_candidates: str | None, pack: str | None,
            layer_overrides: tuple[str, ...], lang: str | None) -> None:
    """Show why SITE scored as it did: raw value with unit, score, weight, contribution.

    \b
    $ siteplan explain oujda
    $ siteplan explain "Béni Mellal" --scenario market-led
    $ siteplan explain Tangier            (names, aliases and member towns are accepted)
    """
    from siteplan.outputs.language import resolve_language
    from siteplan.scenario import load_scenario

    scen = load_scenario(scenario)
    r = run_rank(scen, method, weights, candidates, pack, layer_overrides, add_candidates)
    print_explain(r, site, lang=resolve_language(lang, scen))
