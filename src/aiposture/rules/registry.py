"""The rule registry: `@rule(...)` registers a check with its metadata, in one place."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, TypeVar

from aiposture.model.entities import Resource
from aiposture.model.types import Pillar, Severity
from aiposture.rules.types import Check, Refs, Remediation, RuleSpec, Selector

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
) -> Callable[[Check], Check]:
    """Register a rule. The function's docstring is its rationale (why it matters)."""

    def register(func: Check) -> Check:
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
