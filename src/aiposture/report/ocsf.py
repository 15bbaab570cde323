"""OCSF 1.3 Detection Finding (class_uid 2004) records, one per finding, as a JSON array.

The shape follows what Prowler writes and AWS Security Lake / SIEMs ingest: the finding's verdict
is `status_code` (FAIL, PASS, UNKNOWN, NOT_APPLICABLE), the workflow state is `status_id`
(New; Suppressed when a suppression applies; Resolved when a baseline says it was fixed).
Every status is emitted, as Prowler does; consumers filter on status_code. Strings are data
(JSON-escaped), with secrets masked and lengths capped by model.sanitize.tree.
"""

from __future__ import annotations

from typing import Any

import msgspec

from aiposture.app import ScanResult
from aiposture.model.sanitize import tree
from aiposture.model.types import Severity
from aiposture.report.baseline import RESOLVED, state_of
from aiposture.report.views import sort_findings
from aiposture.rules.types import Finding

OCSF_VERSION = "1.3.0"
CLASS_UID = 2004
CATEGORY_UID = 2
ACTIVITY_CREATE = 1
TYPE_UID = CLASS_UID * 100 + ACTIVITY_CREATE

SEVERITY_ID = {
    Severity.INFO: (1, "Informational"),
    Severity.LOW: (2, "Low"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.HIGH: (4, "High"),
    Severity.CRITICAL: (5, "Critical"),
}
STATUS_NEW = (1, "New")
STATUS_SUPPRESSED = (3, "Suppressed")
STATUS_RESOLVED = (4, "Resolved")


def _status(result: ScanResult, f: Finding) -> tuple[int, str]:
    if f.suppressed:
        return STATUS_SUPPRESSED
    if state_of(result, f) == RESOLVED:
        return STATUS_RESOLVED
    return STATUS_NEW


def finding_record(result: ScanResult, f: Finding, time_ms: int, time_dt: str) -> dict[str, Any]:
    inv = result.inventory
    tenant = inv.metadata.tenant_id or ""
    res = inv.resource(f.resource_id)
    region = (res.location if res else "") or None
    tags = sorted(f"{k}:{v}" for k, v in (res.tags.items() if res else ()))
    sev_id, sev = SEVERITY_ID[f.severity]
    status_id, status = _status(result, f)
    refs = f.rule.references.as_dict()
    rem = f.remediation
    record: dict[str, Any] = {
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": TYPE_UID,
        "type_name": "Detection Finding: Create",
        "time": time_ms,
        "time_dt": time_dt,
        "severity_id": sev_id,
        "severity": sev,
        "status_id": status_id,
        "status": status,
        "status_code": f.status.value,
        "status_detail": f.message,
        "message": f"{f.rule.title}: {f.resource_name}",
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud", "datetime"],
            "event_code": f.rule.id,
            "uid": f.fingerprint,
            "tenant_uid": tenant or None,
            "product": {
                "name": "aiposture",
                "uid": "aiposture",
                "vendor_name": "aiposture",
                "version": result.tool_version,
            },
        },
        "finding_info": {
            "uid": f.fingerprint,
            "title": f.rule.title,
            "desc": f.rule.rationale,
            "types": [f.rule.pillar.label],
            "product_uid": "aiposture",
            "created_time": time_ms,
            "created_time_dt": time_dt,
            "analytic": {"uid": f.rule.id, "name": f.rule.title, "type_id": 1, "type": "Rule"},
        },
        "cloud": {
            "provider": "Azure",
            "region": region,
            "account": {"uid": f.subscription_id or None},  # the subscription
            "org": {"uid": tenant or None},
        },
        "resources": [
            {
                "uid": f.resource_id,
                "name": f.resource_name,
                "type": f.resource_type,
                "region": region,
                "group": {"name": f.resource_group or None},
                "labels": tags,
                "data": {
                    "evidence": [{"path": e.path, "value": e.value} for e in f.evidence],
                    "missing": list(f.missing),
                },
            }
        ],
        "remediation": {
            "desc": rem.summary,
            "references": [*refs["mcsb"], *(f"azure-policy:{p}" for p in refs["azure_policy"])],
        },
        "risk_details": f.rule.rationale,
        "unmapped": {
            "pillar": f.rule.pillar.value,
            "references": refs,
            "remediation": rem.as_dict(),
            "suppression": None
            if f.suppression is None
            else {
                "reason": f.suppression.reason,
                "expires": f.suppression.expires,
                "expired": f.suppression.expired,
            },
        },
    }
    scrubbed: dict[str, Any] = tree(record)
    return scrubbed


def ocsf_records(result: ScanResult) -> list[dict[str, Any]]:
    time_ms = int(result.scanned_at.timestamp() * 1000)
    time_dt = result.scanned_at.isoformat().replace("+00:00", "Z")
    return [finding_record(result, f, time_ms, time_dt) for f in sort_findings(result.findings)]


def render_ocsf(result: ScanResult) -> bytes:
    return msgspec.json.format(msgspec.json.encode(ocsf_records(result)), indent=2) + b"\n"
