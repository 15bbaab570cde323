"""The demo tenant exercises every network, identity and data rule (part catalog_a)."""

from __future__ import annotations

from aiposture.app import ScanResult
from aiposture.model.types import Status
from aiposture.rules.registry import all_rules

PILLARS = ("AIP-NET-", "AIP-IDN-", "AIP-DAT-")
# One tenant per demo: a tenant-wide rule can only PASS or FAIL there, not both.
TENANT_WIDE = {"AIP-IDN-010"}


def _statuses(result: ScanResult, rule_id: str) -> set[Status]:
    return {f.status for f in result.findings if f.rule.id == rule_id}


def test_catalog_ids_exist() -> None:
    ids = {r.id for r in all_rules()}
    expected = {f"AIP-NET-{i:03d}" for i in range(1, 12)}
    expected |= {f"AIP-IDN-{i:03d}" for i in range(1, 15)}
    expected |= {f"AIP-DAT-{i:03d}" for i in range(1, 9)}
    assert expected - ids == set()


def test_every_net_idn_dat_rule_passes_and_fails_in_demo(demo_result: ScanResult) -> None:
    missing = []
    for spec in all_rules():
        if not spec.id.startswith(PILLARS):
            continue
        seen = _statuses(demo_result, spec.id)
        if spec.id in TENANT_WIDE:
            if not seen & {Status.PASS, Status.FAIL}:
                missing.append((spec.id, "PASS or FAIL"))
            continue
        missing += [(spec.id, s.value) for s in (Status.PASS, Status.FAIL) if s not in seen]
    assert missing == []


def test_no_unknown_in_demo(demo_result: ScanResult) -> None:
    """Every collection of the demo is complete, so UNKNOWN would be a bug."""
    unknown = {
        (f.rule.id, f.resource_name)
        for f in demo_result.findings
        if f.rule.id.startswith(PILLARS) and f.status is Status.UNKNOWN
    }
    assert unknown == set()


def test_catalog_a_mistakes_are_found(demo_result: ScanResult) -> None:
    got = {
        (f.rule.id, f.resource_name, f.status.value)
        for f in demo_result.findings
        if f.rule.id.startswith(PILLARS)
    }
    expected = {
        ("AIP-NET-011", "snet-ml", "FAIL"),
        ("AIP-NET-011", "snet-aks-finetune", "FAIL"),
        ("AIP-NET-011", "snet-private-endpoints", "PASS"),
        ("AIP-NET-008", "aks-sandbox-finetune", "FAIL"),
        ("AIP-NET-008", "aks-contoso-inference", "PASS"),
        ("AIP-IDN-013", "aks-sandbox-finetune", "FAIL"),
        ("AIP-IDN-013", "aks-contoso-inference", "PASS"),
        ("AIP-DAT-008", "aoai-contoso-corp", "PASS"),
        ("AIP-DAT-008", "openai-playground-key", "FAIL"),
        ("AIP-DAT-008", "github-notebooks", "FAIL"),
    }
    assert expected - got == set()
    custom = {
        (f.message.split(":")[0], f.status.value)
        for f in demo_result.findings
        if f.rule.id == "AIP-IDN-011"
    }
    assert {s for _, s in custom} == {"PASS", "FAIL"}
