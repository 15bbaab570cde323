"""Small helpers shared by rule modules (target selectors, value display)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aiposture.config import Settings
from aiposture.model.entities import CognitiveAccount, Resource, Subscription
from aiposture.model.inventory import Inventory


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
