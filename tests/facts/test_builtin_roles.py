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
    CS_LIST_KEYS,
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
