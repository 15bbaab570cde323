"""Change records of the demo tenant: Resource Graph `resourcechanges` rows for a few
deliberate AI guardrail changes made in the two weeks before collection (who relaxed the
chatbot's jailbreak filter, opened its storage, swapped its content filter for none, deleted
the legacy account's diagnostic settings, granted the guest a role).

They are only change records: they describe how the tenant got to its current state, and no
rule reads them, so the demo's findings are the same with or without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiposture.collect.demo.builder import guid

if TYPE_CHECKING:
    from aiposture.collect.demo.contoso import Contoso

CHANGE_TYPE = "microsoft.resources/changes"


def change_row(
    target_id: str,
    target_type: str,
    change_type: str,
    when: str,
    changed_by: str,
    client_type: str,
    operation: str,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    *,
    changed_by_type: str = "User",
    tenant_id: str = "",
) -> dict[str, Any]:
    """One `resourcechanges` row as Resource Graph returns it: the change is an extension
    resource of its target; `changes` maps a property path to (previousValue, newValue), both
    as strings like Resource Graph gives them."""
    change_id = guid("change", target_id.lower(), when, operation)
    parts = target_id.split("/")
    sub = parts[2] if len(parts) > 2 else ""
    rg = parts[4] if len(parts) > 4 and parts[3].lower() == "resourcegroups" else ""
    body = {
        path: {"previousValue": _s(before), "newValue": _s(after)}
        for path, (before, after) in (changes or {}).items()
    }
    return {
        "id": f"{target_id}/providers/Microsoft.Resources/changes/{change_id}",
        "name": change_id,
        "type": CHANGE_TYPE,
        "tenantId": tenant_id,
        "subscriptionId": sub,
        "resourceGroup": rg.lower(),
        "location": "",
        "properties": {
            "targetResourceId": target_id,
            "targetResourceType": target_type.lower(),
            "changeType": change_type,
            "changeAttributes": {
                "previousResourceSnapshotId": guid("snap", change_id, "before"),
                "newResourceSnapshotId": guid("snap", change_id, "after"),
                "correlationId": guid("corr", change_id),
                "changedByType": changed_by_type,
                "changesCount": len(body),
                "clientType": client_type,
                "changedBy": changed_by,
                "operation": operation,
                "timestamp": when,
            },
            "changes": body,
        },
    }


def _s(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def build(c: Contoso) -> None:
    b = c.b
    bot, legacy = c.res["bot_account"], c.res["legacy_oai"]
    rai = f"{bot['id']}/raiPolicies/chatbot-relaxed"
    diag = f"{legacy['id']}/providers/Microsoft.Insights/diagnosticSettings/to-law"
    guest = c.principals["guest"]
    grant = next(
        r
        for r in b.rows
        if r["type"].lower() == "microsoft.authorization/roleassignments"
        and r["properties"].get("principalId") == guest
    )
    rows = [
        change_row(
            rai,
            f"{bot['type']}/raiPolicies",
            "Update",
            "2026-10-24T14:05:11Z",
            "dana.scientist@contoso.com",
            "Azure Portal",
            "Microsoft.CognitiveServices/accounts/raiPolicies/write",
            {"properties.contentFilters[8].blocking": (True, False)},
        ),
        change_row(
            c.res["bot_chat"]["id"],
            c.res["bot_chat"]["type"],
            "Update",
            "2026-10-27T09:41:53Z",
            "dana.scientist@contoso.com",
            "Azure Portal",
            "Microsoft.CognitiveServices/accounts/deployments/write",
            {"properties.raiPolicyName": ("chatbot-relaxed", "Microsoft.Nil")},
        ),
        change_row(
            c.res["bot_storage"]["id"],
            c.res["bot_storage"]["type"],
            "Update",
            "2026-10-29T17:12:40Z",
            "consultant_fabrikam.com#EXT#@contoso.onmicrosoft.com",
            "Azure CLI",
            "Microsoft.Storage/storageAccounts/write",
            {"properties.networkAcls.defaultAction": ("Deny", "Allow")},
        ),
        change_row(
            diag,
            "microsoft.insights/diagnosticsettings",
            "Delete",
            "2026-10-30T08:02:19Z",
            "alex.admin@contoso.com",
            "Azure PowerShell",
            "Microsoft.Insights/diagnosticSettings/delete",
        ),
        change_row(
            grant["id"],
            "microsoft.authorization/roleassignments",
            "Create",
            "2026-10-31T11:30:00Z",
            "alex.admin@contoso.com",
            "Azure Portal",
            "Microsoft.Authorization/roleAssignments/write",
            {
                "properties.principalId": (None, guest),
                "properties.roleDefinitionId": (None, grant["properties"]["roleDefinitionId"]),
                "properties.scope": (None, grant["properties"].get("scope")),
            },
        ),
    ]
    for row in rows:
        row["tenantId"] = b.tenant_id
        b.add(row)
