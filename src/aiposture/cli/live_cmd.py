"""`aiposture collect`, `aiposture permissions`, `aiposture fake-azure`, and the `scan --live`
options (applied to `scan` with the `live_options` decorator)."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import click
from rich.console import Console

from aiposture.cli.common import stderr_console, terminal_output, write_output
from aiposture.collect.live.clients import DEFAULT_MAX_PAGES, DEFAULT_RETRY_BUDGET
from aiposture.errors import (
    CollectionError,
    ConfigError,
    InputError,
    OutputError,
    describe_os_error,
)

if TYPE_CHECKING:
    from aiposture.collect.live.collector import LiveSource
    from aiposture.model.inventory import Inventory

F = TypeVar("F", bound=Callable[..., Any])

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_FLAGS = {"subscriptions": "--subscription", "management_groups": "--management-group"}
_AUTH_MODES = ("default", "cli", "env", "managed-identity", "workload-identity")
_CLOUDS = ("AzureCloud", "AzureUSGovernment", "AzureChinaCloud")


@dataclass(frozen=True)
class LiveOptions:
    live: bool
    auth: str
    cloud: str
    arm_endpoint: str | None
    graph_endpoint: str | None
    authority: str | None
    ca_bundle: Path | None
    subscriptions: tuple[str, ...]
    management_groups: tuple[str, ...]
    concurrency: int
    max_pages: int
    retry_budget: float

    KEYS = (
        "live",
        "auth",
        "cloud",
        "arm_endpoint",
        "graph_endpoint",
        "authority",
        "ca_bundle",
        "subscriptions",
        "management_groups",
        "concurrency",
        "max_pages",
        "retry_budget",
    )

    @classmethod
    def pop(cls, kwargs: dict[str, Any]) -> LiveOptions:
        return cls(**{k: kwargs.pop(k) for k in cls.KEYS})

    def source(self, quiet: bool) -> LiveSource:
        """The live Source, with a progress display on stderr unless quiet."""
        from aiposture.collect.live.cloud import resolve_cloud
        from aiposture.collect.live.collector import CollectOptions

        if self.ca_bundle is not None and not self.ca_bundle.is_file():
            raise InputError(f"{self.ca_bundle}: --ca-bundle file not found; give a PEM file")
        if not 1 <= self.concurrency <= 64:
            raise ConfigError(f"--concurrency {self.concurrency}: must be between 1 and 64")
        if not 1 <= self.max_pages <= 1_000_000:
            raise ConfigError(f"--max-pages {self.max_pages}: must be between 1 and 1000000")
        if not 1.0 <= self.retry_budget <= 3600.0:
            raise ConfigError(
                f"--retry-budget {self.retry_budget:g}: must be between 1 and 3600 seconds"
            )
        for sub in self.subscriptions:
            if not _GUID.match(sub.strip()):
                raise ConfigError(
                    f"--subscription {sub!r}: not a subscription id; give the GUID "
                    "(az account list --query [].id)"
                )
        cloud = resolve_cloud(
            self.cloud,
            arm_endpoint=self.arm_endpoint,
            graph_endpoint=self.graph_endpoint,
            authority=self.authority,
            ca_bundle=str(self.ca_bundle) if self.ca_bundle else None,
        )
        options = CollectOptions(
            subscriptions=tuple(s.strip() for s in self.subscriptions if s.strip()),
            management_groups=tuple(m.strip() for m in self.management_groups if m.strip()),
            concurrency=self.concurrency,
            max_pages=self.max_pages,
            retry_budget=self.retry_budget,
            diagnostic_targets=rule_diagnostic_targets,
        )
        return _cli_source(cloud, self.auth, options, stderr_console(quiet))


def rule_diagnostic_targets(inventory: Inventory) -> set[str]:
    """Ids of the resources that rules needing diagnostic settings would check, found by the
    rules' own target selection on the collector's interim inventory. Passed into the
    collector so that the collector never imports rules."""
    from aiposture.config import Settings
    from aiposture.rules.engine import default_targets
    from aiposture.rules.registry import all_rules

    settings = Settings()
    out: set[str] = set()
    for spec in all_rules():
        if "diagnosticSettings" in spec.requires:
            out.update(
                t.id for t in default_targets(spec, inventory, settings) if hasattr(t, "key")
            )
    return out


def _cli_source(cloud: Any, auth: str, options: Any, console: Console) -> LiveSource:
    from aiposture.collect.live.collector import LiveSource

    class CliLiveSource(LiveSource):
        """Adds the rich progress display and the final summary line."""

        def load(self) -> Any:
            progress = RichProgress(console)
            self.progress = progress
            try:
                return super().load()
            finally:
                progress.close()
                if self.collector is not None:
                    console.print(
                        f"live collection: {self.collector.report.summary()}", soft_wrap=True
                    )

    return CliLiveSource(cloud, auth, options)


class RichProgress:
    """One progress row per phase (queries/pages, ARM fan-out, Graph), with counts."""

    LABELS: ClassVar[dict[str, str]] = {
        "queries": "Resource Graph pages",
        "arm": "ARM child lists",
        "graph": "Microsoft Graph collections",
    }

    def __init__(self, console: Console) -> None:
        self.enabled = not console.quiet
        self._tasks: dict[str, Any] = {}
        self._progress: Any = None
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=not console.is_terminal,
            )
            self._progress.start()

    def start(self, phase: str, total: int | None = None) -> None:
        if self._progress is not None and phase not in self._tasks:
            self._tasks[phase] = self._progress.add_task(self.LABELS.get(phase, phase), total=total)

    def advance(self, phase: str, n: int = 1) -> None:
        if self._progress is not None:
            if phase not in self._tasks:
                self.start(phase)
            self._progress.advance(self._tasks[phase], n)

    def finish(self, phase: str) -> None:
        if self._progress is not None and phase in self._tasks:
            task = self._tasks[phase]
            done = self._progress.tasks[task].completed
            self._progress.update(task, total=done, completed=done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def live_options(func: F) -> F:
    """Add the live-collection options to a command; the function receives `live=LiveOptions`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        live = LiveOptions.pop(kwargs)
        ctx = click.get_current_context()
        if ctx.command.name == "collect":
            live = dataclasses.replace(live, live=True)  # collecting is always live
        elif not live.live:
            # Collection options without --live would be silently ignored: say so.
            for key in LiveOptions.KEYS[1:]:
                if ctx.get_parameter_source(key) is click.core.ParameterSource.COMMANDLINE:
                    flag = _FLAGS.get(key, "--" + key.replace("_", "-"))
                    raise click.UsageError(f"{flag} needs --live")
        return func(*args, live=live, **kwargs)

    options = [
        click.option("--live", is_flag=True, help="Collect from Azure now (read-only)."),
        click.option(
            "--auth",
            type=click.Choice(_AUTH_MODES),
            default="default",
            show_default=True,
            help="Credential: DefaultAzureCredential, Azure CLI login, environment service "
            "principal, managed identity or workload identity.",
        ),
        click.option(
            "--cloud",
            default="AzureCloud",
            show_default=True,
            help=f"Azure cloud: {', '.join(_CLOUDS)}.",
        ),
        click.option("--arm-endpoint", help="Custom ARM (and Resource Graph) URL."),
        click.option("--graph-endpoint", help="Custom Microsoft Graph URL."),
        click.option("--authority", help="Custom login authority URL."),
        click.option(
            "--ca-bundle",
            type=click.Path(path_type=Path),
            help="PEM file of CAs to trust (overrides the system store and REQUESTS_CA_BUNDLE).",
        ),
        click.option(
            "--subscription",
            "subscriptions",
            multiple=True,
            help="Subscription id to assess (repeatable; default: every readable one).",
        ),
        click.option(
            "--management-group",
            "management_groups",
            multiple=True,
            help="Management group to assess (repeatable).",
        ),
        click.option(
            "--concurrency",
            type=int,
            default=8,
            show_default=True,
            help="ARM and Graph requests in flight at once.",
        ),
        click.option(
            "--max-pages",
            type=int,
            default=DEFAULT_MAX_PAGES,
            show_default=True,
            help="Most pages followed per collection (ARM list, Resource Graph query, Graph "
            "collection); beyond it the collection is recorded as partial.",
        ),
        click.option(
            "--retry-budget",
            type=float,
            default=DEFAULT_RETRY_BUDGET,
            show_default=True,
            help="Seconds one call may spend retrying (throttling, 5xx, dropped connections) "
            "before it is recorded as failed.",
        ),
    ]
    for opt in reversed(options):
        wrapper = opt(wrapper)
    return wrapper  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# collect


