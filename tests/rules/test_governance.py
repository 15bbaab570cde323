"""AIP-GOV-*: management groups, effective policy assignments, tags, regions."""

from __future__ import annotations

from typing import Any

from aiposture.config import Settings
from aiposture.model.entities import PolicyAssignment
from aiposture.rules.governance import INITIATIVES, assigned_definitions
from root_helpers import run_rules, statuses

TENANT = "00000000-0000-0000-0000-0000000000aa"
MG = "/providers/Microsoft.Management/managementGroups"
SUB = "00000000-0000-0000-0000-00000000b001"
SUB2 = "00000000-0000-0000-0000-00000000b002"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-ai"
ACC = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai-gov"
POLICY = ("resources", "subscriptions", "policyAssignments", "policyExemptions", "policyStates")
NETWORK = "037eea7a-bd0a-46c5-9a66-03aea78705d3"
LOCATIONS = "e56962a6-4747-49cd-b67b-bf8b01975c4c"


def subscription(sub: str, chain: list[str]) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{sub}",
        "name": f"sub-{sub[-4:]}",
        "type": "Microsoft.Resources/subscriptions",
        "subscriptionId": sub,
        "properties": {
            "state": "Enabled",
            "managementGroupAncestorsChain": [{"name": n, "displayName": n} for n in chain],
        },
    }


def account(
    name: str = "oai-gov", rg: str = RG, tags: dict[str, str] | None = None, loc: str = "westeurope"
) -> dict[str, Any]:
    return {
        "id": f"{rg}/providers/Microsoft.CognitiveServices/accounts/{name}",
        "name": name,
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": "OpenAI",
        "location": loc,
        "tags": tags or {},
        "properties": {"publicNetworkAccess": "Disabled"},
    }


def assignment(
    scope: str,
    name: str,
    definition: str,
    *,
    initiative: bool = False,
    enforcement: str | None = "Default",
    not_scopes: list[str] | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    kind = "policySetDefinitions" if initiative else "policyDefinitions"
    props: dict[str, Any] = {
        "policyDefinitionId": definition
        if definition.startswith("/")
        else f"/providers/Microsoft.Authorization/{kind}/{definition}",
        "scope": scope,
        "notScopes": not_scopes or [],
        "parameters": {k: {"value": v} for k, v in (params or {}).items()},
    }
    if enforcement is not None:
        props["enforcementMode"] = enforcement
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/policyAssignments/{name}",
        "name": name,
        "type": "Microsoft.Authorization/policyAssignments",
        "properties": props,
    }


def exemption(scope: str, assignment_id: str, expires: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"policyAssignmentId": assignment_id, "exemptionCategory": "Waiver"}
    if expires:
        props["expiresOn"] = expires
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/policyExemptions/ex1",
        "name": "ex1",
        "type": "Microsoft.Authorization/policyExemptions",
        "properties": props,
    }


def base_rows() -> list[dict[str, Any]]:
    return [subscription(SUB, ["corp", "landingzones", TENANT]), account()]


# ---- GOV-001 -------------------------------------------------------------------------------


def test_landing_zone() -> None:
    rows = [
        subscription(SUB, ["corp", TENANT]),
        subscription(SUB2, [TENANT]),
        account(),
        account("oai-rogue", rg=f"/subscriptions/{SUB2}/resourceGroups/rg-x"),
    ]
    r = run_rules(rows, complete=POLICY)
    assert statuses(r, "AIP-GOV-001") == {("sub-b001", "PASS"), ("sub-b002", "FAIL")}


def test_landing_zone_unknown_without_chain() -> None:
    r = run_rules([account()], complete=("resources",))
    assert {s for _, s in statuses(r, "AIP-GOV-001")} == {"UNKNOWN"}


# ---- GOV-002/003/004: effective assignments --------------------------------------------------


