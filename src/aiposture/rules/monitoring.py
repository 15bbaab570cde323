"""MON: logs, Defender plans, Sentinel and activity-log export."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from aiposture.config import Settings
from aiposture.facts.defender import plan_on, plan_tier
from aiposture.model.entities import (
    CognitiveAccount,
    DiagnosticSetting,
    LogAnalyticsWorkspace,
    MLWorkspace,
    Resource,
    SearchService,
    StorageAccount,
    Subscription,
)
from aiposture.model.inventory import Inventory
from aiposture.model.types import Pillar, Severity
from aiposture.rules.common import hosting_accounts, subscriptions_hosting
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


def _known_workspace(settings: Iterable[DiagnosticSetting]) -> str | None:
    """A Log Analytics workspace the resource's diagnostic settings already send to (for the
    fix: add the missing categories there); None when none does (the user picks one)."""
    return next((s.workspace_id for s in settings if s.workspace_id), None)


def _plan_verdict(inv: Inventory, subscription_id: str, plan: str, label: str, on: str) -> Verdict:
    """PASS when the Defender plan is Standard, FAIL otherwise (absent = Free)."""
    tier = plan_tier(inv, subscription_id, plan)
    evidence = ev(f"Microsoft.Security/pricings/{plan}.properties.pricingTier", tier)
    if plan_on(tier):
        return passed(on, evidence)
    return failed(f"{label} tier is {tier or 'absent (Free)'}", evidence)


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
        fills=("<WORKSPACE_ID>",),
    ),
    references=Refs(
        mcsb=("LT-3",),
        azure_policy=("1b4d1c4e-934c-4703-944c-27c82c06bebb",),
        owasp_llm=("LLM10",),
        atlas=("AML.T0024", "AML.T0034"),
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
        fill={"<WORKSPACE_ID>": _known_workspace(settings)},
    )


DEFENDER_AI_AUDIT = "c2c0c6d8-007b-4a48-8d9b-3539bddd8e87"  # AuditIfNotExists only
DEFENDER_AI_DEPLOY = "7e92882a-2f8a-4991-9bc4-d3147d40abb0"
DEFENDER_AI_DEPLOY_NAME = "Enable threat protection for AI workloads"
DEFENDER_AI_FEATURES = "359a48a3-351a-4618-bb32-f1628645694b"
DEFENDER_AI_FEATURES_NAME = "Configure Microsoft Defender threat protection for AI workloads"


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
            PolicyFix(DEFENDER_AI_DEPLOY, "DeployIfNotExists", DEFENDER_AI_DEPLOY_NAME),
            PolicyFix(
                DEFENDER_AI_FEATURES,
                "DeployIfNotExists",
                DEFENDER_AI_FEATURES_NAME,
                (("isAIPromptEvidenceEnabled", "true"),),
            ),
        ),
    ),
    references=Refs(
        mcsb=("LT-1",),
        azure_policy=(DEFENDER_AI_AUDIT, DEFENDER_AI_DEPLOY, DEFENDER_AI_FEATURES),
        owasp_llm=("LLM01", "LLM02"),
        atlas=("AML.T0051", "AML.T0054", "AML.T0024"),
    ),
)
def defender_for_ai(sub: Subscription, ctx: RuleContext) -> Verdict:
    """Defender for AI services raises alerts for jailbreak attempts, credential theft,
    sensitive-data leakage and anomalous use of Azure OpenAI, drawing on Prompt Shields and
    threat intelligence. Without it, attacks on the model layer reach no SOC. Policy
    c2c0c6d8 only audits the plan (AuditIfNotExists); 7e92882a deploys it, and 359a48a3
    deploys it with prompt evidence (AIP-MON-004)."""
    return _plan_verdict(
        ctx.inventory,
        sub.subscription_id,
        "AI",
        "Defender for AI pricing",
        "Defender for AI services is on (Standard)",
    )


def _search_and_workspaces(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return [*inv.of_type(SearchService), *inv.of_type(MLWorkspace)]


@rule(
    id="AIP-MON-002",
    title="AI Search service or ML workspace sends no audit logs",
    pillar=Pillar.MONITORING,
    severity=Severity.MEDIUM,
    target=Resource,
    target_label="AI Search service, ML workspace / Foundry hub or project",
    select=_search_and_workspaces,
    requires=("diagnosticSettings",),
    remediation=Remediation(
        summary="Add a diagnostic setting on <NAME> sending the audit (or allLogs) category "
        "group to a Log Analytics workspace.",
        az_cli="az monitor diagnostic-settings create --name aiposture-audit --resource <ID> "
        "--workspace <WORKSPACE_ID> "
        '--logs \'[{"categoryGroup": "audit", "enabled": true}]\'',
        bicep="resource diag 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {\n"
        "  scope: target // '<NAME>'\n  name: 'aiposture-audit'\n  properties: {\n"
        "    workspaceId: workspaceId\n"
        "    logs: [ { categoryGroup: 'audit', enabled: true } ]\n  }\n}",
        terraform='resource "azurerm_monitor_diagnostic_setting" "audit" {\n'
        '  name                       = "aiposture-audit"\n'
        '  target_resource_id         = "<ID>"\n'
        "  log_analytics_workspace_id = var.log_analytics_workspace_id\n"
        "  enabled_log {\n"
        '    category_group = "audit"\n'
        "  }\n}",
        portal="Azure portal > <NAME> > Monitoring > Diagnostic settings > + Add diagnostic "
        "setting: tick 'audit' (or 'allLogs'), Send to Log Analytics workspace > Save.",
        policy=(
            PolicyFix(
                "b4330a05-a843-4bc8-bf9a-cacce50c67f4",
                "AuditIfNotExists",
                "Resource logs in Search services should be enabled",
            ),
            PolicyFix(
                "afe0c3be-ba3b-4544-ba52-0c99672a8ad6",
                "AuditIfNotExists",
                "Resource logs in Azure Machine Learning Workspaces should be enabled",
            ),
        ),
        fills=("<WORKSPACE_ID>",),
    ),
    references=Refs(
        mcsb=("LT-3",),
        azure_policy=(
            "b4330a05-a843-4bc8-bf9a-cacce50c67f4",
            "afe0c3be-ba3b-4544-ba52-0c99672a8ad6",
        ),
        owasp_llm=("LLM08",),
        atlas=("AML.T0070", "AML.T0020"),
    ),
)
def audit_logs(res: Resource, ctx: RuleContext) -> Verdict:
    """Who queried or changed the RAG index, who submitted training jobs, who read data
    through a workspace: without audit logs none of it can be reconstructed after a
    poisoning or exfiltration incident. Any destination counts here (MON-001 insists on Log
    Analytics for the model endpoint itself); AI Search's OperationLogs category also counts."""
    settings = ctx.inventory.diagnostics_for(res.key)
    evidence = ev(
        "diagnosticSettings",
        [
            {
                "name": s.name,
                "logs": sorted((x.category or x.category_group or "") for x in s.logs if x.enabled),
            }
            for s in settings
        ],
    )
    for s in settings:
        if s.has_destination and (
            s.sends(groups=("audit", "alllogs")) or s.sends("OperationLogs", groups=())
        ):
            return passed(f"diagnostic setting {s.name!r} sends audit logs", evidence)
    return failed(
        "no diagnostic setting sends audit logs"
        if not settings
        else "diagnostic settings exist but none sends the audit or allLogs group to a destination",
        evidence,
        fill={"<WORKSPACE_ID>": _known_workspace(settings)},
    )


