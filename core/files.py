"""Writing files so that readers never see a half-written one, and report paths checked before any work is done.

A report (``--output PATH``) is a regular file written atomically: the text goes to a temporary file beside it
(created with the mode the umask gives, or the existing file's mode), is flushed to disk (``fsync``) and renamed
over the target; on any failure (full disk, read-only folder, a limit on file size) the temporary file is
removed, the target is untouched and the command ends with one error (exit 2). ``-`` means standard output.

Symbolic links are **refused** as a target: a link in a checked-out repository could otherwise point a CI job's
report at any file the job may write. Directories, device nodes, pipes and sockets are refused too, and a parent
that is a file. Missing parent folders are created.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from aiscale.core.errors import AiscaleError

STDOUT = "-"


class OutputError(AiscaleError):
    """A file cannot be written where it was asked for; names the path and why (exit 2)."""


def is_stdout(path: Path | str) -> bool:
    return str(path) == STDOUT


def check_output_path(path: Path | str, option: str = "--output") -> None:
    """Refuse, before a run, an output path that cannot become a regular file written by aiscale."""
    if is_stdout(path):
        return
    target = Path(path)
    try:
        status = target.lstat()
    except (FileNotFoundError, NotADirectoryError):
        status = None  # a parent that is a file is named below
    except OSError as error:
        raise OutputError(f"{option} {target}: {error.strerror}") from None
    if status is not None:
        if stat.S_ISLNK(status.st_mode):
            raise OutputError(
                f"{option} {target}: is a symbolic link (to {os.readlink(target)}); aiscale does not write through "
                "links: name the file itself"
            )
        if stat.S_ISDIR(status.st_mode):
            raise OutputError(f"{option} {target}: is a directory; name a file in it")
        if not stat.S_ISREG(status.st_mode):
            raise OutputError(f"{option} {target}: is not a regular file (a device, pipe or socket); use - for stdout")
    folder = _existing_ancestor(target.parent, option, target)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{option} {target}: the folder {folder} is not writable")


def _existing_ancestor(folder: Path, option: str, target: Path) -> Path:
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            if not candidate.is_dir():
                raise OutputError(f"{option} {target}: {candidate} is a file, not a folder")
            return candidate
    return Path.cwd()  # pragma: no cover - a relative path always ends at the working directory


def write_report(path: Path | str, text: str, option: str = "--output") -> None:
    """Write a report: to standard output for ``-``, else atomically to the file (checked as before the run)."""
    if is_stdout(path):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    check_output_path(path, option)
    write_atomically(Path(path), text)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, fsync it, then rename it over ``path``.

    A new file gets the mode the umask gives (as ``open`` would); an existing file keeps its mode. On any failure
    the temporary file is removed and an OutputError names the path.
    """
    with replacing(path, text):
        pass


@contextlib.contextmanager
def replacing(path: Path, text: str) -> Iterator[None]:
    """Write ``text`` to a synced temporary file beside ``path``; leaving the block renames it over ``path``.

    What the block does happens before the file is replaced (an audit record): an exception there, like any
    failure to write, leaves ``path`` untouched and the temporary file removed.
    """
    temporary = _temporary(path, text.encode("utf-8"))
    try:
        yield
        try:
            os.replace(temporary, path)
        except OSError as error:
            raise OutputError(f"cannot write {path}: {error.strerror}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_folder(path.parent)


def _temporary(path: Path, data: bytes) -> Path:
    """A temporary file beside ``path`` holding ``data``, on disk; removed again if anything fails."""
    temporary = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created with 0o666 minus the umask, as `open` creates files (mkstemp would make it 0o600).
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if path.exists():
                os.fchmod(handle.fileno(), stat.S_IMODE(path.stat().st_mode))
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise OutputError(f"cannot write {path}: {error.strerror}") from None
    return temporary


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a crash right after it must not bring the old file back)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


@contextlib.contextmanager
def exclusive_lock(path: Path, holder: str, timeout: float = 60.0) -> Iterator[None]:
    """Hold an exclusive advisory lock (``flock``) on the existing file ``path`` while it is read and replaced.

    Nothing is left on disk. The lock is on the file as it is when taken: if another holder replaced the file
    meanwhile (an atomic rename makes a new file), the lock is taken again on the new one. A second holder waits
    up to ``timeout`` seconds, then gets an OutputError naming ``holder`` (who else would hold it).
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            descriptor = os.open(path, os.O_RDONLY)
        except OSError as error:
            raise OutputError(f"cannot lock {path}: {error.strerror}") from None
        try:
            _flock(descriptor, path, holder, deadline, timeout)
            if _same_file(descriptor, path):
                break
        except BaseException:
            os.close(descriptor)
            raise
        os.close(descriptor)  # replaced while we waited: lock the file that is there now
    try:
        yield
    finally:
        os.close(descriptor)  # closing the descriptor releases the lock


def _flock(descriptor: int, path: Path, holder: str, deadline: float, timeout: float) -> None:
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as error:
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise OutputError(f"cannot lock {path}: {error.strerror}") from None
        if time.monotonic() >= deadline:
            raise OutputError(f"{path} is locked by {holder} for more than {timeout:g} s; try again when it is done")
        time.sleep(0.05)


def _same_file(descriptor: int, path: Path) -> bool:
    try:
        current = path.stat()
    except FileNotFoundError:
        return False
    locked = os.fstat(descriptor)
    return (locked.st_dev, locked.st_ino) == (current.st_dev, current.st_ino)
