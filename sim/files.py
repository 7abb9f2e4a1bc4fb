"""Files read and written so that nothing unbounded gets in and nothing half-written looks
complete.

- Writing: every file is written under a temporary name in the same folder and renamed into
  place, so a crash never leaves a half-written file under its final name
  (:func:`atomic_write_bytes`, :func:`atomic_write_text`).
- Reading what a user gave: :func:`read_input` reads regular files only (a device, a FIFO or a
  folder is refused before it is opened, so ``/dev/zero`` is not read forever and a FIFO does
  not block) and at most a given number of bytes.
- Sharing a folder: :func:`folder_lock` lets one command at a time write an output folder and
  tells the next one who holds it.

Below every layer: used by the scenario readers, the runs, the presentation and the command line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sim.errors import ScenarioError

__all__ = [
    "FolderBusy",
    "UnreadableInput",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_out_dir",
    "folder_lock",
    "read_input",
]

_UMASK = os.umask(0)
os.umask(_UMASK)


# ------------------------------------------------------------------------------ writing
def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp creates 0600; results are for sharing
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Text version of :func:`atomic_write_bytes` (UTF-8, newline as written)."""
    atomic_write_bytes(path, text.encode("utf-8"))


# ------------------------------------------------------------------------------ reading
class UnreadableInput(Exception):
    """A file a user named cannot be read as input: ``message`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "a special file"


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n:,} bytes"


def read_input(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` bytes.

    The file is checked with ``stat`` before it is opened (a FIFO would block the open), opened
    without blocking and checked again on the open descriptor (it may have been swapped), then
    read up to one byte past the limit (it may have grown).

    Raises:
        UnreadableInput: Missing, a folder, a device, a FIFO, a socket, unreadable, larger
            than ``max_bytes``, or a path with a NUL byte.
    """
    text = os.fspath(path)
    if "\x00" in str(text):
        raise UnreadableInput("the path contains a NUL byte")
    try:
        info = os.stat(text)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableInput(f"is {_kind(info.st_mode)}, not a file")
        if info.st_size > max_bytes:
            raise UnreadableInput(
                f"file too large ({_size(info.st_size)}; at most {_size(max_bytes)})")
        fd = os.open(text, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UnreadableInput("file not found") from None
    except PermissionError:
        raise UnreadableInput("cannot read the file: permission denied") from None
    except OSError as exc:
        raise UnreadableInput(f"cannot read the file: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UnreadableInput(f"is {_kind(mode)}, not a file")
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise UnreadableInput(f"cannot read the file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise UnreadableInput(f"file too large (more than {_size(max_bytes)})")
    return data


# ---------------------------------------------------------------------- output folders
class FolderBusy(ScenarioError):
    """Another command writes this folder now, or it cannot be an output folder: one line
    ``FOLDER: what is wrong; what to do`` (exit status 2 on the command line)."""


LOCK_NAME = ".binnenstad.lock"
_held: dict[str, int] = {}  # folder -> depth of folder_lock calls holding it in this process


def check_out_dir(folder: str | os.PathLike[str]) -> Path:
    """``folder`` as an output folder: refused if it is a file or its path holds a NUL byte.

    Raises:
        FolderBusy: With what is wrong and what to do.
    """
    text = str(os.fspath(folder))
    if "\x00" in text:
        raise FolderBusy("the path contains a NUL byte", file=repr(text))
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise FolderBusy("is a file, not a folder; choose a folder for the outputs", file=text)
    return path


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike[str], command: str, *, create: bool = True
                ) -> Iterator[Path]:
    """Hold ``folder`` (created if missing, unless ``create`` is False) for one writer while
    the ``with`` block runs. A folder made here and left empty (a command that refused its
    input) is removed at the end.

    The lock is an exclusive ``flock`` on ``folder/.binnenstad.lock``, which records who holds
    it (command, process id, host, since when); the kernel releases it when the process ends,
    however it ends, so a killed command never leaves a folder locked. The file is removed when
    the block ends. Nested calls for the same folder in one process share the lock. On network
    file systems without ``flock`` two machines are not kept apart.

    Raises:
        FolderBusy: Another process holds the folder (the message says which), or the folder
            is a file.
    """
    path = check_out_dir(folder)
    key = os.path.realpath(path)
    if key in _held:
        _held[key] += 1
        try:
            yield path
        finally:
            _held[key] -= 1
        return
    if not create and not path.is_dir():
        raise FolderBusy("no such folder", file=str(path))
    made = not path.exists()  # removed again if the command leaves it empty (refused input)
    lock = path / LOCK_NAME
    while True:
        path.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0),
                         0o666 & ~_UMASK)
        except FileNotFoundError:  # another command made the folder, left it empty, removed it
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise FolderBusy(f"in use by {_holder(lock)}; wait until it has finished, or "
                             "choose another output folder", file=str(path)) from None
        try:  # the holder before us may have removed the file after we opened it
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        info = {"command": command, "pid": os.getpid(), "host": socket.gethostname(),
                "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.write(fd, (json.dumps(info) + "\n").encode())
        _held[key] = 1
        try:
            yield path
        finally:
            del _held[key]
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()  # before closing: a waiting process then finds a new inode
        os.close(fd)
        if made:
            with contextlib.suppress(OSError):
                path.rmdir()  # only if empty: a command that wrote nothing leaves nothing


def _holder(lock: Path) -> str:
    """Who holds ``lock``, in words, from what it wrote there."""
    try:
        info = json.loads(read_input(lock, 4096))
        return (f"'{info['command']}' (process {int(info['pid'])} on {info['host']}, since "
                f"{info['since']})")
    except (UnreadableInput, ValueError, KeyError, TypeError):
        return "another binnenstad command"
