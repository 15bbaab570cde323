"""Gap hints: which missing collections would decide how many UNKNOWN findings of a scan of an
export, and the exact command that gathers each ("ask the customer to run: ...").

An export (docs/export.md) holds what the customer ran; a rule whose data is missing answers
UNKNOWN and names the missing collections (Finding.missing). This module counts the UNKNOWN
findings per missing collection and names the Azure CLI command, taken from the same plan the
export script is generated from (collect/export_script.py), so the hint and the script agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rich.console import Console
from rich.text import Text

from aiposture.app import ScanResult
from aiposture.collect.export_script import ListStep, Plan, build_plan
from aiposture.model.types import Status
from aiposture.rules.types import Finding

_SHOWN = 3


@dataclass(frozen=True, slots=True)
class GapHint:
    collection: str
    unknown: int  # UNKNOWN findings that name this collection as missing
    command: str  # what the customer runs to gather it


def _sq(text: str) -> str:
    """A shell word: double quotes around text with single quotes (queries), else single."""
    if "'" in text and not any(c in text for c in '$`"\\!'):
        return f'"{text}"'
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _subs(findings: list[Finding]) -> list[str]:
    return sorted({f.subscription_id for f in findings if f.subscription_id})


def _ids(findings: list[Finding]) -> list[str]:
    return list(dict.fromkeys(f.resource_id for f in findings if f.resource_id.startswith("/")))


def _each(items: list[str]) -> str:
    more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return ", ".join(items[:_SHOWN]) + more


def _arm(step: ListStep, scope: str) -> str:
    return (
        f"az rest --method get --url {_sq(f'{scope}{step.suffix}?api-version={step.api_version}')}"
    )


def command_for(collection: str, findings: list[Finding], plan: Plan) -> str | None:
    """The command that gathers `collection` for these findings' scope, or None."""
    subs = _subs(findings)
    scope = (
        f"--subscriptions {' '.join(subs[:_SHOWN])}" if subs else "--management-groups <tenant id>"
    )
    if subs and len(subs) > _SHOWN:
        scope += f" (and {len(subs) - _SHOWN} more subscriptions)"
    for step in (*plan.tables, *plan.tenant_level):
        if collection in step.collections:
            return (
                f"az graph query -q {_sq(step.query)} --first 1000 {scope} "
                "(repeat with --skip-token while skip_token is set)"
            )
    if collection == "subscriptions":
        return f"az graph query -q {_sq(plan.discover_subscriptions)} --first 1000 {scope}"
    if collection == "managementGroups":
        query = _sq(plan.discover_management_groups)
        return f"az graph query -q {query} --first 1000 --management-groups <tenant id>"
    ids = _ids(findings)
    for listed in (*plan.subscription_lists, plan.pricings):
        if listed.collection == collection:
            sub = subs[0] if subs else "<subscription id>"
            return _arm(listed, f"/subscriptions/{sub}") + (
                f" (and for {_each(subs[1:])})" if len(subs) > 1 else ""
            )
    if collection == plan.diagnostics.collection:
        target = ids[0] if ids else "<resource id>"
        return _arm(plan.diagnostics, target) + (
            f" (and for {_each(ids[1:])})" if len(ids) > 1 else ""
        )
    for _type, _kind, lists in plan.children:
        for child in lists:
            if child.collection == collection:
                return _arm(child, "<parent resource id>") + (
                    f" for the parents of {_each(ids)}" if ids else ""
                )
    if collection == "graph.groupMembers":
        return (
            "az rest --method get --url "
            "'https://graph.microsoft.com/v1.0/groups/<group id>/members?$select=id&$top=999' "
            "for every group (needs GroupMember.Read.All)"
        )
    for coll in plan.graph:
        if collection == f"graph.{coll.name}":
            query = "&".join(f"{k}={v}" for k, v in coll.params)
            url = f"https://graph.microsoft.com{coll.path}" + (f"?{query}" if query else "")
            return f"az rest --method get --url {_sq(url)} (needs {coll.permission})"
    return None


def gap_hints(result: ScanResult) -> list[GapHint]:
    """Per missing collection, the UNKNOWN findings it would decide, most first."""
    by_collection: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        if f.status is Status.UNKNOWN:
            for m in dict.fromkeys(f.missing):
                by_collection[m].append(f)
    plan = build_plan()
    out: list[GapHint] = []
    for collection, findings in by_collection.items():
        command = command_for(collection, findings, plan)
        if command is not None:
            out.append(GapHint(collection, len(findings), command))
    return sorted(out, key=lambda h: (-h.unknown, h.collection))


def is_export(result: ScanResult) -> bool:
    return result.inventory.metadata.source == "export"


def render_gap_hints(result: ScanResult, console: Console) -> None:
    """The closing section of a terminal report of an export (nothing for other sources)."""
    if not is_export(result):
        return
    hints = gap_hints(result)
    if not hints:
        return
    console.print()
    console.print(Text("Gaps in the export", style="bold underline"))
    for h in hints:
        console.print(
            Text(
                f"{h.collection}: would decide {h.unknown} UNKNOWN finding(s); ask the customer "
                f"to run: {h.command}"
            ),
            soft_wrap=True,
        )
    console.print(
        Text("Or send a new export script: aiposture export-script (docs/export.md)", style="dim"),
        soft_wrap=True,
    )
