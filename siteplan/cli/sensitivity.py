"""``siteplan sensitivity``: how robust is the ranking to the weights?"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from siteplan.cli._render import echo_written, print_table
from siteplan.cli.options import (
    HTML_SUFFIXES,
    candidates_option,
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
from siteplan.errors import UsageError
from siteplan.outputs.files import csv_text
from siteplan.outputs.formats import SENSITIVITY, TABLE
from siteplan.phrases import number_in, render

FORMATS = (TABLE, *SENSITIVITY.formats)


def parse_bounds(ctx: click.Context | None, param: click.Parameter | None,
                 value: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Parse repeatable ``--bound KEY=LO:HI`` (weight shares 0..1) into a mapping."""
    out: dict[str, tuple[float, float]] = {}
    for item in value or ():
        key, sep, raw = item.partition("=")
        lo_s, sep2, hi_s = raw.partition(":")
        if not sep or not sep2 or not key.strip():
            raise click.BadParameter(f"'{item}': expected KEY=LO:HI, e.g. talent=0.1:0.3",
                                     ctx=ctx, param=param)
        try:
            lo, hi = float(lo_s), float(hi_s)
        except ValueError:
            raise click.BadParameter(f"'{item}': LO and HI must be numbers, e.g. "
                                     "talent=0.1:0.3", ctx=ctx, param=param) from None
        if not (0.0 <= lo <= hi <= 1.0):
            raise click.BadParameter(f"'{item}': give weight shares with 0 <= LO <= HI <= 1 "
                                     "(0.25 = 25 % of the total weight)", ctx=ctx, param=param)
        out[key.strip()] = (lo, hi)
    return out



def _words(lang: str) -> Any:
    """The lookups of the printed report in ``lang``: words, percentages, decimals."""
    from siteplan.outputs.language import analysis_word, fmt_num, fmt_pct

    def w(word: str, **values: object) -> str:
        return analysis_word(word, lang, **values)

    def pct(x: float) -> str:
        return fmt_pct(x, lang, 1)

    def num(x: float, digits: int = 3) -> str:
        return fmt_num(x, lang, digits)

    return w, pct, num


def _settings(rep: Any, lang: str) -> tuple[str, str, str]:
    """The sampling word, the concentration (Dirichlet) and the sample count in ``lang``."""
    from siteplan.outputs.language import analysis_word, fmt_int

    extra = (analysis_word("concentration", lang, c=number_in(f"{rep.concentration:g}", lang))
             if rep.sampling == "dirichlet" else "")
    return render(f"sampling_{rep.sampling}", lang), extra, fmt_int(rep.samples, lang)


def _title(rep: Any, lang: str, scenario: Any) -> str:
    """The scenario's title in ``lang`` (its ``title_fr`` when given), else its name."""
    return ((scenario.title_in(lang) if scenario is not None else rep.scenario_title)
            or rep.scenario)


