"""Bad input of every kind found by the bad-input campaign: one line naming the file, the
field and the fix, a non-zero exit, never a traceback or "internal error".

Each case failed on the code before it was fixed (an "internal error" line, a silent
wrong result, or a message that named neither the file nor the field).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from siteplan.cli import cli
from siteplan.scenario import builtin_text


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def one_error_line(res: Result, *fragments: str) -> str:
    """The run failed cleanly (an exit, not an exception) with one line holding every
    fragment; returns that line."""
    assert res.exit_code in (1, 2), res.output
    assert isinstance(res.exception, SystemExit), repr(res.exception)
    errors = [line for line in res.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, res.output
    assert "internal error" not in errors[0]
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    return errors[0]


BASE = builtin_text("balanced-2030")
GRADUATES_NORMALIZE = 'normalize = { method = "saturating", half = 100000 }'
assert BASE.count(GRADUATES_NORMALIZE) == 1


def scenario(tmp_path: Path, text: str, name: str = "s.toml") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


# ----------------------------------------------------------------- candidate files


def test_a_candidate_without_an_id_is_named_by_row(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("id,name,lon,lat\nb,Bee,-6.8,34.0\n,Empty,-7.6,33.5\n", encoding="utf-8")
    one_error_line(run("rank", "-c", str(f)), str(f), "column 'id'", "row(s) 2")


def test_a_null_id_in_geojson_is_named(tmp_path: Path) -> None:
    f = tmp_path / "c.geojson"
    f.write_text('{"type":"FeatureCollection","features":['
                 '{"type":"Feature","properties":{"id":null,"name":"A"},'
                 '"geometry":{"type":"Point","coordinates":[-7.6,33.5]}},'
                 '{"type":"Feature","properties":{"id":"b","name":"B"},'
                 '"geometry":{"type":"Point","coordinates":[-6.8,34.0]}}]}', encoding="utf-8")
    one_error_line(run("rank", "-c", str(f)), str(f), "column 'id'", "row(s) 1")


def test_an_empty_name_takes_the_id_not_nan(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("id,name,lon,lat\na,,-7.6,33.5\nb,Bee,-6.8,34.0\n", encoding="utf-8")
    out = tmp_path / "r.csv"
    res = run("rank", "-c", str(f), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert "no name on row(s) 1" in res.output
    import csv

    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert all("nan" not in (v or "").lower() for r in rows for v in r.values())
    row = next(r for r in rows if r["id"] == "a")
    assert row["name"] == "a"


def test_a_semicolon_csv_with_decimal_commas_is_read(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("id;name;lon;lat\na;A;-7,6;33,5\nb;B;-6,8;34,0\n", encoding="utf-8")
    out = tmp_path / "r.json"
    res = run("rank", "-c", str(f), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert '"lon": -7.6' in out.read_text(encoding="utf-8")


# ----------------------------------------------------------------- scenario fields


@pytest.mark.parametrize(("edit", "fragments"), [
    (lambda t: t.replace("max = 150", "max = nan"), ("constraints[0].max", "finite")),
    (lambda t: t.replace('name = "balanced-2030"', "name = 5"), ("scenario.name", "text")),
    (lambda t: t.replace('name = "balanced-2030"', 'name = ""'), ("scenario.name is empty",)),
    (lambda t: t.replace('title = "Balanced territorial development 2030"', 'title = ["a"]'),
     ("scenario.title",)),
    (lambda t: 'layers = "regions"\n' + t, ("'layers'", "table")),
    (lambda t: t.replace(GRADUATES_NORMALIZE, "normalize = 5"),
     ("criterion 'graduates'.normalize", "value function")),
    (lambda t: t.split("# ---------------------------------------------------------------- "
                       "constraints")[0].replace("[scenario]", 'constraints = "airport"\n'
                                                 "[scenario]"), ("'constraints'",)),
    (lambda t: t.split("# ---------------------------------------------------------------- "
                       "constraints")[0].replace("[scenario]", "constraints = [1, 2]\n"
                                                 "[scenario]"), ("constraints[0]", "table")),
    (lambda t: t.replace("lagging_quota = 2", "lagging_quota = \"two\""),
     ("plan.lagging_quota", "whole number")),
])
def test_scenario_fields_of_the_wrong_type_are_named(tmp_path: Path, edit, fragments) -> None:  # type: ignore[no-untyped-def]
    path = scenario(tmp_path, edit(BASE))
    one_error_line(run("rank", "--scenario", path), path, *fragments)


def test_a_single_include_id_is_one_id_not_its_letters(tmp_path: Path) -> None:
    path = scenario(tmp_path, BASE.replace("[plan]", '[plan]\ninclude = "meknes"'))
    out = tmp_path / "p.json"
    res = run("plan", "--scenario", path, "--sites", "3", "-o", str(out))
    assert res.exit_code == 0, res.output
    assert '"meknes"' in out.read_text(encoding="utf-8")


# ----------------------------------------------------------------- pack manifests


@pytest.mark.parametrize(("manifest", "fragments"), [
    ("layers = 5\n", ("'layers' = 5", "table")),
    ('[pack]\nname = "x"\n[layers]\nregions = "regions.geojson"\n',
     ("layers.regions", "not a table")),
    ("", ("no [layers.NAME] table",)),
    ('[pack]\nzones = "regions"\n[layers.regions]\nfile = "r.geojson"\n', ("pack.zones",)),
])
def test_a_broken_pack_manifest_is_named(tmp_path: Path, manifest: str, fragments) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "pack.toml").write_text(manifest, encoding="utf-8")
    one_error_line(run("layers", "--check", str(tmp_path)), "pack.toml", *fragments)


# ----------------------------------------------------------------- encodings


def test_ahp_judgements_in_utf16_are_named(tmp_path: Path) -> None:
    f = tmp_path / "j.csv"
    f.write_text(",talent,need\ntalent,1,3\nneed,1/3,1\n", encoding="utf-16")
    one_error_line(run("weights", "ahp", str(f)), str(f), "not UTF-8", "UTF-16")


def test_into_a_latin1_scenario_is_named(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_bytes(BASE.replace("Balanced", "Équilibré").encode("latin-1"))
    one_error_line(run("weights", "roc", "talent", "income", "--into", str(f)), str(f),
                   "not UTF-8", "Windows-1252")


def test_a_latin1_scenario_is_named(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_bytes(BASE.replace("Balanced", "Équilibré").encode("latin-1"))
    one_error_line(run("rank", "--scenario", str(f)), str(f), "not UTF-8")


# ----------------------------------------------------------------- unwritable outputs


def test_an_unwritable_folder_is_found_before_the_work(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "locked" / "r.csv"
    target.parent.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == target.parent
                        else real(p, mode))
    one_error_line(run("rank", "-o", str(target)), str(target), "permission denied")
    assert not target.exists()


def test_a_full_disk_is_reported_and_leaves_nothing(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import siteplan._atomic as atomic

    def full(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full)
    target = tmp_path / "r.csv"
    one_error_line(run("rank", "-o", str(target), "--overwrite"), str(target), "disk is full")
    assert list(tmp_path.iterdir()) == []


def test_a_killed_run_s_temporary_is_cleaned_by_the_next(tmp_path: Path) -> None:
    dead = 2 ** 22 + 12345  # above the default pid_max: no such process
    stale = tmp_path / f".r.csv.{dead}.abcd.tmp.csv"
    stale.write_text("half", encoding="utf-8")
    mine = tmp_path / f".r.csv.{os.getpid()}.efgh.tmp.csv"  # a live run's: kept
    mine.write_text("busy", encoding="utf-8")
    assert run("rank", "-o", str(tmp_path / "r.csv")).exit_code == 0
    assert not stale.exists() and mine.exists()


# ----------------------------------------------------------------- options and values


def test_absurd_sample_counts_and_negative_seeds_are_refused() -> None:
    one_error_line(run("sensitivity", "--samples", "1000000000"), "samples", "at most")
    one_error_line(run("sensitivity", "--samples", "10", "--seed", "-1"), "seed = -1")


def test_huge_weights_do_not_overflow_into_all_zero(tmp_path: Path) -> None:
    path = scenario(tmp_path, BASE.replace("weight = 5\n", "weight = 1e308\n"))
    out = tmp_path / "r.json"
    res = run("rank", "--scenario", path, "-o", str(out))
    assert res.exit_code == 0, res.output
    import json

    weights = json.loads(out.read_text(encoding="utf-8"))["weights"]
    heavy = {k: v for k, v in weights.items() if v > 0.01}
    assert len(heavy) == 3 and all(abs(v - 1 / 3) < 1e-9 for v in heavy.values())


def test_a_bad_value_function_names_the_file_and_the_criterion(tmp_path: Path) -> None:
    path = scenario(tmp_path, BASE.replace(
        GRADUATES_NORMALIZE, 'normalize = {method = "piecewise", points = [[0, 1]]}'))
    one_error_line(run("rank", "--scenario", path), path, "criterion 'graduates'.normalize",
                   "two [x, y] pairs")


def test_compare_of_a_missing_plan_file_says_no_such_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    one_error_line(run("compare", str(missing), "balanced-2030"), str(missing), "no such file")


def test_coverage_radius_without_the_coverage_objective_is_refused() -> None:
    one_error_line(run("plan", "--sites", "3", "--coverage-km", "50"), "--coverage-km",
                   "--objective coverage")


def test_a_workbook_cannot_be_printed() -> None:
    one_error_line(run("plan", "--sites", "3", "-f", "xlsx"), "-o FILE.xlsx")


def test_one_path_for_two_outputs_is_refused_before_the_work(tmp_path: Path) -> None:
    same = tmp_path / "x.csv"
    one_error_line(run("surface", "-r", "5", "-o", str(same), "--hotspots-out", str(same)),
                   str(same), "given twice")
    assert not same.exists()
    one_error_line(run("rank", "-o", str(tmp_path / "a.png"), "--png", str(tmp_path / "a.png"),
                       "-f", "csv"), "given twice")


# ----------------------------------------------------------------- files of odd kinds


def test_text_in_a_numeric_attribute_names_the_cell(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("id,name,lon,lat,rent\na,A,-7.6,33.5,12\nb,B,-6.8,34.0,cheap\n",
                 encoding="utf-8")
    path = scenario(tmp_path, '[scenario]\nname = "rent"\n[[criteria]]\nname = "rent"\n'
                    'kind = "attribute"\ncolumn = "rent"\ndirection = "cost"\nweight = 1\n')
    one_error_line(run("rank", "--scenario", path, "-c", str(f)), "column 'rent'",
                   "row 2 'cheap'", "not a number")


def test_a_fifo_is_refused_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "c.csv"
    os.mkfifo(fifo)
    one_error_line(run("rank", "-c", str(fifo)), str(fifo), "not a regular file")


def test_a_geopackage_with_several_layers_says_which_and_takes_file_colon_layer(
        tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    f = tmp_path / "c.gpkg"
    gpd.GeoDataFrame({"id": ["a", "b"], "name": ["A", "B"]},
                     geometry=[Point(-7.6, 33.5), Point(-6.8, 34.0)],
                     crs="EPSG:4326").to_file(f, layer="first")
    gpd.GeoDataFrame({"id": ["z"], "name": ["Zed"]}, geometry=[Point(-5.0, 34.0)],
                     crs="EPSG:4326").to_file(f, layer="second")
    res = run("rank", "-c", str(f))
    assert res.exit_code == 0, res.output
    assert "holds 2 layers (first, second); reading 'first'" in res.output
    res = run("rank", "-c", f"{f}:second")
    assert res.exit_code == 0, res.output
    assert "Zed" in res.output and "holds 2 layers" not in res.output


def test_warnings_show_the_message_not_siteplan_s_source_line(tmp_path: Path) -> None:
    airports = Path(__file__).resolve().parents[2] / "geodata" / "morocco" / "airports.csv"
    lines = airports.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("lon")] = "2.35"  # Paris: outside Morocco
    row[header.index("lat")] = "48.85"
    moved = tmp_path / "airports.csv"
    moved.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n", encoding="utf-8")
    # a real process: pytest replaces the warnings machinery inside its own
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "siteplan", "rank", "--layer",
                          f"airports={moved}", "--top", "3"], capture_output=True, text=True,
                         check=False)
    assert res.returncode == 0, res.stderr
    warned = [line for line in res.stderr.splitlines() if "outside" in line]
    assert warned == ["siteplan: airports.csv: 1 point(s) of layer 'airports' lie outside the "
                      "study area (more than 5 km): CMN"], res.stderr


# ----------------------------------------------------------------- printing


def test_a_pipe_gets_plain_aligned_text_with_control_characters_shown(tmp_path: Path) -> None:
    from siteplan.cli._render import plain_table

    text = plain_table("T", ["rank", "site"], [(1, "Fès"), (10, "evil\x1b[31m\nname")],
                       ["right", "left"])
    assert text.splitlines() == ["T", "rank  site", "----  " + "-" * len("evil\\x1b[31m\\x0aname"),
                                 "   1  Fès", "  10  evil\\x1b[31m\\x0aname"]


def test_top_n_also_limits_the_excluded_table() -> None:
    res = run("rank", "--top", "2")
    assert res.exit_code == 0, res.output
    n = int(res.output.split("Excluded (", 1)[1].split(")", 1)[0])
    assert n > 2
    excluded = res.output.split(f"Excluded ({n})", 1)[1].splitlines()
    assert len([line for line in excluded[3:] if line and not line.startswith("...")]) == 2
    assert f"... {n - 2} more excluded sites" in res.output


def test_output_piped_to_head_stops_quietly() -> None:
    import subprocess
    import sys

    proc = subprocess.run(f"'{sys.executable}' -m siteplan rank | head -1", shell=True,
                          capture_output=True, text=True, check=False)
    assert proc.stdout.startswith("Balanced territorial development 2030")
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


# ----------------------------------------------------------------- saved rankings and XLSX


def _saved_ranking(tmp_path: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    import json

    good = tmp_path / "r.json"
    assert run("rank", "-o", str(good)).exit_code == 0
    return good, json.loads(good.read_text(encoding="utf-8"))


def test_map_refuses_a_site_at_longitude_500(tmp_path: Path) -> None:
    import json

    _, d = _saved_ranking(tmp_path)
    d["sites"][2]["lon"] = 500
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(d), encoding="utf-8")
    one_error_line(run("map", str(bad), "-o", str(tmp_path / "m.html")), str(bad),
                   f"site '{d['sites'][2]['id']}'", "WGS84")
    assert not (tmp_path / "m.html").exists()


def test_map_refuses_duplicate_site_ids(tmp_path: Path) -> None:
    import json

    _, d = _saved_ranking(tmp_path)
    d["sites"][3]["id"] = d["sites"][0]["id"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(d), encoding="utf-8")
    one_error_line(run("map", str(bad), "-o", str(tmp_path / "m.html")), str(bad),
                   f"duplicate site id(s) {d['sites'][0]['id']}")


def test_control_characters_in_names_reach_xlsx_visibly(tmp_path: Path) -> None:
    import openpyxl

    f = tmp_path / "c.csv"
    f.write_bytes(b"id,name,lon,lat\na,A\x01bad\x1b,-7.6,33.5\nb,B,-6.8,34.0\n")
    out = tmp_path / "r.xlsx"
    res = run("rank", "-c", str(f), "-o", str(out))
    assert res.exit_code == 0, res.output
    names = [row[2] for row in openpyxl.load_workbook(out).worksheets[0].iter_rows(
        min_row=2, values_only=True)]
    assert "A\\x01bad\\x1b" in names


def test_the_last_resort_line_names_the_input_being_read(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    """An unforeseen failure still says which of the user's files was being read."""
    import siteplan.layers.pack as pack
    from siteplan.cli import main

    f = tmp_path / "c.csv"
    f.write_text("id,name,lon,lat\na,A,-7.6,33.5\n", encoding="utf-8")

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("unforeseen")

    monkeypatch.setattr(pack, "_read_csv", boom)
    with pytest.raises(SystemExit) as stop:
        main(["rank", "-c", str(f)])
    assert stop.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err == (f"Error: internal error (last input read: {f}): RuntimeError: unforeseen "
                   "(run with -vv for the traceback and report it)")


