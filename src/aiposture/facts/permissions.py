"""Azure RBAC permission semantics: who can do which action where.

Actions, not role names: a role permits an action when one of its permission blocks has an
`actions` (or `dataActions`) pattern matching it and no `notActions` (`notDataActions`) pattern
in the same block excludes it. Patterns use `*` as a wildcard anywhere and compare
case-insensitively, as Azure does. Assignments apply to their scope and everything below it
(management group -> subscription -> resource group -> resource -> child resource).
"""

from __future__ import annotations

import bisect
import gc
import re
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from aiposture.facts.builtin_roles import builtin_role, role_source, table_info
from aiposture.model.entities import Permission, RoleDefinition
from aiposture.model.inventory import Inventory
from aiposture.model.types import CoverageStatus

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
_GROUPISH = frozenset({"group", "foreigngroup"})


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


# (guid, action lower-cased, data) -> (the permissions evaluated, result). The permissions are
# kept so that another snapshot's version of the same custom role guid is re-evaluated; they are
# compared by identity first (cheap), by value only when the object differs.
_PERMITS_CACHE: dict[tuple[str, str, bool], tuple[tuple[Permission, ...], bool]] = {}
_PERMITS_CACHE_MAX = 200_000


def role_permits(role: RoleDefinition, action: str, *, data: bool = False) -> bool:
    """Does any permission block of `role` grant `action` (control plane, or data plane when
    `data`)? notActions subtract only within their own block, as in Azure."""
    key = (role.guid, action.lower(), data)
    hit = _PERMITS_CACHE.get(key)
    if hit is not None and (hit[0] is role.permissions or hit[0] == role.permissions):
        return hit[1]
    result = any(_block_permits(perm, action, data) for perm in role.permissions)
    if len(_PERMITS_CACHE) >= _PERMITS_CACHE_MAX:
        _PERMITS_CACHE.clear()
    _PERMITS_CACHE[key] = (role.permissions, result)
    return result


def role_guid(guid_or_id: str) -> str:
    return guid_or_id.rstrip("/").rsplit("/", 1)[-1].lower()


def role_definition(inv: Inventory, guid_or_id: str) -> RoleDefinition | None:
    """The snapshot's definition of a role first (it is the tenant's truth), then the shipped
    built-in table (for snapshots without role definitions)."""
    guid = role_guid(guid_or_id)
    return inv.role_definitions.get(guid) or builtin_role(guid)


RoleOrigin = Literal["tenant", "table"]


def role_origin(inv: Inventory, guid_or_id: str) -> RoleOrigin | None:
    """Whose definition of a role decides: the tenant's own (collected), the shipped built-in
    table (generated from Microsoft's reference), or nobody's (None: an unresolved role)."""
    guid = role_guid(guid_or_id)
    if guid in inv.role_definitions:
        return "tenant"
    return "table" if builtin_role(guid) is not None else None


# The shipped-table roles a computation consulted (see consulting_table): None outside one.
_CONSULTED: ContextVar[set[str] | None] = ContextVar("aiposture_table_roles", default=None)


@contextmanager
def consulting_table() -> Iterator[set[str]]:
    """Record the GUIDs of roles whose shipped-table definition a permission query in the
    block looked at (granting or not): the verdict then rests on the table, not on the tenant's
    own definitions, and says so (table_evidence)."""
    seen: set[str] = set()
    token = _CONSULTED.set(seen)
    try:
        yield seen
    finally:
        _CONSULTED.reset(token)


def _note_table(guids: Iterable[str]) -> None:
    seen = _CONSULTED.get()
    if seen is not None:
        seen.update(guids)


def table_note(guids: Iterable[str]) -> str:
    """One line for a finding's evidence: which roles were judged by the shipped table, and
    the dates of the reference pages it was generated from."""
    return _table_note(frozenset(guids))


@lru_cache(maxsize=4096)
def _table_note(guids: frozenset[str]) -> str:
    """One string per set of roles, shared by every finding that names it (about 500 bytes
    each; a 100k tenant has tens of thousands of such findings and a few distinct sets)."""
    names = []
    dates = set()
    for guid in sorted(guids):
        role = builtin_role(guid)
        src = role_source(guid)
        names.append(role.role_name if role is not None else guid)
        if src is not None:
            dates.add(src.page_date)
    info = table_info()
    when = ", ".join(sorted(dates)) or info.table_date
    return (
        f"aiposture's built-in role table, not the tenant's role definitions (none collected "
        f"for these roles): {', '.join(names)}; generated from {info.source}, pages dated {when}"
    )


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
    conditional: bool  # ABAC condition on the assignment or in the role: may be narrower
    eligible: bool  # PIM-eligible, not active

    @property
    def role_name(self) -> str:
        return self.role.role_name if self.role is not None else self.role_guid


