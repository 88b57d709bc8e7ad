"""Bad or unusual input reaching the CLI: one clear line, the right exit code, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from click.testing import CliRunner

from siteplan.cli import cli

REPO = Path(__file__).resolve().parents[2]
AIRPORTS = REPO / "geodata" / "morocco" / "airports.csv"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


def _airports() -> gpd.GeoDataFrame:
    a = pd.read_csv(AIRPORTS)
    return gpd.GeoDataFrame(a, geometry=gpd.points_from_xy(a.lon, a.lat), crs="EPSG:4326")


def test_hand_edited_ranking_json_names_the_file_and_site(tmp_path: Path) -> None:
    good = tmp_path / "r.json"
    assert run("rank", "-o", str(good)).exit_code == 0
    d = json.loads(good.read_text())
    d["sites"][3]["score"] = "high"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(d))
    res = run("map", str(bad), "-o", str(tmp_path / "m.html"))
    assert res.exit_code == 1
    assert f"{bad}: site '{d['sites'][3]['id']}' score is 'high'" in res.output
    d = json.loads(good.read_text())
    d["sites"][1]["criteria"] = {d["criteria"][0]["name"]: 3}
    bad.write_text(json.dumps(d))
    res = run("map", str(bad), "-o", str(tmp_path / "m.html"))
    assert res.exit_code == 1 and "not a valid siteplan ranking" in res.output
    assert "internal error" not in res.output and not (tmp_path / "m.html").exists()


def test_map_with_a_missing_user_layer_fails(tmp_path: Path) -> None:
    good = tmp_path / "r.json"
    assert run("rank", "-o", str(good)).exit_code == 0
    res = run("map", str(good), "-o", str(tmp_path / "m.html"), "--layer",
              f"airports={tmp_path / 'nofile.gpkg'}")
    assert res.exit_code == 1 and "nofile.gpkg" in res.output
    assert not (tmp_path / "m.html").exists()


def test_layers_check_reports_gaps_of_a_user_layer(tmp_path: Path) -> None:
    g = _airports()
    nocol = tmp_path / "nocol.gpkg"
    g.drop(columns=["international"]).to_file(nocol)
    res = run("layers", "--check", "--layer", f"airports={nocol}")
    assert res.exit_code == 0 and "lacks the pack's column(s) international" in res.output
    empty = tmp_path / "empty.gpkg"
    g.iloc[:0].to_file(empty)
    res = run("layers", "--check", "--layer", f"airports={empty}")
    assert "has no features" in res.output


def test_swapped_coordinates_in_a_user_layer_are_named(tmp_path: Path) -> None:
    g = _airports()
    g["geometry"] = gpd.points_from_xy(g["lat"], g["lon"])  # lon and lat swapped
    swapped = tmp_path / "swapped.gpkg"
    g.to_file(swapped)
    for cmd in (["layers", "--check"], ["rank"]):
        res = run(*cmd, "--layer", f"airports={swapped}")
        assert res.exit_code == 1, cmd
        assert "none of the 22 points" in res.output and "swapped" in res.output


def test_explain_of_an_excluded_site_shows_no_nan() -> None:
    res = run("explain", "Beni Mellal")
    assert res.exit_code == 0
    assert "excluded" in res.output and "nan" not in res.output.lower()


def test_motorway_criterion_counts_only_accesses_in_service() -> None:
    """Guelmim's only nearby access is planned: its distance is to the nearest one in service."""
    from siteplan.scoring.ranking import rank

    r = rank("balanced-2030")
    m = pd.read_csv(REPO / "geodata" / "morocco" / "motorway_access.csv")
    site = r.site("Guelmim")
    live = m[~m["planned"].astype(bool)]
    _, _, d = pyproj.Geod(ellps="WGS84").inv(np.full(len(live), site["lon"]),
                                              np.full(len(live), site["lat"]),
                                              live["lon"].to_numpy(), live["lat"].to_numpy())
    got = float(r.raw.at[site["id"], "motorway_km"])
    assert got > 100.0  # not the planned Guelmim access at 0 km
    assert abs(got - d.min() / 1000.0) <= 1e-3 * got


def test_a_geopackage_with_another_extension_is_written_and_read_quietly(tmp_path: Path) -> None:
    out = tmp_path / "ranking.json"
    res = run("rank", "--format", "gpkg", "-o", str(out))
    assert res.exit_code == 0 and "RuntimeWarning" not in res.output
    assert out.read_bytes()[:16] == b"SQLite format 3\x00"
    res = run("map", str(out), "-o", str(tmp_path / "m.html"))
    assert res.exit_code == 0 and "RuntimeWarning" not in res.output, res.output
    assert (tmp_path / "m.html").stat().st_size > 100_000
