"""GOV: landing zones, Azure Policy guardrails, tagging and shadow AI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from aiposture.config import Settings
from aiposture.model.entities import (
    AksCluster,
    BotService,
    CognitiveAccount,
    MLCompute,
    MLWorkspace,
    PolicyAssignment,
    PolicyExemption,
    PolicyState,
    Resource,
    SearchService,
    Subscription,
)
from aiposture.model.inventory import Inventory
from aiposture.model.types import Pillar, Severity
from aiposture.rules.common import subscriptions_hosting
from aiposture.rules.policy_builtins import alz_initiatives, builtin_initiatives, builtin_policy
from aiposture.rules.registry import rule
from aiposture.rules.types import (
    PolicyFix,
    Refs,
    Remediation,
    RuleContext,
    Selector,
    Verdict,
    ev,
    failed,
    not_applicable,
    passed,
    scope_of,
    settle,
    unknown,
)

# ---- effective policy assignments ------------------------------------------------------------

_T = TypeVar("_T")


def _memo(inv: Inventory, name: str, build: Callable[[Inventory], _T]) -> _T:
    """A per-inventory index, built once (rules run per resource; scans must stay linear)."""
    return inv.memo(f"gov_{name}", lambda: build(inv))


def _exemptions_by_assignment(inv: Inventory) -> dict[str, list[PolicyExemption]]:
    out: dict[str, list[PolicyExemption]] = {}
    for ex in inv.policy_exemptions:
        out.setdefault(ex.policy_assignment_id, []).append(ex)
    return out


ALLOWED_LOCATIONS = "e56962a6-4747-49cd-b67b-bf8b01975c4c"


@dataclass(frozen=True)
class Initiative:
    name: str
    # member definition guid -> the initiative parameter that sets its effect (None: the
    # initiative passes none, so a built-in member runs with its definition's default effect)
    members: dict[str, str | None]
    # initiative parameter -> its default value (an unset parameter takes it)
    defaults: Mapping[str, object] = field(default_factory=dict)
    # member guid -> (list parameter, value): the member runs only while the list holds it
    conditions: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def _alz_initiatives() -> dict[str, Initiative]:
    """The ALZ AI guardrail initiatives from the generated data (policy_builtins.json):
    Enforce-Guardrails-CognitiveServices, -OpenAI, -MachineLearning and -BotService. Only
    built-in members are listed; the ALZ custom definitions they also hold (e.g.
    Deny-CognitiveServices-NetworkAcls) are not rules' guardrails here."""
    out = {}
    for key, ini in alz_initiatives().items():
        out[key] = Initiative(
            f"ALZ {ini.name}",
            {m.definition: m.initiative_parameter for m in ini.members if m.built_in},
            {k.lower(): v for k, v in ini.parameter_defaults.items()},
        )
    return out


def _builtin_initiatives() -> dict[str, Initiative]:
    """Microsoft built-in initiatives from the generated data, keyed by GUID: the Microsoft
    cloud security benchmark (1f3afdf9-d0c9-4c3d-847f-89da613e70a8) and "Enable allLogs
    category group resource logging for supported resources to Log Analytics"
    (0884adba-2312-4468-abeb-5422caed1038) and its audit-category-group twin
    (f5b29bc4-feca-4cc6-a58a-772dd5e290a5), whose diagnostic-settings members run only for the
    resource types their resourceTypeList holds, read from Azure/azure-policy
    built-in-policies/policySetDefinitions. A tenant's collected
    policySetDefinitions hold its own initiatives, not Microsoft's, so an assignment of a
    built-in initiative is resolved here. Several of the benchmark's effect parameters default
    to Disabled (e.g. its subnet-NSG and customer-managed-key members): such a member counts
    only when the assignment sets its parameter to an enforcing effect."""
    return {
        key: Initiative(
            ini.display_name,
            {m.definition: m.initiative_parameter for m in ini.members if m.built_in},
            {k.lower(): v for k, v in ini.parameter_defaults.items()},
            {m.definition: m.enabled_if_listed for m in ini.members if m.enabled_if_listed},
        )
        for key, ini in builtin_initiatives().items()
    }


# Initiatives whose membership we verified against their published source. Built-ins are keyed
# by GUID; ALZ initiatives are custom definitions deployed under the ALZ name, so they are keyed
# by that name. They are the fallback when the snapshot carries no policySetDefinitions; a
# collected definition always wins. A custom initiative found in neither covers nothing. An
# initiative parameter the assignment does not set takes the initiative's default.
INITIATIVES: dict[str, Initiative] = {
    # Enforce-Guardrails-CognitiveServices / -OpenAI / -MachineLearning / -BotService, read
    # from Azure/Enterprise-Scale src/resources/Microsoft.Authorization/policySetDefinitions/
    # (path and commit in policy_builtins.json).
    **_alz_initiatives(),
    **_builtin_initiatives(),
    # Deny-PublicPaaSEndpoints.json (v3.1.0): of the AI types it covers only ML workspaces.
    "deny-publicpaasendpoints": Initiative(
        "ALZ Deny-PublicPaaSEndpoints",
        {"438c38d2-3772-465a-a9cc-7a6666a275ce": "MlPublicIpDenyEffect"},
    ),
}


def definition_ref(assignment: PolicyAssignment) -> tuple[str, str]:
    """(kind, key) of what an assignment assigns: kind "definition" or "set"; key is the GUID
    (or name) lower-cased."""
    pid = assignment.policy_definition_id.lower()
    kind = "set" if "/policysetdefinitions/" in pid else "definition"
    return kind, pid.rstrip("/").rsplit("/", 1)[-1]


def param_value(assignment: PolicyAssignment, name: str) -> object:
    """An assignment parameter's value; names and the `value` key compare case-insensitively,
    as ARM does."""
    for k, v in assignment.parameters.items():
        if k.lower() == name.lower():
            if isinstance(v, Mapping):
                return next((x for kk, x in v.items() if str(kk).lower() == "value"), None)
            return v
    return None


def assigned_definitions(
    assignment: PolicyAssignment, inv: Inventory | None = None
) -> dict[str, str | None]:
    """Definition GUIDs an assignment puts in force, with the effect it sets when known.

    An initiative's membership comes from its collected definition (policySetDefinitions,
    built-in or custom: an effect parameter not set by the assignment takes the initiative's
    default), else from the verified INITIATIVES table. A member whose effect resolves to
    Disabled is switched off and left out."""
    kind, key = definition_ref(assignment)
    out: dict[str, str | None] = {}
    collected = (
        inv.policy_set_definitions.get(assignment.policy_definition_id.lower().rstrip("/"))
        if inv is not None and kind == "set"
        else None
    )
    if kind == "definition":
        builtin = builtin_policy(key)
        effect = param_value(
            assignment, (builtin.effect_parameter if builtin else None) or "effect"
        )
        if effect is None and builtin is not None:
            effect = builtin.default_effect  # an unset effect parameter takes its default
        out[key] = str(effect) if effect is not None else None
    elif collected is not None:
        for m in collected.members:
            value: object = m.effect
            if m.effect_parameter:
                value = param_value(assignment, m.effect_parameter)
                if value is None:
                    value = collected.parameter_defaults.get(m.effect_parameter.lower())
            out[m.definition_guid] = str(value) if value is not None else None
    else:
        ini = INITIATIVES.get(key)
        if ini is None:
            return {}
        for guid, param in ini.members.items():
            effect = _initiative_value(assignment, ini, param) if param else None
            if effect is None and not param and (builtin := builtin_policy(guid)) is not None:
                effect = builtin.default_effect  # the initiative passes no effect
            if guid in ini.conditions:
                list_param, wanted = ini.conditions[guid]
                listed = _initiative_value(assignment, ini, list_param)
                if not isinstance(listed, list) or wanted not in {str(x).lower() for x in listed}:
                    effect = "Disabled"  # [if(contains(list, value), effect, 'Disabled')]
            out[guid] = str(effect) if effect is not None else None
    return {g: e for g, e in out.items() if _in_force(g, e)}


