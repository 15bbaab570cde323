"""The security graph: nodes, containment, identities, and every capability edge kind.

Capability edges come from action matching, so the fixtures use custom roles with wildcards
and notActions as well as built-in roles, assignments inherited from the subscription,
ABAC-conditioned assignments and PIM eligibilities.
"""

from __future__ import annotations

from typing import Any

from aiposture.graph.build import INTERNET, EdgeKind, NodeKind, SecurityGraph, build_graph
from root_helpers import make_inventory

SUB = "00000000-0000-0000-0000-000000000001"
SUB_ID = f"/subscriptions/{SUB}"
RG = f"{SUB_ID}/resourceGroups/rg-ai"
ACCOUNT = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai-1"
STORAGE = f"{RG}/providers/Microsoft.Storage/storageAccounts/stai1"
KV_RBAC = f"{RG}/providers/Microsoft.KeyVault/vaults/kv-rbac"
KV_POLICY = f"{RG}/providers/Microsoft.KeyVault/vaults/kv-policy"
WORKSPACE = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/mlw-1"
COMPUTE = f"{WORKSPACE}/computes/ci-1"
UAMI = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-1"
SEARCH = f"{RG}/providers/Microsoft.Search/searchServices/srch-1"

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
BLOB_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
KV_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
CS_USER = "a97b65f3-24c7-4388-baec-2e87135dc908"
OPENAI_CONTRIBUTOR = "a001fd3d-188f-4b5d-821b-7da978bf7442"
OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
MI_OPERATOR = "f1a07417-d97a-45cb-824c-7a7467783830"
DATA_SCIENTIST = "f6c7c914-8db3-469d-8ca1-694a8f32e121"
SEARCH_INDEX_CONTRIBUTOR = "8ebe5a00-799e-43f5-93ac-243d3dce84a7"
CUSTOM_AI_ADMIN = "33333333-3333-3333-3333-333333333333"
CUSTOM_NO_KEYS = "44444444-4444-4444-4444-444444444444"

RBAC = ("resources", "roleAssignments", "roleDefinitions")


def res(rid: str, rtype: str, props: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "name": rid.rsplit("/", 1)[-1],
        "type": rtype,
        "location": "swedencentral",
        "properties": props or {},
        **extra,
    }


def ra(
    n: int,
    principal: str,
    role_guid: str,
    scope: str,
    *,
    ptype: str = "User",
    condition: str | None = None,
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "principalId": principal,
        "principalType": ptype,
        "roleDefinitionId": f"{SUB_ID}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{role_guid}",
        "scope": scope,
    }
    if condition:
        props["condition"] = condition
        props["conditionVersion"] = "2.0"
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/ra-{n}",
        "type": "Microsoft.Authorization/roleAssignments",
        "name": f"ra-{n}",
        "properties": props,
    }


def custom_role(guid: str, name: str, **perm: list[str]) -> dict[str, Any]:
    return {
        "id": f"{SUB_ID}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
        "type": "Microsoft.Authorization/roleDefinitions",
        "name": guid,
        "properties": {
            "roleName": name,
            "type": "CustomRole",
            "assignableScopes": [SUB_ID],
            "permissions": [
                {
                    "actions": perm.get("actions", []),
                    "notActions": perm.get("notActions", []),
                    "dataActions": perm.get("dataActions", []),
                    "notDataActions": perm.get("notDataActions", []),
                }
            ],
        },
    }


def eligibility(n: int, principal: str, role_guid: str, scope: str) -> dict[str, Any]:
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleEligibilitySchedules/el-{n}",
        "type": "Microsoft.Authorization/roleEligibilitySchedules",
        "name": f"el-{n}",
        "properties": {
            "principalId": principal,
            "roleDefinitionId": f"{SUB_ID}/providers/Microsoft.Authorization/roleDefinitions/"
            f"{role_guid}",
            "scope": scope,
        },
    }


