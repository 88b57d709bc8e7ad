"""Outputs are safe to open and faithful: no live formulas in XLSX, no raw HTML and no lost
digits in Markdown, and every output path is checked before the work (a failing command
writes nothing, an existing file is kept without --overwrite)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from siteplan.cli import cli
from siteplan.outputs.files import markdown_escape, markdown_number, markdown_table, write_table

TINY = Path(__file__).parents[1] / "data" / "tiny-scenario.toml"

FORMULA = "=1+2"
LINK = '=HYPERLINK("http://evil.example","click")'
IMG = "<img src=x onerror=alert(1)>"
PIPE = "a|b & c"
HOSTILE = (FORMULA, LINK, IMG, PIPE)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@pytest.fixture()
def hostile_csv(tmp_path: Path) -> Path:
    """The tiny pack's four candidates (same ids and places) under hostile names; b sits at
    lon 0.75321, lat 0.74999 so that a 4-significant-digit rounding would show."""
    rows = [("a", IMG, "0.25", "0.25"), ("b", LINK, "0.75321", "0.74999"),
            ("c", FORMULA, "1.25", "0.25"), ("d", PIPE, "1.75", "0.75")]
    path = tmp_path / "hostile.csv"
    path.write_text("id,name,lon,lat\n" + "".join(
        f"{i},{csv_cell(n)},{x},{y}\n" for i, n, x, y in rows), encoding="utf-8")
    return path


def rank_args(pack: Path, cands: Path) -> list[str]:
    return ["rank", "--scenario", str(TINY), "--pack", str(pack), "--candidates", str(cands)]


def sens_args(pack: Path, cands: Path | None = None) -> list[str]:
    args = ["sensitivity", "--scenario", str(TINY), "--pack", str(pack), "--samples", "200"]
    return args + (["--candidates", str(cands)] if cands else [])


def plan_args(pack: Path, cands: Path | None = None) -> list[str]:
    args = ["plan", "--scenario", str(TINY), "--pack", str(pack), "--sites", "2"]
    return args + (["--candidates", str(cands)] if cands else [])


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------ XLSX: text, never formulas


def xlsx_cells(path: Path) -> dict[str, list[openpyxl.cell.cell.Cell]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [c for row in ws.iter_rows() for c in row] for ws in wb.worksheets}


def assert_no_formula(path: Path, sheets_with_names: list[str]) -> None:
    cells = xlsx_cells(path)
    live = [(s, c.coordinate, c.value) for s, cs in cells.items() for c in cs
            if c.data_type == "f"]
    assert live == [], f"live formulas in {path.name}: {live}"
    for sheet in sheets_with_names:
        texts = {c.value: c.data_type for c in cells[sheet] if isinstance(c.value, str)}
        for name in HOSTILE:
            assert texts.get(name) == "s", f"{sheet}: {name!r} not kept as text"


def test_rank_xlsx_writes_names_as_text(tiny_pack_dir: Path, hostile_csv: Path,
                                        tmp_path: Path) -> None:
    out = tmp_path / "f.xlsx"
    res = run(*rank_args(tiny_pack_dir, hostile_csv), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert_no_formula(out, ["sites", "criteria"])
    sites = pd.read_excel(out, sheet_name="sites")
    assert sorted(sites["name"]) == sorted(HOSTILE)
    assert dict(zip(sites["id"], sites["name"], strict=True))["b"] == LINK


def test_sensitivity_xlsx_writes_names_as_text(tiny_pack_dir: Path, hostile_csv: Path,
                                               tmp_path: Path) -> None:
    out = tmp_path / "s.xlsx"
    res = run(*sens_args(tiny_pack_dir, hostile_csv), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert_no_formula(out, ["table", "acceptability"])


def test_plan_xlsx_writes_names_as_text(tiny_pack_dir: Path, hostile_csv: Path,
                                        tmp_path: Path) -> None:
    out = tmp_path / "p.xlsx"
    res = run(*plan_args(tiny_pack_dir, hostile_csv), "-o", str(out))
    assert res.exit_code == 0, res.output
    cells = xlsx_cells(out)
    assert not [c for cs in cells.values() for c in cs if c.data_type == "f"]
    chosen = pd.read_excel(out, sheet_name="sites")
    chosen = chosen[chosen["kind"] == "new"]
    assert sorted(chosen["name"]) == sorted([IMG, LINK])  # the tiny plan picks a and b
    link = [c for c in cells["sites"] if c.value == LINK]
    assert link and all(c.data_type == "s" for c in link)


def test_write_table_keeps_formula_and_error_lookalikes_as_text(tmp_path: Path) -> None:
    df = pd.DataFrame({"name": [FORMULA, "#N/A", "#DIV/0!", "=", "plain"], "x": [1, 2, 3, 4, 5]})
    extra = pd.DataFrame({LINK: [LINK]})
    out = write_table(df, tmp_path / "t.xlsx", sheets={"extra": extra})
    cells = xlsx_cells(out)
    table = {c.value: c.data_type for c in cells["table"]}
    for text in (FORMULA, "#N/A", "#DIV/0!", "=", "plain"):
        assert table[text] == "s", text
    assert table[3] == "n"  # numbers stay numbers
    assert [(c.value, c.data_type) for c in cells["extra"]] == [(LINK, "s"), (LINK, "s")]


# ------------------------------------------------------------------ Markdown numbers


@pytest.mark.parametrize(("value", "text"), [
    (-7.99994, "-7.99994"),
    (152514.0, "152,514"),
    (152514, "152,514"),
    (np.int64(2_000_000), "2,000,000"),
    (1767.9, "1,767.9"),
    (0.123456789, "0.123457"),
    (1234567.89, "1,234,568"),
    (0.0001234, "0.0001234"),
    (np.float32(0.5), "0.5"),
    (33.58831, "33.5883"),
    (-0.25, "-0.25"),
    (0.0, "0"),
    (float("nan"), ""),
    (float("inf"), "inf"),
])
def test_markdown_number(value: float, text: str) -> None:
    assert markdown_number(value) == text


def test_markdown_numbers_never_use_an_exponent_for_ordinary_magnitudes() -> None:
    for x in (1e-5, 3.2e-4, 0.5, 7.0, 12345.678, 9.87e8, 1.5e12, -2.5e7):
        assert "e" not in markdown_number(x).lower(), x


def parse_md_table(text: str, after: str) -> list[dict[str, str]]:
    """The first Markdown table after the line ``after``, as rows of column -> raw cell."""
    lines = text.splitlines()
    start = lines.index(after)
    block = []
    for line in lines[start + 1:]:
        if line.startswith("|"):
            block.append(line)
        elif block:
            break

    def cells(line: str) -> list[str]:
        return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]

    head = cells(block[0])
    assert set(cells(block[1])) == {"---"}
    return [dict(zip(head, cells(row), strict=True)) for row in block[2:]]


def test_markdown_table_keeps_digits_and_escapes_text() -> None:
    df = pd.DataFrame({"name": [IMG, PIPE], "lon": [-7.99994, 1.5],
                       "working_age": [152514.0, 1767.9], "jobs": [12071, 3], "ok": [True, False]})
    rows = parse_md_table("# t\n" + markdown_table(df), "# t")
    assert rows[0] == {"name": "&lt;img src=x onerror=alert(1)&gt;", "lon": "-7.99994",
                       "working_age": "152,514", "jobs": "12,071", "ok": "True"}
    assert rows[1] == {"name": "a\\|b &amp; c", "lon": "1.5", "working_age": "1,767.9",
                       "jobs": "3", "ok": "False"}
    assert markdown_escape("x\ny") == "x y"


def test_plan_markdown_keeps_digits(tiny_pack_dir: Path, hostile_csv: Path,
                                    tmp_path: Path) -> None:
    out = tmp_path / "p.md"
    res = run(*plan_args(tiny_pack_dir, hostile_csv), "-o", str(out))
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    sites = {r["id"]: r for r in parse_md_table(text, "## sites")}
    assert (sites["b"]["lon"], sites["b"]["lat"]) == ("0.75321", "0.74999")
    assert (sites["a"]["lon"], sites["a"]["lat"]) == ("0.25", "0.25")
    regions = {r["region_code"]: r for r in parse_md_table(text, "## regions")}
    assert regions["W"]["working_age"] == "2,000,000"  # the fixture's working_age_2024
    assert regions["E"]["working_age"] == "3,000,000"
    assert sum(int(r["jobs_2030_plan"].replace(",", "")) for r in regions.values()) == 270_000
    table_lines = [line for line in text.splitlines() if line.startswith("|")]
    assert not [line for line in table_lines if re.search(r"\de[+-]\d", line)]


# ------------------------------------------------------------------ Markdown escaping


def assert_names_escaped(text: str, rows: list[dict[str, str]], names: tuple[str, ...]) -> None:
    assert IMG not in text and "<img" not in text
    shown = {html.unescape(r["name"].replace("\\|", "|")) for r in rows}
    assert set(names) <= shown  # the text reads exactly as given once rendered
    raw = {r["name"] for r in rows}
    if IMG in names:
        assert "&lt;img src=x onerror=alert(1)&gt;" in raw
    if PIPE in names:
        assert "a\\|b &amp; c" in raw


def test_rank_markdown_escapes_names_and_title(tiny_pack_dir: Path, hostile_csv: Path,
                                               tmp_path: Path) -> None:
    scen = tmp_path / "evil.toml"
    scen.write_text(TINY.read_text(encoding="utf-8").replace(
        'title = "Tiny test scenario"', 'title = "<script>alert(1)</script> & co"'),
        encoding="utf-8")
    out = tmp_path / "h.md"
    res = run("rank", "--scenario", str(scen), "--pack", str(tiny_pack_dir), "--candidates",
              str(hostile_csv), "-o", str(out))
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# Ranking: &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"
    assert "<script>" not in text
    assert_names_escaped(text, parse_md_table(text, "## Sites"), HOSTILE)


def test_sensitivity_markdown_escapes_names(tiny_pack_dir: Path, hostile_csv: Path,
                                            tmp_path: Path) -> None:
    out = tmp_path / "hs.md"
    res = run(*sens_args(tiny_pack_dir, hostile_csv), "-o", str(out))
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert_names_escaped(text, parse_md_table(text, "## Sites"), HOSTILE)
    res = run(*sens_args(tiny_pack_dir, hostile_csv), "--format", "md")  # stdout too
    assert res.exit_code == 0 and "&lt;img src=x onerror=alert(1)&gt;" in res.output
    assert IMG not in res.output


def test_plan_and_compare_markdown_escape_names(tiny_pack_dir: Path, hostile_csv: Path,
                                                tmp_path: Path) -> None:
    out = tmp_path / "p.md"
    res = run(*plan_args(tiny_pack_dir, hostile_csv), "-o", str(out))
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    rows = [r for r in parse_md_table(text, "## sites") if r["kind"] == "new"]
    assert_names_escaped(text, rows, (IMG, LINK))
    # compare: chosen site names appear in its tables
    other = tmp_path / "other.toml"
    other.write_text(TINY.read_text(encoding="utf-8").replace('name = "tiny"',
                                                              'name = "other"')
                     .replace("weight = 2", "weight = 0.1"), encoding="utf-8")
    out = tmp_path / "c.md"
    res = run("compare", str(TINY), str(other), "--sites", "2", "--pack", str(tiny_pack_dir),
              "--candidates", str(hostile_csv), "-o", str(out))
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    rows = parse_md_table(text, "## chosen")
    assert {r["item"] for r in rows} == {"tiny", "other"}
    assert_names_escaped(text, rows, (IMG, LINK))
    assert LINK in text  # '=' and quotes need no escaping in Markdown


def test_plan_markdown_to_stdout_is_escaped(tiny_pack_dir: Path, tmp_path: Path) -> None:
    cands = tmp_path / "c.csv"
    cands.write_text(f"id,name,lon,lat\na,{IMG},0.25,0.25\nb,<b>bold</b>,0.75,0.75\n"
                     "c,Gamma,1.25,0.25\nd,Delta,1.75,0.75\n", encoding="utf-8")
    res = run(*plan_args(tiny_pack_dir, cands), "--format", "md")
    assert res.exit_code == 0, res.output
    assert "&lt;img src=x onerror=alert(1)&gt;" in res.output
    assert "&lt;b&gt;bold&lt;/b&gt;" in res.output
    assert "<img" not in res.output and "<b>" not in res.output


# ------------------------------------------------------------------ paths checked before the work


def test_sensitivity_keeps_an_existing_map_without_overwrite(tiny_pack_dir: Path,
                                                             tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    mine = folder / "mine.html"
    mine.write_text("my annotated map", encoding="utf-8")
    res = run(*sens_args(tiny_pack_dir), "--map", str(mine), "-o", str(folder / "s.json"),
              "--png", str(folder / "t.png"))
    assert res.exit_code == 1
    assert "file exists; pass --overwrite" in res.output
    assert mine.read_text(encoding="utf-8") == "my annotated map"
    assert files_in(folder) == ["mine.html"]  # checked before the work: nothing written
    res = run(*sens_args(tiny_pack_dir), "--map", str(mine), "--overwrite")
    assert res.exit_code == 0, res.output
    assert "<html" in mine.read_text(encoding="utf-8").lower()


@pytest.mark.parametrize(("option", "name"), [
    ("--png", "t.bmp"), ("--heatmap", "h.gif"), ("--map", "m.txt"), ("-o", "s.docx")])
def test_sensitivity_bad_extension_is_a_usage_error_before_the_work(
        tiny_pack_dir: Path, tmp_path: Path, option: str, name: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    others = {"--png": "t.png", "--heatmap": "h.png", "--map": "m.html", "-o": "s.json"}
    args = [a for opt, f in others.items() if opt != option for a in (opt, str(folder / f))]
    res = run(*sens_args(tiny_pack_dir), option, str(folder / name), *args)
    assert res.exit_code == 2, res.output
    assert option in res.output and name in res.output
    assert files_in(folder) == []


def test_sensitivity_format_option_allows_any_extension(tiny_pack_dir: Path,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    res = run(*sens_args(tiny_pack_dir), "-o", str(out), "--format", "md")
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").startswith("# Sensitivity: ")


def test_sensitivity_existing_chart_stops_before_the_work(tiny_pack_dir: Path,
                                                          tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "h.png").write_bytes(b"old")
    res = run(*sens_args(tiny_pack_dir), "-o", str(folder / "s.json"), "--heatmap",
              str(folder / "h.png"))
    assert res.exit_code == 1 and "--overwrite" in res.output
    assert files_in(folder) == ["h.png"] and (folder / "h.png").read_bytes() == b"old"


def test_sensitivity_same_path_twice_writes_nothing(tiny_pack_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    res = run(*sens_args(tiny_pack_dir), "--png", str(folder / "a.png"), "--heatmap",
              str(folder / "a.png"), "--overwrite")
    assert res.exit_code == 1 and "given twice" in res.output
    assert files_in(folder) == []


@pytest.mark.parametrize(("option", "name"), [
    ("--png", "jobs.bmp"), ("--lorenz", "lorenz.gif"), ("--map", "m.txt"), ("-o", "p.docx")])
def test_plan_bad_extension_is_a_usage_error_before_the_work(
        tiny_pack_dir: Path, tmp_path: Path, option: str, name: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    others = {"--png": "jobs.png", "--lorenz": "lorenz.png", "--map": "m.html",
              "-o": "p.json"}
    args = [a for opt, f in others.items() if opt != option for a in (opt, str(folder / f))]
    res = run(*plan_args(tiny_pack_dir), option, str(folder / name), *args)
    assert res.exit_code == 2, res.output
    assert option in res.output and name in res.output
    assert files_in(folder) == []


def test_plan_existing_map_or_chart_is_kept(tiny_pack_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "m.html").write_text("mine", encoding="utf-8")
    res = run(*plan_args(tiny_pack_dir), "-o", str(folder / "p.json"), "--map",
              str(folder / "m.html"))
    assert res.exit_code == 1 and "file exists; pass --overwrite" in res.output
    assert files_in(folder) == ["m.html"]
    assert (folder / "m.html").read_text(encoding="utf-8") == "mine"
    (folder / "lorenz.png").write_bytes(b"old")
    res = run(*plan_args(tiny_pack_dir), "-o", str(folder / "p.json"), "--lorenz",
              str(folder / "lorenz.png"))
    assert res.exit_code == 1
    assert files_in(folder) == ["lorenz.png", "m.html"]
    assert (folder / "lorenz.png").read_bytes() == b"old"


def test_compare_bad_extension_is_a_usage_error(tiny_pack_dir: Path, tmp_path: Path) -> None:
    res = run("compare", str(TINY), str(TINY), "--sites", "2", "--pack", str(tiny_pack_dir),
              "-o", str(tmp_path / "c.docx"))
    assert res.exit_code == 2 and "-o" in res.output and ".docx" in res.output
    assert not (tmp_path / "c.docx").exists()


def test_markdown_cells_render_as_the_literal_name() -> None:
    """Rendered by an independent CommonMark parser, an escaped name reads exactly as given:
    no link, no HTML element, no split cell."""
    import html

    from markdown_it import MarkdownIt

    from siteplan.outputs.files import markdown_escape

    name = "[x](javascript:alert(1)) a|b <img src=x onerror=alert(1)> c\\d & `e`"
    src = f"| site | v |\n| --- | --- |\n| {markdown_escape(name)} | 1 |\n"
    out = MarkdownIt("commonmark").enable("table").render(src)
    assert "<a " not in out and "<img" not in out
    cells = [c.split("</td>")[0] for c in out.split("<td>")[1:]]
    assert len(cells) == 2
    assert html.unescape(cells[0]).replace("<code>", "`").replace("</code>", "`") == name


# ----------------------------------------------------------------- names that become paths


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/absolute", "..", "a/b\\c", " ", "."])
def test_a_scenario_name_never_leaves_the_maps_folder(name: str) -> None:
    from siteplan.outputs.files import default_map_path, safe_stem

    path = Path(default_map_path(name, "ranking"))
    assert path.parent == Path("maps")
    assert path.name.endswith("-ranking.html") and not path.name.startswith(".")
    assert ".." not in path.name and "/" not in safe_stem(name) and "\\" not in safe_stem(name)


@pytest.mark.parametrize("command", ["rank", "plan"])
def test_map_default_path_of_a_hostile_scenario_name_stays_in_maps(
        command: str, tiny_pack_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rank --map and plan --map without a path write maps/<safe name>-..., as 'siteplan map'."""
    work = tmp_path / "work" / "here"
    work.mkdir(parents=True)
    scen = work / "s.toml"
    scen.write_text(TINY.read_text(encoding="utf-8").replace('name = "tiny"',
                                                             'name = "../../escaped"', 1),
                    encoding="utf-8")
    monkeypatch.chdir(work)
    extra = ["--sites", "2"] if command == "plan" else []
    res = run(command, "--scenario", str(scen), "--pack", str(tiny_pack_dir), *extra, "--map")
    assert res.exit_code == 0, res.output
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.html"))
    assert len(written) == 1
    assert written[0].parent == Path("work/here/maps"), written


