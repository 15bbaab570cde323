"""AIP-MDL-011: ML / Foundry serverless endpoints and online deployments serving models from
registries outside the allowed list (Azure Policy 19539b54, 12e5dd16)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from aiposture.config import ConfigError, Settings, settings_from_mapping
from aiposture.model.entities import MLModelEndpoint
from aiposture.model.snapshot import Coverage
from aiposture.model.types import CoverageStatus
from root_helpers import make_inventory, run_rules, statuses

SUB = "00000000-0000-0000-0000-00000000d010"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-ml"
WS = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/mlw"
RULE = "AIP-MDL-011"


def serverless(name: str, model_id: str | None) -> dict[str, Any]:
    props: dict[str, Any] = {"authMode": "Key"}
    if model_id is not None:
        props["modelSettings"] = {"modelId": model_id}
    return {
        "id": f"{WS}/serverlessEndpoints/{name}",
        "name": name,
        # Resource Graph spells types in lower case.
        "type": "microsoft.machinelearningservices/workspaces/serverlessendpoints",
        "location": "westeurope",
        "properties": props,
    }


def online(endpoint: str, name: str, model: str | None) -> dict[str, Any]:
    props: dict[str, Any] = {"endpointComputeType": "Managed"}
    if model is not None:
        props["model"] = model
    return {
        "id": f"{WS}/onlineEndpoints/{endpoint}/deployments/{name}",
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
        "location": "westeurope",
        "properties": props,
    }


ROWS = [
    serverless("meta", "azureml://registries/azureml-meta/models/Llama-2-7b"),
    serverless("stranger", "azureml://registries/SomeoneElse/models/llm"),
    serverless("absent", None),
    online("ep", "catalog", "azureml://registries/azureml/models/phi-3/versions/4"),
    online("ep", "community", "AzureML://registries/hf-share/models/x/versions/1"),
    online("ep", "own", f"{WS}/models/churn/versions/3"),
    online("ep", "short", "azureml:churn:3"),
]


def test_registry_outside_allowed_list_fails() -> None:
    assert statuses(run_rules(ROWS), RULE) == {
        ("meta", "PASS"),
        ("stranger", "FAIL"),
        ("absent", "UNKNOWN"),
        ("catalog", "PASS"),
        ("community", "FAIL"),
        ("own", "PASS"),  # a workspace's own model: not a registry model
        ("short", "PASS"),
    }


def test_unknown_names_the_collection() -> None:
    (f,) = [
        f for f in run_rules(ROWS).findings if f.rule.id == RULE and f.resource_name == "absent"
    ]
    assert f.missing == ("resources",)


def test_settings_change_the_verdicts() -> None:
    strict = dataclasses.replace(
        Settings(), allowed_registries=("contoso-approved",), registries_only=True
    )
    rows = [*ROWS, serverless("ours", "azureml://registries/Contoso-Approved/models/m")]
    assert statuses(run_rules(rows, strict), RULE) == {
        ("meta", "FAIL"),
        ("stranger", "FAIL"),
        ("absent", "UNKNOWN"),
        ("catalog", "FAIL"),
        ("community", "FAIL"),
        ("own", "FAIL"),  # registries_only: a non-registry model fails too
        ("short", "FAIL"),
        ("ours", "PASS"),  # registry names compare case-insensitively
    }


def test_config_file_keys() -> None:
    s = settings_from_mapping(
        {"models": {"allowed_registries": ["Contoso-Approved"], "registries_only": True}}
    )
    assert (s.allowed_registries, s.registries_only) == (("contoso-approved",), True)
    d = settings_from_mapping({})
    assert d.allowed_registries == (
        "azureml",
        "azure-openai",
        "azureml-meta",
        "azureml-mistral",
        "azureml-cohere",
    )
    assert d.registries_only is False
    with pytest.raises(ConfigError):
        settings_from_mapping({"models": {"registries_only": "yes please"}})


def test_resources_not_collected_is_unknown() -> None:
    partial = Coverage("resources", SUB, CoverageStatus.PARTIAL, "403 on the subscription")
    r = run_rules(ROWS[:2], complete=(), coverage=[partial])
    assert statuses(r, RULE) == {("meta", "UNKNOWN"), ("stranger", "UNKNOWN")}
    assert {f.missing for f in r.findings if f.rule.id == RULE} == {("resources",)}


def test_normalised_shape() -> None:
    inv = make_inventory(ROWS)
    eps = {e.name: e for e in inv.of_type(MLModelEndpoint)}
    assert (eps["meta"].endpoint_kind, eps["meta"].workspace_key, eps["meta"].model_id) == (
        "serverless",
        WS.lower(),
        "azureml://registries/azureml-meta/models/Llama-2-7b",
    )
    assert (eps["own"].endpoint_kind, eps["own"].workspace_key) == ("online", WS.lower())
    assert eps["absent"].model_id is None
