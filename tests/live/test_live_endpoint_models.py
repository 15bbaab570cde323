"""AIP-MDL-011 through the live path: Resource Graph's `resources` table carries ML serverless
endpoints and online deployments (with the model they serve), collected by the real
azure-core pipeline from the fake Azure over HTTPS."""

from __future__ import annotations

from live_helpers import collect, findings

from aiposture.fakeazure.server import FakeAzure
from aiposture.model.snapshot import Snapshot

ML = "/providers/microsoft.machinelearningservices/workspaces"


def test_endpoint_models_arrive_and_decide_like_the_snapshot(
    clean_fake: FakeAzure, demo: Snapshot
) -> None:
    _, live = collect(clean_fake)
    rows = {
        str(r["id"]).lower(): r
        for r in live.iter_resources()
        if "/serverlessendpoints/" in str(r["id"]).lower()
        or "/onlineendpoints/" in str(r["id"]).lower()
    }
    dep = next(v for k, v in rows.items() if k.endswith("/ep-sandbox-chat/deployments/green"))
    assert dep["properties"]["model"].startswith("azureml://registries/hf-community-share/")
    got = {
        (rid.split(ML, 1)[1], status)
        for rule, rid, status in findings(live)
        if rule == "AIP-MDL-011"
    }
    assert got == {
        ("/hub-contoso-corp/serverlessendpoints/llama-chat", "PASS"),
        ("/hub-contoso-corp/onlineendpoints/ep-claims-triage/deployments/blue", "PASS"),
        ("/mlw-sandbox-experiments/onlineendpoints/ep-sandbox-chat/deployments/green", "FAIL"),
    }
    assert {f for f in findings(demo) if f[0] == "AIP-MDL-011"} == {
        f for f in findings(live) if f[0] == "AIP-MDL-011"
    }