def test_geojson_collections_carry_the_final_file_name(tiny_pack_dir: Path,
                                                       tmp_path: Path) -> None:
    """GDAL names a GeoJSON collection after its layer; the temp file's name must not leak."""
    import json

    import geopandas as gpd
    from shapely.geometry import Point

    from siteplan.outputs.surface_files import write_hotspots

    out = tmp_path / "ranked sites.geojson"
    res = run("rank", "--scenario", str(TINY), "--pack", str(tiny_pack_dir), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text(encoding="utf-8"))["name"] == "ranked sites"
    hot = gpd.GeoDataFrame({"id": ["h1"], "name": ["Hot"], "lon": [0.5], "lat": [0.5]},
                           geometry=[Point(0.5, 0.5)], crs=4326)
    hp = write_hotspots(hot, tmp_path / "hot.geojson")
    assert json.loads(hp.read_text(encoding="utf-8"))["name"] == "hot"


@pytest.mark.parametrize("text", ["plain", "x`<img src=x onerror=alert(1)>`", "``a`", "`",
                                  " lead", "a\nb <b>"])
def test_a_code_span_stays_literal_under_a_commonmark_renderer(text: str) -> None:
    """Rendered by markdown-it (CommonMark), the span is one <code> holding the text as given."""
    from markdown_it import MarkdownIt

    from siteplan.outputs.files import markdown_code

    rendered = MarkdownIt("commonmark").renderInline(f"Scenario {markdown_code(text)}.")
    assert "<img" not in rendered and "<b>" not in rendered
    assert rendered.count("<code>") == 1
    inner = rendered.split("<code>", 1)[1].split("</code>", 1)[0]
    assert html.unescape(inner) == " ".join(text.splitlines())


