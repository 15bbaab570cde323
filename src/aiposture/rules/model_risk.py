"""MDL: model risk — content filters, prompt shields, approved models, who can change them."""

from __future__ import annotations

import datetime as dt
import re

from aiposture.facts.content_safety import prompt_shields, protected_material
from aiposture.facts.exposure import account_exposure
from aiposture.facts.model_source import (
    ALLOWED_REGISTRY_POLICY,
    REGISTRY_MODELS_POLICY,
    RegistryPolicy,
    serves_allowed_model,
    serves_policy_allowed_model,
)
from aiposture.facts.permissions import (
    BLOB_WRITE,
    CS_DEPLOYMENT_WRITE,
    CS_RAI_POLICY_WRITE,
    ROLE_ASSIGNMENT_WRITE,
    STORAGE_LIST_KEYS,
    Grant,
    permission_index,
)
from aiposture.facts.subjects import principal_label, scope_level
from aiposture.model.entities import (
    CognitiveAccount,
    Deployment,
    EffectiveContentFilter,
    MLModelEndpoint,
    StorageAccount,
)
from aiposture.model.inventory import Inventory
from aiposture.model.types import Pillar, Severity
from aiposture.rules.common import verdict_from_fact
from aiposture.rules.governance import definition_ref, effective_policies, param_value
from aiposture.rules.model_retirements import retirement_date
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
    settle,
    unknown,
)

PROMPT_FILTER_POLICY = "f3a9c2e0-7b4d-4d8f-9c3a-2e1f6b9a8d4e"
PROMPT_FILTER_NAME = (
    "[Preview]: Cognitive Services Deployments should only use allowed prompt content filtering"
)
COMPLETION_FILTER_POLICY = "af253d37-136a-42f8-a1fc-30010c083d41"
COMPLETION_FILTER_NAME = (
    "[Preview]: Cognitive Services Deployments should only use allowed completion content filtering"
)
# The multi-severity policy: the only built-in that expresses Hate/Sexual/Violence/Selfharm
# severities (its filterName allows exactly those four); the prompt policy takes Profanity,
# Jailbreak and Indirect Attack, the completion policy Profanity and Protected Material.
HARM_FILTER_POLICY = "930f48f9-f07e-427c-9494-52603581c6a9"
HARM_FILTER_NAME = "[Preview]: Cognitive Services Deployments should only use allowed control"
CONTROL_MODE_POLICY = "c1ad46c6-37f8-4af0-9c71-c208375c87dd"
CONTROL_MODE_NAME = "[Preview]: Cognitive Services Deployments Should Only Use Allowed Control Mode"
# The synchronous filter mode the fixes write. c1ad46c6's raiPolicyMode parameter accepts only
# Default and Asynchronous_filter, so the mode the fix writes must be one it can allow.
SYNC_MODE = "Default"


# The recommended filter: harm categories at Medium and blocking on both sides, both Prompt
# Shields blocking, protected material on completions. One definition feeds all four forms.
_RECOMMENDED: tuple[tuple[str, str, str | None], ...] = (
    *(
        (c, src, "Medium")
        for c in ("Hate", "Sexual", "Violence", "Selfharm")
        for src in ("Prompt", "Completion")
    ),
    ("Jailbreak", "Prompt", None),
    ("Indirect Attack", "Prompt", None),
    ("Protected Material Text", "Completion", None),
    ("Protected Material Code", "Completion", None),
)


def _filters_json() -> str:
    items = []
    for name, src, level in _RECOMMENDED:
        extra = f', "severityThreshold": "{level}"' if level else ""
        items.append(
            f'{{"name": "{name}", "enabled": true, "blocking": true, "source": "{src}"{extra}}}'
        )
    return "[" + ", ".join(items) + "]"


def _filters_bicep() -> str:
    out = []
    for name, src, level in _RECOMMENDED:
        extra = f", severityThreshold: '{level}'" if level else ""
        out.append(
            f"      {{ name: '{name}', enabled: true, blocking: true, source: '{src}'{extra} }}\n"
        )
    return "".join(out)


def _filters_tf() -> str:
    # azurerm requires severity_threshold on every block; it is ignored for the shields.
    return "".join(
        "  content_filter {\n"
        f'    name               = "{name}"\n'
        "    filter_enabled     = true\n"
        "    block_enabled      = true\n"
        f'    severity_threshold = "{level or "High"}"\n'
        f'    source             = "{src}"\n'
        "  }\n"
        for name, src, level in _RECOMMENDED
    )


def _filter_remediation(summary: str, portal: str, policy: tuple[PolicyFix, ...]) -> Remediation:
    """Create the recommended filter on the deployment's account and attach it. Placeholders
    stay outside shell quotes so the engine's quoting of names cannot break the command."""
    return Remediation(
        summary=summary,
        az_cli="az resource create --api-version 2024-10-01 "
        "--id <PARENT_ID>/raiPolicies/aiposture-guarded "
        f'--properties \'{{"basePolicyName": "Microsoft.DefaultV2", "mode": "{SYNC_MODE}", '
        f'"contentFilters": {_filters_json()}}}\'\n'
        "az resource update --api-version 2024-10-01 --ids <ID> "
        "--set properties.raiPolicyName=aiposture-guarded",
        bicep="resource filter 'Microsoft.CognitiveServices/accounts/raiPolicies@2024-10-01' = {\n"
        "  parent: account // '<PARENT>'\n  name: 'aiposture-guarded'\n  properties: {\n"
        f"    basePolicyName: 'Microsoft.DefaultV2'\n    mode: '{SYNC_MODE}'\n"
        f"    contentFilters: [\n{_filters_bicep()}    ]\n  }}\n}}\n"
        "resource deployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {\n"
        "  parent: account\n  name: '<NAME>'\n"
        "  properties: { raiPolicyName: filter.name /* model, sku unchanged */ }\n}",
        terraform='resource "azurerm_cognitive_account_rai_policy" "guarded" {\n'
        '  name                 = "aiposture-guarded"\n'
        '  cognitive_account_id = "<PARENT_ID>"\n'
        '  base_policy_name     = "Microsoft.DefaultV2"\n'
        f'  mode                 = "{SYNC_MODE}"\n'
        f"{_filters_tf()}}}\n"
        'resource "azurerm_cognitive_deployment" "this" {\n'
        '  name            = "<NAME>"\n'
        "  rai_policy_name = azurerm_cognitive_account_rai_policy.guarded.name\n"
        "  # ... model and sku unchanged\n}",
        portal=portal,
        policy=policy,
    )


