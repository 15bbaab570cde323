"""Azure Bot Service (agent channels): network isolation, private link, local authentication,
customer-managed keys and the messaging endpoint's transport.

Every verdict is a fact of facts/botservice.py (the governance rules and the security graph
ask the same module). Each rule cites the built-in whose policyRule checks the same property
with the same value (read in Azure/azure-policy, Bot Service category).
"""

from __future__ import annotations

from aiposture.facts import botservice as bf
from aiposture.model.entities import BotService
from aiposture.model.types import Pillar, Severity, Status
from aiposture.rules.common import verdict_from_fact
from aiposture.rules.registry import rule
from aiposture.rules.types import (
    PolicyFix,
    Refs,
    Remediation,
    RuleContext,
    Verdict,
    ev,
    passed,
)

PUBLIC_ACCESS = "5e8168db-69e3-4beb-9822-57cb59202a9d"
ISOLATED_MODE = "52152f42-0dda-40d9-976e-abb1acdd611e"
PRIVATE_LINK = "ad5621d6-a877-4407-aa93-a950b428315e"
PRIVATE_ENDPOINT_DINE = "29261f8e-efdb-4255-95b8-8215414515d6"
PRIVATE_DNS_DINE = "6a4e6f44-f2af-4082-9702-033c9e88b9f8"
LOCAL_AUTH = "ffea632e-4e3a-4424-bf78-10e179bb2e1a"
CMK = "51522a96-0869-4791-82f3-981000c2c67f"
HTTPS_ENDPOINT = "6164527b-e1ee-4882-8673-572f425f5e0a"
ALZ = "ALZ Enforce-Guardrails-BotService"
_DOCS = "https://learn.microsoft.com/azure/bot-service/"


