"""Shared views of a result: summary counts, AI inventory facts, sanitising text for output."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from typing import Any

from aiposture.app import ScanResult
from aiposture.facts.builtin_roles import builtin_role
from aiposture.facts.content_safety import prompt_shields
from aiposture.model.entities import (
    AksCluster,
    CognitiveAccount,
    ContainerRegistry,
    Deployment,
    KeyVault,
    MLCompute,
    MLWorkspace,
    Resource,
    RoleAssignment,
    RoleDefinition,
    RoleEligibility,
    SearchService,
    StorageAccount,
)
from aiposture.model.inventory import Inventory
from aiposture.model.redact import count_secrets, is_secret_name, may_hold_secret, redact_value
from aiposture.model.sanitize import DATA_LIMIT, TEXT_LIMIT, one_line, truncate
from aiposture.model.types import Pillar, Severity, Status
from aiposture.rules.engine import LINKED_CLASSES
from aiposture.rules.types import Finding


def clean(text: str, limit: int = TEXT_LIMIT) -> str:
    """Attacker-set text for a human: see model.sanitize.one_line."""
    return one_line(text, limit)


def evidence_value(value: Any, limit: int = TEXT_LIMIT) -> str:
    """An evidence value as compact JSON for humans: secrets masked, length bounded."""
    if isinstance(value, str) and len(value) > limit:
        value = truncate(value, limit)
    return truncate(json.dumps(redact_value(value)[0], sort_keys=True, default=str), limit)


def evidence_text(f: Finding, sep: str = "; ", assign: str = "=") -> str:
    return sep.join(f"{e.path}{assign}{evidence_value(e.value)}" for e in f.evidence)


def _secrets(value: Any) -> int:
    # Counted over what a report can show (DATA_LIMIT and a margin), so cost stays bounded.
    if not _may_hold(value):
        return 0  # the common case: no hint of a secret anywhere, so none in the window
    return count_secrets(_window(value))


def _may_hold(value: Any) -> bool:
    """Could `count_secrets` find anything in `value`: a string with a secret's hint, or a
    member whose name is a secret's (the same walk, without building anything)."""
    if type(value) is str:
        return may_hold_secret(value)
    if isinstance(value, Mapping):
        return any(
            (isinstance(k, str) and (is_secret_name(k) or may_hold_secret(k))) or _may_hold(v)
            for k, v in value.items()
        )
    if isinstance(value, (list, tuple)):
        return any(_may_hold(v) for v in value)
    return isinstance(value, str) and may_hold_secret(value)  # a str subclass


def _window(value: Any) -> Any:
    if isinstance(value, str):
        return value[: DATA_LIMIT + 512]
    if isinstance(value, dict):
        return {_window(k): _window(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_window(v) for v in value]
    return value


def redactions(result: ScanResult) -> dict[str, int]:
    """Secrets masked: when the snapshot was written, and in this report's tenant text
    (names, messages, evidence, tags, endpoints), which every renderer masks on output."""
    at_report = 0
    for f in result.findings:
        at_report += _secrets(f.resource_name) + _secrets(f.message)
        for e in f.evidence:
            if e.value is not None and not isinstance(e.value, (bool, int, float)):
                at_report += _secrets(e.value)
    for res in result.inventory.all_resources():
        if res.tags:
            at_report += _secrets(dict(res.tags))
        endpoint = getattr(res, "endpoint", None)
        if isinstance(endpoint, str):
            at_report += _secrets(endpoint)
    collected = result.inventory.metadata.redactions
    return {"collection": collected, "report": at_report, "total": collected + at_report}


_SUPPRESSED: Any = object()  # counter key next to the statuses


def summary(result: ScanResult) -> dict[str, Any]:
    # One pass over the findings (a large tenant has hundreds of thousands).
    by_status: Counter[str] = Counter()
    by_sev: Counter[str] = Counter()
    per_pillar: dict[Pillar, Counter[Any]] = {p: Counter() for p in Pillar}
    suppressed = 0
    for f in result.findings:
        status = f.status
        by_status[status.value] += 1
        is_suppressed = f.suppressed
        if status is Status.FAIL and not is_suppressed:
            by_sev[f.severity.value] += 1
        counts = per_pillar.get(f.rule.pillar)
        if is_suppressed:
            suppressed += 1
            if counts is not None:
                counts[_SUPPRESSED] += 1
        elif counts is not None:
            counts[status] += 1
    pillars: dict[str, dict[str, int]] = {}
    for p, counts in per_pillar.items():
        pillars[p.value] = {s.value: counts[s] for s in Status}
        pillars[p.value]["SUPPRESSED"] = counts[_SUPPRESSED]
    return {
        "by_status": {s.value: by_status.get(s.value, 0) for s in Status},
        "failures_by_severity": {s.value: by_sev.get(s.value, 0) for s in Severity},
        "by_pillar": pillars,
        "suppressed": suppressed,
        "rules_evaluated": len(result.rules),
        "resources": {
            "ai": len(result.inventory.ai_resources()),
            "ai_linked": len(result.inventory.ai_linked),
            "unmodeled": len(result.inventory.other),
        },
    }


def sort_findings(findings: list[Finding]) -> list[Finding]:
    order = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.PASS: 2, Status.NOT_APPLICABLE: 3}
    return sorted(
        findings,
        key=lambda f: (order[f.status], -f.severity.rank, f.rule.id, f.resource_id.lower()),
    )


