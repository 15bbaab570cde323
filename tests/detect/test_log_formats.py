"""`logs analyze` findings in the scan's formats: SARIF validates against the official 2.1.0
schema and carries every finding and every detection that did not run; CSV cells cannot be
formulas; Markdown shows hostile entities as text."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sarif_kit.validate import validation_errors

from aiposture.detect.analyze import analyze
from aiposture.detect.catalog import by_id
from aiposture.report.log_findings import render_csv, render_markdown, render_sarif

HOSTILE = '=HYPERLINK("http://x")|<img src=x onerror=alert(1)>**@admin**'


def _activity(tmp_path: Path) -> Path:
    rows = [
        {
            "TimeGenerated": "2026-10-05T13:07:00Z",
            "OperationNameValue": "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION",
            "Caller": HOSTILE,
            "ActivityStatusValue": "Success",
            "CallerIpAddress": "203.0.113.9",
            "_ResourceId": "/subscriptions/s/resourcegroups/r/providers/"
            "microsoft.cognitiveservices/accounts/a",
        }
    ]
    path = tmp_path / "activity.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_sarif_validates_with_findings_and_skipped_detections(tmp_path: Path) -> None:
    result = analyze([_activity(tmp_path)], detections=[by_id("AIP-DET-005"), by_id("AIP-DET-001")])
    assert len(result.findings) == 1 and result.skipped
    doc = json.loads(render_sarif(result))
    assert validation_errors(doc) == []
    run = doc["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["AIP-DET-005"]
    assert run["results"][0]["level"] == "error"  # high
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"].split(" ")[0] for n in notes] == ["AIP-DET-001"]


def test_csv_cells_are_never_formulas_and_skips_are_rows(tmp_path: Path) -> None:
    result = analyze([_activity(tmp_path)], detections=[by_id("AIP-DET-005"), by_id("AIP-DET-001")])
    rows = list(csv.DictReader(io.StringIO(render_csv(result))))
    assert {r["status"] for r in rows} == {"alert", "did not run"}
    entity = next(r["entity"] for r in rows if r["status"] == "alert")
    assert entity.startswith("'=")


def test_markdown_shows_hostile_entities_as_text(tmp_path: Path) -> None:
    result = analyze([_activity(tmp_path)], detections=[by_id("AIP-DET-005")])
    text = render_markdown(result)
    assert "<img" not in text and "&lt;img" in text
    assert "**@admin**" not in text and "@\u200badmin" in text
    table = [line for line in text.splitlines() if line.startswith("| AIP-DET-005")]
    assert len(table) == 1 and table[0].count(" | ") == 5  # the pipe in the name is escaped