def print_report(rep: Any, lang: str = "en", scenario: Any = None) -> None:
    """The per-site table, the OAT intervals and the fragile reasons, on stdout, in
    ``lang`` (criterion labels and reasons from ``scenario`` when given)."""
    from siteplan.outputs.language import heading, labeller, reason_in, value_word

    w, pct, num = _words(lang)
    label = labeller(scenario, lang) if scenario is not None and lang != "en" else str
    k = rep.top_k
    sampling, extra, samples = _settings(rep, lang)
    noise = (w("values noise", p=number_in(f"{rep.value_noise:.0%}", lang))
             if rep.value_noise else "")
    title = w("smaa title", title=_title(rep, lang, scenario), method=rep.method,
              samples=samples, sampling=sampling, extra=extra, noise=noise, seed=rep.seed)
    first = rep.first_rank_acceptability
    rows = [(int(rep.reference_rank[i]), rep.site_names[i], pct(rep.rank_stability[i]),
             pct(rep.top_k_membership[i]), pct(first[i]),
             num(rep.smaa.expected_rank[i], 1), value_word(rep.verdicts[i] or "", lang))
            for i in range(len(rep.site_ids))]
    print_table(title, [heading("rank", lang), heading("site", lang), w("rank stability (+-1)"),
                        w("top-k membership", k=k), w("first-rank acceptability"),
                        w("expected rank"), w("verdict")], rows,
                ["right", "left", "right", "right", "right", "right", "left"])
    oat = rep.oat_table()
    names = dict(zip(rep.site_ids, rep.site_names, strict=True))
    orows = []
    for r in oat.itertuples(index=False):
        d = r._asdict()
        change = d["min_change_to_flip_winner"]
        flip = (w("never") if change is None or change != change
                else f"{num(change)} -> {names.get(d['new_winner'], d['new_winner'])}")
        lo_k, hi_k = d[f"top_{k}_set_lo"], d[f"top_{k}_set_hi"]
        kset = ("-" if lo_k is None or lo_k != lo_k else f"{num(lo_k)} .. {num(hi_k)}")
        orows.append((label(d["criterion"]), num(d["weight"]),
                      f"{num(d['winner_lo'])} .. {num(d['winner_hi'])}", flip, kset,
                      f"{num(d['winner_score_low'])} .. {num(d['winner_score_high'])}"))
    winner = rep.site_names[0]
    print_table(w("oat title", winner=winner),
                [heading("criterion", lang), heading("weight", lang),
                 w("stays first", winner=winner), w("smallest change"),
                 w("top-k unchanged", k=k), w("score over w", winner=winner)], orows,
                ["left", "right", "right", "left", "right", "right"])
    click.echo(w("verdict rule", rule=rep.verdict_rule(lang)))
    for i in range(len(rep.site_ids)):
        if rep.verdicts[i] == "fragile":
            click.echo(f"  {rep.site_names[i]}{' :' if lang == 'fr' else ':'} "
                       + (" ; " if lang == "fr" else "; ").join(
                reason_in(x, scenario, lang, label) if scenario is not None else x
                for x in rep.why[i]))


def _plan_label(rep: Any, i: int) -> str:
    region = rep.site_regions[i]
    return f"{rep.site_names[i]} ({region})" if region else rep.site_names[i]


