"""model.redact: secrets masked at collection (SnapshotWriter) and counted in the metadata."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from aiposture.collect.demo import demo_snapshot
from aiposture.config import Settings
from aiposture.model.normalize import normalize
from aiposture.model.redact import REDACTED, redact_row, redact_text, redact_value
from aiposture.model.snapshot import (
    Metadata,
    Snapshot,
    SnapshotWriter,
    load_snapshot,
    open_streaming,
    write_snapshot,
)
from aiposture.rules.engine import evaluate
from hostile_tenant import SECRETS, hostile_rows, hostile_user

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("https://st.blob.core.windows.net/c?sv=2022&sp=r&sig=abc%2Bdef%3D&se=x", "abc%2Bdef%3D"),
        ("DefaultEndpointsProtocol=https;AccountName=st;AccountKey=AbC+/9==;Suffix=x", "AbC+/9=="),
        ("Endpoint=sb://ns/;SharedAccessKeyName=Root;SharedAccessKey=Zz9=", "Zz9="),
        ("SharedAccessSignature=sr=x&sig=S1G&se=1", "S1G"),
        ("Authorization: Bearer eyJhbGciOi.eyJzdWIi.sIgNaTuRe", "eyJhbGciOi"),
        ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl here", "eyJhbGciOiJIUzI1NiJ9"),
        ("Server=tcp:db;User ID=sa;Password=Hunter2!;Encrypt=true", "Hunter2!"),
        ("redis:6380,password=R3d1s,ssl=True", "R3d1s"),
    ],
)
def test_secret_patterns_in_strings(text: str, secret: str) -> None:
    masked, n = redact_text(text)
    assert secret not in masked and REDACTED in masked and n >= 1
    # Idempotent: masking again finds nothing new.
    assert redact_text(masked) == (masked, 0)


@pytest.mark.parametrize(
    "text",
    [
        "disableLocalAuth=true",
        "allowSharedKeyAccess: false",
        "SharedAccessKeyName=RootManageSharedAccessKey",
        "keySource Microsoft.KeyVault",
        "https://oai.openai.azure.com/",
        "the signature was checked",
    ],
)
def test_settings_and_plain_text_are_not_secrets(text: str) -> None:
    assert redact_text(text) == (text, 0)


def test_secret_members_anywhere_in_a_row() -> None:
    row = {
        "id": "/x",
        "type": "Microsoft.ApiManagement/service/backends",
        "properties": {
            "credentials": {"header": {"x-api-key": ["k1"]}},
            "disableLocalAuth": True,
            "allowSharedKeyAccess": False,
            "encryption": {"keySource": "Microsoft.KeyVault"},
            "passwordCredentials": [{"keyId": "1", "hint": "abc"}],
            "nested": [{"connectionString": "c"}, {"primaryKey": "p", "password": True}],
            "clientSecret": "",
        },
    }
    out, n = redact_row(row)
    props = out["properties"]
    assert n == 3
    assert props["credentials"] == REDACTED
    assert props["nested"] == [
        {"connectionString": REDACTED},
        {"primaryKey": REDACTED, "password": True},
    ]
    # Settings the rules read, credential metadata and empty values stay as they were.
    for key in ("disableLocalAuth", "allowSharedKeyAccess", "encryption", "passwordCredentials"):
        assert props[key] == row["properties"][key]  # type: ignore[index]
    assert props["clientSecret"] == ""
    assert row["properties"]["credentials"] == {"header": {"x-api-key": ["k1"]}}  # type: ignore[index]
    clean = {"id": "/y", "properties": {"a": 1}}
    assert redact_value(clean) == (clean, 0) and redact_value(clean)[0] is clean


@pytest.mark.parametrize("name", ["snap.json", "snap.json.gz"])
def test_writer_masks_secrets_and_records_the_count(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with SnapshotWriter(path, Metadata(tenant_id="t", source="live")) as writer:
        writer.add_all(hostile_rows())
        writer.close({"users": [hostile_user()]}, [])
    raw = path.read_bytes()
    text = (
        raw.decode("utf-8")
        if not name.endswith(".gz")
        else __import__("gzip").decompress(raw).decode("utf-8")
    )
    leaked = [k for k, v in SECRETS.items() if v in text]
    assert leaked == []
    assert writer.redactions == 11
    # Both readers see the count: whole-file and row-by-row.
    assert load_snapshot(path).metadata.redactions == 11
    streamed = open_streaming(path)
    assert streamed is not None
    assert streamed.metadata.redactions == 0  # known only once the rows are read
    inv = normalize(streamed)
    assert inv.metadata.redactions == 11


def test_rewriting_a_snapshot_keeps_the_earlier_count(tmp_path: Path) -> None:
    first = tmp_path / "a.json"
    snap = Snapshot(metadata=Metadata(tenant_id="t"), resources=hostile_rows())
    write_snapshot(snap, first)
    again = tmp_path / "b.json"
    write_snapshot(load_snapshot(first), again)
    assert load_snapshot(again).metadata.redactions == load_snapshot(first).metadata.redactions


def test_old_snapshots_without_the_count_load(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    doc = {
        "format": "aiposture-snapshot",
        "schema_version": "1.0",
        "metadata": {"tenant_id": "t", "source": "live"},
        "resources": [],
        "graph": {},
        "coverage": [],
    }
    path.write_text(json.dumps(doc))
    assert load_snapshot(path).metadata.redactions == 0


def test_demo_findings_unchanged_by_redaction(tmp_path: Path) -> None:
    """Redaction masks secrets, never the settings rules read: the demo scan gives the same
    (rule, resource, status) set whether or not its rows went through the writer."""
    demo = demo_snapshot()
    path = tmp_path / "demo.json"
    write_snapshot(demo, path)
    settings = Settings()

    def verdicts(snap: Snapshot) -> set[tuple[str, str, str]]:
        inv = normalize(snap)
        return {
            (f.rule.id, f.resource_id.lower(), f.status.value)
            for f in evaluate(inv, settings, now=NOW)
        }

    before = verdicts(demo_snapshot())
    after = verdicts(load_snapshot(path))
    assert before and before == after
