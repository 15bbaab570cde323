"""`aiposture` entry point. Each command lives in its own module and registers here.

`main` is the one place that turns every outcome into an exit code and at most one line on
stderr (README "Exit codes"): no traceback reaches the user. An exception nobody expected is an
internal error (exit 70): one line naming it and the file its traceback was saved to, or the
traceback itself with `--debug` (or AIPOSTURE_DEBUG=1).
"""

from __future__ import annotations

import contextlib
import os
import select
import stat
import sys
import tempfile
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

import click

from aiposture import __version__
from aiposture.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    AiPostureError,
    describe_os_error,
    short_path,
)
from aiposture.model.sanitize import one_line

_DEBUG = {"on": os.environ.get("AIPOSTURE_DEBUG", "") not in ("", "0")}


def _set_debug(_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        _DEBUG["on"] = True


class _PipeClosed(Exception):
    """A BrokenPipeError carried past click, which would turn EPIPE into exit 1 (the gate's)."""


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise _PipeClosed() from exc


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="aiposture")
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_debug,
    help="On an internal error print the traceback instead of saving it to a file.",
)
def cli() -> None:
    """aiposture: what AI runs in an Azure tenant, what is at risk, and how to fix it.

    Read-only. Exit codes: 0 done; 1 --fail-on / --fail-on-new tripped; 2 usage or input error
    (or an output that cannot be written); 3 nothing could be read or collected; 70 internal
    error; 130 interrupted; 141 stdout closed by the reader (broken pipe).
    """


def _register() -> None:
    from aiposture.cli import rules_cmd, scan_cmd

    cli.add_command(scan_cmd.scan)
    cli.add_command(rules_cmd.rules)
    for name in (
        "synth_cmd",
        "live_cmd",
        "graph_cmd",
        "detect_cmd",
        "permissions_cmd",
        "export_cmd",
        "history_cmd",
    ):
        try:
            module = __import__(f"aiposture.cli.{name}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != f"aiposture.cli.{name}":
                raise
            continue
        module.register(cli)


class _ClosedStdout:
    """Stands in for sys.stdout when the process started with fd 1 closed: a write fails with
    EBADF (and so becomes a one-line error) instead of output vanishing silently."""

    encoding = "utf-8"

    def write(self, _data: Any) -> int:
        raise OSError(9, "Bad file descriptor (stdout was closed when aiposture started)")

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False

    @property
    def buffer(self) -> _ClosedStdout:
        return self


def main(argv: list[str] | None = None) -> NoReturn:
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()
    try:
        _register()
        code = _run(argv)
    except BaseException as exc:  # noqa: BLE001 - the last line of defence, see module doc
        code = _outcome(exc)
    sys.exit(_flush_stdout(code))


def _run(argv: list[str] | None) -> int:
    try:
        rv = cli.main(args=argv, prog_name="aiposture", standalone_mode=False)
    except BaseException as exc:  # noqa: BLE001 - every outcome gets its exit code
        return _outcome(exc)
    return rv if isinstance(rv, int) else 0


def _outcome(exc: BaseException) -> int:
    """The exit code for an exception, after saying one line about it on stderr."""
    if isinstance(exc, SystemExit):
        if exc.code == 1:  # 1 is reserved for the gate, which returns rather than exits
            return _internal(exc)
        if isinstance(exc.code, str):
            _say(f"aiposture: error: {exc.code}")
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_USAGE)
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt | click.exceptions.Abort):
        _say("aiposture: interrupted")
        return EXIT_INTERRUPTED
    if isinstance(exc, click.UsageError) and not _is_help(exc):
        # One line, like every other error: what, and where to look.
        where = exc.ctx.command_path if exc.ctx is not None else "aiposture"
        message = " ".join(exc.format_message().split()).rstrip(".")
        _say(f"{where}: error: {message}; see `{where} --help`")
        return EXIT_USAGE
    if isinstance(exc, click.ClickException):
        with contextlib.suppress(OSError):
            exc.show()
        # 1 is reserved for the --fail-on gate; a plain ClickException carries it.
        return EXIT_USAGE if exc.exit_code == 1 else exc.exit_code
    if isinstance(exc, AiPostureError):
        # Messages may quote input data (ids, names): one line, no control characters.
        _say(f"aiposture: error: {one_line(str(exc))}")
        return exc.exit_code
    if isinstance(exc, BrokenPipeError | _PipeClosed):
        return _broken_pipe()
    reading = _reading(exc.__traceback__)
    if isinstance(exc, RecursionError) and reading is not None:
        _say(
            f"aiposture: error: {reading}: nested too deeply to read (over Python's limit of "
            f"{sys.getrecursionlimit():,} levels); check it is an Azure export or an aiposture "
            "snapshot"
        )
        return EXIT_USAGE
    if isinstance(exc, MemoryError) and reading is not None:
        _say(
            f"aiposture: error: {reading}: out of memory while reading it; split the input or "
            "run on a machine with more memory"
        )
        return EXIT_USAGE
    if isinstance(exc, OSError) and exc.filename is not None:
        _say(f"aiposture: error: {describe_os_error(exc)}")
        return EXIT_USAGE
    return _internal(exc)


