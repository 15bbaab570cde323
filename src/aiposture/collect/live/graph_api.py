"""Microsoft Graph v1.0 collections over a plain azure-core pipeline (no msgraph-sdk).

Each collection follows @odata.nextLink verbatim. A 403 (missing application permission) or a
licence error (no Entra ID P1/P2 for Conditional Access or PIM) becomes a coverage record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiposture.collect.live.clients import PARTIAL_CODES, ApiError, HttpClient, cut_short

NEXT = "@odata.nextLink"


@dataclass(frozen=True)
class GraphCollection:
    name: str  # key in snapshot.graph
    path: str
    permission: str  # least-privilege application permission
    params: tuple[tuple[str, str], ...] = (("$top", "999"),)


COLLECTIONS = (
    GraphCollection("servicePrincipals", "/v1.0/servicePrincipals", "Application.Read.All"),
    GraphCollection("applications", "/v1.0/applications", "Application.Read.All"),
    GraphCollection("users", "/v1.0/users", "User.Read.All"),
    GraphCollection("groups", "/v1.0/groups", "GroupMember.Read.All"),
    GraphCollection(
        "directoryRoleAssignments",
        "/v1.0/roleManagement/directory/roleAssignments",
        "RoleManagement.Read.Directory",
        (),
    ),
    GraphCollection(
        "roleEligibilitySchedules",
        "/v1.0/roleManagement/directory/roleEligibilitySchedules",
        "RoleEligibilitySchedule.Read.Directory",
        (),
    ),
    GraphCollection(
        "conditionalAccessPolicies",
        "/v1.0/identity/conditionalAccess/policies",
        "Policy.Read.All",
        (),
    ),
)
GROUP_MEMBERS_PERMISSION = "GroupMember.Read.All"

# Error codes Graph uses when the tenant lacks the Entra ID licence a feature needs. Exact codes
# are not documented everywhere; the message check below catches the rest.
_LICENCE_CODES = {"aadpremiumlicenserequired", "authenticationfailed_licence", "licenserequired"}


def is_licence_error(exc: ApiError) -> bool:
    text = f"{exc.code} {exc.message}".lower()
    return exc.code.lower() in _LICENCE_CODES or "licen" in text or "premium" in text


def list_collection(
    graph: HttpClient, coll: GraphCollection, on_page: Callable[[int], None] | None = None
) -> tuple[list[dict[str, Any]], ApiError | None]:
    """The objects of one collection, and the error that stopped paging early (a repeated
    @odata.nextLink or the page limit: the objects read so far are kept). Other errors raise."""
    out: list[dict[str, Any]] = []
    pages = 0
    try:
        for page in graph.list_paged(coll.path, dict(coll.params), next_key=NEXT):
            out.extend(page)
            pages += 1
            if on_page is not None:
                on_page(1)
    except ApiError as err:
        exc = cut_short(err, pages)
        if exc.code not in PARTIAL_CODES:
            raise
        return out, exc
    return out, None


def group_members(graph: HttpClient, group_id: str) -> list[dict[str, Any]]:
    """Direct members of one group as {"groupId", "memberId"} pairs (the snapshot's shape)."""
    out: list[dict[str, Any]] = []
    path = f"/v1.0/groups/{group_id}/members"
    for page in graph.list_paged(path, {"$select": "id", "$top": "999"}, next_key=NEXT):
        for member in page:
            mid = member.get("id")
            if isinstance(mid, str) and mid:
                out.append({"groupId": group_id, "memberId": mid})
    return out