@rule(
    id="AIP-MDL-001",
    title="Model deployment has no prompt shield (jailbreak filter) or runs unfiltered",
    pillar=Pillar.MODEL,
    severity=Severity.HIGH,
    target=Deployment,
    requires=("deployments",),
    remediation=_filter_remediation(
        "Attach a content filter to deployment <NAME> whose Prompt Shields for jailbreak "
        "attacks are enabled and blocking (never Microsoft.Nil): the commands create "
        "aiposture-guarded with the recommended settings on <PARENT> and attach it.",
        "Foundry portal > resource '<PARENT>' > Guardrails + controls > Content filters > "
        "Create content filter: Input filter > Prompt shields for jailbreak attacks: Annotate "
        "and block > apply it to deployment <NAME>.",
        (
            PolicyFix(
                PROMPT_FILTER_POLICY,
                "Audit",
                PROMPT_FILTER_NAME + " (filterName = Jailbreak, enabled and blocking)",
            ),
        ),
    ),
    references=Refs(
        mcsb=("AI-2",),
        azure_policy=(PROMPT_FILTER_POLICY,),
        owasp_llm=("LLM01",),
        atlas=("AML.T0054", "AML.T0051"),
    ),
)
def prompt_shield(dep: Deployment, ctx: RuleContext) -> Verdict:
    """Prompt Shields detect user prompt attacks (jailbreaks) before they reach the model.
    Without them, a user can talk the model out of its system prompt and safety behaviour,
    and with tools or data attached, into acting for the attacker. Microsoft.Nil turns off
    filtering altogether. The effective filter is the deployment's raiPolicyName: a custom
    raiPolicy on the account, a Microsoft default (Microsoft.Default/DefaultV2, with prompt
    shields on), or the account default when absent. The catalog's policy f3a9c2e0 exists:
    it is the preview built-in "Cognitive Services Deployments should only use allowed prompt
    content filtering", parameterised by filterName (assign it with Jailbreak). MCSB v2 AI-2
    (multi-layered content filtering) is the matching control, not AI-3. Embedding and
    speech models take no conversational prompt: MDL-001..004 do not apply to them."""
    na = _not_text_generation(dep)
    if na is not None:
        return na
    cf = dep.content_filter
    name_ev = ev("properties.raiPolicyName", dep.rai_policy_name)
    shields = prompt_shields(dep)
    if cf is None or shields.is_unknown:
        return unknown(shields.reason, *shields.missing, evidence=(name_ev,))
    if cf.origin == "none":
        return failed(shields.reason, name_ev)
    jb = cf.setting("jailbreak", "prompt")
    jb_ev = ev(
        f"raiPolicies/{cf.policy_name}.contentFilters[jailbreak,prompt]",
        None if jb is None else {"enabled": jb.enabled, "blocking": jb.blocking},
    )
    if shields.is_true:
        return passed(shields.reason, name_ev, jb_ev)
    return failed(shields.reason, name_ev, jb_ev)


# ---- shared pieces ----------------------------------------------------------------------------


# Models that take no conversational prompt and produce no text for a user: content filters
# and Prompt Shields do not apply to them (embeddings: OpenAI text-embedding-*, Cohere
# embed-v3/embed-v-4-0; speech-to-text; text-to-speech).
_NO_TEXT_GENERATION = re.compile(r"embed|whisper|(^|-)tts($|-)|transcribe", re.IGNORECASE)


def _not_text_generation(dep: Deployment) -> Verdict | None:
    if dep.model_name and _NO_TEXT_GENERATION.search(dep.model_name):
        return not_applicable(f"{dep.model_name} does not generate text from prompts")
    return None


def _filter_or_verdict(dep: Deployment) -> tuple[EffectiveContentFilter | None, Verdict | None]:
    """The deployment's effective filter, or the verdict when there is none to inspect."""
    na = _not_text_generation(dep)
    if na is not None:
        return None, na
    cf = dep.content_filter
    name_ev = ev("properties.raiPolicyName", dep.rai_policy_name)
    if cf is None or cf.origin == "unresolved":
        reason = cf.reason if cf else "content filter not resolved"
        return None, unknown(reason, "raiPolicies", evidence=(name_ev,))
    if cf.origin == "none":
        return None, failed(f"content filtering is disabled ({cf.policy_name})", name_ev)
    return cf, None


HARM_CATEGORIES = ("hate", "sexual", "violence", "selfharm")


@rule(
    id="AIP-MDL-002",
    title="Model deployment does not block indirect prompt attacks (grounding data)",
    pillar=Pillar.MODEL,
    severity=Severity.MEDIUM,
    target=Deployment,
    requires=("deployments",),
    remediation=_filter_remediation(
        "Use a content filter on deployment <NAME> with Prompt Shields for indirect attacks "
        "enabled and blocking (the Microsoft default policy does not include it): the commands "
        "create aiposture-guarded with the recommended settings and attach it.",
        "Foundry portal > resource '<PARENT>' > Guardrails + controls > Content filters > "
        "Create content filter > Input filter: Prompt shields for indirect attacks = Annotate "
        "and block > Deployment: <NAME> > Create.",
        (
            PolicyFix(
                PROMPT_FILTER_POLICY,
                "Audit",
                PROMPT_FILTER_NAME + " (filterName = Indirect Attack, enabled and blocking)",
            ),
        ),
    ),
    references=Refs(
        mcsb=("AI-2",),
        azure_policy=(PROMPT_FILTER_POLICY,),
        owasp_llm=("LLM01", "LLM08"),
        atlas=("AML.T0051", "AML.T0070"),
    ),
)
def indirect_attack(dep: Deployment, ctx: RuleContext) -> Verdict:
    """Retrieval-augmented and tool-using apps feed documents, web pages and e-mails into the
    prompt. Instructions hidden there (indirect prompt injection) steer the model without the
    user typing anything. Prompt Shields' indirect-attack detection is not part of
    Microsoft's default policy: it must be switched on in a custom filter. Applicability is
    decided by model kind: embedding models (OpenAI text-embedding-*, Cohere embed-*) turn
    text into vectors and follow no instructions, so there is nothing an injected document
    can make them do: NOT_APPLICABLE, as for speech models."""
    cf, verdict = _filter_or_verdict(dep)
    if verdict is not None or cf is None:
        return verdict or unknown("content filter not resolved", "raiPolicies")
    s = cf.setting("indirect_attack", "prompt")
    evidence = ev(
        f"raiPolicies/{cf.policy_name}.contentFilters[indirect attack,prompt]",
        None if s is None else {"enabled": s.enabled, "blocking": s.blocking},
    )
    if s is not None and s.enabled is True and s.blocking is True:
        return passed(f"indirect-attack shield on and blocking ({cf.policy_name})", evidence)
    if s is None:
        return failed(f"filter {cf.policy_name} has no indirect-attack shield", evidence)
    state = "disabled" if s.enabled is not True else "not blocking (annotate only)"
    return failed(f"indirect-attack shield in {cf.policy_name} is {state}", evidence)


