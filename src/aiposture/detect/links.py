"""Posture ↔ detection: which detections watch for the abuse a posture finding makes
possible, and which posture gaps blind a detection.

A FAIL says what an attacker could do; the linked detections say how the team would notice
if it happened before the fix lands. A rule a detection depends on (its logs, its Defender
plan) is listed under `blinds`: while it fails, that detection sees nothing. Rules with no
detection are listed with the reason, so the gap is stated rather than implied.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiposture.detect.catalog import DETECTIONS


@dataclass(frozen=True, slots=True)
class Link:
    rule: str
    watched_by: tuple[str, ...]  # detections that catch the abuse this finding enables
    blinds: tuple[str, ...]  # detections that cannot fire while this rule fails
    note: str


_REQUEST_RATE = ("AIP-DET-001", "AIP-DET-002")

LINKS: tuple[Link, ...] = (
    Link("AIP-IDN-001", ("AIP-DET-001", "AIP-DET-005", "AIP-DET-009"), (),
         "a stolen key shows up as a burst from a new caller IP and in the account's token "
         "metrics; listKeys / regenerateKey by someone outside the change admins is an "
         "AIP-DET-005 event"),
    Link("AIP-IDN-002", ("AIP-DET-005",), (),
         "listAdminKeys on the search service by a non-admin is an AIP-DET-005 event"),
    Link("AIP-IDN-005", ("AIP-DET-005", "AIP-DET-006", "AIP-DET-007"), (),
         "an escalating identity writes role assignments (AIP-DET-005) and harvests secrets "
         "or data (AIP-DET-006/007)"),
    Link("AIP-IDN-006", ("AIP-DET-006", "AIP-DET-007"), (),
         "subscription-wide data access is used by reading vaults and stores the workload "
         "never read before"),
    Link("AIP-IDN-007", ("AIP-DET-005",), (),
         "listKeys by a non-administrator is an AIP-DET-005 event"),
    Link("AIP-IDN-014", ("AIP-DET-005",), (),
         "a guest changing an AI resource is outside the change admins"),
    Link("AIP-MDL-001", ("AIP-DET-004", "AIP-DET-008"), ("AIP-DET-004", "AIP-DET-008"),
         "jailbreak campaigns show as filter rejections and Defender jailbreak alerts, but "
         "both need Prompt Shields on: an unfiltered deployment blinds them"),
    Link("AIP-MDL-002", ("AIP-DET-004",), (),
         "indirect attacks blocked by the filter answer HTTP 400 like direct ones"),
    Link("AIP-MDL-003", ("AIP-DET-004",), ("AIP-DET-004",),
         "harm filters that only annotate never reject, so AIP-DET-004 sees no hits"),
    Link("AIP-MDL-007", ("AIP-DET-005",), (),
         "raiPolicy and deployment writes by anyone outside the change admins"),
    Link("AIP-MDL-009", ("AIP-DET-001", "AIP-DET-002", "AIP-DET-003", "AIP-DET-009"), (),
         "uncapped public deployments are where LLM-jacking and cost harvesting land"),
    Link("AIP-NET-001", _REQUEST_RATE, (), "public endpoints get abuse from anywhere"),
    Link("AIP-NET-004", (), (), "no detection reads AI Search query logs yet"),
    Link("AIP-NET-005", (), (), "no detection reads ML workspace logs yet"),
    Link("AIP-NET-009", ("AIP-DET-007",), (),
         "bulk reads of an openly reachable store by an AI identity"),
    Link("AIP-NET-010", ("AIP-DET-006",), (),
         "secret harvesting from an openly reachable vault by an AI identity"),
    Link("AIP-DAT-003", (), (),
         "anonymous blob reads carry no identity: AIP-DET-007 cannot attribute them"),
    Link("AIP-DAT-004", (), (),
         "account-key and SAS reads carry no identity: AIP-DET-007 cannot attribute them"),
    Link("AIP-MDL-008", (), (),
         "writes to training or grounding data (poisoning) are not detected yet"),
    Link("AIP-MON-001", (), ("AIP-DET-001", "AIP-DET-002", "AIP-DET-004"),
         "without RequestResponse logs in Log Analytics the request detections see nothing"),
    Link("AIP-MON-003", (), ("AIP-DET-008",), "without the plan Defender raises no AI alerts"),
    Link("AIP-MON-004", (), (), "prompt evidence enriches AIP-DET-008 alerts; it does not "
         "decide whether they fire"),
    Link("AIP-MON-006", (), tuple(d.id for d in DETECTIONS),
         "the analytics rules run in Microsoft Sentinel; without it none is scheduled"),
    Link("AIP-MON-007", (), ("AIP-DET-005",),
         "configuration changes are read from the exported activity log"),
    Link("AIP-MON-008", (), ("AIP-DET-008",), "Defender for AI switched off on the account"),
    Link("AIP-PATH-001", ("AIP-DET-001", "AIP-DET-007"), (),
         "abuse of the public endpoint, then bulk data reads by its identity"),
    Link("AIP-PATH-002", ("AIP-DET-005",), (), "role assignment writes by the AI identity"),
    Link("AIP-PATH-003", ("AIP-DET-005",), (),
         "listKeys or filter changes by the guest or service principal"),
    Link("AIP-PATH-004", (), (),
         "writes to the feeding store by outsiders are not detected yet"),
    Link("AIP-PATH-005", ("AIP-DET-006", "AIP-DET-007"), (),
         "the borrowed identity's unusual secret and data reads"),
)  # fmt: skip

_BY_RULE = {link.rule: link for link in LINKS}


def link_for(rule_id: str) -> Link | None:
    return _BY_RULE.get(rule_id.upper())


def link_dict(rule_id: str) -> dict[str, object] | None:
    """The link of a rule as report data (ids with titles), None when it has none."""
    link = link_for(rule_id)
    if link is None:
        return None
    titles = {d.id: d.title for d in DETECTIONS}
    return {
        "watched_by": [{"id": d, "title": titles[d]} for d in link.watched_by],
        "blinds": [{"id": d, "title": titles[d]} for d in link.blinds],
        "note": link.note,
    }


def link_text(rule_id: str) -> str | None:
    """One paragraph for humans (rules explain, docs/rules.md)."""
    link = link_for(rule_id)
    if link is None:
        return None
    parts = []
    if link.watched_by:
        parts.append("watched by " + ", ".join(link.watched_by))
    if link.blinds:
        parts.append("while it fails, blinds " + ", ".join(link.blinds))
    if not parts:
        parts.append("no detection covers it")
    return "; ".join(parts) + f" ({link.note})."
