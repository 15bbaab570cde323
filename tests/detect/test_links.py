"""The posture ↔ detection links name real rules and detections, both ways agree with the
detections' own data needs, and every rule appears at most once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from aiposture.detect.catalog import DETECTIONS
from aiposture.detect.links import LINKS, link_for
from aiposture.rules.registry import all_rules


def test_links_name_real_rules_and_detections() -> None:
    rules = {r.id for r in all_rules()}
    detections = {d.id for d in DETECTIONS}
    assert len({link.rule for link in LINKS}) == len(LINKS)
    for link in LINKS:
        assert link.rule in rules, link.rule
        assert set(link.watched_by) <= detections, link.rule
        assert set(link.blinds) <= detections, link.rule
        assert link.note, link.rule


def test_every_detection_is_watched_for_and_can_be_blinded() -> None:
    watched = {d for link in LINKS for d in link.watched_by}
    blinded = {d for link in LINKS for d in link.blinds}
    assert watched == {d.id for d in DETECTIONS}
    assert blinded == {d.id for d in DETECTIONS}


def test_lookup_is_case_insensitive_and_none_when_unlinked() -> None:
    link = link_for("aip-mon-003")
    assert link is not None and link.blinds == ("AIP-DET-008",)
    assert link_for("AIP-GOV-007") is None


def test_scan_json_and_rule_explanations_carry_the_links(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("aiposture")
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [str(exe), "scan", "--demo", "--format", "json", "--output", str(out)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    links = doc["detection_links"]
    failing = {f["rule_id"] for f in doc["findings"] if f["status"] in ("FAIL", "UNKNOWN")}
    assert set(links) == {r for r in failing if link_for(r) is not None}
    assert [d["id"] for d in links["AIP-MON-003"]["blinds"]] == ["AIP-DET-008"]
    proc = subprocess.run(
        [str(exe), "rules", "AIP-IDN-001"], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "Detections" in proc.stdout and "AIP-DET-009" in proc.stdout
