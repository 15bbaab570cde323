"""CSV: one row per finding, for spreadsheets and ticket imports.

Cells go through model.sanitize.csv_cell: a cell a spreadsheet would run as a formula
(starting with = + - @, tab or carriage return) gets a leading apostrophe (OWASP CSV-injection
advice), secrets are masked, control characters shown visibly and the length bounded.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from aiposture.app import ScanResult
from aiposture.model.sanitize import ID_LIMIT, NAME_LIMIT, TEXT_LIMIT, csv_cell
from aiposture.report.baseline import state_of
from aiposture.report.views import evidence_text, sort_findings

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
# Names get the shorter display limit, ids a longer one, everything else the text limit.
_LIMITS = {
    "resource_name": NAME_LIMIT,
    "resource_group": NAME_LIMIT,
    "subscription_id": NAME_LIMIT,
    "resource_type": NAME_LIMIT,
    "resource_id": ID_LIMIT,
    # Several values, each cut at TEXT_LIMIT; spreadsheets hold 32,767 characters a cell.
    "evidence": 4 * TEXT_LIMIT,
}
_COLUMN_LIMITS = tuple(_LIMITS.get(c, TEXT_LIMIT) for c in COLUMNS)


_MULTI_LINE = tuple(c == "az_cli" for c in COLUMNS)


def cell(value: Any, limit: int = TEXT_LIMIT, *, lines: bool = False) -> str:
    """A safe spreadsheet cell: no formula, no control characters, no secret."""
    return csv_cell(value, limit, lines=lines)


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
            evidence_text(f),
            ", ".join(f.missing),
            f.remediation.summary,
            f.remediation.az_cli,
            f.fingerprint,
        )
        writer.writerow(
            [
                cell(v, lim, lines=ml)
                for v, lim, ml in zip(row, _COLUMN_LIMITS, _MULTI_LINE, strict=True)
            ]
        )
    # A BOM so Excel opens UTF-8 names correctly.
    return ("\ufeff" + buf.getvalue()).encode("utf-8", "replace")