def _initiative_value(assignment: PolicyAssignment, ini: Initiative, param: str) -> object:
    """An initiative parameter as assigned, else the initiative's default."""
    value = param_value(assignment, param)
    return ini.defaults.get(param.lower()) if value is None else value


def _in_force(guid: str, effect: str | None) -> bool:
    """An effect puts a definition in force unless it is Disabled, or (for a built-in whose
    allowed effects are known) one the definition does not allow: Azure rejects such an
    assignment, so it guards nothing."""
    if effect is None:
        return True
    if effect.lower() == "disabled":
        return False
    builtin = builtin_policy(guid)
    return builtin is None or not builtin.allowed_effects or builtin.allows(effect)


def _within(key: str, scope: str) -> bool:
    scope = scope.lower().rstrip("/")
    return key == scope or key.startswith(scope + "/")


def _exemption_active(ex: PolicyExemption, now: dt.datetime) -> bool:
    if not ex.expires_on:
        return True
    try:
        expires = dt.datetime.fromisoformat(ex.expires_on.replace("Z", "+00:00"))
    except ValueError:
        return True  # unreadable expiry: Azure would not have accepted it; assume in force
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.UTC)
    return expires > now


@dataclass(frozen=True)
class EffectivePolicy:
    assignment: PolicyAssignment
    definition: str
    effect: str | None


def effective_policies(
    inv: Inventory, key: str, now: dt.datetime, *, enforced_only: bool = True
) -> list[EffectivePolicy]:
    """Policy definitions in force on resource `key`: assigned at a scope containing it
    (inherited MG -> subscription -> RG -> resource), enforcementMode Default, not excluded by
    notScopes, not exempted by an active exemption at or above the resource. An exemption
    limited to some definitions of an initiative (policyDefinitionReferenceIds) is treated as
    exempting the whole assignment: the conservative reading for a guardrail check."""
    key = key.lower()
    chain = set(inv.scope_chain(key))
    out = []
    for a in inv.policy_assignments:
        if a.scope.lower() not in chain and a.scope != "/":
            continue
        if any(_within(key, ns) for ns in a.not_scopes):
            continue
        if enforced_only and (a.enforcement_mode or "Default").lower() != "default":
            continue
        exemptions = _memo(inv, "exemptions", _exemptions_by_assignment).get(a.key, ())
        if any(_within(key, ex.scope) and _exemption_active(ex, now) for ex in exemptions):
            continue
        for guid, effect in assigned_definitions(a, inv).items():
            out.append(EffectivePolicy(a, guid, effect))
    return out


def policy_gaps(inv: Inventory, key: str) -> tuple[str, ...]:
    """What could put a policy in force on `key` that effective_policies cannot see: the
    assignments not read for its scope, its subscription's management-group ancestry (when
    assignments sit at management-group scope), initiatives whose membership is unknown. An
    unread exemption can only take a policy away, so it is not a gap for "no policy" (the
    rules name policyExemptions as needed to PASS instead)."""
    missing: list[str] = []
    status = inv.coverage.status
    if not status("policyAssignments", key).complete:
        missing.append("policyAssignments")
    parts = key.split("/")
    sub_unread = (
        len(parts) > 2
        and parts[1] == "subscriptions"
        and parts[2] not in inv.subscriptions
        and not status("subscriptions", "/".join(parts[:3])).complete
    )
    if sub_unread and any(a.scope.lower().startswith(_MG_SCOPE) for a in inv.policy_assignments):
        missing.append("subscriptions")
    if not status("policyDefinitions", key).complete:
        opaque = _memo(inv, "opaque_set_scopes", _opaque_set_scopes)
        if opaque and ("/" in opaque or not opaque.isdisjoint(inv.scope_chain(key))):
            missing.append("policyDefinitions")  # an initiative of unknown membership
    return tuple(missing)


_MG_SCOPE = "/providers/microsoft.management/managementgroups/"


def _opaque_set_scopes(inv: Inventory) -> frozenset[str]:
    """Scopes holding an initiative assignment whose membership is unknown (its definition
    not collected, and not one of the verified INITIATIVES)."""
    out = set()
    for a in inv.policy_assignments:
        kind, ref = definition_ref(a)
        pid = a.policy_definition_id.lower().rstrip("/")
        if kind == "set" and ref not in INITIATIVES and pid not in inv.policy_set_definitions:
            out.add(a.scope.lower().rstrip("/") or "/")
    return frozenset(out)


def policy_verdict(res: Resource, ctx: RuleContext, wanted: Iterable[str], what: str) -> Verdict:
    """PASS when a wanted policy is in force (the rules add policyExemptions as needed to
    PASS: an unread exemption could take it away); FAIL when none is and nothing unread could
    add one; otherwise UNKNOWN naming what is missing."""
    wanted_set = {w.lower() for w in wanted}
    found = [
        p for p in effective_policies(ctx.inventory, res.key, ctx.now) if p.definition in wanted_set
    ]
    evidence = ev(
        "policyAssignments[effective]",
        [
            {"assignment": p.assignment.id, "definition": p.definition, "effect": p.effect}
            for p in found
        ],
    )
    if found:
        p = found[0]
        how = f" (effect {p.effect})" if p.effect else ""
        return passed(
            f"{what} is guarded by assignment "
            f"{p.assignment.display_name or p.assignment.name!r}{how}",
            evidence,
        )
    gaps = policy_gaps(ctx.inventory, res.key)
    message = (
        f"no effective policy assignment ({', '.join(sorted(wanted_set))}) covers it: {what} "
        "is not guarded"
    )
    if gaps:
        return unknown(f"{message} in what was read", *gaps, evidence=(evidence,))
    return failed(message, evidence)


# ---- target selection -----------------------------------------------------------------------

GUARDED_TYPES: tuple[type[Resource], ...] = (CognitiveAccount, MLWorkspace, SearchService)


def _select(*classes: type[Resource]) -> Selector:
    def select(inv: Inventory, settings: Settings) -> Iterable[Resource]:
        out: list[Resource] = []
        for cls in classes:
            out.extend(inv.of_type(cls))
        return [r for r in out if inv.is_ai(r)]

    return select


