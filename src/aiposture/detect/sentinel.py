"""Sentinel analytics rules (Azure-Sentinel repository YAML) and one ARM template for them."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

import yaml

from aiposture.detect.kql import render_kql
from aiposture.detect.model import Detection
from aiposture.detect.scope import TenantScope
from aiposture.model.types import Severity

_NAMESPACE = uuid.UUID("6f1c5c1e-8d0a-4d5e-9a57-2a1c0f3e7d11")  # aiposture detections
_SEVERITY = {
    Severity.CRITICAL: "High",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Informational",
}
RULE_VERSION = "1.0.0"
ARM_API_VERSION = "2023-02-01"


def rule_id(det: Detection, scope: TenantScope) -> str:
    """Stable per tenant and detection: regenerating updates the same Sentinel rule."""
    return str(uuid.uuid5(_NAMESPACE, f"{scope.tenant.lower()}|{det.id}"))


def _short(delta: dt.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24}d" if hours % 24 == 0 else f"{hours}h"


def _iso(delta: dt.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"P{hours // 24}D" if hours % 24 == 0 else f"PT{hours}H"


def _entity_mappings(det: Detection) -> list[dict[str, Any]]:
    return [
        {
            "entityType": m.entity_type,
            "fieldMappings": [{"identifier": m.identifier, "columnName": m.column}],
        }
        for m in det.entities
    ]


def _description(det: Detection) -> str:
    atlas = ", ".join(det.atlas)
    return f"{det.id}: {det.description}\nMITRE ATLAS: {atlas}.\n"


def sentinel_rule(det: Detection, scope: TenantScope) -> dict[str, Any]:
    """The rule as a dict in the Azure-Sentinel repository's field order."""
    return {
        "id": rule_id(det, scope),
        "name": f"AI - {det.title} ({det.id})",
        "description": _description(det),
        "severity": _SEVERITY[det.severity],
        "requiredDataConnectors": [
            {"connectorId": connector, "dataTypes": list(types)}
            for connector, types in det.logic.source.connectors
        ],
        "queryFrequency": _short(det.query_frequency),
        "queryPeriod": _short(det.query_period),
        "triggerOperator": "gt",
        "triggerThreshold": 0,
        "tactics": list(det.tactics),
        "relevantTechniques": list(det.techniques),
        "query": render_kql(det, scope),
        "entityMappings": _entity_mappings(det),
        "version": RULE_VERSION,
        "kind": "Scheduled",
    }


def hunting_query(det: Detection, scope: TenantScope) -> dict[str, Any]:
    """The hunting variant in the repository's Hunting Queries format."""
    return {
        "id": str(uuid.uuid5(_NAMESPACE, f"{scope.tenant.lower()}|{det.id}|hunting")),
        "name": f"AI - {det.title} ({det.id}, hunting)",
        "description": _description(det),
        "requiredDataConnectors": [
            {"connectorId": connector, "dataTypes": list(types)}
            for connector, types in det.logic.source.connectors
        ],
        "tactics": list(det.tactics),
        "relevantTechniques": list(det.techniques),
        "query": render_kql(det, scope, hunting=True),
        "entityMappings": _entity_mappings(det),
        "version": RULE_VERSION,
    }


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def rule_yaml(rule: dict[str, Any]) -> str:
    return yaml.dump(rule, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _arm_escape(value: Any) -> Any:
    """ARM evaluates strings that start with '[' as expressions; '[[' is the literal '['."""
    if isinstance(value, str):
        return "[" + value if value.startswith("[") else value
    if isinstance(value, list):
        return [_arm_escape(v) for v in value]
    if isinstance(value, dict):
        return {k: _arm_escape(v) for k, v in value.items()}
    return value


def arm_template(detections: Sequence[Detection], scope: TenantScope) -> dict[str, Any]:
    """One deployment template creating every rule in the workspace given as a parameter."""
    resources = []
    for det in detections:
        rule = sentinel_rule(det, scope)
        properties = _arm_escape(
            {
                "displayName": rule["name"],
                "description": rule["description"],
                "severity": rule["severity"],
                "enabled": True,
                "query": rule["query"],
                "queryFrequency": _iso(det.query_frequency),
                "queryPeriod": _iso(det.query_period),
                "triggerOperator": "GreaterThan",
                "triggerThreshold": 0,
                "suppressionDuration": "PT5H",
                "suppressionEnabled": False,
                "tactics": rule["tactics"],
                # this API version takes parent techniques only
                "techniques": sorted({t.split(".")[0] for t in det.techniques}),
                "entityMappings": rule["entityMappings"],
                "eventGroupingSettings": {"aggregationKind": "AlertPerResult"},
            }
        )
        resources.append(
            {
                "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
                "apiVersion": ARM_API_VERSION,
                "name": (
                    "[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', "
                    f"'{rule['id']}')]"
                ),
                "kind": "Scheduled",
                "properties": properties,
            }
        )
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "workspace": {
                "type": "string",
                "metadata": {"description": "Name of the Log Analytics workspace with Sentinel"},
            }
        },
        "resources": resources,
    }


def arm_json(template: dict[str, Any]) -> str:
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"
