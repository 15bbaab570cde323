"""`aiposture permissions`: without --role, what the live collector needs in Azure (cli.live_cmd);
with `--role NAME|ID`, what one role can do to AI resources, in the security graph's capability
terms (use, key, change model/filter, write data, read data, escalate).

The role's definition comes from the tenant when a snapshot is given (--input/--demo) and the
snapshot holds it, otherwise from aiposture's built-in table (generated from Microsoft's
reference); the output says which.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from aiposture.app import load_inventory
from aiposture.cli.common import (
    build_source,
    load_progress,
    stderr_console,
    terminal_output,
    write_output,
)
from aiposture.errors import InputError
from aiposture.facts.builtin_roles import role_source, table_info
from aiposture.facts.permissions import RoleOrigin
from aiposture.facts.role_capabilities import (
    CAPABILITIES,
    Capability,
    conditional,
    find_role,
    role_capabilities,
)
from aiposture.model.entities import RoleDefinition
from aiposture.model.sanitize import one_line


def _origin_text(role: RoleDefinition, origin: RoleOrigin) -> str:
    if origin == "tenant":
        return "the tenant's own definition (from the snapshot)"
    src = role_source(role.guid)
    page = f" ({src.path.rsplit('/', 1)[-1]}, page dated {src.page_date})" if src else ""
    return f"aiposture's built-in table, generated from Microsoft's reference{page}"


def _as_dict(role: RoleDefinition, origin: RoleOrigin, caps: list[Capability]) -> dict[str, Any]:
    src = role_source(role.guid) if origin == "table" else None
    return {
        "role": {
            "name": role.role_name,
            "id": role.guid,
            "type": role.role_type,
            "conditional": conditional(role),
            "definition": origin,
            "source": None
            if src is None
            else {
                "repo": src.repo,
                "commit": src.commit,
                "path": src.path,
                "pageDate": src.page_date,
                "tableDate": table_info().table_date,
            },
        },
        "capabilities": {
            name: {
                "granted": any(c.granted for c in caps if c.probe.capability == name),
                "probes": [
                    {
                        "target": c.probe.target,
                        "action": c.probe.action,
                        "dataPlane": c.probe.data,
                        "what": c.probe.what,
                        "granted": c.granted,
                    }
                    for c in caps
                    if c.probe.capability == name
                ],
            }
            for name in CAPABILITIES
        },
    }


def _render(role: RoleDefinition, origin: RoleOrigin, caps: list[Capability], con: Console) -> None:
    con.print(f"[bold]{one_line(role.role_name)}[/bold]  {role.guid}", highlight=False)
    con.print(f"definition: {_origin_text(role, origin)}", markup=False, highlight=False)
    if conditional(role):
        con.print(
            "the definition carries an ABAC condition: what it allows may be narrower",
            markup=False,
            highlight=False,
        )
    table = Table(show_lines=False)
    table.add_column("capability")
    table.add_column("can", justify="center")
    table.add_column("how (on which resource)")
    for name in CAPABILITIES:
        mine = [c for c in caps if c.probe.capability == name]
        granted = [c for c in mine if c.granted]
        how = "; ".join(f"{c.probe.what} ({c.probe.target})" for c in granted) or "-"
        table.add_row(name, "yes" if granted else "no", how)
    con.print(table)


@click.command()
@click.option(
    "--role",
    "role_query",
    help="Explain this role (name as Azure shows it, or GUID). Without it: what the collector "
    "needs in Azure.",
)
@click.option("--demo", is_flag=True, help="Resolve the role in the embedded demo tenant.")
@click.option(
    "--input",
    "inputs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Snapshot or export whose role definitions to use first (repeatable).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "json"]),
    default="terminal",
    show_default=True,
)
@click.option("--output", type=click.Path(path_type=Path), help="Write to FILE.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
def permissions(
    role_query: str | None,
    demo: bool,
    inputs: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    quiet: bool,
) -> int:
    """What the collector needs in Azure; with --role, what that role can do to AI resources:
    use models, get keys, change models or content filters, write or read data, escalate
    (matched against the role's actions exactly as the rules do)."""
    if role_query is None:
        if demo or inputs or output is not None:
            raise click.UsageError("--demo, --input and --output go with --role")
        from aiposture.cli.live_cmd import permissions as collector_needs

        assert collector_needs.callback is not None
        collector_needs.callback(fmt=fmt)
        return 0
    tenant: dict[str, RoleDefinition] = {}
    if demo or inputs:
        update, stop = load_progress(stderr_console(quiet))
        try:
            _snapshot, inv = load_inventory(build_source(demo, inputs), progress=update)
        finally:
            stop()
        tenant = dict(inv.role_definitions)
    roles, origin = find_role(role_query, tenant)
    if not roles or origin is None:
        where = "the snapshot or the built-in table" if tenant else "the built-in table"
        raise InputError(
            f"--role {one_line(role_query)!r}: no role with that name or id in {where}; give "
            "the role name as Azure shows it (e.g. 'Cognitive Services OpenAI User') or its "
            "GUID, and --input a snapshot for custom roles"
        )
    if len(roles) > 1:
        raise InputError(
            f"--role {one_line(role_query)!r}: {len(roles)} roles have that name "
            f"({', '.join(r.guid for r in roles)}); give the GUID"
        )
    role = roles[0]
    caps = role_capabilities(role)
    if fmt == "json":
        data = json.dumps(_as_dict(role, origin, caps), indent=2) + "\n"
        write_output(data.encode("utf-8"), output)
        return 0
    terminal_output(output, lambda con: _render(role, origin, caps, con), 120)
    return 0


def register(cli: click.Group) -> None:
    # Registered after live_cmd: takes over its `permissions` (kept as the no --role answer).
    cli.add_command(permissions)
