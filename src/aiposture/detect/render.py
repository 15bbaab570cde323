"""Findings of `logs analyze` as JSON and as a terminal table."""

from __future__ import annotations

import io
import json
from importlib import resources

import jinja2
from rich.console import Console
from rich.table import Table

from aiposture import __version__
from aiposture.detect.analyze import AnalysisResult


def render_json(result: AnalysisResult) -> str:
    doc = {
        "tool": "aiposture",
        "version": __version__,
        "kind": "log-analysis",
        "tables": result.tables,
        "skipped": [{"detection": d, "reason": why} for d, why in result.skipped],
        "findings": [f.to_json() for f in result.findings],
    }
    return json.dumps(doc, indent=2) + "\n"


def render_terminal(result: AnalysisResult, width: int = 140) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=False, color_system=None)
    loaded = ", ".join(f"{n:,} {t}" for t, n in sorted(result.tables.items())) or "nothing"
    console.print(f"Loaded {loaded}.", markup=False, highlight=False)
    for det, why in result.skipped:
        console.print(f"{det} did not run: {why}", markup=False, highlight=False)
    if not result.findings:
        console.print("No detection fired.", markup=False)
        return buf.getvalue()
    table = Table(title=f"{len(result.findings)} findings", show_lines=False)
    for col in ("Detection", "Severity", "Entity", "Start (UTC)", "Hours", "Value", "Baseline"):
        table.add_column(col, overflow="fold")
    for f in result.findings:
        hours = max(1, round((f.end - f.start).total_seconds() / 3600))
        op = f.evidence.get("operation")
        value = str(op) if op else f"{f.value:,.0f}"
        table.add_row(
            f.detection,
            f.severity,
            f.entity,
            f.start.strftime("%Y-%m-%d %H:%M"),
            str(hours),
            value,
            "" if f.baseline is None else f"{f.baseline:,.1f}",
        )
    console.print(table)
    return buf.getvalue()


def render_html(result: AnalysisResult) -> str:
    """A standalone page: the findings table and, per series finding, its plot."""
    from aiposture.detect.plots import finding_svg, svg_data_uri

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    source = resources.files("aiposture.detect").joinpath("report.html.j2").read_text("utf-8")
    plots = []
    for f in result.findings:
        svg = finding_svg(f)
        plots.append(svg_data_uri(svg) if svg else "")
    return env.from_string(source).render(
        tables=sorted(result.tables.items()),
        skipped=result.skipped,
        findings=result.findings,
        plots=plots,
    )