@rule(
    id="AIP-NET-017",
    title="Azure Bot Service is not in isolated mode (public network access enabled)",
    pillar=Pillar.NETWORK,
    severity=Severity.MEDIUM,
    target=BotService,
    target_label="Azure Bot Service (bot channel registration)",
    remediation=Remediation(
        summary="Disable public network access on bot <NAME> (isolated mode) and serve its "
        "clients through the Direct Line App Service extension over a private endpoint. "
        "Public channels (Teams, Web Chat over the internet) stop working for this bot.",
        az_cli="az resource update --ids <ID> --set properties.publicNetworkAccess=Disabled",
        bicep="resource bot 'Microsoft.BotService/botServices@2022-09-15' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    publicNetworkAccess: 'Disabled'\n"
        "    // displayName, endpoint, msaAppId ... unchanged\n  }\n}",
        terraform='resource "azurerm_bot_service_azure_bot" "this" {\n'
        '  name                          = "<NAME>"\n'
        '  resource_group_name           = "<RG>"\n'
        "  public_network_access_enabled = false\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Networking > Public network access: "
        "Disabled (isolated) > Save.",
        policy=(
            PolicyFix(ISOLATED_MODE, "Deny", "Bot Service should have isolated mode enabled"),
            PolicyFix(
                PUBLIC_ACCESS, "Deny", "Bot Service should have public network access disabled"
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-2",),
        azure_policy=(ISOLATED_MODE, PUBLIC_ACCESS),
        owasp_llm=("LLM06",),
        other=(ALZ, f"{_DOCS}dl-network-isolation-concept"),
    ),
)
def bot_public_network(bot: BotService, ctx: RuleContext) -> Verdict:
    """A bot is an agent's front door: every channel message reaches the agent, its tools and
    its grounding data through it. With public network access on, any internet client holding
    a channel secret or token can talk to the agent, and public channels relay user data
    through the internet. Isolated mode (publicNetworkAccess Disabled) limits the bot to its
    private endpoint. Both built-ins, "isolated mode enabled" (52152f42, v2) and "public
    network access disabled" (5e8168db), check `publicNetworkAccess notEquals Disabled`; the
    REST default is Enabled. SecuredByPerimeter hands the decision to a network security
    perimeter whose access rules are not collected: UNKNOWN."""
    return verdict_from_fact(bf.public_exposure(bot), fail_when=True)


@rule(
    id="AIP-NET-018",
    title="Azure Bot Service has no approved private endpoint",
    pillar=Pillar.NETWORK,
    severity=Severity.MEDIUM,
    target=BotService,
    target_label="Azure Bot Service (bot channel registration)",
    remediation=Remediation(
        summary="Create a private endpoint for bot <NAME> (group Bot) in the workload subnet, "
        "with a private DNS zone group (privatelink.directline.botframework.com), then put the "
        "bot in isolated mode (AIP-NET-017).",
        az_cli="az network private-endpoint create --name pe-<NAME> --resource-group <RG> "
        "--subscription <SUB> --location {{PE_LOCATION}} --subnet {{SUBNET_ID}} "
        "--private-connection-resource-id <ID> --group-id Bot --connection-name pe-<NAME>",
        bicep="resource pe 'Microsoft.Network/privateEndpoints@2024-05-01' = {\n"
        "  name: 'pe-<NAME>'\n  location: '{{PE_LOCATION}}'\n  properties: {\n"
        "    subnet: { id: '{{SUBNET_ID}}' }\n"
        "    privateLinkServiceConnections: [ {\n      name: 'pe-<NAME>'\n"
        "      properties: { privateLinkServiceId: '<ID>', groupIds: [ 'Bot' ] }\n"
        "    } ]\n  }\n}",
        terraform='resource "azurerm_private_endpoint" "this" {\n'
        '  name                = "pe-<NAME>"\n'
        '  location            = "{{PE_LOCATION}}"\n'
        '  resource_group_name = "<RG>"\n'
        '  subnet_id           = "{{SUBNET_ID}}"\n'
        "  private_service_connection {\n"
        '    name                           = "pe-<NAME>"\n'
        '    private_connection_resource_id = "<ID>"\n'
        '    subresource_names              = ["Bot"]\n'
        "    is_manual_connection           = false\n  }\n}",
        portal="Azure portal > <NAME> > Settings > Networking > Private access > + Private "
        "endpoint: target sub-resource Bot, the workload virtual network and subnet, Integrate "
        "with private DNS zone: Yes > Create.",
        policy=(
            PolicyFix(PRIVATE_LINK, "Audit", "BotService resources should use private link"),
            PolicyFix(
                PRIVATE_ENDPOINT_DINE,
                "DeployIfNotExists",
                "Configure BotService resources with private endpoints",
            ),
            PolicyFix(
                PRIVATE_DNS_DINE,
                "DeployIfNotExists",
                "Configure BotService resources to use private DNS zones",
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-2",),
        azure_policy=(PRIVATE_LINK, PRIVATE_ENDPOINT_DINE, PRIVATE_DNS_DINE),
        other=(ALZ, f"{_DOCS}dl-network-isolation-concept"),
    ),
)
def bot_private_link(bot: BotService, ctx: RuleContext) -> Verdict:
    """Without a private endpoint, the agent's clients reach the bot only over its public
    endpoint, so isolated mode cannot be switched on without cutting them off. Policy ad5621d6
    audits bots with no privateEndpointConnections whose privateLinkServiceConnectionState
    is Approved; a pending or rejected connection carries no traffic. Unlike the policy, a bot
    already in isolated mode PASSes (as AIP-NET-012 does for ML and Search): no traffic uses
    its public endpoint. The DeployIfNotExists definitions 29261f8e (private endpoint) and
    6a4e6f44 (its private DNS zone group) remediate this rule."""
    fact = bf.private_link(bot)
    verdict = verdict_from_fact(fact, fail_when=False)
    if verdict.status is not Status.FAIL:
        return verdict
    isolated = bf.public_exposure(bot)
    if isolated.is_false:
        return passed(
            f"{fact.reason}, but public network access is disabled: no traffic uses the "
            "public endpoint",
            *verdict.evidence,
            ev(bf.PNA, bot.public_network_access),
        )
    return verdict


@rule(
    id="AIP-IDN-015",
    title="Azure Bot Service accepts local (channel secret) authentication",
    pillar=Pillar.IDENTITY,
    severity=Severity.MEDIUM,
    target=BotService,
    target_label="Azure Bot Service (bot channel registration)",
    remediation=Remediation(
        summary="Set disableLocalAuth on bot <NAME> so that only Microsoft Entra ID tokens "
        "(managed identity or app registration) authenticate; move Direct Line and Web Chat "
        "clients to token exchange first.",
        az_cli="az resource update --ids <ID> --set properties.disableLocalAuth=true",
        bicep="resource bot 'Microsoft.BotService/botServices@2022-09-15' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    disableLocalAuth: true\n"
        "    // displayName, endpoint, msaAppId ... unchanged\n  }\n}",
        terraform='resource "azurerm_bot_service_azure_bot" "this" {\n'
        '  name                         = "<NAME>"\n'
        '  resource_group_name          = "<RG>"\n'
        "  local_authentication_enabled = false\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Configuration: clear 'Allow local "
        "authentication' (disable local auth) > Apply.",
        policy=(
            PolicyFix(
                LOCAL_AUTH, "Deny", "Bot Service should have local authentication methods disabled"
            ),
        ),
    ),
    references=Refs(
        mcsb=("IM-1",),
        azure_policy=(LOCAL_AUTH,),
        owasp_llm=("LLM06",),
        other=(ALZ, f"{_DOCS}bot-service-resources-bot-framework-faq"),
    ),
)
def bot_local_auth(bot: BotService, ctx: RuleContext) -> Verdict:
    """Channel secrets (Direct Line, Web Chat keys) are long-lived bearer credentials: often
    embedded in web pages, they let anyone holding one converse with the agent as any user,
    bypassing Entra ID, Conditional Access and per-caller audit. disableLocalAuth true makes
    the bot accept Entra ID tokens only. The spec gives the property no default and ffea632e
    checks `disableLocalAuth notEquals true`, so an absent value FAILs."""
    return verdict_from_fact(bf.local_auth_enabled(bot), fail_when=True)


@rule(
    id="AIP-DAT-011",
    title="Azure Bot Service data is not encrypted with a customer-managed key",
    pillar=Pillar.DATA,
    severity=Severity.LOW,
    target=BotService,
    target_label="Azure Bot Service (bot channel registration)",
    remediation=Remediation(
        summary="If your data-protection policy requires customer-managed keys, enable CMK "
        "encryption on bot <NAME> with a key in a Key Vault that has soft delete and purge "
        "protection (the Bot Service app needs get, wrapKey and unwrapKey on it).",
        az_cli="az resource update --ids <ID> --set properties.isCmekEnabled=true "
        "properties.cmekKeyVaultUrl={{KEY_URI}}",
        bicep="resource bot 'Microsoft.BotService/botServices@2022-09-15' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    isCmekEnabled: true\n"
        "    cmekKeyVaultUrl: '{{KEY_URI}}'\n"
        "    // displayName, endpoint, msaAppId ... unchanged\n  }\n}",
        terraform='resource "azurerm_bot_service_azure_bot" "this" {\n'
        '  name                  = "<NAME>"\n'
        '  resource_group_name   = "<RG>"\n'
        '  cmk_key_vault_key_url = "{{KEY_URI}}"\n'
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Encryption: Customer-managed keys, select "
        "the Key Vault key > Save.",
        policy=(
            PolicyFix(CMK, "Audit", "Bot Service should be encrypted with a customer-managed key"),
        ),
    ),
    references=Refs(
        mcsb=("DP-5",),
        azure_policy=(CMK,),
        other=(f"{_DOCS}bot-service-encryption",),
    ),
)
def bot_cmk(bot: BotService, ctx: RuleContext) -> Verdict:
    """Bot Service stores the bot's configuration and channel secrets encrypted with
    Microsoft-managed keys by default. A customer-managed key lets the organisation revoke
    access to that data and prove key custody, a requirement in some regulated estates;
    hence low severity: enable it where required. 51522a96 checks `isCmekEnabled notEquals
    true` (REST default false)."""
    return verdict_from_fact(bf.customer_managed_key(bot), fail_when=False)


@rule(
    id="AIP-DAT-012",
    title="Azure Bot Service messaging endpoint is not a valid HTTPS URI",
    pillar=Pillar.DATA,
    severity=Severity.MEDIUM,
    target=BotService,
    target_label="Azure Bot Service (bot channel registration)",
    remediation=Remediation(
        summary="Point bot <NAME>'s messaging endpoint at an HTTPS URL of the bot's web app "
        "(the bot web app's https:// URL ending in /api/messages).",
        az_cli="az resource update --ids <ID> --set properties.endpoint={{HTTPS_ENDPOINT}}",
        bicep="resource bot 'Microsoft.BotService/botServices@2022-09-15' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    endpoint: '{{HTTPS_ENDPOINT}}'\n"
        "    // displayName, msaAppId ... unchanged\n  }\n}",
        terraform='resource "azurerm_bot_service_azure_bot" "this" {\n'
        '  name                = "<NAME>"\n'
        '  resource_group_name = "<RG>"\n'
        '  endpoint            = "{{HTTPS_ENDPOINT}}"\n'
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Configuration > Messaging endpoint: the "
        "https:// URL of the bot > Apply.",
        policy=(
            PolicyFix(HTTPS_ENDPOINT, "Deny", "Bot Service endpoint should be a valid HTTPS URI"),
        ),
    ),
    references=Refs(
        mcsb=("DP-3",),
        azure_policy=(HTTPS_ENDPOINT,),
        other=(ALZ, f"{_DOCS}bot-builder-security-guidelines"),
    ),
)
def bot_https_endpoint(bot: BotService, ctx: RuleContext) -> Verdict:
    """The Bot Connector posts every user message, with its bearer token, to the messaging
    endpoint: over plain HTTP both can be read and altered in transit. 6164527b checks
    `endpoint notLike "https://*"`, so an unset endpoint fails too; the rule also requires a
    host, as "valid HTTPS URI" says. An endpoint absent from the snapshot (the REST API always
    returns it, possibly null) is UNKNOWN."""
    return verdict_from_fact(bf.https_endpoint(bot), fail_when=False)