@rule(
    id="AIP-MDL-003",
    title="Model deployment's harm filters are off, annotate-only or at High only",
    pillar=Pillar.MODEL,
    severity=Severity.MEDIUM,
    target=Deployment,
    requires=("deployments",),
    remediation=_filter_remediation(
        "Filter hate, sexual, violence and self-harm on prompts and completions of <NAME> at "
        "Medium (or Low) and blocking: the commands create aiposture-guarded with the "
        "recommended settings and attach it.",
        "Foundry portal > resource '<PARENT>' > Guardrails + controls > Content filters > "
        "Create content filter: Input and Output filters, Hate/Sexual/Violence/Self-harm at "
        "Medium, action Annotate and block > apply to deployment <NAME>.",
        tuple(
            PolicyFix(
                HARM_FILTER_POLICY,
                "Audit",
                HARM_FILTER_NAME + f" (one assignment per harm category: {category})",
                (
                    ("filterName", category),
                    ("allowedSeveritiesForPrompt", ("Low", "Medium")),
                    ("allowedSeveritiesForCompletion", ("Low", "Medium")),
                ),
            )
            for category in ("Hate", "Sexual", "Violence", "Selfharm")
        ),
    ),
    references=Refs(
        mcsb=("AI-2",),
        azure_policy=(HARM_FILTER_POLICY,),
        owasp_llm=("LLM05", "LLM09"),
        atlas=("AML.T0054",),
    ),
)
def harm_filters(dep: Deployment, ctx: RuleContext) -> Verdict:
    """The harm classifiers are the last line between a manipulated model and the user: off,
    annotate-only or High-only thresholds let hateful, sexual, violent or self-harm content
    through on the input or the output. The policy that audits this is the multi-severity one,
    930f48f9 (filterName Hate, Sexual, Violence or Selfharm; allowed severities for prompt and
    completion; enabled and blocking required), one assignment per category. The prompt
    (f3a9c2e0) and completion (af253d37) filtering policies cannot express these categories:
    their filterName accepts only Profanity, Jailbreak, Indirect Attack and Protected
    Material."""
    cf, verdict = _filter_or_verdict(dep)
    if verdict is not None or cf is None:
        return verdict or unknown("content filter not resolved", "raiPolicies")
    weak: list[str] = []
    seen: dict[str, object] = {}
    for cat in HARM_CATEGORIES:
        for src in ("prompt", "completion"):
            s = cf.setting(cat, src)
            label = f"{cat}/{src}"
            if s is None:
                weak.append(f"{label} not configured")
                seen[label] = None
                continue
            seen[label] = {
                "enabled": s.enabled,
                "blocking": s.blocking,
                "severityThreshold": s.severity_threshold,
            }
            if s.enabled is not True:
                weak.append(f"{label} disabled")
            elif s.blocking is not True:
                weak.append(f"{label} annotate-only")
            elif (s.severity_threshold or "").lower() == "high":
                weak.append(f"{label} at High only")
    evidence = ev(f"raiPolicies/{cf.policy_name}.contentFilters[harm categories]", seen)
    if weak:
        return failed(f"{cf.policy_name}: " + "; ".join(weak), evidence)
    return passed(f"all harm categories filtered and blocking ({cf.policy_name})", evidence)


ASYNC_MODES = frozenset({"asynchronous_filter", "deferred"})


@rule(
    id="AIP-MDL-004",
    title="Model deployment streams output before filtering (asynchronous filter)",
    pillar=Pillar.MODEL,
    severity=Severity.LOW,
    target=Deployment,
    requires=("deployments",),
    remediation=Remediation(
        summary=f"Set the mode of the content filter used by deployment <NAME> to {SYNC_MODE} "
        "(synchronous) so completions are filtered before they are streamed; filters are kept.",
        az_cli="az resource update --api-version 2024-10-01 "
        f"--ids <PARENT_ID>/raiPolicies/<RAI_POLICY_NAME> --set properties.mode={SYNC_MODE}",
        bicep="resource filter 'Microsoft.CognitiveServices/accounts/raiPolicies@2024-10-01' = {\n"
        "  parent: account // '<PARENT>'\n  name: '<RAI_POLICY_NAME>' // the filter of '<NAME>'\n"
        f"  properties: {{\n    basePolicyName: 'Microsoft.DefaultV2'\n    mode: '{SYNC_MODE}'\n"
        "    contentFilters: existingFilters // unchanged\n  }\n}",
        terraform='resource "azurerm_cognitive_account_rai_policy" "this" {\n'
        '  name                 = "<RAI_POLICY_NAME>" # the filter of <NAME>\n'
        '  cognitive_account_id = "<PARENT_ID>"\n'
        f'  mode                 = "{SYNC_MODE}"\n'
        "  # ... base_policy_name and content_filter blocks unchanged\n}",
        portal="Foundry portal > resource '<PARENT>' > Guardrails + controls > Content filters "
        "> the filter of deployment <NAME> > Output filter > Streaming mode: Default (not "
        "Asynchronous Filter) > Save.",
        policy=(
            PolicyFix(
                CONTROL_MODE_POLICY,
                "Audit",
                CONTROL_MODE_NAME,
                (("raiPolicyMode", (SYNC_MODE,)),),
            ),
        ),
        fills=("<RAI_POLICY_NAME>",),
    ),
    references=Refs(
        mcsb=("AI-2",),
        azure_policy=(CONTROL_MODE_POLICY,),
        owasp_llm=("LLM05",),
    ),
)
def async_filter(dep: Deployment, ctx: RuleContext) -> Verdict:
    """With the asynchronous filter, completion chunks reach the client before the content
    filter has run; harmful or protected content is flagged after the user has seen it. The
    mode is Asynchronous_filter (called Deferred before API 2025-06-01). The preview policy
    c1ad46c6 audits the allowed raiPolicy modes: its raiPolicyMode parameter accepts Default
    and Asynchronous_filter and defaults to both (auditing nothing), so it is assigned with
    [Default], the mode the fix writes. A filter in the older synchronous mode Blocking passes
    this rule but would be reported by that assignment until it is set to Default."""
    cf, verdict = _filter_or_verdict(dep)
    if verdict is not None or cf is None:
        return verdict or unknown("content filter not resolved", "raiPolicies")
    mode = cf.mode
    evidence = ev(f"raiPolicies/{cf.policy_name}.mode", mode)
    if (mode or "").lower() in ASYNC_MODES:
        return failed(
            f"{cf.policy_name} filters asynchronously (mode {mode})",
            evidence,
            fill={"<RAI_POLICY_NAME>": cf.policy_name},
        )
    return passed(f"output is filtered before it is streamed (mode {mode or 'Default'})", evidence)


APPROVED_MODELS_POLICY = "aafe3651-cb78-4f68-9f81-e7e41509110f"
_ASSET = re.compile(r"models/(?P<name>[^/]+)(?:/versions/(?P<version>[^/]+))?", re.IGNORECASE)


