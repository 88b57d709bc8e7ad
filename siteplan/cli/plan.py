"""``siteplan plan`` and ``siteplan compare``."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from siteplan.cli._render import echo_written, print_table
from siteplan.cli.options import (
    HTML_SUFFIXES,
    candidates_option,
    check_output,
    lang_option,
    make_pack,
    method_option,
    pack_options,
    scenario_option,
    weight_option,
)
from siteplan.outputs.files import csv_text
from siteplan.outputs.formats import PLAN, PLAN_CHART, TABLE

PLAN_FORMATS = (TABLE, *PLAN.formats)


# --------------------------------------------------------------------------- helpers


def _n(v: Any, digits: int = 0) -> str:
    if v is None:
        return ""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if x != x:
        return ""
    return f"{x:,.{digits}f}"


def _g(v: Any, digits: int = 3) -> str:
    if v is None:
        return ""
    return f"{float(v):.{digits}f}"


def _out_format(output: str | None, fmt: str | None) -> str:
    """The file format of -o (from --format, else the extension)."""
    from siteplan.errors import OutputError

    if fmt == "xlsx" and output is None:
        from siteplan.errors import UsageError

        raise UsageError("-f xlsx: a workbook cannot be printed; add -o FILE.xlsx")
    if fmt and fmt != "table":
        return fmt
    if output is None:
        return "table"
    kind = PLAN.format_of(output)
    if kind is None:
        raise OutputError(f"{output}: cannot tell the format from "
                          f"'{Path(output).suffix or 'no extension'}'; use .json, .csv, .xlsx or "
                          ".md (or --format)")
    return kind


def _targets(output: str | None, kind: str, extra: Sequence[str | None],
             names: Sequence[str]) -> list[Path]:
    """Every path that will be written (checked before any work)."""
    from siteplan.outputs.reports import report_paths

    paths: list[Path] = report_paths(output, kind, names) if output else []
    paths.extend(Path(x) for x in extra if x)
    return paths


def _check_report_output(output: str | None, fmt: str | None, overwrite: bool,
                         what: str) -> None:
    """-o: a known extension unless --format names the format (exit 2), not an existing file
    unless --overwrite (exit 1)."""
    if fmt and fmt != "table":
        check_output(output, overwrite, (), "-o", what)
    else:
        check_output(output, overwrite, PLAN.suffixes, "-o", what)


def _check_all(paths: Sequence[Path], overwrite: bool) -> None:
    from siteplan._atomic import check_writable
    from siteplan.errors import OutputError

    seen: set[Path] = set()
    for p in paths:
        if p.resolve() in seen:
            raise OutputError(f"{p}: given twice as an output; choose different paths")
        seen.add(p.resolve())
        check_writable(p, overwrite)


# --------------------------------------------------------------------------- printing


def _echo_csv(tables: Mapping[str, Any]) -> None:
    """Every table as CSV on stdout, each under a ``# name`` line."""
    for name, df in tables.items():
        click.echo(f"# {name}")
        click.echo(csv_text(df), nl=False)



