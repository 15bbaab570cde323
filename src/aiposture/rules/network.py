"""NET: network isolation of AI endpoints and what they reach."""

from __future__ import annotations

from aiposture.model.entities import CognitiveAccount, MLWorkspace, SearchService
from aiposture.model.types import Pillar, Severity
from aiposture.rules.common import is_deny, is_disabled
from aiposture.rules.registry import rule
from aiposture.rules.types import (
    PolicyFix,
    Refs,
    Remediation,
    RuleContext,
    Verdict,
    ev,
    failed,
    passed,
)


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
    the account's managed identity becomes one request away from the internet. Public access
    absent means Enabled; network ACLs absent mean Allow."""
    pna = account.public_network_access
    default_action = account.network_acls.default_action if account.network_acls else None
    evidence = (
        ev("properties.publicNetworkAccess", pna),
        ev("properties.networkAcls.defaultAction", default_action),
    )
    if is_disabled(pna):
        return passed("public network access is disabled", *evidence)
    if is_deny(default_action):
        return passed("public access is limited by network ACLs (default action Deny)", *evidence)
    return failed(
        "reachable from any network: publicNetworkAccess is "
        f"{pna or 'absent (Enabled)'} and networkAcls.defaultAction is "
        f"{default_action or 'absent (Allow)'}",
        *evidence,
    )


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
        "--vnet-name <VNET> --subnet <SUBNET> --group-id account "
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
        psrule=("Azure.Cognitive.PrivateEndpoints",),
    ),
)
def account_private_endpoint(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
    """Without a private endpoint, clients reach the account over its public endpoint, so
    public access cannot be turned off without breaking them. A private endpoint keeps model
    traffic (prompts, grounding data, completions) on the private network."""
    statuses = [c.status for c in account.private_endpoint_connections]
    evidence = ev(
        "properties.privateEndpointConnections[].privateLinkServiceConnectionState.status", statuses
    )
    if any((s or "").lower() == "approved" for s in statuses):
        return passed("has an approved private endpoint connection", evidence)
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
                "Azure AI Search services should disable public network access",
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
    poison that index from the internet."""
    pna = svc.public_network_access
    evidence = (
        ev("properties.publicNetworkAccess", pna),
        ev("properties.networkRuleSet.ipRules", list(svc.ip_rules)),
    )
    if is_disabled(pna):
        return passed("public network access is disabled", *evidence)
    if svc.ip_rules:
        return passed(f"public access restricted to {len(svc.ip_rules)} IP rule(s)", *evidence)
    return failed(
        f"publicNetworkAccess is {pna or 'absent (enabled)'} and there are no IP rules",
        *evidence,
    )


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
                "Azure Machine Learning Workspaces should disable public network access",
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
    internet; with its linked storage it is where training data and models live. Public
    network access absent means Enabled."""
    pna = ws.public_network_access
    evidence = ev("properties.publicNetworkAccess", pna)
    if is_disabled(pna):
        return passed("public network access is disabled", evidence)
    return failed(f"publicNetworkAccess is {pna or 'absent (Enabled)'}", evidence)
