"""``siteplan network``: build an offline road network and read travel times off it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from siteplan.cli._render import echo_written, print_table
from siteplan.cli.options import lang_option


@click.group()
def network() -> None:
    """Road networks: build one from an OSM extract or a line layer, then time trips.

    \b
    $ siteplan network build morocco-latest.osm.pbf -o roads.npz
    $ siteplan network od --net roads.npz --from sites.csv --to ports.csv -o od.csv
    """


@network.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="NET.npz", help="Where to write the network.")
@click.option("--speed", "speed_items", multiple=True, metavar="CLASS=KMH",
              help="Average speed of a road class (km/h), replacing the default; repeatable.")
@click.option("--class", "extra_classes", multiple=True, metavar="CLASS",
              help="Keep this class too (e.g. unclassified, residential, track); repeatable.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output.")
@lang_option
def build(source: Path, output: Path, speed_items: tuple[str, ...],
          extra_classes: tuple[str, ...], overwrite: bool, lang: str | None) -> None:
    """Build the drivable network of SOURCE (.osm, .osm.pbf, GPKG, GeoJSON, GeoParquet)."""
    from siteplan._atomic import check_writable
    from siteplan.errors import UsageError
    from siteplan.layers.network import build_network
    from siteplan.outputs.language import analysis_word, fmt_int, fmt_num, resolve_language

    language = resolve_language(lang)

    def w(word: str, **values: object) -> str:
        return analysis_word(word, language, **values)

    if output.suffix.lower() != ".npz":
        raise UsageError(f"{output}: a network is written as .npz; give -o NET.npz")
    speeds: dict[str, float] = {}
    for item in speed_items:
        name, sep, value = item.partition("=")
        try:
            speeds[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise UsageError(f"--speed '{item}': expected CLASS=KMH, for example "
                             "--speed primary=80")
    check_writable(output, overwrite)  # before the work
    net = build_network(source, speeds=speeds or None, classes=list(extra_classes) or None)
    net.save(output, overwrite=overwrite)
    p = net.provenance
    click.echo(w("network line", source=p["source"], nodes=net.n_nodes, edges=net.n_edges))
    rows = [(c, fmt_num(k, language, 1)) for c, k in net.km_by_class().items() if k > 0]
    print_table(w("road km title"), [w("class"), "km"], rows, ["left", "right"])
    sizes = p.get("dropped_components", [])
    if p.get("dropped_component_count", 0):
        shown = ", ".join(str(s) for s in sizes[:10])
        more = "" if p["dropped_component_count"] <= 10 else ", ..."
        click.echo(w("dropped", n=p["dropped_component_count"],
                     nodes=fmt_int(p["dropped_nodes"], language),
                     edges=fmt_int(p["dropped_edges"], language), sizes=shown + more))
    else:
        click.echo(w("connected"))
    if "reprojected_from" in p:
        click.echo(w("reprojected", crs=p["reprojected_from"]))
    echo_written(output)


def _points(path: Path, flag: str) -> Any:
    import pandas as pd

    from siteplan._atomic import read_text
    from siteplan.errors import LayerError

    text = read_text(path, f"the {flag} points", LayerError)
    import io

    try:
        df = pd.read_csv(io.StringIO(text), dtype={"id": str})
    except (ValueError, pd.errors.ParserError) as exc:
        raise LayerError(f"{path}: not a CSV table ({exc}); give id,lon,lat columns") from exc
    missing = [c for c in ("id", "lon", "lat") if c not in df.columns]
    if missing:
        raise LayerError(f"{path}: no column {', '.join(missing)}; the file has "
                         f"{', '.join(map(str, df.columns))} (expected id,lon,lat)")
    lonlat = df[["lon", "lat"]].apply(pd.to_numeric, errors="coerce")
    bad = lonlat.isna().any(axis=1).to_numpy()
    if bad.any():
        raise LayerError(f"{path}: row {int(bad.argmax()) + 2}: lon/lat not numeric; fix or "
                         "drop it")
    return df["id"].astype(str).tolist(), lonlat.to_numpy(dtype=float)


@network.command()
@click.option("--net", "net_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="A network .npz.")
@click.option("--from", "from_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Origins: CSV id,lon,lat.")
@click.option("--to", "to_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Destinations: CSV id,lon,lat.")
@click.option("--limit-min", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Leave out trips longer than this many minutes.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the table as CSV (one row per origin-destination pair).")
@click.option("--overwrite", is_flag=True, help="Replace an existing output.")
@lang_option
def od(net_path: Path, from_path: Path, to_path: Path, limit_min: float | None,
       output: Path | None, overwrite: bool, lang: str | None) -> None:
    """Minutes and road km from every origin to every destination (access legs included)."""
    import numpy as np
    import pandas as pd

    from siteplan._atomic import check_writable, write_with
    from siteplan.criteria.routing import travel_table
    from siteplan.layers.network import RoadNetwork
    from siteplan.outputs.files import csv_text

    if output is not None:
        check_writable(output, overwrite)
    net = RoadNetwork.load(net_path)
    o_ids, o_pts = _points(from_path, "--from")
    d_ids, d_pts = _points(to_path, "--to")
    res = travel_table(net, o_pts, d_pts, limit_min=limit_min)
    reach = np.isfinite(res.minutes)
    table = pd.DataFrame({
        "from": np.repeat(o_ids, len(d_ids)), "to": np.tile(d_ids, len(o_ids)),
        "minutes": np.where(reach, np.round(res.minutes, 2), np.nan).ravel(),
        "road_km": np.where(reach, np.round(res.km, 3), np.nan).ravel(),
        "access_km_from": np.repeat(np.round(res.access_km_o, 3), len(d_ids)),
        "access_km_to": np.tile(np.round(res.access_km_d, 3), len(o_ids)),
    })
    if output is not None:
        text = csv_text(table)

        def writer(tmp: Path) -> None:
            tmp.write_text(text, encoding="utf-8")

        write_with(output, writer, overwrite)
        echo_written(output)
        return
    from siteplan.outputs.language import analysis_word, fmt_num, resolve_language

    language = resolve_language(lang)

    def w(word: str, **values: object) -> str:
        return analysis_word(word, language, **values)

    rows = [(r["from"], r["to"],
             "-" if pd.isna(r["minutes"]) else fmt_num(r["minutes"], language, 1),
             "-" if pd.isna(r["road_km"]) else fmt_num(r["road_km"], language, 1))
            for r in table.to_dict("records")]
    print_table(w("travel times", source=net.provenance.get("source", net_path.name)),
                [w("from"), w("to"), "minutes", w("road km")], rows,
                ["left", "left", "right", "right"])