def print_plan(d: Mapping[str, Any], lang: str = "en", title: str = "") -> None:
    """The chosen sites, the regional table, the equity measures and the solver line, with
    headings and figures in ``lang``."""
    from siteplan.outputs.language import fmt_num, heading, plan_word
    from siteplan.phrases import number_in

    def w(word: str, **values: object) -> str:
        return plan_word(word, lang, **values)

    def n(v: Any, digits: int = 0) -> str:
        return _n(v, digits) if lang == "en" or v is None else fmt_num(v, lang, digits)

    def g(v: Any, digits: int = 3) -> str:
        return _g(v, digits) if lang == "en" or v is None else fmt_num(v, lang, digits)

    year = d["targets"]["year"]
    rows: list[tuple[Any, ...]] = [
        (c["rank"], c["name"], c["region"], g(c["score"]), w("yes") if c["lagging"] else "",
         n(c["jobs_2030_added"]), n(c["exports_2030_added_mad_m"], 1),
         w("at cap") if c["capped"] else "") for c in d["chosen"]]
    heads = [heading("rank", lang), heading("site", lang), heading("region", lang),
             heading("score", lang), w("lagging"), w("jobs added", year=year),
             w("exports added"), w("capped")]
    print_table(w("title", title=title or d["scenario_title"] or d["scenario"], k=d["k"],
                  objective=w(d["objective_kind"])),
                heads, rows, ["right", "left", "left", "right", "left", "right", "right", "left"])
    rows = [(r["region"] + (" *" if r["lagging"] else ""), r["parks"], r["new_sites"],
             n(r["jobs_today"]),
             n(r["jobs_2030_plan"]), n(r["jobs_2030_baseline"]),
             n(r["per_thousand_today"], 1), n(r["per_thousand_plan"], 1),
             n(r["per_thousand_baseline"], 1)) for r in d["regions"]]
    tot = ((w("total"), sum(r["parks"] for r in d["regions"]),
            sum(r["new_sites"] for r in d["regions"]),
            n(sum(r["jobs_today"] for r in d["regions"])),
            n(sum(r["jobs_2030_plan"] for r in d["regions"])),
            n(sum(r["jobs_2030_baseline"] for r in d["regions"])),
            n(d["equity"]["today"]["national_per_thousand"], 1),
            n(d["equity"]["plan"]["national_per_thousand"], 1),
            n(d["equity"]["baseline"]["national_per_thousand"], 1)),)
    print_table(w("regions title"),
                [heading("region", lang), w("parks"), w("new"), w("today"),
                 w("plan", year=year), w("baseline", year=year), w("/1000 today"),
                 w("/1000 plan"), w("/1000 baseline")],
                [*rows, *tot], ["left", *["right"] * 8])
    from siteplan.analyses.plan.steps import EQUITY_MEASURES

    eq = d["equity"]
    rows = []
    ranged = any("range" in eq[x] for x in ("today", "plan", "baseline"))
    for key, _label in EQUITY_MEASURES:
        vals = [eq[x].get(key) for x in ("today", "plan", "baseline")]
        if all(v is None for v in vals):
            continue
        diff = (None if vals[1] is None or vals[2] is None else vals[1] - vals[2])
        digits = 1 if key == "national_per_thousand" else 3
        cells = []
        for x, v in zip(("today", "plan", "baseline"), vals, strict=True):
            lo_hi = eq[x].get("range", {}).get(key)
            cells.append(g(v, digits) + (f" ({g(lo_hi[0], digits)}-{g(lo_hi[1], digits)})"
                                         if lo_hi else ""))
        change = "" if diff is None else ("+" if diff >= 0 else "-") + g(abs(diff), digits)
        rows.append((w(key), *cells, change))
    print_table(w("equity title", ranged=w("ranged") if ranged else ""),
                [w("measure"), w("today"), w("plan", year=year), w("baseline", year=year),
                 w("plan - baseline")],
                rows, ["left", "right", "right", "right", "right"])
    gap = d["gap"]
    a = d["allocation"]
    click.echo(
        f"solver {d['solver']}, status {d['status']}, gap "
        f"{'n/a' if gap is None else f'{gap:.2e}'}, objective {d['objective']:.4f}, "
        f"solve {d['solve_runtime_s']:.2f} s, plan {d['runtime_s']:.2f} s")
    click.echo(w("targets", year=year, jobs=n(d["targets"]["target_jobs"]),
                 exports=number_in(f"{d['targets']['target_exports_mad_bn']:g}", lang),
                 gap=n(a["gap_jobs"]), new=n(a["jobs_added_new_sites"]),
                 parks=n(a["jobs_added_parks"]), cap=n(a["cap_jobs"]) or w("none")))
    est = d["estimates"][0] if d.get("estimates") else {}
    how = (w("estimate ends", ends=", ".join(est["ends"])) if est.get("ends") else
           w("estimate even"))
    click.echo(w("estimate note", how=how))
    for note in d["notes"]:
        click.echo(f"note: {note}")


