"""Synthetic tenants: deterministic bytes, exact size, realistic and internally consistent."""

from __future__ import annotations

import datetime as dt
import gzip
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from aiposture.app import scan_inventory
from aiposture.collect.synth import COLLECTIONS, synth_to
from aiposture.config import Settings
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import load_snapshot, open_streaming
from aiposture.model.types import CoverageStatus, Status

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
# Rows that are not "resources" in the N sense: scaffolding and per-resource extras.
EXTRA_TYPES = {
    "microsoft.authorization/roleassignments",
    "microsoft.authorization/policyassignments",
    "microsoft.insights/diagnosticsettings",
    "microsoft.security/pricings",
    "microsoft.resources/subscriptions",
    "microsoft.resources/resourcegroups",
    "microsoft.management/managementgroups",
    "microsoft.authorization/policyexemptions",
    "microsoft.authorization/policydefinitions",
    "microsoft.authorization/policysetdefinitions",
    "microsoft.policyinsights/policystates",
    "microsoft.authorization/roledefinitions",
    "microsoft.authorization/roleeligibilityschedules",
    "microsoft.securityinsights/onboardingstates",
    "microsoft.cognitiveservices/accounts/defenderforaisettings",
    "microsoft.machinelearningservices/workspaces/connections",
    "microsoft.machinelearningservices/workspaces/datastores",
    "microsoft.network/privateendpoints/privatednszonegroups",
    "microsoft.resources/changes",  # change records (history/), not resources
    # One model endpoint per ML workspace (AIP-MDL-011), written as per-resource extras.
    "microsoft.machinelearningservices/workspaces/serverlessendpoints",
    "microsoft.machinelearningservices/workspaces/onlineendpoints",
    "microsoft.machinelearningservices/workspaces/onlineendpoints/deployments",
    # A Databricks workspace next to every other ML workspace (AIP-NET-013..016, AIP-MON-012).
    "microsoft.databricks/workspaces",
    # An Azure Bot in front of two in five OpenAI / AI Services accounts, written as an extra.
    "microsoft.botservice/botservices",
}


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    path = tmp_path_factory.mktemp("synth") / "t.json.gz"
    synth_to(path, 2000, 11)
    snap = load_snapshot(path)
    return path, list(snap.iter_resources())


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.json.gz", tmp_path / "b.json.gz", tmp_path / "c.json.gz"
    synth_to(a, 700, 3)
    synth_to(b, 700, 3)
    synth_to(c, 700, 4)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    plain = tmp_path / "a.json"
    synth_to(plain, 700, 3)
    assert gzip.decompress(a.read_bytes()) == plain.read_bytes()


@pytest.mark.parametrize("n", [1, 2, 17, 333])
def test_exactly_n_resources(tmp_path: Path, n: int) -> None:
    path = tmp_path / "t.json"
    stats = synth_to(path, n, 1)
    rows = list(load_snapshot(path).iter_resources())
    resources = [r for r in rows if r["type"].lower() not in EXTRA_TYPES]
    assert len(resources) == n == stats.resources
    assert stats.rows == len(rows)
    assert stats.role_assignments == sum(
        r["type"] == "Microsoft.Authorization/roleAssignments" for r in rows
    )


