"""Live scans judge built-in roles by the tenant's own definitions, read from Resource Graph.

The demo tenant carries its built-in role definitions as `authorizationresources` rows (as a real
tenant's table does); the round trip through the fake Azure with the real SDK must bring them
back, mark them in coverage, and leave aiposture's shipped table unconsulted. A tenant whose
Resource Graph leaves them out gets them from the table, and its findings say so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from live_helpers import NOW, TEST_LIMITS, collect

from aiposture.app import scan_inventory
from aiposture.collect.live.collector import BUILTIN_ROLES
from aiposture.config import Settings
from aiposture.facts.builtin_roles import builtin_roles
from aiposture.facts.permissions import permission_index, role_origin
from aiposture.fakeazure.server import FakeAzure
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import Snapshot
from aiposture.model.types import CoverageStatus

OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"


def _is_builtin_row(row: object) -> bool:
    if not isinstance(row, dict):
        return False
    props = row.get("properties") or {}
    return (
        str(row.get("type", "")).lower() == "microsoft.authorization/roledefinitions"
        and props.get("type") == "BuiltInRole"
    )


def _arg_requests(fake: FakeAzure) -> int:
    return sum(
        1 for r in fake.requests if r.path.lower() == "/providers/microsoft.resourcegraph/resources"
    )


@pytest.fixture(scope="module")
def no_builtins(demo: Snapshot) -> Snapshot:
    rows = [r for r in demo.iter_resources() if not _is_builtin_row(r)]
    return Snapshot(
        metadata=demo.metadata,
        coverage=list(demo.coverage),
        resources=rows,
        graph=demo.graph,
        origin="demo without built-in role definitions",
    )


@pytest.fixture(scope="module")
def bare_fake(
    no_builtins: Snapshot, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FakeAzure]:
    certs: Path = tmp_path_factory.mktemp("bare-certs")
    with FakeAzure(no_builtins, certs, limits=TEST_LIMITS) as server:
        yield server


def test_demo_carries_every_shipped_builtin_definition(demo: Snapshot) -> None:
    guids = {str(r["name"]).lower() for r in demo.iter_resources() if _is_builtin_row(r)}
    assert guids == set(builtin_roles())


def test_live_scan_uses_the_tenants_builtin_definitions(clean_fake: FakeAzure) -> None:
    collector, live = collect(clean_fake)
    assert collector.report.aborted is None
    cov = [c for c in live.coverage if c.collection == BUILTIN_ROLES]
    assert [(c.scope, c.status, c.count) for c in cov] == [
        ("tenant", CoverageStatus.COMPLETE, len(builtin_roles()))
    ]
    inv = normalize(live)
    assigned = {ra.role_definition_guid for ra in inv.role_assignments}
    assert OPENAI_USER in assigned
    assert {g: role_origin(inv, g) for g in assigned if g in builtin_roles()} == {
        g: "tenant" for g in assigned if g in builtin_roles()
    }
    result = scan_inventory(inv, Settings(), "live", now=NOW)
    # Every rule ran; none needed the shipped table, and no finding says it did.
    assert permission_index(inv).table_roles == set()
    assert not [
        f.rule.id for f in result.findings for e in f.evidence if e.path == "roleDefinitions.source"
    ]


def test_builtins_cost_no_extra_resource_graph_request(
    clean_fake: FakeAzure, bare_fake: FakeAzure
) -> None:
    """The definitions ride on the tenant-level authorizationresources query: same number of
    Resource Graph requests with and without them at the collector's default page size (86
    more rows on a 1,000-row page; a real tenant's ~700 built-ins add at most one page)."""
    collect(clean_fake, page_size=1000)
    with_builtins = _arg_requests(clean_fake)
    bare_fake.clear_log()
    collect(bare_fake, page_size=1000)
    assert with_builtins == _arg_requests(bare_fake)


def test_without_builtins_the_table_decides_and_findings_say_so(bare_fake: FakeAzure) -> None:
    bare_fake.clear_log()
    _collector, live = collect(bare_fake)
    cov = {(c.collection, c.status) for c in live.coverage if c.collection == BUILTIN_ROLES}
    assert cov == {(BUILTIN_ROLES, CoverageStatus.NOT_COLLECTED)}
    inv = normalize(live)
    assert role_origin(inv, OPENAI_USER) == "table"
    result = scan_inventory(inv, Settings(), "live", now=NOW)
    notes = {
        (f.rule.id, str(e.value))
        for f in result.findings
        for e in f.evidence
        if e.path == "roleDefinitions.source"
    }
    assert notes, "no finding said it rested on the shipped table"
    assert all("not the tenant's role definitions" in v for _r, v in notes)
    assert permission_index(inv).table_roles