def print_compare(d: Mapping[str, Any], tables: Mapping[str, Any], lang: str = "en") -> None:
    """Side-by-side chosen sites, jobs per region, equity and Kendall's tau, in ``lang``."""
    from siteplan.outputs.language import analysis_word, fmt_num, heading, plan_word, value_word
    from siteplan.phrases import number_in

    def w(word: str, **values: object) -> str:
        return analysis_word(word, lang, **values)

    def n(v: Any) -> str:
        return _n(v) if lang == "en" or v is None else fmt_num(v, lang, 0)

    def g(v: Any) -> str:
        return _g(v) if lang == "en" or v is None else fmt_num(v, lang, 3)

    items = d["items"]
    width = max(len(i["chosen"]) for i in items)
    rows = []
    for j in range(width):
        row: list[Any] = [j + 1]
        for it in items:
            c = it["chosen"][j] if j < len(it["chosen"]) else None
            row.append("" if c is None else f"{c['name']} ({c['region']})")
        rows.append(row)
    print_table(w("Chosen sites"), ["#", *[i["label"] for i in items]], rows)
    reg = tables["regions"]
    cols = [c for c in reg.columns if c not in ("region_code",)]
    print_table(w("compare jobs title"), [heading(c, lang) for c in cols],
                [[r[c] if c == "region" else n(r[c]) for c in cols] for _, r in reg.iterrows()],
                ["left", *["right"] * (len(cols) - 1)])
    eq = tables["equity"]
    cols = ["item", "gini", "theil_t", "cv", "top2_share", "theil_between", "theil_within"]
    cols = [c for c in cols if c in eq.columns]
    print_table(w("Equity across regions"),
                [heading(c, lang) if c == "item" or lang == "en" else plan_word(c, lang)
                 for c in cols],
                [[(r[c] if r["distribution"] == "plan" else value_word(r[c], lang))
                  if c == "item" else g(r[c]) for c in cols] for _, r in eq.iterrows()],
                ["left", *["right"] * (len(cols) - 1)])
    print_table(w("kendall title"),
                ["a", "b", "tau", w("p-value"), w("sites")],
                [(t["a"], t["b"], g(t["tau"]), "" if t["p_value"] is None else
                  number_in(f"{t['p_value']:.2g}", lang), t["n_common"])
                 for t in d["kendall_tau"]])
    for it in items:
        gap = "n/a" if it["gap"] is None else number_in(format(it["gap"], ".2e"), lang)
        click.echo(w("solver status", label=it["label"], solver=it["solver"],
                     status=it["status"], gap=gap))


# --------------------------------------------------------------------------- commands


@click.command()
@click.option("-k", "--sites", "k", type=click.IntRange(min=1), required=True, metavar="K",
              help="Number of new sites to choose.")
@scenario_option
@method_option
@weight_option
@candidates_option
@pack_options
@click.option("--max-per-region", type=click.IntRange(min=0), default=None, metavar="M",
              help="At most M new sites per region (0: no cap; default: the scenario's [plan]).")
@click.option("--min-spacing", "min_spacing", type=click.FloatRange(min=0), default=None,
              metavar="KM", help="Minimum distance in km between new sites and to existing "
              "parks (0: none; default: the scenario's [plan]).")
@click.option("--lagging-quota", type=click.IntRange(min=0), default=None, metavar="Q",
              help="At least Q new sites in lagging regions (default: the scenario's [plan]).")
@click.option("--lagging-rule", default=None, metavar="RULE",
              help="Lagging-region rule, e.g. 'unemployment_rate above median or "
              "gdp_per_capita below median' (default: the scenario's [plan]).")
@click.option("--include", multiple=True, metavar="ID", help="Force a site in (repeatable).")
@click.option("--exclude", multiple=True, metavar="ID", help="Force a site out (repeatable).")
@click.option("--objective", type=click.Choice(["suitability", "coverage"]), default=None,
              help="Maximise the total score, or the working-age population newly within "
              "--coverage-km of a park (default: suitability).")
@click.option("--coverage-km", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="T", help="Coverage radius in km for --objective coverage (default 60).")
@click.option("--solver", type=click.Choice(["auto", "exact", "greedy"]), default=None,
              help="MILP (HiGHS, CBC fallback), greedy heuristic, or auto (default).")
@click.option("--cap-share", type=click.FloatRange(min=0, max=1, min_open=True), default=None,
              metavar="S", help="Per-site cap on the new jobs as a share of the gap (default: "
              "the scenario's [plan].cap_share; 1 = no cap).")
@click.option("-f", "--format", "fmt", type=click.Choice(list(PLAN_FORMATS)), default=None,
              help="Output format: with -o the file format (default: from the extension); "
              "without -o, json/csv/md go to stdout instead of the tables.")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write the plan to this file (.json, .csv, .xlsx, .md).")
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
@click.option("--map", "map_path", is_flag=False, flag_value="", default=None, metavar="[PATH]",
              help="Write the plan map: numbered stars on the new sites over the dimmed "
              "candidates, a panel with the sites in plan order, the constraints and equity "
              "today and with the plan (default path: maps/<scenario>-plan.html).")
@click.option("--png", "png_path", type=click.Path(), default=None,
              help="Write a PNG chart of the jobs per region (today, plan, baseline).")
@click.option("--lorenz", "lorenz_path", type=click.Path(), default=None,
              help="Write a PNG of the Lorenz curves (today, plan, baseline).")
@click.option("--jobs-today", "jobs_today", type=click.Path(), default=None, metavar="CSV",
              help="Today's jobs per region from your own table: region_code,jobs (and "
              "optionally jobs_concentrated,jobs_spread), one row per region (default: the "
              "pack's regional estimate).")
