"""Specification of siteplan._atomic: an output appears whole or not at all, and an
existing file is never replaced without overwrite, even by a run that started first."""

from __future__ import annotations

from pathlib import Path

import pytest

from siteplan._atomic import atomic_path, write_text_atomic
from siteplan.errors import OutputError


def test_a_file_that_appears_during_the_work_is_kept_and_the_late_run_fails(
        tmp_path: Path) -> None:
    target = tmp_path / "ranking.csv"
    with pytest.raises(OutputError, match=r"ranking\.csv: file exists; pass --overwrite"), \
            atomic_path(target, overwrite=False) as tmp:
        tmp.write_text("late run", encoding="utf-8")
        target.write_text("first run", encoding="utf-8")   # a concurrent run finished
    assert target.read_text(encoding="utf-8") == "first run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ranking.csv"]   # no temp left


def test_overwrite_replaces_and_a_failed_writer_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "t.md"
    write_text_atomic(target, "one", overwrite=False)
    write_text_atomic(target, "two", overwrite=True)
    assert target.read_text(encoding="utf-8") == "two"
    with pytest.raises(RuntimeError), atomic_path(target, overwrite=True) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("writer crashed")
    assert target.read_text(encoding="utf-8") == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.md"]
    with pytest.raises(OutputError, match="file exists"):
        write_text_atomic(target, "three", overwrite=False)


def test_an_existing_output_that_is_not_a_regular_file_is_never_replaced(tmp_path: Path) -> None:
    """With --overwrite the result is moved into place by os.replace, which would turn a
    device such as /dev/null, a pipe or a symbolic link into a regular file."""
    import os
    import stat

    from click.testing import CliRunner

    from siteplan._atomic import check_writable
    from siteplan.cli import cli
    from siteplan.errors import OutputError

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    target = tmp_path / "real.csv"
    target.write_text("keep\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    for p, what in ((fifo, "not a regular file"), (link, "a symbolic link")):
        with pytest.raises(OutputError, match=what):
            check_writable(p, overwrite=True)
    res = CliRunner().invoke(cli, ["rank", "-o", str(link), "--overwrite"])
    assert res.exit_code != 0 and "symbolic link" in res.output
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "keep\n"
    if Path("/dev/null").exists():  # the check only: a regression must not replace it
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
        with pytest.raises(OutputError, match="device"):
            check_writable("/dev/null", overwrite=True)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_folder_that_refuses_new_files_gives_one_line() -> None:
    """/proc passes the writable check (as root) but refuses to create files: the error is
    an OutputError naming the path and the folder, not an internal error."""
    with pytest.raises(OutputError, match=r"/proc/x\.json: cannot create a file in '/proc'"):
        write_text_atomic(Path("/proc/x.json"), "{}")


def test_a_folder_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    from siteplan._atomic import FOLDER_MARK, atomic_folder

    target = tmp_path / "surface"
    with pytest.raises(RuntimeError), atomic_folder(target) as tmp:
        (tmp / "a.parquet").write_bytes(b"half")
        raise RuntimeError("writer crashed")
    assert list(tmp_path.iterdir()) == []
    with atomic_folder(target) as tmp:
        (tmp / "a.parquet").write_bytes(b"one")
        assert not target.exists()   # nothing under the final name during the work
    assert sorted(p.name for p in target.iterdir()) == [FOLDER_MARK, "a.parquet"]
    assert target.stat().st_mode & 0o077 == 0o777 & ~_umask() & 0o077   # umask, not 0700
    with pytest.raises(OutputError, match="folder exists; pass --overwrite"), \
            atomic_folder(target):
        pass
    with atomic_folder(target, overwrite=True) as tmp:
        (tmp / "b.parquet").write_bytes(b"two")
    assert sorted(p.name for p in target.iterdir()) == [FOLDER_MARK, "b.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["surface"]


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_folder_target_that_is_a_file_or_foreign_is_refused(tmp_path: Path) -> None:
    from siteplan._atomic import atomic_folder, check_folder

    (tmp_path / "f").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_folder(tmp_path / "f", overwrite=True)
    with pytest.raises(OutputError, match=r"'.*f' is a file, not a folder"):
        check_folder(tmp_path / "f" / "out", overwrite=False)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match="not a folder siteplan wrote"), \
            atomic_folder(tmp_path / "home", overwrite=True):
        pass
    assert (tmp_path / "home" / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_killed_runs_temporary_folder_is_removed(tmp_path: Path) -> None:
    from siteplan._atomic import atomic_folder

    stale = tmp_path / ".out.999999999.abcd1234.tmp"   # no such process
    stale.mkdir()
    (stale / "x.parquet").write_bytes(b"left by a killed run")
    with atomic_folder(tmp_path / "out"):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
