"""The AI bill of materials: what AI runs in the tenant, on what, with which data and identities.

Built from the inventory (what exists) and the security graph (what each identity can do).
Plain frozen dataclasses: the report layer renders them as a terminal table, JSON or CycloneDX.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiposture.facts import databricks
from aiposture.facts.content_safety import prompt_shields
from aiposture.facts.exposure import (
    account_exposure,
    aks_exposure,
    search_exposure,
    workspace_exposure,
)
from aiposture.graph.build import CAPABILITIES, SecurityGraph
from aiposture.model.entities import (
    AksCluster,
    CognitiveAccount,
    DatabricksWorkspace,
    Deployment,
    MLCompute,
    MLWorkspace,
    Resource,
)
from aiposture.model.inventory import Inventory

_GPU = re.compile(r"(?i)^standard_n[cdvg]")


@dataclass(frozen=True, slots=True)
class BomCapability:
    kind: str  # EdgeKind value: readData, writeData, control, ...
    target_id: str
    target_name: str
    role: str
    scope: str
    inherited: bool
    eligible: bool
    conditional: bool


@dataclass(frozen=True, slots=True)
class BomIdentity:
    principal_id: str
    kind: str  # system-assigned | user-assigned
    name: str
    resource_id: str = ""  # the user-assigned identity resource
    capabilities: tuple[BomCapability, ...] = ()


@dataclass(frozen=True, slots=True)
class BomDeployment:
    id: str
    name: str
    model_name: str | None
    model_version: str | None
    model_format: str | None
    model_publisher: str | None
    sku: str
    capacity: int | None
    version_upgrade_option: str | None
    content_filter: str | None  # effective policy name
    content_filter_origin: str | None  # custom | microsoft | none | unresolved
    content_filter_mode: str | None
    prompt_shields: bool | None  # jailbreak filter enabled and blocking; None = unknown


@dataclass(frozen=True, slots=True)
class BomCompute:
    id: str
    name: str
    compute_type: str | None
    vm_size: str | None
    gpu: bool
    identities: tuple[BomIdentity, ...] = ()


@dataclass(frozen=True, slots=True)
class BomNodePool:
    name: str
    mode: str | None
    vm_size: str | None
    count: int | None
    gpu: bool


@dataclass(frozen=True, slots=True)
class BomLink:
    id: str
    name: str
    role: str  # storage | key-vault | registry | app-insights | user-owned-storage | ...
    type: str


@dataclass(frozen=True, slots=True)
class BomResource:
    id: str
    name: str
    category: str  # ai-account | workspace | hub | project | search | aks | databricks | ai-other
    type: str
    kind: str
    location: str
    subscription_id: str
    subscription_name: str
    management_groups: tuple[str, ...]
    resource_group: str
    sku: str
    public_network: bool | None
    local_auth: bool | None  # keys accepted; None = not applicable
    deployments: tuple[BomDeployment, ...] = ()
    computes: tuple[BomCompute, ...] = ()
    node_pools: tuple[BomNodePool, ...] = ()
    identities: tuple[BomIdentity, ...] = ()
    links: tuple[BomLink, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class BomStore:
    """An AI-linked data store, vault or registry."""

    id: str
    name: str
    type: str
    location: str
    subscription_id: str
    used_by: tuple[str, ...]  # ids of the AI resources using it


@dataclass(frozen=True, slots=True)
class AiBom:
    tenant_id: str
    source: str
    resources: tuple[BomResource, ...]
    stores: tuple[BomStore, ...]

    @property
    def deployment_count(self) -> int:
        return sum(len(r.deployments) for r in self.resources)


def build_bom(inv: Inventory, sg: SecurityGraph | None = None, source: str = "") -> AiBom:
    resources: list[BomResource] = []
    for acc in sorted(inv.accounts.values(), key=lambda r: r.key):
        resources.append(_account(inv, sg, acc))
    for ws in sorted(inv.workspaces.values(), key=lambda r: r.key):
        resources.append(_workspace(inv, sg, ws))
    for svc in sorted(inv.search_services.values(), key=lambda r: r.key):
        resources.append(
            _base(
                inv,
                sg,
                svc,
                "search",
                public=search_exposure(svc).value,
                local_auth=svc.disable_local_auth is not True,
            )
        )
    for aks in sorted(inv.aks_clusters.values(), key=lambda r: r.key):
        if inv.is_ai(aks):
            resources.append(_aks(inv, sg, aks))
    for res in sorted(inv.other_ai.values(), key=lambda r: r.key):
        if isinstance(res, DatabricksWorkspace):
            public = databricks.publicly_reachable(res).value
            resources.append(_base(inv, sg, res, "databricks", public=public, local_auth=None))
        elif not isinstance(res, (MLCompute, Deployment)):
            resources.append(_base(inv, sg, res, "ai-other", public=None, local_auth=None))
    stores: list[BomStore] = []
    for key in sorted(inv.ai_linked):
        store = inv.resource(key)
        if store is None:
            continue
        stores.append(
            BomStore(
                id=store.id,
                name=store.name,
                type=store.type,
                location=store.location,
                subscription_id=store.subscription_id,
                used_by=tuple(sorted(_id_of(inv, k) for k in inv.ai_linked[key])),
            )
        )
    return AiBom(
        tenant_id=inv.metadata.tenant_id or "",
        source=source,
        resources=tuple(resources),
        stores=tuple(stores),
    )


def _id_of(inv: Inventory, key: str) -> str:
    res = inv.resource(key)
    return res.id if res is not None else key


def _base(
    inv: Inventory,
    sg: SecurityGraph | None,
    res: Resource,
    category: str,
    *,
    public: bool | None,
    local_auth: bool | None,
    links: tuple[BomLink, ...] = (),
    deployments: tuple[BomDeployment, ...] = (),
    computes: tuple[BomCompute, ...] = (),
    node_pools: tuple[BomNodePool, ...] = (),
) -> BomResource:
    sub = inv.subscriptions.get(res.subscription_id)
    return BomResource(
        id=res.id,
        name=res.name,
        category=category,
        type=res.type,
        kind=res.kind,
        location=res.location,
        subscription_id=res.subscription_id,
        subscription_name=(sub.display_name or sub.name) if sub else "",
        management_groups=inv.mg_chain(res.subscription_id),
        resource_group=res.resource_group,
        sku=res.sku,
        public_network=public,
        local_auth=local_auth,
        deployments=deployments,
        computes=computes,
        node_pools=node_pools,
        identities=_identities(inv, sg, res),
        links=links,
        tags=tuple(sorted(res.tags.items())),
    )


def _identities(inv: Inventory, sg: SecurityGraph | None, res: Resource) -> tuple[BomIdentity, ...]:
    out: list[BomIdentity] = []
    ident = res.identity
    if ident.principal_id:
        pid = ident.principal_id.lower()
        out.append(BomIdentity(pid, "system-assigned", res.name, "", _caps(sg, pid)))
    for ua in ident.user_assigned:
        pid = (ua.principal_id or "").lower()
        out.append(
            BomIdentity(
                pid,
                "user-assigned",
                ua.resource_id.rsplit("/", 1)[-1],
                ua.resource_id,
                _caps(sg, pid) if pid else (),
            )
        )
    return tuple(out)


def _caps(sg: SecurityGraph | None, pid: str) -> tuple[BomCapability, ...]:
    if sg is None:
        return ()
    caps: set[BomCapability] = set()
    for dst, e in sg.out_edges(pid):
        if e.kind in CAPABILITIES:
            caps.add(
                BomCapability(
                    kind=e.kind.value,
                    target_id=dst.resource_id or dst.key,
                    target_name=dst.name,
                    role=e.role,
                    scope=e.scope,
                    inherited=e.inherited,
                    eligible=e.eligible,
                    conditional=e.conditional,
                )
            )
    return tuple(sorted(caps, key=lambda c: (c.kind, c.target_id, c.role)))


def _account(inv: Inventory, sg: SecurityGraph | None, acc: CognitiveAccount) -> BomResource:
    public = account_exposure(acc).value
    deployments = tuple(_deployment(d) for d in sorted(inv.deployments_of(acc.key), key=_k))
    links = tuple(_link(inv, key, "user-owned-storage") for key in acc.user_owned_storage if key)
    return _base(
        inv,
        sg,
        acc,
        "ai-account",
        public=public,
        local_auth=acc.disable_local_auth is not True,
        links=links,
        deployments=deployments,
    )


def _k(r: Resource) -> str:
    return r.key


def _deployment(d: Deployment) -> BomDeployment:
    cf = d.content_filter
    shields = prompt_shields(d).value
    return BomDeployment(
        id=d.id,
        name=d.name,
        model_name=d.model_name,
        model_version=d.model_version,
        model_format=d.model_format,
        model_publisher=d.model_publisher,
        sku=d.sku,
        capacity=d.sku_capacity,
        version_upgrade_option=d.version_upgrade_option,
        content_filter=cf.policy_name if cf else d.rai_policy_name,
        content_filter_origin=cf.origin if cf else None,
        content_filter_mode=cf.mode if cf else None,
        prompt_shields=shields,
    )


def _link(inv: Inventory, key: str, role: str) -> BomLink:
    res = inv.resource(key)
    if res is None:
        return BomLink(id=key, name=key.rsplit("/", 1)[-1], role=role, type="")
    return BomLink(id=res.id, name=res.name, role=role, type=res.type)


def _workspace(inv: Inventory, sg: SecurityGraph | None, ws: MLWorkspace) -> BomResource:
    category = {"hub": "hub", "project": "project"}.get(ws.kind.lower(), "workspace")
    links = tuple(
        _link(inv, key, role)
        for key, role in (
            (ws.storage_account, "storage"),
            (ws.key_vault, "key-vault"),
            (ws.container_registry, "registry"),
            (ws.application_insights, "app-insights"),
            (ws.hub_id.lower() if ws.hub_id else None, "hub"),
        )
        if key
    )
    conns = tuple(
        BomLink(id=c.id, name=c.name, role=f"connection:{(c.category or '').lower()}", type=c.type)
        for c in sorted(inv.connections.values(), key=_k)
        if c.workspace_key == ws.key
    )
    computes = tuple(
        BomCompute(
            id=c.id,
            name=c.name,
            compute_type=c.compute_type,
            vm_size=c.vm_size,
            gpu=bool(c.vm_size and _GPU.match(c.vm_size)),
            identities=_identities(inv, sg, c),
        )
        for c in sorted(inv.computes_of(ws.key), key=_k)
    )
    return _base(
        inv,
        sg,
        ws,
        category,
        public=workspace_exposure(inv, ws).value,
        local_auth=None,
        links=links + conns,
        computes=computes,
    )


def _aks(inv: Inventory, sg: SecurityGraph | None, aks: AksCluster) -> BomResource:
    pools = tuple(
        BomNodePool(p.name, p.mode, p.vm_size, p.count, p.is_gpu) for p in aks.agent_pools
    )
    return _base(
        inv,
        sg,
        aks,
        "aks",
        public=aks_exposure(aks).value,
        local_auth=aks.disable_local_accounts is not True,
        node_pools=pools,
    )
