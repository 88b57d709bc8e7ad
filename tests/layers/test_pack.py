"""The layer API: a broken pack gives one message naming the file, column and row."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from siteplan.cli import cli
from siteplan.errors import LayerError, UsageError
from siteplan.layers.pack import Pack, parse_layer_overrides, read_layer_file, read_manifest


def test_tiny_pack_loads_and_checks_clean(tiny_pack_dir: Path) -> None:
    pack = Pack(tiny_pack_dir)
    assert pack.layer_names[:2] == ["regions", "provinces"]
    unis = pack.layer("universities")
    assert unis.crs.to_epsg() == 4326
    assert unis["students"].dtype == "float64"
    assert list(unis["ict"]) == [True, False]
    assert pack.check() == []


def test_duplicate_keys_missing_column_and_nan_are_reported_together(tiny_pack_dir: Path) -> None:
    (tiny_pack_dir / "universities.csv").write_text(
        "id,lon,lat,students\nu1,0.2,0.2,10\nu1,0.3,0.3,abc\n,0.4,0.4,5\n", encoding="utf-8"
    )
    with pytest.raises(LayerError) as err:
        Pack(tiny_pack_dir).layer("universities")
    msg = str(err.value)
    assert "universities.csv" in msg
    assert "required column 'name' is missing" in msg
    assert "duplicate keys u1" in msg
    assert "'abc' is not a number" in msg and "row 3" in msg
    assert "column 'id' rows 4" in msg
    assert len(err.value.problems) == 4


def test_unparsable_and_projected_coordinates(tiny_pack_dir: Path) -> None:
    (tiny_pack_dir / "airports.csv").write_text(
        "id,lon,lat\nA,zero,0.5\nB,350000,3900000\n", encoding="utf-8"
    )
    with pytest.raises(LayerError) as err:
        Pack(tiny_pack_dir).layer("airports")
    msg = str(err.value)
    assert "'zero' is not a coordinate" in msg
    assert "not projected metres" in msg


def test_layer_without_crs_is_rejected(tiny_pack_dir: Path) -> None:
    gj = json.loads((tiny_pack_dir / "regions.geojson").read_text())
    gj.pop("crs")
    # GeoJSON is WGS84 by definition, so use a shapefile without .prj instead
    import geopandas as gpd

    gdf = gpd.GeoDataFrame.from_features(gj["features"])[["name_fr", "geometry"]]
    shp = tiny_pack_dir / "regions_nocrs.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gdf.to_file(shp, engine="pyogrio")
    shp.with_suffix(".prj").unlink(missing_ok=True)
    with pytest.raises(LayerError, match="has no CRS"):
        Pack(tiny_pack_dir, overrides={"regions": shp}).layer("regions")


def test_other_crs_is_reprojected(tiny_pack_dir: Path, tmp_path: Path) -> None:
    unis = Pack(tiny_pack_dir).layer("universities").to_crs("EPSG:3857")
    path = tmp_path / "u.gpkg"
    unis.to_file(path, engine="pyogrio")
    back = Pack(tiny_pack_dir, overrides={"universities": path}).layer("universities")
    assert back.crs.to_epsg() == 4326
    assert back.geometry.x.tolist() == pytest.approx([0.25, 1.75], abs=1e-9)


def test_self_intersecting_polygon_is_repaired_with_a_warning(tiny_pack_dir: Path) -> None:
    gj = json.loads((tiny_pack_dir / "provinces.geojson").read_text())
    # a bow-tie: self-intersecting ring
    gj["features"][0]["geometry"]["coordinates"] = [[[0, 0], [1, 0.5], [1, 0], [0, 0.5], [0, 0]]]
    (tiny_pack_dir / "provinces.geojson").write_text(json.dumps(gj))
    with pytest.warns(UserWarning, match="repaired 1 invalid polygon"):
        gdf = Pack(tiny_pack_dir).layer("provinces")
    assert gdf.geometry.is_valid.all()


def test_missing_file_and_unknown_layer(tiny_pack_dir: Path) -> None:
    (tiny_pack_dir / "ports.csv").unlink(missing_ok=True)
    with pytest.raises(LayerError, match="no such file"):
        read_layer_file(tiny_pack_dir / "nope.csv")
    with pytest.raises(UsageError, match="unknown layer 'nope'"):
        Pack(tiny_pack_dir).layer("nope")
    with pytest.raises(UsageError, match="unknown layer 'nope'"):
        Pack(tiny_pack_dir, overrides={"nope": "x.csv"})


def test_bad_manifest(tmp_path: Path) -> None:
    (tmp_path / "pack.toml").write_text("[pack\nname='x'", encoding="utf-8")
    with pytest.raises(LayerError, match="not valid TOML"):
        read_manifest(tmp_path / "pack.toml")
    (tmp_path / "pack.toml").write_text("[layers.a]\ngeometry='Point'\n", encoding="utf-8")
    with pytest.raises(LayerError, match="has no 'file'"):
        read_manifest(tmp_path / "pack.toml")


def test_layer_override_syntax() -> None:
    assert parse_layer_overrides(["universities=my.gpkg"]) == {"universities": Path("my.gpkg")}
    with pytest.raises(UsageError, match="expected NAME=PATH"):
        parse_layer_overrides(["universities"])


def test_points_outside_study_area_are_flagged(tiny_pack_dir: Path) -> None:
    (tiny_pack_dir / "parks.csv").write_text(
        "id,lon,lat\np1,1.5,0.5\np2,5.0,5.0\n", encoding="utf-8"
    )
    problems = Pack(tiny_pack_dir).check()
    assert any("outside the study area" in p and "p2" in p for p in problems)
    assert not any("p1" in p for p in problems)


def test_cli_check_exit_codes(tiny_pack_dir: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["layers", "--check", str(tiny_pack_dir)])
    assert ok.exit_code == 0, ok.output
    assert "layers OK" in ok.output
    (tiny_pack_dir / "candidates.csv").write_text("id,name,lon,lat\na,A,0.5,0.5\na,B,0.6,0.6\n")
    bad = runner.invoke(cli, ["layers", "--check", str(tiny_pack_dir)])
    assert bad.exit_code == 1
    assert "duplicate keys a" in bad.output
    assert "Traceback" not in bad.output
    missing = runner.invoke(cli, ["layers", str(tiny_pack_dir / "nowhere")])
    assert missing.exit_code == 1
    assert "not a pack" in missing.output


def test_cli_lists_layers(tiny_pack_dir: Path) -> None:
    res = CliRunner().invoke(cli, ["layers", str(tiny_pack_dir)])
    assert res.exit_code == 0, res.output
    for name in ("regions", "provinces", "universities", "candidates"):
        assert name in res.output


def test_a_geopackage_pack_gives_the_same_ranking(tiny_pack_dir: Path, tmp_path: Path) -> None:
    """A GeoPackage holding the layers under the manifest's names works as a pack."""
    from siteplan.scoring.ranking import rank

    folder_pack = Pack(tiny_pack_dir)
    gpkg = tmp_path / "tiny.gpkg"
    for name in folder_pack.layer_names:
        folder_pack.layer(name).to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio")
    scen = Path(__file__).parents[1] / "data" / "tiny-scenario.toml"
    a = rank(scen, pack=folder_pack)
    b = rank(scen, pack=Pack(gpkg))
    assert b.sites["id"].tolist() == a.sites["id"].tolist()
    assert b.sites["score"].to_numpy() == pytest.approx(a.sites["score"].to_numpy())


