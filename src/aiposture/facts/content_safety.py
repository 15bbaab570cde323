"""Content safety facts: whether a model deployment's effective content filter runs Prompt
Shields (the jailbreak filter on prompts), on and blocking."""

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
