"""Demo part catalog_a: what the network, identity and data rules need beyond the core.

Adds the network layer (virtual networks, NSGs, the corp private endpoint as a resource), a
second AKS cluster that is the core's corp cluster done wrong, workspace connections, custom
role definitions and a PIM eligibility. docs/demo-tenant.md ("Part catalog_a") says what is
deliberately wrong and why.
"""

from __future__ import annotations

from typing import Any

from aiposture.collect.demo.builder import ROLE, guid
from aiposture.collect.demo.contoso import LOC, TENANT_ID, Contoso

_NET = "Microsoft.Network"


def _nsg_rule(
    name: str, priority: int, access: str, port: str, source: str = "Internet"
) -> dict[str, Any]:
    return {
        "name": name,
        "properties": {
            "priority": priority,
            "direction": "Inbound",
            "access": access,
            "protocol": "Tcp",
            "sourceAddressPrefix": source,
            "sourcePortRange": "*",
            "destinationAddressPrefix": "*",
            "destinationPortRange": port,
        },
    }


def _subnet(vnet_id: str, name: str, prefix: str, nsg_id: str | None) -> dict[str, Any]:
    props: dict[str, Any] = {"addressPrefix": prefix}
    if nsg_id:
        props["networkSecurityGroup"] = {"id": nsg_id}
    return {"id": f"{vnet_id}/subnets/{name}", "name": name, "properties": props}


def _network(c: Contoso) -> None:
    b = c.b
    # corp: private endpoints live in a subnet whose NSG only admits the virtual network.
    rg_corp = c.rgs["corp"]
    nsg_pe = b.resource(
        rg_corp,
        f"{_NET}/networkSecurityGroups",
        "nsg-snet-private-endpoints",
        LOC,
        {
            "securityRules": [
                _nsg_rule("allow-https-from-vnet", 100, "Allow", "443", "VirtualNetwork"),
                _nsg_rule("deny-internet", 4000, "Deny", "*", "Internet"),
            ]
        },
    )
    vnet_corp_id = f"{rg_corp}/providers/{_NET}/virtualNetworks/vnet-contoso-ai-prod"
    b.resource(
        rg_corp,
        f"{_NET}/virtualNetworks",
        "vnet-contoso-ai-prod",
        LOC,
        {
            "addressSpace": {"addressPrefixes": ["10.20.0.0/16"]},
            "subnets": [
                _subnet(vnet_corp_id, "snet-private-endpoints", "10.20.1.0/24", nsg_pe["id"])
            ],
        },
    )
    oai = c.res["corp_oai"]
    pe_id = oai["properties"]["privateEndpointConnections"][0]["properties"]["privateEndpoint"][
        "id"
    ]
    b.add(
        {
            "id": pe_id,
            "name": pe_id.rsplit("/", 1)[-1],
            "type": f"{_NET}/privateEndpoints",
            "location": LOC,
            "properties": {
                "subnet": {"id": f"{vnet_corp_id}/subnets/snet-private-endpoints"},
                "privateLinkServiceConnections": [
                    {
                        "name": "pe-oai-corp",
                        "properties": {
                            "privateLinkServiceId": oai["id"],
                            "groupIds": ["account"],
                            "privateLinkServiceConnectionState": {"status": "Approved"},
                        },
                    }
                ],
            },
        }
    )

    # sandbox: the subnet the core's gpu-cluster already points at, with SSH opened to the
    # internet "to debug a training job"; and an AKS node subnet with no NSG at all.
    rg_sb = c.rgs["sandbox"]
    nsg_ml = b.resource(
        rg_sb,
        f"{_NET}/networkSecurityGroups",
        "nsg-snet-ml",
        LOC,
        {
            "securityRules": [
                _nsg_rule("allow-ssh-debug", 110, "Allow", "22", "*"),
                _nsg_rule(
                    "allow-batch-node-mgmt", 120, "Allow", "29876-29877", "BatchNodeManagement"
                ),
            ]
        },
    )
    vnet_sb_id = f"{rg_sb}/providers/{_NET}/virtualNetworks/vnet-sandbox"
    b.resource(
        rg_sb,
        f"{_NET}/virtualNetworks",
        "vnet-sandbox",
        LOC,
        {
            "addressSpace": {"addressPrefixes": ["10.50.0.0/16"]},
            "subnets": [
                _subnet(vnet_sb_id, "snet-ml", "10.50.1.0/24", nsg_ml["id"]),
                _subnet(vnet_sb_id, "snet-aks-finetune", "10.50.2.0/23", None),
            ],
        },
    )
    c.res["sb_vnet_aks_subnet"] = {"id": f"{vnet_sb_id}/subnets/snet-aks-finetune"}


