"""NET: network isolation of AI endpoints and what they reach."""

from __future__ import annotations

from collections.abc import Iterable

from aiposture.config import Settings
from aiposture.facts.base import Fact
from aiposture.facts.exposure import (
    account_exposure,
    aks_exposure,
    key_vault_exposure,
    public_access_disabled,
    search_exposure,
    storage_exposure,
    workspace_exposure,
)
from aiposture.facts.private_dns import (
    AI_LINK_TYPES,
    ai_target_states,
    approved_ai_targets,
    has_dns_zone_group,
    is_ai_endpoint,
    link_type,
)
from aiposture.facts.subjects import ai_clusters
from aiposture.model.entities import (
    AksCluster,
    CognitiveAccount,
    KeyVault,
    MLCompute,
    MLWorkspace,
    NetworkSecurityGroup,
    PrivateEndpoint,
    PrivateEndpointConnection,
    Resource,
    SearchService,
    SecurityRule,
    StorageAccount,
    Subnet,
)
from aiposture.model.inventory import Inventory
from aiposture.model.types import Pillar, Severity
from aiposture.rules.common import verdict_from_fact
from aiposture.rules.registry import rule
from aiposture.rules.types import (
    PolicyFix,
    Refs,
    Remediation,
    RuleContext,
    Verdict,
    ev,
    failed,
    not_applicable,
    passed,
    unknown,
)


def exposure_verdict(fact: Fact) -> Verdict:
    """FAIL / PASS / UNKNOWN exactly when the exposure fact is true / false / unknown."""
    evidence = tuple(ev(path, value) for path, value in fact.evidence)
    if fact.is_true:
        return failed(fact.reason, *evidence)
    if fact.is_false:
        return passed(fact.reason, *evidence)
    return unknown(fact.reason, *fact.missing, evidence=evidence)


