"""The rule registry: `@rule(...)` registers a check with its metadata, in one place."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, TypeVar

from aiposture.model.entities import Resource
from aiposture.model.types import Pillar, Severity
from aiposture.rules.types import Refs, Remediation, RuleContext, RuleSpec, Selector, Verdict

ID_PATTERN = re.compile(r"^AIP-(NET|IDN|DAT|MDL|GOV|MON|PATH)-\d{3}$")
_REGISTRY: dict[str, RuleSpec[Any]] = {}

R = TypeVar("R", bound=Resource)


def rule(
    *,
    id: str,
    title: str,
    pillar: Pillar,
    severity: Severity,
    target: type[R],
    remediation: Remediation,
    references: Refs,
    requires: tuple[str, ...] = ("resources",),
    select: Selector | None = None,
    target_label: str = "",
    uses_graph: bool = False,
    requires_to_pass: tuple[str, ...] = (),
) -> Callable[[Callable[[R, RuleContext], Verdict]], Callable[[R, RuleContext], Verdict]]:
    """Register a rule. The function's docstring is its rationale (why it matters).

    `requires`: collections without which nothing can be decided (UNKNOWN before the check
    runs). `requires_to_pass`: collections that could only turn a PASS into a FAIL (policy
    exemptions, ...): a FAIL found without them stands, a PASS becomes UNKNOWN naming them.
    The function must take `target` (checked by mypy: a rule on CognitiveAccount whose function
    takes a StorageAccount is an arg-type error)."""

    def register(func: Callable[[R, RuleContext], Verdict]) -> Callable[[R, RuleContext], Verdict]:
        if id in _REGISTRY:
            raise ValueError(f"duplicate rule id {id}")
        doc = inspect.getdoc(func) or ""
        _REGISTRY[id] = RuleSpec(
            id=id,
            title=title,
            pillar=pillar,
            severity=severity,
            target=target,
            requires=requires,
            remediation=remediation,
            references=references,
            check=func,
            rationale=doc,
            select=select,
            target_label=target_label or target.__name__,
            uses_graph=uses_graph,
            requires_to_pass=requires_to_pass,
        )
        return func

    return register


def all_rules() -> list[RuleSpec[Any]]:
    """Every registered rule, sorted by id (importing aiposture.rules loads them all)."""
    import aiposture.rules  # noqa: F401 - registers the rule modules

    return sorted(_REGISTRY.values(), key=lambda r: r.id)


def get_rule(rule_id: str) -> RuleSpec[Any] | None:
    all_rules()
    return _REGISTRY.get(rule_id.upper())
