"""The engine's two coverage gates: `requires` (needed at all) and `requires_to_pass`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from aiposture.config import Settings
from aiposture.model.entities import CognitiveAccount
from aiposture.model.snapshot import Coverage
from aiposture.model.types import CoverageStatus, Status
from aiposture.rules.engine import evaluate
from aiposture.rules.registry import get_rule
from aiposture.rules.types import RuleContext, RuleSpec, Verdict, failed, passed, settle, unknown
from root_helpers import make_inventory

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
SUB = "/subscriptions/00000000-0000-0000-0000-00000000f001"


def account(name: str, **props: Any) -> dict[str, Any]:
    return {
        "id": f"{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/{name}",
        "name": name,
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": "OpenAI",
        "properties": props,
    }


def keys_off(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
    if account.disable_local_auth is True:
        return passed("keys off")
    return failed("keys on")


def spec(**changes: Any) -> RuleSpec[Any]:
    base = get_rule("AIP-IDN-001")
    assert base is not None
    return dataclasses.replace(base, check=keys_off, **changes)


def run(s: RuleSpec[Any], coverage: list[Coverage]) -> set[tuple[str, Status, tuple[str, ...]]]:
    rows = [account("off", disableLocalAuth=True), account("on")]
    inv = make_inventory(rows, complete=(), coverage=coverage)
    return {
        (f.resource_name, f.status, f.missing)
        for f in evaluate(inv, Settings(), now=NOW, rules=[s])
    }


RESOURCES = Coverage("resources", "tenant", CoverageStatus.COMPLETE)


def test_requires_to_pass_keeps_certain_failures_and_opens_passes() -> None:
    s = spec(requires=("resources",), requires_to_pass=("policyExemptions",))
    assert run(s, [RESOURCES]) == {
        ("off", Status.UNKNOWN, ("policyExemptions",)),
        ("on", Status.FAIL, ()),
    }
    complete = Coverage("policyExemptions", "tenant", CoverageStatus.COMPLETE)
    assert run(s, [RESOURCES, complete]) == {("off", Status.PASS, ()), ("on", Status.FAIL, ())}
    # Partial for this subscription only is enough to keep the PASS open.
    partial = Coverage("policyExemptions", SUB, CoverageStatus.PARTIAL)
    assert run(s, [RESOURCES, complete, partial]) == {
        ("off", Status.UNKNOWN, ("policyExemptions",)),
        ("on", Status.FAIL, ()),
    }


def test_requires_still_gates_everything() -> None:
    s = spec(requires=("resources",), requires_to_pass=())
    assert {st for _, st, _ in run(s, [])} == {Status.UNKNOWN}


def test_settle() -> None:
    ok = passed("fine")
    bad = failed("broken")
    assert settle(bad, ok, ["roleAssignments"]) is bad
    assert settle(None, ok, []) is ok
    got = settle(None, ok, ["roleAssignments", "roleDefinitions:x", "roleAssignments"])
    assert (got.status, got.missing) == (Status.UNKNOWN, ("roleAssignments", "roleDefinitions:x"))
    assert unknown("m", "a").missing == ("a",)
