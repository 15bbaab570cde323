"""AI BOM: content from the demo, JSON shape, and CycloneDX 1.6 that validates."""

from __future__ import annotations

import json

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from aiposture.collect.demo import demo_snapshot
from aiposture.graph.bom import AiBom, BomResource, build_bom
from aiposture.graph.build import build_graph
from aiposture.model.normalize import normalize
from aiposture.report.bom import render_bom_cyclonedx, render_bom_json
from root_helpers import make_inventory


@pytest.fixture(scope="module")
def bom() -> AiBom:
    inv = normalize(demo_snapshot())
    return build_bom(inv, build_graph(inv), "demo")


def _res(bom: AiBom, name: str) -> BomResource:
    [r] = [r for r in bom.resources if r.name == name]
    return r


def test_bom_lists_ai_resources_deployments_and_identity_capabilities(bom: AiBom) -> None:
    names = {(r.name, r.category) for r in bom.resources}
    assert {
        ("oai-contoso-corp-prod", "ai-account"),
        ("ais-contoso-chatbot", "ai-account"),
        ("hub-contoso-corp", "hub"),
        ("proj-contoso-rag", "project"),
        ("mlw-sandbox-experiments", "workspace"),
        ("srch-contoso-corp", "search"),
        ("aks-contoso-inference", "aks"),
    } <= names
    corp = _res(bom, "oai-contoso-corp-prod")
    deps = {(d.name, d.model_name, d.content_filter, d.prompt_shields) for d in corp.deployments}
    assert ("gpt-4o-prod", "gpt-4o", "contoso-strict", True) in deps
    chatbot = _res(bom, "ais-contoso-chatbot")
    assert chatbot.public_network is True and chatbot.local_auth is True
    nil = [d for d in chatbot.deployments if d.name == "gpt-4o-mini-chat"]
    assert [(d.content_filter_origin, d.prompt_shields) for d in nil] == [("none", False)]
    [ident] = chatbot.identities
    caps = {(c.kind, c.target_name, c.role, c.inherited) for c in ident.capabilities}
    assert ("writeData", "stchatbotdata", "Storage Blob Data Owner", True) in caps
    aks = _res(bom, "aks-contoso-inference")
    assert {(p.name, p.gpu) for p in aks.node_pools} >= {("gpu", True), ("system", False)}
    sb = _res(bom, "mlw-sandbox-experiments")
    assert {(c.name, c.gpu) for c in sb.computes} >= {("gpu-cluster", True)}
    assert corp.management_groups[:2] == ("contoso-corp", "contoso-landingzones")
    stores = {s.name: s for s in bom.stores}
    assert "stcontosoaihub" in stores and "kv-contoso-aihub" in stores


def test_bom_json_round_trips(bom: AiBom) -> None:
    data = json.loads(render_bom_json(bom))
    assert data["schema"] == "aiposture-aibom/1"
    assert {r["name"] for r in data["resources"]} == {r.name for r in bom.resources}


def test_cyclonedx_validates_and_maps_kinds(bom: AiBom) -> None:
    text = render_bom_cyclonedx(bom).decode()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    assert doc["specVersion"] == "1.6"
    models = {c["name"] for c in doc["components"] if c["type"] == "machine-learning-model"}
    assert {"gpt-4o", "gpt-4o-mini", "text-embedding-3-large"} <= models
    data = {c["name"] for c in doc["components"] if c["type"] == "data"}
    assert {"stcontosoaihub", "kv-contoso-aihub"} <= data
    services = {s["name"]: s["bom-ref"] for s in doc["services"]}
    assert "oai-contoso-corp-prod" in services
    deps = {d["ref"]: set(d.get("dependsOn", [])) for d in doc["dependencies"]}
    corp_ref = services["oai-contoso-corp-prod"]
    assert any(ref.endswith("/deployments/gpt-4o-prod") for ref in deps[corp_ref])


def test_cyclonedx_escapes_hostile_names() -> None:
    rid = (
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/"
        'Microsoft.CognitiveServices/accounts/oai"<x>&'
    )
    inv = make_inventory(
        [
            {
                "id": rid,
                "name": 'oai"<x>&',
                "type": "Microsoft.CognitiveServices/accounts",
                "kind": "OpenAI",
                "tags": {"owner": '"},{"injected":1'},
                "properties": {},
            },
            {
                "id": f"{rid}/deployments/d1",
                "name": "d1",
                "type": "Microsoft.CognitiveServices/accounts/deployments",
                "properties": {"model": {"name": "m\u0000<script>", "version": "1"}},
            },
        ],
        complete=("resources", "deployments"),
    )
    text = render_bom_cyclonedx(build_bom(inv)).decode()
    doc = json.loads(text)
    assert [s["name"] for s in doc["services"]] == ['oai"<x>&']
    assert "injected" not in {p["name"] for s in doc["services"] for p in s["properties"]}


def test_bom_lists_databricks_workspaces_with_their_exposure(bom: AiBom) -> None:
    got = {
        (r.name, r.category, r.public_network)
        for r in bom.resources
        if r.type == "microsoft.databricks/workspaces"
    }
    assert got == {
        ("dbw-contoso-features", "databricks", False),
        ("dbw-sandbox-experiments", "databricks", True),
    }
