"""NET and MON rules for Azure Databricks workspaces: Defender for Cloud's five Databricks
recommendations, one rule each, with the Azure Policy built-in that audits the same property.

Scope: every Databricks workspace read. Databricks is an ML and data-engineering platform
whose clusters train and serve models on the organisation's data; Defender for Cloud lists
these recommendations among its AI recommendations and applies them to every workspace, and
Azure offers no marker separating "ML" workspaces from others (the optional
`parameters.amlWorkspaceId` link to an Azure ML workspace is rare and says nothing about what
runs on the clusters). A user who asks "are my AI workloads' networks closed?" expects every
workspace answered, so none is filtered out; the linked ML workspace, when set, is shown in
the evidence.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiposture.config import Settings
from aiposture.facts import databricks as dbx
from aiposture.facts.base import Fact
from aiposture.model.entities import DatabricksWorkspace
from aiposture.model.inventory import Inventory
from aiposture.model.types import Pillar, Severity
from aiposture.rules.common import verdict_from_fact
from aiposture.rules.registry import rule
from aiposture.rules.types import (
    Evidence,
    PolicyFix,
    Refs,
    Remediation,
    RuleContext,
    Verdict,
    ev,
    failed,
    passed,
)

# Azure Policy built-ins (Azure/azure-policy, built-in-policies/policyDefinitions/
# Azure Databricks/), each read from the source: see tests/data/azure_policy/sources.json.
PUBLIC_NETWORK_ACCESS = "0e7849de-b939-4c50-ab48-fc6b0f5eeba2"
NO_PUBLIC_IP = "51c1490f-3319-459c-bbbc-7f391bbed753"
VNET_INJECTION = "9c25c9e4-ee12-4882-afd2-11fb9d87893f"
PRIVATE_LINK = "258823f2-4595-4b52-b333-cc96192710d8"
RESOURCE_LOGS = "138ff14d-b687-4faa-a81c-898c91a87fa2"

_API = "Microsoft.Databricks/workspaces@2024-05-01"
_TARGET = "Azure Databricks workspace"


def _workspaces(inv: Inventory, settings: Settings) -> Iterable[DatabricksWorkspace]:
    return dbx.workspaces(inv)


def _linked(ws: DatabricksWorkspace) -> tuple[Evidence, ...]:
    if ws.aml_workspace_id:
        return (ev("properties.parameters.amlWorkspaceId.value", ws.aml_workspace_id),)
    return ()


def _premium_note(ws: DatabricksWorkspace) -> tuple[str, tuple[Evidence, ...]]:
    """Private Link and diagnostic logs need the Premium tier: said in a FAIL on another tier,
    since the fix starts with an upgrade there."""
    if ws.sku and ws.sku.lower() != "premium":
        return f" (the {ws.sku} tier has no such feature: upgrade to Premium first)", (
            ev("sku.name", ws.sku),
        )
    return "", ()


def _verdict(
    fact: Fact, ws: DatabricksWorkspace, *, fail_when: bool, premium: bool = False
) -> Verdict:
    """FAIL when the fact has the value `fail_when`, PASS on the other, UNKNOWN when open.
    `premium`: the fix needs the Premium tier (the FAIL says so on another tier)."""
    note, extra = _premium_note(ws) if premium else ("", ())
    return verdict_from_fact(
        fact, fail_when=fail_when, after=_linked(ws), fail_note=note, fail_evidence=extra
    )


@rule(
    id="AIP-NET-013",
    title="Databricks workspace is reachable from public networks",
    pillar=Pillar.NETWORK,
    severity=Severity.MEDIUM,
    target=DatabricksWorkspace,
    target_label=_TARGET,
    select=_workspaces,
    remediation=Remediation(
        summary="Disable public network access on <NAME> after giving users a private "
        "endpoint (group browser_authentication and databricks_ui_api) to reach it.",
        az_cli="az databricks workspace update --ids <ID> --public-network-access Disabled",
        bicep=f"resource workspace '{_API}' = {{\n  name: '<NAME>'\n"
        "  location: '<LOCATION>'\n  properties: {\n    publicNetworkAccess: 'Disabled'\n"
        "    // keep managedResourceGroupId and parameters as deployed\n  }\n}",
        terraform='resource "azurerm_databricks_workspace" "this" {\n'
        '  name                          = "<NAME>"\n'
        '  resource_group_name           = "<RG>"\n'
        '  location                      = "<LOCATION>"\n'
        '  sku                           = "premium"\n'
        "  public_network_access_enabled = false\n}",
        portal="Azure portal > <NAME> > Settings > Networking > Public network access: "
        "Disabled > Save (create the private endpoints first, AIP-NET-016).",
        policy=(
            PolicyFix(
                PUBLIC_NETWORK_ACCESS,
                "Deny",
                "Azure Databricks Workspaces should disable public network access",
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-2",),
        azure_policy=(PUBLIC_NETWORK_ACCESS,),
        psrule=("Azure.Databricks.PublicAccess",),
        prowler=("databricks_workspace_public_network_access_disabled",),
        checkov=("CKV_AZURE_158",),
        other=(
            "https://learn.microsoft.com/azure/databricks/security/network/front-end/"
            "front-end-private-connect",
        ),
    ),
)
def public_access(ws: DatabricksWorkspace, ctx: RuleContext) -> Verdict:
    """A workspace with public network access answers its web UI and REST API to any address
    on the internet: notebooks, jobs, model-serving endpoints and the tokens that drive them
    are one leaked personal access token away from anyone. Absent publicNetworkAccess is
    Enabled (policy 0e7849de reads it the same way: `notEquals 'Disabled'`)."""
    return _verdict(dbx.publicly_reachable(ws), ws, fail_when=True)


@rule(
    id="AIP-NET-014",
    title="Databricks workspace clusters get public IP addresses",
    pillar=Pillar.NETWORK,
    severity=Severity.MEDIUM,
    target=DatabricksWorkspace,
    target_label=_TARGET,
    select=_workspaces,
    remediation=Remediation(
        summary="Turn on secure cluster connectivity (No Public IP) on <NAME>: cluster nodes "
        "then have no public address and reach the control plane over an outbound relay.",
        az_cli="az databricks workspace update --ids <ID> --enable-no-public-ip true",
        bicep=f"resource workspace '{_API}' = {{\n  name: '<NAME>'\n"
        "  location: '<LOCATION>'\n  properties: {\n    parameters: {\n"
        "      enableNoPublicIp: { value: true }\n    }\n"
        "    // keep managedResourceGroupId and the other parameters as deployed\n  }\n}",
        terraform='resource "azurerm_databricks_workspace" "this" {\n'
        '  name                = "<NAME>"\n'
        '  resource_group_name = "<RG>"\n'
        '  location            = "<LOCATION>"\n'
        '  sku                 = "premium"\n'
        "  custom_parameters {\n    no_public_ip = true\n  }\n}",
        portal="Azure portal > <NAME> > Settings > Networking > Deploy Azure Databricks "
        "workspace with Secure Cluster Connectivity (No Public IP): Yes > Save.",
        policy=(
            PolicyFix(
                NO_PUBLIC_IP,
                "Deny",
                "Azure Databricks Clusters should disable public IP",
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-2",),
        azure_policy=(NO_PUBLIC_IP,),
        psrule=("Azure.Databricks.SecureConnectivity",),
        prowler=("databricks_workspace_no_public_ip_enabled",),
        other=(
            "https://learn.microsoft.com/azure/databricks/security/network/classic/secure-cluster-connectivity",
        ),
    ),
)
def cluster_public_ips(ws: DatabricksWorkspace, ctx: RuleContext) -> Verdict:
    """Without secure cluster connectivity every cluster node gets a public IP and the
    workspace's network security group must admit the control plane inbound: the machines
    that hold training data and model weights in memory are addressable from the internet.
    An absent enableNoPublicIp counts as off, as policy 51c1490f reads it (`notEquals
    'true'`)."""
    return _verdict(dbx.clusters_have_public_ips(ws), ws, fail_when=True)


@rule(
    id="AIP-NET-015",
    title="Databricks workspace is not deployed in the customer's virtual network",
    pillar=Pillar.NETWORK,
    severity=Severity.MEDIUM,
    target=DatabricksWorkspace,
    target_label=_TARGET,
    select=_workspaces,
    remediation=Remediation(
        summary="Deploy <NAME> into your own virtual network (VNet injection) with two "
        "subnets delegated to Microsoft.Databricks/workspaces, each with a network security "
        "group; an existing workspace's network is changed by redeploying it with these "
        "parameters.",
        az_cli="az databricks workspace create --name <NAME> --resource-group <RG> "
        "--subscription <SUB> --location <LOCATION> --sku premium --vnet {{VNET_ID}} "
        "--public-subnet {{DBX_HOST_SUBNET}} --private-subnet {{DBX_CONTAINER_SUBNET}} "
        "--enable-no-public-ip true",
        bicep=f"resource workspace '{_API}' = {{\n  name: '<NAME>'\n"
        "  location: '<LOCATION>'\n  properties: {\n    parameters: {\n"
        "      customVirtualNetworkId: { value: '{{VNET_ID}}' }\n"
        "      customPublicSubnetName: { value: '{{DBX_HOST_SUBNET}}' }\n"
        "      customPrivateSubnetName: { value: '{{DBX_CONTAINER_SUBNET}}' }\n"
        "      enableNoPublicIp: { value: true }\n    }\n"
        "    // keep managedResourceGroupId as deployed\n  }\n}",
        terraform='resource "azurerm_databricks_workspace" "this" {\n'
        '  name                = "<NAME>"\n'
        '  resource_group_name = "<RG>"\n'
        '  location            = "<LOCATION>"\n'
        '  sku                 = "premium"\n'
        "  custom_parameters {\n"
        '    virtual_network_id  = "{{VNET_ID}}"\n'
        '    public_subnet_name  = "{{DBX_HOST_SUBNET}}"\n'
        '    private_subnet_name = "{{DBX_CONTAINER_SUBNET}}"\n'
        "    no_public_ip        = true\n"
        "    # plus the two subnets' network security group association ids\n"
        "  }\n}",
        portal="Azure portal > <NAME> > Settings > Networking > Deploy Azure Databricks "
        "workspace in your own Virtual Network (VNet): Yes, pick the virtual network and the "
        "public and private subnets > Save.",
        policy=(
            PolicyFix(
                VNET_INJECTION,
                "Deny",
                "Azure Databricks Workspaces should be in a virtual network",
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-1",),
        azure_policy=(VNET_INJECTION,),
        prowler=("databricks_workspace_vnet_injection_enabled",),
        other=(
            "https://learn.microsoft.com/azure/databricks/security/network/classic/vnet-inject",
        ),
    ),
)
def vnet_injection(ws: DatabricksWorkspace, ctx: RuleContext) -> Verdict:
    """In the Databricks-managed virtual network the clusters' traffic escapes the
    organisation's controls: no network security group rules of its own, no user-defined
    routes through the egress firewall, no back-end private link, no private access to the
    storage and key vaults holding the training data. VNet injection (customVirtualNetworkId
    with both subnet names, as policy 9c25c9e4 requires) puts the clusters in a network the
    organisation governs."""
    return _verdict(dbx.vnet_injected(ws), ws, fail_when=False)


@rule(
    id="AIP-NET-016",
    title="Databricks workspace has no approved private endpoint",
    pillar=Pillar.NETWORK,
    severity=Severity.MEDIUM,
    target=DatabricksWorkspace,
    target_label=_TARGET,
    select=_workspaces,
    remediation=Remediation(
        summary="Create a private endpoint for <NAME> (group databricks_ui_api) in the "
        "workload subnet, with a private DNS zone group for privatelink.azuredatabricks.net; "
        "then disable public network access (AIP-NET-013).",
        az_cli="az network private-endpoint create --name pe-<NAME> --resource-group <RG> "
        "--subscription <SUB> --location <LOCATION> --subnet {{SUBNET_ID}} "
        "--private-connection-resource-id <ID> --group-id databricks_ui_api "
        "--connection-name pe-<NAME>",
        bicep="resource pe 'Microsoft.Network/privateEndpoints@2024-05-01' = {\n"
        "  name: 'pe-<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    subnet: { id: '{{SUBNET_ID}}' }\n"
        "    privateLinkServiceConnections: [ {\n      name: 'pe-<NAME>'\n"
        "      properties: { privateLinkServiceId: '<ID>', groupIds: [ 'databricks_ui_api' ] }\n"
        "    } ]\n  }\n}",
        terraform='resource "azurerm_private_endpoint" "this" {\n'
        '  name                = "pe-<NAME>"\n'
        '  location            = "<LOCATION>"\n'
        '  resource_group_name = "<RG>"\n'
        '  subnet_id           = "{{SUBNET_ID}}"\n'
        "  private_service_connection {\n"
        '    name                           = "pe-<NAME>"\n'
        '    private_connection_resource_id = "<ID>"\n'
        '    subresource_names              = ["databricks_ui_api"]\n'
        "    is_manual_connection           = false\n  }\n}",
        portal="Azure portal > <NAME> > Settings > Networking > Private endpoint connections > "
        "+ Private endpoint: target sub-resource databricks_ui_api, the workload virtual "
        "network and subnet, Integrate with private DNS zone: Yes > Create.",
        policy=(
            PolicyFix(
                PRIVATE_LINK,
                "Audit",
                "Azure Databricks Workspaces should use private link",
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-2",),
        azure_policy=(PRIVATE_LINK,),
        other=(
            "https://learn.microsoft.com/azure/databricks/security/network/classic/private-link",
        ),
    ),
)
def private_link(ws: DatabricksWorkspace, ctx: RuleContext) -> Verdict:
    """Without an approved private endpoint, users, jobs and the clusters themselves reach
    the workspace's control plane over its public endpoint, so public access cannot be turned
    off without cutting them off. Only an Approved connection counts (Pending, Rejected and
    Disconnected carry no traffic), exactly as policy 258823f2 counts them."""
    return _verdict(dbx.has_approved_private_endpoint(ws), ws, fail_when=False, premium=True)


@rule(
    id="AIP-MON-012",
    title="Databricks workspace sends no resource logs",
    pillar=Pillar.MONITORING,
    severity=Severity.MEDIUM,
    target=DatabricksWorkspace,
    target_label=_TARGET,
    select=_workspaces,
    requires=("diagnosticSettings",),
    remediation=Remediation(
        summary="Add a diagnostic setting on <NAME> sending the allLogs category group "
        "(accounts, clusters, jobs, notebook, secrets, workspace, ...) to a Log Analytics "
        "workspace. Diagnostic logs need the Premium tier.",
        az_cli="az monitor diagnostic-settings create --name aiposture-logs --resource <ID> "
        "--workspace <WORKSPACE_ID> "
        '--logs \'[{"categoryGroup": "allLogs", "enabled": true}]\'',
        bicep="resource diag 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {\n"
        "  scope: workspace // '<NAME>'\n  name: 'aiposture-logs'\n  properties: {\n"
        "    workspaceId: workspaceId\n"
        "    logs: [ { categoryGroup: 'allLogs', enabled: true } ]\n  }\n}",
        terraform='resource "azurerm_monitor_diagnostic_setting" "logs" {\n'
        '  name                       = "aiposture-logs"\n'
        '  target_resource_id         = "<ID>"\n'
        "  log_analytics_workspace_id = var.log_analytics_workspace_id\n"
        "  enabled_log {\n"
        '    category_group = "allLogs"\n'
        "  }\n}",
        portal="Azure portal > <NAME> > Monitoring > Diagnostic settings > + Add diagnostic "
        "setting: tick 'allLogs', Send to Log Analytics workspace > Save.",
        policy=(
            PolicyFix(
                RESOURCE_LOGS,
                "AuditIfNotExists",
                "Resource logs in Azure Databricks Workspaces should be enabled",
            ),
        ),
        fills=("<WORKSPACE_ID>",),
    ),
    references=Refs(
        mcsb=("LT-3",),
        azure_policy=(RESOURCE_LOGS,),
        other=(
            "https://learn.microsoft.com/azure/databricks/admin/account-settings/audit-log-delivery",
        ),
    ),
)
def resource_logs(ws: DatabricksWorkspace, ctx: RuleContext) -> Verdict:
    """Databricks' resource logs record who signed in, read a secret, ran a notebook, started
    a cluster or changed a permission: without them a stolen token's use, or data copied out
    of a training table, cannot be reconstructed. Any enabled log category sent to any
    destination counts, as policy 138ff14d counts it."""
    settings = ctx.inventory.diagnostics_for(ws.key)
    evidence = (
        ev(
            "diagnosticSettings",
            [
                {
                    "name": s.name,
                    "logs": sorted(
                        (x.category or x.category_group or "") for x in s.logs if x.enabled
                    ),
                }
                for s in settings
            ],
        ),
        *_linked(ws),
    )
    found = dbx.resource_log_setting(settings)
    if found is not None:
        return passed(f"diagnostic setting {found.name!r} sends resource logs", *evidence)
    workspace = next((s.workspace_id for s in settings if s.workspace_id), None)
    note, extra = _premium_note(ws)
    return failed(
        (
            "no diagnostic setting sends resource logs"
            if not settings
            else "diagnostic settings exist but none sends a log category to a destination"
        )
        + note,
        *evidence,
        *extra,
        fill={"<WORKSPACE_ID>": workspace},
    )