@click.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    required=True,
    help="Snapshot file to write (.json or .json.gz).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@live_options
def collect(output: Path, quiet: bool, live: LiveOptions) -> int:
    """Collect a snapshot from Azure (read-only) to scan later with `scan --input`."""
    from aiposture.atomic import file_exists, write_error
    from aiposture.model.snapshot import write_snapshot

    err = stderr_console(quiet)
    source = live.source(quiet)
    _check_writable(output)
    aborted: BaseException | None = None
    try:
        snapshot = source.load()
    except KeyboardInterrupt as exc:
        aborted = exc
        snapshot = None
    except CollectionError:
        raise
    collector = source.collector
    if snapshot is None:
        snapshot = source.last_snapshot
        if snapshot is None:
            raise CollectionError("live collection interrupted before anything was collected")
    if collector is not None and collector.report.aborted is not None:
        aborted = collector.report.aborted
    existed = file_exists(output)
    try:
        write_snapshot(snapshot, output)
    except OSError as exc:
        raise write_error(output, exc, existed=existed) from None
    if aborted is not None:
        from aiposture.collect.live.collector import describe_stop

        click.echo(
            f"aiposture: collection stopped early ({describe_stop(aborted)}); wrote a PARTIAL "
            f"snapshot to {output}",
            err=True,
        )
        return 130 if isinstance(aborted, KeyboardInterrupt) else 3
    if not quiet:
        err.print(f"wrote snapshot ({snapshot.resource_count:,} resources) to {output}")
    return 0