# --------------------------------------------------------------------------- points of a layer


def test_features_count_at_a_point_inside_them() -> None:
    """Polygons give GEOS's point on surface (as GeoPandas' representative_point), points stay."""
    import geopandas as gpd
    from shapely.geometry import Point, Polygon

    from siteplan.layers.pack import geometry_lonlat

    # a C shape whose centroid lies outside it
    c_shape = Polygon([(0, 0), (3, 0), (3, 1), (1, 1), (1, 2), (3, 2), (3, 3), (0, 3)])
    gdf = gpd.GeoDataFrame(geometry=[c_shape, Point(5, 6)], crs=4326)
    lon, lat = geometry_lonlat(gdf)
    ref = gdf.geometry.representative_point()
    assert list(lon) == list(ref.x) and list(lat) == list(ref.y)
    assert c_shape.contains(Point(lon[0], lat[0]))
    assert not c_shape.contains(c_shape.centroid)
    assert (lon[1], lat[1]) == (5.0, 6.0)


def test_lon_lat_columns_come_before_the_geometry_and_neither_is_an_error() -> None:
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from siteplan.errors import DataError
    from siteplan.layers.pack import point_lonlat

    gdf = gpd.GeoDataFrame({"lon": [1.5], "lat": [2.5]}, geometry=[Point(9, 9)], crs=4326)
    assert [list(a) for a in point_lonlat(gdf, "sites")] == [[1.5], [2.5]]
    assert [list(a) for a in point_lonlat(gdf.drop(columns=["lon", "lat"]), "sites")] == [
        [9.0], [9.0]]
    with pytest.raises(DataError, match="parks layer: needs lon/lat columns"):
        point_lonlat(pd.DataFrame({"x": [1]}), "parks layer")


def _tiny_net(path: Path) -> Path:
    import numpy as np
    import scipy.sparse as sp

    from siteplan.layers.network import RoadNetwork

    g = sp.csr_matrix((np.array([1.0, 1.0]), (np.array([0, 1]), np.array([1, 0]))),
                      shape=(2, 2))
    net = RoadNetwork(lon=np.array([-6.8, -6.6]), lat=np.array([34.0, 34.1]), graph=g,
                      km=np.array([2.0, 2.0]), edge_class=np.zeros(2, dtype=np.int16),
                      classes=("primary",), provenance={"source": "two nodes"})
    return net.save(path)


