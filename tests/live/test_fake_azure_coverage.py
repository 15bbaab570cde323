"""The fake Azure reproduces the served snapshot's coverage: what was denied is denied again
(with ARM's and Graph's real error bodies), what was never collected is refused with
501 NotCollected (never an empty success), a partial collection is served and says it is cut
short. A round trip (serve, collect live, scan) then equals the offline scan finding for
finding, UNKNOWNs included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_helpers import TEST_LIMITS, cloud_for, collect, credential_for, findings

from aiposture.collect.demo import demo_snapshot
from aiposture.collect.live.clients import Stats, arm_client, graph_client
from aiposture.collect.synth import synth_to
from aiposture.fakeazure.server import FakeAzure
from aiposture.model.inventory import CoverageIndex
from aiposture.model.snapshot import Coverage, Snapshot, collection_of, load_snapshot
from aiposture.model.types import CoverageStatus as CS

AI_SUB = "426944ef-0078-5ffd-96c3-f10786dc82f7"
ML_SUB = "02e35581-9d10-58d0-8f7d-a14ffebb1a64"
CHATBOT = (
    "/subscriptions/572e23bd-c4a7-583d-bc3f-dc6096242177/resourceGroups/rg-chatbot/providers/"
    "Microsoft.CognitiveServices/accounts/ais-contoso-chatbot"
)
API = {"api-version": "2024-10-01"}


def _partial_demo() -> Snapshot:
    """The demo as a collection with gaps would have left it: one subscription's resources
    denied (and its rows absent), Graph users denied, role assignments never collected, policy
    states failed, one account's deployments partial (one of three kept)."""
    snap = demo_snapshot()
    replaced = ("roleAssignments", "policyStates", "graph.users")
    records = [c for c in snap.coverage if c.collection not in replaced]
    records += [
        Coverage(
            "resources", f"/subscriptions/{ML_SUB}", CS.DENIED, "HTTP 403 AuthorizationFailed"
        ),
        Coverage("graph.users", "tenant", CS.DENIED, "HTTP 403 Authorization_RequestDenied"),
        Coverage("policyStates", "tenant", CS.FAILED, "HTTP 500 InternalServerError"),
        Coverage("deployments", CHATBOT, CS.PARTIAL, "stopped after one page"),
    ]
    records.sort(key=lambda c: c.scope == "tenant")  # the specific records first
    index = CoverageIndex(records)
    rows = []
    kept_deployment = False
    for row in snap.resources:
        assert isinstance(row, dict)
        rid = str(row["id"]).lower()
        coll = collection_of(str(row["type"]).lower(), rid)
        if coll == "deployments" and rid.startswith(CHATBOT.lower() + "/"):
            if kept_deployment:
                continue
            kept_deployment = True
        elif index.status(coll, rid).status not in (CS.COMPLETE, CS.PARTIAL):
            continue
        if f"/subscriptions/{ML_SUB}/resourcegroups/" in rid:
            continue
        rows.append(row)
    graph = {k: v for k, v in snap.graph.items() if k != "users"}
    return Snapshot(snap.metadata, records, rows, graph, origin="partial demo")


@pytest.fixture(scope="module")
def partial_fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeAzure]:
    with FakeAzure(
        _partial_demo(), tmp_path_factory.mktemp("certs-partial"), limits=TEST_LIMITS
    ) as server:
        yield server


def test_partial_snapshot_round_trip_equals_the_offline_scan(partial_fake: FakeAzure) -> None:
    offline = findings(_partial_demo())
    collector, live = collect(partial_fake)
    assert collector.report.aborted is None
    assert findings(live) == offline
    # The gaps came back as gaps: UNKNOWN findings exist and coverage says why.
    assert sum(1 for f in offline if f[2] == "UNKNOWN") >= 10
    live_index = CoverageIndex(live.coverage)
    ml_sub = f"/subscriptions/{ML_SUB}"
    assert live_index.status("resources", ml_sub).status is CS.DENIED
    assert live_index.status("graph.users").status is CS.DENIED
    assert live_index.status("roleAssignments", ml_sub).status is CS.NOT_COLLECTED
    assert live_index.status("policyStates", ml_sub).status is CS.FAILED
    assert live_index.status("deployments", CHATBOT.lower()).status is CS.PARTIAL
    assert live_index.status("roleDefinitions", ml_sub).status is CS.COMPLETE
    got = {
        str(r["id"]).lower()
        for r in live.iter_resources()
        if "/deployments/" in r["id"] and str(r["type"]).lower().endswith("/deployments")
    }
    assert sum(1 for i in got if i.startswith(CHATBOT.lower())) == 1


