"""Evaluate every enabled rule against the inventory."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from aiposture.config import Settings
from aiposture.facts.permissions import consulting_table, table_note
from aiposture.model.entities import (
    ContainerRegistry,
    KeyVault,
    Resource,
    StorageAccount,
    Tenant,
)
from aiposture.model.inventory import Inventory
from aiposture.model.types import CoverageStatus, Status
from aiposture.rules.registry import all_rules
from aiposture.rules.types import (
    Evidence,
    FillValue,
    Finding,
    RuleContext,
    RuleSpec,
    SuppressionInfo,
    Verdict,
    fingerprint,
    unknown,
)

log = logging.getLogger(__name__)

# AI-linked resource classes: rules on them apply to AI-linked ones unless scope = "all".
LINKED_CLASSES: tuple[type[Resource], ...] = (StorageAccount, KeyVault, ContainerRegistry)


def tenant_entity(inv: Inventory) -> Tenant:
    tid = inv.metadata.tenant_id or "unknown-tenant"
    return Tenant(
        id=f"/tenants/{tid}", key=f"/tenants/{tid.lower()}", name=tid, type="tenant", tenant_id=tid
    )


def default_targets(spec: RuleSpec[Any], inv: Inventory, settings: Settings) -> list[Resource]:
    if spec.select is not None:
        return list(spec.select(inv, settings))
    if spec.target is Tenant:
        return [tenant_entity(inv)]
    items: list[Resource] = list(inv.of_type(spec.target))
    if issubclass(spec.target, LINKED_CLASSES) and settings.scope != "all":
        items = [r for r in items if inv.is_ai_linked(r.key)]
    return items


def _placeholders(res: Resource, inv: Inventory) -> dict[str, str]:
    parts = res.id.split("/")
    rg = ""
    sub = ""
    for i, part in enumerate(parts[:-1]):
        low = part.lower()
        if low == "resourcegroups" and not rg:
            rg = parts[i + 1]
        if low == "subscriptions" and not sub:
            sub = parts[i + 1]
    parent_id = res.id.rsplit("/", 2)[0] if res.type.count("/") >= 2 else ""
    parent_name = parent_id.rsplit("/", 1)[-1] if parent_id else ""
    return {
        "<NAME>": res.name,
        "<RG>": rg or res.resource_group,
        "<SUB>": sub or res.subscription_id,
        "<ID>": res.id,
        "<LOCATION>": res.location,
        "<PARENT>": parent_name,
        "<PARENT_ID>": parent_id,
    }


def _coverage_gate(
    requires: tuple[str, ...], res: Resource, inv: Inventory, what: str = "cannot evaluate"
) -> Verdict | None:
    missing = []
    reasons = []
    for col in requires:
        ans = inv.coverage.status(col, res.key)
        if ans.status is not CoverageStatus.COMPLETE:
            missing.append(col)
            reasons.append(ans.reason)
    if missing:
        return unknown(f"{what}: " + "; ".join(reasons), *missing)
    return None


def _unsettled_pass(verdict: Verdict, gate: Verdict) -> Verdict:
    """A PASS that data not read could still turn into a FAIL is UNKNOWN (its evidence kept)."""
    return unknown(f"{verdict.message}; {gate.message}", *gate.missing, evidence=verdict.evidence)


def _with_table_source(
    verdict: Verdict, roles: set[str], notes: dict[frozenset[str], Evidence] | None = None
) -> Verdict:
    """The verdict with a note naming the shipped-table roles it rests on. `notes` shares one
    note per set of roles between findings (thousands of findings cite the same few roles)."""
    key = frozenset(roles)
    note = None if notes is None else notes.get(key)
    if note is None:
        note = Evidence("roleDefinitions.source", table_note(roles))
        if notes is not None:
            notes[key] = note
    return dataclasses.replace(verdict, evidence=(*verdict.evidence, note))


def evaluate(
    inv: Inventory,
    settings: Settings,
    *,
    now: dt.datetime | None = None,
    graph_factory: Callable[[], Any] | None = None,
    rules: Iterable[RuleSpec[Any]] | None = None,
    on_rule: Callable[[RuleSpec[Any], int, int], None] | None = None,
) -> list[Finding]:
    """`on_rule(spec, i, n)` is called before each rule runs (progress display)."""
    with paused_gc():
        return _evaluate(inv, settings, now, graph_factory, rules, on_rule)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off for the block, as it was after.

    Rule evaluation creates a few objects per finding (verdict, evidence, finding: hundreds
    of thousands at 100k resources), all acyclic and long-lived; with the collector on, each
    full collection walks all of them again (17 % of the 100k scan's CPU time). Garbage is
    freed by reference counting as usual; any cycle waits for the next collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _evaluate(
    inv: Inventory,
    settings: Settings,
    now: dt.datetime | None,
    graph_factory: Callable[[], Any] | None,
    rules: Iterable[RuleSpec[Any]] | None,
    on_rule: Callable[[RuleSpec[Any], int, int], None] | None,
) -> list[Finding]:
    now = now or dt.datetime.now(dt.UTC)
    ctx = RuleContext(inventory=inv, settings=settings, now=now, graph_factory=graph_factory)
    today = now.date()
    # Most resources are the target of several rules: their placeholder values are built once.
    placeholders: dict[tuple[str, ...], dict[str, str]] = {}
    gates: dict[tuple[tuple[str, ...], str], Verdict | None] = {}
    pass_gates: dict[tuple[tuple[str, ...], str], Verdict | None] = {}
    table_notes: dict[frozenset[str], Evidence] = {}
    specs = [
        s
        for s in (rules if rules is not None else all_rules())
        if s.id not in settings.disabled_rules
    ]
    # Graph rules run first and the graph is released after them, so the security graph and
    # the other rules' findings are never in memory at the same time (the peak of a big scan).
    # Findings keep the rules' order.
    by_rule: dict[str, list[Finding]] = {}
    order = [s for s in specs if s.uses_graph] + [s for s in specs if not s.uses_graph]
    last_graph_rule = max((i for i, s in enumerate(order) if s.uses_graph), default=-1)
    for i, spec in enumerate(order):
        if on_rule is not None:
            on_rule(spec, i, len(order))
        findings = by_rule[spec.id] = []
        append = findings.append
        severity = settings.severity_overrides.get(spec.id, spec.severity)
        requires = spec.requires
        to_pass = spec.requires_to_pass
        check = spec.check
        # One recording set per rule, emptied before each check (not a context per check).
        with consulting_table() as table_roles:
            for res in default_targets(spec, inv, settings):
                verdict = None
                if requires:
                    # Rules that need the same collections share the gate's answer per resource.
                    gkey = (requires, res.key)
                    if gkey in gates:
                        verdict = gates[gkey]
                    else:
                        verdict = gates[gkey] = _coverage_gate(requires, res, inv)
                if verdict is None:
                    try:
                        table_roles.clear()  # what this check alone consults
                        verdict = check(res, ctx)
                        if table_roles:  # the verdict rests on the shipped table: say so
                            verdict = _with_table_source(verdict, table_roles, table_notes)
                    except Exception as exc:
                        log.exception("rule %s failed on %s", spec.id, res.id)
                        verdict = unknown(
                            f"internal error in rule ({type(exc).__name__}: {exc}); "
                            "please report it",
                            "rule-error",
                        )
                    if to_pass and verdict.status is Status.PASS:
                        pkey_gate = (to_pass, res.key)
                        if pkey_gate in pass_gates:
                            gate = pass_gates[pkey_gate]
                        else:
                            gate = pass_gates[pkey_gate] = _coverage_gate(
                                to_pass, res, inv, "cannot rule out a failure"
                            )
                        if gate is not None:
                            verdict = _unsettled_pass(verdict, gate)
                # Keyed by every input of _placeholders: one id may name differently typed rows.
                pkey = (
                    res.id,
                    res.type,
                    res.name,
                    res.location,
                    res.resource_group,
                    res.subscription_id,
                )
                values = placeholders.get(pkey)
                if values is None:
                    values = placeholders[pkey] = _placeholders(res, inv)
                append(_finding(spec, res, verdict, severity, values, settings, today))
        if i == last_graph_rule:
            ctx.release_graph()
    return [f for spec in specs for f in by_rule[spec.id]]


def _finding(
    spec: RuleSpec[Any],
    res: Resource,
    verdict: Verdict,
    severity: Any,
    placeholders: dict[str, str],
    settings: Settings,
    today: dt.date,
) -> Finding:
    # The resource's values are shared by its findings; a verdict's own values (AIP-IDN-005's
    # role assignment ids, ...) are merged into a copy for that finding only.
    values: dict[str, FillValue] | dict[str, str] = placeholders
    if verdict.fill:
        values = {**placeholders, **dict(verdict.fill)}
    sup_info = None
    if verdict.status is Status.FAIL:
        for sup in settings.suppressions:
            if sup.matches(spec.id, res.id):
                sup_info = SuppressionInfo(
                    reason=sup.reason,
                    expires=sup.expires.isoformat() if sup.expires else None,
                    expired=sup.expired(today),
                )
                break
    return Finding(
        rule=spec,
        resource_id=res.id,
        resource_type=res.type,
        resource_name=res.name,
        status=verdict.status,
        severity=severity,
        message=verdict.message,
        evidence=verdict.evidence,
        missing=verdict.missing,
        placeholders=values,
        fingerprint=fingerprint(spec.id, res.id),
        subscription_id=res.subscription_id,
        resource_group=res.resource_group,
        suppression=sup_info,
        fill=verdict.fill,
    )
