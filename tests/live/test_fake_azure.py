"""The fake Azure's answers, read through the same azure-core pipelines the collector uses."""

from __future__ import annotations

import json

import msgspec
from live_helpers import cloud_for, credential_for

from aiposture.collect.live.clients import ApiError, Stats, arm_client
from aiposture.collect.live.resourcegraph import ResourceGraph, table_query
from aiposture.fakeazure.server import FakeAzure, Faults

ACCOUNT = (
    "/subscriptions/426944ef-0078-5ffd-96c3-f10786dc82f7/resourceGroups/rg-ai-prod/providers/"
    "Microsoft.CognitiveServices/accounts/oai-contoso-corp-prod"
)
CHATBOT = (  # three deployments: two pages of two
    "/subscriptions/572e23bd-c4a7-583d-bc3f-dc6096242177/resourceGroups/rg-chatbot/providers/"
    "Microsoft.CognitiveServices/accounts/ais-contoso-chatbot"
)


def test_arm_and_resource_graph_shapes(clean_fake: FakeAzure) -> None:
    arm = arm_client(cloud_for(clean_fake), credential_for(clean_fake), Stats())
    try:
        # Get by id: ARM's canonical type casing.
        got = arm.get_json(ACCOUNT.lower(), {"api-version": "2024-10-01"})
        assert got["type"] == "Microsoft.CognitiveServices/accounts"
        # Child collection by parent id, paged with nextLink (2 per page in these tests).
        pages = list(arm.list_paged(f"{CHATBOT}/deployments", {"api-version": "2024-10-01"}))
        assert [len(p) for p in pages] == [2, 1]
        assert {d["type"] for p in pages for d in p} == {
            "Microsoft.CognitiveServices/accounts/deployments"
        }
        # List by provider type at subscription scope.
        sub = ACCOUNT.split("/resourceGroups/")[0]
        accounts = [
            a
            for p in arm.list_paged(
                f"{sub}/providers/Microsoft.CognitiveServices/accounts",
                {"api-version": "2024-10-01"},
            )
            for a in p
        ]
        assert ACCOUNT.lower() in {a["id"].lower() for a in accounts}
        # An unknown resource is a 404 with an ARM error body.
        try:
            arm.get_json(f"{ACCOUNT}-missing/deployments", {"api-version": "2024-10-01"})
        except ApiError as exc:
            assert (exc.status, exc.code) == (404, "ResourceNotFound")
        else:
            raise AssertionError("expected a 404")
        # Resource Graph: lower-cased types, paging, quota headers.
        arg = ResourceGraph(arm, page_size=2)
        raw = arg.query(table_query("resources", ("microsoft.cognitiveservices/accounts",))).rows
        rows = [msgspec.json.decode(r) if isinstance(r, msgspec.Raw) else r for r in raw]
        assert ACCOUNT.lower() in {r["id"].lower() for r in rows}
        assert {r["type"] for r in rows} == {"microsoft.cognitiveservices/accounts"}
        status, body, headers = arm.send(
            "POST",
            "/providers/Microsoft.ResourceGraph/resources",
            params={"api-version": "2024-04-01"},
            body=json.dumps({"query": "resources | take 3"}).encode(),
        )
        assert status == 400 and json.loads(body)["error"]["code"] == "InvalidQuery"
        assert "x-ms-user-quota-remaining" in headers
    finally:
        arm.close()


def test_writes_are_refused(clean_fake: FakeAzure) -> None:
    clean_fake.faults = Faults()
    arm = arm_client(cloud_for(clean_fake), credential_for(clean_fake), Stats())
    try:
        status, _body, _headers = arm.send("PUT", ACCOUNT, params={"api-version": "2024-10-01"})
        assert status == 405
    finally:
        arm.close()


def test_arm_batch_answers_each_get_and_refuses_writes_inside(clean_fake: FakeAzure) -> None:
    clean_fake.faults = Faults()
    clean_fake.clear_log()
    arm = arm_client(cloud_for(clean_fake), credential_for(clean_fake), Stats())
    q = "?api-version=2024-10-01"
    requests = [
        {"httpMethod": "GET", "name": "a", "url": f"{CHATBOT}/deployments{q}"},
        {"httpMethod": "GET", "name": "b", "url": f"{ACCOUNT}-missing/deployments{q}"},
        {"httpMethod": "PUT", "name": "c", "url": f"{ACCOUNT}{q}"},
    ]
    try:
        status, body, _headers = arm.send(
            "POST",
            "/batch",
            params={"api-version": "2020-06-01"},
            body=json.dumps({"requests": requests}).encode(),
        )
        assert status == 200
        got = {r["name"]: r for r in json.loads(body)["responses"]}
        assert got["a"]["httpStatusCode"] == 200
        assert len(got["a"]["content"]["value"]) == 2 and got["a"]["content"]["nextLink"]
        assert got["b"]["httpStatusCode"] == 404
        assert got["c"]["httpStatusCode"] == 405  # read-only inside a batch too
        inner = [(r.method, r.status) for r in clean_fake.requests if r.batched]
        assert inner == [("GET", 200), ("GET", 404), ("PUT", 405)]
        # More than 20 inner requests is refused as a whole.
        status, body, _headers = arm.send(
            "POST",
            "/batch",
            params={"api-version": "2020-06-01"},
            body=json.dumps({"requests": [requests[0]] * 21}).encode(),
        )
        assert status == 400
    finally:
        arm.close()
