"""AIP-NET-*: network isolation rules on tiny fixtures shaped like ARM / Resource Graph rows."""

from __future__ import annotations

from typing import Any

from root_helpers import run_rules, statuses

SUB = "00000000-0000-0000-0000-00000000e001"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-net"
P = f"{RG}/providers"


def row(rtype: str, name: str, props: dict[str, Any], **top: Any) -> dict[str, Any]:
    provider_type = rtype
    rid = f"{P}/{provider_type}/{name}"
    return {
        "id": rid,
        "name": name,
        "type": rtype,
        "location": "swedencentral",
        "properties": props,
        **top,
    }


def account(name: str, props: dict[str, Any], kind: str = "OpenAI") -> dict[str, Any]:
    return row("Microsoft.CognitiveServices/accounts", name, props, kind=kind)


def workspace(name: str, props: dict[str, Any], kind: str = "Default") -> dict[str, Any]:
    return row("Microsoft.MachineLearningServices/workspaces", name, props, kind=kind)


def compute(ws: str, name: str, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"{P}/Microsoft.MachineLearningServices/workspaces/{ws}/computes/{name}",
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/computes",
        "properties": props,
    }


def sid(kind: str, name: str) -> str:
    return f"{P}/{kind}/{name}"


# ---- NET-001 / 002 / 004 / 005 (existing rules, odd casing included) -----------------------


def test_net_001_account_public_network() -> None:
    rows = [
        account("pna-off", {"publicNetworkAccess": "Disabled"}),
        account("acl-deny", {"networkAcls": {"defaultAction": "Deny"}}),
        account("open", {}),
        # Resource Graph lower-cases the type; exports vary property casing.
        {
            "id": sid("Microsoft.CognitiveServices/accounts", "odd"),
            "name": "odd",
            "type": "microsoft.cognitiveservices/accounts",
            "kind": "OpenAI",
            "properties": {"PublicNetworkAccess": "disabled"},
        },
    ]
    assert statuses(run_rules(rows), "AIP-NET-001") == {
        ("pna-off", "PASS"),
        ("acl-deny", "PASS"),
        ("open", "FAIL"),
        ("odd", "PASS"),
    }


def test_net_002_private_endpoint() -> None:
    pec = {
        "properties": {
            "privateEndpoint": {"id": "/x"},
            "privateLinkServiceConnectionState": {"status": "Approved"},
        }
    }
    pending = {"properties": {"privateLinkServiceConnectionState": {"status": "Pending"}}}
    rows = [
        account("pe", {"privateEndpointConnections": [pec]}),
        account("pending", {"privateEndpointConnections": [pending]}),
        account("none", {}),
    ]
    assert statuses(run_rules(rows), "AIP-NET-002") == {
        ("pe", "PASS"),
        ("pending", "FAIL"),
        ("none", "FAIL"),
    }


def test_net_004_search_public() -> None:
    rows = [
        row("Microsoft.Search/searchServices", "s-off", {"publicNetworkAccess": "disabled"}),
        row(
            "Microsoft.Search/searchServices",
            "s-ip",
            {"networkRuleSet": {"ipRules": [{"value": "203.0.113.0/24"}]}},
        ),
        row("Microsoft.Search/searchServices", "s-open", {"publicNetworkAccess": "enabled"}),
        row(
            "Microsoft.Search/searchServices",
            "s-nsp",
            {"publicNetworkAccess": "securedByPerimeter"},
        ),
    ]
    assert statuses(run_rules(rows), "AIP-NET-004") == {
        ("s-off", "PASS"),
        ("s-ip", "PASS"),
        ("s-open", "FAIL"),
        # Was PASS: a perimeter decides, and its access rules are not collected (issue 9).
        ("s-nsp", "UNKNOWN"),
    }


def test_net_005_workspace_public() -> None:
    rows = [workspace("w-off", {"publicNetworkAccess": "Disabled"}), workspace("w-open", {})]
    assert statuses(run_rules(rows), "AIP-NET-005") == {("w-off", "PASS"), ("w-open", "FAIL")}