def facts(res: Resource, inv: Inventory) -> dict[str, Any]:
    """Key facts of an AI or AI-linked resource for inventories."""
    if isinstance(res, CognitiveAccount):
        return {
            "public_network_access": res.public_network_access,
            "local_auth": "disabled" if res.disable_local_auth else "enabled",
            "deployments": len(inv.deployments_of(res.key)),
            "endpoint": res.endpoint,
        }
    if isinstance(res, Deployment):
        cf = res.content_filter
        return {
            "model": res.model_name,
            "version": res.model_version,
            "format": res.model_format,
            "sku": res.sku,
            "capacity": res.sku_capacity,
            "content_filter": cf.policy_name if cf else None,
            "prompt_shields": prompt_shields(res).value,
        }
    if isinstance(res, MLWorkspace):
        return {
            "public_network_access": res.public_network_access,
            "managed_network": res.managed_network_isolation,
            "storage_account": res.storage_account,
            "key_vault": res.key_vault,
            "container_registry": res.container_registry,
        }
    if isinstance(res, MLCompute):
        return {"compute_type": res.compute_type, "vm_size": res.vm_size}
    if isinstance(res, SearchService):
        return {"public_network_access": res.public_network_access, "sku": res.sku}
    if isinstance(res, AksCluster):
        return {
            "gpu_pools": [p.name for p in res.agent_pools if p.is_gpu],
            "private_cluster": res.enable_private_cluster,
        }
    if isinstance(res, StorageAccount):
        return {
            "public_network_access": res.public_network_access,
            "allow_blob_public_access": res.allow_blob_public_access,
        }
    if isinstance(res, KeyVault):
        return {"public_network_access": res.public_network_access}
    if isinstance(res, ContainerRegistry):
        return {"admin_user_enabled": res.admin_user_enabled}
    return {}


def inventory_entries(inv: Inventory) -> list[dict[str, Any]]:
    out = []
    for res in inv.all_resources():
        ai = inv.is_ai(res)
        linked = inv.is_ai_linked(res.key)
        if not (ai or linked):
            continue
        out.append(
            {
                "id": res.id,
                "name": res.name,
                "type": res.type,
                "kind": res.kind or None,
                "location": res.location or None,
                "subscription_id": res.subscription_id or None,
                "resource_group": res.resource_group or None,
                "role": "ai" if ai else "ai-linked",
                "used_by": sorted(inv.ai_linked.get(res.key, ())) if linked else [],
                "identity": {
                    "type": res.identity.type or None,
                    "principal_ids": list(res.identity.principal_ids),
                },
                "facts": facts(res, inv),
            }
        )
    out.sort(key=lambda e: (str(e["role"]), str(e["type"]), str(e["id"]).lower()))
    return out


# ---- names people read --------------------------------------------------------------------

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def looks_like_guid(text: str) -> bool:
    return bool(_GUID.match(text.strip()))


