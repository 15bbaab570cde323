"""The embedded demo tenant ("Contoso AI"): built deterministically in Python.

The core part (contoso.py) lays out the landing zone, the AI estate and identities; the other
parts add what later rule families need. docs/demo-tenant.md lists what is deliberately wrong.
"""

from __future__ import annotations

import importlib

from aiposture.collect.demo.builder import TenantBuilder
from aiposture.collect.demo.contoso import TENANT_ID, build
from aiposture.model.snapshot import Snapshot

DEMO_COLLECTED_AT = "2026-11-02T09:00:00Z"
# Extra parts, applied in order after the core; each module has build(contoso) -> None.
# arm_defaults comes last: it fills the fields ARM always returns into what the others wrote.
PARTS = (
    "catalog_a",
    "catalog_b",
    "paths",
    "catalog_c",
    "builtin_roles",
    "changes",
    "catalog_d",
    "catalog_e",
    "catalog_f",
    "catalog_g",
    "catalog_h",
    "arm_defaults",
)

COLLECTIONS = (
    "resources",
    "subscriptions",
    "managementGroups",
    "resourceGroups",
    "deployments",
    "raiPolicies",
    "defenderForAISettings",
    "projects",
    "computes",
    "connections",
    "datastores",
    "privateDnsZoneGroups",
    "diagnosticSettings",
    "activityLogExport",
    "pricings",
    "roleAssignments",
    "roleDefinitions",
    "roleEligibilitySchedules",
    "policyAssignments",
    "policyExemptions",
    "policyStates",
    "policyDefinitions",
    "sentinel",
    "graph.servicePrincipals",
    "graph.applications",
    "graph.users",
    "graph.groups",
    "graph.groupMembers",
    "graph.directoryRoleAssignments",
    "graph.roleEligibilitySchedules",
    "graph.conditionalAccessPolicies",
    "resourceChanges",
)


def demo_snapshot() -> Snapshot:
    b = TenantBuilder(TENANT_ID, DEMO_COLLECTED_AT)
    contoso = build(b)
    for part in PARTS:
        try:
            module = importlib.import_module(f"aiposture.collect.demo.{part}")
        except ModuleNotFoundError as exc:
            if exc.name != f"aiposture.collect.demo.{part}":
                raise
            continue
        module.build(contoso)
    b.complete(*COLLECTIONS)
    return b.snapshot()


class DemoSource:
    def load(self) -> Snapshot:
        return demo_snapshot()

    def describe(self) -> str:
        return "demo tenant (Contoso AI)"
