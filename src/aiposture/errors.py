"""Typed errors raised at the edges; the CLI turns each into one line and an exit code.

Exit codes (README "Exit codes"): 0 done; 1 only when --fail-on / --fail-on-new tripped;
2 usage or bad input (including an output that cannot be written); 3 nothing could be read or
collected; 70 internal error (a bug: one line and where the traceback was saved); 130
interrupted; 141 standard output closed early by the reader (broken pipe).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

EXIT_OK = 0
EXIT_GATE = 1  # --fail-on / --fail-on-new tripped; never used for anything else
EXIT_USAGE = 2
EXIT_NOTHING_READ = 3
EXIT_INTERNAL = 70  # EX_SOFTWARE (sysexits.h)
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for `yes | head -1`


class AiPostureError(Exception):
    """Base class. `str(err)` is the one line shown to the user."""

    exit_code = EXIT_USAGE


class InputError(AiPostureError):
    """Bad input: a file that cannot be read or parsed, or a row that makes no sense.

    The message names what, where and what to do.
    """

    exit_code = EXIT_USAGE


class ConfigError(AiPostureError):
    """aiposture.toml or a flag has an invalid value."""

    exit_code = EXIT_USAGE


class OutputError(AiPostureError):
    """A report, snapshot or export could not be written (full disk, read-only file system,
    missing directory, closed stdout...). The message says whether the previous file is intact."""

    exit_code = EXIT_USAGE


class StoreError(AiPostureError):
    """The scan history store cannot be opened, read or written (history/)."""

    exit_code = EXIT_USAGE


class NotifyError(AiPostureError):
    """A --notify webhook could not be delivered (the scan itself was stored)."""

    exit_code = EXIT_USAGE


class CollectionError(AiPostureError):
    """Nothing could be read or collected (exit code 3)."""

    exit_code = EXIT_NOTHING_READ


_HINTS = {
    errno.ENOSPC: "free some disk space or write elsewhere",
    errno.EDQUOT: "disk quota exceeded; free some space or write elsewhere",
    errno.EROFS: "the file system is read-only; write elsewhere",
    errno.EACCES: "check the permissions or write elsewhere",
    errno.EPERM: "check the permissions (or immutable attribute) or write elsewhere",
    errno.ENOENT: "check the path (create the directory first)",
    errno.ENAMETOOLONG: "use a shorter path",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.EISDIR: "give a file name, not a directory",
    errno.EEXIST: "something that is not a directory is in the way",
    errno.EFBIG: "the file exceeds the file system's or the process's file size limit",
    errno.EBADF: "redirect it to a file or give --output FILE",
    errno.EIO: "the device reported an I/O error",
    errno.ELOOP: "too many symbolic links in the path",
    errno.EMFILE: "too many open files; raise `ulimit -n`",
}


def short_path(path: str | os.PathLike[str] | bytes | int | None, limit: int = 200) -> str:
    """A path fit for a one-line message: very long paths keep their start and their end."""
    text = os.fsdecode(path) if isinstance(path, bytes | os.PathLike) else str(path)
    text = text.replace("\n", "\\n")
    if len(text) <= limit:
        return text
    keep = limit // 2 - 2
    return f"{text[:keep]}...{text[-keep:]} ({len(text):,} characters)"


def describe_os_error(
    exc: OSError, where: str | Path | None = None, action: str | None = None
) -> str:
    """One line for an OSError: where, what was being done, the system's reason with its errno
    name, and what to do. `where` defaults to the file name the error carries."""
    place = where if where is not None else exc.filename
    reason = exc.strerror or str(exc) or type(exc).__name__
    name = errno.errorcode.get(exc.errno or -1)
    if name:
        reason = f"{reason} ({name})"
    hint = _HINTS.get(exc.errno or -1)
    parts = [short_path(place)] if place is not None else []
    if action:
        parts.append(action)
    parts.append(reason if hint is None else f"{reason}; {hint}")
    return ": ".join(parts)
