"""Offline coverage is what the input shows: per subscription, resource group, parent or
resource; truncated results and unusable rows are partial; a manifest states the rest."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiposture.app import ScanResult, scan_inventory
from aiposture.collect.demo import DemoSource
from aiposture.collect.exports import FileSource
from aiposture.config import Settings
from aiposture.errors import InputError
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import Snapshot, write_snapshot
from aiposture.model.types import CoverageStatus, Status
from aiposture.report.json import report_dict

FIXED_NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
SUB_ID = "33333333-3333-3333-3333-333333333333"
SUB = f"/subscriptions/{SUB_ID}"
OTHER_SUB = "/subscriptions/44444444-4444-4444-4444-444444444444"
RG = f"{SUB}/resourceGroups/rg-ai"
RG2 = f"{SUB}/resourceGroups/rg-other"
ACC = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai-a"
ACC_B = f"{RG2}/providers/Microsoft.CognitiveServices/accounts/oai-b"
MANIFEST = "aiposture-manifest.json"


def account(rid: str, **props: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "name": rid.rsplit("/", 1)[-1],
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": "OpenAI",
        "location": "swedencentral",
        "properties": {"publicNetworkAccess": "Enabled", **props},
    }


def write(path: Path, doc: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def load(*paths: Path, strict: bool = False) -> Snapshot:
    return FileSource(list(paths), strict=strict).load()


def scan(*paths: Path) -> ScanResult:
    return scan_inventory(normalize(load(*paths)), Settings(), "test", now=FIXED_NOW)


def verdicts(result: ScanResult, *rule_ids: str) -> set[tuple[str, str, Status]]:
    return {
        (f.rule.id, f.resource_name, f.status) for f in result.findings if f.rule.id in rule_ids
    }


def cov(snap: Snapshot) -> set[tuple[str, str, CoverageStatus]]:
    return {
        (c.collection, c.scope, c.status)
        for c in snap.coverage
        if c.status is not CoverageStatus.NOT_COLLECTED
    }


def manifest(*entries: tuple[str, str, str], **extra: Any) -> dict[str, Any]:
    return {
        "format": "aiposture-export-manifest",
        "version": "1.0",
        **extra,
        "coverage": [
            {"collection": c, "scope": s, "status": st, "reason": f"test: {st}"}
            for c, s, st in entries
        ],
    }


@pytest.fixture(scope="module")
def demo_rows() -> list[dict[str, Any]]:
    return [dict(r) for r in DemoSource().load().iter_resources()]


def of_type(rows: list[dict[str, Any]], rtype: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["type"].lower() == rtype]


# ---- the two reported defects ---------------------------------------------------------------


def test_two_demo_rows_do_not_prove_role_data(tmp_path: Path, demo_rows: list[Any]) -> None:
    """An ML workspace and one role assignment (management-group scope) from the demo gave
    AIP-IDN-005 PASS on role data never read: now UNKNOWN, and the gap is recorded."""
    ws = of_type(demo_rows, "microsoft.machinelearningservices/workspaces")[0]
    ra = next(
        r
        for r in of_type(demo_rows, "microsoft.authorization/roleassignments")
        if not r["id"].lower().startswith("/subscriptions/")
    )
    result = scan(write(tmp_path / "two.json", [ws, ra]))
    assert verdicts(result, "AIP-IDN-005") == {("AIP-IDN-005", ws["name"], Status.UNKNOWN)}
    assert not result.inventory.coverage.status("roleAssignments", ws["id"].lower()).complete


def test_role_assignments_of_another_subscription_prove_nothing_here(
    tmp_path: Path, demo_rows: list[Any]
) -> None:
    ws = of_type(demo_rows, "microsoft.machinelearningservices/workspaces")[0]
    ws_sub = ws["id"].lower().split("/")[2]
    ra = next(
        r
        for r in of_type(demo_rows, "microsoft.authorization/roleassignments")
        if r["id"].lower().startswith("/subscriptions/") and r["id"].lower().split("/")[2] != ws_sub
    )
    result = scan(write(tmp_path / "ws.json", [ws]), write(tmp_path / "ra.json", [ra]))
    assert verdicts(result, "AIP-IDN-005") == {("AIP-IDN-005", ws["name"], Status.UNKNOWN)}


def test_one_unrelated_policy_state_does_not_decide_gov_006(tmp_path: Path) -> None:
    state = {
        "id": f"{ACC_B}/providers/Microsoft.PolicyInsights/policyStates/ps-1",
        "type": "Microsoft.PolicyInsights/policyStates",
        "properties": {"resourceId": ACC_B, "complianceState": "Compliant"},
    }
    a = write(tmp_path / "accounts.json", [account(ACC)])
    result = scan(a)
    assert verdicts(result, "AIP-GOV-006") == {("AIP-GOV-006", "oai-a", Status.UNKNOWN)}
    # The state row of an account in another resource group shows that group only.
    result = scan(a, write(tmp_path / "states.json", [state]))
    assert verdicts(result, "AIP-GOV-006") == {("AIP-GOV-006", "oai-a", Status.UNKNOWN)}
    # A manifest saying the subscription's policy states were all exported decides it.
    write(tmp_path / MANIFEST, manifest(("policyStates", SUB, "complete")))
    result = scan(a, tmp_path / "states.json", tmp_path / MANIFEST)
    assert verdicts(result, "AIP-GOV-006") == {("AIP-GOV-006", "oai-a", Status.PASS)}


# ---- what each kind of export shows ---------------------------------------------------------


def test_rows_of_one_group_cover_it_rows_of_several_cover_the_subscription(
    tmp_path: Path,
) -> None:
    snap = load(write(tmp_path / "one.json", {"value": [account(ACC)]}))
    assert cov(snap) == {("resources", RG.lower(), CoverageStatus.COMPLETE)}
    snap = load(write(tmp_path / "two.json", [account(ACC), account(ACC_B)]))
    assert cov(snap) == {("resources", SUB.lower(), CoverageStatus.COMPLETE)}


def test_a_get_body_covers_that_resource_only(tmp_path: Path) -> None:
    snap = load(write(tmp_path / "show.json", account(ACC)))
    assert cov(snap) == {
        ("resources", ACC.lower(), CoverageStatus.COMPLETE),
        ("resources", SUB.lower(), CoverageStatus.PARTIAL),  # the list it was not
    }
    result = scan(tmp_path / "show.json")
    assert verdicts(result, "AIP-NET-001") == {("AIP-NET-001", "oai-a", Status.FAIL)}


def test_a_child_list_covers_its_parent_only(tmp_path: Path) -> None:
    deployments = {
        "value": [
            {
                "id": f"{ACC}/deployments/chat",
                "type": "Microsoft.CognitiveServices/accounts/deployments",
                "properties": {"model": {"name": "gpt-4o"}, "raiPolicyName": "Microsoft.Nil"},
            }
        ]
    }
    snap = load(
        write(tmp_path / "accounts.json", [account(ACC), account(ACC_B)]),
        write(tmp_path / "deployments.json", deployments),
    )
    inv = normalize(snap)
    assert inv.coverage.status("deployments", ACC.lower()).complete
    assert not inv.coverage.status("deployments", ACC_B.lower()).complete


def test_tenant_level_rows_are_partial(tmp_path: Path) -> None:
    mg = "/providers/Microsoft.Management/managementGroups/root"
    ra = {
        "id": f"{mg}/providers/Microsoft.Authorization/roleAssignments/ra-1",
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {"principalId": "p", "roleDefinitionId": "r", "scope": mg},
    }
    snap = load(write(tmp_path / "ra.json", [ra]))
    assert cov(snap) == {("roleAssignments", "tenant", CoverageStatus.PARTIAL)}


def test_management_group_rows_a_manifest_states_complete_leave_no_doubt(tmp_path: Path) -> None:
    """The export script lists PIM eligibility per management group and says so in its
    manifest: those rows are then accounted for (no tenant-level partial), as in a live scan.
    A row under a management group the manifest does not state keeps the tenant doubt."""
    mg = "/providers/Microsoft.Management/managementGroups/mg-corp"

    def elig(scope: str, name: str) -> dict[str, Any]:
        return {
            "id": f"{scope}/providers/Microsoft.Authorization/roleEligibilitySchedules/{name}",
            "type": "Microsoft.Authorization/roleEligibilitySchedules",
            "properties": {"principalId": "p", "roleDefinitionId": "r", "scope": scope},
        }

    write(tmp_path / "e.json", [elig(mg, "e-1")])
    write(tmp_path / MANIFEST, manifest(("roleEligibilitySchedules", mg, "complete")))
    assert cov(load(tmp_path)) == {
        ("roleEligibilitySchedules", mg.lower(), CoverageStatus.COMPLETE)
    }
    other = "/providers/Microsoft.Management/managementGroups/mg-other"
    write(tmp_path / "e.json", [elig(mg, "e-1"), elig(other, "e-2")])
    assert ("roleEligibilitySchedules", "tenant", CoverageStatus.PARTIAL) in cov(load(tmp_path))


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(
            {"value": [1], "nextLink": "https://management.azure.com/x?page=2"}, id="next"
        ),
        pytest.param({"value": [1], "@odata.nextLink": "https://x/?$skiptoken=a"}, id="odata"),
        pytest.param({"data": [1], "skip_token": "ew0KICAi"}, id="skip_token"),
        pytest.param({"data": [1], "$skipToken": "ew0KICAi"}, id="$skipToken"),
        pytest.param({"totalRecords": 5000, "count": 1, "data": [1]}, id="totalRecords"),
        pytest.param({"total_records": 2, "data": [1]}, id="total_records"),
    ],
)
def test_truncated_results_are_partial(tmp_path: Path, doc: dict[str, Any]) -> None:
    key = "value" if "value" in doc else "data"
    doc[key] = [account(ACC), account(ACC_B)]
    if doc.get("total_records") == 2:
        doc["total_records"] = 3
    result = scan(write(tmp_path / "page1.json", doc))
    gaps = {(g.collection, g.scope, g.status) for g in result.inventory.coverage.gaps()}
    assert ("resources", SUB.lower(), CoverageStatus.PARTIAL) in gaps
    assert verdicts(result, "AIP-NET-001") == {
        ("AIP-NET-001", "oai-a", Status.UNKNOWN),
        ("AIP-NET-001", "oai-b", Status.UNKNOWN),
    }
    # The JSON report (and so every header) carries the gap.
    report = report_dict(result)
    assert {"collection": "resources", "scope": SUB.lower(), "status": "partial"}.items() <= next(
        c for c in report["coverage"] if c["collection"] == "resources"
    ).items()


def test_unusable_row_among_good_ones_is_a_warning_and_partial(tmp_path: Path) -> None:
    path = write(tmp_path / "mixed.json", [account(ACC), {"name": "no id"}, account(ACC_B)])
    snap = load(path)
    assert [r["name"] for r in snap.iter_resources()] == ["oai-a", "oai-b"]
    assert cov(snap) == {("resources", SUB.lower(), CoverageStatus.PARTIAL)}
    assert len(snap.warnings) == 1
    assert snap.warnings[0].startswith(f"{path}: item [1] has no `id`")
    with pytest.raises(InputError, match=r"item \[1\] has no `id`.*--strict"):
        load(path, strict=True)


def test_cli_shows_warnings_and_strict_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path / "mixed.json", [account(ACC), 7])
    exe = [sys.executable, "-m", "aiposture", "scan", "--input", str(path), "-q"]
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [*exe, "--format", "json", "--output", str(out)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        f"aiposture: warning: {path}: item [1] is not a JSON object; each resource must be an "
        "object with id and type; row skipped, its collection counted as partial"
    ]
    assert len(json.loads(out.read_text())["input_warnings"]) == 1
    proc = subprocess.run([*exe, "--strict"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr


# ---- the manifest ---------------------------------------------------------------------------


def test_manifest_states_empty_and_denied_collections(tmp_path: Path) -> None:
    write(tmp_path / "accounts.json", [account(ACC), account(ACC_B)])
    write(
        tmp_path / MANIFEST,
        manifest(
            ("roleAssignments", SUB, "complete"),  # listed; there were none
            ("diagnosticSettings", SUB, "denied"),
            ("pricings", "tenant", "skipped"),
            tenant_id="72F988BF-0000-0000-0000-000000000000",
        ),
    )
    snap = load(tmp_path)
    assert cov(snap) == {
        ("resources", SUB.lower(), CoverageStatus.COMPLETE),
        ("roleAssignments", SUB.lower(), CoverageStatus.COMPLETE),
        ("diagnosticSettings", SUB.lower(), CoverageStatus.DENIED),
    }
    assert ("pricings", "tenant", CoverageStatus.NOT_COLLECTED) in {
        (c.collection, c.scope, c.status) for c in snap.coverage
    }
    assert snap.metadata.tenant_id == "72f988bf-0000-0000-0000-000000000000"
    assert [r["name"] for r in snap.iter_resources()] == ["oai-a", "oai-b"]


def test_a_gap_the_rows_show_beats_a_manifest_claim(tmp_path: Path) -> None:
    write(tmp_path / "p1.json", {"value": [account(ACC)], "nextLink": "https://x/?page=2"})
    write(tmp_path / MANIFEST, manifest(("resources", RG, "complete")))
    snap = load(tmp_path)
    assert cov(snap) == {("resources", RG.lower(), CoverageStatus.PARTIAL)}


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ({"format": "aiposture-export-manifest", "coverage": 3}, "manifest is malformed"),
        (manifest(("resources", SUB, "fine")), "status 'fine' is not one of"),
        (manifest(("resources", "sub-1", "complete")), "scope 'sub-1' is neither"),
        ({"format": "aiposture-export-manifest", "version": "2.0"}, "version 2.0"),
        ({"format": "something-else"}, "`format` must be"),
    ],
)
def test_bad_manifest_is_one_line(tmp_path: Path, doc: object, needle: str) -> None:
    path = write(tmp_path / MANIFEST, doc)
    with pytest.raises(InputError) as err:
        load(path)
    assert str(err.value).startswith(str(path)) and needle in str(err.value)
    assert "\n" not in str(err.value)


# ---- native snapshots and the demo keep their own coverage ----------------------------------


def test_native_snapshot_coverage_is_kept(tmp_path: Path) -> None:
    demo = DemoSource().load()
    path = tmp_path / "demo.json.gz"
    write_snapshot(demo, path)
    for stream in (False, True):
        snap = FileSource([path], stream=stream).load()
        list(snap.iter_resources())
        assert snap.coverage == demo.coverage
        assert snap.warnings == []
