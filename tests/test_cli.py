"""The real CLI in a subprocess: exit codes 0/1/2/3, one-line errors, no tracebacks."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXE = Path(sys.executable).with_name("aiposture")
SUB = "/subscriptions/33333333-3333-3333-3333-333333333333"
OPEN_ACCOUNT = {
    "id": f"{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/oai-open",
    "name": "oai-open",
    "type": "Microsoft.CognitiveServices/accounts",
    "kind": "OpenAI",
    "properties": {"publicNetworkAccess": "Enabled"},
}


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    return subprocess.run(
        [str(EXE), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert proc.stdout == ""


# ---- broken input: exactly one line naming the file, exit 2 -------------------------------


def _gz_truncated() -> bytes:
    return gzip.compress(json.dumps([OPEN_ACCOUNT] * 100).encode())[:-50]


BROKEN = {
    "invalid.json": (b'[{"id": "/x", "type": "t"},\n {"id": }]', "invalid JSON at line 2, column"),
    "truncated.json.gz": (_gz_truncated(), "corrupt or truncated gzip"),
    "shape.json": (b'{"subscriptions": []}', "not a recognised shape"),
    "scalar.json": (b"42", "neither an object nor an array"),
    "noid.json": (b'{"value": [{"type": "Microsoft.Storage/storageAccounts"}]}', "has no `id`"),
    "notype.json": (b'[{"id": "not-an-arm-id"}]', "no `type`"),
    "empty.json": (b"", "file is empty"),
    "newer.json": (
        b'{"format": "aiposture-snapshot", "schema_version": "2.0", "resources": []}',
        "newer than this aiposture supports",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_input_is_one_line_and_exit_2(tmp_path: Path, name: str) -> None:
    content, needle = BROKEN[name]
    path = tmp_path / name
    path.write_bytes(content)
    proc = run("scan", "--input", path, "--format", "json")
    assert_one_line_error(proc, str(path), needle)


def test_missing_path_and_directory_without_json(tmp_path: Path) -> None:
    assert_one_line_error(run("scan", "--input", tmp_path / "absent.json"), "absent.json")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.csv").write_text("a,b\n", encoding="utf-8")
    assert_one_line_error(run("scan", "--input", tmp_path / "d"), str(tmp_path / "d"), ".json")


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("scan").returncode == 2
    assert run("scan", "--demo", "--fail-on", "sometimes").returncode == 2
    assert run("scan", "--demo", "--format", "yaml").returncode == 2
    assert run("synth", "--resources", "0", "--output", tmp_path / "x.json").returncode == 2


# ---- exit codes 0 / 1 / 3 -------------------------------------------------------------------


def test_scan_input_json_report_and_exit_0(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"value": [OPEN_ACCOUNT]}), encoding="utf-8")
    out = tmp_path / "report.json"
    proc = run("scan", "--input", path, "--format", "json", "--output", out, "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    got = {(f["rule_id"], f["resource_name"], f["status"]) for f in doc["findings"]}
    assert ("AIP-NET-001", "oai-open", "FAIL") in got
    assert ("AIP-MON-001", "oai-open", "UNKNOWN") in got  # no diagnostic settings exported


def test_json_to_stdout(tmp_path: Path) -> None:
    proc = run("scan", "--demo", "--format", "json", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["tenant_id"] == "72f988bf-0000-4c3b-9d2a-c0a705ee0001"
    assert {"schema_version", "tool", "summary", "coverage", "inventory", "findings"} <= set(doc)


def test_fail_on(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps([OPEN_ACCOUNT]), encoding="utf-8")
    base = ("scan", "--input", path, "--format", "json", "--output", tmp_path / "r.json", "-q")
    # AIP-NET-001 is high: --fail-on high and lower trip; critical does not.
    assert run(*base, "--fail-on", "high").returncode == 1
    assert run(*base, "--fail-on", "LOW").returncode == 1
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    critical = [f for f in doc["findings"] if f["status"] == "FAIL" and f["severity"] == "critical"]
    assert run(*base, "--fail-on", "critical").returncode == (1 if critical else 0)


def test_nothing_read_exit_3(tmp_path: Path) -> None:
    path = tmp_path / "empty-list.json"
    path.write_text('{"value": []}', encoding="utf-8")
    proc = run("scan", "--input", path, "--format", "json")
    assert proc.returncode == 3, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "nothing could be read" in proc.stderr
    assert "Traceback" not in proc.stderr


# ---- synth, rules, terminal ---------------------------------------------------------------


def test_synth_then_scan(tmp_path: Path) -> None:
    out = tmp_path / "t.json.gz"
    proc = run("synth", "--resources", "300", "--seed", "5", "--output", out)
    assert proc.returncode == 0, proc.stderr
    assert "300 resources" in proc.stderr
    proc = run("scan", "--input", out, "--format", "json", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    statuses = {f["status"] for f in doc["findings"]}
    assert {"PASS", "FAIL"} <= statuses
    assert doc["summary"]["resources"]["ai"] > 0


def test_rules_json_lists_every_rule() -> None:
    proc = run("rules", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    ids = {r["id"] for r in json.loads(proc.stdout)}
    assert {"AIP-NET-001", "AIP-IDN-001", "AIP-MDL-001", "AIP-MON-003"} <= ids


def test_terminal_report_fits_100_columns() -> None:
    proc = run("scan", "--demo")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert any("AIP-MDL-001" in line for line in lines)
    assert max(len(line) for line in lines) <= 100
