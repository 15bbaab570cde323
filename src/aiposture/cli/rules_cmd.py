"""`aiposture rules`: the catalog as a table, JSON or Markdown; `aiposture rules ID...` explains
rules (rationale, when they FAIL, what they need and assume, the fix, references)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import click
import msgspec
from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from aiposture.cli.common import terminal_output, write_output
from aiposture.config import Settings
from aiposture.report.json import rule_dict
from aiposture.report.selection import parse_pillars, select_rule_ids, split_list
from aiposture.rules.registry import all_rules
from aiposture.rules.types import RuleSpec


@click.command()
@click.argument("rule_ids", nargs=-1)
@click.option(
    "--pillar",
    "pillars",
    multiple=True,
    help="Only these pillars (repeatable or comma-separated): identity, data, model, "
    "network, governance, monitoring.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "md"]),
    default="table",
    show_default=True,
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Write to FILE instead of stdout."
)
def rules(
    rule_ids: tuple[str, ...], pillars: tuple[str, ...], fmt: str, output: Path | None
) -> int:
    """List every rule, or explain RULE_IDS (ids or globs like AIP-NET-*): rationale, FAIL
    condition, collections needed, defaults assumed, fixes and references."""
    specs = all_rules()
    chosen = select_rule_ids(
        specs, split_list(rule_ids), (), parse_pillars(pillars), checks_option="rule id"
    )
    if chosen is not None:
        specs = [r for r in specs if r.id in chosen]
    explain = bool(rule_ids)
    if fmt == "json":
        docs = [rule_dict(r) | (_assumed_doc(r) if explain else {}) for r in specs]
        data = msgspec.json.format(msgspec.json.encode(docs), indent=2)
        write_output(data + b"\n", output)
        return 0
    if fmt == "md":
        from aiposture.report.rules_md import rules_markdown

        write_output(rules_markdown(specs).encode(), output)
        return 0
    if explain:
        terminal_output(output, lambda console: _explain_all(console, specs), width=100)
        return 0
    table = Table(box=box.SIMPLE_HEAD, title=f"aiposture rules ({len(specs)})")
    table.add_column("Id", no_wrap=True)
    table.add_column("Pillar", no_wrap=True)
    table.add_column("Sev", no_wrap=True)
    table.add_column("Target", max_width=24, overflow="ellipsis")
    table.add_column("Title")
    for r in specs:
        table.add_row(r.id, r.pillar.label, r.severity.value, r.target_label, r.title)
    terminal_output(output, lambda console: console.print(table), width=100)
    return 0


_SETTING = re.compile(r"settings\.([a-z_]+)")


def assumed_defaults(spec: RuleSpec[Any]) -> dict[str, Any]:
    """The aiposture.toml settings the rule's check reads, with their default values (what
    the rule assumes when no config file says otherwise)."""
    try:
        source = inspect.getsource(inspect.getmodule(spec.check) or spec.check)
        body = inspect.getsource(spec.check)
    except (OSError, TypeError):
        return {}
    defaults = Settings()
    names = set(_SETTING.findall(body))
    # Helpers of the same module called by the check (one level) count too.
    for helper in re.findall(r"\b(_[a-z_]+)\(", body):
        m = re.search(rf"^def {helper}\(.*?(?=^def |\Z)", source, re.S | re.M)
        if m:
            names |= set(_SETTING.findall(m.group(0)))
    names -= {"source", "suppressions", "severity_overrides", "disabled_rules", "scope"}
    out: dict[str, Any] = {}
    for name in sorted(names):
        if hasattr(defaults, name):
            value = getattr(defaults, name)
            out[name] = sorted(value) if isinstance(value, frozenset) else value
    return out


def _assumed_doc(spec: RuleSpec[Any]) -> dict[str, Any]:
    return {
        "fails_when": spec.title,
        "requires_to_pass": list(spec.requires_to_pass),
        "defaults_assumed": {k: _plain(v) for k, v in assumed_defaults(spec).items()},
    }


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _explain_all(console: Console, specs: list[RuleSpec[Any]]) -> None:
    for i, spec in enumerate(specs):
        if i:
            console.print()
        _explain(console, spec)


def _explain(console: Console, r: RuleSpec[Any]) -> None:
    rem = r.remediation
    console.print(
        Text.assemble(
            (r.id, "bold"),
            f"  {r.pillar.label} · {r.severity.value} · target: {r.target_label}",
        )
    )
    console.print(Text(r.title, style="bold"))

    def section(title: str, body: str | Text) -> None:
        console.print(Text(title, style="underline"))
        console.print(Padding(body if isinstance(body, Text) else Text(body), (0, 0, 0, 2)))

    section("Why", r.rationale)
    section("FAILs when", r.title)
    needs = ", ".join(r.requires) or "nothing beyond the target"
    if r.requires_to_pass:
        needs += "; to PASS also " + ", ".join(r.requires_to_pass)
    section("Needs (else UNKNOWN)", needs)
    assumed = assumed_defaults(r)
    if assumed:
        section(
            "Defaults assumed (aiposture.toml overrides)",
            "; ".join(f"{k} = {_plain(v)!r}" for k, v in assumed.items()),
        )
    section("Fix", rem.summary)
    # Commands are printed whole (the terminal wraps them), so they can be copied and pasted.
    console.print(Text("az CLI", style="underline"))
    for line in rem.az_cli.splitlines():
        console.print(Text("  " + line), soft_wrap=True)
    if rem.policy:
        section(
            "Azure Policy",
            "; ".join(f"{p.display_name or p.definition_id} ({p.effect})" for p in rem.policy),
        )
    refs = [(k, v) for k, v in r.references.as_dict().items() if v]
    if refs:
        section("References", "\n".join(f"{k}: {', '.join(v)}" for k, v in refs))
    from aiposture.detect.links import link_text

    watch = link_text(r.id)
    if watch:
        section("Detections (aiposture detections)", watch[0].upper() + watch[1:])
