"""Raw rows -> typed inventory: parsing, relations, classification, content filters, errors."""

from __future__ import annotations

from typing import Any

import pytest

from aiposture.errors import InputError
from aiposture.model.entities import NO_IDENTITY
from aiposture.model.inventory import Inventory
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import Coverage, Metadata, Snapshot
from aiposture.model.types import CoverageStatus

SUB_ID = "44444444-4444-4444-4444-444444444444"
SUB = f"/subscriptions/{SUB_ID}"
RG = f"{SUB}/resourceGroups/RG-AI"
ACC = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai-1"
ST = f"{RG}/providers/Microsoft.Storage/storageAccounts/stlinked"
ST_OTHER = f"{RG}/providers/Microsoft.Storage/storageAccounts/stunrelated"
KV = f"{RG}/providers/Microsoft.KeyVault/vaults/kv-ws"
WS = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/mlw-1"
AKS = f"{RG}/providers/Microsoft.ContainerService/managedClusters/aks-"


def inv_of(
    rows: list[dict[str, Any]],
    complete: tuple[str, ...] = ("resources", "deployments", "raiPolicies"),
    graph: dict[str, list[Any]] | None = None,
) -> Inventory:
    cov = [Coverage(c, "tenant", CoverageStatus.COMPLETE) for c in complete]
    snap = Snapshot(
        metadata=Metadata(tenant_id="t"), coverage=cov, resources=rows, graph=graph or {}
    )
    return normalize(snap)


def row(rid: str, type_: str, props: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "name": rid.rsplit("/", 1)[-1],
        "type": type_,
        "properties": props or {},
        **extra,
    }


def test_account_fields_and_envelope() -> None:
    inv = inv_of(
        [
            row(
                ACC,
                "Microsoft.CognitiveServices/accounts",
                {
                    "publicNetworkAccess": "Enabled",
                    "disableLocalAuth": "false",  # some exports stringify booleans
                    "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "1.2.3.4"}]},
                    "encryption": {"keySource": "Microsoft.KeyVault"},
                    "userOwnedStorage": [{"resourceId": ST}],
                },
                kind="OpenAI",
                location="swedencentral",
                sku={"name": "S0"},
                tags={"env": "prod", "n": 3},
                identity={"type": "SystemAssigned", "principalId": "ABC-1"},
            )
        ]
    )
    acc = inv.accounts[ACC.lower()]
    assert (acc.id, acc.key, acc.name, acc.type) == (
        ACC,
        ACC.lower(),
        "oai-1",
        "microsoft.cognitiveservices/accounts",
    )
    assert (acc.subscription_id, acc.resource_group, acc.location) == (
        SUB_ID,
        "rg-ai",
        "swedencentral",
    )
    assert (acc.kind, acc.sku, dict(acc.tags)) == ("OpenAI", "S0", {"env": "prod", "n": "3"})
    assert acc.identity.type == "SystemAssigned"
    assert acc.identity.principal_id == "abc-1"
    assert acc.public_network_access == "Enabled"
    assert acc.disable_local_auth is False
    assert acc.network_acls is not None
    assert acc.network_acls.default_action == "Deny"
    assert acc.network_acls.ip_rules == ("1.2.3.4",)
    assert acc.encryption_key_source == "Microsoft.KeyVault"
    assert acc.user_owned_storage == (ST.lower(),)


def test_absent_properties_stay_absent() -> None:
    inv = inv_of([row(ACC, "Microsoft.CognitiveServices/accounts", kind="OpenAI")])
    acc = inv.accounts[ACC.lower()]
    # Absent is recorded as None (rules apply Azure's default), never invented.
    assert acc.public_network_access is None
    assert acc.disable_local_auth is None
    assert acc.network_acls is None
    assert acc.identity == NO_IDENTITY
    assert dict(acc.tags) == {}