@dataclass(frozen=True, slots=True)
class Access:
    """What a permission query found, and what it could not resolve.

    `grants` are certain (each one was read and its role permits the action); `missing` names
    what could add more grants if it were known: "roleDefinitions:<guid>" (a custom role whose
    definition was not collected), "roleAssignments" (assignments not completely read for the
    scope), "graph.groupMembers" (a group holds assignments but its members were not read),
    "subscriptions" (management-group ancestry unknown while assignments sit at management
    group scope). An empty result with something missing is not "nobody": see `settled`.
    """

    grants: tuple[Grant, ...]
    missing: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def principals(self) -> frozenset[str]:
        return frozenset(g.principal_id for g in self.grants)

    def __add__(self, other: Access) -> Access:
        return Access(self.grants + other.grants, _merge(self.missing, other.missing))

    def only(self, keep: Callable[[Grant], bool]) -> Access:
        """The grants `keep` accepts. An unresolved role stays missing only when one of its
        grants would be kept (a custom role held at a scope the question ignores is no gap)."""
        kept = tuple(g for g in self.grants if keep(g))
        dropped_roles = {
            unresolved_role(g.role_guid) for g in self.grants if g.role is None and not keep(g)
        }
        kept_roles = {unresolved_role(g.role_guid) for g in kept if g.role is None}
        missing = tuple(m for m in self.missing if m not in dropped_roles or m in kept_roles)
        return Access(kept, missing)


def _merge(*parts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m for part in parts for m in part))


