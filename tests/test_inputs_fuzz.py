"""Fuzz the input readers: whatever the bytes or the JSON shape, the only error is InputError
(one line), never a traceback of another kind."""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiposture.collect.exports import FileSource
from aiposture.errors import InputError
from aiposture.model.normalize import normalize
from aiposture.report.baseline import load_baseline

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

IDS = st.sampled_from(
    [
        "/subscriptions/s",
        "/subscriptions/s/resourceGroups/rg",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a/"
        "raiPolicies/p",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a/"
        "deployments/d",
        "/providers/Microsoft.Management/managementGroups/m/providers/"
        "Microsoft.Authorization/roleAssignments/r",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x/"
        "providers/Microsoft.Insights/diagnosticSettings/d",
        "string",
        "",
        "/",
        "/providers",
    ]
)
TYPES = st.sampled_from(
    [
        "Microsoft.CognitiveServices/accounts",
        "microsoft.cognitiveservices/accounts/deployments",
        "Microsoft.Authorization/roleAssignments",
        "Microsoft.Network/networkSecurityGroups",
        "Microsoft.Insights/diagnosticSettings",
        "x",
        "",
    ]
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
JSON: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "type", "name", "properties", "value", "data", "Id", "x"])
            | st.text(max_size=5),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)
ROW = st.fixed_dictionaries(
    {"id": IDS | JSON, "properties": JSON},
    optional={
        "type": TYPES | JSON,
        "systemData": st.fixed_dictionaries({"lastModifiedAt": st.text(max_size=30) | JSON}),
        "principalId": st.text(max_size=5),
        "roleDefinitionId": st.text(max_size=5) | JSON,
        "identity": JSON,
        "sku": JSON,
        "tags": JSON,
    },
)
DOC = (
    st.lists(ROW | JSON, max_size=5)
    | st.fixed_dictionaries(
        {"value": st.lists(ROW | JSON, max_size=5)},
        optional={"nextLink": JSON, "@odata.nextLink": JSON},
    )
    | st.fixed_dictionaries(
        {"data": st.lists(ROW, max_size=5) | JSON},
        optional={"skip_token": JSON, "totalRecords": JSON, "count": JSON},
    )
    | ROW
    | JSON
    | st.fixed_dictionaries(
        {"format": st.just("aiposture-export-manifest"), "coverage": JSON},
        optional={"version": JSON, "tenant_id": JSON},
    )
    | st.fixed_dictionaries(
        {"format": st.just("aiposture-snapshot"), "schema_version": st.just("1.0")},
        optional={"resources": st.lists(ROW | JSON, max_size=4) | JSON, "coverage": JSON},
    )
)


def _read(paths: list[Path]) -> None:
    try:
        snap = FileSource(paths).load()
        normalize(snap)
    except InputError as exc:
        assert "\n" not in str(exc)


@FUZZ
@given(data=st.binary(max_size=300), gz=st.booleans())
def test_arbitrary_bytes(data: bytes, gz: bool) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.json"
        path.write_bytes(gzip.compress(data) if gz else data)
        _read([path])
        try:
            load_baseline(path)
        except InputError as exc:
            assert "\n" not in str(exc)


@FUZZ
@given(docs=st.lists(DOC, min_size=1, max_size=3), encoding=st.sampled_from(["utf-8", "utf-16"]))
def test_arbitrary_json_shapes(docs: list[Any], encoding: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, doc in enumerate(docs):
            path = Path(d) / f"f{i}.json"
            path.write_bytes(json.dumps(doc).encode(encoding))
            paths.append(path)
        _read(paths)
        _read([Path(d)])