def test_pascal_case_rows_equal_camel_case_rows() -> None:
    camel = row(
        ACC,
        "Microsoft.CognitiveServices/accounts",
        {"publicNetworkAccess": "Disabled", "networkAcls": {"defaultAction": "Deny"}},
        kind="OpenAI",
        identity={"type": "SystemAssigned", "principalId": "p"},
    )
    pascal = {
        "Id": ACC.lower(),
        "Name": "oai-1",
        "Type": "MICROSOFT.COGNITIVESERVICES/ACCOUNTS",
        "Kind": "OpenAI",
        "Identity": {"Type": "SystemAssigned", "PrincipalId": "p"},
        "Properties": {"PublicNetworkAccess": "Disabled", "NetworkAcls": {"DefaultAction": "Deny"}},
    }
    a = inv_of([camel]).accounts[ACC.lower()]
    b = inv_of([pascal]).accounts[ACC.lower()]
    assert (b.public_network_access, b.network_acls, b.identity, b.kind) == (
        a.public_network_access,
        a.network_acls,
        a.identity,
        a.kind,
    )


def _policy(name: str, jailbreak_blocking: bool) -> dict[str, Any]:
    return row(
        f"{ACC}/raiPolicies/{name}",
        "Microsoft.CognitiveServices/accounts/raiPolicies",
        {
            "mode": "Blocking",
            "contentFilters": [
                {
                    "name": "Jailbreak",
                    "enabled": True,
                    "blocking": jailbreak_blocking,
                    "source": "Prompt",
                }
            ],
        },
    )


def _deployment(name: str, rai: str | None) -> dict[str, Any]:
    props: dict[str, Any] = {"model": {"name": "gpt-4o", "version": "1"}}
    if rai is not None:
        props["raiPolicyName"] = rai
    return row(
        f"{ACC}/deployments/{name}", "Microsoft.CognitiveServices/accounts/deployments", props
    )


def test_effective_content_filter() -> None:
    account = row(ACC, "Microsoft.CognitiveServices/accounts", kind="OpenAI")
    rows = [
        _deployment("d-custom", "Strict"),  # name case differs from the policy row
        _deployment("d-nil", "Microsoft.Nil"),
        _deployment("d-default", None),
        _deployment("d-v2", "Microsoft.DefaultV2"),
        _deployment("d-missing", "gone"),
        _policy("strict", jailbreak_blocking=True),
        account,  # parent after its children
    ]
    inv = inv_of(rows)
    got = {
        d.name: (d.account_key, d.content_filter.origin if d.content_filter else None)
        for d in inv.deployments.values()
    }
    assert got == {
        "d-custom": (ACC.lower(), "custom"),
        "d-nil": (ACC.lower(), "none"),
        "d-default": (ACC.lower(), "microsoft"),
        "d-v2": (ACC.lower(), "microsoft"),
        "d-missing": (ACC.lower(), "unresolved"),
    }
    assert [d.name for d in inv.deployments_of(ACC.lower())] == [
        "d-custom",
        "d-nil",
        "d-default",
        "d-v2",
        "d-missing",
    ]
    # Not collected raiPolicies: the custom one is unresolved and says why.
    inv2 = inv_of([*rows[:1], account], complete=("resources", "deployments"))
    cf = next(iter(inv2.deployments.values())).content_filter
    assert cf is not None
    assert cf.origin == "unresolved"
    assert "not collected" in cf.reason


def test_workspace_links_and_ai_classification() -> None:
    rows = [
        row(
            WS,
            "Microsoft.MachineLearningServices/workspaces",
            {"storageAccount": ST, "keyVault": KV.upper()},
            kind="Default",
        ),
        row(
            f"{WS}/computes/ci-1",
            "Microsoft.MachineLearningServices/workspaces/computes",
            {"computeType": "ComputeInstance", "properties": {"vmSize": "Standard_DS3_v2"}},
        ),
        row(ST, "Microsoft.Storage/storageAccounts"),
        row(ST_OTHER, "Microsoft.Storage/storageAccounts"),
        row(KV, "Microsoft.KeyVault/vaults"),
        row(
            f"{AKS}gpu",
            "Microsoft.ContainerService/managedClusters",
            {
                "agentPoolProfiles": [
                    {"name": "gpu", "vmSize": "Standard_NC24ads_A100_v4", "count": 1}
                ]
            },
        ),
        row(
            f"{AKS}web",
            "Microsoft.ContainerService/managedClusters",
            {"agentPoolProfiles": [{"name": "sys", "vmSize": "Standard_D4s_v5", "count": 3}]},
        ),
    ]
    inv = inv_of(rows)
    ws = inv.workspaces[WS.lower()]
    assert (ws.storage_account, ws.key_vault) == (ST.lower(), KV.lower())
    assert [c.name for c in inv.computes_of(WS.lower())] == ["ci-1"]
    assert inv.is_ai_linked(ST) and inv.is_ai_linked(KV)
    assert not inv.is_ai_linked(ST_OTHER)
    ai = {r.name for r in inv.ai_resources()}
    assert {"mlw-1", "ci-1", "aks-gpu"} <= ai
    assert "aks-web" not in ai and "stlinked" not in ai