def _aks(c: Contoso) -> None:
    # The corp cluster done wrong: public API server with no authorized ranges, local
    # accounts on, no Entra ID integration (a fine-tuning cluster created from a quickstart).
    b = c.b
    c.res["sb_aks"] = b.resource(
        c.rgs["sandbox"],
        "Microsoft.ContainerService/managedClusters",
        "aks-sandbox-finetune",
        LOC,
        {
            "kubernetesVersion": "1.30.5",
            "dnsPrefix": "aks-sandbox-finetune",
            "enableRBAC": True,
            "networkProfile": {"networkPlugin": "kubenet"},
            "agentPoolProfiles": [
                {
                    "name": "system",
                    "mode": "System",
                    "count": 1,
                    "vmSize": "Standard_D4s_v5",
                    "vnetSubnetID": c.res["sb_vnet_aks_subnet"]["id"],
                },
                {
                    "name": "gpu",
                    "mode": "User",
                    "count": 1,
                    "vmSize": "Standard_ND96asr_v4",
                    "vnetSubnetID": c.res["sb_vnet_aks_subnet"]["id"],
                },
            ],
        },
        sku={"name": "Base", "tier": "Free"},
        identity=b.system_identity("aks-sandbox-finetune"),
        tags={"owner": "datascience@contoso.com", "environment": "sandbox"},
    )


def _connections(c: Contoso) -> None:
    b = c.b
    # corp: the hub reaches its OpenAI account with Entra ID (no stored secret).
    b.child(
        c.res["corp_hub"],
        "connections",
        "aoai-contoso-corp",
        {
            "category": "AzureOpenAI",
            "target": c.res["corp_oai"]["properties"].get(
                "endpoint", "https://oai-contoso-corp-prod.openai.azure.com/"
            ),
            "authType": "AAD",
            "isSharedToAll": True,
            "metadata": {"ApiType": "Azure", "ResourceId": c.res["corp_oai"]["id"]},
        },
    )
    # sandbox: an API key for the playground account and a GitHub PAT for notebooks.
    # (ARM never returns the secret values; only authType tells they exist.)
    b.child(
        c.res["sb_workspace"],
        "connections",
        "openai-playground-key",
        {
            "category": "AzureOpenAI",
            "target": "https://oai-sandbox-playground.openai.azure.com/",
            "authType": "ApiKey",
            "isSharedToAll": True,
        },
    )
    b.child(
        c.res["sb_workspace"],
        "connections",
        "github-notebooks",
        {"category": "Git", "target": "https://github.com/contoso/ml-notebooks", "authType": "PAT"},
    )


def _custom_roles(c: Contoso) -> None:
    b = c.b
    corp = c.sub_scope("corp")
    roles: tuple[tuple[str, list[str], list[str], str], ...] = (
        (
            "Contoso AI Operator",
            [
                "Microsoft.CognitiveServices/*",
                "Microsoft.Authorization/roleAssignments/write",
                "Microsoft.Resources/subscriptions/resourceGroups/read",
            ],
            [],
            "MLOps on-call: manage AI accounts and grant app teams access",
        ),
        (
            "Contoso AI Deployment Reader",
            [
                "Microsoft.CognitiveServices/accounts/read",
                "Microsoft.CognitiveServices/accounts/deployments/read",
                "Microsoft.CognitiveServices/accounts/raiPolicies/read",
            ],
            [],
            "Read-only view of deployments and content filters for the AI governance board",
        ),
    )
    for name, actions, not_actions, desc in roles:
        rid = guid("customrole", name)
        b.add(
            {
                "id": f"{corp}/providers/Microsoft.Authorization/roleDefinitions/{rid}",
                "name": rid,
                "type": "Microsoft.Authorization/roleDefinitions",
                "properties": {
                    "roleName": name,
                    "type": "CustomRole",
                    "description": desc,
                    "assignableScopes": [corp],
                    "permissions": [
                        {
                            "actions": actions,
                            "notActions": not_actions,
                            "dataActions": [],
                            "notDataActions": [],
                        }
                    ],
                },
            }
        )


def _pim(c: Contoso) -> None:
    # The right way for the corp subscription: Owner only through PIM eligibility.
    b = c.b
    corp = c.sub_scope("corp")
    admin = c.principals["admin"]
    name = guid("eligibility", corp, "Owner", admin)
    b.add(
        {
            "id": f"{corp}/providers/Microsoft.Authorization/roleEligibilitySchedules/{name}",
            "name": name,
            "type": "Microsoft.Authorization/roleEligibilitySchedules",
            "properties": {
                "principalId": admin,
                "principalType": "User",
                "roleDefinitionId": f"{corp}/providers/Microsoft.Authorization/roleDefinitions/"
                f"{ROLE['Owner']}",
                "scope": corp,
                "memberType": "Direct",
                "status": "Provisioned",
                "startDateTime": "2026-01-05T08:00:00Z",
                "endDateTime": "2027-01-05T08:00:00Z",
            },
        }
    )


def build(c: Contoso) -> None:
    assert c.b.tenant_id == TENANT_ID
    _network(c)
    _aks(c)
    _connections(c)
    _custom_roles(c)
    _pim(c)
