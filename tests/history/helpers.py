"""Tiny scan records for the history tests (built directly: no scan needed)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from aiposture.history.record import (
    AccessGrant,
    ChangeRecord,
    FindingState,
    ResourceState,
    ScanMeta,
    ScanRecord,
    counts,
)
from aiposture.model.entities import PropertyChange

TENANT = "00000000-0000-0000-0000-0000000000aa"
ACC = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.cognitiveservices/accounts/oai"
ST = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.storage/storageaccounts/st"
T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def meta(when: dt.datetime = T0, tenant: str = TENANT) -> ScanMeta:
    return ScanMeta(
        uid=str(uuid.uuid4()),
        tenant_id=tenant,
        scanned_at=when,
        source="test",
        tool_version="0.1.0",
        config_hash="abc",
        resource_count=0,
        counts={},
        coverage=[
            {"collection": "resources", "scope": "tenant", "status": "complete", "reason": ""}
        ],
    )


def finding(rule: str, key: str, status: str, severity: str = "high") -> FindingState:
    from aiposture.rules.types import fingerprint

    return FindingState(
        fingerprint=fingerprint(rule, key),
        rule_id=rule,
        resource_key=key,
        resource_name=key.rsplit("/", 1)[-1],
        title=f"{rule} title",
        status=status,
        severity=severity,
        evidence=(("properties.x", {"a": [1, None]}),),
    )


def resource(key: str, **props: Any) -> ResourceState:
    return ResourceState(
        key, key, key.split("/providers/")[1].rsplit("/", 1)[0], key.rsplit("/", 1)[-1], props
    )


def grant(key: str, principal: str, question: str = "use", stale: str = "") -> AccessGrant:
    return AccessGrant(
        resource_key=key,
        resource_name=key.rsplit("/", 1)[-1],
        question=question,
        principal_id=principal,
        principal_name=f"name-{principal}",
        principal_type="user",
        role="Cognitive Services OpenAI User",
        scope=key,
        assignment="permanent",
        assignment_id=f"{key}/providers/microsoft.authorization/roleassignments/{principal}",
        stale=stale,
    )


def change(
    key: str,
    path: str,
    before: Any,
    after: Any,
    when: str = "2026-11-01T12:00:00Z",
    by: str = "mallory@contoso.com",
    target_type: str = "",
) -> ChangeRecord:
    return ChangeRecord(
        change_id=str(uuid.uuid4()),
        target_key=key,
        target_type=target_type or key.split("/providers/")[1].rsplit("/", 1)[0],
        change_type="Update",
        timestamp=when,
        changed_by=by,
        client_type="Azure Portal",
        operation="write",
        origin="resourcechanges",
        properties=(PropertyChange(path, before, after),),
    )


def record(
    when: dt.datetime = T0,
    resources: list[ResourceState] | None = None,
    findings: list[FindingState] | None = None,
    access: list[AccessGrant] | None = None,
    changes: list[ChangeRecord] | None = None,
) -> ScanRecord:
    fs = findings or []
    m = meta(when)
    m = ScanMeta(
        **{
            **{k: getattr(m, k) for k in m.__slots__},
            "counts": counts(fs),
            "resource_count": len(resources or []),
        }
    )
    return ScanRecord(m, resources or [], fs, access or [], changes or [])
