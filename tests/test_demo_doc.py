"""docs/demo-tenant.md says what the demo really reports: its generated section is current,
and each rule it was written for has a PASS and a FAIL on the demo tenant."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "gen_demo_findings.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_demo_findings", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_section_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_listed_rules_pass_and_fail_on_the_demo() -> None:
    gen = _generator()
    findings = gen.demo_findings()
    statuses: dict[str, set[str]] = {}
    for f in findings:
        statuses.setdefault(f["rule_id"], set()).add(f["status"])
    lacking = [r for r in gen.RULES if not {"PASS", "FAIL"} <= statuses.get(r, set())]
    assert lacking == []
    doc = gen.DOC.read_text(encoding="utf-8")
    _, body, _ = gen.split(doc)
    assert {f"### {r}:" in body for r in gen.RULES} == {True}


def test_rules_the_hand_written_sections_skip_are_listed() -> None:
    """A rule whose demo verdicts no hand-written section names lands in the generated one
    (this is how the parts merged later get documented)."""
    gen = _generator()
    rows = [
        {
            "rule_id": "AIP-NET-999",
            "title": "t",
            "status": "FAIL",
            "resource_name": "a|b",
            "resource_id": "/x",
            "resource_type": "microsoft.x/y",
            "message": "m",
        },
        {
            "rule_id": "AIP-NET-001",
            "title": "t",
            "status": "PASS",
            "resource_name": "n",
            "resource_id": "/n",
            "resource_type": "microsoft.x/y",
            "message": "m",
        },
    ]
    text = gen.render(rows, "hand-written text naming NET-001 only")
    assert "### AIP-NET-999: t" in text and "### AIP-NET-001" not in text
    assert "| FAIL | `a\\|b` | microsoft.x/y | m |" in text
