"""The live collector against the fake Azure, with the real azure-identity and azure-core."""

from __future__ import annotations

from collections import Counter

import pytest
from live_helpers import collect, findings

from aiposture.fakeazure.server import FakeAzure, Faults
from aiposture.model.snapshot import Snapshot, snapshot_to_bytes
from aiposture.model.types import CoverageStatus, Status
from aiposture.rules.registry import all_rules

AI_SUB = "426944ef-0078-5ffd-96c3-f10786dc82f7"  # the demo subscription hosting the AI estate


def _ids(snapshot: Snapshot) -> Counter[str]:
    return Counter(str(r["id"]).lower() for r in snapshot.iter_resources())


def _assert_read_only(fake: FakeAzure) -> None:
    assert fake.requests, "the fake saw no requests"
    # The proof looks inside ARM batches: every inner request is logged on its own.
    assert any(r.batched for r in fake.requests), "no ARM batch was sent"
    for req in fake.requests:
        if req.method == "GET":
            continue
        assert req.method == "POST" and not req.batched, req
        path = req.path.lower()
        assert path.endswith("/oauth2/v2.0/token") or path in (
            "/providers/microsoft.resourcegraph/resources",
            "/batch",
        ), req


def test_round_trip_gives_the_same_findings_as_the_snapshot(
    clean_fake: FakeAzure, demo: Snapshot
) -> None:
    collector, live = collect(clean_fake)
    assert collector.report.aborted is None
    direct = findings(demo)
    collected = findings(live)
    assert direct - collected == set()
    assert collected - direct == set()
    # Every Graph collection came through, paged.
    for name, objs in demo.graph.items():
        assert sorted(map(str, objs)) == sorted(map(str, live.graph.get(name, []))), name
    gaps = {
        (c.collection, c.status) for c in live.coverage if c.status is not CoverageStatus.COMPLETE
    }
    assert gaps == {("diagnosticSettings", CoverageStatus.PARTIAL)}
    _assert_read_only(clean_fake)


def test_every_row_arrives_once_across_pages(clean_fake: FakeAzure, demo: Snapshot) -> None:
    _collector, live = collect(clean_fake, page_size=3)
    got = _ids(live)
    assert max(got.values()) == 1, [k for k, v in got.items() if v > 1]
    index = clean_fake.index
    # Every row Resource Graph serves, and every child the fan-out lists, was collected.
    arg_ids = {e.id_l for e in index.entries if e.table}
    assert arg_ids <= set(got)
    child_ids = {
        e.id_l
        for e in index.entries
        if e.type_l
        in (
            "microsoft.cognitiveservices/accounts/deployments",
            "microsoft.cognitiveservices/accounts/raipolicies",
            "microsoft.machinelearningservices/workspaces/computes",
        )
    }
    assert len(child_ids) >= 3 and child_ids <= set(got)
    # Paging really happened: Resource Graph continued with skip tokens, ARM and Graph with
    # next links (ARM pages hold 2 rows, Graph pages 3 in these tests).
    arg_posts = [
        r for r in clean_fake.requests if r.method == "POST" and "resourcegraph" in r.path.lower()
    ]
    assert len(arg_posts) > len(arg_ids) // 3
    assert any("skiptoken" in r.query.lower() for r in clean_fake.requests if r.method == "GET")
    assert any(
        r.path.startswith("/v1.0/") and "skiptoken" in r.query.lower() for r in clean_fake.requests
    )


@pytest.mark.parametrize("retry_after", [None, 0.2])
def test_throttled_queries_are_retried(
    clean_fake: FakeAzure, demo: Snapshot, retry_after: float | None
) -> None:
    clean_fake.faults = Faults(throttle_every=3, throttle_retry_after=retry_after, quota_window=0.2)
    collector, live = collect(clean_fake)
    assert collector.report.aborted is None
    assert collector.report.stats.throttled >= 3
    throttled = [r for r in clean_fake.requests if r.status == 429]
    assert len(throttled) == collector.report.stats.throttled
    assert findings(live) == findings(demo)


def test_quota_headers_are_respected(clean_fake: FakeAzure, demo: Snapshot) -> None:
    # 4 queries per 0.3 s: the collector waits for the window when the remaining quota is 0
    # instead of running into 429s.
    clean_fake.faults = Faults(quota=4, quota_window=0.3)
    collector, live = collect(clean_fake)
    assert collector.report.aborted is None
    assert collector.report.stats.throttled == 0
    assert findings(live) == findings(demo)