def print_plan_robustness(rep: Any, lang: str = "en", scenario: Any = None) -> None:
    """The two plans side by side, the sites by selection frequency, the most frequent
    K-sets and the regions' expected new sites, on stdout, in ``lang``."""
    from siteplan.outputs.language import fmt_int, heading, plan_word, reason_in

    w, pct, num = _words(lang)
    sampling, extra, samples = _settings(rep, lang)
    freq = rep.frequency

    def by_freq(plan: Sequence[int]) -> list[int]:
        return sorted(plan, key=lambda i: (-int(rep.counts[i]), int(rep.site_rank[i])))

    single, robust = by_freq(rep.single_weight_plan), by_freq(rep.robust_plan)
    colon = " :" if lang == "fr" else ":"
    rows: list[tuple[Any, ...]] = [
        (j + 1, f"{_plan_label(rep, a)}{colon} {pct(freq[a])}", f"{_plan_label(rep, b)}{colon} "
         f"{pct(freq[b])}") for j, (a, b) in enumerate(zip(single, robust, strict=True))]
    rows += [(w("set"), w("chosen in", share=pct(rep.set_share(single))),
              w("chosen in", share=pct(rep.set_share(robust)))),
             (w("expected score"), num(rep.expected_score(single), 4),
              num(rep.expected_score(robust), 4)),
             (w("scenario weights"), num(rep.score(single), 4), num(rep.score(robust), 4))]
    print_table(w("plan rob title", title=_title(rep, lang, scenario), method=rep.method,
                  k=rep.k, samples=samples, sampling=sampling, extra=extra, seed=rep.seed),
                ["", w("single-weight plan (scenario weights)"), w("robust plan")], rows,
                ["left", "left", "left"])
    click.echo(reason_in(rep.robust_rule, scenario, lang) if scenario is not None
               else rep.robust_rule)
    out_ = [rep.site_names[i] for i in single if i not in robust]
    in_ = [rep.site_names[i] for i in robust if i not in single]
    click.echo(w("same plan") if not in_ else
               w("plan vs plan", plus="+" + ", +".join(in_), minus="-" + ", -".join(out_)))
    s_set, r_set = set(single), set(robust)
    yes = plan_word("yes", lang)
    why_not = [reason_in(x, scenario, lang) if scenario is not None and x else x
               for x in rep.why_not]
    rows = [(int(rep.site_rank[i]), rep.site_names[i], rep.site_regions[i], pct(freq[i]),
             yes if i in s_set else "", yes if i in r_set else "", why_not[i])
            for i in rep.order()]
    print_table(w("frequency title", samples=samples, k=rep.k),
                [heading("rank", lang), heading("site", lang), heading("region", lang),
                 w("frequency"), w("single-weight plan"), w("robust plan"),
                 w("cannot be chosen")], rows,
                ["right", "left", "left", "right", "left", "left", "left"])
    rows = []
    for j, (plan, count) in enumerate(rep.top_sets):
        which = [w(word) for word, p in (("single-weight", single), ("robust", robust))
                 if tuple(sorted(p)) == plan]
        rows.append((j + 1, ", ".join(rep.site_names[i] for i in by_freq(plan)),
                     pct(count / rep.samples), w("and").join(which)))
    print_table(w("sets title", k=rep.k, n=len(rep.sets)),
                ["#", w("sites"), w("share of samples"), w("plan")], rows,
                ["right", "left", "right", "left"])
    reg = rep.regions_table()
    shown = reg[(reg["candidates"] > 0) | (reg["single_weight_plan"] > 0)]
    rows = [(r.region + (" *" if r.lagging else ""), r.candidates,
             num(r.expected_new_sites, 2), pct(r.share_with_a_site), r.single_weight_plan,
             r.robust_plan) for r in shown.itertuples(index=False)]
    print_table(w("expected sites title"),
                [heading("region", lang), w("candidates"), w("expected new sites"),
                 w("samples with a site"), w("single-weight plan"), w("robust plan")], rows,
                ["left", "right", "right", "right", "right", "right"])
    if len(shown) < len(reg):
        click.echo(w("other regions", n=len(reg) - len(shown)))
    statuses = ", ".join(f"{k} {fmt_int(v, lang)}" for k, v in rep.statuses.items())
    click.echo(w("solver line", solver=rep.solver, samples=samples,
                 ms=num(rep.per_sample_solve_s * 1e3, 2), solve=num(rep.solve_time_s, 2),
                 total=num(rep.runtime_s, 2), statuses=statuses))
    for note in rep.notes:
        click.echo(w("note", text=reason_in(note, scenario, lang) if scenario is not None
                     else note))


