"""The columnar role-assignment store (model/role_assignments.py): same entities, a fraction of
the memory, and the permission index reading it."""

from __future__ import annotations

import gc
import tracemalloc
import uuid
from typing import Any

from aiposture.facts.permissions import PermissionIndex, table_note
from aiposture.model.entities import Identity, RoleAssignment
from aiposture.model.normalize import normalize
from aiposture.model.role_assignments import RoleAssignments
from aiposture.model.snapshot import Coverage, Metadata, Snapshot
from aiposture.model.types import CoverageStatus

SUB = "/subscriptions/44444444-4444-4444-4444-444444444444"
ACC = f"{SUB}/resourceGroups/RG-AI/providers/Microsoft.CognitiveServices/accounts/oai-1"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def _ra_row(scope: str, name: str, principal: str, role: str, **props: Any) -> dict[str, Any]:
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
        "name": name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}",
            "principalId": principal,
            "principalType": "User",
            "scope": scope,
            **props,
        },
    }


def _normalize(rows: list[dict[str, Any]]) -> Any:
    cov = [Coverage("roleAssignments", "tenant", CoverageStatus.COMPLETE)]
    return normalize(Snapshot(metadata=Metadata(tenant_id="t"), coverage=cov, resources=rows))


def test_rows_come_back_as_the_entities_normalization_made() -> None:
    """Every field of each entity as the one-object-per-row code made it: a GUID name, a
    name in capitals, a name that is not a GUID, a condition and a description."""
    upper = "0A1B2C3D-0000-4000-8000-00000000ABCD"
    inv = _normalize(
        [
            _ra_row(SUB, "11111111-1111-4111-8111-111111111111", "P-1", OWNER),
            _ra_row(ACC, upper, "p-2", READER, description="ops", condition="@x == 1"),
            _ra_row(ACC, "not-a-guid", "p-3", READER),
        ]
    )
    ras = inv.role_assignments
    assert isinstance(ras, RoleAssignments) and len(ras) == 3
    got = list(ras)
    expected_ids = [
        f"{SUB}/providers/Microsoft.Authorization/roleAssignments/11111111-1111-4111-8111-111111111111",
        f"{ACC}/providers/Microsoft.Authorization/roleAssignments/{upper}",
        f"{ACC}/providers/Microsoft.Authorization/roleAssignments/not-a-guid",
    ]
    assert [r.id for r in got] == expected_ids
    assert [r.key for r in got] == [i.lower() for i in expected_ids]
    assert [r.name for r in got] == [i.rsplit("/", 1)[-1] for i in expected_ids]
    assert {(r.subscription_id, r.resource_group) for r in got} == {
        ("44444444-4444-4444-4444-444444444444", ""),
        ("44444444-4444-4444-4444-444444444444", "rg-ai"),
    }
    assert [(r.principal_id, r.role_definition_guid, r.scope) for r in got] == [
        ("p-1", OWNER, SUB.lower()),
        ("p-2", READER, ACC.lower()),
        ("p-3", READER, ACC.lower()),
    ]
    assert [(r.condition, r.description) for r in got] == [
        (None, None),
        ("@x == 1", "ops"),
        (None, None),
    ]
    assert got[1] == ras[1] == ras[-2] and ras[0:2] == got[:2]
    assert all(r.type == "microsoft.authorization/roleassignments" for r in got)


def test_appended_entities_round_trip_field_for_field() -> None:
    """Builders, tests and benchmarks append entities: whatever they carry comes back."""
    odd = RoleAssignment(
        id="/Subscriptions/S/providers/Microsoft.Authorization/roleAssignments/x",
        key="custom-key",
        name="display",
        type="microsoft.authorization/roleassignments",
        location="westeurope",
        subscription_id="other",
        resource_group="rg",
        kind="k",
        sku="s",
        tags={"a": "b"},
        identity=Identity(type="SystemAssigned", principal_id="mi"),
        principal_id="p",
        principal_type=None,
        role_definition_id="/x/" + READER,
        role_definition_guid=READER,
        scope="/subscriptions/s",
        condition="c",
        description="d",
    )
    plain = RoleAssignment(
        id=f"{SUB}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}",
        key="",
        name="",
        type="microsoft.authorization/roleassignments",
        principal_id="p",
        principal_type="Group",
        role_definition_id="/x/" + OWNER,
        role_definition_guid=OWNER,
        scope=SUB.lower(),
    )
    plain = RoleAssignment(
        **{
            **{f: getattr(plain, f) for f in RoleAssignment.__dataclass_fields__},
            "key": plain.id.lower(),
            "name": plain.id.rsplit("/", 1)[-1],
            "subscription_id": "44444444-4444-4444-4444-444444444444",
        }
    )
    store = RoleAssignments([odd, plain])
    assert list(store) == [odd, plain]
    assert store.lookup([plain.key.upper(), "custom-key", "/nothing"]) == {
        plain.key: plain,
        "custom-key": odd,
    }


def test_a_row_costs_a_fraction_of_an_entity() -> None:
    """Measured, not assumed: the store holds 20,000 assignments (over 500 scopes, 50
    principals, 2 roles) in under 150 bytes each; one frozen entity per row took about 870."""
    n = 20_000
    rows = [
        _ra_row(f"{ACC}-{i % 500}", str(uuid.UUID(int=i + 1, version=4)), f"p{i % 50}", OWNER)
        for i in range(n)
    ]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        inv = _normalize(rows)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(inv.role_assignments) == n
    per_row = held / n
    assert per_row < 150, f"{per_row:.0f} bytes per role assignment"


def test_permission_index_reads_the_columns() -> None:
    """Grants carry the assignment's own id and condition, read from the store's rows."""
    inv = _normalize(
        [
            _ra_row(SUB, "11111111-1111-4111-8111-111111111111", "p-1", OWNER),
            _ra_row(ACC, "22222222-2222-4222-8222-222222222222", "p-2", OWNER, condition="c"),
            _ra_row(ACC, "33333333-3333-4333-8333-333333333333", "p-3", READER),
        ]
    )
    idx = PermissionIndex(inv)
    grants = idx.grants_on(ACC, "Microsoft.Authorization/roleAssignments/write")
    assert {(g.principal_id, g.assignment_id, g.inherited, g.conditional) for g in grants} == {
        ("p-2", inv.role_assignments.id_of(1), False, True),
        ("p-1", inv.role_assignments.id_of(0), True, False),
    }
    assert [g.assignment_id for g in idx.grants_of("P-3")] == [inv.role_assignments[2].id]


def test_table_evidence_line_is_one_string_per_set_of_roles() -> None:
    """Tens of thousands of findings carry the same ~500-byte line: they share one string."""
    first = table_note([OWNER, READER])
    again = table_note([READER, OWNER, READER])
    assert first == again and first is again
    assert table_note([OWNER]) != first
