"""`aiposture scan`."""

from __future__ import annotations

import datetime as dt
import gc
import stat
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console

from aiposture.app import ScanResult, load_inventory, scan_inventory
from aiposture.cli.common import (
    Phases,
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
from aiposture.model.types import Severity
from aiposture.report import FILE_FORMATS
from aiposture.report.selection import (
    DisplayFilter,
    apply_display,
    parse_pillars,
    parse_severities,
    parse_statuses,
    select_rule_ids,
    split_list,
)
from aiposture.report.views import Gate, display_name, readable_names
from aiposture.rules.frameworks import FRAMEWORKS
from aiposture.rules.types import Finding

_FRAMEWORK_HELP = (
    "Add compliance views (repeatable or comma-separated), shown first: "
    + ", ".join(sorted(FRAMEWORKS))
    + "."
)


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
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write the (one) report to FILE ('-' for stdout).",
)
@click.option(
    "--output-dir",
    type=click.Path(path_type=Path),
    help="Write one file per format asked to DIR (not with --output).",
)
@click.option(
    "--output-filename",
    help="Base name of the files written to --output-dir or by default "
    "(default aiposture-report; the terminal report is report.txt unless this is given).",
)
@click.option(
    "--timestamp",
    is_flag=True,
    help="Add the scan time (UTC, e.g. -20260101T120000Z) to file names so runs don't "
    "overwrite each other.",
)
@click.option("--config", type=click.Path(path_type=Path), help="aiposture.toml to use.")
@click.option("--scope", type=click.Choice(["ai", "all"]), help="Which storage/KV/ACR to assess.")
@click.option(
    "-c",
    "--checks",
    multiple=True,
    help="Evaluate only these rules: ids or globs (AIP-NET-*), repeatable or comma-separated.",
)
@click.option(
    "-e",
    "--excluded-checks",
    multiple=True,
    help="Do not evaluate these rules: ids or globs, repeatable or comma-separated.",
)
@click.option(
    "--pillar",
    "pillars",
    multiple=True,
    help="Evaluate only these pillars: identity, data, model, network, governance, monitoring.",
)
@click.option(
    "--severity",
    "severities",
    multiple=True,
    help="Show only findings of this severity and above (one value) or of exactly these "
    "(a list). Display filter: gates and score still count every finding.",
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    help="Show only findings with these statuses: FAIL, UNKNOWN, PASS, NOT_APPLICABLE "
    "(display filter, every format).",
)
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
@click.option("--framework", "frameworks", multiple=True, help=_FRAMEWORK_HELP)
@click.option(
    "--strict",
    is_flag=True,
    help="Input warnings (unusable rows, skipped entries, conflicting duplicates) are errors.",
)
@click.option(
    "--details",
    is_flag=True,
    help="Terminal: every finding with its message and fix, instead of one line per rule.",
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
    output_filename: str | None,
    timestamp: bool,
    config: Path | None,
    scope: str | None,
    checks: tuple[str, ...],
    excluded_checks: tuple[str, ...],
    pillars: tuple[str, ...],
    severities: tuple[str, ...],
    statuses: tuple[str, ...],
    fail_on: str | None,
    baseline: Path | None,
    fail_on_new: str | None,
    frameworks: tuple[str, ...],
    strict: bool,
    details: bool,
    verbose: bool,
    quiet: bool,
    live: LiveOptions,
    history: HistoryOptions,
) -> int:
    """Assess a tenant: the demo, exported JSON or a snapshot.

    \b
    Selection (what is evaluated): --checks, --excluded-checks, --pillar.
    Display filters (what every report lists): --severity, --status.
    Gates (--fail-on, --fail-on-new) and the secure score count every evaluated finding.
    A file format on a terminal without --output is written to aiposture-report.<ext>.
    """
    formats = list(dict.fromkeys(f.strip().lower() for f in fmt.split(",") if f.strip()))
    known = ["terminal", *FILE_FORMATS]
    if not formats:
        raise click.BadParameter(f"no format given (choose from {', '.join(known)})")
    for f in formats:
        if f not in known:
            raise click.BadParameter(f"unknown format {f!r} (choose from {', '.join(known)})")
    if output is not None and output_dir is not None:
        raise click.UsageError("give --output FILE or --output-dir DIR, not both")
    if len(formats) > 1 and output is not None:
        raise click.UsageError("several formats need --output-dir, not --output")
    if len(formats) > 1 and output is None and output_dir is None and not sys.stdout.isatty():
        # On a terminal the file formats go to default files; piped, they would be
        # concatenated on stdout.
        raise click.UsageError("several formats on standard output: give --output-dir DIR")
    if output is not None and (output_filename or timestamp):
        raise click.UsageError("--output-filename and --timestamp name files; --output is one")
    if output_filename is not None:
        _check_base_name(output_filename)
    framework_keys = split_list(frameworks)
    for key in framework_keys:
        if key.lower() not in FRAMEWORKS:
            raise click.BadParameter(
                f"unknown framework {key!r} (choose from {', '.join(sorted(FRAMEWORKS))})",
                param_hint="--framework",
            )
    framework_keys = list(dict.fromkeys(k.lower() for k in framework_keys))
    threshold = parse_severity(fail_on)
    new_threshold = parse_severity(fail_on_new)
    if new_threshold is not None and baseline is None:
        raise click.UsageError("--fail-on-new needs --baseline FILE")
    shown = DisplayFilter(parse_severities(severities), parse_statuses(statuses))
    from aiposture.report.baseline import compare, load_baseline

    # Read the baseline before scanning, so a bad file fails fast.
    if baseline is not None:
        _regular_file(baseline, "--baseline")
    previous = load_baseline(baseline) if baseline is not None else None
    settings = settings_from_options(config, scope)
    from aiposture.rules.registry import all_rules

    catalog = all_rules()
    settings.check_rule_ids(r.id for r in catalog)
    selected = select_rule_ids(
        catalog, split_list(checks), split_list(excluded_checks), parse_pillars(pillars)
    )
    if selected is not None:
        from dataclasses import replace

        settings = replace(
            settings,
            disabled_rules=settings.disabled_rules
            | {r.id for r in catalog if r.id not in selected},
        )
    source = build_source(demo, inputs, live.source(quiet) if live.live else None, stream=True)
    from aiposture.collect.exports import FileSource

    if isinstance(source, FileSource):
        source.strict = strict
    err = stderr_console(quiet)
    phases = Phases(err)
    update, stop = load_progress(err)
    started = time.perf_counter()
    try:
        snapshot, inv = load_inventory(source, progress=update, freeze=True)
    finally:
        stop()
    n_rows = snapshot.resource_count
    del snapshot  # only the inventory is needed from here (see app.scan)
    if phases.on:
        err.print(
            f"  read and normalised {n_rows:,} rows: {time.perf_counter() - started:.1f}s",
            style="dim",
            highlight=False,
        )
    gc.freeze()  # the inventory lives as long as the scan (see app.scan)
    n_rules = len(catalog) - len(settings.disabled_rules & {r.id for r in catalog})
    with phases.phase(f"evaluating {n_rules} rules"):
        result = scan_inventory(
            inv,
            settings,
            source.describe(),
            now=dt.datetime.now(dt.UTC),
            graph_factory=phases.graph_factory(),
            graph_views="html" in formats,  # the HTML report shows paths and the AI BOM
            on_rule=phases.rule_progress(),
        )
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
    if framework_keys:
        from aiposture.report.compliance import attach_compliance

        for key in framework_keys:
            attach_compliance(result, key)
    result = readable_names(result)  # role assignments named by principal, role and scope
    # The gates see every evaluated finding; the reports see what the display filters keep.
    gates = _gates(result, threshold, new_threshold)
    view = apply_display(result, shown, evaluated_rules=selected, config=settings.source)

    if output_dir is not None:
        make_output_dir(output_dir)
    stamp = "-" + result.scanned_at.strftime("%Y%m%dT%H%M%SZ") if timestamp else ""
    base = (output_filename or "aiposture-report") + stamp
    tty = sys.stdout.isatty()
    for f in formats:
        if f == "terminal":
            from aiposture.report.terminal import render_terminal

            def render(console: Console) -> None:
                render_terminal(view, console, verbose=verbose, details=details, gates=gates)
                from aiposture.cli.gap_hints import render_gap_hints

                render_gap_hints(view, console)  # export scans only (issue 16)

            if output_dir is not None:
                txt = (output_filename + stamp) if output_filename else "report" + stamp
                target: Path | None = output_dir / f"{txt}.txt"
            else:
                target = output
            with phases.phase("writing terminal report"):
                terminal_output(target, render, width=100)
            if target is not None and not is_stdout(target) and not quiet:
                err.print(f"wrote terminal report to {target}", markup=False, highlight=False)
            continue
        ext, factory = FILE_FORMATS[f]
        if output_dir is not None:
            target = output_dir / f"{base}.{ext}"
        elif output is None and tty:
            # A file format is not for the screen: write the default file and say where.
            target = Path(f"{base}.{ext}")
        else:
            target = output
        with phases.phase(f"writing {f} report"):
            if f == "json":
                # Streamed: at a million resources the report is gigabytes of text.
                from aiposture.report.json import write_json

                stream_output(lambda fh: write_json(view, fh), target)
            elif f == "html":  # streamed too: the page, then its data through the compressor
                from aiposture.report.html import write_html

                stream_output(lambda fh: write_html(view, fh), target)
            else:
                write_output(factory()(view), target)
        if target is not None and not is_stdout(target):
            if output is None and output_dir is None:  # a default name: say it even with -q
                click.echo(f"aiposture: wrote {f} report to {one_line(target)}", err=True)
            else:
                err.print(f"wrote {f} report to {one_line(target)}", markup=False, highlight=False)
    history.after_scan(result, quiet)  # --store / --notify (cli/history_cmd.py)
    for gate in gates:
        _gate_line(gate)
    return EXIT_GATE if gates else 0