BASE_ROWS: list[dict[str, Any]] = [
    res(
        ACCOUNT,
        "Microsoft.CognitiveServices/accounts",
        {"publicNetworkAccess": "Enabled"},
        kind="OpenAI",
        identity={"type": "SystemAssigned", "principalId": "mi-account"},
    ),
    res(STORAGE, "Microsoft.Storage/storageAccounts", {"publicNetworkAccess": "Disabled"}),
    res(KV_RBAC, "Microsoft.KeyVault/vaults", {"enableRbacAuthorization": True}),
    res(KV_POLICY, "Microsoft.KeyVault/vaults", {"accessPolicies": []}),
    res(
        WORKSPACE,
        "Microsoft.MachineLearningServices/workspaces",
        {"storageAccount": STORAGE, "publicNetworkAccess": "Disabled"},
        kind="Default",
        identity={"type": "SystemAssigned", "principalId": "mi-workspace"},
    ),
    res(
        COMPUTE,
        "Microsoft.MachineLearningServices/workspaces/computes",
        {"computeType": "ComputeInstance"},
        identity={
            "type": "UserAssigned",
            "userAssignedIdentities": {UAMI: {"principalId": "mi-uami", "clientId": "c-1"}},
        },
    ),
    res(UAMI, "Microsoft.ManagedIdentity/userAssignedIdentities", {"principalId": "mi-uami"}),
    res(SEARCH, "Microsoft.Search/searchServices", {"publicNetworkAccess": "disabled"}),
]


def graph(*rows: dict[str, Any], graph_data: dict[str, Any] | None = None) -> SecurityGraph:
    inv = make_inventory([*BASE_ROWS, *rows], complete=RBAC, graph=dict(graph_data or {}))
    return build_graph(inv)


def edges(sg: SecurityGraph, kind: EdgeKind) -> set[tuple[str, str]]:
    return {(s.key, d.key) for s, d, e in sg.edges() if e.kind is kind}


def edge_info(sg: SecurityGraph, kind: EdgeKind, src: str, dst: str) -> list[Any]:
    return [e for s, d, e in sg.edges() if e.kind is kind and s.key == src and d.key == dst.lower()]


def test_nodes_containment_and_identities() -> None:
    sg = graph()
    assert sg.node(SUB_ID.lower()).kind is NodeKind.SUBSCRIPTION  # type: ignore[union-attr]
    assert sg.node(RG.lower()).kind is NodeKind.RESOURCE_GROUP  # type: ignore[union-attr]
    contains = edges(sg, EdgeKind.CONTAINS)
    assert (SUB_ID.lower(), RG.lower()) in contains
    assert (RG.lower(), ACCOUNT.lower()) in contains
    assert (WORKSPACE.lower(), COMPUTE.lower()) in contains  # child under its parent resource
    ids = edges(sg, EdgeKind.HAS_IDENTITY)
    assert (ACCOUNT.lower(), "mi-account") in ids
    assert (COMPUTE.lower(), "mi-uami") in ids  # user-assigned identity of the compute
    assert (UAMI.lower(), "mi-uami") in ids  # and the identity resource itself
    assert sg.node("mi-account").kind is NodeKind.MANAGED_IDENTITY  # type: ignore[union-attr]
    assert sg.node(INTERNET).kind is NodeKind.INTERNET  # type: ignore[union-attr]


def test_control_edge_from_owner_and_custom_wildcard_role() -> None:
    sg = graph(
        custom_role(CUSTOM_AI_ADMIN, "AI admin", actions=["Microsoft.Authorization/*"]),
        ra(1, "u-owner", OWNER, RG),
        ra(2, "u-custom", CUSTOM_AI_ADMIN, ACCOUNT),
        ra(3, "u-contrib", CONTRIBUTOR, SUB_ID),  # Contributor's notActions exclude it
    )
    control = edges(sg, EdgeKind.CONTROL)
    assert ("u-owner", RG.lower()) in control
    assert ("u-custom", ACCOUNT.lower()) in control
    assert not any(src == "u-contrib" for src, _ in control)