def _check_writable(output: Path) -> None:
    """Fail before collecting, not after an hour of it, when the snapshot cannot be written:
    create and remove a temporary file next to the output."""
    if output.is_dir():
        raise InputError(f"{output}: --output is a directory; give a snapshot file name")
    parent = output.parent
    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".aiposture-write-check-"):
            pass
        if output.exists():
            with output.open("ab"):
                pass
    except OSError as exc:
        raise InputError(
            f"{output}: cannot write the snapshot there ({exc.strerror or exc}); choose a "
            "writable --output path"
        ) from None


# ---------------------------------------------------------------------------------------------
# permissions


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "json"]),
    default="terminal",
    show_default=True,
)
def permissions(fmt: str) -> None:
    """The least-privilege roles and Graph permissions the collector needs."""
    from aiposture.collect.live.permissions import REQUIREMENTS

    if fmt == "json":
        doc = [r.as_dict() for r in REQUIREMENTS]
        write_output((json.dumps(doc, indent=2) + "\n").encode(), None)
        return
    terminal_output(None, lambda console: _permissions_table(console, REQUIREMENTS), width=100)


def _permissions_table(console: Console, requirements: Any) -> None:
    """One block per grant, its fields indented below it: lines wrap between words at any
    width (a four-column table broke words and cut them with ellipses at 80-100 columns)."""
    from rich.padding import Padding
    from rich.text import Text

    console.print(Text("What aiposture's collector needs (all read-only)", style="bold"))
    for r in requirements:
        console.print()
        head = Text(r.grant, style="bold")
        if r.role_id:
            head.append(f"  {r.role_id}", style="dim")
        head.append("  required" if r.required else "  recommended", style="cyan")
        console.print(head)
        for label, value in (
            ("where", r.where),
            ("used for", r.used_for),
            ("lost without it", r.lost_without),
        ):
            console.print(Padding(Text.assemble((f"{label}: ", "italic"), value), (0, 0, 0, 2)))
    console.print()
    console.print(
        "Azure roles: assign at the root scope to be assessed (tenant root management group, "
        "a management group or each subscription). Graph permissions: application permissions "
        "on the collector's app registration, with admin consent."
    )