@lang_option
def plan(k: int, scenario: str, method: str | None, weights: dict[str, float],
         candidates: str | None, pack: str | None, layer_overrides: tuple[str, ...],
         max_per_region: int | None, min_spacing: float | None, lagging_quota: int | None,
         lagging_rule: str | None, include: tuple[str, ...], exclude: tuple[str, ...],
         objective: str | None, coverage_km: float | None, solver: str | None,
         cap_share: float | None, fmt: str | None, output: str | None, overwrite: bool,
         map_path: str | None, png_path: str | None, lorenz_path: str | None,
         jobs_today: str | None, lang: str | None) -> None:
    """Choose K new sites, allocate the 2030 targets and compare equity with the baseline.

    Constraints default to the scenario's [plan] table (balanced-2030: at most 2
    sites per region, 30 km apart and from existing parks, at least 2 in lagging
    regions; per-site cap 25 % of the new jobs). The 2030 targets (270,000 jobs,
    40 bn MAD) are shared among existing parks and new sites by capacity (talent x
    score). Today's jobs per region are an ESTIMATE (no official breakdown): published
    counts plus the unlocated rest, with two ends; every equity figure shows that range.
    Equity (Gini, Theil, CV, top-2 share of jobs per 1,000 working-age) is always
    compared with the market-led baseline where new jobs follow today's
    distribution. Infeasible constraints exit with 1 and a message naming them.

    \b
    $ siteplan plan --sites 5
    $ siteplan plan --sites 5 --scenario market-led -o plan.json
    $ siteplan plan --sites 8 --max-per-region 1 --lagging-quota 4 -o plan.xlsx
    $ siteplan plan --sites 5 --include guelmim --exclude marrakesh --map --png jobs.png
    $ siteplan plan --sites 5 --objective coverage --coverage-km 50 --lorenz lorenz.png
    $ siteplan plan --sites 5 --jobs-today my_regional_jobs.csv
    $ siteplan plan --sites 5 --lang fr -o plan.md
    """
    from siteplan.analyses.plan.steps import make_plan, read_today_jobs
    from siteplan.outputs.reports import PLAN_TABLES, plan_markdown, write_plan_report
    from siteplan.scenario import load_scenario
    from siteplan.scoring.ranking import rank as rank_api

    # every output is checked before the work, so that a failing command writes nothing
    _check_report_output(output, fmt, overwrite, "a plan")
    kind = _out_format(output, fmt)
    map_file = None
    if map_path is not None:
        from siteplan.outputs.files import default_map_path

        map_file = map_path or default_map_path(load_scenario(scenario).name, "plan")
    check_output(map_file, overwrite, HTML_SUFFIXES, "--map", "a map")
    check_output(png_path, overwrite, PLAN_CHART.suffixes, "--png", "a chart")
    check_output(lorenz_path, overwrite, PLAN_CHART.suffixes, "--lorenz", "a chart")
    _check_all(_targets(output, kind, [png_path, lorenz_path, map_file],
                        PLAN_TABLES), overwrite)

    t0 = time.perf_counter()
    today_table = None
    if jobs_today is not None:
        today_table = read_today_jobs(jobs_today)
        today_table.attrs["path"] = jobs_today
    scen = load_scenario(scenario)
    p = make_pack(pack, layer_overrides, scen.layers)
    r = rank_api(scen, pack=p, candidates=candidates, weights=weights or None, method=method)
    from siteplan.outputs.language import resolve_language

    opts: dict[str, Any] = {"k": k, "include": include, "exclude": exclude}
    for key, value in (("max_per_region", max_per_region), ("min_spacing_km", min_spacing),
                       ("lagging_quota", lagging_quota), ("lagging_rule", lagging_rule),
                       ("cap_share", cap_share)):
        if value is not None:
            opts[key] = value
    report = make_plan(r, p, objective=objective, coverage_radius_km=coverage_km,
                       solver=solver, today_jobs=today_table, **opts)
    d = report.to_dict()
    d["runtime_s"] = time.perf_counter() - t0  # ranking + plan, as the user waited

    if output is None and kind in ("json", "csv", "md"):
        if kind == "json":
            click.echo(report.to_json())
        elif kind == "csv":
            _echo_csv(report.tables())
        else:
            click.echo(plan_markdown(report, resolve_language(lang, scen), scen))
    else:
        language = resolve_language(lang, scen)
        print_plan(d, language, scen.title_in(language))
    if output:
        for path in write_plan_report(report, output, kind, overwrite=overwrite,
                                      runtime_s=d["runtime_s"],
                                      lang=resolve_language(lang, scen), scenario=scen):
            echo_written(path)
    chart_lang = resolve_language(lang, scen)
    chart_d = {**d, "scenario_title": scen.title_in(chart_lang)}  # the charts' heading
    if png_path:
        from siteplan.outputs.plan_charts import jobs_by_region_png

        echo_written(jobs_by_region_png(chart_d, png_path, overwrite=overwrite,
                                        lang=chart_lang))
    if lorenz_path:
        from siteplan.outputs.plan_charts import lorenz_png

        echo_written(lorenz_png(chart_d, lorenz_path, overwrite=overwrite, lang=chart_lang))
    if map_file is not None:
        from siteplan.outputs.plan_map import save_plan_map

        echo_written(save_plan_map(r, report, map_file, pack=p, overwrite=overwrite,
                                   lang=resolve_language(lang, scen)))


