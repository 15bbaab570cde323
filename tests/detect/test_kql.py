"""Every generated KQL query passes Microsoft's Kusto language service, and tenant names
(attacker-controlled) can only ever be string literals in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aiposture.app import load_inventory
from aiposture.collect.demo import DemoSource
from aiposture.detect.catalog import DETECTIONS, by_id
from aiposture.detect.kql import render_kql
from aiposture.detect.kql_text import kql_string
from aiposture.detect.model import AlertGroup
from aiposture.detect.scope import TenantScope, scope_from_inventory

KqlCheck = Callable[..., dict[str, Any]]

NASTY = (
    'acct" | union (AzureActivity | take 1) //',
    "acct' or 1==1 //",
    'back\\slash\\" quote',
    'x"); .drop table AzureActivity; print("',
    "newline\n| take 0",
    "tab\tand\rcr",
    "unicode ünïcödé 名前 ‮rtl",
    '@"verbatim"',
    "```multi```",
    "{{ template }}",
)


def _as_parsed(value: str) -> str:
    """What the literal must read back as: tab, CR and LF escaped and kept, other control
    characters dropped."""
    return "".join(ch for ch in value if ch in "\t\r\n" or (ch >= " " and ch != "\x7f"))


@pytest.fixture(scope="module")
def demo_scope() -> TenantScope:
    _snap, inv = load_inventory(DemoSource())
    return scope_from_inventory(inv, ["secops-admin@contoso.example"])


def test_every_detection_on_the_demo_tenant_passes_the_language_service(
    kusto: KqlCheck, demo_scope: TenantScope
) -> None:
    """Analytics rules and hunting variants alike."""
    queries = [(d.id, render_kql(d, demo_scope)) for d in DETECTIONS] + [
        (d.id + " hunting", render_kql(d, demo_scope, hunting=True)) for d in DETECTIONS
    ]
    results = kusto(queries)
    assert {i: r["diagnostics"] for i, r in results.items()} == {i: [] for i, _ in queries}


def test_every_detection_without_tenant_values_passes_too(kusto: KqlCheck) -> None:
    results = kusto([(d.id, render_kql(d, TenantScope())) for d in DETECTIONS])
    assert {i: r["diagnostics"] for i, r in results.items()} == {d.id: [] for d in DETECTIONS}


def test_the_check_can_fail(kusto: KqlCheck) -> None:
    """An unknown column, an unknown table and a syntax error are each reported."""
    results = kusto(
        [
            ("column", "AzureActivity | where NoSuchColumn == 1"),
            ("table", "NoSuchTable | take 1"),
            ("syntax", "AzureActivity | where"),
        ]
    )
    codes = {i: {d["code"] for d in r["diagnostics"]} for i, r in results.items()}
    assert codes == {"column": {"KS142"}, "table": {"KS204"}, "syntax": {"KS006"}}


def test_demo_resources_are_filled_in(kusto: KqlCheck, demo_scope: TenantScope) -> None:
    assert demo_scope.ai_accounts
    ids = ("AIP-DET-001", "AIP-DET-005", "AIP-DET-006")
    results = kusto([(i, render_kql(by_id(i), demo_scope)) for i in ids])
    assert set(demo_scope.ai_accounts) <= set(results["AIP-DET-001"]["literals"])
    assert demo_scope.ai_identities
    assert set(demo_scope.ai_identities) <= set(results["AIP-DET-006"]["literals"])
    assert "secops-admin@contoso.example" in results["AIP-DET-005"]["literals"]


def test_kql_injection_through_tenant_names(kusto: KqlCheck) -> None:
    """Names, ids and admins full of quotes, pipes and newlines stay single literals: the
    queries still parse cleanly and the parser reads back exactly the value that went in
    (control characters, which no Azure name holds, are dropped)."""
    scope = TenantScope(
        tenant="t",
        ai_accounts=NASTY,
        apim_services=NASTY,
        change_admins=NASTY,
        ai_identities=NASTY,
    )
    benign = tuple(f"name{n}" for n in range(len(NASTY)))
    plain_scope = TenantScope("t", benign, benign, benign, ai_identities=benign)
    both = kusto(
        [(d.id, render_kql(d, scope)) for d in DETECTIONS]
        + [("plain " + d.id, render_kql(d, plain_scope)) for d in DETECTIONS]
    )
    results = {d.id: both[d.id] for d in DETECTIONS}
    expected = {_as_parsed(n) for n in NASTY}
    # Defender alert grouping takes no tenant values (every AI alert counts).
    tenant_free = {d.id for d in DETECTIONS if isinstance(d.logic, AlertGroup)}
    assert tenant_free == {"AIP-DET-008"}
    for det in DETECTIONS:
        result = results[det.id]
        assert result["diagnostics"] == [], det.id
        if det.id in tenant_free:
            assert not expected & set(result["literals"]), det.id
        else:
            assert expected <= set(result["literals"]), det.id
    # The payload added no tokens of its own: same literals count as with benign names.
    for det in DETECTIONS:
        assert len(results[det.id]["literals"]) == len(both["plain " + det.id]["literals"])


def test_kql_string_round_trips_through_the_parser(kusto: KqlCheck) -> None:
    values = [*NASTY, "", '"', "\\", "a\\nb", "\x00nul\x1fus\x7fdel"]
    results = kusto([(str(n), f"print v = {kql_string(v)}") for n, v in enumerate(values)])
    for n, v in enumerate(values):
        assert results[str(n)]["diagnostics"] == []
        assert results[str(n)]["literals"] == [_as_parsed(v)]
