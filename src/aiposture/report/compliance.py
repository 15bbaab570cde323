"""The compliance view (`scan --framework`): terminal table; JSON is the view dict itself,
merged into the JSON report as `compliance` (ScanResult.compliance)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from aiposture.app import ScanResult
from aiposture.rules.frameworks import compliance_view

STATUS_STYLE = {"failing": "bold red", "covered": "green", "no rule": "dim"}


def attach_compliance(result: ScanResult, framework: str) -> dict[str, Any]:
    """Compute the view for `framework` and keep it on the result (ScanResult.compliance)."""
    view = compliance_view(framework, result.rules, result.findings)
    if result.compliance is None:
        result.compliance = view  # the first --framework (JSON `compliance`)
    result.compliance_views = (*result.compliance_views, view)
    return view


def _rule_list(rules: list[str], shown: int = 3) -> str:
    """The rules of a control, the first few and a count (all of them are in the JSON)."""
    if not rules:
        return "-"
    more = [f"+{len(rules) - shown} more"] if len(rules) > shown else []
    return "\n".join(rules[:shown] + more)  # one per line: never broken mid-word


def render_compliance(view: Mapping[str, Any], console: Console) -> None:
    table = Table(
        title=f"Compliance view: {view['name']}",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    table.add_column("Control", no_wrap=True)
    table.add_column("Title", min_width=18, ratio=3)
    table.add_column("Status", no_wrap=True)
    table.add_column("Fail", justify="right")
    table.add_column("Pass", justify="right")
    table.add_column("Unk", justify="right")
    table.add_column("Rules", min_width=12, no_wrap=True)
    for c in view["controls"]:
        table.add_row(
            Text(c["id"]),
            Text(c["title"]),
            Text(c["status"], style=STATUS_STYLE.get(c["status"], "")),
            str(c["fail"]),
            str(c["pass"]),
            str(c["unknown"]),
            Text(_rule_list(c["rules"])),
        )
    console.print()
    console.print(table)
    if view.get("source"):
        console.print(Text(f"mapping source: {view['source']}", style="dim"))
    s = view["summary"]
    console.print(
        Text.assemble(
            (f"{s['failing']} failing", "bold red" if s["failing"] else "green"),
            f", {s['covered']} covered, {s['no rule']} without a rule "
            f"(of {len(view['controls'])} controls)",
        )
    )
