"""Golden files for the machine-readable formats, from a small fixed tenant and four rules.

Refresh after an intended change with: AIPOSTURE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/report
and review the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aiposture.app import ScanResult
from aiposture.report import FILE_FORMATS

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("AIPOSTURE_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("fmt", ["json", "sarif", "csv", "md"])
def test_golden(fmt: str, small_result: ScanResult) -> None:
    ext, factory = FILE_FORMATS[fmt]
    got = factory()(small_result)
    path = GOLDEN_DIR / f"report.{ext}"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(got)
    assert path.exists(), f"missing {path}: run with AIPOSTURE_UPDATE_GOLDEN=1 to create it"
    want = path.read_bytes()
    assert got.decode("utf-8") == want.decode("utf-8")


def test_golden_inputs_are_fixed(small_result: ScanResult) -> None:
    """The clock and version are injected, so two renders are byte-identical."""
    for fmt in ("json", "sarif", "csv", "md", "ocsf", "html"):
        render = FILE_FORMATS[fmt][1]()
        assert render(small_result) == render(small_result), fmt
    assert {(f.rule.id, f.resource_name, f.status.value) for f in small_result.findings} == {
        ("AIP-NET-001", "oai-prod", "PASS"),
        ("AIP-NET-001", "oai-sandbox", "FAIL"),
        ("AIP-NET-001", "oai-legacy", "PASS"),
        ("AIP-IDN-001", "oai-prod", "PASS"),
        ("AIP-IDN-001", "oai-sandbox", "FAIL"),
        ("AIP-IDN-001", "oai-legacy", "FAIL"),
        ("AIP-MDL-001", "gpt-4o", "PASS"),
        ("AIP-MDL-001", "gpt-4o-mini", "FAIL"),
        ("AIP-MON-001", "oai-prod", "PASS"),
        ("AIP-MON-001", "oai-sandbox", "FAIL"),
        ("AIP-MON-001", "oai-legacy", "UNKNOWN"),
    }