def test_a_road_network_is_given_like_a_layer_and_listed(tiny_pack_dir: Path,
                                                          tmp_path: Path) -> None:
    npz = _tiny_net(tmp_path / "roads.npz")
    pack = Pack(tiny_pack_dir, overrides={"network": npz})
    assert pack.network_path() == npz and pack.network().n_nodes == 2
    assert Pack(tiny_pack_dir).network_path() is None
    res = CliRunner().invoke(cli, ["layers", str(tiny_pack_dir), "--layer", f"network={npz}"])
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if ln.lstrip().startswith("network"))
    assert "2" in line and "two nodes" in line


def test_a_pack_can_declare_its_own_network(tiny_pack_dir: Path) -> None:
    _tiny_net(tiny_pack_dir / "roads.npz")
    manifest = tiny_pack_dir / "pack.toml"
    manifest.write_text(manifest.read_text() + '\n[network]\nfile = "roads.npz"\n'
                        'licence = "ODbL-1.0"\n')
    pack = Pack(tiny_pack_dir)
    assert pack.network().n_nodes == 2
    row = next(r for r in pack.describe() if r["layer"] == "network")
    assert row["licence"] == "ODbL-1.0" and row["rows"] == 2
    manifest.write_text(manifest.read_text().replace('file = "roads.npz"\n', ""))
    with pytest.raises(LayerError, match=r"\[network\] has no 'file'"):
        Pack(tiny_pack_dir)


# ------------------------------------------------------------------ French titles and licences

MOROCCO_MANIFEST = Path(__file__).resolve().parents[2] / "geodata" / "morocco" / "pack.toml"


def test_every_morocco_layer_has_a_french_title_and_licence() -> None:
    """Read with tomllib (not siteplan's reader): each layer and the pack give title_fr and
    licence_fr, and the Pack shows them in French and the English ones otherwise."""
    import tomllib

    raw = tomllib.loads(MOROCCO_MANIFEST.read_text(encoding="utf-8"))
    pack = Pack()
    assert set(raw["layers"]) == set(pack.layer_names)
    for name, table in raw["layers"].items():
        for key in ("title_fr", "licence_fr", "method_fr"):
            assert isinstance(table.get(key), str) and table[key].strip(), (name, key)
        assert table["title_fr"] != table["title"], name
        assert table["method_fr"] != table["method"], name
        # the French method keeps the English one's figures (counts, distances, versions)
        figures = re.compile(r"\d+")
        assert (sorted(figures.findall(table["method_fr"].replace("\u202f", "")))
                == sorted(figures.findall(table["method"].replace(",", "")))), name
        assert spec_method_in(pack, name, "fr") == table["method_fr"]
        assert spec_method_in(pack, name, "en") == table["method"]
        spec = pack.spec(name)
        assert spec.title_in("fr") == table["title_fr"]
        assert spec.licence_in("fr") == table["licence_fr"]
        assert spec.title_in("en") == table["title"]
        assert spec.licence_in("en") == table["licence"]
    assert pack.manifest.title_in("fr") == raw["pack"]["title_fr"]
    assert pack.manifest.title_in("en") == raw["pack"]["title"]


def spec_method_in(pack: Pack, name: str, lang: str) -> str:
    return pack.spec(name).method_in(lang)


def test_a_layer_without_a_french_title_shows_its_english_one(tiny_pack_dir: Path) -> None:
    spec = Pack(tiny_pack_dir).spec("universities")
    assert not spec.title_fr and spec.title_in("fr") == spec.title_in("en") == spec.title


def test_a_french_title_that_is_not_text_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "pack.toml").write_text('[layers.a]\nfile = "a.csv"\ntitle_fr = 3\n',
                                        encoding="utf-8")
    with pytest.raises(LayerError, match=r"layers\.a: title_fr = 3 is not text"):
        read_manifest(tmp_path / "pack.toml")
    (tmp_path / "pack.toml").write_text('[pack]\ntitle_fr = ["x"]\n[layers.a]\nfile = "a.csv"\n',
                                        encoding="utf-8")
    with pytest.raises(LayerError, match=r"pack: title_fr = \['x'\] is not text"):
        read_manifest(tmp_path / "pack.toml")


def test_cli_lists_french_titles_and_licences_with_lang_fr() -> None:
    import tomllib

    raw = tomllib.loads(MOROCCO_MANIFEST.read_text(encoding="utf-8"))
    fr = CliRunner().invoke(cli, ["layers", "--lang", "fr"], catch_exceptions=False).output
    en = CliRunner().invoke(cli, ["layers"], catch_exceptions=False).output
    assert "couche" in fr and "titre" in fr and raw["pack"]["title_fr"] in fr
    for name, table in raw["layers"].items():
        line = next(ln for ln in fr.splitlines() if ln.startswith(name + " "))
        assert table["title_fr"] in line and table["licence_fr"] in line, name
        assert table["title"] in en and table["title"] not in fr
