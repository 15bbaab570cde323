"""Permission semantics: wildcards, notActions, data plane, scope inheritance, conditions, PIM."""

from __future__ import annotations

from typing import Any

import pytest

from aiposture.facts.builtin_roles import builtin_role, builtin_role_by_name, builtin_roles
from aiposture.facts.permissions import (
    BLOB_READ,
    BLOB_WRITE,
    CS_DEPLOYMENT_WRITE,
    CS_LIST_KEYS,
    CS_RAI_POLICY_WRITE,
    KV_SECRET_GET,
    MI_ASSIGN,
    ROLE_ASSIGNMENT_WRITE,
    STORAGE_LIST_KEYS,
    action_matches,
    permission_index,
    role_definition,
    role_permits,
)
from aiposture.model.entities import Permission, RoleDefinition
from root_helpers import make_inventory

SUB = "00000000-0000-0000-0000-000000000001"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-ai"
ACCOUNT = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai-1"
DEPLOYMENT = f"{ACCOUNT}/deployments/gpt-4o"
STORAGE = f"{RG}/providers/Microsoft.Storage/storageAccounts/stai1"
MG_ROOT = "/providers/Microsoft.Management/managementGroups/contoso"
MG_CHILD = "/providers/Microsoft.Management/managementGroups/contoso-ai"

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
BLOB_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
CS_USER = "a97b65f3-24c7-4388-baec-2e87135dc908"
OPENAI_CONTRIBUTOR = "a001fd3d-188f-4b5d-821b-7da978bf7442"
OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
RBAC_ADMIN = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"


def role(*blocks: Permission, guid: str = "11111111-1111-1111-1111-111111111111") -> RoleDefinition:
    rid = f"/providers/Microsoft.Authorization/roleDefinitions/{guid}"
    return RoleDefinition(
        id=rid, key=rid.lower(), name=guid, type="x", role_name="t", guid=guid, permissions=blocks
    )


def assignment(
    n: int, principal: str, role_guid: str, scope: str, condition: str | None = None, **kw: Any
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "principalId": principal,
        "principalType": kw.get("ptype", "ServicePrincipal"),
        "roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/"
        f"roleDefinitions/{role_guid}",
        "scope": scope,
    }
    if condition is not None:
        props["condition"] = condition
        props["conditionVersion"] = "2.0"
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/ra-{n}",
        "type": "microsoft.authorization/roleassignments",
        "name": f"ra-{n}",
        "properties": props,
    }


def subscription(mg_chain: list[str]) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{SUB}",
        "type": "microsoft.resources/subscriptions",
        "name": "sub-ai",
        "subscriptionId": SUB,
        "properties": {
            "managementGroupAncestorsChain": [{"name": m, "displayName": m} for m in mg_chain]
        },
    }


ACCOUNT_ROW = {
    "id": ACCOUNT,
    "type": "microsoft.cognitiveservices/accounts",
    "name": "oai-1",
    "kind": "OpenAI",
    "properties": {},
}


# ---- action matching -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("*", CS_LIST_KEYS, True),
        ("Microsoft.CognitiveServices/*", CS_LIST_KEYS, True),
        ("microsoft.cognitiveservices/accounts/listkeys/action", CS_LIST_KEYS, True),
        ("Microsoft.Storage/*", CS_LIST_KEYS, False),
        ("*/read", "Microsoft.Storage/storageAccounts/read", True),
        ("*/read", STORAGE_LIST_KEYS, False),
        (
            "Microsoft.MachineLearningServices/workspaces/*/read",
            "Microsoft.MachineLearningServices/workspaces/computes/read",
            True,
        ),
        # "/*/" also matches zero segments (Azure's semantics; see _compile)
        (
            "Microsoft.MachineLearningServices/workspaces/*/read",
            "Microsoft.MachineLearningServices/workspaces/read",
            True,
        ),
        ("Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", MI_ASSIGN, True),
        (
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.ManagedIdentity/userAssignedIdentities/write",
            False,
        ),
        ("Microsoft.Authorization/*/Write", ROLE_ASSIGNMENT_WRITE, True),
        ("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*", BLOB_WRITE, True),
        (
            "Microsoft.CognitiveServices/accounts",
            "Microsoft.CognitiveServices/accounts/read",
            False,
        ),
        # regex metacharacters in a pattern are literal
        ("Microsoft.Storage/storageAccounts/(.*)", STORAGE_LIST_KEYS, False),
    ],
)
def test_action_matches(pattern: str, action: str, expected: bool) -> None:
    assert action_matches(pattern, action) is expected


