"""The three-valued answer every fact gives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Fact:
    """True, False, or unknown (value None) with what is missing.

    `evidence` is (property path, value seen) pairs; `missing` names the collections not read
    or the definitions not resolved (e.g. "roleDefinitions:<guid>") that kept the answer open.
    """

    value: bool | None
    reason: str
    evidence: tuple[tuple[str, Any], ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def is_true(self) -> bool:
        return self.value is True

    @property
    def is_false(self) -> bool:
        return self.value is False

    @property
    def is_unknown(self) -> bool:
        return self.value is None


def known(value: bool, reason: str, *evidence: tuple[str, Any]) -> Fact:
    return Fact(value, reason, tuple(evidence))


def unknown_fact(reason: str, *missing: str, evidence: tuple[tuple[str, Any], ...] = ()) -> Fact:
    return Fact(None, reason, evidence, tuple(missing))
