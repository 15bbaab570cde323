"""Several formats at once into an output directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiposture.cli.main import main


def test_output_dir_writes_every_format(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "scan",
                "--demo",
                "-q",
                "--format",
                "json,html,sarif,ocsf,csv,md",
                "--output-dir",
                str(out),
            ]
        )
    assert exc.value.code == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "aiposture-report.csv",
        "aiposture-report.html",
        "aiposture-report.json",
        "aiposture-report.md",
        "aiposture-report.ocsf.json",
        "aiposture-report.sarif",
    ]
    report = json.loads((out / "aiposture-report.json").read_text())
    sarif = json.loads((out / "aiposture-report.sarif").read_text())
    fails = {f["fingerprint"] for f in report["findings"] if f["status"] == "FAIL"}
    sarif_fails = {
        r["partialFingerprints"]["aiposture/v1"]
        for r in sarif["runs"][0]["results"]
        if r["kind"] == "fail"
    }
    assert sarif_fails == fails
    ocsf = json.loads((out / "aiposture-report.ocsf.json").read_text())
    assert {r["finding_info"]["uid"] for r in ocsf} == {
        f["fingerprint"] for f in report["findings"]
    }
    assert (out / "aiposture-report.html").read_text().startswith("<!DOCTYPE html>")
