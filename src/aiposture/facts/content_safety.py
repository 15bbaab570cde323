"""Content safety facts: whether a model deployment's effective content filter runs Prompt
Shields (the jailbreak filter on prompts) and the protected-material filters (text and code on
completions), on and blocking."""

from __future__ import annotations

from aiposture.facts.base import Fact, known, unknown_fact
from aiposture.model.entities import Deployment


def prompt_shields(dep: Deployment) -> Fact:
    """True when the effective filter's jailbreak filter on prompts is enabled and blocking.
    Unknown when the effective filter could not be resolved (its raiPolicy not collected).
    False for Microsoft.Nil (filtering off), for a filter without a jailbreak entry, and for
    one that is disabled or only annotates. An `enabled` or `blocking` flag absent from a
    custom raiPolicy is not taken as on: the REST spec documents no default for them."""
    cf = dep.content_filter
    if cf is None or cf.origin == "unresolved":
        return unknown_fact(cf.reason if cf else "content filter not resolved", "raiPolicies")
    if cf.origin == "none":
        return known(False, f"content filtering is disabled ({cf.policy_name})")
    jb = cf.setting("jailbreak", "prompt")
    if jb is None:
        return known(False, f"filter {cf.policy_name} has no jailbreak (prompt shield) filter")
    if jb.enabled is True and jb.blocking is True:
        return known(True, f"prompt shields on and blocking ({cf.policy_name})")
    state = "disabled" if jb.enabled is not True else "not blocking (annotate only)"
    return known(False, f"prompt shield in {cf.policy_name} is {state}")


# The completion filters that stop a model from returning protected material: known text
# (lyrics, articles, recipes, selected web content) and code from public GitHub repositories.
PROTECTED_MATERIAL = ("protected_material_text", "protected_material_code")


def protected_material(dep: Deployment) -> Fact:
    """True when the effective filter runs both protected-material filters (text and code) on
    completions, enabled and blocking. Without them a model can hand users copyrighted text or
    licensed code verbatim, which the organisation then ships: an intellectual-property and
    licence-compliance exposure the filter exists to block (annotate-only flags it after the
    user has it). Microsoft's default policy (Microsoft.Default/DefaultV2, also the account
    default when a deployment names no raiPolicy) includes both on completions, as Microsoft
    documents for text models; Microsoft.Nil turns them off. A custom raiPolicy lists its
    filters explicitly: an absent entry, or an absent `enabled`/`blocking` flag, is not taken
    as on (policy af253d37 also counts only entries present and set). Unknown when the
    effective filter could not be resolved (its raiPolicy not collected)."""
    cf = dep.content_filter
    if cf is None or cf.origin == "unresolved":
        return unknown_fact(cf.reason if cf else "content filter not resolved", "raiPolicies")
    if cf.origin == "none":
        return known(False, f"content filtering is disabled ({cf.policy_name})")
    weak: list[str] = []
    seen: dict[str, object] = {}
    for name in PROTECTED_MATERIAL:
        s = cf.setting(name, "completion")
        label = name.replace("protected_material_", "")
        seen[name] = None if s is None else {"enabled": s.enabled, "blocking": s.blocking}
        if s is None:
            weak.append(f"{label} not configured")
        elif s.enabled is not True:
            weak.append(f"{label} disabled")
        elif s.blocking is not True:
            weak.append(f"{label} annotate-only")
    evidence = (f"raiPolicies/{cf.policy_name}.contentFilters[protected material,completion]", seen)
    if weak:
        return known(False, f"protected material in {cf.policy_name}: " + "; ".join(weak), evidence)
    return known(
        True, f"protected material (text, code) filtered and blocking ({cf.policy_name})", evidence
    )