def plan_robustness_command(
        k: int, *, scenario: str, method: str | None, weights: dict[str, float],
        samples: int | None, seed: int, sampling: str | None, concentration: float,
        bounds: dict[str, tuple[float, float]], value_noise: float, fmt: str | None,
        output: str | None, overwrite: bool, png_path: str | None, heatmap_path: str | None,
        map_path: str | None, candidates: str | None, pack: str | None,
        layer_overrides: tuple[str, ...], scheduler: str = "sync", lang: str | None = None
        ) -> None:
    """``siteplan sensitivity --plan K``: plan robustness, printed and written (what people
    read in ``lang``)."""
    from click.core import ParameterSource

    from siteplan._atomic import check_writable
    from siteplan.analyses.plan.robustness import plan_robustness
    from siteplan.analyses.scheduling import check_scheduler
    from siteplan.outputs.formats import CHART, format_for
    from siteplan.outputs.language import resolve_language
    from siteplan.outputs.reports import (
        PLAN_ROBUSTNESS_TABLES,
        plan_robustness_markdown,
        report_paths,
        write_plan_robustness_report,
    )
    from siteplan.scenario import load_scenario
    from siteplan.scoring.ranking import rank as rank_api

    ctx = click.get_current_context()
    for name, flag in (("top_k", "--top-k"), ("tornado_metric", "--tornado-metric")):
        if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE:
            raise UsageError(f"{flag} is not used with --plan (the plan has K = --plan sites); "
                             f"drop {flag}")
    for value, flag in ((value_noise, "--value-noise"), (heatmap_path, "--heatmap"),
                        (map_path, "--map")):
        if value:
            raise UsageError(f"{flag} is not used with --plan (plan robustness samples the "
                             f"weights; --png draws its chart); drop {flag}")
    check_scheduler(scheduler)
    # every output is checked before the work, so that a failing command writes nothing
    if fmt in (None, "table"):
        check_output(output, overwrite, SENSITIVITY.suffixes, "-o", "a report")
    check_output(output, overwrite, (), "-o", "a report")
    kind = None
    paths = []
    if output:
        kind = format_for(output, None if fmt in (None, "table") else fmt, SENSITIVITY)
        paths = report_paths(output, kind, PLAN_ROBUSTNESS_TABLES)
        for path in paths:
            check_writable(path, overwrite)
    check_output(png_path, overwrite, CHART.suffixes, "--png", "a chart")
    check_distinct((*paths, png_path))
    chosen = sampling or ("bounds" if bounds else "uniform")
    if bounds and chosen != "bounds":
        raise UsageError(f"--bound is used with --sampling bounds, not {chosen}; drop "
                         "--sampling or the --bound options")
    scen = load_scenario(scenario)
    language = resolve_language(lang, scen)
    p = make_pack(pack, layer_overrides, scen.layers)
    r = rank_api(scen, pack=p, candidates=candidates, weights=weights or None, method=method)
    rep = plan_robustness(r, p, k, samples=1000 if samples is None else samples, seed=seed,
                          sampling=chosen, concentration=concentration, bounds=bounds or None,
                          scheduler=scheduler)

    if fmt in (None, "table") or output:
        print_plan_robustness(rep, language, scen)
    elif fmt == "json":
        click.echo(json.dumps(rep.to_dict(), indent=2, ensure_ascii=False))
    elif fmt == "csv":
        for name, df in rep.tables().items():
            click.echo(f"# {name}")
            click.echo(csv_text(df), nl=False)
    elif fmt == "md":
        click.echo(plan_robustness_markdown(rep, language, scen), nl=False)
    if output:
        for written in write_plan_robustness_report(rep, output, kind, overwrite=overwrite,
                                                    lang=language, scenario=scen):
            echo_written(written)
    if png_path:
        from siteplan.outputs.plan_robustness_chart import selection_frequency_png

        chart = rep if language == "en" else {**rep.to_dict(),
                                               "scenario_title": scen.title_in(language)}
        echo_written(selection_frequency_png(chart, png_path, overwrite=overwrite,
                                             lang=language))


@click.command()
@scenario_option
@method_option
@weight_option
@click.option("--samples", type=click.IntRange(min=1), default=None,
              help="Number of weight samples (default 10,000; 1,000 with --plan).")
@click.option("--seed", type=int, default=42, show_default=True,
              help="Random seed (same seed, same result).")
@click.option("--sampling", type=click.Choice(["uniform", "dirichlet", "bounds"]),
              default=None,
              help="Weight sampling: uniform on the simplex (default), dirichlet around the "
                   "scenario weights, or uniform within --bound limits (default when --bound "
                   "is given).")
@click.option("--concentration", type=click.FloatRange(min=0, min_open=True), default=50.0,
              show_default=True,
              help="Dirichlet concentration (larger: closer to the scenario weights).")
@click.option("--bound", "bounds", multiple=True, metavar="KEY=LO:HI", callback=parse_bounds,
              help="Weight share limits of a criterion for --sampling bounds, e.g. "
                   "talent=0.1:0.3 (repeatable; others range over 0..1).")
@click.option("--value-noise", type=click.FloatRange(min=0, max=1, max_open=True), default=0.0,
              show_default=True,
              help="Multiply each criterion value by U(1-P, 1+P) in every sample "
                   "(0.1 = +-10 %).")