def _publisher(dep: Deployment) -> str | None:
    if dep.model_publisher:
        return dep.model_publisher
    # Azure OpenAI deployments carry format OpenAI and no publisher.
    return "OpenAI" if (dep.model_format or "").lower() == "openai" else dep.model_format


def _policy_allows(dep: Deployment, params: tuple[object, object]) -> bool:
    publishers, assets = params
    pubs = {str(p).lower() for p in publishers} if isinstance(publishers, list) else set()
    if (_publisher(dep) or "").lower() in pubs:
        return True
    for asset in assets if isinstance(assets, list) else ():
        m = _ASSET.search(str(asset))
        if (
            m
            and m["name"].lower() == (dep.model_name or "").lower()
            and (m["version"] is None or m["version"].lower() == (dep.model_version or "").lower())
        ):
            return True
    return False


@rule(
    id="AIP-MDL-005",
    title="Model deployment uses a model outside the approved list",
    pillar=Pillar.MODEL,
    severity=Severity.MEDIUM,
    target=Deployment,
    requires=("deployments",),
    remediation=Remediation(
        summary="Replace deployment <NAME> with an approved model (or add the model to the "
        "approved list after review), and enforce the list with the built-in approved-models "
        "policy.",
        az_cli="az cognitiveservices account deployment delete --name <PARENT> "
        "--resource-group <RG> --subscription <SUB> --deployment-name <NAME>\n"
        "az policy assignment create --name aip-approved-models --scope /subscriptions/<SUB> "
        f'--policy {APPROVED_MODELS_POLICY} --params \'{{"effect": {{"value": "Deny"}}, '
        '"allowedPublishers": {"value": []}, "allowedAssetIds": {"value": '
        '["azureml://registries/azure-openai/models/gpt-4o/versions/2024-11-20"]}}\'',
        bicep="targetScope = 'subscription'\n"
        "resource approved 'Microsoft.Authorization/policyAssignments@2024-04-01' = {\n"
        "  name: 'aip-approved-models'\n  properties: {\n"
        "    policyDefinitionId: tenantResourceId('Microsoft.Authorization/policyDefinitions', "
        f"'{APPROVED_MODELS_POLICY}')\n"
        "    parameters: {\n      effect: { value: 'Deny' }\n"
        "      allowedPublishers: { value: [] }\n"
        "      allowedAssetIds: { value: [ "
        "'azureml://registries/azure-openai/models/gpt-4o/versions/2024-11-20' ] }\n"
        "    }\n  }\n}",
        terraform='resource "azurerm_subscription_policy_assignment" "approved_models" {\n'
        '  name                 = "aip-approved-models"\n'
        '  subscription_id      = "/subscriptions/<SUB>"\n'
        '  policy_definition_id = "/providers/Microsoft.Authorization/policyDefinitions/'
        f'{APPROVED_MODELS_POLICY}"\n'
        "  parameters = jsonencode({\n"
        '    effect            = { value = "Deny" }\n'
        "    allowedPublishers = { value = [] }\n"
        "    allowedAssetIds   = { value = "
        '["azureml://registries/azure-openai/models/gpt-4o/versions/2024-11-20"] }\n'
        "  })\n}",
        portal="Foundry portal > resource '<PARENT>' > Deployments > <NAME> > Delete (after "
        "moving clients to an approved model); Azure portal > Policy > Definitions > "
        "'approved' models policy > Assign with your publishers / asset ids, effect Deny.",
        policy=(
            PolicyFix(
                APPROVED_MODELS_POLICY,
                "Deny",
                "Cognitive Services Deployments should only use approved Registry Models",
            ),
        ),
    ),
    references=Refs(
        mcsb=("AI-1",),
        azure_policy=(APPROVED_MODELS_POLICY,),
        owasp_llm=("LLM03",),
        atlas=("AML.T0010",),
    ),
)
def approved_model(dep: Deployment, ctx: RuleContext) -> Verdict:
    """Unreviewed models (an unvetted open-weights model, a preview version, a publisher the
    organisation has no agreement with) bring unknown safety behaviour, licence terms and
    data handling. The approved list comes from aiposture.toml ([[models.approved]],
    publisher/name/version); when none is configured, from the tenant's own effective
    approved-models policy assignment (aafe3651, allowedPublishers / allowedAssetIds). With
    neither, there is nothing to compare against and the rule does not apply."""
    model = {
        "publisher": _publisher(dep),
        "name": dep.model_name,
        "version": dep.model_version,
    }
    model_ev = ev("properties.model", model)
    if not dep.model_name:
        return unknown(
            "the deployment's model is not in the data", "deployments", evidence=[model_ev]
        )
    approved = ctx.settings.approved_models
    if approved:
        if any(a.matches(_publisher(dep), dep.model_name, dep.model_version) for a in approved):
            return passed("model is on the configured approved list", model_ev)
        return failed(
            f"{dep.model_name} {dep.model_version} ({_publisher(dep)}) is not on the "
            "configured approved list",
            model_ev,
        )
    inv = ctx.inventory
    for col in ("policyAssignments", "policyExemptions"):
        cov = inv.coverage.status(col, dep.key)
        if not cov.complete:
            return unknown(
                f"no approved list configured, and the tenant's policy cannot be read: "
                f"{cov.reason}",
                col,
                evidence=(model_ev,),
            )
    policies = [
        p
        for key in (dep.key, dep.account_key)
        for p in effective_policies(inv, key, ctx.now)
        if p.definition == APPROVED_MODELS_POLICY
    ]
    if not policies:
        return not_applicable(
            "no approved-model list configured ([[models.approved]]) and no effective "
            "approved-models policy"
        )
    pol = policies[0].assignment
    params = (param_value(pol, "allowedPublishers"), param_value(pol, "allowedAssetIds"))
    pol_ev = ev(
        f"policyAssignments/{pol.name}.parameters",
        {"allowedPublishers": params[0], "allowedAssetIds": params[1]},
    )
    if _policy_allows(dep, params):
        return passed(f"model allowed by policy assignment {pol.name!r}", model_ev, pol_ev)
    return failed(
        f"{dep.model_name} {dep.model_version} is not allowed by the tenant's approved-models "
        f"assignment {pol.name!r} (deployed before it, or the policy is audit-only)",
        model_ev,
        pol_ev,
    )