def test_server_error_bursts_are_retried(clean_fake: FakeAzure, demo: Snapshot) -> None:
    # Resource Graph POSTs (our own loop) and ARM GETs (azure-core's RetryPolicy).
    clean_fake.faults = Faults(error_burst=3, error_match="/providers/microsoft.resourcegraph")
    collector, live = collect(clean_fake)
    assert collector.report.stats.server_errors == 3
    clean_fake.faults = Faults(error_burst=2, error_match="/deployments")
    collector2, live2 = collect(clean_fake)
    assert collector2.report.stats.server_errors == 2
    assert collector.report.aborted is None and collector2.report.aborted is None
    assert findings(live) == findings(demo) == findings(live2)
    assert sum(1 for r in clean_fake.requests if r.status == 503) == 3 + 2


def test_dropped_connections_are_retried(clean_fake: FakeAzure, demo: Snapshot) -> None:
    clean_fake.faults = Faults(drop_burst=2, drop_match="/providers/microsoft.resourcegraph")
    collector, live = collect(clean_fake)
    assert collector.report.aborted is None
    # Child lists travel in ARM batches: a dropped batch POST is sent again as plain GETs.
    clean_fake.faults = Faults(drop_burst=2, drop_match="/batch")
    collector2, live2 = collect(clean_fake)
    assert collector2.report.aborted is None
    assert sum(1 for r in clean_fake.requests if r.status == 0) == 4
    assert findings(live) == findings(demo) == findings(live2)