# ---------------------------------------------------------------------------------------------
# fake-azure


@click.command("fake-azure")
@click.option("--demo", is_flag=True, help="Serve the embedded demo tenant.")
@click.option(
    "--input",
    "inputs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Snapshot or export to serve (repeatable).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address.")
@click.option("--port", type=click.IntRange(0, 65535), default=8443, show_default=True)
@click.option(
    "--cert-dir",
    type=click.Path(path_type=Path),
    default=Path("fake-azure-certs"),
    show_default=True,
    help="Where the CA (ca.pem) and server certificate are written.",
)
@click.option("--deny-subscription", multiple=True, help="Answer 403 for this subscription.")
@click.option(
    "--throttle-every",
    type=click.IntRange(min=0),
    default=0,
    help="429 every Nth Resource Graph query.",
)
@click.option(
    "--latency", type=click.FloatRange(min=0), default=0.0, help="Seconds added to every answer."
)
def fake_azure(
    demo: bool,
    inputs: tuple[Path, ...],
    host: str,
    port: int,
    cert_dir: Path,
    deny_subscription: tuple[str, ...],
    throttle_every: int,
    latency: float,
) -> None:
    """Serve a snapshot as a loopback fake Azure (HTTPS) for the live collector."""
    from aiposture.cli.common import build_source
    from aiposture.fakeazure.server import FakeAzure, Faults

    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ConfigError(f"--host {host!r}: the fake Azure listens on loopback only")
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port {port}: not a TCP port; give 0..65535 (0: any free port)")
    if cert_dir.exists() and not cert_dir.is_dir():
        raise InputError(f"{cert_dir}: --cert-dir is a file; give a directory for ca.pem")
    snapshot = build_source(demo, inputs).load()
    faults = Faults(
        deny_subscriptions=set(deny_subscription), throttle_every=throttle_every, latency=latency
    )
    try:
        FakeAzure.certificates(cert_dir)
    except OSError as exc:
        raise InputError(
            f"{cert_dir}: cannot write the certificates there ({exc.strerror or exc}); give a "
            "writable --cert-dir"
        ) from None
    try:
        fake = FakeAzure(snapshot, cert_dir, host=host, port=port, faults=faults)
    except OSError as exc:
        if exc.filename is not None:  # the certificate directory
            raise OutputError(describe_os_error(exc, action="cannot write certificates")) from None
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    url = fake.url
    click.echo(f"fake Azure serving {snapshot.resource_count:,} resources at {url}", err=True)
    click.echo("Try (any client id/secret works):", err=True)
    click.echo(
        f"  AZURE_TENANT_ID={fake.tenant_id} AZURE_CLIENT_ID=fake AZURE_CLIENT_SECRET=fake \\\n"
        f"  aiposture scan --live --auth env --authority {url} --arm-endpoint {url} "
        f"--graph-endpoint {url} --ca-bundle {fake.ca_path}",
        err=True,
    )
    try:
        fake.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


def register(cli: click.Group) -> None:
    cli.add_command(collect)
    cli.add_command(permissions)
    cli.add_command(fake_azure)
