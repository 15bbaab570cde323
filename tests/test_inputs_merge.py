"""Rows with the same id in several files merge by a documented rule, whatever the file order."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

from aiposture.app import scan_inventory
from aiposture.collect.exports import FileSource
from aiposture.config import Settings
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import Snapshot

FIXED_NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
RG = "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/rg"
ACC = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai"
SEARCH = f"{RG}/providers/Microsoft.Search/searchServices/srch"


def account(public: str, local_auth_off: bool, modified: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": ACC,
        "name": "oai",
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": "OpenAI",
        "properties": {"publicNetworkAccess": public, "disableLocalAuth": local_auth_off},
    }
    if modified:
        row["systemData"] = {"lastModifiedAt": modified}
    return row


def search(public: str) -> dict[str, Any]:
    return {
        "id": SEARCH,
        "name": "srch",
        "type": "Microsoft.Search/searchServices",
        "properties": {"publicNetworkAccess": public},
    }


def write(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def findings(paths: list[Path]) -> tuple[set[tuple[str, str, str]], Snapshot]:
    snap = FileSource(paths).load()
    rows = [dict(r) for r in snap.iter_resources()]
    inv = normalize(FileSource(paths).load())
    result = scan_inventory(inv, Settings(), "test", now=FIXED_NOW)
    got = {(f.rule.id, f.resource_name, f.status.value) for f in result.findings}
    snap.resources = rows
    return got, snap


def test_file_order_does_not_change_inventory_or_findings(tmp_path: Path) -> None:
    files = [
        write(tmp_path / "a.json", [account("Enabled", False), search("enabled")]),
        write(tmp_path / "b.json", {"value": [account("Disabled", True), search("disabled")]}),
        write(tmp_path / "c.json", [account("Enabled", True)]),
    ]
    outcomes = set()
    kept = set()
    for order in itertools.permutations(files):
        got, snap = findings(list(order))
        outcomes.add(frozenset(got))
        kept.add(json.dumps(list(snap.resources), sort_keys=True))
        # Each conflict is a warning naming both files.
        assert all(w.count(".json: item [") == 2 for w in snap.warnings)
        assert len(snap.warnings) == 3  # two losers for the account, one for the search
    assert len(outcomes) == 1 and len(kept) == 1


def test_get_body_beats_list_row_then_newer_beats_older(tmp_path: Path) -> None:
    listed = write(tmp_path / "list.json", {"value": [account("Enabled", False)]})
    got_body = write(tmp_path / "show.json", account("Disabled", True))
    for order in ([listed, got_body], [got_body, listed]):
        (row,) = FileSource(order).load().iter_resources()
        assert row["properties"]["publicNetworkAccess"] == "Disabled"
    old = write(tmp_path / "old.json", [account("Enabled", False, "2026-01-01T00:00:00Z")])
    new = write(tmp_path / "new.json", [account("Disabled", False, "2026-03-01T08:00:00.1234567Z")])
    for order in ([old, new], [new, old]):
        snap = FileSource(order).load()
        (row,) = snap.iter_resources()
        assert row["properties"]["publicNetworkAccess"] == "Disabled"
        assert snap.warnings == [
            f"{new}: item [0] and {old}: item [0] both hold {ACC} and differ; kept the first "
            "(newer systemData.lastModifiedAt)"
        ]


def test_identical_rows_count_once_without_warning(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", [account("Enabled", False)])
    b = write(tmp_path / "b.json", {"value": [account("Enabled", False)]})
    snap = FileSource([a, b]).load()
    assert len(list(snap.iter_resources())) == 1
    assert snap.warnings == []
