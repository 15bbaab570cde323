"""The rule engine: coverage gate, suppressions, overrides, fingerprints, remediation, errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shlex
import weakref
from typing import Any

from aiposture.config import Settings, Suppression
from aiposture.model.entities import CognitiveAccount
from aiposture.model.inventory import Inventory
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import Coverage, Metadata, Snapshot
from aiposture.model.types import CoverageStatus, Severity, Status
from aiposture.rules.engine import evaluate
from aiposture.rules.registry import all_rules
from aiposture.rules.types import Finding, RuleContext, RuleSpec, Verdict, fingerprint

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
SUB = "/subscriptions/55555555-5555-5555-5555-555555555555"
PROD = f"{SUB}/resourceGroups/rg-prod/providers/Microsoft.CognitiveServices/accounts/oai-prod"
SANDBOX = f"{SUB}/resourceGroups/rg-sandbox/providers/Microsoft.CognitiveServices/accounts/oai-sb"


def account(rid: str, **props: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "name": rid.rsplit("/", 1)[-1],
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": "OpenAI",
        "location": "westeurope",
        "properties": props,
    }


def inventory(rows: list[dict[str, Any]], coverage: list[Coverage] | None = None) -> Inventory:
    cov = coverage or [Coverage("resources", "tenant", CoverageStatus.COMPLETE)]
    return normalize(Snapshot(metadata=Metadata(tenant_id="t"), coverage=cov, resources=rows))


def spec(rule_id: str) -> RuleSpec[Any]:
    return next(r for r in all_rules() if r.id == rule_id)


def run(inv: Inventory, *ids: str, settings: Settings | None = None) -> list[Finding]:
    return evaluate(inv, settings or Settings(), now=NOW, rules=[spec(i) for i in ids])


def by_name(findings: list[Finding]) -> dict[str, Finding]:
    return {f.resource_name: f for f in findings}


ROWS = [account(PROD, disableLocalAuth=True), account(SANDBOX)]


def test_pass_and_fail_with_evidence() -> None:
    got = by_name(run(inventory(ROWS), "AIP-IDN-001"))
    assert {n: f.status for n, f in got.items()} == {"oai-prod": Status.PASS, "oai-sb": Status.FAIL}
    assert got["oai-sb"].is_failure
    assert got["oai-sb"].severity is Severity.HIGH
    assert got["oai-sb"].evidence  # names the property path and the value seen
    assert any("disableLocalAuth" in e.path for e in got["oai-sb"].evidence)


def test_coverage_gate_gives_unknown_naming_the_collection() -> None:
    # No diagnostic settings collected at all: UNKNOWN, never PASS or FAIL.
    got = run(inventory(ROWS), "AIP-MON-001")
    assert {(f.resource_name, f.status) for f in got} == {
        ("oai-prod", Status.UNKNOWN),
        ("oai-sb", Status.UNKNOWN),
    }
    assert all(f.missing == ("diagnosticSettings",) for f in got)
    assert not any(f.is_failure for f in got)

    # Denied for the sandbox resource group only: the prod account is decided.
    cov = [
        Coverage("resources", "tenant", CoverageStatus.COMPLETE),
        Coverage("diagnosticSettings", SUB, CoverageStatus.COMPLETE),
        Coverage(
            "diagnosticSettings",
            f"{SUB}/resourceGroups/rg-sandbox",
            CoverageStatus.DENIED,
            "403 on rg-sandbox",
        ),
    ]
    got2 = by_name(run(inventory(ROWS, cov), "AIP-MON-001"))
    assert got2["oai-prod"].status is Status.FAIL
    assert got2["oai-sb"].status is Status.UNKNOWN
    assert "403 on rg-sandbox" in got2["oai-sb"].message


def test_disabled_rules_and_severity_overrides() -> None:
    inv = inventory(ROWS)
    settings = Settings(
        disabled_rules=frozenset({"AIP-NET-001"}),
        severity_overrides={"AIP-IDN-001": Severity.LOW},
    )
    got = run(inv, "AIP-IDN-001", "AIP-NET-001", settings=settings)
    assert {f.rule.id for f in got} == {"AIP-IDN-001"}
    assert {f.severity for f in got} == {Severity.LOW}


def test_suppressions_active_and_expired() -> None:
    inv = inventory(ROWS)
    active = Suppression("AIP-IDN-*", f"{SUB}/resourceGroups/RG-SANDBOX/*", "sandbox, no data")
    got = by_name(run(inv, "AIP-IDN-001", settings=Settings(suppressions=(active,))))
    sb = got["oai-sb"]
    assert sb.status is Status.FAIL
    assert sb.suppressed
    assert not sb.is_failure
    assert sb.suppression is not None
    assert sb.suppression.reason == "sandbox, no data"
    assert got["oai-prod"].suppression is None  # PASS findings are never marked

    expired = dataclasses.replace(active, expires=dt.date(2026, 1, 1))
    got = by_name(run(inv, "AIP-IDN-001", settings=Settings(suppressions=(expired,))))
    assert got["oai-sb"].suppression is not None
    assert got["oai-sb"].suppression.expired
    assert got["oai-sb"].is_failure  # an expired suppression no longer hides the failure


def test_fingerprint_is_stable_per_rule_and_resource() -> None:
    a = by_name(run(inventory(ROWS), "AIP-IDN-001"))["oai-sb"]
    b = by_name(run(inventory([account(SANDBOX.upper())]), "AIP-IDN-001"))["OAI-SB"]
    assert a.fingerprint == b.fingerprint == fingerprint("AIP-IDN-001", SANDBOX)
    assert a.fingerprint != fingerprint("AIP-NET-001", SANDBOX)
    assert len(a.fingerprint) == 32


def test_remediation_is_filled_with_the_resource_and_escaped() -> None:
    evil = f"{SUB}/resourceGroups/rg-x/providers/Microsoft.CognitiveServices/accounts/a'$(id)\"b"
    got = by_name(run(inventory([account(PROD), account(evil)]), "AIP-IDN-001"))
    plain = got["oai-prod"].remediation
    assert PROD in plain.az_cli
    assert "<ID>" not in plain.az_cli and "<NAME>" not in plain.bicep
    assert "name: 'oai-prod'" in plain.bicep
    assert '"rg-prod"' in plain.terraform

    bad = got["a'$(id)\"b"].remediation
    # The shell sees the id as one quoted word, whatever it contains.
    words = shlex.split(bad.az_cli)
    assert evil in words
    # Bicep single-quoted string and Terraform double-quoted string stay closed.
    assert "name: 'a\\'$(id)\"b'" in bad.bicep
    assert 'name                = "a\'$(id)\\"b"' in bad.terraform


def test_a_crashing_rule_is_unknown_not_a_traceback() -> None:
    def boom(res: CognitiveAccount, ctx: RuleContext) -> Verdict:
        raise KeyError("surprise")

    broken = dataclasses.replace(spec("AIP-IDN-001"), check=boom)
    got = evaluate(inventory(ROWS), Settings(), now=NOW, rules=[broken])
    assert {f.status for f in got} == {Status.UNKNOWN}
    assert all("internal error" in f.message for f in got)
    assert all(f.missing == ("rule-error",) for f in got)


def test_streamed_json_report_equals_the_formatted_document() -> None:
    import io

    import msgspec

    from aiposture.app import scan_inventory
    from aiposture.collect.demo import demo_snapshot
    from aiposture.report.json import render_json, report_dict, write_json

    result = scan_inventory(normalize(demo_snapshot()), Settings(), "demo", now=NOW)
    result.compliance = {"after": "findings"}  # a later stage's view
    expected = msgspec.json.format(msgspec.json.encode(report_dict(result)), indent=2) + b"\n"
    fresh = scan_inventory(normalize(demo_snapshot()), Settings(), "demo", now=NOW)
    fresh.compliance = {"after": "findings"}
    buf = io.BytesIO()
    write_json(fresh, buf)
    # Writing renders each fix without keeping it on the finding (memory at scale).
    assert not any(f.remediation_rendered for f in fresh.findings)
    assert buf.getvalue() == expected == render_json(result)
    result.findings.clear()
    assert render_json(result) == (
        msgspec.json.format(msgspec.json.encode(report_dict(result)), indent=2) + b"\n"
    )


def test_graph_rules_run_first_and_the_graph_is_released_before_the_others() -> None:
    """The graph and the other rules' findings never share memory; findings keep rule order."""
    events: list[str] = []

    class Graph:
        pass

    alive: list[weakref.ref[Graph]] = []

    def factory() -> Graph:
        events.append("built")
        g = Graph()
        alive.append(weakref.ref(g))
        return g

    def graph_check(res: CognitiveAccount, ctx: RuleContext) -> Verdict:
        assert isinstance(ctx.graph, Graph)
        events.append("graph-rule")
        return Verdict(Status.PASS, "uses the graph")

    def plain_check(res: CognitiveAccount, ctx: RuleContext) -> Verdict:
        # By now the graph rule has run and the graph is gone (and is not rebuilt).
        assert alive and alive[0]() is None
        assert ctx.graph is None
        events.append("plain-rule")
        return Verdict(Status.PASS, "no graph")

    plain = dataclasses.replace(spec("AIP-IDN-001"), check=plain_check)
    graphy = dataclasses.replace(spec("AIP-NET-001"), check=graph_check, uses_graph=True)
    got = evaluate(
        inventory(ROWS), Settings(), now=NOW, graph_factory=factory, rules=[plain, graphy]
    )
    assert events == ["built", "graph-rule", "graph-rule", "plain-rule", "plain-rule"]
    assert [f.rule.id for f in got] == ["AIP-IDN-001"] * 2 + ["AIP-NET-001"] * 2


