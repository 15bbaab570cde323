"""AIP-IDN-*: keys, workload identities, permissions (action matching), PIM, CA, guests."""

from __future__ import annotations

from typing import Any

from aiposture.config import Settings
from root_helpers import run_rules, statuses

SUB = "00000000-0000-0000-0000-00000000d001"
SUB_SCOPE = f"/subscriptions/{SUB}"
RG = f"{SUB_SCOPE}/resourceGroups/rg-idn"
P = f"{RG}/providers"
MG = "/providers/Microsoft.Management/managementGroups/contoso"

ROLE = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "UAA": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "CS User": "a97b65f3-24c7-4388-baec-2e87135dc908",
    "OpenAI User": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    "OpenAI Contributor": "a001fd3d-188f-4b5d-821b-7da978bf7442",
    "Blob Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "KV Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
}
RBAC = ("resources", "roleAssignments")


def row(rtype: str, name: str, props: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "id": f"{P}/{rtype}/{name}",
        "name": name,
        "type": rtype,
        "location": "westeurope",
        "properties": props,
        **top,
    }


def mi(name: str) -> dict[str, Any]:
    return {"type": "SystemAssigned", "principalId": f"mi-{name}", "tenantId": "t"}


def account(name: str, props: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    return row("Microsoft.CognitiveServices/accounts", name, props or {}, kind="OpenAI", **top)


def ra(
    n: int,
    principal: str,
    role: str,
    scope: str,
    ptype: str = "ServicePrincipal",
    condition: str | None = None,
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "principalId": principal,
        "principalType": ptype,
        "scope": scope,
        "roleDefinitionId": f"{SUB_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{ROLE.get(role, role)}",
    }
    if condition:
        props["condition"] = condition
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/ra-{n}",
        "name": f"ra-{n}",
        "type": "microsoft.authorization/roleassignments",
        "properties": props,
    }


def sub_row() -> dict[str, Any]:
    return {
        "id": SUB_SCOPE,
        "type": "microsoft.resources/subscriptions",
        "name": "sub-ai",
        "subscriptionId": SUB,
        "properties": {"managementGroupAncestorsChain": [{"name": "contoso"}]},
    }


# ---- IDN-001 / 002 / 004 (existing) --------------------------------------------------------


def test_idn_001_002_004_local_auth_and_identity() -> None:
    rows = [
        account("keys-off", {"disableLocalAuth": True}, identity=mi("a")),
        account("keys-on", {}),
        row("Microsoft.Search/searchServices", "srch-off", {"disableLocalAuth": True}),
        {
            "id": f"{P}/Microsoft.Search/searchServices/srch-odd",
            "name": "srch-odd",
            "type": "microsoft.search/searchservices",
            "properties": {"DisableLocalAuth": "false"},
        },
    ]
    result = run_rules(rows)
    assert statuses(result, "AIP-IDN-001") == {("keys-off", "PASS"), ("keys-on", "FAIL")}
    assert statuses(result, "AIP-IDN-002") == {("srch-off", "PASS"), ("srch-odd", "FAIL")}
    assert statuses(result, "AIP-IDN-004") == {
        ("keys-off", "PASS"),
        ("keys-on", "FAIL"),
        ("srch-off", "FAIL"),
        ("srch-odd", "FAIL"),
    }


# ---- IDN-003 -------------------------------------------------------------------------------


def compute(name: str, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"{P}/Microsoft.MachineLearningServices/workspaces/ws/computes/{name}",
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/computes",
        "properties": props,
    }


def test_idn_003_compute_local_auth() -> None:
    rows = [
        row("Microsoft.MachineLearningServices/workspaces", "ws", {}),
        compute("ci-aad", {"computeType": "ComputeInstance", "disableLocalAuth": True}),
        compute("cluster-keys", {"computeType": "AmlCompute"}),
        {
            "id": f"{P}/Microsoft.MachineLearningServices/workspaces/ws/computes/odd",
            "name": "odd",
            "type": "microsoft.machinelearningservices/workspaces/computes",
            "properties": {"ComputeType": "AmlCompute", "DisableLocalAuth": False},
        },
        compute("aks-attached", {"computeType": "AKS"}),
    ]
    assert statuses(run_rules(rows, complete=("resources", "computes")), "AIP-IDN-003") == {
        ("ci-aad", "PASS"),
        ("cluster-keys", "FAIL"),
        ("odd", "FAIL"),
        ("aks-attached", "NOT_APPLICABLE"),
    }
    assert statuses(run_rules(rows), "AIP-IDN-003") == {
        ("ci-aad", "UNKNOWN"),
        ("cluster-keys", "UNKNOWN"),
        ("odd", "UNKNOWN"),
        ("aks-attached", "UNKNOWN"),
    }


