"""Foundry hubs and ML workspaces: how they reach their own storage.

`systemDatastoresAuthMode` (Microsoft.MachineLearningServices/workspaces, API 2024-04-01 and
later) decides how the workspace's system datastores (workspaceblobstore, workspacefilestore,
the artifact store) authenticate to the default storage account: `AccessKey` (the storage
account key is stored in the workspace key vault and used for every access), `Identity`
(the workspace's managed identity, Entra ID), or `UserDelegationSAS` (SAS signed with Entra
credentials, not with the account key). Values from the REST specification's
SystemDatastoresAuthMode enum (azure-rest-api-specs, machinelearningservices
workspaceRP.json; SDK KnownSystemDatastoresAuthMode).
"""

from __future__ import annotations

from aiposture.facts.base import Fact, known, unknown_fact
from aiposture.model.entities import MLWorkspace
from aiposture.model.inventory import Inventory

AUTH_MODE = "properties.systemDatastoresAuthMode"
KEYLESS_MODES = frozenset({"identity", "userdelegationsas"})


def storage_owner(inv: Inventory, ws: MLWorkspace) -> tuple[MLWorkspace | None, str]:
    """The workspace whose settings govern `ws`'s default storage: a hub-based project uses
    its hub's storage account and system datastores."""
    if ws.kind.lower() == "project" and ws.hub_id:
        return inv.workspaces.get(ws.hub_id.lower()), f"hub {ws.hub_id.rsplit('/', 1)[-1]}"
    return ws, ws.name


def default_storage_keyless(inv: Inventory, ws: MLWorkspace) -> Fact:
    """True when the workspace reaches its default storage without the account key."""
    owner, label = storage_owner(inv, ws)
    if owner is None:
        return unknown_fact(
            "a hub project uses its hub's storage, and the hub is not in the snapshot",
            "resources",
            evidence=(("properties.hubResourceId", ws.hub_id),),
        )
    mode = owner.system_datastores_auth_mode
    evidence = (AUTH_MODE, mode)
    if mode is None:
        # No default is documented for an absent value, and API versions before 2024-04-01
        # do not return it: the mode cannot be decided from this row.
        return unknown_fact(
            f"{label}: systemDatastoresAuthMode is not in the data (read with API 2024-04-01 "
            "or later to decide)",
            "resources",
            evidence=(evidence,),
        )
    if mode.lower() in KEYLESS_MODES:
        return known(True, f"{label}: system datastores authenticate with {mode}", evidence)
    return known(
        False,
        f"{label}: system datastores authenticate with the storage account key ({mode})",
        evidence,
    )
