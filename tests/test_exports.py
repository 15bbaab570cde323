"""`scan --input`: every accepted export shape, odd casing, parents from ids, coverage gaps."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from aiposture.app import ScanResult, scan_inventory
from aiposture.collect.exports import FileSource
from aiposture.config import Settings
from aiposture.errors import InputError
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import Coverage, Metadata, Snapshot, write_snapshot
from aiposture.model.types import CoverageStatus, Status

FIXED_NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
SUB_ID = "22222222-2222-2222-2222-222222222222"
SUB = f"/subscriptions/{SUB_ID}"
RG = f"{SUB}/resourceGroups/rg-ai"
ACCOUNT = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai-open"
ACCOUNT_OK = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai-closed"
STORAGE = f"{RG}/providers/Microsoft.Storage/storageAccounts/stdata"


def account(rid: str = ACCOUNT, **props: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "name": rid.rsplit("/", 1)[-1],
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": "OpenAI",
        "location": "swedencentral",
        "properties": props,
    }


OPEN = account(publicNetworkAccess="Enabled")
CLOSED = account(ACCOUNT_OK, publicNetworkAccess="Disabled", disableLocalAuth=True)


def write(path: Path, doc: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(doc).encode()
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def load(*paths: Path) -> Snapshot:
    return FileSource(list(paths)).load()


def scan_paths(*paths: Path) -> ScanResult:
    inv = normalize(load(*paths))
    return scan_inventory(inv, Settings(), "test", now=FIXED_NOW)


def status_of(result: ScanResult, rule_id: str) -> dict[str, Status]:
    return {f.resource_name: f.status for f in result.findings if f.rule.id == rule_id}


# ---- shapes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param([OPEN, CLOSED], id="bare-array"),
        pytest.param({"value": [OPEN, CLOSED], "nextLink": None}, id="arm-value"),
        pytest.param({"count": 2, "data": [OPEN, CLOSED], "skip_token": None}, id="graph-data"),
        pytest.param(
            {
                "totalRecords": 2,
                "data": {
                    "columns": [
                        {"name": "id", "type": "string"},
                        {"name": "name", "type": "string"},
                        {"name": "type", "type": "string"},
                        {"name": "kind", "type": "string"},
                        {"name": "location", "type": "string"},
                        {"name": "properties", "type": "object"},
                    ],
                    "rows": [
                        [r["id"], r["name"], r["type"], r["kind"], r["location"], r["properties"]]
                        for r in (OPEN, CLOSED)
                    ],
                },
            },
            id="graph-table",
        ),
    ],
)
def test_export_shapes(tmp_path: Path, doc: object) -> None:
    result = scan_paths(write(tmp_path / "export.json", doc))
    assert set(result.inventory.accounts) == {ACCOUNT.lower(), ACCOUNT_OK.lower()}
    assert status_of(result, "AIP-NET-001") == {"oai-open": Status.FAIL, "oai-closed": Status.PASS}
    assert status_of(result, "AIP-IDN-001") == {"oai-open": Status.FAIL, "oai-closed": Status.PASS}


def test_single_resource_object(tmp_path: Path) -> None:
    # `az resource show` prints one object.
    snap = load(write(tmp_path / "show.json", OPEN))
    assert [r["id"] for r in snap.iter_resources()] == [ACCOUNT]


def test_directory_is_read_recursively(tmp_path: Path) -> None:
    write(tmp_path / "exports" / "a" / "accounts.json", [OPEN])
    write(tmp_path / "exports" / "b" / "deep" / "more.json.gz", {"value": [CLOSED]})
    (tmp_path / "exports" / "README.txt").write_text("not json", encoding="utf-8")
    snap = load(tmp_path / "exports")
    assert sorted(r["name"] for r in snap.iter_resources()) == ["oai-closed", "oai-open"]
    # Coverage is the scope the rows show (not tenant-wide "file:" scopes): both files hold
    # rows of one resource group only; the reason names both files.
    complete = [c for c in snap.coverage if c.status is CoverageStatus.COMPLETE]
    assert [(c.collection, c.scope) for c in complete] == [("resources", RG.lower())]
    assert "accounts.json" in complete[0].reason
    assert "more.json.gz" in complete[0].reason
    assert snap.metadata.source == "export"


def test_several_inputs_are_merged_with_a_native_snapshot(tmp_path: Path) -> None:
    native = tmp_path / "snap.json.gz"
    cov = [Coverage(c, "tenant", CoverageStatus.COMPLETE) for c in ("resources", "pricings")]
    write_snapshot(
        Snapshot(metadata=Metadata(source="live"), coverage=cov, resources=[CLOSED]), native
    )
    export = write(tmp_path / "more.json", [OPEN])
    snap = load(native, export)
    assert sorted(r["name"] for r in snap.iter_resources()) == ["oai-closed", "oai-open"]
    assert {c.collection for c in snap.coverage} >= {"resources", "pricings"}


def test_az_role_assignment_list_rows(tmp_path: Path) -> None:
    reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    rows = [
        {
            # `az role assignment list --all`: flat fields, with type
            "id": f"{ACCOUNT}/providers/Microsoft.Authorization/roleAssignments/ra-1",
            "name": "ra-1",
            "type": "Microsoft.Authorization/roleAssignments",
            "principalId": "AAAAAAAA-0000-0000-0000-000000000001",
            "principalName": "dev@contoso.com",
            "principalType": "User",
            "roleDefinitionId": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{reader}",
            "roleDefinitionName": "Reader",
            "scope": ACCOUNT,
        },
        {
            # older az versions: no `type`; recognised from the flat fields
            "id": f"{SUB}/providers/Microsoft.Authorization/roleAssignments/ra-2",
            "name": "ra-2",
            "principalId": "aaaaaaaa-0000-0000-0000-000000000002",
            "principalType": "ServicePrincipal",
            "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{reader}",
            "scope": SUB,
        },
    ]
    inv = normalize(load(write(tmp_path / "ra.json", rows)))
    got = {
        (ra.principal_id, ra.principal_type, ra.scope, ra.role_definition_guid)
        for ra in inv.role_assignments
    }
    assert got == {
        ("aaaaaaaa-0000-0000-0000-000000000001", "User", ACCOUNT.lower(), reader),
        ("aaaaaaaa-0000-0000-0000-000000000002", "ServicePrincipal", SUB.lower(), reader),
    }
    assert any(
        c.collection == "roleAssignments" and c.status is CoverageStatus.COMPLETE
        for c in load(tmp_path / "ra.json").coverage
    )


# ---- casing -------------------------------------------------------------------------------


def test_resource_graph_lower_case_types_and_pascal_case_properties(tmp_path: Path) -> None:
    rows = [
        {
            "id": ACCOUNT.lower(),
            "name": "oai-open",
            "type": "microsoft.cognitiveservices/accounts",
            "kind": "OpenAI",
            "properties": {"PublicNetworkAccess": "Enabled", "DisableLocalAuth": False},
        },
        {
            "id": ACCOUNT_OK,
            "name": "oai-closed",
            "type": "MICROSOFT.COGNITIVESERVICES/ACCOUNTS",
            "kind": "OpenAI",
            "properties": {
                "PublicNetworkAccess": "Disabled",
                "DisableLocalAuth": True,
                "NetworkAcls": {"DefaultAction": "Deny"},
            },
        },
        {
            # PowerShell-style envelope: Id / Type / Name / Properties
            "Id": STORAGE,
            "Name": "stdata",
            "Type": "Microsoft.Storage/storageAccounts",
            "Properties": {"AllowBlobPublicAccess": True},
        },
    ]
    result = scan_paths(write(tmp_path / "arg.json", {"data": rows}))
    inv = result.inventory
    assert inv.accounts[ACCOUNT_OK.lower()].network_acls is not None
    assert inv.accounts[ACCOUNT_OK.lower()].network_acls.default_action == "Deny"  # type: ignore[union-attr]
    assert status_of(result, "AIP-NET-001") == {"oai-open": Status.FAIL, "oai-closed": Status.PASS}
    assert status_of(result, "AIP-IDN-001") == {"oai-open": Status.FAIL, "oai-closed": Status.PASS}
    assert inv.storage_accounts[STORAGE.lower()].name == "stdata"


def test_child_resources_find_their_parent_from_the_id(tmp_path: Path) -> None:
    # The deployment and its custom filter come in another file than the account, in lower
    # case (as Resource Graph returns them), and before the account in reading order.
    policy = {
        "id": f"{ACCOUNT}/raiPolicies/strict".lower(),
        "name": "strict",
        "type": "microsoft.cognitiveservices/accounts/raipolicies",
        "properties": {
            "basePolicyName": "Microsoft.DefaultV2",
            "mode": "Blocking",
            "contentFilters": [
                {"name": "Jailbreak", "enabled": True, "blocking": True, "source": "Prompt"}
            ],
        },
    }
    deployments = [
        {
            "id": f"{ACCOUNT}/deployments/{name}".lower(),
            "name": name,
            "type": "microsoft.cognitiveservices/accounts/deployments",
            "properties": {"model": {"name": "gpt-4o"}, "raiPolicyName": rai},
        }
        for name, rai in (("chat", "Microsoft.Nil"), ("safe", "strict"))
    ]
    write(tmp_path / "in" / "0-children.json", [policy, *deployments])
    write(tmp_path / "in" / "1-accounts.json", [OPEN])
    result = scan_paths(tmp_path / "in")
    inv = result.inventory
    assert {d.name: d.account_key for d in inv.deployments.values()} == {
        "chat": ACCOUNT.lower(),
        "safe": ACCOUNT.lower(),
    }
    assert status_of(result, "AIP-MDL-001") == {"chat": Status.FAIL, "safe": Status.PASS}


def test_unknown_types_are_kept_counted_and_ignored(tmp_path: Path) -> None:
    rows = [
        OPEN,
        {
            "id": f"{RG}/providers/Microsoft.Compute/virtualMachines/vm1",
            "type": "Microsoft.Compute/virtualMachines",
        },
        {
            "id": f"{RG}/providers/Microsoft.Compute/virtualMachines/vm2",
            "type": "microsoft.compute/virtualmachines",
        },
        {"id": f"{RG}/providers/Contoso.Custom/widgets/w", "type": "Contoso.Custom/widgets"},
    ]
    result = scan_paths(write(tmp_path / "all.json", rows))
    inv = result.inventory
    assert dict(inv.other_type_counts) == {
        "microsoft.compute/virtualmachines": 2,
        "contoso.custom/widgets": 1,
    }
    assert {o.name for o in inv.other} == {"vm1", "vm2", "w"}
    unknown_ids = {o.key for o in inv.other}
    assert unknown_ids
    assert not [f for f in result.findings if f.resource_id.lower() in unknown_ids]
    assert "oai-open" in {f.resource_name for f in result.findings}


# ---- coverage -----------------------------------------------------------------------------


def test_collections_absent_from_exports_are_not_collected_and_rules_say_unknown(
    tmp_path: Path,
) -> None:
    result = scan_paths(write(tmp_path / "accounts.json", [OPEN, CLOSED]))
    cov = {c.collection: c.status for c in result.coverage}
    assert cov["resources"] is CoverageStatus.COMPLETE
    for col in ("diagnosticSettings", "pricings", "roleAssignments", "graph.servicePrincipals"):
        assert cov[col] is CoverageStatus.NOT_COLLECTED, col
    # Diagnostic settings were never exported: not PASS, not FAIL.
    mon = [f for f in result.findings if f.rule.id == "AIP-MON-001"]
    assert {(f.resource_name, f.status) for f in mon} == {
        ("oai-open", Status.UNKNOWN),
        ("oai-closed", Status.UNKNOWN),
    }
    assert all("diagnosticSettings" in f.missing for f in mon)
    # Rules whose data is in the export still decide.
    assert status_of(result, "AIP-NET-001") == {"oai-open": Status.FAIL, "oai-closed": Status.PASS}


def test_diagnostic_settings_in_the_export_make_monitoring_decidable(tmp_path: Path) -> None:
    diag = {
        "id": f"{ACCOUNT_OK}/providers/microsoft.insights/diagnosticSettings/to-law",
        "name": "to-law",
        "type": "Microsoft.Insights/diagnosticSettings",
        "properties": {
            "workspaceId": f"{RG}/providers/Microsoft.OperationalInsights/workspaces/law",
            "logs": [{"categoryGroup": "allLogs", "enabled": True}],
        },
    }
    write(tmp_path / "x.json", [OPEN, CLOSED, diag])
    # The rows show oai-closed's diagnostic settings only: nothing shows that oai-open's were
    # read (an account without settings has no row), so it is UNKNOWN (it was FAIL before).
    result = scan_paths(tmp_path / "x.json")
    assert status_of(result, "AIP-MON-001") == {
        "oai-open": Status.UNKNOWN,
        "oai-closed": Status.PASS,
    }
    # A manifest saying the settings were listed for the whole subscription decides it.
    write(
        tmp_path / "aiposture-manifest.json",
        {
            "format": "aiposture-export-manifest",
            "version": "1.0",
            "coverage": [
                {"collection": "diagnosticSettings", "scope": SUB, "status": "complete"},
            ],
        },
    )
    result = scan_paths(tmp_path)
    assert status_of(result, "AIP-MON-001") == {"oai-open": Status.FAIL, "oai-closed": Status.PASS}


# ---- errors (the CLI turns these into one line and exit 2: tests/test_cli.py) ---------------


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b'{"value": [', "invalid JSON at end of file (line 1)"),
        (b"", "file is empty"),
        (b'"just a string"', "neither an object nor an array"),
        (b'{"foo": []}', "not a recognised shape"),
        (b'[{"name": "x", "type": "Microsoft.Storage/storageAccounts"}]', "item [0] has no `id`"),
        # An ARM id names its type (tests/test_inputs_rest_examples.py); a non-ARM id does not.
        (b'[{"id": "not-an-arm-id"}]', "has no `type`"),
        (b"[1, 2]", "item [0] is not a JSON object"),
        (b'{"data": {"columns": 3}}', "neither an array nor a table"),
    ],
)
def test_broken_exports(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        load(path)
    msg = str(err.value)
    assert msg.startswith(str(path))
    assert needle in msg
    assert "\n" not in msg


def test_multiline_json_error_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"id": "/x",\n   "type": "t",,\n  }\n]\n', encoding="utf-8")
    with pytest.raises(InputError, match="at line 3, column 16"):
        load(path)


def test_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "cut.json.gz"
    path.write_bytes(gzip.compress(json.dumps([OPEN] * 50).encode())[:-40])
    with pytest.raises(InputError, match="corrupt or truncated gzip"):
        load(path)


def test_missing_path_and_directory_without_json(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        load(tmp_path / "nope.json")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"directory holds no \.json"):
        load(tmp_path / "empty")
