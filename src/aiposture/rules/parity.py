"""Microsoft parity: which rule covers each Defender for Cloud AI recommendation and each
Azure Policy built-in for AI, or why none does.

Built-in definitions come from policy_builtins.json (generated from Azure/azure-policy); a
definition is covered by the rules that cite it (references, policy fixes, the governance
rules' tables) and by the explicit entries of parity.json, which also gives the reason for
every one no rule covers. Defender's recommendations are listed in parity.json with their
source (MicrosoftDocs, recommendations-reference-ai.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from aiposture.rules.policy_builtins import BuiltinPolicy, builtin_policies
from aiposture.rules.types import RuleSpec

_RESOURCE = "parity.json"
# Policy categories reported in the parity view: the AI services and their logging/Defender.
AI_CATEGORIES = frozenset(
    {"azure ai services", "cognitive services", "machine learning", "search", "bot service"}
)


@dataclass(frozen=True, slots=True)
class Coverage:
    """What covers one Microsoft control: rule ids, or the reason none does."""

    title: str
    key: str  # policy GUID, or the Defender recommendation's severity
    rules: tuple[str, ...]
    reason: str | None = None
    note: str | None = None


@cache
def _data() -> dict[str, Any]:
    text = resources.files("aiposture.rules").joinpath(_RESOURCE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def defender_source() -> dict[str, str]:
    return dict(_data()["defender"]["source"])


def defender_coverage() -> list[Coverage]:
    return [
        Coverage(
            title=r["title"],
            key=r["severity"],
            rules=tuple(r.get("rules", ())),
            reason=r.get("reason"),
            note=r.get("note"),
        )
        for r in _data()["defender"]["recommendations"]
    ]


def cited_by(specs: list[RuleSpec[Any]]) -> dict[str, set[str]]:
    """Policy GUID -> ids of the rules citing it (references and policy fixes)."""
    out: dict[str, set[str]] = {}
    for r in specs:
        guids = {*r.references.azure_policy, *(p.definition_id for p in r.remediation.policy)}
        for g in guids:
            out.setdefault(g.lower(), set()).add(r.id)
    return out


def is_ai_policy(d: BuiltinPolicy) -> bool:
    """An AI service's own definition, or a logging/Defender one for AI resources."""
    if d.category.lower() in AI_CATEGORIES:
        return True
    name = d.display_name.lower()
    return any(w in name for w in ("cognitive", "machine learning", "search", " ai ", "for ai"))


def policy_coverage(specs: list[RuleSpec[Any]]) -> list[Coverage]:
    """Every non-deprecated AI built-in: the rules covering it, or why none does."""
    cited = cited_by(specs)
    explicit: dict[str, dict[str, Any]] = _data()["policies"]["entries"]
    out = []
    for guid, d in sorted(builtin_policies().items(), key=lambda kv: kv[1].display_name):
        if d.deprecated or not is_ai_policy(d):
            continue
        entry = explicit.get(guid, {})
        rules = tuple(sorted(cited.get(guid, set()) | set(entry.get("rules", ()))))
        out.append(
            Coverage(
                title=d.display_name,
                key=guid,
                rules=rules,
                reason=None if rules else entry.get("reason"),
                note=entry.get("note"),
            )
        )
    return out


def _cell(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")


def _covered(c: Coverage) -> str:
    if c.rules:
        text = ", ".join(f"[{r}](#{r.lower()})" for r in c.rules)
        return text + (f" ({_cell(c.note)})" if c.note else "")
    return "none: " + _cell(c.reason or "no reason recorded")


def parity_markdown(specs: list[RuleSpec[Any]]) -> list[str]:
    """The 'Microsoft parity' section of docs/rules.md."""
    src = defender_source()
    defender = defender_coverage()
    policies = policy_coverage(specs)
    lines = [
        "",
        "## Microsoft parity",
        "",
        "Each Defender for Cloud AI recommendation (Azure) and each non-deprecated Azure Policy "
        "built-in for AI services, with the rule that covers it or why none does. "
        f"Recommendations: {src['repository']} `{src['path']}` ({src['section']}) at commit "
        f"{src['commit'][:12]}; policy definitions: `src/aiposture/rules/policy_builtins.json` "
        "(generated from Azure/azure-policy, each with its source path and commit).",
        "",
        f"### Defender for Cloud AI recommendations ({len(defender)})",
        "",
        "| Recommendation | Severity | Covered by |",
        "|---|---|---|",
        *(f"| {_cell(c.title)} | {c.key} | {_covered(c)} |" for c in defender),
        "",
        f"### Azure Policy built-ins for AI ({len(policies)})",
        "",
        "| Definition | Id | Covered by |",
        "|---|---|---|",
        *(f"| {_cell(c.title)} | `{c.key}` | {_covered(c)} |" for c in policies),
    ]
    return lines
