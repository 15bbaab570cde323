"""Azure Bot Service through the live path: Resource Graph's `resources` table carries
microsoft.botservice/botservices (with their private endpoint connections inline), collected by
the real azure-core pipeline from the fake Azure over HTTPS; the Bot Service rules and the
governance rules decide exactly as on the demo snapshot."""

from __future__ import annotations

from live_helpers import collect, findings

from aiposture.fakeazure.server import FakeAzure
from aiposture.model.snapshot import Snapshot

BOT = "/providers/microsoft.botservice/botservices/"
RULES = ("AIP-NET-017", "AIP-NET-018", "AIP-IDN-015", "AIP-DAT-011", "AIP-DAT-012")


def test_bots_arrive_and_decide_like_the_snapshot(clean_fake: FakeAzure, demo: Snapshot) -> None:
    _, live = collect(clean_fake)
    rows = {
        str(r["id"]).lower().rsplit("/", 1)[-1]: r
        for r in live.iter_resources()
        if BOT in str(r["id"]).lower()
    }
    assert set(rows) == {"bot-claims-assistant", "bot-sandbox-agent"}
    corp = rows["bot-claims-assistant"]
    assert str(corp["type"]) == "microsoft.botservice/botservices"  # Resource Graph casing
    pec = corp["properties"]["privateEndpointConnections"][0]
    assert pec["properties"]["privateLinkServiceConnectionState"]["status"] == "Approved"
    got = {
        (rule, rid.split(BOT, 1)[1], status)
        for rule, rid, status in findings(live)
        if BOT in rid and (rule in RULES or rule in ("AIP-GOV-002", "AIP-GOV-003"))
    }
    assert got == {
        *(
            (rule, "bot-claims-assistant", "PASS")
            for rule in (*RULES, "AIP-GOV-002", "AIP-GOV-003")
        ),
        *((rule, "bot-sandbox-agent", "FAIL") for rule in (*RULES, "AIP-GOV-002", "AIP-GOV-003")),
    }
    assert {f for f in findings(demo) if BOT in f[1]} == {f for f in findings(live) if BOT in f[1]}
