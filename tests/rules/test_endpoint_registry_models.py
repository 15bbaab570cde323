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


# ---- the tenant's own registry-model assignments as the allow-list (issue 18) ----------------

POLICY = ("resources", "subscriptions", "policyAssignments", "policyExemptions")
DEFS = "/providers/Microsoft.Authorization/policyDefinitions"


def registry_assignment(name: str, definition: str, params: dict[str, Any]) -> dict[str, Any]:
    scope = f"/subscriptions/{SUB}"
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/policyAssignments/{name}",
        "name": name,
        "type": "Microsoft.Authorization/policyAssignments",
        "properties": {
            "displayName": name,
            "policyDefinitionId": f"{DEFS}/{definition}",
            "scope": scope,
            "enforcementMode": "Default",
            "parameters": {k: {"value": v} for k, v in params.items()},
        },
    }


SUBSCRIPTION = {
    "id": f"/subscriptions/{SUB}",
    "name": "sub-d010",
    "type": "Microsoft.Resources/subscriptions",
    "subscriptionId": SUB,
    "properties": {"state": "Enabled", "managementGroupAncestorsChain": []},
}
ONLY_META = registry_assignment(
    "only-meta",
    "19539b54-c61e-4196-9a38-67598701be90",
    {"allowedRegistryName": "azureml-meta", "effect": "Deny"},
)


def test_tenant_allowed_registry_assignment_is_the_allow_list() -> None:
    """No registries named in the config: the tenant's 19539b54 assignment (allowedRegistryName
    azureml-meta) decides, so the curated azureml registry now fails and azureml-meta passes."""
    rows = [SUBSCRIPTION, *ROWS, ONLY_META]
    r = run_rules(rows, settings_from_mapping({}), complete=POLICY)
    assert statuses(r, RULE) == {
        ("meta", "PASS"),
        ("stranger", "FAIL"),
        ("absent", "UNKNOWN"),
        ("catalog", "FAIL"),  # azureml is on the default list, not on the tenant's
        ("community", "FAIL"),
        ("own", "PASS"),  # 19539b54 matches registry models only
        ("short", "PASS"),
    }
    (f,) = [f for f in r.findings if f.rule.id == RULE and f.resource_name == "catalog"]
    evidence = {e.path: e.value for e in f.evidence}
    assert evidence["allowList"] == "policyAssignments"
    assert evidence["policyAssignments[registry models]"] == [
        {
            "assignment": "only-meta",
            "definition": "19539b54-c61e-4196-9a38-67598701be90",
            "allowedRegistryName": "azureml-meta",
            "restrictedModels": [],
        }
    ]


def test_configured_registries_win_over_the_tenant_assignment() -> None:
    rows = [SUBSCRIPTION, *ROWS, ONLY_META]
    s = settings_from_mapping({"models": {"allowed_registries": ["azureml"]}})
    r = run_rules(rows, s, complete=POLICY)
    got = dict(statuses(r, RULE))
    assert (got["meta"], got["catalog"]) == ("FAIL", "PASS")
    (f,) = [f for f in r.findings if f.rule.id == RULE and f.resource_name == "catalog"]
    assert {e.path: e.value for e in f.evidence}["allowList"] == "settings"


def test_approved_registry_models_assignment_asset_ids_and_restrictions() -> None:
    """12e5dd16: partial asset ids allow (case-insensitively); a disabled assignment is not an
    allow-list; with allowedPublishers set, a model outside the asset ids depends on its
    publisher, which the endpoint does not carry (UNKNOWN); 19539b54's restrictedModels deny
    a model even in the allowed registry."""
    approved = registry_assignment(
        "approved",
        "12e5dd16-d201-47ff-849b-8454061c293d",
        {"allowedAssetIds": ["AzureML://registries/azureml/"], "effect": "Deny"},
    )
    r = run_rules([SUBSCRIPTION, *ROWS, approved], settings_from_mapping({}), complete=POLICY)
    got = dict(statuses(r, RULE))
    assert (got["catalog"], got["meta"], got["own"]) == ("PASS", "FAIL", "PASS")
    off = registry_assignment(
        "approved", "12e5dd16-d201-47ff-849b-8454061c293d", {"effect": "Disabled"}
    )
    r = run_rules([SUBSCRIPTION, *ROWS, off], settings_from_mapping({}), complete=POLICY)
    assert dict(statuses(r, RULE))["meta"] == "PASS"  # back to the default list
    publishers = registry_assignment(
        "approved",
        "12e5dd16-d201-47ff-849b-8454061c293d",
        {"allowedPublishers": ["Meta"], "allowedAssetIds": []},
    )
    r = run_rules([SUBSCRIPTION, *ROWS, publishers], settings_from_mapping({}), complete=POLICY)
    (f,) = [f for f in r.findings if f.rule.id == RULE and f.resource_name == "meta"]
    assert (f.status.value, f.missing) == (
        "UNKNOWN",
        ("modelPublisher:azureml://registries/azureml-meta/models/Llama-2-7b",),
    )
    restricted = registry_assignment(
        "only-meta",
        "19539b54-c61e-4196-9a38-67598701be90",
        {
            "allowedRegistryName": "azureml-meta",
            "restrictedModels": ["azureml://registries/azureml-meta/models/Llama-2-7b"],
            "effect": "Deny",
        },
    )
    r = run_rules([SUBSCRIPTION, *ROWS, restricted], settings_from_mapping({}), complete=POLICY)
    assert dict(statuses(r, RULE))["meta"] == "FAIL"


def test_config_names_registries_or_not() -> None:
    assert settings_from_mapping({}).allowed_registries_configured is False
    named = settings_from_mapping({"models": {"allowed_registries": []}})
    assert (named.allowed_registries, named.allowed_registries_configured) == ((), True)
