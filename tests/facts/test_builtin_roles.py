"""The shipped built-in role table: generated from Microsoft's published definitions, checked
against the reference fixtures and the demo tenant, and the verdicts it changes."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from aiposture.collect.demo import demo_snapshot
from aiposture.facts.builtin_roles import builtin_role, builtin_roles, role_source, table_info
from aiposture.facts.permissions import (
    BLOB_WRITE,
    CS_LIST_KEYS,
    MI_ASSIGN,
    STORAGE_LIST_KEYS,
    permission_index,
    role_origin,
    role_permits,
    unresolved_role,
)
from aiposture.model.entities import RoleDefinition
from aiposture.model.normalize import normalize
from aiposture.model.types import Status
from root_helpers import make_inventory, run_rules

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "fixtures" / "builtin-roles"

AI_ADMIN = "b78c5d69-af96-48a3-bf8d-a8b4d589de94"
OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
AI_DEVELOPER = "64702f94-c441-49e6-a78b-ef80e0188fee"

SUB = "00000000-0000-0000-0000-000000000001"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-ai"
ACCOUNT = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai-1"
SEARCH = f"{RG}/providers/Microsoft.Search/searchServices/srch-1"
WORKSPACE = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/hub-1"
ALICE = "00000000-0000-0000-0000-00000000a11c"

SEARCH_ADMIN_KEYS = "Microsoft.Search/searchServices/listAdminKeys/action"
REALTIME = "Microsoft.CognitiveServices/accounts/OpenAI/deployments/realtime/action"
RESPONSES = "Microsoft.CognitiveServices/accounts/OpenAI/responses/create/action"
MAAS = "Microsoft.CognitiveServices/accounts/MaaS/chat/completions/action"
EVAL_LABELS = "Microsoft.MachineLearningServices/workspaces/evaluations/results/labels/read"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_builtin_roles", ROOT / "scripts" / "gen_builtin_roles.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _perm_sets(perms: Any) -> list[tuple[frozenset[str], ...]]:
    out = []
    for p in perms:
        get = (lambda k, p=p: p.get(k, ())) if isinstance(p, dict) else None
        if get is None:
            out.append(
                (
                    frozenset(p.actions),
                    frozenset(p.not_actions),
                    frozenset(p.data_actions),
                    frozenset(p.not_data_actions),
                )
            )
        else:
            out.append(
                tuple(
                    frozenset(get(k))
                    for k in ("actions", "notActions", "dataActions", "notDataActions")
                )
            )
    return out


def _assignment(n: int, role_guid: str, scope: str) -> dict[str, Any]:
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/ra-{n}",
        "type": "microsoft.authorization/roleassignments",
        "name": f"ra-{n}",
        "properties": {
            "principalId": ALICE,
            "principalType": "User",
            "roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/"
            f"roleDefinitions/{role_guid}",
            "scope": scope,
        },
    }


RESOURCES = [
    {"id": ACCOUNT, "type": "microsoft.cognitiveservices/accounts", "name": "oai-1",
     "kind": "OpenAI", "properties": {}},
    {"id": SEARCH, "type": "microsoft.search/searchservices", "name": "srch-1", "properties": {}},
]  # fmt: skip


# ---- the table is generated, not typed --------------------------------------------------------


def test_shipped_table_is_what_the_generator_makes_from_the_saved_pages() -> None:
    gen = _generator()
    shipped = json.loads((ROOT / "src/aiposture/facts/builtin_roles.json").read_text())
    built = gen.build()
    assert {k: v for k, v in shipped.items() if k != "generatedAt"} == built
    assert gen.main(["--check"]) == 0


def test_every_role_records_its_page_and_the_table_its_date() -> None:
    info = table_info()
    assert info.table_date >= "2025-12-31"
    for guid in builtin_roles():
        src = role_source(guid)
        assert src is not None
        assert src.path.startswith("articles/role-based-access-control/built-in-roles/")
        assert len(src.commit) == 40 and src.page_date <= info.table_date


def test_generator_rejects_a_block_whose_name_disagrees_with_its_heading(tmp_path: Path) -> None:
    gen = _generator()
    guid = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    block = {
        "name": guid,
        "roleName": "Owner",
        "id": f"/providers/Microsoft.Authorization/roleDefinitions/{guid}",
        "roleType": "BuiltInRole",
        "permissions": [],
    }
    page = "---\nms.date: 01/02/2025\n---\n\n## Reader\n\n```json\n" + json.dumps(block) + "\n```\n"
    (tmp_path / "x.md").write_text(page)
    (tmp_path / "sources.json").write_text(
        json.dumps({"pages": {"x.md": {"repo": "r", "commit": "c", "path": "p"}}})
    )
    with pytest.raises(gen.PageError, match="differs from heading"):
        gen.build(tmp_path)


def test_roles_the_issue_names_as_missing_are_present() -> None:
    names = {r.role_name for r in builtin_roles().values()}
    assert {
        "Azure AI Inference Deployment Operator",
        "Azure AI Enterprise Network Connection Approver",
        "Cognitive Services Language Owner",
        "Cognitive Services LUIS Owner",
        "Cognitive Services QnA Maker Editor",
        "Cognitive Services QnA Maker Reader",
        "Cognitive Services Speech User",
        "Cognitive Services Speech Contributor",
        "Cognitive Services Custom Vision Contributor",
    } <= names
    for name in ("Cognitive Services Language Owner", "Cognitive Services LUIS Owner"):
        role = next(r for r in builtin_roles().values() if r.role_name == name)
        assert role_permits(role, CS_LIST_KEYS)


# ---- against the reference fixtures and the demo ------------------------------------------------


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/fixtures/builtin-roles is absent")
def test_table_agrees_with_the_reference_fixture_or_is_newer() -> None:
    """Every AI role of the 2025-05 reference is in the table; where the permissions differ,
    the table's page is newer than the fixture's (Microsoft changed the role since)."""
    fixture = json.loads((SHARED / "ai-roles.2025-05.json").read_text())
    differ = []
    for ref in fixture:
        guid = ref["name"].lower()
        mine = builtin_role(guid)
        assert mine is not None, ref["roleName"]
        if _perm_sets(mine.permissions) != _perm_sets(ref["permissions"]):
            src = role_source(guid)
            assert src is not None and src.page_date > "2025-05-25", ref["roleName"]
            differ.append(ref["roleName"])
    # The three verdict-changing permissions of the issue are in both.
    ai_admin = builtin_role(AI_ADMIN)
    assert ai_admin is not None and role_permits(ai_admin, SEARCH_ADMIN_KEYS)
    assert len(differ) < len(fixture)


def test_table_agrees_with_the_demo_tenants_definitions() -> None:
    inv = normalize(demo_snapshot())
    builtins = {g: rd for g, rd in inv.role_definitions.items() if rd.role_type == "BuiltInRole"}
    assert set(builtins) == set(builtin_roles())
    for guid, rd in builtins.items():
        mine = builtin_role(guid)
        assert mine is not None
        assert rd.role_name == mine.role_name
        assert _perm_sets(rd.permissions) == _perm_sets(mine.permissions), rd.role_name
    # The demo's custom roles are not built-ins and the table does not know them.
    customs = [g for g, rd in inv.role_definitions.items() if rd.role_type == "CustomRole"]
    assert customs and all(builtin_role(g) is None for g in customs)


# ---- the three verdict-changing differences ------------------------------------------------------


def test_ai_administrator_can_list_search_admin_keys() -> None:
    inv = make_inventory(
        [*RESOURCES, _assignment(1, AI_ADMIN, RG)], complete=("resources", "roleAssignments")
    )
    access = permission_index(inv).who_can(SEARCH, SEARCH_ADMIN_KEYS)
    assert {(g.principal_id, g.role_guid) for g in access.grants} == {(ALICE, AI_ADMIN)}
    assert access.missing == ()
    assert role_origin(inv, AI_ADMIN) == "table"


def test_openai_user_has_realtime_and_responses_data_actions() -> None:
    inv = make_inventory(
        [*RESOURCES, _assignment(1, OPENAI_USER, ACCOUNT)],
        complete=("resources", "roleAssignments"),
    )
    idx = permission_index(inv)
    for action in (REALTIME, RESPONSES):
        assert {g.principal_id for g in idx.who_can(ACCOUNT, action, data=True).grants} == {ALICE}
    grants = idx.what_can(ALICE).grants
    assert [idx.permits(g, REALTIME, data=True) for g in grants] == [True]


def test_ai_developer_runs_serverless_models_but_not_its_not_actions() -> None:
    inv = make_inventory(
        [*RESOURCES, _assignment(1, AI_DEVELOPER, RG)], complete=("resources", "roleAssignments")
    )
    idx = permission_index(inv)
    assert {g.principal_id for g in idx.who_can(ACCOUNT, MAAS, data=True).grants} == {ALICE}
    assert idx.who_can(WORKSPACE, EVAL_LABELS).grants == ()
    (grant,) = idx.what_can(ALICE).grants
    assert idx.permits(grant, "Microsoft.MachineLearningServices/workspaces/jobs/write")
    assert not idx.permits(grant, EVAL_LABELS)


def test_tenant_definition_wins_over_the_table() -> None:
    """A snapshot that carries the role (as a live scan does) is judged by its definition."""
    tenant_def = {
        "id": f"/providers/Microsoft.Authorization/roleDefinitions/{AI_ADMIN}",
        "type": "microsoft.authorization/roledefinitions",
        "name": AI_ADMIN,
        "properties": {"roleName": "Azure AI Administrator", "type": "BuiltInRole",
                       "permissions": [{"actions": ["Microsoft.Search/searchServices/read"]}]},
    }  # fmt: skip
    inv = make_inventory(
        [*RESOURCES, tenant_def, _assignment(1, AI_ADMIN, RG)],
        complete=("resources", "roleAssignments", "roleDefinitions"),
    )
    assert role_origin(inv, AI_ADMIN) == "tenant"
    idx = permission_index(inv)
    assert idx.who_can(SEARCH, SEARCH_ADMIN_KEYS).grants == ()
    assert idx.table_roles == set()


# ---- which definitions decided ----------------------------------------------------------------


def test_finding_says_when_the_shipped_table_decided() -> None:
    cs_user = "a97b65f3-24c7-4388-baec-2e87135dc908"  # lists keys
    result = run_rules(
        [*RESOURCES, _assignment(1, cs_user, ACCOUNT)], complete=("resources", "roleAssignments")
    )
    (idn7,) = [f for f in result.findings if f.rule.id == "AIP-IDN-007"]
    assert idn7.status is Status.FAIL
    notes = [str(e.value) for e in idn7.evidence if e.path == "roleDefinitions.source"]
    assert len(notes) == 1
    assert "Cognitive Services User" in notes[0] and table_info().source in notes[0]
    assert (role_source(cs_user) or pytest.fail("no source")).page_date in notes[0]


def test_unknown_role_is_unresolved_not_powerless() -> None:
    ghost = "99999999-9999-4999-8999-999999999999"
    rows = [*RESOURCES, _assignment(1, ghost, ACCOUNT)]
    inv = make_inventory(rows, complete=("resources", "roleAssignments"))
    assert role_origin(inv, ghost) is None
    access = permission_index(inv).who_can(ACCOUNT, CS_LIST_KEYS)
    assert access.grants == () and access.missing == (unresolved_role(ghost),)
    result = run_rules(rows, complete=("resources", "roleAssignments"))
    (idn7,) = [f for f in result.findings if f.rule.id == "AIP-IDN-007"]
    assert idn7.status is Status.UNKNOWN
    assert unresolved_role(ghost) in idn7.missing
    # An unknown role says nothing about the table either.
    assert not [e for e in idn7.evidence if e.path == "roleDefinitions.source"]


def test_role_definition_type() -> None:
    assert all(isinstance(r, RoleDefinition) for r in builtin_roles().values())


# ---- the replaced hand-typed table: no role may drop out unnoticed (issue 17) -----------------

PAGES = ROOT / "scripts" / "builtin_roles_pages"
LOG_ANALYTICS_CONTRIBUTOR = "92aaf0da-9dab-42b6-94a3-d43ce8d16293"
WEBSITE_CONTRIBUTOR = "de139f84-1756-47ae-9be6-808fbbe84772"
WORKLOAD = "00000000-0000-0000-0000-0000000000f1"
SITE = f"{RG}/providers/Microsoft.Web/sites/app-1"

# The roles main's hand-typed table resolved that the first generated table (86 roles) did not:
# each was UNKNOWN offline. Listed here, not read from sources.json, so that emptying the
# required list there cannot hide a regression.
FORMERLY_MISSING = {
    "f353d9bd-d4a6-484e-a77a-8050b599b867": "Automation Contributor",
    "7f6c6a51-bcf8-42ba-9220-52d62157d7db": "Azure Kubernetes Service RBAC Reader",
    "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb": "Azure Kubernetes Service RBAC Writer",
    "358470bc-b998-42bd-ab17-a7e34c199c0f": "Container Apps Contributor",
    "f3bd1b5c-91fa-40e7-afe7-0c11d331232c": "Container Apps Operator",
    "fb382eab-e894-4461-af04-94435c366c3f": "Container Registry Tasks Contributor",
    "fbdf93bf-df7d-467e-a4d2-9458aa1360c8": "Cosmos DB Account Reader Role",
    "230815da-be43-4aae-9cb4-875f7bd000aa": "Cosmos DB Operator",
    "673868aa-7521-48a0-acc6-0f60742d39f5": "Data Factory Contributor",
    "5bd9cd88-fe45-4216-938b-f97437e15450": "DocumentDB Account Contributor",
    LOG_ANALYTICS_CONTRIBUTOR: "Log Analytics Contributor",
    "87a39d53-fc1b-424a-814c-f7e04687dc9e": "Logic App Contributor",
    "4d97b98b-1d4f-4787-a291-c67834d212e7": "Network Contributor",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
    "1c0163c0-47e6-4577-8991-ea5c82e286e4": "Virtual Machine Administrator Login",
    WEBSITE_CONTRIBUTOR: "Website Contributor",
}


def _sources() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAGES / "sources.json").read_text(encoding="utf-8"))
    return data


def test_roles_of_the_replaced_table_are_all_in_the_table_or_omitted_with_a_reason() -> None:
    required = _sources()["required"]
    roles, omitted = required["roles"], required["omitted"]
    assert len(roles) == 73  # main's hand-typed table
    assert set(FORMERLY_MISSING) <= set(roles)
    for guid, name in roles.items():
        mine = builtin_role(guid)
        if mine is None:
            assert str(omitted.get(guid, "")).strip(), (
                f"{name} ({guid}) neither shipped nor omitted"
            )
        else:
            assert mine.role_name == name
    for guid, name in FORMERLY_MISSING.items():
        mine = builtin_role(guid)
        assert mine is not None and mine.role_name == name
        src = role_source(guid)
        assert src is not None and src.path.startswith(
            "articles/role-based-access-control/built-in-roles/"
        )


def _page_with(guid: str, name: str) -> str:
    block = {
        "assignableScopes": ["/"],
        "id": f"/providers/Microsoft.Authorization/roleDefinitions/{guid}",
        "name": guid,
        "permissions": [
            {"actions": ["*/read"], "notActions": [], "dataActions": [], "notDataActions": []}
        ],
        "roleName": name,
        "roleType": "BuiltInRole",
    }
    return f"---\nms.date: 01/02/2025\n---\n\n## {name}\n\n```json\n{json.dumps(block)}\n```\n"


@pytest.mark.parametrize(
    ("omitted", "fails"),
    [({}, True), ({"GHOST": "  "}, True), ({"GHOST": "retired by Microsoft in 2024"}, False)],
)
def test_generator_fails_on_a_required_role_that_is_on_no_page(
    tmp_path: Path, omitted: dict[str, str], fails: bool
) -> None:
    gen = _generator()
    reader, ghost = "acdd72a7-3385-48ef-bd42-f606fba81ae7", "99999999-9999-4999-8999-999999999999"
    (tmp_path / "x.md").write_text(_page_with(reader, "Reader"))
    sources = {
        "pages": {"x.md": {"repo": "r", "commit": "c" * 40, "path": "p"}},
        "required": {
            "roles": {reader: "Reader", ghost: "Ghost"},
            "omitted": {ghost if k == "GHOST" else k: v for k, v in omitted.items()},
        },
    }
    (tmp_path / "sources.json").write_text(json.dumps(sources))
    if fails:
        with pytest.raises(gen.PageError, match=f"required role 'Ghost' \\({ghost}\\)"):
            gen.build(tmp_path)
    else:
        assert [r["name"] for r in gen.build(tmp_path)["roles"]] == [reader]


# Built-in roles, beyond Owner and Contributor, that carry an action a rule or graph edge asks
# about (facts/role_capabilities.PROBES, graph/build.py, graph/paths.py). Each must resolve from
# the table, or its holders are UNKNOWN offline.
GRANTERS: dict[tuple[str, bool], set[str]] = {
    (STORAGE_LIST_KEYS, False): {
        "Log Analytics Contributor",
        "Logic App Contributor",
        "Reader and Data Access",
        "Storage Account Contributor",
        "Storage Account Key Operator Service Role",
        "Virtual Machine Contributor",
        "VM Restore Operator",
        "Azure Red Hat OpenShift Image Registry Operator",
        "Azure Red Hat OpenShift File Storage Operator",
    },
    ("Microsoft.Web/sites/write", False): {
        "Website Contributor",
        "Logic Apps Standard Contributor (Preview)",
        "Logic Apps Standard Operator (Preview)",
    },
    ("Microsoft.Compute/virtualMachines/write", False): {
        "Virtual Machine Contributor",
        "Desktop Virtualization Virtual Machine Contributor",
        "Azure Red Hat OpenShift Machine API Operator",
        "Azure Red Hat OpenShift Disk Storage Operator",
    },
    ("Microsoft.Compute/virtualMachines/runCommand/action", False): {
        "Virtual Machine Contributor",
        "Desktop Virtualization Virtual Machine Contributor",
    },
    (MI_ASSIGN, False): {
        "Managed Identity Operator",
        "Azure Red Hat OpenShift Machine API Operator",
    },
    (BLOB_WRITE, True): {"Storage Blob Data Contributor", "Storage Blob Data Owner"},
    ("Microsoft.ContainerService/managedClusters/runCommand/action", False): {
        "Azure Kubernetes Service Cluster Admin Role"
    },
    ("Microsoft.ContainerService/managedClusters/write", False): {
        "Azure Kubernetes Service Contributor Role"
    },
}


@pytest.mark.parametrize(("action", "data"), list(GRANTERS))
def test_roles_granting_what_rules_ask_about_resolve_from_the_table(
    action: str, data: bool
) -> None:
    granting = {r.role_name for r in builtin_roles().values() if role_permits(r, action, data=data)}
    assert GRANTERS[(action, data)] <= granting


def test_log_analytics_contributor_lists_storage_keys_offline() -> None:
    """Log Analytics Contributor carries storage listKeys: offline, from the table, its holder
    is a certain key lister, not an unresolved role."""
    storage = f"{RG}/providers/Microsoft.Storage/storageAccounts/st1"
    rows = [
        {"id": storage, "type": "microsoft.storage/storageaccounts", "name": "st1",
         "properties": {}},
        _assignment(1, LOG_ANALYTICS_CONTRIBUTOR, RG),
        _assignment(2, WEBSITE_CONTRIBUTOR, RG),
    ]  # fmt: skip
    inv = make_inventory(rows, complete=("resources", "roleAssignments"))
    idx = permission_index(inv)
    keys = idx.who_can(storage, STORAGE_LIST_KEYS)
    assert {(g.principal_id, g.role_guid) for g in keys.grants} == {
        (ALICE, LOG_ANALYTICS_CONTRIBUTOR)
    }
    assert keys.missing == ()
    web = idx.who_can(SITE, "Microsoft.Web/sites/write")
    assert {g.role_guid for g in web.grants} == {WEBSITE_CONTRIBUTOR} and web.missing == ()
    assert role_origin(inv, LOG_ANALYTICS_CONTRIBUTOR) == "table"


def test_workload_with_log_analytics_contributor_on_the_subscription_fails_idn_006() -> None:
    """AIP-IDN-006 on an OpenAI account whose identity holds Log Analytics Contributor at
    subscription scope: FAIL (storage keys subscription-wide), where the role was UNKNOWN."""
    account = {**RESOURCES[0], "identity": {"type": "SystemAssigned", "principalId": WORKLOAD}}
    ra = _assignment(1, LOG_ANALYTICS_CONTRIBUTOR, f"/subscriptions/{SUB}")
    ra["properties"] = {**ra["properties"], "principalId": WORKLOAD,
                        "principalType": "ServicePrincipal"}  # fmt: skip
    result = run_rules([account, ra], complete=("resources", "roleAssignments"))
    verdicts = {
        (f.rule.id, f.resource_id.lower(), f.status)
        for f in result.findings
        if f.rule.id == "AIP-IDN-006"
    }
    assert verdicts == {("AIP-IDN-006", ACCOUNT.lower(), Status.FAIL)}


def test_findings_citing_the_same_table_roles_share_one_note() -> None:
    """Thousands of findings of a large tenant cite the same few built-in roles: the engine
    keeps one note per set of roles, not one per finding."""
    cs_user = "a97b65f3-24c7-4388-baec-2e87135dc908"  # lists keys
    result = run_rules(
        [*RESOURCES, _assignment(1, cs_user, RG)], complete=("resources", "roleAssignments")
    )
    notes = [e for f in result.findings for e in f.evidence if e.path == "roleDefinitions.source"]
    by_text: dict[str, set[int]] = {}
    for e in notes:
        by_text.setdefault(str(e.value), set()).add(id(e))
    assert len(notes) > len(by_text) >= 1, notes  # one set of roles cited by several findings
    assert all(len(ids) == 1 for ids in by_text.values())
