"""The demo tenant a day later, with a deliberate regression and its change records: the
corp content filter (contoso-strict) relaxed and the hub's storage account opened to the
internet by a named user, and a user granted use of the corp Azure OpenAI account."""

from __future__ import annotations

import copy
from typing import Any

from aiposture.collect.demo import demo_snapshot
from aiposture.collect.demo.builder import ROLE, guid
from aiposture.collect.demo.changes import change_row
from aiposture.model.snapshot import Snapshot

WHO = "dana.scientist@contoso.com"
GRANTEE_UPN = "casey.integrations@contoso.com"
RAI = "raiPolicies/contoso-strict"
STORAGE = "storageAccounts/stcontosoaihub"
ACCOUNT = "accounts/oai-contoso-corp-prod"


def _row(snap: Snapshot, suffix: str) -> dict[str, Any]:
    return next(r for r in snap.resources if str(r["id"]).endswith(suffix))  # type: ignore[index]


def day_two(when: str) -> Snapshot:
    snap = demo_snapshot()
    snap.resources = [copy.deepcopy(r) for r in snap.resources]
    rai = _row(snap, RAI)
    for f in rai["properties"]["contentFilters"]:
        if f["name"] == "Jailbreak":
            f["blocking"] = False
            f["enabled"] = False
    st = _row(snap, STORAGE)
    st["properties"]["publicNetworkAccess"] = "Enabled"
    st["properties"]["networkAcls"]["defaultAction"] = "Allow"
    account = _row(snap, ACCOUNT)
    grantee = next(u for u in snap.graph["users"] if u["userPrincipalName"] == GRANTEE_UPN)
    sub = account["id"].split("/")[2]
    ra_name = guid("day-two", account["id"])
    ra_id = f"{account['id']}/providers/Microsoft.Authorization/roleAssignments/{ra_name}"
    role_id = (
        f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{ROLE['Cognitive Services OpenAI User']}"
    )
    snap.resources.append(
        {
            "id": ra_id,
            "name": ra_name,
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {
                "roleDefinitionId": role_id,
                "principalId": grantee["id"],
                "principalType": "User",
                "scope": account["id"],
            },
        }
    )
    filters = rai["properties"]["contentFilters"]
    jb = next(i for i, f in enumerate(filters) if f["name"] == "Jailbreak")
    snap.resources += [
        change_row(
            rai["id"],
            "Microsoft.CognitiveServices/accounts/raiPolicies",
            "Update",
            when,
            WHO,
            "Azure Portal",
            "Microsoft.CognitiveServices/accounts/raiPolicies/write",
            {
                f"properties.contentFilters[{jb}].blocking": (True, False),
                f"properties.contentFilters[{jb}].enabled": (True, False),
            },
        ),
        change_row(
            st["id"],
            "Microsoft.Storage/storageAccounts",
            "Update",
            when,
            WHO,
            "Azure CLI",
            "Microsoft.Storage/storageAccounts/write",
            {
                "properties.publicNetworkAccess": ("Disabled", "Enabled"),
                "properties.networkAcls.defaultAction": ("Deny", "Allow"),
            },
        ),
        change_row(
            ra_id,
            "Microsoft.Authorization/roleAssignments",
            "Create",
            when,
            "alex.admin@contoso.com",
            "Azure Portal",
            "Microsoft.Authorization/roleAssignments/write",
            {
                "properties.roleDefinitionId": (None, role_id),
                "properties.principalId": (None, grantee["id"]),
            },
        ),
    ]
    return snap
