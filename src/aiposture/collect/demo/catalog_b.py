"""Demo part catalog_b: model risk, governance and monitoring (MDL, GOV, MON rules).

Adds the Azure Policy estate (an ALZ OpenAI guardrail initiative, an approved-models policy,
Allowed locations, one assignment left in DoNotEnforce, exemptions with and without expiry,
policy states), Defender and logging settings, an API Management gateway in front of the corp
model, and a few deliberate mistakes. docs/demo-tenant.md ("Part catalog_b") lists them.
"""

from __future__ import annotations

from typing import Any

from aiposture.collect.demo.builder import guid
from aiposture.collect.demo.contoso import LOC, LOC2, Contoso

MG = "/providers/Microsoft.Management/managementGroups"
AUTH = "providers/Microsoft.Authorization"
ALLOWED = ["swedencentral", "westeurope"]


def _assign(
    c: Contoso,
    scope: str,
    name: str,
    definition_id: str,
    display: str,
    *,
    enforcement: str = "Default",
    parameters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return c.b.add(
        {
            "id": f"{scope}/{AUTH}/policyAssignments/{name}",
            "name": name,
            "type": "Microsoft.Authorization/policyAssignments",
            "location": LOC2,
            "properties": {
                "displayName": display,
                "policyDefinitionId": definition_id,
                "scope": scope,
                "notScopes": [],
                "enforcementMode": enforcement,
                "parameters": {k: {"value": v} for k, v in (parameters or {}).items()},
            },
        }
    )


def _builtin(guid_: str) -> str:
    return f"/{AUTH}/policyDefinitions/{guid_}"


def _exempt(
    c: Contoso, scope: str, name: str, assignment_id: str, expires: str | None
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "policyAssignmentId": assignment_id,
        "exemptionCategory": "Waiver",
        "displayName": name,
    }
    if expires:
        props["expiresOn"] = expires
    return c.b.add(
        {
            "id": f"{scope}/{AUTH}/policyExemptions/{name}",
            "name": name,
            "type": "Microsoft.Authorization/policyExemptions",
            "properties": props,
        }
    )


def _state(c: Contoso, resource: dict[str, Any], assignment: dict[str, Any], state: str) -> None:
    # Policy states come from the PolicyInsights API / ARG policyresources; the id is synthetic.
    name = guid("policystate", resource["id"], assignment["id"])
    c.b.add(
        {
            "id": f"{resource['id']}/providers/Microsoft.PolicyInsights/policyStates/{name}",
            "name": name,
            "type": "Microsoft.PolicyInsights/policyStates",
            "properties": {
                "complianceState": state,
                "resourceId": resource["id"],
                "policyAssignmentId": assignment["id"],
                "policyDefinitionId": assignment["properties"]["policyDefinitionId"],
                "timestamp": "2026-11-01T06:00:00Z",
            },
        }
    )


# Members of ALZ Enforce-Guardrails-OpenAI (Azure/Enterprise-Scale, v1.2.0) that the rules read,
# with the initiative parameter feeding each effect and its default.
_ALZ_OPENAI = (
    ("71ef260a-8f18-47b7-abcb-62d0673d94dc", "cognitiveServicesDisableLocalAuth", "Deny"),
    ("14de9e63-1b31-492e-a5a3-c3f7fd57f555", "cognitiveServicesModifyDisableLocalAuth", "Modify"),
    ("037eea7a-bd0a-46c5-9a66-03aea78705d3", "azureAiNetworkAccess", "Deny"),
    ("d6759c02-b87f-42b7-892e-71b3f471d782", "azureAiPrivateLink", "Audit"),
    ("1b4d1c4e-934c-4703-944c-27c82c06bebb", "azureAiDiagSettings", "AuditIfNotExists"),
)


def _alz_openai_definition(c: Contoso) -> None:
    """The custom initiative as deployed by ALZ at the Contoso management group."""
    c.b.add(
        {
            "id": f"{MG}/contoso/{AUTH}/policySetDefinitions/Enforce-Guardrails-OpenAI",
            "name": "Enforce-Guardrails-OpenAI",
            "type": "Microsoft.Authorization/policySetDefinitions",
            "properties": {
                "policyType": "Custom",
                "displayName": "Enforce recommended guardrails for Open AI (Cognitive Service)",
                "parameters": {
                    param: {"type": "String", "defaultValue": default}
                    for _, param, default in _ALZ_OPENAI
                },
                "policyDefinitions": [
                    {
                        "policyDefinitionId": f"/{AUTH}/policyDefinitions/{guid_}",
                        "policyDefinitionReferenceId": param,
                        "parameters": {"effect": {"value": f"[parameters('{param}')]"}},
                    }
                    for guid_, param, _ in _ALZ_OPENAI
                ],
            },
        }
    )


def build(c: Contoso) -> None:
    b = c.b
    corp = c.sub_scope("corp")

    # ---- Azure Policy --------------------------------------------------------------------
    lz = f"{MG}/contoso-landingzones"
    _alz_openai_definition(c)
    alz_openai = _assign(
        c,
        lz,
        "enforce-gr-openai",
        f"{MG}/contoso/{AUTH}/policySetDefinitions/Enforce-Guardrails-OpenAI",
        "Enforce recommended guardrails for Open AI (Cognitive Service)",
    )
    # Wrong on purpose: a permanent waiver for the chatbot's resource group.
    _exempt(c, c.rgs["online"], "chatbot-launch-waiver", alz_openai["id"], None)
    _assign(
        c,
        lz,
        "allowed-locations",
        _builtin("e56962a6-4747-49cd-b67b-bf8b01975c4c"),
        "Allowed locations",
        parameters={"listOfAllowedLocations": ALLOWED},
    )
    # Wrong on purpose: the sandbox copy was never switched to enforce.
    _assign(
        c,
        f"{MG}/contoso-sandbox",
        "sandbox-allowed-locations",
        _builtin("e56962a6-4747-49cd-b67b-bf8b01975c4c"),
        "Allowed locations (sandbox)",
        enforcement="DoNotEnforce",
        parameters={"listOfAllowedLocations": ALLOWED},
    )
    for name, def_guid, display in (
        (
            "deny-ml-public",
            "438c38d2-3772-465a-a9cc-7a6666a275ce",
            "Azure Machine Learning Workspaces should disable public network access",
        ),
        (
            "deny-search-public",
            "ee980b6d-0eca-4501-8d54-f6290fd512c3",
            "Azure AI Search services should disable public network access",
        ),
        (
            "deny-search-keys",
            "6300012e-e9a4-4649-b41f-a85f5c43be91",
            "Azure AI Search services should have local authentication methods disabled",
        ),
        (
            "deny-ml-compute-keys",
            "e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f",
            "Azure Machine Learning Computes should have local authentication methods disabled",
        ),
        (
            "audit-search-logs",
            "b4330a05-a843-4bc8-bf9a-cacce50c67f4",
            "Resource logs in Search services should be enabled",
        ),
        (
            "audit-ml-logs",
            "afe0c3be-ba3b-4544-ba52-0c99672a8ad6",
            "Resource logs in Azure Machine Learning Workspaces should be enabled",
        ),
    ):
        a = _assign(c, corp, name, _builtin(def_guid), display)
        if name == "deny-search-public":
            # An exemption that has expired no longer exempts anything.
            _exempt(
                c, c.res["corp_search"]["id"], "search-migration", a["id"], "2026-01-31T00:00:00Z"
            )
    approved = _assign(
        c,
        corp,
        "approved-models",
        _builtin("aafe3651-cb78-4f68-9f81-e7e41509110f"),
        "Cognitive Services Deployments should only use approved Registry Models",
        parameters={
            "effect": "Audit",
            "allowedPublishers": [],
            "allowedAssetIds": [
                "azureml://registries/azure-openai/models/gpt-4o/versions/2024-11-20"
            ],
        },
    )
    _state(c, c.res["corp_oai"], alz_openai, "Compliant")
    _state(c, c.res["bot_account"], alz_openai, "NonCompliant")
    _state(c, c.res["corp_embed"], approved, "NonCompliant")

    # ---- sandbox sprawl ---------------------------------------------------------------------
    # Wrong on purpose: a production search index built in the sandbox subscription.
    c.res["sb_prod_index"] = b.resource(
        c.rgs["sandbox"],
        "Microsoft.Search/searchServices",
        "srch-ml-prod-index",
        LOC,
        {"publicNetworkAccess": "disabled", "disableLocalAuth": True},
        sku={"name": "standard"},
        tags={
            "owner": "datascience@contoso.com",
            "environment": "prod",
            "data-classification": "confidential",
        },
    )
    # Wrong on purpose: a burst GPU cluster outside the allowed regions.
    c.res["corp_burst"] = b.child(
        c.res["corp_hub"],
        "computes",
        "gpu-burst-eastus",
        {
            "computeType": "AmlCompute",
            "computeLocation": "eastus",
            "disableLocalAuth": True,
            "properties": {"vmSize": "Standard_NC24ads_A100_v4", "enableNodePublicIp": False},
        },
        location="eastus",
    )
    # Wrong on purpose: every data scientist got Contributor on the sandbox resource group,
    # so six principals can change the playground's deployments and content filters.
    for who in ("avery", "blake", "casey", "drew"):
        pid = guid("user", f"{who}.scientist")
        b.graph_object(
            "users",
            {
                "id": pid,
                "displayName": f"{who.capitalize()} Scientist",
                "userPrincipalName": f"{who}.scientist@contoso.com",
                "userType": "Member",
                "accountEnabled": True,
            },
        )
        b.role_assignment(c.rgs["sandbox"], "Contributor", pid, "User")
    # Wrong on purpose: an evaluation deployment on the public chatbot, exported from an old
    # API version without a capacity (no per-deployment cap).
    c.res["bot_eval"] = b.child(
        c.res["bot_account"],
        "deployments",
        "gpt-4o-mini-eval",
        {
            "model": {"format": "OpenAI", "name": "gpt-4o-mini", "version": "2024-07-18"},
            "versionUpgradeOption": "OnceNewDefaultVersionAvailable",
        },
        sku={"name": "GlobalStandard"},
    )

    # ---- logging and Defender ---------------------------------------------------------------
    for key in ("corp_search", "corp_hub"):
        b.diagnostic_setting(
            c.res[key]["id"],
            "audit-to-law",
            workspace_id=c.law_id,
            logs=[{"categoryGroup": "audit", "enabled": True}],
        )
    b.diagnostic_setting(
        corp,
        "activity-to-law",
        workspace_id=c.law_id,
        logs=[
            {"category": cat, "enabled": True}
            for cat in ("Administrative", "Security", "Policy", "Alert")
        ],
    )
    # Wrong on purpose: the sandbox logs to its own workspace, which has no Sentinel.
    law_sb = b.resource(
        c.rgs["sandbox"],
        "Microsoft.OperationalInsights/workspaces",
        "law-sandbox-ml",
        LOC,
        {"customerId": guid("law", "sandbox"), "retentionInDays": 30},
        tags={"owner": "datascience@contoso.com", "environment": "sandbox"},
    )
    b.diagnostic_setting(
        c.res["sb_workspace"]["id"],
        "to-sandbox-law",
        workspace_id=law_sb["id"],
        logs=[{"categoryGroup": "allLogs", "enabled": True}],
    )
    # Legacy research: the AI plan is on, but without prompt evidence, and the account opted
    # out of Defender for AI.
    b.pricing(
        c.subs["legacy"], "AI", "Standard", [{"name": "AIPromptEvidence", "isEnabled": "False"}]
    )
    b.child(c.res["legacy_oai"], "defenderForAISettings", "Default", {"state": "Disabled"})

    # ---- API Management in front of the corp model, logging LLM traffic -------------------------
    apim = b.resource(
        c.rgs["corp"],
        "Microsoft.ApiManagement/service",
        "apim-contoso-ai-gateway",
        LOC,
        {"publicNetworkAccess": "Enabled", "virtualNetworkType": "Internal"},
        sku={"name": "Premium", "capacity": 1},
        tags={"owner": "ai-platform@contoso.com", "environment": "prod"},
    )
    b.child(
        apim,
        "backends",
        "oai-contoso-corp-prod",
        {"protocol": "http", "url": "https://oai-contoso-corp-prod.openai.azure.com/openai"},
    )
    b.diagnostic_setting(
        apim["id"],
        "llm-to-law",
        workspace_id=c.law_id,
        logs=[
            {"category": "GatewayLogs", "enabled": True},
            {"category": "GatewayLlmLogs", "enabled": True},
        ],
    )
    b.complete("apiManagementBackends")