def test_net_005_public_access_behind_vnet_and_hub_inheritance() -> None:
    hub_private = workspace("hub-private", {"publicNetworkAccess": "Disabled"}, kind="Hub")
    hub_open = workspace("hub-open", {}, kind="Hub")
    rows = [
        hub_private,
        hub_open,
        # allowPublicAccessWhenBehindVnet true opens a private-link workspace (was PASS).
        workspace(
            "w-behind", {"publicNetworkAccess": "Disabled", "allowPublicAccessWhenBehindVnet": True}
        ),
        workspace(
            "w-behind-off",
            {"publicNetworkAccess": "Disabled", "AllowPublicAccessWhenBehindVnet": "false"},
        ),
        # A hub project's network is its hub's (was FAIL under a private hub).
        workspace("p-private", {"hubResourceId": hub_private["id"]}, kind="Project"),
        workspace(
            "p-open",
            {"publicNetworkAccess": "Disabled", "hubResourceId": hub_open["id"]},
            kind="Project",
        ),
    ]
    result = run_rules(rows)
    assert statuses(result, "AIP-NET-005") == {
        ("hub-private", "PASS"),
        ("hub-open", "FAIL"),
        ("w-behind", "FAIL"),
        ("w-behind-off", "PASS"),
        ("p-private", "PASS"),
        ("p-open", "FAIL"),
    }
    [behind] = [
        f for f in result.findings if f.resource_name == "w-behind" and f.rule.id == "AIP-NET-005"
    ]
    assert {(e.path, e.value) for e in behind.evidence} >= {
        ("properties.allowPublicAccessWhenBehindVnet", True)
    }


# ---- NET-003 -------------------------------------------------------------------------------


def test_net_003_outbound() -> None:
    rows = [
        account(
            "restricted",
            {
                "restrictOutboundNetworkAccess": True,
                "allowedFqdnList": ["stdata.blob.core.windows.net"],
            },
        ),
        account("empty-list", {"restrictOutboundNetworkAccess": True, "allowedFqdnList": []}),
        account("open", {}),
        account(
            "aiservices-odd",
            {"RestrictOutboundNetworkAccess": "true", "AllowedFqdnList": ["x.search.windows.net"]},
            kind="AIServices",
        ),
        account("speech", {}, kind="SpeechServices"),  # not OpenAI-capable: not a target
    ]
    assert statuses(run_rules(rows), "AIP-NET-003") == {
        ("restricted", "PASS"),
        ("empty-list", "FAIL"),
        ("open", "FAIL"),
        ("aiservices-odd", "PASS"),
    }


# ---- NET-006 -------------------------------------------------------------------------------


def test_net_006_managed_network() -> None:
    rows = [
        workspace(
            "hub-approved",
            {"managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound"}},
            kind="Hub",
        ),
        workspace("ws-internet", {"managedNetwork": {"isolationMode": "AllowInternetOutbound"}}),
        workspace("ws-none", {}),
        workspace(
            "project",
            {"hubResourceId": sid("Microsoft.MachineLearningServices/workspaces", "hub-approved")},
            kind="Project",
        ),
    ]
    assert statuses(run_rules(rows), "AIP-NET-006") == {
        ("hub-approved", "PASS"),
        ("ws-internet", "FAIL"),
        ("ws-none", "FAIL"),
    }


# ---- NET-007 -------------------------------------------------------------------------------

ML_COLLECTED = ("resources", "computes")


def test_net_007_compute_network() -> None:
    subnet = f"{P}/Microsoft.Network/virtualNetworks/vnet/subnets/ml"
    rows = [
        workspace("ws-managed", {"managedNetwork": {"isolationMode": "AllowInternetOutbound"}}),
        workspace("ws-plain", {}),
        compute(
            "ws-plain",
            "ci-vnet",
            {
                "computeType": "ComputeInstance",
                "properties": {"enableNodePublicIp": False, "subnet": {"id": subnet}},
            },
        ),
        compute(
            "ws-plain",
            "ci-public",
            {
                "computeType": "ComputeInstance",
                "properties": {"enableNodePublicIp": True, "subnet": {"id": subnet}},
            },
        ),
        compute("ws-plain", "cluster-default", {"computeType": "AmlCompute", "properties": {}}),
        compute(
            "ws-plain",
            "cluster-novnet",
            {"computeType": "AmlCompute", "properties": {"enableNodePublicIp": False}},
        ),
        compute(
            "ws-managed",
            "ci-managed",
            {"computeType": "ComputeInstance", "properties": {"enableNodePublicIp": False}},
        ),
        compute("ws-plain", "attached", {"computeType": "Kubernetes", "properties": {}}),
    ]
    assert statuses(run_rules(rows, complete=ML_COLLECTED), "AIP-NET-007") == {
        ("ci-vnet", "PASS"),
        ("ci-public", "FAIL"),
        ("cluster-default", "FAIL"),
        ("cluster-novnet", "FAIL"),
        ("ci-managed", "PASS"),
        ("attached", "NOT_APPLICABLE"),
    }


