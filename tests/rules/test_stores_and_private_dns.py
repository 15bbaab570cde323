"""AIP-DAT-013 (ML / Foundry datastores holding keys, SAS or secrets), AIP-DAT-014 (AI
services accounts that support customer-owned storage without it, policy 46aa9b05) and
AIP-NET-019 (private endpoints of AI resources without a private DNS zone group, policies
c4bc6f10, ee40564d, fbc14a67): PASS / FAIL / UNKNOWN on tiny Azure-shaped fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiposture.model.normalize import normalize
from aiposture.model.redact import REDACTED, redact_row
from aiposture.model.snapshot import Coverage, load_snapshot, write_snapshot
from aiposture.model.types import CoverageStatus
from aiposture.rules.types import Status
from root_helpers import make_snapshot, run_rules, statuses

SUB = "00000000-0000-0000-0000-00000000d011"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-ai"
WS = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/mlw"
NET = f"{RG}/providers/Microsoft.Network"


def datastore(name: str, credentials: str | None, dstype: str = "AzureBlob") -> dict[str, Any]:
    props: dict[str, Any] = {"datastoreType": dstype, "accountName": "st", "isDefault": False}
    if credentials is not None:
        # As the list returns it: the type, and for keys a secretsType, never the secret.
        props["credentials"] = {"credentialsType": credentials}
        if credentials in ("AccountKey", "Sas"):
            props["credentials"]["secrets"] = {"secretsType": credentials}
    return {
        "id": f"{WS}/datastores/{name}",
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/datastores",
        "properties": props,
    }


DATASTORES = [
    datastore("identity", "None"),
    datastore("key", "AccountKey"),
    datastore("sas", "Sas"),
    datastore("sp", "ServicePrincipal", "AzureDataLakeGen2"),
    datastore("cert", "Certificate", "AzureDataLakeGen1"),
    datastore("absent", None),
    datastore("future", "SomethingNew"),
    # The workspace's system datastore is AIP-DAT-009's (systemDatastoresAuthMode).
    datastore("workspaceblobstore", "AccountKey"),
]


def test_datastore_credentials_pass_fail_unknown() -> None:
    result = run_rules(DATASTORES, complete=("resources", "datastores"))
    assert statuses(result, "AIP-DAT-013") == {
        ("identity", "PASS"),
        ("key", "FAIL"),
        ("sas", "FAIL"),
        ("sp", "FAIL"),
        ("cert", "FAIL"),
        ("absent", "UNKNOWN"),
        ("future", "UNKNOWN"),
    }


def test_datastore_credentials_unknown_when_the_list_was_not_complete() -> None:
    gap = Coverage("datastores", WS, CoverageStatus.DENIED, "403 on the datastores list")
    result = run_rules(
        [datastore("identity", "None"), datastore("key", "AccountKey")],
        complete=("resources",),
        coverage=[gap],
    )
    found = [f for f in result.findings if f.rule.id == "AIP-DAT-013"]
    assert {(f.resource_name, f.status.value) for f in found} == {
        ("identity", "UNKNOWN"),
        ("key", "UNKNOWN"),
    }
    assert all(f.missing == ("datastores",) for f in found)


def test_datastore_credential_type_survives_a_snapshot_round_trip(tmp_path: Path) -> None:
    """Snapshots mask secret-named members; the datastore's credentialsType is kept (it
    decides the rule), everything else in the credentials object is masked."""
    row = datastore("sp", "ServicePrincipal")
    row["properties"]["credentials"].update(clientId="c1", secrets={"clientSecret": "s3cr3t"})
    masked, n = redact_row(row)
    assert n == 1
    assert masked["properties"]["credentials"] == {
        "credentialsType": "ServicePrincipal",
        "clientId": REDACTED,
        "secrets": REDACTED,
    }
    path = tmp_path / "s.json"
    write_snapshot(make_snapshot([row], complete=("resources", "datastores")), path)
    assert "s3cr3t" not in path.read_text()
    inv = normalize(load_snapshot(path))
    assert [d.credentials_type for d in inv.datastores.values()] == ["ServicePrincipal"]


ACCOUNTS = f"{RG}/providers/Microsoft.CognitiveServices/accounts"
STORAGE = f"{RG}/providers/Microsoft.Storage/storageAccounts/stown"


def account(
    name: str, kind: str, capabilities: list[str] | None, owned: bool = False
) -> dict[str, Any]:
    props: dict[str, Any] = {"publicNetworkAccess": "Disabled"}
    if capabilities is not None:
        props["capabilities"] = [{"name": c} for c in capabilities]
    if owned:
        props["userOwnedStorage"] = [{"resourceId": STORAGE}]
    return {
        "id": f"{ACCOUNTS}/{name}",
        "name": name,
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": kind,
        "location": "westeurope",
        "sku": {"name": "S0"},
        "properties": props,
    }


def test_customer_owned_storage_pass_fail_unknown() -> None:
    rows = [
        account(
            "speech-own", "SpeechServices", ["VirtualNetworks", "CustomerManagedStorage"], True
        ),
        account("speech-ms", "SpeechServices", ["CustomerManagedStorage"]),
        account("openai", "OpenAI", ["VirtualNetworks", "CustomerManagedKey"]),
        account("no-caps-row", "TextAnalytics", None, True),
        # Capability names compared case-insensitively, as Azure Policy compares them.
        account("lower", "FormRecognizer", ["customermanagedstorage"]),
    ]
    result = run_rules(rows)
    assert statuses(result, "AIP-DAT-014") == {
        ("speech-own", "PASS"),
        ("speech-ms", "FAIL"),
        ("openai", "PASS"),
        ("no-caps-row", "UNKNOWN"),
        ("lower", "FAIL"),
    }
    openai = next(
        f for f in result.findings if f.rule.id == "AIP-DAT-014" and f.resource_name == "openai"
    )
    assert {(e.path, str(e.value)) for e in openai.evidence} >= {
        ("properties.capabilities[].name", "['VirtualNetworks', 'CustomerManagedKey']")
    }
    fail = next(
        f for f in result.findings if f.rule.id == "AIP-DAT-014" and f.status is Status.FAIL
    )
    assert [p.definition_id for p in fail.rule.remediation.policy] == [
        "46aa9b05-0e60-4eae-a88b-1e9d374fa515"
    ]


def endpoint(name: str, target: str, status: str = "Approved") -> dict[str, Any]:
    return {
        "id": f"{NET}/privateEndpoints/{name}",
        "name": name,
        "type": "Microsoft.Network/privateEndpoints",
        "location": "westeurope",
        "properties": {
            "subnet": {"id": f"{NET}/virtualNetworks/vnet/subnets/pe"},
            "privateLinkServiceConnections": [
                {
                    "name": name,
                    "properties": {
                        "privateLinkServiceId": target,
                        "groupIds": ["x"],
                        "privateLinkServiceConnectionState": {"status": status},
                    },
                }
            ],
        },
    }


def zone_group(pe: str, zones: list[str]) -> dict[str, Any]:
    return {
        "id": f"{NET}/privateEndpoints/{pe}/privateDnsZoneGroups/default",
        "name": "default",
        "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        "properties": {
            "privateDnsZoneConfigs": [
                {"name": z, "properties": {"privateDnsZoneId": f"{NET}/privateDnsZones/{z}"}}
                for z in zones
            ]
        },
    }


SEARCH = f"{RG}/providers/Microsoft.Search/searchServices/srch"
ENDPOINTS = [
    endpoint("pe-oai", f"{ACCOUNTS}/oai"),
    zone_group("pe-oai", ["privatelink.openai.azure.com"]),
    endpoint("pe-ws", WS),
    zone_group("pe-ws", []),  # a zone group naming no zone keeps no record either
    endpoint("pe-srch", SEARCH),
    endpoint("pe-pending", SEARCH, "Pending"),
    # Not an AI resource: not this rule's business.
    endpoint("pe-storage", STORAGE),
]


def test_private_dns_zone_group_pass_fail_not_applicable() -> None:
    result = run_rules(ENDPOINTS, complete=("resources", "privateDnsZoneGroups"))
    assert statuses(result, "AIP-NET-019") == {
        ("pe-oai", "PASS"),
        ("pe-ws", "FAIL"),
        ("pe-srch", "FAIL"),
        ("pe-pending", "NOT_APPLICABLE"),
    }
    fills = {
        f.resource_name: dict(f.fill)
        for f in result.findings
        if f.rule.id == "AIP-NET-019" and f.status is Status.FAIL
    }
    assert fills == {
        "pe-ws": {"<ZONE_NAME>": "privatelink.api.azureml.ms"},
        "pe-srch": {"<ZONE_NAME>": "privatelink.search.windows.net"},
    }


def test_private_dns_zone_group_unknown_without_the_collection() -> None:
    result = run_rules(ENDPOINTS, complete=("resources",))
    assert statuses(result, "AIP-NET-019") == {
        ("pe-oai", "UNKNOWN"),
        ("pe-ws", "UNKNOWN"),
        ("pe-srch", "UNKNOWN"),
        ("pe-pending", "UNKNOWN"),
    }


def test_connection_state_from_the_target_when_the_endpoint_row_has_none() -> None:
    """Some exports carry the endpoint without its connection state: the AI resource's own
    privateEndpointConnections say whether it was approved; with neither it is UNKNOWN."""
    known = endpoint("pe-known", f"{ACCOUNTS}/oai2")
    unsaid = endpoint("pe-unsaid", f"{ACCOUNTS}/oai3")
    for pe in (known, unsaid):
        del pe["properties"]["privateLinkServiceConnections"][0]["properties"][
            "privateLinkServiceConnectionState"
        ]
    acc = account("oai2", "OpenAI", ["VirtualNetworks"])
    acc["properties"]["privateEndpointConnections"] = [
        {
            "id": f"{ACCOUNTS}/oai2/privateEndpointConnections/pe-known",
            "properties": {
                "privateEndpoint": {"id": known["id"]},
                "privateLinkServiceConnectionState": {"status": "Approved"},
            },
        }
    ]
    result = run_rules(
        [known, unsaid, acc, account("oai3", "OpenAI", ["VirtualNetworks"])],
        complete=("resources", "privateDnsZoneGroups"),
    )
    assert statuses(result, "AIP-NET-019") == {("pe-known", "FAIL"), ("pe-unsaid", "UNKNOWN")}


def test_a_credential_kind_that_is_not_an_enum_word_is_masked() -> None:
    """Only an enum word survives in credentialsType: a secret pasted into it (or any long or
    punctuated value) is masked, and with it the whole credentials object."""
    row = datastore("odd", "AccountKey")
    row["properties"]["credentials"].update(
        credentialsType="DefaultEndpointsProtocol=https;AccountKey=abc123==", key="k"
    )
    masked, _ = redact_row(row)
    assert masked["properties"]["credentials"] == REDACTED