def test_denied_and_not_collected_answers(partial_fake: FakeAzure) -> None:
    arm = arm_client(cloud_for(partial_fake), credential_for(partial_fake), Stats())
    graph = graph_client(cloud_for(partial_fake), credential_for(partial_fake), Stats())
    try:
        # Denied: ARM's AuthorizationFailed, naming the action and the scope.
        status, body, _h = arm.send(
            "GET",
            f"/subscriptions/{ML_SUB}/providers/Microsoft.Storage/storageAccounts",
            params=API,
        )
        err = json.loads(body)["error"]
        assert (status, err["code"]) == (403, "AuthorizationFailed")
        assert "Microsoft.Storage/storageAccounts/read" in err["message"]
        assert f"/subscriptions/{ML_SUB}" in err["message"]
        # So is a get by id there, whether or not the resource exists.
        status, body, _h = arm.send(
            "GET",
            f"/subscriptions/{ML_SUB}/resourceGroups/rg/providers/Microsoft.Storage/"
            "storageAccounts/any",
            params=API,
        )
        assert (status, json.loads(body)["error"]["code"]) == (403, "AuthorizationFailed")
        # Graph: Authorization_RequestDenied with Graph's innerError.
        status, body, _h = graph.send("GET", "/v1.0/users", params={"$top": "5"})
        err = json.loads(body)["error"]
        assert (status, err["code"]) == (403, "Authorization_RequestDenied")
        assert set(err["innerError"]) >= {"date", "request-id", "client-request-id"}
        # Never collected: 501 NotCollected, not an empty list.
        status, body, _h = arm.send(
            "GET",
            f"/subscriptions/{AI_SUB}/providers/Microsoft.Authorization/roleAssignments",
            params=API,
        )
        assert (status, json.loads(body)["error"]["code"]) == (501, "NotCollected")
        # A singleton child the snapshot never held is not invented either.
        acct = (
            f"/subscriptions/{AI_SUB}/resourceGroups/rg-ai-prod/providers/Microsoft.Storage/"
            "storageAccounts/nothere/blobServices"
        )
        status, _b, _h = arm.send("GET", acct, params=API)
        assert status in (404, 501)
        # Partial: the rows held, then a next link whose page says there are no more.
        status, body, _h = arm.send("GET", f"{CHATBOT}/deployments", params=API)
        doc = json.loads(body)
        assert status == 200 and len(doc["value"]) == 1 and doc["nextLink"]
        status, body, _h = arm.send("GET", doc["nextLink"])
        assert (status, json.loads(body)["error"]["code"]) == (501, "NotCollected")
    finally:
        arm.close()
        graph.close()


def test_empty_segments_are_accepted(clean_fake: FakeAzure) -> None:
    arm = arm_client(cloud_for(clean_fake), credential_for(clean_fake), Stats())
    graph = graph_client(cloud_for(clean_fake), credential_for(clean_fake), Stats())
    try:
        status, body, _h = arm.send(
            "GET",
            f"/subscriptions/{AI_SUB}//providers/Microsoft.CognitiveServices/accounts",
            params=API,
        )
        assert status == 200 and json.loads(body)["value"]
        status, body, _h = graph.send("GET", "/v1.0//servicePrincipals")
        assert status == 200 and json.loads(body)["value"]
        assert any("//" in r.path for r in clean_fake.requests)  # sent as written
    finally:
        arm.close()
        graph.close()


def test_synthetic_tenant_round_trip_equals_the_offline_scan(tmp_path: Path) -> None:
    path = tmp_path / "synth.json.gz"
    synth_to(path, 300, 5)
    offline = findings(load_snapshot(path))
    with FakeAzure(load_snapshot(path), tmp_path / "certs") as fake:
        collector, live = collect(fake, page_size=200)
    assert collector.report.aborted is None
    got = findings(live)
    assert got == offline
    # Synthetic tenants declare every collection the collector gathers complete: nothing is
    # left UNKNOWN on either side (tests/test_synth.py lists deliberate exceptions: none).
    assert sum(1 for f in offline if f[2] == "UNKNOWN") == 0
