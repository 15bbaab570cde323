"""The security graph: principals, scopes, resources and the Internet, with typed edges.

An edge u -> v means "whoever controls u gets this effect on v": a principal's capability on a
resource (derived from role assignments by action matching, never by role name), a resource
running as its managed identity, a member inheriting its group's roles, the Internet reaching a
public endpoint, data flowing from a store into the AI that reads it, a scope containing what is
below it. Every edge carries the assignment or setting that creates it, so a path can be
explained hop by hop and cut at one place.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

import rustworkx as rx

from aiposture.facts.base import Fact
from aiposture.facts.botservice import guard as bot_guard
from aiposture.facts.exposure import exposed_resources
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
    PermissionIndex,
    permission_index,
    role_definition,
    role_permits,
)
from aiposture.model.entities import (
    AksCluster,
    BotService,
    CognitiveAccount,
    ContainerRegistry,
    KeyVault,
    MLCompute,
    Principal,
    Resource,
    SearchService,
    StorageAccount,
    UserAssignedIdentity,
)
from aiposture.model.inventory import Inventory

INTERNET = "internet"
# Entra directory roles that can add credentials to any application or service principal
# (then sign in as it and use its Azure roles). Template ids as in Microsoft's reference.
APP_CREDENTIAL_ROLES = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
}
ROOT_SCOPE = "/"
MG_PREFIX = "/providers/microsoft.management/managementgroups/"
UAMI_TYPE = "microsoft.managedidentity/userassignedidentities"
VM_TYPE = "microsoft.compute/virtualmachines"

# Actions the permissions module does not name; matched with the same semantics.
CS_INFERENCE = "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action"
CS_ACCOUNT_WRITE = "Microsoft.CognitiveServices/accounts/write"
SEARCH_ADMIN_KEYS = "Microsoft.Search/searchServices/listAdminKeys/action"
SEARCH_DOCS_READ = "Microsoft.Search/searchServices/indexes/documents/read"
SEARCH_DOCS_WRITE = "Microsoft.Search/searchServices/indexes/documents/write"
KV_WRITE = "Microsoft.KeyVault/vaults/write"  # edits access policies on access-policy vaults
ML_JOBS_WRITE = "Microsoft.MachineLearningServices/workspaces/jobs/write"
AKS_ADMIN_CREDENTIAL = (
    "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action"
)
AKS_RUN_COMMAND = "Microsoft.ContainerService/managedClusters/runCommand/action"
VM_RUN_COMMAND = "Microsoft.Compute/virtualMachines/runCommand/action"


class NodeKind(StrEnum):
    INTERNET = "internet"
    USER = "user"
    GUEST = "guest"
    GROUP = "group"
    SERVICE_PRINCIPAL = "servicePrincipal"
    MANAGED_IDENTITY = "managedIdentity"
    UNKNOWN_PRINCIPAL = "unknownPrincipal"
    ROOT = "root"
    MANAGEMENT_GROUP = "managementGroup"
    SUBSCRIPTION = "subscription"
    RESOURCE_GROUP = "resourceGroup"
    RESOURCE = "resource"

    @property
    def is_principal(self) -> bool:
        return self in _PRINCIPAL_KINDS

    @property
    def is_scope(self) -> bool:
        return self in _SCOPE_KINDS


_PRINCIPAL_KINDS = frozenset(
    {
        NodeKind.USER,
        NodeKind.GUEST,
        NodeKind.GROUP,
        NodeKind.SERVICE_PRINCIPAL,
        NodeKind.MANAGED_IDENTITY,
        NodeKind.UNKNOWN_PRINCIPAL,
    }
)
_SCOPE_KINDS = frozenset(
    {NodeKind.ROOT, NodeKind.MANAGEMENT_GROUP, NodeKind.SUBSCRIPTION, NodeKind.RESOURCE_GROUP}
)


class EdgeKind(StrEnum):
    CONTAINS = "contains"  # scope -> child scope or resource; parent resource -> child
    HAS_IDENTITY = "hasIdentity"  # resource -> the principal it runs as
    MEMBER_OF = "memberOf"  # member -> group (the member inherits the group's roles)
    PUBLIC_ACCESS = "publicAccess"  # Internet -> resource whose network is open
    DATA_FLOW = "dataFlow"  # data store -> AI resource that reads it
    CONTROL = "control"  # can write role assignments at the scope (grant itself anything)
    MANAGE_KEYS = "manageKeys"  # listKeys: the key is full data access
    USE_AI = "useAI"  # data-plane inference on an AI account
    READ_DATA = "readData"
    WRITE_DATA = "writeData"
    READ_SECRETS = "readSecrets"
    MODIFY_SAFETY = "modifySafety"  # deployments/raiPolicies write: content filters, models
    RUN_AS = "runAs"  # run code on a compute, acting as the compute's identity
    ASSIGN_IDENTITY = "assignIdentity"  # attach a user-assigned identity to compute
    ADD_CREDENTIAL = "addCredential"  # Entra role that can add a secret to any application

    @property
    def is_capability(self) -> bool:
        return self in CAPABILITIES


CAPABILITIES = frozenset(
    {
        EdgeKind.CONTROL,
        EdgeKind.MANAGE_KEYS,
        EdgeKind.USE_AI,
        EdgeKind.READ_DATA,
        EdgeKind.WRITE_DATA,
        EdgeKind.READ_SECRETS,
        EdgeKind.MODIFY_SAFETY,
        EdgeKind.RUN_AS,
        EdgeKind.ASSIGN_IDENTITY,
    }
)


@dataclass(slots=True)
class Node:
    key: str  # lower-case ARM id, principal object id, or "internet"
    kind: NodeKind
    name: str
    rtype: str = ""  # lower-case ARM type for resources and scopes
    ai: bool = False
    ai_linked: bool = False
    password_credential: bool = False  # service principals with a client secret
    certificate_credential: bool = False
    external: bool = False  # foreign principal (app from another tenant)
    resource_id: str = ""  # ARM id as Azure spelled it

    @property
    def label(self) -> str:
        return f"{self.kind.value} {self.name}"


@dataclass(slots=True)  # not frozen: frozen __init__ is several times slower at 1M edges
class Edge:
    kind: EdgeKind
    what: str  # the setting, or what the role permits, in words
    role: str = ""
    scope: str = ""  # the scope the role was granted at
    assignment_id: str = ""
    inherited: bool = False
    conditional: bool = False
    eligible: bool = False
    setting: str = ""  # "properties.publicNetworkAccess=Enabled" for setting-made edges
    guard: str = ""  # PUBLIC_ACCESS: what still authenticates callers ("keys", "entra", ...)

    @property
    def why(self) -> str:
        """The role or setting that creates the edge (composed on demand: most edges of a big
        tenant are never explained)."""
        if not self.role:
            return self.what
        where = f"at {self.scope}" + (" (inherited)" if self.inherited else "")
        flags = "".join(
            f" [{f}]"
            for f, on in (("PIM-eligible", self.eligible), ("ABAC condition", self.conditional))
            if on
        )
        return f"role '{self.role}' {where} permits {self.what}{flags}"

    @property
    def cut_key(self) -> str:
        """What removing this hop means: one role assignment or one setting of one resource."""
        if self.assignment_id:
            return self.assignment_id.lower()
        return f"{self.kind.value}|{self.setting}" if self.setting else ""


class SecurityGraph:
    """A rustworkx digraph with a key index. Node and edge payloads are Node and Edge."""

    def __init__(self, inv: Inventory) -> None:
        self.inventory = inv
        self.g: rx.PyDiGraph = rx.PyDiGraph(multigraph=True)
        self.index: dict[str, int] = {}
        self.unresolved_roles: set[str] = set()
        self.admins: frozenset[str] = frozenset()
        self.control_edges: list[tuple[str, str, Edge]] = []  # (principal, scope, edge)
        # Group memberships both ways, kept apart: path searches walk them constantly.
        self.groups_of: dict[str, list[tuple[str, Edge]]] = {}  # member -> (group, edge)
        self.members_of: dict[str, list[tuple[str, Edge]]] = {}  # group -> (member, edge)
        # Resources whose exposure fact is unknown (no Internet edge drawn either way).
        self.exposure_unknown: dict[str, Fact] = {}

    # ---- construction ------------------------------------------------------------------

    def add_node(self, node: Node) -> int:
        idx = self.index.get(node.key)
        if idx is None:
            idx = self.g.add_node(node)
            self.index[node.key] = idx
        return idx

    def add_edge(self, src: str, dst: str, edge: Edge) -> None:
        self.g.add_edge(self.index[src], self.index[dst], edge)

    # ---- queries -----------------------------------------------------------------------

    def node(self, key: str) -> Node | None:
        idx = self.index.get(key.lower())
        return None if idx is None else self.g[idx]

    def nodes(self) -> Iterator[Node]:
        for idx in self.g.node_indices():
            yield self.g[idx]

    def edges(self) -> Iterator[tuple[Node, Node, Edge]]:
        for src, dst, edge in self.g.weighted_edge_list():
            yield self.g[src], self.g[dst], edge

    def out_edges(self, key: str) -> list[tuple[Node, Edge]]:
        idx = self.index.get(key)
        if idx is None:
            return []
        return [(self.g[dst], e) for _src, dst, e in self.g.out_edges(idx)]

    def in_edges(self, key: str) -> list[tuple[Node, Edge]]:
        idx = self.index.get(key)
        if idx is None:
            return []
        return [(self.g[src], e) for src, _dst, e in self.g.in_edges(idx)]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for n in self.nodes():
            out[f"node:{n.kind.value}"] = out.get(f"node:{n.kind.value}", 0) + 1
        for _s, _d, e in self.g.weighted_edge_list():
            out[f"edge:{e.kind.value}"] = out.get(f"edge:{e.kind.value}", 0) + 1
        return out


# ---------------------------------------------------------------------------------------------
# Builder


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector. Building the graph allocates millions of acyclic
    objects; each allocation burst would otherwise make the collector rescan the whole
    inventory, which doubled the build time at 1M role assignments."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_GRAPH_ATTR = "_aiposture_security_graph"


def build_graph(inv: Inventory) -> SecurityGraph:
    """The security graph of an inventory, built on first use and shared while someone holds
    it (rule selectors and rules share it through the rule context; the inventory is not changed
    after normalization).

    The inventory keeps only a weak reference: at 1M resources the graph and its attack paths
    take ~2.7 GiB, and a strong one kept them alive through report rendering, after the rules
    that need them are done (the scan's peak). A caller that wants it again later (the HTML
    report) builds it again."""
    ref = inv.__dict__.get(_GRAPH_ATTR)
    sg = ref() if isinstance(ref, weakref.ref) else None
    if isinstance(sg, SecurityGraph):
        return sg
    with gc_paused():
        sg = _build(inv)
    inv.__dict__[_GRAPH_ATTR] = weakref.ref(sg)
    return sg


def _build(inv: Inventory) -> SecurityGraph:
    sg = SecurityGraph(inv)
    pidx = permission_index(inv)
    sg.add_node(Node(INTERNET, NodeKind.INTERNET, "Internet"))
    _scopes(sg, inv)
    _resources(sg, inv)
    identity_owner = _identities(sg, inv)
    _principals(sg, inv, identity_owner)
    _memberships(sg, inv)
    _control_edges(sg, inv)
    _capability_edges(sg, inv, pidx)
    _public_edges(sg, inv)
    _data_flow_edges(sg, inv)
    _directory_edges(sg, inv)
    sg.unresolved_roles = set(pidx.unresolved_roles)
    sg.admins = _admin_set(sg, inv)
    return sg


def _scopes(sg: SecurityGraph, inv: Inventory) -> None:
    sg.add_node(Node(ROOT_SCOPE, NodeKind.ROOT, "tenant root", rtype="root", resource_id="/"))
    for name, mg in inv.management_groups.items():
        key = MG_PREFIX + name.lower()
        sg.add_node(
            Node(
                key,
                NodeKind.MANAGEMENT_GROUP,
                mg.display_name or mg.name,
                rtype=mg.type,
                resource_id=mg.id,
            )
        )
    for name, mg in inv.management_groups.items():
        key = MG_PREFIX + name.lower()
        parent = MG_PREFIX + mg.parent_name.lower() if mg.parent_name else ROOT_SCOPE
        sg.add_node(_bare_scope(parent))
        sg.add_edge(parent, key, Edge(EdgeKind.CONTAINS, "management group hierarchy"))
    for sid, sub in inv.subscriptions.items():
        key = f"/subscriptions/{sid.lower()}"
        sg.add_node(
            Node(
                key,
                NodeKind.SUBSCRIPTION,
                sub.display_name or sub.name,
                rtype="microsoft.resources/subscriptions",
                resource_id=sub.id or key,
            )
        )
        parent = MG_PREFIX + sub.mg_ancestors[0].lower() if sub.mg_ancestors else ROOT_SCOPE
        sg.add_node(_bare_scope(parent))
        sg.add_edge(parent, key, Edge(EdgeKind.CONTAINS, "subscription placement"))
    for rg in inv.resource_groups.values():
        _ensure_scope_chain(sg, rg.key)
        node = sg.node(rg.key)
        if node is not None:
            node.name = rg.name
            node.resource_id = rg.id


def _bare_scope(key: str) -> Node:
    """A scope seen only as an assignment scope or parent (not collected itself)."""
    if key == ROOT_SCOPE:
        return Node(ROOT_SCOPE, NodeKind.ROOT, "tenant root", rtype="root", resource_id="/")
    if key.startswith(MG_PREFIX):
        return Node(key, NodeKind.MANAGEMENT_GROUP, key[len(MG_PREFIX) :], rtype="mg")
    parts = key.split("/")
    if len(parts) == 3 and parts[1] == "subscriptions":
        return Node(key, NodeKind.SUBSCRIPTION, parts[2], rtype="microsoft.resources/subscriptions")
    if len(parts) == 5 and parts[3] == "resourcegroups":
        return Node(
            key, NodeKind.RESOURCE_GROUP, parts[4], rtype="microsoft.resources/resourcegroups"
        )
    return Node(key, NodeKind.RESOURCE, parts[-1], rtype=_type_of(key))


def _type_of(key: str) -> str:
    """ARM type of a resource id: provider namespace plus every type segment."""
    parts = key.split("/")
    try:
        i = parts.index("providers")
    except ValueError:
        return ""
    rest = parts[i + 1 :]
    if not rest:
        return ""
    segs = [rest[0]] + [rest[j] for j in range(1, len(rest), 2)]
    return "/".join(segs)


def _ensure_scope_chain(sg: SecurityGraph, key: str) -> None:
    """Create the subscription / resource group / parent resource nodes above `key`, linked by
    containment, when they were not collected themselves."""
    if key in sg.index:
        return
    sg.add_node(_bare_scope(key))
    parent = _parent_scope(key)
    if parent is None:
        return
    _ensure_scope_chain(sg, parent)
    sg.add_edge(parent, key, _CONTAINS)


def _parent_scope(key: str) -> str | None:
    if key == ROOT_SCOPE:
        return None
    if key.startswith(MG_PREFIX):
        return ROOT_SCOPE
    parts = key.split("/")
    if len(parts) == 3:  # /subscriptions/x: placement comes from the subscriptions collection
        return ROOT_SCOPE
    if len(parts) == 5:
        return "/".join(parts[:3])
    if len(parts) >= 9 and parts[5] == "providers":
        return "/".join(parts[:-2]) if len(parts) > 9 else "/".join(parts[:5])
    return "/".join(parts[:5]) if len(parts) > 5 else None


# Edges are never changed once built, so identical ones are shared: one containment edge for
# every resource, one capability edge per (assignment, capability) for everything below the
# scope the assignment sits at (most edges of a big tenant are inherited ones).
_CONTAINS = Edge(EdgeKind.CONTAINS, "contains")


def _resources(sg: SecurityGraph, inv: Inventory) -> None:
    for res in _all_resources(inv):
        if res.key in sg.index:
            node = sg.g[sg.index[res.key]]
            node.name, node.rtype, node.resource_id = res.name, res.type, res.id
        else:
            parent = _parent_scope(res.key)
            if parent is not None:
                _ensure_scope_chain(sg, parent)
            sg.add_node(
                Node(res.key, NodeKind.RESOURCE, res.name, rtype=res.type, resource_id=res.id)
            )
            if parent is not None:
                sg.add_edge(parent, res.key, _CONTAINS)
        node = sg.g[sg.index[res.key]]
        node.ai = inv.is_ai(res)
        node.ai_linked = inv.is_ai_linked(res.key)


def _all_resources(inv: Inventory) -> Iterable[Resource]:
    yield from inv.all_resources()
    yield from inv.other


def _identities(sg: SecurityGraph, inv: Inventory) -> dict[str, str]:
    """resource -> the principals it runs as. Returns principal id -> owning resource key (the
    resource for a system-assigned identity, the identity resource for a user-assigned one)."""
    owner: dict[str, str] = {}
    for res in _all_resources(inv):
        ident = res.identity
        if ident.principal_id:
            pid = ident.principal_id.lower()
            owner.setdefault(pid, res.key)
            _principal_node(sg, inv, pid, None, res.name)
            sg.add_edge(
                res.key,
                pid,
                Edge(EdgeKind.HAS_IDENTITY, f"system-assigned managed identity of {res.name}"),
            )
        for ua in ident.user_assigned:
            ua_key = ua.resource_id.lower()
            _ensure_scope_chain(sg, ua_key)
            ua_name = ua_key.rsplit("/", 1)[-1]
            if not ua.principal_id:
                continue
            pid = ua.principal_id.lower()
            owner[pid] = ua_key
            _principal_node(sg, inv, pid, None, ua_name)
            sg.add_edge(
                res.key,
                pid,
                Edge(EdgeKind.HAS_IDENTITY, f"user-assigned managed identity {ua_name}"),
            )
            _uami_edge(sg, ua_key, pid, ua_name)
    # Identity resources carry their own principal id: attached or not, whoever can assign
    # one gets what it can do.
    for res in inv.other:
        if isinstance(res, UserAssignedIdentity) and res.principal_id:
            owner.setdefault(res.principal_id, res.key)
            _principal_node(sg, inv, res.principal_id, None, res.name)
            _uami_edge(sg, res.key, res.principal_id, res.name)
    return owner


def _uami_edge(sg: SecurityGraph, ua_key: str, pid: str, name: str) -> None:
    if not any(e.kind is EdgeKind.HAS_IDENTITY for _n, e in sg.out_edges(ua_key)):
        sg.add_edge(ua_key, pid, Edge(EdgeKind.HAS_IDENTITY, f"identity {name} itself"))


def _principal_kind(p: Principal | None, principal_type: str | None, is_mi: bool) -> NodeKind:
    if p is not None:
        if p.kind == "user":
            return NodeKind.GUEST if p.is_guest else NodeKind.USER
        if p.kind == "group":
            return NodeKind.GROUP
        if p.kind == "managedIdentity":
            return NodeKind.MANAGED_IDENTITY
        return NodeKind.SERVICE_PRINCIPAL
    if is_mi:
        return NodeKind.MANAGED_IDENTITY
    pt = (principal_type or "").lower()
    if pt == "user":
        return NodeKind.USER
    if pt in ("group", "foreigngroup"):
        return NodeKind.GROUP
    if pt == "serviceprincipal":
        return NodeKind.SERVICE_PRINCIPAL
    return NodeKind.UNKNOWN_PRINCIPAL


def _principal_node(
    sg: SecurityGraph,
    inv: Inventory,
    pid: str,
    principal_type: str | None,
    fallback_name: str = "",
    is_mi: bool = False,
) -> None:
    if pid in sg.index:
        return
    p = inv.principals.get(pid)
    kind = _principal_kind(p, principal_type, is_mi or bool(fallback_name))
    tenant = (inv.metadata.tenant_id or "").lower()
    sg.add_node(
        Node(
            pid,
            kind,
            (p.display_name if p and p.display_name else "") or fallback_name or pid,
            password_credential=bool(p and any(c.kind == "password" for c in p.credentials)),
            certificate_credential=bool(p and any(c.kind == "certificate" for c in p.credentials)),
            external=bool(
                p
                and kind is NodeKind.SERVICE_PRINCIPAL
                and p.app_owner_tenant_id
                and tenant
                and p.app_owner_tenant_id != tenant
            ),
        )
    )


def _principals(sg: SecurityGraph, inv: Inventory, identity_owner: dict[str, str]) -> None:
    for pid in inv.principals:
        _principal_node(sg, inv, pid, None, is_mi=pid in identity_owner)
    ras = inv.role_assignments  # columnar: read the columns, no entity per assignment
    for pid, ptype in zip(ras.principal_ids, ras.principal_types, strict=True):
        if pid:
            _principal_node(sg, inv, pid, ptype)
    for el in inv.role_eligibilities:
        if el.principal_id:
            _principal_node(sg, inv, el.principal_id, None)


def _memberships(sg: SecurityGraph, inv: Inventory) -> None:
    for m in inv.group_memberships:
        _principal_node(sg, inv, m.group_id, "Group")
        _principal_node(sg, inv, m.member_id, None)
        group = sg.g[sg.index[m.group_id]]
        edge = Edge(EdgeKind.MEMBER_OF, f"member of group {group.name}")
        sg.add_edge(m.member_id, m.group_id, edge)
        sg.groups_of.setdefault(m.member_id, []).append((m.group_id, edge))
        sg.members_of.setdefault(m.group_id, []).append((m.member_id, edge))


def _control_edges(sg: SecurityGraph, inv: Inventory) -> None:
    """CONTROL edges straight from every assignment: writing role assignments at a scope means
    owning everything below it. Checked once per distinct role, not per assignment."""
    cache: dict[str, bool] = {}

    def privileged(guid: str) -> bool:
        hit = cache.get(guid)
        if hit is None:
            role = role_definition(inv, guid)
            hit = role is not None and role_permits(role, ROLE_ASSIGNMENT_WRITE)
            cache[guid] = hit
        return hit

    def add(
        pid: str, scope: str, guid: str, aid: str, ptype: str | None, cond: bool, elig: bool
    ) -> None:
        _principal_node(sg, inv, pid, ptype)
        _ensure_scope_chain(sg, scope)
        role = role_definition(inv, guid)
        edge = Edge(
            EdgeKind.CONTROL,
            "writing role assignments",
            role=role.role_name if role is not None else guid,
            scope=scope,
            assignment_id=aid,
            conditional=cond,
            eligible=elig,
        )
        sg.add_edge(pid, scope, edge)
        sg.control_edges.append((pid, scope, edge))

    ras = inv.role_assignments  # columnar: read the columns, no entity per assignment
    for row, (pid, guid) in enumerate(
        zip(ras.principal_ids, ras.role_definition_guids, strict=True)
    ):
        if pid and privileged(guid):
            condition = ras.condition_of(row)
            cond = bool(condition and condition.strip())
            add(pid, ras.scopes[row], guid, ras.id_of(row), ras.principal_types[row], cond, False)
    for el in inv.role_eligibilities:
        if el.principal_id and privileged(el.role_definition_guid):
            add(el.principal_id, el.scope, el.role_definition_guid, el.id, None, False, True)


@dataclass(frozen=True, slots=True)
class _Cap:
    kind: EdgeKind
    action: str
    data: bool
    what: str


_ACCOUNT_CAPS = (
    _Cap(EdgeKind.MANAGE_KEYS, CS_LIST_KEYS, False, "listing the account's API keys"),
    _Cap(EdgeKind.MODIFY_SAFETY, CS_DEPLOYMENT_WRITE, False, "writing model deployments"),
    _Cap(EdgeKind.MODIFY_SAFETY, CS_RAI_POLICY_WRITE, False, "writing content filters"),
    _Cap(EdgeKind.USE_AI, CS_INFERENCE, True, "calling the model (data plane)"),
)
_STORAGE_CAPS = (
    _Cap(EdgeKind.READ_DATA, BLOB_READ, True, "reading blobs"),
    _Cap(EdgeKind.WRITE_DATA, BLOB_WRITE, True, "writing blobs"),
    _Cap(EdgeKind.MANAGE_KEYS, STORAGE_LIST_KEYS, False, "listing the storage account keys"),
)
_KV_RBAC_CAPS = (_Cap(EdgeKind.READ_SECRETS, KV_SECRET_GET, True, "reading secrets"),)
_KV_POLICY_CAPS = (
    _Cap(
        EdgeKind.READ_SECRETS,
        KV_WRITE,
        False,
        "editing the vault's access policies (access-policy vault: full secret access)",
    ),
)
_SEARCH_CAPS = (
    _Cap(EdgeKind.MANAGE_KEYS, SEARCH_ADMIN_KEYS, False, "listing the search admin keys"),
    _Cap(EdgeKind.READ_DATA, SEARCH_DOCS_READ, True, "reading index documents"),
    _Cap(EdgeKind.WRITE_DATA, SEARCH_DOCS_WRITE, True, "writing index documents"),
)
_AKS_CAPS = (
    _Cap(EdgeKind.RUN_AS, AKS_ADMIN_CREDENTIAL, False, "getting cluster-admin credentials"),
    _Cap(EdgeKind.RUN_AS, AKS_RUN_COMMAND, False, "running commands in the cluster"),
)
_VM_CAPS = (_Cap(EdgeKind.RUN_AS, VM_RUN_COMMAND, False, "running commands on the VM"),)
_UAMI_CAPS = (
    _Cap(EdgeKind.ASSIGN_IDENTITY, MI_ASSIGN, False, "attaching the identity to compute"),
)
_ML_RUN = _Cap(
    EdgeKind.RUN_AS, ML_JOBS_WRITE, False, "submitting jobs that run on the workspace's compute"
)


def _caps_for(res: Resource) -> tuple[tuple[_Cap, ...], str]:
    """Capabilities worth an edge on this resource, and the key to ask permissions about."""
    if isinstance(res, CognitiveAccount):
        return _ACCOUNT_CAPS, res.key
    if isinstance(res, StorageAccount):
        return _STORAGE_CAPS, res.key
    if isinstance(res, KeyVault):
        caps = _KV_RBAC_CAPS if res.enable_rbac_authorization is True else _KV_POLICY_CAPS
        return caps, res.key
    if isinstance(res, SearchService):
        return _SEARCH_CAPS, res.key
    if isinstance(res, MLCompute) and res.identity.principal_ids:
        # Jobs are written on the workspace and run on its computes as their identity.
        return (_ML_RUN,), res.workspace_key
    if isinstance(res, AksCluster) and res.identity.principal_ids:
        return _AKS_CAPS, res.key
    if res.type == VM_TYPE and res.identity.principal_ids:
        return _VM_CAPS, res.key
    if res.type == UAMI_TYPE:
        return _UAMI_CAPS, res.key
    return (), res.key


def _capability_edges(sg: SecurityGraph, inv: Inventory, pidx: PermissionIndex) -> None:
    uami_keys = {k for k in sg.index if _type_of(k) == UAMI_TYPE}
    seen_uami: set[str] = set()
    targets: list[Resource] = list(_all_resources(inv))
    shared: dict[tuple[object, ...], Edge] = {}
    for res in targets:
        if res.type == UAMI_TYPE:
            seen_uami.add(res.key)
        caps, ask = _caps_for(res)
        _add_caps(sg, inv, pidx, res.key, caps, ask, shared)
    # User-assigned identities referenced by resources but not collected as rows.
    for key in sorted(uami_keys - seen_uami):
        _add_caps(sg, inv, pidx, key, _UAMI_CAPS, key, shared)


def _add_caps(
    sg: SecurityGraph,
    inv: Inventory,
    pidx: PermissionIndex,
    key: str,
    caps: tuple[_Cap, ...],
    ask: str,
    shared: dict[tuple[object, ...], Edge],
) -> None:
    done: set[tuple[str, EdgeKind, str]] = set()
    dst = sg.index[key] if key in sg.index else sg.add_node(_bare_scope(key))
    index = sg.index
    for cap in caps:
        for g in pidx.grants_on(ask, cap.action, data=cap.data, include_eligible=True):
            pid = g.principal_id
            mark = (pid, cap.kind, g.assignment_id)
            if not pid or mark in done:
                continue
            done.add(mark)
            src = index.get(pid)
            if src is None:
                _principal_node(sg, inv, pid, g.principal_type)
                src = index[pid]
            inherited = g.inherited or (ask != key and g.scope == ask)
            sk = (
                cap.kind,
                cap.what,
                g.role_name,
                g.scope,
                g.assignment_id,
                g.conditional,
                g.eligible,
            )
            edge = shared.get(sk) if inherited else None
            if edge is None:
                edge = Edge(
                    cap.kind,
                    cap.what,
                    role=g.role_name,
                    scope=g.scope,
                    assignment_id=g.assignment_id,
                    inherited=inherited,
                    conditional=g.conditional,
                    eligible=g.eligible,
                )
                if inherited:
                    shared[sk] = edge
            sg.g.add_edge(src, dst, edge)


def _guard(res: Resource) -> str:
    """What still authenticates callers of a public endpoint ("anonymous", "keys", "entra")."""
    if isinstance(res, BotService):
        return bot_guard(res)
    if isinstance(res, (CognitiveAccount, SearchService)):
        return "entra" if res.disable_local_auth is True else "keys+entra"
    if isinstance(res, StorageAccount):
        anonymous = res.allow_blob_public_access is not False
        shared = res.allow_shared_key_access is not False
        return "+".join(
            g for g, on in (("anonymous", anonymous), ("keys", shared), ("entra", True)) if on
        )
    if isinstance(res, ContainerRegistry):
        if res.anonymous_pull_enabled:
            return "anonymous"
        return "keys+entra" if res.admin_user_enabled else "entra"
    return "entra"  # workspaces, key vaults, AKS API servers: Entra ID tokens


def _public_edges(sg: SecurityGraph, inv: Inventory) -> None:
    """Internet -> resource exactly when the resource's exposure fact is true
    (facts/exposure.py, the fact the AIP-NET rules ask too). Unknown exposure draws no edge and
    is kept in `sg.exposure_unknown` so path rules and reports can say what was not decided."""
    for res, fact in exposed_resources(inv):
        if fact.is_unknown:
            sg.exposure_unknown[res.key] = fact
            continue
        if not fact.is_true:
            continue
        guard = _guard(res)
        sg.add_edge(
            INTERNET,
            res.key,
            Edge(
                EdgeKind.PUBLIC_ACCESS,
                f"{fact.reason}; callers authenticate with {_guard_words(guard)}",
                setting=f"{res.key}|network",
                guard=guard,
            ),
        )


def _guard_words(guard: str) -> str:
    words = {
        "anonymous": "no credential (anonymous)",
        "keys": "access keys",
        "entra": "Entra ID",
    }
    return " or ".join(words[g] for g in guard.split("+"))


def _data_flow_edges(sg: SecurityGraph, inv: Inventory) -> None:
    """Stores whose content an AI resource consumes: training data, grounding data, files."""
    seen: set[tuple[str, str]] = set()

    def flow(src: str, dst: str, why: str) -> None:
        if src == dst or (src, dst) in seen or src not in sg.index or dst not in sg.index:
            return
        seen.add((src, dst))
        sg.add_edge(src, dst, Edge(EdgeKind.DATA_FLOW, why))

    for ws in inv.workspaces.values():
        if ws.storage_account:
            flow(ws.storage_account, ws.key, f"default storage of workspace {ws.name}")
    for acc in inv.accounts.values():
        for st in acc.user_owned_storage:
            flow(st, acc.key, f"user-owned storage of account {acc.name}")
    hosts = _store_hosts(inv)
    for conn in inv.connections.values():
        host = _host(conn.target or "")
        src = hosts.get(host)
        if src:
            flow(src, conn.workspace_key, f"workspace connection {conn.name}")
    # An AI resource whose own identity reads a store consumes it (indexers, "on your data").
    for res in inv.ai_resources():
        for pid in res.identity.principal_ids:
            for dst, e in sg.out_edges(pid):
                if e.kind is EdgeKind.READ_DATA and dst.kind is NodeKind.RESOURCE:
                    flow(dst.key, res.key, f"{res.name} reads it with its identity ({e.role})")


def _directory_edges(sg: SecurityGraph, inv: Inventory) -> None:
    """Tenant-wide application administrators -> every application service principal that holds
    an Azure role: adding a client secret to it lets them act as it. Managed identities have
    no credentials to add, so they are not targets."""
    holders = [
        d
        for d in inv.directory_role_assignments
        if d.role_definition_id in APP_CREDENTIAL_ROLES and d.directory_scope_id in ("/", "")
    ]
    if not holders:
        return
    targets = [
        n
        for n in sg.nodes()
        if n.kind is NodeKind.SERVICE_PRINCIPAL
        and any(e.kind in CAPABILITIES for _d, e in sg.out_edges(n.key))
    ]
    # Holders x targets edges: each target's words made once, each holder's setting once.
    words = {sp.key: f"adding a client secret to {sp.name} and signing in as it" for sp in targets}
    for d in holders:
        pid = d.principal_id
        if not pid:
            continue
        _principal_node(sg, inv, pid, None)
        role = APP_CREDENTIAL_ROLES[d.role_definition_id]
        setting = f"directoryRole|{pid}|{d.role_definition_id}"
        for sp in targets:
            if sp.key == pid:
                continue
            sg.add_edge(
                pid,
                sp.key,
                Edge(
                    EdgeKind.ADD_CREDENTIAL,
                    words[sp.key],
                    role=role,
                    scope="/ (Entra directory)",
                    eligible=d.eligible,
                    setting=setting,
                ),
            )


def _host(url: str) -> str:
    u = url.strip().lower()
    if "://" in u:
        u = u.split("://", 1)[1]
    return u.split("/", 1)[0].split(":", 1)[0]


def _store_hosts(inv: Inventory) -> dict[str, str]:
    out: dict[str, str] = {}
    for st in inv.storage_accounts.values():
        for svc in ("blob", "dfs", "file", "queue", "table"):
            out[f"{st.name.lower()}.{svc}.core.windows.net"] = st.key
    for srch in inv.search_services.values():
        out[f"{srch.name.lower()}.search.windows.net"] = srch.key
    return out


def _admin_set(sg: SecurityGraph, inv: Inventory) -> frozenset[str]:
    """Principals that already own the tenant's scopes: anyone holding active, unconditioned
    CONTROL at a management group, subscription or the root
    (directly or through a group). Paths from them are not escalations."""
    holders: set[str] = set()
    tops = (NodeKind.ROOT, NodeKind.MANAGEMENT_GROUP, NodeKind.SUBSCRIPTION)
    for src, dst, e in sg.control_edges:
        node = sg.node(dst)
        if node is not None and node.kind in tops and not e.eligible and not e.conditional:
            holders.add(src)
    # Members (transitively) of holder groups.
    frontier = list(holders)
    while frontier:
        key = frontier.pop()
        for member, e in sg.in_edges(key):
            if e.kind is EdgeKind.MEMBER_OF and member.key not in holders:
                holders.add(member.key)
                frontier.append(member.key)
    return frozenset(holders)
