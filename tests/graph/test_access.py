"""Access review: per AI resource and question, who, with which role, where, how."""

from __future__ import annotations

import csv
import io

from aiposture.collect.demo import demo_snapshot
from aiposture.graph.access import access_review
from aiposture.model.normalize import normalize
from aiposture.report.graph_export import render_access_csv
from graph.test_build import ACCOUNT, BASE_ROWS, CS_USER, OWNER, RBAC, RG, SUB_ID, eligibility, ra
from root_helpers import make_inventory


def _rows(entries: list) -> set[tuple[str, ...]]:  # type: ignore[type-arg]
    return {
        (e.question, e.principal_id, e.role, e.granted, e.assignment, e.via_group_id)
        for e in entries
    }


def test_demo_chatbot_review() -> None:
    inv = normalize(demo_snapshot())
    got = {
        (e.question, e.principal_name, e.principal_type, e.role, e.granted)
        for e in access_review(inv, "ais-contoso-chatbot")
    }
    assert (
        "read-keys",
        "Vendor Consultant",
        "guest",
        "Cognitive Services Contributor",
        "inherited",
    ) in got
    assert (
        "change-content-filters",
        "sp-chatbot-pipeline",
        "service-principal (secret)",
        "Contributor",
        "inherited",
    ) in got
    assert ("grant-access", "Alex Admin", "user", "Owner", "inherited") in got  # via group
    assert not any(q == "grant-access" and n == "Vendor Consultant" for q, n, *_ in got)


def test_direct_inherited_eligible_and_group_members() -> None:
    inv = make_inventory(
        [
            *BASE_ROWS,
            ra(1, "u-direct", CS_USER, ACCOUNT),
            ra(2, "g-team", OWNER, RG, ptype="Group"),
            eligibility(1, "u-pim", OWNER, SUB_ID),
        ],
        complete=RBAC,
        graph={
            "groups": [{"id": "g-team", "displayName": "Team"}],
            "groupMembers": [{"groupId": "g-team", "memberId": "u-member"}],
        },
    )
    got = _rows(access_review(inv, "oai-1"))
    assert ("read-keys", "u-direct", "Cognitive Services User", "direct", "permanent", "") in got
    assert ("use", "u-direct", "Cognitive Services User", "direct", "permanent", "") in got
    assert ("grant-access", "g-team", "Owner", "inherited", "permanent", "") in got
    assert ("grant-access", "u-member", "Owner", "inherited", "permanent", "g-team") in got
    assert ("grant-access", "u-pim", "Owner", "inherited", "eligible", "") in got
    assert not any(q == "grant-access" and p == "u-direct" for q, p, *_ in got)
    assert access_review(inv, "no-such-resource") == []


def test_csv_neutralises_formulas() -> None:
    inv = make_inventory(
        [*BASE_ROWS, ra(1, "u-x", CS_USER, ACCOUNT)],
        complete=RBAC,
        graph={"users": [{"id": "u-x", "displayName": '=HYPERLINK("http://evil")'}]},
    )
    rows = list(csv.DictReader(io.StringIO(render_access_csv(access_review(inv)).decode())))
    assert rows and all(r["principal_name"].startswith("'=") for r in rows)
