"""The export script's generation, the manifest's pages and archives, and the gap hints,
without the Azure CLI (fast)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from aiposture.app import scan_inventory
from aiposture.cli.gap_hints import gap_hints
from aiposture.cli.live_cmd import rule_diagnostic_targets
from aiposture.collect.demo import demo_snapshot
from aiposture.collect.export_script import DIAGNOSTIC_TYPES, ExportOptions, render
from aiposture.collect.exports import FileSource
from aiposture.config import Settings
from aiposture.errors import ConfigError, InputError
from aiposture.model.normalize import normalize
from aiposture.model.types import CoverageStatus

SUB = "11111111-2222-3333-4444-555555555555"
ACCOUNT = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a"


def test_bad_subscription_id_is_refused_with_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aiposture", "export-script", "--subscription", "x'; rm -rf ~; '"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "GUID" in done.stderr
    with pytest.raises(ConfigError):
        render(ExportOptions(subscriptions=("$(id)",)))
    with pytest.raises(ConfigError):
        render(ExportOptions(management_groups=("a b",)))


def test_script_is_valid_bash_and_carries_the_scope() -> None:
    text = render(ExportOptions(subscriptions=(SUB.upper(),)))
    assert f"SCOPE_SUBSCRIPTIONS=({SUB})" in text
    assert "set -e" not in text
    assert "--method get" in text and "--method post" not in text.lower()
    done = subprocess.run(["bash", "-n"], input=text, text=True, capture_output=True)
    assert done.returncode == 0, done.stderr


def test_diagnostic_types_cover_every_demo_target() -> None:
    inv = normalize(demo_snapshot())
    targets = rule_diagnostic_targets(inv)
    types = {r.type for r in inv.all_resources() if r.id in targets}
    assert types and types <= set(DIAGNOSTIC_TYPES)


def _page(data: list[dict[str, object]], token: str | None, total: int) -> dict[str, object]:
    return {"count": len(data), "data": data, "skip_token": token, "total_records": total}


def _row(name: str) -> dict[str, object]:
    return {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/"
        f"storageAccounts/{name}",
        "type": "microsoft.storage/storageaccounts",
        "name": name,
        "subscriptionId": SUB,
    }


def _write_export(root: Path, *, drop_page_2: bool = False) -> None:
    (root / "arg").mkdir(parents=True)
    (root / "arg" / "q1-resources-p001.json").write_text(json.dumps(_page([_row("a")], "tok", 2)))
    if not drop_page_2:
        (root / "arg" / "q1-resources-p002.json").write_text(
            json.dumps(_page([_row("b")], None, 2))
        )
    (root / "graph").mkdir()
    (root / "graph" / "q2-users-p001.json").write_text(
        json.dumps({"value": [{"id": "u1"}], "@odata.nextLink": "https://graph/next"})
    )
    (root / "graph" / "q2-users-p002.json").write_text(json.dumps({"value": [{"id": "u2"}]}))
    manifest = {
        "format": "aiposture-export-manifest",
        "version": "1.1",
        "files": [
            {"path": "arg/q1-resources-p001.json", "group": "q1", "page": 1, "last": False},
            {"path": "arg/q1-resources-p002.json", "group": "q1", "page": 2, "last": True},
            {
                "path": "graph/q2-users-p001.json",
                "group": "q2",
                "page": 1,
                "last": False,
                "collection": "graph.users",
            },
            {
                "path": "graph/q2-users-p002.json",
                "group": "q2",
                "page": 2,
                "last": True,
                "collection": "graph.users",
            },
        ],
        "coverage": [
            {"collection": "resources", "scope": f"/subscriptions/{SUB}", "status": "complete"},
            {"collection": "graph.users", "scope": "tenant", "status": "complete"},
        ],
    }
    (root / "aiposture-manifest.json").write_text(json.dumps(manifest))


def _status(snap: object, collection: str, scope: str) -> CoverageStatus:
    return next(
        c.status
        for c in snap.coverage  # type: ignore[attr-defined]
        if c.collection == collection and c.scope.lower() == scope.lower()
    )


def test_pages_of_one_request_are_joined(tmp_path: Path) -> None:
    _write_export(tmp_path / "e")
    src = FileSource([tmp_path / "e"])
    snap = src.load()
    assert src.warnings == []
    assert _status(snap, "resources", f"/subscriptions/{SUB}") is CoverageStatus.COMPLETE
    assert _status(snap, "graph.users", "tenant") is CoverageStatus.COMPLETE
    assert sorted(o["id"] for o in snap.graph["users"]) == ["u1", "u2"]
    assert len(snap.resources) == 2


def test_a_missing_page_is_a_gap_whatever_the_manifest_says(tmp_path: Path) -> None:
    _write_export(tmp_path / "e", drop_page_2=True)
    snap = FileSource([tmp_path / "e"]).load()
    inv = normalize(snap)
    key = str(_row("a")["id"]).lower()
    assert inv.coverage.status("resources", key).status is CoverageStatus.PARTIAL


def test_archive_is_read_like_its_directory(tmp_path: Path) -> None:
    _write_export(tmp_path / "e")
    archive = tmp_path / "e.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(tmp_path / "e", arcname="e")
    snap = FileSource([archive]).load()
    assert _status(snap, "resources", f"/subscriptions/{SUB}") is CoverageStatus.COMPLETE
    assert len(snap.graph["users"]) == 2


def test_archive_escaping_its_directory_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bad.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        data = b"{}"
        info = tarfile.TarInfo("../escape.json")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    with pytest.raises(InputError):
        FileSource([archive]).load()
    assert not (tmp_path / "escape.json").exists()


def test_gap_hints_name_the_collection_count_and_command(tmp_path: Path) -> None:
    (tmp_path / "list.json").write_text(
        json.dumps(
            {
                "value": [
                    {
                        "id": ACCOUNT,
                        "type": "Microsoft.CognitiveServices/accounts",
                        "kind": "OpenAI",
                        "name": "a",
                        "location": "eastus",
                        "properties": {"publicNetworkAccess": "Enabled"},
                    }
                ]
            }
        )
    )
    snap = FileSource([tmp_path / "list.json"]).load()
    result = scan_inventory(
        normalize(snap), Settings(), "test", now=dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    )
    hints = {h.collection: h for h in gap_hints(result)}
    unknown_diag = sum(
        1
        for f in result.findings
        if f.status.value == "UNKNOWN" and "diagnosticSettings" in f.missing
    )
    assert unknown_diag > 0
    assert hints["diagnosticSettings"].unknown == unknown_diag
    assert hints["diagnosticSettings"].command == (
        f"az rest --method get --url '{ACCOUNT}/providers/Microsoft.Insights/"
        "diagnosticSettings?api-version=2021-05-01-preview'"
    )


def _pwsh_errors(text: str) -> list[tuple[object, bytes]]:
    import tree_sitter
    import tree_sitter_powershell

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    data = text.encode()
    tree = parser.parse(data)
    out: list[tuple[object, bytes]] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            out.append((node.start_point, data[node.start_byte : node.start_byte + 80]))
        stack.extend(node.children)
    return out


def test_powershell_script_parses() -> None:
    """PowerShell itself is not installable here: the tree-sitter PowerShell grammar checks the
    syntax (docs/export.md says so)."""
    for options in (
        ExportOptions(shell="pwsh"),
        ExportOptions(shell="pwsh", subscriptions=(SUB,)),
        ExportOptions(shell="pwsh", management_groups=("contoso-corp",)),
    ):
        text = render(options)
        assert "#Requires -Version 7.0" in text
        assert _pwsh_errors(text) == []
    # The check can fail: a broken script is reported.
    assert _pwsh_errors("function f( { if ($a -eq ) { }") != []


def test_terminal_report_of_an_export_ends_with_the_gaps(tmp_path: Path) -> None:
    _write_export(tmp_path / "e")
    env = {**os.environ, "COLUMNS": "300"}
    done = subprocess.run(
        [sys.executable, "-m", "aiposture", "scan", "--input", str(tmp_path / "e")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    tail = done.stdout.split("Gaps in the export", 1)[1]
    assert "graph.conditionalAccessPolicies: would decide 1 UNKNOWN" in tail
    assert "ask the customer to run: az rest --method get --url" in tail
    demo = subprocess.run(
        [sys.executable, "-m", "aiposture", "scan", "--demo"], capture_output=True, text=True
    )
    assert demo.returncode == 0 and "Gaps in the export" not in demo.stdout


def test_script_lists_datastores_and_private_dns_zone_groups_never_their_secrets() -> None:
    """Both scripts ask what the collector asks: each ML workspace's datastores (metadata; the
    listSecrets action never) and each private endpoint's DNS zone groups (AIP-DAT-013,
    AIP-NET-019)."""
    from aiposture.collect.export_script import build_plan

    lists = {
        (rtype, s.collection, s.suffix, s.api_version)
        for rtype, _kind, steps in build_plan().children
        for s in steps
    }
    assert {
        ("microsoft.machinelearningservices/workspaces", "datastores", "/datastores", "2024-10-01"),
        (
            "microsoft.network/privateendpoints",
            "privateDnsZoneGroups",
            "/privateDnsZoneGroups",
            "2024-05-01",
        ),
    } <= lists
    for shell in ("bash", "pwsh"):
        script = render(ExportOptions(shell=shell, subscriptions=(SUB,)))
        assert "/privateDnsZoneGroups" in script and "/datastores" in script
        assert "listsecrets" not in script.lower()
