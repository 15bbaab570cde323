"""Effective content filter of a model deployment.

A deployment's `raiPolicyName` names a custom raiPolicy on the same account or a Microsoft
default. Microsoft documents the default safety policy (Microsoft.Default / Microsoft.DefaultV2)
as: hate, sexual, violence and self-harm filtered at Medium on prompts and completions, user
prompt attacks (jailbreak, i.e. prompt shields) blocked on prompts, and protected material
(text, code) on completions. Indirect-attack detection is not part of the default.
Microsoft.Nil means no filtering. A missing raiPolicyName means the account default, which is
the Microsoft default policy.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiposture.model.entities import ContentFilterSetting, EffectiveContentFilter, RaiPolicy
from aiposture.model.inventory import CoverageAnswer


def _default_settings() -> tuple[ContentFilterSetting, ...]:
    out = []
    for cat in ("hate", "sexual", "violence", "selfharm"):
        for src in ("prompt", "completion"):
            out.append(ContentFilterSetting(cat, src, True, True, "medium"))
    out.append(ContentFilterSetting("jailbreak", "prompt", True, True, None))
    out.append(ContentFilterSetting("protected_material_text", "completion", True, True, None))
    out.append(ContentFilterSetting("protected_material_code", "completion", True, True, None))
    return tuple(out)


MICROSOFT_DEFAULTS: dict[str, tuple[ContentFilterSetting, ...]] = {
    "microsoft.default": _default_settings(),
    "microsoft.defaultv2": _default_settings(),
}
NO_FILTER_POLICIES = frozenset({"microsoft.nil"})
ACCOUNT_DEFAULT = "Microsoft.DefaultV2"


def resolve_content_filter(
    rai_policy_name: str | None,
    account_key: str,
    rai_policies: Mapping[str, RaiPolicy],
    rai_coverage: CoverageAnswer,
) -> EffectiveContentFilter:
    name = (rai_policy_name or "").strip()
    if not name:
        return EffectiveContentFilter(
            policy_name=ACCOUNT_DEFAULT,
            origin="microsoft",
            mode="Default",
            settings=MICROSOFT_DEFAULTS["microsoft.defaultv2"],
            reason="no raiPolicyName: the account default (Microsoft default policy) applies",
        )
    low = name.lower()
    collected = rai_policies.get(f"{account_key}/raipolicies/{low}")
    if collected is not None and collected.content_filters:
        return EffectiveContentFilter(
            policy_name=collected.name,
            origin="microsoft" if low.startswith("microsoft.") else "custom",
            mode=collected.mode,
            settings=collected.content_filters,
        )
    if low in NO_FILTER_POLICIES:
        return EffectiveContentFilter(
            policy_name=name, origin="none", reason=f"raiPolicyName {name} disables filtering"
        )
    if low in MICROSOFT_DEFAULTS:
        return EffectiveContentFilter(
            policy_name=name, origin="microsoft", mode="Default", settings=MICROSOFT_DEFAULTS[low]
        )
    if not rai_coverage.complete:
        reason = f"custom content filter {name!r} not available: {rai_coverage.reason}"
    else:
        reason = f"custom content filter {name!r} is not among the account's raiPolicies"
    return EffectiveContentFilter(policy_name=name, origin="unresolved", reason=reason)
