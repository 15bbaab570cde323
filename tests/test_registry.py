"""Registry meta-test: the conventions every rule must keep, turned into failures."""

from __future__ import annotations

import re
from typing import Any

import pytest

from aiposture.app import ScanResult, scan_inventory
from aiposture.collect.demo import demo_snapshot
from aiposture.config import Settings
from aiposture.model.entities import Tenant
from aiposture.model.normalize import normalize
from aiposture.model.types import Status
from aiposture.rules.registry import ID_PATTERN, all_rules
from aiposture.rules.types import RuleSpec

RULES = all_rules()
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MCSB = re.compile(r"^[A-Z]{2}-\d{1,2}$")
OWASP = re.compile(r"^LLM(0[1-9]|10)$")
ATLAS = re.compile(r"^AML\.T\d{4}(\.\d{3})?$")


def _ids(rules: list[RuleSpec[Any]]) -> list[str]:
    return [r.id for r in rules]


def test_ids_unique_and_well_formed() -> None:
    ids = _ids(RULES)
    assert len(ids) == len(set(ids))
    bad = [i for i in ids if not ID_PATTERN.match(i)]
    assert bad == []


def test_catalog_mdl_gov_mon_rules_exist() -> None:
    ids = set(_ids(RULES))
    for prefix, n in (("MDL", 9), ("GOV", 9), ("MON", 10)):
        missing = [f"AIP-{prefix}-{i:03d}" for i in range(1, n + 1)]
        assert [m for m in missing if m not in ids] == []


@pytest.mark.parametrize("spec", RULES, ids=_ids(RULES))
def test_rule_metadata(spec: RuleSpec[Any]) -> None:
    assert spec.title.strip()
    assert len(spec.rationale.split()) >= 12, "docstring must explain why it matters"
    rem = spec.remediation
    for form in ("summary", "az_cli", "bicep", "terraform", "portal"):
        assert getattr(rem, form).strip(), f"remediation.{form} is empty"
    refs = spec.references
    for pid in (*refs.azure_policy, *(p.definition_id for p in rem.policy)):
        assert GUID.match(pid), f"policy id {pid!r} is not a lower-case GUID"
    for p in rem.policy:
        assert p.effect.strip(), "a PolicyFix needs its effect"
    assert all(MCSB.match(c) for c in refs.mcsb), refs.mcsb
    assert all(OWASP.match(c) for c in refs.owasp_llm), refs.owasp_llm
    assert all(ATLAS.match(c) for c in refs.atlas), refs.atlas
    assert spec.requires or spec.requires_to_pass, "declare the collections the rule reads"


@pytest.mark.parametrize("spec", RULES, ids=_ids(RULES))
def test_rule_has_pass_and_fail_in_demo(spec: RuleSpec[Any], demo_result: ScanResult) -> None:
    seen = {f.status for f in demo_result.findings if f.rule.id == spec.id}
    assert Status.PASS in seen, f"{spec.id}: no PASS in the demo tenant ({seen})"
    if spec.target is Tenant:
        # One tenant can only give one tenant-wide result: the FAIL comes from the same demo
        # with its Entra ID policies and directory data emptied (still collected completely).
        bare = demo_snapshot()
        bare.graph = {k: [] for k in bare.graph}
        inv = normalize(bare)
        result = scan_inventory(inv, Settings(), "bare demo", now=demo_result.scanned_at)
        seen = {f.status for f in result.findings if f.rule.id == spec.id}
    assert Status.FAIL in seen, f"{spec.id}: no FAIL in the demo tenant ({seen})"


def test_required_collections_are_collected_by_the_demo(demo_result: ScanResult) -> None:
    """A typo in `requires` would make a rule UNKNOWN everywhere; the demo collects all."""
    cov = demo_result.inventory.coverage
    missing = sorted(
        {
            (r.id, c)
            for r in RULES
            for c in (*r.requires, *r.requires_to_pass)
            if not cov.status(c).complete
        }
    )
    assert missing == []