@rule(
    id="AIP-NET-001",
    title="AI services account is reachable from public networks",
    pillar=Pillar.NETWORK,
    severity=Severity.HIGH,
    target=CognitiveAccount,
    remediation=Remediation(
        summary="Disable public network access on <NAME> and reach it through a private "
        "endpoint (or, at least, set the network ACL default action to Deny with an allow list).",
        az_cli="az resource update --ids <ID> "
        "--set properties.publicNetworkAccess=Disabled "
        "properties.networkAcls.defaultAction=Deny",
        bicep="resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = {\n"
        "  name: '<NAME>'\n}\n"
        "// in the account's own template:\n"
        "properties: {\n  publicNetworkAccess: 'Disabled'\n"
        "  networkAcls: { defaultAction: 'Deny', ipRules: [], virtualNetworkRules: [] }\n}",
        terraform='resource "azurerm_cognitive_account" "this" {\n'
        '  name                          = "<NAME>"\n'
        '  resource_group_name           = "<RG>"\n'
        "  public_network_access_enabled = false\n"
        "  network_acls {\n"
        '    default_action = "Deny"\n'
        "  }\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Resource Management > Networking > Firewalls and "
        "virtual networks: select 'Disabled' (private endpoints only), or 'Selected networks "
        "and private endpoints' with no broad IP ranges > Save.",
        policy=(
            PolicyFix(
                "037eea7a-bd0a-46c5-9a66-03aea78705d3",
                "Deny",
                "Azure AI Services resources should restrict network access",
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-2",),
        azure_policy=("037eea7a-bd0a-46c5-9a66-03aea78705d3",),
        owasp_llm=("LLM10",),
        atlas=("AML.T0024",),
        prowler=("aiservices_account_public_network_access_disabled",),
        checkov=("CKV_AZURE_134",),
        psrule=("Azure.AI.PublicAccess",),
    ),
)
def account_public_network(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
    """An AI endpoint open to the internet can be reached by anyone holding a key or token:
    stolen keys work from anywhere, model extraction and cost harvesting need no foothold, and
    the account's managed identity becomes one request away from the internet. Decided by the
    exposure fact (facts/exposure.py), the same one the graph's Internet edges use. Absent
    publicNetworkAccess means Enabled and absent networkAcls mean Allow ("By default, Azure AI
    services resources accept connections from clients on any network":
    learn.microsoft.com/azure/ai-services/cognitive-services-virtual-networks). An IP rule of
    /8 or broader (public space) opens it again; SecuredByPerimeter is UNKNOWN because the
    perimeter's access rules are not collected."""
    return exposure_verdict(account_exposure(account))


@rule(
    id="AIP-NET-002",
    title="AI services account has no approved private endpoint",
    pillar=Pillar.NETWORK,
    severity=Severity.MEDIUM,
    target=CognitiveAccount,
    remediation=Remediation(
        summary="Create a private endpoint for <NAME> in the workload's virtual network and "
        "approve it; then disable public network access.",
        az_cli="az network private-endpoint create --name pe-<NAME> --resource-group <RG> "
        "--vnet-name {{VNET}} --subnet {{SUBNET}} --group-id account "
        "--private-connection-resource-id <ID> --connection-name pe-<NAME>",
        bicep="resource pe 'Microsoft.Network/privateEndpoints@2023-11-01' = {\n"
        "  name: 'pe-<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    subnet: { id: subnetId }\n    privateLinkServiceConnections: [{\n"
        "      name: 'pe-<NAME>'\n"
        "      properties: { privateLinkServiceId: '<ID>', groupIds: ['account'] }\n"
        "    }]\n  }\n}",
        terraform='resource "azurerm_private_endpoint" "pe" {\n'
        '  name                = "pe-<NAME>"\n'
        '  location            = "<LOCATION>"\n'
        '  resource_group_name = "<RG>"\n'
        "  subnet_id           = var.subnet_id\n"
        "  private_service_connection {\n"
        '    name                           = "pe-<NAME>"\n'
        '    private_connection_resource_id = "<ID>"\n'
        '    subresource_names              = ["account"]\n'
        "    is_manual_connection           = false\n"
        "  }\n}",
        portal="Azure portal > <NAME> > Networking > Private endpoint connections > "
        "+ Private endpoint: pick the virtual network and subnet, target sub-resource 'account', "
        "and integrate with the privatelink.openai.azure.com / privatelink.cognitiveservices."
        "azure.com DNS zone.",
        policy=(
            PolicyFix(
                "d6759c02-b87f-42b7-892e-71b3f471d782",
                "Audit",
                "Azure AI Services resources should use Azure Private Link",
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-2",),
        azure_policy=("d6759c02-b87f-42b7-892e-71b3f471d782",),
        psrule=("Azure.AI.PrivateEndpoints",),
    ),
)
def account_private_endpoint(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
    """Without a private endpoint, clients reach the account over its public endpoint, so
    public access cannot be turned off without breaking them. A private endpoint keeps model
    traffic (prompts, grounding data, completions) on the private network. When public network
    access is already Disabled that reasoning no longer holds: no client can use the public
    endpoint, so no model traffic crosses the public network whether or not a private endpoint
    exists yet. The control's aim is met by other means, so the rule PASSes (rather than
    NOT_APPLICABLE: the account is still the kind of resource the rule is about)."""
    statuses = [c.status for c in account.private_endpoint_connections]
    evidence = ev(
        "properties.privateEndpointConnections[].privateLinkServiceConnectionState.status", statuses
    )
    if any((s or "").lower() == "approved" for s in statuses):
        return passed("has an approved private endpoint connection", evidence)
    if public_access_disabled(account.public_network_access):
        return passed(
            "no approved private endpoint, but public network access is disabled: no traffic "
            "uses the public endpoint",
            evidence,
            ev("properties.publicNetworkAccess", account.public_network_access),
        )
    if statuses:
        return failed(
            f"private endpoint connections exist but none is Approved ({statuses})", evidence
        )
    return failed("no private endpoint connection", evidence)


@rule(
    id="AIP-NET-004",
    title="AI Search service is reachable from public networks without IP rules",
    pillar=Pillar.NETWORK,
    severity=Severity.HIGH,
    target=SearchService,
    remediation=Remediation(
        summary="Disable public network access on search service <NAME> (use a private "
        "endpoint), or at least restrict it to known IP ranges.",
        az_cli="az search service update --name <NAME> --resource-group <RG> "
        "--subscription <SUB> --public-network-access disabled",
        bicep="resource search 'Microsoft.Search/searchServices@2023-11-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    publicNetworkAccess: 'disabled'\n"
        "    networkRuleSet: { ipRules: [] }\n  }\n}",
        terraform='resource "azurerm_search_service" "this" {\n'
        '  name                          = "<NAME>"\n'
        '  resource_group_name           = "<RG>"\n'
        "  public_network_access_enabled = false\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Networking > Public network access: "
        "Disabled (or 'Selected IP addresses' with your ranges) > Save.",
        policy=(
            PolicyFix(
                "ee980b6d-0eca-4501-8d54-f6290fd512c3",
                "Deny",
                "Azure Cognitive Search services should disable public network access",
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-2",),
        azure_policy=("ee980b6d-0eca-4501-8d54-f6290fd512c3",),
        owasp_llm=("LLM08",),
        atlas=("AML.T0070",),
        prowler=("aisearch_service_not_publicly_accessible",),
        checkov=("CKV_AZURE_124",),
    ),
)
def search_public_network(svc: SearchService, ctx: RuleContext) -> Verdict:
    """AI Search holds the retrieval index of RAG applications: the grounding documents
    themselves. A public search endpoint with no IP rules lets anyone with a key query or
    poison that index from the internet. Decided by the exposure fact (facts/exposure.py):
    publicNetworkAccess absent means enabled (REST spec default, Microsoft.Search 2025-05-01
    search.json); IP rules restrict it unless one is /8 or broader public space; bypass
    AzureServices admits trusted Azure services only. `securedByPerimeter` (2025-05-01) hands
    access to a network security perimeter whose access rules are not collected: UNKNOWN."""
    return exposure_verdict(search_exposure(svc))


@rule(
    id="AIP-NET-005",
    title="Machine learning workspace / Foundry hub or project allows public network access",
    pillar=Pillar.NETWORK,
    severity=Severity.HIGH,
    target=MLWorkspace,
    remediation=Remediation(
        summary="Disable public network access on workspace <NAME> and use private endpoints "
        "(with a managed virtual network for its computes).",
        az_cli="az ml workspace update --name <NAME> --resource-group <RG> "
        "--subscription <SUB> --public-network-access Disabled",
        bicep="resource ws 'Microsoft.MachineLearningServices/workspaces@2024-10-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    publicNetworkAccess: 'Disabled'\n  }\n}",
        terraform='resource "azurerm_machine_learning_workspace" "this" {\n'
        '  name                          = "<NAME>"\n'
        '  resource_group_name           = "<RG>"\n'
        "  public_network_access_enabled = false\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Networking > Public access: Disabled > Save "
        "(add a private endpoint under 'Private endpoint connections' first).",
        policy=(
            PolicyFix(
                "438c38d2-3772-465a-a9cc-7a6666a275ce",
                "Deny",
                "Azure Machine Learning workspaces should disable public network access",
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-2",),
        azure_policy=("438c38d2-3772-465a-a9cc-7a6666a275ce",),
        owasp_llm=("LLM04",),
        atlas=("AML.T0020",),
        checkov=("CKV_AZURE_144",),
        psrule=("Azure.ML.PublicAccess",),
    ),
)
def workspace_public_network(ws: MLWorkspace, ctx: RuleContext) -> Verdict:
    """A public workspace exposes its studio, APIs, datastores and job submission to the
    internet; with its linked storage it is where training data and models live. Decided by
    the exposure fact (facts/exposure.py): publicNetworkAccess absent means Enabled
    (learn.microsoft.com/azure/machine-learning/how-to-configure-private-link; Azure Policy
    438c38d2 counts absent as enabled); `allowPublicAccessWhenBehindVnet: true` opens the
    workspace even behind private endpoints (REST spec default false, workspaceRP.json); a
    hub-based project has its hub's network, so it is judged by its hub (UNKNOWN when the hub
    is not in the snapshot)."""
    return exposure_verdict(workspace_exposure(ctx.inventory, ws))


def _openai_accounts(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return [a for a in inv.accounts.values() if a.is_openai_capable]


@rule(
    id="AIP-NET-003",
    title="AI services account does not restrict outbound network access",
    pillar=Pillar.NETWORK,
    severity=Severity.MEDIUM,
    target=CognitiveAccount,
    target_label="AI services account (kinds OpenAI, AIServices)",
    select=_openai_accounts,
    remediation=Remediation(
        summary="Turn on outbound restriction for <NAME> and list only the FQDNs it must reach "
        "(its own storage, search and key vault endpoints) in allowedFqdnList.",
        az_cli="az resource update --ids <ID> --set properties.restrictOutboundNetworkAccess=true "
        "'properties.allowedFqdnList=[\"{{FQDN}}\"]'",
        bicep="resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    restrictOutboundNetworkAccess: true\n"
        "    allowedFqdnList: [ '{{FQDN}}' ]\n  }\n}",
        terraform='resource "azurerm_cognitive_account" "this" {\n'
        '  name                               = "<NAME>"\n'
        '  resource_group_name                = "<RG>"\n'
        "  outbound_network_access_restricted = true\n"
        '  fqdns                              = ["{{FQDN}}"]\n'
        "  # ... other arguments unchanged\n}",
        portal="The portal does not expose this setting: use the az CLI, Bicep or Terraform "
        "form for <NAME>, listing the data sources its 'On your data' / agent features use.",
    ),
    references=Refs(
        mcsb=("DP-2", "NS-1"),
        owasp_llm=("LLM06", "LLM02"),
        other=("ALZ policy Enforce-GR-OpenAI (restrictOutboundNetworkAccess)",),
    ),
)
def account_outbound(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
    """Azure OpenAI can call out on its own (On Your Data connectors, assistants/agents tools,
    web grounding). Without outbound restriction a prompt-injected or misconfigured workload
    can send data to any URL. With `restrictOutboundNetworkAccess` true the service only
    reaches `allowedFqdnList`; true with an empty list blocks every data source, which the
    catalog counts as misconfigured rather than safe because users then turn it off again."""
    flag = account.restrict_outbound_network_access
    fqdns = list(account.allowed_fqdn_list)
    evidence = (
        ev("properties.restrictOutboundNetworkAccess", flag),
        ev("properties.allowedFqdnList", fqdns),
    )
    if flag is True and fqdns:
        return passed(f"outbound restricted to {len(fqdns)} FQDN(s)", *evidence)
    if flag is True:
        return failed("outbound restriction is on but allowedFqdnList is empty", *evidence)
    return failed(
        f"outbound network access is unrestricted (restrictOutboundNetworkAccess is "
        f"{'absent' if flag is None else flag})",
        *evidence,
    )


def _hubs_and_workspaces(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    # Hub-based projects inherit their hub's managed network; feature stores are not AI
    # endpoints. Default (kind absent) workspaces and hubs carry the setting.
    return [w for w in inv.workspaces.values() if w.kind.lower() in ("", "default", "hub")]


@rule(
    id="AIP-NET-006",
    title="ML workspace / Foundry hub does not limit outbound traffic to approved destinations",
    pillar=Pillar.NETWORK,
    severity=Severity.MEDIUM,
    target=MLWorkspace,
    target_label="ML workspace / Foundry hub",
    select=_hubs_and_workspaces,
    remediation=Remediation(
        summary="Put workspace <NAME> in a managed virtual network with isolation mode "
        "AllowOnlyApprovedOutbound and add outbound rules only for the sources it needs.",
        az_cli="az ml workspace update --name <NAME> --resource-group <RG> --subscription <SUB> "
        "--managed-network allow_only_approved_outbound",
        bicep="resource ws 'Microsoft.MachineLearningServices/workspaces@2024-10-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    managedNetwork: { isolationMode: 'AllowOnlyApprovedOutbound' }\n  }\n}",
        terraform='resource "azurerm_machine_learning_workspace" "this" {\n'
        '  name                = "<NAME>"\n'
        '  resource_group_name = "<RG>"\n'
        "  managed_network {\n"
        '    isolation_mode = "AllowOnlyApprovedOutbound"\n'
        "  }\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Networking > Workspace managed outbound "
        "access: 'Allow Only Approved Outbound' > add the required outbound rules > Save.",
        policy=(
            PolicyFix(
                "6ddb1705-c8cf-450e-aa4b-19ad6703c440",
                "Deny",
                "Azure Machine Learning and Ai Studio should use Allow Only Approved Outbound "
                "Managed Vnet mode (assign with isolationMode = AllowOnlyApprovedOutbound)",
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-1", "DP-2"),
        azure_policy=("6ddb1705-c8cf-450e-aa4b-19ad6703c440",),
        owasp_llm=("LLM02", "LLM03"),
        atlas=("AML.T0024",),
    ),
)
def workspace_managed_network(ws: MLWorkspace, ctx: RuleContext) -> Verdict:
    """Training jobs, notebooks and prompt flows run arbitrary code with the workspace's
    identity. With internet outbound allowed (or no managed network at all) that code can pull
    unvetted packages and models and push training data anywhere. AllowOnlyApprovedOutbound
    routes egress through a managed firewall with explicit rules. Absent = Disabled."""
    mode = ws.managed_network_isolation
    evidence = ev("properties.managedNetwork.isolationMode", mode)
    if (mode or "").lower() == "allowonlyapprovedoutbound":
        return passed("managed network allows only approved outbound traffic", evidence)
    return failed(
        f"managed network isolation mode is {mode or 'absent (Disabled)'}; outbound traffic "
        "is not limited to approved destinations",
        evidence,
    )


_MANAGED_MODES = ("allowinternetoutbound", "allowonlyapprovedoutbound")


def _workspace_isolation(inv: Inventory, ws: MLWorkspace) -> str | None:
    """The managed network mode that applies to a workspace (projects inherit the hub's)."""
    mode = ws.managed_network_isolation
    if ws.kind.lower() == "project" and ws.hub_id:
        hub = inv.workspaces.get(ws.hub_id)
        if hub is not None and hub.managed_network_isolation:
            mode = hub.managed_network_isolation
    return mode


@rule(
    id="AIP-NET-007",
    title="ML compute has a public IP or sits outside any virtual network",
    pillar=Pillar.NETWORK,
    severity=Severity.MEDIUM,
    target=MLCompute,
    requires=("computes",),  # the deciding properties are in the compute row
    remediation=Remediation(
        summary="Recreate compute <NAME> without a public IP, in the workspace's managed "
        "virtual network (or a subnet of your own virtual network).",
        az_cli="az ml compute create --name <NAME> --workspace-name <PARENT> "
        "--resource-group <RG> --subscription <SUB> --type <COMPUTE_TYPE> --size <VM_SIZE> "
        "--enable-node-public-ip false --vnet-name <VNET> --subnet <SUBNET_ID>",
        bicep="resource compute 'Microsoft.MachineLearningServices/workspaces/computes@2024-10-01'"
        " = {\n  name: '<PARENT>/<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    computeType: 'ComputeInstance'\n    properties: {\n"
        "      vmSize: vmSize\n      enableNodePublicIp: false\n"
        "      subnet: { id: subnetId }\n    }\n  }\n}",
        terraform='resource "azurerm_machine_learning_compute_instance" "this" {\n'
        '  name                          = "<NAME>"\n'
        '  machine_learning_workspace_id = "<PARENT_ID>"\n'
        "  virtual_machine_size          = var.vm_size\n"
        "  node_public_ip_enabled        = false\n"
        "  subnet_resource_id            = var.subnet_id\n}",
        portal="Azure ML studio > Compute > New: under Advanced settings pick 'Enable virtual "
        "network' (or rely on the workspace managed network) and turn 'No public IP' on; then "
        "delete <NAME>. Existing computes cannot be moved.",
        policy=(
            PolicyFix(
                "7804b5c7-01dc-4723-969b-ae300cc07ff1",
                "Audit",
                "Azure Machine Learning Computes should be in a virtual network",
            ),
        ),
        fills=("<COMPUTE_TYPE>", "<VM_SIZE>", "<VNET>", "<SUBNET_ID>"),
    ),
    references=Refs(
        mcsb=("NS-1", "NS-2"),
        azure_policy=("7804b5c7-01dc-4723-969b-ae300cc07ff1",),
        owasp_llm=("LLM03",),
        psrule=("Azure.ML.ComputeVnet",),
    ),
)
def compute_network(compute: MLCompute, ctx: RuleContext) -> Verdict:
    """A compute instance or cluster with a public IP is reachable (SSH, Jupyter agents)
    from the internet and egresses directly; outside any virtual network it cannot reach
    private data stores without opening them. `enableNodePublicIp` absent means true (Azure's
    default). A compute of a workspace with a managed network needs no subnet of its own.
    Attached computes (AKS, VMs, Databricks) are judged by their own resource's rules."""
    ctype = (compute.compute_type or "").lower()
    if ctype not in ("computeinstance", "amlcompute"):
        return not_applicable(f"compute type {compute.compute_type or 'unknown'} is attached")
    public_ip = compute.enable_node_public_ip
    evidence = [
        ev("properties.computeType", compute.compute_type),
        ev("properties.properties.enableNodePublicIp", public_ip),
        ev("properties.properties.subnet.id", compute.subnet_id),
    ]
    # For the fix: the same compute again, in its own subnet when it has one.
    subnet_id = compute.subnet_id
    vnet = subnet_id.split("/subnets/")[0].rsplit("/", 1)[-1] if subnet_id else None
    fill = {
        "<COMPUTE_TYPE>": compute.compute_type,
        "<VM_SIZE>": compute.vm_size,
        "<VNET>": vnet,
        "<SUBNET_ID>": subnet_id,
    }
    if public_ip is not False:
        return failed(
            "nodes get a public IP (enableNodePublicIp is "
            f"{'absent (true)' if public_ip is None else public_ip})",
            *evidence,
            fill=fill,
        )
    if compute.subnet_id:
        return passed("no public IP, in a customer virtual network subnet", *evidence)
    ws = ctx.inventory.workspaces.get(compute.workspace_key)
    if ws is None:
        return unknown(
            "compute has no subnet and its workspace is not in the snapshot, so whether a "
            "managed network applies is unknown",
            "resources",
            evidence=evidence,
        )
    mode = _workspace_isolation(ctx.inventory, ws)
    evidence.append(ev("workspace.properties.managedNetwork.isolationMode", mode))
    if (mode or "").lower() in _MANAGED_MODES:
        return passed(f"no public IP, in the workspace managed network ({mode})", *evidence)
    return failed(
        "compute has no subnet and the workspace has no managed network: it runs outside "
        "any virtual network",
        *evidence,
        fill=fill,
    )


def _ai_clusters(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return ai_clusters(inv)


@rule(
    id="AIP-NET-008",
    title="AKS cluster running AI workloads exposes its API server to any network",
    pillar=Pillar.NETWORK,
    severity=Severity.HIGH,
    target=AksCluster,
    target_label="AKS cluster (GPU node pool or tagged AI)",
    select=_ai_clusters,
    remediation=Remediation(
        summary="Make <NAME> a private cluster, or restrict its API server to your admin and "
        "CI address ranges with authorized IP ranges.",
        az_cli="az aks update --name <NAME> --resource-group <RG> --subscription <SUB> "
        "--api-server-authorized-ip-ranges {{CIDR}}",
        bicep="resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    apiServerAccessProfile: {\n      authorizedIPRanges: [ '{{CIDR}}' ]\n"
        "      // or: enablePrivateCluster: true (new clusters)\n    }\n  }\n}",
        terraform='resource "azurerm_kubernetes_cluster" "this" {\n'
        '  name                = "<NAME>"\n'
        '  resource_group_name = "<RG>"\n'
        "  api_server_access_profile {\n"
        '    authorized_ip_ranges = ["{{CIDR}}"]\n'
        "  }\n"
        "  # or: private_cluster_enabled = true\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Networking > Public access: 'Enable "
        "authorized IP ranges' and list your ranges > Save.",
        policy=(
            PolicyFix(
                "0e246bcf-5f6f-4f87-bc6f-775d4712c7ea",
                "Audit",
                "Authorized IP ranges should be defined on Kubernetes Services",
            ),
            PolicyFix(
                "040732e8-d947-40b8-95d6-854c95024bf8",
                "Deny",
                "Azure Kubernetes Service Private Clusters should be enabled",
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-2",),
        azure_policy=(
            "0e246bcf-5f6f-4f87-bc6f-775d4712c7ea",
            "040732e8-d947-40b8-95d6-854c95024bf8",
        ),
        owasp_llm=("LLM03", "LLM10"),
        prowler=("aks_clusters_public_access_disabled",),
        checkov=("CKV_AZURE_6", "CKV_AZURE_115"),
        psrule=("Azure.AKS.AuthorizedIPs",),
    ),
)
def aks_api_server(cluster: AksCluster, ctx: RuleContext) -> Verdict:
    """The Kubernetes API server of a GPU cluster controls model-serving pods, their secrets
    and their workload identities. Exposed to the whole internet it is one leaked kubeconfig
    or API vulnerability away from model theft and cryptomining on expensive GPUs. Decided by
    the exposure fact (facts/exposure.py): the API server is public unless the cluster is
    private, and open to any address until authorized IP ranges are set
    (learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges); a range of 0.0.0.0/0
    among them restricts nothing, whatever else is listed."""
    return exposure_verdict(aks_exposure(cluster))


@rule(
    id="AIP-NET-009",
    title="Storage account used by AI is reachable from all networks",
    pillar=Pillar.NETWORK,
    severity=Severity.HIGH,
    target=StorageAccount,
    target_label="storage account (AI-linked)",
    remediation=Remediation(
        summary="Set the firewall of storage account <NAME> to deny by default (allow only "
        "private endpoints, selected networks and trusted Azure services), or disable public "
        "network access.",
        az_cli="az storage account update --name <NAME> --resource-group <RG> "
        "--subscription <SUB> --default-action Deny --bypass AzureServices",
        bicep="resource st 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    publicNetworkAccess: 'Disabled'\n"
        "    networkAcls: { defaultAction: 'Deny', bypass: 'AzureServices' }\n  }\n}",
        terraform='resource "azurerm_storage_account" "this" {\n'
        '  name                          = "<NAME>"\n'
        '  resource_group_name           = "<RG>"\n'
        "  public_network_access_enabled = false\n"
        "  network_rules {\n"
        '    default_action = "Deny"\n'
        '    bypass         = ["AzureServices"]\n'
        "  }\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Security + networking > Networking > Public network "
        "access: 'Enabled from selected virtual networks and IP addresses' or 'Disabled' > Save.",
        policy=(
            PolicyFix(
                "34c877ad-507e-4c82-993e-3452a6e0ad3c",
                "Deny",
                "Storage accounts should restrict network access",
            ),
            PolicyFix(
                "b2982f36-99f2-4db5-8eff-283140c09693",
                "Deny",
                "Storage accounts should disable public network access",
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-2",),
        azure_policy=(
            "34c877ad-507e-4c82-993e-3452a6e0ad3c",
            "b2982f36-99f2-4db5-8eff-283140c09693",
        ),
        owasp_llm=("LLM04", "LLM02"),
        atlas=("AML.T0020",),
        checkov=("CKV_AZURE_35", "CKV_AZURE_59"),
        prowler=("storage_default_network_access_rule_is_denied",),
        psrule=("Azure.Storage.Firewall",),
    ),
)
def storage_public_network(st: StorageAccount, ctx: RuleContext) -> Verdict:
    """This account holds training data, grounding documents or model artifacts of an AI
    workload. Reachable from every network, a leaked key or SAS token or an over-broad role
    is enough to read or poison that data from anywhere. Decided by the exposure fact
    (facts/exposure.py): publicNetworkAccess absent means Enabled and networkAcls absent mean
    Allow ("By default, storage accounts accept connections from clients on any network":
    learn.microsoft.com/azure/storage/common/storage-network-security; storage.json
    NetworkRuleSet.defaultAction default Allow); SecuredByPerimeter is UNKNOWN."""
    return exposure_verdict(storage_exposure(st))


@rule(
    id="AIP-NET-010",
    title="Key vault used by AI is reachable from all networks",
    pillar=Pillar.NETWORK,
    severity=Severity.MEDIUM,
    target=KeyVault,
    target_label="key vault (AI-linked)",
    remediation=Remediation(
        summary="Set the firewall of key vault <NAME> to deny by default (private endpoint, "
        "selected networks, trusted Microsoft services), or disable public network access.",
        az_cli="az keyvault update --name <NAME> --resource-group <RG> --subscription <SUB> "
        "--default-action Deny --bypass AzureServices",
        bicep="resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    publicNetworkAccess: 'Disabled'\n"
        "    networkAcls: { defaultAction: 'Deny', bypass: 'AzureServices' }\n  }\n}",
        terraform='resource "azurerm_key_vault" "this" {\n'
        '  name                          = "<NAME>"\n'
        '  resource_group_name           = "<RG>"\n'
        "  public_network_access_enabled = false\n"
        "  network_acls {\n"
        '    default_action = "Deny"\n'
        '    bypass         = "AzureServices"\n'
        "  }\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Networking > Firewalls and virtual "
        "networks: 'Allow public access from specific virtual networks and IP addresses' or "
        "'Disable public access' > Apply.",
        policy=(
            PolicyFix(
                "55615ac9-af46-4a59-874e-391cc3dfb490",
                "Deny",
                "Azure Key Vault should have firewall enabled",
            ),
            PolicyFix(
                "405c5871-3e91-4644-8a63-58e19d68ff5b",
                "Deny",
                "Azure Key Vault should disable public network access",
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-2",),
        azure_policy=(
            "55615ac9-af46-4a59-874e-391cc3dfb490",
            "405c5871-3e91-4644-8a63-58e19d68ff5b",
        ),
        owasp_llm=("LLM02",),
        checkov=("CKV_AZURE_109",),
        psrule=("Azure.KeyVault.Firewall",),
    ),
)
def key_vault_public_network(kv: KeyVault, ctx: RuleContext) -> Verdict:
    """The vault of an AI workload holds its connection secrets, API keys and encryption
    keys. Open to every network, any stolen token with secret access works from anywhere.
    Decided by the exposure fact (facts/exposure.py): publicNetworkAccess absent means enabled
    (keyvault.json REST spec default) and networkAcls absent mean Allow
    (learn.microsoft.com/azure/key-vault/general/network-security)."""
    return exposure_verdict(key_vault_exposure(kv))


# ---- AIP-NET-011: subnets hosting AI compute or AI private endpoints -------------------------

_SENSITIVE_PORTS = {22: "SSH", 3389: "RDP", 443: "HTTPS API"}
_INTERNET_SOURCES = ("*", "internet", "0.0.0.0/0", "0.0.0.0", "any", "::/0")  # noqa: S104


def _ai_subnets(inv: Inventory) -> dict[str, str]:
    """subnet key -> why it hosts AI (first reason seen); computed once per inventory."""
    return inv.memo("net_ai_subnets", lambda: _find_ai_subnets(inv))


def _find_ai_subnets(inv: Inventory) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in inv.computes.values():
        if c.subnet_id:
            out.setdefault(c.subnet_id.lower(), f"ML compute {c.name}")
    for cluster in inv.aks_clusters.values():
        if inv.is_ai(cluster):
            for pool in cluster.agent_pools:
                if pool.vnet_subnet_id:
                    out.setdefault(
                        pool.vnet_subnet_id.lower(), f"AKS {cluster.name} pool {pool.name}"
                    )
    for pe in inv.private_endpoints.values():
        if not pe.subnet_id:
            continue
        for target in pe.target_ids:
            res = inv.resource(target)
            if res is not None and inv.is_ai(res):
                out.setdefault(pe.subnet_id.lower(), f"private endpoint of {res.name}")
    return out


def _subnet_targets(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    targets: list[Resource] = []
    for key in sorted(_ai_subnets(inv)):
        sn = inv.subnets.get(key)
        if sn is None:
            # Not in the snapshot: keep it as a target so the gap shows as UNKNOWN.
            parts = key.split("/")
            sub = parts[2] if len(parts) > 2 else ""
            rg = parts[4] if len(parts) > 4 else ""
            sn = Subnet(
                id=key,
                key=key,
                name=parts[-1],
                type="microsoft.network/virtualnetworks/subnets",
                subscription_id=sub,
                resource_group=rg,
                vnet_key=key.rsplit("/", 2)[0],
            )
        targets.append(sn)
    return targets


def _port_covers(spec: str, port: int) -> bool:
    spec = spec.strip()
    if spec == "*":
        return True
    if "-" in spec:
        lo, _, hi = spec.partition("-")
        return lo.strip().isdigit() and hi.strip().isdigit() and int(lo) <= port <= int(hi)
    return spec.isdigit() and int(spec) == port


def _rule_applies(r: SecurityRule, port: int) -> bool:
    if r.direction != "inbound":
        return False
    if (r.protocol or "*").lower() not in ("*", "tcp"):
        return False
    if not any(s.strip().lower() in _INTERNET_SOURCES for s in r.source_prefixes):
        return False
    return any(_port_covers(p, port) for p in r.destination_ports)


def _open_from_internet(nsg: NetworkSecurityGroup) -> list[tuple[str, int, str]]:
    """(rule name, port, label) for sensitive ports the first matching rule allows from the
    internet (rules evaluated by priority, as Azure does; the implicit DenyAllInBound ends)."""
    ordered = sorted(nsg.rules, key=lambda r: r.priority if r.priority is not None else 65500)
    found = []
    for port, label in _SENSITIVE_PORTS.items():
        for r in ordered:
            if _rule_applies(r, port):
                if r.access == "allow":
                    found.append((r.name, port, label))
                break
    return found


@rule(
    id="AIP-NET-011",
    title="Subnet hosting AI compute or AI private endpoints is not segmented by an NSG",
    pillar=Pillar.NETWORK,
    severity=Severity.MEDIUM,
    target=Subnet,
    target_label="subnet of ML computes, AI AKS node pools or AI private endpoints",
    select=_subnet_targets,
    remediation=Remediation(
        summary="Associate a network security group with subnet <NAME> and remove inbound "
        "rules that allow SSH, RDP or HTTPS from Internet / * / 0.0.0.0/0 (use Bastion or a "
        "VPN for administration).",
        az_cli="az network vnet subnet update --ids <ID> --network-security-group <NSG_ID>\n"
        "az network nsg rule delete --resource-group <NSG_RG> --nsg-name <NSG> --name <RULE>",
        bicep="resource nsg 'Microsoft.Network/networkSecurityGroups@2023-11-01' = {\n"
        "  name: 'nsg-<NAME>'\n  location: '<LOCATION>'\n"
        "  properties: { securityRules: [] } // no inbound allow from Internet\n}\n"
        "// in the virtual network's subnet '<NAME>':\n"
        "properties: { networkSecurityGroup: { id: nsg.id } }",
        terraform='resource "azurerm_network_security_group" "this" {\n'
        '  name                = "nsg-<NAME>"\n'
        '  location            = "<LOCATION>"\n'
        '  resource_group_name = "<RG>"\n}\n\n'
        'resource "azurerm_subnet_network_security_group_association" "this" {\n'
        '  subnet_id                 = "<ID>"\n'
        "  network_security_group_id = azurerm_network_security_group.this.id\n}",
        portal="Azure portal > the virtual network > Subnets > <NAME> > Network security "
        "group: select one > Save; then in the NSG > Inbound security rules delete rules with "
        "source Any/Internet on ports 22, 3389 or 443.",
        policy=(
            PolicyFix(
                "e71308d3-144b-4262-b144-efdc3cc90517",
                "AuditIfNotExists",
                "Subnets should be associated with a Network Security Group",
            ),
        ),
        fills=("<NSG_ID>", "<NSG_RG>", "<NSG>", "<RULE>"),
    ),
    references=Refs(
        mcsb=("NS-1",),
        azure_policy=("e71308d3-144b-4262-b144-efdc3cc90517",),
        owasp_llm=("LLM10",),
        prowler=(
            "network_ssh_internet_access_restricted",
            "network_rdp_internet_access_restricted",
            "network_http_internet_access_restricted",
        ),
        other=("Zero Trust network segmentation",),
    ),
)
def ai_subnet_segmentation(subnet: Subnet, ctx: RuleContext) -> Verdict:
    """Subnets where training computes, GPU node pools or the private endpoints of AI
    services live are the private side of the AI estate. Without an NSG, or with one that lets
    the internet reach SSH, RDP or the HTTPS API port, the private endpoint or VNet injection
    no longer isolates anything. Rules are evaluated by priority: an earlier deny wins."""
    inv = ctx.inventory
    why = _ai_subnets(inv).get(subnet.key, "AI")
    if subnet.key not in inv.subnets:
        return unknown(
            f"subnet (used by {why}) is not in the snapshot: its virtual network was not collected",
            "resources",
        )
    evidence = [ev("hosts", why), ev("properties.networkSecurityGroup.id", subnet.nsg_id)]
    if not subnet.nsg_id:
        return failed(
            f"no network security group on the subnet (used by {why})",
            *evidence,
            # Attach an NSG (the user's choice of one); no rule to delete.
            fill={"<NSG_RG>": (), "<NSG>": (), "<RULE>": ()},
        )
    nsg = inv.nsgs.get(subnet.nsg_id)
    if nsg is None:
        return unknown(
            "the subnet's network security group is not in the snapshot",
            "resources",
            evidence=evidence,
        )
    open_rules = _open_from_internet(nsg)
    evidence.append(ev("securityRules(open from internet)", [f"{n}:{p}" for n, p, _ in open_rules]))
    if open_rules:
        what = ", ".join(f"{label} ({port}) via rule {name}" for name, port, label in open_rules)
        return failed(
            f"NSG {nsg.name} allows inbound from the internet to {what}",
            *evidence,
            # The NSG is attached; delete its open rules.
            fill={
                "<NSG_ID>": (),
                "<NSG_RG>": nsg.resource_group or None,
                "<NSG>": nsg.name,
                "<RULE>": list(dict.fromkeys(name for name, _, _ in open_rules)),
            },
        )
    return passed(f"NSG {nsg.name} blocks SSH, RDP and HTTPS from the internet", *evidence)


ML_PRIVATE_LINK = "45e05259-1eb5-4f70-9574-baf73e9d219b"
ML_PRIVATE_ENDPOINT_DINE = "7838fd83-5cbb-4b5d-888c-bfa240972597"
SEARCH_PRIVATE_ENDPOINT_DINE = "b698b005-b660-4837-b833-a7aaab26ddba"
SEARCH_PRIVATE_LINK_SKU = "a049bf77-880b-470f-ba6d-9f21c530cf83"
_PE_GROUP = {
    "microsoft.machinelearningservices/workspaces": "amlworkspace",
    "microsoft.search/searchservices": "searchService",
}


def _private_link_targets(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    # A hub-based project is reached through its hub's private endpoint.
    workspaces = [w for w in inv.workspaces.values() if w.kind.lower() != "project"]
    return [*workspaces, *inv.search_services.values()]


@rule(
    id="AIP-NET-012",
    title="ML workspace / Foundry hub or AI Search service has no approved private endpoint",
    pillar=Pillar.NETWORK,
    severity=Severity.MEDIUM,
    target=Resource,
    target_label="ML workspace / Foundry hub, AI Search service",
    select=_private_link_targets,
    remediation=Remediation(
        summary="Create a private endpoint for <NAME> (group <GROUP_ID>) in the workload "
        "subnet, with a private DNS zone group, then disable public network access (AIP-NET-004 "
        "/ AIP-NET-005). AI Search needs the Basic SKU or higher for private link.",
        az_cli="az network private-endpoint create --name pe-<NAME> --resource-group <RG> "
        "--subscription <SUB> --location <LOCATION> --subnet {{SUBNET_ID}} "
        "--private-connection-resource-id <ID> --group-id <GROUP_ID> "
        "--connection-name pe-<NAME>",
        bicep="resource pe 'Microsoft.Network/privateEndpoints@2024-05-01' = {\n"
        "  name: 'pe-<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    subnet: { id: '{{SUBNET_ID}}' }\n"
        "    privateLinkServiceConnections: [ {\n      name: 'pe-<NAME>'\n"
        "      properties: { privateLinkServiceId: '<ID>', groupIds: [ '<GROUP_ID>' ] }\n"
        "    } ]\n  }\n}",
        terraform='resource "azurerm_private_endpoint" "this" {\n'
        '  name                = "pe-<NAME>"\n'
        '  location            = "<LOCATION>"\n'
        '  resource_group_name = "<RG>"\n'
        '  subnet_id           = "{{SUBNET_ID}}"\n'
        "  private_service_connection {\n"
        '    name                           = "pe-<NAME>"\n'
        '    private_connection_resource_id = "<ID>"\n'
        '    subresource_names              = ["<GROUP_ID>"]\n'
        "    is_manual_connection           = false\n  }\n}",
        portal="Azure portal > <NAME> > Networking > Private endpoint connections > + Private "
        "endpoint: target sub-resource <GROUP_ID>, the workload virtual network and subnet, "
        "Integrate with private DNS zone: Yes > Create.",
        policy=(
            PolicyFix(
                ML_PRIVATE_LINK,
                "Audit",
                "Azure Machine Learning workspaces should use private link",
            ),
            PolicyFix(
                SEARCH_PRIVATE_ENDPOINT_DINE,
                "DeployIfNotExists",
                "Configure Azure Cognitive Search services with private endpoints",
            ),
            PolicyFix(
                SEARCH_PRIVATE_LINK_SKU,
                "Deny",
                "Azure AI Search service should use a SKU that supports private link",
            ),
        ),
        fills=("<GROUP_ID>",),
    ),
    references=Refs(
        mcsb=("NS-2",),
        azure_policy=(
            ML_PRIVATE_LINK,
            ML_PRIVATE_ENDPOINT_DINE,
            SEARCH_PRIVATE_ENDPOINT_DINE,
            SEARCH_PRIVATE_LINK_SKU,
        ),
    ),
)
def private_link(res: Resource, ctx: RuleContext) -> Verdict:
    """Without a private endpoint, studio users, SDK clients and RAG applications reach the
    workspace or the search index over its public endpoint, so public access cannot be
    turned off without breaking them; the workspace's training data and the index's
    grounding documents travel the public network. As for AI services accounts (AIP-NET-002),
    a resource whose public network access is already off PASSes: no traffic uses the public
    endpoint. The Free tier of AI Search cannot have a private endpoint at all (policy
    a049bf77 denies that SKU)."""
    conns: tuple[PrivateEndpointConnection, ...] = ()
    if isinstance(res, (MLWorkspace, SearchService)):
        conns = res.private_endpoint_connections
    statuses = [c.status for c in conns]
    evidence = [
        ev(
            "properties.privateEndpointConnections[].privateLinkServiceConnectionState.status",
            statuses,
        )
    ]
    fill = {"<GROUP_ID>": _PE_GROUP.get(res.type, "{{GROUP_ID}}")}
    if any((s or "").lower() == "approved" for s in statuses):
        return passed("has an approved private endpoint connection", *evidence)
    if isinstance(res, SearchService) and res.sku.lower() == "free":
        evidence.append(ev("sku.name", res.sku))
        return failed(
            "Free-tier search service: private link is not available on this SKU",
            *evidence,
            fill=fill,
        )
    pna = res.public_network_access if isinstance(res, (MLWorkspace, SearchService)) else None
    evidence.append(ev("properties.publicNetworkAccess", pna))
    if public_access_disabled(pna):
        return passed(
            "no approved private endpoint, but public network access is disabled: no traffic "
            "uses the public endpoint",
            *evidence,
        )
    if statuses:
        return failed(
            f"private endpoint connections exist but none is Approved ({statuses})",
            *evidence,
            fill=fill,
        )
    return failed("no private endpoint connection", *evidence, fill=fill)


def _ai_private_endpoints(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return [pe for pe in inv.private_endpoints.values() if is_ai_endpoint(pe)]


# The privatelink zone each AI target resolves through (Microsoft's "Azure Private Endpoint
# DNS zone values": AI + Machine Learning, Web). Accounts of kind OpenAI use the openai zone;
# AIServices accounts need the cognitiveservices, openai and services.ai zones.
_PRIVATE_ZONE = {
    "microsoft.cognitiveservices/accounts": "privatelink.cognitiveservices.azure.com",
    "microsoft.machinelearningservices/workspaces": "privatelink.api.azureml.ms",
    "microsoft.search/searchservices": "privatelink.search.windows.net",
}
COGNITIVE_DNS_DINE = AI_LINK_TYPES["microsoft.cognitiveservices/accounts"]
ML_DNS_DINE = AI_LINK_TYPES["microsoft.machinelearningservices/workspaces"]
SEARCH_DNS_DINE = AI_LINK_TYPES["microsoft.search/searchservices"]


def _zone_name(inv: Inventory, target: str) -> str:
    res = inv.resource(target)
    if res is not None and res.kind.lower() == "openai":
        return "privatelink.openai.azure.com"
    return _PRIVATE_ZONE.get(link_type(target) or "", "{{ZONE_NAME}}")


@rule(
    id="AIP-NET-019",
    title="Private endpoint of an AI resource has no private DNS zone group",
    pillar=Pillar.NETWORK,
    severity=Severity.MEDIUM,
    target=PrivateEndpoint,
    target_label="private endpoint of an AI services account, ML workspace or AI Search service",
    select=_ai_private_endpoints,
    requires=("privateDnsZoneGroups",),
    remediation=Remediation(
        summary="Add a private DNS zone group to private endpoint <NAME> naming the "
        "<ZONE_NAME> zone linked to the client virtual networks (ML workspaces also "
        "privatelink.notebooks.azure.net; AIServices accounts also privatelink.openai.azure.com "
        "and privatelink.services.ai.azure.com), so Azure keeps the endpoint's A records, and "
        "remove hand-made records for it.",
        az_cli="az network private-endpoint dns-zone-group create --endpoint-name <NAME> "
        "--resource-group <RG> --subscription <SUB> --name default "
        "--zone-name <ZONE_NAME> --private-dns-zone {{PRIVATE_DNS_ZONE_ID}}",
        bicep="resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups"
        "@2024-05-01' = {\n  name: '<NAME>/default'\n  properties: {\n"
        "    privateDnsZoneConfigs: [\n      {\n        name: 'default'  // zone <ZONE_NAME>\n"
        "        properties: { privateDnsZoneId: '{{PRIVATE_DNS_ZONE_ID}}' }\n      }\n"
        "    ]\n  }\n}",
        terraform='resource "azurerm_private_endpoint" "this" {\n'
        '  name = "<NAME>"\n'
        "  private_dns_zone_group {\n"
        '    name                 = "default"\n'
        '    private_dns_zone_ids = ["{{PRIVATE_DNS_ZONE_ID}}"]\n  }\n'
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > Private endpoints > <NAME> > Settings > DNS configuration > "
        "+ Add configuration: private DNS zone <ZONE_NAME> > Add.",
        policy=(
            PolicyFix(
                COGNITIVE_DNS_DINE,
                "DeployIfNotExists",
                "Configure Cognitive Services accounts to use private DNS zones",
            ),
            PolicyFix(
                ML_DNS_DINE,
                "DeployIfNotExists",
                "Configure Azure Machine Learning workspace to use private DNS zones",
            ),
            PolicyFix(
                SEARCH_DNS_DINE,
                "DeployIfNotExists",
                "Configure Azure Cognitive Search services to use private DNS zones",
            ),
        ),
        fills=("<ZONE_NAME>",),
    ),
    references=Refs(
        mcsb=("NS-2",),
        azure_policy=(COGNITIVE_DNS_DINE, ML_DNS_DINE, SEARCH_DNS_DINE),
    ),
)
def private_dns_zone_group(pe: PrivateEndpoint, ctx: RuleContext) -> Verdict:
    """Clients reach an AI resource by its public name; the name resolves to the private
    endpoint's IP only through a privatelink DNS zone. Without a zone group nothing keeps
    that record: name resolution depends on hand-made records (which go stale when the
    endpoint is re-created or its IP changes) or breaks, and clients quietly fall back to
    the public endpoint when public access is on, or fail when it is off. The zone group
    makes Azure create and remove the A records with the endpoint. Endpoints whose
    connection is not (yet) Approved carry no traffic and are not judged. Policies
    c4bc6f10, ee40564d and fbc14a67 deploy the zone group (DeployIfNotExists)."""
    inv = ctx.inventory
    states = ai_target_states(inv, pe)
    approved = approved_ai_targets(states)
    if not approved:
        seen = [s for _, s in states]
        if None in seen:
            return unknown(
                "the state of the endpoint's connection to the AI resource is not in the data",
                "resources",
                evidence=[
                    ev(
                        "privateLinkServiceConnections[].privateLinkServiceConnectionState.status",
                        seen,
                    )
                ],
            )
        return not_applicable(f"no Approved connection to an AI resource ({seen})")
    return verdict_from_fact(
        has_dns_zone_group(inv, pe),
        before=[ev("privateLinkServiceConnections[].privateLinkServiceId", list(approved))],
        fill={"<ZONE_NAME>": _zone_name(inv, approved[0])},
    )
