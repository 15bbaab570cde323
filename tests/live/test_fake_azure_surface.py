"""The ARM and Graph surface real clients call: singleton children and Graph policy objects
served from the snapshot when it holds them (never invented when it does not), Graph $select
and $filter, provider lists, and Graph tokens by application id."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from live_helpers import TEST_LIMITS, cloud_for, credential_for

from aiposture.collect.demo import demo_snapshot
from aiposture.collect.live.clients import HttpClient, Stats, arm_client, graph_client
from aiposture.fakeazure.server import FakeAzure
from aiposture.model.snapshot import Coverage, Snapshot
from aiposture.model.types import CoverageStatus as CS

ACCOUNT = (
    "/subscriptions/426944ef-0078-5ffd-96c3-f10786dc82f7/resourceGroups/rg-ai-prod/providers/"
    "Microsoft.Storage/storageAccounts/stcontosoaihub"
)
OTHER = (
    "/subscriptions/572e23bd-c4a7-583d-bc3f-dc6096242177/resourceGroups/rg-chatbot/providers/"
    "Microsoft.Storage/storageAccounts/stchatbotdata"
)
API = {"api-version": "2023-05-01"}
AUTH_POLICY = {
    "id": "authorizationPolicy",
    "allowInvitesFrom": "everyone",
    "allowedToSignUpEmailBasedSubscriptions": True,
    "defaultUserRolePermissions": {"allowedToCreateApps": True},
}


def _snapshot() -> Snapshot:
    snap = demo_snapshot()
    blob = {
        "id": f"{ACCOUNT}/blobServices/default",
        "name": "default",
        "type": "Microsoft.Storage/storageAccounts/blobServices",
        "properties": {"deleteRetentionPolicy": {"enabled": True, "days": 7}},
    }
    graph = {**snap.graph, "authorizationPolicy": [AUTH_POLICY]}
    coverage = [*snap.coverage, Coverage("graph.authorizationPolicy", "tenant", CS.COMPLETE)]
    return Snapshot(snap.metadata, coverage, [*snap.resources, blob], graph, origin="test")


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeAzure]:
    with FakeAzure(_snapshot(), tmp_path_factory.mktemp("certs"), limits=TEST_LIMITS) as server:
        yield server


@pytest.fixture
def clients(fake: FakeAzure) -> Iterator[tuple[HttpClient, HttpClient]]:
    arm = arm_client(cloud_for(fake), credential_for(fake), Stats())
    graph = graph_client(cloud_for(fake), credential_for(fake), Stats())
    yield arm, graph
    arm.close()
    graph.close()


def _send(client: HttpClient, path: str, params: dict[str, str]) -> tuple[int, dict[str, object]]:
    status, body, _h = client.send("GET", path, params=params)
    doc = json.loads(body)
    assert isinstance(doc, dict)
    return status, doc


def test_singleton_children_served_when_held(clients: tuple[HttpClient, HttpClient]) -> None:
    arm, _graph = clients
    status, doc = _send(arm, f"{ACCOUNT}/blobServices/default", API)
    assert status == 200 and doc["type"] == "Microsoft.Storage/storageAccounts/blobServices"
    status, doc = _send(arm, f"{ACCOUNT}/blobServices", API)
    assert status == 200 and [v["name"] for v in doc["value"]] == ["default"]
    # File services were never collected: not invented as empty or as a 404.
    status, doc = _send(arm, f"{OTHER}/fileServices/default", API)
    assert status == 501 and doc["error"]["code"] == "NotCollected"
    # Blob services were (rows of the type are held, under complete resources coverage):
    # another account's is genuinely absent.
    status, doc = _send(arm, f"{OTHER}/blobServices/default", API)
    assert status == 404
    # A resource the snapshot would have held (its collection is complete) does not exist.
    status, doc = _send(arm, f"{ACCOUNT}missing", API)
    assert status == 404 and doc["error"]["code"] == "ResourceNotFound"
    status, doc = _send(arm, f"{OTHER}/fileServices", API)
    assert status == 501 and doc["error"]["code"] == "NotCollected"


def test_graph_policies_select_and_filter(clients: tuple[HttpClient, HttpClient]) -> None:
    _arm, graph = clients
    status, doc = _send(graph, "/v1.0/policies/authorizationPolicy", {})
    assert status == 200 and doc["allowInvitesFrom"] == "everyone"
    assert str(doc["@odata.context"]).endswith("$metadata#policies/authorizationPolicy/$entity")
    # Not in the snapshot: refused, not an empty success.
    status, doc = _send(graph, "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy", {})
    assert status == 501 and doc["error"]["code"] == "NotCollected"
    status, doc = _send(graph, "/v1.0/directoryRoles", {})
    assert status == 501
    # $select and $filter on users.
    status, doc = _send(
        graph,
        "/v1.0/users",
        {"$filter": "userPrincipalName eq 'alex.admin@contoso.com'", "$select": "id,displayName"},
    )
    assert status == 200
    assert doc["value"] == [
        {"id": "e1d8e308-cb0c-5526-9df9-619ed346d04f", "displayName": "Alex Admin"}
    ]
    status, doc = _send(graph, "/v1.0/users", {"$filter": "startswith(displayName,'alex')"})
    assert status == 200 and len(doc["value"]) >= 1
    status, doc = _send(graph, "/v1.0/users", {"$filter": "displayName ne 'x'"})
    assert status == 400 and doc["error"]["code"] == "Request_UnsupportedQuery"


def test_locations_and_providers(clients: tuple[HttpClient, HttpClient]) -> None:
    arm, _graph = clients
    sub = ACCOUNT.split("/resourceGroups/")[0]
    names = set()
    for page in arm.list_paged(f"{sub}/locations", {"api-version": "2022-12-01"}):
        names |= {str(loc["name"]) for loc in page}
    assert {"swedencentral", "eastus", "westeurope"} <= names
    status, doc = _send(arm, f"{sub}/providers/Microsoft.Storage", {"api-version": "2021-04-01"})
    assert status == 200 and doc["registrationState"] == "Registered"
    types = {t["resourceType"] for t in doc["resourceTypes"]}
    assert "storageAccounts" in types
    status, doc = _send(arm, f"{sub}/providers/Microsoft.Nothing", {"api-version": "2021-04-01"})
    assert status == 404


def test_demo_rows_carry_what_arm_always_returns(clients: tuple[HttpClient, HttpClient]) -> None:
    """The pricing list has every plan (Free where off), as ARM lists them; storage accounts
    carry encryption and privateEndpointConnections. Settings the rules test stay as the demo
    parts set them (stsandboxml still has no supportsHttpsTrafficOnly)."""
    from aiposture.collect.demo.arm_defaults import PLANS

    arm, _graph = clients
    api = {"api-version": "2024-01-01"}
    for key in ("426944ef-0078-5ffd-96c3-f10786dc82f7", "572e23bd-c4a7-583d-bc3f-dc6096242177"):
        plans: dict[str, dict[str, object]] = {}
        path = f"/subscriptions/{key}/providers/Microsoft.Security/pricings"
        for page in arm.list_paged(path, api):
            plans |= {str(p["name"]): p["properties"] for p in page}
        assert set(plans) == set(PLANS)
        assert all(p.get("freeTrialRemainingTime") == "PT0S" for p in plans.values())
        assert {p["pricingTier"] for p in plans.values()} >= {"Free"}
    _s, corp_ai = _send(arm, "/subscriptions/426944ef-0078-5ffd-96c3-f10786dc82f7/providers/"
                        "Microsoft.Security/pricings/AI", api)  # fmt: skip
    assert corp_ai["properties"]["pricingTier"] == "Standard"  # a part's own setting wins
    storage = "/subscriptions/02e35581-9d10-58d0-8f7d-a14ffebb1a64/resourceGroups/"
    status, doc = _send(
        arm, storage + "rg-ml-experiments/providers/Microsoft.Storage/storageAccounts/stsandboxml",
        {"api-version": "2023-05-01"},
    )  # fmt: skip
    assert status == 200
    props = doc["properties"]
    assert isinstance(props, dict)
    assert props["encryption"]["keySource"] == "Microsoft.Storage"
    assert props["privateEndpointConnections"] == []
    assert "supportsHttpsTrafficOnly" not in props
