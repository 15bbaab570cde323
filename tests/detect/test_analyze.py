"""Offline detection over exported logs: tiny hand-made exports with known answers, and the
synthetic logs against their ground truth."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from aiposture.detect.analyze import Finding, analyze
from aiposture.detect.catalog import DETECTIONS, by_id
from aiposture.errors import InputError

ACCOUNT = "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COGNITIVESERVICES/ACCOUNTS/OAI"
AI = "/subscriptions/s/resourcegroups/rg/providers/microsoft.cognitiveservices/accounts/oai"
T0 = dt.datetime(2026, 10, 5, tzinfo=dt.UTC)  # Monday
REGENERATE = "Microsoft.CognitiveServices/accounts/regenerateKey/action"


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _diag(t: dt.datetime, caller: str, status: str = "200", deployment: str = "gpt-4o") -> dict:
    return {
        "TimeGenerated": _iso(t),
        "ResourceId": ACCOUNT,
        "ResourceProvider": "MICROSOFT.COGNITIVESERVICES",
        "Category": "RequestResponse",
        "CallerIPAddress": "10.0.0.1",
        "ResultSignature": status,
        "properties_s": json.dumps({"objectId": caller, "modelDeploymentName": deployment}),
    }


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _keys(findings: list[Finding]) -> set[tuple[str, str, str]]:
    return {(f.detection, f.entity, _iso(f.start)) for f in findings}


def test_config_changes_by_non_admins_only(tmp_path: Path) -> None:
    def row(caller: str, op: str, res: str = AI, status: str = "Success") -> dict:
        return {
            "TimeGenerated": "2026-10-05T10:00:00Z",
            "OperationNameValue": op,
            "Caller": caller,
            "CallerIpAddress": "203.0.113.9",
            "ActivityStatusValue": status,
            "_ResourceId": res,
        }

    rai = "Microsoft.CognitiveServices/accounts/raiPolicies/delete"
    rows = [
        row("Admin@Contoso.example", rai),  # admin (case-insensitive)
        row("bob@contoso.example", rai, status="Start"),  # not a completed change
        row("bob@contoso.example", rai),  # the alert
        row("bob@contoso.example", "Microsoft.CognitiveServices/accounts/read"),
        row("bob@contoso.example", "Microsoft.Compute/virtualMachines/write", "/subscriptions/vm"),
        row("eve@contoso.example", "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION",
            status="Failure"),
    ]  # fmt: skip
    path = _jsonl(tmp_path / "activity.jsonl", rows)
    result = analyze([path], ["admin@contoso.example"], [by_id("AIP-DET-005")])
    assert _keys(result.findings) == {
        ("AIP-DET-005", "bob@contoso.example", "2026-10-05T10:00:00Z")
    }
    assert result.findings[0].evidence["operation"] == rai.upper()


def test_content_filter_burst_needs_count_and_share(tmp_path: Path) -> None:
    rows = []
    t = T0 + dt.timedelta(hours=10)
    for n in range(20):  # A: 12 of 20 rejected -> alert
        rows.append(_diag(t + dt.timedelta(minutes=n), "a", "400" if n < 12 else "200"))
    for n in range(10):  # B: 9 of 10 rejected, below min_hits
        rows.append(_diag(t + dt.timedelta(minutes=n), "b", "400" if n < 9 else "200"))
    for n in range(100):  # C: 12 of 100 rejected, below min_ratio
        rows.append(_diag(t + dt.timedelta(seconds=30 * n), "c", "400" if n < 12 else "200"))
    path = _jsonl(tmp_path / "diag.jsonl", rows)
    result = analyze([path], detections=[by_id("AIP-DET-004")])
    assert _keys(result.findings) == {("AIP-DET-004", "a", "2026-10-05T10:00:00Z")}
    assert result.findings[0].evidence == {"requests": 20, "hits": 12}


def test_rate_anomaly_against_the_hour_of_week_baseline(tmp_path: Path) -> None:
    """Three weeks: a steady caller (10/h) bursts once to 200; a batch caller does 300 at
    02:00 every night, which is its normal and must not alarm."""
    rows = []
    burst = T0 + dt.timedelta(days=15, hours=14)
    for h in range(3 * 168):
        hour = T0 + dt.timedelta(hours=h)
        steady = 200 if hour == burst else 10
        rows += [_diag(hour + dt.timedelta(seconds=9 * n), "steady") for n in range(steady)]
        nightly = 300 if hour.hour == 2 else 2
        rows += [_diag(hour + dt.timedelta(seconds=5 * n), "batch", deployment="emb")
                 for n in range(nightly)]  # fmt: skip
    path = _jsonl(tmp_path / "diag.jsonl", rows)
    result = analyze([path], detections=[by_id("AIP-DET-001")])
    assert _keys(result.findings) == {("AIP-DET-001", "steady", _iso(burst))}
    f = result.findings[0]
    assert (f.value, f.baseline) == (200.0, 10.0)
    idx = f.evidence["hours"].index(_iso(burst).replace("Z", "Z"))
    assert f.evidence["anomalous"][idx] is True
    assert sum(f.evidence["anomalous"]) == 1


def test_synthetic_logs_find_every_injected_anomaly_and_nothing_else(synth_dir: Path) -> None:
    truth = json.loads((synth_dir / "ground_truth.json").read_text())
    files = sorted(synth_dir.glob("*.csv"))
    result = analyze(files, truth["change_admins"])
    assert result.skipped == []

    def overlaps(f: Finding, label: dict) -> bool:
        start = dt.datetime.fromisoformat(label["start"])
        end = dt.datetime.fromisoformat(label["end"])
        return f.start < end + dt.timedelta(hours=1) and f.end > start - dt.timedelta(hours=1)

    labels = truth["anomalies"]
    for label in labels:
        assert any(
            f.detection == label["detection"] and f.entity == label["entity"] and overlaps(f, label)
            for f in result.findings
        ), label
    for f in result.findings:
        ok = any(
            overlaps(f, label)
            and (
                (f.detection, f.entity) == (label["detection"], label["entity"])
                or [f.detection, f.entity] in label["acceptable"]
            )
            for label in labels
        )
        assert ok, f"false positive: {f.detection} {f.entity} {f.start}"


def test_portal_csv_and_az_cli_json_shapes(tmp_path: Path) -> None:
    """The portal's CSV ("TimeGenerated [UTC]", US dates) and the az CLI's JSON array."""
    csv_path = tmp_path / "activity.csv"
    csv_path.write_text(
        "TimeGenerated [UTC],OperationNameValue,Caller,ActivityStatusValue,_ResourceId\n"
        '"10/5/2026, 1:07:00.000 PM",'
        f"MICROSOFT.COGNITIVESERVICES/ACCOUNTS/WRITE,x@y,Success,{AI}\n",
        encoding="utf-8",
    )
    json_path = tmp_path / "az.json"
    json_path.write_text(
        json.dumps(
            [
                {
                    "TimeGenerated": "2026-10-05T14:00:00Z",
                    "OperationNameValue": REGENERATE,
                    "Caller": "z@y",
                    "ActivityStatusValue": "Succeeded",
                    "_ResourceId": AI,
                    "Type": "AzureActivity",
                }
            ]
        ),
        encoding="utf-8",
    )
    result = analyze([csv_path, json_path], detections=[by_id("AIP-DET-005")])
    assert _keys(result.findings) == {
        ("AIP-DET-005", "x@y", "2026-10-05T13:07:00Z"),
        ("AIP-DET-005", "z@y", "2026-10-05T14:00:00Z"),
    }


def test_missing_tables_are_reported_not_silent(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "diag.jsonl", [_diag(T0, "a")])
    result = analyze([path])
    assert dict(result.skipped) == {
        "AIP-DET-003": "no ApiManagementGatewayLlmLog rows in the exports",
        "AIP-DET-005": "no AzureActivity rows in the exports",
        "AIP-DET-006": "AzureDiagnostics export has no values in column OperationName",
        "AIP-DET-007": "no StorageBlobLogs rows in the exports",
        "AIP-DET-008": "no SecurityAlert rows in the exports",
        "AIP-DET-009": "no AzureMetrics rows in the exports",
    }
    assert len(DETECTIONS) == 9


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("x.csv", "a,b\n1,2\n", "not a recognised log export"),
        ("x.jsonl", '{"TimeGenerated": \n', "cannot read as a log export"),
        ("x.txt", "hello", "unknown export format"),
    ],
)
def test_bad_exports_raise_one_clear_input_error(
    tmp_path: Path, name: str, content: str, needle: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=needle) as err:
        analyze([path])
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_defender_ai_alerts_are_deduplicated_and_grouped_per_resource(tmp_path: Path) -> None:
    """Status updates of one alert count once; non-AI alerts and alerts without a resource are
    not findings; two AI resources give two findings."""
    acct_a = "/subscriptions/s/resourcegroups/r/providers/microsoft.cognitiveservices/accounts/a"
    acct_b = "/subscriptions/s/resourcegroups/r/providers/microsoft.cognitiveservices/accounts/b"

    def alert(t: str, aid: str, kind: str, res: str, status: str = "New") -> dict[str, str]:
        return {
            "TimeGenerated": t,
            "SystemAlertId": aid,
            "AlertType": kind,
            "AlertSeverity": "Medium",
            "ResourceId": res,
            "Status": status,
        }

    jb = "AI.Azure_Jailbreak.ContentFiltering.BlockedAttempt"
    rows = [
        alert("2026-10-05T10:00:00Z", "1", jb, acct_a),
        alert("2026-10-05T10:05:00Z", "1", jb, acct_a, "InProgress"),
        alert("2026-10-05T10:20:00Z", "2", "AI.Azure_CredentialTheftAttempt", acct_a.upper()),
        alert("2026-10-05T11:00:00Z", "3", jb, acct_b),
        alert("2026-10-05T11:00:00Z", "4", "VM_SuspiciousCommandLine", acct_b),
        alert("2026-10-05T11:30:00Z", "5", jb, ""),
    ]
    path = _jsonl(tmp_path / "alerts.jsonl", rows)
    result = analyze([path], detections=[by_id("AIP-DET-008")])
    got = {(f.entity, f.value, tuple(f.evidence["alert_types"])) for f in result.findings}
    assert got == {
        (acct_a.upper(), 2.0, ("AI.Azure_CredentialTheftAttempt", jb)),
        (acct_b.upper(), 1.0, (jb,)),
    }