def test_net_007_unknown_without_computes_collection() -> None:
    rows = [workspace("ws", {}), compute("ws", "ci", {"computeType": "ComputeInstance"})]
    assert statuses(run_rules(rows), "AIP-NET-007") == {("ci", "UNKNOWN")}


# ---- NET-008 -------------------------------------------------------------------------------


def aks(
    name: str, api: dict[str, Any] | None, vm: str = "Standard_NC24ads_A100_v4", **extra: Any
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "agentPoolProfiles": [
            {"name": "system", "mode": "System", "vmSize": "Standard_D4s_v5", "count": 2},
            {"name": "gpu", "mode": "User", "vmSize": vm, "count": 1},
        ],
        **extra,
    }
    if api is not None:
        props["apiServerAccessProfile"] = api
    return row("Microsoft.ContainerService/managedClusters", name, props)


def test_net_008_aks_api_server() -> None:
    rows = [
        aks("private", {"enablePrivateCluster": True}),
        aks("ranges", {"authorizedIPRanges": ["198.51.100.0/24"]}),
        aks("open-range", {"authorizedIPRanges": ["0.0.0.0/0"]}),
        aks("public", None),
        aks("no-gpu", None, vm="Standard_D8s_v5"),  # not an AI cluster: not a target
        {
            "id": sid("Microsoft.ContainerService/managedClusters", "odd"),
            "name": "odd",
            "type": "microsoft.containerservice/managedclusters",
            "properties": {
                "AgentPoolProfiles": [{"Name": "gpu", "VmSize": "standard_nd96asr_v4"}],
                "ApiServerAccessProfile": {"EnablePrivateCluster": "true"},
            },
        },
    ]
    assert statuses(run_rules(rows), "AIP-NET-008") == {
        ("private", "PASS"),
        ("ranges", "PASS"),
        ("open-range", "FAIL"),
        ("public", "FAIL"),
        ("odd", "PASS"),
    }


def test_net_008_any_address_among_narrow_ranges_restricts_nothing() -> None:
    rows = [
        aks("mixed", {"authorizedIPRanges": ["198.51.100.0/24", "0.0.0.0/0"]}),  # was PASS
        aks("broad", {"authorizedIPRanges": ["20.0.0.0/8"]}),  # an explicit (wide) allow list
    ]
    assert statuses(run_rules(rows), "AIP-NET-008") == {("mixed", "FAIL"), ("broad", "PASS")}


# ---- NET-009 / 010 (AI-linked storage and key vaults) ---------------------------------------


def linking_workspace(storage: list[str], vaults: list[str]) -> list[dict[str, Any]]:
    out = []
    for i, st in enumerate(storage):
        props: dict[str, Any] = {"storageAccount": sid("Microsoft.Storage/storageAccounts", st)}
        if i < len(vaults):
            props["keyVault"] = sid("Microsoft.KeyVault/vaults", vaults[i])
        out.append(workspace(f"ws-{i}", props))
    return out


def test_net_009_storage_firewall() -> None:
    rows = [
        *linking_workspace(["st-off", "st-deny", "st-open", "st-odd"], []),
        row("Microsoft.Storage/storageAccounts", "st-off", {"publicNetworkAccess": "Disabled"}),
        row(
            "Microsoft.Storage/storageAccounts",
            "st-deny",
            {"networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}},
        ),
        row(
            "Microsoft.Storage/storageAccounts",
            "st-open",
            {"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Allow"}},
        ),
        {
            "id": sid("Microsoft.Storage/storageAccounts", "st-odd"),
            "name": "st-odd",
            "type": "microsoft.storage/storageaccounts",
            "properties": {"NetworkAcls": {"DefaultAction": "deny"}},
        },
        row("Microsoft.Storage/storageAccounts", "st-unlinked", {}),  # not AI-linked
    ]
    assert statuses(run_rules(rows), "AIP-NET-009") == {
        ("st-off", "PASS"),
        ("st-deny", "PASS"),
        ("st-open", "FAIL"),
        ("st-odd", "PASS"),
    }


