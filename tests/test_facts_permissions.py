"""facts.permissions: queries return what they found and what they could not resolve."""

from __future__ import annotations

from typing import Any

from aiposture.facts.permissions import CS_LIST_KEYS, ROLE_ASSIGNMENT_WRITE, permission_index
from aiposture.model.snapshot import Coverage
from aiposture.model.types import CoverageStatus
from root_helpers import make_inventory

SUB = "00000000-0000-0000-0000-00000000f00d"
SCOPE = f"/subscriptions/{SUB}"
ACC = f"{SCOPE}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/oai"
KEY = ACC.lower()
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CS_USER = "a97b65f3-24c7-4388-baec-2e87135dc908"
CUSTOM = "77777777-7777-7777-7777-777777777777"


def ra(n: int, principal: str, role: str, scope: str, ptype: str = "User") -> dict[str, Any]:
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/ra-{n}",
        "name": f"ra-{n}",
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "principalId": principal,
            "principalType": ptype,
            "scope": scope,
            "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{role}",
        },
    }


ACCOUNT = {"id": ACC, "name": "oai", "type": "Microsoft.CognitiveServices/accounts"}
RBAC = ("resources", "roleAssignments")


def test_who_can_names_unresolved_roles_on_the_way() -> None:
    inv = make_inventory(
        [ACCOUNT, ra(1, "u1", CS_USER, ACC), ra(2, "u2", CUSTOM, SCOPE)], complete=RBAC
    )
    access = permission_index(inv).who_can(KEY, CS_LIST_KEYS)
    assert access.principals == {"u1"}
    assert access.missing == (f"roleDefinitions:{CUSTOM}",)
    # An unresolved role is never a grant of who_can (what it permits is unknown), so
    # narrowing the grants keeps it missing.
    assert access.only(lambda g: g.scope == KEY).missing == (f"roleDefinitions:{CUSTOM}",)


def test_who_can_with_assignments_partial_for_the_scope() -> None:
    partial = Coverage("roleAssignments", SCOPE, CoverageStatus.PARTIAL)
    inv = make_inventory([ACCOUNT, ra(1, "u1", OWNER, ACC)], complete=RBAC, coverage=[partial])
    access = permission_index(inv).who_can(KEY, ROLE_ASSIGNMENT_WRITE)
    assert (access.principals, access.missing) == ({"u1"}, ("roleAssignments",))
    elsewhere = Coverage("roleAssignments", "/subscriptions/other", CoverageStatus.PARTIAL)
    inv = make_inventory([ACCOUNT, ra(1, "u1", OWNER, ACC)], complete=RBAC, coverage=[elsewhere])
    assert permission_index(inv).who_can(KEY, ROLE_ASSIGNMENT_WRITE).missing == ()


def test_what_can_drops_unresolved_roles_the_question_ignores() -> None:
    inv = make_inventory(
        [ACCOUNT, ra(1, "mi", CUSTOM, ACC), ra(2, "mi", OWNER, SCOPE)], complete=RBAC
    )
    access = permission_index(inv).what_can("mi")
    assert access.missing == (f"roleDefinitions:{CUSTOM}",)
    broad = access.only(lambda g: g.scope == SCOPE.lower())
    assert ([g.role_guid for g in broad.grants], broad.missing) == ([OWNER], ())


def test_what_can_follows_nested_groups_and_names_unread_members() -> None:
    rows = [ACCOUNT, ra(1, "outer", OWNER, SCOPE, "Group")]
    members = {
        "groupMembers": [
            {"groupId": "outer", "memberId": "inner"},
            {"groupId": "inner", "memberId": "mi-1"},
        ]
    }
    inv = make_inventory(rows, complete=(*RBAC, "graph.groupMembers"), graph=members)
    access = permission_index(inv).what_can("mi-1")
    assert ([g.assignment_id.rsplit("/", 1)[-1] for g in access.grants], access.missing) == (
        ["ra-1"],
        (),
    )
    # Members not read while a group holds assignments: what mi-1 can do is open.
    inv = make_inventory(rows, complete=RBAC)
    assert permission_index(inv).what_can("mi-1").missing == ("graph.groupMembers",)
    # No group holds anything: unread members hide nothing.
    inv = make_inventory([ACCOUNT, ra(1, "u1", OWNER, SCOPE)], complete=RBAC)
    assert permission_index(inv).what_can("mi-1").missing == ()