def unresolved_role(guid: str) -> str:
    """The `missing` entry naming a role definition that was not collected."""
    return f"roleDefinitions:{guid}"


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
        # PIM eligibilities (few): scope -> role guid -> grants, built eagerly.
        self._eligible: dict[str, dict[str, list[Grant]]] = {}
        self._eligible_by_principal: dict[str, list[Grant]] = {}
        self._roles: dict[str, RoleDefinition | None] = {}
        self.unresolved_roles: set[str] = set()
        # Roles resolved from the shipped built-in table (the snapshot has no definition).
        self.table_roles: set[str] = set()
        self._scope_table: dict[tuple[bool, str], tuple[str, ...]] = {}
        self._scope_cache: dict[tuple[str, str, bool, bool], tuple[list[Grant], list[Grant]]] = {}
        self._permit_cache: dict[tuple[str, str, bool], bool] = {}
        self._chain_cache: dict[str, list[str]] = {}
        self._sorted_scopes: list[str] | None = None
        self._gap_cache: dict[tuple[str, bool, bool], tuple[str, ...]] = {}
        self._member_of: dict[str, list[str]] | None = None
        self._principal_gap_cache: dict[bool, list[str]] = {}

        # At 1M assignments building a Grant per assignment dominates, so assignments are only
        # bucketed here (as row numbers of the columnar store, model/role_assignments.py: no
        # entity per assignment) and turned into Grants when a query returns them (cached).
        # The cyclic GC is paused while the buckets are built: millions of new containers with
        # no cycles would otherwise trigger repeated full collections (half the build time at
        # 1M assignments).
        # Rows are chained, not listed: `active` maps a scope to its first row and `_next_at[row]`
        # is the next row at the same scope (-1: none), in row order; `by_principal` and
        # `_next_of` do the same per principal. Four bytes a row and one int a scope, where a
        # list per scope and role and an int object per row cost 40 MiB at 100k resources;
        # rows are grouped by role on demand (see _at).
        n = len(inv.role_assignments)
        next_at = array("i", [-1]) * n
        next_of = array("i", [-1]) * n
        active: dict[str, int] = {}
        by_principal: dict[str, int] = {}
        last_at: dict[str, int] = {}
        last_of: dict[str, int] = {}
        role_of = self._role
        ras = self._ras = inv.role_assignments
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            rows = zip(ras.scopes, ras.role_definition_guids, ras.principal_ids, strict=True)
            for row, (scope, guid, pid) in enumerate(rows):
                if guid not in self._roles:
                    role_of(guid)
                prev = last_at.get(scope)
                if prev is None:
                    active[scope] = row
                else:
                    next_at[prev] = row
                last_at[scope] = row
                prev = last_of.get(pid)
                if prev is None:
                    by_principal[pid] = row
                else:
                    next_of[prev] = row
                last_of[pid] = row
        finally:
            if gc_was_enabled:
                gc.enable()
        del last_at, last_of
        self._active_ra = active
        self._next_at = next_at
        self._ra_by_principal = by_principal
        self._next_of = next_of
        # Whether group membership or management-group ancestry can matter at all: without
        # assignments held by groups (or at management-group scope) not reading them hides
        # nothing.
        principals = inv.principals
        self._group_held = any(
            ((p := principals.get(pid)) is not None and p.kind == "group")
            or (p is None and (ras.principal_types[first] or "group").lower() in _GROUPISH)
            for pid, first in by_principal.items()
        )
        self._mg_held = any(scope.startswith(_MG_PREFIX) for scope in active)
        self._grants: dict[int, Grant] = {}  # by row
        # id() of a direct grant -> its inherited variant; the direct grants live as long as the
        # index (in _grants or _eligible), so their ids are not reused meanwhile.
        self._inherited_of: dict[int, Grant] = {}
        for el in inv.role_eligibilities:
            principal = inv.principals.get(el.principal_id)
            grant = Grant(
                principal_id=el.principal_id,
                principal_type=_GRAPH_KIND_TO_TYPE.get(principal.kind.lower())
                if principal
                else None,
                role=role_of(el.role_definition_guid),
                role_guid=el.role_definition_guid,
                scope=el.scope,
                assignment_id=el.id,
                inherited=False,
                conditional=_role_has_condition(self._roles.get(el.role_definition_guid)),
                eligible=True,
            )
            self._eligible.setdefault(el.scope, {}).setdefault(el.role_definition_guid, []).append(
                grant
            )
            self._eligible_by_principal.setdefault(el.principal_id, []).append(grant)

    def _at(self, scope: str) -> dict[str, list[int]]:
        """The rows assigned exactly at `scope`, by role guid (first seen first)."""
        row = self._active_ra.get(scope, -1)
        guids = self._ras.role_definition_guids
        nxt = self._next_at
        out: dict[str, list[int]] = {}
        while row != -1:
            out.setdefault(guids[row], []).append(row)
            row = nxt[row]
        return out

    def _rows_of(self, pid: str) -> list[int]:
        """The rows a principal holds directly, in row order."""
        row = self._ra_by_principal.get(pid, -1)
        nxt = self._next_of
        out: list[int] = []
        while row != -1:
            out.append(row)
            row = nxt[row]
        return out

    def _guid_permits(self, guid: str, action: str, data: bool) -> bool:
        key = (guid, action, data)
        hit = self._permit_cache.get(key)
        if hit is None:
            role = self._roles.get(guid)
            hit = role is not None and role_permits(role, action, data=data)
            self._permit_cache[key] = hit
        return hit

    def _grant(self, row: int) -> Grant:
        grant = self._grants.get(row)
        if grant is None:
            ras = self._ras
            cond = ras.condition_of(row)
            guid = ras.role_definition_guids[row]
            role = self._roles.get(guid)
            grant = Grant(
                ras.principal_ids[row],
                ras.principal_types[row],
                role,
                guid,
                ras.scopes[row],
                ras.id_of(row),
                False,
                bool(cond and cond.strip()) or _role_has_condition(role),
                False,
            )
            self._grants[row] = grant
        return grant

    def _role(self, guid: str) -> RoleDefinition | None:
        if guid not in self._roles:
            role = role_definition(self._inv, guid)
            self._roles[guid] = role
            if role is None:
                self.unresolved_roles.add(guid)
            elif guid not in self._inv.role_definitions:
                self.table_roles.add(guid)
        return self._roles[guid]

    def _note_scope(self, scope: str, eligible: bool) -> None:
        """Record the table roles held at a scope: a query there judged them."""
        if not self.table_roles or _CONSULTED.get() is None:
            return
        ck = (eligible, scope)
        hit = self._scope_table.get(ck)
        if hit is None:
            held = self._eligible.get(scope, {}) if eligible else self._at(scope)
            hit = self._scope_table[ck] = tuple(g for g in held if g in self.table_roles)
        _note_table(hit)

    def _note_grants(self, grants: Iterable[Grant]) -> None:
        if self.table_roles and _CONSULTED.get() is not None:
            _note_table(g.role_guid for g in grants if g.role_guid in self.table_roles)

    # ---- scopes ----------------------------------------------------------------------------

    def scopes_containing(self, key: str) -> list[str]:
        """Every scope an assignment can sit at to apply to `key`, most specific first: the key,
        its parent resources, resource group, subscription, management groups, root."""
        key = key.lower().rstrip("/") or "/"
        cached = self._chain_cache.get(key)
        if cached is not None:
            return cached
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
        # Interned: every resource of a group repeats its group's and subscription's scopes.
        result = [sys.intern(c) for c in dict.fromkeys(chain)]
        self._chain_cache[sys.intern(key)] = result
        return result

    def _at_scope(
        self, scope: str, action: str, data: bool, eligible: bool
    ) -> tuple[list[Grant], list[Grant]]:
        """(direct, inherited) variants of the grants at one scope permitting `action`."""
        ck = (scope, sys.intern(action.lower()), data, eligible)  # one string per action
        self._note_scope(scope, eligible)
        hit = self._scope_cache.get(ck)
        if hit is not None:
            return hit
        direct: list[Grant] = []
        low = ck[1]
        if eligible:
            for guid, grants in self._eligible.get(scope, {}).items():
                if self._guid_permits(guid, low, data):
                    direct.extend(grants)
        else:
            for guid, assignments in self._at(scope).items():
                if self._guid_permits(guid, low, data):
                    direct.extend(self._grant(row) for row in assignments)
        if not direct:  # most (scope, action) pairs: one shared, never-changed empty answer
            self._scope_cache[ck] = _NO_GRANTS
            return _NO_GRANTS
        # One inherited variant per grant, shared by every action asked at the scope.
        shared = self._inherited_of
        inherited = []
        for g in direct:
            ig = shared.get(id(g))
            if ig is None:
                ig = shared[id(g)] = _inherited(g)
            inherited.append(ig)
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

    def grants_within(
        self,
        resource_key: str,
        action: str,
        *,
        data: bool = False,
        include_eligible: bool = False,
    ) -> list[Grant]:
        """Assignments made strictly below `resource_key` (a blob container of a storage
        account, one deployment of an account) whose role permits `action`: they reach part of
        the resource, which grants_on leaves out."""
        prefix = (resource_key.lower().rstrip("/") or "") + "/"
        out: list[Grant] = []
        for scope in self._scopes_under(prefix):
            out.extend(self._at_scope(scope, action, data, False)[0])
            if include_eligible:
                out.extend(self._at_scope(scope, action, data, True)[0])
        return out

    def _scopes_under(self, prefix: str) -> list[str]:
        if self._sorted_scopes is None:
            self._sorted_scopes = sorted({*self._active_ra, *self._eligible})
        scopes = self._sorted_scopes
        lo = bisect.bisect_left(scopes, prefix)
        hi = bisect.bisect_left(scopes, prefix[:-1] + "0")  # "0" sorts right after "/"
        return scopes[lo:hi]

    def unresolved_on(self, resource_key: str) -> list[Grant]:
        """Assignments applying to the resource whose role definition is unknown (custom roles
        not collected): a rule cannot tell what they allow."""
        out: list[Grant] = []
        for scope in self.scopes_containing(resource_key):
            for guid, assignments in self._at(scope).items():
                if self._roles.get(guid) is None:
                    out.extend(self._grant(row) for row in assignments)
        return out

    def grants_of(self, principal_id: str, *, include_eligible: bool = False) -> list[Grant]:
        """Every assignment held directly by a principal (not through group membership)."""
        pid = principal_id.lower()
        out = [self._grant(row) for row in self._rows_of(pid)]
        if include_eligible:
            out.extend(self._eligible_by_principal.get(pid, ()))
        self._note_grants(out)
        return out

    def grants_at(self, scope: str, *, include_eligible: bool = False) -> list[Grant]:
        """Every assignment made exactly at `scope` (whatever its role)."""
        key = scope.lower().rstrip("/") or "/"
        out = [self._grant(r) for rows in self._at(key).values() for r in rows]
        if include_eligible:
            out.extend(g for grants in self._eligible.get(key, {}).values() for g in grants)
        self._note_grants(out)
        return out

    # ---- three-valued queries ----------------------------------------------------------------

    def who_can(
        self,
        resource_key: str,
        action: str,
        *,
        data: bool = False,
        include_eligible: bool = False,
        within: bool = False,
    ) -> Access:
        """Who can do `action` on `resource_key` (and, with `within`, on part of it): the grants
        found and what could add more (see Access)."""
        key = resource_key.lower().rstrip("/") or "/"
        grants = self.grants_on(key, action, data=data, include_eligible=include_eligible)
        if within:
            grants += self.grants_within(key, action, data=data, include_eligible=include_eligible)
        return Access(tuple(grants), self.gaps_on(key, within=within, eligible=include_eligible))

    def gaps_on(self, key: str, *, within: bool = False, eligible: bool = False) -> tuple[str, ...]:
        """What a query on `key` cannot see: cached per key (rules ask per resource)."""
        ck = (key, within, eligible)
        hit = self._gap_cache.get(ck)
        if hit is not None:
            return hit
        inv = self._inv
        missing: list[str] = []
        if not inv.coverage.status("roleAssignments", key).complete:
            missing.append("roleAssignments")
        if eligible and not inv.coverage.status("roleEligibilitySchedules", key).complete:
            missing.append("roleEligibilitySchedules")
        scopes = list(self.scopes_containing(key))
        if within:
            scopes += self._scopes_under(key + "/")
        for scope in scopes:
            for guid in self._at(scope):
                if self._roles.get(guid) is None:
                    missing.append(unresolved_role(guid))
            if eligible:
                for guid in self._eligible.get(scope, {}):
                    if self._roles.get(guid) is None:
                        missing.append(unresolved_role(guid))
        if self._mg_held and self._mg_chain_unknown(key):
            missing.append("subscriptions")
        result = tuple(dict.fromkeys(missing))
        self._gap_cache[ck] = result
        return result

    def _mg_chain_unknown(self, key: str) -> bool:
        """Assignments at management-group scope apply through the subscription's ancestry; it
        is unknown when the subscription was not read."""
        parts = key.split("/")
        if len(parts) < 3 or parts[1] != "subscriptions":
            return False
        if parts[2] in self._inv.subscriptions:
            return False
        return not self._inv.coverage.status("subscriptions", "/".join(parts[:3])).complete

    def what_can(self, principal_id: str, *, include_eligible: bool = False) -> Access:
        """Every assignment a principal holds, directly or through the groups it is a member
        of (transitively), and what could add more (see Access)."""
        pid = principal_id.lower()
        grants = list(self.grants_of(pid, include_eligible=include_eligible))
        for gid in self.groups_of(pid):
            grants += self.grants_of(gid, include_eligible=include_eligible)
        missing = [unresolved_role(g.role_guid) for g in grants if g.role is None]
        missing += self._principal_gaps(include_eligible)
        return Access(tuple(grants), tuple(dict.fromkeys(missing)))

    def _principal_gaps(self, eligible: bool) -> list[str]:
        """The same for every principal: computed once per index."""
        hit = self._principal_gap_cache.get(eligible)
        if hit is None:
            hit = self._principal_gap_cache[eligible] = self._compute_principal_gaps(eligible)
        return hit

    def _compute_principal_gaps(self, eligible: bool) -> list[str]:
        inv = self._inv
        out: list[str] = []
        # A principal's assignments may sit anywhere: every roleAssignments record counts.
        records = [r for r in inv.coverage.records if r.collection.lower() == "roleassignments"]
        if not records or any(r.status is not CoverageStatus.COMPLETE for r in records):
            out.append("roleAssignments")
        if eligible:
            recs = [
                r
                for r in inv.coverage.records
                if r.collection.lower() == "roleeligibilityschedules"
            ]
            if not recs or any(r.status is not CoverageStatus.COMPLETE for r in recs):
                out.append("roleEligibilitySchedules")
        if self._group_held and not inv.coverage.status("graph.groupMembers").complete:
            out.append("graph.groupMembers")
        return out

    def groups_of(self, principal_id: str) -> list[str]:
        """Groups the principal is a member of, directly or through nested groups."""
        if self._member_of is None:
            member_of: dict[str, list[str]] = {}
            for m in self._inv.group_memberships:
                member_of.setdefault(m.member_id, []).append(m.group_id)
            self._member_of = member_of
        seen: dict[str, None] = {}
        todo = list(self._member_of.get(principal_id.lower(), ()))
        while todo:
            gid = todo.pop()
            if gid in seen:
                continue
            seen[gid] = None
            todo.extend(self._member_of.get(gid, ()))
        return list(seen)

    def permits(self, grant: Grant, action: str, *, data: bool = False) -> bool:
        if grant.role is None:
            return False
        if grant.role_guid in self.table_roles:
            _note_table((grant.role_guid,))
        if self._roles.get(grant.role_guid) is grant.role:
            return self._guid_permits(grant.role_guid, action.lower(), data)
        return role_permits(grant.role, action, data=data)

    def covers(self, grant: Grant, resource_key: str) -> bool:
        """Does the grant's scope contain `resource_key`?"""
        return grant.scope in self.scopes_containing(resource_key)


def _role_has_condition(role: RoleDefinition | None) -> bool:
    """Roles such as Foundry Account Owner carry an ABAC condition in their definition (they
    may only assign one role): their grants are kept but marked conditional, like assignments
    that carry a condition."""
    return role is not None and any(p.condition and p.condition.strip() for p in role.permissions)


# The answer of _at_scope when nothing at the scope permits the action (callers only read it).
_NO_GRANTS: tuple[list[Grant], list[Grant]] = ([], [])


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
