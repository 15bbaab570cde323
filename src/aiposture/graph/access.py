"""Access review: per AI resource, who can use it, read its keys, change its models, content
filters or network, and grant access to it, with the role, the scope it was granted at, and
whether it is permanent or PIM-eligible. Group grants are listed for the group and, where
Graph data has the memberships, for each member (with the group it comes through).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiposture.facts.permissions import (
    CS_DEPLOYMENT_WRITE,
    CS_LIST_KEYS,
    CS_RAI_POLICY_WRITE,
    ROLE_ASSIGNMENT_WRITE,
    Grant,
    permission_index,
)
from aiposture.graph.build import (
    CS_ACCOUNT_WRITE,
    CS_INFERENCE,
    SEARCH_ADMIN_KEYS,
    SEARCH_DOCS_READ,
)
from aiposture.model.entities import CognitiveAccount, MLWorkspace, Resource, SearchService
from aiposture.model.inventory import Inventory

ML = "Microsoft.MachineLearningServices/workspaces"

# question -> (action, data plane) per resource class
_QUESTIONS: dict[type[Resource], tuple[tuple[str, str, bool], ...]] = {
    CognitiveAccount: (
        ("use", CS_INFERENCE, True),
        ("read-keys", CS_LIST_KEYS, False),
        ("change-deployments", CS_DEPLOYMENT_WRITE, False),
        ("change-content-filters", CS_RAI_POLICY_WRITE, False),
        ("change-network", CS_ACCOUNT_WRITE, False),
        ("grant-access", ROLE_ASSIGNMENT_WRITE, False),
    ),
    SearchService: (
        ("use", SEARCH_DOCS_READ, True),
        ("read-keys", SEARCH_ADMIN_KEYS, False),
        ("change-network", "Microsoft.Search/searchServices/write", False),
        ("grant-access", ROLE_ASSIGNMENT_WRITE, False),
    ),
    MLWorkspace: (
        ("use", f"{ML}/onlineEndpoints/score/action", False),
        ("read-keys", f"{ML}/listKeys/action", False),
        ("change-deployments", f"{ML}/onlineEndpoints/deployments/write", False),
        ("change-network", f"{ML}/write", False),
        ("grant-access", ROLE_ASSIGNMENT_WRITE, False),
    ),
}
QUESTIONS = (
    "use",
    "read-keys",
    "change-deployments",
    "change-content-filters",
    "change-network",
    "grant-access",
)


@dataclass(frozen=True, slots=True)
class AccessEntry:
    resource_id: str
    resource_name: str
    question: str  # one of QUESTIONS
    principal_id: str
    principal_name: str
    principal_type: str  # user | guest | group | service-principal (secret) | managed-identity...
    role: str
    scope: str
    granted: str  # direct | inherited
    assignment: str  # permanent | eligible
    conditional: bool
    via_group: str = ""  # name of the group the grant was made to, for members listed singly
    via_group_id: str = ""
    assignment_id: str = ""


# What an access review or a path search reads besides resources; missing ones are reported,
# so an empty answer is never mistaken for "nobody has access".
REVIEW_COLLECTIONS = (
    "roleAssignments",
    "roleEligibilitySchedules",
    "graph.users",
    "graph.servicePrincipals",
    "graph.groupMembers",
)


def missing_collections(inv: Inventory, names: tuple[str, ...] = REVIEW_COLLECTIONS) -> list[str]:
    """Collections (from `names`) not completely collected, with the reason."""
    out = []
    for name in names:
        ans = inv.coverage.status(name)
        if not ans.complete:
            out.append(f"{name}: {ans.reason}")
    return out


def review_targets(inv: Inventory, resource: str | None = None) -> list[Resource]:
    items: list[Resource] = [
        *inv.accounts.values(),
        *inv.search_services.values(),
        *inv.workspaces.values(),
    ]
    if resource:
        want = resource.lower()
        items = [r for r in items if r.key == want or r.name.lower() == want]
    return sorted(items, key=lambda r: r.key)


def access_review(inv: Inventory, resource: str | None = None) -> list[AccessEntry]:
    pidx = permission_index(inv)
    members = _members(inv)
    out: list[AccessEntry] = []
    for res in review_targets(inv, resource):
        questions = next((q for cls, q in _QUESTIONS.items() if isinstance(res, cls)), ())
        for question, action, data in questions:
            seen: set[tuple[str, str, str]] = set()
            for g in pidx.grants_on(res.key, action, data=data, include_eligible=True):
                mark = (g.principal_id, g.assignment_id, "")
                if mark in seen:
                    continue
                seen.add(mark)
                out.append(_entry(inv, res, question, g, g.principal_id, ""))
                for member in members.get(g.principal_id, ()):
                    if (member, g.assignment_id, g.principal_id) in seen:
                        continue
                    seen.add((member, g.assignment_id, g.principal_id))
                    out.append(_entry(inv, res, question, g, member, g.principal_id))
    return out


def _members(inv: Inventory) -> dict[str, list[str]]:
    """group -> transitive members (groups in groups resolved)."""
    direct: dict[str, list[str]] = {}
    for m in inv.group_memberships:
        direct.setdefault(m.group_id, []).append(m.member_id)
    out: dict[str, list[str]] = {}
    for gid in direct:
        seen: list[str] = []
        stack = list(direct[gid])
        while stack:
            mid = stack.pop()
            if mid in seen or mid == gid:
                continue
            seen.append(mid)
            stack.extend(direct.get(mid, ()))
        out[gid] = sorted(seen)
    return out


def principal_type(inv: Inventory, pid: str, fallback: str | None) -> str:
    p = inv.principals.get(pid)
    if p is None:
        return (fallback or "unknown").lower() + " (not in Graph data)"
    if p.kind == "user":
        return "guest" if p.is_guest else "user"
    if p.kind == "group":
        return "group"
    if p.kind == "managedIdentity":
        return "managed-identity"
    creds = {c.kind for c in p.credentials}
    kinds = "+".join(sorted(f"{k}" for k in creds)) or "no credential"
    return f"service-principal ({kinds.replace('password', 'secret')})"


def _entry(
    inv: Inventory, res: Resource, question: str, g: Grant, pid: str, via: str
) -> AccessEntry:
    p = inv.principals.get(pid)
    return AccessEntry(
        resource_id=res.id,
        resource_name=res.name,
        question=question,
        principal_id=pid,
        principal_name=(p.display_name or p.user_principal_name or pid) if p else pid,
        principal_type=principal_type(inv, pid, g.principal_type if not via else None),
        role=g.role_name,
        scope=g.scope,
        granted="inherited" if g.inherited else "direct",
        assignment="eligible" if g.eligible else "permanent",
        conditional=g.conditional,
        via_group=_name(inv, via) if via else "",
        via_group_id=via,
        assignment_id=g.assignment_id,
    )


def _name(inv: Inventory, pid: str) -> str:
    p = inv.principals.get(pid)
    return (p.display_name or pid) if p else pid
