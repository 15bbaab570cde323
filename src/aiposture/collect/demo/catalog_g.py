"""Demo part for the Azure Bot Service rules (issue 18): the agent channels of Contoso AI.

- bot-claims-assistant (corp, rg-ai-prod): isolated (publicNetworkAccess Disabled), an
  approved private endpoint, local authentication disabled, a customer-managed key, an HTTPS
  messaging endpoint, a user-assigned managed identity as its app; the resource group carries
  the ALZ Enforce-Guardrails-BotService initiative. PASS on AIP-NET-017/014, AIP-IDN-015,
  AIP-DAT-011/012 and on the governance rules' Bot Service guardrails (AIP-GOV-002/003).
- bot-sandbox-agent (sandbox, rg-ml-experiments): the web-chat front of an experimental agent,
  wired up in a hurry (wrong on purpose): public network access left at its default, local
  (Direct Line secret) authentication on, Microsoft-managed keys, a plain-HTTP messaging
  endpoint, a multi-tenant app registration, and no guardrail policy. FAIL on all of the above.

Bots are tracked resources (location "global"): Resource Graph returns them in the
`resources` table, with their privateEndpointConnections inline.
"""

from __future__ import annotations

from aiposture.collect.demo.builder import guid
from aiposture.collect.demo.contoso import LOC, Contoso

_BOT = "Microsoft.BotService/botServices"
_ALZ_MG = "contoso"  # where ALZ deploys its custom initiatives (as in catalog_b)


def build(c: Contoso) -> None:
    b = c.b
    rg_corp = c.rgs["corp"]
    kv = c.res["corp_kv"]
    pe_id = f"{rg_corp}/providers/Microsoft.Network/privateEndpoints/pe-bot-claims-assistant"
    umi = f"{rg_corp}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-bot-claims"
    corp_bot = b.resource(
        rg_corp,
        _BOT,
        "bot-claims-assistant",
        "global",
        {
            "displayName": "Claims assistant",
            "endpoint": "https://app-claims-assistant.azurewebsites.net/api/messages",
            "msaAppType": "UserAssignedMSI",
            "msaAppId": guid("bot-app", "bot-claims-assistant"),
            "msaAppTenantId": b.tenant_id,
            "msaAppMSIResourceId": umi,
            "tenantId": b.tenant_id,
            "publicNetworkAccess": "Disabled",
            "disableLocalAuth": True,
            "isCmekEnabled": True,
            "cmekKeyVaultUrl": f"https://{kv['name']}.vault.azure.net/keys/bot-cmk",
            "isStreamingSupported": False,
            "schemaTransformationVersion": "1.3",
            "configuredChannels": ["directlinespeech", "msteams"],
            "enabledChannels": ["msteams"],
            "privateEndpointConnections": [
                {
                    "id": f"{rg_corp}/providers/{_BOT}/bot-claims-assistant/"
                    "privateEndpointConnections/pe-bot-claims-assistant",
                    "properties": {
                        "privateEndpoint": {"id": pe_id},
                        "privateLinkServiceConnectionState": {
                            "status": "Approved",
                            "description": "Auto-Approved",
                            "actionsRequired": "None",
                        },
                        "groupIds": ["Bot"],
                        "provisioningState": "Succeeded",
                    },
                }
            ],
            "provisioningState": "Succeeded",
        },
        kind="azurebot",
        sku={"name": "S1"},
        tags={"owner": "claims-ai@contoso.com", "environment": "prod", "workload": "ai"},
    )
    c.res["corp_bot"] = corp_bot
    c.res["corp_bot_guardrails"] = b.add(
        {
            "id": f"{rg_corp}/providers/Microsoft.Authorization/policyAssignments/"
            "enforce-gr-botservice",
            "name": "enforce-gr-botservice",
            "type": "Microsoft.Authorization/policyAssignments",
            "location": LOC,
            "properties": {
                "displayName": "Enforce recommended guardrails for Bot Service",
                "policyDefinitionId": f"/providers/Microsoft.Management/managementGroups/"
                f"{_ALZ_MG}/providers/Microsoft.Authorization/policySetDefinitions/"
                "Enforce-Guardrails-BotService",
                "scope": rg_corp,
                "notScopes": [],
                "enforcementMode": "Default",
                "parameters": {},
            },
        }
    )

    rg_sandbox = c.rgs["sandbox"]
    sandbox_bot = b.resource(
        rg_sandbox,
        _BOT,
        "bot-sandbox-agent",
        "global",
        {
            "displayName": "Sandbox agent",
            "endpoint": "http://app-sandbox-agent.azurewebsites.net/api/messages",
            "msaAppType": "MultiTenant",
            "msaAppId": guid("bot-app", "bot-sandbox-agent"),
            "msaAppTenantId": "",
            "tenantId": b.tenant_id,
            "isCmekEnabled": False,
            "isStreamingSupported": False,
            "schemaTransformationVersion": "1.3",
            "configuredChannels": ["webchat", "directline"],
            "enabledChannels": ["webchat", "directline"],
            "privateEndpointConnections": [],
            "provisioningState": "Succeeded",
        },
        kind="azurebot",
        sku={"name": "F0"},
        tags=dict(c.res["sb_workspace"].get("tags") or {}),
    )
    c.res["sandbox_bot"] = sandbox_bot
