"""Azure Databricks workspaces through the live path: Resource Graph's `resources` table
carries them (creation parameters, public access, private endpoint connections) and the
collector lists their diagnostic settings over ARM, by the real azure-core pipeline against
the fake Azure over HTTPS; AIP-NET-013..016 and AIP-MON-012 decide as on the snapshot."""

from __future__ import annotations

from live_helpers import collect, credential_for, findings

from aiposture.fakeazure.server import FakeAzure
from aiposture.model.snapshot import Snapshot

RULES = ("AIP-NET-013", "AIP-NET-014", "AIP-NET-015", "AIP-NET-016", "AIP-MON-012")


def test_databricks_workspaces_arrive_and_decide_like_the_snapshot(
    clean_fake: FakeAzure, demo: Snapshot
) -> None:
    _, live = collect(clean_fake)
    rows = {
        str(r["id"]).rsplit("/", 1)[-1]: r
        for r in live.iter_resources()
        if str(r.get("type", "")).lower() == "microsoft.databricks/workspaces"
    }
    assert set(rows) == {"dbw-contoso-features", "dbw-sandbox-experiments"}
    corp = rows["dbw-contoso-features"]["properties"]
    assert corp["parameters"]["enableNoPublicIp"]["value"] is True
    assert (
        corp["privateEndpointConnections"][0]["properties"]["privateLinkServiceConnectionState"][
            "status"
        ]
        == "Approved"
    )
    # The corp workspace's diagnostic setting came over ARM (the collector asks the rules
    # which resources need them).
    assert any(
        str(r["id"])
        .lower()
        .startswith(
            str(rows["dbw-contoso-features"]["id"]).lower() + "/providers/microsoft.insights/"
        )
        for r in live.iter_resources()
    )
    got = {
        (rule, rid.rsplit("/", 1)[-1], status)
        for rule, rid, status in findings(live)
        if rule in RULES
    }
    assert got == {
        *((r, "dbw-contoso-features", "PASS") for r in RULES),
        *((r, "dbw-sandbox-experiments", "FAIL") for r in RULES),
    }
    assert {f for f in findings(demo) if f[0] in RULES} == {
        f for f in findings(live) if f[0] in RULES
    }


def test_arm_serves_the_workspace_as_azure_does(clean_fake: FakeAzure, demo: Snapshot) -> None:
    """An ARM GET of the workspace (Microsoft.Databricks 2024-05-01) by the official SDK
    returns the row Resource Graph indexes, parameters and private endpoint connections
    included; listing the subscription's Databricks workspaces finds both."""
    from azure.mgmt.resource.resources import ResourceManagementClient

    want = {
        str(r["id"]).lower(): r
        for r in demo.iter_resources()
        if str(r["type"]).lower() == "microsoft.databricks/workspaces"
    }
    corp_id = next(i for i in want if i.endswith("/dbw-contoso-features"))
    sub = corp_id.split("/")[2]
    client = ResourceManagementClient(
        credential_for(clean_fake),
        sub,
        base_url=clean_fake.url,
        credential_scopes=["https://management.azure.com/.default"],
        connection_verify=str(clean_fake.ca_path),
        retry_total=0,
    )
    got = client.resources.get_by_id(corp_id, api_version="2024-05-01")
    assert got.id.lower() == corp_id
    assert got.properties["publicNetworkAccess"] == "Disabled"
    assert got.properties["parameters"]["customVirtualNetworkId"]["value"].endswith(
        "/vnet-contoso-ai-prod"
    )
    listed = {
        r.id.lower()
        for r in client.resources.list(filter="resourceType eq 'Microsoft.Databricks/workspaces'")
    }
    assert listed == {i for i in want if f"/subscriptions/{sub}/" in i}