def test_manage_keys_and_model_safety_on_account() -> None:
    sg = graph(
        ra(1, "u-csuser", CS_USER, ACCOUNT),
        ra(2, "u-oaicontrib", OPENAI_CONTRIBUTOR, ACCOUNT),
        ra(3, "u-oaiuser", OPENAI_USER, ACCOUNT),
    )
    keys = edges(sg, EdgeKind.MANAGE_KEYS)
    safety = edges(sg, EdgeKind.MODIFY_SAFETY)
    use = edges(sg, EdgeKind.USE_AI)
    acc = ACCOUNT.lower()
    assert ("u-csuser", acc) in keys  # a "User" role that lists keys
    assert ("u-oaicontrib", acc) not in keys  # OpenAI Contributor has no listKeys
    assert ("u-oaicontrib", acc) in safety  # but can write deployments and raiPolicies
    assert ("u-oaiuser", acc) not in safety
    assert ("u-oaiuser", acc) in use


def test_not_actions_remove_the_capability() -> None:
    sg = graph(
        custom_role(
            CUSTOM_NO_KEYS,
            "CS operator without keys",
            actions=["Microsoft.CognitiveServices/*"],
            notActions=["Microsoft.CognitiveServices/accounts/listKeys/action"],
        ),
        ra(1, "u-op", CUSTOM_NO_KEYS, ACCOUNT),
    )
    acc = ACCOUNT.lower()
    assert ("u-op", acc) not in edges(sg, EdgeKind.MANAGE_KEYS)
    assert ("u-op", acc) in edges(sg, EdgeKind.MODIFY_SAFETY)  # the wildcard still covers it


def test_read_and_write_data_inherited_from_subscription() -> None:
    sg = graph(
        ra(1, "mi-account", BLOB_OWNER, SUB_ID, ptype="ServicePrincipal"),
        ra(2, "u-reader", BLOB_READER, STORAGE),
    )
    st = STORAGE.lower()
    assert ("mi-account", st) in edges(sg, EdgeKind.READ_DATA)
    assert ("mi-account", st) in edges(sg, EdgeKind.WRITE_DATA)
    assert ("u-reader", st) in edges(sg, EdgeKind.READ_DATA)
    assert ("u-reader", st) not in edges(sg, EdgeKind.WRITE_DATA)
    [inherited] = edge_info(sg, EdgeKind.WRITE_DATA, "mi-account", STORAGE)
    assert (inherited.inherited, inherited.scope, inherited.role) == (
        True,
        SUB_ID.lower(),
        "Storage Blob Data Owner",
    )
    [direct] = edge_info(sg, EdgeKind.READ_DATA, "u-reader", STORAGE)
    assert direct.inherited is False


def test_read_secrets_rbac_vault_and_access_policy_vault() -> None:
    sg = graph(
        ra(1, "u-secrets", KV_SECRETS_USER, KV_RBAC),
        ra(2, "u-secrets2", KV_SECRETS_USER, KV_POLICY),  # ignored by access-policy vaults
        ra(3, "u-contrib", CONTRIBUTOR, RG),  # vaults/write edits access policies
    )
    secrets = edges(sg, EdgeKind.READ_SECRETS)
    assert ("u-secrets", KV_RBAC.lower()) in secrets
    assert ("u-secrets2", KV_POLICY.lower()) not in secrets
    assert ("u-contrib", KV_POLICY.lower()) in secrets
    assert ("u-contrib", KV_RBAC.lower()) not in secrets


def test_run_as_compute_and_assign_identity() -> None:
    sg = graph(
        ra(1, "u-ds", DATA_SCIENTIST, WORKSPACE),
        ra(2, "u-mio", MI_OPERATOR, UAMI),
        ra(3, "u-reader", BLOB_READER, RG),
    )
    assert ("u-ds", COMPUTE.lower()) in edges(sg, EdgeKind.RUN_AS)
    assert ("u-mio", UAMI.lower()) in edges(sg, EdgeKind.ASSIGN_IDENTITY)
    assert not any(s == "u-reader" for s, _ in edges(sg, EdgeKind.RUN_AS))


