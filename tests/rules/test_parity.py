"""The Microsoft parity view: every Defender for Cloud AI recommendation and every
non-deprecated AI policy built-in is covered by a rule or says why not (issue 18)."""

from __future__ import annotations

from aiposture.report.rules_md import rules_markdown
from aiposture.rules.parity import _data, defender_coverage, policy_coverage
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
