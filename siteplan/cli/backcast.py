"""``siteplan backcast``: does the viability lens reproduce where offshoring is today?"""

from __future__ import annotations

from typing import Any

import click

from siteplan.cli._render import print_table
from siteplan.cli.options import candidates_option, lang_option, pack_options, scenario_option
from siteplan.scenario import LENSES


@click.command()
@scenario_option
@candidates_option
@pack_options
@click.option("--index", "index", type=click.Choice([*LENSES, "score"]),
              default="viability", show_default=True, help="The index to check.")
@click.option("--hosts", default=None, metavar="ID,ID,...",
              help="Candidates hosting offshoring today (default: the nearest candidate of "
                   "each park of the pack's parks layer, within --within-km).")
@click.option("--within-km", type=click.FloatRange(min=0, min_open=True), default=15.0,
              show_default=True, help="A park counts for the nearest candidate this close.")
@click.option("--without", "without", multiple=True, metavar="CRITERION",
              help="Drop a criterion from the check (e.g. the ecosystem criterion, which "
                   "counts today's parks and so makes the check circular). Repeatable.")
@lang_option
def backcast(scenario: str, candidates: str | None, pack: str | None,
             layer_overrides: tuple[str, ...], index: str, hosts: str | None,
             within_km: float, without: tuple[str, ...], lang: str | None) -> None:
    """Share of (host, other) candidate pairs the index orders correctly (1 = every
    host above every other site; 0.5 = chance). A check of the model, not a target.

    \b
    $ siteplan backcast
    $ siteplan backcast --without ecosystem
    $ siteplan backcast --lang fr
    """
    from siteplan.analyses.backcast import backcast as backcast_api
    from siteplan.analyses.backcast import park_hosts
    from siteplan.cli.rank import run_rank
    from siteplan.errors import UsageError
    from siteplan.outputs.language import resolve_language
    from siteplan.scenario import load_scenario

    scen = load_scenario(scenario)
    language = resolve_language(lang, scen)
    if without:
        for name in without:
            scen.criterion(name)  # unknown names: one clear line
        scen = scen.with_weights({name: 0.0 for name in without})
    r = run_rank(scen, None, {}, candidates, pack, layer_overrides)
    s = r.sites
    column = "score" if index == "score" else index
    if s[column].isna().all():
        raise UsageError(f"scenario '{scen.name}' reports no {index} index; use a lens "
                         "scenario (balanced-2030, market-led) or --index score")
    if hosts:
        host_ids = [r.resolve(h.strip()) for h in hosts.split(",") if h.strip()]
    else:
        parks = r.pack.layer("parks") if r.pack is not None else None
        if parks is None or len(parks) == 0:
            raise UsageError("the pack has no parks layer; give --hosts ID,ID,...")
        host_ids = park_hosts(s["id"].tolist(), s["lon"], s["lat"], parks["lon"], parks["lat"],
                              within_km)
    values = s[column].where(~s["excluded"].astype(bool) | (column != "score"))
    b = backcast_api(s["id"].tolist(), values, host_ids, index)
    _print_backcast(b, scen, dict(zip(s["id"], s["name"], strict=True)), index, without,
                    language)


def _print_backcast(b: Any, scen: Any, label: dict[str, str], index: str,
                    without: tuple[str, ...], lang: str) -> None:
    """The concordance line, the misordered sites and the unscored hosts, in ``lang``."""
    from siteplan.outputs.language import analysis_word, fmt_int, fmt_num, heading, labeller

    def w(word: str, **values: object) -> str:
        return analysis_word(word, lang, **values)

    crit = labeller(scen, lang) if lang != "en" else str  # English: the codes given
    dropped = w("without", names=", ".join(crit(n) for n in without)) if without else ""
    click.echo(w("backcast line", name=scen.name, dropped=dropped, index=heading(index, lang),
                 c=fmt_num(b.concordance, lang, 3), pairs=fmt_int(b.pairs, lang),
                 hosts=len(b.hosts), others=b.others))
    rows: list[tuple[Any, ...]] = [(label[i], fmt_num(v, lang, 3), w("host below"))
                                   for i, v in b.lagging_hosts]
    rows += [(label[i], fmt_num(v, lang, 3), w("other above"))
             for i, v in b.leading_others[:10]]
    if rows:
        print_table(w("Misordered"), [heading("site", lang), heading(index, lang), w("why")],
                    rows, ["left", "right", "left"])
    if b.unscored_hosts:
        click.echo(w("hosts not scored", names=", ".join(label[i] for i in b.unscored_hosts)))
