"""The diff, the history and the access review over time as JSON, Markdown and terminal text.

Tenant data (names, paths, values, who) is untrusted: the terminal gets it without markup and
through `one_line`, Markdown escapes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aiposture.history.diff import CATEGORIES, FindingChange, ScanDiff
from aiposture.history.record import AccessGrant, ChangeRecord, FindingState, ScanMeta
from aiposture.model.sanitize import one_line

_TITLES = {
    "new": "New failures",
    "regressed": "Regressed (PASS → FAIL)",
    "newly_decidable": "Newly decidable (was UNKNOWN)",
    "newly_undecidable": "Newly undecidable (now UNKNOWN: coverage changed, not resolved)",
    "resolved": "Resolved",
}
_VALUE_MAX = 120


def meta_json(m: ScanMeta) -> dict[str, Any]:
    return {
        "scan": m.id,
        "uid": m.uid,
        "tenant_id": m.tenant_id,
        "scanned_at": m.scanned_at.isoformat(),
        "source": m.source,
        "tool_version": m.tool_version,
        "config_hash": m.config_hash,
        "resource_count": m.resource_count,
        "counts": dict(m.counts),
        "coverage_gaps": [c for c in m.coverage if c.get("status") != "complete"],
    }


def change_json(c: ChangeRecord) -> dict[str, Any]:
    return {
        "changed_by": c.changed_by,
        "timestamp": c.timestamp,
        "client_type": c.client_type,
        "operation": c.operation,
        "change_type": c.change_type,
        "target": c.target_key,
        "origin": c.origin,
        "properties": [
            {"path": x.path, "before": x.before, "after": x.after} for x in c.properties
        ],
    }


def _finding_json(fc: FindingChange) -> dict[str, Any]:
    f = fc.finding
    return {
        "fingerprint": f.fingerprint,
        "rule_id": f.rule_id,
        "title": f.title,
        "severity": f.severity,
        "resource_id": f.resource_key,
        "resource_name": f.resource_name,
        "status_before": fc.before.status if fc.before else None,
        "status_now": fc.after.status if fc.after else None,
        "changes": [change_json(c) for c in fc.changes],
    }


def grant_json(g: AccessGrant) -> dict[str, Any]:
    return {
        "resource_id": g.resource_key,
        "resource_name": g.resource_name,
        "capability": g.capability,
        "question": g.question,
        "principal_id": g.principal_id,
        "principal_name": g.principal_name,
        "principal_type": g.principal_type,
        "role": g.role,
        "scope": g.scope,
        "assignment": g.assignment,
        "assignment_id": g.assignment_id,
        "via_group": g.via_group,
        "stale": g.stale,
    }


def diff_json(d: ScanDiff) -> dict[str, Any]:
    return {
        "old": meta_json(d.old),
        "new": meta_json(d.new),
        "counts": d.counts(),
        "resources": {
            "added": [{"id": r.resource_id, "type": r.type, "name": r.name} for r in d.added],
            "removed": [{"id": r.resource_id, "type": r.type, "name": r.name} for r in d.removed],
        },
        "settings_changed": [
            {
                "resource_id": s.resource_id,
                "resource_name": s.resource_name,
                "path": s.path,
                "before": s.before,
                "after": s.after,
                "changes": [change_json(c) for c in s.changes],
            }
            for s in d.settings
        ],
        "findings": {c: [_finding_json(fc) for fc in d.of(c)] for c in CATEGORIES},
        "configuration_changes_to_review": [
            {"label": g.label, "resource_name": g.resource_name, **change_json(g.record)}
            for g in d.guardrails
        ],
        "access": {
            "gained": [grant_json(a.grant) for a in d.access if a.gained],
            "lost": [grant_json(a.grant) for a in d.access if not a.gained],
        },
        "stale_grants": [grant_json(g) for g in d.stale],
    }


def diff_to_json(d: ScanDiff) -> str:
    return json.dumps(diff_json(d), indent=2, default=str) + "\n"


def _v(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return one_line(text, _VALUE_MAX)


def who(changes: Sequence[ChangeRecord]) -> str:
    """`alice@contoso.com at 2026-01-02T03:04Z via Azure Portal` for the best record."""
    if not changes:
        return ""
    c = changes[0]
    by = c.changed_by or "unknown principal"
    via = f" via {c.client_type}" if c.client_type else ""
    more = f" (+{len(changes) - 1} more)" if len(changes) > 1 else ""
    return one_line(f"{by} at {c.timestamp or 'unknown time'}{via}{more}", 200)


# ---- Markdown ---------------------------------------------------------------------------------


def _md(text: Any) -> str:
    s = _v(text)
    for ch in "\\`*_[]<>|#":
        s = s.replace(ch, "\\" + ch)
    return s


def diff_markdown(d: ScanDiff) -> str:
    n = d.counts()
    lines = [
        f"# aiposture diff: {_md(d.old.label)} → {_md(d.new.label)}",
        "",
        f"Tenant `{_md(d.new.tenant_id)}` · {n['new']} new, {n['regressed']} regressed, "
        f"{n['resolved']} resolved, {n['newly_decidable']} newly decidable, "
        f"{n['newly_undecidable']} newly undecidable · {n['settings_changed']} settings changed "
        f"· {n['resources_added']} resources added, {n['resources_removed']} removed",
        "",
    ]
    for cat in CATEGORIES:
        items = d.of(cat)
        if not items:
            continue
        lines += [f"## {_TITLES[cat]} ({len(items)})", ""]
        lines += [
            "| Rule | Severity | Resource | Before → now | Changed by |",
            "|---|---|---|---|---|",
        ]
        for fc in items:
            f = fc.finding
            lines.append(
                f"| {f.rule_id} {_md(f.title)} | {f.severity} | {_md(f.resource_name)} | "
                f"{fc.before.status if fc.before else '—'} → "
                f"{fc.after.status if fc.after else 'gone'} | {_md(who(fc.changes))} |"
            )
        lines.append("")
    if d.settings:
        lines += [f"## Settings changed ({len(d.settings)})", ""]
        lines += ["| Resource | Property | Before | After | Changed by |", "|---|---|---|---|---|"]
        for s in d.settings:
            lines.append(
                f"| {_md(s.resource_name)} | `{_md(s.path)}` | {_md(s.before)} | "
                f"{_md(s.after)} | {_md(who(s.changes))} |"
            )
        lines.append("")
    if d.guardrails:
        lines += [f"## Configuration changes to review ({len(d.guardrails)})", ""]
        for gc in d.guardrails:
            lines.append(
                f"- **{_md(gc.label)}** on {_md(gc.resource_name)}: {_md(who([gc.record]))}"
            )
        lines.append("")
    for title, res in (
        ("Resources added", d.added),
        ("Resources removed", d.removed),
    ):
        if res:
            lines += [f"## {title} ({len(res)})", ""]
            lines += [f"- {_md(r.name)} ({_md(r.type)})" for r in res]
            lines.append("")
    if d.access:
        lines += ["## Access changes", ""]
        lines += [
            "| | Principal | Capability | Resource | Role | Scope |",
            "|---|---|---|---|---|---|",
        ]
        for a in d.access:
            g = a.grant
            lines.append(
                f"| {'gained' if a.gained else 'lost'} | {_md(g.principal_name)} | "
                f"{g.capability} | {_md(g.resource_name)} | {_md(g.role)} | {_md(g.scope)} |"
            )
        lines.append("")
    if d.stale:
        lines += [f"## Stale grants to remove ({len(d.stale)})", ""]
        for g in d.stale:
            lines.append(
                f"- {_md(g.principal_name)} ({_md(g.stale)}): {_md(g.role)} on "
                f"{_md(g.resource_name)}"
            )
        lines.append("")
    return "\n".join(lines)


# ---- terminal ---------------------------------------------------------------------------------


def _t(text: Any) -> str:
    return escape(_v(text))


def render_diff(d: ScanDiff, console: Console) -> None:
    n = d.counts()
    console.print(
        f"[bold]aiposture diff[/bold] {_t(d.old.label)} → {_t(d.new.label)}  "
        f"tenant {_t(d.new.tenant_id)}"
    )
    console.print(
        f"{n['new']} new · {n['regressed']} regressed · {n['resolved']} resolved · "
        f"{n['newly_decidable']} newly decidable · {n['newly_undecidable']} newly undecidable · "
        f"{n['settings_changed']} settings changed · +{n['resources_added']}/"
        f"-{n['resources_removed']} resources"
    )
    for cat in CATEGORIES:
        items = d.of(cat)
        if not items:
            continue
        table = Table(title=f"{_TITLES[cat]} ({len(items)})", title_justify="left", expand=False)
        for col in ("Rule", "Sev", "Resource", "Was → now", "Changed by"):
            table.add_column(col, overflow="fold")
        for fc in items:
            f = fc.finding
            table.add_row(
                f"{f.rule_id} {_t(f.title)}",
                f.severity,
                _t(f.resource_name),
                f"{fc.before.status if fc.before else '—'} → "
                f"{fc.after.status if fc.after else 'gone'}",
                _t(who(fc.changes)),
            )
        console.print(table)
    if d.settings:
        table = Table(title=f"Settings changed ({len(d.settings)})", title_justify="left")
        for col in ("Resource", "Property", "Before", "After", "Changed by"):
            table.add_column(col, overflow="fold")
        for s in d.settings:
            table.add_row(
                _t(s.resource_name), _t(s.path), _t(s.before), _t(s.after), _t(who(s.changes))
            )
        console.print(table)
    if d.guardrails:
        console.print(f"[bold]Configuration changes to review ({len(d.guardrails)})[/bold]")
        for gc in d.guardrails:
            console.print(f"  {_t(gc.label)} on {_t(gc.resource_name)}: {_t(who([gc.record]))}")
    for title, res in (("Resources added", d.added), ("Resources removed", d.removed)):
        if res:
            console.print(f"[bold]{title} ({len(res)})[/bold]")
            for r in res:
                console.print(f"  {_t(r.name)} ({_t(r.type)})")
    if d.access:
        render_access_changes(d, console)


def render_access_changes(d: ScanDiff, console: Console) -> None:
    table = Table(title="Access changes", title_justify="left")
    for col in ("", "Principal", "Type", "Capability", "Resource", "Role", "Scope"):
        table.add_column(col, overflow="fold")
    for a in d.access:
        g = a.grant
        table.add_row(
            "gained" if a.gained else "lost",
            _t(g.principal_name),
            _t(g.principal_type),
            g.capability,
            _t(g.resource_name),
            _t(g.role),
            _t(g.scope),
        )
    console.print(table)
    if d.stale:
        console.print(f"[bold]Stale grants to remove ({len(d.stale)})[/bold]")
        for g in d.stale:
            console.print(
                f"  {_t(g.principal_name)} ({_t(g.stale)}): {_t(g.role)} on {_t(g.resource_name)}"
            )


def render_history(scans: Sequence[ScanMeta], console: Console) -> None:
    table = Table(title=f"Stored scans ({len(scans)})", title_justify="left")
    for col in (
        "Scan",
        "When (UTC)",
        "Tenant",
        "Source",
        "FAIL",
        "PASS",
        "UNKNOWN",
        "N/A",
        "Crit/High/Med/Low",
        "Coverage gaps",
    ):
        table.add_column(col, overflow="fold")
    for m in scans:
        st, sev = m.counts.get("status", {}), m.counts.get("severity", {})
        gaps = sum(1 for c in m.coverage if c.get("status") != "complete")
        table.add_row(
            str(m.id),
            m.scanned_at.strftime("%Y-%m-%d %H:%M"),
            _t(m.tenant_id),
            _t(m.source),
            str(st.get("FAIL", 0)),
            str(st.get("PASS", 0)),
            str(st.get("UNKNOWN", 0)),
            str(st.get("NOT_APPLICABLE", 0)),
            "/".join(str(sev.get(s, 0)) for s in ("critical", "high", "medium", "low")),
            str(gaps),
        )
    console.print(table)


def render_timeline(rows: Sequence[tuple[ScanMeta, FindingState]], console: Console) -> None:
    table = Table(title="Status timeline", title_justify="left")
    for col in ("Scan", "When (UTC)", "Rule", "Resource", "Status", "Severity"):
        table.add_column(col, overflow="fold")
    for m, f in rows:
        status = f.status + (" (suppressed)" if f.suppressed else "")
        table.add_row(
            str(m.id),
            m.scanned_at.strftime("%Y-%m-%d %H:%M"),
            f.rule_id,
            _t(f.resource_name),
            status,
            f.severity,
        )
    console.print(table)


def history_json(scans: Sequence[ScanMeta]) -> str:
    return json.dumps({"scans": [meta_json(m) for m in scans]}, indent=2) + "\n"


def timeline_json(rows: Sequence[tuple[ScanMeta, FindingState]]) -> str:
    return (
        json.dumps(
            {
                "timeline": [
                    {
                        "scan": m.id,
                        "scanned_at": m.scanned_at.isoformat(),
                        "rule_id": f.rule_id,
                        "resource_id": f.resource_key,
                        "resource_name": f.resource_name,
                        "status": f.status,
                        "severity": f.severity,
                        "suppressed": f.suppressed,
                    }
                    for m, f in rows
                ]
            },
            indent=2,
        )
        + "\n"
    )


ACCESS_CSV_COLUMNS = (
    "change",
    "resource_name",
    "resource_id",
    "capability",
    "question",
    "principal_name",
    "principal_id",
    "principal_type",
    "role",
    "scope",
    "assignment",
    "via_group",
    "stale",
    "assignment_id",
    "reviewer_decision",
)


def access_csv(d: ScanDiff) -> str:
    """Gained, lost and stale grants, one row each, with an empty column to sign off."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(ACCESS_CSV_COLUMNS)
    rows = [("gained" if a.gained else "lost", a.grant) for a in d.access]
    rows += [("stale", g) for g in d.stale]
    for change, g in rows:
        data = grant_json(g)
        w.writerow(
            [change] + [_csv_safe(str(data.get(c, ""))) for c in ACCESS_CSV_COLUMNS[1:-1]] + [""]
        )
    return buf.getvalue()


def _csv_safe(value: str) -> str:
    """No formula injection when a reviewer opens the file in a spreadsheet."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