@rule(
    id="AIP-MON-004",
    title="Defender for AI services does not capture prompt evidence",
    pillar=Pillar.MONITORING,
    severity=Severity.LOW,
    target=Subscription,
    target_label="subscription with Defender for AI services",
    select=hosting_accounts,
    requires=("pricings",),
    remediation=Remediation(
        summary="Enable the AIPromptEvidence extension of the Defender 'AI' plan on "
        "subscription <NAME>.",
        az_cli="az security pricing create --name AI --tier Standard --subscription <SUB> "
        "--extensions name=AIPromptEvidence isEnabled=True",
        bicep="targetScope = 'subscription'\n"
        "resource ai 'Microsoft.Security/pricings@2024-01-01' = {\n  name: 'AI'\n"
        "  properties: {\n    pricingTier: 'Standard'\n"
        "    extensions: [ { name: 'AIPromptEvidence', isEnabled: 'True' } ]\n  }\n}",
        terraform='resource "azurerm_security_center_subscription_pricing" "ai" {\n'
        '  tier          = "Standard"\n  resource_type = "AI"\n'
        '  extension {\n    name = "AIPromptEvidence"\n  }\n}',
        portal="Microsoft Defender for Cloud > Environment settings > subscription <NAME> > "
        "Defender plans > AI services > Settings > 'Enable user prompt evidence': On > Save.",
        policy=(
            PolicyFix(
                DEFENDER_AI_FEATURES,
                "DeployIfNotExists",
                DEFENDER_AI_FEATURES_NAME,
                (("isAIPromptEvidenceEnabled", "true"),),
            ),
        ),
    ),
    references=Refs(
        mcsb=("LT-1", "AI-6"),
        azure_policy=(DEFENDER_AI_FEATURES,),
        owasp_llm=("LLM01",),
        atlas=("AML.T0051",),
    ),
)
def prompt_evidence(sub: Subscription, ctx: RuleContext) -> Verdict:
    """Defender for AI alerts about jailbreaks and data leakage are hard to triage without
    the offending prompt and response. The AIPromptEvidence extension attaches them to the
    alert, for the SOC and the incident record. Applies only where the AI plan is on (its
    absence is AIP-MON-003). The plan is pricing `AI`; its other extensions
    (AIPromptSharingWithPurview, AIModelScanner) are not required by this rule. Policy
    359a48a3 keeps it on (DeployIfNotExists, isAIPromptEvidenceEnabled true)."""
    pricing = ctx.inventory.pricing(sub.subscription_id, "AI")
    if pricing is None or not plan_on(pricing.pricing_tier):
        return not_applicable("Defender for AI services is not enabled (see AIP-MON-003)")
    ext = next((e for e in pricing.extensions if e.name.lower() == "aipromptevidence"), None)
    evidence = ev(
        "Microsoft.Security/pricings/AI.properties.extensions[AIPromptEvidence].isEnabled",
        None if ext is None else ext.is_enabled,
    )
    if ext is not None and ext.is_enabled is True:
        return passed("prompt evidence is captured in AI alerts", evidence)
    return failed("the AIPromptEvidence extension is not enabled", evidence)


