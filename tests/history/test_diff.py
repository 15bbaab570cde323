"""diff(): categories (a coverage change is never "resolved"), settings with who changed them,
the change window, guardrail changes, access gained and lost."""

from __future__ import annotations

import datetime as dt

from helpers import ACC, ST, T0, change, finding, grant, record, resource

from aiposture.history.changes import guardrail
from aiposture.history.diff import diff

T1 = T0 + dt.timedelta(days=1)
DEP = ACC + "/deployments/gpt"
RAI = ACC + "/raipolicies/strict"


def _cats(old: list, new: list) -> set[tuple[str, str, str]]:  # type: ignore[type-arg]
    d = diff(record(T0, findings=old), record(T1, findings=new))
    return {(c.category, c.finding.rule_id, c.finding.resource_key) for c in d.findings}


def test_categories() -> None:
    old = [
        finding("R-1", ACC, "PASS"),
        finding("R-2", ACC, "FAIL"),
        finding("R-3", ACC, "FAIL"),
        finding("R-4", ACC, "UNKNOWN"),
        finding("R-5", ACC, "UNKNOWN"),
        finding("R-6", ST, "FAIL"),  # the resource is gone
        finding("R-7", ACC, "PASS"),
        finding("R-9", ACC, "FAIL"),
    ]
    new = [
        finding("R-1", ACC, "FAIL"),
        finding("R-2", ACC, "PASS"),
        finding("R-3", ACC, "UNKNOWN"),  # coverage lost: not resolved
        finding("R-4", ACC, "FAIL"),
        finding("R-5", ACC, "PASS"),
        finding("R-7", ACC, "UNKNOWN"),
        finding("R-8", ACC, "FAIL"),
        finding("R-9", ACC, "FAIL"),  # unchanged: not listed
        finding("R-10", ACC, "PASS"),  # new but passing: not listed
    ]
    assert _cats(old, new) == {
        ("regressed", "R-1", ACC),
        ("resolved", "R-2", ACC),
        ("newly_undecidable", "R-3", ACC),
        ("newly_decidable", "R-4", ACC),
        ("newly_decidable", "R-5", ACC),
        ("resolved", "R-6", ST),
        ("newly_undecidable", "R-7", ACC),
        ("new", "R-8", ACC),
    }
    d = diff(record(T0, findings=old), record(T1, findings=new))
    assert {(f.finding.rule_id) for f in d.new_failures()} == {"R-1", "R-4", "R-8"}


def test_settings_resources_and_who_changed_them() -> None:
    old = record(T0, [resource(ACC, public_network_access="Disabled", kind="OpenAI"), resource(ST)])
    ok = change(
        ACC,
        "properties.publicNetworkAccess",
        "Disabled",
        "Enabled",
        when="2026-11-01T20:00:00Z",
        by="mallory@contoso.com",
    )
    other_path = change(
        ACC,
        "properties.disableLocalAuth",
        "True",
        "False",
        when="2026-11-01T21:00:00Z",
        by="eve@contoso.com",
    )
    too_old = change(
        ACC,
        "properties.publicNetworkAccess",
        "Enabled",
        "Disabled",
        when="2026-10-20T00:00:00Z",
        by="old@contoso.com",
    )
    new = record(
        T1,
        [resource(ACC, public_network_access="Enabled", kind="OpenAI"), resource(DEP)],
        changes=[ok, other_path, too_old],
    )
    d = diff(old, new)
    assert [r.key for r in d.added] == [DEP] and [r.key for r in d.removed] == [ST]
    [s] = d.settings
    assert (s.resource_key, s.path, s.before, s.after) == (
        ACC,
        "public_network_access",
        "Disabled",
        "Enabled",
    )
    assert [c.changed_by for c in s.changes] == ["mallory@contoso.com"]
    assert {(g.label, g.record.changed_by) for g in d.guardrails} == {
        ("public network access enabled", "mallory@contoso.com"),
        ("local (key) authentication re-enabled", "eve@contoso.com"),
    }


def test_a_content_filter_change_explains_a_deployment_regression() -> None:
    rai = change(
        RAI,
        "properties.contentFilters[3].blocking",
        "True",
        "False",
        target_type="microsoft.cognitiveservices/accounts/raipolicies",
    )
    d = diff(
        record(T0, findings=[finding("AIP-MDL-001", DEP, "PASS")]),
        record(T1, findings=[finding("AIP-MDL-001", DEP, "FAIL")], changes=[rai]),
    )
    [fc] = d.findings
    assert fc.category == "regressed" and [c.target_key for c in fc.changes] == [RAI]
    assert [g.label for g in d.guardrails] == ["content filter (raiPolicy) changed"]


def test_access_gained_lost_and_stale() -> None:
    d = diff(
        record(T0, access=[grant(ACC, "p1"), grant(ACC, "p2")]),
        record(T1, access=[grant(ACC, "p1"), grant(ACC, "p3", "grant-access", "guest account")]),
    )
    assert {(a.gained, a.grant.principal_id, a.grant.capability) for a in d.access} == {
        (True, "p3", "administer"),
        (False, "p2", "use"),
    }
    assert [g.principal_id for g in d.stale] == ["p3"]


def test_guardrail_labels() -> None:
    base = change(ACC, "properties.x", "a", "b")
    cases = {
        (
            "microsoft.cognitiveservices/accounts/deployments",
            "properties.model.name",
        ): "deployment model swapped",
        (
            "microsoft.storage/storageaccounts",
            "properties.allowSharedKeyAccess",
        ): "storage shared key access re-enabled",
    }
    from dataclasses import replace

    from aiposture.model.entities import PropertyChange

    for (ttype, path), label in cases.items():
        after = "gpt-4o" if "model" in path else "True"
        key = DEP if "deployments" in ttype else ST
        c = replace(
            base, target_key=key, target_type=ttype, properties=(PropertyChange(path, "x", after),)
        )
        assert guardrail(c) == label
    deleted = replace(
        base,
        target_key=ACC + "/providers/microsoft.insights/diagnosticsettings/d",
        target_type="microsoft.insights/diagnosticsettings",
        change_type="Delete",
        properties=(),
    )
    assert guardrail(deleted) == "diagnostic settings deleted"
    assert guardrail(replace(base, properties=())) is None
