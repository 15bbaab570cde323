"""Prompt Shields as one fact: MDL-001, the AI BOM and the inventory view give the same answer."""

from __future__ import annotations

import pytest

from aiposture.facts.content_safety import prompt_shields, protected_material
from aiposture.graph.bom import _deployment
from aiposture.model.content_filters import resolve_content_filter
from aiposture.model.entities import ContentFilterSetting, Deployment, EffectiveContentFilter
from aiposture.model.inventory import CoverageAnswer
from aiposture.model.types import CoverageStatus

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


Flags = tuple[bool | None, bool | None] | None


def _pm(text: Flags, code: Flags) -> EffectiveContentFilter:
    settings = []
    for name, flags in (("protected_material_text", text), ("protected_material_code", code)):
        if flags is not None:
            settings.append(ContentFilterSetting(name, "completion", flags[0], flags[1], None))
    return EffectiveContentFilter("custom-filter", "custom", settings=tuple(settings))


@pytest.mark.parametrize(
    ("cf", "expected"),
    [
        (None, None),
        (EffectiveContentFilter("gone", "unresolved", reason="not collected"), None),
        (EffectiveContentFilter("Microsoft.Nil", "none"), False),
        (_pm((True, True), (True, True)), True),
        (_pm((True, True), None), False),  # no code entry
        (_pm(None, (True, True)), False),  # no text entry
        (_pm((True, False), (True, True)), False),  # annotate only
        (_pm((True, True), (False, True)), False),
        (_pm((None, None), (True, True)), False),  # absent flags are not "on"
    ],
)
def test_protected_material_fact(cf: EffectiveContentFilter | None, expected: bool | None) -> None:
    fact = protected_material(_dep(cf))
    assert fact.value is expected
    if expected is None:
        assert fact.missing == ("raiPolicies",)


def test_protected_material_in_the_microsoft_default_policy() -> None:
    """Microsoft documents Protected Material Text and Code on completions in the default
    policy: a deployment without raiPolicyName (the account default) has both."""
    cf = resolve_content_filter(None, "acc", {}, CoverageAnswer(CoverageStatus.COMPLETE, ""))
    assert protected_material(_dep(cf)).value is True
    nil = resolve_content_filter(
        "Microsoft.Nil", "acc", {}, CoverageAnswer(CoverageStatus.COMPLETE, "")
    )
    assert protected_material(_dep(nil)).value is False
