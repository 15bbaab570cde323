"""Azure Databricks workspaces: AIP-NET-013 (public network access), AIP-NET-014 (cluster
public IPs), AIP-NET-015 (VNet injection), AIP-NET-016 (private link), AIP-MON-012 (resource
logs): Defender for Cloud's five Databricks recommendations and policies 0e7849de, 51c1490f,
9c25c9e4, 258823f2, 138ff14d."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiposture.model.entities import DatabricksWorkspace
from root_helpers import make_inventory, run_rules, statuses

SUB = "00000000-0000-0000-0000-00000000db01"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-data"
VNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet-data"
LAW = f"{RG}/providers/Microsoft.OperationalInsights/workspaces/law"
MLW = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/mlw"
_ABSENT = object()


def dbw(
    name: str,
    *,
    pna: Any = _ABSENT,
    params: Any = _ABSENT,
    pecs: list[str] | None = None,
) -> dict[str, Any]:
    props: dict[str, Any] = {"managedResourceGroupId": f"/subscriptions/{SUB}/resourceGroups/m"}
    if pna is not _ABSENT:
        props["publicNetworkAccess"] = pna
    if params is not _ABSENT:
        props["parameters"] = params
    if pecs is not None:
        props["privateEndpointConnections"] = [
            {
                "id": f"{RG}/providers/Microsoft.Databricks/workspaces/{name}/"
                f"privateEndpointConnections/pe{n}",
                "properties": {
                    "privateEndpoint": {"id": f"{RG}/providers/Microsoft.Network/pe{n}"},
                    "privateLinkServiceConnectionState": {"status": status},
                },
            }
            for n, status in enumerate(pecs)
        ]
    return {
        "id": f"{RG}/providers/Microsoft.Databricks/workspaces/{name}",
        "name": name,
        # Resource Graph spells types in lower case.
        "type": "microsoft.databricks/workspaces",
        "location": "westeurope",
        "sku": {"name": "premium"},
        "properties": props,
    }


def p(**values: Any) -> dict[str, Any]:
    return {k: {"type": "String", "value": v} for k, v in values.items()}


INJECTED = p(
    customVirtualNetworkId=VNET,
    customPublicSubnetName="snet-host",
    customPrivateSubnetName="snet-container",
)


def test_public_network_access() -> None:
    rows = [
        dbw("off", pna="Disabled"),
        dbw("off-lower", pna="disabled"),
        dbw("on", pna="Enabled"),
        dbw("absent"),
        dbw("odd", pna="SecuredByPerimeter"),
    ]
    assert statuses(run_rules(rows), "AIP-NET-013") == {
        ("off", "PASS"),
        ("off-lower", "PASS"),
        ("on", "FAIL"),
        ("absent", "FAIL"),  # absent is Enabled, as policy 0e7849de reads it
        ("odd", "UNKNOWN"),
    }


def test_cluster_public_ips() -> None:
    rows = [
        dbw("npip", params={"enableNoPublicIp": {"type": "Bool", "value": True}}),
        dbw("npip-text", params={"enableNoPublicIp": {"value": "true"}}),
        dbw("public", params={"enableNoPublicIp": {"type": "Bool", "value": False}}),
        dbw("unset", params=p(storageAccountName="dbstorage")),
        dbw("no-params"),
    ]
    result = run_rules(rows)
    assert statuses(result, "AIP-NET-014") == {
        ("npip", "PASS"),
        ("npip-text", "PASS"),
        ("public", "FAIL"),
        ("unset", "FAIL"),  # policy 51c1490f: notEquals 'true'
        ("no-params", "UNKNOWN"),
    }
    (f,) = [
        f for f in result.findings if f.rule.id == "AIP-NET-014" and f.resource_name == "no-params"
    ]
    assert f.missing == ("properties.parameters",)


def test_vnet_injection() -> None:
    rows = [
        dbw("injected", params=INJECTED),
        dbw("no-subnet", params=p(customVirtualNetworkId=VNET, customPublicSubnetName="h")),
        dbw("managed", params=p(vnetAddressPrefix="10.139")),
        dbw("no-params"),
    ]
    assert statuses(run_rules(rows), "AIP-NET-015") == {
        ("injected", "PASS"),
        ("no-subnet", "FAIL"),
        ("managed", "FAIL"),
        ("no-params", "UNKNOWN"),
    }


def test_private_link() -> None:
    rows = [
        dbw("approved", pecs=["Pending", "Approved"]),
        dbw("pending", pecs=["Pending", "Rejected"]),
        dbw("none", pecs=[]),
        dbw("absent"),
    ]
    assert statuses(run_rules(rows), "AIP-NET-016") == {
        ("approved", "PASS"),
        ("pending", "FAIL"),
        ("none", "FAIL"),
        ("absent", "FAIL"),  # policy 258823f2: fewer than one Approved connection
    }


def diag(target: str, name: str, logs: list[dict[str, Any]], **dest: str) -> dict[str, Any]:
    return {
        "id": f"{target}/providers/microsoft.insights/diagnosticSettings/{name}",
        "name": name,
        "type": "Microsoft.Insights/diagnosticSettings",
        "properties": {"logs": logs, "metrics": [], **dest},
    }


def test_resource_logs() -> None:
    ws = {n: dbw(n) for n in ("all", "one", "off", "nowhere", "none")}
    rows = [
        *ws.values(),
        diag(
            ws["all"]["id"], "d", [{"categoryGroup": "allLogs", "enabled": True}], workspaceId=LAW
        ),
        diag(
            ws["one"]["id"],
            "d",
            [{"category": "accounts", "enabled": True}],
            storageAccountId=f"{RG}/providers/Microsoft.Storage/storageAccounts/st",
        ),
        diag(ws["off"]["id"], "d", [{"category": "accounts", "enabled": False}], workspaceId=LAW),
        diag(ws["nowhere"]["id"], "d", [{"categoryGroup": "allLogs", "enabled": True}]),
    ]
    result = run_rules(rows, complete=("resources", "diagnosticSettings"))
    assert statuses(result, "AIP-MON-012") == {
        ("all", "PASS"),
        ("one", "PASS"),
        ("off", "FAIL"),
        ("nowhere", "FAIL"),  # no destination
        ("none", "FAIL"),
    }
    (f,) = [f for f in result.findings if f.rule.id == "AIP-MON-012" and f.resource_name == "off"]
    assert dict(f.fill)["<WORKSPACE_ID>"] == LAW.lower()


def test_resource_logs_unknown_without_the_collection() -> None:
    result = run_rules([dbw("w")])  # diagnosticSettings not collected
    assert statuses(result, "AIP-MON-012") == {("w", "UNKNOWN")}
    (f,) = [f for f in result.findings if f.rule.id == "AIP-MON-012"]
    assert "diagnosticSettings" in f.missing


def test_unknown_without_resources() -> None:
    result = run_rules([dbw("w", pna="Enabled")], complete=())
    for rule in ("AIP-NET-013", "AIP-NET-014", "AIP-NET-015", "AIP-NET-016"):
        assert statuses(result, rule) == {("w", "UNKNOWN")}, rule


def test_normalised_shape_and_scope() -> None:
    params = {
        **INJECTED,
        "enableNoPublicIp": {"type": "Bool", "value": True},
        "amlWorkspaceId": {"type": "String", "value": MLW},
    }
    inv = make_inventory([dbw("w", pna="Disabled", params=params, pecs=["Approved"]), dbw("bare")])
    ws = inv.other_ai[f"{RG}/providers/Microsoft.Databricks/workspaces/w".lower()]
    assert isinstance(ws, DatabricksWorkspace)
    assert (
        ws.public_network_access,
        ws.enable_no_public_ip,
        ws.custom_virtual_network_id,
        ws.custom_public_subnet,
        ws.custom_private_subnet,
        ws.aml_workspace_id,
        ws.parameters_read,
        tuple(c.status for c in ws.private_endpoint_connections),
    ) == (
        "Disabled",
        True,
        VNET.lower(),
        "snet-host",
        "snet-container",
        MLW.lower(),
        True,
        ("Approved",),
    )
    # Every workspace is an AI resource (Databricks is an ML platform), linked to an ML
    # workspace or not.
    assert {r.name for r in inv.ai_resources()} == {"w", "bare"}
    result = run_rules([dbw("w", pna="Disabled", params=params)])
    (f,) = [f for f in result.findings if f.rule.id == "AIP-NET-013"]
    assert ("properties.parameters.amlWorkspaceId.value", MLW.lower()) in {
        (e.path, e.value) for e in f.evidence
    }


def test_demo_has_a_pass_and_a_fail_per_rule(demo_result: Any) -> None:
    got = {
        (f.rule.id, f.resource_name, f.status.value)
        for f in demo_result.findings
        if f.resource_type == "microsoft.databricks/workspaces"
    }
    rules = ("AIP-NET-013", "AIP-NET-014", "AIP-NET-015", "AIP-NET-016", "AIP-MON-012")
    assert got == {
        *((r, "dbw-contoso-features", "PASS") for r in rules),
        *((r, "dbw-sandbox-experiments", "FAIL") for r in rules),
    }


def test_a_fail_on_the_standard_tier_names_the_tier_for_premium_only_features() -> None:
    standard = dbw("std", pecs=[])
    standard["sku"] = {"name": "standard"}
    result = run_rules(
        [standard, dbw("prem", pecs=[])], complete=("resources", "diagnosticSettings")
    )
    tiers = {
        (f.rule.id, f.resource_name): {e.value for e in f.evidence if e.path == "sku.name"}
        for f in result.findings
        if f.rule.id in ("AIP-NET-016", "AIP-MON-012", "AIP-NET-013")
    }
    assert tiers == {
        ("AIP-NET-016", "std"): {"standard"},
        ("AIP-MON-012", "std"): {"standard"},
        ("AIP-NET-013", "std"): set(),  # disabling public access needs no tier of its own
        ("AIP-NET-016", "prem"): set(),
        ("AIP-MON-012", "prem"): set(),
        ("AIP-NET-013", "prem"): set(),
    }


_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
_JSON: st.SearchStrategy[Any] = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    ["publicNetworkAccess", "parameters", "privateEndpointConnections", "requiredNsgRules"]
)
_PARAMS = st.sampled_from(
    ["enableNoPublicIp", "customVirtualNetworkId", "customPublicSubnetName", "amlWorkspaceId"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    props=st.dictionaries(_KEYS, _JSON, max_size=4),
    params=st.dictionaries(_PARAMS, _JSON | st.fixed_dictionaries({"value": _JSON}), max_size=4),
)
def test_any_shape_gives_a_verdict_never_an_exception(
    props: dict[str, Any], params: dict[str, Any]
) -> None:
    row = dbw("w")
    row["properties"] = {**props, "parameters": params} if params else props
    result = run_rules([row], complete=("resources", "diagnosticSettings"))
    got = {f.rule.id: f.status.value for f in result.findings if f.resource_name == "w"}
    rules = ("AIP-NET-013", "AIP-NET-014", "AIP-NET-015", "AIP-NET-016", "AIP-MON-012")
    assert set(got) == set(rules)
    assert set(got.values()) <= {"PASS", "FAIL", "UNKNOWN"}
