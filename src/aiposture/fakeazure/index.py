"""The snapshot as the fake Azure sees it: rows indexed by id, parent collection, subscription,
Resource Graph table and type. Rows stay as encoded JSON and are decoded only when served, so a
100k-resource tenant costs about its JSON size in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from aiposture.model.snapshot import Snapshot

_ENC = msgspec.json.Encoder()
_DEC: msgspec.json.Decoder[Any] = msgspec.json.Decoder()

SUBSCRIPTION = "microsoft.resources/subscriptions"
RESOURCE_GROUP = "microsoft.resources/subscriptions/resourcegroups"
MANAGEMENT_GROUP = "microsoft.management/managementgroups"
CONTAINER_TYPES = {
    SUBSCRIPTION: SUBSCRIPTION,
    RESOURCE_GROUP: RESOURCE_GROUP,
    "microsoft.resources/resourcegroups": RESOURCE_GROUP,  # ARM's own spelling
    MANAGEMENT_GROUP: MANAGEMENT_GROUP,
}
AUTHORIZATION_TYPES = {
    "microsoft.authorization/roleassignments",
    "microsoft.authorization/roledefinitions",
}
POLICY_TYPES = {
    "microsoft.authorization/policyassignments",
    "microsoft.authorization/policyexemptions",
    "microsoft.authorization/policydefinitions",
    "microsoft.authorization/policysetdefinitions",
    "microsoft.policyinsights/policystates",
}
SECURITY_TYPES = {
    "microsoft.security/pricings",
    "microsoft.security/assessments",
    "microsoft.security/securescores",
}
CHANGE_TYPE = "microsoft.resources/changes"
# Child types Resource Graph does index in `resources` (everything else nested is ARM-only).
ARG_CHILD_TYPES = {
    "microsoft.machinelearningservices/workspaces/onlineendpoints",
    "microsoft.machinelearningservices/workspaces/onlineendpoints/deployments",
    "microsoft.machinelearningservices/workspaces/batchendpoints",
    "microsoft.machinelearningservices/workspaces/batchendpoints/deployments",
    "microsoft.machinelearningservices/workspaces/serverlessendpoints",
    "microsoft.sql/servers/databases",
}
# ARM's canonical casing for types whose snapshot rows may carry ARG's lower case.
CANONICAL = {
    SUBSCRIPTION: "Microsoft.Resources/subscriptions",
    RESOURCE_GROUP: "Microsoft.Resources/resourceGroups",
    "microsoft.resources/resourcegroups": "Microsoft.Resources/resourceGroups",
    MANAGEMENT_GROUP: "Microsoft.Management/managementGroups",
    "microsoft.insights/diagnosticsettings": "Microsoft.Insights/diagnosticSettings",
}


def arg_table(type_l: str, id_l: str) -> str | None:
    """The Resource Graph table a row lives in, or None when only ARM serves it."""
    if type_l == CHANGE_TYPE:
        return "resourcechanges"  # change records (Microsoft.Resources/changes)
    if type_l in CONTAINER_TYPES:
        return "resourcecontainers"
    if type_l in AUTHORIZATION_TYPES:
        return "authorizationresources"
    if type_l in POLICY_TYPES:
        return "policyresources"
    if type_l in SECURITY_TYPES:
        return "securityresources"
    if id_l.count("/providers/") > 1:
        return None  # extension resources (diagnostic settings, onboarding states, ...)
    # Tracked resources live in resource groups; subscription-level extension resources
    # (activity-log diagnostic settings, ...) are ARM-only.
    in_rg = "/resourcegroups/" in id_l
    if in_rg and (type_l.count("/") == 1 or type_l in ARG_CHILD_TYPES):
        return "resources"
    return None


def split_id(id_l: str) -> tuple[str, str]:
    """(subscription id, resource group) of a lower-cased ARM id; '' when absent."""
    parts = id_l.split("/")
    sub = parts[2] if len(parts) > 2 and parts[1] == "subscriptions" else ""
    rg = parts[4] if sub and len(parts) > 4 and parts[3] == "resourcegroups" else ""
    return sub, rg


def type_from_id(rid: str) -> str | None:
    """ARM type spelled as in the id: namespace plus every type segment after /providers/."""
    low = rid.lower()
    at = low.rfind("/providers/")
    if at < 0:
        return None
    segs = rid[at + len("/providers/") :].split("/")
    if len(segs) < 3:
        return None
    return "/".join([segs[0], *segs[1::2]])


@dataclass
class Entry:
    id_l: str
    type_l: str  # canonical table type, lower case
    sub: str
    rg: str
    table: str | None
    raw: bytes
    name: str


@dataclass
class SnapshotIndex:
    tenant_id: str
    entries: list[Entry] = field(default_factory=list)
    by_id: dict[str, Entry] = field(default_factory=dict)
    by_parent: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    by_sub_type: dict[tuple[str, str], list[Entry]] = field(
        default_factory=lambda: defaultdict(list)
    )
    by_table_type: dict[tuple[str, str], list[Entry]] = field(
        default_factory=lambda: defaultdict(list)
    )
    by_table: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    canonical: dict[str, str] = field(default_factory=dict)
    sub_mgs: dict[str, set[str]] = field(default_factory=dict)  # sub -> MG names above it
    mg_mgs: dict[str, set[str]] = field(default_factory=dict)  # MG -> itself and MGs above
    graph: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    graph_by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    graph_kind: dict[str, str] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(cls, snapshot: Snapshot) -> SnapshotIndex:
        idx = cls(tenant_id=snapshot.metadata.tenant_id or "00000000-0000-0000-0000-000000000000")
        idx.canonical.update(CANONICAL)
        for raw in snapshot.resources:
            if isinstance(raw, msgspec.Raw):
                data = bytes(raw)
                row = _DEC.decode(data)
            else:
                row = raw
                data = _ENC.encode(row)
            idx._add(row, data)
        for entries in idx.by_table.values():
            entries.sort(key=lambda e: e.id_l)
        for entries in idx.by_table_type.values():
            entries.sort(key=lambda e: e.id_l)
        for entries in idx.by_parent.values():
            entries.sort(key=lambda e: e.id_l)
        idx._graph(snapshot.graph)
        return idx

    def _add(self, row: Mapping[str, Any], data: bytes) -> None:
        rid = str(row.get("id") or "")
        rtype = str(row.get("type") or "")
        if not rid or not rtype:
            return
        id_l = rid.lower()
        tl = rtype.lower()
        tl = CONTAINER_TYPES.get(tl, tl)
        if rtype != rtype.lower():
            self.canonical.setdefault(tl, rtype)
        sub, rg = split_id(id_l)
        table = arg_table(tl, id_l)
        name = str(row.get("name") or rid.rsplit("/", 1)[-1])
        e = Entry(id_l, tl, sub, rg, table, data, name)
        self.entries.append(e)
        self.by_id[id_l] = e
        self.by_parent[id_l.rsplit("/", 1)[0]].append(e)
        if sub:
            self.by_sub_type[(sub, tl)].append(e)
        if table:
            self.by_table[table].append(e)
            self.by_table_type[(table, tl)].append(e)
        props = row.get("properties")
        props = props if isinstance(props, Mapping) else {}
        if tl == SUBSCRIPTION:
            sid = id_l.split("/")[2] if id_l.count("/") >= 2 else ""
            chain = props.get("managementGroupAncestorsChain") or []
            self.sub_mgs[sid] = {
                str(c.get("name", "")).lower() for c in chain if isinstance(c, Mapping)
            }
            tid = row.get("tenantId")
            if isinstance(tid, str) and tid:
                self.tenant_id = tid
        elif tl == MANAGEMENT_GROUP:
            details = props.get("details")
            details = details if isinstance(details, Mapping) else {}
            chain = details.get("managementGroupAncestorsChain") or []
            names = {str(c.get("name", "")).lower() for c in chain if isinstance(c, Mapping)}
            names.add(str(row.get("name") or "").lower())
            self.mg_mgs[str(row.get("name") or "").lower()] = names

    def _graph(self, graph: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
        kinds = {
            "users": "user",
            "servicePrincipals": "servicePrincipal",
            "groups": "group",
            "applications": "application",
        }
        for name, objs in graph.items():
            items = [dict(o) for o in objs]
            self.graph[name] = items
            kind = kinds.get(name)
            for o in items:
                oid = str(o.get("id") or "").lower()
                if kind and oid:
                    self.graph_by_id[oid] = o
                    self.graph_kind[oid] = kind
        for link in self.graph.get("groupMembers", []):
            gid = str(link.get("groupId") or "").lower()
            mid = str(link.get("memberId") or "")
            if gid and mid:
                self.members[gid].append(mid)

    # ---- shapes ------------------------------------------------------------------------------

    def arm_type(self, e: Entry, row_type: str, rid: str) -> str:
        if row_type != row_type.lower():
            return row_type
        known = self.canonical.get(e.type_l)
        if known:
            return known
        return type_from_id(rid) or row_type

    def arm_row(self, e: Entry) -> dict[str, Any]:
        """The row as ARM GET returns it: canonical type casing."""
        row: dict[str, Any] = _DEC.decode(e.raw)
        row["type"] = self.arm_type(e, str(row.get("type") or ""), str(row.get("id") or ""))
        return row

    def arg_row(self, e: Entry) -> dict[str, Any]:
        """The row as Resource Graph returns it: lower-cased type plus its standard columns."""
        row: dict[str, Any] = _DEC.decode(e.raw)
        row["type"] = e.type_l
        row.setdefault("tenantId", self.tenant_id)
        row.setdefault("subscriptionId", e.sub)
        row.setdefault("resourceGroup", e.rg)
        if e.type_l == MANAGEMENT_GROUP:
            row["subscriptionId"] = ""
        return row

    def in_mgs(self, e: Entry, mgs: set[str]) -> bool:
        if e.sub:
            return bool(self.sub_mgs.get(e.sub, set()) & mgs)
        if e.type_l == MANAGEMENT_GROUP:
            return bool(self.mg_mgs.get(e.name.lower(), set()) & mgs)
        parts = e.id_l.split("/")
        if len(parts) > 4 and parts[2] == "microsoft.management":
            return bool(self.mg_mgs.get(parts[4], {parts[4]}) & mgs)
        return False
