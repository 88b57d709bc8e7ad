"""``siteplan surface --partitioned FOLDER``: the folder, the summary and the hotspots, and
the refusals of bad input (one line, non-zero exit, nothing written).

The reference is the in-memory build through the CLI (``-o surface.parquet``), read back
with GeoPandas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from siteplan.cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["surface", *args])


def one_error_line(res: Result, *fragments: str) -> str:
    assert res.exit_code in (1, 2), res.output
    assert isinstance(res.exception, SystemExit), repr(res.exception)
    errors = [line for line in res.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, res.output
    assert "internal error" not in errors[0] and "Traceback" not in res.output
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    return errors[0]


def test_partitioned_equals_the_in_memory_command(tmp_path: Path) -> None:
    import geopandas as gpd
    import pandas as pd

    ref, hot_ref = tmp_path / "s.parquet", tmp_path / "hot_ref.csv"
    res = run("-r", "6", "-o", str(ref), "--hotspots", "6", "--hotspots-out", str(hot_ref))
    assert res.exit_code == 0, res.output
    folder, hot = tmp_path / "parts", tmp_path / "hot.csv"
    res = run("-r", "6", "--partitioned", str(folder), "--hotspots", "6", "--hotspots-out",
              str(hot), "--scheduler", "threads")
    assert res.exit_code == 0, res.output
    a = gpd.read_parquet(ref).sort_values("h3").reset_index(drop=True)
    b = gpd.read_parquet(folder).sort_values("h3").reset_index(drop=True)
    assert list(a["h3"]) == list(b["h3"])
    assert np.array_equal(a["score"].to_numpy(), b["score"].to_numpy(), equal_nan=True)
    pd.testing.assert_frame_equal(pd.read_csv(hot), pd.read_csv(hot_ref))
    assert f"H3 resolution 6: {len(a):,} cells" in res.output
    assert "partitions under H3 resolution 0 cells" in res.output
    assert "near Marrakech" in res.output


@pytest.mark.parametrize(("args", "fragments"), [
    (["-r", "10"], ["--resolution 10", "--partitioned FOLDER"]),
    (["-r", "11", "--partitioned", "{tmp}/p"], ["--resolution 11", "5 to 10"]),
    (["-r", "4", "--partitioned", "{tmp}/p"], ["--resolution 4"]),
    (["-r", "5", "--partitioned", "{tmp}/p", "-o", "{tmp}/s.parquet"],
     ["-o: not with --partitioned"]),
    (["-r", "5", "--partitioned", "{tmp}/p", "--map", "{tmp}/m.html", "--robustness", "10"],
     ["--map, --robustness: not with --partitioned"]),
    (["-r", "5", "--partitioned", "{tmp}/exists"], ["exists: folder exists", "--overwrite"]),
    (["-r", "5", "--partitioned", "{tmp}/afile"], ["afile: is a file, not a folder"]),
    (["-r", "5", "--partitioned", "{tmp}/afile/p"], ["'", "afile' is a file"]),
    (["-r", "5", "--partitioned", "/proc/siteplan-test"], ["/proc/siteplan-test", "/proc"]),
    (["-r", "5", "--partitioned", "{tmp}/p", "--scheduler", "nowhere"], ["--scheduler"]),
    (["-r", "5", "--partitioned", "{tmp}/p", "--hotspots-out", "{tmp}/afile"],
     ["--hotspots-out"]),
    (["-r", "5", "--partitioned", "{tmp}/p", "--method", "topsis"], ["method topsis"]),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, args: list[str],
                                                 fragments: list[str]) -> None:
    (tmp_path / "exists").mkdir()
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    one_error_line(run(*[a.replace("{tmp}", str(tmp_path)) for a in args]), *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert list((tmp_path / "exists").iterdir()) == []


def test_ctrl_c_mid_way_leaves_nothing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C while the third partition is written: click's "Aborted!", exit 1, and no
    folder or temporary left (checked by hand too: SIGINT to a res-8 run)."""
    from siteplan.outputs import surface_files

    real, calls = surface_files.write_partition, []

    def interrupted(part, folder):  # type: ignore[no-untyped-def]
        calls.append(part.parent)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(part, folder)

    monkeypatch.setattr(surface_files, "write_partition", interrupted)
    res = run("-r", "7", "--partitioned", str(tmp_path / "out"))   # 6 partitions
    assert res.exit_code == 1 and "Aborted!" in res.output, res.output
    assert list(tmp_path.iterdir()) == []


def test_a_dead_scheduler_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    res = run("-r", "5", "--partitioned", str(tmp_path / "out"), "--scheduler",
              "tcp://127.0.0.1:9")
    one_error_line(res, "--scheduler tcp://127.0.0.1:9", "no dask scheduler answered")
    assert list(tmp_path.iterdir()) == []