@rule(
    id="AIP-MDL-006",
    title="Model deployment pinned to a retired model version (NoAutoUpgrade)",
    pillar=Pillar.MODEL,
    severity=Severity.LOW,
    target=Deployment,
    requires=("deployments",),
    remediation=Remediation(
        summary="Move deployment <NAME> to a supported model version, or set its "
        "versionUpgradeOption to OnceNewDefaultVersionAvailable / OnceCurrentVersionExpired.",
        az_cli="az resource update --api-version 2024-10-01 --ids <ID> "
        "--set properties.versionUpgradeOption=OnceCurrentVersionExpired "
        "properties.model.version={{SUPPORTED_VERSION}}",
        bicep="resource dep 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {\n"
        "  parent: account // '<PARENT>'\n  name: '<NAME>'\n  properties: {\n"
        "    model: { format: 'OpenAI', name: '<MODEL>', version: '{{SUPPORTED_VERSION}}' }\n"
        "    versionUpgradeOption: 'OnceCurrentVersionExpired'\n  }\n}",
        terraform='resource "azurerm_cognitive_deployment" "this" {\n'
        '  name                   = "<NAME>"\n'
        '  cognitive_account_id   = "<PARENT_ID>"\n'
        '  version_upgrade_option = "OnceCurrentVersionExpired"\n'
        "  model {\n"
        '    format  = "OpenAI"\n    name    = "<MODEL>"\n    version = "{{SUPPORTED_VERSION}}"\n'
        "  }\n  # ... sku unchanged\n}",
        portal="Foundry portal > resource '<PARENT>' > Deployments > <NAME> > Edit > Model "
        "version: a supported version; Version update policy: 'Once the current version "
        "expires' > Save.",
        fills=("<MODEL>",),
    ),
    references=Refs(mcsb=("AI-1", "PV-5"), owasp_llm=("LLM03",)),
)
def retired_model(dep: Deployment, ctx: RuleContext) -> Verdict:
    """A deployment pinned (NoAutoUpgrade) to a model version past its retirement date no
    longer receives safety and quality fixes and, once Azure completes the retirement,
    returns errors; applications then fail over to ad-hoc workarounds. Dates come from
    Microsoft's retirement tables (shipped) plus aiposture.toml [[models.retirements]]."""
    option = dep.version_upgrade_option
    retires = retirement_date(ctx.settings, dep.model_name, dep.model_version)
    evidence = (
        ev("properties.versionUpgradeOption", option),
        ev("properties.model", {"name": dep.model_name, "version": dep.model_version}),
        ev("retirementDate", retires.isoformat() if retires else None),
    )
    today = ctx.now.date()
    if not dep.model_name or not dep.model_version:
        return unknown(
            "the deployment's model name or version is not in the data",
            "deployments",
            evidence=evidence,
        )
    if (option or "").lower() != "noautoupgrade":
        return passed(f"version upgrades are automatic ({option or 'default'})", *evidence)
    if retires is None:
        return passed("pinned, but no known retirement date for this version", *evidence)
    if retires <= today:
        return failed(
            f"pinned (NoAutoUpgrade) to {dep.model_name} {dep.model_version}, retired "
            f"{retires.isoformat()}",
            *evidence,
            fill={"<MODEL>": dep.model_name},
        )
    return passed(f"pinned; retirement scheduled {retires.isoformat()}", *evidence)


def _principals(grants: list[Grant]) -> dict[str, list[Grant]]:
    out: dict[str, list[Grant]] = {}
    for g in grants:
        out.setdefault(g.principal_id, []).append(g)
    return out


def _principal_label(ctx: RuleContext, pid: str) -> str:
    return principal_label(ctx.inventory, pid)


