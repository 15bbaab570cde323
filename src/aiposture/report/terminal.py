"""The terminal report (rich): summary, top risks, then findings by pillar. Fits 100 columns.

Every resource-derived string goes through model.sanitize (secrets masked, cut to a display
limit, controls and bidi characters made visible) and into rich Text objects, never into
markup, so names cannot inject escape sequences, forge lines or apply rich markup.
"""

from __future__ import annotations

from collections import Counter

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from aiposture.app import ScanResult
from aiposture.model.sanitize import NAME_LIMIT, TEXT_LIMIT
from aiposture.model.types import Pillar, Severity, Status
from aiposture.report.views import clean, redactions, sort_findings
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


def render_terminal(result: ScanResult, console: Console, *, verbose: bool = False) -> None:
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
        f"{len(ai)} AI resources ("
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        + f"), {len(inv.ai_linked)} AI-linked resources, "
        f"{len(inv.other)} other resources not assessed"
    )
    lines = [header, inv_line]
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

    console.print(_summary_table(result))
    gaps = inv.coverage.gaps()
    unknowns = result.count(Status.UNKNOWN)
    if gaps or unknowns:
        line = Text(f"Coverage: {unknowns} check(s) UNKNOWN", style="magenta")
        if gaps:
            line.append(f"; {len(gaps)} collection gap(s): ")
            line.append(
                clean(
                    "; ".join(f"{g.collection} {g.status.value} ({g.scope})" for g in gaps[:4])
                    + (" ..." if len(gaps) > 4 else "")
                )
            )
        console.print(line)

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
        top.add_column("Resource", overflow="fold", max_width=24)
        top.add_column("Finding", min_width=20)
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
        console.print(
            Text(f"{pillar.label}", style="bold reverse"), Text(f" {len(items)} finding(s)")
        )
        for f in items:
            _print_finding(console, f)

    console.print()
    failed = len(fails)
    console.print(
        Text.assemble(
            ("Result: ", "bold"),
            (f"{failed} failing", "bold red" if failed else "green"),
            f", {result.count(Status.PASS)} passing, {unknowns} unknown, "
            f"{sum(1 for f in result.findings if f.suppressed)} suppressed "
            f"across {len(result.rules)} rules. ",
            ("Use --format json for every detail and the full remediation.", "dim"),
        )
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


def _summary_table(result: ScanResult) -> Table:
    table = Table(title="Posture by pillar", box=box.SIMPLE_HEAVY, title_justify="left")
    table.add_column("Pillar")
    for sev in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW):
        table.add_column(sev.value.capitalize(), justify="right", style=SEV_STYLE[sev])
    table.add_column("Fail", justify="right", style="bold red")
    table.add_column("Pass", justify="right", style="green")
    table.add_column("Unknown", justify="right", style="magenta")
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
        )
    return table
