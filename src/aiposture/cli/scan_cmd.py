"""`aiposture scan`."""

from __future__ import annotations

import datetime as dt
import gc
import stat
from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console

from aiposture.app import ScanResult
from aiposture.app import scan as run_scan
from aiposture.cli.common import (
    build_source,
    is_stdout,
    load_progress,
    make_output_dir,
    parse_severity,
    settings_from_options,
    stderr_console,
    stream_output,
    terminal_output,
    write_output,
)
from aiposture.cli.history_cmd import HistoryOptions, history_options
from aiposture.cli.live_cmd import LiveOptions, live_options
from aiposture.errors import EXIT_GATE, InputError, short_path
from aiposture.model.sanitize import one_line
from aiposture.report import FILE_FORMATS
from aiposture.rules.types import Finding


@click.command()
@click.option("--demo", is_flag=True, help="Scan the embedded Contoso AI demo tenant.")
@click.option(
    "--input",
    "inputs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Snapshot, export file or directory (repeatable).",
)
@click.option(
    "--format",
    "fmt",
    default="terminal",
    show_default=True,
    help="terminal, or one or more of: json, html, sarif, ocsf, csv, md (comma-separated).",
)
@click.option("--output", type=click.Path(path_type=Path), help="Write the report to FILE.")
@click.option(
    "--output-dir", type=click.Path(path_type=Path), help="Write one file per format to DIR."
)
@click.option("--config", type=click.Path(path_type=Path), help="aiposture.toml to use.")
@click.option("--scope", type=click.Choice(["ai", "all"]), help="Which storage/KV/ACR to assess.")
@click.option("--fail-on", help="Exit 1 when a FAIL at or above this severity exists.")
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    help="Earlier JSON report: mark findings new, unchanged or resolved.",
)
@click.option(
    "--fail-on-new",
    help="With --baseline: exit 1 when a NEW FAIL at or above this severity exists.",
)
@click.option(
    "--framework",
    type=click.Choice(["mcsb", "owasp-llm", "atlas"]),
    help="Add a compliance view: results grouped by control/technique.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Input warnings (unusable rows, skipped entries, conflicting duplicates) are errors.",
)
@click.option("--verbose", "-v", is_flag=True, help="Terminal: list PASS findings too.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@live_options
@history_options
def scan(
    demo: bool,
    inputs: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    output_dir: Path | None,
    config: Path | None,
    scope: str | None,
    fail_on: str | None,
    baseline: Path | None,
    fail_on_new: str | None,
    framework: str | None,
    strict: bool,
    verbose: bool,
    quiet: bool,
    live: LiveOptions,
    history: HistoryOptions,
) -> int:
    """Assess a tenant: the demo, exported JSON or a snapshot."""
    formats = list(dict.fromkeys(f.strip().lower() for f in fmt.split(",") if f.strip()))
    known = ["terminal", *FILE_FORMATS]
    if not formats:
        raise click.BadParameter(f"no format given (choose from {', '.join(known)})")
    for f in formats:
        if f not in known:
            raise click.BadParameter(f"unknown format {f!r} (choose from {', '.join(known)})")
    if len(formats) > 1 and output is not None:
        raise click.UsageError("several formats need --output-dir, not --output")
    threshold = parse_severity(fail_on)
    new_threshold = parse_severity(fail_on_new)
    if new_threshold is not None and baseline is None:
        raise click.UsageError("--fail-on-new needs --baseline FILE")
    from aiposture.report.baseline import compare, load_baseline

    # Read the baseline before scanning, so a bad file fails fast.
    if baseline is not None:
        _regular_file(baseline, "--baseline")
    previous = load_baseline(baseline) if baseline is not None else None
    settings = settings_from_options(config, scope)
    from aiposture.rules.registry import all_rules

    settings.check_rule_ids(r.id for r in all_rules())
    source = build_source(demo, inputs, live.source(quiet) if live.live else None, stream=True)
    from aiposture.collect.exports import FileSource

    if isinstance(source, FileSource):
        source.strict = strict
    err = stderr_console(quiet)
    update, stop = load_progress(err)
    try:
        result = run_scan(
            settings,
            source,
            now=dt.datetime.now(dt.UTC),
            progress=update,
            graph_views="html" in formats,  # the HTML report shows paths and the AI BOM
        )
    finally:
        stop()
    # Inventory and findings live until exit: later GC passes need not traverse them.
    gc.freeze()
    input_warnings = list(getattr(source, "warnings", []))
    if input_warnings:
        # One line each (capped) on stderr, even with --quiet; all of them in the report.
        for line in input_warnings[:_MAX_WARNING_LINES]:
            click.echo(f"aiposture: warning: {line}", err=True)
        if len(input_warnings) > _MAX_WARNING_LINES:
            more = len(input_warnings) - _MAX_WARNING_LINES
            click.echo(f"aiposture: warning: ... and {more} more (see the report)", err=True)
        result.input_warnings = tuple(input_warnings)
    if previous is not None:
        result.baseline = compare(result, previous, str(baseline))
        from aiposture.report.baseline import tenant_mismatch

        if (warning := tenant_mismatch(result, previous)) is not None:
            err.print(f"warning: {one_line(warning)}", markup=False, highlight=False)
    if framework is not None:
        from aiposture.report.compliance import attach_compliance

        attach_compliance(result, framework)

    if output_dir is not None:
        make_output_dir(output_dir)
    for f in formats:
        if f == "terminal":
            from aiposture.report.terminal import render_terminal

            def render(console: Console) -> None:
                render_terminal(result, console, verbose=verbose)
                _render_compliance(result, console)

            target = (output_dir / "report.txt") if output_dir else output
            terminal_output(target, render, width=100)
            if target is not None and not is_stdout(target) and not quiet:
                err.print(f"wrote terminal report to {target}")
            continue
        ext, factory = FILE_FORMATS[f]
        target = (output_dir / f"aiposture-report.{ext}") if output_dir else output
        if f == "json":
            # Streamed: at a million resources the report is gigabytes of text.
            from aiposture.report.json import write_json

            stream_output(lambda fh: write_json(result, fh), target)
        else:
            write_output(factory()(result), target)
        if target is not None and not quiet:
            err.print(f"wrote {f} report to {one_line(target)}", markup=False, highlight=False)
    history.after_scan(result, quiet)  # --store / --notify (cli/history_cmd.py)
    if threshold is not None and (tripped := result.failures(threshold)):
        _gate_line(f"--fail-on {threshold.value}", tripped, "")
        return EXIT_GATE
    if new_threshold is not None:
        from aiposture.report.baseline import new_failures

        fresh = new_failures(result, new_threshold)
        if fresh:
            _gate_line(f"--fail-on-new {new_threshold.value}", fresh, "new ")
            return EXIT_GATE
    return 0


_MAX_WARNING_LINES = 20


GATE_SHOWN = 3


def _gate_line(gate: str, tripped: Sequence[Finding], new: str) -> None:
    """One stderr line naming how many findings tripped the gate and the worst few."""
    worst = sorted(tripped, key=lambda f: (-f.severity.rank, f.rule.id, f.resource_name))
    shown = ", ".join(
        f"{f.rule.id} {one_line(f.resource_name or f.resource_id, 256)} ({f.severity.value})"
        for f in worst[:GATE_SHOWN]
    )
    more = f" and {len(worst) - GATE_SHOWN:,} more" if len(worst) > GATE_SHOWN else ""
    click.echo(
        f"aiposture: {gate} tripped by {len(worst):,} {new}failing finding(s): {shown}{more}; "
        "exit 1",
        err=True,
    )


def _regular_file(path: Path, option: str) -> None:
    """A device or FIFO (`--baseline /dev/zero`) would be read without end."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # the reader says what is wrong with it
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise InputError(
            f"{short_path(path)}: {option} is not a regular file; pass a report written by "
            "`aiposture scan --format json`"
        )


def _render_compliance(result: ScanResult, console: Console) -> None:
    view = result.compliance
    if view is not None:
        from aiposture.report.compliance import render_compliance

        render_compliance(view, console)