def test_search_capabilities() -> None:
    sg = graph(ra(1, "u-idx", SEARCH_INDEX_CONTRIBUTOR, SEARCH), ra(2, "u-c", CONTRIBUTOR, RG))
    srch = SEARCH.lower()
    assert ("u-idx", srch) in edges(sg, EdgeKind.WRITE_DATA)
    assert ("u-c", srch) in edges(sg, EdgeKind.MANAGE_KEYS)  # admin keys
    assert ("u-c", srch) not in edges(sg, EdgeKind.WRITE_DATA)  # no data action


def test_conditional_and_eligible_assignments_are_marked() -> None:
    sg = graph(
        ra(1, "u-cond", BLOB_READER, STORAGE, condition="@Resource[container] == 'x'"),
        eligibility(1, "u-pim", OWNER, SUB_ID),
    )
    [cond] = edge_info(sg, EdgeKind.READ_DATA, "u-cond", STORAGE)
    assert cond.conditional is True and cond.eligible is False
    [pim] = edge_info(sg, EdgeKind.CONTROL, "u-pim", SUB_ID)
    assert pim.eligible is True
    [pim_keys] = edge_info(sg, EdgeKind.MANAGE_KEYS, "u-pim", ACCOUNT)
    assert (pim_keys.eligible, pim_keys.inherited) == (True, True)
    assert "u-pim" not in sg.admins  # eligible is not standing control


def test_public_access_guard_and_data_flow() -> None:
    sg = graph()
    [pub] = edge_info(sg, EdgeKind.PUBLIC_ACCESS, INTERNET, ACCOUNT)
    assert pub.guard == "keys+entra"  # disableLocalAuth absent: keys accepted
    assert (STORAGE.lower(), WORKSPACE.lower()) in edges(sg, EdgeKind.DATA_FLOW)
    assert (INTERNET, STORAGE.lower()) not in edges(sg, EdgeKind.PUBLIC_ACCESS)


def test_group_membership_and_admin_set() -> None:
    sg = graph(
        ra(1, "g-admins", OWNER, SUB_ID, ptype="Group"),
        graph_data={
            "groups": [{"id": "g-admins", "displayName": "Admins"}],
            "users": [{"id": "u-1", "displayName": "One", "userType": "Member"}],
            "groupMembers": [{"groupId": "g-admins", "memberId": "u-1"}],
        },
    )
    assert ("u-1", "g-admins") in edges(sg, EdgeKind.MEMBER_OF)
    assert {"g-admins", "u-1"} <= sg.admins


def test_build_restores_the_garbage_collector() -> None:
    import gc

    assert gc.isenabled()
    graph()
    assert gc.isenabled()
    gc.disable()
    try:
        graph()
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_inherited_edges_are_shared_and_direct_ones_are_not() -> None:
    # One edge object per (assignment, capability) for everything below the assignment's scope:
    # at 1M resources the inherited edges are most of the graph.
    other = f"{RG}/providers/Microsoft.Storage/storageAccounts/stai2"
    sg = graph(
        res(other, "Microsoft.Storage/storageAccounts", {"allowSharedKeyAccess": False}),
        ra(1, "mi-account", BLOB_OWNER, SUB_ID, ptype="ServicePrincipal"),
        ra(2, "u-reader", BLOB_READER, STORAGE),
        ra(3, "u-reader", BLOB_READER, other),
    )
    [a] = edge_info(sg, EdgeKind.WRITE_DATA, "mi-account", STORAGE)
    [b] = edge_info(sg, EdgeKind.WRITE_DATA, "mi-account", other)
    assert a is b
    assert (a.inherited, a.scope, a.role) == (True, SUB_ID.lower(), "Storage Blob Data Owner")
    [c] = edge_info(sg, EdgeKind.READ_DATA, "u-reader", STORAGE)
    [d] = edge_info(sg, EdgeKind.READ_DATA, "u-reader", other)
    assert c is not d
    assert {c.assignment_id, d.assignment_id} == {
        f"{STORAGE}/providers/Microsoft.Authorization/roleAssignments/ra-2",
        f"{other}/providers/Microsoft.Authorization/roleAssignments/ra-3",
    }