def test_a_windows_1252_candidate_file_says_what_it_looks_like(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_bytes("id,name,lon,lat\nfes,Fès,-5.0,34.03\n".encode("cp1252"))
    one_error_line(run("rank", "-c", str(f)), str(f), "not UTF-8", "Windows-1252",
                   "CSV UTF-8")


def test_decimal_commas_in_a_semicolon_file_feed_numeric_attributes(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("id;name;lon;lat;rent;code\na;A;-7,6;33,5;12,5;007\nb;B;-6,8;34,0;9,25;010\n",
                 encoding="utf-8")
    path = scenario(tmp_path, '[scenario]\nname = "rent"\n[[criteria]]\nname = "rent"\n'
                    'kind = "attribute"\ncolumn = "rent"\ndirection = "cost"\nweight = 1\n')
    out = tmp_path / "r.json"
    res = run("rank", "--scenario", path, "-c", str(f), "-o", str(out))
    assert res.exit_code == 0, res.output
    import json

    sites = {s["id"]: s for s in json.loads(out.read_text(encoding="utf-8"))["sites"]}
    assert sites["a"]["criteria"]["rent"]["value"] == 12.5
    assert sites["b"]["criteria"]["rent"]["value"] == 9.25
    assert sites["b"]["rank"] == 1
