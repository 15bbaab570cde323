"""`aiposture logs analyze` findings in the scan's file formats: SARIF 2.1.0, CSV, Markdown.

Entities come from the logs (caller UPNs, IPs, resource ids, API Management keys), so they are
attacker-influenced: SARIF message text goes through one_line and everything else through
`data`; CSV cells through csv_cell (no formulas); Markdown through report.markdown.md. A
detection that could not run is a SARIF tool-execution notification, a CSV row with status
"did not run", and a line in Markdown: never silently absent.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from aiposture import __version__
from aiposture.detect.analyze import AnalysisResult
from aiposture.detect.analyze import Finding as LogFinding
from aiposture.detect.catalog import DETECTIONS
from aiposture.detect.model import Detection
from aiposture.model.sanitize import NAME_LIMIT, csv_cell, data, one_line
from aiposture.model.types import Severity
from aiposture.report.markdown import md
from aiposture.report.sarif import LEVEL, SARIF_SCHEMA, SECURITY_SEVERITY

CSV_COLUMNS = (
    "detection",
    "title",
    "severity",
    "status",
    "entity",
    "start",
    "end",
    "value",
    "baseline",
    "score",
    "detail",
)


def _iso(f: LogFinding, which: str) -> str:
    when = f.start if which == "start" else f.end
    return when.isoformat().replace("+00:00", "Z")


def _summary(f: LogFinding) -> str:
    if f.baseline is not None:
        return f"{f.value:,.0f} against a baseline of {f.baseline:,.1f}"
    if "operation" in f.evidence:
        return f"operation {f.evidence['operation']} on {f.evidence.get('resource') or '?'}"
    if "alert_types" in f.evidence:
        return f"{f.value:,.0f} alerts: " + ", ".join(map(str, f.evidence["alert_types"]))
    if "hits" in f.evidence:
        return f"{f.evidence['hits']} of {f.evidence['requests']} requests rejected"
    return f"{f.value:,.0f}"


def _rule(det: Detection) -> dict[str, Any]:
    sev = Severity(det.severity)
    return {
        "id": det.id,
        "name": det.id.replace("-", ""),
        "shortDescription": {"text": det.title},
        "fullDescription": {"text": det.description},
        "help": {"text": det.description, "markdown": det.description},
        "defaultConfiguration": {"level": LEVEL[sev]},
        "properties": {
            "tags": ["security", "detection", *det.techniques, *det.atlas],
            "security-severity": SECURITY_SEVERITY[sev],
            "tables": list(det.tables),
        },
    }


def render_sarif(result: AnalysisResult) -> str:
    dets = {d.id: d for d in DETECTIONS}
    results = []
    for f in result.findings:
        sev = Severity(f.severity)
        results.append(
            {
                "ruleId": f.detection,
                "level": LEVEL[sev],
                "message": {
                    "text": one_line(
                        f"{f.title}: {f.entity} from {_iso(f, 'start')} to {_iso(f, 'end')}, "
                        f"{_summary(f)}"
                    )
                },
                "locations": [
                    {
                        "logicalLocations": [
                            {"fullyQualifiedName": data(f.entity, NAME_LIMIT), "kind": "entity"}
                        ]
                    }
                ],
                "partialFingerprints": {
                    "aiposture/detection/v1": data(f"{f.detection}|{f.entity}|{_iso(f, 'start')}")
                },
                "properties": {
                    "start": _iso(f, "start"),
                    "end": _iso(f, "end"),
                    "value": f.value,
                    "baseline": f.baseline,
                    "score": None if f.score is None else round(f.score, 2),
                },
            }
        )
    notes = [
        {"level": "warning", "message": {"text": one_line(f"{det} did not run: {why}")}}
        for det, why in result.skipped
    ]
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aiposture",
                        "version": __version__,
                        "informationUri": "https://github.com/aiposture/aiposture",
                        "rules": [_rule(dets[d]) for d in sorted(dets)],
                    }
                },
                "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notes}],
                "results": results,
                "properties": {"tables": result.tables},
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def render_csv(result: AnalysisResult) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    for det, why in result.skipped:
        title = next((d.title for d in DETECTIONS if d.id == det), "")
        out.writerow([det, title, "", "did not run", "", "", "", "", "", "", csv_cell(why)])
    for f in result.findings:
        out.writerow(
            [
                f.detection,
                f.title,
                f.severity,
                "alert",
                csv_cell(f.entity),
                _iso(f, "start"),
                _iso(f, "end"),
                f.value,
                "" if f.baseline is None else f.baseline,
                "" if f.score is None else round(f.score, 2),
                csv_cell(_summary(f)),
            ]
        )
    return buf.getvalue()


def render_markdown(result: AnalysisResult) -> str:
    lines = ["# aiposture log analysis", ""]
    loaded = ", ".join(f"{n:,} {t}" for t, n in sorted(result.tables.items())) or "nothing"
    lines += [f"Loaded {md(loaded)}.", ""]
    for det, why in result.skipped:
        lines.append(f"* **{det} did not run:** {md(why)}")
    if result.skipped:
        lines.append("")
    if not result.findings:
        lines.append("No detection fired.")
        return "\n".join(lines) + "\n"
    lines += [
        f"## {len(result.findings)} findings",
        "",
        "| Detection | Severity | Entity | Start (UTC) | End (UTC) | What |",
        "|---|---|---|---|---|---|",
    ]
    for f in result.findings:
        lines.append(
            f"| {f.detection} | {f.severity} | {md(f.entity)} | {_iso(f, 'start')} | "
            f"{_iso(f, 'end')} | {md(_summary(f))} |"
        )
    return "\n".join(lines) + "\n"
