"""Azure Policy built-in definitions for AI services, and the ALZ AI guardrail initiatives.

policy_builtins.json is generated (tests/data/azure_policy/gen_policy_builtins.py) from
Azure/azure-policy built-in-policies/policyDefinitions (Azure Ai Services, Cognitive Services,
Machine Learning, Search, Bot Service, the AI entries of Monitoring and Security Center, and
the other definitions rules cite), Azure/Enterprise-Scale policySetDefinitions
(Enforce-Guardrails-CognitiveServices / -OpenAI / -MachineLearning / -BotService) and the
built-in policySetDefinitions that hold those definitions (the Microsoft cloud security
benchmark); each entry names the file and commit it was read from. Governance rules use it at
run time: an assignment that leaves a definition's effect parameter unset runs with the
definition's default (a default of Disabled puts nothing in force), and an ALZ or built-in
initiative's membership and parameter defaults come from here when the snapshot carries no
policySetDefinitions (a tenant's collection holds its own custom initiatives, not Microsoft's
built-in ones).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_RESOURCE = "policy_builtins.json"


@dataclass(frozen=True, slots=True)
class BuiltinPolicy:
    guid: str
    display_name: str
    category: str
    version: str
    preview: bool
    deprecated: bool
    effect_parameter: str | None
    default_effect: str | None
    allowed_effects: tuple[str, ...]
    source_path: str
    source_commit: str | None

    def allows(self, effect: str) -> bool:
        return effect.lower() in {e.lower() for e in self.allowed_effects}


@dataclass(frozen=True, slots=True)
class InitiativeMember:
    definition: str  # GUID of a built-in, or the name of an ALZ custom definition
    built_in: bool
    # The initiative parameter the member's effect is set from; None: the initiative passes no
    # effect, so the member runs with its definition's default.
    initiative_parameter: str | None
    # (list parameter, value): the initiative turns the member on only while that list
    # parameter holds the value (e.g. a resource type in resourceTypeList), else Disabled.
    enabled_if_listed: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class PolicyInitiative:
    name: str
    display_name: str
    version: str
    parameter_defaults: dict[str, object]
    members: tuple[InitiativeMember, ...]
    source_path: str
    source_commit: str


def _load() -> dict[str, Any]:
    text = resources.files("aiposture.rules").joinpath(_RESOURCE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def builtin_policies() -> dict[str, BuiltinPolicy]:
    """Every built-in definition in the data file, by lower-case GUID."""
    out: dict[str, BuiltinPolicy] = {}
    for raw in _load()["definitions"]:
        src = raw["source"]
        out[raw["guid"]] = BuiltinPolicy(
            guid=raw["guid"],
            display_name=raw["displayName"],
            category=raw.get("category") or "",
            version=raw.get("version") or "",
            preview=bool(raw.get("preview")),
            deprecated=bool(raw.get("deprecated")),
            effect_parameter=raw.get("effectParameter"),
            default_effect=raw.get("defaultEffect"),
            allowed_effects=tuple(raw.get("allowedEffects") or ()),
            source_path=src["path"],
            source_commit=src.get("commit"),
        )
    return out


def builtin_policy(guid: str) -> BuiltinPolicy | None:
    return builtin_policies().get(guid.lower())


def _initiatives(key: str) -> dict[str, PolicyInitiative]:
    out: dict[str, PolicyInitiative] = {}
    for raw in _load()[key]:
        members = tuple(
            InitiativeMember(
                definition=m["definition"].lower(),
                built_in=bool(m["builtIn"]),
                initiative_parameter=m["initiativeParameter"],
                enabled_if_listed=(
                    (m["enabledIfListed"]["parameter"], m["enabledIfListed"]["contains"])
                    if m.get("enabledIfListed")
                    else None
                ),
            )
            for m in raw["members"]
        )
        out[raw["name"].lower()] = PolicyInitiative(
            name=raw["name"],
            display_name=raw["displayName"],
            version=raw["version"],
            parameter_defaults=dict(raw["parameterDefaults"]),
            members=members,
            source_path=raw["source"]["path"],
            source_commit=raw["source"]["commit"],
        )
    return out


@cache
def alz_initiatives() -> dict[str, PolicyInitiative]:
    """The ALZ AI guardrail initiatives, by lower-case name (ALZ deploys them as custom
    initiatives under these names at the intermediate-root management group)."""
    return _initiatives("alzInitiatives")


@cache
def builtin_initiatives() -> dict[str, PolicyInitiative]:
    """Microsoft built-in initiatives (policySetDefinitions), by lower-case GUID, with the
    members rules look for (only those are excerpted) and their effect parameter defaults."""
    return _initiatives("builtinInitiatives")
