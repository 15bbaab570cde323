"""`aiposture export-script`: print the script a customer runs to export their tenant.

The consultant's workflow (docs/export.md): generate the script, send it, receive one archive,
`aiposture scan --input ARCHIVE`. The scan's gap hints name the command that closes each gap.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from aiposture.atomic import file_exists, write_bytes_atomic, write_error


@click.command("export-script")
@click.option(
    "--shell",
    type=click.Choice(["bash", "pwsh"]),
    default="bash",
    show_default=True,
    help="bash (Azure Cloud Shell, Linux, macOS) or pwsh (PowerShell 7, Windows).",
)
@click.option(
    "--subscription",
    "subscriptions",
    multiple=True,
    metavar="ID",
    help="Export these subscriptions only (repeatable; GUIDs). Default: the whole tenant.",
)
@click.option(
    "--management-group",
    "management_groups",
    multiple=True,
    metavar="NAME",
    help="Export the subscriptions under these management groups (repeatable).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the script to this file (default: standard output).",
)
def export_script(
    shell: str,
    subscriptions: tuple[str, ...],
    management_groups: tuple[str, ...],
    output: Path | None,
) -> int:
    """Print a read-only script that exports the tenant with the Azure CLI only.

    The customer runs it in Azure Cloud Shell (or any shell after `az login`) and sends back
    the archive it writes; read it with `aiposture scan --input ARCHIVE`.
    """
    from aiposture.collect.export_script import ExportOptions, render

    text = render(
        ExportOptions(shell=shell, subscriptions=subscriptions, management_groups=management_groups)
    )
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    existed = file_exists(output)
    try:
        write_bytes_atomic(output, text.encode(), mode=0o755 if shell == "bash" else 0o644)
    except OSError as exc:
        raise write_error(output, exc, existed=existed) from None
    return 0


def register(cli: click.Group) -> None:
    cli.add_command(export_script)
