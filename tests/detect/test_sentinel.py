"""Sentinel analytics rule YAML (Azure-Sentinel repository fields) and the ARM template."""

from __future__ import annotations

import re

import yaml

from aiposture.detect.catalog import DETECTIONS
from aiposture.detect.kql import render_kql
from aiposture.detect.scope import TenantScope
from aiposture.detect.sentinel import arm_template, rule_id, rule_yaml, sentinel_rule

SCOPE = TenantScope(
    tenant="00000000-0000-0000-0000-0000000000aa",
    ai_accounts=(
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a",
    ),
    apim_services=("[not an ARM expression]",),
    change_admins=("admin@contoso.example",),
)
REPO_FIELDS = [
    "id",
    "name",
    "description",
    "severity",
    "requiredDataConnectors",
    "queryFrequency",
    "queryPeriod",
    "triggerOperator",
    "triggerThreshold",
    "tactics",
    "relevantTechniques",
    "query",
    "entityMappings",
    "version",
    "kind",
]
SENTINEL_TACTICS = {
    "Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution", "Persistence",
    "PrivilegeEscalation", "DefenseEvasion", "CredentialAccess", "Discovery", "LateralMovement",
    "Collection", "Exfiltration", "CommandAndControl", "Impact",
}  # fmt: skip


def test_yaml_has_the_repository_fields_in_order_and_round_trips() -> None:
    for det in DETECTIONS:
        rule = sentinel_rule(det, SCOPE)
        text = rule_yaml(rule)
        loaded = yaml.safe_load(text)
        assert list(loaded) == REPO_FIELDS
        assert loaded == rule
        assert loaded["query"] == render_kql(det, SCOPE)
        assert loaded["kind"] == "Scheduled"
        assert loaded["severity"] in {"High", "Medium", "Low", "Informational"}
        assert set(loaded["tactics"]) <= SENTINEL_TACTICS
        assert all(re.fullmatch(r"T\d{4}(\.\d{3})?", t) for t in loaded["relevantTechniques"])
        assert re.fullmatch(r"\d+[hd]", loaded["queryFrequency"])
        assert loaded["triggerOperator"] == "gt"
        columns = {m["fieldMappings"][0]["columnName"] for m in loaded["entityMappings"]}
        assert columns <= set(re.findall(r"\b\w+\b", loaded["query"].splitlines()[-1]))
        assert "query: |" in text  # multi-line strings as literal blocks, as in the repository


def test_rule_ids_are_stable_per_tenant_and_distinct() -> None:
    ids = {rule_id(d, SCOPE) for d in DETECTIONS}
    assert len(ids) == len(DETECTIONS)
    assert ids == {rule_id(d, SCOPE) for d in DETECTIONS}
    other = TenantScope(tenant="another-tenant")
    assert ids.isdisjoint({rule_id(d, other) for d in DETECTIONS})


def test_arm_template_deploys_every_rule_to_the_workspace_parameter() -> None:
    template = arm_template(DETECTIONS, SCOPE)
    assert set(template["parameters"]) == {"workspace"}
    resources = template["resources"]
    assert [r["type"] for r in resources] == [
        "Microsoft.OperationalInsights/workspaces/providers/alertRules"
    ] * len(DETECTIONS)
    for det, res in zip(DETECTIONS, resources, strict=True):
        assert res["name"] == (
            "[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', "
            f"'{rule_id(det, SCOPE)}')]"
        )
        props = res["properties"]
        assert res["kind"] == "Scheduled"
        assert props["query"] == render_kql(det, SCOPE)
        assert re.fullmatch(r"P(T\d+H|\d+D)", props["queryFrequency"])
        assert re.fullmatch(r"P(T\d+H|\d+D)", props["queryPeriod"])
        assert props["triggerOperator"] == "GreaterThan"
        assert all(re.fullmatch(r"T\d{4}", t) for t in props["techniques"])


def test_arm_escapes_strings_that_would_be_expressions() -> None:
    from aiposture.detect.sentinel import _arm_escape

    assert _arm_escape({"a": ["[x]", "y", "[[z"]}) == {"a": ["[[x]", "y", "[[[z"]}
