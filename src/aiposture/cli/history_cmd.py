"""`aiposture history`, `aiposture diff`, the `scan --store/--notify` hook and `access --since`.

Thin: options to history/ calls and renderers. A store is SQLite by default (the user's data
directory), a path, or a PostgreSQL URL; AIPOSTURE_STORE sets it for every command.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from aiposture.cli.common import (
    build_source,
    parse_severity,
    settings_from_options,
    stderr_console,
    terminal_output,
    write_output,
)
from aiposture.errors import EXIT_GATE, InputError
from aiposture.model.sanitize import one_line

if TYPE_CHECKING:
    from aiposture.app import ScanResult
    from aiposture.history.diff import ScanDiff
    from aiposture.history.record import ChangeRecord, ScanRecord
    from aiposture.history.store import Store
    from aiposture.model.inventory import Inventory

F = TypeVar("F", bound=Callable[..., Any])
STORE_ENV = "AIPOSTURE_STORE"

_store_option = click.option(
    "--store",
    "store_url",
    envvar=STORE_ENV,
    help="Scan store: a file path, sqlite:///PATH or postgresql://... "
    f"(default: history.sqlite in the user's data directory; env {STORE_ENV}).",
)


def _open(url: str | None) -> Store:
    from aiposture.history.store import Store, resolve_url

    return Store(resolve_url(url))


@dataclasses.dataclass(frozen=True)
class HistoryOptions:
    store: str | None = None  # None: not stored; "default": the default store
    activity_log: Path | None = None
    notify: str | None = None
    notify_format: str = "json"
    link_base: str = "docs/rules.md"

    KEYS = ("store", "activity_log", "notify", "notify_format", "link_base")

    def after_scan(self, result: ScanResult, quiet: bool) -> None:
        """Store the scan, then notify (what is new since the tenant's previous scan)."""
        if self.store is None and self.notify is None:
            return
        from aiposture.history.diff import diff
        from aiposture.history.record import ScanRecord, from_result

        extra = _activity(self.activity_log)
        record = from_result(result, extra)
        err = stderr_console(quiet)
        previous: ScanRecord | None = None
        if self.store is not None:
            # `--store` alone: AIPOSTURE_STORE when set, else the default SQLite file.
            url = os.environ.get(STORE_ENV) or None if self.store == "default" else self.store
            with _open(url) as store:
                before = store.latest(1, record.meta.tenant_id)
                if before:
                    previous = store.load(before[0])
                sid = store.save(record)
                record.meta = dataclasses.replace(record.meta, id=sid)
                err.print(
                    f"stored scan {sid} in {_shown(store.url)}", markup=False, highlight=False
                )
        if self.notify is not None:
            from aiposture.history.notify import payload, send, summary

            old = previous or ScanRecord(record.meta)  # first scan: everything is new
            body = payload(summary(diff(old, record), self.link_base), self.notify_format)
            send(self.notify, body)
            err.print("notification sent", markup=False, highlight=False)


def _shown(url: str) -> str:
    from aiposture.history.store import redact_url

    return one_line(redact_url(url))


def history_options(func: F) -> F:
    """`scan` options for the store and notifications; the function receives `history=`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {k: kwargs.pop(k) for k in HistoryOptions.KEYS}
        if values["notify"] is not None:
            from aiposture.history.notify import check_url

            check_url(values["notify"])
        return func(*args, history=HistoryOptions(**values), **kwargs)

    options = [
        click.option(
            "--store",
            is_flag=False,
            flag_value="default",
            default=None,
            help="Record the scan in a store: --store alone for the default SQLite file, or a "
            "path or postgresql:// URL.",
        ),
        click.option(
            "--activity-log",
            type=click.Path(path_type=Path),
            help="Exported Activity Log (AzureActivity rows, CSV or JSON): who changed what.",
        ),
        click.option("--notify", help="POST a summary of what is new to this webhook URL."),
        click.option(
            "--notify-format",
            type=click.Choice(["json", "teams", "slack"]),
            default="json",
            show_default=True,
        ),
        click.option(
            "--notify-link-base",
            "link_base",
            default="docs/rules.md",
            show_default=True,
            help="Where the notification's fix links point (rule id anchors).",
        ),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def _activity(path: Path | None) -> list[ChangeRecord]:
    if path is None:
        return []
    from aiposture.history.changes import read_activity_log

    return read_activity_log(path)


def _when(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    from aiposture.history.record import parse_time

    when = parse_time(value)
    if when is None:
        raise InputError(
            f"{option} {value!r}: not a date; use ISO 8601 (2026-01-31 or 2026-01-31T08:00Z)"
        )
    return when


# ---- history -----------------------------------------------------------------------------------


@click.command()
@_store_option
@click.option("--tenant", help="Only this tenant's scans.")
@click.option("--since", help="Only scans at or after this date (ISO 8601).")
@click.option("--until", help="Only scans at or before this date (ISO 8601).")
@click.option("--rule", help="Status timeline of this rule.")
@click.option("--resource", help="Status timeline of this resource (ARM id or name).")
@click.option("--format", "fmt", type=click.Choice(["terminal", "json"]), default="terminal")
@click.option("--output", type=click.Path(path_type=Path), help="Write to FILE.")
def history(
    store_url: str | None,
    tenant: str | None,
    since: str | None,
    until: str | None,
    rule: str | None,
    resource: str | None,
    fmt: str,
    output: Path | None,
) -> int:
    """The scans in the store (when, source, counts, coverage), or a status timeline."""
    from aiposture.history import render

    lo, hi = _when(since, "--since"), _when(until, "--until")
    with _open(store_url) as store:
        if rule or resource:
            rows = store.timeline(rule, resource, tenant)
            rows = [
                (m, f)
                for m, f in rows
                if (lo is None or m.scanned_at >= lo) and (hi is None or m.scanned_at <= hi)
            ]
            if fmt == "json":
                write_output(render.timeline_json(rows).encode(), output)
            else:
                terminal_output(output, lambda c: render.render_timeline(rows, c), width=120)
            return 0
        scans = store.scans(tenant, lo, hi)
    if fmt == "json":
        write_output(render.history_json(scans).encode(), output)
    else:
        terminal_output(output, lambda c: render.render_history(scans, c), width=140)
    return 0


# ---- diff ---------------------------------------------------------------------------------------


@click.command()
@click.argument("old", required=False)
@click.argument("new", required=False)
@_store_option
@click.option("--tenant", help="With no OLD/NEW: the two latest scans of this tenant.")
@click.option("--format", "fmt", type=click.Choice(["terminal", "json", "md"]), default="terminal")
@click.option("--output", type=click.Path(path_type=Path), help="Write to FILE.")
@click.option("--config", type=click.Path(path_type=Path), help="aiposture.toml (file inputs).")
@click.option(
    "--activity-log",
    type=click.Path(path_type=Path),
    help="Exported Activity Log (AzureActivity rows, CSV or JSON): who changed what.",
)
@click.option("--fail-on-new", help="Exit 1 when a new FAIL at or above this severity exists.")
@click.option("--notify", help="POST a summary of what is new to this webhook URL.")
@click.option("--notify-format", type=click.Choice(["json", "teams", "slack"]), default="json")
def diff(
    old: str | None,
    new: str | None,
    store_url: str | None,
    tenant: str | None,
    fmt: str,
    output: Path | None,
    config: Path | None,
    activity_log: Path | None,
    fail_on_new: str | None,
    notify: str | None,
    notify_format: str,
) -> int:
    """What changed between two scans: OLD and NEW are scan numbers from the store, or report
    JSON / snapshot files (default: the two latest scans of the same tenant)."""
    from aiposture.history import render
    from aiposture.history.diff import diff as run_diff

    threshold = parse_severity(fail_on_new)
    if (old is None) != (new is None):
        raise click.UsageError("give both OLD and NEW, or neither (the two latest scans)")
    extra = _activity(activity_log)
    if old is None or new is None:
        with _open(store_url) as store:
            latest = store.latest(2, tenant)
            if len(latest) < 2:
                raise InputError(
                    f"store {_shown(store.url)}: {len(latest)} scan(s) of "
                    f"{'tenant ' + tenant if tenant else 'the latest tenant'}; a diff needs two "
                    "(run `aiposture scan ... --store` again, or give OLD and NEW)"
                )
            a, b = store.load(latest[0]), store.load(latest[1])
    else:
        a, b = _record(old, store_url, config), _record(new, store_url, config)
    d = run_diff(a, b, extra)
    if fmt == "json":
        write_output(render.diff_to_json(d).encode(), output)
    elif fmt == "md":
        write_output(render.diff_markdown(d).encode(), output)
    else:
        terminal_output(output, lambda c: render.render_diff(d, c), width=140)
    if notify is not None:
        _notify(d, notify, notify_format)
    if threshold is not None:
        fresh = [f for f in d.new_failures() if _rank(f.finding.severity) >= threshold.rank]
        if fresh:
            shown = ", ".join(
                f"{f.finding.rule_id} {one_line(f.finding.resource_name, 100)}" for f in fresh[:3]
            )
            click.echo(
                f"aiposture: --fail-on-new {threshold.value} tripped by {len(fresh)} new failing "
                f"finding(s): {shown}; exit 1",
                err=True,
            )
            return EXIT_GATE
    return 0


def _rank(severity: str) -> int:
    from aiposture.model.types import Severity

    try:
        return Severity.parse(severity).rank
    except ValueError:
        return 0


def _notify(d: ScanDiff, url: str, fmt: str) -> None:
    from aiposture.history.notify import payload, send, summary

    send(url, payload(summary(d), fmt))


def _record(ref: str, store_url: str | None, config: Path | None) -> ScanRecord:
    """A scan from the store (number or uid) or from a file (report JSON or scan input)."""
    path = Path(ref)
    if not path.exists():
        if ref.lstrip("#").isdigit() or len(ref) == 36:
            with _open(store_url) as store:
                return store.load(store.scan(ref))
        raise InputError(
            f"{ref}: neither a stored scan number nor an existing file; `aiposture history` "
            "lists the scans"
        )
    from aiposture.history.files import read_report

    report = read_report(path)
    if report is not None:
        return report
    import datetime as _dt

    from aiposture.app import scan as run_scan
    from aiposture.history.record import from_result

    settings = settings_from_options(config, None)
    result = run_scan(settings, build_source(False, [path]), now=_dt.datetime.now(_dt.UTC))
    return from_result(result)


# ---- access --since --------------------------------------------------------------------------


def access_since(
    inv: Inventory,
    source: str,
    since: str,
    store_url: str | None,
    fmt: str,
    output: Path | None,
) -> int:
    """Access gained and lost since a stored scan (number) or date (the last scan at or before
    it), plus stale grants now: terminal, JSON or CSV for reviewers to sign off."""
    import json

    from aiposture.history import render
    from aiposture.history.diff import ScanDiff, access_changes
    from aiposture.history.record import from_inventory_access

    now_meta, grants = from_inventory_access(inv, source)
    with _open(store_url) as store:
        if since.lstrip("#").isdigit():
            base = store.scan(since)
        else:
            when = _when(since, "--since")
            tenant = now_meta.tenant_id or None
            older = store.scans(tenant, until=when)
            if not older:
                raise InputError(
                    f"--since {since}: no stored scan of this tenant at or before that date; "
                    "`aiposture history` lists them"
                )
            base = older[-1]
        before = store.access(base)
    d = ScanDiff(base, now_meta)
    d.access = access_changes(before, grants)
    d.stale = [
        g for g in {(g.principal_id, g.resource_key, g.role): g for g in grants}.values() if g.stale
    ]
    if fmt == "csv":
        write_output(render.access_csv(d).encode(), output)
    elif fmt == "json":
        doc = render.diff_json(d)
        data = {"since": doc["old"], "access": doc["access"], "stale_grants": doc["stale_grants"]}
        write_output((json.dumps(data, indent=2) + "\n").encode(), output)
    else:
        terminal_output(output, lambda c: render.render_access_changes(d, c), width=140)
    return 0


def register(cli: click.Group) -> None:
    for command in (history, diff):
        cli.add_command(command)
