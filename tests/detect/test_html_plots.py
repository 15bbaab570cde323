"""The HTML page and the SVG plot per anomaly of `logs analyze`."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from aiposture.detect.analyze import analyze
from aiposture.detect.catalog import by_id
from aiposture.detect.plots import finding_svg
from aiposture.detect.render import render_html

EVIL = '<img src=x onerror="alert(1)">'
ACCOUNT = "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COGNITIVESERVICES/ACCOUNTS/OAI"
T0 = dt.datetime(2026, 10, 5, tzinfo=dt.UTC)


def _exports(tmp_path: Path) -> list[Path]:
    rows = []
    burst = T0 + dt.timedelta(days=16, hours=3)
    for h in range(3 * 168):
        hour = T0 + dt.timedelta(hours=h)
        for n in range(150 if hour == burst else 5):
            rows.append(
                {
                    "TimeGenerated": (hour + dt.timedelta(seconds=20 * n)).isoformat(),
                    "ResourceId": ACCOUNT,
                    "ResourceProvider": "MICROSOFT.COGNITIVESERVICES",
                    "Category": "RequestResponse",
                    "CallerIPAddress": "10.0.0.1",
                    "ResultSignature": "200",
                    "properties_s": json.dumps({"objectId": EVIL, "modelDeploymentName": "d"}),
                }
            )
    diag = tmp_path / "diag.jsonl"
    diag.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    act = tmp_path / "act.jsonl"
    act.write_text(
        json.dumps(
            {
                "TimeGenerated": "2026-10-06T10:00:00Z",
                "OperationNameValue": "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION",
                "Caller": EVIL,
                "ActivityStatusValue": "Success",
                "_ResourceId": ACCOUNT.lower(),
            }
        )
        + "\n",
        encoding="utf-8",
    )
    return [diag, act]


def test_html_escapes_entities_and_embeds_one_plot_per_series_finding(tmp_path: Path) -> None:
    result = analyze(_exports(tmp_path), detections=[by_id("AIP-DET-001"), by_id("AIP-DET-005")])
    assert {(f.detection, f.entity) for f in result.findings} == {
        ("AIP-DET-001", EVIL),
        ("AIP-DET-005", EVIL),
    }
    page = render_html(result)
    assert EVIL not in page
    assert "&lt;img src=x onerror=" in page
    images = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 1  # the rate anomaly has a series; the config change has none
    svg = base64.b64decode(images[0]).decode("utf-8")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "onerror" not in svg and "10.0.0.1" not in svg  # no tenant text in the plot


def test_plot_shows_value_baseline_and_the_anomalous_hour(tmp_path: Path) -> None:
    result = analyze(_exports(tmp_path), detections=[by_id("AIP-DET-001")])
    (finding,) = result.findings
    svg = finding_svg(finding)
    assert svg is not None
    ET.fromstring(svg)
    for legend in ("value per hour", "baseline (hour of week)", "anomalous"):
        assert legend in svg
    assert sum(finding.evidence["anomalous"]) == 1
