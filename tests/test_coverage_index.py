"""CoverageIndex answers as the rule states: the most specific record whose scope contains
the resource wins (first record on a tie); tenant / file / "/" scopes contain everything."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from aiposture.model.inventory import CoverageIndex
from aiposture.model.snapshot import Coverage
from aiposture.model.types import CoverageStatus

SCOPES = [
    "tenant",
    "/",
    "",
    "file:snap.json",
    "/subscriptions/a",
    "/Subscriptions/A/",
    "/subscriptions/ab",
    "/subscriptions/a/resourcegroups/r",
    "/providers/microsoft.management/managementgroups/m",
]
KEYS = [
    "",
    "/subscriptions/a",
    "/subscriptions/a/resourcegroups/r/providers/x/y",
    "/subscriptions/a/resourcegroups/rr",
    "/subscriptions/ab/x",
    "/subscriptions/abc",
    "/tenants/t",
    "x",
]


def reference(records: list[Coverage], collection: str, key: str) -> Coverage | None:
    items = []
    for rec in records:
        scope = rec.scope.lower().rstrip("/")
        if scope in ("tenant", "") or scope.startswith("file:"):
            scope = ""
        if rec.collection.lower() == collection.lower():
            items.append((scope, rec))
    items.sort(key=lambda item: len(item[0]), reverse=True)
    for scope, rec in items:
        if not scope or key == scope or key.startswith(scope + "/"):
            return rec
    return None


_records = st.lists(
    st.builds(
        Coverage,
        collection=st.sampled_from(["c", "C", "d"]),
        scope=st.sampled_from(SCOPES),
        status=st.sampled_from(list(CoverageStatus)),
        reason=st.sampled_from(["", "denied by policy"]),
    ),
    max_size=6,
)


@given(records=_records)
def test_status_matches_most_specific_record(records: list[Coverage]) -> None:
    index = CoverageIndex(records)
    for key in KEYS:
        for collection in ("c", "d", "e"):
            want = reference(records, collection, key)
            got = index.status(collection, key)
            if want is None:
                assert got.status is CoverageStatus.NOT_COLLECTED
            else:
                assert (got.status, got.scope) == (want.status, want.scope)
