"""AIP-PATH-*: a path search over data not read cannot PASS."""

from __future__ import annotations

import dataclasses

from aiposture.app import scan_inventory
from aiposture.collect.demo import demo_snapshot
from aiposture.config import Settings
from aiposture.model.normalize import normalize
from root_helpers import FIXED_NOW

ACCOUNT = "oai-contoso-corp-prod"


def _path_003(drop: str | None) -> str:
    snap = demo_snapshot()
    if drop is not None:
        snap = dataclasses.replace(
            snap,
            graph={k: v for k, v in snap.graph.items() if f"graph.{k}" != drop},
            coverage=[c for c in snap.coverage if c.collection != drop],
        )
    result = scan_inventory(normalize(snap), Settings(), "demo", now=FIXED_NOW)
    (status,) = {
        f.status.value
        for f in result.findings
        if f.rule.id == "AIP-PATH-003" and f.resource_name == ACCOUNT
    }
    return status


def test_directory_roles_not_read_do_not_turn_a_path_into_a_pass() -> None:
    # Defect: an application administrator's path (add a secret to a service principal that
    # can list keys) went unseen without directory role assignments, and the rule said PASS.
    assert _path_003(None) == "FAIL"
    assert _path_003("graph.directoryRoleAssignments") == "UNKNOWN"