# ---- IDN-005 / 006: workload identities ------------------------------------------------------


def test_idn_005_privileged_workload_identity() -> None:
    rows = [
        sub_row(),
        account("owner-on-sub", identity=mi("1")),
        account("uaa-from-mg", identity=mi("2")),
        account("contrib-on-rg", identity=mi("3")),
        account("narrow", identity=mi("4")),
        account("owner-on-itself", identity=mi("5")),
        ra(1, "mi-1", "Owner", SUB_SCOPE),
        ra(2, "mi-2", "UAA", MG),
        ra(3, "mi-3", "Contributor", RG),  # `*` at RG scope counts
        ra(4, "mi-4", "OpenAI User", RG),
        ra(5, "mi-5", "Owner", f"{P}/Microsoft.CognitiveServices/accounts/owner-on-itself"),
        account("no-identity"),
    ]
    assert statuses(run_rules(rows, complete=RBAC), "AIP-IDN-005") == {
        ("owner-on-sub", "FAIL"),
        ("uaa-from-mg", "FAIL"),
        ("contrib-on-rg", "FAIL"),
        ("narrow", "PASS"),
        ("owner-on-itself", "PASS"),
    }
    # Role assignments not recorded as collected: a privileged grant that was read still fails
    # (changed: these were UNKNOWN), a clean identity cannot pass.
    assert statuses(run_rules(rows), "AIP-IDN-005") == {
        ("owner-on-sub", "FAIL"),
        ("uaa-from-mg", "FAIL"),
        ("contrib-on-rg", "FAIL"),
        ("narrow", "UNKNOWN"),
        ("owner-on-itself", "UNKNOWN"),
    }


def test_idn_005_custom_role_without_definition_is_unknown() -> None:
    rows = [
        account("custom", identity=mi("c")),
        ra(1, "mi-c", "99999999-9999-9999-9999-999999999999", RG),
    ]
    assert statuses(run_rules(rows, complete=RBAC), "AIP-IDN-005") == {("custom", "UNKNOWN")}


def test_idn_006_broad_data_access() -> None:
    rows = [
        sub_row(),
        account("blob-sub", identity=mi("1")),
        account("secrets-mg", identity=mi("2")),
        account("blob-rg", identity=mi("3")),
        account("contrib-sub", identity=mi("4")),
        ra(1, "mi-1", "Blob Reader", SUB_SCOPE),
        ra(2, "mi-2", "KV Secrets User", MG),
        ra(3, "mi-3", "Blob Reader", RG),
        ra(4, "mi-4", "Contributor", SUB_SCOPE),  # listKeys on every storage account
    ]
    assert statuses(run_rules(rows, complete=RBAC), "AIP-IDN-006") == {
        ("blob-sub", "FAIL"),
        ("secrets-mg", "FAIL"),
        ("blob-rg", "PASS"),
        ("contrib-sub", "FAIL"),
    }
    # Assignments not recorded as collected: the broad grants that were read still fail
    # (changed: these were UNKNOWN); the narrow one cannot pass.
    assert statuses(run_rules(rows), "AIP-IDN-006") == {
        ("blob-sub", "FAIL"),
        ("secrets-mg", "FAIL"),
        ("blob-rg", "UNKNOWN"),
        ("contrib-sub", "FAIL"),
    }


# ---- IDN-007 -------------------------------------------------------------------------------