@rule(
    id="AIP-MDL-007",
    title="Too many, or unapproved, principals can change model deployments or content filters",
    pillar=Pillar.MODEL,
    severity=Severity.MEDIUM,
    target=CognitiveAccount,
    requires=(),  # decided three-valued: a grant found fails, unread assignments keep it open
    requires_to_pass=("roleAssignments",),
    remediation=Remediation(
        summary="Limit who can write deployments and raiPolicies on <NAME> to the model-admin "
        "group (aiposture.toml [models] admins, at most max_admins principals): remove broad "
        "Contributor / Cognitive Services (OpenAI) Contributor assignments; give users "
        "Cognitive Services OpenAI User instead.",
        az_cli="az role assignment list --scope <ID> --include-inherited -o table\n"
        "az role assignment delete --ids <ROLE_ASSIGNMENT_ID>\n"
        "az role assignment create --assignee {{MODEL_ADMIN_GROUP_ID}} --role "
        "'Cognitive Services OpenAI Contributor' --scope <ID>",
        bicep="resource admins 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n"
        "  scope: account // '<NAME>'\n"
        "  name: guid(account.id, modelAdminGroupId, 'a001fd3d-188f-4b5d-821b-7da978bf7442')\n"
        "  properties: {\n"
        "    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions',"
        " 'a001fd3d-188f-4b5d-821b-7da978bf7442')\n"
        "    principalId: modelAdminGroupId\n    principalType: 'Group'\n  }\n}",
        terraform='resource "azurerm_role_assignment" "model_admins" {\n'
        '  scope                = "<ID>"\n'
        '  role_definition_name = "Cognitive Services OpenAI Contributor"\n'
        "  principal_id         = var.model_admin_group_id\n}\n"
        "# and remove the other assignments that grant deployments/write or raiPolicies/write",
        portal="Azure portal > <NAME> > Access control (IAM) > Role assignments: remove "
        "Contributor / Cognitive Services Contributor / OpenAI Contributor from everyone "
        "outside the model-admin group (check inherited assignments at RG/subscription).",
        fills=("<ROLE_ASSIGNMENT_ID>",),
    ),
    references=Refs(mcsb=("PA-7", "AI-1"), owasp_llm=("LLM03", "LLM06")),
)
def model_admins(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
    """Whoever can write deployments can swap the model behind an application; whoever can
    write raiPolicies can switch its content filters off. Both actions are matched against
    role permissions (wildcards, notActions, inherited scopes), so Owner, Contributor and
    custom roles count, not only the OpenAI roles. FAIL when principals outside the configured
    model-admin set hold them, or more than max_admins (default 5) do. PIM-eligible holders
    are not counted."""
    idx = permission_index(ctx.inventory)
    access = idx.who_can(account.key, CS_DEPLOYMENT_WRITE) + idx.who_can(
        account.key, CS_RAI_POLICY_WRITE
    )
    grants = list(access.grants)
    holders = _principals(grants)
    evidence = ev(
        "roleAssignments[deployments/write|raiPolicies/write]",
        sorted(
            {
                f"{_principal_label(ctx, pid)}: {g.role_name} at {g.scope}"
                for pid, gs in holders.items()
                for g in gs
            }
        ),
    )
    admins = ctx.settings.model_admins
    outsiders = sorted(pid for pid in holders if admins and pid not in admins)
    limit = ctx.settings.max_model_admins
    failure = None
    if outsiders:
        failure = failed(
            f"{len(outsiders)} principal(s) outside the model-admin set can change deployments "
            "or filters: " + ", ".join(_principal_label(ctx, p) for p in outsiders),
            evidence,
            # The assignments that give the outsiders the write (inherited ones included).
            fill={
                "<ROLE_ASSIGNMENT_ID>": list(
                    dict.fromkeys(g.assignment_id for p in outsiders for g in holders[p])
                )
            },
        )
    elif len(holders) > limit:
        failure = failed(
            f"{len(holders)} principals can change deployments or content filters (limit {limit})",
            evidence,
            fill={"<ROLE_ASSIGNMENT_ID>": ()},  # which ones to remove is the user's choice
        )
    # More holders may hide in what was not read (custom roles not resolved, assignments not
    # collected): then a PASS is not certain.
    return settle(
        failure,
        passed(f"{len(holders)} principal(s) can change deployments/filters", evidence),
        access.missing,
    )


_BROAD = ("subscription", "managementGroup", "root")


_scope_level = scope_level


@rule(
    id="AIP-MDL-008",
    title="Training or grounding data store is writable beyond its AI workload",
    pillar=Pillar.MODEL,
    severity=Severity.HIGH,
    target=StorageAccount,
    target_label="storage account holding training or grounding data (AI-linked)",
    requires=(),  # decided three-valued: a grant found fails, unread assignments keep it open
    requires_to_pass=("roleAssignments",),
    remediation=Remediation(
        summary="Make <NAME> writable only by the AI workload's identity and named data "
        "owners, at the storage-account (or container) scope: remove blob-write roles granted "
        "at resource group, subscription or management group scope, and disallow anonymous "
        "blob access.",
        az_cli="az role assignment list --scope <ID> --include-inherited "
        "--query \"[?contains(roleDefinitionName, 'Blob Data')]\" -o table\n"
        "az role assignment delete --ids <ROLE_ASSIGNMENT_ID>\n"
        "az storage account update --name <NAME> --resource-group <RG> --subscription <SUB> "
        "--allow-blob-public-access false",
        bicep="resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n"
        "  name: '<NAME>'\n  properties: { allowBlobPublicAccess: false }\n}\n"
        "resource writer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n"
        "  scope: sa\n  name: guid(sa.id, workloadPrincipalId, "
        "'ba92f5b4-2d11-453d-a403-e96b0029c9fe')\n"
        "  properties: {\n    roleDefinitionId: subscriptionResourceId("
        "'Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')\n"
        "    principalId: workloadPrincipalId\n  }\n}",
        terraform='resource "azurerm_role_assignment" "workload_writer" {\n'
        '  scope                = "<ID>"\n'
        '  role_definition_name = "Storage Blob Data Contributor"\n'
        "  principal_id         = var.workload_principal_id\n}\n"
        "# set allow_nested_items_to_be_public = false on azurerm_storage_account.<NAME>, and\n"
        "# remove the subscription/RG-wide blob data role assignments",
        portal="Azure portal > <NAME> > Access control (IAM) > Role assignments: remove Storage "
        "Blob Data Owner/Contributor inherited from the subscription or resource group; add "
        "them at this account for the workload identity only. Settings > Configuration > "
        "Allow Blob anonymous access: Disabled.",
        policy=(
            PolicyFix(
                "4fa4b6c0-31ca-4c0d-b10d-24b96f62a751",
                "Deny",
                "Storage account public access should be disallowed",
            ),
        ),
        fills=("<ROLE_ASSIGNMENT_ID>",),
    ),
    references=Refs(
        mcsb=("PA-7", "DP-2"),
        azure_policy=("4fa4b6c0-31ca-4c0d-b10d-24b96f62a751",),
        owasp_llm=("LLM04", "LLM08"),
        atlas=("AML.T0020", "AML.T0070"),
    ),
)
def data_poisoning(st: StorageAccount, ctx: RuleContext) -> Verdict:
    """Whoever can write training data or the documents behind a RAG index can poison the
    model or plant instructions it will follow. Writers are principals whose roles grant the
    blob write data action on this account (wildcards and inheritance resolved). FAIL on
    anonymous blob access, on a blob-write grant at subscription or management-group scope
    (anyone's, workloads included), or at resource-group scope to a principal that is not
    one of the AI workloads using this account. Grants on the account itself are deliberate
    and accepted. While Shared Key is allowed (allowSharedKeyAccess absent or true), listing
    the account keys is write access too: listKeys at resource-group scope or above counts,
    except for principals who can write role assignments there (administrators, whose reach
    the identity and attack-path rules report)."""
    inv = ctx.inventory
    workload_ids: set[str] = set()
    for ai_key in inv.ai_linked.get(st.key, set()):
        res = inv.resource(ai_key)
        if res is not None:
            workload_ids.update(res.identity.principal_ids)
    idx = permission_index(inv)
    writers = idx.who_can(st.key, BLOB_WRITE, data=True)
    grants = list(writers.grants)
    missing = list(writers.missing)
    if st.allow_shared_key_access is not False:
        admins = idx.who_can(st.key, ROLE_ASSIGNMENT_WRITE)
        listers = idx.who_can(st.key, STORAGE_LIST_KEYS)
        missing += listers.missing
        for g in listers.grants:
            if g.principal_id in admins.principals or _scope_level(g.scope) == "resource":
                continue
            if admins.missing:
                # Not a known administrator, but one may hide in what was not read: this
                # grant cannot make a certain failure.
                missing += admins.missing
                continue
            grants.append(g)
    broad = []
    for g in grants:
        level = _scope_level(g.scope)
        if level in _BROAD or (level == "resourceGroup" and g.principal_id not in workload_ids):
            broad.append(g)
    evidence = (
        ev("properties.allowBlobPublicAccess", st.allow_blob_public_access),
        ev("properties.allowSharedKeyAccess", st.allow_shared_key_access),
        ev(
            "roleAssignments[blobs/write or listKeys]",
            sorted(
                f"{_principal_label(ctx, g.principal_id)}: {g.role_name} at {g.scope}"
                for g in grants
            ),
        ),
    )
    problems = []
    if st.allow_blob_public_access is True:
        problems.append("anonymous blob access is allowed")
    if broad:
        problems.append(
            "blob write (directly or through the account keys) granted at broad scope to "
            + ", ".join(
                sorted(
                    {
                        f"{_principal_label(ctx, g.principal_id)} ({g.role_name} at "
                        f"{_scope_level(g.scope)})"
                        for g in broad
                    }
                )
            )
        )
    failure = (
        failed(
            "; ".join(problems),
            *evidence,
            fill={"<ROLE_ASSIGNMENT_ID>": list(dict.fromkeys(g.assignment_id for g in broad))},
        )
        if problems
        else None
    )
    return settle(
        failure,
        passed(f"{len(grants)} writer(s), all scoped to the account", *evidence),
        missing,
    )


PROVISIONED_SKUS = frozenset(
    {"provisionedmanaged", "globalprovisionedmanaged", "datazoneprovisionedmanaged"}
)


@rule(
    id="AIP-MDL-009",
    title="Publicly reachable pay-as-you-go deployment has no capacity cap or rate limit",
    pillar=Pillar.MODEL,
    severity=Severity.LOW,
    target=Deployment,
    requires=("deployments",),
    remediation=Remediation(
        summary="Give deployment <NAME> an explicit capacity (tokens-per-minute quota) sized "
        "to its real load, and put the account behind a private endpoint or an API gateway "
        "with per-client token limits.",
        az_cli="az cognitiveservices account deployment create --name <PARENT> "
        "--resource-group <RG> --subscription <SUB> --deployment-name <NAME> "
        "--model-name <MODEL> --model-version <VERSION> --model-format OpenAI "
        "--sku-name <SKU> --sku-capacity 30",
        bicep="resource dep 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {\n"
        "  parent: account // '<PARENT>'\n  name: '<NAME>'\n"
        "  sku: { name: '<SKU>', capacity: 30 } // 30K tokens per minute\n"
        "  properties: { model: { format: 'OpenAI', name: '<MODEL>', version: '<VERSION>' } }"
        "\n}",
        terraform='resource "azurerm_cognitive_deployment" "this" {\n'
        '  name                 = "<NAME>"\n'
        '  cognitive_account_id = "<PARENT_ID>"\n'
        "  sku {\n"
        '    name     = "<SKU>"\n'
        "    capacity = 30\n"
        "  }\n  # ... model unchanged\n}",
        portal="Foundry portal > resource '<PARENT>' > Deployments > <NAME> > Edit > Tokens "
        "per Minute Rate Limit: set the quota to the expected load > Save; add an API "
        "Management llm-token-limit policy for per-client limits.",
        fills=("<MODEL>", "<VERSION>", "<SKU>"),
    ),
    references=Refs(
        owasp_llm=("LLM10",),
        atlas=("AML.T0034", "AML.T0029"),
    ),
)
def cost_cap(dep: Deployment, ctx: RuleContext) -> Verdict:
    """A pay-as-you-go deployment reachable from the internet bills every token an attacker
    with a stolen key or token sends (cost harvesting, denial of wallet). The deployment's
    capacity (sku.capacity, thousands of tokens per minute, reflected in rateLimits) is the
    only per-deployment brake; without one it can consume the whole subscription quota.
    Provisioned deployments are fixed-cost and do not apply. "Reachable" is the account's
    exposure fact (facts/exposure.py, the same one AIP-NET-001 and the graph use)."""
    sku = (dep.sku or "").lower()
    acc = ctx.inventory.accounts.get(dep.account_key)
    evidence = (
        ev("sku", {"name": dep.sku or None, "capacity": dep.sku_capacity}),
        ev("properties.rateLimits", [list(r) for r in dep.rate_limits]),
        ev(
            "account.publicNetworkAccess",
            acc.public_network_access if acc is not None else "account not collected",
        ),
    )
    if sku in PROVISIONED_SKUS:
        return not_applicable("provisioned (fixed-cost) deployment")
    public = account_exposure(acc) if acc is not None else None
    if public is not None and public.is_false:
        return passed("the account is not reachable from public networks", *evidence)
    if dep.sku_capacity is None and not dep.rate_limits:
        if public is None:
            return unknown(
                "no capacity cap or rate limit, and the account is not in the snapshot",
                "resources",
                evidence=evidence,
            )
        if public.is_unknown:
            return unknown(
                f"no capacity cap or rate limit; account exposure unknown: {public.reason}",
                *public.missing,
                evidence=evidence,
            )
        return failed(
            "public pay-as-you-go deployment with no capacity cap or rate limit",
            *evidence,
            fill={
                "<MODEL>": dep.model_name or None,
                "<VERSION>": dep.model_version or None,
                "<SKU>": dep.sku or None,
            },
        )
    return passed(
        f"capacity capped at {dep.sku_capacity}K tokens per minute"
        if dep.sku_capacity is not None
        else "rate limits set",
        *evidence,
    )


@rule(
    id="AIP-MDL-010",
    title="Model deployment does not block protected material (text, code) in completions",
    pillar=Pillar.MODEL,
    severity=Severity.LOW,
    target=Deployment,
    requires=("deployments",),
    remediation=_filter_remediation(
        "Use a content filter on deployment <NAME> whose Protected Material Text and Protected "
        "Material Code filters run on completions, enabled and blocking (the Microsoft default "
        "policy has both; Microsoft.Nil and custom filters without them do not): the commands "
        "create aiposture-guarded with the recommended settings on <PARENT> and attach it.",
        "Foundry portal > resource '<PARENT>' > Guardrails + controls > Content filters > "
        "Create content filter > Output filter: Protected material for text and Protected "
        "material for code = Annotate and block > Deployment: <NAME> > Create.",
        tuple(
            PolicyFix(
                COMPLETION_FILTER_POLICY,
                "Audit",
                COMPLETION_FILTER_NAME + f" (one assignment per filter: {name})",
                (
                    ("filterName", name),
                    ("allowedEnabledForCompletion", ("true",)),
                    ("allowedBlockingForCompletion", ("true",)),
                ),
            )
            for name in ("Protected Material Text", "Protected Material Code")
        ),
    ),
    references=Refs(
        mcsb=("AI-2",),
        azure_policy=(COMPLETION_FILTER_POLICY,),
        other=(
            "Microsoft Learn: Default content safety policies (Protected Material - Text and "
            "Protected Material - Code on completions)",
            "Microsoft Learn: Protected material detection filter",
        ),
    ),
)
def protected_material_filter(dep: Deployment, ctx: RuleContext) -> Verdict:
    """The protected-material filters stop a completion that reproduces known text (lyrics,
    articles, recipes, selected web content) or code from public GitHub repositories. Without
    them the model can hand users copyrighted text or licensed code verbatim, which the
    organisation then publishes or ships: an intellectual-property and licence-compliance
    exposure, and one that an attacker can provoke on purpose. Annotate-only flags the match
    after the user already has it. Microsoft's default policy includes both filters on
    completions (documented for text models), so a deployment on Microsoft.Default/DefaultV2
    or on the account default passes; Microsoft.Nil and custom filters that leave them out
    fail. Policy af253d37 audits the same entries (one filterName per assignment, enabled and
    blocking required by its defaults): assign it twice, for Text and for Code. The fact is
    facts/content_safety.protected_material, next to Prompt Shields."""
    cf, verdict = _filter_or_verdict(dep)
    if verdict is not None or cf is None:
        return verdict or unknown("content filter not resolved", "raiPolicies")
    fact = protected_material(dep)
    if fact.is_unknown:
        return unknown(fact.reason, *fact.missing)
    evidence = [
        ev("properties.raiPolicyName", dep.rai_policy_name),
        *(ev(path, value) for path, value in fact.evidence),
    ]
    if fact.is_true:
        return passed(fact.reason, *evidence)
    return failed(fact.reason, *evidence)


# ---- AIP-MDL-011: registry models served by ML / Foundry endpoints --------------------------

REGISTRY_MODELS_NAME = (
    "[Preview]: Azure Machine Learning Deployments should only use approved Registry Models"
)
ALLOWED_REGISTRY_NAME = (
    "[Preview]: Azure Machine Learning Model Registry Deployments are restricted except for "
    "the allowed Registry"
)


def _string_list(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def registry_policies(inv: Inventory, key: str, now: dt.datetime) -> list[RegistryPolicy]:
    """The registry-model policies (19539b54, 12e5dd16) assigned directly over `key`, with
    their allow-list parameters (an unset parameter takes the definition's default: "" / []).
    An initiative feeding them names the parameters its own way, so only direct assignments
    give an allow-list."""
    out = []
    for p in effective_policies(inv, key, now):
        a = p.assignment
        if p.definition not in (ALLOWED_REGISTRY_POLICY, REGISTRY_MODELS_POLICY):
            continue
        if definition_ref(a)[0] != "definition":
            continue
        label = a.display_name or a.name
        if p.definition == ALLOWED_REGISTRY_POLICY:
            registry = param_value(a, "allowedRegistryName")
            out.append(
                RegistryPolicy(
                    label,
                    p.definition,
                    allowed_registry=registry if isinstance(registry, str) else "",
                    restricted_models=_string_list(param_value(a, "restrictedModels")),
                )
            )
        else:
            out.append(
                RegistryPolicy(
                    label,
                    p.definition,
                    allowed_publishers=_string_list(param_value(a, "allowedPublishers")),
                    allowed_asset_ids=_string_list(param_value(a, "allowedAssetIds")),
                )
            )
    return out


@rule(
    id="AIP-MDL-011",
    title="ML endpoint serves a model from a registry outside the allowed list",
    pillar=Pillar.MODEL,
    severity=Severity.MEDIUM,
    target=MLModelEndpoint,
    target_label="ML serverless endpoint or online deployment",
    requires=("resources",),
    remediation=Remediation(
        summary="Serve a model from an allowed registry on <NAME> (or add its registry to "
        "[models] allowed_registries after review), and enforce it with the built-in "
        "registry-model policies.",
        az_cli="# online deployment: point it at a model from an allowed registry\n"
        "az resource update --ids <ID> --api-version 2024-04-01 "
        "--set properties.model={{APPROVED_MODEL_ID}}\n"
        "# serverless endpoint (its model cannot change): delete it, then re-create it from "
        "the approved model with the Bicep form\n"
        "# az resource delete --ids <ID> --api-version 2024-04-01",
        bicep="// serverless endpoint (an online deployment sets properties.model instead)\n"
        "resource ep 'Microsoft.MachineLearningServices/workspaces/serverlessEndpoints"
        "@2024-04-01' = {\n"
        "  parent: workspace // '<PARENT>'\n  name: '<NAME>'\n  location: '<LOCATION>'\n"
        "  sku: { name: 'Consumption' }\n"
        "  properties: {\n    authMode: 'Key'\n"
        "    modelSettings: { modelId: '{{APPROVED_MODEL_ID}}' }\n  }\n}",
        terraform='resource "azapi_resource" "serverless_endpoint" {\n'
        '  type      = "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints'
        '@2024-04-01"\n'
        '  name      = "<NAME>"\n'
        '  parent_id = "<PARENT_ID>"\n'
        '  location  = "<LOCATION>"\n'
        "  body = {\n"
        '    sku        = { name = "Consumption" }\n'
        "    properties = {\n"
        '      authMode      = "Key"\n'
        '      modelSettings = { modelId = "{{APPROVED_MODEL_ID}}" }\n'
        "    }\n  }\n}",
        portal="Azure AI Foundry portal > project on workspace '<PARENT>' > Models + endpoints "
        "> <NAME>: delete it, then Deploy model > pick the model from the catalog of an "
        "allowed registry; Azure portal > Policy > assign the two Machine Learning registry "
        "model policies (effect Deny) with your registry.",
        policy=(
            PolicyFix(
                ALLOWED_REGISTRY_POLICY,
                "Deny",
                ALLOWED_REGISTRY_NAME,
                parameters=(("allowedRegistryName", "azureml"), ("restrictedModels", ())),
            ),
            PolicyFix(
                REGISTRY_MODELS_POLICY,
                "Deny",
                REGISTRY_MODELS_NAME,
                parameters=(
                    ("allowedPublishers", ()),
                    (
                        "allowedAssetIds",
                        ("azureml://registries/azureml/", "azureml://registries/azure-openai/"),
                    ),
                ),
            ),
        ),
    ),
    references=Refs(
        mcsb=("AI-1",),
        azure_policy=(ALLOWED_REGISTRY_POLICY, REGISTRY_MODELS_POLICY),
        owasp_llm=("LLM03",),
        atlas=("AML.T0010",),
    ),
)
def endpoint_registry_model(ep: MLModelEndpoint, ctx: RuleContext) -> Verdict:
    """A model pulled from an arbitrary Azure ML registry (another tenant's, a community
    share, a typo-squatted name) is third-party code and weights: it can carry a backdoor or
    poisoned behaviour, an unsafe pickle, or licence terms nobody reviewed, and it then
    answers the organisation's users. Serverless endpoints and online deployments name the
    model they serve as an asset id; a registry model is
    `azureml://registries/<registry>/...`. The allow-list is aiposture.toml [models]
    allowed_registries when the config names it; otherwise the tenant's own direct assignments
    over the endpoint of Azure Policy 19539b54 (Deny outside one allowedRegistryName, and any
    asset id in restrictedModels) and 12e5dd16 (allowedPublishers / allowedAssetIds, partial
    asset ids allowed), evaluated as Azure would; otherwise Microsoft's curated catalog
    registries (azureml, azure-openai, azureml-meta, azureml-mistral, azureml-cohere). A
    workspace's own model is not a registry model and passes unless [models] registries_only
    is set."""
    settings = ctx.settings
    policies = (
        []
        if settings.allowed_registries_configured
        else registry_policies(ctx.inventory, ep.key, ctx.now)
    )
    if policies:
        fact = serves_policy_allowed_model(ep, policies, registries_only=settings.registries_only)
        allow_list = (
            ev("allowList", "policyAssignments"),
            ev(
                "policyAssignments[registry models]",
                [
                    {"assignment": p.assignment, "definition": p.definition, **p.parameters()}
                    for p in policies
                ],
            ),
        )
    else:
        fact = serves_allowed_model(
            ep, settings.allowed_registries, registries_only=settings.registries_only
        )
        allow_list = (
            ev("allowList", "settings"),
            ev("settings.models.allowed_registries", list(settings.allowed_registries)),
        )
    return verdict_from_fact(fact, after=allow_list)
