"""Official Azure SDK clients (azure-mgmt-*, azure-identity) against the fake Azure serving the
demo: their list operations finish and return what the snapshot holds. These clients are for
tests only; aiposture itself never imports them (checked below)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from live_helpers import credential_for

from aiposture.fakeazure.server import FakeAzure
from aiposture.model.snapshot import Snapshot

ARM_SCOPE = "https://management.azure.com/.default"
AI_SUB = "426944ef-0078-5ffd-96c3-f10786dc82f7"
CHATBOT_SUB = "572e23bd-c4a7-583d-bc3f-dc6096242177"


def _client(cls: Any, fake: FakeAzure, *args: Any) -> Any:
    return cls(
        credential_for(fake),
        *args,
        base_url=fake.url,
        credential_scopes=[ARM_SCOPE],
        connection_verify=str(fake.ca_path),
        retry_total=0,
    )


def _rows(snap: Snapshot, type_l: str, sub: str | None = None) -> set[str]:
    out = set()
    for r in snap.iter_resources():
        rid = str(r["id"]).lower()
        if str(r["type"]).lower() == type_l and (sub is None or f"/subscriptions/{sub}/" in rid):
            out.add(rid)
    return out


@pytest.fixture
def sdk_fake(clean_fake: FakeAzure) -> Iterator[FakeAzure]:
    yield clean_fake
    # Only reads: the SDKs' provider auto-registration never fired.
    assert {r.method for r in clean_fake.requests} <= {"GET", "POST"}
    posts = {r.path.lower() for r in clean_fake.requests if r.method == "POST"}
    assert all(p.endswith("/oauth2/v2.0/token") for p in posts), posts


def test_subscription_client(sdk_fake: FakeAzure, demo: Snapshot) -> None:
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    client = _client(SubscriptionClient, sdk_fake)
    tenants = list(client.tenants.list())
    assert [t.tenant_id for t in tenants] == [sdk_fake.tenant_id]
    subs = {s.subscription_id for s in client.subscriptions.list()}
    assert subs == {i.split("/")[2] for i in _rows(demo, "microsoft.resources/subscriptions")}
    locations = list(client.subscriptions.list_locations(AI_SUB))
    names = {loc.name for loc in locations}
    assert {"swedencentral", "westeurope", "eastus"} <= names
    assert all(loc.display_name and loc.metadata for loc in locations)
    assert client.subscriptions.get(AI_SUB).subscription_id == AI_SUB


def test_resource_management_client(sdk_fake: FakeAzure, demo: Snapshot) -> None:
    from azure.mgmt.resource.resources import ResourceManagementClient

    client = _client(ResourceManagementClient, sdk_fake, AI_SUB)
    groups = {g.id.lower() for g in client.resource_groups.list()}
    want_groups = _rows(demo, "microsoft.resources/resourcegroups", AI_SUB) | _rows(
        demo, "microsoft.resources/subscriptions/resourcegroups", AI_SUB
    )
    assert groups == want_groups
    accounts = {
        r.id.lower()
        for r in client.resources.list(
            filter="resourceType eq 'Microsoft.CognitiveServices/accounts'"
        )
    }
    assert accounts == _rows(demo, "microsoft.cognitiveservices/accounts", AI_SUB)
    everything = {r.id.lower() for r in client.resources.list()}
    assert accounts < everything
    providers = {p.namespace.lower() for p in client.providers.list()}
    assert "microsoft.cognitiveservices" in providers


def test_storage_client(sdk_fake: FakeAzure, demo: Snapshot) -> None:
    from azure.mgmt.storage import StorageManagementClient

    client = _client(StorageManagementClient, sdk_fake, AI_SUB)
    accounts = list(client.storage_accounts.list())
    assert {a.id.lower() for a in accounts} == _rows(
        demo, "microsoft.storage/storageaccounts", AI_SUB
    )


def test_cognitive_services_client(sdk_fake: FakeAzure, demo: Snapshot) -> None:
    from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

    client = _client(CognitiveServicesManagementClient, sdk_fake, CHATBOT_SUB)
    accounts = list(client.accounts.list())
    assert {a.id.lower() for a in accounts} == _rows(
        demo, "microsoft.cognitiveservices/accounts", CHATBOT_SUB
    )
    got = set()
    for account in accounts:
        rg = account.id.split("/")[4]
        got |= {d.id.lower() for d in client.deployments.list(rg, account.name)}
    assert got == _rows(demo, "microsoft.cognitiveservices/accounts/deployments", CHATBOT_SUB)
    assert len(got) == 3  # two pages of two in these tests


def test_authorization_client(sdk_fake: FakeAzure, demo: Snapshot) -> None:
    from azure.mgmt.authorization import AuthorizationManagementClient

    client = _client(AuthorizationManagementClient, sdk_fake, AI_SUB)
    got = {a.id.lower() for a in client.role_assignments.list_for_subscription()}
    assert got == _rows(demo, "microsoft.authorization/roleassignments", AI_SUB)
    assert got


def test_aiposture_never_imports_the_sdk_clients() -> None:
    import ast
    from pathlib import Path

    import aiposture

    banned = ("azure.mgmt.resource", "azure.mgmt.storage", "azure.mgmt.cognitiveservices")
    banned += ("azure.mgmt.authorization",)
    found = []
    for path in Path(aiposture.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path.name}: {n}" for n in names if n.startswith(banned)]
    assert found == []
