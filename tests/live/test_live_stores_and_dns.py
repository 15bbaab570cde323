"""AIP-DAT-013, AIP-DAT-014 and AIP-NET-019 through the live path: the real azure-core
pipeline reads ML datastores (ARM child list per workspace, credential type only: listSecrets
is never asked), account capabilities (Resource Graph) and the private DNS zone groups of AI
private endpoints (ARM child list per endpoint) from the fake Azure over HTTPS."""

from __future__ import annotations

from typing import Any

import msgspec
from live_helpers import collect, findings

from aiposture.collect.live.arm import ai_private_endpoints
from aiposture.fakeazure.server import FakeAzure
from aiposture.model.snapshot import Snapshot

RULES = ("AIP-DAT-013", "AIP-DAT-014", "AIP-NET-019")


def _tail(rid: str) -> str:
    return "/".join(rid.split("/")[-3:])


def test_stores_and_dns_arrive_and_decide_like_the_snapshot(
    clean_fake: FakeAzure, demo: Snapshot
) -> None:
    _, live = collect(clean_fake)
    got = {(rule, _tail(rid), status) for rule, rid, status in findings(live) if rule in RULES}
    assert got == {
        ("AIP-DAT-013", "proj-contoso-rag/datastores/claims-documents", "PASS"),
        ("AIP-DAT-013", "mlw-sandbox-experiments/datastores/partner-share", "FAIL"),
        ("AIP-DAT-013", "mlw-sandbox-experiments/datastores/lake-curated", "FAIL"),
        ("AIP-DAT-014", "microsoft.cognitiveservices/accounts/oai-contoso-corp-prod", "PASS"),
        ("AIP-DAT-014", "microsoft.cognitiveservices/accounts/ais-contoso-chatbot", "PASS"),
        ("AIP-DAT-014", "microsoft.cognitiveservices/accounts/oai-sandbox-playground", "PASS"),
        ("AIP-DAT-014", "microsoft.cognitiveservices/accounts/oai-research-legacy", "PASS"),
        ("AIP-DAT-014", "microsoft.cognitiveservices/accounts/spch-sandbox-callcenter", "FAIL"),
        ("AIP-NET-019", "microsoft.network/privateendpoints/pe-oai-corp", "PASS"),
        ("AIP-NET-019", "microsoft.network/privateendpoints/pe-srch-corp", "FAIL"),
    }
    assert {f for f in findings(demo) if f[0] in RULES} == {
        f for f in findings(live) if f[0] in RULES
    }
    # Read as ARM lists (inside batches), the datastores never through their secrets action.
    # (Later pages of a list, by its nextLink, ask the same path again.)
    paths = {r.path.lower() for r in clean_fake.requests}
    assert {p.split("/workspaces/")[1] for p in paths if p.endswith("/datastores")} == {
        "hub-contoso-corp/datastores",
        "proj-contoso-rag/datastores",
        "mlw-sandbox-experiments/datastores",
    }
    assert {p.split("/privateendpoints/")[1] for p in paths if "/privatednszonegroups" in p} == {
        "pe-oai-corp/privatednszonegroups",
        "pe-srch-corp/privatednszonegroups",
    }
    assert not any("listsecrets" in p for p in paths)


def _pe(name: str, target: str) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/"
        f"privateEndpoints/{name}",
        "type": "microsoft.network/privateendpoints",
        "properties": {
            "privateLinkServiceConnections": [{"properties": {"privateLinkServiceId": target}}]
        },
    }


def test_zone_groups_are_asked_only_for_endpoints_of_ai_resources() -> None:
    p = "/subscriptions/s/resourceGroups/r/providers"
    rows: list[Any] = [
        _pe("pe-oai", f"{p}/Microsoft.CognitiveServices/accounts/oai"),
        _pe("pe-ws", f"{p}/Microsoft.MachineLearningServices/workspaces/ws"),
        _pe("pe-st", f"{p}/Microsoft.Storage/storageAccounts/st"),
        _pe("pe-sql", f"{p}/Microsoft.Sql/servers/sql"),
    ]
    # Resource Graph pages arrive as raw JSON rows.
    rows.append(
        msgspec.Raw(msgspec.json.encode(_pe("pe-srch", f"{p}/Microsoft.Search/searchServices/x")))
    )
    got = {rid.rsplit("/", 1)[-1] for rid in ai_private_endpoints(rows)}
    assert got == {"pe-oai", "pe-ws", "pe-srch"}
