"""Compliance views (`scan --framework`): grouping by control, computed from rule metadata."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import pytest

from aiposture.app import ScanResult
from aiposture.cli.main import main
from aiposture.config import Settings, Suppression
from aiposture.rules.frameworks import FRAMEWORKS, compliance_view, control_ids
from root_helpers import run_rules

OWASP_IDS = [f"LLM{i:02d}" for i in range(1, 11)]
CATALOG_ATLAS = {
    "AML.T0051",
    "AML.T0054",
    "AML.T0024",
    "AML.T0020",
    "AML.T0070",
    "AML.T0034",
    "AML.T0029",
}


def _by_id(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in view["controls"]}


def test_framework_control_lists() -> None:
    assert [c for c, _ in FRAMEWORKS["owasp-llm"].controls] == OWASP_IDS
    assert {c for c, _ in FRAMEWORKS["atlas"].controls} >= CATALOG_ATLAS
    assert {"NS-2", "IM-1", "LT-3", "PV-2", "AI-1", "AI-2"} <= {
        c for c, _ in FRAMEWORKS["mcsb"].controls
    }


@pytest.mark.parametrize("key", sorted(FRAMEWORKS))
def test_view_on_demo_is_consistent_with_rule_metadata(key: str, demo_result: ScanResult) -> None:
    view = compliance_view(key, demo_result.rules, demo_result.findings)
    fw = FRAMEWORKS[key]
    controls = _by_id(view)
    assert [c for c, _ in fw.controls] == [c["id"] for c in view["controls"]][: len(fw.controls)]
    for spec in demo_result.rules:
        for cid in control_ids(spec, fw):  # the rule's references, or the mapping data
            assert spec.id in controls[cid]["rules"]
    for c in view["controls"]:
        fs = [f for f in demo_result.findings if f.rule.id in c["rules"]]
        assert c["fail"] == sum(1 for f in fs if f.is_failure)
        assert {x["fingerprint"] for x in c["failing_findings"]} == {
            f.fingerprint for f in fs if f.is_failure
        }
        expected = "no rule" if not c["rules"] else ("failing" if c["fail"] else "covered")
        assert c["status"] == expected
    assert sum(view["summary"].values()) == len(view["controls"])


def test_mcsb_ai_domain_has_controls_without_rules(demo_result: ScanResult) -> None:
    view = compliance_view("mcsb", demo_result.rules, demo_result.findings)
    controls = _by_id(view)
    assert controls["AI-7"]["status"] == "no rule"  # continuous AI red teaming: not a config
    assert controls["AI-2"]["status"] == "failing"  # the chatbot runs unfiltered


ACC = (
    "/subscriptions/00000000-0000-0000-0000-00000000f001/resourceGroups/rg/providers/"
    "Microsoft.CognitiveServices/accounts/oai"
)
ACCOUNT = {
    "id": ACC,
    "name": "oai",
    "type": "Microsoft.CognitiveServices/accounts",
    "kind": "OpenAI",
    "properties": {"publicNetworkAccess": "Disabled", "disableLocalAuth": True},
}
DEPLOYMENT = {
    "id": f"{ACC}/deployments/chat",
    "name": "chat",
    "type": "Microsoft.CognitiveServices/accounts/deployments",
    "sku": {"name": "Standard", "capacity": 5},
    "properties": {
        "model": {"format": "OpenAI", "name": "gpt-4o"},
        "raiPolicyName": "Microsoft.Nil",
    },
}


def test_suppressed_failures_do_not_fail_a_control() -> None:
    rows = [ACCOUNT, DEPLOYMENT]
    complete = ("resources", "deployments", "raiPolicies")
    r = run_rules(rows, complete=complete)
    assert _by_id(compliance_view("atlas", r.rules, r.findings))["AML.T0054"]["status"] == (
        "failing"
    )
    quiet = Settings(
        suppressions=(
            Suppression(rule="AIP-MDL-00[13]", resource=f"{ACC}/deployments/*", reason="lab"),
        )
    )
    r = run_rules(rows, quiet, complete=complete)
    t0054 = _by_id(compliance_view("atlas", r.rules, r.findings))["AML.T0054"]
    assert t0054["status"] == "covered"
    assert t0054["suppressed"] >= 2


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_cli_framework_json_and_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        ["scan", "--demo", "-q", "--format", "json", "--framework", "atlas"], capsys
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["compliance"]["framework"] == "atlas"
    assert {c["id"] for c in doc["compliance"]["controls"]} >= CATALOG_ATLAS
    code, out, _ = _run(["scan", "--demo", "-q", "--framework", "owasp-llm"], capsys)
    assert code == 0
    for cid in OWASP_IDS:
        assert cid in out


def test_cli_rejects_unknown_framework(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["scan", "--demo", "--framework", "nist"], capsys)
    assert code == 2
    assert "--framework" in err


MAPPED_KEYS = ["nist-ai-rmf", "iso-42001", "eu-ai-act", "cis-azure"]


@pytest.mark.parametrize("key", MAPPED_KEYS)
def test_mapped_frameworks_have_sources_and_real_rules(key: str, demo_result: ScanResult) -> None:
    """Every data mapping names its source, and every rule id or glob in it matches a rule
    (a typo would silently map a control to nothing)."""
    fw = FRAMEWORKS[key]
    assert fw.source and "http" in fw.source
    ids = [r.id for r in demo_result.rules]
    for cid, patterns, why in fw.mapping:
        assert why, cid
        for pat in patterns:
            assert any(fnmatch.fnmatchcase(i, pat) for i in ids), (key, cid, pat)
    view = compliance_view(key, demo_result.rules, demo_result.findings)
    assert view["source"] == fw.source
    assert all(c["rules"] and c["why"] for c in view["controls"])


def test_eu_ai_act_record_keeping_fails_on_demo(demo_result: ScanResult) -> None:
    view = compliance_view("eu-ai-act", demo_result.rules, demo_result.findings)
    art12 = _by_id(view)["Art. 12"]
    assert set(art12["rules"]) == {"AIP-MON-001", "AIP-MON-002", "AIP-MON-009"}
    fails = {
        f.fingerprint for f in demo_result.findings if f.rule.id in art12["rules"] and f.is_failure
    }
    assert {x["fingerprint"] for x in art12["failing_findings"]} == fails
    assert art12["status"] == ("failing" if fails else "covered")
