"""Prompt Shields as one fact: MDL-001, the AI BOM and the inventory view give the same answer."""

from __future__ import annotations

import pytest

from aiposture.facts.content_safety import prompt_shields
from aiposture.graph.bom import _deployment
from aiposture.model.entities import ContentFilterSetting, Deployment, EffectiveContentFilter

DEP_ID = (
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a"
    "/deployments/d"
)


def _dep(cf: EffectiveContentFilter | None) -> Deployment:
    return Deployment(
        id=DEP_ID,
        key=DEP_ID.lower(),
        name="d",
        type="microsoft.cognitiveservices/accounts/deployments",
        account_key=DEP_ID.lower().rsplit("/deployments/", 1)[0],
        model_name="gpt-4o",
        content_filter=cf,
    )


def _custom(enabled: bool | None, blocking: bool | None) -> EffectiveContentFilter:
    jb = ContentFilterSetting("jailbreak", "prompt", enabled, blocking, None)
    return EffectiveContentFilter("custom-filter", "custom", settings=(jb,))


@pytest.mark.parametrize(
    ("cf", "expected"),
    [
        (None, None),
        (EffectiveContentFilter("gone", "unresolved", reason="not collected"), None),
        (EffectiveContentFilter("Microsoft.Nil", "none"), False),
        (EffectiveContentFilter("custom-filter", "custom"), False),  # no jailbreak entry
        (_custom(True, True), True),
        (_custom(True, False), False),
        (_custom(False, True), False),
        # Flags absent from a custom raiPolicy are not "on" (the AI BOM used to say True).
        (_custom(None, None), False),
    ],
)
def test_prompt_shields_fact_and_its_readers_agree(
    cf: EffectiveContentFilter | None, expected: bool | None
) -> None:
    dep = _dep(cf)
    fact = prompt_shields(dep)
    assert fact.value is expected
    if expected is None:
        assert fact.missing == ("raiPolicies",)
    assert _deployment(dep).prompt_shields is expected
