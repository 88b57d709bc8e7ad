"""``siteplan weights ahp|roc|rank-sum|objective``: derive criterion weights."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from siteplan.cli._render import echo_written, print_table
from siteplan.cli.options import candidates_option, lang_option, pack_options, scenario_option
from siteplan.errors import SiteplanError, UsageError

_PAIRWISE_SUFFIXES = (".csv", ".toml")


# --------------------------------------------------------------------------- shared helpers


def _format_option(f: Any) -> Any:
    return click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]),
                        default="table", show_default=True,
                        help="Print tables or JSON on stdout.")(f)


def _output_options(f: Any) -> Any:
    f = click.option("--overwrite", is_flag=True, help="Replace an existing output file.")(f)
    f = click.option("-o", "--output", type=click.Path(), default=None,
                     help="Also write the result: .json (everything), .csv, .md or .xlsx "
                          "(the weights table).")(f)
    return f


def _into_option(f: Any) -> Any:
    return click.option("--into", "into", type=click.Path(), default=None,
                        metavar="SCENARIO.toml",
                        help="Write the weights into this scenario file (criterion names "
                             "must match its [[criteria]]).")(f)


def _emit(result: Mapping[str, Any], table: Any, fmt: str, output: str | None,
          overwrite: bool, lang: str = "en", scenario: Any = None) -> None:
    """JSON on stdout with --format json, and the -o file (Markdown and XLSX headings in
    ``lang``, criterion labels from ``scenario`` when given; JSON and CSV keep codes)."""
    from siteplan.outputs.files import write_json, write_table
    from siteplan.outputs.formats import WEIGHTS, format_for
    from siteplan.outputs.language import localise_table

    if fmt == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    if output:
        kind = format_for(output, None, WEIGHTS)
        if kind == "json":
            echo_written(write_json(result, output, overwrite))
        else:
            if kind in ("md", "xlsx"):
                table = localise_table(table, lang, scenario)
            echo_written(write_table(table, output, kind, overwrite))


def check_into(into: str | None, names: Sequence[str]) -> None:
    """Fail before any output when --into names a missing scenario or other criteria."""
    if into:
        from siteplan.outputs.scenario_file import check_weights_target

        check_weights_target(into, names)


def _write_into(into: str, weights: Mapping[str, float]) -> None:
    """Write ``weights`` into a scenario file (the API's rule for partial weights) and
    report the normalised result."""
    from siteplan.outputs.scenario_file import write_weights_into

    up = write_weights_into(into, weights)
    if up.unscaled:
        click.echo(f"warning: {', '.join(weights)} had weight 0 in {up.path}; their new "
                   "weights (sum 1) are set beside the other criteria's weights as they are",
                   err=True)
    echo_written(up.path, "updated")
    if up.kept and not up.unscaled:
        click.echo(f"siteplan: scaled to the previous total of these criteria ({up.scale:g}) "
                   f"so that {', '.join(up.kept)} keep their share", err=True)
    click.echo("siteplan: normalised weights now: "
               + ", ".join(f"{k} {v:.3f}" for k, v in up.normalised.items()), err=True)


# --------------------------------------------------------------------------- group


@click.group()
def weights() -> None:
    """Derive criterion weights: AHP (one or several participants), rank-order weights
    (ROC, rank-sum) or objective weights (entropy, CRITIC) from the decision matrix.

    Every sub-command prints the weights and can write them into a scenario file with
    --into (only the weight lines change; comments and layout are kept).

    \b
    $ siteplan weights ahp judgements.csv
    $ siteplan weights ahp panel/ --into my-scenario.toml
    $ siteplan weights roc talent connectivity need
    $ siteplan weights objective --method critic
    """


# --------------------------------------------------------------------------- AHP


def _pairwise_files(paths: Sequence[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.iterdir()
                           if f.is_file() and f.suffix.lower() in _PAIRWISE_SUFFIXES)
            if not found:
                raise UsageError(f"{p}: folder has no .csv or .toml pairwise matrix; put one "
                                 "file per participant in it")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise UsageError(f"{p}: no such file or folder; give pairwise matrix files "
                             "(.csv or .toml) or a folder of them")
    return files


def _read_matrices(files: Sequence[Path], complete_from_upper: bool) -> list[Any]:
    from siteplan.analyses.weights import read_pairwise

    out = []
    for f in files:
        try:
            out.append(read_pairwise(f, complete_from_upper=complete_from_upper))
        except SiteplanError as exc:
            msg = str(exc).replace("pass complete_from_upper=True",
                                   "pass --complete-from-upper")
            raise type(exc)(msg) from None
    return out


def _ahp_dict(res: Any, ri_table: str) -> dict[str, Any]:
    d = res.to_dict()
    return {
        "criteria": d["criteria"],
        "weights": d["weights_eigen"],
        "weights_geometric": d["weights_geometric"],
        "lambda_max": d["lambda_max"], "ci": d["ci"], "ri": d["ri"], "ri_table": ri_table,
        "cr": d["cr"], "verdict": d["verdict"],
        "worst_judgements": d["worst_judgements"],
    }


def _words(lang: str) -> Any:
    """The word lookup and the number formats of the printed weights in ``lang``."""
    from siteplan.outputs.language import analysis_word, fmt_num

    def w(word: str, **values: object) -> str:
        return analysis_word(word, lang, **values)

    def num(x: float, digits: int = 4) -> str:
        return fmt_num(x, lang, digits)

    return w, num


def _print_ahp(res: Any, title: str, ri_table: str, lang: str = "en") -> None:
    from siteplan.outputs.language import fmt_pct, heading, value_word
    from siteplan.phrases import number_in

    w, num = _words(lang)
    rows = [(n, num(we), num(wg))
            for n, we, wg in zip(res.names, res.weights_eigen, res.weights_geometric,
                                 strict=True)]
    print_table(title, [heading("criterion", lang), w("weight (eigenvector)"),
                        w("weight (geometric mean)")], rows, ["left", "right", "right"])
    ri_name = "Saaty 1980" if ri_table == "saaty" else "Alonso & Lamata 2006"
    click.echo(w("consistency", lmax=num(res.lambda_max), ci=num(res.ci), n=len(res.names),
                 ri=num(res.ri), table=ri_name, cr=num(res.cr),
                 verdict=value_word(res.verdict, lang),
                 rule=w("CR <= 0.10" if res.verdict == "consistent" else "CR > 0.10")))
    if res.worst_judgements:
        print_table(w("worst title"),
                    [w("judgement"), w("given"), w("consistent value"), w("suggested"),
                     w("share of inconsistency")],
                    [(w("vs", a=j.row, b=j.column), _ratio(j.value, lang),
                      number_in(f"{j.consistent_value:.3g}", lang), _ratio(j.suggested, lang),
                      fmt_pct(j.share, lang)) for j in res.worst_judgements],
                    ["left", "right", "right", "right", "right"])


def _ratio(x: float, lang: str = "en") -> str:
    from siteplan.phrases import number_in

    return number_in(f"{x:g}" if x >= 1 else f"1/{1 / x:.3g}", lang)


@weights.command("ahp")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@_format_option
@_into_option
@click.option("--complete-from-upper", is_flag=True,
              help="Read only the upper triangle and fill the lower one with reciprocals.")
@click.option("--ri-table", type=click.Choice(["saaty", "alonso-lamata"]), default="saaty",
              show_default=True, help="Random index table for the consistency ratio.")
@_output_options
@lang_option
def ahp_cmd(files: tuple[str, ...], fmt: str, into: str | None, complete_from_upper: bool,
            ri_table: str, output: str | None, overwrite: bool, lang: str | None) -> None:
    """Weights from pairwise comparison matrices (AHP, Saaty 1980).

    FILE is a CSV matrix (header row of names, one row per criterion, cells such as 3 or
    1/3) or a TOML file (a [matrix] table or judgements = ["talent > need = 3", ...]).
    Several files, or a folder of them, are one matrix per participant: group AHP by the
    geometric mean of the judgements, with each participant's CR and the agreement
    (standard deviation and range of the weights, Goepel's consensus S*).

    Prints the eigenvector and geometric-mean weights, lambda_max, CI, RI, CR and the
    verdict (consistent when CR <= 0.10); when inconsistent, the judgements that contribute
    most and the values that would make the matrix consistent.

    \b
    $ siteplan weights ahp judgements.csv
    $ siteplan weights ahp upper.csv --complete-from-upper --ri-table alonso-lamata
    $ siteplan weights ahp alice.toml bob.toml --format json
    $ siteplan weights ahp panel/ --into my-scenario.toml -o weights.json
    $ siteplan weights ahp judgements.csv --lang fr -o poids.xlsx
    """
    import pandas as pd

    from siteplan.analyses.weights import ahp, group_ahp
    from siteplan.outputs.language import analysis_word, resolve_language

    language = resolve_language(lang)

    if output:
        from siteplan._atomic import check_writable

        check_writable(output, overwrite)
    paths = _pairwise_files(files)
    mats = _read_matrices(paths, complete_from_upper)
    check_into(into, list(mats[0].names))
    if len(mats) == 1:
        res = ahp(mats[0], ri_table=ri_table)
        result: dict[str, Any] = {"method": "ahp", "source": str(paths[0]),
                                  **_ahp_dict(res, ri_table)}
        table = pd.DataFrame({"criterion": list(res.names), "weight": res.weights_eigen,
                              "weight_geometric": res.weights_geometric})
        if fmt == "table":
            _print_ahp(res, analysis_word("AHP weights", language, source=paths[0]), ri_table,
                       language)
        final = res.weights
    else:
        names = [p.stem for p in paths]
        if len(set(names)) < len(names):
            names = [str(p) for p in paths]
        g = group_ahp(mats, participants=names, ri_table=ri_table)
        gd = g.to_dict()
        result = {"method": "group-ahp", "aggregation": "geometric mean of the judgements (AIJ)",
                  **_ahp_dict(g.group, ri_table),
                  "participants": {
                      p: {"source": str(path), **_ahp_dict(r, ri_table)}
                      for p, path, r in zip(g.participant_names, paths, g.participants,
                                            strict=True)},
                  "weight_std": gd["weight_std"], "weight_range": gd["weight_range"],
                  "consensus": gd["consensus"], "consensus_label": gd["consensus_label"]}
        table = pd.DataFrame({"criterion": list(g.names), "weight": g.group.weights_eigen,
                              "weight_geometric": g.group.weights_geometric,
                              "std": g.weight_std, "range": g.weight_range})
        for p, r in zip(g.participant_names, g.participants, strict=True):
            table[f"weight_{p}"] = r.weights_eigen
        if fmt == "table":
            _print_group(g, ri_table, language)
        final = g.group.weights
    _emit(result, table, fmt, output, overwrite, language)
    if into:
        _write_into(into, final)


def _print_group(g: Any, ri_table: str, lang: str = "en") -> None:
    from siteplan.outputs.language import heading, value_word

    w, num = _words(lang)
    print_table(w("participants title", n=len(g.participants)),
                [w("participant"), "lambda_max", w("CR"), w("verdict"),
                 *[str(n) for n in g.names]],
                [(p, num(r.lambda_max), num(r.cr), value_word(r.verdict, lang),
                  *[num(x, 3) for x in r.weights_eigen])
                 for p, r in zip(g.participant_names, g.participants, strict=True)])
    _print_ahp(g.group, w("group title"), ri_table, lang)
    print_table(w("agreement title"),
                [heading("criterion", lang), w("group weight"), heading("std", lang),
                 heading("range", lang), w("min"), w("max")],
                [(n, num(gw), num(sd), num(rg),
                  num(min(r.weights_eigen[j] for r in g.participants)),
                  num(max(r.weights_eigen[j] for r in g.participants)))
                 for j, (n, gw, sd, rg) in enumerate(zip(g.names, g.group.weights_eigen,
                                                         g.weight_std, g.weight_range,
                                                         strict=True))],
                ["left", "right", "right", "right", "right", "right"])
    click.echo(w("consensus", s=num(g.consensus, 3), label=value_word(g.consensus_label, lang)))


# --------------------------------------------------------------------------- rank-order


def _rank_order(names: tuple[str, ...], kind: str, fmt: str, into: str | None,
                output: str | None, overwrite: bool, lang: str | None = None) -> None:
    import pandas as pd

    from siteplan.analyses.weights import rank_order_centroid, rank_sum
    from siteplan.outputs.language import heading, resolve_language

    language = resolve_language(lang)
    w, num = _words(language)

    if output:
        from siteplan._atomic import check_writable

        check_writable(output, overwrite)
    found = rank_order_centroid(names) if kind == "roc" else rank_sum(names)
    check_into(into, list(found))
    table = pd.DataFrame({"criterion": list(found), "rank": range(1, len(found) + 1),
                          "weight": list(found.values())})
    if fmt == "table":
        print_table(w("order title", label=w(kind)),
                    [heading(c, language) for c in ("rank", "criterion", "weight")],
                    [(k + 1, n, num(v)) for k, (n, v) in enumerate(found.items())],
                    ["right", "left", "right"])
    _emit({"method": kind, "order": list(found), "weights": found}, table, fmt, output,
          overwrite, language)
    if into:
        _write_into(into, found)


@weights.command("roc")
@click.argument("names", nargs=-1, required=True)
@_format_option
@_into_option
@_output_options
@lang_option
def roc_cmd(names: tuple[str, ...], fmt: str, into: str | None, output: str | None,
            overwrite: bool, lang: str | None) -> None:
    """Rank-order centroid weights from an ordering, most important first.

    w_k = (1/n) sum_{i=k..n} 1/i (Barron & Barrett 1996); for 4 criteria
    0.521, 0.271, 0.146, 0.063.

    \b
    $ siteplan weights roc talent unemployment airport_km income
    $ siteplan weights roc talent unemployment airport_km --into my-scenario.toml
    """
    _rank_order(names, "roc", fmt, into, output, overwrite, lang)


@weights.command("rank-sum")
@click.argument("names", nargs=-1, required=True)
@_format_option
@_into_option
@_output_options
@lang_option
def rank_sum_cmd(names: tuple[str, ...], fmt: str, into: str | None, output: str | None,
                 overwrite: bool, lang: str | None) -> None:
    """Rank-sum weights from an ordering, most important first: w_k = 2(n+1-k)/(n(n+1)).

    \b
    $ siteplan weights rank-sum talent unemployment airport_km income
    """
    _rank_order(names, "rank-sum", fmt, into, output, overwrite, lang)


# --------------------------------------------------------------------------- objective


@weights.command("objective")
@scenario_option
@click.option("-m", "--method", "objective", type=click.Choice(["entropy", "critic"]),
              default="entropy", show_default=True,
              help="Shannon entropy (dispersion) or CRITIC (contrast and conflict).")
@candidates_option
@pack_options
@_format_option
@_into_option
@_output_options
@lang_option
def objective_cmd(scenario: str, objective: str, candidates: str | None, pack: str | None,
                  layer_overrides: tuple[str, ...], fmt: str, into: str | None,
                  output: str | None, overwrite: bool, lang: str | None) -> None:
    """Objective weights from the scenario's decision matrix (ranked sites only).

    Both methods work on the normalised benefit-oriented values (0..1) of the scenario's
    weighted criteria over the sites that pass the constraints: entropy gives more weight
    to criteria whose values differ more between sites; CRITIC (Diakoulaki et al. 1995)
    to criteria with high contrast and low correlation with the others. The scenario's
    current weights are shown beside them.

    \b
    $ siteplan weights objective
    $ siteplan weights objective --scenario market-led --method critic -o critic.json
    $ siteplan weights objective --method critic --into my-scenario.toml
    $ siteplan weights objective --lang fr
    """
    import numpy as np
    import pandas as pd

    from siteplan.analyses.weights import critic_weights, entropy_weights
    from siteplan.cli.rank import run_rank
    from siteplan.outputs.language import heading, labeller, resolve_language

    if output:
        from siteplan._atomic import check_writable

        check_writable(output, overwrite)
    r = run_rank(scenario, None, {}, candidates, pack, layer_overrides)
    values, _m, _d = r.decision_matrix()
    names = [str(n) for n in r.weights.index]
    check_into(into, names)
    if objective == "entropy":
        w = entropy_weights(values)
    else:
        w = critic_weights(values, np.ones(values.shape[1]))
    new = {n: float(x) for n, x in zip(names, w, strict=True)}
    cur = {n: float(x) for n, x in r.weights.items()}
    language = resolve_language(lang, r.scenario)
    w, num = _words(language)
    crit = labeller(r.scenario, language) if language != "en" else str
    table = pd.DataFrame({"criterion": names, "weight": list(new.values()),
                          "scenario_weight": [cur[n] for n in names]})
    if fmt == "table":
        print_table(w("objective title", label=w(objective), n=values.shape[0],
                      scenario=r.scenario.name),
                    [heading("criterion", language), w("objective weight"),
                     w("scenario weight")],
                    [(crit(n), num(new[n]), num(cur[n])) for n in names],
                    ["left", "right", "right"])
    result = {"method": objective, "scenario": r.scenario.name, "sites": int(values.shape[0]),
              "weights": new, "scenario_weights": cur}
    _emit(result, table, fmt, output, overwrite, language, r.scenario)
    if into:
        _write_into(into, new)