def _is_help(exc: click.UsageError) -> bool:
    """`aiposture` alone: click shows the help (exit 2), which is not one line."""
    no_args = getattr(click.exceptions, "NoArgsIsHelpError", None)
    return no_args is not None and isinstance(exc, no_args)


_READERS = (
    "aiposture.collect",
    "aiposture.model.snapshot",
    "aiposture.config",
    "aiposture.report.baseline",
)


def _reading(tb: TracebackType | None) -> str | None:
    """When the exception was raised while reading input: the file being read (the innermost
    `path` in aiposture's frames), or "the input" when no frame names it. Else None."""
    in_reader = False
    where: str | None = None
    while tb is not None:
        frame = tb.tb_frame
        module = str(frame.f_globals.get("__name__", ""))
        if module.startswith(_READERS):
            in_reader = True
        if module.startswith("aiposture."):
            path = frame.f_locals.get("path")
            if isinstance(path, Path):
                where = short_path(path)
        tb = tb.tb_next
    if not in_reader:
        return None
    return where or "the input"


def _internal(exc: BaseException) -> int:
    """An exception nobody expected: a bug. One line with where the traceback went."""
    what = _what(exc)
    text = "".join(traceback.format_exception(exc))
    if _DEBUG["on"]:
        _say(text.rstrip())
        _say(f"aiposture: internal error: {what}; please report it with the traceback above")
        return EXIT_INTERNAL
    saved = _save_traceback(text)
    where = f"traceback saved to {saved}" if saved else "rerun with --debug for the traceback"
    _say(f"aiposture: internal error: {what}; {where}; please report it")
    return EXIT_INTERNAL


def _what(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        head = "recursion too deep"
    elif isinstance(exc, MemoryError):
        head = "out of memory"
    elif isinstance(exc, OSError):
        head = describe_os_error(exc)
    else:
        detail = " ".join(str(exc).split())
        head = f"{type(exc).__name__}: {detail[:160]}" if detail else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        head += f" (in {last.name}, {Path(last.filename).name}:{last.lineno}"
        ours = [f for f in frames if f"{os.sep}aiposture{os.sep}" in f.filename]
        if ours and ours[-1] is not last:
            head += f", from {ours[-1].name}, {Path(ours[-1].filename).name}:{ours[-1].lineno}"
        head += ")"
    return head


def _save_traceback(text: str) -> str | None:
    try:
        fd, name = tempfile.mkstemp(prefix="aiposture-traceback-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"aiposture {__version__}, Python {sys.version.split()[0]}\n")
            fh.write(f"argv: {sys.argv!r}\n\n{text}")
    except (OSError, MemoryError):
        return None
    return name


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # stderr itself gone: nothing more to say
        click.echo(line, err=True)


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so that Python's own flush at exit cannot fail again and print
    'Exception ignored ... BrokenPipeError'."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _broken_pipe() -> int:
    """The reader closed stdout (`aiposture scan --demo | head -1`): quietly stop with 141, the
    status a shell gives a process killed by SIGPIPE."""
    _silence_stdout()
    return EXIT_BROKEN_PIPE


def _flush_stdout(code: int) -> int:
    """Flush stdout now, while an error can still be reported; a failure changes the code."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return _broken_pipe()
    except OSError as exc:
        _silence_stdout()
        _say(f"aiposture: error: {describe_os_error(exc, 'standard output', 'cannot write')}")
        return EXIT_USAGE
    except ValueError:  # closed by someone else
        pass
    if code in (0, 1) and _reader_gone():
        return _broken_pipe()
    return code


def _reader_gone() -> bool:
    """stdout is a pipe whose reader has closed it. Checked at the end because a write into a
    pipe closed mid-write can come back short with no error (the rest silently dropped); a
    reader that wanted everything would still be waiting for our end of file."""
    try:
        fd = sys.stdout.fileno()
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return False
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(events & select.POLLERR for _fd, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False
