"""The native snapshot format: streaming write, read back (plain and gzip), versioning."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import msgspec
import pytest

from aiposture.collect.exports import FileSource
from aiposture.errors import InputError
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import (
    FORMAT_NAME,
    SCHEMA_VERSION,
    Coverage,
    Metadata,
    Snapshot,
    SnapshotWriter,
    ToolInfo,
    collection_of,
    load_snapshot,
    open_streaming,
    snapshot_to_bytes,
    write_snapshot,
)
from aiposture.model.types import CoverageStatus

SUB = "/subscriptions/11111111-1111-1111-1111-111111111111"
ACCOUNT = f"{SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/oai-1"

ROWS = [
    {
        "id": ACCOUNT,
        "name": "oai-1",
        "type": "Microsoft.CognitiveServices/accounts",
        "location": "swedencentral",
        "kind": "OpenAI",
        "tags": {"owner": "ai@contoso.com", "note": "caf\u00e9 \u2603 </script>"},
        "properties": {"publicNetworkAccess": "Disabled", "disableLocalAuth": True},
    },
    {
        "id": f"{ACCOUNT}/deployments/gpt-4o",
        "name": "gpt-4o",
        "type": "Microsoft.CognitiveServices/accounts/deployments",
        "properties": {"model": {"name": "gpt-4o", "version": "2024-11-20"}, "capacity": 10},
    },
]
GRAPH = {
    "servicePrincipals": [{"id": "sp-1", "displayName": "sp", "servicePrincipalType": "App"}],
    "users": [{"id": "u-1", "displayName": "User"}],
}
COVERAGE = [
    Coverage("resources", "tenant", CoverageStatus.COMPLETE, count=2),
    Coverage("diagnosticSettings", SUB, CoverageStatus.DENIED, "403 AuthorizationFailed"),
    Coverage("graph.users", "tenant", CoverageStatus.NOT_COLLECTED, "no Graph token"),
]
META = Metadata(
    tenant_id="72f988bf-0000-0000-0000-000000000001",
    cloud="AzureCloud",
    collected_at="2026-11-02T09:00:00Z",
    tool=ToolInfo(name="aiposture", version="9.9.9"),
    source="live",
    scopes=("tenant",),
)


def _snapshot() -> Snapshot:
    return Snapshot(metadata=META, coverage=list(COVERAGE), resources=list(ROWS), graph=GRAPH)


@pytest.mark.parametrize("name", ["snap.json", "snap.json.gz"])
def test_round_trip(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    write_snapshot(_snapshot(), path)
    raw = path.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == name.endswith(".gz")

    back = load_snapshot(path)
    assert back.metadata == META
    assert back.coverage == COVERAGE
    assert list(back.iter_resources()) == ROWS
    assert back.graph == GRAPH
    assert back.resource_count == 2
    assert back.origin == str(path)


def test_file_is_plain_json_with_documented_members(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    write_snapshot(_snapshot(), path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == FORMAT_NAME
    assert doc["schema_version"] == SCHEMA_VERSION
    assert set(doc) == {"format", "schema_version", "metadata", "resources", "graph", "coverage"}
    assert doc["metadata"]["tool"] == {"name": "aiposture", "version": "9.9.9"}
    assert doc["coverage"][1] == {
        "collection": "diagnosticSettings",
        "scope": SUB,
        "status": "denied",
        "reason": "403 AuthorizationFailed",
        "count": None,
    }
    # Rows are kept verbatim, including their casing.
    assert doc["resources"] == ROWS


def test_gzip_name_decides_compression_and_is_deterministic(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_snapshot(_snapshot(), tmp_path / "a" / "x.json.gz")
    write_snapshot(_snapshot(), tmp_path / "b" / "y.json.gz")
    a = (tmp_path / "a" / "x.json.gz").read_bytes()
    b = (tmp_path / "b" / "y.json.gz").read_bytes()
    assert a == b  # no file name or mtime in the gzip header
    assert gzip.decompress(a) == snapshot_to_bytes(_snapshot())


def test_streaming_writer_to_a_stream_and_lazy_graph() -> None:
    buf = io.BytesIO()
    with SnapshotWriter(buf, META) as w:
        for i in range(3):
            w.add(
                {"id": f"{SUB}/resourceGroups/rg-{i}", "type": "Microsoft.Resources/resourceGroups"}
            )
        assert w.count == 3
        w.close({"users": (u for u in GRAPH["users"])}, COVERAGE[:1])
    doc = msgspec.json.decode(buf.getvalue())
    assert [r["id"].rsplit("/", 1)[-1] for r in doc["resources"]] == ["rg-0", "rg-1", "rg-2"]
    assert doc["graph"] == {"users": GRAPH["users"]}


def test_empty_snapshot_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    write_snapshot(Snapshot(metadata=META), path)
    back = load_snapshot(path)
    assert back.resource_count == 0
    assert back.graph == {}
    assert back.coverage == []


def _native(tmp_path: Path, **members: object) -> Path:
    doc: dict[str, object] = {"format": FORMAT_NAME, "schema_version": "1.0", "resources": []}
    doc.update(members)
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_minor_version_newer_is_accepted(tmp_path: Path) -> None:
    back = load_snapshot(_native(tmp_path, schema_version="1.7"))
    assert back.resource_count == 0


@pytest.mark.parametrize(
    ("version", "needle"), [("2.0", "newer than this aiposture supports"), ("v1", "not a version")]
)
def test_bad_schema_version(tmp_path: Path, version: str, needle: str) -> None:
    with pytest.raises(InputError) as err:
        load_snapshot(_native(tmp_path, schema_version=version))
    assert str(err.value).startswith(str(tmp_path / "snap.json"))
    assert needle in str(err.value)


def test_malformed_members_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="`coverage` is malformed"):
        load_snapshot(_native(tmp_path, coverage=[{"collection": "x", "status": "maybe"}]))
    with pytest.raises(InputError, match=r"resources\[1\] is not a JSON object"):
        load_snapshot(_native(tmp_path, resources=[{"id": "/x", "type": "t"}, 42]))
    with pytest.raises(InputError, match="`resources` must be a JSON array"):
        load_snapshot(_native(tmp_path, resources={"id": "/x"}))


def test_not_a_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text('{"value": []}', encoding="utf-8")
    with pytest.raises(InputError, match="not an aiposture snapshot"):
        load_snapshot(path)


@pytest.mark.parametrize(
    ("type_", "id_", "collection"),
    [
        ("microsoft.cognitiveservices/accounts", ACCOUNT.lower(), "resources"),
        ("microsoft.cognitiveservices/accounts/deployments", "x", "deployments"),
        ("microsoft.authorization/roleassignments", "x", "roleAssignments"),
        (
            "microsoft.insights/diagnosticsettings",
            f"{ACCOUNT}/providers/microsoft.insights/diagnosticSettings/d".lower(),
            "diagnosticSettings",
        ),
        (
            "microsoft.insights/diagnosticsettings",
            f"{SUB}/providers/microsoft.insights/diagnosticSettings/d".lower(),
            "activityLogExport",
        ),
    ],
)
def test_collection_of(type_: str, id_: str, collection: str) -> None:
    assert collection_of(type_, id_) == collection


# ---- streaming read of files in the writer's layout ------------------------------------------


@pytest.mark.parametrize("name", ["snap.json", "snap.json.gz"])
def test_writer_layout_is_read_row_by_row(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    write_snapshot(_snapshot(), path)
    snap = open_streaming(path)
    assert snap is not None
    assert snap.metadata == META
    assert snap.coverage == []  # coverage follows the rows in the file
    assert list(snap.iter_resources()) == ROWS
    assert snap.coverage == COVERAGE
    assert snap.graph == GRAPH
    assert snap.resource_count == 2
    # FileSource takes the streaming path for a single snapshot, and normalize indexes the
    # coverage it finds after the rows.
    src = FileSource([path], stream=True).load()
    assert src.stream is not None
    inv = normalize(src)
    assert set(inv.accounts) == {ACCOUNT.lower()}
    # Without opting in (e.g. the fake Azure, which indexes `resources`), files are read whole.
    whole = FileSource([path]).load()
    assert whole.stream is None
    assert whole.resource_count == 2
    assert whole.graph == GRAPH
    assert (
        inv.coverage.status("diagnosticSettings", ACCOUNT.lower()).status is CoverageStatus.DENIED
    )


def test_other_layouts_are_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "pretty.json"
    doc = json.loads(snapshot_to_bytes(_snapshot()))
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    assert open_streaming(path) is None
    snap = FileSource([path], stream=True).load()
    assert snap.stream is None
    assert list(snap.iter_resources()) == ROWS
    assert snap.coverage == COVERAGE


def test_streamed_errors(tmp_path: Path) -> None:
    text = snapshot_to_bytes(_snapshot())
    lines = text.split(b"\n")
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\n".join([*lines[:3], b'{"id": "/x", broken},', *lines[4:]]))
    snap = open_streaming(bad)
    assert snap is not None
    with pytest.raises(InputError, match="invalid JSON at line 4"):
        list(snap.iter_resources())

    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(gzip.compress(text)[:-30])
    snap = open_streaming(cut)
    assert snap is not None
    with pytest.raises(InputError, match="corrupt or truncated gzip"):
        list(snap.iter_resources())

    newer = tmp_path / "newer.json"
    newer.write_bytes(text.replace(b'"schema_version":"1.0"', b'"schema_version":"3.1"', 1))
    with pytest.raises(InputError, match="newer than this aiposture supports"):
        open_streaming(newer)