def test_policy_inherited_from_management_group() -> None:
    rows = [*base_rows(), assignment(f"{MG}/landingzones", "net", NETWORK)]
    r = run_rules(rows, complete=POLICY)
    assert statuses(r, "AIP-GOV-002") == {("oai-gov", "PASS")}
    assert statuses(r, "AIP-GOV-003") == {("oai-gov", "FAIL")}
    assert statuses(r, "AIP-GOV-004") == {("oai-gov", "FAIL")}


def test_policy_not_effective_when_excluded_disabled_or_not_enforced() -> None:
    cases = {
        "notScopes": assignment(f"/subscriptions/{SUB}", "net", NETWORK, not_scopes=[RG.upper()]),
        "DoNotEnforce": assignment(
            f"/subscriptions/{SUB}", "net", NETWORK, enforcement="DoNotEnforce"
        ),
        "effect Disabled": assignment(
            f"/subscriptions/{SUB}", "net", NETWORK, params={"effect": "Disabled"}
        ),
        "other subscription": assignment(f"/subscriptions/{SUB2}", "net", NETWORK),
    }
    for label, a in cases.items():
        r = run_rules([*base_rows(), a], complete=POLICY)
        assert statuses(r, "AIP-GOV-002") == {("oai-gov", "FAIL")}, label


def test_exemptions_active_and_expired() -> None:
    a = assignment(f"/subscriptions/{SUB}", "net", NETWORK)
    active = [*base_rows(), a, exemption(RG, a["id"])]
    assert statuses(run_rules(active, complete=POLICY), "AIP-GOV-002") == {("oai-gov", "FAIL")}
    expired = [*base_rows(), a, exemption(RG, a["id"], "2026-01-31T00:00:00Z")]
    assert statuses(run_rules(expired, complete=POLICY), "AIP-GOV-002") == {("oai-gov", "PASS")}


def test_alz_openai_initiative_counts_and_its_parameters_apply() -> None:
    alz = (
        f"{MG}/contoso/providers/Microsoft.Authorization/policySetDefinitions/"
        "Enforce-Guardrails-OpenAI"
    )
    rows = [*base_rows(), assignment(f"{MG}/landingzones", "alz", alz, initiative=True)]
    r = run_rules(rows, complete=POLICY)
    for rid in ("AIP-GOV-002", "AIP-GOV-003", "AIP-GOV-004"):
        assert statuses(r, rid) == {("oai-gov", "PASS")}, rid
    off = assignment(
        f"{MG}/landingzones",
        "alz",
        alz,
        initiative=True,
        params={"azureAiNetworkAccess": "Disabled"},
    )
    r = run_rules([*base_rows(), off], complete=POLICY)
    assert statuses(r, "AIP-GOV-002") == {("oai-gov", "FAIL")}
    assert statuses(r, "AIP-GOV-003") == {("oai-gov", "PASS")}


def test_unknown_custom_initiative_does_not_count() -> None:
    custom = f"{MG}/contoso/providers/Microsoft.Authorization/policySetDefinitions/my-own"
    rows = [*base_rows(), assignment(f"/subscriptions/{SUB}", "c", custom, initiative=True)]
    complete = (*POLICY, "policyDefinitions")
    assert statuses(run_rules(rows, complete=complete), "AIP-GOV-002") == {("oai-gov", "FAIL")}
    # Definitions not collected: the initiative may hold the guardrail (changed: was FAIL).
    r = run_rules(rows, complete=POLICY)
    assert statuses(r, "AIP-GOV-002") == {("oai-gov", "UNKNOWN")}
    assert [f.missing for f in r.findings if f.rule.id == "AIP-GOV-002"] == [("policyDefinitions",)]