def test_rules_and_the_json_writer_run_with_the_cyclic_gc_paused_and_restore_it() -> None:
    """Hundreds of thousands of acyclic findings: a full collection would walk them all again
    and again (17 % of the 100k scan's CPU); the collector's state is restored after."""
    import gc
    import io

    from aiposture.app import ScanResult
    from aiposture.report.json import write_json

    seen: list[bool] = []

    def probe(res: CognitiveAccount, ctx: RuleContext) -> Verdict:
        seen.append(gc.isenabled())
        return Verdict(Status.PASS, "ok")

    probing = dataclasses.replace(spec("AIP-IDN-001"), check=probe)
    inv = inventory(ROWS)
    assert gc.isenabled()
    got = evaluate(inv, Settings(), now=NOW, rules=[probing])
    assert seen == [False, False] and gc.isenabled()

    class Watch(io.BytesIO):
        def write(self, b: Any) -> int:
            seen.append(gc.isenabled())
            return super().write(b)

    seen.clear()
    result = ScanResult(
        inventory=inv, findings=got, rules=[probing], settings=Settings(), scanned_at=NOW,
        source="test",
    )  # fmt: skip
    write_json(result, Watch())
    assert seen and not any(seen) and gc.isenabled()
    gc.disable()
    try:
        evaluate(inv, Settings(), now=NOW, rules=[probing])
        assert not gc.isenabled()  # a caller's paused collector stays paused
    finally:
        gc.enable()


def test_a_scan_freezes_the_loaded_inventory_before_the_collector_is_back() -> None:
    """Otherwise the first collection after loading walks every object just made (5 % of the
    100k scan's CPU). Only on request: other callers keep the collector's usual reach."""
    import gc

    from aiposture.app import load_inventory
    from aiposture.collect.demo import DemoSource

    gc.collect()
    gc.unfreeze()
    try:
        load_inventory(DemoSource())
        assert gc.get_freeze_count() == 0
        _, inv = load_inventory(DemoSource(), freeze=True)
        assert gc.get_freeze_count() > 0 and gc.isenabled()
        assert not any(gc.is_tracked(o) and o is inv for o in gc.get_objects())
    finally:
        gc.unfreeze()
