"""`aiposture rules`: the catalog as a table, JSON or Markdown."""

from __future__ import annotations

from pathlib import Path

import click
import msgspec
from rich import box
from rich.table import Table

from aiposture.cli.common import terminal_output, write_output
from aiposture.report.json import rule_dict
from aiposture.rules.registry import all_rules


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "md"]),
    default="table",
    show_default=True,
)
@click.option("--output", type=click.Path(path_type=Path), help="Write to FILE instead of stdout.")
def rules(fmt: str, output: Path | None) -> int:
    """List every rule with its pillar, severity and target."""
    specs = all_rules()
    if fmt == "json":
        data = msgspec.json.format(msgspec.json.encode([rule_dict(r) for r in specs]), indent=2)
        write_output(data + b"\n", output)
        return 0
    if fmt == "md":
        from aiposture.report.rules_md import rules_markdown

        write_output(rules_markdown(specs).encode(), output)
        return 0
    table = Table(box=box.SIMPLE_HEAD, title=f"aiposture rules ({len(specs)})")
    table.add_column("Id", no_wrap=True)
    table.add_column("Pillar")
    table.add_column("Sev")
    table.add_column("Target", max_width=24)
    table.add_column("Title")
    for r in specs:
        table.add_row(r.id, r.pillar.label, r.severity.value, r.target_label, r.title)
    terminal_output(output, lambda console: console.print(table), width=100)
    return 0