def test_idn_007_key_listers() -> None:
    acc_open = account("shared")
    acc_admins = account("admins-only")
    acc_off = account("keys-off", {"disableLocalAuth": True})
    rows = [
        acc_open,
        acc_admins,
        acc_off,
        ra(1, "app-1", "CS User", acc_open["id"]),
        ra(2, "owner-1", "Owner", acc_admins["id"], "User"),
        ra(3, "dev-1", "OpenAI User", acc_admins["id"], "User"),
        ra(4, "app-2", "CS User", acc_off["id"]),
    ]
    assert statuses(run_rules(rows, complete=RBAC), "AIP-IDN-007") == {
        ("shared", "FAIL"),
        ("admins-only", "PASS"),
        ("keys-off", "NOT_APPLICABLE"),
    }
    # Without the assignments collection nothing is certain, except that keys-off has no keys
    # (changed: it was UNKNOWN although the deciding property is in its row).
    assert statuses(run_rules(rows), "AIP-IDN-007") == {
        ("shared", "UNKNOWN"),
        ("admins-only", "UNKNOWN"),
        ("keys-off", "NOT_APPLICABLE"),
    }
    # A configured model admin listing keys is not a finding.
    settings = Settings(model_admins=frozenset({"app-1"}))
    assert ("shared", "PASS") in statuses(run_rules(rows, settings, complete=RBAC), "AIP-IDN-007")


# ---- IDN-008 -------------------------------------------------------------------------------

GRAPH_SP = ("roleAssignments", "graph.servicePrincipals", "graph.applications", "resources")


def sp(oid: str, app: str, name: str) -> dict[str, Any]:
    return {
        "id": oid,
        "appId": app,
        "displayName": name,
        "servicePrincipalType": "Application",
        "passwordCredentials": [],
        "keyCredentials": [],
    }


def test_idn_008_service_principal_credentials() -> None:
    acc = account("oai")
    rows = [
        acc,
        ra(1, "sp-secret", "OpenAI Contributor", acc["id"]),
        ra(2, "sp-cert", "OpenAI User", RG),
        ra(3, "sp-long", "Reader", SUB_SCOPE),
        ra(4, "sp-expired", "OpenAI User", acc["id"]),
        ra(6, "sp-deleted", "OpenAI User", acc["id"]),
        ra(
            5,
            "sp-elsewhere",
            "Owner",
            f"{SUB_SCOPE}/resourceGroups/other/providers/Microsoft.Storage/storageAccounts/x",
        ),
    ]
    graph = {
        "servicePrincipals": [
            sp("sp-secret", "app-a", "pipeline"),
            sp("sp-cert", "app-b", "web"),
            sp("sp-long", "app-c", "reporting"),
            sp("sp-expired", "app-d", "old"),
            sp("sp-elsewhere", "app-e", "unrelated"),
        ],
        "applications": [
            {
                "appId": "app-a",
                "passwordCredentials": [
                    {
                        "keyId": "k1",
                        "displayName": "ci",
                        "startDateTime": "2026-06-01T00:00:00Z",
                        "endDateTime": "2026-12-01T00:00:00Z",
                    }
                ],
            },
            {
                "appId": "app-b",
                "keyCredentials": [
                    {
                        "keyId": "k2",
                        "type": "AsymmetricX509Cert",
                        "startDateTime": "2026-03-01T00:00:00Z",
                        "endDateTime": "2027-02-01T00:00:00Z",
                    }
                ],
            },
            {
                "appId": "app-c",
                "keyCredentials": [
                    {
                        "keyId": "k3",
                        "startDateTime": "2025-01-01T00:00:00Z",
                        "endDateTime": "2028-01-01T00:00:00Z",
                    }
                ],
            },
            {
                "appId": "app-d",
                "keyCredentials": [
                    {
                        "keyId": "k4",
                        "startDateTime": "2025-06-01T00:00:00Z",
                        "endDateTime": "2026-01-01T00:00:00Z",
                    }
                ],
            },
        ],
    }
    got = statuses(run_rules(rows, complete=GRAPH_SP, graph=graph), "AIP-IDN-008")
    assert got == {
        ("pipeline", "FAIL"),
        ("web", "PASS"),
        ("reporting", "FAIL"),
        ("old", "FAIL"),
        ("sp-deleted", "NOT_APPLICABLE"),
    }
    # Graph not collected: the principals with roles over AI are still listed, as UNKNOWN.
    got = statuses(run_rules(rows, complete=RBAC), "AIP-IDN-008")
    assert got == {
        ("sp-secret", "UNKNOWN"),
        ("sp-cert", "UNKNOWN"),
        ("sp-long", "UNKNOWN"),
        ("sp-expired", "UNKNOWN"),
        ("sp-deleted", "UNKNOWN"),
    }