@click.option("-k", "--top-k", type=click.IntRange(min=1), default=5, show_default=True,
              help="K of the top-K membership and of the robust/fragile verdicts.")
@click.option("-f", "--format", "fmt", type=click.Choice(list(FORMATS)), default=None,
              help="Output format: table (print), json, csv, xlsx or md (default: from the "
                   "-o extension; without -o, json/csv/md are printed).")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write the report (.json holds everything; .csv/.xlsx/.md the tables).")
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
@click.option("--png", "png_path", type=click.Path(), default=None,
              help="Write a tornado chart of the winner (.png or .svg).")
@click.option("--tornado-metric", type=click.Choice(["score", "rank"]), default="score",
              show_default=True, help="What the tornado bars show.")
@click.option("--heatmap", "heatmap_path", type=click.Path(), default=None,
              help="Write the rank acceptability heatmap (.png or .svg).")
@click.option("--map", "map_path", type=click.Path(), default=None,
              help="Write an HTML map with the rank stability overlay.")
@click.option("--plan", "plan_k", type=click.IntRange(min=1), default=None, metavar="K",
              help="Plan robustness instead: solve the plan of K new sites (the scenario's "
                   "[plan] constraints) for every weight sample; report how often each site is "
                   "chosen, the most frequent K-sets, each region's expected new sites and a "
                   "robust plan (--png: a bar chart of the selection frequencies).")
