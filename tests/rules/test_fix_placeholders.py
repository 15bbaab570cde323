"""Which placeholders a fix may keep: after filling, a FAIL finding's fix holds no `<UPPER>`
placeholder (the engine or the rule filled them all), only documented `{{USER_CHOICE}}` ones."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest

from aiposture.app import ScanResult, scan_inventory
from aiposture.collect.synth import synth_to
from aiposture.config import Settings
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import load_snapshot
from aiposture.model.types import Status
from aiposture.rules.registry import all_rules
from aiposture.rules.types import (
    PLACEHOLDERS,
    RULE_FILLED,
    USER_CHOICES,
    Finding,
    RuleSpec,
    choices_in,
    fill_remediation,
)

RULES = sorted(all_rules(), key=lambda r: r.id)
FORMS = ("summary", "az_cli", "bicep", "terraform", "portal")
RESOURCE_FORM = re.compile(r"<[A-Z][A-Z0-9_]*>")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _templates(spec: RuleSpec[Any]) -> list[str]:
    return [getattr(spec.remediation, form) for form in FORMS]


@pytest.mark.parametrize("spec", RULES, ids=[r.id for r in RULES])
def test_every_placeholder_is_engine_rule_or_user_filled(spec: RuleSpec[Any]) -> None:
    used = {m for t in _templates(spec) for m in RESOURCE_FORM.findall(t)}
    fills = set(spec.remediation.fills)
    assert used - set(PLACEHOLDERS) - fills == set(), "declare it in Remediation.fills"
    assert fills - used == set(), "declared in fills but used by no template"
    assert not fills & set(PLACEHOLDERS), "engine placeholders are not the rule's to fill"
    undescribed = {ph[1:-1] for ph in fills} - set(USER_CHOICES) - set(RULE_FILLED)
    assert undescribed == set(), "describe it in RULE_FILLED (or USER_CHOICES)"
    undocumented = set(choices_in(*_templates(spec))) - set(USER_CHOICES)
    assert undocumented == set(), "document it in USER_CHOICES"


def test_every_documented_user_choice_is_used() -> None:
    used = set()
    for spec in RULES:
        used |= set(choices_in(*_templates(spec)))
        used |= {ph[1:-1] for ph in spec.remediation.fills}  # rendered as choices when unknown
    assert set(USER_CHOICES) - used == set()
    rule_filled = {ph[1:-1] for spec in RULES for ph in spec.remediation.fills}
    assert set(RULE_FILLED) - rule_filled == set()
    assert set(RULE_FILLED) & set(USER_CHOICES) == set()


def _quoted(command: str, names: set[str]) -> list[str]:
    """Filled placeholders that sit inside shell quotes (the value is quoted again: broken)."""
    bad = []
    for line in command.split("\n"):
        code = line.split(" #", 1)[0] if not line.startswith("#") else ""
        quote = ""
        for i, ch in enumerate(code):
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == "<" and (m := RESOURCE_FORM.match(code, i)) and m.group(0) in names:
                    bad.append(m.group(0))
            elif ch in "'\"":
                quote = ch
    return bad


@pytest.mark.parametrize("spec", RULES, ids=[r.id for r in RULES])
def test_filled_az_cli_placeholders_are_not_inside_quotes(spec: RuleSpec[Any]) -> None:
    names = {*PLACEHOLDERS, *spec.remediation.fills}
    assert _quoted(spec.remediation.az_cli, names) == []


def test_quoted_detector() -> None:
    assert _quoted("az x --url 'https://h<ID>/a'", {"<ID>"}) == ["<ID>"]
    assert _quoted("az x --id <ID>/a '<KEY>'", {"<ID>"}) == []
    assert _quoted("az x  # in '<ID>'", {"<ID>"}) == []


def _leftovers(findings: list[Finding]) -> dict[str, set[str]]:
    """rule id -> placeholders left in its FAIL findings' fixes that are not user choices."""
    bad: dict[str, set[str]] = {}
    for f in findings:
        if f.status is not Status.FAIL:
            continue
        forms = fill_remediation(f.rule.remediation, f.placeholders)
        text = "\n".join(forms)
        left = set(RESOURCE_FORM.findall(text)) | (set(choices_in(text)) - set(USER_CHOICES))
        # A value from the tenant may hold "<X>" text: only count what the template put there.
        left -= {m for v in f.placeholders.values() for m in RESOURCE_FORM.findall(str(v))}
        if left:
            bad.setdefault(f.rule.id, set()).update(left)
    return bad


def test_demo_fail_fixes_keep_only_user_choices(demo_result: ScanResult) -> None:
    fails = [f for f in demo_result.findings if f.status is Status.FAIL]
    assert len({f.rule.id for f in fails}) >= 60
    assert _leftovers(demo_result.findings) == {}


def test_synthetic_tenant_fail_fixes_keep_only_user_choices(tmp_path: Path) -> None:
    path = tmp_path / "t.json.gz"
    synth_to(path, 2000, 7)
    result = scan_inventory(normalize(load_snapshot(path)), Settings(), "synth", now=NOW)
    fails = [f for f in result.findings if f.status is Status.FAIL]
    assert len({f.rule.id for f in fails}) >= 30
    assert _leftovers(result.findings) == {}


def _evidence(f: Finding, path: str) -> Any:
    return next(e.value for e in f.evidence if e.path == path)


def test_idn_005_fix_names_the_principal_and_assignments_of_its_evidence(
    demo_result: ScanResult,
) -> None:
    fails = [
        f for f in demo_result.findings if f.rule.id == "AIP-IDN-005" and f.status is Status.FAIL
    ]
    assert fails
    for f in fails:
        az = f.remediation.az_cli.splitlines()
        principals = [line.split()[-3] for line in az if line.startswith("az role assignment list")]
        deleted = [line.split()[-1] for line in az if line.startswith("az role assignment delete")]
        assert set(deleted) == set(_evidence(f, "roleAssignments"))
        assert set(principals) <= set(_evidence(f, "identity.principalIds"))
        assert principals


@pytest.mark.parametrize("spec", RULES, ids=[r.id for r in RULES])
def test_terraform_fix_with_hostile_values_parses_to_the_same_shape(spec: RuleSpec[Any]) -> None:
    """A value must not close its HCL string: the hostile fill parses (python-hcl2) to the same
    blocks and attributes as a plain one."""
    names = sorted({*PLACEHOLDERS, *spec.remediation.fills})
    plain = dict.fromkeys(names, "v")
    hostile = dict.fromkeys(names, 'a"\n}\nresource "x" "y" {\n${b} %{c} \\ \u202e\x1b')

    def shape(values: dict[str, str]) -> Any:
        def walk(node: Any) -> Any:
            if isinstance(node, dict):
                return {k: walk(v) for k, v in node.items()}
            if isinstance(node, list):
                return [walk(v) for v in node]
            return type(node).__name__

        return walk(hcl2.loads(fill_remediation(spec.remediation, values)[3] + "\n"))

    assert shape(hostile) == shape(plain)
