"""Attack paths: the demo's expected paths (docs/demo-tenant.md), rule verdicts on tiny
tenants, hop explanations and the cheapest cut."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from aiposture.app import ScanResult
from aiposture.collect.demo import demo_snapshot
from aiposture.graph.build import EdgeKind, build_graph
from aiposture.graph.paths import cheapest_cut, cut_counts, cut_fix, find_paths, find_rule_paths
from aiposture.model.normalize import normalize
from graph.test_build import (
    ACCOUNT,
    BASE_ROWS,
    BLOB_OWNER,
    CONTRIBUTOR,
    CS_USER,
    DATA_SCIENTIST,
    KV_RBAC,
    KV_SECRETS_USER,
    MI_OPERATOR,
    OWNER,
    RBAC,
    RG,
    STORAGE,
    SUB_ID,
    UAMI,
    WORKSPACE,
    ra,
)
from graph.test_build import (
    SEARCH as SEARCH_ID,
)
from root_helpers import FIXED_NOW, make_inventory, statuses

DOC = Path(__file__).resolve().parents[2] / "docs" / "demo-tenant.md"
GRAPH_COLLECTIONS = (
    *RBAC,
    "graph.users",
    "graph.servicePrincipals",
    "graph.applications",
    "graph.groupMembers",
    # A PASS needs every input that could add a path (eligibilities, directory roles).
    "roleEligibilitySchedules",
    "graph.directoryRoleAssignments",
)


def scan(
    rows: list[dict[str, Any]],
    graph: dict[str, Any] | None = None,
    base: list[dict[str, Any]] = BASE_ROWS,
) -> ScanResult:
    from aiposture.app import scan_inventory
    from aiposture.config import Settings

    inv = make_inventory([*base, *rows], complete=GRAPH_COLLECTIONS, graph=graph or {})
    return scan_inventory(inv, Settings(), "test", now=FIXED_NOW)


def _leaf(rid: str) -> str:
    return rid.rsplit("/", 1)[-1]


# ---- the demo -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_paths() -> set[tuple[str, str, str, str]]:
    sg = build_graph(normalize(demo_snapshot()))
    return {
        (p.rule_id, p.entry.name, p.hops[-1].dst.name, p.target_kind) for p in find_paths(sg).paths
    }


def _documented() -> set[tuple[str, str, str, str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Part paths (attack paths)", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(
        r"^\|\s*(AIP-PATH-\d{3})\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|",
        section,
        flags=re.MULTILINE,
    )
    return {(r, e.strip("` "), t.strip("` "), k.strip("` ")) for r, e, t, k in rows}


def test_documented_demo_paths_are_found(demo_paths: set[tuple[str, str, str, str]]) -> None:
    documented = _documented()
    assert len(documented) >= 10
    assert documented <= demo_paths, documented - demo_paths


def test_every_path_rule_has_pass_and_fail_in_demo(demo_result: ScanResult) -> None:
    for n in range(1, 6):
        got = {s for _name, s in statuses(demo_result, f"AIP-PATH-00{n}")}
        assert {"PASS", "FAIL"} <= got, (n, got)


def test_demo_path_rule_verdicts(demo_result: ScanResult) -> None:
    fails = {
        (f.rule.id, f.resource_name)
        for f in demo_result.findings
        if f.rule.id.startswith("AIP-PATH") and f.status.value == "FAIL"
    }
    assert {
        ("AIP-PATH-001", "ais-contoso-chatbot"),
        ("AIP-PATH-002", "mlw-sandbox-experiments"),
        ("AIP-PATH-003", "ais-contoso-chatbot"),
        ("AIP-PATH-004", "stchatbotdata"),
        ("AIP-PATH-004", "stsandboxml"),
        ("AIP-PATH-005", "ci-datascientist-01"),
        ("AIP-PATH-005", "id-batch-scoring"),
    } <= fails
    assert ("AIP-PATH-001", "oai-contoso-corp-prod") not in fails
    assert ("AIP-PATH-004", "stcontosoaihub") not in fails


def test_demo_finding_explains_hops_and_cut(demo_result: ScanResult) -> None:
    [f] = [
        f
        for f in demo_result.findings
        if f.rule.id == "AIP-PATH-001" and f.resource_name == "ais-contoso-chatbot"
    ]
    ev = {e.path: e.value for e in f.evidence}
    assert ev["path[0].hop[0]"].startswith("internet Internet --publicAccess--> resource ")
    assert "Storage Blob Data Owner" in ev["path[0].hop[2]"]
    # Both paths (read and write) go through the one subscription-wide Blob Data Owner grant.
    assert ev["cut.breaks"] == "2 of 2 paths"
    assert ev["cut.az_cli"].startswith("az role assignment delete --ids ")
    assert "Storage Blob Data Owner" in ev["path[0].cut"]  # each path names its own cut
    assert {"cut.bicep", "cut.terraform", "cut.portal"} <= ev.keys()


# ---- tiny tenants ---------------------------------------------------------------------------


def test_path_001_pass_when_identity_has_no_data_role() -> None:
    result = scan([])
    assert ("oai-1", "PASS") in statuses(result, "AIP-PATH-001")


def test_path_001_fail_and_cut_is_the_broad_grant() -> None:
    result = scan([ra(1, "mi-account", BLOB_OWNER, SUB_ID, ptype="ServicePrincipal")])
    assert ("oai-1", "FAIL") in statuses(result, "AIP-PATH-001")
    sg = build_graph(result.inventory)
    paths = find_paths(sg).for_subject("AIP-PATH-001", ACCOUNT)
    assert {p.target_kind for p in paths} == {"data-read", "data-write"}
    assert [h.edge.kind for h in paths[0].hops] == [
        EdgeKind.PUBLIC_ACCESS,
        EdgeKind.HAS_IDENTITY,
        paths[0].hops[2].edge.kind,
    ]
    cut = cheapest_cut(paths)
    assert cut is not None and cut.key.endswith("/roleassignments/ra-1")
    assert (cut.breaks, cut.of) == (2, 2)


def test_path_002_workload_owner_fails_and_unknown_role_is_unknown() -> None:
    result = scan([ra(1, "mi-workspace", OWNER, RG, ptype="ServicePrincipal")])
    assert ("mlw-1", "FAIL") in statuses(result, "AIP-PATH-002")
    assert ("oai-1", "PASS") in statuses(result, "AIP-PATH-002")
    unknown_role = "99999999-9999-9999-9999-999999999999"
    result = scan([ra(1, "mi-account", unknown_role, RG, ptype="ServicePrincipal")])
    assert ("oai-1", "UNKNOWN") in statuses(result, "AIP-PATH-002")


def test_path_003_guest_through_group() -> None:
    graph = {
        "users": [
            {
                "id": "u-guest",
                "displayName": "Guest",
                "userType": "Guest",
                "userPrincipalName": "g_x.com#EXT#@t.onmicrosoft.com",
            },
            {"id": "u-member", "displayName": "Member", "userType": "Member"},
        ],
        "groups": [{"id": "g-ai", "displayName": "AI users"}],
        "groupMembers": [{"groupId": "g-ai", "memberId": "u-guest"}],
    }
    result = scan([ra(1, "g-ai", CS_USER, ACCOUNT, ptype="Group")], graph)
    assert ("oai-1", "FAIL") in statuses(result, "AIP-PATH-003")
    [p] = find_paths(build_graph(result.inventory)).for_subject("AIP-PATH-003", ACCOUNT)
    assert (p.entry.key, p.entry_kind, [h.edge.kind for h in p.hops]) == (
        "u-guest",
        "guest",
        [EdgeKind.MEMBER_OF, EdgeKind.MANAGE_KEYS],
    )
    # The member without a guest flag is not an entry point.
    result = scan([ra(1, "u-member", CS_USER, ACCOUNT)], graph)
    assert ("oai-1", "PASS") in statuses(result, "AIP-PATH-003")


def test_path_003_unknown_without_graph_data() -> None:
    from aiposture.app import scan_inventory
    from aiposture.config import Settings

    inv = make_inventory([*BASE_ROWS, ra(1, "u-x", CS_USER, ACCOUNT)], complete=RBAC)
    result = scan_inventory(inv, Settings(), "test", now=FIXED_NOW)
    assert ("oai-1", "UNKNOWN") in statuses(result, "AIP-PATH-003")


def test_missing_graph_data_gives_unknown_not_pass_but_fail_stays_fail() -> None:
    from aiposture.app import scan_inventory
    from aiposture.config import Settings

    # Without Graph data a guest writer would be invisible: no path found is not a PASS.
    inv = make_inventory([*BASE_ROWS], complete=RBAC)
    result = scan_inventory(inv, Settings(), "test", now=FIXED_NOW)
    assert ("stai1", "UNKNOWN") in statuses(result, "AIP-PATH-004")
    assert ("oai-1", "UNKNOWN") in statuses(result, "AIP-PATH-001")
    # A path found in what was collected is a FAIL all the same.
    inv = make_inventory(
        [*BASE_ROWS, ra(1, "sp-etl", CONTRIBUTOR, SUB_ID, ptype="ServicePrincipal")],
        complete=RBAC,
    )
    result = scan_inventory(inv, Settings(), "test", now=FIXED_NOW)
    assert ("stai1", "FAIL") in statuses(result, "AIP-PATH-004")


def test_path_004_broad_writer_and_narrow_writer() -> None:
    broad = scan([ra(1, "sp-etl", CONTRIBUTOR, SUB_ID, ptype="ServicePrincipal")])
    assert ("stai1", "FAIL") in statuses(broad, "AIP-PATH-004")
    [p] = find_paths(build_graph(broad.inventory)).for_subject("AIP-PATH-004", STORAGE)
    assert (p.entry_kind, p.hops[-1].edge.kind, p.hops[-1].dst.key) == (
        "broad-writer",
        EdgeKind.DATA_FLOW,
        WORKSPACE.lower(),
    )
    narrow = scan([ra(1, "sp-etl", CONTRIBUTOR, STORAGE, ptype="ServicePrincipal")])
    assert ("stai1", "PASS") in statuses(narrow, "AIP-PATH-004")


def test_path_005_run_as_and_assign_identity() -> None:
    rows = [
        ra(1, "mi-uami", KV_SECRETS_USER, KV_RBAC, ptype="ServicePrincipal"),
        ra(2, "u-ds", DATA_SCIENTIST, WORKSPACE),
    ]
    result = scan(rows)
    assert ("ci-1", "FAIL") in statuses(result, "AIP-PATH-005")
    # Managed Identity Operator alone cannot create compute to attach the identity to ...
    result = scan([rows[0], ra(3, "u-mio", MI_OPERATOR, UAMI)])
    assert ("id-1", "PASS") in statuses(result, "AIP-PATH-005")
    # ... with Contributor somewhere it can.
    result = scan([rows[0], ra(3, "u-mio", MI_OPERATOR, UAMI), ra(4, "u-mio", CONTRIBUTOR, RG)])
    assert ("id-1", "FAIL") in statuses(result, "AIP-PATH-005")
    paths = find_paths(build_graph(result.inventory)).for_subject("AIP-PATH-005", UAMI)
    # Contributor's `*` includes the assign action too: two paths, one per assignment.
    assert {(p.entry.key, p.hops[0].edge.role) for p in paths} == {
        ("u-mio", "Managed Identity Operator"),
        ("u-mio", "Contributor"),
    }
    assert {tuple(h.edge.kind for h in p.hops) for p in paths} == {
        (EdgeKind.ASSIGN_IDENTITY, EdgeKind.HAS_IDENTITY, EdgeKind.READ_SECRETS)
    }
    cut = cheapest_cut(paths)
    assert cut is not None and cut.hop.edge.role == "Key Vault Secrets User"  # breaks both


def test_eligible_hop_lowers_severity() -> None:
    from graph.test_build import eligibility

    result = scan([eligibility(1, "mi-workspace", OWNER, RG)])
    [p] = find_paths(build_graph(result.inventory)).for_subject("AIP-PATH-002", WORKSPACE)
    assert p.severity.value == "high"  # critical, lowered: needs a PIM activation


def test_cut_commands_quote_attacker_controlled_names() -> None:
    evil = f"{RG}/providers/Microsoft.Storage/storageAccounts/st$(touch x);'"
    rows = [
        {
            "id": WORKSPACE,
            "name": "mlw-1",
            "type": "Microsoft.MachineLearningServices/workspaces",
            "properties": {"storageAccount": evil},
        },
        {"id": evil, "name": "st$(touch x);'", "type": "Microsoft.Storage/storageAccounts"},
    ]
    inv = make_inventory([r for r in BASE_ROWS if r["id"] != WORKSPACE] + rows, complete=RBAC)
    [p] = find_paths(build_graph(inv)).for_subject("AIP-PATH-004", evil)
    assert p.entry_kind == "internet"  # anonymous access not disabled, network open
    cut = cheapest_cut([p])
    assert cut is not None
    argv = shlex.split(cut.fix()["az_cli"])
    assert argv[:4] == ["az", "resource", "update", "--ids"]
    assert argv[4] == evil  # one argument, nothing for the shell to run


def test_path_001_ignores_by_design_access_to_own_storage() -> None:
    public_ws = {
        "id": WORKSPACE,
        "name": "mlw-1",
        "type": "Microsoft.MachineLearningServices/workspaces",
        "kind": "Default",
        "identity": {"type": "SystemAssigned", "principalId": "mi-workspace"},
        "properties": {"storageAccount": STORAGE},  # publicNetworkAccess absent: public
    }
    others = [r for r in BASE_ROWS if r["id"] != WORKSPACE]
    blob_contributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
    own = scan([public_ws, ra(1, "mi-workspace", blob_contributor, STORAGE)], base=others)
    assert ("mlw-1", "PASS") in statuses(own, "AIP-PATH-001")
    broad = scan([public_ws, ra(1, "mi-workspace", blob_contributor, SUB_ID)], base=others)
    assert ("mlw-1", "FAIL") in statuses(broad, "AIP-PATH-001")


def test_unattached_user_assigned_identity_is_reachable_through_assign() -> None:
    uami2 = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-spare"
    rows = [
        {
            "id": uami2,
            "name": "id-spare",
            "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
            "properties": {"principalId": "MI-SPARE", "clientId": "c-2"},
        },
        ra(1, "mi-spare", KV_SECRETS_USER, KV_RBAC, ptype="ServicePrincipal"),
        ra(2, "u-op", MI_OPERATOR, uami2),
        ra(3, "u-op", CONTRIBUTOR, RG),
    ]
    result = scan(rows)
    [p, *_] = find_paths(build_graph(result.inventory)).for_subject("AIP-PATH-005", uami2)
    assert (p.entry.key, p.hops[1].dst.key, p.target.name) == ("u-op", "mi-spare", "kv-rbac")


def test_scan_reports_every_path_subject_vm_and_indexed_store() -> None:
    vm = f"{RG}/providers/Microsoft.Compute/virtualMachines/vm-1"
    search = f"{RG}/providers/Microsoft.Search/searchServices/srch-1"
    st2 = f"{RG}/providers/Microsoft.Storage/storageAccounts/stdocs"
    vm_contributor = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c"
    blob_reader = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
    blob_contributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
    rows = [
        {
            "id": vm,
            "name": "vm-1",
            "type": "Microsoft.Compute/virtualMachines",
            "identity": {"type": "SystemAssigned", "principalId": "mi-vm"},
            "properties": {},
        },
        {"id": st2, "name": "stdocs", "type": "Microsoft.Storage/storageAccounts"},
        {
            "id": search,
            "name": "srch-1",
            "type": "Microsoft.Search/searchServices",
            "identity": {"type": "SystemAssigned", "principalId": "mi-search"},
            "properties": {"publicNetworkAccess": "disabled"},
        },
        ra(1, "mi-vm", KV_SECRETS_USER, KV_RBAC, ptype="ServicePrincipal"),
        ra(2, "u-ops", vm_contributor, vm),
        ra(3, "mi-search", blob_reader, st2, ptype="ServicePrincipal"),  # the indexer
        ra(4, "sp-etl", blob_contributor, SUB_ID, ptype="ServicePrincipal"),
    ]
    result = scan(rows, base=[r for r in BASE_ROWS if r["id"] != SEARCH_ID])
    assert ("vm-1", "FAIL") in statuses(result, "AIP-PATH-005")
    assert ("stdocs", "FAIL") in statuses(result, "AIP-PATH-004")


def test_path_003_application_administrator_adds_a_secret() -> None:
    graph = {
        "users": [{"id": "u-appadmin", "displayName": "App Admin", "userType": "Member"}],
        "servicePrincipals": [
            {"id": "sp-deploy", "displayName": "deployer", "servicePrincipalType": "Application"},
            {"id": "mi-account", "displayName": "oai-1", "servicePrincipalType": "ManagedIdentity"},
        ],
        "directoryRoleAssignments": [
            {
                "principalId": "u-appadmin",
                "roleDefinitionId": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
                "directoryScopeId": "/",
            }
        ],
    }
    openai_contributor = "a001fd3d-188f-4b5d-821b-7da978bf7442"
    rows = [
        ra(1, "sp-deploy", openai_contributor, ACCOUNT, ptype="ServicePrincipal"),
        ra(2, "mi-account", openai_contributor, ACCOUNT, ptype="ServicePrincipal"),
    ]
    result = scan(rows, graph)
    assert ("oai-1", "FAIL") in statuses(result, "AIP-PATH-003")
    sg = build_graph(result.inventory)
    # Only application service principals can get a secret: not the managed identity.
    assert {(s.key, d.key) for s, d, e in sg.edges() if e.kind is EdgeKind.ADD_CREDENTIAL} == {
        ("u-appadmin", "sp-deploy")
    }
    [p] = find_paths(sg).for_subject("AIP-PATH-003", ACCOUNT)
    assert (p.entry_kind, [h.edge.kind for h in p.hops]) == (
        "app-admin",
        [EdgeKind.ADD_CREDENTIAL, EdgeKind.MODIFY_SAFETY],
    )
    fix = cut_fix(p.hops[0])
    assert "roleManagement/directory/roleAssignments" in fix["az_cli"]
    assert "Application Administrator" in fix["portal"]
    # An application administrator who already owns the subscription is not an escalation.
    owned = scan([*rows, ra(3, "u-appadmin", OWNER, SUB_ID)], graph)
    assert ("oai-1", "PASS") in statuses(owned, "AIP-PATH-003")


def test_one_rule_search_finds_what_the_full_search_finds() -> None:
    rules = ("AIP-PATH-001", "AIP-PATH-002", "AIP-PATH-003", "AIP-PATH-004", "AIP-PATH-005")

    def shape(ps: Any, rule_id: str) -> tuple[list[tuple[str, str, str]], dict[Any, int]]:
        kept = [(p.subject, p.summary(), p.target_kind) for p in ps.paths if p.rule_id == rule_id]
        return kept, {k: n for k, n in ps.totals.items() if k[0] == rule_id}

    inv = normalize(demo_snapshot())
    sg = build_graph(inv)
    per_rule = {r: shape(find_rule_paths(sg, r), r) for r in rules}  # before the full search
    full = find_paths(sg)
    for r in rules:
        assert per_rule[r] == shape(full, r)
        assert per_rule[r][0], r  # the demo has paths of every rule
    assert find_rule_paths(sg, "AIP-PATH-004") is full  # the full search, once cached, is reused


def test_cheapest_cut_with_given_counts_is_the_same_cut() -> None:
    paths = find_paths(build_graph(normalize(demo_snapshot()))).paths
    cut, again = cheapest_cut(paths), cheapest_cut(paths, cut_counts(paths))
    assert cut is not None and again is not None
    assert (cut.key, cut.breaks, cut.of) == (again.key, again.breaks, again.of)
    assert cut.breaks == max(cut_counts(paths).values())
