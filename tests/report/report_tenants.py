"""Tenants for the report tests: a small fixed one (goldens) and a hostile one.

The goldens use an explicit list of rules, so new rules or demo resources elsewhere do not
change them; only edits to these four rules (or to the renderers) do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiposture.app import GraphViews, ScanResult
from aiposture.config import Settings
from aiposture.graph.bom import build_bom
from aiposture.graph.build import build_graph
from aiposture.graph.paths import find_paths
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import Coverage, Metadata, Snapshot
from aiposture.model.types import CoverageStatus
from aiposture.rules.engine import evaluate
from aiposture.rules.registry import get_rule

GOLDEN_NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
GOLDEN_VERSION = "0.0.0-golden"
GOLDEN_RULES = ("AIP-NET-001", "AIP-IDN-001", "AIP-MDL-001", "AIP-MON-001")
TENANT = "11111111-2222-3333-4444-555555555555"
SUB_A = "aaaaaaaa-0000-0000-0000-000000000001"
SUB_B = "bbbbbbbb-0000-0000-0000-000000000002"
ACCOUNT = "Microsoft.CognitiveServices/accounts"
LAW = (
    f"/subscriptions/{SUB_A}/resourceGroups/rg-monitor/providers/"
    "Microsoft.OperationalInsights/workspaces/law-central"
)


def account(
    sub: str, rg: str, name: str, props: dict[str, Any], tags: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{ACCOUNT}/{name}",
        "name": name,
        "type": ACCOUNT,
        "kind": "OpenAI",
        "location": "swedencentral",
        "subscriptionId": sub,
        "resourceGroup": rg,
        "tags": dict(tags or {}),
        "properties": props,
    }


def deployment(parent: dict[str, Any], name: str, model: str, rai: str) -> dict[str, Any]:
    return {
        "id": f"{parent['id']}/deployments/{name}",
        "name": name,
        "type": f"{ACCOUNT}/deployments",
        "sku": {"name": "Standard", "capacity": 10},
        "properties": {
            "model": {"format": "OpenAI", "name": model, "version": "2024-08-06"},
            "raiPolicyName": rai,
        },
    }


def diagnostic(target: dict[str, Any], name: str, logs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": f"{target['id']}/providers/microsoft.insights/diagnosticSettings/{name}",
        "name": name,
        "type": "Microsoft.Insights/diagnosticSettings",
        "properties": {"workspaceId": LAW, "logs": logs, "metrics": []},
    }


def snapshot(rows: list[dict[str, Any]], coverage: list[Coverage]) -> Snapshot:
    return Snapshot(
        metadata=Metadata(tenant_id=TENANT, source="test", collected_at="2026-11-24T08:00:00Z"),
        coverage=coverage,
        resources=rows,
        graph={},
        origin="test",
    )


def result_for(snap: Snapshot, rule_ids: tuple[str, ...] = GOLDEN_RULES) -> ScanResult:
    rules = []
    for rid in rule_ids:
        spec = get_rule(rid)
        assert spec is not None, rid
        rules.append(spec)
    inv = normalize(snap)
    settings = Settings()
    findings = evaluate(inv, settings, now=GOLDEN_NOW, rules=rules)
    # What the scan keeps from its graph for the HTML report (app.scan_inventory does the same).
    sg = build_graph(inv)
    wants_paths = any(r.id.startswith("AIP-PATH-") for r in rules)
    views = GraphViews(
        paths=find_paths(sg, settings.model_admins) if wants_paths else None,
        bom=build_bom(inv, sg, "report test tenant"),
    )
    return ScanResult(
        inventory=inv,
        findings=findings,
        rules=rules,
        settings=settings,
        scanned_at=GOLDEN_NOW,
        source="report test tenant",
        tool_version=GOLDEN_VERSION,
        graph=views,
    )


def small_rows(*, fix_open: bool = False, drop_legacy: bool = False) -> list[dict[str, Any]]:
    """Three accounts: one locked down, one wide open, one in a subscription whose diagnostic
    settings could not be read. `fix_open` / `drop_legacy` make a later scan for baselines."""
    good = account(
        SUB_A,
        "rg-ai-prod",
        "oai-prod",
        {"publicNetworkAccess": "Disabled", "disableLocalAuth": True},
    )
    open_props: dict[str, Any] = {"publicNetworkAccess": "Enabled"}
    if fix_open:
        open_props = {"publicNetworkAccess": "Disabled", "disableLocalAuth": True}
    wide = account(SUB_A, "rg-sandbox", "oai-sandbox", open_props)
    legacy = account(
        SUB_B,
        "rg-legacy",
        "oai-legacy",
        {"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Deny"}},
    )
    rows = [
        good,
        wide,
        deployment(good, "gpt-4o", "gpt-4o", "Microsoft.DefaultV2"),
        deployment(wide, "gpt-4o-mini", "gpt-4o-mini", "Microsoft.Nil"),
        diagnostic(good, "to-law", [{"categoryGroup": "allLogs", "enabled": True}]),
    ]
    if not drop_legacy:
        rows.append(legacy)
    return rows


def small_coverage() -> list[Coverage]:
    complete = CoverageStatus.COMPLETE
    return [
        Coverage("resources", "tenant", complete),
        Coverage("deployments", "tenant", complete),
        Coverage("raiPolicies", "tenant", complete),
        Coverage("diagnosticSettings", f"/subscriptions/{SUB_A}", complete),
        Coverage(
            "diagnosticSettings",
            f"/subscriptions/{SUB_B}",
            CoverageStatus.DENIED,
            "403 AuthorizationFailed reading microsoft.insights/diagnosticSettings",
        ),
    ]


# Text an attacker can put in names, tags and descriptions.
XSS = "\"'><script>alert(1)</script><img src=x onerror=alert(2)>"
HOSTILE_NAME = f"oai{XSS}&amp;|pipe|`tick`@admin *bold* [link](http://evil.example)"
HOSTILE_RG = '=HYPERLINK("evil.example","x")'
HOSTILE_DEPLOYMENT = "+cmd @SUM(1) -2 \x1b[31mred\x1b[0m [bold]markup[/bold]"
HOSTILE_TAGS = {"owner": "@attacker", "<b>note</b>": "' onmouseover='alert(3)"}


def hostile_tenant() -> ScanResult:
    # Names keep "/" out of ids (Azure ids are "/"-separated), so the id stays parseable.
    name = HOSTILE_NAME.replace("/", "")
    acc = account(SUB_A, HOSTILE_RG, name, {}, tags=HOSTILE_TAGS)
    rows = [
        acc,
        deployment(acc, HOSTILE_DEPLOYMENT, "gpt-4o<svg onload=alert(4)>", "Microsoft.Nil"),
    ]
    coverage = [
        *small_coverage()[:3],
        Coverage(
            "diagnosticSettings",
            "tenant",
            CoverageStatus.PARTIAL,
            "could not read <script>alert(5)</script> scope",
        ),
    ]
    return result_for(snapshot(rows, coverage))
