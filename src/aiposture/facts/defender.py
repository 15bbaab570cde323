"""Defender for Cloud plans: when a plan counts as on, decided once for the rules (AIP-MON-*)
and the detections' blind spots (AIP-DET-008).

A plan is on only at pricingTier Standard. An absent plan is Free: ARM lists every plan of a
subscription, Free where it is off (Microsoft.Security/pricings, ListPricings 2024-01-01), so a
plan missing from a completely read list was never turned on.
"""

from __future__ import annotations

from aiposture.model.inventory import Inventory


def plan_tier(inv: Inventory, subscription_id: str, plan: str) -> str | None:
    """pricingTier of a Defender plan in a subscription (None when the plan is absent)."""
    pricing = inv.pricing(subscription_id, plan)
    return pricing.pricing_tier if pricing else None


def plan_on(tier: str | None) -> bool:
    return (tier or "").lower() == "standard"