def test_no_assignment_anywhere_fails_without_exemptions() -> None:
    # Defect: UNKNOWN because exemptions were not collected, but an exemption can only take
    # coverage away: with every assignment read and none covering, the FAIL is certain.
    complete = ("resources", "subscriptions", "policyAssignments", "policyDefinitions")
    r = run_rules(base_rows(), complete=complete)
    for rid in ("AIP-GOV-002", "AIP-GOV-003", "AIP-GOV-004", "AIP-GOV-009"):
        assert statuses(r, rid) == {("oai-gov", "FAIL")}, rid
    # A guardrail that was found needs the exemptions to PASS.
    rows = [*base_rows(), assignment(f"/subscriptions/{SUB}", "net", NETWORK)]
    r = run_rules(rows, complete=complete)
    assert statuses(r, "AIP-GOV-002") == {("oai-gov", "UNKNOWN")}
    assert [f.missing for f in r.findings if f.rule.id == "AIP-GOV-002"] == [("policyExemptions",)]


def test_management_group_assignment_needs_the_subscription_ancestry() -> None:
    rows = [account(), assignment(f"{MG}/landingzones", "net", NETWORK)]
    r = run_rules(rows, complete=("resources", "policyAssignments", "policyExemptions"))
    assert statuses(r, "AIP-GOV-002") == {("oai-gov", "UNKNOWN")}


def test_policy_rules_unknown_without_assignments() -> None:
    r = run_rules(base_rows(), complete=("resources", "subscriptions"))
    for rid in ("AIP-GOV-002", "AIP-GOV-003", "AIP-GOV-004", "AIP-GOV-009"):
        assert statuses(r, rid) == {("oai-gov", "UNKNOWN")}, rid


def test_policy_export_shape_with_odd_casing() -> None:
    rows = [
        *base_rows(),
        {
            "ID": f"/SUBSCRIPTIONS/{SUB}/PROVIDERS/MICROSOFT.AUTHORIZATION/POLICYASSIGNMENTS/NET",
            "TYPE": "microsoft.authorization/policyassignments",
            "Properties": {
                "PolicyDefinitionId": f"/PROVIDERS/MICROSOFT.AUTHORIZATION/POLICYDEFINITIONS/"
                f"{NETWORK.upper()}",
                "Scope": f"/SUBSCRIPTIONS/{SUB}",
                "EnforcementMode": "default",
            },
        },
    ]
    r = run_rules(rows, complete=POLICY)
    assert statuses(r, "AIP-GOV-002") == {("oai-gov", "PASS")}


# ---- GOV-005 -------------------------------------------------------------------------------


def test_assignment_enforcement_and_open_ended_exemptions() -> None:
    good = assignment(f"/subscriptions/{SUB}", "good", NETWORK, enforcement=None)  # absent=Default
    lax = assignment(f"/subscriptions/{SUB}", "lax", LOCATIONS, enforcement="DoNotEnforce")
    waived = assignment(f"{MG}/landingzones", "waived", "71ef260a-8f18-47b7-abcb-62d0673d94dc")
    elsewhere = assignment(
        f"/subscriptions/{SUB2}", "elsewhere", NETWORK, enforcement="DoNotEnforce"
    )
    rows = [*base_rows(), good, lax, waived, elsewhere, exemption(RG, waived["id"])]
    r = run_rules(rows, complete=POLICY)
    assert statuses(r, "AIP-GOV-005") == {("good", "PASS"), ("lax", "FAIL"), ("waived", "FAIL")}
    # Exemptions not recorded as collected: DoNotEnforce fails whatever the exemptions, and so
    # does the open-ended exemption that was read (changed: both were UNKNOWN); "good" cannot
    # pass, an unread exemption could be open-ended.
    r = run_rules(rows, complete=("resources", "subscriptions", "policyAssignments"))
    assert statuses(r, "AIP-GOV-005") == {
        ("good", "UNKNOWN"),
        ("lax", "FAIL"),
        ("waived", "FAIL"),
    }


# ---- GOV-006 -------------------------------------------------------------------------------