def test_docs_rules_md_is_current() -> None:
    from pathlib import Path

    from aiposture.report.rules_md import REGENERATE, rules_markdown

    path = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
    committed = path.read_text(encoding="utf-8") if path.is_file() else ""
    assert committed == rules_markdown(RULES), (
        f"docs/rules.md is stale: regenerate it with `{REGENERATE}` and commit it"
    )


def test_rules_md_escapes_prose_and_keeps_code_verbatim() -> None:
    from aiposture.report.rules_md import rules_markdown

    md = rules_markdown(RULES)
    assert "<NAME>" in md  # inside code blocks, verbatim
    prose = [line for line in md.splitlines() if line.startswith(("Portal:", "**Fix.**"))]
    assert prose and all("<" not in line for line in prose)


def _odd_case(key: str) -> str:
    """camelCase -> alternating case, the way hand-made exports and old API versions vary."""
    return "".join(ch.upper() if i % 2 else ch.lower() for i, ch in enumerate(key))


def _recase(value: Any) -> Any:
    if isinstance(value, dict):
        return {_odd_case(k): _recase(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_recase(v) for v in value]
    return value


def _export_shaped(row: dict[str, Any]) -> dict[str, Any]:
    """Resource Graph shape: lower-cased id and type; property names in odd casing."""
    out = dict(row)
    out["id"] = row["id"].lower()
    out["type"] = row["type"].lower()
    if isinstance(row.get("properties"), dict):
        out["properties"] = _recase(row["properties"])
    return out


def test_every_rule_gives_the_same_results_on_export_shaped_rows(
    demo_result: ScanResult,
) -> None:
    import dataclasses

    from aiposture.app import scan_inventory
    from aiposture.collect.demo import demo_snapshot
    from aiposture.config import Settings
    from aiposture.model.normalize import normalize
    from root_helpers import FIXED_NOW

    snap = demo_snapshot()
    shaped = dataclasses.replace(snap, resources=[_export_shaped(r) for r in snap.resources])
    result = scan_inventory(normalize(shaped), Settings(), "export", now=FIXED_NOW)

    def key(r: ScanResult) -> set[tuple[str, str, str]]:
        return {(f.rule.id, f.resource_id.lower(), f.status.value) for f in r.findings}

    assert key(result) ^ key(demo_result) == set()


def _quoted_placeholders(command: str) -> list[str]:
    """Engine-filled placeholders that sit inside shell quotes: the engine shell-quotes the
    value it substitutes, so inside another pair of quotes the quoting would break."""
    from aiposture.rules.types import PLACEHOLDERS

    bad = []
    quote = ""
    i = 0
    while i < len(command):
        ch = command[i]
        if quote:
            if ch == quote:
                quote = ""
            elif any(command.startswith(p, i) for p in PLACEHOLDERS):
                bad.append(command[i : command.index(">", i) + 1])
        elif ch == "#" and (i == 0 or command[i - 1] in " \n"):
            i = command.find("\n", i)  # a shell comment: not part of the command
            if i < 0:
                break
            continue
        elif ch in "'\"":
            quote = ch
        elif ch == "\n":
            quote = ""
        i += 1
    return bad


@pytest.mark.parametrize("spec", RULES, ids=_ids(RULES))
def test_az_cli_placeholders_are_not_inside_quotes(spec: RuleSpec[Any]) -> None:
    assert _quoted_placeholders(spec.remediation.az_cli) == []


def test_quoted_placeholder_detector() -> None:
    assert _quoted_placeholders("az x --url 'https://h<ID>/a'") == ["<ID>"]
    assert _quoted_placeholders("az x --id <ID>/a --p '{\"a\": 1}'") == []
    assert _quoted_placeholders("az x --id <ID>\n# the finding's <NAME>\naz y") == []