@scheduler_option
@candidates_option
@pack_options
@lang_option
def sensitivity(scenario: str, method: str | None, weights: dict[str, float],
                samples: int | None, seed: int, sampling: str | None, concentration: float,
                bounds: dict[str, tuple[float, float]], value_noise: float, top_k: int,
                fmt: str | None, output: str | None, overwrite: bool, png_path: str | None,
                tornado_metric: str, heatmap_path: str | None, map_path: str | None,
                plan_k: int | None, scheduler: str, candidates: str | None, pack: str | None,
                layer_overrides: tuple[str, ...], lang: str | None) -> None:
    """How robust is the ranking to the weights? One-at-a-time sweeps and SMAA.

    One at a time: each criterion's weight sweeps 0..1 (the others rescaled in
    proportion) and the table gives the interval over which the winner stays first, the
    smallest change that puts another site first, and the interval keeping the top K.

    SMAA: the ranking is recomputed for many weight vectors (uniform on the simplex by
    default, --sampling dirichlet around the scenario weights, or within --bound limits),
    optionally with noise on the values. Per site: rank stability (share of samples within
    one place of its published rank), top-K membership, first-rank acceptability and a
    verdict for the top K: robust when in the top K in >= 80 % of the samples and still in
    the top K when any one weight moves by +-0.10; fragile otherwise.

    \b
    $ siteplan sensitivity
    $ siteplan sensitivity --scenario market-led --samples 20000 -o sens.json
    $ siteplan sensitivity --sampling dirichlet --concentration 100 --top-k 3
    $ siteplan sensitivity --bound talent=0.1:0.3 --bound unemployment=0.1:0.2
    $ siteplan sensitivity --value-noise 0.1 --png tornado.png --heatmap heat.png
    $ siteplan sensitivity -o sens.xlsx --map maps/stability.html
    $ siteplan sensitivity --lang fr -o sensibilite.xlsx

    Plan robustness (--plan K): for every weight sample the plan of K new sites is solved
    under the scenario's [plan] constraints (as 'siteplan plan --sites K'). Per site: the
    share of the samples whose plan holds it; the most frequent K-sets; each region's
    expected number of new sites; the single-weight plan (scenario weights) and a robust
    plan: for WLC the plan under the mean sampled weights, which has the largest expected
    score; for other methods the feasible K-set with the largest sum of frequencies.

    \b
    $ siteplan sensitivity --plan 5
    $ siteplan sensitivity --plan 5 --sampling dirichlet --samples 5000 -o plan-rob.xlsx
    $ siteplan sensitivity --plan 5 --png frequencies.png -o plan-rob.json
    $ siteplan sensitivity --plan 5 --scheduler tcp://192.168.1.10:8786
    """
    from siteplan.analyses.sensitivity.report import analyse
    from siteplan.outputs.formats import CHART
    from siteplan.outputs.language import resolve_language
    from siteplan.outputs.reports import sensitivity_markdown, write_sensitivity_report
    from siteplan.scenario import load_scenario
    from siteplan.scoring.ranking import rank as rank_api

    if fmt == "xlsx" and not output:
        raise UsageError("--format xlsx needs -o PATH (a spreadsheet cannot be printed)")
    if plan_k is not None:
        plan_robustness_command(
            plan_k, scenario=scenario, method=method, weights=weights, samples=samples,
            seed=seed, sampling=sampling, concentration=concentration, bounds=bounds,
            value_noise=value_noise, fmt=fmt, output=output, overwrite=overwrite,
            png_path=png_path, heatmap_path=heatmap_path, map_path=map_path,
            candidates=candidates, pack=pack, layer_overrides=layer_overrides,
            scheduler=scheduler, lang=lang)
        return
    if scheduler != "sync":
        raise UsageError("--scheduler is used with --plan K (plan robustness); SMAA runs in "
                         "this process: drop --scheduler")
    if samples is None:
        samples = 10_000
    # every output is checked before the work, so that a failing command writes nothing
    if fmt in (None, "table"):
        check_output(output, overwrite, SENSITIVITY.suffixes, "-o", "a report")
    check_output(output, overwrite, (), "-o", "a report")
    check_output(png_path, overwrite, CHART.suffixes, "--png", "a tornado chart")
    check_output(heatmap_path, overwrite, CHART.suffixes, "--heatmap", "a heatmap")
    check_output(map_path, overwrite, HTML_SUFFIXES, "--map", "a map")
    check_distinct((output, png_path, heatmap_path, map_path))
    chosen = sampling or ("bounds" if bounds else "uniform")
    if bounds and chosen != "bounds":
        raise UsageError(f"--bound is used with --sampling bounds, not {chosen}; drop "
                         "--sampling or the --bound options")
    scen = load_scenario(scenario)
    language = resolve_language(lang, scen)
    p = make_pack(pack, layer_overrides, scen.layers)
    r = rank_api(scen, pack=p, candidates=candidates, weights=weights or None, method=method)
    rep = analyse(r, samples=samples, seed=seed, sampling=chosen, concentration=concentration,
                  bounds=bounds or None, value_noise=value_noise, top_k=top_k)

    if fmt in (None, "table") or output:
        print_report(rep, language, scen)
    elif fmt == "json":
        click.echo(json.dumps(rep.to_dict(), indent=2, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(csv_text(rep.table()), nl=False)
    elif fmt == "md":
        click.echo(sensitivity_markdown(rep, language, scen), nl=False)
    if output:
        echo_written(write_sensitivity_report(rep, output, None if fmt == "table" else fmt,
                                              overwrite=overwrite, lang=language,
                                              scenario=scen))
    if png_path or heatmap_path:
        from siteplan.outputs.sensitivity_charts import (
            acceptability_heatmap_png,
            report_in,
            tornado_png,
        )

        labelled = report_in(rep, scen, language) if language != "en" else rep
        if png_path:
            echo_written(tornado_png(labelled, png_path,
                                     metric=tornado_metric,  # type: ignore[arg-type]
                                     overwrite=overwrite, lang=language))
        if heatmap_path:
            echo_written(acceptability_heatmap_png(labelled, heatmap_path,
                                                   overwrite=overwrite, lang=language))
    if map_path:
        from siteplan.outputs.html_map import save_map
        from siteplan.outputs.overlay import stability_overlay

        echo_written(save_map(r, map_path, overlays=[stability_overlay(rep, language)],
                              overwrite=overwrite, pack=p, lang=language, show_zones=False,
                              sliders=False))
