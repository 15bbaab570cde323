"""`aiposture inventory`, `paths`, `graph`, `access`: the AI BOM, attack paths, graph exports
and access review. Thin: load the inventory, call the graph layer, hand it to a renderer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from aiposture.app import load_inventory
from aiposture.cli.common import (
    build_source,
    load_progress,
    settings_from_options,
    stderr_console,
    terminal_output,
    write_output,
)
from aiposture.config import Settings
from aiposture.errors import InputError
from aiposture.model.inventory import Inventory
from aiposture.model.sanitize import one_line


def _source_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--quiet", "-q", is_flag=True, help="No progress output.")(func)
    func = click.option("--config", type=click.Path(path_type=Path), help="aiposture.toml.")(func)
    func = click.option("--output", type=click.Path(path_type=Path), help="Write to FILE.")(func)
    func = click.option(
        "--input",
        "inputs",
        multiple=True,
        type=click.Path(path_type=Path),
        help="Snapshot, export file or directory (repeatable).",
    )(func)
    func = click.option("--demo", is_flag=True, help="Use the embedded Contoso AI demo tenant.")(
        func
    )
    return func


def _load(demo: bool, inputs: tuple[Path, ...], quiet: bool) -> tuple[Inventory, str]:
    source = build_source(demo, inputs)
    update, stop = load_progress(stderr_console(quiet))
    try:
        _snapshot, inv = load_inventory(source, progress=update)
    finally:
        stop()
    return inv, source.describe()


def _settings(config: Path | None) -> Settings:
    return settings_from_options(config, None)


def _warn_missing(inv: Inventory, what: str) -> list[str]:
    """Say on stderr what was not collected: an empty answer must not read as 'none'."""
    from aiposture.graph.access import missing_collections

    missing = missing_collections(inv)
    if missing:
        err = stderr_console()
        err.print(f"warning: {what} may be incomplete; not collected:", markup=False)
        for line in missing:
            err.print(f"  {line}", markup=False)
    return missing


def _emit(data: bytes, output: Path | None, what: str, quiet: bool) -> None:
    write_output(data, output)
    if output is not None and str(output) != "-" and not quiet:
        stderr_console().print(f"wrote {what} to {one_line(output)}", markup=False, highlight=False)


@click.command()
@_source_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "json", "cyclonedx"]),
    default="terminal",
    show_default=True,
)
def inventory(
    demo: bool,
    inputs: tuple[Path, ...],
    output: Path | None,
    config: Path | None,
    quiet: bool,
    fmt: str,
) -> int:
    """The AI bill of materials: AI resources, model deployments, compute, linked stores and
    what each AI identity can do."""
    from aiposture.graph.bom import build_bom
    from aiposture.graph.build import build_graph

    inv, desc = _load(demo, inputs, quiet)
    _warn_missing(inv, "what the AI identities can do")
    bom = build_bom(inv, build_graph(inv), desc)
    if fmt == "terminal":
        from aiposture.report.bom import render_bom_terminal

        _terminal(output, lambda console: render_bom_terminal(bom, console))
        return 0
    from aiposture.report.bom import render_bom_cyclonedx, render_bom_json

    data = render_bom_json(bom) if fmt == "json" else render_bom_cyclonedx(bom)
    _emit(data, output, f"{fmt} AI BOM", quiet)
    return 0


@click.command()
@_source_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "json"]),
    default="terminal",
    show_default=True,
)
@click.option("--rule", "rule_ids", multiple=True, help="Only paths of this AIP-PATH rule.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="Terminal: paths to show.",
)
def paths(
    demo: bool,
    inputs: tuple[Path, ...],
    output: Path | None,
    config: Path | None,
    quiet: bool,
    fmt: str,
    rule_ids: tuple[str, ...],
    limit: int,
) -> int:
    """Attack paths from the Internet, guests, secret-bearing service principals and
    non-admins to AI data, secrets, privileged scopes and model safety, worst first, each
    hop explained, with the cheapest cut."""
    from aiposture.graph.build import build_graph
    from aiposture.graph.paths import find_paths

    settings = _settings(config)
    inv, _desc = _load(demo, inputs, quiet)
    _warn_missing(inv, "attack paths")
    found = find_paths(build_graph(inv), settings.model_admins)
    wanted = {r.strip().upper() for r in rule_ids}
    unknown = {r for r in wanted if not r.startswith("AIP-PATH-")}
    if unknown:
        raise click.BadParameter(f"not a path rule: {', '.join(sorted(unknown))}")
    if wanted:
        found = found.only(wanted)
    if fmt == "terminal":
        from aiposture.report.graph_export import render_paths_terminal

        _terminal(output, lambda console: render_paths_terminal(found, console, limit=limit))
        return 0
    from aiposture.report.graph_export import render_paths_json

    _emit(render_paths_json(found), output, "attack paths", quiet)
    return 0


@click.command()
@_source_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["opengraph", "graphml"]),
    default="opengraph",
    show_default=True,
    help="opengraph: BloodHound CE OpenGraph JSON; graphml: for Gephi, yEd, networkx.",
)
def graph(
    demo: bool,
    inputs: tuple[Path, ...],
    output: Path | None,
    config: Path | None,
    quiet: bool,
    fmt: str,
) -> int:
    """Export the security graph (identities, scopes, resources, Internet; typed edges)."""
    from aiposture.graph.build import build_graph
    from aiposture.report.graph_export import render_graphml, render_opengraph

    inv, _desc = _load(demo, inputs, quiet)
    sg = build_graph(inv)
    data = render_opengraph(sg) if fmt == "opengraph" else render_graphml(sg)
    _emit(data, output, f"{fmt} graph", quiet)
    return 0


@click.command()
@_source_options
@click.option("--resource", help="Only this AI resource (ARM id or name).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "csv", "json"]),
    default="terminal",
    show_default=True,
)
@click.option("--since", help="Only what changed since a stored scan (number) or date.")
@click.option("--store", "store_url", envvar="AIPOSTURE_STORE", help="Store for --since.")
def access(
    demo: bool,
    inputs: tuple[Path, ...],
    output: Path | None,
    config: Path | None,
    quiet: bool,
    resource: str | None,
    fmt: str,
    since: str | None,
    store_url: str | None,
) -> int:
    """Access review per AI resource: who can use it, read its keys, change its deployments,
    content filters or network, and grant access to it."""
    from aiposture.graph.access import access_review, review_targets

    inv, _desc = _load(demo, inputs, quiet)
    if since is not None:  # access over time (cli/history_cmd.py)
        from aiposture.cli.history_cmd import access_since

        return access_since(inv, _desc, since, store_url, fmt, output)
    if resource and not review_targets(inv, resource):
        raise InputError(
            f"--resource {resource}: no AI services account, search service or ML workspace "
            "with that id or name in the input; check the name (aiposture inventory lists them)"
        )
    missing = _warn_missing(inv, "the access review")
    entries = access_review(inv, resource)
    if fmt == "terminal":
        from aiposture.report.graph_export import render_access_terminal

        _terminal(output, lambda console: render_access_terminal(entries, console))
        return 0
    from aiposture.report.graph_export import render_access_csv, render_access_json

    data = render_access_csv(entries) if fmt == "csv" else render_access_json(entries, missing)
    _emit(data, output, f"{fmt} access review", quiet)
    return 0


def _terminal(output: Path | None, render: Callable[[Console], None]) -> None:
    terminal_output(output, render, width=120)


def register(cli: click.Group) -> None:
    for command in (inventory, paths, graph, access):
        cli.add_command(command)