def test_not_actions_subtract_within_their_block_only() -> None:
    contributor = builtin_role(CONTRIBUTOR)
    assert contributor is not None
    assert role_permits(contributor, CS_LIST_KEYS)
    assert role_permits(contributor, STORAGE_LIST_KEYS)
    assert not role_permits(contributor, ROLE_ASSIGNMENT_WRITE)
    # A notAction in one block does not remove what another block grants.
    two_blocks = role(
        Permission(actions=("*",), not_actions=(ROLE_ASSIGNMENT_WRITE,)),
        Permission(actions=(ROLE_ASSIGNMENT_WRITE,)),
    )
    assert role_permits(two_blocks, ROLE_ASSIGNMENT_WRITE)
    one_block = role(
        Permission(
            actions=("Microsoft.Authorization/*",),
            not_actions=("Microsoft.Authorization/roleAssignments/*",),
        )
    )
    assert not role_permits(one_block, ROLE_ASSIGNMENT_WRITE)
    assert role_permits(one_block, "Microsoft.Authorization/policyAssignments/write")


def test_data_and_control_plane_are_separate() -> None:
    blob_reader = builtin_role(BLOB_READER)
    owner = builtin_role(OWNER)
    assert blob_reader is not None and owner is not None
    assert role_permits(blob_reader, BLOB_READ, data=True)
    assert not role_permits(blob_reader, BLOB_WRITE, data=True)
    assert not role_permits(blob_reader, BLOB_READ)  # not a control-plane action
    # Owner's "*" is control plane only: no data actions (it can still list keys).
    assert not role_permits(owner, BLOB_READ, data=True)
    assert role_permits(owner, STORAGE_LIST_KEYS)


def test_builtin_ai_roles_behave_as_documented() -> None:
    cs_user = builtin_role(CS_USER)
    oai_contrib = builtin_role(OPENAI_CONTRIBUTOR)
    oai_user = builtin_role(OPENAI_USER)
    assert cs_user and oai_contrib and oai_user
    assert role_permits(cs_user, CS_LIST_KEYS)  # a "User" role that leaks keys
    assert role_permits(oai_contrib, CS_DEPLOYMENT_WRITE)
    assert role_permits(oai_contrib, CS_RAI_POLICY_WRITE)
    assert not role_permits(oai_contrib, CS_LIST_KEYS)
    assert not role_permits(oai_user, CS_DEPLOYMENT_WRITE)
    assert role_permits(
        oai_user,
        "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
        data=True,
    )
    secrets_user = builtin_role_by_name("Key Vault Secrets User")
    assert secrets_user is not None and role_permits(secrets_user, KV_SECRET_GET, data=True)