def test_rank_markdown_keeps_a_hostile_scenario_name_inside_its_code_span(
        tiny_pack_dir: Path, tmp_path: Path) -> None:
    from markdown_it import MarkdownIt

    scen = tmp_path / "s.toml"
    scen.write_text(TINY.read_text(encoding="utf-8").replace(
        'name = "tiny"', 'name = "x`<img src=x onerror=alert(1)>`"', 1), encoding="utf-8")
    out = tmp_path / "r.md"
    res = run("rank", "--scenario", str(scen), "--pack", str(tiny_pack_dir), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert "<img" not in MarkdownIt("commonmark").render(out.read_text(encoding="utf-8"))


# ----------------------------------------------------------------- CSV injection (OWASP)


def test_csv_text_cells_a_spreadsheet_would_run_get_a_quote_numbers_do_not() -> None:
    from siteplan.outputs.files import csv_safe, raw_csv

    df = pd.DataFrame({"name": ["=1+2", "+x", "-y", "@SUM(A1)", "\tz", "\rw", "Fès", None],
                       "score": [-0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]})
    safe = csv_safe(df)
    assert list(safe["name"][:6]) == ["'=1+2", "'+x", "'-y", "'@SUM(A1)", "'\tz", "'\rw"]
    assert safe["name"][6] == "Fès" and pd.isna(safe["name"][7])
    assert list(safe["score"]) == list(df["score"])          # numbers (negative too) untouched
    assert df["name"][0] == "=1+2"                          # the caller's frame is not changed
    with raw_csv():
        assert csv_safe(df) is df


def test_rank_csv_neutralises_hostile_names_unless_raw_is_asked(
        tiny_pack_dir: Path, hostile_csv: Path, tmp_path: Path) -> None:
    import csv

    out = tmp_path / "r.csv"
    assert run(*rank_args(tiny_pack_dir, hostile_csv), "-o", str(out)).exit_code == 0
    rows = csv.DictReader(out.read_text(encoding="utf-8").splitlines())
    names = {row["id"]: row["name"] for row in rows}
    assert names["b"] == "'" + LINK and all(not n.startswith(("=", "+", "-", "@"))
                                            for n in names.values())
    raw = tmp_path / "raw.csv"
    res = run("--raw-csv", *rank_args(tiny_pack_dir, hostile_csv), "-o", str(raw))
    assert res.exit_code == 0, res.output
    rows = csv.DictReader(raw.read_text(encoding="utf-8").splitlines())
    names = {row["id"]: row["name"] for row in rows}
    assert names["b"] == LINK


def test_xlsx_sheets_are_report_ready(tmp_path: Path) -> None:
    """Frozen header, filters, widths and number formats: scores to 3 decimals, counts and
    large figures with thousands separators, shares as percentages."""
    import openpyxl
    import pandas as pd

    from siteplan.outputs.files import write_xlsx_sheets

    df = pd.DataFrame({"name": ["Marrakech", "A much longer site name than the header"],
                       "score": [0.70597, 0.5], "population": [1120826, 35000],
                       "top_5_membership": [0.89, 0.47], "lon": [-7.99994, -5.1],
                       "jobs": [1234.0, 56.0], "flag": [True, False]})
    p = tmp_path / "t.xlsx"
    write_xlsx_sheets(p, {"sites": df})
    ws = openpyxl.load_workbook(p)["sites"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:G3"
    fmt = {ws.cell(1, j).value: ws.cell(2, j).number_format for j in range(1, 8)}
    assert fmt == {"name": "General", "score": "0.000", "population": "#,##0",
                   "top_5_membership": "0.0%", "lon": "0.00000", "jobs": "#,##0",
                   "flag": "General"}
    assert ws.column_dimensions["A"].width >= len(df["name"].iloc[1])
    assert ws.cell(2, 2).value == 0.70597  # the value itself is kept whole
