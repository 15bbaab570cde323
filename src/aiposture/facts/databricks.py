"""Azure Databricks workspaces: the network and logging properties Defender for Cloud's five
Databricks recommendations (and their Azure Policy built-ins) decide on.

Shapes (azure-rest-api-specs, Microsoft.Databricks stable 2024-05-01, databricks.json and
examples/WorkspaceGetParameters.json): `properties.publicNetworkAccess` (Enabled | Disabled),
`properties.requiredNsgRules` (AllRules | NoAzureDatabricksRules | NoAzureServiceRules),
`properties.privateEndpointConnections[].properties.privateLinkServiceConnectionState.status`,
and the creation parameters as `properties.parameters.<name>.value`:
`enableNoPublicIp` (WorkspaceCustomBooleanParameter), `customVirtualNetworkId`,
`customPublicSubnetName`, `customPrivateSubnetName` (WorkspaceCustomStringParameter).

Absent values are read the way the Azure Policy built-ins read them (Azure/azure-policy,
built-in-policies/policyDefinitions/Azure Databricks/):
- 0e7849de: `publicNetworkAccess notEquals 'Disabled'` -> absent counts as Enabled;
- 51c1490f: `parameters.enableNoPublicIp.value notEquals 'true'` -> absent counts as public IPs;
- 9c25c9e4: any of customPublicSubnetName / customPrivateSubnetName / customVirtualNetworkId
  `exists false` -> not in a customer virtual network;
- 258823f2: fewer than one privateEndpointConnections[*] with status 'Approved'.
A row without a `parameters` object at all (a stripped export) says nothing about the
parameters: the facts reading them are unknown and name `properties.parameters`.
"""

from __future__ import annotations

from aiposture.facts.base import Fact, known, unknown_fact
from aiposture.facts.defaults import Default
from aiposture.model.entities import DatabricksWorkspace, DiagnosticSetting
from aiposture.model.inventory import Inventory

PNA = "properties.publicNetworkAccess"
NO_PUBLIC_IP = "properties.parameters.enableNoPublicIp.value"
VNET = "properties.parameters.customVirtualNetworkId.value"
PUBLIC_SUBNET = "properties.parameters.customPublicSubnetName.value"
PRIVATE_SUBNET = "properties.parameters.customPrivateSubnetName.value"
PARAMETERS = "properties.parameters"
PE_STATUS = "properties.privateEndpointConnections[].privateLinkServiceConnectionState.status"

# The REST spec's publicNetworkAccess (Microsoft.Databricks 2024-05-01) is Enabled | Disabled
# and documents no default; a workspace created without it answers on its public endpoint,
# and the built-in policy that audits it counts the absent value as not Disabled.
PUBLIC_NETWORK_ACCESS = Default(
    PNA,
    "Enabled",
    "Azure Policy 0e7849de-b939-4c50-ab48-fc6b0f5eeba2 (publicNetworkAccess notEquals "
    "'Disabled'); azure-rest-api-specs Microsoft.Databricks/stable/2024-05-01/databricks.json",
)


def workspaces(inv: Inventory) -> list[DatabricksWorkspace]:
    """Every Databricks workspace read (all are in scope: Databricks is an ML platform)."""
    return inv.memo(
        "databricks_workspaces",
        lambda: sorted(
            (r for r in inv.other_ai.values() if isinstance(r, DatabricksWorkspace)),
            key=lambda r: r.key,
        ),
    )


def publicly_reachable(ws: DatabricksWorkspace) -> Fact:
    """True when the workspace's web application and REST API accept connections from the
    internet (publicNetworkAccess not Disabled)."""
    value = (ws.public_network_access or "").strip()
    if not value:
        return known(
            True,
            f"publicNetworkAccess is absent: {PUBLIC_NETWORK_ACCESS.value}, as Azure reads it "
            "(public access is on)",
            (PNA, None),
        )
    low = value.lower()
    if low == "disabled":
        return known(False, "public network access is disabled", (PNA, value))
    if low == "enabled":
        return known(True, "public network access is enabled", (PNA, value))
    return unknown_fact(
        f"publicNetworkAccess has an unrecognised value {value!r}", PNA, evidence=((PNA, value),)
    )


def clusters_have_public_ips(ws: DatabricksWorkspace) -> Fact:
    """True when the workspace's cluster nodes get public IP addresses (secure cluster
    connectivity, `enableNoPublicIp`, is not on)."""
    if not ws.parameters_read:
        return unknown_fact("the workspace's creation parameters are not in the data", PARAMETERS)
    value = ws.enable_no_public_ip
    if value is True:
        return known(
            False, "secure cluster connectivity is on: no public IPs", (NO_PUBLIC_IP, True)
        )
    if value is False:
        return known(
            True, "enableNoPublicIp is false: cluster nodes get public IPs", (NO_PUBLIC_IP, False)
        )
    return known(
        True,
        "enableNoPublicIp is not set: cluster nodes get public IPs (as policy 51c1490f reads it)",
        (NO_PUBLIC_IP, None),
    )


def vnet_injected(ws: DatabricksWorkspace) -> Fact:
    """True when the workspace is deployed into the customer's own virtual network (VNet
    injection: the network id and both subnet names are set)."""
    evidence = (
        (VNET, ws.custom_virtual_network_id),
        (PUBLIC_SUBNET, ws.custom_public_subnet),
        (PRIVATE_SUBNET, ws.custom_private_subnet),
    )
    if not ws.parameters_read:
        return unknown_fact("the workspace's creation parameters are not in the data", PARAMETERS)
    missing = [path for path, value in evidence if not value]
    if missing:
        names = ", ".join(m.split(".")[2] for m in missing)
        return known(False, f"not in a customer virtual network ({names} not set)", *evidence)
    return known(True, "deployed into a customer virtual network (VNet injection)", *evidence)


def has_approved_private_endpoint(ws: DatabricksWorkspace) -> Fact:
    """True when at least one private endpoint connection is Approved."""
    statuses = [c.status for c in ws.private_endpoint_connections]
    evidence = (PE_STATUS, statuses)
    if any((s or "").lower() == "approved" for s in statuses):
        return known(True, "has an approved private endpoint connection", evidence)
    if statuses:
        return known(
            False,
            f"no private endpoint connection is approved ({', '.join(map(str, statuses))})",
            evidence,
        )
    return known(False, "no private endpoint connection", evidence)


def resource_log_setting(settings: list[DiagnosticSetting]) -> DiagnosticSetting | None:
    """The first diagnostic setting that sends any resource log category (or category group)
    to a destination: what policy 138ff14d counts (a logs[*] entry enabled)."""
    for s in settings:
        if s.has_destination and any(x.enabled for x in s.logs):
            return s
    return None