class Namer:
    """Readable names for findings whose resource is named by a GUID: a role assignment or
    PIM eligibility is "principal · role · scope", a role definition its role name, a
    subscription or management group its display name. Built once per result."""

    def __init__(self, inv: Inventory, findings: Iterable[Finding] | None = None) -> None:
        self.inv = inv
        self._by_id: dict[str, Resource] = {}
        # Role assignments are stored as columns (model/role_assignments.py): look up only the
        # ones findings name, in one pass, instead of making an entity per assignment.
        if findings is None:
            self._by_id.update((ra.key, ra) for ra in inv.role_assignments)
        else:
            wanted = (f.resource_id for f in findings if looks_like_guid(f.resource_name or ""))
            self._by_id.update(inv.role_assignments.lookup(wanted))
        for el in inv.role_eligibilities:
            self._by_id[el.key] = el
        for rd in inv.role_definitions.values():
            self._by_id[rd.key] = rd

    def principal(self, pid: str) -> str:
        p = self.inv.principals.get(pid.lower())
        if p is not None and p.display_name:
            return p.display_name
        return pid

    def role(self, guid: str) -> str:
        rd = self.inv.role_definitions.get(guid.lower()) or builtin_role(guid.lower())
        return rd.role_name if rd is not None and rd.role_name else guid

    def scope(self, scope: str) -> str:
        """An ARM scope shortened for people: "subscription Contoso Prod", "rg rg-ml (sub…)"."""
        s = scope.lower().rstrip("/")
        if not s:
            return "root (/)"
        parts = s.split("/")
        if len(parts) == 5 and parts[1] == "providers" and parts[3] == "managementgroups":
            mg = self.inv.management_groups.get(parts[4])
            name = mg.display_name if mg is not None and mg.display_name else parts[4]
            return f"management group {name}"
        if len(parts) >= 3 and parts[1] == "subscriptions":
            sub = self.inv.subscriptions.get(parts[2])
            sub_name = sub.display_name if sub is not None and sub.display_name else parts[2]
            if len(parts) == 3:
                return f"subscription {sub_name}"
            if len(parts) == 5 and parts[3] == "resourcegroups":
                return f"resource group {parts[4]} ({sub_name})"
            return f"{parts[-1]} in {sub_name}"
        return scope

    def name(self, f: Finding) -> str:
        name = f.resource_name
        if name and not looks_like_guid(name):
            return name
        res = self._by_id.get(f.resource_id.lower())
        if isinstance(res, RoleAssignment | RoleEligibility):
            guid = res.role_definition_guid
            who = self.principal(res.principal_id)
            how = " (eligible)" if isinstance(res, RoleEligibility) else ""
            return f"{who}: {self.role(guid)}{how} at {self.scope(res.scope)}"
        if isinstance(res, RoleDefinition) and res.role_name:
            return f"role {res.role_name}"
        if f.resource_type == "tenant":
            return f"tenant {name}"
        return self.scope(f.resource_id) if f.resource_id.startswith("/") else name


def readable_names(result: ScanResult) -> ScanResult:
    """The result with every finding whose resource is named by a bare GUID renamed by what
    people read (see Namer). The resource id (and so the fingerprint) is unchanged; every
    renderer (terminal, JSON, CSV, SARIF, Markdown, HTML, OCSF) shows the new name."""
    namer = Namer(result.inventory, result.findings)
    out = []
    changed = False
    for f in result.findings:
        if f.resource_name and not looks_like_guid(f.resource_name):
            out.append(f)
            continue
        better = namer.name(f)
        if better != f.resource_name:
            changed = True
            f = dc_replace(f, resource_name=better)
        out.append(f)
    return dc_replace(result, findings=out) if changed else result


def display_name(f: Finding) -> str:
    return f.resource_name or f.resource_id


# ---- gates, scope -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Gate:
    """A CI gate that tripped: the option, the findings that tripped it (worst first)."""

    option: str
    findings: tuple[Finding, ...]
    new: bool


def scope_view(result: ScanResult) -> dict[str, Any]:
    """What was assessed and what was not, by type: the linked types (storage, Key Vault, ACR)
    left out by `scope = "ai"` because no AI resource uses them, and unmodeled types."""
    inv = result.inventory
    scope = result.settings.scope
    excluded: Counter[str] = Counter()
    if scope != "all":
        for cls in LINKED_CLASSES:
            for r in inv.of_type(cls):
                if not inv.is_ai_linked(r.key):
                    excluded[r.type] += 1
    return {
        "scope": scope,
        "excluded_by_scope": dict(sorted(excluded.items())),
        "not_modeled": dict(sorted(inv.other_type_counts.items())),
    }


def rule_fix_summary(template: str) -> str:
    """A rule's fix summary for several resources: the resource placeholders read "each
    resource"; other placeholders stay visible (each resource's fix fills them)."""
    text = template.replace("<NAME>'s", "each resource's").replace("<NAME>", "each resource")
    return text.replace("<RG>", "its resource group").replace("<SUB>", "its subscription")