def _check_base_name(name: str) -> None:
    if not name.strip() or "/" in name or "\\" in name or name in (".", ".."):
        raise click.BadParameter(
            f"{name!r} is not a plain file name (no directory; use --output-dir)",
            param_hint="--output-filename",
        )


def _gates(
    result: ScanResult, threshold: Severity | None, new_threshold: Severity | None
) -> list[Gate]:
    out = []
    if threshold is not None and (tripped := result.failures(threshold)):
        out.append(Gate(f"--fail-on {threshold.value}", tuple(_worst(tripped)), new=False))
    if new_threshold is not None:
        from aiposture.report.baseline import new_failures

        if fresh := new_failures(result, new_threshold):
            out.append(Gate(f"--fail-on-new {new_threshold.value}", tuple(_worst(fresh)), new=True))
    return out


def _worst(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, f.rule.id, f.resource_name))


_MAX_WARNING_LINES = 20


GATE_SHOWN = 3


def _gate_line(gate: Gate) -> None:
    """One stderr line naming how many findings tripped the gate and the worst few (the
    terminal report closes with the longer list, see report.terminal)."""
    worst = gate.findings
    shown = ", ".join(
        f"{f.rule.id} {one_line(display_name(f), 256)} ({f.severity.value})"
        for f in worst[:GATE_SHOWN]
    )
    more = f" and {len(worst) - GATE_SHOWN:,} more" if len(worst) > GATE_SHOWN else ""
    new = "new " if gate.new else ""
    click.echo(
        f"aiposture: {gate.option} tripped by {len(worst):,} {new}failing finding(s): "
        f"{shown}{more}; exit 1",
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