def test_management_group_scope_reads_only_its_subscriptions(
    clean_fake: FakeAzure, demo: Snapshot
) -> None:
    mg = "contoso-corp"
    inside = {
        str(r["id"]).split("/")[2].lower()
        for r in demo.iter_resources()
        if str(r["type"]).lower() == "microsoft.resources/subscriptions"
        and mg in {c["name"] for c in r["properties"]["managementGroupAncestorsChain"]}
    }
    assert 0 < len(inside) < 5
    collector, live = collect(clean_fake, management_groups=(mg,))
    assert collector.report.aborted is None
    touched = {
        r.path.split("/")[2].lower()
        for r in clean_fake.requests
        if r.path.lower().startswith("/subscriptions/")
    }
    assert touched == inside
    subs = {
        str(r["id"]).split("/")[2].lower()
        for r in live.iter_resources()
        if str(r["type"]).lower() == "microsoft.resources/subscriptions"
    }
    assert subs == inside

    # Findings on resources of those subscriptions match the direct scan of the same resources
    # (attack paths excepted: a path through another subscription is out of scope by design).
    def mine(fs: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
        return {
            f
            for f in fs
            if f[1].split("/")[2:3]
            and f[1].split("/")[2] in inside
            and not f[0].startswith("AIP-PATH-")
        }

    assert mine(findings(live)) == mine(findings(demo))


def test_denied_subscription_is_recorded_and_its_rules_are_unknown(
    clean_fake: FakeAzure, demo: Snapshot
) -> None:
    clean_fake.faults = Faults(deny_subscriptions={AI_SUB})
    collector, live = collect(clean_fake)
    assert collector.report.aborted is None
    scope = f"/subscriptions/{AI_SUB}"
    denied = {
        c.collection
        for c in live.coverage
        if c.scope == scope and c.status is CoverageStatus.DENIED
    }
    assert {
        "resources",
        "roleAssignments",
        "pricings",
        "activityLogExport",
        "deployments",
    } <= denied
    # The run went on: other subscriptions' resources were collected, none of the denied one.
    ids = set(_ids(live))
    assert not any(i.startswith(scope + "/") for i in ids)
    other = {
        str(r["id"]).lower()
        for r in demo.iter_resources()
        if "/resourcegroups/" in str(r["id"]).lower() and AI_SUB not in str(r["id"]).lower()
    }
    assert other and other & ids
    # Rules about the denied subscription that need a collection it denied are UNKNOWN, where
    # the direct scan of the same tenant gave PASS or FAIL; none vanished.
    requires = {r.id: set(r.requires) for r in all_rules()}
    direct = {rid: st for rid, i, st in findings(demo) if i == scope}
    live_f = {rid: st for rid, i, st in findings(live) if i == scope}
    gated = {rid for rid in direct if requires[rid] & denied}
    assert len(gated) >= 3
    assert {rid: live_f.get(rid) for rid in gated} == dict.fromkeys(gated, Status.UNKNOWN.value)
    assert any(direct[rid] in (Status.PASS.value, Status.FAIL.value) for rid in gated)
    _assert_read_only(clean_fake)


def test_subscriptions_beyond_the_tenant_scope_cap_are_still_collected(
    clean_fake: FakeAzure, demo: Snapshot
) -> None:
    # Tenant-scope Resource Graph sees only the first subscriptions (10,000 in Azure, 2 here):
    # the collector lists the rest over ARM and queries them in batches.
    clean_fake.faults = Faults(subscription_limit=2)
    collector, live = collect(clean_fake)
    assert collector.report.aborted is None
    assert ("GET", "/subscriptions") in {(r.method, r.path) for r in clean_fake.requests}
    assert findings(live) == findings(demo)


def test_truncated_results_are_recorded_as_partial(clean_fake: FakeAzure) -> None:
    clean_fake.faults = Faults(truncate_results=True)
    collector, live = collect(clean_fake, page_size=3)
    assert collector.report.aborted is None
    partial = {
        (c.collection, c.scope)
        for c in live.coverage
        if c.status is CoverageStatus.PARTIAL and c.collection == "resources"
    }
    # Every subscription with more than one page of resources is partial, not complete.
    index = clean_fake.index
    big = {
        sub
        for sub in {e.sub for e in index.by_table["resources"]}
        if sum(1 for e in index.by_table["resources"] if e.sub == sub) > 3
    }
    assert big and {("resources", f"/subscriptions/{s}") for s in big} <= partial


def test_graph_licence_and_permission_errors_become_coverage(clean_fake: FakeAzure) -> None:
    clean_fake.faults = Faults(
        graph_unlicensed={"roleEligibilitySchedules", "conditionalAccessPolicies"},
        graph_denied={"applications"},
    )
    collector, live = collect(clean_fake)
    assert collector.report.aborted is None
    status = {c.collection: c.status for c in live.coverage if c.collection.startswith("graph.")}
    assert status["graph.roleEligibilitySchedules"] is CoverageStatus.NOT_COLLECTED
    assert status["graph.conditionalAccessPolicies"] is CoverageStatus.NOT_COLLECTED
    assert status["graph.applications"] is CoverageStatus.DENIED
    assert status["graph.servicePrincipals"] is CoverageStatus.COMPLETE
    assert "applications" not in live.graph and live.graph["servicePrincipals"]


class _InterruptAt:
    """A progress sink that presses Ctrl-C when a phase starts."""

    def __init__(self, phase: str) -> None:
        self.phase = phase

    def start(self, phase: str, total: int | None = None) -> None:
        if phase == self.phase:
            raise KeyboardInterrupt

    def advance(self, phase: str, n: int = 1) -> None:
        return None

    def finish(self, phase: str) -> None:
        return None


def test_interrupt_keeps_what_was_collected_marked_partial(clean_fake: FakeAzure) -> None:
    from live_helpers import FAST, cloud_for, credential_for

    from aiposture.collect.live.collector import CollectOptions, LiveCollector

    collector = LiveCollector(
        cloud_for(clean_fake),
        credential_for(clean_fake),
        CollectOptions(**FAST),
        _InterruptAt("arm"),
    )
    snap = collector.collect()
    assert isinstance(collector.report.aborted, KeyboardInterrupt)
    assert snap.resource_count > 0  # Resource Graph rows collected before the interrupt
    partial = {c.collection for c in snap.coverage if c.status is CoverageStatus.PARTIAL}
    assert {"deployments", "computes", "graph.servicePrincipals"} <= partial
    complete = {c.collection for c in snap.coverage if c.status is CoverageStatus.COMPLETE}
    assert "resources" in complete


def test_tokens_never_reach_the_snapshot(clean_fake: FakeAzure) -> None:
    _collector, live = collect(clean_fake)
    data = snapshot_to_bytes(live)
    tokens = list(clean_fake._tokens)
    assert tokens
    for token in tokens:
        assert token.encode() not in data
    # Nor any coverage reason (error bodies are quoted there).
    assert not any(t in c.reason for t in tokens for c in live.coverage)


def test_arm_batches_cut_requests_and_retry_each_throttled_inner_list(
    clean_fake: FakeAzure, demo: Snapshot
) -> None:
    # Three inner GETs of the child-list batches are throttled (429, Retry-After: 1): each is
    # sent again in a later batch, the others are not, and nothing is lost.
    clean_fake.faults = Faults(arm_throttle_burst=3, arm_throttle_match="/raipolicies")
    collector, live = collect(clean_fake)
    assert collector.report.aborted is None
    assert findings(live) == findings(demo)
    stats = collector.report.stats
    assert stats.throttled == 3 and stats.retry_seconds >= 1.0
    inner = [r for r in clean_fake.requests if r.batched]
    throttled = [r for r in inner if r.status == 429]
    assert len(throttled) == 3
    for r in throttled:
        assert [x.status for x in inner if x.path == r.path][-1] == 200
    # Every per-parent list went inside a batch: far fewer HTTP requests than lists.
    batches = [r for r in clean_fake.requests if r.path == "/batch"]
    assert batches and all(r.status == 200 for r in batches)
    assert collector.report.arm_calls >= 10 * len(batches) // 2
    assert len(inner) >= collector.report.arm_calls + 3  # + later pages of long lists