def test_policy_states() -> None:
    def state(resource: str, value: str) -> dict[str, Any]:
        return {
            "id": f"{resource}/providers/Microsoft.PolicyInsights/policyStates/{value}",
            "type": "microsoft.policyinsights/policystates",
            "properties": {"complianceState": value, "resourceId": resource},
        }

    other = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai-ok"
    rows = [*base_rows(), account("oai-ok"), state(ACC, "NonCompliant"), state(other, "Compliant")]
    r = run_rules(rows, complete=POLICY)
    assert statuses(r, "AIP-GOV-006") == {("oai-gov", "FAIL"), ("oai-ok", "PASS")}
    r = run_rules(rows, complete=("resources",))
    assert {s for _, s in statuses(r, "AIP-GOV-006")} == {"UNKNOWN"}


# ---- GOV-007 -------------------------------------------------------------------------------


def test_required_tags_default_and_configured() -> None:
    tagged = {"Owner": "a@contoso.com", "ENVIRONMENT": "prod", "data-classification": "internal"}
    rows = [
        account("tagged", tags=tagged),
        account("bare"),
        account("blank", tags={"owner": " ", "environment": "dev", "data-classification": "x"}),
    ]
    r = run_rules(rows)
    assert statuses(r, "AIP-GOV-007") == {("tagged", "PASS"), ("bare", "FAIL"), ("blank", "FAIL")}
    r = run_rules(rows, Settings(required_tags=("cost-center",)))
    assert {s for _, s in statuses(r, "AIP-GOV-007")} == {"FAIL"}


# ---- GOV-008 -------------------------------------------------------------------------------


def test_production_next_to_sandbox() -> None:
    sandbox_rg = f"/subscriptions/{SUB2}/resourceGroups/rg-lab"
    rows = [
        subscription(SUB, ["corp", TENANT]),
        subscription(SUB2, ["sandbox", TENANT]),
        {
            "id": f"{MG}/sandbox",
            "name": "sandbox",
            "type": "Microsoft.Management/managementGroups",
            "properties": {"displayName": "Sandbox", "details": {"parent": {"name": TENANT}}},
        },
        account("prod-alone", tags={"environment": "prod"}),
        account("prod-mixed", rg=RG, tags={"environment": "Production"}),
        account("lab", rg=RG, tags={"environment": "sandbox"}),
        account("prod-in-sandbox", rg=sandbox_rg, tags={"environment": "prod"}),
    ]
    r = run_rules(rows, complete=POLICY)
    assert statuses(r, "AIP-GOV-008") == {
        ("prod-alone", "FAIL"),  # shares SUB with the sandbox-tagged 'lab'
        ("prod-mixed", "FAIL"),
        ("prod-in-sandbox", "FAIL"),
    }
    rows_ok = [subscription(SUB, ["corp", TENANT]), account("prod-alone", tags={"env": "prd"})]
    assert statuses(run_rules(rows_ok, complete=POLICY), "AIP-GOV-008") == {("prod-alone", "PASS")}
    assert statuses(run_rules(rows_ok, complete=("resources",)), "AIP-GOV-008") == {
        ("prod-alone", "UNKNOWN")
    }


# ---- GOV-009 -------------------------------------------------------------------------------


