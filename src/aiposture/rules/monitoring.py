"""MON: logs, Defender plans, Sentinel and activity-log export."""

from __future__ import annotations

from aiposture.model.entities import CognitiveAccount, Subscription
from aiposture.model.types import Pillar, Severity
from aiposture.rules.common import hosting_accounts
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
    id="AIP-MON-001",
    title="AI services account does not send audit and request logs to Log Analytics",
    pillar=Pillar.MONITORING,
    severity=Severity.HIGH,
    target=CognitiveAccount,
    requires=("diagnosticSettings",),
    remediation=Remediation(
        summary="Add a diagnostic setting on <NAME> sending the Audit and RequestResponse "
        "categories (or the allLogs group) to a Log Analytics workspace.",
        az_cli="az monitor diagnostic-settings create --name aiposture-logs --resource <ID> "
        "--workspace <WORKSPACE_ID> "
        '--logs \'[{"categoryGroup": "allLogs", "enabled": true}]\' '
        '--metrics \'[{"category": "AllMetrics", "enabled": true}]\'',
        bicep="resource diag 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {\n"
        "  scope: account // '<NAME>'\n  name: 'aiposture-logs'\n  properties: {\n"
        "    workspaceId: workspaceId\n"
        "    logs: [ { categoryGroup: 'allLogs', enabled: true } ]\n"
        "    metrics: [ { category: 'AllMetrics', enabled: true } ]\n  }\n}",
        terraform='resource "azurerm_monitor_diagnostic_setting" "logs" {\n'
        '  name                       = "aiposture-logs"\n'
        '  target_resource_id         = "<ID>"\n'
        "  log_analytics_workspace_id = var.log_analytics_workspace_id\n"
        "  enabled_log {\n"
        '    category_group = "allLogs"\n'
        "  }\n"
        "  metric {\n"
        '    category = "AllMetrics"\n'
        "  }\n}",
        portal="Azure portal > <NAME> > Monitoring > Diagnostic settings > + Add diagnostic "
        "setting: tick 'allLogs' (or Audit and Request and Response Logs), 'Send to Log "
        "Analytics workspace' > Save.",
        policy=(
            PolicyFix(
                "1b4d1c4e-934c-4703-944c-27c82c06bebb",
                "AuditIfNotExists",
                "Diagnostic logs in Azure AI services resources should be enabled",
            ),
        ),
    ),
    references=Refs(
        mcsb=("LT-3",),
        azure_policy=("1b4d1c4e-934c-4703-944c-27c82c06bebb",),
        owasp_llm=("LLM10",),
        atlas=("AML.T0024", "AML.T0034"),
        prowler=("aiservices_account_diagnostic_logs_enabled",),
        psrule=("Azure.Cognitive.Diagnostics",),
    ),
)
def account_diagnostics(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
    """Without Audit and RequestResponse logs in Log Analytics there is no record of who
    called the model, from where, with which key or identity, or how often: prompt injection
    campaigns, key abuse and cost harvesting go unseen and incidents cannot be investigated."""
    settings = ctx.inventory.diagnostics_for(account.key)
    evidence = ev(
        "diagnosticSettings",
        [
            {
                "name": s.name,
                "workspaceId": s.workspace_id,
                "logs": sorted((x.category or x.category_group or "") for x in s.logs if x.enabled),
            }
            for s in settings
        ],
    )
    for s in settings:
        if not s.workspace_id:
            continue
        if s.sends(groups=("alllogs",)) or (
            s.sends("RequestResponse", groups=())
            and (s.sends("Audit", groups=()) or s.sends(groups=("audit",)))
        ):
            return passed(f"diagnostic setting {s.name!r} sends audit and request logs", evidence)
    if not settings:
        return failed("no diagnostic setting", evidence)
    return failed(
        "no diagnostic setting sends Audit and RequestResponse (or allLogs) to Log Analytics",
        evidence,
    )


@rule(
    id="AIP-MON-003",
    title="Defender for AI services is not enabled on a subscription hosting AI accounts",
    pillar=Pillar.MONITORING,
    severity=Severity.HIGH,
    target=Subscription,
    target_label="subscription hosting AI services accounts",
    select=hosting_accounts,
    requires=("pricings",),
    remediation=Remediation(
        summary="Enable the Defender for Cloud 'AI services' plan (pricing AI, Standard) on "
        "subscription <NAME>, with prompt evidence.",
        az_cli="az security pricing create --name AI --tier Standard --subscription <SUB> "
        "--extensions name=AIPromptEvidence isEnabled=True",
        bicep="targetScope = 'subscription'\n"
        "resource ai 'Microsoft.Security/pricings@2024-01-01' = {\n  name: 'AI'\n"
        "  properties: {\n    pricingTier: 'Standard'\n"
        "    extensions: [ { name: 'AIPromptEvidence', isEnabled: 'True' } ]\n  }\n}",
        terraform='resource "azurerm_security_center_subscription_pricing" "ai" {\n'
        '  tier          = "Standard"\n'
        '  resource_type = "AI"\n'
        "  extension {\n"
        '    name = "AIPromptEvidence"\n'
        "  }\n}",
        portal="Azure portal > Microsoft Defender for Cloud > Environment settings > "
        "subscription <NAME> > Defender plans > AI services: On > Settings: enable "
        "'User prompt evidence' > Save.",
        policy=(
            PolicyFix(
                "c2c0c6d8-007b-4a48-8d9b-3539bddd8e87",
                "DeployIfNotExists",
                "Configure Microsoft Defender for AI services to be enabled",
            ),
        ),
    ),
    references=Refs(
        mcsb=("LT-1",),
        azure_policy=("c2c0c6d8-007b-4a48-8d9b-3539bddd8e87",),
        owasp_llm=("LLM01", "LLM02"),
        atlas=("AML.T0051", "AML.T0054", "AML.T0024"),
        prowler=("defender_ensure_defender_for_ai_is_on",),
    ),
)
def defender_for_ai(sub: Subscription, ctx: RuleContext) -> Verdict:
    """Defender for AI services raises alerts for jailbreak attempts, credential theft,
    sensitive-data leakage and anomalous use of Azure OpenAI, drawing on Prompt Shields and
    threat intelligence. Without it, attacks on the model layer reach no SOC."""
    pricing = ctx.inventory.pricing(sub.subscription_id, "AI")
    tier = pricing.pricing_tier if pricing else None
    evidence = ev("Microsoft.Security/pricings/AI.properties.pricingTier", tier)
    if (tier or "").lower() == "standard":
        return passed("Defender for AI services is on (Standard)", evidence)
    return failed(f"Defender for AI pricing tier is {tier or 'absent (Free)'}", evidence)
