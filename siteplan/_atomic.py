"""Atomic file writing: an existing output is never left half-overwritten."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from siteplan.errors import OutputError


def check_writable(path: str | os.PathLike[str], overwrite: bool) -> Path:
    """Return ``path`` as a Path, or raise OutputError when it exists and overwrite is off."""
    p = Path(path)
    if p.exists() and not overwrite:
        raise OutputError(f"{p}: file exists; pass --overwrite to replace it or choose another "
                          "path")
    if p.exists() and p.is_dir():
        raise OutputError(f"{p}: is a folder; give a file path")
    return p


@contextmanager
def atomic_path(path: str | os.PathLike[str], overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only on success.

    The temporary file lives in the same folder so that ``os.replace`` is atomic.
    On any exception the temporary file is removed and ``path`` is untouched.
    Without ``overwrite`` the file is linked into place, which fails when the path
    appeared meanwhile: of two runs writing the same new file, exactly one wins and
    the other gets the "file exists" message instead of silently replacing it.
    """
    target = check_writable(path, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + target.suffix,
                                    dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as pyogrio refuse to write over an existing file
    try:
        yield tmp
        if overwrite:
            os.replace(tmp, target)
        else:
            _link_into_place(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _link_into_place(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the name ``target`` only if no file has that name (atomic where links exist)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise OutputError(f"{target}: file exists; pass --overwrite to replace it or choose "
                          "another path") from None
    except OSError:
        # no hard links on this file system (some network or FAT drives): best effort
        if target.exists():
            raise OutputError(f"{target}: file exists; pass --overwrite to replace it or "
                              "choose another path") from None
        os.replace(tmp, target)


def write_text_atomic(path: str | os.PathLike[str], text: str, overwrite: bool = True) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    with atomic_path(path, overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_with(path: str | os.PathLike[str], writer: Callable[[Path], None],
               overwrite: bool = True) -> Path:
    """Call ``writer(tmp_path)`` and move the result into ``path`` atomically."""
    with atomic_path(path, overwrite) as tmp:
        writer(tmp)
    return Path(path)