def _top_level_ai(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    out: list[Resource] = []
    for cls in (CognitiveAccount, MLWorkspace, SearchService, AksCluster):
        out.extend(r for r in inv.of_type(cls) if inv.is_ai(r))
    return out


def _located_ai(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return [*_top_level_ai(inv, settings), *inv.of_type(MLCompute)]


# Per type, the built-ins that guard the control: audit or deny definitions, and the Modify /
# DeployIfNotExists definitions that remediate it (read from their policyRule in
# policy_builtins.json's sources).
PUBLIC_NETWORK_POLICIES = {
    "microsoft.cognitiveservices/accounts": (
        "037eea7a-bd0a-46c5-9a66-03aea78705d3",
        "47ba1dd7-28d9-4b07-a8d5-9813bed64e0c",  # modify: publicNetworkAccess Disabled
    ),
    "microsoft.machinelearningservices/workspaces": (
        "438c38d2-3772-465a-a9cc-7a6666a275ce",
        "a10ee784-7409-4941-b091-663697637c0f",  # modify: disables public access
    ),
    "microsoft.search/searchservices": (
        "ee980b6d-0eca-4501-8d54-f6290fd512c3",
        "9cee519f-d9c1-4fd9-9f79-24ec3449ed30",  # modify: publicNetworkAccess Disabled
    ),
    # Both check publicNetworkAccess notEquals Disabled (isolated mode v2 and public access).
    "microsoft.botservice/botservices": (
        "5e8168db-69e3-4beb-9822-57cb59202a9d",
        "52152f42-0dda-40d9-976e-abb1acdd611e",
    ),
}
LOCAL_AUTH_POLICIES = {
    "microsoft.cognitiveservices/accounts": (
        "71ef260a-8f18-47b7-abcb-62d0673d94dc",
        "14de9e63-1b31-492e-a5a3-c3f7fd57f555",  # modify: disableLocalAuth true
        "55eff01b-f2bd-4c32-9203-db285f709d30",  # deployIfNotExists: disableLocalAuth true
    ),
    "microsoft.search/searchservices": (
        "6300012e-e9a4-4649-b41f-a85f5c43be91",
        "71ef260a-8f18-47b7-abcb-62d0673d94dc",  # its policyRule covers searchServices too
        "4eb216f2-9dba-4979-86e6-5d7e63ce3b75",  # modify: disableLocalAuth true
        "d45520cb-31ca-44ba-8da2-fcf914608544",  # deployIfNotExists on searchServices
    ),
    "microsoft.machinelearningservices/workspaces/computes": (
        "e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f",
        "a6f9a2d0-cff7-4855-83ad-4cd750666512",  # modify: disables local auth
    ),
    "microsoft.botservice/botservices": ("ffea632e-4e3a-4424-bf78-10e179bb2e1a",),
}
DIAGNOSTIC_POLICIES = {
    "microsoft.cognitiveservices/accounts": (
        "1b4d1c4e-934c-4703-944c-27c82c06bebb",
        "55d1f543-d1b0-4811-9663-d6d0dbc6326d",  # category group to Log Analytics
    ),
    "microsoft.search/searchservices": (
        "b4330a05-a843-4bc8-bf9a-cacce50c67f4",
        "1b4d1c4e-934c-4703-944c-27c82c06bebb",  # its policyRule covers searchServices too
        "8def4bdd-4362-4ed6-a26f-7bf8f2c58839",  # category group to Log Analytics
        "08ba64b8-738f-4918-9686-730d2ed79c7d",  # deployIfNotExists to Log Analytics
    ),
    "microsoft.machinelearningservices/workspaces": (
        "afe0c3be-ba3b-4544-ba52-0c99672a8ad6",
        "f59276f0-5740-4aaf-821d-45d185aa210e",  # deployIfNotExists to Log Analytics
        "90c90eda-bfe7-4c67-bf26-410420ed1047",  # category group to Log Analytics
    ),
}

# A missing guardrail is certain from the assignments alone (exemptions only take policies
# away): policyAssignments is asked per resource (policy_gaps), exemptions are needed to PASS.
POLICY_REQUIRES: tuple[str, ...] = ()
POLICY_REQUIRES_TO_PASS = ("policyExemptions",)


def _policy_remediation(summary: str, guid: str, effect: str, display: str) -> Remediation:
    return Remediation(
        summary=summary,
        az_cli=f"az policy assignment create --name aip-{guid[:8]} "
        f"--display-name '{display}' --scope /subscriptions/<SUB> "
        f'--policy {guid} --params \'{{"effect": {{"value": "{effect}"}}}}\'',
        bicep="targetScope = 'subscription'\n"
        f"resource guard 'Microsoft.Authorization/policyAssignments@2024-04-01' = {{\n"
        f"  name: 'aip-{guid[:8]}'\n  properties: {{\n"
        f"    displayName: '{display}'\n"
        f"    policyDefinitionId: tenantResourceId('Microsoft.Authorization/policyDefinitions', "
        f"'{guid}')\n"
        "    enforcementMode: 'Default'\n"
        f"    parameters: {{ effect: {{ value: '{effect}' }} }}\n  }}\n}}",
        terraform='resource "azurerm_subscription_policy_assignment" "guard" {\n'
        f'  name                 = "aip-{guid[:8]}"\n'
        '  subscription_id      = "/subscriptions/<SUB>"\n'
        f'  policy_definition_id = "/providers/Microsoft.Authorization/policyDefinitions/{guid}"\n'
        f'  parameters           = jsonencode({{ effect = {{ value = "{effect}" }} }})\n}}',
        portal=f"Azure portal > Policy > Definitions > search '{display}' > Assign: scope the "
        "landing-zone management group (or subscription <SUB>), Effect "
        f"{effect}, Enforcement Enabled > Review + create.",
        policy=(PolicyFix(guid, effect, display),),
    )


# ---- rules ------------------------------------------------------------------------------------


@rule(
    id="AIP-GOV-001",
    title="Subscription hosting AI resources sits directly under the tenant root group",
    pillar=Pillar.GOVERNANCE,
    severity=Severity.MEDIUM,
    target=Subscription,
    target_label="subscription hosting AI resources",
    select=subscriptions_hosting(),
    requires=("subscriptions",),
    remediation=Remediation(
        summary="Move subscription <NAME> under a landing-zone management group (e.g. "
        "Landing zones > Corp/Online, or Sandbox) so platform guardrails are inherited.",
        az_cli="az account management-group subscription add --name {{MANAGEMENT_GROUP}} "
        "--subscription <SUB>",
        bicep="targetScope = 'managementGroup'\n"
        "resource sub 'Microsoft.Management/managementGroups/subscriptions@2023-04-01' = {\n"
        "  name: '<SUB>' // deployed at the target landing-zone management group\n}",
        terraform='resource "azurerm_management_group_subscription_association" "lz" {\n'
        "  management_group_id = var.landing_zone_management_group_id\n"
        '  subscription_id     = "/subscriptions/<SUB>"\n}',
        portal="Azure portal > Management groups > the landing-zone group > + Add "
        "subscription > <NAME> > Save.",
    ),
    references=Refs(other=("CAF Azure landing zones: management group hierarchy",)),
)
def landing_zone(sub: Subscription, ctx: RuleContext) -> Verdict:
    """A subscription directly under the tenant root group inherits none of the landing-zone
    guardrails (network, logging, Defender, allowed regions) that the platform team assigns
    to management groups: AI workloads there are shadow IT with production reach."""
    inv = ctx.inventory
    chain = sub.mg_ancestors or inv.mg_chain(sub.subscription_id)
    evidence = ev("properties.managementGroupAncestorsChain[].name", list(chain))
    if not chain:
        return unknown(
            "the subscription's management-group chain was not collected",
            "managementGroups",
            evidence=(evidence,),
        )
    parent = chain[0].lower()
    tenant = (inv.metadata.tenant_id or "").lower()
    mg = inv.management_groups.get(parent)
    is_root = parent == tenant or (mg is not None and mg.parent_name is None and len(chain) == 1)
    if is_root:
        return failed("sits directly under the tenant root management group", evidence)
    return passed(f"under management group {chain[0]!r}", evidence)


@rule(
    id="AIP-GOV-002",
    title="No effective Azure Policy guards public network access of this AI resource",
    pillar=Pillar.GOVERNANCE,
    severity=Severity.MEDIUM,
    target=Resource,
    target_label="AI resource (AI services account, ML workspace, AI Search, Bot Service)",
    select=_select(*GUARDED_TYPES, BotService),
    requires=POLICY_REQUIRES,
    requires_to_pass=POLICY_REQUIRES_TO_PASS,
    remediation=_policy_remediation(
        "Assign the built-in policy that audits or denies public network access for this "
        "resource type (shown for AI services accounts; ML workspaces: 438c38d2-3772-465a-a9cc-"
        "7a6666a275ce; AI Search: ee980b6d-0eca-4501-8d54-f6290fd512c3), or the ALZ "
        "Enforce-Guardrails-OpenAI initiative, at the landing-zone management group.",
        "037eea7a-bd0a-46c5-9a66-03aea78705d3",
        "Deny",
        "Azure AI Services resources should restrict network access",
    ),
    references=Refs(
        mcsb=("NS-2", "PV-2"),
        azure_policy=tuple(dict.fromkeys(g for v in PUBLIC_NETWORK_POLICIES.values() for g in v)),
        other=(
            "ALZ Enforce-Guardrails-OpenAI",
            "ALZ Enforce-Guardrails-CognitiveServices",
            "ALZ Enforce-Guardrails-MachineLearning",
            "ALZ Enforce-Guardrails-BotService",
        ),
    ),
)
def public_network_guardrail(res: Resource, ctx: RuleContext) -> Verdict:
    """Fixing one exposed endpoint does not stop the next deployment from being public. An
    effective assignment (inherited through management group, subscription and resource
    group, enforcement Default, not excluded by notScopes or an active exemption, effect not
    Disabled, and one the definition allows) of the type's public-network policy keeps the fix
    from regressing: the audit/deny definitions, and the Modify definitions that set
    publicNetworkAccess Disabled (47ba1dd7 accounts, 9cee519f Search, a10ee784 ML
    workspaces). An unset effect takes the definition's default. ALZ initiatives count where
    their membership was read from source: Enforce-Guardrails-OpenAI, -CognitiveServices and
    -MachineLearning, and Deny-PublicPaaSEndpoints, which covers only ML workspaces among AI
    types (not AI services or AI Search). Bot Service: 5e8168db and 52152f42 (isolated mode,
    v2 checks publicNetworkAccess too), alone or through Enforce-Guardrails-BotService."""
    return policy_verdict(res, ctx, PUBLIC_NETWORK_POLICIES.get(res.type, ()), "public access")


@rule(
    id="AIP-GOV-003",
    title="No effective Azure Policy guards local (key) authentication of this AI resource",
    pillar=Pillar.GOVERNANCE,
    severity=Severity.MEDIUM,
    target=Resource,
    target_label="AI resource (AI services account, AI Search, ML compute, Bot Service)",
    select=_select(CognitiveAccount, SearchService, MLCompute, BotService),
    requires=POLICY_REQUIRES,
    requires_to_pass=POLICY_REQUIRES_TO_PASS,
    remediation=_policy_remediation(
        "Assign the built-in policy that denies (or modifies) local key authentication for "
        "this type (AI services: 71ef260a / 14de9e63; AI Search: 6300012e-e9a4-4649-b41f-"
        "a85f5c43be91; ML computes: e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f).",
        "71ef260a-8f18-47b7-abcb-62d0673d94dc",
        "Deny",
        "Azure AI Services resources should have key access disabled (disable local "
        "authentication)",
    ),
    references=Refs(
        mcsb=("IM-1", "PV-2"),
        azure_policy=tuple(dict.fromkeys(g for v in LOCAL_AUTH_POLICIES.values() for g in v)),
        other=(
            "ALZ Enforce-Guardrails-OpenAI",
            "ALZ Enforce-Guardrails-CognitiveServices",
            "ALZ Enforce-Guardrails-MachineLearning",
            "ALZ Enforce-Guardrails-BotService",
        ),
    ),
)
def local_auth_guardrail(res: Resource, ctx: RuleContext) -> Verdict:
    """API keys are bearer secrets that bypass Entra ID, Conditional Access and per-user
    audit. Without a policy denying (or modifying) local authentication, any redeployment or
    new resource comes back with keys enabled. The Modify (14de9e63, 4eb216f2, a6f9a2d0) and
    DeployIfNotExists (55eff01b accounts, d45520cb Search) definitions that set
    disableLocalAuth count, as do the ALZ OpenAI, CognitiveServices and MachineLearning
    guardrail initiatives. Bot Service: ffea632e, alone or through
    Enforce-Guardrails-BotService."""
    return policy_verdict(res, ctx, LOCAL_AUTH_POLICIES.get(res.type, ()), "local auth")


@rule(
    id="AIP-GOV-004",
    title="No effective Azure Policy requires diagnostic logs on this AI resource",
    pillar=Pillar.GOVERNANCE,
    severity=Severity.MEDIUM,
    target=Resource,
    target_label="AI resource (AI services account, ML workspace, AI Search)",
    select=_select(*GUARDED_TYPES),
    requires=POLICY_REQUIRES,
    requires_to_pass=POLICY_REQUIRES_TO_PASS,
    remediation=_policy_remediation(
        "Assign the built-in diagnostic-log policy for the type at the landing-zone "
        "management group: AuditIfNotExists 1b4d1c4e (AI services), or the "
        "DeployIfNotExists 55d1f543 (category group to Log Analytics, needs a managed identity "
        "and a workspace parameter); AI Search b4330a05; ML workspaces afe0c3be.",
        "1b4d1c4e-934c-4703-944c-27c82c06bebb",
        "AuditIfNotExists",
        "Diagnostic logs in Azure AI services resources should be enabled",
    ),
    references=Refs(
        mcsb=("LT-3", "PV-2"),
        azure_policy=tuple(dict.fromkeys(g for v in DIAGNOSTIC_POLICIES.values() for g in v)),
        other=(
            "ALZ Enforce-Guardrails-OpenAI",
            "ALZ Enforce-Guardrails-CognitiveServices",
            "ALZ Enforce-Guardrails-MachineLearning",
        ),
    ),
)
def diagnostics_guardrail(res: Resource, ctx: RuleContext) -> Verdict:
    """Logging that depends on someone remembering to add a diagnostic setting is missing on
    the resource that matters. An audit (or deployIfNotExists) policy makes missing logs
    visible, or fixes them, for every new AI resource: the AuditIfNotExists definitions
    (1b4d1c4e, b4330a05, afe0c3be), the category-group ones (55d1f543 accounts, 8def4bdd
    Search, 90c90eda ML workspaces; DeployIfNotExists or AuditIfNotExists) and the older
    DeployIfNotExists ones (08ba64b8 Search, f59276f0 ML workspaces)."""
    return policy_verdict(res, ctx, DIAGNOSTIC_POLICIES.get(res.type, ()), "diagnostic logging")


def _assignments_over_ai(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    chains = {r.key: set(inv.scope_chain(r.key)) for r in _top_level_ai(inv, settings)}
    return [
        a
        for a in inv.policy_assignments
        if any(
            (a.scope in chain or a.scope == "/") and not any(_within(k, ns) for ns in a.not_scopes)
            for k, chain in chains.items()
        )
    ]


@rule(
    id="AIP-GOV-005",
    title="Policy assignment over AI resources is not enforced, or exempted without expiry",
    pillar=Pillar.GOVERNANCE,
    severity=Severity.LOW,
    target=PolicyAssignment,
    target_label="policy assignment covering AI resources",
    select=_assignments_over_ai,
    requires=POLICY_REQUIRES,
    requires_to_pass=POLICY_REQUIRES_TO_PASS,
    remediation=Remediation(
        summary="Set enforcement mode of assignment <NAME> to Default, and give every "
        "exemption covering AI resources an expiry date (or remove it).",
        az_cli="az policy assignment update --name <NAME> --scope <ASSIGNMENT_SCOPE> "
        "--enforcement-mode Default\n"
        "az policy exemption update --name <EXEMPTION> --scope <EXEMPTION_SCOPE> "
        "--expires-on {{EXPIRES_ON}}",
        bicep="resource a 'Microsoft.Authorization/policyAssignments@2024-04-01' = {\n"
        "  name: '<NAME>'\n  properties: {\n    enforcementMode: 'Default'\n"
        "    // policyDefinitionId and parameters unchanged\n  }\n}\n"
        "resource ex 'Microsoft.Authorization/policyExemptions@2022-07-01-preview' = {\n"
        "  name: 'exemption-name'\n  properties: {\n"
        "    policyAssignmentId: '<ID>'\n    exemptionCategory: 'Waiver'\n"
        "    expiresOn: '{{EXPIRES_ON}}'\n  }\n}",
        terraform='resource "azurerm_subscription_policy_assignment" "this" {\n'
        '  name    = "<NAME>"\n  enforce = true\n  # ... definition and parameters unchanged\n}\n'
        'resource "azurerm_resource_policy_exemption" "this" {\n'
        '  policy_assignment_id = "<ID>"\n  exemption_category   = "Waiver"\n'
        '  expires_on           = "{{EXPIRES_ON}}"\n  # ... name, resource_id\n}',
        portal="Azure portal > Policy > Assignments > <NAME> > Edit assignment > Policy "
        "enforcement: Enabled > Save; Policy > Exemptions > each exemption > set an "
        "Expiration date.",
        fills=("<ASSIGNMENT_SCOPE>", "<EXEMPTION>", "<EXEMPTION_SCOPE>"),
    ),
    references=Refs(mcsb=("PV-2",), psrule=("Azure.Policy.WaiverExpiry",)),
)
def assignment_enforced(a: PolicyAssignment, ctx: RuleContext) -> Verdict:
    """An assignment in DoNotEnforce mode still reports compliance but denies and remediates
    nothing: the guardrail everyone believes in is not there. An exemption without expiry
    turns a temporary waiver into a permanent hole over AI resources."""
    inv = ctx.inventory
    mode = a.enforcement_mode
    evidence = [ev("properties.enforcementMode", mode)]
    if (mode or "Default").lower() == "donotenforce":
        return failed(
            "enforcement mode is DoNotEnforce",
            *evidence,
            fill={"<ASSIGNMENT_SCOPE>": scope_of(a.id), "<EXEMPTION>": (), "<EXEMPTION_SCOPE>": ()},
        )
    ai_keys = [r.key for r in _top_level_ai(inv, ctx.settings)]
    open_ended = [
        ex
        for ex in inv.policy_exemptions
        if ex.policy_assignment_id == a.key
        and not ex.expires_on
        and any(_within(k, ex.scope) for k in ai_keys)
    ]
    evidence.append(ev("policyExemptions[no expiresOn]", [ex.id for ex in open_ended]))
    if open_ended:
        return failed(
            f"{len(open_ended)} exemption(s) without expiry cover AI resources "
            f"({', '.join(ex.name for ex in open_ended)})",
            *evidence,
            fill={
                "<ASSIGNMENT_SCOPE>": (),
                "<EXEMPTION>": [ex.name for ex in open_ended],
                "<EXEMPTION_SCOPE>": [scope_of(ex.id) for ex in open_ended],
            },
        )
    # An unread exemption, or an AI resource not read, anywhere under the assignment's scope
    # could make an open-ended exemption over AI resources.
    return settle(
        None,
        passed("enforced, no open-ended exemption over AI resources", *evidence),
        ctx.missing_under(a.scope, "policyExemptions", "resources"),
    )


def _states_by_resource(inv: Inventory) -> dict[str, list[PolicyState]]:
    out: dict[str, list[PolicyState]] = {}
    for st in inv.policy_states:
        out.setdefault(st.resource_id, []).append(st)
    return out


@rule(
    id="AIP-GOV-006",
    title="AI resource is reported NonCompliant by Azure Policy",
    pillar=Pillar.GOVERNANCE,
    severity=Severity.MEDIUM,
    target=Resource,
    target_label="AI resource",
    select=_located_ai,
    requires=("policyStates",),
    remediation=Remediation(
        summary="Review the NonCompliant policy states of <NAME> and remediate them (or create "
        "a remediation task for deployIfNotExists/modify policies).",
        az_cli="az policy state list --resource <ID> "
        "--filter \"complianceState eq 'NonCompliant'\" -o table\n"
        "az policy remediation create --name fix-<ASSIGNMENT_NAME> --resource <ID> "
        "--policy-assignment <ASSIGNMENT_ID>",
        bicep="// Fix the resource's own template so that it satisfies the policy; for\n"
        "// deployIfNotExists/modify policies, a remediation resource:\n"
        "resource fix 'Microsoft.PolicyInsights/remediations@2021-10-01' = {\n"
        "  name: 'fix-<NAME>'\n  properties: { policyAssignmentId: assignmentId }\n}",
        terraform='resource "azurerm_resource_policy_remediation" "fix" {\n'
        '  name                 = "fix-<NAME>"\n'
        '  resource_id          = "<ID>"\n'
        "  policy_assignment_id = var.policy_assignment_id\n}",
        portal="Azure portal > Policy > Compliance > filter resource <NAME> > open each "
        "non-compliant policy > Create remediation task (or fix the setting it names).",
        fills=("<ASSIGNMENT_ID>", "<ASSIGNMENT_NAME>"),
    ),
    references=Refs(mcsb=("PV-2",)),
)
def policy_state(res: Resource, ctx: RuleContext) -> Verdict:
    """Azure Policy has already evaluated the resource and found it out of line with an
    assigned guardrail. NonCompliant states on AI resources are posture drift that the
    organisation itself declared unacceptable."""
    by_resource = _memo(ctx.inventory, "states", _states_by_resource)
    states = by_resource.get(res.key, [])
    bad = [s for s in states if (s.compliance_state or "").lower() == "noncompliant"]
    evidence = ev(
        "policyStates[complianceState=NonCompliant]",
        [{"assignment": s.policy_assignment_id, "definition": s.policy_definition_id} for s in bad],
    )
    if bad:
        assignments = list(
            dict.fromkeys(s.policy_assignment_id for s in bad if s.policy_assignment_id)
        )
        return failed(
            f"{len(bad)} NonCompliant policy state(s)",
            evidence,
            fill={
                "<ASSIGNMENT_ID>": assignments,
                "<ASSIGNMENT_NAME>": [a.rsplit("/", 1)[-1] for a in assignments],
            },
        )
    return passed(f"no NonCompliant policy state ({len(states)} state(s) reported)", evidence)


@rule(
    id="AIP-GOV-007",
    title="AI resource is missing required tags (shadow AI)",
    pillar=Pillar.GOVERNANCE,
    severity=Severity.LOW,
    target=Resource,
    target_label="AI resource (account, workspace, search service, AI AKS cluster)",
    select=_top_level_ai,
    remediation=Remediation(
        summary="Tag <NAME> with the required tags (configured in aiposture.toml [tags]; "
        "default owner, environment, data-classification), and enforce them with the "
        "'Require a tag on resources' policy.",
        az_cli="az tag update --resource-id <ID> --operation merge "
        "--tags owner={{OWNER}} environment={{ENVIRONMENT}} "
        "data-classification={{DATA_CLASSIFICATION}}",
        bicep="// in the resource's template\n"
        "tags: {\n  owner: '{{OWNER}}'\n  environment: '{{ENVIRONMENT}}'\n"
        "  'data-classification': '{{DATA_CLASSIFICATION}}'\n}",
        terraform="# in the resource block for <NAME>\n"
        'tags = {\n  owner               = "{{OWNER}}"\n  environment         = "{{ENVIRONMENT}}"\n'
        '  data-classification = "{{DATA_CLASSIFICATION}}"\n}',
        portal="Azure portal > <NAME> > Tags > add owner, environment, data-classification > "
        "Apply.",
        policy=(
            PolicyFix(
                "871b6d14-10aa-478d-b590-94f262ecfa99",
                "Deny",
                "Require a tag on resources",
            ),
        ),
    ),
    references=Refs(
        mcsb=("AM-2",),
        azure_policy=("871b6d14-10aa-478d-b590-94f262ecfa99",),
        psrule=("Azure.Resource.UseTags",),
        other=("CAF resource tagging",),
    ),
)
def required_tags(res: Resource, ctx: RuleContext) -> Verdict:
    """An AI resource with no owner, environment or data classification is shadow AI:
    nobody answers for what data it processes or who may use it, and incident response
    cannot find its owner. Required tags are configurable (aiposture.toml [tags])."""
    required = ctx.settings.required_tags
    if not required:
        return not_applicable("no required tags configured")
    missing = [t for t in required if not (res.tag(t) or "").strip()]
    evidence = ev("tags", dict(res.tags))
    if missing:
        return failed(f"missing tag(s): {', '.join(missing)}", evidence)
    return passed("carries every required tag", evidence)


PROD_VALUES = frozenset({"prod", "production", "prd", "live"})
SANDBOX_VALUES = frozenset(
    {"sandbox", "dev", "development", "test", "experiment", "experiments", "experimentation", "poc"}
)


def _env(res: Resource) -> str:
    return (res.tag("environment") or res.tag("env") or "").strip().lower()


def _sandbox_by_subscription(inv: Inventory) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in _top_level_ai(inv, Settings()):
        if _env(r) in SANDBOX_VALUES:
            out.setdefault(r.subscription_id, []).append(r.name)
    return out


def _sandbox_mg(inv: Inventory, sub_id: str) -> str | None:
    for name in inv.mg_chain(sub_id):
        mg = inv.management_groups.get(name.lower())
        label = f"{name} {mg.display_name if mg else ''}".lower()
        if "sandbox" in label:
            return name
    return None


@rule(
    id="AIP-GOV-008",
    title="Production AI resource shares a subscription with sandbox AI resources",
    pillar=Pillar.GOVERNANCE,
    severity=Severity.MEDIUM,
    target=Resource,
    target_label="production AI resource (environment tag prod/production)",
    select=lambda inv, settings: [
        r for r in _top_level_ai(inv, settings) if _env(r) in PROD_VALUES
    ],
    remediation=Remediation(
        summary="Move <NAME> to a production landing-zone subscription (or move the sandbox "
        "resources out), so sandbox-wide permissions and relaxed policies do not reach it.",
        az_cli="az resource move --ids <ID> --destination-group {{TARGET_RG}} "
        "--destination-subscription-id {{TARGET_SUB}}",
        bicep="// Redeploy <NAME> from its template into the production subscription:\n"
        "targetScope = 'subscription' // deploy with --subscription {{TARGET_SUB}}",
        terraform="# point the provider for <NAME> at the production subscription\n"
        'provider "azurerm" {\n  features {}\n'
        "  subscription_id = var.production_subscription_id\n}",
        portal="Azure portal > <NAME> > Overview > Move > Move to another subscription > pick "
        "the production subscription and resource group > Move.",
    ),
    references=Refs(mcsb=("AM-2",), other=("CAF / ALZ Sandbox management group",)),
)
def prod_next_to_sandbox(res: Resource, ctx: RuleContext) -> Verdict:
    """Sandbox subscriptions carry relaxed policies and broad experimenter permissions (e.g.
    Contributor for data scientists). A production AI resource in such a subscription is
    reachable with those permissions and escapes production guardrails."""
    inv = ctx.inventory
    sub = res.subscription_id
    sandbox_mg = _sandbox_mg(inv, sub)
    neighbours = _memo(inv, "sandbox", _sandbox_by_subscription).get(sub, [])
    evidence = (
        ev("tags.environment", res.tag("environment")),
        ev("subscription.managementGroupAncestorsChain", list(inv.mg_chain(sub))),
        ev("sandboxResourcesInSubscription", neighbours),
    )
    if sandbox_mg:
        return failed(
            f"its subscription sits under sandbox management group {sandbox_mg}", *evidence
        )
    if neighbours:
        return failed(
            f"shares its subscription with sandbox AI resources: {', '.join(neighbours)}", *evidence
        )
    cov = inv.coverage.status("subscriptions", res.key)
    if not cov.complete:
        return unknown(
            "no sandbox-tagged neighbour, but the management-group chain is unknown: " + cov.reason,
            "subscriptions",
            evidence=evidence,
        )
    return passed("no sandbox AI resource in its subscription", *evidence)


@rule(
    id="AIP-GOV-009",
    title="AI resource outside the allowed regions, or no Allowed-locations policy covers it",
    pillar=Pillar.GOVERNANCE,
    severity=Severity.MEDIUM,
    target=Resource,
    target_label="AI resource incl. ML computes (where models are trained and served)",
    select=_located_ai,
    requires=(),  # the location is in the row; the policy half asks policy_gaps
    requires_to_pass=POLICY_REQUIRES_TO_PASS,
    remediation=Remediation(
        summary="Keep AI resources in the approved regions (aiposture.toml [regions]) and "
        "assign the built-in 'Allowed locations' policy with those regions at the landing-"
        "zone management group; move or recreate <NAME> if it is outside them.",
        az_cli="az policy assignment create --name aip-allowed-locations "
        "--scope /subscriptions/<SUB> --policy e56962a6-4747-49cd-b67b-bf8b01975c4c "
        '--params \'{"listOfAllowedLocations": {"value": ["swedencentral", '
        '"westeurope"]}}\'',
        bicep="targetScope = 'subscription'\n"
        "resource loc 'Microsoft.Authorization/policyAssignments@2024-04-01' = {\n"
        "  name: 'aip-allowed-locations'\n  properties: {\n"
        "    policyDefinitionId: tenantResourceId('Microsoft.Authorization/policyDefinitions', "
        "'e56962a6-4747-49cd-b67b-bf8b01975c4c')\n"
        "    parameters: { listOfAllowedLocations: { value: [ 'swedencentral', 'westeurope' ] } }"
        "\n  }\n}",
        terraform='resource "azurerm_subscription_policy_assignment" "locations" {\n'
        '  name                 = "aip-allowed-locations"\n'
        '  subscription_id      = "/subscriptions/<SUB>"\n'
        '  policy_definition_id = "/providers/Microsoft.Authorization/policyDefinitions/'
        'e56962a6-4747-49cd-b67b-bf8b01975c4c"\n'
        "  parameters = jsonencode({ listOfAllowedLocations = { value = "
        '["swedencentral", "westeurope"] } })\n}',
        portal="Azure portal > Policy > Definitions > 'Allowed locations' > Assign: scope "
        "subscription <SUB> (or the landing-zone MG), Allowed locations = your approved "
        "regions > Review + create.",
        policy=(PolicyFix(ALLOWED_LOCATIONS, "Deny", "Allowed locations"),),
    ),
    references=Refs(
        mcsb=("AM-2",),
        azure_policy=(ALLOWED_LOCATIONS,),
        psrule=("Azure.Resource.AllowedRegions",),
        other=("EU AI Act Art. 10 data governance",),
    ),
)
def allowed_regions(res: Resource, ctx: RuleContext) -> Verdict:
    """Where models are trained and served decides where prompts, grounding and training
    data are processed: data-residency commitments (GDPR, EU AI Act data governance) break
    when a compute cluster or model endpoint lands in another geography. The configured
    allowed regions are checked first; without an effective Allowed-locations policy nothing
    stops the next deployment elsewhere. Needs policyAssignments for the policy half."""
    allowed = ctx.settings.allowed_regions
    location = (res.location or "").lower().replace(" ", "")
    loc_ev = ev("location", res.location)
    if allowed and not location:
        return unknown("the resource's location is not in the data", "resources", evidence=[loc_ev])
    if allowed and location not in allowed:
        return failed(
            f"location {res.location} is outside the allowed regions ({', '.join(allowed)})",
            loc_ev,
        )
    inv = ctx.inventory
    found = [
        p for p in effective_policies(inv, res.key, ctx.now) if p.definition == ALLOWED_LOCATIONS
    ]
    pol_ev = ev("policyAssignments[Allowed locations]", [p.assignment.id for p in found])
    if not found:
        gaps = policy_gaps(inv, res.key)
        if gaps:
            return unknown(
                "no Allowed-locations policy in what was read", *gaps, evidence=(loc_ev, pol_ev)
            )
        return failed("no effective Allowed-locations policy covers it", loc_ev, pol_ev)
    excluding = [p for p in found if not _allows(p, location)]
    # Exemptions not read: a found assignment may not be in force. The location still fails
    # when every one found excludes it (each is either in force and excludes it, or exempted).
    exemptions_read = ctx.coverage("policyExemptions", res.key).is_true
    if excluding and (exemptions_read or len(excluding) == len(found)):
        p = excluding[0]
        return failed(
            f"location {res.location} is not in the Allowed-locations assignment "
            f"{p.assignment.name!r} (existing resources are not denied retroactively)",
            loc_ev,
            pol_ev,
        )
    # A PASS also needs the exemptions (requires_to_pass).
    return passed("in an allowed region and covered by an Allowed-locations policy", loc_ev, pol_ev)


def _allows(p: EffectivePolicy, location: str) -> bool:
    listed = param_value(p.assignment, "listOfAllowedLocations")
    if not isinstance(listed, list) or not location:
        return True
    return location in {str(x).lower().replace(" ", "") for x in listed}


def definition_guids_in_force(
    inv: Inventory, key: str, now: dt.datetime
) -> dict[str, list[EffectivePolicy]]:
    """Effective policies on `key`, grouped by definition GUID (for other rule modules)."""
    out: dict[str, list[EffectivePolicy]] = {}
    for p in effective_policies(inv, key, now):
        out.setdefault(p.definition, []).append(p)
    return out


ML_COMPUTE_OS_UPDATES = "f110a506-2dcb-422e-bcea-d533fc8c35e2"


def _compute_instances(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return [
        c for c in inv.of_type(MLCompute) if (c.compute_type or "").lower() == "computeinstance"
    ]


@rule(
    id="AIP-GOV-010",
    title="ML compute instance does not run the latest OS image",
    pillar=Pillar.GOVERNANCE,
    severity=Severity.MEDIUM,
    target=MLCompute,
    target_label="ML compute instance",
    select=_compute_instances,
    requires=("computes",),
    remediation=Remediation(
        summary="Recreate compute instance <NAME> (same name and settings) so it boots the "
        "latest OS image: Azure ML does not patch an instance's image in place. Save work "
        "from its local disk first.",
        az_cli="az ml compute delete --name <NAME> --workspace-name <PARENT> "
        "--resource-group <RG> --subscription <SUB> --yes\n"
        "az ml compute create --name <NAME> --type ComputeInstance --size {{VM_SIZE}} "
        "--workspace-name <PARENT> --resource-group <RG> --subscription <SUB>",
        bicep="// Redeploy the same template after deleting the instance (an in-place update\n"
        "// keeps the old image):\n"
        "resource ci 'Microsoft.MachineLearningServices/workspaces/computes@2024-10-01' = {\n"
        "  parent: workspace // '<PARENT>'\n  name: '<NAME>'\n  location: '<LOCATION>'\n"
        "  properties: {\n    computeType: 'ComputeInstance'\n"
        "    properties: { vmSize: '{{VM_SIZE}}' /* other settings unchanged */ }\n  }\n}",
        terraform="# terraform apply -replace=azurerm_machine_learning_compute_instance.this\n"
        'resource "azurerm_machine_learning_compute_instance" "this" {\n'
        '  name                          = "<NAME>"\n'
        '  machine_learning_workspace_id = "<PARENT_ID>"\n'
        '  virtual_machine_size          = "{{VM_SIZE}}"\n'
        "  # ... other arguments unchanged\n}",
        portal="Azure ML studio > Compute > Compute instances > <NAME>: note its settings > "
        "Delete > + New with the same name and settings (the new instance gets the latest "
        "image).",
    ),
    references=Refs(
        mcsb=("PV-6",),
        azure_policy=(ML_COMPUTE_OS_UPDATES,),
        other=(
            "Defender for Cloud: Azure Machine Learning compute instances should be recreated "
            "to get the latest software updates (Medium)",
        ),
    ),
)
def compute_os_image(ci: MLCompute, ctx: RuleContext) -> Verdict:
    """A compute instance keeps the OS image it was created with: Azure ML publishes patched
    images monthly but never updates a running instance, so an old instance accumulates
    known vulnerabilities in the OS, drivers and preinstalled ML stacks, on a machine that
    holds data scientists' tokens and data. Azure reports it in osImageMetadata. Policy
    f110a506 audits the same field (its rule references an `effects` parameter, which the
    ALZ MachineLearning initiative sets)."""
    latest = ci.os_image_is_latest
    evidence = ev("properties.properties.osImageMetadata.isLatestOsImageVersion", latest)
    if latest is None:
        return unknown(
            "osImageMetadata is not in the data (a stopped instance or an export may omit it)",
            "computes",
            evidence=[evidence],
        )
    if latest:
        return passed("runs the latest OS image", evidence)
    return failed("an older OS image: recreate the instance to get the latest one", evidence)


ML_COMPUTE_IDLE_SHUTDOWN = "679ddf89-ab8f-48a5-9029-e76054077449"
ML_COMPUTE_IDLE_SHUTDOWN_NAME = "Azure Machine Learning Compute Instance should have idle shutdown."
IDLE_SHUTDOWN_AFTER = "PT60M"


@rule(
    id="AIP-GOV-011",
    title="ML compute instance has no idle shutdown",
    pillar=Pillar.GOVERNANCE,
    severity=Severity.LOW,
    target=MLCompute,
    target_label="ML compute instance",
    requires=("computes",),
    remediation=Remediation(
        summary=f"Turn on idle shutdown for compute instance <NAME> ({IDLE_SHUTDOWN_AFTER}, "
        "60 minutes without activity): Azure ML then stops the VM when nobody uses it. An "
        "existing instance takes the setting through the updateIdleShutdownSetting action; "
        "templates set it only when an instance is created.",
        az_cli="az rest --method post --url https://management.azure.com<ID>"
        "/updateIdleShutdownSetting'?api-version=2024-10-01' "
        f'--body \'{{"idleTimeBeforeShutdown": "{IDLE_SHUTDOWN_AFTER}"}}\'',
        bicep="// Applied when the instance is created; for an existing instance use the\n"
        "// updateIdleShutdownSetting action (az CLI fix).\n"
        "resource ci 'Microsoft.MachineLearningServices/workspaces/computes@2024-10-01' = {\n"
        "  parent: workspace // '<PARENT>'\n  name: '<NAME>'\n  location: '<LOCATION>'\n"
        "  properties: {\n    computeType: 'ComputeInstance'\n    properties: {\n"
        "      vmSize: '{{VM_SIZE}}' // other settings unchanged\n"
        "      // not in the Bicep type yet (Azure ML known issue): silence the warning\n"
        "      #disable-next-line BCP037\n"
        f"      idleTimeBeforeShutdown: '{IDLE_SHUTDOWN_AFTER}'\n    }}\n  }}\n}}",
        terraform='resource "azapi_resource_action" "idle_shutdown" {\n'
        '  type        = "Microsoft.MachineLearningServices/workspaces/computes@2024-10-01"\n'
        '  resource_id = "<ID>"\n'
        '  action      = "updateIdleShutdownSetting"\n'
        '  method      = "POST"\n'
        f'  body        = {{ idleTimeBeforeShutdown = "{IDLE_SHUTDOWN_AFTER}" }}\n}}',
        portal="Azure ML studio > Compute > Compute instances > <NAME> > Schedule and idle "
        "shutdown: Idle shutdown on, shut down after 60 minutes of inactivity > Save.",
        policy=(PolicyFix(ML_COMPUTE_IDLE_SHUTDOWN, "Audit", ML_COMPUTE_IDLE_SHUTDOWN_NAME),),
    ),
    references=Refs(
        azure_policy=(ML_COMPUTE_IDLE_SHUTDOWN,),
        other=(
            "Microsoft Learn: Create an Azure Machine Learning compute instance, Configure "
            "idle shutdown",
        ),
    ),
)
def compute_idle_shutdown(c: MLCompute, ctx: RuleContext) -> Verdict:
    """A compute instance is a single-user VM that keeps running, and billing, until someone
    stops it: with no idle shutdown, a forgotten instance stays up for weeks with the data
    scientist's credentials, cached data and open notebook endpoints, which widens the time an
    attacker can use it and runs up cost nobody sees. Idle shutdown stops it after a period
    without activity (properties.idleTimeBeforeShutdown, an ISO 8601 duration such as PT60M).
    Policy 679ddf89 decides on existence alone: the field absent or empty is non-compliant, so
    absent is a FAIL here too (the ARM response carries the field when it is set). Compute
    clusters scale to their minimum node count and attached computes are managed elsewhere:
    NOT_APPLICABLE. The ALZ MachineLearning guardrail initiative assigns the policy
    (parameter mlIdleShutdown)."""
    if (c.compute_type or "").lower() != "computeinstance":
        return not_applicable(f"{c.compute_type or 'this compute'} is not a compute instance")
    idle = c.idle_time_before_shutdown
    evidence = ev("properties.properties.idleTimeBeforeShutdown", idle)
    if idle is None or not idle.strip():
        return failed("no idle shutdown: the instance runs until someone stops it", evidence)
    return passed(f"idle shutdown after {idle}", evidence)
