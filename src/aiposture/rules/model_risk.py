"""MDL: model risk — content filters, prompt shields, approved models, who can change them."""

from __future__ import annotations

from aiposture.model.entities import Deployment
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
    unknown,
)


@rule(
    id="AIP-MDL-001",
    title="Model deployment has no prompt shield (jailbreak filter) or runs unfiltered",
    pillar=Pillar.MODEL,
    severity=Severity.HIGH,
    target=Deployment,
    requires=("deployments",),
    remediation=Remediation(
        summary="Attach a content filter to deployment <NAME> whose Prompt Shields for "
        "jailbreak attacks are enabled and blocking (Microsoft.DefaultV2 or a custom "
        "raiPolicy), and never Microsoft.Nil.",
        az_cli="az rest --method put --url 'https://management.azure.com<PARENT_ID>/raiPolicies/"
        "aiposture-shielded?api-version=2024-10-01' --body '{\"properties\": {"
        '"basePolicyName": "Microsoft.DefaultV2", "mode": "Blocking", '
        '"contentFilters": [{"name": "Jailbreak", "enabled": true, "blocking": true, '
        '"source": "Prompt"}, {"name": "Indirect Attack", "enabled": true, '
        '"blocking": true, "source": "Prompt"}]}}\'\n'
        "# then point the deployment at it:\n"
        "az cognitiveservices account deployment create --name <PARENT> --resource-group <RG> "
        "--subscription <SUB> --deployment-name <NAME> --model-name <MODEL> "
        "--model-version <VERSION> --model-format OpenAI --sku-name <SKU> "
        "--rai-policy-name aiposture-shielded",
        bicep="resource filter 'Microsoft.CognitiveServices/accounts/raiPolicies@2024-10-01' = {\n"
        "  parent: account // '<PARENT>'\n  name: 'aiposture-shielded'\n  properties: {\n"
        "    basePolicyName: 'Microsoft.DefaultV2'\n    mode: 'Blocking'\n"
        "    contentFilters: [\n"
        "      { name: 'Jailbreak', enabled: true, blocking: true, source: 'Prompt' }\n"
        "      { name: 'Indirect Attack', enabled: true, blocking: true, source: 'Prompt' }\n"
        "    ]\n  }\n}\n"
        "resource deployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {\n"
        "  parent: account\n  name: '<NAME>'\n"
        "  properties: { raiPolicyName: filter.name /* model unchanged */ }\n}",
        terraform='resource "azurerm_cognitive_account_rai_policy" "shielded" {\n'
        '  name                 = "aiposture-shielded"\n'
        '  cognitive_account_id = "<PARENT_ID>"\n'
        '  base_policy_name     = "Microsoft.DefaultV2"\n'
        '  mode                 = "Blocking"\n'
        "  content_filter {\n"
        '    name = "Jailbreak"\n    filter_enabled = true\n    block_enabled = true\n'
        '    severity_threshold = "High"\n    source = "Prompt"\n'
        "  }\n}\n"
        'resource "azurerm_cognitive_deployment" "this" {\n'
        '  name             = "<NAME>"\n'
        "  rai_policy_name  = azurerm_cognitive_account_rai_policy.shielded.name\n"
        "  # ... model and sku unchanged\n}",
        portal="Azure AI Foundry portal > the resource '<PARENT>' > Guardrails + controls > "
        "Content filters > Create content filter: Input filter > Prompt shields for jailbreak "
        "attacks: Annotate and block > apply it to deployment <NAME>.",
        policy=(
            PolicyFix(
                "f3a9c2e0-7b4d-4d8f-9c3a-2e1f6b9a8d4e",
                "Audit",
                "Azure OpenAI deployments should use a content filter with prompt shields",
            ),
        ),
    ),
    references=Refs(
        mcsb=("AI-3",),
        azure_policy=("f3a9c2e0-7b4d-4d8f-9c3a-2e1f6b9a8d4e",),
        owasp_llm=("LLM01",),
        atlas=("AML.T0054", "AML.T0051"),
        prowler=("aiservices_deployment_jailbreak_filter_enabled",),
    ),
)
def prompt_shield(dep: Deployment, ctx: RuleContext) -> Verdict:
    """Prompt Shields detect user prompt attacks (jailbreaks) before they reach the model.
    Without them, a user can talk the model out of its system prompt and safety behaviour,
    and with tools or data attached, into acting for the attacker. Microsoft.Nil turns off
    filtering altogether. The effective filter is the deployment's raiPolicyName: a custom
    raiPolicy on the account, a Microsoft default (Microsoft.Default/DefaultV2, with prompt
    shields on), or the account default when absent."""
    cf = dep.content_filter
    name_ev = ev("properties.raiPolicyName", dep.rai_policy_name)
    if cf is None or cf.origin == "unresolved":
        reason = cf.reason if cf else "content filter not resolved"
        return unknown(reason, "raiPolicies", evidence=(name_ev,))
    if cf.origin == "none":
        return failed(f"content filtering is disabled ({cf.policy_name})", name_ev)
    jb = cf.setting("jailbreak", "prompt")
    jb_ev = ev(
        f"raiPolicies/{cf.policy_name}.contentFilters[jailbreak,prompt]",
        None if jb is None else {"enabled": jb.enabled, "blocking": jb.blocking},
    )
    if jb is not None and jb.enabled is True and jb.blocking is True:
        return passed(f"prompt shields on and blocking ({cf.policy_name})", name_ev, jb_ev)
    if jb is None:
        return failed(
            f"filter {cf.policy_name} has no jailbreak (prompt shield) filter", name_ev, jb_ev
        )
    state = "disabled" if jb.enabled is not True else "not blocking (annotate only)"
    return failed(f"prompt shield in {cf.policy_name} is {state}", name_ev, jb_ev)