def test_builtin_table_covers_the_dangerous_roles() -> None:
    table = builtin_roles()
    for guid in (
        OWNER,
        CONTRIBUTOR,
        READER,
        RBAC_ADMIN,
        BLOB_CONTRIBUTOR,
        CS_USER,
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "f1a07417-d97a-45cb-824c-7a7467783830",
        "17d1049b-9a84-46fb-8f53-869881c3d3ab",
        "64702f94-c441-49e6-a78b-ef80e0188fee",
        "53ca6127-db72-4b80-b1b0-d745d6d5456d",
        "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    ):
        assert guid in table, guid
    for r in table.values():
        assert r.permissions, r.role_name


# ---- assignments and scopes ----------------------------------------------------------------


def test_inherited_from_management_group_chain() -> None:
    inv = make_inventory(
        [
            subscription(["contoso-ai", "contoso"]),
            ACCOUNT_ROW,
            assignment(1, "p-mg", OWNER, MG_ROOT),
            assignment(2, "p-rg", CS_USER, RG),
            assignment(3, "p-acc", OPENAI_CONTRIBUTOR, ACCOUNT),
            assignment(
                4, "p-other-mg", OWNER, "/providers/Microsoft.Management/managementGroups/x"
            ),
            assignment(5, "p-root", CONTRIBUTOR, "/"),
        ],
        complete=("resources", "roleAssignments"),
    )
    idx = permission_index(inv)
    got = {(g.principal_id, g.inherited) for g in idx.grants_on(ACCOUNT, CS_LIST_KEYS)}
    assert got == {("p-mg", True), ("p-rg", True), ("p-root", True)}
    got = {(g.principal_id, g.inherited) for g in idx.grants_on(ACCOUNT, CS_RAI_POLICY_WRITE)}
    assert got == {("p-mg", True), ("p-root", True), ("p-acc", False)}
    # Child resources inherit from their parent resource.
    got = {(g.principal_id, g.inherited) for g in idx.grants_on(DEPLOYMENT, CS_DEPLOYMENT_WRITE)}
    assert ("p-acc", True) in got
    # Role assignment write: only Owner, never Contributor.
    assert {g.principal_id for g in idx.grants_on(ACCOUNT, ROLE_ASSIGNMENT_WRITE)} == {"p-mg"}
    assert permission_index(inv) is idx


def test_conditional_assignment_kept_and_marked() -> None:
    cond = (
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
        "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] "
        "ForAnyOfAnyValues:GuidEquals {5e0bd9bd-7b93-4f28-af87-19fc36ad61bd}))"
    )
    inv = make_inventory(
        [
            ACCOUNT_ROW,
            assignment(1, "p-cond", RBAC_ADMIN, RG, condition=cond),
            assignment(2, "p-plain", RBAC_ADMIN, RG),
        ],
        complete=("resources", "roleAssignments"),
    )
    grants = permission_index(inv).grants_on(ACCOUNT, ROLE_ASSIGNMENT_WRITE)
    assert {(g.principal_id, g.conditional) for g in grants} == {
        ("p-cond", True),
        ("p-plain", False),
    }


def test_eligible_assignments_only_when_asked() -> None:
    eligibility = {
        "id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/"
        "roleEligibilitySchedules/el-1",
        "type": "Microsoft.Authorization/roleEligibilitySchedules",
        "name": "el-1",
        "properties": {
            "principalId": "P-ELIGIBLE",
            "roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/"
            f"roleDefinitions/{OWNER}",
            "scope": f"/subscriptions/{SUB}",
            "memberType": "Direct",
            "status": "Provisioned",
        },
    }
    inv = make_inventory([ACCOUNT_ROW, eligibility, assignment(1, "p-active", CS_USER, ACCOUNT)])
    idx = permission_index(inv)
    assert {g.principal_id for g in idx.grants_on(ACCOUNT, CS_LIST_KEYS)} == {"p-active"}
    got = {
        (g.principal_id, g.eligible, g.inherited)
        for g in idx.grants_on(ACCOUNT, CS_LIST_KEYS, include_eligible=True)
    }
    assert got == {("p-active", False, False), ("p-eligible", True, True)}
    assert idx.grants_of("p-eligible") == []
    assert [g.eligible for g in idx.grants_of("P-ELIGIBLE", include_eligible=True)] == [True]


def test_custom_role_from_snapshot_and_unknown_custom_role() -> None:
    custom_guid = "22222222-2222-2222-2222-222222222222"
    definition = {
        "id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{custom_guid}",
        "type": "microsoft.authorization/roledefinitions",
        "name": custom_guid,
        "properties": {
            "roleName": "AI key reader",
            "type": "CustomRole",
            "assignableScopes": [f"/subscriptions/{SUB}"],
            "permissions": [
                {
                    "Actions": ["Microsoft.CognitiveServices/accounts/*/action"],
                    "NotActions": ["Microsoft.CognitiveServices/accounts/regenerateKey/action"],
                    "DataActions": [],
                    "NotDataActions": [],
                }
            ],
        },
    }
    unknown_guid = "33333333-3333-3333-3333-333333333333"
    inv = make_inventory(
        [
            ACCOUNT_ROW,
            definition,
            assignment(1, "p-custom", custom_guid, RG),
            assignment(2, "p-unknown", unknown_guid, RG),
        ],
        complete=("resources", "roleAssignments", "roleDefinitions"),
    )
    found = role_definition(
        inv, f"/providers/Microsoft.Authorization/roleDefinitions/{custom_guid}"
    )
    assert found is not None and found.role_name == "AI key reader"
    assert role_definition(inv, unknown_guid) is None
    idx = permission_index(inv)
    assert {g.principal_id for g in idx.grants_on(ACCOUNT, CS_LIST_KEYS)} == {"p-custom"}
    assert not idx.grants_on(ACCOUNT, "Microsoft.CognitiveServices/accounts/regenerateKey/action")
    assert idx.unresolved_roles == {unknown_guid}
    assert {g.principal_id for g in idx.unresolved_on(ACCOUNT)} == {"p-unknown"}
    unknown_grant = idx.grants_of("p-unknown")[0]
    assert unknown_grant.role is None and not idx.permits(unknown_grant, CS_LIST_KEYS)


def test_snapshot_definition_overrides_builtin_table() -> None:
    # A tenant snapshot is the truth when it carries the definition (e.g. Microsoft changed it).
    definition = {
        "id": f"/providers/Microsoft.Authorization/roleDefinitions/{READER}",
        "type": "Microsoft.Authorization/roleDefinitions",
        "name": READER,
        "properties": {
            "roleName": "Reader",
            "type": "BuiltInRole",
            "permissions": [{"actions": ["*/read", CS_LIST_KEYS]}],
        },
    }
    inv = make_inventory([ACCOUNT_ROW, definition, assignment(1, "p", READER, ACCOUNT)])
    assert {g.principal_id for g in permission_index(inv).grants_on(ACCOUNT, CS_LIST_KEYS)} == {"p"}


def test_flat_az_cli_rows_and_odd_casing() -> None:
    # `az role assignment list` rows are flat and carry no type.
    row = {
        "id": f"{STORAGE}/providers/Microsoft.Authorization/roleAssignments/abc",
        "name": "abc",
        "principalId": "P-FLAT",
        "principalType": "User",
        "roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/"
        f"roleDefinitions/{BLOB_CONTRIBUTOR.upper()}",
        "scope": STORAGE.upper(),
    }
    inv = make_inventory([row])
    grants = permission_index(inv).grants_on(STORAGE, BLOB_WRITE, data=True)
    assert [(g.principal_id, g.principal_type, g.inherited) for g in grants] == [
        ("p-flat", "User", False)
    ]
    assert permission_index(inv).grants_on(STORAGE, BLOB_WRITE) == []  # data action only


def test_role_definition_condition_marks_grants_conditional() -> None:
    # Foundry Account Owner may write role assignments, but its definition's ABAC condition
    # limits that to the Foundry User role: kept, and marked conditional.
    account_owner = "e47c6f54-e4a2-4754-9501-8e0985b135e1"
    inv = make_inventory([ACCOUNT_ROW, assignment(1, "p-fao", account_owner, ACCOUNT)])
    grants = permission_index(inv).grants_on(ACCOUNT, ROLE_ASSIGNMENT_WRITE)
    assert [(g.principal_id, g.conditional) for g in grants] == [("p-fao", True)]
    custom = {
        "id": "/providers/Microsoft.Authorization/roleDefinitions/"
        "44444444-4444-4444-4444-444444444444",
        "type": "microsoft.authorization/roledefinitions",
        "name": "44444444-4444-4444-4444-444444444444",
        "properties": {
            "roleName": "delegator",
            "type": "CustomRole",
            "permissions": [
                {
                    "actions": [ROLE_ASSIGNMENT_WRITE],
                    "condition": "(@Request[x] GuidEquals {y})",
                    "conditionVersion": "2.0",
                }
            ],
        },
    }
    inv = make_inventory(
        [ACCOUNT_ROW, custom, assignment(1, "p-d", "44444444-4444-4444-4444-444444444444", RG)]
    )
    grants = permission_index(inv).grants_on(ACCOUNT, ROLE_ASSIGNMENT_WRITE)
    assert [(g.principal_id, g.conditional) for g in grants] == [("p-d", True)]


def test_management_group_keys_inherit_from_ancestor_groups() -> None:
    mgs = [
        {
            "id": MG_ROOT,
            "type": "microsoft.management/managementgroups",
            "name": "contoso",
            "properties": {"displayName": "Contoso", "details": {"parent": None}},
        },
        {
            "id": MG_CHILD,
            "type": "Microsoft.Management/managementGroups",
            "name": "contoso-ai",
            "properties": {
                "displayName": "AI",
                "details": {
                    "parent": {"id": MG_ROOT, "name": "contoso"},
                    "managementGroupAncestorsChain": [{"name": "contoso"}],
                },
            },
        },
    ]
    inv = make_inventory(
        [*mgs, subscription(["contoso-ai", "contoso"]), assignment(1, "p-top", OWNER, MG_ROOT)]
    )
    idx = permission_index(inv)
    assert idx.scopes_containing(MG_CHILD) == [MG_CHILD.lower(), MG_ROOT.lower(), "/"]
    assert [g.principal_id for g in idx.grants_on(MG_CHILD, ROLE_ASSIGNMENT_WRITE)] == ["p-top"]
    assert [g.principal_id for g in idx.grants_at(MG_ROOT)] == ["p-top"]
    grant = idx.grants_at(MG_ROOT)[0]
    assert idx.covers(grant, ACCOUNT) and idx.covers(grant, f"/subscriptions/{SUB}")
    assert not idx.covers(grant, "/subscriptions/not-under-contoso")


def test_grants_within_reach_part_of_a_resource() -> None:
    container = f"{STORAGE}/blobServices/default/containers/training"
    other = f"{RG}/providers/Microsoft.Storage/storageAccounts/stai10/blobServices/default"
    inv = make_inventory(
        [
            assignment(1, "p-container", BLOB_READER, container),
            assignment(2, "p-account", BLOB_READER, STORAGE),
            assignment(3, "p-prefix-lookalike", BLOB_READER, other),
        ]
    )
    idx = permission_index(inv)
    assert [g.principal_id for g in idx.grants_on(STORAGE, BLOB_READ, data=True)] == ["p-account"]
    assert [g.principal_id for g in idx.grants_within(STORAGE, BLOB_READ, data=True)] == [
        "p-container"
    ]
    assert idx.grants_within(STORAGE, BLOB_WRITE, data=True) == []
