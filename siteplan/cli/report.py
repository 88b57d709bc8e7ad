"""``siteplan report``: the dossier of a scenario, as self-contained HTML or PDF."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from siteplan.cli._render import echo_written
from siteplan.cli.options import lang_option, make_pack, pack_options, scenario_option


@click.command()
@scenario_option
@pack_options
@click.option("-k", "--sites", "k", type=click.IntRange(min=1), default=None, metavar="K",
              help="Number of new sites of the plan and of the site cards (default: the "
              "scenario's [plan].k, else 5).")
@lang_option
@click.option("--samples", type=click.IntRange(min=1, max=1_000_000), default=2000,
              show_default=True, help="SMAA weight samples of the robustness section.")
@click.option("--seed", type=click.IntRange(min=0), default=42, show_default=True,
              help="Random seed (same seed, same dossier).")
@click.option("-o", "--output", type=click.Path(), required=True,
              help="dossier.html (self-contained) or dossier.pdf (printed with chromium).")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
def report(scenario: str, pack: str | None, layer_overrides: tuple[str, ...], k: int | None,
           lang: str | None, samples: int, seed: int, output: str, overwrite: bool) -> None:
    """Write the dossier a ministry meeting needs: summary, maps, scorecard, the
    viability-need quadrant, one card per shortlisted site, robustness, plan and equity,
    method, data sources and how to reproduce it. In English or French.

    \b
    $ siteplan report -o dossier.html
    $ siteplan report --lang fr --sites 5 -o dossier.pdf
    """
    from siteplan._atomic import check_writable
    from siteplan.errors import OutputError
    from siteplan.outputs.dossier import DOSSIER_SUFFIXES, find_chromium, write_dossier
    from siteplan.outputs.dossier import report as build
    from siteplan.scenario import load_scenario
    from siteplan.scoring.ranking import rank

    out = Path(output)
    if out.suffix.lower() not in DOSSIER_SUFFIXES:
        raise OutputError(f"{out}: a dossier is written as .html or .pdf; give a path ending "
                          "in .html or .pdf")
    check_writable(out, overwrite)
    html_instead = None
    if out.suffix.lower() == ".pdf" and find_chromium() is None:
        html_instead = out.with_suffix(".html")
        check_writable(html_instead, overwrite)
    scen = load_scenario(scenario)
    p = make_pack(pack, layer_overrides, scen.layers)
    r = rank(scen, pack=p)
    command = "siteplan " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    dossier = build(ranking=r, pack=p, sites=k, lang=lang, samples=samples, seed=seed,
                    command=command)
    if html_instead is not None:
        echo_written(write_dossier(dossier, html_instead, overwrite=overwrite))
        click.echo(f"siteplan: no chromium to print {out}: install it (Debian: apt install "
                   f"chromium) and run the command again, or print {html_instead} from a "
                   "browser", err=True)
        return
    echo_written(write_dossier(dossier, out, overwrite=overwrite))
