"""Options and helpers shared by commands."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import click
from rich.console import Console

from aiposture.collect.interface import Source
from aiposture.config import Settings, load_settings
from aiposture.errors import InputError
from aiposture.model.types import Severity


def stderr_console(quiet: bool = False) -> Console:
    return Console(stderr=True, quiet=quiet)


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


def write_output(data: bytes, output: Path | None) -> None:
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise InputError(f"{output}: cannot write output: {exc.strerror or exc}") from None


def stream_output(write: Callable[[IO[bytes]], None], output: Path | None) -> None:
    """Like write_output, for reports written piece by piece (see report.json.write_json)."""
    if output is None or str(output) == "-":
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    try:
        with output.open("wb", buffering=1 << 20) as fh:
            write(fh)
    except OSError as exc:
        raise InputError(f"{output}: cannot write output: {exc.strerror or exc}") from None


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