def test_allowed_regions() -> None:
    loc = assignment(
        f"/subscriptions/{SUB}",
        "loc",
        LOCATIONS,
        params={"listOfAllowedLocations": ["westeurope", "swedencentral"]},
    )
    rows = [
        *base_rows(),
        account("east", loc="eastus"),
        loc,
        {
            "id": f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/mlw",
            "name": "mlw",
            "type": "Microsoft.MachineLearningServices/workspaces",
            "location": "swedencentral",
            "properties": {},
        },
        {
            "id": f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/mlw/computes/gpu",
            "name": "gpu",
            "type": "Microsoft.MachineLearningServices/workspaces/computes",
            "location": "East US",
            "properties": {"computeType": "AmlCompute"},
        },
    ]
    r = run_rules(rows, complete=POLICY)
    assert statuses(r, "AIP-GOV-009") == {
        ("oai-gov", "PASS"),
        ("mlw", "PASS"),
        ("east", "FAIL"),  # not in the assignment's list (existing resource)
        ("gpu", "FAIL"),
    }
    configured = Settings(allowed_regions=("swedencentral",))
    r = run_rules(rows, configured, complete=POLICY)
    assert statuses(r, "AIP-GOV-009") == {
        ("oai-gov", "FAIL"),
        ("mlw", "PASS"),
        ("east", "FAIL"),
        ("gpu", "FAIL"),
    }
    no_policy = [*base_rows()]
    assert statuses(run_rules(no_policy, complete=POLICY), "AIP-GOV-009") == {("oai-gov", "FAIL")}


def test_alz_public_endpoints_initiative_covers_ml_only() -> None:
    paas = f"{MG}/contoso/providers/Microsoft.Authorization/policySetDefinitions/" + (
        "Deny-PublicPaaSEndpoints"
    )
    mlw = {
        "id": f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/mlw",
        "name": "mlw",
        "type": "Microsoft.MachineLearningServices/workspaces",
        "properties": {},
    }
    rows = [*base_rows(), mlw, assignment(f"{MG}/landingzones", "paas", paas, initiative=True)]
    r = run_rules(rows, complete=POLICY)
    assert statuses(r, "AIP-GOV-002") == {("mlw", "PASS"), ("oai-gov", "FAIL")}


def _initiative(set_id: str, members: list[dict[str, Any]], params: dict[str, Any]) -> dict:
    return {
        "id": set_id,
        "name": set_id.rsplit("/", 1)[-1],
        "type": "Microsoft.Authorization/policySetDefinitions",
        "properties": {
            "policyType": "BuiltIn",
            "parameters": {
                k: {"type": "String", "defaultValue": v, "allowedValues": ["Audit", "Disabled"]}
                for k, v in params.items()
            },
            "policyDefinitions": members,
        },
    }


def test_collected_initiative_membership_and_parameter_defaults() -> None:
    """A collected initiative (here shaped like the MCSB one) is read from its definition: an
    effect parameter the assignment does not set takes the initiative's default."""
    mcsb = "/providers/Microsoft.Authorization/policySetDefinitions/" + (
        "1f3afdf9-d0c9-4c3d-847f-89da613e70a8"
    )
    param = "cognitiveServicesAccountsShouldRestrictNetworkAccessMonitoringEffect"
    member = {
        "policyDefinitionId": f"/providers/Microsoft.Authorization/policyDefinitions/{NETWORK}",
        "policyDefinitionReferenceId": "x",
        "parameters": {"effect": {"value": f"[parameters('{param}')]"}},
    }
    definition = _initiative(mcsb, [member], {param: "Disabled"})
    complete = (*POLICY, "policyDefinitions")
    default_off = [
        *base_rows(),
        definition,
        assignment(f"/subscriptions/{SUB}", "asc", mcsb.rsplit("/", 1)[-1], initiative=True),
    ]
    assert statuses(run_rules(default_off, complete=complete), "AIP-GOV-002") == {
        ("oai-gov", "FAIL")
    }
    turned_on = [
        *base_rows(),
        definition,
        assignment(
            f"/subscriptions/{SUB}",
            "asc",
            mcsb.rsplit("/", 1)[-1],
            initiative=True,
            params={param: "Audit"},
        ),
    ]
    assert statuses(run_rules(turned_on, complete=complete), "AIP-GOV-002") == {("oai-gov", "PASS")}
    custom = f"{MG}/contoso/providers/Microsoft.Authorization/policySetDefinitions/my-own"
    literal = {**member, "parameters": {"effect": {"value": "Deny"}}}
    rows = [
        *base_rows(),
        _initiative(custom, [literal], {}),
        assignment(f"/subscriptions/{SUB}", "own", custom, initiative=True),
    ]
    assert statuses(run_rules(rows, complete=complete), "AIP-GOV-002") == {("oai-gov", "PASS")}


