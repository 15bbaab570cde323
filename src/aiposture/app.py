"""Library API: scan(settings, source) -> ScanResult. No printing, no exits."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiposture import __version__
from aiposture.collect.interface import Source
from aiposture.config import Settings
from aiposture.errors import CollectionError
from aiposture.model.inventory import Inventory
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import Coverage, Snapshot
from aiposture.model.types import CoverageStatus, Severity, Status
from aiposture.rules.engine import evaluate
from aiposture.rules.registry import all_rules
from aiposture.rules.types import Finding, RuleSpec

if TYPE_CHECKING:
    from aiposture.graph.bom import AiBom
    from aiposture.graph.paths import PathSet


@dataclass(frozen=True)
class GraphViews:
    """What the reports show from the security graph, taken from the graph the rules used
    (reports never build a graph of their own)."""

    paths: PathSet | None  # None when no AIP-PATH rule ran (the paths are what they report)
    bom: AiBom


@dataclass
class ScanResult:
    inventory: Inventory
    findings: list[Finding]
    rules: list[RuleSpec[Any]]
    settings: Settings
    scanned_at: dt.datetime
    source: str
    tool_version: str = __version__
    # Views added by later stages, each typed; None when the stage did not run.
    graph: GraphViews | None = None  # scan_inventory(graph_views=True): HTML report
    input_warnings: tuple[str, ...] = ()  # unusable rows, merge conflicts (offline inputs)
    baseline: Mapping[str, Any] | None = None  # report.baseline.compare(): its JSON document
    compliance: Mapping[str, Any] | None = None  # rules.frameworks.compliance_view()
    compliance_views: tuple[Mapping[str, Any], ...] = ()  # every --framework (first: compliance)
    display: Mapping[str, Any] | None = None  # report.selection: what was selected and shown

    @property
    def coverage(self) -> list[Coverage]:
        return self.inventory.coverage.records

    def failures(self, at_least: Severity | None = None) -> list[Finding]:
        out = [f for f in self.findings if f.is_failure]
        if at_least is not None:
            out = [f for f in out if f.severity.rank >= at_least.rank]
        return out

    def count(self, status: Status) -> int:
        return sum(1 for f in self.findings if f.status is status)


def load_inventory(
    source: Source, progress: Callable[[int], None] | None = None, *, freeze: bool = False
) -> tuple[Snapshot, Inventory]:
    """`freeze`: move what was loaded out of the collector's reach (`gc.freeze`) before it is
    turned back on, for a caller that keeps the inventory to the end (a scan): otherwise the
    first collection after loading walks every object just made (5 % of the 100k scan)."""
    # Normalization creates millions of long-lived objects and no garbage cycles: the cyclic
    # GC would only re-traverse them, again and again (a third of the time at 100k resources).
    enabled = gc.isenabled()
    gc.disable()
    try:
        snapshot = source.load()
        inv = normalize(snapshot, progress=progress)
        if freeze:
            gc.freeze()
    finally:
        if enabled:
            gc.enable()
    _ensure_something_read(snapshot, inv)
    return snapshot, inv


def _ensure_something_read(snapshot: Snapshot, inv: Inventory) -> None:
    if snapshot.resource_count or any(snapshot.graph.values()):
        return
    gaps = [c for c in snapshot.coverage if c.status is not CoverageStatus.COMPLETE]
    detail = "; ".join(
        f"{c.collection} at {c.scope}: {c.status.value} {c.reason}" for c in gaps[:3]
    )
    raise CollectionError(
        f"{source_label(snapshot)}: nothing could be read (no resources"
        + (f"; {detail}" if detail else "")
        + "); check the input or the identity's permissions"
    )


def source_label(snapshot: Snapshot) -> str:
    return snapshot.origin or snapshot.metadata.source or "input"


def scan(
    settings: Settings,
    source: Source,
    *,
    now: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
    graph_factory: Callable[[Inventory], Any] | None = None,
    graph_views: bool = False,
) -> ScanResult:
    now = now or dt.datetime.now(dt.UTC)
    # Keep only the inventory: the snapshot's raw bytes can go before rules and reports run.
    inv = load_inventory(source, progress=progress, freeze=True)[1]
    # The inventory lives as long as the scan: keep it out of later collections' traversals.
    gc.freeze()
    try:
        return scan_inventory(
            inv,
            settings,
            source.describe(),
            now=now,
            graph_factory=graph_factory,
            graph_views=graph_views,
        )
    finally:
        gc.unfreeze()


def scan_inventory(
    inv: Inventory,
    settings: Settings,
    source_desc: str,
    *,
    now: dt.datetime,
    graph_factory: Callable[[Inventory], Any] | None = None,
    graph_views: bool = False,
    on_rule: Callable[[RuleSpec[Any], int, int], None] | None = None,
) -> ScanResult:
    """Evaluate the rules (`on_rule`: progress, see rules.engine.evaluate).

    With `graph_views`, also keep what the HTML report shows from the
    security graph (attack paths, the AI BOM), taken from the graph the rules built, so the
    graph is built once per scan (and kept until the views are taken: only ask for them when
    a report needs them)."""
    if graph_factory is None:
        from aiposture.graph.build import build_graph

        graph_factory = build_graph  # built lazily, only if a graph rule runs
    build = graph_factory
    built: list[Any] = []

    def factory() -> Any:
        sg = build(inv)
        if graph_views:
            built.append(sg)
        return sg

    rules = [r for r in all_rules() if r.id not in settings.disabled_rules]
    findings = evaluate(inv, settings, now=now, graph_factory=factory, rules=rules, on_rule=on_rule)
    views = None
    if graph_views:  # the rules' graph, or (no graph rule ran) one built here, once
        sg = built.pop() if built else build(inv)
        views = _graph_views(inv, settings, rules, source_desc, sg)
    return ScanResult(
        inventory=inv,
        findings=findings,
        rules=rules,
        settings=settings,
        scanned_at=now,
        source=source_desc,
        graph=views,
    )


def _graph_views(
    inv: Inventory, settings: Settings, rules: list[RuleSpec[Any]], source: str, sg: Any
) -> GraphViews:
    from aiposture.graph.bom import build_bom
    from aiposture.graph.paths import find_paths

    wants_paths = any(r.id.startswith("AIP-PATH-") for r in rules)
    paths = find_paths(sg, settings.model_admins) if wants_paths else None
    return GraphViews(paths=paths, bom=build_bom(inv, sg, source))