@rule(
    id="AIP-MON-005",
    title="Defender CSPM is not enabled on a subscription hosting AI resources",
    pillar=Pillar.MONITORING,
    severity=Severity.MEDIUM,
    target=Subscription,
    target_label="subscription hosting AI resources",
    select=subscriptions_hosting(),
    requires=("pricings",),
    remediation=Remediation(
        summary="Enable the Defender CSPM plan (pricing CloudPosture, Standard) on "
        "subscription <NAME> for AI security posture management and attack paths.",
        az_cli="az security pricing create --name CloudPosture --tier Standard "
        "--subscription <SUB>",
        bicep="targetScope = 'subscription'\n"
        "resource cspm 'Microsoft.Security/pricings@2024-01-01' = {\n"
        "  name: 'CloudPosture'\n  properties: { pricingTier: 'Standard' }\n}",
        terraform='resource "azurerm_security_center_subscription_pricing" "cspm" {\n'
        '  tier          = "Standard"\n  resource_type = "CloudPosture"\n}',
        portal="Microsoft Defender for Cloud > Environment settings > subscription <NAME> > "
        "Defender plans > Defender CSPM: On > Save.",
        policy=(
            PolicyFix(
                "72f8cee7-2937-403d-84a1-a4e3e57f3c21",
                "DeployIfNotExists",
                "Configure Microsoft Defender CSPM plan",
            ),
        ),
    ),
    references=Refs(
        mcsb=("PV-1", "LT-1"),
        azure_policy=("72f8cee7-2937-403d-84a1-a4e3e57f3c21",),
        prowler=("defender_ensure_defender_cspm_is_on",),
        psrule=("Azure.Defender.Cspm",),
    ),
)
def defender_cspm(sub: Subscription, ctx: RuleContext) -> Verdict:
    """Defender CSPM carries AI security posture management (AI bill of materials, AI
    recommendations) and attack-path analysis across identities and data. The free
    foundational CSPM does not; AI risks then surface nowhere in the security team's tools."""
    return _plan_verdict(
        ctx.inventory, sub.subscription_id, "CloudPosture", "Defender CSPM", "Defender CSPM is on"
    )


