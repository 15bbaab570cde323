"""Options and helpers shared by commands."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import click
from rich.console import Console
from rich.text import Text

from aiposture.atomic import atomic_output, atomic_text_output, write_bytes_atomic
from aiposture.collect.interface import Source
from aiposture.config import Settings, load_settings
from aiposture.errors import OutputError, describe_os_error
from aiposture.model.types import Severity


def stderr_console(quiet: bool = False) -> Console:
    return Console(stderr=True, quiet=quiet)


class StdoutConsole(Console):
    """rich.Console for stdout whose broken pipe is a BrokenPipeError for aiposture's main
    (exit 141, quietly) rather than rich's own `SystemExit(1)`: 1 means --fail-on tripped."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(32, "Broken pipe")


def build_source(
    demo: bool, inputs: Sequence[Path], live: Source | None = None, *, stream: bool = False
) -> Source:
    """`stream`: the caller only iterates the rows once (scan), so a snapshot file may be
    read row by row (Snapshot.stream) instead of whole."""
    if live is not None:
        if demo or inputs:
            raise click.UsageError("give one of --live, --demo or --input")
        return live
    if demo and inputs:
        raise click.UsageError("give either --demo or --input, not both")
    if demo:
        from aiposture.collect.demo import DemoSource

        return DemoSource()
    if inputs:
        from aiposture.collect.exports import FileSource

        return FileSource(list(inputs), stream=stream)
    raise click.UsageError("nothing to scan: give --demo or --input PATH (or --live)")


def settings_from_options(config: Path | None, scope: str | None) -> Settings:
    settings = load_settings(config)
    if scope:
        from dataclasses import replace

        settings = replace(settings, scope=scope)
    return settings


def parse_severity(value: str | None) -> Severity | None:
    if value is None:
        return None
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def is_stdout(output: Path | None) -> bool:
    return output is None or str(output) == "-"


def stdout_buffer() -> IO[bytes]:
    """sys.stdout's bytes; an OutputError when stdout is closed (`aiposture ... >&-`)."""
    if sys.stdout is None:
        raise OutputError("standard output is closed; redirect it to a file or give --output FILE")
    return sys.stdout.buffer


def _stdout_error(exc: OSError) -> OutputError:
    return OutputError(describe_os_error(exc, "standard output", "cannot write"))


def write_output(data: bytes, output: Path | None) -> None:
    """Write a whole report to FILE (atomically: see aiposture.atomic) or stdout."""
    if is_stdout(output):
        out = stdout_buffer()
        try:
            out.write(data)
            out.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _stdout_error(exc) from None
        return
    assert output is not None
    write_bytes_atomic(output, data)


def stream_output(write: Callable[[IO[bytes]], None], output: Path | None) -> None:
    """Like write_output, for reports written piece by piece (see report.json.write_json)."""
    if is_stdout(output):
        out = stdout_buffer()
        try:
            write(out)
            out.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _stdout_error(exc) from None
        return
    assert output is not None
    with atomic_output(output) as fh:
        write(fh)


def terminal_output(output: Path | None, render: Callable[[Console], None], width: int) -> None:
    """A rich rendering to the terminal (stdout) or, `width` columns wide, to FILE atomically."""
    if is_stdout(output):
        stdout_buffer()  # a closed stdout is an error, not a silently empty report
        try:
            render(StdoutConsole())
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _stdout_error(exc) from None
        return
    assert output is not None
    with atomic_text_output(output) as fh:
        render(Console(file=fh, width=width))


def make_output_dir(output_dir: Path) -> None:
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            describe_os_error(exc, output_dir, "cannot create the output directory")
        ) from None


def load_progress(console: Console) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A transient spinner with a row count while a big input is normalized."""
    if not console.is_terminal or console.quiet:
        return (lambda _n: None), (lambda: None)
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(),
        TextColumn("reading resources: {task.completed:,} rows"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task("load", total=None)
    started: list[Any] = []

    def update(n: int) -> None:
        if not started and n:
            progress.start()
            started.append(True)
        progress.update(task, completed=n)

    def stop() -> None:
        if started:
            progress.stop()

    return update, stop


class Phases:
    """Progress of the long phases on stderr: a transient spinner naming the phase (with its
    counts) and the time elapsed, then one line per finished phase with its duration. Off when
    stderr is not a terminal or with --quiet, so pipes and CI logs stay clean."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.on = console.is_terminal and not console.quiet
        self._status: Any = None
        self._label = ""
        self._pillars: dict[str, list[float]] = {}
        self._close_rules: Callable[[], None] | None = None

    @contextlib.contextmanager
    def phase(self, label: str) -> Iterator[None]:
        if not self.on:
            yield
            return
        started = time.perf_counter()
        self._label = label
        with self.console.status(Text(label + " ...")) as status:
            self._status = status
            try:
                yield
            finally:
                self._status = None
        close = self._close_rules
        if close is not None:
            close()
            self._close_rules = None
            for pillar, (count, spent) in self._pillars.items():
                self.console.print(
                    Text(f"    {pillar}: {int(count)} rule(s), {spent:.1f}s", style="dim")
                )
            self._pillars = {}
        self._finished(label, started)

    def _finished(self, label: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        self.console.print(Text(f"  {label}: {elapsed:.1f}s", style="dim"))

    def rule_progress(self) -> Callable[[Any, int, int], None] | None:
        """For rules.engine.evaluate's `on_rule`: the running phase names the rule and its
        count; when the phase ends, one line per pillar with its rules and time."""
        if not self.on:
            return None
        state: dict[str, Any] = {"pillar": None, "since": 0.0}
        totals: dict[str, list[float]] = {}
        self._pillars = totals

        def on_rule(spec: Any, i: int, n: int) -> None:
            now = time.perf_counter()
            if state["pillar"] is not None:
                totals[state["pillar"]][1] += now - state["since"]
            label = spec.pillar.label
            totals.setdefault(label, [0, 0.0])[0] += 1
            state["pillar"], state["since"] = label, now
            if self._status is not None:
                self._status.update(Text(f"{self._label}: {label} {spec.id} ({i + 1}/{n}) ..."))

        def close() -> None:
            if state["pillar"] is not None:
                totals[state["pillar"]][1] += time.perf_counter() - state["since"]
                state["pillar"] = None

        self._close_rules = close
        return on_rule

    def graph_factory(self) -> Callable[[Any], Any]:
        """build_graph, timed inside the running phase (the rules build it lazily)."""
        from aiposture.graph.build import build_graph

        def build(inv: Any) -> Any:
            if not self.on:
                return build_graph(inv)
            started = time.perf_counter()
            if self._status is not None:
                self._status.update(Text(f"{self._label}: building the security graph ..."))
            graph = build_graph(inv)
            if self._status is not None:
                self._status.update(Text(self._label + " ..."))
            self._finished("building the security graph", started)
            return graph

        return build
