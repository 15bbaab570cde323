"""`aiposture synth`: write a deterministic synthetic tenant snapshot."""

from __future__ import annotations

from pathlib import Path

import click

from aiposture.atomic import file_exists, write_error
from aiposture.cli.common import stderr_console


@click.command()
@click.option(
    "--resources",
    "-n",
    type=click.IntRange(min=1),
    required=True,
    help="Number of ARM resources (role assignments etc. come on top).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same bytes.")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Snapshot file to write; gzip when it ends in .gz.",
)
@click.option("--quiet", "-q", is_flag=True, help="No summary on stderr.")
def synth(resources: int, seed: int, output: Path, quiet: bool) -> int:
    """Write a synthetic tenant snapshot (for benchmarks and tests); scan it with --input."""
    from aiposture.collect.synth import synth_to

    existed = file_exists(output)
    try:
        stats = synth_to(output, resources, seed)
    except OSError as exc:
        raise write_error(output, exc, existed=existed) from None
    if not quiet:
        stderr_console().print(
            f"wrote {output}: {stats.resources:,} resources ({stats.ai_resources:,} AI), "
            f"{stats.rows:,} rows with {stats.role_assignments:,} role assignments, "
            f"{stats.subscriptions:,} subscriptions, {stats.principals:,} principals",
            highlight=False,
            soft_wrap=True,
        )
    return 0


def register(cli: click.Group) -> None:
    cli.add_command(synth)
