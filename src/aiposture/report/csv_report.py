"""CSV: one row per finding, for spreadsheets and ticket imports.

Cells that a spreadsheet would run as a formula (starting with = + - @, tab or carriage return)
get a leading apostrophe (OWASP CSV-injection advice); control characters are replaced.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from aiposture.app import ScanResult
from aiposture.report.baseline import state_of
from aiposture.report.views import clean, sort_findings

COLUMNS = (
    "rule_id",
    "title",
    "pillar",
    "severity",
    "status",
    "suppressed",
    "baseline",
    "resource_name",
    "resource_type",
    "resource_group",
    "subscription_id",
    "resource_id",
    "message",
    "evidence",
    "missing",
    "remediation",
    "az_cli",
    "fingerprint",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A safe spreadsheet cell: no formula, no control characters."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return clean(text)


def _evidence(items: list[tuple[str, Any]]) -> str:
    return "; ".join(f"{path}={json.dumps(value, sort_keys=True)}" for path, value in items)


def render_csv(result: ScanResult) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for f in sort_findings(result.findings):
        row = (
            f.rule.id,
            f.rule.title,
            f.rule.pillar.value,
            f.severity.value,
            f.status.value,
            "yes" if f.suppressed else "no",
            state_of(result, f) or "",
            f.resource_name,
            f.resource_type,
            f.resource_group,
            f.subscription_id,
            f.resource_id,
            f.message,
            _evidence([(e.path, e.value) for e in f.evidence]),
            ", ".join(f.missing),
            f.remediation.summary,
            f.remediation.az_cli,
            f.fingerprint,
        )
        writer.writerow([cell(v) for v in row])
    # A BOM so Excel opens UTF-8 names correctly.
    return ("\ufeff" + buf.getvalue()).encode("utf-8", "replace")