def test_graph_is_shared_while_held_and_not_kept_alive_by_the_inventory() -> None:
    import gc
    import weakref

    inv = make_inventory(BASE_ROWS, complete=RBAC)
    sg = build_graph(inv)
    assert build_graph(inv) is sg
    first = edges(sg, EdgeKind.HAS_IDENTITY)
    ref = weakref.ref(sg)
    del sg
    gc.collect()
    assert ref() is None  # the report phase of a big scan runs without the graph
    again = build_graph(inv)
    assert edges(again, EdgeKind.HAS_IDENTITY) == first != set()


def test_internet_edges_follow_the_exposure_fact() -> None:
    """One edge per exposed endpoint; SecuredByPerimeter draws none and is kept as unknown;
    an AKS API server authorized only for 0.0.0.0/0 is exposed; a project under a private hub
    is not."""
    hub = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/hub-private"
    aks_id = f"{RG}/providers/Microsoft.ContainerService/managedClusters/aks-any"
    nsp_search = f"{RG}/providers/Microsoft.Search/searchServices/srch-nsp"
    project = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/proj"
    inv = make_inventory(
        [
            res(
                nsp_search,
                "Microsoft.Search/searchServices",
                {"publicNetworkAccess": "securedByPerimeter"},
            ),
            res(
                aks_id,
                "Microsoft.ContainerService/managedClusters",
                {"apiServerAccessProfile": {"authorizedIPRanges": ["0.0.0.0/0"]}},
            ),
            res(
                hub,
                "Microsoft.MachineLearningServices/workspaces",
                {"publicNetworkAccess": "Disabled"},
                kind="Hub",
            ),
            res(
                project,
                "Microsoft.MachineLearningServices/workspaces",
                {"hubResourceId": hub},
                kind="Project",
            ),
        ]
    )
    sg = build_graph(inv)
    public = edges(sg, EdgeKind.PUBLIC_ACCESS)
    assert public == {(INTERNET, aks_id.lower())}
    assert set(sg.exposure_unknown) == {nsp_search.lower()}
    assert sg.exposure_unknown[nsp_search.lower()].missing == (
        "networkSecurityPerimeters/profiles/accessRules",
    )


def test_internet_edge_to_a_public_databricks_workspace() -> None:
    """Databricks workspaces are AI nodes; Internet -> workspace exactly when AIP-NET-013's
    fact (facts/databricks.publicly_reachable) is true: absent publicNetworkAccess counts as
    Enabled, Disabled draws none, an unreadable value is kept as unknown."""
    dbw = f"{RG}/providers/Microsoft.Databricks/workspaces"
    inv = make_inventory(
        [
            res(f"{dbw}/open", "Microsoft.Databricks/workspaces", {}),
            res(
                f"{dbw}/closed",
                "Microsoft.Databricks/workspaces",
                {"publicNetworkAccess": "Disabled"},
            ),
            res(
                f"{dbw}/odd",
                "Microsoft.Databricks/workspaces",
                {"publicNetworkAccess": "Sometimes"},
            ),
        ]
    )
    sg = build_graph(inv)
    assert edges(sg, EdgeKind.PUBLIC_ACCESS) == {(INTERNET, f"{dbw}/open".lower())}
    assert set(sg.exposure_unknown) == {f"{dbw}/odd".lower()}
    assert sg.node(f"{dbw}/closed".lower()).ai
