"""Azure RBAC permission semantics: who can do which action where.

Actions, not role names: a role permits an action when one of its permission blocks has an
`actions` (or `dataActions`) pattern matching it and no `notActions` (`notDataActions`) pattern
in the same block excludes it. Patterns use `*` as a wildcard anywhere and compare
case-insensitively, as Azure does. Assignments apply to their scope and everything below it
(management group -> subscription -> resource group -> resource -> child resource).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from aiposture.graph.builtin_roles import builtin_role
from aiposture.model.entities import Permission, RoleDefinition
from aiposture.model.inventory import Inventory

ROLE_ASSIGNMENT_WRITE = "Microsoft.Authorization/roleAssignments/write"
CS_LIST_KEYS = "Microsoft.CognitiveServices/accounts/listKeys/action"
CS_DEPLOYMENT_WRITE = "Microsoft.CognitiveServices/accounts/deployments/write"
CS_RAI_POLICY_WRITE = "Microsoft.CognitiveServices/accounts/raiPolicies/write"
STORAGE_LIST_KEYS = "Microsoft.Storage/storageAccounts/listKeys/action"
BLOB_READ = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"  # data action
BLOB_WRITE = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write"  # data
KV_SECRET_GET = "Microsoft.KeyVault/vaults/secrets/getSecret/action"  # noqa: S105 - data action
MI_ASSIGN = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"

_MG_PREFIX = "/providers/microsoft.management/managementgroups/"


@lru_cache(maxsize=65536)
def _compile(pattern: str) -> re.Pattern[str]:
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    # A "/*/" segment also matches no segment at all: Microsoft's own roles rely on it
    # (Managed Identity Operator's `userAssignedIdentities/*/assign/action` grants
    # `userAssignedIdentities/assign/action`; AzureML Data Scientist must list
    # `workspaces/write` in notActions because `workspaces/*/write` covers it).
    regex = regex.replace("/.*/", "/(?:.*/)?")
    return re.compile(regex, re.IGNORECASE)


def action_matches(pattern: str, action: str) -> bool:
    """True when an RBAC action pattern (with `*` wildcards anywhere) covers `action`."""
    if pattern == "*":
        return True
    return _compile(pattern.lower()).fullmatch(action) is not None


def _block_permits(perm: Permission, action: str, data: bool) -> bool:
    allow, deny = (
        (perm.data_actions, perm.not_data_actions) if data else (perm.actions, perm.not_actions)
    )
    if not any(action_matches(p, action) for p in allow):
        return False
    return not any(action_matches(p, action) for p in deny)


_PERMITS_CACHE: dict[tuple[str, tuple[Permission, ...], str, bool], bool] = {}
_PERMITS_CACHE_MAX = 200_000


def role_permits(role: RoleDefinition, action: str, *, data: bool = False) -> bool:
    """Does any permission block of `role` grant `action` (control plane, or data plane when
    `data`)? notActions subtract only within their own block, as in Azure."""
    # The permissions are part of the key: two snapshots may carry different versions of the
    # same custom role guid.
    key = (role.guid, role.permissions, action.lower(), data)
    hit = _PERMITS_CACHE.get(key)
    if hit is None:
        hit = any(_block_permits(perm, action, data) for perm in role.permissions)
        if len(_PERMITS_CACHE) >= _PERMITS_CACHE_MAX:
            _PERMITS_CACHE.clear()
        _PERMITS_CACHE[key] = hit
    return hit


def role_guid(guid_or_id: str) -> str:
    return guid_or_id.rstrip("/").rsplit("/", 1)[-1].lower()


def role_definition(inv: Inventory, guid_or_id: str) -> RoleDefinition | None:
    """The snapshot's definition of a role first (it is the tenant's truth), then the shipped
    built-in table (for snapshots without role definitions)."""
    guid = role_guid(guid_or_id)
    return inv.role_definitions.get(guid) or builtin_role(guid)


@dataclass(frozen=True, slots=True)
class Grant:
    """One role assignment (or PIM eligibility) as seen from a resource or a principal."""

    principal_id: str
    principal_type: str | None
    role: RoleDefinition | None  # None: custom role whose definition was not collected
    role_guid: str
    scope: str
    assignment_id: str
    inherited: bool  # granted at a scope above the resource asked about
    conditional: bool  # carries an ABAC condition: may be narrower than the role says
    eligible: bool  # PIM-eligible, not active

    @property
    def role_name(self) -> str:
        return self.role.role_name if self.role is not None else self.role_guid


_GRAPH_KIND_TO_TYPE = {
    "user": "User",
    "group": "Group",
    "serviceprincipal": "ServicePrincipal",
    "managedidentity": "ServicePrincipal",
}


class PermissionIndex:
    """Role assignments indexed by scope and principal, with role matching cached.

    Built once per Inventory. grants_on walks only the scopes that contain the resource, and at
    each scope matches each distinct role once, so the cost does not grow with the number of
    assignments that do not apply.
    """

    def __init__(self, inv: Inventory) -> None:
        self._inv = inv
        # scope -> role guid -> grants (active) / (eligible)
        self._active: dict[str, dict[str, list[Grant]]] = defaultdict(lambda: defaultdict(list))
        self._eligible: dict[str, dict[str, list[Grant]]] = defaultdict(lambda: defaultdict(list))
        self._by_principal: dict[str, list[Grant]] = defaultdict(list)
        self._eligible_by_principal: dict[str, list[Grant]] = defaultdict(list)
        self._roles: dict[str, RoleDefinition | None] = {}
        self.unresolved_roles: set[str] = set()
        self._scope_cache: dict[tuple[str, str, bool, bool], tuple[list[Grant], list[Grant]]] = {}

        for ra in inv.role_assignments:
            role = self._role(ra.role_definition_guid)
            grant = Grant(
                principal_id=ra.principal_id,
                principal_type=ra.principal_type,
                role=role,
                role_guid=ra.role_definition_guid,
                scope=ra.scope,
                assignment_id=ra.id,
                inherited=False,
                conditional=bool(ra.condition and ra.condition.strip()),
                eligible=False,
            )
            self._active[ra.scope][ra.role_definition_guid].append(grant)
            self._by_principal[ra.principal_id].append(grant)
        for el in inv.role_eligibilities:
            role = self._role(el.role_definition_guid)
            principal = inv.principals.get(el.principal_id)
            grant = Grant(
                principal_id=el.principal_id,
                principal_type=_GRAPH_KIND_TO_TYPE.get(principal.kind.lower())
                if principal
                else None,
                role=role,
                role_guid=el.role_definition_guid,
                scope=el.scope,
                assignment_id=el.id,
                inherited=False,
                conditional=False,
                eligible=True,
            )
            self._eligible[el.scope][el.role_definition_guid].append(grant)
            self._eligible_by_principal[el.principal_id].append(grant)

    def _role(self, guid: str) -> RoleDefinition | None:
        if guid not in self._roles:
            role = role_definition(self._inv, guid)
            self._roles[guid] = role
            if role is None:
                self.unresolved_roles.add(guid)
        return self._roles[guid]

    # ---- scopes ----------------------------------------------------------------------------

    def scopes_containing(self, key: str) -> list[str]:
        """Every scope an assignment can sit at to apply to `key`, most specific first: the key,
        its parent resources, resource group, subscription, management groups, root."""
        key = key.lower().rstrip("/") or "/"
        chain: list[str] = []
        if key.startswith(_MG_PREFIX):
            name = key[len(_MG_PREFIX) :].split("/", 1)[0]
            chain.append(_MG_PREFIX + name)
            mg = self._inv.management_groups.get(name)
            for anc in mg.ancestors if mg else ():
                chain.append(_MG_PREFIX + anc.lower())
        else:
            # Every prefix of a resource id that ends on a name segment is a scope: child
            # resources inherit from their parent resource (deployments from the account).
            parts = key.split("/")
            prefixes = ["/".join(parts[:i]) for i in range(len(parts), 2, -1)]
            chain.extend(
                p for p in prefixes if p.count("/") % 2 == 0 and p.rsplit("/", 2)[-2] != "providers"
            )
            for scope in self._inv.scope_chain(key):
                if scope.startswith(_MG_PREFIX):
                    chain.append(scope)
        chain.append("/")
        seen: dict[str, None] = {}
        for c in chain:
            seen.setdefault(c, None)
        return list(seen)

    def _at_scope(
        self, scope: str, action: str, data: bool, eligible: bool
    ) -> tuple[list[Grant], list[Grant]]:
        """(direct, inherited) variants of the grants at one scope permitting `action`."""
        ck = (scope, action.lower(), data, eligible)
        hit = self._scope_cache.get(ck)
        if hit is not None:
            return hit
        table = (self._eligible if eligible else self._active).get(scope)
        direct: list[Grant] = []
        if table:
            for guid, grants in table.items():
                role = self._roles.get(guid)
                if role is not None and role_permits(role, action, data=data):
                    direct.extend(grants)
        inherited = [_inherited(g) for g in direct]
        self._scope_cache[ck] = (direct, inherited)
        return direct, inherited

    # ---- queries ---------------------------------------------------------------------------

    def grants_on(
        self,
        resource_key: str,
        action: str,
        *,
        data: bool = False,
        include_eligible: bool = False,
    ) -> list[Grant]:
        """Assignments that apply to `resource_key` (directly or inherited) and whose role
        permits `action`. Conditional ones are included and marked; eligible ones only when
        asked."""
        key = resource_key.lower().rstrip("/") or "/"
        out: list[Grant] = []
        for scope in self.scopes_containing(key):
            direct, inherited = self._at_scope(scope, action, data, False)
            out.extend(direct if scope == key else inherited)
            if include_eligible:
                direct, inherited = self._at_scope(scope, action, data, True)
                out.extend(direct if scope == key else inherited)
        return out

    def unresolved_on(self, resource_key: str) -> list[Grant]:
        """Assignments applying to the resource whose role definition is unknown (custom roles
        not collected): a rule cannot tell what they allow."""
        out: list[Grant] = []
        for scope in self.scopes_containing(resource_key):
            for guid, grants in self._active.get(scope, {}).items():
                if self._roles.get(guid) is None:
                    out.extend(grants)
        return out

    def grants_of(self, principal_id: str, *, include_eligible: bool = False) -> list[Grant]:
        """Every assignment held directly by a principal (not through group membership)."""
        pid = principal_id.lower()
        out = list(self._by_principal.get(pid, ()))
        if include_eligible:
            out.extend(self._eligible_by_principal.get(pid, ()))
        return out

    def grants_at(self, scope: str, *, include_eligible: bool = False) -> list[Grant]:
        """Every assignment made exactly at `scope` (whatever its role)."""
        key = scope.lower().rstrip("/") or "/"
        out = [g for grants in self._active.get(key, {}).values() for g in grants]
        if include_eligible:
            out.extend(g for grants in self._eligible.get(key, {}).values() for g in grants)
        return out

    def permits(self, grant: Grant, action: str, *, data: bool = False) -> bool:
        return grant.role is not None and role_permits(grant.role, action, data=data)

    def covers(self, grant: Grant, resource_key: str) -> bool:
        """Does the grant's scope contain `resource_key`?"""
        return grant.scope in self.scopes_containing(resource_key)


def _inherited(g: Grant) -> Grant:
    return Grant(
        principal_id=g.principal_id,
        principal_type=g.principal_type,
        role=g.role,
        role_guid=g.role_guid,
        scope=g.scope,
        assignment_id=g.assignment_id,
        inherited=True,
        conditional=g.conditional,
        eligible=g.eligible,
    )


_INDEX_ATTR = "_aiposture_permission_index"


def permission_index(inv: Inventory) -> PermissionIndex:
    """The PermissionIndex of an inventory, built on first use and shared by rules and graph.

    Stored on the inventory object itself (Inventory is an unhashable dataclass, so a
    WeakKeyDictionary cannot hold it)."""
    idx = inv.__dict__.get(_INDEX_ATTR)
    if not isinstance(idx, PermissionIndex):
        idx = PermissionIndex(inv)
        inv.__dict__[_INDEX_ATTR] = idx
    return idx
