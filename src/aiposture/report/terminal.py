"""The terminal report (rich): summary, top risks, then findings by pillar. Fits 100 columns.

Every resource-derived string goes through model.sanitize (secrets masked, cut to a display
limit, controls and bidi characters made visible) and into rich Text objects, never into
markup, so names cannot inject escape sequences, forge lines or apply rich markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from aiposture.app import ScanResult
from aiposture.model.sanitize import NAME_LIMIT, TEXT_LIMIT
from aiposture.model.types import Pillar, Severity, Status
from aiposture.report.baseline import NEW, RESOLVED, UNCHANGED, resolved_entries, state_of
from aiposture.report.selection import describe_display, secure_score
from aiposture.report.views import (
    Gate,
    clean,
    redactions,
    rule_fix_summary,
    scope_view,
    sort_findings,
)
from aiposture.rules.types import Finding

SEV_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
STATUS_STYLE = {
    Status.FAIL: "bold red",
    Status.PASS: "green",
    Status.UNKNOWN: "magenta",
    Status.NOT_APPLICABLE: "dim",
}


def t(text: object, style: str = "", limit: int = TEXT_LIMIT) -> Text:
    return Text(clean(str(text), limit), style=style)


def nm(text: object, style: str = "") -> Text:
    """A name: shorter display limit."""
    return t(text, style, NAME_LIMIT)


GROUP_CAP = 10  # resources listed under a rule in the grouped view
GATE_CAP = 20  # findings listed in the closing block of a tripped gate
BASELINE_CAP = 10  # new failures listed first with --baseline


def render_terminal(
    result: ScanResult,
    console: Console,
    *,
    verbose: bool = False,
    details: bool = False,
    gates: Sequence[Gate] = (),
) -> None:
    """The terminal report. Default: one line per rule (affected resources, severity, fix)
    with its resources capped at GROUP_CAP; `details`: every finding with message and fix."""
    _header(result, console)
    for view in result.compliance_views or ((result.compliance,) if result.compliance else ()):
        from aiposture.report.compliance import render_compliance

        render_compliance(view, console)
        console.print()
    _score_line(result, console)
    console.print(_summary_table(result))
    unknowns = result.count(Status.UNKNOWN)
    _coverage_line(result, console, unknowns)
    _baseline_block(result, console)

    fails = [f for f in sort_findings(result.findings) if f.is_failure]
    if fails:
        console.print()
        console.print(Text("Top risks", style="bold underline"))
        top = Table(
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            expand=False,
            collapse_padding=True,
        )
        top.add_column("Sev", no_wrap=True, min_width=8)
        top.add_column("Rule", no_wrap=True, min_width=12)
        # The rule title only, so each risk takes a line or two; the message with its evidence
        # and the fix follow in the pillar sections below.
        top.add_column("Resource", overflow="ellipsis", no_wrap=True, max_width=32)
        top.add_column("Finding", min_width=20, overflow="ellipsis")
        for f in fails[:10]:
            top.add_row(
                t(f.severity.value.upper(), SEV_STYLE[f.severity]),
                t(f.rule.id),
                nm(f.resource_name),
                t(f.rule.title),
            )
        console.print(top)

    for pillar in Pillar:
        items = [
            f
            for f in sort_findings(result.findings)
            if f.rule.pillar is pillar and (verbose or f.status in (Status.FAIL, Status.UNKNOWN))
        ]
        if not items:
            continue
        console.print()
        if details:
            console.print(
                Text(f"{pillar.label}", style="bold reverse"), Text(f" {len(items)} finding(s)")
            )
            for f in items:
                _print_finding(console, f)
            continue
        groups = _groups(items)
        console.print(
            Text(f"{pillar.label}", style="bold reverse"),
            Text(f" {len(groups)} rule(s), {len(items):,} finding(s)"),
        )
        for group in groups:
            _print_group(console, group)

    console.print()
    failed = len(fails)
    console.print(
        Text.assemble(
            ("Result: ", "bold"),
            (f"{failed:,} failing", "bold red" if failed else "green"),
            f", {result.count(Status.PASS):,} passing, {unknowns:,} unknown, "
            f"{sum(1 for f in result.findings if f.suppressed):,} suppressed "
            f"across {len(result.rules)} rules. ",
            (
                "--details for every finding; --format json or csv for the complete list."
                if not details
                else "Use --format json for every detail and the full remediation."
            ),
            style="",
        )
    )
    _gate_block(console, gates)


def _header(result: ScanResult, console: Console) -> None:
    inv = result.inventory
    meta = inv.metadata
    header = Text.assemble(
        ("aiposture ", "bold"),
        (result.tool_version, "dim"),
        "  tenant ",
        nm(meta.tenant_id or "unknown", "bold"),
        "  source ",
        t(result.source),
    )
    ai = inv.ai_resources()
    kinds = Counter(r.type.split("/", 1)[-1] for r in ai)
    inv_line = t(
        f"{len(ai):,} AI resources ("
        + ", ".join(f"{n:,} {k}" for k, n in sorted(kinds.items()))
        + f"), {len(inv.ai_linked):,} AI-linked resources assessed"
    )
    lines = [header, inv_line]
    scope = scope_view(result)
    excluded = scope["excluded_by_scope"]
    not_modeled = scope["not_modeled"]
    parts = []
    if excluded:
        parts.append(
            f"{sum(excluded.values()):,} not used by AI ("
            + ", ".join(f"{n:,} {_short_type(k)}" for k, n in excluded.items())
            + "; --scope all assesses them)"
        )
    if not_modeled:
        top = sorted(not_modeled.items(), key=lambda kv: (-kv[1], kv[0]))
        parts.append(
            f"{sum(not_modeled.values()):,} of types aiposture does not assess ("
            + ", ".join(f"{n:,} {_short_type(k)}" for k, n in top[:4])
            + (f", {len(top) - 4} more types" if len(top) > 4 else "")
            + ")"
        )
    lines.append(
        t(
            f"scope {scope['scope']}: "
            + ("not assessed: " + "; ".join(parts) if parts else "nothing left out")
        )
    )
    config = result.settings.source
    lines.append(Text.assemble("config ", t(config or "none (defaults)", "bold" if config else "")))
    for line in describe_display(result.display):
        lines.append(Text(line, style="yellow"))
    masked = redactions(result)
    if masked["total"]:
        lines.append(
            Text(
                f"{masked['total']} secret value(s) redacted "
                f"({masked['collection']} when collected, {masked['report']} in this report)",
                style="yellow",
            )
        )
    console.print(Panel(Group(*lines), box=box.ROUNDED, expand=False))


def _short_type(arm_type: str) -> str:
    return arm_type.split("/", 1)[-1] if "/" in arm_type else arm_type


def _score(result: ScanResult) -> Mapping[str, Any]:
    display = result.display or {}
    score: Mapping[str, Any] = display.get("score") or secure_score(result.findings)
    return score


def _score_line(result: ScanResult, console: Console) -> None:
    score = _score(result)
    if score["overall"] is None:
        return
    console.print(
        Text.assemble(
            ("Secure score ", "bold"),
            (f"{score['overall']}%", _score_style(score)),
            ("  (passing share of decided checks, severity-weighted)", "dim"),
        )
    )


def _score_style(s: Mapping[str, Any]) -> str:
    v = s.get("overall", s.get("score"))
    if v is None:
        return ""
    return "bold green" if v >= 80 else "bold yellow" if v >= 50 else "bold red"


def _coverage_line(result: ScanResult, console: Console, unknowns: int) -> None:
    gaps = result.inventory.coverage.gaps()
    if not (gaps or unknowns):
        return
    line = Text(f"Coverage: {unknowns:,} check(s) UNKNOWN", style="magenta")
    if gaps:
        line.append(f"; {len(gaps)} collection gap(s): ")
        line.append(
            clean(
                "; ".join(f"{g.collection} {g.status.value} ({g.scope})" for g in gaps[:4])
                + (" ..." if len(gaps) > 4 else "")
            )
        )
    console.print(line)


def _baseline_block(result: ScanResult, console: Console) -> None:
    comparison = result.baseline
    if not comparison:
        return
    counts = comparison.get("counts", {})
    console.print()
    console.print(
        Text.assemble(
            ("Baseline ", "bold"),
            t(comparison.get("file") or ""),
            t(f" ({str(comparison.get('scanned_at') or 'unknown')[:10]}): "),
            (f"{counts.get(NEW, 0):,} new", "bold red" if counts.get("new_failures") else ""),
            f" ({counts.get('new_failures', 0):,} failing), ",
            (f"{counts.get(RESOLVED, 0):,} resolved", "green"),
            f", {counts.get(UNCHANGED, 0):,} unchanged",
        )
    )
    fresh = [f for f in sort_findings(result.findings) if f.is_failure]
    fresh = [f for f in fresh if state_of(result, f) == NEW]
    if fresh:
        console.print(Text("New failing findings", style="bold underline"))
        _finding_lines(console, fresh, BASELINE_CAP)
    resolved = resolved_entries(result)
    if resolved:
        console.print(Text("Resolved", style="bold underline"))
        for r in resolved[:BASELINE_CAP]:
            console.print(
                Padding(
                    Text.assemble(
                        t(f"{r.get('rule_id', '')} ", "bold"),
                        nm(r.get("resource_name") or r.get("resource_id") or ""),
                        t(f"  ({r.get('status_now') or 'gone'})", "dim"),
                    ),
                    (0, 0, 0, 2),
                )
            )
        if len(resolved) > BASELINE_CAP:
            console.print(Padding(Text(f"and {len(resolved) - BASELINE_CAP:,} more"), (0, 0, 0, 2)))


def _finding_lines(console: Console, findings: Sequence[Finding], cap: int) -> None:
    """One line per finding (cut with an ellipsis): severity, rule, resource, rule title."""
    for f in findings[:cap]:
        line = Text.assemble(
            t(f"{f.severity.value.upper():<8} ", SEV_STYLE[f.severity]),
            t(f.rule.id + " ", "bold"),
            nm(f.resource_name),
            t(f"  {f.rule.title}", "dim"),
        )
        line.no_wrap = True
        line.overflow = "ellipsis"
        console.print(Padding(line, (0, 0, 0, 2), expand=False))
    if len(findings) > cap:
        console.print(Padding(Text(f"and {len(findings) - cap:,} more"), (0, 0, 0, 2)))


def _gate_block(console: Console, gates: Sequence[Gate]) -> None:
    """The closing block of a tripped CI gate: which findings tripped it, and the exit code."""
    for gate in gates:
        console.print()
        kind = "new failing" if gate.new else "failing"
        console.print(
            Text.assemble(
                ("Gate ", "bold"),
                (gate.option, "bold"),
                (f" tripped by {len(gate.findings):,} {kind} finding(s): exit 1", "bold red"),
            )
        )
        _finding_lines(console, gate.findings, GATE_CAP)


def _groups(items: Sequence[Finding]) -> list[list[Finding]]:
    """Findings grouped by (rule, status), in the order of their first finding."""
    out: dict[tuple[str, Status, bool], list[Finding]] = {}
    for f in items:
        out.setdefault((f.rule.id, f.status, f.suppressed), []).append(f)
    return list(out.values())


def _group_fix(group: Sequence[Finding]) -> str:
    """The fix for a rule's group: the finding's own when there is one resource, else the
    rule's summary with the resource placeholders read as "each resource"."""
    if len(group) == 1:
        return group[0].remediation.summary
    return rule_fix_summary(group[0].rule.remediation.summary)