def test_subscription_chain_diagnostics_and_role_assignments() -> None:
    rows = [
        {
            "id": SUB,
            "name": "sub-ai",
            "type": "Microsoft.Resources/subscriptions",
            "properties": {"managementGroupAncestorsChain": [{"name": "corp"}, {"name": "root"}]},
        },
        row(ACC, "Microsoft.CognitiveServices/accounts", kind="OpenAI"),
        row(
            f"{ACC}/providers/microsoft.insights/diagnosticSettings/to-law",
            "Microsoft.Insights/diagnosticSettings",
            {"workspaceId": "/x/law", "logs": [{"categoryGroup": "allLogs", "enabled": True}]},
        ),
        {
            # az role assignment list: flat, no type
            "id": f"{ACC}/providers/Microsoft.Authorization/roleAssignments/ra1",
            "principalId": "PRINCIPAL-1",
            "principalType": "User",
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/ROLE-GUID",
            "scope": ACC,
        },
    ]
    inv = inv_of(rows)
    assert inv.mg_chain(SUB_ID) == ("corp", "root")
    assert [d.name for d in inv.diagnostics_for(ACC)] == ["to-law"]
    (ra,) = inv.role_assignments
    assert (ra.principal_id, ra.role_definition_guid, ra.scope) == (
        "principal-1",
        "role-guid",
        ACC.lower(),
    )


def test_unknown_types_are_kept_and_counted() -> None:
    inv = inv_of(
        [
            row(
                f"{RG}/providers/Microsoft.Compute/virtualMachines/vm1",
                "Microsoft.Compute/virtualMachines",
            ),
            row(
                f"{RG}/providers/Microsoft.Compute/virtualMachines/vm2",
                "microsoft.compute/VIRTUALMACHINES",
            ),
        ]
    )
    assert dict(inv.other_type_counts) == {"microsoft.compute/virtualmachines": 2}
    assert {o.name for o in inv.other} == {"vm1", "vm2"}


def test_graph_objects() -> None:
    graph = {
        "servicePrincipals": [
            {
                "id": "SP-1",
                "appId": "APP-1",
                "displayName": "pipeline",
                "servicePrincipalType": "Application",
            },
            {"id": "mi-1", "displayName": "oai-1", "servicePrincipalType": "ManagedIdentity"},
        ],
        "applications": [
            {
                "appId": "app-1",
                "passwordCredentials": [{"keyId": "k", "endDateTime": "2027-01-01T00:00:00Z"}],
            }
        ],
        "users": [{"id": "u-1", "displayName": "Guest", "userType": "Guest"}],
        "groupMembers": [{"groupId": "g-1", "memberId": "u-1"}],
    }
    inv = inv_of([row(ACC, "Microsoft.CognitiveServices/accounts")], graph=graph)
    assert {k: p.kind for k, p in inv.principals.items()} == {
        "sp-1": "servicePrincipal",
        "mi-1": "managedIdentity",
        "u-1": "user",
    }
    assert [c.kind for c in inv.principals["sp-1"].credentials] == ["password"]
    assert [(m.group_id, m.member_id) for m in inv.group_memberships] == [("g-1", "u-1")]


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        ({"type": "Microsoft.Storage/storageAccounts"}, "resources[1] has no `id`"),
        # An ARM id names its type (A/b); an id that is not an ARM id does not.
        ({"id": "not-an-arm-id"}, "has no `type`"),
    ],
)
def test_rows_without_id_or_type(bad: dict[str, Any], needle: str) -> None:
    with pytest.raises(InputError) as err:
        inv_of([row(ACC, "Microsoft.CognitiveServices/accounts"), bad])
    assert needle in str(err.value)
