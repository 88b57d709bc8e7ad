"""Safe file I/O: atomic writes (an existing output is never left half-overwritten),
unwritable targets found before the work, failed writes and unreadable text reported
in one line naming the file."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from siteplan.errors import OutputError, note_input


def check_writable(path: str | os.PathLike[str], overwrite: bool) -> Path:
    """Return ``path`` as a Path, or raise OutputError when it exists and overwrite is off."""
    p = Path(path)
    if p.exists() and not overwrite:
        raise OutputError(f"{p}: file exists; pass --overwrite to replace it or choose another "
                          "path")
    if p.exists() and p.is_dir():
        raise OutputError(f"{p}: is a folder; give a file path")
    if p.is_symlink() or (p.exists() and not p.is_file()):
        # the result is moved into place with os.replace, which would replace a device
        # (/dev/...), a pipe or the link itself by a regular file
        what = "a symbolic link" if p.is_symlink() else "not a regular file (a device or a pipe)"
        raise OutputError(f"{p}: is {what}; siteplan writes regular files only: give the path "
                          "of a file")
    folder = _writable_parent(p)
    if p.exists() and not os.access(p, os.W_OK) and _read_only(folder):
        raise OutputError(f"{p}: cannot replace it (read-only file system); choose another "
                          "path")
    return p


def _writable_parent(p: Path) -> Path:
    """The nearest existing folder above ``p``, checked to take new files (one OutputError
    line naming ``p`` otherwise): a folder, writable, and not one that refuses new files
    (/proc, some mounts) although os.access says it is writable."""
    folder = _existing_ancestor(p.parent)
    if not folder.is_dir():
        raise OutputError(f"{p}: '{folder}' is a file, not a folder; choose another path")
    if not os.access(folder, os.W_OK | os.X_OK):
        why = "read-only file system" if _read_only(folder) else "permission denied"
        raise OutputError(f"{p}: cannot write in '{folder}' ({why}); choose a folder you can "
                          "write to")
    try:  # what os.access cannot tell
        with tempfile.TemporaryFile(dir=folder):  # unnamed where the OS allows: nothing left
            pass
    except OSError as exc:
        raise OutputError(f"{p}: cannot create a file in '{folder}' ({exc.strerror or exc}); "
                          "choose a folder you can write to") from None
    return folder


def _existing_ancestor(folder: Path) -> Path:
    """``folder``, or its nearest existing parent (where the missing folders would be made)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _read_only(folder: Path) -> bool:
    """Whether ``folder`` lies on a file system mounted read-only."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


#: errors of the operating system a write can meet, and the advice for each
_WRITE_FAILURES = {
    errno.ENOSPC: "the disk is full; free some space or choose another disk",
    errno.EDQUOT: "the disk quota is exceeded; free some space or choose another disk",
    errno.EFBIG: "the file is too large for this file system; choose another disk",
    errno.EROFS: "read-only file system; choose a folder you can write to",
    errno.EACCES: "permission denied; choose a folder you can write to",
    errno.EPERM: "operation not permitted; choose a folder you can write to",
    errno.EIO: "input/output error on the disk; check the drive and try again",
}


def write_failure(path: Path, exc: OSError) -> OutputError | None:
    """The one-line OutputError for a failed write of ``path``, or None if ``exc`` is not
    a write failure (then it is someone else's error to report)."""
    advice = _WRITE_FAILURES.get(exc.errno or 0)
    if advice is None:
        return None
    return OutputError(f"{path}: could not be written ({advice}); nothing was replaced")


def _clean_stale(target: Path) -> None:
    """Remove temporaries of this target left by a run that was killed.

    They are named ``.NAME.PID.XXXX.tmpSUFFIX``; one whose process no longer runs on
    this machine is stale. Others (a concurrent run's) are left alone.
    """
    try:
        leftovers = list(target.parent.glob(f".{target.name}.*.tmp{target.suffix}"))
    except OSError:
        return
    for tmp in leftovers:
        pid = tmp.name[len(target.name) + 2:].split(".", 1)[0]
        if not pid.isdigit() or _running(int(pid)):
            continue
        with suppress(OSError):
            tmp.unlink()


def _running(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True
    return True


def read_text(path: str | os.PathLike[str], what: str, error: type[Exception]) -> str:
    """The text of a file the user gave, as UTF-8 (a BOM is allowed).

    Every reason it cannot be read becomes one ``error`` line naming the file and the
    fix: missing, a folder, not readable, or not UTF-8 (saying which encoding it looks
    like: UTF-16 from its byte-order mark, else a single-byte code page).
    """
    p = Path(path)
    note_input(p)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise error(f"{p}: no such file; check the path of {what}") from None
    except IsADirectoryError:
        raise error(f"{p}: is a folder; give {what} as a file") from None
    except PermissionError:
        raise error(f"{p}: permission denied; make {what} readable") from None
    except OSError as exc:
        raise error(f"{p}: cannot be read ({exc.strerror}); check {what}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    raise error(f"{p}: not UTF-8 text (it looks like {looks_like(data)}); save {what} as UTF-8")


def looks_like(data: bytes) -> str:
    """What non-UTF-8 bytes look like, for the error line: UTF-16 (from its byte-order
    mark), binary data, or a single-byte code page."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16"
    if b"\x00" in data[:4096]:
        return "binary data, not text"
    return "a single-byte code page such as Windows-1252 or Latin-1"


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
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(target)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.",
                                        suffix=".tmp" + target.suffix, dir=target.parent)
    except OSError as exc:
        # no file can be made there (a full or read-only disk, or a folder such as /proc
        # that refuses new files): always one line, whatever the errno
        raise (write_failure(target, exc) or OutputError(
            f"{target}: cannot create a file in '{target.parent}' ({exc.strerror or exc}); "
            "choose a folder you can write to")) from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as pyogrio refuse to write over an existing file
    try:
        try:
            yield tmp
            if overwrite:
                os.replace(tmp, target)
            else:
                _link_into_place(tmp, target)
        except OSError as exc:
            failure = write_failure(target, exc)
            if failure is None:
                raise
            raise failure from None
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


#: the file that marks a folder written by :func:`atomic_folder` (what --overwrite may
#: replace: never a folder siteplan did not write)
FOLDER_MARK = "_siteplan.json"


def check_folder(path: str | os.PathLike[str], overwrite: bool) -> Path:
    """Return ``path`` as a Path for a new output folder, or raise OutputError in one line:
    it exists (without ``overwrite``), it is a file, it is a folder siteplan did not
    write (never replaced), or its parent cannot take a new folder."""
    p = Path(path)
    if p.is_symlink() or (p.exists() and not p.is_dir()):
        raise OutputError(f"{p}: is a file, not a folder; give the path of a new folder for "
                          "the partitioned output")
    if p.exists():
        if not overwrite:
            raise OutputError(f"{p}: folder exists; pass --overwrite to replace it or choose "
                              "another path")
        if not (p / FOLDER_MARK).is_file() and any(p.iterdir()):
            raise OutputError(f"{p}: not a folder siteplan wrote (no {FOLDER_MARK}); it is "
                              "not replaced even with --overwrite: choose another path")
    _writable_parent(p)
    return p


@contextmanager
def atomic_folder(path: str | os.PathLike[str], overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; give it the name ``path`` only on success.

    On any exception (Ctrl-C included) the temporary folder and what was written in it
    are removed and ``path`` is untouched. With ``overwrite`` an existing folder that
    siteplan wrote is moved aside, the new one renamed into place, then the old one
    removed. Temporary folders of runs that were killed (``.NAME.PID.XXXX.tmp``, PID
    no longer running) are removed first.
    """
    import shutil

    target = check_folder(path, overwrite)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _clean_stale_folders(target)
        tmp = _new_folder(target, ".tmp")
    except OSError as exc:
        raise (write_failure(target, exc) or OutputError(
            f"{target}: cannot create a folder in '{target.parent}' ({exc.strerror or exc}); "
            "choose a folder you can write to")) from None
    try:
        try:
            yield tmp
            (tmp / FOLDER_MARK).touch(exist_ok=True)
            _rename_folder(tmp, target, overwrite)
        except OSError as exc:
            failure = write_failure(target, exc)
            if failure is None:
                raise
            raise failure from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _new_folder(target: Path, suffix: str) -> Path:
    """A new empty folder ``.NAME.PID.XXXX<suffix>`` beside ``target`` (permissions from
    the umask, as a folder made by hand: not mkdtemp's owner-only mode)."""
    import uuid

    while True:
        tmp = target.parent / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}{suffix}"
        try:
            tmp.mkdir()
        except FileExistsError:
            continue
        return tmp


def _rename_folder(tmp: Path, target: Path, overwrite: bool) -> None:
    import shutil

    if not target.exists():
        try:
            os.rename(tmp, target)  # fails when a non-empty folder appeared meanwhile
        except OSError:
            if target.exists():
                raise OutputError(f"{target}: folder exists; pass --overwrite to replace it "
                                  "or choose another path") from None
            raise
        return
    if not overwrite:
        raise OutputError(f"{target}: folder exists; pass --overwrite to replace it or "
                          "choose another path")
    old = _new_folder(target, ".old")
    os.rename(target, old / target.name)
    os.rename(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


def _clean_stale_folders(target: Path) -> None:
    """Remove temporary folders of this target left by a run that was killed."""
    import shutil

    try:
        leftovers = [*target.parent.glob(f".{target.name}.*.tmp"),
                     *target.parent.glob(f".{target.name}.*.old")]
    except OSError:
        return
    for tmp in leftovers:
        pid = tmp.name[len(target.name) + 2:].split(".", 1)[0]
        if tmp.is_dir() and pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)
