"""What the store keeps of one scan, built from a ScanResult (or read back from the store).

Per resource: the normalised properties rules read, flattened to `path -> value` (the path
follows the entity fields: `network_acls.default_action`), so two scans can be compared
setting by setting without re-parsing Azure's JSON. Per finding: fingerprint, rule, status,
severity and evidence. Per AI resource: the access review (who can use, key, change or
administer it) with a note on grants that look stale. The change records read with the scan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiposture.app import ScanResult
from aiposture.model.entities import PropertyChange, Resource, ResourceChange
from aiposture.model.inventory import Inventory

# Fields every resource has that are identity, not settings.
_SKIP = frozenset({"id", "key", "name", "type", "account_key", "subscription_id", "resource_group"})
# Capabilities of the access review's questions (the use / key / change / administer).
CAPABILITY = {
    "use": "use",
    "read-keys": "key",
    "change-deployments": "change",
    "change-content-filters": "change",
    "change-network": "change",
    "grant-access": "administer",
}


@dataclass(frozen=True, slots=True)
class ScanMeta:
    uid: str
    tenant_id: str
    scanned_at: dt.datetime
    source: str
    tool_version: str
    config_hash: str
    resource_count: int
    counts: Mapping[str, Mapping[str, int]]  # {"status": {...}, "severity": {...}} of findings
    coverage: Sequence[Mapping[str, str]]
    id: int | None = None  # the store's scan number (None until stored)

    @property
    def label(self) -> str:
        when = self.scanned_at.strftime("%Y-%m-%d %H:%M")
        return f"#{self.id} ({when})" if self.id is not None else f"{self.source} ({when})"


@dataclass(frozen=True, slots=True)
class ResourceState:
    key: str
    resource_id: str
    type: str
    name: str
    props: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class FindingState:
    fingerprint: str
    rule_id: str
    resource_key: str
    resource_name: str
    title: str
    status: str
    severity: str
    suppressed: bool = False
    evidence: tuple[tuple[str, Any], ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def failing(self) -> bool:
        return self.status == "FAIL" and not self.suppressed


@dataclass(frozen=True, slots=True)
class AccessGrant:
    resource_key: str
    resource_name: str
    question: str
    principal_id: str
    principal_name: str
    principal_type: str
    role: str
    scope: str
    assignment: str
    assignment_id: str
    via_group: str = ""
    stale: str = ""

    @property
    def capability(self) -> str:
        return CAPABILITY.get(self.question, self.question)


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One configuration change: from Resource Graph (`resourcechanges`) or an Activity Log."""

    change_id: str
    target_key: str
    target_type: str
    change_type: str
    timestamp: str
    changed_by: str
    client_type: str
    operation: str
    origin: str  # resourcechanges | activitylog
    properties: tuple[PropertyChange, ...] = ()

    @property
    def when(self) -> dt.datetime | None:
        return parse_time(self.timestamp)


@dataclass
class ScanRecord:
    meta: ScanMeta
    resources: list[ResourceState] = field(default_factory=list)
    findings: list[FindingState] = field(default_factory=list)
    access: list[AccessGrant] = field(default_factory=list)
    changes: list[ChangeRecord] = field(default_factory=list)


def parse_time(value: str) -> dt.datetime | None:
    try:
        t = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


# ---- building a record -------------------------------------------------------------------------


def from_result(result: ScanResult, extra_changes: Iterable[ChangeRecord] = ()) -> ScanRecord:
    """The record of a finished scan (nothing is re-read from Azure)."""
    inv = result.inventory
    findings = [
        FindingState(
            fingerprint=f.fingerprint,
            rule_id=f.rule.id,
            resource_key=f.resource_id.lower(),
            resource_name=f.resource_name,
            title=f.rule.title,
            status=f.status.value,
            severity=f.severity.value,
            suppressed=f.suppressed,
            evidence=tuple((e.path, jsonable(e.value)) for e in f.evidence),
            missing=tuple(f.missing),
        )
        for f in result.findings
    ]
    resources = [resource_state(r) for r in _all_resources(inv)]
    grants = access_grants(inv, result.scanned_at)
    changes = [change_from_inventory(c) for c in inv.resource_changes]
    changes.extend(extra_changes)
    meta = ScanMeta(
        uid=str(uuid.uuid4()),
        tenant_id=(inv.metadata.tenant_id or "").lower(),
        scanned_at=result.scanned_at,
        source=result.source,
        tool_version=result.tool_version,
        config_hash=config_hash(result),
        resource_count=len(resources),
        counts=counts(findings),
        coverage=_coverage(inv),
    )
    return ScanRecord(meta, resources, findings, grants, changes)


