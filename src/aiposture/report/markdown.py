"""Markdown for tickets and pull-request comments (GitHub-flavoured).

Resource-derived text is escaped for Markdown and for the HTML that GitHub renders inside it:
`md()` for prose and table cells, `fence()` for code blocks whose content must stay literal.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from aiposture.app import ScanResult
from aiposture.model.sanitize import ID_LIMIT, NAME_LIMIT, TEXT_LIMIT, multi_line
from aiposture.model.types import Status
from aiposture.report.baseline import NEW, resolved_entries, state_of
from aiposture.report.html.scores import pillar_scores
from aiposture.report.selection import describe_display
from aiposture.report.views import clean, evidence_text, redactions, sort_findings
from aiposture.rules.types import Finding

# Punctuation that makes Markdown syntax inside a line; `<`, `>` and `&` become HTML entities.
# (`-` and `.` only matter at the start of a line, where md() text never stands; `(` only
# after `]`, which is escaped.)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#+!|~])")
MAX_DETAILS = 50
MAX_UNKNOWN = 30
# GitHub comments and issues hold at most 65,536 characters; stay under with room to spare.
MAX_CHARS = 60_000
TABLE_BUDGET = 40_000


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def md(text: object, limit: int = TEXT_LIMIT) -> str:
    """Inline-safe text: no Markdown, no HTML, no @mentions, no line breaks (model.sanitize
    shows them as visible stand-ins), secrets masked, length bounded."""
    s = clean(str(text), limit)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = html.escape(s, quote=False)
    # GitHub links @names in rendered text (entities included); a zero-width space stops it.
    return s.replace("@", "@\u200b")


def mdn(text: object) -> str:
    """A name, inline-safe (md) with the shorter name limit."""
    return md(text, NAME_LIMIT)


def md_html(text: object) -> str:
    """Text inside an HTML block (e.g. <summary>), where Markdown is not parsed."""
    s = clean(str(text), NAME_LIMIT)
    return html.escape(s, quote=False).replace("@", "@\u200b")


def fence(content: str, lang: str = "") -> str:
    """A fenced code block that `content` cannot close early."""
    content = multi_line(content)
    longest = max((len(m) for m in re.findall(r"`+", content)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{content}\n{ticks}"


def _table(head: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(head)
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _badge(result: ScanResult, f: Finding) -> str:
    state = state_of(result, f)
    return f" **{state}**" if state == NEW else (f" {state}" if state else "")


def render_markdown(result: ScanResult) -> bytes:
    inv = result.inventory
    findings = sort_findings(result.findings)
    fails = [f for f in findings if f.is_failure]
    unknowns = [f for f in findings if f.status is Status.UNKNOWN]
    lines = [
        "# AI security posture: aiposture report",
        "",
        f"Tenant {md(inv.metadata.tenant_id or 'unknown')} · scanned "
        f"{result.scanned_at.strftime('%Y-%m-%d %H:%M UTC')} · aiposture {md(result.tool_version)}"
        f" · {len(inv.ai_resources())} AI resources, {len(inv.ai_linked)} AI-linked resources",
        "",
        f"**{len(fails)} failing**, {result.count(Status.PASS)} passing, {len(unknowns)} unknown, "
        f"{sum(1 for f in findings if f.suppressed)} suppressed across {len(result.rules)} rules.",
        "",
    ]
    masked = redactions(result)
    if masked["total"]:
        lines += [f"{masked['total']} secret value(s) redacted.", ""]
    for line in describe_display(result.display):
        lines += [f"*{md(line)}*", ""]
    lines += [
        "## Posture by pillar",
        "",
    ]
    lines += _table(
        [
            "Pillar",
            "Grade",
            "Score",
            "Fail",
            "Pass",
            "Unknown",
            "Critical",
            "High",
            "Medium",
            "Low",
        ],
        (
            [
                ps.label,
                ps.grade,
                "-" if ps.score is None else str(ps.score),
                str(ps.failed),
                str(ps.passed),
                str(ps.unknown),
                *(str(ps.failures_by_severity[s]) for s in ("critical", "high", "medium", "low")),
            ]
            for ps in pillar_scores(result)
        ),
    )
    comparison = result.baseline
    if isinstance(comparison, dict):
        counts = comparison.get("counts", {})
        lines += [
            "",
            "## Against the baseline",
            "",
            f"Baseline from {md(comparison.get('scanned_at') or 'unknown time')}: "
            f"**{counts.get('new_failures', 0)} new failing finding(s)**, "
            f"{counts.get('resolved', 0)} resolved.",
        ]
        resolved = resolved_entries(result)
        if resolved:
            lines += ["", "Resolved:", ""]
            lines += [
                f"- {md(r['rule_id'])} {mdn(r['resource_name'])}: {md(r['title'])}"
                for r in resolved
            ]
    if isinstance(comparison, dict):
        # In a pull request, what is new matters first (the sort is stable: severity order).
        fails.sort(key=lambda f: state_of(result, f) != NEW)
    if fails:
        lines += ["", "## Failing findings", ""]
        rows = _table(
            ["Severity", "Rule", "Resource", "Resource group", "Finding"],
            (
                [
                    f.severity.value + _badge(result, f),
                    f.rule.id,
                    mdn(f.resource_name),
                    mdn(f.resource_group or "-"),
                    md(f"{f.rule.title}: {f.message}"),
                ]
                for f in fails
            ),
        )
        budget = TABLE_BUDGET - _size(lines)
        kept = 2
        while kept < len(rows) and budget - len(rows[kept]) - 1 > 0:
            budget -= len(rows[kept]) + 1
            kept += 1
        lines += rows[:kept]
        if kept < len(rows):
            lines += [
                "",
                f"{len(rows) - kept} more failing finding(s): see the HTML or JSON report.",
            ]
    gaps = inv.coverage.gaps()
    if unknowns or gaps:
        lines += ["", "## Not assessed", ""]
        lines += [
            f"- {md(g.collection)} at {md(g.scope)}: {md(g.status.value)} {md(g.reason)}"
            for g in gaps
        ]
        lines += [
            f"- UNKNOWN {f.rule.id} {mdn(f.resource_name)}: missing "
            f"{md(', '.join(f.missing) or '?')}"
            for f in unknowns[:MAX_UNKNOWN]
        ]
        if len(unknowns) > MAX_UNKNOWN:
            lines.append(f"- and {len(unknowns) - MAX_UNKNOWN} more UNKNOWN check(s)")
    if fails:
        lines += ["", "## How to fix", ""]
        size = _size(lines)
        shown = 0
        for f in fails[:MAX_DETAILS]:
            block = _details(f)
            if size + _size(block) > MAX_CHARS:
                break
            lines += block
            size += _size(block)
            shown += 1
        if shown < len(fails):
            lines += [
                "",
                f"Fixes for {len(fails) - shown} more failing finding(s) are in the HTML and "
                "JSON reports.",
            ]
    return ("\n".join(lines) + "\n").encode("utf-8", "replace")


def _details(f: Finding) -> list[str]:
    rem = f.remediation
    evidence = evidence_text(f, assign=" = ")
    return [
        "<details>",
        f"<summary>{f.severity.value.upper()} {f.rule.id} · {md_html(f.resource_name)}</summary>",
        "",
        f"{md(f.rule.title)}: {md(f.message)}",
        "",
        f"Resource: {md(f.resource_id, ID_LIMIT)}",
        "",
        f"Evidence: {md(evidence or '-')}",
        "",
        f"Fix: {md(rem.summary)}",
        "",
        fence(rem.az_cli, "sh"),
        "",
        f"Portal: {md(rem.portal)}",
        "",
        "</details>",
        "",
    ]
