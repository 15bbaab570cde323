"""Citations that mean what they say: every Azure Policy a rule cites is a real built-in, with
the effect and display name the rule claims (issue 18).

The list of real definitions is src/aiposture/rules/policy_builtins.json, generated from
Azure/azure-policy source files by tests/data/azure_policy/gen_policy_builtins.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from aiposture.facts.builtin_roles import builtin_roles
from aiposture.rules import governance
from aiposture.rules.policy_builtins import (
    alz_initiatives,
    builtin_initiatives,
    builtin_policies,
    builtin_policy,
)
from aiposture.rules.registry import all_rules, get_rule

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "tests" / "data" / "azure_policy" / "gen_policy_builtins.py"
_GUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_SHORT = re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8}\b")


def _cited() -> dict[str, set[str]]:
    """GUID -> ids of the rules citing it (references, policy fixes, rationale)."""
    out: dict[str, set[str]] = {}
    for r in all_rules():
        guids = {*r.references.azure_policy, *(p.definition_id for p in r.remediation.policy)}
        role_guids = {g for g in _GUID.findall(r.rationale) if g in builtin_roles()}
        guids |= set(_GUID.findall(r.rationale)) - role_guids
        for g in guids:
            out.setdefault(g.lower(), set()).add(r.id)
    return out


def test_generated_data_is_current() -> None:
    """The committed data file is what the generator makes from the committed sources."""
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_every_cited_policy_is_a_real_builtin() -> None:
    cited = _cited()
    missing = {g: sorted(ids) for g, ids in cited.items() if builtin_policy(g) is None}
    assert missing == {}
    deprecated = {g: ids for g, ids in cited.items() if (d := builtin_policy(g)) and d.deprecated}
    assert deprecated == {}


def test_policy_fixes_claim_an_allowed_effect_and_the_real_name() -> None:
    wrong = []
    for r in all_rules():
        for fix in r.remediation.policy:
            d = builtin_policy(fix.definition_id)
            assert d is not None, (r.id, fix.definition_id)
            if not d.allows(fix.effect):
                wrong.append((r.id, fix.definition_id, "effect", fix.effect, d.allowed_effects))
            name = fix.display_name
            if not (name == d.display_name or name.startswith(d.display_name + " (")):
                wrong.append((r.id, fix.definition_id, "name", name, d.display_name))
    assert wrong == []


def test_short_policy_ids_in_rationales_resolve() -> None:
    """An 8-hex prefix in a rationale (e.g. 930f48f9) names exactly one known definition."""
    known = [*builtin_policies(), *builtin_roles()]
    unresolved = []
    for r in all_rules():
        for short in set(_SHORT.findall(r.rationale)):
            matches = [k for k in known if k.startswith(short)]
            if len(matches) != 1:
                unresolved.append((r.id, short, len(matches)))
    assert unresolved == []


def test_governance_tables_name_real_definitions() -> None:
    tables = (
        governance.PUBLIC_NETWORK_POLICIES,
        governance.LOCAL_AUTH_POLICIES,
        governance.DIAGNOSTIC_POLICIES,
    )
    for table in tables:
        for guids in table.values():
            for g in guids:
                assert builtin_policy(g) is not None, g
    for ini in alz_initiatives().values():
        for m in ini.members:
            if m.built_in:
                assert builtin_policy(m.definition) is not None, (ini.name, m.definition)


def test_issue_18_citations() -> None:
    """The citations the issue found wrong, each pinned to what the definition really does."""
    mdl3 = get_rule("AIP-MDL-003")
    assert mdl3 is not None
    assert {p.definition_id for p in mdl3.remediation.policy} == {
        "930f48f9-f07e-427c-9494-52603581c6a9"
    }
    assert {dict(p.parameters)["filterName"] for p in mdl3.remediation.policy} == {
        "Hate",
        "Sexual",
        "Violence",
        "Selfharm",
    }
    mon3 = get_rule("AIP-MON-003")
    assert mon3 is not None
    fixes = {p.definition_id: p.effect for p in mon3.remediation.policy}
    # c2c0c6d8 audits only; the deploying definitions are 7e92882a and 359a48a3.
    assert "c2c0c6d8-007b-4a48-8d9b-3539bddd8e87" not in fixes
    assert fixes["7e92882a-2f8a-4991-9bc4-d3147d40abb0"] == "DeployIfNotExists"
    mon4 = get_rule("AIP-MON-004")
    assert mon4 is not None
    assert [p.definition_id for p in mon4.remediation.policy] == [
        "359a48a3-351a-4618-bb32-f1628645694b"
    ]
    mdl4 = get_rule("AIP-MDL-004")
    assert mdl4 is not None
    (fix,) = mdl4.remediation.policy
    allowed_modes = dict(fix.parameters)["raiPolicyMode"]
    # The mode the rule's own fix writes must be one the proposed assignment allows.
    written = re.search(r"properties\.mode=(\w+)", mdl4.remediation.az_cli)
    assert written is not None and written.group(1) in allowed_modes
    assert "Asynchronous_filter" not in allowed_modes


def test_every_definition_names_its_source_file_and_commit() -> None:
    """Each entry says where it was read: an azure-policy path and a full commit id."""
    unsourced = [
        g
        for g, d in builtin_policies().items()
        if not d.source_path.startswith("built-in-policies/policyDefinitions/")
        or not re.fullmatch(r"[0-9a-f]{40}", d.source_commit or "")
    ]
    assert unsourced == []


def test_non_ai_citations_are_sourced() -> None:
    """The seven citations outside the AI categories (AKS, subnets, activity log, Defender for
    Storage), each pinned to its definition file and the effect the citing rule proposes."""
    expected = {
        "993c2fcd-2b29-49d2-9eb0-df2c3a730c32": ("AIP-IDN-013", "Kubernetes/", "Deny"),
        "ac4a19c2-fa67-49b4-8ae5-0b2e78c49457": ("AIP-IDN-013", "Security Center/", "Audit"),
        "040732e8-d947-40b8-95d6-854c95024bf8": ("AIP-NET-008", "Kubernetes/", "Deny"),
        "0e246bcf-5f6f-4f87-bc6f-775d4712c7ea": ("AIP-NET-008", "Security Center/", "Audit"),
        "e71308d3-144b-4262-b144-efdc3cc90517": (
            "AIP-NET-011",
            "Security Center/",
            "AuditIfNotExists",
        ),
        "2465583e-4e78-4c15-b6be-a36cbc7c8b0f": ("AIP-MON-007", "Monitoring/", "DeployIfNotExists"),
        "cfdc5972-75b3-4418-8ae1-7f5c36839390": (
            "AIP-MON-010",
            "Security Center/",
            "DeployIfNotExists",
        ),
    }
    cited = _cited()
    for guid, (rule_id, folder, effect) in expected.items():
        d = builtin_policy(guid)
        assert d is not None, guid
        assert rule_id in cited[guid]
        assert d.source_path.startswith("built-in-policies/policyDefinitions/" + folder)
        assert d.allows(effect) and not d.deprecated
        r = get_rule(rule_id)
        assert r is not None
        assert {p.effect for p in r.remediation.policy if p.definition_id == guid} == {effect}


def test_builtin_initiatives_name_real_definitions_and_defaults() -> None:
    """Each built-in initiative member is a definition of the data file, and each initiative
    parameter feeding a member has a default (an unset one is read from it)."""
    inis = builtin_initiatives()
    assert {"1f3afdf9-d0c9-4c3d-847f-89da613e70a8", "0884adba-2312-4468-abeb-5422caed1038"} <= set(
        inis
    )
    for ini in inis.values():
        assert re.fullmatch(r"[0-9a-f]{40}", ini.source_commit), ini.name
        for m in ini.members:
            assert m.built_in and builtin_policy(m.definition) is not None, (ini.name, m)
            for param in (m.initiative_parameter, (m.enabled_if_listed or (None,))[0]):
                assert param is None or param in ini.parameter_defaults, (ini.name, param)
