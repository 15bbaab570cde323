"""Microsoft's own REST API example responses (../shared/fixtures/azure-rest-examples) are read,
one by one and all together: bodies without `type` (raiPolicies, raiBlocklists) get theirs from
the id, duplicates across examples are merged, nothing is invented."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiposture.collect.exports import FileSource
from aiposture.model.normalize import normalize

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "azure-rest-examples"


def _bodies() -> list[tuple[str, Any]]:
    if not EXAMPLES.is_dir():
        return []
    out = []
    for f in sorted(EXAMPLES.rglob("*.json")):
        body = json.loads(f.read_text(encoding="utf-8"))["responses"]["200"]["body"]
        out.append((str(f.relative_to(EXAMPLES)), body))
    return out


BODIES = _bodies()
needs_examples = pytest.mark.skipif(not BODIES, reason=f"{EXAMPLES} is absent")


def _ids(body: Any) -> set[str]:
    rows = body["value"] if isinstance(body, dict) and "value" in body else [body]
    return {r["id"] for r in rows}


def _write_all(root: Path) -> dict[str, Path]:
    paths = {}
    for name, body in BODIES:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body), encoding="utf-8")
        paths[name] = path
    return paths


@needs_examples
@pytest.mark.parametrize(("name", "body"), BODIES, ids=[n for n, _ in BODIES])
def test_each_example_alone(tmp_path: Path, name: str, body: Any) -> None:
    path = _write_all(tmp_path)[name]
    snap = FileSource([path]).load()
    rows = list(snap.iter_resources())
    assert {r["id"] for r in rows} == _ids(body)
    normalize(FileSource([path]).load())


@needs_examples
def test_all_examples_together(tmp_path: Path) -> None:
    _write_all(tmp_path)
    snap = FileSource([tmp_path]).load()
    rows = list(snap.iter_resources())
    expected = set().union(*(_ids(b) for _, b in BODIES))
    # Every id once (the same search service is in several examples), none invented.
    assert sorted(r["id"].lower() for r in rows) == sorted({i.lower() for i in expected})
    inv = normalize(FileSource([tmp_path]).load())
    # The raiPolicies/raiBlocklists bodies carry no `type`: derived from their id.
    rai = {k.rsplit("/", 1)[-1] for k in inv.rai_policies}
    assert rai == {"raipolicyname"}
    blocklists = [
        o for o in inv.other if o.type == "microsoft.cognitiveservices/accounts/raiblocklists"
    ]
    assert [o.name for o in blocklists] == ["raiBlocklistName"]
    # Differing bodies of the same id are reported, naming both files.
    assert any("mysearchservice" in w and "SearchGetService" in w for w in snap.warnings)


def test_raipolicy_body_without_type_was_rejected_before(tmp_path: Path) -> None:
    """The shape of GetRaiPolicy.2025-06-01.json, inline (runs without ../shared too)."""
    rid = (
        "/subscriptions/subscriptionId/resourceGroups/resourceGroupName/providers/"
        "Microsoft.CognitiveServices/accounts/accountName/raiPolicies/raiPolicyName"
    )
    body = {
        "name": "raiPolicyName",
        "id": rid,
        "properties": {"basePolicyName": "Microsoft.Default", "mode": "Asynchronous_filter"},
    }
    path = tmp_path / "GetRaiPolicy.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    (row,) = FileSource([path]).load().iter_resources()
    assert row["type"] == "microsoft.cognitiveservices/accounts/raipolicies"
    inv = normalize(FileSource([path]).load())
    assert list(inv.rai_policies) == [rid.lower()]