# ---- IDN-009 -------------------------------------------------------------------------------

PIM = ("resources", "roleAssignments", "roleEligibilitySchedules")


def eligibility(principal: str, role: str, scope: str) -> dict[str, Any]:
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleEligibilitySchedules/e-{principal}",
        "name": f"e-{principal}",
        "type": "Microsoft.Authorization/roleEligibilitySchedules",
        "properties": {
            "principalId": principal,
            "scope": scope,
            "memberType": "Direct",
            "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{ROLE[role]}",
        },
    }


def test_idn_009_permanent_privileged() -> None:
    rows = [
        sub_row(),
        account("oai"),
        ra(1, "alice", "Owner", SUB_SCOPE, "User"),  # permanent: FAIL
        ra(2, "admins", "UAA", MG, "Group"),  # permanent from the MG: FAIL
        ra(3, "pipeline", "Owner", SUB_SCOPE),  # service principal: IDN-005's business
        ra(4, "carol", "Reader", SUB_SCOPE, "User"),  # not privileged
        ra(5, "dave", "Owner", RG, "User"),  # resource group scope: not in this rule
        eligibility("bob", "Owner", SUB_SCOPE),  # eligible: PASS
        ra(6, "bob", "Owner", SUB_SCOPE, "User"),  # bob's activation: PASS
        ra(7, "erin", "Owner", "/subscriptions/no-ai-here", "User"),  # no AI below
    ]
    assert statuses(run_rules(rows, complete=PIM), "AIP-IDN-009") == {
        ("ra-1", "FAIL"),
        ("ra-2", "FAIL"),
        ("e-bob", "PASS"),
        ("ra-6", "PASS"),
    }
    assert {s for _, s in statuses(run_rules(rows, complete=RBAC), "AIP-IDN-009")} == {"UNKNOWN"}


# ---- IDN-010 -------------------------------------------------------------------------------

CA = ("resources", "graph.conditionalAccessPolicies")


def ca(
    name: str, state: str, apps: list[str], controls: list[str], users: list[str] | None = None
) -> dict[str, Any]:
    return {
        "id": name,
        "displayName": name,
        "state": state,
        "conditions": {
            "users": {"includeUsers": users or ["All"], "excludeUsers": ["bg"]},
            "applications": {"includeApplications": apps},
        },
        "grantControls": {"operator": "OR", "builtInControls": controls},
    }


def test_idn_010_conditional_access() -> None:
    mgmt = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
    ok = {"conditionalAccessPolicies": [ca("mfa-azure", "enabled", [mgmt], ["mfa"])]}
    report_only = {
        "conditionalAccessPolicies": [
            ca("mfa-ro", "enabledForReportingButNotEnforced", ["All"], ["mfa"])
        ]
    }
    wrong = {
        "conditionalAccessPolicies": [
            ca("block-legacy", "enabled", ["All"], ["block"]),
            ca("mfa-admins", "enabled", ["All"], ["mfa"], users=["u1"]),
        ]
    }
    tenant = "00000000-0000-0000-0000-0000000000aa"
    assert statuses(run_rules([], complete=CA, graph=ok), "AIP-IDN-010") == {(tenant, "PASS")}
    assert statuses(run_rules([], complete=CA, graph=report_only), "AIP-IDN-010") == {
        (tenant, "FAIL")
    }
    assert statuses(run_rules([], complete=CA, graph=wrong), "AIP-IDN-010") == {(tenant, "FAIL")}
    assert statuses(run_rules([], graph=ok), "AIP-IDN-010") == {(tenant, "UNKNOWN")}


# ---- IDN-011 -------------------------------------------------------------------------------


def role_def(
    guid: str, name: str, actions: list[str], not_actions: list[str], scopes: list[str]
) -> dict[str, Any]:
    return {
        "id": f"{SUB_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
        "name": guid,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": name,
            "type": "CustomRole",
            "assignableScopes": scopes,
            "permissions": [
                {
                    "actions": actions,
                    "notActions": not_actions,
                    "dataActions": [],
                    "notDataActions": [],
                }
            ],
        },
    }


