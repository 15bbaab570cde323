"""The Microsoft parity view: every Defender for Cloud AI recommendation and every
non-deprecated AI policy built-in is covered by a rule or says why not (issue 18)."""

from __future__ import annotations

import re

from aiposture.report.rules_md import rules_markdown
from aiposture.rules import governance
from aiposture.rules.parity import _data, defender_coverage, is_ai_policy, policy_coverage
from aiposture.rules.policy_builtins import builtin_policies
from aiposture.rules.registry import all_rules


def test_every_ai_builtin_is_mapped_or_has_a_reason() -> None:
    specs = all_rules()
    ids = {r.id for r in specs}
    rows = policy_coverage(specs)
    assert rows, "no AI built-in in the data file"
    unexplained = [c.key for c in rows if not c.rules and not c.reason]
    assert unexplained == []
    assert {r for c in rows for r in c.rules} <= ids
    # Every non-deprecated AI definition of the data file appears exactly once.
    keys = [c.key for c in rows]
    assert len(keys) == len(set(keys))
    assert not any(builtin_policies()[k].deprecated for k in keys)


def test_explicit_entries_are_real_and_not_stale() -> None:
    """An explicit entry names a definition of the data file; a reason is kept only while no
    rule covers the definition (a rule that starts citing it makes the reason stale)."""
    specs = all_rules()
    by_key = {c.key: c for c in policy_coverage(specs)}
    for guid, entry in _data()["policies"]["entries"].items():
        assert guid in builtin_policies(), guid
        if "reason" in entry:
            assert by_key[guid].rules == (), (guid, by_key[guid].rules)


def test_every_defender_recommendation_is_mapped_or_has_a_reason() -> None:
    ids = {r.id for r in all_rules()}
    recs = defender_coverage()
    assert len(recs) == 20  # Azure section of recommendations-reference-ai.md
    for c in recs:
        assert c.rules or c.reason, c.title
        assert set(c.rules) <= ids, c.title
    new_rules = {"AIP-DAT-009", "AIP-MON-011", "AIP-NET-012"}
    new_rules |= {"AIP-MON-012", "AIP-NET-013", "AIP-NET-014", "AIP-NET-015", "AIP-NET-016"}
    assert new_rules <= {r for c in recs for r in c.rules}


def test_rules_markdown_has_the_parity_view() -> None:
    text = rules_markdown(all_rules())
    assert "## Microsoft parity" in text
    assert (
        "| Azure Databricks Workspaces should use private link (Preview) | Medium | "
        "[AIP-NET-016](#aip-net-016) |" in text
    )
    assert "| `1d413020-63de-11ea-bc55-0242ac130003` | none: enforceSetting:" in text
    assert "`930f48f9-f07e-427c-9494-52603581c6a9` | [AIP-MDL-003](#aip-mdl-003)" in text


def test_idle_shutdown_and_protected_material_policies_point_to_their_rules() -> None:
    by_key = {c.key: c for c in policy_coverage(all_rules())}
    assert by_key["679ddf89-ab8f-48a5-9029-e76054077449"].rules == ("AIP-GOV-011",)
    assert by_key["af253d37-136a-42f8-a1fc-30010c083d41"].rules == ("AIP-MDL-010",)
    assert by_key["af253d37-136a-42f8-a1fc-30010c083d41"].reason is None


# ---- completeness: parity.json names only real rules and definitions, in a closed shape ------

_RULE_ID = r"^AIP-(IDN|DAT|MDL|NET|GOV|MON|PATH|DET)-\d{3}$"


def test_every_rule_named_in_parity_exists() -> None:
    """Defender rows and explicit policy entries (AI or not) name registered rules only."""
    ids = {r.id for r in all_rules()}
    data = _data()
    named = {r for rec in data["defender"]["recommendations"] for r in rec.get("rules", ())}
    named |= {r for e in data["policies"]["entries"].values() for r in e.get("rules", ())}
    assert named, "parity.json names no rule"
    assert sorted(named - ids) == []


def test_parity_entries_have_a_closed_shape() -> None:
    """Each Defender row has a title, a Defender severity, and rules or a reason (a reason only
    while no rule covers it); each policy entry has rules or a reason, never both, and names a
    non-deprecated AI definition that the parity view shows (an entry nobody sees is stale)."""
    data = _data()
    titles = []
    for rec in data["defender"]["recommendations"]:
        assert set(rec) <= {"title", "severity", "rules", "reason", "note"}, rec
        assert rec["severity"] in {"High", "Medium", "Low"}, rec["title"]
        assert bool(rec.get("rules")) != bool(rec.get("reason")), rec["title"]
        assert all(re.match(_RULE_ID, r) for r in rec.get("rules", ())), rec["title"]
        titles.append(rec["title"])
    assert len(titles) == len(set(titles))
    src = data["defender"]["source"]
    assert re.fullmatch(r"[0-9a-f]{40}", src["commit"]) and src["path"].endswith(".md")
    shown = {c.key for c in policy_coverage(all_rules())}
    for guid, entry in data["policies"]["entries"].items():
        assert set(entry) <= {"rules", "reason", "note"}, guid
        assert bool(entry.get("rules")) != bool(entry.get("reason")), guid
        assert guid in shown, f"{guid}: not a non-deprecated AI definition, the entry is unseen"


def test_parity_view_lists_exactly_the_non_deprecated_ai_builtins() -> None:
    expected = {g for g, d in builtin_policies().items() if is_ai_policy(d) and not d.deprecated}
    assert {c.key for c in policy_coverage(all_rules())} == expected
    # The AI policies the governance guardrail tables look for are among them, each mapped to
    # the guardrail rule that uses it.
    tables = {
        "AIP-GOV-002": governance.PUBLIC_NETWORK_POLICIES,
        "AIP-GOV-003": governance.LOCAL_AUTH_POLICIES,
        "AIP-GOV-004": governance.DIAGNOSTIC_POLICIES,
    }
    by_key = {c.key: c for c in policy_coverage(all_rules())}
    for rule_id, table in tables.items():
        for guid in {g for gs in table.values() for g in gs}:
            if guid in by_key:
                assert rule_id in by_key[guid].rules, (rule_id, guid)
