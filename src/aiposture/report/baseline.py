"""Baselines: compare a scan with an earlier JSON report, finding by finding (by fingerprint).

Every current finding gets a state:
* "new"        - not in the baseline with this status (absent, or its status changed);
* "unchanged"  - in the baseline with the same status;
* "resolved"   - FAIL in the baseline and PASS or NOT_APPLICABLE now.
Baseline FAIL findings that no longer exist at all (resource deleted, rule disabled) are listed
as resolved too. An UNKNOWN that used to be a FAIL is "new", never "resolved": nobody verified
the fix.

The comparison is stored in `result.baseline`, so the JSON report carries it and every
renderer can show it (see `state_of`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from aiposture.app import ScanResult
from aiposture.errors import InputError
from aiposture.model.snapshot import read_bytes
from aiposture.model.types import Severity, Status
from aiposture.rules.types import Finding

NEW = "new"
UNCHANGED = "unchanged"
RESOLVED = "resolved"
STATES = (NEW, UNCHANGED, RESOLVED)

_RESOLVING = {Status.PASS.value, Status.NOT_APPLICABLE.value}


class BaselineFinding(msgspec.Struct, frozen=True):
    fingerprint: str
    status: str
    rule_id: str = ""
    title: str = ""
    severity: str = ""
    resource_id: str = ""
    resource_name: str = ""
    pillar: str = ""


class BaselineTool(msgspec.Struct, frozen=True):
    name: str = ""
    version: str = ""


class BaselineReport(msgspec.Struct, frozen=True):
    findings: list[BaselineFinding]
    scanned_at: str | None = None
    schema_version: str | None = None
    tenant_id: str | None = None
    tool: BaselineTool | None = None


def load_baseline(path: Path) -> BaselineReport:
    """Read an earlier `--format json` report (plain or gzip); bad input is one InputError line.

    The report must carry its identifying fields (`tool.name` aiposture, `schema_version`,
    `scanned_at`): `{"findings": []}` is not a baseline, it would mark every finding new.
    """
    hint = "pass a report written by `aiposture scan --format json`"
    try:
        data = read_bytes(path)
    except InputError as exc:
        raise InputError(f"{exc}; {hint}") from None
    try:
        report = msgspec.json.decode(data, type=BaselineReport)
    except RecursionError:
        raise InputError(f"{path}: baseline JSON is nested too deeply; {hint}") from None
    except msgspec.ValidationError as exc:
        raise InputError(f"{path}: not an aiposture JSON report ({exc}); {hint}") from None
    except msgspec.DecodeError as exc:
        raise InputError(f"{path}: baseline is not valid JSON ({exc}); {hint}") from None
    if report.findings and not all(f.fingerprint for f in report.findings):
        raise InputError(f"{path}: a baseline finding has an empty fingerprint; {hint}")
    missing = [
        name
        for name, ok in (
            ("tool.name", report.tool is not None and report.tool.name == "aiposture"),
            ("schema_version", bool(report.schema_version)),
            ("scanned_at", bool(report.scanned_at)),
        )
        if not ok
    ]
    if missing:
        raise InputError(
            f"{path}: not an aiposture JSON report (missing or wrong {', '.join(missing)}); {hint}"
        )
    return report


def compare(result: ScanResult, baseline: BaselineReport, label: str) -> dict[str, Any]:
    """The comparison as JSON-ready data (what `apply_baseline` stores)."""
    before = {f.fingerprint: f for f in baseline.findings}
    states: dict[str, str] = {}
    for f in result.findings:
        old = before.get(f.fingerprint)
        if old is None:
            states[f.fingerprint] = NEW
        elif old.status == f.status.value:
            states[f.fingerprint] = UNCHANGED
        elif old.status == Status.FAIL.value and f.status.value in _RESOLVING:
            states[f.fingerprint] = RESOLVED
        else:
            states[f.fingerprint] = NEW
    current = {f.fingerprint for f in result.findings}
    gone = sorted(
        (
            f
            for f in baseline.findings
            if f.status == Status.FAIL.value and f.fingerprint not in current
        ),
        key=lambda f: (f.rule_id, f.resource_id.lower()),
    )
    resolved_now = [f for f in result.findings if states[f.fingerprint] == RESOLVED]
    resolved = [
        {
            "fingerprint": f.fingerprint,
            "rule_id": f.rule.id,
            "title": f.rule.title,
            "severity": f.severity.value,
            "resource_id": f.resource_id,
            "resource_name": f.resource_name,
            "status_before": Status.FAIL.value,
            "status_now": f.status.value,
        }
        for f in sorted(resolved_now, key=lambda f: (f.rule.id, f.resource_id.lower()))
    ] + [
        {
            "fingerprint": f.fingerprint,
            "rule_id": f.rule_id,
            "title": f.title,
            "severity": f.severity,
            "resource_id": f.resource_id,
            "resource_name": f.resource_name,
            "status_before": f.status,
            "status_now": None,
        }
        for f in gone
    ]
    new_failures = [f for f in result.findings if f.is_failure and states[f.fingerprint] == NEW]
    return {
        "file": label,
        "scanned_at": baseline.scanned_at,
        "tenant_id": baseline.tenant_id,
        "counts": {
            NEW: sum(1 for s in states.values() if s == NEW),
            UNCHANGED: sum(1 for s in states.values() if s == UNCHANGED),
            RESOLVED: len(resolved),
            "new_failures": len(new_failures),
        },
        "states": dict(sorted(states.items())),
        "resolved": resolved,
    }


def tenant_mismatch(result: ScanResult, baseline: BaselineReport) -> str | None:
    """A warning when the baseline is another tenant's (every finding would look new)."""
    now = result.inventory.metadata.tenant_id
    if baseline.tenant_id and now and baseline.tenant_id.lower() != now.lower():
        return (
            f"the baseline is from tenant {baseline.tenant_id}, this scan is tenant {now}: "
            "findings are compared by resource id and will mostly show as new"
        )
    return None


def apply_baseline(result: ScanResult, path: Path) -> dict[str, Any]:
    """Load the baseline at `path`, compare, and store the comparison on the result."""
    comparison = compare(result, load_baseline(path), str(path))
    result.baseline = comparison
    return comparison


def state_of(result: ScanResult, f: Finding) -> str | None:
    """The baseline state of a finding, or None when the scan had no baseline."""
    comparison = result.baseline
    if not isinstance(comparison, dict):
        return None
    state = comparison.get("states", {}).get(f.fingerprint)
    return state if isinstance(state, str) else None


def resolved_entries(result: ScanResult) -> list[dict[str, Any]]:
    comparison = result.baseline
    if not isinstance(comparison, dict):
        return []
    return list(comparison.get("resolved", []))


def new_failures(result: ScanResult, at_least: Severity | None = None) -> list[Finding]:
    """Failing (unsuppressed) findings that are new against the baseline."""
    return [f for f in result.failures(at_least) if state_of(result, f) == NEW]