def test_idn_011_custom_roles() -> None:
    rows = [
        sub_row(),
        account("oai"),
        role_def(
            "11111111-0000-0000-0000-000000000001",
            "AI Ops (owner in disguise)",
            ["*"],
            [],
            [SUB_SCOPE],
        ),
        role_def(
            "11111111-0000-0000-0000-000000000002",
            "AI access granter",
            ["Microsoft.Authorization/*"],
            ["Microsoft.Authorization/*/delete"],
            [RG],
        ),
        role_def(
            "11111111-0000-0000-0000-000000000003",
            "AI reader",
            ["Microsoft.CognitiveServices/*/read"],
            [],
            [SUB_SCOPE],
        ),
        role_def(
            "11111111-0000-0000-0000-000000000004",
            "Contributor-like",
            ["*"],
            ["Microsoft.Authorization/*/Write"],
            ["/subscriptions/other-sub"],
        ),
    ]
    complete = ("resources", "roleDefinitions")
    assert statuses(run_rules(rows, complete=complete), "AIP-IDN-011") == {
        ("11111111-0000-0000-0000-000000000001", "FAIL"),
        ("11111111-0000-0000-0000-000000000002", "FAIL"),
        ("11111111-0000-0000-0000-000000000003", "PASS"),
    }
    assert {s for _, s in statuses(run_rules(rows), "AIP-IDN-011")} == {"UNKNOWN"}


# ---- IDN-012 / 013 -----------------------------------------------------------------------------


def test_idn_012_registry_admin_user() -> None:
    acr = "Microsoft.ContainerRegistry/registries"
    rows = [
        row(
            "Microsoft.MachineLearningServices/workspaces",
            "ws1",
            {"containerRegistry": f"{P}/{acr}/acr-admin"},
        ),
        row(
            "Microsoft.MachineLearningServices/workspaces",
            "ws2",
            {"ContainerRegistry": f"{P}/{acr}/acr-ok"},
        ),
        row(acr, "acr-admin", {"adminUserEnabled": True}),
        {
            "id": f"{P}/{acr}/acr-ok",
            "name": "acr-ok",
            "type": acr.lower(),
            "properties": {"AdminUserEnabled": False},
        },
        row(acr, "acr-unlinked", {"adminUserEnabled": True}),
    ]
    assert statuses(run_rules(rows), "AIP-IDN-012") == {("acr-admin", "FAIL"), ("acr-ok", "PASS")}


def test_idn_013_aks_identity() -> None:
    def aks(name: str, **props: Any) -> dict[str, Any]:
        return row(
            "Microsoft.ContainerService/managedClusters",
            name,
            {"agentPoolProfiles": [{"name": "gpu", "vmSize": "Standard_NC6s_v3"}], **props},
        )

    rows = [
        aks(
            "good",
            disableLocalAccounts=True,
            enableRBAC=True,
            aadProfile={"managed": True, "enableAzureRBAC": True},
        ),
        aks("local", enableRBAC=True, aadProfile={"managed": True}),
        aks("no-aad", disableLocalAccounts=True),
        aks("no-rbac", disableLocalAccounts=True, enableRBAC=False, aadProfile={"managed": True}),
    ]
    assert statuses(run_rules(rows), "AIP-IDN-013") == {
        ("good", "PASS"),
        ("local", "FAIL"),
        ("no-aad", "FAIL"),
        ("no-rbac", "FAIL"),
    }


# ---- IDN-014 -------------------------------------------------------------------------------

GUESTS = ("resources", "roleAssignments", "graph.users")


def test_idn_014_guests() -> None:
    acc = account("oai")
    srch = row("Microsoft.Search/searchServices", "srch", {})
    ws = row("Microsoft.MachineLearningServices/workspaces", "ws", {})
    rows = [
        acc,
        srch,
        ws,
        ra(1, "guest-1", "OpenAI User", acc["id"], "User"),  # data access
        ra(2, "guest-2", "Reader", srch["id"], "User"),  # read only: fine
        ra(3, "partners", "Contributor", ws["id"], "Group"),  # group with a guest member
        ra(4, "member-1", "Owner", srch["id"], "User"),
    ]
    graph = {
        "users": [
            {
                "id": "guest-1",
                "userType": "Guest",
                "userPrincipalName": "ext_partner.com#EXT#@contoso.onmicrosoft.com",
            },
            {"id": "guest-2", "userType": "Guest"},
            {"id": "guest-3", "userType": "Guest"},
            {"id": "member-1", "userType": "Member"},
        ],
        "groupMembers": [{"groupId": "partners", "memberId": "guest-3"}],
    }
    got = statuses(run_rules(rows, complete=GUESTS, graph=graph), "AIP-IDN-014")
    assert got == {("oai", "FAIL"), ("srch", "PASS"), ("ws", "FAIL")}
    foreign = [acc, ra(1, "fg", "OpenAI Contributor", RG, "ForeignGroup")]
    assert statuses(run_rules(foreign, complete=GUESTS, graph={"users": []}), "AIP-IDN-014") == {
        ("oai", "FAIL")
    }
    # Users not recorded as collected: the guests that were read still fail (changed: these
    # were UNKNOWN); srch cannot pass, a guest may hide among the users not read.
    assert statuses(run_rules(rows, complete=RBAC, graph=graph), "AIP-IDN-014") == {
        ("oai", "FAIL"),
        ("srch", "UNKNOWN"),
        ("ws", "FAIL"),
    }