def test_net_010_key_vault_firewall() -> None:
    rows = [
        *linking_workspace(["a", "b", "c"], ["kv-off", "kv-deny", "kv-open"]),
        row("Microsoft.KeyVault/vaults", "kv-off", {"publicNetworkAccess": "Disabled"}),
        row("Microsoft.KeyVault/vaults", "kv-deny", {"networkAcls": {"defaultAction": "Deny"}}),
        row("Microsoft.KeyVault/vaults", "kv-open", {}),
    ]
    assert statuses(run_rules(rows), "AIP-NET-010") == {
        ("kv-off", "PASS"),
        ("kv-deny", "PASS"),
        ("kv-open", "FAIL"),
    }


# ---- NET-011 -------------------------------------------------------------------------------

VNET = f"{P}/Microsoft.Network/virtualNetworks/vnet-ai"


def nsg(name: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return row("Microsoft.Network/networkSecurityGroups", name, {"securityRules": rules})


def nsg_rule(
    name: str, prio: int, access: str, port: str, source: str = "Internet"
) -> dict[str, Any]:
    return {
        "name": name,
        "properties": {
            "priority": prio,
            "direction": "Inbound",
            "access": access,
            "protocol": "Tcp",
            "sourceAddressPrefix": source,
            "sourcePortRange": "*",
            "destinationAddressPrefix": "*",
            "destinationPortRange": port,
        },
    }


def test_net_011_subnet_segmentation() -> None:
    def subnet(name: str, nsg_name: str | None) -> dict[str, Any]:
        props: dict[str, Any] = {"addressPrefix": "10.0.0.0/24"}
        if nsg_name:
            props["networkSecurityGroup"] = {
                "id": sid("Microsoft.Network/networkSecurityGroups", nsg_name)
            }
        return {"name": name, "id": f"{VNET}/subnets/{name}", "properties": props}

    vnet = row(
        "Microsoft.Network/virtualNetworks",
        "vnet-ai",
        {
            "subnets": [
                subnet("sn-good", "nsg-good"),
                subnet("sn-ssh", "nsg-ssh"),
                subnet("sn-none", None),
                subnet("sn-deny-first", "nsg-deny-first"),
                subnet("sn-pe", "nsg-ranges"),
            ]
        },
    )
    acc = account("oai", {})
    pe = row(
        "Microsoft.Network/privateEndpoints",
        "pe-oai",
        {
            "subnet": {"id": f"{VNET}/subnets/sn-pe"},
            "privateLinkServiceConnections": [
                {"properties": {"privateLinkServiceId": acc["id"], "groupIds": ["account"]}}
            ],
        },
    )
    rows = [
        vnet,
        acc,
        pe,
        workspace("ws", {}),
        *[
            compute(
                "ws",
                f"c-{n}",
                {
                    "computeType": "AmlCompute",
                    "properties": {"subnet": {"id": f"{VNET}/subnets/{n}"}},
                },
            )
            for n in ("sn-good", "sn-ssh", "sn-none", "sn-deny-first", "sn-missing")
        ],
        nsg("nsg-good", [nsg_rule("allow-https-vnet", 100, "Allow", "443", "VirtualNetwork")]),
        nsg("nsg-ssh", [nsg_rule("allow-ssh", 100, "Allow", "22")]),
        nsg(
            "nsg-deny-first",
            [
                nsg_rule("deny-all", 100, "Deny", "*", "*"),
                nsg_rule("allow-rdp", 200, "Allow", "3389"),
            ],
        ),
        nsg("nsg-ranges", [nsg_rule("allow-range", 300, "Allow", "400-500", "0.0.0.0/0")]),
    ]
    got = statuses(run_rules(rows, complete=ML_COLLECTED), "AIP-NET-011")
    assert got == {
        ("sn-good", "PASS"),
        ("sn-ssh", "FAIL"),
        ("sn-none", "FAIL"),
        ("sn-deny-first", "PASS"),
        ("sn-pe", "FAIL"),
        ("sn-missing", "UNKNOWN"),
    }
