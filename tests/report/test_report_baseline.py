"""Baselines: new / unchanged / resolved by fingerprint, and --fail-on-new in the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_tenants import result_for, small_coverage, small_rows, snapshot

from aiposture.app import ScanResult
from aiposture.cli.main import main
from aiposture.errors import InputError
from aiposture.model.types import Severity
from aiposture.report import FILE_FORMATS
from aiposture.report.baseline import (
    apply_baseline,
    load_baseline,
    new_failures,
    state_of,
    tenant_mismatch,
)
from aiposture.report.sarif import sarif_dict


def _write_json(result: ScanResult, path: Path) -> Path:
    path.write_bytes(FILE_FORMATS["json"][1]()(result))
    return path


def _states(result: ScanResult) -> set[tuple[str, str, str, str | None]]:
    return {
        (f.rule.id, f.resource_name, f.status.value, state_of(result, f)) for f in result.findings
    }


def test_same_scan_is_all_unchanged(small_result: ScanResult, tmp_path: Path) -> None:
    base = _write_json(small_result, tmp_path / "base.json")
    later = result_for(snapshot(small_rows(), small_coverage()))
    comparison = apply_baseline(later, base)
    assert {s for *_, s in _states(later)} == {"unchanged"}
    assert comparison["counts"] == {"new": 0, "unchanged": 11, "resolved": 0, "new_failures": 0}
    assert new_failures(later) == []


def test_fixed_gone_and_new_findings(small_result: ScanResult, tmp_path: Path) -> None:
    # The baseline lacks the MDL-001 finding on gpt-4o-mini (as if that rule was added later).
    doc = json.loads(FILE_FORMATS["json"][1]()(small_result))
    doc["findings"] = [
        f
        for f in doc["findings"]
        if not (f["rule_id"] == "AIP-MDL-001" and f["resource_name"] == "gpt-4o-mini")
    ]
    base = tmp_path / "base.json"
    base.write_text(json.dumps(doc))
    # Later: oai-sandbox is fixed for network and keys, oai-legacy is deleted.
    later = result_for(snapshot(small_rows(fix_open=True, drop_legacy=True), small_coverage()))
    comparison = apply_baseline(later, base)
    assert _states(later) == {
        ("AIP-NET-001", "oai-prod", "PASS", "unchanged"),
        ("AIP-NET-001", "oai-sandbox", "PASS", "resolved"),
        ("AIP-IDN-001", "oai-prod", "PASS", "unchanged"),
        ("AIP-IDN-001", "oai-sandbox", "PASS", "resolved"),
        ("AIP-MDL-001", "gpt-4o", "PASS", "unchanged"),
        ("AIP-MDL-001", "gpt-4o-mini", "FAIL", "new"),
        ("AIP-MON-001", "oai-prod", "PASS", "unchanged"),
        ("AIP-MON-001", "oai-sandbox", "FAIL", "unchanged"),
    }
    resolved = {(r["rule_id"], r["resource_name"], r["status_now"]) for r in comparison["resolved"]}
    assert resolved == {
        ("AIP-NET-001", "oai-sandbox", "PASS"),
        ("AIP-IDN-001", "oai-sandbox", "PASS"),
        ("AIP-IDN-001", "oai-legacy", None),  # gone: the account was deleted
    }
    assert [(f.rule.id, f.resource_name) for f in new_failures(later, Severity.HIGH)] == [
        ("AIP-MDL-001", "gpt-4o-mini")
    ]
    # SARIF carries the states; the gone failure appears as an "absent" result.
    results = sarif_dict(later)["runs"][0]["results"]
    assert {(r["ruleId"], r.get("baselineState")) for r in results} == {
        ("AIP-MDL-001", "new"),
        ("AIP-MON-001", "unchanged"),
        ("AIP-IDN-001", "absent"),
    }
    # Every format renders with a baseline attached.
    for fmt, (_ext, factory) in FILE_FORMATS.items():
        assert factory()(later), fmt


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"not json", "not valid JSON"),
        (b'{"findings": 3}', "not an aiposture JSON report"),
        (b'{"findings": [{"status": "FAIL"}]}', "not an aiposture JSON report"),
        (b'{"findings": [{"fingerprint": "", "status": "FAIL"}]}', "empty fingerprint"),
    ],
)
def test_bad_baseline_is_one_line(content: bytes, what: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        load_baseline(path)
    assert what in str(err.value) and "\n" not in str(err.value)


def _cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(args)
    code = exc.value.code
    return code if isinstance(code, int) else 1


def test_cli_fail_on_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "base.json"
    assert _cli(["scan", "--demo", "-q", "--format", "json", "--output", str(base)]) == 0
    doc = json.loads(base.read_text())
    assert _cli(["scan", "--demo", "-q", "--baseline", str(base), "--fail-on-new", "low"]) == 0
    # Drop one high failure from the baseline: it is new now.
    high = next(f for f in doc["findings"] if f["status"] == "FAIL" and f["severity"] == "high")
    doc["findings"].remove(high)
    base.write_text(json.dumps(doc))
    capsys.readouterr()
    args = ["scan", "--demo", "--baseline", str(base), "--format", "json"]
    assert _cli([*args, "--output", str(tmp_path / "r.json"), "--fail-on-new", "high"]) == 1
    assert "1 new failing finding(s)" in capsys.readouterr().err
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["baseline"]["states"][high["fingerprint"]] == "new"
    assert report["baseline"]["counts"]["new_failures"] == 1
    assert _cli([*args, "--output", str(tmp_path / "r.json"), "--fail-on-new", "critical"]) == 0


def test_cli_bad_baseline_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert _cli(["scan", "--demo", "-q", "--baseline", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(bad) in err
    assert _cli(["scan", "--demo", "-q", "--fail-on-new", "high"]) == 2


def test_baseline_from_another_tenant_warns(small_result: ScanResult, tmp_path: Path) -> None:
    doc = json.loads(FILE_FORMATS["json"][1]()(small_result))
    same = tmp_path / "same.json"
    same.write_text(json.dumps(doc))
    assert tenant_mismatch(small_result, load_baseline(same)) is None
    doc["tenant_id"] = "99999999-0000-0000-0000-000000000000"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(doc))
    warning = tenant_mismatch(small_result, load_baseline(other))
    assert warning is not None and "99999999-0000-0000-0000-000000000000" in warning