# ---- three-valued permission answers -------------------------------------------------------

CUSTOM = "99999999-9999-9999-9999-999999999999"  # custom role, definition not collected


def test_idn_003_compute_only_export_decides() -> None:
    # Defect: only the computes collection read (no "resources"): the property is in the row.
    rows = [
        compute("ci-aad", {"computeType": "ComputeInstance", "disableLocalAuth": True}),
        compute("cluster-keys", {"computeType": "AmlCompute"}),
    ]
    assert statuses(run_rules(rows, complete=("computes",)), "AIP-IDN-003") == {
        ("ci-aad", "PASS"),
        ("cluster-keys", "FAIL"),
    }


def test_idn_014_custom_role_without_definition_is_unknown() -> None:
    # Defect: a guest holding a custom role whose definition was not collected gave PASS.
    acc = account("oai")
    rows = [acc, ra(1, "guest-1", CUSTOM, acc["id"], "User")]
    graph = {"users": [{"id": "guest-1", "userType": "Guest"}]}
    r = run_rules(rows, complete=GUESTS, graph=graph)
    assert statuses(r, "AIP-IDN-014") == {("oai", "UNKNOWN")}
    (f,) = [f for f in r.findings if f.rule.id == "AIP-IDN-014"]
    assert f"roleDefinitions:{CUSTOM}" in f.missing


def test_idn_014_group_members_not_read_is_unknown() -> None:
    acc = account("oai")
    rows = [acc, ra(1, "partners", "OpenAI User", acc["id"], "Group")]
    graph = {"users": [{"id": "guest-3", "userType": "Guest"}]}
    r = run_rules(rows, complete=GUESTS, graph=graph)
    assert statuses(r, "AIP-IDN-014") == {("oai", "UNKNOWN")}
    complete = run_rules(rows, complete=(*GUESTS, "graph.groupMembers"), graph=graph)
    assert statuses(complete, "AIP-IDN-014") == {("oai", "PASS")}


def test_idn_005_grant_through_a_group_counts() -> None:
    rows = [
        sub_row(),
        account("via-group", identity=mi("g")),
        ra(1, "platform-admins", "Owner", SUB_SCOPE, "Group"),
    ]
    members = {"groupMembers": [{"groupId": "platform-admins", "memberId": "mi-g"}]}
    full = (*RBAC, "subscriptions", "graph.groupMembers")
    assert statuses(run_rules(rows, complete=full, graph=members), "AIP-IDN-005") == {
        ("via-group", "FAIL")
    }
    # Members not read: a group holds assignments, so the identity may be in it.
    assert statuses(run_rules(rows, complete=RBAC), "AIP-IDN-005") == {("via-group", "UNKNOWN")}


def test_idn_009_custom_role_without_definition_stays_a_target() -> None:
    # Defect: a permanent user assignment of an uncollected custom role at subscription scope
    # was silently not a target (its role could not be shown to be privileged).
    rows = [sub_row(), account("oai"), ra(1, "alice", CUSTOM, SUB_SCOPE, "User")]
    r = run_rules(rows, complete=PIM)
    assert statuses(r, "AIP-IDN-009") == {("ra-1", "UNKNOWN")}
    (f,) = [f for f in r.findings if f.rule.id == "AIP-IDN-009"]
    assert f.missing == (f"roleDefinitions:{CUSTOM}",)