def _ai_log_workspaces(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    if not inv.coverage.status("diagnosticSettings").complete:
        # Which workspaces receive AI logs is unknown: assess every workspace we have, and
        # let the coverage gate report them UNKNOWN rather than report nothing.
        return list(inv.log_workspaces.values())
    keys: set[str] = set()
    for res in inv.ai_resources():
        for ds in inv.diagnostics_for(res.key):
            if ds.workspace_id:
                keys.add(ds.workspace_id)
    for ws in inv.workspaces.values():
        appi = inv.app_insights.get(ws.application_insights or "")
        if appi is not None and appi.workspace_resource_id:
            keys.add(appi.workspace_resource_id)
    out: list[Resource] = []
    for key in sorted(keys):
        found = inv.log_workspaces.get(key)
        if found is not None:
            out.append(found)
            continue
        parts = key.split("/")
        out.append(
            LogAnalyticsWorkspace(
                id=key,
                key=key,
                name=parts[-1],
                type="microsoft.operationalinsights/workspaces",
                subscription_id=parts[2] if len(parts) > 2 else "",
                resource_group=parts[4] if len(parts) > 4 else "",
            )
        )
    return out


@rule(
    id="AIP-MON-006",
    title="Log Analytics workspace receiving AI logs has no Microsoft Sentinel",
    pillar=Pillar.MONITORING,
    severity=Severity.MEDIUM,
    target=LogAnalyticsWorkspace,
    target_label="Log Analytics workspace receiving AI logs",
    select=_ai_log_workspaces,
    requires=("sentinel", "diagnosticSettings"),
    remediation=Remediation(
        summary="Onboard Microsoft Sentinel on workspace <NAME> (or route AI logs to the "
        "Sentinel workspace) and enable the Defender for Cloud / Azure OpenAI analytics.",
        az_cli="az sentinel onboarding-state create --resource-group <RG> "
        "--workspace-name <NAME> --name default --subscription <SUB>",
        bicep="resource ws 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {\n"
        "  name: '<NAME>'\n}\n"
        "resource onboard 'Microsoft.SecurityInsights/onboardingStates@2024-03-01' = {\n"
        "  scope: ws\n  name: 'default'\n  properties: {}\n}",
        terraform='resource "azurerm_sentinel_log_analytics_workspace_onboarding" "this" {\n'
        '  workspace_id = "<ID>"\n}',
        portal="Azure portal > Microsoft Sentinel > + Create > select workspace <NAME> > Add; "
        "then Content hub: install the Microsoft Defender for Cloud and Azure OpenAI "
        "solutions.",
    ),
    references=Refs(mcsb=("LT-5", "AI-6"), atlas=("AML.T0051", "AML.T0024")),
)
def sentinel(ws: LogAnalyticsWorkspace, ctx: RuleContext) -> Verdict:
    """Logs that nobody correlates or alerts on are an archive, not detection. AI request and
    audit logs need analytics rules and incident handling, which Sentinel provides on the
    workspace that receives them. A workspace referenced by AI diagnostic settings but not
    in the inventory is still assessed from the Sentinel onboarding states collected."""
    on = ctx.inventory.sentinel.get(ws.key)
    evidence = ev("Microsoft.SecurityInsights/onboardingStates", on.id if on else None)
    if on is not None:
        return passed("Microsoft Sentinel is enabled", evidence)
    return failed("Microsoft Sentinel is not enabled on this workspace", evidence)


@rule(
    id="AIP-MON-007",
    title="Activity log of a subscription hosting AI resources is not sent to Log Analytics",
    pillar=Pillar.MONITORING,
    severity=Severity.MEDIUM,
    target=Subscription,
    target_label="subscription hosting AI resources",
    select=subscriptions_hosting(),
    requires=("activityLogExport",),
    remediation=Remediation(
        summary="Export the activity log of subscription <NAME> (Administrative, Security, "
        "Policy at least) to the central Log Analytics workspace.",
        az_cli="az monitor diagnostic-settings subscription create --name aiposture-activity "
        "--subscription <SUB> --workspace <WORKSPACE_ID> --logs "
        '\'[{"category": "Administrative", "enabled": true}, {"category": "Security", '
        '"enabled": true}, {"category": "Policy", "enabled": true}]\'',
        bicep="targetScope = 'subscription'\n"
        "resource activity 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {\n"
        "  name: 'aiposture-activity'\n  properties: {\n    workspaceId: workspaceId\n"
        "    logs: [\n      { category: 'Administrative', enabled: true }\n"
        "      { category: 'Security', enabled: true }\n"
        "      { category: 'Policy', enabled: true }\n    ]\n  }\n}",
        terraform='resource "azurerm_monitor_diagnostic_setting" "activity" {\n'
        '  name                       = "aiposture-activity"\n'
        '  target_resource_id         = "/subscriptions/<SUB>"\n'
        "  log_analytics_workspace_id = var.log_analytics_workspace_id\n"
        '  enabled_log {\n    category = "Administrative"\n  }\n'
        '  enabled_log {\n    category = "Security"\n  }\n'
        '  enabled_log {\n    category = "Policy"\n  }\n}',
        portal="Azure portal > Monitor > Activity log > Export Activity Logs > subscription "
        "<NAME> > + Add diagnostic setting: Administrative, Security, Policy > Send to Log "
        "Analytics workspace > Save.",
        policy=(
            PolicyFix(
                "2465583e-4e78-4c15-b6be-a36cbc7c8b0f",
                "DeployIfNotExists",
                "Configure Azure Activity logs to stream to specified Log Analytics workspace",
            ),
        ),
        fills=("<WORKSPACE_ID>",),
    ),
    references=Refs(
        mcsb=("LT-3",),
        azure_policy=("2465583e-4e78-4c15-b6be-a36cbc7c8b0f",),
        prowler=("monitor_diagnostic_settings_exists",),
    ),
)
def activity_log_export(sub: Subscription, ctx: RuleContext) -> Verdict:
    """Control-plane changes to AI resources (keys listed, content filter weakened, network
    opened, role granted) are recorded only in the activity log, which Azure keeps for 90
    days and does not correlate. Exported to Log Analytics it can be alerted on and kept."""
    key = f"/subscriptions/{sub.subscription_id}"
    settings = ctx.inventory.diagnostics_for(key)
    evidence = ev(
        f"{key}/providers/microsoft.insights/diagnosticSettings",
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
        if s.workspace_id and s.sends("Administrative", groups=("alllogs",)):
            return passed(f"activity log exported by {s.name!r}", evidence)
    return failed(
        "no subscription diagnostic setting sends the Administrative log to Log Analytics",
        evidence,
        fill={"<WORKSPACE_ID>": _known_workspace(settings)},
    )


@rule(
    id="AIP-MON-008",
    title="Defender for AI is switched off for this AI services account",
    pillar=Pillar.MONITORING,
    severity=Severity.MEDIUM,
    target=CognitiveAccount,
    requires=("defenderForAISettings", "pricings"),
    remediation=Remediation(
        summary="Set the account's Defender for AI setting back to Enabled on <NAME>.",
        az_cli="az resource create --api-version 2025-06-01 "
        '--id <ID>/defenderForAISettings/Default --properties \'{"state": "Enabled"}\'',
        bicep="resource dfai 'Microsoft.CognitiveServices/accounts/defenderForAISettings"
        "@2025-06-01' = {\n  parent: account // '<NAME>'\n  name: 'Default'\n"
        "  properties: { state: 'Enabled' }\n}",
        terraform='resource "azapi_resource" "defender_for_ai" {\n'
        '  type      = "Microsoft.CognitiveServices/accounts/defenderForAISettings@2025-06-01"\n'
        '  name      = "Default"\n  parent_id = "<ID>"\n'
        '  body      = { properties = { state = "Enabled" } }\n}\n'
        "# azurerm has no resource for this setting; azapi manages it",
        portal="Microsoft Defender for Cloud > Environment settings > subscription > Defender "
        "plans > AI services > Settings > Resources: set <NAME> to On.",
    ),
    references=Refs(mcsb=("LT-1", "AI-6"), owasp_llm=("LLM01",), atlas=("AML.T0054",)),
)
def defender_per_account(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
    """The Defender for AI plan is billed and switched on per subscription, but each account
    can opt out (defenderForAISettings state Disabled). An opted-out account produces no
    threat alerts while dashboards show the plan as on. Absent setting = Enabled."""
    inv = ctx.inventory
    if not plan_on(plan_tier(inv, account.subscription_id, "AI")):
        return not_applicable("the Defender for AI plan is off in this subscription")
    setting = inv.defender_for_ai.get(account.key)
    state = setting.state if setting else None
    evidence = ev("defenderForAISettings/Default.properties.state", state)
    if (state or "").lower() == "disabled":
        return failed("Defender for AI is disabled for this account", evidence)
    return passed(
        f"Defender for AI covers the account (state {state or 'default Enabled'})", evidence
    )


def _host(url: str | None) -> str:
    if not url:
        return ""
    return (urlsplit(url if "://" in url else f"https://{url}").hostname or "").lower()


def _account_hosts(acc: CognitiveAccount) -> set[str]:
    hosts = {_host(acc.endpoint)} if acc.endpoint else set()
    if acc.custom_subdomain:
        sub = acc.custom_subdomain.lower()
        hosts |= {
            f"{sub}.openai.azure.com",
            f"{sub}.cognitiveservices.azure.com",
            f"{sub}.services.ai.azure.com",
        }
    return {h for h in hosts if h}


LLM_LOG_CATEGORY = "GatewayLlmLogs"


def _openai_accounts(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return [a for a in inv.accounts.values() if a.is_openai_capable]


@rule(
    id="AIP-MON-009",
    title="Prompts and responses of this AI account are not logged anywhere reviewable",
    pillar=Pillar.MONITORING,
    severity=Severity.LOW,
    target=CognitiveAccount,
    target_label="AI services account (OpenAI, AIServices)",
    select=_openai_accounts,
    requires=(),  # three-valued in the body: backends anywhere, the gateways' settings
    requires_to_pass=("diagnosticSettings",),
    remediation=Remediation(
        summary="Front <NAME> with an API Management gateway (backend = the account "
        "endpoint), enable LLM message logging on the API, and route the gateway's "
        "GatewayLlmLogs category to Log Analytics.",
        az_cli="az apim backend create --service-name <APIM> --resource-group <APIM_RG> "
        "--backend-id <NAME> --protocol http "
        "--url https://<NAME>.openai.azure.com/openai\n"
        "az monitor diagnostic-settings create --name llm-logs --resource <APIM_ID> "
        "--workspace <WORKSPACE_ID> "
        '--logs \'[{"category": "GatewayLlmLogs", "enabled": true}]\'',
        bicep="resource backend 'Microsoft.ApiManagement/service/backends@2024-05-01' = {\n"
        "  parent: apim\n  name: '<NAME>'\n"
        "  properties: { protocol: 'http', url: 'https://<NAME>.openai.azure.com/openai' }\n}\n"
        "resource llmLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {\n"
        "  scope: apim\n  name: 'llm-logs'\n  properties: {\n    workspaceId: workspaceId\n"
        "    logs: [ { category: 'GatewayLlmLogs', enabled: true } ]\n  }\n}",
        terraform='resource "azurerm_api_management_backend" "aoai" {\n'
        '  name                = "<NAME>"\n'
        "  api_management_name = var.apim_name\n"
        "  resource_group_name = var.apim_resource_group\n"
        '  protocol            = "http"\n'
        '  url                 = "https://<NAME>.openai.azure.com/openai"\n}\n'
        'resource "azurerm_monitor_diagnostic_setting" "llm" {\n'
        '  name                       = "llm-logs"\n'
        "  target_resource_id         = var.apim_id\n"
        "  log_analytics_workspace_id = var.log_analytics_workspace_id\n"
        '  enabled_log {\n    category = "GatewayLlmLogs"\n  }\n}',
        portal="Azure portal > API Management > APIs > + Add API > Azure OpenAI Service: pick "
        "<NAME>; API > Settings > Diagnostic logs > Azure Monitor: log LLM messages; then "
        "APIM > Diagnostic settings > + Add: 'Logs related to generative AI gateway' > Log "
        "Analytics > Save.",
        fills=("<APIM>", "<APIM_RG>", "<APIM_ID>", "<WORKSPACE_ID>"),
    ),
    references=Refs(mcsb=("LT-3", "AI-6"), owasp_llm=("LLM02", "LLM07"), atlas=("AML.T0024",)),
)
def prompt_logging(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
    """Azure OpenAI's own diagnostic logs record calls, not prompt or completion text, so
    a data leak or a jailbreak cannot be reviewed from them. An API Management gateway in
    front of the account (a backend pointing at its endpoint) with the GatewayLlmLogs
    category routed to Log Analytics can record them. The API-level 'log LLM messages'
    switch is not collected; the rule checks the gateway and its log routing."""
    inv = ctx.inventory
    hosts = _account_hosts(account)
    backends = [
        b
        for b in inv.apim_backends.values()
        if _host(b.url) in hosts or (b.resource_id or "").rstrip("/") == account.key
    ]
    services = sorted({b.service_key for b in backends})
    evidence = [ev("apiManagement/backends[url = account endpoint]", [b.id for b in backends])]
    if not backends and not hosts and inv.apim_backends:
        return unknown(
            "the account's endpoint is not in the data, so API Management backends cannot be "
            "matched to it",
            "resources",
            evidence=evidence,
        )
    # Another gateway, in any subscription, may front the account: "none logs" is certain
    # only when every backend was read.
    # Backend rows are typed as "resources" rows by collection_of, and recorded as
    # apiManagementBackends by collectors: a gap in either keeps it open.
    backends_gap = ctx.missing_under("/", "apiManagementBackends", "resources")
    if not backends:
        if backends_gap:
            return unknown(
                "no API Management gateway fronts this account in what was read",
                *backends_gap,
                evidence=evidence,
            )
        return failed("no API Management gateway fronts this account", *evidence)
    for svc in services:
        for ds in inv.diagnostics_for(svc):
            if ds.workspace_id and ds.sends(LLM_LOG_CATEGORY, groups=("alllogs",)):
                evidence.append(ev("apim.diagnosticSettings", ds.id))
                return passed(
                    f"gateway {svc.rsplit('/', 1)[-1]} logs LLM traffic to Log Analytics",
                    *evidence,
                )
    gaps = [*backends_gap, *(m for svc in services for m in ctx.missing(svc, "diagnosticSettings"))]
    if gaps:
        return unknown(
            "no gateway fronting the account sends GatewayLlmLogs to Log Analytics in what was "
            "read",
            *dict.fromkeys(gaps),
            evidence=evidence,
        )
    return failed(
        "an API Management gateway fronts the account but does not send GatewayLlmLogs to "
        "Log Analytics",
        *evidence,
        # The backend exists (no `apim backend create` line); route each gateway's logs.
        fill={
            "<APIM>": (),
            "<APIM_RG>": (),
            "<APIM_ID>": [getattr(inv.resource(svc), "id", svc) for svc in services],
            "<WORKSPACE_ID>": _known_workspace(
                ds for svc in services for ds in inv.diagnostics_for(svc)
            ),
        },
    )


@rule(
    id="AIP-MON-010",
    title="Defender for Storage is off for storage holding AI data",
    pillar=Pillar.MONITORING,
    severity=Severity.MEDIUM,
    target=StorageAccount,
    target_label="storage account holding AI data (AI-linked)",
    requires=("pricings",),
    remediation=Remediation(
        summary="Enable Defender for Storage (pricing StorageAccounts, Standard, sub-plan "
        "DefenderForStorageV2 with malware scanning) on the subscription of <NAME>.",
        az_cli="az security pricing create --name StorageAccounts --tier Standard "
        "--subplan DefenderForStorageV2 --subscription <SUB>",
        bicep="targetScope = 'subscription'\n"
        "resource storage 'Microsoft.Security/pricings@2024-01-01' = {\n"
        "  name: 'StorageAccounts'\n"
        "  properties: { pricingTier: 'Standard', subPlan: 'DefenderForStorageV2' }\n}",
        terraform='resource "azurerm_security_center_subscription_pricing" "storage" {\n'
        '  tier          = "Standard"\n  resource_type = "StorageAccounts"\n'
        '  subplan       = "DefenderForStorageV2"\n}',
        portal="Microsoft Defender for Cloud > Environment settings > subscription of <NAME> > "
        "Defender plans > Storage: On (with malware scanning) > Save.",
        policy=(
            PolicyFix(
                "cfdc5972-75b3-4418-8ae1-7f5c36839390",
                "DeployIfNotExists",
                "Configure Microsoft Defender for Storage to be enabled",
            ),
        ),
    ),
    references=Refs(
        mcsb=("LT-1",),
        azure_policy=("cfdc5972-75b3-4418-8ae1-7f5c36839390",),
        owasp_llm=("LLM04",),
        atlas=("AML.T0020",),
        prowler=("defender_ensure_defender_for_storage_is_on",),
        psrule=("Azure.Defender.Storage",),
    ),
)
def defender_for_storage(st: StorageAccount, ctx: RuleContext) -> Verdict:
    """Training sets, fine-tuning files and RAG documents live in storage. Defender for
    Storage detects unusual access, data exfiltration and uploaded malware there; without it,
    poisoning or theft of AI data raises no alert."""
    return _plan_verdict(
        ctx.inventory,
        st.subscription_id,
        "StorageAccounts",
        "Defender for Storage",
        "Defender for Storage is on in its subscription",
    )


def _non_project_workspaces(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    # A hub-based project sends its telemetry to its hub's Application Insights.
    return [w for w in inv.workspaces.values() if w.kind.lower() != "project"]


@rule(
    id="AIP-MON-011",
    title="ML workspace / Foundry hub has no Application Insights",
    pillar=Pillar.MONITORING,
    severity=Severity.MEDIUM,
    target=MLWorkspace,
    target_label="ML workspace / Foundry hub (projects use their hub's)",
    select=_non_project_workspaces,
    remediation=Remediation(
        summary="Create a workspace-based Application Insights component (sending to your "
        "central Log Analytics workspace) and link it to <NAME>, so deployed models, prompt "
        "flows and agents report requests, failures and traces.",
        az_cli="az monitor app-insights component create --app appi-<NAME> --location "
        "<LOCATION> --resource-group <RG> --subscription <SUB> --workspace {{WORKSPACE_ID}}"
        "\naz resource update --ids <ID> --api-version 2024-10-01 --set "
        "properties.applicationInsights=/subscriptions/<SUB>/resourceGroups/<RG>/providers/"
        "Microsoft.Insights/components/appi-<NAME>",
        bicep="resource appi 'Microsoft.Insights/components@2020-02-02' = {\n"
        "  name: 'appi-<NAME>'\n  location: '<LOCATION>'\n  kind: 'web'\n"
        "  properties: { Application_Type: 'web', WorkspaceResourceId: '{{WORKSPACE_ID}}' }"
        "\n}\nresource ws 'Microsoft.MachineLearningServices/workspaces@2024-10-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n"
        "  properties: { applicationInsights: appi.id /* other properties unchanged */ }\n}",
        terraform='resource "azurerm_application_insights" "this" {\n'
        '  name                = "appi-<NAME>"\n'
        '  location            = "<LOCATION>"\n'
        '  resource_group_name = "<RG>"\n'
        '  application_type    = "web"\n'
        '  workspace_id        = "{{WORKSPACE_ID}}"\n}\n'
        "# then on the workspace resource for <NAME>:\n"
        "#   application_insights_id = azurerm_application_insights.this.id",
        portal="Azure portal > create an Application Insights resource (workspace-based) > "
        "<NAME> > Properties (Foundry portal: Management center > hub <NAME> > Connected "
        "resources) > Application Insights: select it > Save.",
    ),
    references=Refs(
        mcsb=("LT-1", "LT-3"),
        other=(
            "Defender for Cloud: Application Insights should be used on Azure AI Foundry (Medium)",
        ),
    ),
)
def workspace_app_insights(ws: MLWorkspace, ctx: RuleContext) -> Verdict:
    """Foundry and Azure Machine Learning write the telemetry of deployed models, prompt
    flows and agents (requests, failures, traces, token use) to the workspace's Application
    Insights. Without one, an abused or failing endpoint leaves nothing to investigate:
    Defender for Cloud rates it as delayed threat detection and ineffective incident
    response. The component must exist too: a link to a deleted one collects nothing."""
    linked = ws.application_insights
    evidence = [ev("properties.applicationInsights", linked)]
    if not linked:
        return failed("no Application Insights component is linked", *evidence)
    inv = ctx.inventory
    if linked in inv.app_insights:
        return passed(f"linked to {linked.rsplit('/', 1)[-1]}", *evidence)
    cov = inv.coverage.status("resources", linked)
    if cov.complete:
        return failed(
            f"linked component {linked.rsplit('/', 1)[-1]} does not exist in what was read",
            *evidence,
        )
    return unknown(
        f"linked to {linked.rsplit('/', 1)[-1]}, which was not read: {cov.reason}",
        "resources",
        evidence=evidence,
    )
