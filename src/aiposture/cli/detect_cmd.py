"""`aiposture detections` (Sentinel rules for the tenant) and `aiposture logs synth|analyze`
(offline detection over exported logs). Thin: options in, detect/ does the work."""

from __future__ import annotations

import json
from pathlib import Path

import click

from aiposture.cli.common import build_source, stderr_console, write_output
from aiposture.errors import InputError


def _admins(change_admins: tuple[str, ...], admins_file: Path | None) -> tuple[str, ...]:
    names = [a.strip() for a in change_admins if a.strip()]
    if admins_file is not None:
        try:
            text = admins_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                f"{admins_file}: cannot read the change-admin list ({exc}); give a text file "
                "with one UPN or app id per line"
            ) from None
        names += [
            line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
        ]
    return tuple(dict.fromkeys(names))


_ADMIN_OPTIONS = (
    click.option(
        "--change-admin",
        "change_admins",
        multiple=True,
        help="UPN or app id allowed to change AI configuration (repeatable).",
    ),
    click.option(
        "--change-admins-file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="File with one change admin (UPN or app id) per line.",
    ),
)


def _with_admins(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(_ADMIN_OPTIONS):
        func = option(func)
    return func


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None


@click.command()
@click.option("--demo", is_flag=True, help="Tailor to the embedded Contoso AI demo tenant.")
@click.option(
    "--input",
    "inputs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Snapshot or export of the tenant (repeatable).",
)
@click.option(
    "--output-dir",
    "-o",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Directory for the rule YAML files and azuredeploy.json.",
)
@_with_admins
@click.option("--quiet", "-q", is_flag=True, help="No summary on stderr.")
def detections(
    demo: bool,
    inputs: tuple[Path, ...],
    output_dir: Path,
    change_admins: tuple[str, ...],
    change_admins_file: Path | None,
    quiet: bool,
) -> int:
    """Write Sentinel analytics rules (AIP-DET-*) tailored to the tenant: one YAML per rule in
    the Azure-Sentinel repository format, azuredeploy.json deploying them all, hunting/ with
    the hunting variants, and blind-spots.json (posture gaps that would blind a rule)."""
    from aiposture.app import load_inventory
    from aiposture.detect.blind import blind_spots
    from aiposture.detect.catalog import DETECTIONS
    from aiposture.detect.scope import scope_from_inventory
    from aiposture.detect.sentinel import (
        arm_json,
        arm_template,
        hunting_query,
        rule_yaml,
        sentinel_rule,
    )

    admins = _admins(change_admins, change_admins_file)
    source = build_source(demo, inputs)
    _snapshot, inv = load_inventory(source)
    scope = scope_from_inventory(inv, admins)
    try:
        (output_dir / "hunting").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{output_dir}: cannot create: {exc.strerror or exc}") from None
    for det in DETECTIONS:
        _write(output_dir / f"{det.id}.yaml", rule_yaml(sentinel_rule(det, scope)))
        _write(output_dir / "hunting" / f"{det.id}.yaml", rule_yaml(hunting_query(det, scope)))
    _write(output_dir / "azuredeploy.json", arm_json(arm_template(DETECTIONS, scope)))
    spots = blind_spots(inv, DETECTIONS)
    _write(
        output_dir / "blind-spots.json",
        json.dumps([_spot(s) for s in spots], indent=2) + "\n",
    )
    if not quiet:
        err = stderr_console()
        err.print(
            f"wrote {len(DETECTIONS)} rules for {len(scope.ai_accounts)} AI accounts and "
            f"{len(scope.apim_services)} API Management services to {output_dir}",
            markup=False,
        )
        if not admins:
            err.print(
                "warning: no --change-admin given: AIP-DET-005 alerts on every AI "
                "configuration change",
                markup=False,
            )
        for s in spots:
            err.print(
                f"{s.status}: {s.detection} on {s.resource}: {s.reason}",
                markup=False,
                soft_wrap=True,
            )
    return 0


def _spot(s: object) -> dict[str, str]:
    from dataclasses import asdict, is_dataclass

    assert is_dataclass(s) and not isinstance(s, type)
    return {k: str(v) for k, v in asdict(s).items()}


@click.group()
def logs() -> None:
    """Offline detection over exported AI logs (synthetic or real)."""


@logs.command("synth")
@click.option(
    "--output-dir",
    "-o",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Directory for the tables and ground_truth.json.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same bytes.")
@click.option("--weeks", type=click.IntRange(min=3, max=52), default=6, show_default=True)
@click.option(
    "--scale",
    type=click.FloatRange(min=0.01, max=1000),
    default=1.0,
    show_default=True,
    help="Multiplies the normal traffic of every caller.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True
)
@click.option("--quiet", "-q", is_flag=True, help="No summary on stderr.")
def synth(output_dir: Path, seed: int, weeks: int, scale: float, fmt: str, quiet: bool) -> int:
    """Write synthetic AI logs with labelled anomalies (and change_admins.txt)."""
    from aiposture.detect.synth import synth_logs

    try:
        stats = synth_logs(output_dir, seed=seed, weeks=weeks, scale=scale, fmt=fmt)
    except OSError as exc:
        raise InputError(f"{output_dir}: cannot write: {exc.strerror or exc}") from None
    if not quiet:
        rows = ", ".join(f"{n:,} {t}" for t, n in stats.rows.items())
        stderr_console().print(
            f"wrote {output_dir}: {rows}; {stats.labels} labelled anomalies in ground_truth.json",
            markup=False,
        )
    return 0


@logs.command("analyze")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_with_admins
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "json", "html", "sarif", "csv", "md"]),
    default="terminal",
    show_default=True,
    help="terminal, JSON (with evidence windows), HTML with plots, or the scan's SARIF, CSV "
    "and Markdown formats.",
)
@click.option(
    "--plots-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Also write one SVG plot per rate/token anomaly into DIR.",
)
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE.")
@click.option(
    "--memory-limit",
    default="1GB",
    show_default=True,
    help="DuckDB memory limit; it spills to a temporary directory beyond it.",
)
def analyze(
    files: tuple[Path, ...],
    change_admins: tuple[str, ...],
    change_admins_file: Path | None,
    fmt: str,
    output: Path | None,
    plots_dir: Path | None,
    memory_limit: str,
) -> int:
    """Run the AIP-DET detections over exported logs (CSV, JSON lines, JSON, Parquet).

    Each FILE holds one table (AzureDiagnostics, AzureActivity, ApiManagementGatewayLlmLog,
    ApiManagementGatewayLogs, StorageBlobLogs); a directory stands for the export files in
    it. Without --change-admin(s-file), a change_admins.txt in an input directory is used
    (and named on stderr).
    """
    from aiposture.detect.analyze import analyze as run
    from aiposture.detect.render import render_html, render_json, render_terminal

    paths: list[Path] = []
    for f in files:
        if f.is_dir() and not change_admins and change_admins_file is None:
            candidate = f / "change_admins.txt"
            if candidate.is_file():
                change_admins_file = candidate
                stderr_console().print(
                    f"using the change-admin list in {candidate} (give --change-admins-file "
                    "to choose another)",
                    markup=False,
                    highlight=False,
                )
        if f.is_dir():
            found = sorted(
                p
                for p in f.iterdir()
                if p.is_file()
                and p.suffix.lower() in (".csv", ".tsv", ".json", ".jsonl", ".parquet")
                and p.name != "ground_truth.json"
            )
            if not found:
                raise InputError(f"{f}: no export files (.csv, .tsv, .json, .jsonl, .parquet)")
            paths += found
        else:
            paths.append(f)
    result = run(paths, _admins(change_admins, change_admins_file), memory_limit=memory_limit)
    from aiposture.report.log_findings import render_csv, render_markdown, render_sarif

    renderers = {
        "json": render_json,
        "html": render_html,
        "terminal": render_terminal,
        "sarif": render_sarif,
        "csv": render_csv,
        "md": render_markdown,
    }
    write_output(renderers[fmt](result).encode(), output)
    if plots_dir is not None:
        from aiposture.detect.plots import finding_svg

        try:
            plots_dir.mkdir(parents=True, exist_ok=True)
            for n, finding in enumerate(result.findings, 1):
                svg = finding_svg(finding)
                if svg is not None:
                    (plots_dir / f"{n:03d}-{finding.detection}.svg").write_text(svg, "utf-8")
        except OSError as exc:
            raise InputError(f"{plots_dir}: cannot write plots: {exc.strerror or exc}") from None
    return 0


def register(cli: click.Group) -> None:
    cli.add_command(detections)
    cli.add_command(logs)
