"""Soundness of every rule, as a property: reading less never creates a PASS (nor a FAIL).

A rule FAILs when the failure is certain from what was read and PASSes only when nothing unread
could turn it into a FAIL. So, on a tenant read completely, taking data away (a whole
collection: rows gone and coverage not_collected; or some rows: coverage partial for their
scope) must never give a PASS that the complete data did not give, for any rule and resource; nor a
FAIL (a FAIL is certain from what was read, so reading more cannot take it back).
Findings are compared by (rule, resource id); a resource that is a target only of the reduced
scan (target selection that widens when coverage has gaps, e.g. subscriptions whose resources
were not all read) is not compared.

Runs on the demo tenant and on a small synthetic tenant (complete coverage). The tenants and
their complete scans are built once per module; each example only normalizes and evaluates.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiposture.collect.demo import demo_snapshot
from aiposture.collect.synth import synth_to
from aiposture.config import Settings
from aiposture.graph.build import build_graph
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import Coverage, Snapshot, collection_of, load_snapshot
from aiposture.model.types import CoverageStatus, Status
from aiposture.rules.engine import evaluate

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
SYNTH_RESOURCES = 300

Row = Mapping[str, Any]
Statuses = dict[tuple[str, str], Status]


class Tenant:
    """A snapshot read completely, its rows decoded once, and its complete scan."""

    def __init__(self, name: str, snap: Snapshot) -> None:
        self.name = name
        self.metadata = snap.metadata
        self.rows: list[Row] = list(snap.iter_resources())
        self.graph: dict[str, list[Row]] = {k: list(v) for k, v in snap.graph.items()}
        self.coverage = list(snap.coverage)
        assert all(c.status is CoverageStatus.COMPLETE for c in self.coverage), name
        self.row_collection = [
            collection_of(str(r["type"]).lower(), str(r["id"]).lower()) for r in self.rows
        ]
        self.collections = sorted({c.collection for c in self.coverage})
        self.full = scan(self.snapshot(self.rows, self.graph, self.coverage))

    def snapshot(
        self, rows: list[Row], graph: dict[str, list[Row]], coverage: list[Coverage]
    ) -> Snapshot:
        return Snapshot(
            metadata=self.metadata, coverage=coverage, resources=rows, graph=graph, origin="meta"
        )

    def reduced(self, drop: frozenset[str], drop_rows: frozenset[int] = frozenset()) -> Snapshot:
        """Without the collections in `drop` (rows and coverage), and without the rows whose
        index is in `drop_rows` (their collection then partial for the row's subscription, or
        tenant-wide for rows outside any subscription)."""
        rows: list[Row] = []
        partial: set[tuple[str, str]] = set()
        for i, (row, col) in enumerate(zip(self.rows, self.row_collection, strict=True)):
            if col in drop:
                continue
            if i in drop_rows:
                partial.add((col, _row_scope(str(row["id"]))))
                continue
            rows.append(row)
        graph = {k: v for k, v in self.graph.items() if f"graph.{k}" not in drop}
        tenant_partial = {c for c, scope in partial if scope == "tenant"}
        coverage = [
            c
            for c in self.coverage
            if c.collection not in drop and c.collection not in tenant_partial
        ]
        coverage += [
            Coverage(c, scope, CoverageStatus.PARTIAL, "rows left out by the meta-test")
            for c, scope in sorted(partial)
        ]
        return self.snapshot(rows, graph, coverage)

    def new_passes(self, reduced: Statuses) -> list[str]:
        """Findings that PASS on the reduced data but not on the complete data."""
        return self._new(reduced, Status.PASS)

    def new_failures(self, reduced: Statuses) -> list[str]:
        """Findings that FAIL on the reduced data but not on the complete data: a FAIL must be
        certain from what was read, so reading more cannot take it back."""
        return self._new(reduced, Status.FAIL)

    def _new(self, reduced: Statuses, wanted: Status) -> list[str]:
        out = []
        for key, status in reduced.items():
            before = self.full.get(key)
            if status is wanted and before is not None and before is not wanted:
                out.append(f"{key[0]} {key[1]}: {before.value} -> {wanted.value}")
        return sorted(out)


def _row_scope(rid: str) -> str:
    parts = rid.lower().split("/")
    if len(parts) > 2 and parts[1] == "subscriptions":
        return "/".join(parts[:3])
    return "tenant"


def scan(snap: Snapshot) -> Statuses:
    inv = normalize(snap)
    findings = evaluate(inv, Settings(), now=NOW, graph_factory=lambda: build_graph(inv))
    return {(f.rule.id, f.resource_id.lower()): f.status for f in findings}


@pytest.fixture(scope="module")
def demo() -> Tenant:
    return Tenant("demo", demo_snapshot())


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Tenant:
    path = tmp_path_factory.mktemp("meta") / "synth.json.gz"
    synth_to(path, SYNTH_RESOURCES, 5)
    return Tenant("synth", load_snapshot(path))


@pytest.fixture(scope="module", params=["demo", "synth"])
def tenant(request: pytest.FixtureRequest) -> Tenant:
    t: Tenant = request.getfixturevalue(request.param)
    return t


def test_the_tenants_exercise_every_verdict(tenant: Tenant) -> None:
    # A property over tenants that never FAIL or PASS would prove nothing.
    seen = set(tenant.full.values())
    assert {Status.PASS, Status.FAIL} <= seen
    assert len(tenant.collections) >= 15


def test_removing_one_collection_never_creates_a_pass_or_a_failure(tenant: Tenant) -> None:
    broken: dict[str, list[str]] = {}
    for col in tenant.collections:
        reduced = scan(tenant.reduced(frozenset({col})))
        bad = tenant.new_passes(reduced) + tenant.new_failures(reduced)
        if bad:
            broken[col] = bad
    assert broken == {}


def _random_reduction(tenant: Tenant, data: st.DataObject) -> Snapshot:
    drop = data.draw(
        st.frozensets(st.sampled_from(tenant.collections), max_size=len(tenant.collections)),
        label="collections dropped",
    )
    fraction = data.draw(st.sampled_from([0.0, 0.02, 0.1, 0.3]), label="rows dropped")
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="row seed"))
    rows = frozenset(i for i in range(len(tenant.rows)) if rng.random() < fraction)
    return tenant.reduced(drop, rows)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_subsets_never_create_a_pass_on_the_demo(demo: Tenant, data: st.DataObject) -> None:
    reduced = scan(_random_reduction(demo, data))
    assert demo.new_passes(reduced) + demo.new_failures(reduced) == []


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_subsets_never_create_a_pass_on_a_synthetic_tenant(
    synth: Tenant, data: st.DataObject
) -> None:
    reduced = scan(_random_reduction(synth, data))
    assert synth.new_passes(reduced) + synth.new_failures(reduced) == []


def test_the_property_catches_an_unsound_rule(demo: Tenant) -> None:
    """The check can fail: a rule that PASSes whatever it cannot see is caught."""
    always_pass = dict.fromkeys(demo.full, Status.PASS)
    caught = demo.new_passes(always_pass)
    assert len(caught) == sum(s is not Status.PASS for s in demo.full.values()) > 0


def test_rules_ask_three_valued_permission_queries() -> None:
    """Rules ask who_can / what_can, whose answers carry what could not be resolved; the
    two-valued index queries (an empty list that may mean "nobody" or "not read") stay inside
    facts and graph."""
    import re

    import aiposture.rules as rules_pkg

    two_valued = re.compile(r"\.(grants_on|grants_of|grants_within|grants_at|unresolved_on)\(")
    offenders = [
        f"{path.name}:{n}"
        for path in sorted(Path(rules_pkg.__file__).parent.glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if two_valued.search(line)
    ]
    assert offenders == []
