"""`siteplan rank`, `explain` and `scenario` through the CLI, and the files they write."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from siteplan.cli import cli
from siteplan.outputs.ranking_file import read_ranking

TINY = str(Path(__file__).parents[1] / "data" / "tiny-scenario.toml")


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def base(pack: Path) -> list[str]:
    return ["rank", "--scenario", TINY, "--pack", str(pack)]


def test_rank_prints_table_and_writes_every_format(tiny_pack_dir: Path, tmp_path: Path) -> None:
    for ext in ("csv", "json", "geojson", "gpkg", "xlsx", "md"):
        out = tmp_path / f"r.{ext}"
        res = run(*base(tiny_pack_dir), "-o", str(out))
        assert res.exit_code == 0, res.output
        assert out.stat().st_size > 0
    assert "Alpha" in res.output and "rank" in res.output
    csv = pd.read_csv(tmp_path / "r.csv")
    assert csv["name"].tolist() == ["Alpha", "Beta", "Gamma", "Delta"]
    assert {"airport_km", "airport_km_score", "reasons"} <= set(csv.columns)
    with pd.ExcelFile(tmp_path / "r.xlsx") as xl:
        assert xl.sheet_names == ["sites", "criteria", "weights", "method and sources"]
        assert pd.read_excel(xl, "weights")["weight"].sum() == pytest.approx(1.0)
    gj = json.loads((tmp_path / "r.geojson").read_text())
    assert len(gj["features"]) == 4
    back = read_ranking(tmp_path / "r.gpkg")
    assert back.sites["name"].tolist() == csv["name"].tolist()
    md = (tmp_path / "r.md").read_text()
    assert "| rank | name |" in md


def test_format_option_overrides_extension(tiny_pack_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "ranking.txt"
    res = run(*base(tiny_pack_dir), "-o", str(out), "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["scenario"] == "tiny"
    res = run(*base(tiny_pack_dir), "-o", str(tmp_path / "r.docx"))
    assert res.exit_code == 2 and "cannot be written as '.docx'" in res.output


def test_existing_output_is_kept_without_overwrite(tiny_pack_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    out.write_text("precious\n")
    res = run(*base(tiny_pack_dir), "-o", str(out))
    assert res.exit_code == 1
    assert "file exists; pass --overwrite" in res.output
    assert out.read_text() == "precious\n"
    res = run(*base(tiny_pack_dir), "-o", str(out), "--overwrite")
    assert res.exit_code == 0
    assert out.read_text().startswith("rank,id,name")


def test_failed_write_leaves_the_old_file_whole(
    tiny_pack_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import siteplan.outputs.files as outputs

    out = tmp_path / "r.xlsx"
    out.write_bytes(b"old workbook")

    def boom(r: object, tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(outputs, "_write_xlsx", boom)
    res = CliRunner().invoke(cli, [*base(tiny_pack_dir), "-o", str(out), "--overwrite"])
    assert res.exit_code != 0
    assert out.read_bytes() == b"old workbook"
    # no temporary file left behind
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["r.xlsx"]


@pytest.mark.parametrize(
    ("extra", "code", "phrase"),
    [
        (["-w", "talent=-3"], 2, "weight must be >= 0"),
        (["-w", "talent=heavy"], 2, "is not a number"),
        (["-w", "speed=3"], 2, "unknown criterion 'speed'"),
        (
            ["-w", "talent=0", "-w", "airport_km=0", "-w", "unemployment=0"],
            2,
            "all weights are zero",
        ),
        (["--method", "magic"], 2, "Invalid value"),
        (["--candidates", "/nonexistent/sites.csv"], 1, "no such file"),
    ],
)
def test_bad_input_gives_one_line_and_exit_code(
    tiny_pack_dir: Path, extra: list[str], code: int, phrase: str
) -> None:
    res = run(*base(tiny_pack_dir), *extra)
    assert res.exit_code == code, res.output
    assert phrase in res.output
    assert "Traceback" not in res.output


def test_bad_scenario_file_is_a_usage_error(tmp_path: Path, tiny_pack_dir: Path) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text(
        "[scenario]\nname='x'\n[[criteria]]\nname='a'\nkind='attribute'\n"
        "column='population'\nweight=1\ndirection='sideways'\n"
    )
    res = run("rank", "--scenario", str(bad), "--pack", str(tiny_pack_dir))
    assert res.exit_code == 2
    assert "s.toml: criterion 'a'.direction" in res.output


def test_explain_command(tiny_pack_dir: Path) -> None:
    res = run("explain", "d", "--scenario", TINY, "--pack", str(tiny_pack_dir))
    assert res.exit_code == 0, res.output
    assert "Delta" in res.output and "contribution" in res.output and "km" in res.output
    res = run(*base(tiny_pack_dir), "--explain", "Gamma")
    assert res.exit_code == 0 and "Gamma" in res.output
    res = run("explain", "d", "--scenario", TINY, "--pack", str(tiny_pack_dir),
              "--method", "vikor")
    assert res.exit_code == 0, res.output
    assert "contribution" not in res.output and "w x score" in res.output
    assert "VIKOR" in res.output and "does not add up" in res.output


def test_scenario_commands(tmp_path: Path) -> None:
    res = run("scenario", "list")
    assert res.exit_code == 0 and "balanced-2030" in res.output and "market-led" in res.output
    res = run("scenario", "show", "market-led")
    assert res.exit_code == 0 and 'name = "market-led"' in res.output
    target = tmp_path / "mine.toml"
    res = run("scenario", "init", str(target), "--from", "market-led")
    assert res.exit_code == 0 and target.exists()
    res = run("scenario", "init", str(target))
    assert res.exit_code == 1 and "file exists" in res.output


def test_version_and_help() -> None:
    res = run("--version")
    assert res.exit_code == 0 and "siteplan" in res.output
    res = run("rank", "--help")
    assert "$ siteplan rank" in res.output


def test_a_failing_output_option_writes_nothing(tiny_pack_dir: Path, tmp_path: Path) -> None:
    """Every output path is checked before the work: a bad one fails with no file written."""
    out = tmp_path / "out"
    out.mkdir()
    table = out / "r.json"
    res = run(*base(tiny_pack_dir), "-o", str(table), "--png", str(out / "r.jpg"))
    assert res.exit_code == 2 and "--png" in res.output and ".png, .svg" in res.output
    res = run(*base(tiny_pack_dir), "-o", str(table), "--map", str(out / "r.txt"))
    assert res.exit_code == 2 and "--map" in res.output and ".html" in res.output
    assert list(out.iterdir()) == []


def test_map_is_not_replaced_without_overwrite(tiny_pack_dir: Path, tmp_path: Path) -> None:
    kept = tmp_path / "keep.html"
    kept.write_text("planner's annotated map")
    res = run(*base(tiny_pack_dir), "--map", str(kept))
    assert res.exit_code == 1 and "--overwrite" in res.output
    assert kept.read_text() == "planner's annotated map"
    res = run(*base(tiny_pack_dir), "--map", str(kept), "--overwrite")
    assert res.exit_code == 0 and "<html" in kept.read_text().lower()


def test_site_names_are_printed_literally(tiny_pack_dir: Path, tmp_path: Path) -> None:
    """Names from user files are not rich markup: '[/]' must neither crash nor vanish."""
    cands = tmp_path / "c.csv"
    cands.write_text("id,name,lon,lat\na1,[/],0.3,0.3\nb2,[red]Casa[/red],1.4,0.6\n")
    res = run(*base(tiny_pack_dir), "--candidates", str(cands))
    assert res.exit_code == 0, res.output
    assert "[/]" in res.output and "[red]Casa[/red]" in res.output
