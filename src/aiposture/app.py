"""Library API: scan(settings, source) -> ScanResult. No printing, no exits."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class ScanResult:
    inventory: Inventory
    findings: list[Finding]
    rules: list[RuleSpec[Any]]
    settings: Settings
    scanned_at: dt.datetime
    source: str
    tool_version: str = __version__
    extras: dict[str, Any] = field(default_factory=dict)  # views added by later stages

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
    source: Source, progress: Callable[[int], None] | None = None
) -> tuple[Snapshot, Inventory]:
    # Normalization creates millions of long-lived objects and no garbage cycles: the cyclic
    # GC would only re-traverse them, again and again (a third of the time at 100k resources).
    enabled = gc.isenabled()
    gc.disable()
    try:
        snapshot = source.load()
        inv = normalize(snapshot, progress=progress)
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
) -> ScanResult:
    now = now or dt.datetime.now(dt.UTC)
    # Keep only the inventory: the snapshot's raw bytes can go before rules and reports run.
    inv = load_inventory(source, progress=progress)[1]
    # The inventory lives as long as the scan: keep it out of later collections' traversals.
    gc.freeze()
    try:
        return scan_inventory(
            inv, settings, source.describe(), now=now, graph_factory=graph_factory
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
) -> ScanResult:
    if graph_factory is None:
        from aiposture.graph.build import build_graph

        graph_factory = build_graph  # built lazily, only if a graph rule runs
    factory = (lambda: graph_factory(inv)) if graph_factory is not None else None
    rules = [r for r in all_rules() if r.id not in settings.disabled_rules]
    findings = evaluate(inv, settings, now=now, graph_factory=factory, rules=rules)
    return ScanResult(
        inventory=inv,
        findings=findings,
        rules=rules,
        settings=settings,
        scanned_at=now,
        source=source_desc,
    )