def _print_group(console: Console, group: Sequence[Finding]) -> None:
    f0 = group[0]
    n = len(group)
    noun = "resource" if n == 1 else "resources"
    status = "SUPPRESSED" if f0.suppressed else f0.status.value
    head = Table.grid(padding=(0, 1))
    head.add_column(no_wrap=True)
    head.add_column(no_wrap=True)
    head.add_column(no_wrap=True)
    head.add_column(no_wrap=True, justify="right")
    head.add_column(ratio=1, overflow="fold")
    head.add_row(
        t(f"{status:<7}", "dim" if f0.suppressed else STATUS_STYLE[f0.status]),
        t(f"{f0.severity.value.upper():<8}", SEV_STYLE[f0.severity]),
        t(f0.rule.id, "bold"),
        t(f"{n:,} {noun}", "bold"),
        t(f0.rule.title),
    )
    console.print(head)
    if f0.status is Status.FAIL and not f0.suppressed:
        fix = Text("fix: ", style="green") + t(_group_fix(group))
        console.print(Padding(fix, (0, 0, 0, 4)))
    if f0.status is Status.UNKNOWN:
        missing = sorted({m for f in group for m in f.missing})
        line = Text("cannot evaluate: ", style="magenta")
        line.append(
            clean("missing " + ", ".join(missing)) if missing else clean(f0.message),
        )
        console.print(Padding(line, (0, 0, 0, 4)))
    for f in group[:GROUP_CAP]:
        row = Text("- ", style="dim") + nm(f.resource_name)
        row.append(clean(f"  ({f.resource_type.split('/', 1)[-1]})", NAME_LIMIT), style="dim")
        if f.suppressed and f.suppression is not None:
            row.append(f"  [suppressed: {clean(f.suppression.reason)}]", style="dim")
        elif f.suppression is not None and f.suppression.expired:
            row.append(
                f"  [suppression expired {f.suppression.expires}: {clean(f.suppression.reason)}]",
                style="yellow",
            )
        console.print(Padding(row, (0, 0, 0, 4)))
    if n > GROUP_CAP:
        console.print(
            Padding(Text(f"and {n - GROUP_CAP:,} more", style="dim"), (0, 0, 0, 4)),
        )