@click.command()
@click.argument("items", nargs=-1, required=True, metavar="A B [...]")
@click.option("-k", "--sites", "k", type=click.IntRange(min=1), default=None, metavar="K",
              help="Number of new sites for scenario items (default: the K of the first "
              "saved plan).")
@candidates_option
@pack_options
@click.option("-f", "--format", "fmt", type=click.Choice(list(PLAN_FORMATS)), default=None,
              help="Output format: with -o the file format (default: from the extension); "
              "without -o, json/csv/md go to stdout instead of the tables.")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write the comparison to this file (.json, .csv, .xlsx, .md).")
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
@click.option("--map", "map_path", type=click.Path(), default=None, metavar="FILE.html",
              help="Write the compare map: the two items side by side (sites coloured by "
              "score on one scale, new sites as numbered stars) and their rank changes, three "
              "maps that move together, with the biggest movers and the new sites in A only, "
              "B only and both (two items only).")
@lang_option
def compare(items: tuple[str, ...], k: int | None, candidates: str | None, pack: str | None,
            layer_overrides: tuple[str, ...], fmt: str | None, output: str | None,
            overwrite: bool, map_path: str | None, lang: str | None) -> None:
    """Compare scenarios or saved plans side by side.

    Each of A, B, ... is a built-in scenario name, a scenario TOML file or a plan
    JSON written by 'siteplan plan -o plan.json'. Shows the chosen sites, the jobs
    per region in 2030, the equity measures and Kendall's tau between every pair
    of rankings (over the sites ranked in both). Scenario items are planned with
    --sites K and their own [plan] defaults.

    \b
    $ siteplan compare balanced-2030 market-led --sites 5
    $ siteplan compare plan-a.json plan-b.json -o compare.xlsx
    $ siteplan compare balanced-2030 market-led my.toml --sites 5 -o compare.md
    $ siteplan compare balanced-2030 market-led --sites 5 --lang fr -o comparaison.xlsx
    $ siteplan compare balanced-2030 market-led --sites 5 --map compare.html
    """
    from siteplan.analyses.plan.steps import compare as compare_api
    from siteplan.errors import UsageError
    from siteplan.outputs.language import resolve_language
    from siteplan.outputs.reports import (
        COMPARE_TABLES,
        compare_markdown,
        write_compare_report,
    )

    language = resolve_language(lang)
    if len(items) < 2:
        raise UsageError("compare: give at least two scenarios or plan JSON files")
    if map_path is not None and len(items) != 2:
        raise UsageError(f"compare --map: a compare map shows two items; {len(items)} were "
                         "given (map them two at a time)")
    _check_report_output(output, fmt, overwrite, "a comparison")
    kind = _out_format(output, fmt)
    check_output(map_path, overwrite, HTML_SUFFIXES, "--map", "a map")
    _check_all(_targets(output, kind, [map_path], COMPARE_TABLES),
               overwrite)
    p = make_pack(pack, layer_overrides) if (pack or layer_overrides) else None
    rep = compare_api(list(items), k=k, pack=p, candidates=candidates)
    d = rep.to_dict()
    tables = rep.tables()
    if output is None and kind in ("json", "csv", "md"):
        import json

        if kind == "json":
            click.echo(json.dumps(d, indent=2, ensure_ascii=False))
        elif kind == "csv":
            _echo_csv(tables)
        else:
            click.echo(compare_markdown(rep, language))
    else:
        print_compare(d, tables, language)
    if output:
        for path in write_compare_report(rep, output, kind, overwrite=overwrite,
                                         lang=language):
            echo_written(path)
    if map_path is not None:
        from siteplan.outputs.compare_map import save_compare_map

        echo_written(save_compare_map(rep, map_path, overwrite=overwrite, pack=p,
                                      lang=language))
