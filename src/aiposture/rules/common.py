"""Small helpers shared by rule modules (target selectors, value display)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from aiposture.config import Settings
from aiposture.facts.base import Fact
from aiposture.model.entities import CognitiveAccount, Resource, Subscription
from aiposture.model.inventory import Inventory
from aiposture.rules.types import Evidence, Verdict, ev, failed, passed, unknown


def is_disabled(value: str | None) -> bool:
    return (value or "").strip().lower() == "disabled"


def is_deny(value: str | None) -> bool:
    return (value or "").strip().lower() == "deny"


def subscription_entity(inv: Inventory, sub_id: str) -> Subscription:
    sub = inv.subscriptions.get(sub_id.lower())
    if sub is not None:
        return sub
    rid = f"/subscriptions/{sub_id}"
    return Subscription(
        id=rid,
        key=rid.lower(),
        name=sub_id,
        type="microsoft.resources/subscriptions",
        subscription_id=sub_id.lower(),
        subscription_id_value=sub_id.lower(),
        display_name=sub_id,
    )


def subscriptions_hosting(
    classes: tuple[type[Resource], ...] | None = None,
) -> Callable[[Inventory, Settings], Iterable[Resource]]:
    def select(inv: Inventory, settings: Settings) -> Iterable[Resource]:
        subs = inv.subscriptions_hosting(classes)
        return [subscription_entity(inv, s) for s in sorted(subs)]

    return select


def ai_accounts_selector(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return list(inv.accounts.values())


def hosting_accounts(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return subscriptions_hosting((CognitiveAccount,))(inv, settings)


def verdict_from_fact(
    fact: Fact,
    *,
    fail_when: bool = False,
    before: Iterable[Evidence] = (),
    after: Iterable[Evidence] = (),
    fail_note: str = "",
    fail_evidence: Iterable[Evidence] = (),
    fill: Mapping[str, str | Iterable[str] | None] | None = None,
) -> Verdict:
    """The verdict a rule gives on one fact: FAIL when the fact has the value `fail_when`, PASS
    on the other, UNKNOWN (naming what is missing) when it is open. The fact's evidence stands
    between the rule's own `before` and `after`; `fail_note`, `fail_evidence` and `fill` apply
    to a FAIL only."""
    shown = (*before, *(ev(path, value) for path, value in fact.evidence), *after)
    if fact.value is None:
        return unknown(fact.reason, *fact.missing, evidence=shown)
    if fact.value is fail_when:
        return failed(fact.reason + fail_note, *shown, *fail_evidence, fill=fill)
    return passed(fact.reason, *shown)
