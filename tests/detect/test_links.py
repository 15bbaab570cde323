"""The posture ↔ detection links name real rules and detections, both ways agree with the
detections' own data needs, and every rule appears at most once."""

from __future__ import annotations

from aiposture.detect.catalog import DETECTIONS
from aiposture.detect.links import LINKS, link_for
from aiposture.rules.registry import all_rules


def test_links_name_real_rules_and_detections() -> None:
    rules = {r.id for r in all_rules()}
    detections = {d.id for d in DETECTIONS}
    assert len({link.rule for link in LINKS}) == len(LINKS)
    for link in LINKS:
        assert link.rule in rules, link.rule
        assert set(link.watched_by) <= detections, link.rule
        assert set(link.blinds) <= detections, link.rule
        assert link.note, link.rule


def test_every_detection_is_watched_for_and_can_be_blinded() -> None:
    watched = {d for link in LINKS for d in link.watched_by}
    blinded = {d for link in LINKS for d in link.blinds}
    assert watched == {d.id for d in DETECTIONS}
    assert blinded == {d.id for d in DETECTIONS}


def test_lookup_is_case_insensitive_and_none_when_unlinked() -> None:
    link = link_for("aip-mon-003")
    assert link is not None and link.blinds == ("AIP-DET-008",)
    assert link_for("AIP-GOV-007") is None