# ---- issue 18: enforcement the guardrail rules did not know ---------------------------------

SEARCH = {
    "id": f"{RG}/providers/Microsoft.Search/searchServices/srch-gov",
    "name": "srch-gov",
    "type": "Microsoft.Search/searchServices",
    "location": "westeurope",
    "properties": {"publicNetworkAccess": "Disabled"},
}
MLW = {
    "id": f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/mlw-gov",
    "name": "mlw-gov",
    "type": "Microsoft.MachineLearningServices/workspaces",
    "location": "westeurope",
    "properties": {},
}
ALL = (*POLICY, "policyDefinitions")  # every definition read: a gap cannot explain a FAIL


def _alz(name: str, **params: str) -> dict[str, Any]:
    set_id = f"{MG}/contoso/providers/Microsoft.Authorization/policySetDefinitions/{name}"
    return assignment(f"{MG}/landingzones", name.lower(), set_id, initiative=True, params=params)


def _gov(rows: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    r = run_rules([*base_rows(), SEARCH, MLW, *rows], complete=ALL)
    return {
        (f.rule.id, f.resource_name, f.status.value)
        for f in r.findings
        if f.rule.id in ("AIP-GOV-002", "AIP-GOV-003", "AIP-GOV-004")
    }


def test_alz_cognitive_services_initiative_is_recognised() -> None:
    """Enforce-Guardrails-CognitiveServices: Modify public access for accounts (47ba1dd7) and
    Search (9cee519f), Modify local auth (14de9e63, 4eb216f2), Search resource logs
    (b4330a05). Before: an unknown custom initiative, a false FAIL everywhere."""
    got = _gov([_alz("Enforce-Guardrails-CognitiveServices")])
    assert got == {
        ("AIP-GOV-002", "oai-gov", "PASS"),
        ("AIP-GOV-002", "srch-gov", "PASS"),
        ("AIP-GOV-002", "mlw-gov", "FAIL"),  # the initiative has no ML member
        ("AIP-GOV-003", "oai-gov", "PASS"),
        ("AIP-GOV-003", "srch-gov", "PASS"),
        ("AIP-GOV-004", "oai-gov", "FAIL"),  # b4330a05 audits Search services only
        ("AIP-GOV-004", "srch-gov", "PASS"),
        ("AIP-GOV-004", "mlw-gov", "FAIL"),
    }
    # Its Modify members switched off: public access is no longer guarded.
    off = _gov(
        [
            _alz(
                "Enforce-Guardrails-CognitiveServices",
                cognitiveServicesModifyPublicNetworkAccess="Disabled",
                modifyCognitiveSearchPublicEndpoint="Disabled",
            )
        ]
    )
    assert ("AIP-GOV-002", "oai-gov", "FAIL") in off
    assert ("AIP-GOV-002", "srch-gov", "FAIL") in off
    assert ("AIP-GOV-003", "oai-gov", "PASS") in off


def test_alz_machine_learning_initiative_is_recognised() -> None:
    got = _gov([_alz("Enforce-Guardrails-MachineLearning")])
    assert ("AIP-GOV-002", "mlw-gov", "PASS") in got  # a10ee784 Modify
    assert ("AIP-GOV-004", "mlw-gov", "PASS") in got  # afe0c3be
    off = _gov([_alz("Enforce-Guardrails-MachineLearning", mlModifyPublicNetworkAccess="Disabled")])
    assert ("AIP-GOV-002", "mlw-gov", "FAIL") in off


def test_modify_and_deploy_definitions_guard_the_control() -> None:
    """Each Modify / DeployIfNotExists built-in the issue names is a guardrail for its type."""
    sub = f"/subscriptions/{SUB}"
    cases = {
        "47ba1dd7-28d9-4b07-a8d5-9813bed64e0c": ("AIP-GOV-002", "oai-gov"),
        "9cee519f-d9c1-4fd9-9f79-24ec3449ed30": ("AIP-GOV-002", "srch-gov"),
        "4eb216f2-9dba-4979-86e6-5d7e63ce3b75": ("AIP-GOV-003", "srch-gov"),
        "55eff01b-f2bd-4c32-9203-db285f709d30": ("AIP-GOV-003", "oai-gov"),
        "f59276f0-5740-4aaf-821d-45d185aa210e": ("AIP-GOV-004", "mlw-gov"),
        "90c90eda-bfe7-4c67-bf26-410420ed1047": ("AIP-GOV-004", "mlw-gov"),
        "8def4bdd-4362-4ed6-a26f-7bf8f2c58839": ("AIP-GOV-004", "srch-gov"),
        "08ba64b8-738f-4918-9686-730d2ed79c7d": ("AIP-GOV-004", "srch-gov"),
        "55d1f543-d1b0-4811-9663-d6d0dbc6326d": ("AIP-GOV-004", "oai-gov"),
    }
    for guid, (rid, name) in cases.items():
        assert (rid, name, "PASS") in _gov([assignment(sub, "a", guid)]), guid
        # Switched off, it guards nothing.
        off = assignment(sub, "a", guid, params={"effect": "Disabled"})
        assert (rid, name, "FAIL") in _gov([off]), guid


def test_effect_the_definition_cannot_take_guards_nothing() -> None:
    """47ba1dd7 allows Modify or Disabled: an assignment claiming Audit or Deny is not a
    guardrail Azure would run. A category-group logging definition set to AuditIfNotExists
    still makes missing logs visible, which is what GOV-004 asks."""
    sub = f"/subscriptions/{SUB}"
    deny = assignment(sub, "a", "47ba1dd7-28d9-4b07-a8d5-9813bed64e0c", params={"effect": "Deny"})
    assert ("AIP-GOV-002", "oai-gov", "FAIL") in _gov([deny])
    aine = assignment(
        sub, "a", "55d1f543-d1b0-4811-9663-d6d0dbc6326d", params={"effect": "AuditIfNotExists"}
    )
    assert ("AIP-GOV-004", "oai-gov", "PASS") in _gov([aine])


# ---- issue 18: Microsoft built-in initiatives (not in the tenant's policySetDefinitions) ------

MCSB = "1f3afdf9-d0c9-4c3d-847f-89da613e70a8"
MCSB_NETWORK_PARAM = "cognitiveServicesAccountsShouldRestrictNetworkAccessMonitoringEffect"


def test_builtin_security_benchmark_initiative_is_recognised() -> None:
    """The Microsoft cloud security benchmark assigned at a management group: its
    network-restriction member (effect parameter defaulting to Audit) guards public access, its
    AI-services local-auth member (no effect parameter: the definition's Audit default) guards
    local auth; it holds no AI-services diagnostic-settings member, and for search services its
    resource-log member (AuditIfNotExists by default) guards logging."""
    complete = (*POLICY, "policyDefinitions")
    rows = [*base_rows(), SEARCH, assignment(f"{MG}/landingzones", "asc", MCSB, initiative=True)]
    r = run_rules(rows, complete=complete)
    assert statuses(r, "AIP-GOV-002") == {("oai-gov", "PASS"), ("srch-gov", "FAIL")}
    assert statuses(r, "AIP-GOV-003") == {("oai-gov", "PASS"), ("srch-gov", "PASS")}
    assert statuses(r, "AIP-GOV-004") == {("oai-gov", "FAIL"), ("srch-gov", "PASS")}


def test_builtin_initiative_member_switched_off_guards_nothing() -> None:
    """The same assignment with the member's effect parameter set to Disabled: the network
    member no longer counts, the others still do."""
    complete = (*POLICY, "policyDefinitions")
    off = assignment(
        f"{MG}/landingzones", "asc", MCSB, initiative=True, params={MCSB_NETWORK_PARAM: "Disabled"}
    )
    r = run_rules([*base_rows(), off], complete=complete)
    assert statuses(r, "AIP-GOV-002") == {("oai-gov", "FAIL")}
    assert statuses(r, "AIP-GOV-003") == {("oai-gov", "PASS")}
    deny = assignment(
        f"{MG}/landingzones", "asc", MCSB, initiative=True, params={MCSB_NETWORK_PARAM: "Deny"}
    )
    r = run_rules([*base_rows(), deny], complete=complete)
    (f,) = [f for f in r.findings if f.rule.id == "AIP-GOV-002"]
    assert f.status.value == "PASS"
    (ev_,) = [e for e in f.evidence if e.path == "policyAssignments[effective]"]
    assert {(x["definition"], x["effect"]) for x in ev_.value} == {(NETWORK, "Deny")}


def test_builtin_initiative_parameter_defaulting_to_disabled_guards_nothing() -> None:
    """Members whose initiative parameter defaults to Disabled (here the ML workspace
    customer-managed-key member) are off unless the assignment turns them on."""
    ini = INITIATIVES[MCSB]
    cmk = "ba769a63-b8cc-4b2d-abf6-ac33c7204be8"
    param = ini.members[cmk]
    assert param is not None and ini.defaults[param.lower()] == "Disabled"

    def mcsb(params: dict[str, object]) -> PolicyAssignment:
        pid = f"/providers/microsoft.authorization/policysetdefinitions/{MCSB}"
        return PolicyAssignment(
            id="a",
            key="a",
            name="a",
            type="microsoft.authorization/policyassignments",
            policy_definition_id=pid,
            parameters={k: {"value": v} for k, v in params.items()},
        )

    assert cmk not in assigned_definitions(mcsb({}))
    assert assigned_definitions(mcsb({param: "Audit"}))[cmk] == "Audit"


ALL_LOGS_TO_LAW = "0884adba-2312-4468-abeb-5422caed1038"
AUDIT_LOGS_TO_LAW = "f5b29bc4-feca-4cc6-a58a-772dd5e290a5"


def test_builtin_all_logs_initiative_guards_diagnostics_for_listed_types() -> None:
    """'Enable allLogs category group resource logging ... to Log Analytics': its member for a
    resource type runs with the initiative's effect (DeployIfNotExists by default) only while
    resourceTypeList holds that type; otherwise, or with effect Disabled, it guards nothing."""
    complete = (*POLICY, "policyDefinitions")
    law = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/l"
    scope = f"{MG}/landingzones"

    def gov4(params: dict[str, Any]) -> set[tuple[str, str]]:
        a = assignment(scope, "diag", ALL_LOGS_TO_LAW, initiative=True, params=params)
        return statuses(run_rules([*base_rows(), SEARCH, a], complete=complete), "AIP-GOV-004")

    assert gov4({"logAnalytics": law}) == {("oai-gov", "PASS"), ("srch-gov", "PASS")}
    only_search = {"logAnalytics": law, "resourceTypeList": ["Microsoft.Search/searchServices"]}
    assert gov4(only_search) == {("oai-gov", "FAIL"), ("srch-gov", "PASS")}
    off = {"logAnalytics": law, "effect": "Disabled"}
    assert gov4(off) == {("oai-gov", "FAIL"), ("srch-gov", "FAIL")}
    audit = assignment(
        scope, "audit", AUDIT_LOGS_TO_LAW, initiative=True, params={"logAnalytics": law}
    )
    r = run_rules([*base_rows(), SEARCH, audit], complete=complete)
    assert statuses(r, "AIP-GOV-004") == {("oai-gov", "PASS"), ("srch-gov", "PASS")}