def _coverage(inv: Inventory) -> list[dict[str, str]]:
    return [
        {"collection": c.collection, "scope": c.scope, "status": c.status.value, "reason": c.reason}
        for c in inv.coverage.records
    ]


def from_inventory_access(inv: Inventory, source: str) -> tuple[ScanMeta, list[AccessGrant]]:
    """The access review of an inventory now (for `access --since`), without running rules."""
    now = dt.datetime.now(dt.UTC)
    grants = access_grants(inv, now)
    meta = ScanMeta(
        uid=str(uuid.uuid4()),
        tenant_id=(inv.metadata.tenant_id or "").lower(),
        scanned_at=now,
        source=source,
        tool_version="",
        config_hash="",
        resource_count=0,
        counts={},
        coverage=_coverage(inv),
    )
    return meta, grants


def access_grants(inv: Inventory, now: dt.datetime) -> list[AccessGrant]:
    from aiposture.graph.access import access_review

    stale = _stale_reasons(inv, now)
    return [
        AccessGrant(
            resource_key=e.resource_id.lower(),
            resource_name=e.resource_name,
            question=e.question,
            principal_id=e.principal_id,
            principal_name=e.principal_name,
            principal_type=e.principal_type,
            role=e.role,
            scope=e.scope,
            assignment=e.assignment,
            assignment_id=e.assignment_id,
            via_group=e.via_group,
            stale=stale(e.principal_id),
        )
        for e in access_review(inv)
    ]


def counts(findings: Iterable[FindingState]) -> dict[str, dict[str, int]]:
    status: Counter[str] = Counter()
    severity: Counter[str] = Counter()
    for f in findings:
        status[f.status] += 1
        if f.failing:
            severity[f.severity] += 1
    return {"status": dict(sorted(status.items())), "severity": dict(sorted(severity.items()))}


def config_hash(result: ScanResult) -> str:
    """A hash of the settings that shape verdicts (two scans with different configs may differ
    for that reason alone); the config file's path is left out."""
    settings = dataclasses.replace(result.settings, source="")
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:16]


def _all_resources(inv: Inventory) -> Iterable[Resource]:
    seen: set[str] = set()
    for table in inv._tables():  # the inventory's own list of typed tables
        for r in table.values():
            if r.key not in seen:
                seen.add(r.key)
                yield r
    for r in inv.other:
        if r.key not in seen:
            seen.add(r.key)
            yield r


def resource_state(r: Resource) -> ResourceState:
    props: dict[str, Any] = {}
    _flatten(r, "", props)
    return ResourceState(key=r.key, resource_id=r.id, type=r.type, name=r.name, props=props)


def _flatten(obj: Any, prefix: str, out: dict[str, Any]) -> None:
    for f in dataclasses.fields(obj):
        if not prefix and f.name in _SKIP:
            continue
        value = getattr(obj, f.name)
        path = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            _flatten(value, path + ".", out)
        else:
            out[path] = jsonable(value)


def jsonable(value: Any) -> Any:
    """A JSON value for what entities and evidence hold (tuples, enums, nested dataclasses)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def change_from_inventory(c: ResourceChange) -> ChangeRecord:
    return ChangeRecord(
        change_id=c.id,
        target_key=c.target_key,
        target_type=c.target_type,
        change_type=c.change_type,
        timestamp=c.timestamp,
        changed_by=c.changed_by,
        client_type=c.client_type,
        operation=c.operation,
        origin="resourcechanges",
        properties=c.changes,
    )


def _stale_reasons(inv: Inventory, now: dt.datetime) -> Any:
    """principal id -> why a grant to it looks stale ("" when it does not, or when the Graph
    data needed to tell was not read: absence from an unread collection proves nothing)."""
    graph_read = all(
        inv.coverage.status(c).complete
        for c in ("graph.users", "graph.servicePrincipals", "graph.groups")
    )
    cache: dict[str, str] = {}

    def reason(pid: str) -> str:
        if pid in cache:
            return cache[pid]
        p = inv.principals.get(pid)
        out: list[str] = []
        if p is None:
            if graph_read:
                out.append("principal not in Microsoft Graph (deleted)")
        else:
            if p.account_enabled is False:
                out.append("account disabled")
            if p.is_guest:
                out.append("guest account")
            ends = [parse_time(c.end) for c in p.credentials if c.end]
            if ends and all(e is not None and e < now for e in ends):
                out.append("all credentials expired")
        cache[pid] = "; ".join(out)
        return cache[pid]

    return reason
