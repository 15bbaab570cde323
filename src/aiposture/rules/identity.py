"""IDN: identities and keys of AI workloads."""

from __future__ import annotations

from collections.abc import Iterable

from aiposture.config import Settings
from aiposture.model.entities import CognitiveAccount, Resource, SearchService
from aiposture.model.inventory import Inventory
from aiposture.model.types import Pillar, Severity
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
    id="AIP-IDN-001",
    title="AI services account accepts API keys (local authentication enabled)",
    pillar=Pillar.IDENTITY,
    severity=Severity.HIGH,
    target=CognitiveAccount,
    remediation=Remediation(
        summary="Disable key-based (local) authentication on <NAME>; give callers an Entra ID "
        "identity with 'Cognitive Services OpenAI User' (or the narrowest data role) instead.",
        az_cli="az resource update --ids <ID> --set properties.disableLocalAuth=true",
        bicep="resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    disableLocalAuth: true\n  }\n}",
        terraform='resource "azurerm_cognitive_account" "this" {\n'
        '  name                = "<NAME>"\n'
        '  resource_group_name = "<RG>"\n'
        "  local_auth_enabled  = false\n"
        "  # ... other arguments unchanged\n}",
        portal="The portal has no switch for this: use the az CLI or template form. First move "
        "every client of <NAME> to Entra ID (DefaultAzureCredential / managed identity).",
        policy=(
            PolicyFix(
                "71ef260a-8f18-47b7-abcb-62d0673d94dc",
                "Deny",
                "Azure AI Services resources should have key access disabled",
            ),
            PolicyFix(
                "14de9e63-1b31-492e-a5a3-c3f7fd57f555",
                "Modify",
                "Configure Azure AI Services resources to disable local key access",
            ),
        ),
    ),
    references=Refs(
        mcsb=("IM-1",),
        azure_policy=("71ef260a-8f18-47b7-abcb-62d0673d94dc",),
        owasp_llm=("LLM02", "LLM10"),
        atlas=("AML.T0024", "AML.T0034"),
        prowler=("aiservices_account_local_auth_disabled",),
        checkov=("CKV_AZURE_236",),
        psrule=("Azure.AI.DisableLocalAuth",),
    ),
)
def account_local_auth(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
    """API keys are bearer secrets with full data-plane access, no identity, no Conditional
    Access and no per-caller audit trail; they leak through code, notebooks and logs. With
    keys disabled every call needs an Entra ID token that RBAC can scope. `disableLocalAuth`
    absent means keys are allowed."""
    value = account.disable_local_auth
    evidence = ev("properties.disableLocalAuth", value)
    if value is True:
        return passed("key-based authentication is disabled", evidence)
    return failed(
        f"API keys are accepted (disableLocalAuth is {'absent' if value is None else value})",
        evidence,
    )


@rule(
    id="AIP-IDN-002",
    title="AI Search service accepts API keys (local authentication enabled)",
    pillar=Pillar.IDENTITY,
    severity=Severity.MEDIUM,
    target=SearchService,
    remediation=Remediation(
        summary="Disable API-key authentication on search service <NAME> and use Entra ID "
        "roles (Search Index Data Reader / Contributor) for the applications that query it.",
        az_cli="az search service update --name <NAME> --resource-group <RG> "
        "--subscription <SUB> --disable-local-auth true",
        bicep="resource search 'Microsoft.Search/searchServices@2023-11-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    disableLocalAuth: true\n  }\n}",
        terraform='resource "azurerm_search_service" "this" {\n'
        '  name                = "<NAME>"\n'
        '  resource_group_name = "<RG>"\n'
        "  local_authentication_enabled = false\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Keys > API access control: "
        "'Role-based access control' > Save.",
        policy=(
            PolicyFix(
                "6300012e-e9a4-4649-b41f-a85f5c43be91",
                "Deny",
                "Azure AI Search services should have local authentication methods disabled",
            ),
        ),
    ),
    references=Refs(
        mcsb=("IM-1",),
        azure_policy=("6300012e-e9a4-4649-b41f-a85f5c43be91",),
        owasp_llm=("LLM08",),
        atlas=("AML.T0070",),
        checkov=("CKV_AZURE_209",),
    ),
)
def search_local_auth(svc: SearchService, ctx: RuleContext) -> Verdict:
    """An admin key of a search service can read, rewrite or delete every index: the RAG
    grounding data a model trusts. Keys carry no identity, so poisoning through a leaked key
    leaves no attributable trail."""
    value = svc.disable_local_auth
    evidence = ev("properties.disableLocalAuth", value)
    if value is True:
        return passed("API-key authentication is disabled", evidence)
    return failed(
        f"API keys are accepted (disableLocalAuth is {'absent' if value is None else value})",
        evidence,
    )


def _identity_targets(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return [*inv.accounts.values(), *inv.search_services.values(), *inv.workspaces.values()]


@rule(
    id="AIP-IDN-004",
    title="AI resource has no managed identity",
    pillar=Pillar.IDENTITY,
    severity=Severity.LOW,
    target=Resource,
    target_label="AI services account, AI Search service, ML workspace",
    select=_identity_targets,
    remediation=Remediation(
        summary="Enable a system-assigned (or user-assigned) managed identity on <NAME> so it "
        "reaches storage, key vaults and other services with Entra ID instead of stored keys.",
        az_cli="az resource update --ids <ID> --set identity.type=SystemAssigned",
        bicep="// in the resource declaration of '<NAME>' (accounts, searchServices or "
        "workspaces):\nidentity: {\n  type: 'SystemAssigned'\n}",
        terraform='# in the resource block of <NAME>:\nidentity {\n  type = "SystemAssigned"\n}',
        portal="Azure portal > <NAME> > Identity (Resource Management or Settings) > "
        "System assigned > Status: On > Save.",
        policy=(
            PolicyFix(
                "fe3fd216-4f83-4fc1-8984-2bbec80a3418",
                "Audit",
                "Cognitive Services accounts should use a managed identity",
            ),
        ),
    ),
    references=Refs(
        mcsb=("IM-3",),
        azure_policy=("fe3fd216-4f83-4fc1-8984-2bbec80a3418",),
        checkov=("CKV_AZURE_238",),
    ),
)
def managed_identity(res: Resource, ctx: RuleContext) -> Verdict:
    """Without a managed identity an AI service can only reach its data stores, vaults and
    registries with keys or connection strings stored somewhere, which are long-lived, shared
    and invisible to RBAC reviews."""
    ident = res.identity
    evidence = ev("identity.type", ident.type or None)
    if ident.is_managed:
        return passed(f"managed identity: {ident.type or 'present'}", evidence)
    return failed("no managed identity (identity.type absent or None)", evidence)
