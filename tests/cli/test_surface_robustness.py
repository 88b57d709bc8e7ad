"""``siteplan surface --robustness N --top-q Q``: the robust_share column, the robust
hotspots, the one-line summary and the refusals of bad input (one line, nothing written).

The reference is the Python API (:func:`surface_robustness` on a model built like the
CLI's), read back from the files with pandas/GeoPandas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from siteplan.cli import cli

REPO = Path(__file__).resolve().parents[2]
TINY_SCENARIO = REPO / "tests" / "data" / "tiny-scenario.toml"


def run(tiny_pack, *args: str) -> Result:  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["surface", "--pack", str(tiny_pack.root), "--scenario",
                                    str(TINY_SCENARIO), "-r", "6", *args])


def one_error_line(res: Result, *fragments: str) -> str:
    assert res.exit_code in (1, 2), res.output
    assert isinstance(res.exception, SystemExit), repr(res.exception)
    errors = [line for line in res.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, res.output
    assert "internal error" not in errors[0] and "Traceback" not in res.output
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    return errors[0]


@pytest.fixture(scope="module")
def api_model(tiny_pack):  # type: ignore[no-untyped-def]
    """The surface the CLI builds (default criteria skipping, scenario weights)."""
    from siteplan.analyses.surface.model import SurfaceModel

    return SurfaceModel.build(TINY_SCENARIO, pack=tiny_pack, resolution=6)


def test_robustness_adds_robust_share_and_robust_hotspots(tiny_pack, api_model,  # type: ignore[no-untyped-def]
                                                          tmp_path) -> None:
    import pandas as pd

    from siteplan.analyses.surface.robustness import surface_robustness

    out, hot = tmp_path / "s.csv", tmp_path / "hot.csv"
    res = run(tiny_pack, "--robustness", "40", "--top-q", "10", "--hotspots", "4",
              "--spacing", "30", "-o", str(out), "--hotspots-out", str(hot))
    assert res.exit_code == 0, res.output
    rob = surface_robustness(api_model, 40, top_q=10.0, n_hotspots=4, min_spacing_km=30.0,
                             pack=tiny_pack)
    lines = [line for line in res.output.splitlines() if line.startswith("robustness:")]
    assert len(lines) == 1
    for part in ("40 uniform weight samples", "seed 42", "top 10 %", " s"):
        assert part in lines[0], (part, lines[0])
    assert "robust hotspots" in res.output and "share" in res.output
    table = pd.read_csv(out)
    np.testing.assert_array_equal(table["robust_share"].to_numpy(), rob.share)
    assert list(table.columns[-2:]) == ["score", "robust_share"]
    spots = pd.read_csv(hot)
    assert spots["h3"].tolist() == rob.hotspots["h3"].tolist()
    np.testing.assert_allclose(spots["robust_share"], rob.hotspots["robust_share"])
    np.testing.assert_allclose(spots["score"], rob.hotspots["score"])
    first = rob.hotspots.iloc[0]
    assert f"{first['robust_share']:.1%}" in res.output and first["h3"] in res.output


@pytest.mark.parametrize("ext", [".parquet", ".gpkg"])
def test_robust_share_in_geoparquet_and_geopackage(tiny_pack, api_model, tmp_path,  # type: ignore[no-untyped-def]
                                                  ext) -> None:
    import geopandas as gpd

    from siteplan.analyses.surface.robustness import surface_robustness

    out = tmp_path / f"s{ext}"
    res = run(tiny_pack, "--robustness", "25", "--seed", "7", "--sampling", "dirichlet",
              "--concentration", "20", "-o", str(out), "--hotspots", "0")
    assert res.exit_code == 0, res.output
    assert "25 dirichlet weight samples, concentration 20 (seed 7)" in res.output
    rob = surface_robustness(api_model, 25, seed=7, sampling="dirichlet", concentration=20.0,
                             n_hotspots=0)
    frame = gpd.read_parquet(out) if ext == ".parquet" else gpd.read_file(out)
    np.testing.assert_array_equal(frame["robust_share"].to_numpy(dtype=float), rob.share)
    assert "geometry" in frame.columns


def test_bounds_sampling(tiny_pack, api_model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    from siteplan.analyses.surface.robustness import surface_robustness

    out = tmp_path / "s.csv"
    res = run(tiny_pack, "--robustness", "15", "--bound", "talent=0.3:0.7", "-o", str(out),
              "--hotspots", "2")
    assert res.exit_code == 0, res.output
    assert "15 bounds weight samples" in res.output
    rob = surface_robustness(api_model, 15, sampling="bounds",
                             bounds={"talent": (0.3, 0.7)}, n_hotspots=0)
    np.testing.assert_array_equal(pd.read_csv(out)["robust_share"].to_numpy(), rob.share)


def test_without_robustness_the_output_is_unchanged(tiny_pack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    out = tmp_path / "s.csv"
    res = run(tiny_pack, "-o", str(out), "--hotspots", "2")
    assert res.exit_code == 0, res.output
    assert "robust_share" not in pd.read_csv(out).columns
    assert "robustness:" not in res.output and "robust hotspots" not in res.output


@pytest.mark.parametrize(("args", "fragments"), [
    (["--robustness", "0"], ["--robustness", "0"]),
    (["--robustness", "-3"], ["--robustness"]),
    (["--robustness", "many"], ["--robustness"]),
    (["--robustness", "10", "--top-q", "0"], ["--top-q", "0"]),
    (["--robustness", "10", "--top-q", "100"], ["--top-q", "100"]),
    (["--robustness", "10", "--top-q", "-5"], ["--top-q"]),
    (["--robustness", "10", "--top-q", "250"], ["--top-q"]),
    (["--robustness", "10", "--top-q", "nan"], ["--top-q"]),
    (["--top-q", "5"], ["--top-q", "--robustness N"]),
    (["--seed", "3"], ["--seed", "--robustness N"]),
    (["--robustness", "10", "--bound", "talent=0.1:0.3", "--sampling", "uniform"],
     ["--bound", "--sampling bounds"]),
    (["--robustness", "10", "--concentration", "9"], ["--concentration", "dirichlet"]),
    (["--robustness", "10", "--bound", "nope=0.1:0.3"], ["unknown criterion 'nope'"]),
    (["--robustness", "10", "--sampling", "bounds"], ["needs bounds"]),
    (["--robustness", "10", "-w", "airport_km=0", "-w", "unemployment=0"],
     ["two or more criteria"]),
])
def test_bad_input_is_one_line_and_writes_nothing(tiny_pack, tmp_path, args,  # type: ignore[no-untyped-def]
                                                  fragments) -> None:
    out, hot = tmp_path / "s.parquet", tmp_path / "hot.csv"
    res = run(tiny_pack, *args, "-o", str(out), "--hotspots-out", str(hot))
    one_error_line(res, *fragments)
    assert list(tmp_path.iterdir()) == []
    assert "H3 resolution" not in res.output  # refused before the surface was built


def test_help_lists_the_options() -> None:
    res = CliRunner().invoke(cli, ["surface", "--help"])
    assert res.exit_code == 0
    for option in ("--robustness N", "--top-q Q", "--sampling", "--bound", "robust_share"):
        assert option in res.output, option


def test_scheduler_threads_prints_the_same_and_bad_schedulers_are_one_line(  # type: ignore[no-untyped-def]
        tiny_pack, tmp_path) -> None:
    args = ("--robustness", "20", "--top-q", "10", "--hotspots", "3", "--seed", "5")
    ref, got = run(tiny_pack, *args), run(tiny_pack, *args, "--scheduler", "threads")
    assert ref.exit_code == 0 and got.exit_code == 0, got.output

    def table(out: str) -> list[str]:  # the printed report without its timing line
        return [line for line in out.splitlines() if " s" not in line and "time" not in line]

    assert table(ref.output) == table(got.output)
    one_error_line(run(tiny_pack, "--scheduler", "threads"), "--scheduler", "--robustness")
    out = tmp_path / "s.parquet"
    one_error_line(run(tiny_pack, *args, "--scheduler", "nowhere", "-o", str(out)),
                   "--scheduler 'nowhere'")
    assert not out.exists()
