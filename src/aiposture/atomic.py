"""Every file aiposture writes goes through here: written under a temporary name in the target's
own directory, flushed and fsynced, and moved over the target with `os.replace` only when
complete. A full disk, a killed process or two scans writing the same `--output` at once can
therefore never leave a truncated or interleaved report: readers see the previous file or the
new one, whole.

Targets that are not regular files (`/dev/null`, a FIFO, a terminal) cannot be replaced; they
are written straight through.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from aiposture.errors import OutputError, describe_os_error, short_path

_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    with _UMASK_LOCK:  # os.umask can only be read by setting it
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


class AtomicFile:
    """A binary file that becomes `target` on `commit()` and vanishes on `discard()`.

    `mode`: permission bits of a new file (default: 0o666 minus the umask; an existing file
    keeps its own). Raises OSError; `atomic_output` turns that into an OutputError.
    """

    def __init__(self, target: Path, *, mode: int | None = None, buffering: int = 1 << 20):
        self.target = target
        self._tmp: Path | None = None
        self.existed = False
        self.in_place = False  # a device or FIFO: written straight through
        try:
            st: os.stat_result | None = target.stat()
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "Is a directory", str(target))
        if st is not None and not stat.S_ISREG(st.st_mode):
            self.final = target
            self.in_place = True
            self.file: IO[bytes] = target.open("wb", buffering=buffering)
            return
        self.existed = st is not None
        if st is not None and not os.access(target, os.W_OK):
            # A read-only report stays protected, as if written in place.
            raise PermissionError(13, "Permission denied", str(target))
        # A symlinked report keeps its link: the file it points to is replaced.
        self.final = Path(os.path.realpath(target))
        fd, tmp = tempfile.mkstemp(
            dir=self.final.parent, prefix=f".{self.final.name[:80]}.", suffix=".tmp"
        )
        self._tmp = Path(tmp)
        try:
            if mode is None:
                mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask()
            os.fchmod(fd, mode)
            self.file = os.fdopen(fd, "wb", buffering=buffering)
        except BaseException:
            os.close(fd)
            self._unlink()
            raise

    def commit(self) -> None:
        """Flush, fsync and move into place. On failure the temporary file is removed."""
        try:
            self.file.flush()
            if self._tmp is not None:
                os.fsync(self.file.fileno())
            self.file.close()
            if self._tmp is not None:
                self._tmp.replace(self.final)
                self._tmp = None
                _fsync_dir(self.final.parent)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Drop what was written; the target is left as it was. Never raises."""
        with contextlib.suppress(OSError, ValueError):
            self.file.close()
        self._unlink()

    def _unlink(self) -> None:
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.unlink()
            self._tmp = None

    def error(self, exc: OSError) -> OutputError:
        return write_error(self.target, exc, existed=self.existed, atomic=not self.in_place)


def file_exists(target: Path) -> bool:
    """A regular file is there (False for a path that cannot even be looked up)."""
    try:
        return stat.S_ISREG(target.stat().st_mode)
    except (OSError, ValueError):
        return False


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; not every file system lets a directory be opened or synced."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_error(target: Path, exc: OSError, *, existed: bool, atomic: bool = True) -> OutputError:
    """The one line for a file that could not be written, saying what became of the old one."""
    line = describe_os_error(exc, target, "cannot write")
    if atomic and existed:
        line += f"; the previous {short_path(target.name, 60)} is unchanged"
    elif atomic:
        line += "; nothing was written"
    return OutputError(line)


class _Text:
    """The text face of a binary file, for rich.Console(file=...)."""

    encoding = "utf-8"

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw

    def write(self, text: str) -> int:
        self._raw.write(text.encode("utf-8"))
        return len(text)

    def flush(self) -> None:
        self._raw.flush()

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def atomic_output(target: Path, *, mode: int | None = None) -> Iterator[IO[bytes]]:
    """`with atomic_output(path) as fh: fh.write(...)`: the file appears whole or not at all.

    An OSError while opening, writing or committing becomes one OutputError line naming the
    target and saying the previous file is unchanged; any other exception discards the
    temporary file and propagates."""
    try:
        af = AtomicFile(target, mode=mode)
    except OSError as exc:
        raise write_error(target, exc, existed=file_exists(target)) from None
    try:
        yield af.file
    except OSError as exc:
        af.discard()
        raise af.error(exc) from None
    except BaseException:
        af.discard()
        raise
    try:
        af.commit()
    except OSError as exc:
        raise af.error(exc) from None


@contextlib.contextmanager
def atomic_text_output(target: Path) -> Iterator[Any]:
    """Like atomic_output, with a UTF-8 text file object (for rich consoles)."""
    with atomic_output(target) as fh:
        yield _Text(fh)


def write_bytes_atomic(target: Path, data: bytes, *, mode: int | None = None) -> None:
    with atomic_output(target, mode=mode) as fh:
        fh.write(data)