def test_rejects_zero(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        synth_to(tmp_path / "t.json", 0, 1)


def test_mix_of_ai_and_non_ai_types(tenant: tuple[Path, list[dict[str, Any]]]) -> None:
    _, rows = tenant
    types = Counter(r["type"].lower() for r in rows)
    for t in (
        "microsoft.cognitiveservices/accounts",
        "microsoft.cognitiveservices/accounts/deployments",
        "microsoft.cognitiveservices/accounts/raipolicies",
        "microsoft.machinelearningservices/workspaces",
        "microsoft.machinelearningservices/workspaces/computes",
        "microsoft.search/searchservices",
        "microsoft.containerservice/managedclusters",
        "microsoft.storage/storageaccounts",
        "microsoft.keyvault/vaults",
        "microsoft.containerregistry/registries",
        "microsoft.compute/virtualmachines",
        "microsoft.compute/disks",
        "microsoft.network/networkinterfaces",
        "microsoft.network/virtualnetworks",
        "microsoft.web/sites",
        *EXTRA_TYPES,
    ):
        assert types[t] > 0, t
    # Non-AI resources dominate, as in real tenants.
    ai = sum(
        v
        for k, v in types.items()
        if k.startswith(("microsoft.cognitiveservices", "microsoft.machinelearningservices"))
    )
    assert 0.03 < ai / 2000 < 0.4


def test_relations_are_consistent(tenant: tuple[Path, list[dict[str, Any]]]) -> None:
    path, rows = tenant
    snap = load_snapshot(path)
    ids = {r["id"].lower() for r in rows}
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_type.setdefault(r["type"].lower(), []).append(r)

    # Children sit under an existing parent.
    for t in ("deployments", "raipolicies"):
        for r in by_type[f"microsoft.cognitiveservices/accounts/{t}"]:
            assert r["id"].rsplit("/", 2)[0].lower() in ids
    for r in by_type["microsoft.machinelearningservices/workspaces/computes"]:
        assert r["id"].rsplit("/", 2)[0].lower() in ids
    # Every resource lives in an emitted resource group of an emitted subscription.
    for r in rows:
        parts = r["id"].lower().split("/")
        if len(parts) > 5 and parts[3] == "resourcegroups":
            assert "/".join(parts[:5]) in ids
            assert "/".join(parts[:3]) in ids
    # Workspaces link existing storage / key vault / registry / App Insights.
    for ws in by_type["microsoft.machinelearningservices/workspaces"]:
        for key in ("storageAccount", "keyVault"):
            assert ws["properties"][key].lower() in ids
    # Subscriptions hang under the management-group tree.
    mgs = {r["name"] for r in by_type["microsoft.management/managementgroups"]}
    for sub in by_type["microsoft.resources/subscriptions"]:
        chain = [a["name"] for a in sub["properties"]["managementGroupAncestorsChain"]]
        assert chain and set(chain) <= mgs
    # Role assignments: 2-5 per resource, principals known to Graph, scopes exist.
    ras = by_type["microsoft.authorization/roleassignments"]
    n_resources = sum(len(v) for k, v in by_type.items() if k not in EXTRA_TYPES)
    assert 2 <= len(ras) / n_resources <= 5.2
    principals = {
        o["id"] for name in ("users", "groups", "servicePrincipals") for o in snap.graph[name]
    }
    assert {ra["properties"]["principalId"] for ra in ras} <= principals
    scopes = {ra["properties"]["scope"].lower() for ra in ras}
    mg_scopes = {s for s in scopes if "managementgroups" in s}
    assert scopes - mg_scopes <= ids
    # Managed identities on resources appear as ManagedIdentity service principals.
    mis = {
        o["id"]
        for o in snap.graph["servicePrincipals"]
        if o["servicePrincipalType"] == "ManagedIdentity"
    }
    with_identity = {r["identity"]["principalId"] for r in rows if "identity" in r}
    assert with_identity and with_identity == mis
    # Diagnostic settings point at the central workspace, which exists.
    for d in by_type["microsoft.insights/diagnosticsettings"]:
        assert d["properties"]["workspaceId"].lower() in ids


def test_coverage_complete_and_streamable(tenant: tuple[Path, list[dict[str, Any]]]) -> None:
    path, rows = tenant
    snap = open_streaming(path)
    assert snap is not None
    assert list(snap.iter_resources()) == rows
    assert {c.collection for c in snap.coverage} == set(COLLECTIONS)
    assert {c.status for c in snap.coverage} == {CoverageStatus.COMPLETE}
    assert snap.metadata.source == "synth:resources=2000,seed=11"


CORE_RULES = (
    "AIP-NET-001",
    "AIP-NET-002",
    "AIP-NET-004",
    "AIP-NET-005",
    "AIP-IDN-001",
    "AIP-IDN-002",
    "AIP-IDN-004",
    "AIP-DAT-001",
    "AIP-DAT-003",
    "AIP-MDL-001",
    "AIP-MON-001",
    "AIP-MON-003",
    "AIP-MDL-011",
    "AIP-NET-013",
    "AIP-NET-014",
    "AIP-NET-015",
    "AIP-NET-016",
    "AIP-MON-012",
    "AIP-DAT-013",
    "AIP-DAT-014",
    "AIP-NET-019",
)


def test_core_rules_see_pass_and_fail_and_no_unknown(
    tenant: tuple[Path, list[dict[str, Any]]],
) -> None:
    path, _ = tenant
    inv = normalize(load_snapshot(path))
    assert inv.other_type_counts["microsoft.compute/virtualmachines"] > 0
    result = scan_inventory(inv, Settings(), "synth", now=NOW)
    seen: dict[str, set[Status]] = {}
    for f in result.findings:
        seen.setdefault(f.rule.id, set()).add(f.status)
    for rule_id in CORE_RULES:
        assert {Status.PASS, Status.FAIL} <= seen.get(rule_id, set()), rule_id
        assert Status.UNKNOWN not in seen[rule_id], rule_id


def test_declares_every_collection_the_live_collector_gathers() -> None:
    from aiposture.collect.live import collector, graph_api

    live = {c for tq in collector.TABLES for c in tq.collections()}
    live |= {
        *collector.CHILD_COLLECTIONS,
        "diagnosticSettings",
        *collector.SUBSCRIPTION_COLLECTIONS,
    }
    live |= {f"graph.{c.name}" for c in graph_api.COLLECTIONS} | {"graph.groupMembers"}
    live |= {"subscriptions", "managementGroups"}
    assert live <= set(COLLECTIONS), sorted(live - set(COLLECTIONS))


# Findings a complete synthetic tenant still leaves UNKNOWN on purpose: none today. Add
# (rule id, missing collection) pairs here, with the reason, if synth ever stops covering one.
DELIBERATELY_UNKNOWN: frozenset[tuple[str, str]] = frozenset()


def test_complete_tenant_leaves_nothing_unknown(tmp_path: Path) -> None:
    path = tmp_path / "t.json.gz"
    synth_to(path, 1500, 5)
    result = scan_inventory(normalize(load_snapshot(path)), Settings(), "synth", now=NOW)
    unknown = {
        (f.rule.id, f.resource_id, m or "-")
        for f in result.findings
        if f.status is Status.UNKNOWN
        for m in (f.missing or ("",))
    }
    assert {(r, m) for r, _, m in unknown} <= DELIBERATELY_UNKNOWN, sorted(unknown)[:20]
    # And the governance / monitoring rules that used to stop at UNKNOWN now decide.
    decided = {f.rule.id for f in result.findings if f.status in (Status.PASS, Status.FAIL)}
    for rule_id in ("AIP-GOV-002", "AIP-GOV-005", "AIP-GOV-006", "AIP-MON-006", "AIP-MON-008"):
        assert rule_id in decided, rule_id


BOT_RULES = ("AIP-NET-017", "AIP-NET-018", "AIP-IDN-015", "AIP-DAT-011", "AIP-DAT-012")


def test_bots_see_pass_and_fail_of_their_guardrails(
    tenant: tuple[Path, list[dict[str, Any]]],
) -> None:
    """AIP-GOV-002/003 on Bot Service: the ALZ initiative covers some bots, not others."""
    path, _ = tenant
    result = scan_inventory(normalize(load_snapshot(path)), Settings(), "synth", now=NOW)
    for rule_id in ("AIP-GOV-002", "AIP-GOV-003"):
        seen = {
            f.status
            for f in result.findings
            if f.rule.id == rule_id and "/botservices/" in f.resource_id.lower()
        }
        assert seen == {Status.PASS, Status.FAIL}, (rule_id, seen)


def test_carries_idle_shutdown_and_protected_material(
    tenant: tuple[Path, list[dict[str, Any]]],
) -> None:
    """AIP-GOV-011 and AIP-MDL-010 decide both ways on the synthetic tenant (issue 18)."""
    path, _ = tenant
    result = scan_inventory(normalize(load_snapshot(path)), Settings(), "synth", now=NOW)
    for rule_id in ("AIP-GOV-011", "AIP-MDL-010", *BOT_RULES):
        seen = {f.status for f in result.findings if f.rule.id == rule_id}
        assert {Status.PASS, Status.FAIL} <= seen, (rule_id, seen)
        assert Status.UNKNOWN not in seen, rule_id
