"""Shared fixtures: the demo snapshot and helpers to build tiny tenants from Azure-shaped rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from aiposture.app import ScanResult, scan_inventory
from aiposture.collect.demo import demo_snapshot
from aiposture.config import Settings
from aiposture.model.inventory import Inventory
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import Coverage, Metadata, Snapshot
from aiposture.model.types import CoverageStatus

FIXED_NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def make_snapshot(
    rows: Iterable[Mapping[str, Any]],
    *,
    complete: Iterable[str] = ("resources",),
    graph: Mapping[str, list[Mapping[str, Any]]] | None = None,
    coverage: Iterable[Coverage] = (),
    tenant_id: str = "00000000-0000-0000-0000-0000000000aa",
) -> Snapshot:
    cov = [Coverage(c, "tenant", CoverageStatus.COMPLETE) for c in complete]
    cov.extend(coverage)
    return Snapshot(
        metadata=Metadata(tenant_id=tenant_id, source="test"),
        coverage=cov,
        resources=list(rows),
        graph={k: list(v) for k, v in (graph or {}).items()},
        origin="test",
    )


def make_inventory(rows: Iterable[Mapping[str, Any]], **kw: Any) -> Inventory:
    return normalize(make_snapshot(rows, **kw))


def run_rules(
    rows: Iterable[Mapping[str, Any]], settings: Settings | None = None, **kw: Any
) -> ScanResult:
    inv = make_inventory(rows, **kw)
    return scan_inventory(inv, settings or Settings(), "test", now=FIXED_NOW, graph_views=True)


def statuses(result: ScanResult, rule_id: str) -> set[tuple[str, str]]:
    """{(resource name, status)} for one rule."""
    return {(f.resource_name, f.status.value) for f in result.findings if f.rule.id == rule_id}


@pytest.fixture(scope="session")
def demo_result() -> ScanResult:
    inv = normalize(demo_snapshot())
    return scan_inventory(inv, Settings(), "demo", now=FIXED_NOW, graph_views=True)
