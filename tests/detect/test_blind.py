"""Posture gaps that blind detections, on the demo tenant and on tiny tenants."""

from __future__ import annotations

from aiposture.app import load_inventory
from aiposture.collect.demo import DemoSource
from aiposture.detect.blind import blind_spots
from aiposture.detect.catalog import DETECTIONS, by_id
from root_helpers import make_inventory

SUB = "44444444-4444-4444-4444-444444444444"
ACC = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/oai"
LAW = (
    f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law"
)


def test_demo_accounts_without_request_logs_blind_the_request_detections() -> None:
    _snap, inv = load_inventory(DemoSource())
    spots = blind_spots(inv, DETECTIONS)
    by_det = {
        (s.detection, s.resource.rsplit("/", 1)[-1], s.status)
        for s in spots
        if s.detection == "AIP-DET-001"
    }
    logged = [
        a.name
        for a in inv.accounts.values()
        if any(s.workspace_id and s.sends("RequestResponse") for s in inv.diagnostics_for(a.key))
    ]
    assert logged, "the demo has an account that sends its request logs"
    assert by_det == {
        ("AIP-DET-001", "ais-contoso-chatbot", "blind"),
        ("AIP-DET-001", "oai-sandbox-playground", "blind"),
        ("AIP-DET-001", "oai-research-legacy", "blind"),
    }
    assert not any(
        s.resource.endswith("/" + logged[0]) for s in spots if s.detection == "AIP-DET-001"
    )


def _rows(categories: list[str]) -> list[dict]:
    account = {
        "id": ACC,
        "name": "oai",
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": "OpenAI",
        "location": "swedencentral",
        "properties": {},
    }
    logs = [{"category": c, "enabled": True} for c in categories]
    setting = {
        "id": f"{ACC}/providers/microsoft.insights/diagnosticSettings/to-law",
        "name": "to-law",
        "type": "Microsoft.Insights/diagnosticSettings",
        "properties": {"logs": logs, "metrics": [], "workspaceId": LAW},
    }
    return [account, setting]


def _status(rows: list[dict], complete: tuple[str, ...]) -> set[tuple[str, str]]:
    inv = make_inventory(rows, complete=complete)
    return {(s.detection, s.status) for s in blind_spots(inv, (by_id("AIP-DET-001"),))}


def test_request_logs_sent_means_not_blind() -> None:
    done = ("resources", "diagnosticSettings")
    assert _status(_rows(["RequestResponse", "Audit"]), done) == set()
    assert _status(_rows(["Audit"]), done) == {("AIP-DET-001", "blind")}


def test_unread_diagnostic_settings_are_unknown_not_blind() -> None:
    assert _status(_rows(["Audit"]), ("resources",)) == {("AIP-DET-001", "unknown")}
