"""Scans from files for `aiposture diff OLD NEW`: an aiposture JSON report (findings only: a
report carries no resource properties or access review, so settings and access are not
compared) or anything `scan --input` reads (scanned here)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import msgspec

from aiposture.errors import InputError
from aiposture.history.record import (
    FindingState,
    ResourceState,
    ScanMeta,
    ScanRecord,
    counts,
    parse_time,
)
from aiposture.model.snapshot import read_bytes


class _Evidence(msgspec.Struct):
    path: str = ""
    value: Any = None


class _Finding(msgspec.Struct):
    fingerprint: str
    rule_id: str = ""
    title: str = ""
    severity: str = ""
    status: str = ""
    resource_id: str = ""
    resource_type: str | None = None
    resource_name: str | None = None
    suppressed: bool = False
    evidence: list[_Evidence] = []
    missing: list[str] = []


class _Tool(msgspec.Struct):
    name: str = ""
    version: str = ""


class _Source(msgspec.Struct):
    description: str = ""


class _Report(msgspec.Struct):
    findings: list[_Finding]
    tool: _Tool
    scanned_at: str = ""
    tenant_id: str | None = None
    source: _Source | None = None
    coverage: list[dict[str, Any]] = []


def read_report(path: Path) -> ScanRecord | None:
    """The scan in an aiposture JSON report, or None when the file is not one."""
    data = read_bytes(path)
    if b'"findings"' not in data[:4096] and b'"schema_version"' not in data[:4096]:
        return None
    try:
        rep = msgspec.json.decode(data, type=_Report)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply; pass an aiposture report") from None
    if rep.tool.name != "aiposture":
        return None
    when = parse_time(rep.scanned_at) or dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    findings = [
        FindingState(
            fingerprint=f.fingerprint,
            rule_id=f.rule_id,
            resource_key=f.resource_id.lower(),
            resource_name=f.resource_name or "",
            title=f.title,
            status=f.status,
            severity=f.severity,
            suppressed=f.suppressed,
            evidence=tuple((e.path, e.value) for e in f.evidence),
            missing=tuple(f.missing),
        )
        for f in rep.findings
    ]
    resources = {
        f.resource_id.lower(): ResourceState(
            f.resource_id.lower(),
            f.resource_id,
            (f.resource_type or "").lower(),
            f.resource_name or "",
            {},
        )
        for f in rep.findings
        if f.resource_id
    }
    meta = ScanMeta(
        uid=str(path),
        tenant_id=(rep.tenant_id or "").lower(),
        scanned_at=when,
        source=rep.source.description if rep.source else str(path),
        tool_version=rep.tool.version,
        config_hash="",
        resource_count=len(resources),
        counts=counts(findings),
        coverage=[
            {k: str(v) for k, v in c.items() if k in ("collection", "scope", "status", "reason")}
            for c in rep.coverage
        ],
    )
    return ScanRecord(meta, list(resources.values()), findings)