def _print_finding(console: Console, f: Finding) -> None:
    head = Text.assemble(
        t(f"{f.status.value:<7} ", STATUS_STYLE[f.status]),
        t(f"{f.severity.value.upper():<8} ", SEV_STYLE[f.severity]),
        t(f.rule.id + " ", "bold"),
        nm(f.resource_name, "bold"),
        nm(f"  ({f.resource_type.split('/', 1)[-1]})", "dim"),
    )
    if f.suppressed and f.suppression is not None:
        head.append(f"  [suppressed: {clean(f.suppression.reason)}]", style="dim")
    elif f.suppression is not None and f.suppression.expired:
        head.append(
            f"  [suppression expired {f.suppression.expires}: {clean(f.suppression.reason)}]",
            style="yellow",
        )
    console.print(head)
    # Padding keeps wrapped lines indented under the finding they belong to.
    console.print(Padding(t(f.message), (0, 0, 0, 4)))
    if f.status is Status.FAIL:
        fix = Text("fix: ", style="green") + t(f.remediation.summary)
        console.print(Padding(fix, (0, 0, 0, 4)))


def _pillar_score(s: Mapping[str, Any] | None) -> Text:
    if s is None or s["score"] is None:
        return Text("-")
    return Text(f"{s['score']}%", style=_score_style(s))


def _summary_table(result: ScanResult) -> Table:
    table = Table(title="Posture by pillar", box=box.SIMPLE_HEAVY, title_justify="left")
    table.add_column("Pillar")
    for sev in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW):
        table.add_column(sev.value.capitalize(), justify="right", style=SEV_STYLE[sev])
    table.add_column("Fail", justify="right", style="bold red")
    table.add_column("Pass", justify="right", style="green")
    table.add_column("Unknown", justify="right", style="magenta")
    table.add_column("Score", justify="right")
    scores = _score(result)["pillars"]
    for pillar in Pillar:
        fs = [f for f in result.findings if f.rule.pillar is pillar]
        if not fs:
            continue
        fails = [f for f in fs if f.is_failure]
        by_sev = Counter(f.severity for f in fails)
        table.add_row(
            pillar.label,
            *(
                str(by_sev.get(s, 0) or "-")
                for s in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
            ),
            str(len(fails)),
            str(sum(1 for f in fs if f.status is Status.PASS)),
            str(sum(1 for f in fs if f.status is Status.UNKNOWN)),
            _pillar_score(scores.get(pillar.value)),
        )
    return table
